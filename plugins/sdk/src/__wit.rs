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
    Evaluation as WitEvaluation, ModuleInfo as WitModuleInfo, Part as WitPart,
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
        params: info
            .params
            .into_iter()
            .map(|p| w::ParamInfo {
                name: p.name,
                kind: match p.kind {
                    ParamKind::Integer => w::ParamKind::Integer,
                    ParamKind::Number => w::ParamKind::Number,
                    ParamKind::Text => w::ParamKind::Text,
                    ParamKind::Flag => w::ParamKind::Flag,
                    ParamKind::Texts => w::ParamKind::Texts,
                    ParamKind::Date => w::ParamKind::Date,
                },
                required: p.required,
                min: p.min,
                max: p.max,
                one_of: p.one_of,
                doc: p.doc,
            })
            .collect(),
        decides: info.decides.into_iter().map(aspect_out).collect(),
        reads: info.reads.into_iter().map(aspect_out).collect(),
    }
}

fn aspect_out(a: Aspect) -> w::Aspect {
    match a {
        Aspect::Access => w::Aspect::Access,
        Aspect::Programs => w::Aspect::Programs,
        Aspect::InvestmentBoundary => w::Aspect::InvestmentBoundary,
        Aspect::ExternalLinePayer => w::Aspect::ExternalLinePayer,
        Aspect::Steps => w::Aspect::Steps,
        Aspect::GridTotal => w::Aspect::GridTotal,
        Aspect::TariffCut => w::Aspect::TariffCut,
        Aspect::FreeEfficiencyService => w::Aspect::FreeEfficiencyService,
    }
}

/// `decide` of module `M` over a batch, as WIT: the parameters are decoded once and shared
/// (parameters that do not decode refuse every evaluation of the batch); each decision goes back
/// as the module's part of it (what differs from the draft it was given) with its rules as indexes
/// into describe()'s table.
pub fn decide<M: RuleModule>(
    params: Vec<u8>,
    texts: Vec<String>,
    batch: Vec<WitEvaluation>,
) -> Vec<Result<WitPart, WitRuleError>> {
    let params = match crate::wire::decode(params) {
        Ok(p) => p,
        Err(e) => {
            return batch
                .iter()
                .map(|_| Err(w::RuleError::BadParameter(e.clone())))
                .collect()
        }
    };
    let mut rules = RuleTable {
        ids: crate::rule_ids::<M>(),
        seen: Vec::new(),
    };
    // The instance is thrown away after this call and the arena never frees: dropping the
    // evaluations would only spend time, so they are forgotten instead.
    batch
        .into_iter()
        .map(|input| {
            let e = std::mem::ManuallyDrop::new(Evaluation {
                application: application(input.application, &texts)
                    .map_err(w::RuleError::Internal)?,
                params: params.clone(),
                evaluation_date: date(input.evaluation_date),
                draft: decision_in(input.draft),
            });
            let d = M::decide(&e).map_err(|e| match e {
                RuleError::BadParameter(m) => w::RuleError::BadParameter(m),
                RuleError::Unsupported(m) => w::RuleError::Unsupported(m),
                RuleError::Internal(m) => w::RuleError::Internal(m),
            })?;
            part(&e.draft, d, &mut rules).map_err(w::RuleError::Internal)
        })
        .collect()
}

/// describe()'s rule ids (built without its declarations: [`crate::rule_ids`]), and where the `&'static str`s a module applies were found in it.
struct RuleTable {
    ids: Vec<String>,
    /// (address, length) of an applied id and its index: a module applies the same literals
    /// on every evaluation, so after the first they are found without comparing bytes.
    seen: Vec<(usize, usize, u16)>,
}

impl RuleTable {
    fn index(&mut self, id: &'static str) -> Result<u16, String> {
        let key = (id.as_ptr() as usize, id.len());
        if let Some(&(_, _, i)) = self.seen.iter().find(|(p, n, _)| (*p, *n) == key) {
            return Ok(i);
        }
        let Some(i) = self.ids.iter().position(|r| r == id) else {
            return Err(format!(
                "cites rule `{id}`, which describe() does not declare (it declares: {})",
                self.ids.join(", ")
            ));
        };
        let i = u16::try_from(i).map_err(|_| "describe() declares over 65535 rules".to_string())?;
        self.seen.push((key.0, key.1, i));
        Ok(i)
    }
}

/// What `d` adds to or changes in `draft`, as the contract's part.
fn part(draft: &Decision, d: Decision, rules: &mut RuleTable) -> Result<WitPart, String> {
    let p = crate::part::part(draft, d)?;
    let cited = p
        .rules
        .iter()
        .map(|r| rules.index(r))
        .collect::<Result<Vec<u16>, String>>()?;
    Ok(w::Part {
        decision: w::Decision {
            access_class: p.access_class.map(access_out),
            access_voltage: p.access_voltage.map(voltage_out),
            programs: p.programs.into_iter().map(program_out).collect(),
            investment_boundary: p.investment_boundary.map(boundary_out),
            external_line_payer: p.external_line_payer.map(payer_out),
            steps: p
                .steps
                .iter()
                .map(|s| w::StepLimit {
                    step: step_out(s.step),
                    limit_working_days: s.limit_working_days,
                    from: event_out(s.from),
                })
                .collect(),
            grid_total_limit_working_days: p.grid_total_limit_working_days,
            tariff_cut_yuan_per_kwh: p.tariff_cut_yuan_per_kwh,
            free_efficiency_service: p.free_efficiency_service,
        },
        rules: cited,
    })
}

