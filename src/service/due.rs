//! 到期提醒: what is due, before anyone asks. The open applications whose grid deadline is past,
//! today or the next working day, counted per step and per operator, read from the store's
//! deadline index (never a scan of the store).

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{Desk, DeskError};
use crate::domain::calendar::{MissingYears, WorkingCalendar};
use crate::domain::ports::{Query, SortBy};
use crate::domain::workflow::{self, ProcessClass, State};
use crate::domain::AppId;

/// When an application's grid deadline falls, seen from today.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Due {
    /// Before today (超期).
    Overdue,
    /// Today (今日到期).
    Today,
    /// The next working day (次日到期; Monday seen from a Friday).
    NextWorkingDay,
}

/// How many applications are due, by when.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DueCounts {
    pub overdue: u64,
    pub today: u64,
    pub next_working_day: u64,
    /// Of all these, the deadlines counted over a year without an official calendar.
    pub provisional: u64,
}

impl DueCounts {
    fn add(&mut self, item: &DueItem) {
        match item.due {
            Due::Overdue => self.overdue += 1,
            Due::Today => self.today += 1,
            Due::NextWorkingDay => self.next_working_day += 1,
        }
        if item.deadline_provisional {
            self.provisional += 1;
        }
    }

    pub fn total(&self) -> u64 {
        self.overdue + self.today + self.next_working_day
    }
}

/// The counts of one step (`energize`, `reply_plan`, …) or one operator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DueGroup {
    pub key: String,
    #[serde(flatten)]
    pub counts: DueCounts,
}

/// One application that is due.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DueItem {
    pub id: AppId,
    pub customer: String,
    pub county: String,
    pub process: ProcessClass,
    pub status: State,
    /// The grid step it waits on (a decision step id).
    pub step: String,
    pub deadline: NaiveDate,
    /// The deadline was counted over a year without an official calendar (暂定).
    pub deadline_provisional: bool,
    pub missing_calendar_years: MissingYears,
    /// Working days from today to the deadline (negative when past).
    pub remaining_working_days: i64,
    pub due: Due,
    /// Who recorded its last event: the operator holding it.
    pub operator: String,
}

/// 到期清单: what is due as of a day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DueView {
    pub as_of: NaiveDate,
    pub next_working_day: NaiveDate,
    pub totals: DueCounts,
    /// Per step, most overdue first.
    pub by_step: Vec<DueGroup>,
    /// Per operator, most overdue first.
    pub by_operator: Vec<DueGroup>,
    /// The applications, earliest deadline first (the most overdue on top), at most the limit
    /// asked for; `totals` counts them all.
    pub items: Vec<DueItem>,
}

/// Applications read from the deadline index per page.
const PAGE: usize = 1_000;

/// Working days from `today` to `deadline`, negative when it is past (at least one working day
/// past when the deadline is a day off before today).
pub fn remaining_working_days(
    calendar: &WorkingCalendar,
    today: NaiveDate,
    deadline: NaiveDate,
) -> i64 {
    if deadline >= today {
        i64::from(calendar.working_days_between(today, deadline).value)
    } else {
        -i64::from(calendar.working_days_between(deadline, today).value.max(1))
    }
}

impl Desk {
    /// 到期提醒: the open applications whose grid deadline is before today, today or the next
    /// working day, as of today on the desk's clock; `limit` of them listed (0: all).
    pub fn due(&self, limit: usize) -> Result<DueView, DeskError> {
        let today = self.today();
        let calendar = self.calendar();
        let next = calendar.add_working_days(today, 1).value;
        let mut view = DueView {
            as_of: today,
            next_working_day: next,
            totals: DueCounts::default(),
            by_step: Vec::new(),
            by_operator: Vec::new(),
            items: Vec::new(),
        };
        let mut steps: BTreeMap<String, DueCounts> = BTreeMap::new();
        let mut operators: BTreeMap<String, DueCounts> = BTreeMap::new();
        let mut query = Query {
            overdue_on: next.succ_opt(),
            sort: SortBy::Deadline,
            limit: PAGE,
            ..Query::default()
        };
        loop {
            let page = self.repo.query(&query)?;
            let read = page.items.len();
            for app in page.items {
                let (Some(deadline), false) = (app.deadline, app.status.is_terminal()) else {
                    continue;
                };
                let due = match deadline.cmp(&today) {
                    std::cmp::Ordering::Less => Due::Overdue,
                    std::cmp::Ordering::Equal => Due::Today,
                    std::cmp::Ordering::Greater => Due::NextWorkingDay,
                };
                let operator = self
                    .repo
                    .events(&app.id)?
                    .last()
                    .map(|e| e.draft.actor.clone())
                    .unwrap_or_default();
                let step = workflow::pending_step(app.process, app.status)
                    .unwrap_or("-")
                    .to_string();
                let item = DueItem {
                    remaining_working_days: remaining_working_days(&calendar, today, deadline),
                    id: app.id,
                    customer: app.form.customer.name,
                    county: app.form.site.county,
                    process: app.process,
                    status: app.status,
                    step,
                    deadline,
                    deadline_provisional: app.deadline_provisional,
                    missing_calendar_years: app.missing_calendar_years,
                    due,
                    operator,
                };
                view.totals.add(&item);
                steps.entry(item.step.clone()).or_default().add(&item);
                operators
                    .entry(item.operator.clone())
                    .or_default()
                    .add(&item);
                if limit == 0 || view.items.len() < limit {
                    view.items.push(item);
                }
            }
            if read < PAGE {
                break;
            }
            query.offset += PAGE;
        }
        view.by_step = ranked(steps);
        view.by_operator = ranked(operators);
        Ok(view)
    }
}

