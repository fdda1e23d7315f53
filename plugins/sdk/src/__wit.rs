//! The component glue (wasm32 only): wit-bindgen bindings of the contract and the conversions
//! between the WIT types and the SDK's plain types. Used by [`crate::export_rule_module!`].

#[doc(hidden)]
pub mod bindings {
    wit_bindgen::generate!({
        path: "../wit/powerdesk-policy.wit",
        world: "rule-module",
        pub_export_macro: true,
        export_macro_name: "__export_wit",
        default_bindings_module: "$crate::__wit::bindings",
    });
}

use bindings::exports::powerdesk::policy::rules as w;

pub use w::Guest;
pub use w::{
    Decision as WitDecision, Evaluation as WitEvaluation, ModuleInfo as WitModuleInfo,
    RuleError as WitRuleError,
};

use crate::*;

/// `describe` of module `M`, as WIT.
pub fn describe<M: RuleModule>() -> WitModuleInfo {
    let info = M::describe();
    w::ModuleInfo {
        name: info.name,
        version: info.version,
        contract: info.contract,
        rules: info
            .rules
            .into_iter()
            .map(|r| w::RuleInfo {
                id: r.id,
                text: r.text,
            })
            .collect(),
    }
}

/// `decide` of module `M` over a batch, as WIT: the parameters are decoded once and shared;
/// parameters that do not decode refuse every evaluation of the batch.
pub fn decide<M: RuleModule>(
    params: Vec<u8>,
    batch: Vec<WitEvaluation>,
) -> Vec<Result<WitDecision, WitRuleError>> {
    let params = match crate::wire::decode(params) {
        Ok(p) => p,
        Err(e) => {
            return batch
                .iter()
                .map(|_| Err(w::RuleError::BadParameter(e.clone())))
                .collect()
        }
    };
    // The instance is thrown away after this call and the arena never frees: dropping the
    // evaluations would only spend time, so they are forgotten instead.
    batch
        .into_iter()
        .map(|input| {
            let e = std::mem::ManuallyDrop::new(Evaluation {
                application: application(input.application),
                params: params.clone(),
                evaluation_date: date(input.evaluation_date),
                draft: decision_in(input.draft),
            });
            match M::decide(&e) {
                Ok(d) => Ok(decision_out(d)),
                Err(RuleError::BadParameter(m)) => Err(w::RuleError::BadParameter(m)),
                Err(RuleError::Unsupported(m)) => Err(w::RuleError::Unsupported(m)),
                Err(RuleError::Internal(m)) => Err(w::RuleError::Internal(m)),
            }
        })
        .collect()
}

fn date(d: w::Date) -> Date {
    Date {
        year: d.year,
        month: d.month,
        day: d.day,
    }
}

fn application(a: w::Application) -> Application {
    Application {
        customer: Customer {
            class: match a.customer.class {
                w::CustomerClass::Resident => CustomerClass::Resident,
                w::CustomerClass::SmallMicro => CustomerClass::SmallMicro,
                w::CustomerClass::Enterprise => CustomerClass::Enterprise,
            },
            star_rating: a.customer.star_rating,
        },
        site: Site {
            county: a.site.county,
            rural: a.site.rural,
            park_name: a.site.park_name,
            park_level: a.site.park_level.map(|p| match p {
                w::ParkLevel::National => ParkLevel::National,
                w::ParkLevel::Provincial => ParkLevel::Provincial,
                w::ParkLevel::Municipal => ParkLevel::Municipal,
            }),
            kinetic_library: a.site.kinetic_library,
        },
        request: Request {
            kind: match a.request.kind {
                w::RequestKind::New => RequestKind::New,
                w::RequestKind::CapacityIncrease => RequestKind::CapacityIncrease,
                w::RequestKind::Transfer => RequestKind::Transfer,
                w::RequestKind::Temporary => RequestKind::Temporary,
            },
            voltage: voltage_in(a.request.voltage),
            capacity_kw: a.request.capacity_kw,
            capacity_kva: a.request.capacity_kva,
            permanent: a.request.permanent,
            direct_meter: a.request.direct_meter,
            simple_line: a.request.simple_line,
            grid_project_need_date: a.request.grid_project_need_date.map(date),
        },
        received: date(a.received),
    }
}

