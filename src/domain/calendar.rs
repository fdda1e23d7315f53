//! 工作日历: working days of a region's calendar (weekends, public holidays, make-up days 调休).
//!
//! The calendar is data, one file a year with the State Council notice it came from. A date
//! outside the loaded years is never an error and never a plain weekday: it is counted on a
//! provisional calendar (weekends plus the statutory holidays of 《全国年节及纪念日放假办法》,
//! see [`provisional`]), and every count says which such years it went through ([`Counted`]), so
//! a deadline can be marked provisional until that year's notice is loaded (DOMAIN.md, "Working
//! days"). Days are counted in China time ([`china_date`]).

mod provisional;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, RwLock};

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

pub use provisional::{statutory_holidays, Festival, StatutoryHoliday};

/// China Standard Time, UTC+8: the offset every day of the calendar is counted in.
pub fn china_offset() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset")
}

/// The day `at` falls on in China (UTC+8), whatever offset it was written in: the one way a
/// timestamp becomes a day of the working-day calendar.
pub fn china_date(at: DateTime<FixedOffset>) -> NaiveDate {
    at.with_timezone(&china_offset()).date_naive()
}

/// Store setting: the fingerprint ([`WorkingCalendar::fingerprint`]) of the calendar the stored
/// deadlines were counted on (absent: counted before it was kept, so every open deadline is
/// recounted when a desk opens the store).
pub const SETTING_CALENDAR_FINGERPRINT: &str = "calendar.fingerprint";

/// The name of the State Council notice that publishes `year`'s holidays: what to load to make
/// a provisional year official.
pub fn notice_for(year: i32) -> String {
    format!("国务院办公厅关于{year}年部分节假日安排的通知")
}

/// 缺日历年份: the years a count went through that have no official calendar loaded, so their
/// days were counted on the provisional calendar; ascending, no repeats. Empty: all official.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct MissingYears(Vec<i32>);

impl MissingYears {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The years, ascending.
    pub fn years(&self) -> &[i32] {
        &self.0
    }

    pub fn contains(&self, year: i32) -> bool {
        self.0.binary_search(&year).is_ok()
    }

    pub fn insert(&mut self, year: i32) {
        if let Err(at) = self.0.binary_search(&year) {
            self.0.insert(at, year);
        }
    }

    /// Add every year of `other`.
    pub fn merge(&mut self, other: &MissingYears) {
        for &y in &other.0 {
            self.insert(y);
        }
    }
}

impl FromIterator<i32> for MissingYears {
    fn from_iter<I: IntoIterator<Item = i32>>(iter: I) -> Self {
        let mut years: Vec<i32> = iter.into_iter().collect();
        years.sort_unstable();
        years.dedup();
        MissingYears(years)
    }
}

impl std::fmt::Display for MissingYears {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let years: Vec<String> = self.0.iter().map(|y| y.to_string()).collect();
        f.write_str(&years.join(", "))
    }
}

/// 计数结果: what a count on the calendar came to, and the years it counted provisionally.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Counted<T> {
    pub value: T,
    /// Years without an official calendar that the count went through.
    pub missing: MissingYears,
}

impl<T> Counted<T> {
    /// A count that touched no provisional day.
    pub fn official(value: T) -> Self {
        Counted {
            value,
            missing: MissingYears::default(),
        }
    }

    /// Whether a day of the count lies in a year without an official calendar.
    pub fn is_provisional(&self) -> bool {
        !self.missing.is_empty()
    }
}

/// 年度节假日安排: one year's calendar as published.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YearCalendar {
    pub year: i32,
    /// The notice it came from (国务院办公厅关于… 部分节假日安排的通知).
    pub notice: String,
    /// The notice's document number (国办发明电〔…〕…号), when known.
    pub document: Option<String>,
    /// Days off (weekdays that are holidays; weekend days of a holiday period may be listed too).
    pub holidays: Vec<NaiveDate>,
    /// Weekend days that are working days (调休上班).
    pub makeup_workdays: Vec<NaiveDate>,
}

/// One year's days: a working flag per day and running counts for fast spans.
#[derive(Debug, Clone, PartialEq, Eq)]
struct YearDays {
    /// `working[i]`: day `i` (0 = 1 January) is a working day.
    working: Vec<bool>,
    /// `through[i]`: working days among days `0..=i`.
    through: Vec<u16>,
}

impl YearDays {
    /// Weekends off, then `off` off and `on` on (dates of other years are ignored).
    fn build(year: i32, off: &[NaiveDate], on: &[NaiveDate]) -> Self {
        let Some(first) = NaiveDate::from_ymd_opt(year, 1, 1) else {
            // Beyond chrono's dates: no day to count.
            return YearDays {
                working: Vec::new(),
                through: Vec::new(),
            };
        };
        let days = if NaiveDate::from_ymd_opt(year, 2, 29).is_some() {
            366
        } else {
            365
        };
        let mut working: Vec<bool> = first
            .iter_days()
            .take(days)
            .map(|d| !matches!(d.weekday(), Weekday::Sat | Weekday::Sun))
            .collect();
        for d in off.iter().filter(|d| d.year() == year) {
            working[d.ordinal0() as usize] = false;
        }
        for d in on.iter().filter(|d| d.year() == year) {
            working[d.ordinal0() as usize] = true;
        }
        let mut through = Vec::with_capacity(working.len());
        let mut n = 0u16;
        for &w in &working {
            n += u16::from(w);
            through.push(n);
        }
        YearDays { working, through }
    }

