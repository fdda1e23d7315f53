//! 日历检查: what `powerdesk calendar check` reports about a working-day calendar: the years
//! loaded and the notice of each, the years counted provisionally, the open applications whose
//! deadline is provisional, and which notices to load (docs/calendar.md).

use serde::Serialize;

use super::{Desk, DeskError};
use crate::domain::calendar::{notice_for, statutory_holidays, MissingYears, WorkingCalendar};
use crate::domain::AppId;

/// How many ids of open applications with a provisional deadline the report lists.
pub const FIRST_IDS: usize = 10;

/// A loaded year and the notice it comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LoadedYear {
    pub year: i32,
    pub notice: String,
    /// The notice's document number, when the year file gives it.
    pub document: Option<String>,
}

/// A statutory day off of a provisional year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProvisionalDay {
    pub date: chrono::NaiveDate,
    /// 元旦, 春节, 清明节, 劳动节, 端午节, 中秋节, 国庆节.
    pub holiday: String,
}

/// A year counted on the provisional calendar, and what makes it official.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProvisionalYear {
    pub year: i32,
    /// The State Council notice to load for it.
    pub notice_to_load: String,
    /// The days off it is counted with until then (weekends aside; no make-up days).
    pub statutory_holidays: Vec<ProvisionalDay>,
}

/// The open applications whose stored deadline is provisional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct OpenProvisional {
    pub count: u64,
    /// The first of them, in id order (at most [`FIRST_IDS`]).
    pub first_ids: Vec<AppId>,
    /// The years their deadlines were counted over.
    pub years: MissingYears,
    /// How many of them the checked calendar loads every missing year of (recounted to an
    /// official deadline once it is the store's calendar).
    pub covered_by_this_calendar: u64,
}

/// `powerdesk calendar check`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CalendarReport {
    /// Which calendar was checked (a bundle's directory, the store's active bundle, or the one
    /// powerdesk ships).
    pub calendar: String,
    pub loaded: Vec<LoadedYear>,
    /// Years counted provisionally that matter now: gaps between loaded years, the year after
    /// the last one, and every year an open deadline was counted over.
    pub provisional: Vec<ProvisionalYear>,
    /// None when no store was checked.
    pub open_applications: Option<OpenProvisional>,
    /// The notices to load, one per provisional year.
    pub to_load: Vec<String>,
}

/// The report of `calendar` (described as `source`), with the open applications of a store.
pub fn calendar_report(
    calendar: &WorkingCalendar,
    source: String,
    open: Option<OpenProvisional>,
) -> CalendarReport {
    let loaded: Vec<LoadedYear> = calendar
        .years()
        .into_iter()
        .map(|year| LoadedYear {
            year,
            notice: calendar.notice(year).unwrap_or_default().to_string(),
            document: calendar.document(year).map(str::to_string),
        })
        .collect();
    let mut years: MissingYears = calendar.gaps().into_iter().collect();
    if let Some(last) = loaded.last() {
        years.insert(last.year + 1);
    }
    if let Some(open) = &open {
        for &y in open.years.years() {
            if !calendar.is_loaded(y) {
                years.insert(y);
            }
        }
    }
    let provisional: Vec<ProvisionalYear> = years
        .years()
        .iter()
        .map(|&year| ProvisionalYear {
            year,
            notice_to_load: notice_for(year),
            statutory_holidays: statutory_holidays(year)
                .into_iter()
                .map(|h| ProvisionalDay {
                    date: h.date,
                    holiday: h.festival.label_zh().to_string(),
                })
                .collect(),
        })
        .collect();
    CalendarReport {
        calendar: source,
        to_load: provisional
            .iter()
            .map(|p| p.notice_to_load.clone())
            .collect(),
        loaded,
        provisional,
        open_applications: open,
    }
}

impl Desk {
    /// The open applications whose stored deadline is provisional, and how many of them
    /// `calendar` would make official.
    pub fn open_provisional(
        &self,
        calendar: &WorkingCalendar,
    ) -> Result<OpenProvisional, DeskError> {
        let mut open = OpenProvisional::default();
        self.repo.scan(&mut |app| {
            if app.deadline_provisional && !app.status.is_terminal() {
                open.count += 1;
                if open.first_ids.len() < FIRST_IDS {
                    open.first_ids.push(app.id.clone());
                }
                open.years.merge(&app.missing_calendar_years);
                if app
                    .missing_calendar_years
                    .years()
                    .iter()
                    .all(|y| calendar.is_loaded(*y))
                {
                    open.covered_by_this_calendar += 1;
                }
            }
            true
        })?;
        Ok(open)
    }
}
