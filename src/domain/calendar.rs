//! 工作日历: working days of a region's calendar (weekends, public holidays, make-up days 调休).
//!
//! The calendar is data, one file a year with the State Council notice it came from. A date
//! outside the loaded years is an error naming the missing year, never a silent weekday.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate, Weekday};

/// Asked about a date whose year is not loaded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the working-day calendar has no data for {year} (loaded: {loaded}); add policies/calendar/{year}.toml from the State Council notice")]
pub struct MissingYear {
    pub year: i32,
    pub loaded: String,
}

/// 年度节假日安排: one year's calendar as published.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YearCalendar {
    pub year: i32,
    /// The notice it came from (国务院办公厅关于… 部分节假日安排的通知).
    pub notice: String,
    /// Days off (weekdays that are holidays; weekend days of a holiday period may be listed too).
    pub holidays: Vec<NaiveDate>,
    /// Weekend days that are working days (调休上班).
    pub makeup_workdays: Vec<NaiveDate>,
}

/// One loaded year: a working flag per day and running counts for fast spans.
#[derive(Debug, Clone, PartialEq, Eq)]
struct YearDays {
    notice: String,
    /// `working[i]`: day `i` (0 = 1 January) is a working day.
    working: Vec<bool>,
    /// `through[i]`: working days among days `0..=i`.
    through: Vec<u16>,
}

impl YearDays {
    fn build(cal: &YearCalendar) -> Self {
        let first = NaiveDate::from_ymd_opt(cal.year, 1, 1).expect("parse_year checks the year");
        let days = if NaiveDate::from_ymd_opt(cal.year, 2, 29).is_some() {
            366
        } else {
            365
        };
        let mut working: Vec<bool> = (0..days)
            .map(|i| {
                let d = first + chrono::Days::new(i as u64);
                !matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
            })
            .collect();
        for d in cal.holidays.iter().filter(|d| d.year() == cal.year) {
            working[d.ordinal0() as usize] = false;
        }
        for d in cal.makeup_workdays.iter().filter(|d| d.year() == cal.year) {
            working[d.ordinal0() as usize] = true;
        }
        let mut through = Vec::with_capacity(working.len());
        let mut n = 0u16;
        for &w in &working {
            n += u16::from(w);
            through.push(n);
        }
        YearDays {
            notice: cal.notice.clone(),
            working,
            through,
        }
    }

    fn total(&self) -> u32 {
        u32::from(*self.through.last().unwrap_or(&0))
    }
}

/// 工作日历: the working-day calendar over the loaded years.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorkingCalendar {
    years: BTreeMap<i32, YearDays>,
}

impl WorkingCalendar {
    /// A calendar over `years`; a year given twice keeps the last one.
    pub fn new(years: Vec<YearCalendar>) -> Self {
        let years = years.iter().map(|y| (y.year, YearDays::build(y))).collect();
        WorkingCalendar { years }
    }