    fn official(cal: &YearCalendar) -> Self {
        Self::build(cal.year, &cal.holidays, &cal.makeup_workdays)
    }

    /// Weekends plus the statutory holidays; no make-up working days.
    fn provisional(year: i32) -> Self {
        let off: Vec<NaiveDate> = statutory_holidays(year).iter().map(|h| h.date).collect();
        Self::build(year, &off, &[])
    }

    fn total(&self) -> u64 {
        u64::from(*self.through.last().unwrap_or(&0))
    }

    /// A short digest of the working days (FNV-1a over the flags), for the fingerprint.
    fn digest(&self) -> u32 {
        let mut h: u32 = 0x811c_9dc5;
        for &w in &self.working {
            h ^= u32::from(w);
            h = h.wrapping_mul(0x0100_0193);
        }
        h
    }
}

/// A loaded year: its days and where they come from.
#[derive(Debug, Clone, PartialEq, Eq)]
struct LoadedYear {
    notice: String,
    document: Option<String>,
    days: YearDays,
}

/// The provisional years built so far, shared by the clones of a calendar (they are the same
/// whatever calendar asks: weekends and statutory holidays only).
#[derive(Debug, Default)]
struct ProvisionalYears(RwLock<HashMap<i32, Arc<YearDays>>>);

impl ProvisionalYears {
    fn get(&self, year: i32) -> Arc<YearDays> {
        if let Some(days) = self.0.read().unwrap_or_else(|e| e.into_inner()).get(&year) {
            return days.clone();
        }
        let built = Arc::new(YearDays::provisional(year));
        self.0
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .entry(year)
            .or_insert(built)
            .clone()
    }
}

/// A year's days as a count reads them.
enum Days<'a> {
    Official(&'a YearDays),
    Provisional(Arc<YearDays>),
}

impl std::ops::Deref for Days<'_> {
    type Target = YearDays;

    fn deref(&self) -> &YearDays {
        match self {
            Days::Official(d) => d,
            Days::Provisional(d) => d,
        }
    }
}

impl Days<'_> {
    fn is_provisional(&self) -> bool {
        matches!(self, Days::Provisional(_))
    }
}

/// 工作日历: the working-day calendar over the loaded years, and the provisional calendar beyond
/// them.
#[derive(Debug, Clone, Default)]
pub struct WorkingCalendar {
    years: BTreeMap<i32, LoadedYear>,
    provisional: Arc<ProvisionalYears>,
}

/// Two calendars are equal when they load the same years with the same days and sources.
impl PartialEq for WorkingCalendar {
    fn eq(&self, other: &Self) -> bool {
        self.years == other.years
    }
}

impl Eq for WorkingCalendar {}

/// The last year a count can reach (chrono's last full year).
const LAST_YEAR: i32 = 262_142;

impl WorkingCalendar {
    /// A calendar over `years`; a year given twice keeps the last one.
    pub fn new(years: Vec<YearCalendar>) -> Self {
        let years = years
            .iter()
            .map(|y| {
                (
                    y.year,
                    LoadedYear {
                        notice: y.notice.clone(),
                        document: y.document.clone(),
                        days: YearDays::official(y),
                    },
                )
            })
            .collect();
        WorkingCalendar {
            years,
            provisional: Arc::default(),
        }
    }

