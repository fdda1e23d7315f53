//! 转换: between the domain's types and the contract's (WIT) types, and the checks every draft
//! decision passes: well-formed, consistent with the request and with itself.

use chrono::{Datelike, NaiveDate};
use fnv::FnvHashMap;

use super::host::wit;
use crate::domain::application::{ApplicationForm, CustomerClass, ParkLevel, RequestKind, Voltage};
use crate::domain::decision::{AccessClass, InvestmentBoundary, LinePayer, Program};
use crate::domain::workflow::State;

/// The step ids a decision may set (docs/contracts.md), in the order of the contract's `step` enum.
pub const STEP_IDS: [&str; 6] = [
    "reply_plan",
    "line_built",
    "design_review",
    "mid_inspection",
    "completion_inspection",
    "energize",
];

/// The step id of docs/contracts.md.
pub fn step_id(s: wit::Step) -> &'static str {
    STEP_IDS[s as usize]
}

/// The workflow state a step's limit counts from.
pub fn event_state(e: wit::Event) -> State {
    match e {
        wit::Event::Accepted => State::Accepted,
        wit::Event::PlanReplied => State::PlanReplied,
        wit::Event::DesignSubmitted => State::DesignSubmitted,
        wit::Event::DesignReviewed => State::DesignReviewed,
        wit::Event::MidInspectionRequested => State::MidInspectionRequested,
        wit::Event::CompletionReported => State::CompletionReported,
        wit::Event::CompletionInspected => State::CompletionInspected,
    }
}

/// Merge a module's part into the draft of the modules before: what the part decides replaces
/// the draft's (as a later module may refine an earlier one's), programs are added once, a step
/// replaces the draft's limit of the same step. A part listing a program or a step twice is
/// malformed.
pub fn merge(draft: &mut wit::Decision, part: wit::Decision) -> Result<(), String> {
    for (i, p) in part.programs.iter().enumerate() {
        if part.programs[..i].contains(p) {
            return Err(format!(
                "program {} listed twice",
                from_wit_program(*p).id()
            ));
        }
    }
    for (i, s) in part.steps.iter().enumerate() {
        if part.steps[..i].iter().any(|earlier| earlier.step == s.step) {
            return Err(format!("step `{}` listed twice", step_id(s.step)));
        }
    }
    // The first part to set programs or steps hands its lists over as they are.
    if draft.programs.is_empty() {
        draft.programs = part.programs;
    } else {
        for p in part.programs {
            if !draft.programs.contains(&p) {
                draft.programs.push(p);
            }
        }
    }
    if draft.steps.is_empty() {
        draft.steps = part.steps;
    } else {
        for s in part.steps {
            match draft.steps.iter_mut().find(|d| d.step == s.step) {
                Some(d) => *d = s,
                None => draft.steps.push(s),
            }
        }
    }
    fn set<T: Copy>(into: &mut Option<T>, from: Option<T>) {
        if from.is_some() {
            *into = from;
        }
    }
    set(&mut draft.access_class, part.access_class);
    set(&mut draft.access_voltage, part.access_voltage);
    set(&mut draft.investment_boundary, part.investment_boundary);
    set(&mut draft.external_line_payer, part.external_line_payer);
    set(
        &mut draft.grid_total_limit_working_days,
        part.grid_total_limit_working_days,
    );
    set(
        &mut draft.tariff_cut_yuan_per_kwh,
        part.tariff_cut_yuan_per_kwh,
    );
    set(
        &mut draft.free_efficiency_service,
        part.free_efficiency_service,
    );
    Ok(())
}

/// The longest limit a decision may set, in working days (a step's or the grid's total).
pub const MAX_LIMIT_WORKING_DAYS: u32 = 365;
/// The largest tariff cut a decision may give, in yuan/kWh (a bundle may cap it lower: see
/// [`tariff_cap`]).
pub const MAX_TARIFF_CUT: f64 = 0.1;