    /// Parse several year files at once (see [`WorkingCalendar::parse_year`]).
    pub fn parse_years(toml_texts: &[&str]) -> Result<Self, String> {
        let years = toml_texts
            .iter()
            .map(|t| Self::parse_year(t))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self::new(years))
    }

    /// Parse one year's TOML file (see policies/calendar/).
    ///
    /// Keys: `year`, `notice`, optional `document` (the notice's number), `holidays` and
    /// `makeup_workdays` (TOML dates or `"YYYY-MM-DD"` strings, all inside `year`).
    pub fn parse_year(toml_text: &str) -> Result<YearCalendar, String> {
        let table: toml::Table = toml_text.parse().map_err(|e: toml::de::Error| {
            format!("calendar file is not valid TOML: {}", e.message())
        })?;
        let year = match table.get("year") {
            Some(toml::Value::Integer(y)) if (1900..=2999).contains(y) => *y as i32,
            Some(other) => {
                return Err(format!(
                    "calendar `year` must be a year such as 2026, found {other}"
                ))
            }
            None => return Err("calendar file has no `year`; add e.g. `year = 2026`".into()),
        };
        let notice = match table.get("notice") {
            Some(toml::Value::String(s)) if !s.trim().is_empty() => s.trim().to_string(),
            _ => {
                return Err(format!(
                    "calendar {year} has no `notice`; name the State Council notice it comes from (国务院办公厅关于{year}年部分节假日安排的通知)"
                ))
            }
        };
        if let Some((key, _)) = table.iter().find(|(k, _)| {
            !matches!(
                k.as_str(),
                "year" | "notice" | "document" | "holidays" | "makeup_workdays"
            )
        }) {
            return Err(format!(
                "calendar {year}: unknown key `{key}`; allowed: year, notice, document, holidays, makeup_workdays"
            ));
        }
        let holidays = date_list(&table, "holidays", year)?;
        let makeup_workdays = date_list(&table, "makeup_workdays", year)?;
        for d in &makeup_workdays {
            if !matches!(d.weekday(), Weekday::Sat | Weekday::Sun) {
                return Err(format!(
                    "calendar {year}: makeup_workdays lists {d}, a {:?}; make-up working days (调休上班) are weekend days",
                    d.weekday()
                ));
            }
            if holidays.contains(d) {
                return Err(format!(
                    "calendar {year}: {d} is listed both in holidays and in makeup_workdays; keep it in one"
                ));
            }
        }
        Ok(YearCalendar {
            year,
            notice,
            holidays,
            makeup_workdays,
        })
    }

    /// The loaded years, oldest first.
    pub fn years(&self) -> Vec<i32> {
        self.years.keys().copied().collect()
    }

    /// The notice a loaded year's calendar comes from.
    pub fn notice(&self, year: i32) -> Option<&str> {
        self.years.get(&year).map(|y| y.notice.as_str())
    }

    fn year(&self, year: i32) -> Result<&YearDays, MissingYear> {
        self.years.get(&year).ok_or_else(|| MissingYear {
            year,
            loaded: self.loaded(),
        })
    }

    fn loaded(&self) -> String {
        if self.years.is_empty() {
            return "none".into();
        }
        self.years
            .keys()
            .map(|y| y.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    }

    pub fn is_working_day(&self, date: NaiveDate) -> Result<bool, MissingYear> {
        Ok(self.year(date.year())?.working[date.ordinal0() as usize])
    }

    /// The date `n` working days after `from`; `n = 0` is `from` itself if it is a working day,
    /// else the next working day.
    pub fn add_working_days(&self, from: NaiveDate, n: u32) -> Result<NaiveDate, MissingYear> {
        if n == 0 && self.is_working_day(from)? {
            return Ok(from);
        }
        // n = 0 on a day off: the next working day, i.e. the first working day after `from`.
        let mut left = n.max(1);
        let mut year = from.year();
        let mut base = u32::from(self.year(year)?.through[from.ordinal0() as usize]);
        loop {
            let y = self.year(year)?;
            let available = y.total() - base;
            if left <= available {
                let target = base + left;
                let idx = y.through.partition_point(|&c| u32::from(c) < target);
                return Ok(
                    NaiveDate::from_yo_opt(year, idx as u32 + 1).expect("index within the year")
                );
            }
            left -= available;
            year += 1;
            base = 0;
        }
    }

    /// Working days in `(from, to]` (0 when `to <= from`).
    pub fn working_days_between(&self, from: NaiveDate, to: NaiveDate) -> Result<u32, MissingYear> {
        let yf = self.year(from.year())?;
        let yt = self.year(to.year())?;
        if to <= from {
            return Ok(0);
        }
        let before_from = u32::from(yf.through[from.ordinal0() as usize]);
        let through_to = u32::from(yt.through[to.ordinal0() as usize]);
        if from.year() == to.year() {
            return Ok(through_to - before_from);
        }
        let mut n = yf.total() - before_from + through_to;
        for year in from.year() + 1..to.year() {
            n += self.year(year)?.total();
        }
        Ok(n)
    }
}

fn date_list(table: &toml::Table, key: &str, year: i32) -> Result<Vec<NaiveDate>, String> {
    let Some(value) = table.get(key) else {
        return Err(format!(
            "calendar {year} has no `{key}`; list its dates (an empty list `{key} = []` if none)"
        ));
    };
    let toml::Value::Array(items) = value else {
        return Err(format!(
            "calendar {year}: `{key}` must be a list of dates such as [{year}-10-01]"
        ));
    };
    let mut dates = Vec::with_capacity(items.len());
    for item in items {
        let text = match item {
            toml::Value::Datetime(dt) if dt.time.is_none() && dt.offset.is_none() => dt.to_string(),
            toml::Value::String(s) => s.clone(),
            other => {
                return Err(format!("calendar {year}: `{key}` holds {other}, which is not a date; write dates as {year}-10-01"))
            }
        };
        let date = NaiveDate::parse_from_str(&text, "%Y-%m-%d")
            .map_err(|_| format!("calendar {year}: `{key}` holds {text:?}, which is not a date; write dates as {year}-10-01"))?;
        if date.year() != year {
            return Err(format!(
                "calendar {year}: `{key}` lists {date}, outside {year}; put it in the calendar file of {}",
                date.year()
            ));
        }
        if dates.contains(&date) {
            return Err(format!("calendar {year}: `{key}` lists {date} twice"));
        }
        dates.push(date);
    }
    Ok(dates)
}
