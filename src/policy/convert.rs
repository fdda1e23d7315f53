//! 转换: between the domain's types and the contract's (WIT) types, and the checks every draft
//! decision passes: well-formed, consistent with the request and with itself.

use chrono::{Datelike, NaiveDate};

use super::host::wit;
use crate::domain::application::{ApplicationForm, CustomerClass, ParkLevel, RequestKind, Voltage};
use crate::domain::decision::{AccessClass, InvestmentBoundary, LinePayer, Program};
use crate::domain::workflow::State;

/// The step ids a decision may set (CONTRACTS.md).
pub const STEP_IDS: [&str; 6] = [
    "reply_plan",
    "line_built",
    "design_review",
    "mid_inspection",
    "completion_inspection",
    "energize",
];

/// A draft that is malformed or contradicts the request or itself: what is wrong.
pub fn check_draft(d: &wit::Decision, requested: Voltage) -> Result<(), String> {
    if let Some(class) = d.access_class {
        let class = from_wit_access(class);
        if class == AccessClass::LowVoltage && !requested.is_low() {
            return Err(format!(
                "low_voltage access for a {} request",
                requested.id()
            ));
        }
        // (A low-voltage request above the region's limit may be connected at high voltage.)
        if let Some(v) = d.access_voltage.map(from_wit_voltage) {
            if (class == AccessClass::LowVoltage) != v.is_low() {
                return Err(format!("{} access at {}", class.id(), v.id()));
            }
        }
    }
    // The lists are a handful of entries: duplicates are found by looking back, not hashing.
    for (i, p) in d.programs.iter().enumerate() {
        if d.programs[..i].contains(p) {
            return Err(format!(
                "program {} listed twice",
                from_wit_program(*p).id()
            ));
        }
    }
    let three_zero = d.programs.contains(&wit::Program::ThreeZero);
    if three_zero && d.external_line_payer == Some(wit::LinePayer::Customer) {
        return Err(
            "three_zero (zero investment) with the customer paying the external line".into(),
        );
    }
    if three_zero
        && d.access_class
            .is_some_and(|c| c != wit::AccessClass::LowVoltage)
    {
        return Err("three_zero is a low-voltage program, but the access is high voltage".into());
    }
    for (i, s) in d.steps.iter().enumerate() {
        if !STEP_IDS.contains(&s.id.as_str()) {
            return Err(format!(
                "unknown step id `{}` (expected one of {})",
                s.id,
                STEP_IDS.join(", ")
            ));
        }
        if d.steps[..i].iter().any(|earlier| earlier.id == s.id) {
            return Err(format!("step `{}` listed twice", s.id));
        }
        if State::from_id(&s.from).is_none() {
            return Err(format!(
                "step `{}` counts from `{}`, which is not a workflow state",
                s.id, s.from
            ));
        }
        if let Some(total) = d.grid_total_limit_working_days {
            if s.limit_working_days > total {
                return Err(format!(
                    "step `{}` alone may take {} working days, more than the grid's total of {total}",
                    s.id, s.limit_working_days
                ));
            }
        }
    }
    if let Some(t) = d.tariff_cut_yuan_per_kwh {
        if !t.is_finite() || !(0.0..1.0).contains(&t) {
            return Err(format!(
                "tariff cut {t} yuan/kWh is not a price cut between 0 and 1"
            ));
        }
    }
    for (i, r) in d.rules.iter().enumerate() {
        if d.rules[..i].contains(r) {
            return Err(format!("rule `{r}` cited twice"));
        }
    }
    Ok(())
}

/// The draft no module has touched.
pub fn empty_draft() -> wit::Decision {
    wit::Decision {
        access_class: None,
        access_voltage: None,
        programs: Vec::new(),
        investment_boundary: None,
        external_line_payer: None,
        steps: Vec::new(),
        grid_total_limit_working_days: None,
        tariff_cut_yuan_per_kwh: None,
        free_efficiency_service: None,
        rules: Vec::new(),
    }
}

pub fn to_wit_date(d: NaiveDate) -> wit::Date {
    wit::Date {
        year: d.year(),
        month: d.month() as u8,
        day: d.day() as u8,
    }
}