/// The largest tariff cut a bundle's decisions may give: its largest `tariff_cut_*` number
/// parameter (the cuts it grants per voltage), or [`MAX_TARIFF_CUT`] without one; never above it.
pub fn tariff_cap(parameters: &[(String, crate::policy::manifest::ParamValue)]) -> f64 {
    use crate::policy::manifest::ParamValue;
    parameters
        .iter()
        .filter(|(name, _)| name.starts_with("tariff_cut_"))
        .filter_map(|(_, v)| match v {
            ParamValue::Number(x) if x.is_finite() => Some(*x),
            ParamValue::Integer(i) => Some(*i as f64),
            _ => None,
        })
        .reduce(f64::max)
        .map_or(MAX_TARIFF_CUT, |cap| cap.clamp(0.0, MAX_TARIFF_CUT))
}

/// Where a voltage stands: low voltage (220/380 V) 0, then 10, 35, 110, 220 kV.
fn voltage_level(v: wit::Voltage) -> u8 {
    match v {
        wit::Voltage::V220 | wit::Voltage::V380 => 0,
        wit::Voltage::Kv10 => 1,
        wit::Voltage::Kv35 => 2,
        wit::Voltage::Kv110 => 3,
        wit::Voltage::Kv220 => 4,
    }
}

/// A draft that is malformed or contradicts the request or itself: what is wrong.
pub fn check_draft(d: &wit::Decision, requested: Voltage) -> Result<(), String> {
    check_draft_within(d, requested, MAX_TARIFF_CUT)
}