    /// Parse several year files at once (see [`WorkingCalendar::parse_year`]).
    pub fn parse_years(toml_texts: &[&str]) -> Result<Self, String> {
        let years = toml_texts
            .iter()
            .map(|t| Self::parse_year(t))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self::new(years))
    }

    /// Parse one year's TOML file (docs/calendar.md; a bundle's `calendar/` folder).
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
                "calendar {year} has no `notice`; name the State Council notice it comes from ({})",
                notice_for(year)
            ))
            }
        };
        let document = match table.get("document") {
            None => None,
            Some(toml::Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_string()),
            Some(other) => {
                return Err(format!(
                    "calendar {year}: `document` must be the notice's number as text, e.g. \"国办发明电〔2024〕12号\", found {other}"
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
            document,
            holidays,
            makeup_workdays,
        })
    }

    /// The loaded (official) years, oldest first.
    pub fn years(&self) -> Vec<i32> {
        self.years.keys().copied().collect()
    }

    /// Whether `year` has an official calendar loaded (otherwise it is counted provisionally).
    pub fn is_loaded(&self, year: i32) -> bool {
        self.years.contains_key(&year)
    }

    /// The notice a loaded year's calendar comes from.
    pub fn notice(&self, year: i32) -> Option<&str> {
        self.years.get(&year).map(|y| y.notice.as_str())
    }

    /// The document number of a loaded year's notice, when its file gives one.
    pub fn document(&self, year: i32) -> Option<&str> {
        self.years.get(&year).and_then(|y| y.document.as_deref())
    }

    /// The years between the first and the last loaded one that are not loaded themselves.
    pub fn gaps(&self) -> Vec<i32> {
        match (self.years.keys().next(), self.years.keys().next_back()) {
            (Some(&first), Some(&last)) => (first..=last).filter(|y| !self.is_loaded(*y)).collect(),
            _ => Vec::new(),
        }
    }

    fn days(&self, year: i32) -> Days<'_> {
        match self.years.get(&year) {
            Some(y) => Days::Official(&y.days),
            None => Days::Provisional(self.provisional.get(year)),
        }
    }

    /// Whether `date` is a working day (on the provisional calendar when its year is not loaded).
    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        self.days(date.year()).working[date.ordinal0() as usize]
    }

    /// The date `n` working days after `from`. Counting starts on `from` when it is a working
    /// day, else on the next working day: `n = 0` is that first working day, `n = 1` the one
    /// after it (an application accepted on a day off starts counting on the next working day).
    pub fn add_working_days(&self, from: NaiveDate, n: u32) -> Counted<NaiveDate> {
        let mut missing = MissingYears::default();
        let mut year = from.year();
        let mut days = self.days(year);
        if days.is_provisional() {
            missing.insert(year);
        }
        let i = from.ordinal0() as usize;
        // The ordinal, among the year's working days, of the day sought.
        let mut target = u64::from(days.through[i]) + u64::from(n) + u64::from(!days.working[i]);
        loop {
            let total = days.total();
            if target <= total {
                let idx = days.through.partition_point(|&c| u64::from(c) < target);
                let date =
                    NaiveDate::from_yo_opt(year, idx as u32 + 1).expect("index within the year");
                return Counted {
                    value: date,
                    missing,
                };
            }
            target -= total;
            year += 1;
            if year > LAST_YEAR {
                return Counted {
                    value: NaiveDate::MAX,
                    missing,
                };
            }
            days = self.days(year);
            if days.is_provisional() {
                missing.insert(year);
            }
        }
    }

    /// Working days in `(from, to]` (0 when `to <= from`), and the provisional years among them.
    pub fn working_days_between(&self, from: NaiveDate, to: NaiveDate) -> Counted<u32> {
        if to <= from {
            return Counted::official(0);
        }
        let mut missing = MissingYears::default();
        let first = self.days(from.year());
        let last = self.days(to.year());
        let before_from = u64::from(first.through[from.ordinal0() as usize]);
        let through_to = u64::from(last.through[to.ordinal0() as usize]);
        let n = if from.year() == to.year() {
            if first.is_provisional() {
                missing.insert(from.year());
            }
            through_to - before_from
        } else {
            // `from` itself is not counted: its year counts only when a later day of it is.
            let later_day_in_year = (from.ordinal0() as usize) + 1 < first.working.len();
            if first.is_provisional() && later_day_in_year {
                missing.insert(from.year());
            }
            if last.is_provisional() {
                missing.insert(to.year());
            }
            let mut n = first.total() - before_from + through_to;
            for year in from.year() + 1..to.year() {
                let days = self.days(year);
                if days.is_provisional() {
                    missing.insert(year);
                }
                n += days.total();
            }
            n
        };
        Counted {
            value: u32::try_from(n).unwrap_or(u32::MAX),
            missing,
        }
    }

    /// What the loaded years are, for telling whether a calendar changed: `year:digest` of each
    /// loaded year's working days, comma-separated (e.g. `2025:1a2b3c4d,2026:…`).
    pub fn fingerprint(&self) -> String {
        self.years
            .iter()
            .map(|(y, l)| format!("{y}:{:08x}", l.days.digest()))
            .collect::<Vec<_>>()
            .join(",")
    }

    /// The years whose days differ between this calendar and the one `fingerprint` was taken
    /// of (loaded in one only, or loaded in both with other days), ascending; None when the
    /// fingerprint cannot be read.
    pub fn years_changed_since(&self, fingerprint: &str) -> Option<Vec<i32>> {
        let mut then: BTreeMap<i32, &str> = BTreeMap::new();
        for part in fingerprint.split(',').filter(|p| !p.is_empty()) {
            let (year, digest) = part.split_once(':')?;
            then.insert(year.parse().ok()?, digest);
        }
        let now: BTreeMap<i32, String> = self
            .years
            .iter()
            .map(|(y, l)| (*y, format!("{:08x}", l.days.digest())))
            .collect();
        let mut changed: Vec<i32> = then
            .keys()
            .chain(now.keys())
            .copied()
            .filter(|y| then.get(y).copied() != now.get(y).map(String::as_str))
            .collect();
        changed.sort_unstable();
        changed.dedup();
        Some(changed)
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