/// The rules' view of a form: no name, id number, phone or address.
pub fn to_wit_application(form: &ApplicationForm) -> wit::Application {
    let r = &form.request;
    wit::Application {
        customer: wit::Customer {
            class: match form.customer.class {
                CustomerClass::Resident => wit::CustomerClass::Resident,
                CustomerClass::SmallMicro => wit::CustomerClass::SmallMicro,
                CustomerClass::Enterprise => wit::CustomerClass::Enterprise,
            },
            star_rating: form.customer.star_rating,
        },
        site: wit::Site {
            county: form.site.county.clone(),
            rural: form.site.rural,
            park_name: form.site.park_name.clone(),
            park_level: form.site.park_level.map(|l| match l {
                ParkLevel::National => wit::ParkLevel::National,
                ParkLevel::Provincial => wit::ParkLevel::Provincial,
                ParkLevel::Municipal => wit::ParkLevel::Municipal,
            }),
            kinetic_library: form.site.kinetic_library,
        },
        request: wit::Request {
            kind: match r.kind {
                RequestKind::New => wit::RequestKind::New,
                RequestKind::CapacityIncrease => wit::RequestKind::CapacityIncrease,
                RequestKind::Transfer => wit::RequestKind::Transfer,
                RequestKind::Temporary => wit::RequestKind::Temporary,
            },
            voltage: to_wit_voltage(r.voltage),
            capacity_kw: r.capacity_kw,
            capacity_kva: r.capacity_kva,
            permanent: r.permanent,
            direct_meter: r.direct_meter,
            simple_line: r.simple_line,
            grid_project_need_date: r.grid_project_need_date.map(to_wit_date),
        },
        received: to_wit_date(form.received_at.date_naive()),
    }
}

pub fn to_wit_voltage(v: Voltage) -> wit::Voltage {
    match v {
        Voltage::V220 => wit::Voltage::V220,
        Voltage::V380 => wit::Voltage::V380,
        Voltage::Kv10 => wit::Voltage::Kv10,
        Voltage::Kv35 => wit::Voltage::Kv35,
        Voltage::Kv110 => wit::Voltage::Kv110,
        Voltage::Kv220 => wit::Voltage::Kv220,
    }
}

pub fn from_wit_voltage(v: wit::Voltage) -> Voltage {
    match v {
        wit::Voltage::V220 => Voltage::V220,
        wit::Voltage::V380 => Voltage::V380,
        wit::Voltage::Kv10 => Voltage::Kv10,
        wit::Voltage::Kv35 => Voltage::Kv35,
        wit::Voltage::Kv110 => Voltage::Kv110,
        wit::Voltage::Kv220 => Voltage::Kv220,
    }
}

pub fn from_wit_access(c: wit::AccessClass) -> AccessClass {
    match c {
        wit::AccessClass::LowVoltage => AccessClass::LowVoltage,
        wit::AccessClass::HvOrdinary => AccessClass::HvOrdinary,
        wit::AccessClass::HvStandard => AccessClass::HvStandard,
    }
}

pub fn from_wit_program(p: wit::Program) -> Program {
    match p {
        wit::Program::ThreeZero => Program::ThreeZero,
        wit::Program::ThreeSave => Program::ThreeSave,
    }
}

pub fn from_wit_boundary(b: wit::InvestmentBoundary) -> InvestmentBoundary {
    match b {
        wit::InvestmentBoundary::Meter => InvestmentBoundary::Meter,
        wit::InvestmentBoundary::PlanningRedLine => InvestmentBoundary::PlanningRedLine,
        wit::InvestmentBoundary::PropertyBoundary => InvestmentBoundary::PropertyBoundary,
    }
}

pub fn from_wit_payer(p: wit::LinePayer) -> LinePayer {
    match p {
        wit::LinePayer::Utility => LinePayer::Utility,
        wit::LinePayer::CountyGovernment => LinePayer::CountyGovernment,
        wit::LinePayer::Customer => LinePayer::Customer,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(id: &str, days: u32) -> wit::StepLimit {
        wit::StepLimit {
            id: id.into(),
            limit_working_days: days,
            from: "accepted".into(),
        }
    }

    fn low_voltage_draft() -> wit::Decision {
        wit::Decision {
            access_class: Some(wit::AccessClass::LowVoltage),
            access_voltage: Some(wit::Voltage::V380),
            programs: vec![wit::Program::ThreeZero],
            investment_boundary: Some(wit::InvestmentBoundary::Meter),
            external_line_payer: Some(wit::LinePayer::Utility),
            steps: vec![step("energize", 0)],
            grid_total_limit_working_days: Some(2),
            tariff_cut_yuan_per_kwh: Some(0.0),
            free_efficiency_service: Some(false),
            rules: vec!["JN-LV-160".into(), "JN-3ZERO".into()],
        }
    }

    #[test]
    fn a_sound_draft_passes_and_duplicates_are_named() {
        assert_eq!(check_draft(&low_voltage_draft(), Voltage::V380), Ok(()));
        let mut d = low_voltage_draft();
        d.programs.push(wit::Program::ThreeZero);
        assert_eq!(
            check_draft(&d, Voltage::V380),
            Err("program three_zero listed twice".into())
        );
        let mut d = low_voltage_draft();
        d.steps.push(step("reply_plan", 1));
        assert_eq!(check_draft(&d, Voltage::V380), Ok(()));
        d.steps.push(step("energize", 1));
        assert_eq!(
            check_draft(&d, Voltage::V380),
            Err("step `energize` listed twice".into())
        );
        let mut d = low_voltage_draft();
        d.rules.push("JN-LV-160".into());
        assert_eq!(
            check_draft(&d, Voltage::V380),
            Err("rule `JN-LV-160` cited twice".into())
        );
    }
}