/// [`check_draft`] with the bundle's tariff cap.
pub fn check_draft_within(
    d: &wit::Decision,
    requested: Voltage,
    tariff_cap: f64,
) -> Result<(), String> {
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
    if let Some(total) = d.grid_total_limit_working_days {
        if let Some(s) = d.steps.iter().find(|s| s.limit_working_days > total) {
            return Err(format!(
                "step `{}` alone may take {} working days, more than the grid's total of {total}",
                step_id(s.step),
                s.limit_working_days
            ));
        }
    }
    if let Some(t) = d.tariff_cut_yuan_per_kwh {
        if !t.is_finite() || !(0.0..=tariff_cap).contains(&t) {
            return Err(format!(
                "tariff cut {t} yuan/kWh is outside 0..={tariff_cap} (the bundle's largest tariff_cut_* parameter, at most {MAX_TARIFF_CUT})"
            ));
        }
    }
    // The access voltage is the one requested or the level above it (a low-voltage request over
    // the region's threshold is connected at 10 kV), never below it.
    if let Some(v) = d.access_voltage {
        let asked = to_wit_voltage(requested);
        if (v as u8) < (asked as u8) || voltage_level(v) > voltage_level(asked) + 1 {
            return Err(format!(
                "access at {} for a {} request (the access voltage is the one requested or the next level up)",
                from_wit_voltage(v).id(),
                requested.id()
            ));
        }
    }
    if let Some(s) = d
        .steps
        .iter()
        .find(|s| s.limit_working_days > MAX_LIMIT_WORKING_DAYS)
    {
        return Err(format!(
            "step `{}` limit of {} working days is above the maximum of {MAX_LIMIT_WORKING_DAYS}",
            step_id(s.step),
            s.limit_working_days
        ));
    }
    if let Some(total) = d
        .grid_total_limit_working_days
        .filter(|t| *t > MAX_LIMIT_WORKING_DAYS)
    {
        return Err(format!(
            "grid total of {total} working days is above the maximum of {MAX_LIMIT_WORKING_DAYS}"
        ));
    }
    let three_save = d.programs.contains(&wit::Program::ThreeSave);
    if three_save
        && d.investment_boundary
            .is_some_and(|b| b != wit::InvestmentBoundary::PlanningRedLine)
    {
        return Err(
            "three_save extends the utility's investment to the planning red line, but the boundary is elsewhere".into(),
        );
    }
    if d.programs.contains(&wit::Program::ThreeZero)
        && d.investment_boundary
            .is_some_and(|b| b != wit::InvestmentBoundary::Meter)
    {
        return Err(
            "three_zero (zero investment) puts the boundary at the meter, but it is elsewhere"
                .into(),
        );
    }
    if let (Some(b), Some(p)) = (d.investment_boundary, d.external_line_payer) {
        let utility_invests = b != wit::InvestmentBoundary::PropertyBoundary;
        if utility_invests != (p == wit::LinePayer::Utility) {
            return Err(format!(
                "boundary {} with the external line paid by {}: the utility pays the line exactly when its investment reaches the meter or the planning red line",
                from_wit_boundary(b).id(),
                from_wit_payer(p).id()
            ));
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
    }
}

pub fn to_wit_date(d: NaiveDate) -> wit::Date {
    wit::Date {
        year: d.year(),
        month: d.month() as u8,
        day: d.day() as u8,
    }
}

/// The strings of a batch's applications (counties, park names), each sent once: evaluations
/// name them by index (`decide`'s `texts`).
#[derive(Debug, Default)]
pub struct Texts {
    list: Vec<String>,
    /// (FNV: short keys, no untrusted input.)
    index: FnvHashMap<String, u32>,
}

impl Texts {
    /// The index of `s`, added if new.
    pub fn id(&mut self, s: &str) -> u32 {
        if let Some(&i) = self.index.get(s) {
            return i;
        }
        let i = u32::try_from(self.list.len()).expect("fewer than 2^32 texts in a batch");
        self.list.push(s.to_string());
        self.index.insert(s.to_string(), i);
        i
    }

    pub fn as_slice(&self) -> &[String] {
        &self.list
    }

    /// Empty, keeping the allocations for the next batch.
    pub fn clear(&mut self) {
        self.list.clear();
        self.index.clear();
    }
}

/// The rules' view of a form: no name, id number, phone or address; its strings go to `texts`.
pub fn to_wit_application(form: &ApplicationForm, texts: &mut Texts) -> wit::Application {
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
            county: texts.id(&form.site.county),
            rural: form.site.rural,
            park_name: form.site.park_name.as_deref().map(|n| texts.id(n)),
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
            important: r.important,
            dual_supply: r.dual_supply,
            existing_capacity_kw: r.existing_capacity_kw,
            existing_capacity_kva: r.existing_capacity_kva,
        },
        received: to_wit_date(crate::domain::calendar::china_date(form.received_at)),
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

    fn step(s: wit::Step, days: u32) -> wit::StepLimit {
        wit::StepLimit {
            step: s,
            limit_working_days: days,
            from: wit::Event::Accepted,
        }
    }

    fn low_voltage_draft() -> wit::Decision {
        wit::Decision {
            access_class: Some(wit::AccessClass::LowVoltage),
            access_voltage: Some(wit::Voltage::V380),
            programs: vec![wit::Program::ThreeZero],
            investment_boundary: Some(wit::InvestmentBoundary::Meter),
            external_line_payer: Some(wit::LinePayer::Utility),
            steps: vec![step(wit::Step::Energize, 0)],
            grid_total_limit_working_days: Some(2),
            tariff_cut_yuan_per_kwh: Some(0.0),
            free_efficiency_service: Some(false),
        }
    }

    #[test]
    fn a_sound_draft_passes_and_a_step_over_the_total_is_named() {
        assert_eq!(check_draft(&low_voltage_draft(), Voltage::V380), Ok(()));
        let mut d = low_voltage_draft();
        d.steps.push(step(wit::Step::LineBuilt, 3));
        assert_eq!(
            check_draft(&d, Voltage::V380),
            Err(
                "step `line_built` alone may take 3 working days, more than the grid's total of 2"
                    .into()
            )
        );
    }

    #[test]
    fn a_part_adds_to_the_draft_and_duplicates_within_it_are_named() {
        let mut d = empty_draft();
        merge(&mut d, low_voltage_draft()).unwrap();
        // (The generated records have no PartialEq.)
        assert_eq!(format!("{d:?}"), format!("{:?}", low_voltage_draft()));
        // A later part refines: the same program once, a step replaced, a field set.
        let part = wit::Decision {
            programs: vec![wit::Program::ThreeZero],
            steps: vec![step(wit::Step::Energize, 1), step(wit::Step::LineBuilt, 1)],
            free_efficiency_service: Some(true),
            ..empty_draft()
        };
        merge(&mut d, part).unwrap();
        assert_eq!(d.programs, [wit::Program::ThreeZero]);
        assert_eq!(
            format!("{:?}", d.steps),
            format!(
                "{:?}",
                [step(wit::Step::Energize, 1), step(wit::Step::LineBuilt, 1)]
            )
        );
        assert_eq!(d.free_efficiency_service, Some(true));
        assert_eq!(d.access_class, Some(wit::AccessClass::LowVoltage));

        let twice = wit::Decision {
            programs: vec![wit::Program::ThreeSave, wit::Program::ThreeSave],
            ..empty_draft()
        };
        assert_eq!(
            merge(&mut empty_draft(), twice),
            Err("program three_save listed twice".into())
        );
        let twice = wit::Decision {
            steps: vec![step(wit::Step::Energize, 0), step(wit::Step::Energize, 1)],
            ..empty_draft()
        };
        assert_eq!(
            merge(&mut empty_draft(), twice),
            Err("step `energize` listed twice".into())
        );
    }

    #[test]
    fn a_request_crosses_with_important_dual_supply_and_existing_capacity() {
        let mut form = crate::policy::sample::Sampler::new(1).form();
        form.request.important = true;
        form.request.dual_supply = true;
        form.request.existing_capacity_kw = Some(120.0);
        form.request.existing_capacity_kva = None;
        let r = to_wit_application(&form, &mut Texts::default()).request;
        assert!(r.important && r.dual_supply);
        assert_eq!(
            (r.existing_capacity_kw, r.existing_capacity_kva),
            (Some(120.0), None)
        );
        form.request.important = false;
        form.request.existing_capacity_kva = Some(1000.0);
        let r = to_wit_application(&form, &mut Texts::default()).request;
        assert!(!r.important);
        assert_eq!(r.existing_capacity_kva, Some(1000.0));
    }

    #[test]
    fn a_batch_sends_each_text_once() {
        let mut texts = Texts::default();
        assert_eq!(texts.id("任城区"), 0);
        assert_eq!(texts.id("兖州区"), 1);
        assert_eq!(texts.id("任城区"), 0);
        assert_eq!(texts.as_slice(), ["任城区", "兖州区"]);
        texts.clear();
        assert_eq!(texts.id("兖州区"), 0);
    }

    #[test]
    fn the_contract_enums_name_contract_ids_and_workflow_states() {
        let steps = [
            wit::Step::ReplyPlan,
            wit::Step::LineBuilt,
            wit::Step::DesignReview,
            wit::Step::MidInspection,
            wit::Step::CompletionInspection,
            wit::Step::Energize,
        ];
        let ids: Vec<&str> = steps.into_iter().map(step_id).collect();
        assert_eq!(ids, STEP_IDS);
        assert_eq!(
            event_state(wit::Event::CompletionInspected).id(),
            "completion_inspected"
        );
        assert_eq!(event_state(wit::Event::PlanReplied).id(), "plan_replied");
        assert_eq!(
            event_state(wit::Event::DesignSubmitted).id(),
            "design_submitted"
        );
        assert_eq!(
            event_state(wit::Event::MidInspectionRequested).id(),
            "mid_inspection_requested"
        );
    }
}
