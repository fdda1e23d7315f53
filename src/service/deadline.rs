//! 时限: the deadline of the grid step an application waits on.

use chrono::NaiveDate;

use crate::domain::calendar::{MissingYear, WorkingCalendar};
use crate::domain::decision::StepLimit;
use crate::domain::event::{EventDraft, EventKind};
use crate::domain::workflow::{self, ClockOwner, ProcessClass, State};
use crate::domain::Application;

/// The limit of a step when no policy bundle decided the application: the limits of DOMAIN.md
/// (Jining's low-voltage and 10 kV limits; State Grid's internal limits for standard high voltage).
pub fn default_limit(process: ProcessClass, step: &str) -> Option<StepLimit> {
    let (days, from) = match (process, step) {
        (ProcessClass::LowVoltage, "energize") => (2, "accepted"),
        (ProcessClass::HvOrdinary, "reply_plan") => (2, "accepted"),
        (ProcessClass::HvOrdinary, "energize") => (5, "completion_reported"),
        (ProcessClass::HvStandard, "reply_plan") => (15, "accepted"),
        (ProcessClass::HvStandard, "completion_inspection") => (5, "completion_reported"),
        (ProcessClass::HvStandard, "energize") => (5, "completion_inspected"),
        _ => return None,
    };
    Some(StepLimit {
        id: step.to_string(),
        limit_working_days: days,
        from: from.to_string(),
    })
}

/// When the pending grid step's limit runs out: None while the grid's clock is stopped or no limit
/// applies. The limit counts from the last event named by the step's `from`.
pub fn deadline_for(
    app: &Application,
    events: &[EventDraft],
    calendar: &WorkingCalendar,
) -> Result<Option<NaiveDate>, MissingYear> {
    if workflow::clock_owner(app.process, app.status) != ClockOwner::Grid {
        return Ok(None);
    }
    let Some(step) = workflow::pending_step(app.process, app.status) else {
        return Ok(None);
    };
    let limit = match &app.decision {
        Some(decision) => decision.step(step).cloned(),
        None => default_limit(app.process, step),
    };
    let Some(limit) = limit else {
        return Ok(None);
    };
    let start = events
        .iter()
        .rev()
        .find(|e| match (&e.kind, limit.from.as_str()) {
            (EventKind::Accepted, "accepted") => true,
            (EventKind::Advanced { to, .. }, from) => State::from_id(from) == Some(*to),
            _ => false,
        })
        .map(|e| e.at.date_naive());
    match start {
        Some(start) => calendar
            .add_working_days(start, limit.limit_working_days)
            .map(Some),
        None => Ok(None),
    }
}
