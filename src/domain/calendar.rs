//! 工作日历: working days of a region's calendar (weekends, public holidays, make-up days 调休).
//!
//! The calendar is data, one file a year with the State Council notice it came from. A date
//! outside the loaded years is an error naming the missing year, never a silent weekday.

use chrono::NaiveDate;

/// Asked about a date whose year is not loaded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the working-day calendar has no data for {year} (loaded: {loaded}); add policies/calendar/{year}.toml from the State Council notice")]
pub struct MissingYear {
    pub year: i32,
    pub loaded: String,
}

/// One year's calendar as published.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YearCalendar {
    pub year: i32,
    /// The notice it came from (国务院办公厅关于… 部分节假日安排的通知).
    pub notice: String,
    /// Weekdays that are days off.
    pub holidays: Vec<NaiveDate>,
    /// Weekend days that are working days (调休上班).
    pub makeup_workdays: Vec<NaiveDate>,
}

/// The working-day calendar over the loaded years.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorkingCalendar {}

impl WorkingCalendar {
    pub fn new(_years: Vec<YearCalendar>) -> Self {
        todo!("domain: calendar")
    }

    /// Parse one year's TOML file (see policies/calendar/).
    pub fn parse_year(_toml_text: &str) -> Result<YearCalendar, String> {
        todo!("domain: calendar")
    }

    pub fn is_working_day(&self, _date: NaiveDate) -> Result<bool, MissingYear> {
        todo!("domain: calendar")
    }

    /// The date `n` working days after `from`; `n = 0` is `from` itself if it is a working day,
    /// else the next working day.
    pub fn add_working_days(&self, _from: NaiveDate, _n: u32) -> Result<NaiveDate, MissingYear> {
        todo!("domain: calendar")
    }

    /// Working days in `(from, to]` (0 when `to <= from`).
    pub fn working_days_between(&self, _from: NaiveDate, _to: NaiveDate) -> Result<u32, MissingYear> {
        todo!("domain: calendar")
    }
}