/// Groups with the most overdue first, then the most due, then by name.
fn ranked(groups: BTreeMap<String, DueCounts>) -> Vec<DueGroup> {
    let mut out: Vec<DueGroup> = groups
        .into_iter()
        .map(|(key, counts)| DueGroup { key, counts })
        .collect();
    out.sort_by(|a, b| {
        (b.counts.overdue, b.counts.total())
            .cmp(&(a.counts.overdue, a.counts.total()))
            .then_with(|| a.key.cmp(&b.key))
    });
    out
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use chrono::DateTime;

    use super::*;
    use crate::service::{demo, FixedClock};
    use crate::store::SledStore;

    #[test]
    fn due_counts_what_a_scan_of_the_store_finds_per_step_and_operator() {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(SledStore::open(dir.path()).unwrap());
        let calendar = Arc::new(crate::cli::bundled_calendar().unwrap());
        // A Friday: the next working day is the Monday.
        let now = DateTime::parse_from_rfc3339("2026-11-20T10:00:00+08:00").unwrap();
        let desk = Desk::new(store, calendar.clone()).with_clock(Arc::new(FixedClock(now)));
        demo::generate(&desk, 6_000, 3).unwrap();
        let today = desk.today();
        let monday = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();

        let view = desk.due(10).unwrap();
        assert_eq!((view.as_of, view.next_working_day), (today, monday));

        // The same by brute force: every open application with a deadline up to Monday.
        let mut expected = DueCounts::default();
        let mut per_step: BTreeMap<String, u64> = BTreeMap::new();
        desk.scan(&mut |app| {
            if let (Some(d), false) = (app.deadline, app.status.is_terminal()) {
                if d <= monday {
                    match d.cmp(&today) {
                        std::cmp::Ordering::Less => expected.overdue += 1,
                        std::cmp::Ordering::Equal => expected.today += 1,
                        std::cmp::Ordering::Greater => expected.next_working_day += 1,
                    }
                    expected.provisional += u64::from(app.deadline_provisional);
                    let step = workflow::pending_step(app.process, app.status).unwrap();
                    *per_step.entry(step.to_string()).or_default() += 1;
                }
            }
            true
        })
        .unwrap();
        assert_eq!(view.totals, expected);
        assert!(
            expected.overdue > 0 && expected.total() > expected.overdue,
            "{expected:?}"
        );
        let steps: BTreeMap<String, u64> = view
            .by_step
            .iter()
            .map(|g| (g.key.clone(), g.counts.total()))
            .collect();
        assert_eq!(steps, per_step);
        let by_operator: u64 = view.by_operator.iter().map(|g| g.counts.total()).sum();
        assert_eq!(by_operator, expected.total());
        assert!(view.by_operator.iter().all(|g| !g.key.is_empty()));

        // Ten listed, the most overdue first, each with its operator's last event.
        assert_eq!(view.items.len(), 10.min(expected.total() as usize));
        assert!(view
            .items
            .windows(2)
            .all(|w| w[0].deadline <= w[1].deadline));
        let first = &view.items[0];
        assert_eq!(first.due, Due::Overdue);
        assert!(first.remaining_working_days < 0);
        let events = desk.repository().events(&first.id).unwrap();
        assert_eq!(first.operator, events.last().unwrap().draft.actor);
        // All of them when asked for all.
        assert_eq!(desk.due(0).unwrap().items.len() as u64, expected.total());
    }
}
