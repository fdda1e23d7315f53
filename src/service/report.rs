//! 报表: the Getting-Electricity report of a period, grouped (`domain::report`), read in one pass
//! over the store.

use super::{Desk, DeskError};
use crate::domain::event::EventKind;
use crate::domain::metrics::summarize;
use crate::domain::report::{GroupBy, Period, Report, ReportBuilder};

impl Desk {
    /// The report of the applications accepted in `period`, one row per `by`. An application
    /// whose figures cannot be computed (a date outside the calendar) is left out and counted in
    /// the second value, with the first reason.
    pub fn report(
        &self,
        period: Period,
        by: GroupBy,
    ) -> Result<(Report, u64, Option<String>), DeskError> {
        let calendar = self.calendar();
        let mut builder = ReportBuilder::new(by, period);
        let (mut skipped, mut first_skip) = (0u64, None);
        let mut failure = None;
        self.scan(&mut |app| {
            let received = crate::domain::calendar::china_date(app.form.received_at);
            // Acceptance is on or after receipt: nothing received after the period is in it.
            if received > period.to {
                return true;
            }
            let events = match self.repository().events(&app.id) {
                Ok(e) => e,
                Err(e) => {
                    failure = Some(DeskError::from(e));
                    return false;
                }
            };
            match summarize(&app, &events, &calendar) {
                Ok(s) => {
                    let operator = events
                        .iter()
                        .find(|e| matches!(e.draft.kind, EventKind::Accepted))
                        .map_or("", |e| e.draft.actor.as_str());
                    builder.add(&s, &app.form.site.county, operator);
                }
                Err(e) => {
                    skipped += 1;
                    first_skip.get_or_insert_with(|| format!("{}: {e}", app.id));
                }
            }
            true
        })?;
        if let Some(e) = failure {
            return Err(e);
        }
        Ok((builder.finish(), skipped, first_skip))
    }
}