fn date(d: w::Date) -> Date {
    Date {
        year: d.year,
        month: d.month,
        day: d.day,
    }
}

/// The string at index `i` of the batch's texts.
fn text(texts: &[String], i: u32) -> Result<String, String> {
    texts.get(i as usize).cloned().ok_or_else(|| {
        format!(
            "the evaluation names text #{i}, but the batch has {}",
            texts.len()
        )
    })
}

fn application(a: w::Application, texts: &[String]) -> Result<Application, String> {
    Ok(Application {
        customer: Customer {
            class: match a.customer.class {
                w::CustomerClass::Resident => CustomerClass::Resident,
                w::CustomerClass::SmallMicro => CustomerClass::SmallMicro,
                w::CustomerClass::Enterprise => CustomerClass::Enterprise,
            },
            star_rating: a.customer.star_rating,
        },
        site: Site {
            county: text(texts, a.site.county)?,
            rural: a.site.rural,
            park_name: a.site.park_name.map(|i| text(texts, i)).transpose()?,
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
            important: a.request.important,
            dual_supply: a.request.dual_supply,
            existing_capacity_kw: a.request.existing_capacity_kw,
            existing_capacity_kva: a.request.existing_capacity_kva,
        },
        received: date(a.received),
    })
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
                step: match s.step {
                    w::Step::ReplyPlan => Step::ReplyPlan,
                    w::Step::LineBuilt => Step::LineBuilt,
                    w::Step::DesignReview => Step::DesignReview,
                    w::Step::MidInspection => Step::MidInspection,
                    w::Step::CompletionInspection => Step::CompletionInspection,
                    w::Step::Energize => Step::Energize,
                },
                limit_working_days: s.limit_working_days,
                from: event_in(s.from),
            })
            .collect(),
        grid_total_limit_working_days: d.grid_total_limit_working_days,
        tariff_cut_yuan_per_kwh: d.tariff_cut_yuan_per_kwh,
        free_efficiency_service: d.free_efficiency_service,
        // The draft's rules are the earlier modules' business: a part cites only its own.
        rules: Vec::new(),
    }
}

fn access_out(c: AccessClass) -> w::AccessClass {
    match c {
        AccessClass::LowVoltage => w::AccessClass::LowVoltage,
        AccessClass::HvOrdinary => w::AccessClass::HvOrdinary,
        AccessClass::HvStandard => w::AccessClass::HvStandard,
    }
}

fn program_out(p: Program) -> w::Program {
    match p {
        Program::ThreeZero => w::Program::ThreeZero,
        Program::ThreeSave => w::Program::ThreeSave,
    }
}

fn boundary_out(b: InvestmentBoundary) -> w::InvestmentBoundary {
    match b {
        InvestmentBoundary::Meter => w::InvestmentBoundary::Meter,
        InvestmentBoundary::PlanningRedLine => w::InvestmentBoundary::PlanningRedLine,
        InvestmentBoundary::PropertyBoundary => w::InvestmentBoundary::PropertyBoundary,
    }
}

fn payer_out(p: LinePayer) -> w::LinePayer {
    match p {
        LinePayer::Utility => w::LinePayer::Utility,
        LinePayer::CountyGovernment => w::LinePayer::CountyGovernment,
        LinePayer::Customer => w::LinePayer::Customer,
    }
}

fn step_out(s: Step) -> w::Step {
    match s {
        Step::ReplyPlan => w::Step::ReplyPlan,
        Step::LineBuilt => w::Step::LineBuilt,
        Step::DesignReview => w::Step::DesignReview,
        Step::MidInspection => w::Step::MidInspection,
        Step::CompletionInspection => w::Step::CompletionInspection,
        Step::Energize => w::Step::Energize,
    }
}

fn event_in(e: w::Event) -> Event {
    match e {
        w::Event::Accepted => Event::Accepted,
        w::Event::PlanReplied => Event::PlanReplied,
        w::Event::DesignSubmitted => Event::DesignSubmitted,
        w::Event::DesignReviewed => Event::DesignReviewed,
        w::Event::MidInspectionRequested => Event::MidInspectionRequested,
        w::Event::CompletionReported => Event::CompletionReported,
        w::Event::CompletionInspected => Event::CompletionInspected,
    }
}

fn event_out(e: Event) -> w::Event {
    match e {
        Event::Accepted => w::Event::Accepted,
        Event::PlanReplied => w::Event::PlanReplied,
        Event::DesignSubmitted => w::Event::DesignSubmitted,
        Event::DesignReviewed => w::Event::DesignReviewed,
        Event::MidInspectionRequested => w::Event::MidInspectionRequested,
        Event::CompletionReported => w::Event::CompletionReported,
        Event::CompletionInspected => w::Event::CompletionInspected,
    }
}
