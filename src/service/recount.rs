//! 重算时限: recount open deadlines when the working-day calendar changes.
//!
//! A deadline counted over a year without an official calendar is provisional (DOMAIN.md,
//! "Working days"); once that year's file is loaded it must be counted again. The store keeps
//! the fingerprint of the calendar its deadlines were counted on ([`SETTING_CALENDAR_FINGERPRINT`]);
//! whenever a desk is opened over the store (every entry point's composition root) or a bundle is
//! activated, [`Desk::sync_calendar`] compares it with the calendar in effect and, when they
//! differ, recounts every open application whose deadline the changed years can move, a batch
//! at a time (each batch one atomic, durable change), then records the new fingerprint with the
//! last batch. A store without the setting (new, or upgraded from schema 5, whose deadlines were
//! counted in each timestamp's own offset) has all its open deadlines recounted.

use chrono::Datelike;
use serde::Serialize;

use super::{deadline_for, Desk, DeskError};
use crate::domain::calendar::WorkingCalendar;
pub use crate::domain::calendar::SETTING_CALENDAR_FINGERPRINT;
use crate::domain::event::{EventDraft, EventKind};
use crate::domain::ports::Change;
use crate::domain::AppId;

/// Applications recounted per change.
const RECOUNT_BATCH: usize = 256;

/// What [`Desk::sync_calendar`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CalendarSync {
    /// Whether the calendar differed from the one the stored deadlines were counted on.
    pub changed: bool,
    /// The years whose days changed (loaded or unloaded, or other days); None: every year
    /// (no fingerprint was stored).
    pub years: Option<Vec<i32>>,
    /// Open applications whose deadline was counted again.
    pub recounted: u64,
    /// Of those, the ones whose deadline or its provisional mark changed.
    pub updated: u64,
    /// Open applications whose deadline is still provisional afterwards.
    pub still_provisional: u64,
}

/// Which open applications a calendar change can move.
enum Scope {
    /// Every open application with a deadline.
    All,
    /// Those whose deadline lies in or after this year (a count reaching no changed year
    /// cannot change).
    From(i32),
}

impl Desk {
    /// Make the stored deadlines agree with the calendar in effect ([`Desk::calendar`]): when it
    /// is not the one they were counted on, recount the open applications it can move and
    /// record it. Cheap when nothing changed (one setting read).
    pub fn sync_calendar(&self) -> Result<CalendarSync, DeskError> {
        let calendar = self.calendar();
        let fingerprint = calendar.fingerprint();
        let stored = self.repo.setting(SETTING_CALENDAR_FINGERPRINT)?;
        if stored.as_deref() == Some(fingerprint.as_str()) {
            return Ok(CalendarSync::default());
        }
        let years = stored.and_then(|s| calendar.years_changed_since(&s));
        let scope = match years.as_deref() {
            None => Scope::All,
            Some([]) => {
                // Only the form of the fingerprint differs: nothing to recount.
                self.set_setting(SETTING_CALENDAR_FINGERPRINT, Some(fingerprint))?;
                return Ok(CalendarSync::default());
            }
            Some([first, ..]) => Scope::From(*first),
        };
        let mut sync = self.recount(&calendar, &scope, fingerprint)?;
        sync.years = years;
        Ok(sync)
    }

    /// Recount the open deadlines in `scope` on `calendar`; the fingerprint is written with the
    /// last batch (so an interrupted recount starts over on the next open).
    fn recount(
        &self,
        calendar: &WorkingCalendar,
        scope: &Scope,
        fingerprint: String,
    ) -> Result<CalendarSync, DeskError> {
        let mut ids: Vec<AppId> = Vec::new();
        self.repo.scan(&mut |app| {
            let in_scope = match (scope, app.deadline) {
                (_, None) => false,
                (Scope::All, Some(_)) => true,
                (Scope::From(year), Some(d)) => app.deadline_provisional || d.year() >= *year,
            };
            if in_scope && !app.status.is_terminal() {
                ids.push(app.id);
            }
            true
        })?;
        let mut sync = CalendarSync {
            changed: true,
            ..CalendarSync::default()
        };
        let mut batches = ids.chunks(RECOUNT_BATCH).peekable();
        if batches.peek().is_none() {
            self.set_setting(SETTING_CALENDAR_FINGERPRINT, Some(fingerprint))?;
            return Ok(sync);
        }
        while let Some(batch) = batches.next() {
            // Moves on these applications wait: a recount never overwrites a newer record.
            let _guard = self.writer.lock().unwrap_or_else(|e| e.into_inner());
            let mut change = Change::default();
            for id in batch {
                let Some(mut app) = self.repo.get(id)? else {
                    continue;
                };
                if app.status.is_terminal() {
                    continue;
                }
                let events: Vec<EventDraft> =
                    self.repo.events(id)?.into_iter().map(|e| e.draft).collect();
                let before = (
                    app.deadline,
                    app.deadline_provisional,
                    app.missing_calendar_years.clone(),
                );
                app.set_deadline(deadline_for(&app, &events, calendar)?);
                sync.recounted += 1;
                if app.deadline_provisional {
                    sync.still_provisional += 1;
                }
                let after = (
                    app.deadline,
                    app.deadline_provisional,
                    app.missing_calendar_years.clone(),
                );
                if before != after {
                    sync.updated += 1;
                    // The new record is sealed by an event of its own, so the chain covers it.
                    // Dated at the last change, as the migration's seals are, so it sets no new
                    // bound on when later moves may be dated.
                    change.events.push(EventDraft {
                        app_id: app.id.clone(),
                        at: app.updated_at,
                        actor: "calendar".into(),
                        kind: EventKind::Sealed {
                            reason: "deadline recounted: the working-day calendar changed".into(),
                        },
                        note: None,
                        record: None,
                    });
                    change.applications.push(app);
                }
            }
            if batches.peek().is_none() {
                change.settings.push((
                    SETTING_CALENDAR_FINGERPRINT.to_string(),
                    Some(fingerprint.clone()),
                ));
            }
            if !change.applications.is_empty() || !change.settings.is_empty() {
                self.repo.commit(change)?;
            }
        }
        Ok(sync)
    }
}