fn voltage_in(v: w::Voltage) -> Voltage {
    match v {
        w::Voltage::V220 => Voltage::V220,
        w::Voltage::V380 => Voltage::V380,
        w::Voltage::Kv10 => Voltage::Kv10,
        w::Voltage::Kv35 => Voltage::Kv35,
        w::Voltage::Kv110 => Voltage::Kv110,
        w::Voltage::Kv220 => Voltage::Kv220,
    }
}

fn voltage_out(v: Voltage) -> w::Voltage {
    match v {
        Voltage::V220 => w::Voltage::V220,
        Voltage::V380 => w::Voltage::V380,
        Voltage::Kv10 => w::Voltage::Kv10,
        Voltage::Kv35 => w::Voltage::Kv35,
        Voltage::Kv110 => w::Voltage::Kv110,
        Voltage::Kv220 => w::Voltage::Kv220,
    }
}

fn decision_in(d: w::Decision) -> Decision {
    Decision {
        access_class: d.access_class.map(|c| match c {
            w::AccessClass::LowVoltage => AccessClass::LowVoltage,
            w::AccessClass::HvOrdinary => AccessClass::HvOrdinary,
            w::AccessClass::HvStandard => AccessClass::HvStandard,
        }),
        access_voltage: d.access_voltage.map(voltage_in),
        programs: d
            .programs
            .into_iter()
            .map(|p| match p {
                w::Program::ThreeZero => Program::ThreeZero,
                w::Program::ThreeSave => Program::ThreeSave,
            })
            .collect(),
        investment_boundary: d.investment_boundary.map(|b| match b {
            w::InvestmentBoundary::Meter => InvestmentBoundary::Meter,
            w::InvestmentBoundary::PlanningRedLine => InvestmentBoundary::PlanningRedLine,
            w::InvestmentBoundary::PropertyBoundary => InvestmentBoundary::PropertyBoundary,
        }),
        external_line_payer: d.external_line_payer.map(|p| match p {
            w::LinePayer::Utility => LinePayer::Utility,
            w::LinePayer::CountyGovernment => LinePayer::CountyGovernment,
            w::LinePayer::Customer => LinePayer::Customer,
        }),
        steps: d
            .steps
            .into_iter()
            .map(|s| StepLimit {
                id: s.id,
                limit_working_days: s.limit_working_days,
                from: s.from,
            })
            .collect(),
        grid_total_limit_working_days: d.grid_total_limit_working_days,
        tariff_cut_yuan_per_kwh: d.tariff_cut_yuan_per_kwh,
        free_efficiency_service: d.free_efficiency_service,
        rules: d.rules,
    }
}

fn decision_out(d: Decision) -> w::Decision {
    w::Decision {
        access_class: d.access_class.map(|c| match c {
            AccessClass::LowVoltage => w::AccessClass::LowVoltage,
            AccessClass::HvOrdinary => w::AccessClass::HvOrdinary,
            AccessClass::HvStandard => w::AccessClass::HvStandard,
        }),
        access_voltage: d.access_voltage.map(voltage_out),
        programs: d
            .programs
            .into_iter()
            .map(|p| match p {
                Program::ThreeZero => w::Program::ThreeZero,
                Program::ThreeSave => w::Program::ThreeSave,
            })
            .collect(),
        investment_boundary: d.investment_boundary.map(|b| match b {
            InvestmentBoundary::Meter => w::InvestmentBoundary::Meter,
            InvestmentBoundary::PlanningRedLine => w::InvestmentBoundary::PlanningRedLine,
            InvestmentBoundary::PropertyBoundary => w::InvestmentBoundary::PropertyBoundary,
        }),
        external_line_payer: d.external_line_payer.map(|p| match p {
            LinePayer::Utility => w::LinePayer::Utility,
            LinePayer::CountyGovernment => w::LinePayer::CountyGovernment,
            LinePayer::Customer => w::LinePayer::Customer,
        }),
        steps: d
            .steps
            .into_iter()
            .map(|s| w::StepLimit {
                id: s.id,
                limit_working_days: s.limit_working_days,
                from: s.from,
            })
            .collect(),
        grid_total_limit_working_days: d.grid_total_limit_working_days,
        tariff_cut_yuan_per_kwh: d.tariff_cut_yuan_per_kwh,
        free_efficiency_service: d.free_efficiency_service,
        rules: d.rules,
    }
}
