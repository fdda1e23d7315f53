//! 时限: the deadline of the grid step an application waits on.

use chrono::NaiveDate;

use super::DeskError;
use crate::domain::calendar::{china_date, Counted, WorkingCalendar};
use crate::domain::decision::StepLimit;
use crate::domain::event::{Event, EventDraft, EventKind, GENESIS_HASH};
use crate::domain::timeline;
use crate::domain::workflow::{self, ClockOwner, ProcessClass, State};
use crate::domain::Application;

/// The limit of a step when no policy bundle decided the application: the limits of docs/domain.md
/// (Jining's low-voltage and 10 kV limits; State Grid's internal limits for standard high voltage).
pub fn default_limit(process: ProcessClass, step: &str) -> Option<StepLimit> {
    let (days, from) = match (process, step) {
        (ProcessClass::LowVoltage, "energize") => (2, "accepted"),
        (ProcessClass::HvOrdinary, "reply_plan") => (2, "accepted"),
        (ProcessClass::HvOrdinary, "energize") => (5, "completion_reported"),
        (ProcessClass::HvStandard, "reply_plan") => (15, "accepted"),
        (ProcessClass::HvStandard, "design_review") => (10, "design_submitted"),
        (ProcessClass::HvStandard, "mid_inspection") => (5, "mid_inspection_requested"),
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

/// When the pending grid step's limit runs out, and the years without an official calendar the
/// count went through: None while the grid's clock is stopped or no limit applies. With a
/// decision, `domain::timeline::deadline_for` counts it (customer days not charged); without one,
/// the default limit counts from the last event named by its `from`.
pub fn deadline_for(
    app: &Application,
    events: &[EventDraft],
    calendar: &WorkingCalendar,
) -> Result<Option<Counted<NaiveDate>>, DeskError> {
    if workflow::clock_owner(app.process, app.status) != ClockOwner::Grid {
        return Ok(None);
    }
    if app.decision.is_some() {
        // The timeline reads stored events; the planning drafts get provisional places.
        let mut prev = GENESIS_HASH.to_string();
        let chained: Vec<Event> = events
            .iter()
            .enumerate()
            .map(|(i, d)| {
                let e = Event::chain(i as u64 + 1, d.clone(), &prev);
                prev = e.hash.clone();
                e
            })
            .collect();
        return timeline::deadline_for(app, &chained, calendar).map_err(DeskError::from);
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
        .map(|e| china_date(e.at));
    Ok(start.map(|start| calendar.add_working_days(start, limit.limit_working_days)))
}
