//! 时钟: the desk's clock. The wall clock is read here and nowhere else in the service; tests,
//! training stores and demos pin it (`FixedClock`, or `POWERDESK_NOW` for the binary).

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime};

use crate::domain::ports::Clock;

/// China Standard Time (UTC+8), the zone every record is kept in.
pub fn china_offset() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset")
}

/// The system's wall clock, read in China Standard Time.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<FixedOffset> {
        chrono::Utc::now().with_timezone(&china_offset())
    }
}

/// A clock that always says the same instant (tests, training stores, demos).
#[derive(Debug, Clone, Copy)]
pub struct FixedClock(pub DateTime<FixedOffset>);

impl Clock for FixedClock {
    fn now(&self) -> DateTime<FixedOffset> {
        self.0
    }
}

/// Read a pinned time as `POWERDESK_NOW` gives it: RFC 3339 (`2027-01-05T09:30:00+08:00`) or a
/// date (`2027-01-05`, taken as 09:00 China time).
pub fn parse_pinned(text: &str) -> Result<DateTime<FixedOffset>, String> {
    let text = text.trim();
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Ok(at);
    }
    if let Ok(day) = text.parse::<NaiveDate>() {
        let nine = NaiveTime::from_hms_opt(9, 0, 0).expect("09:00 is a valid time");
        return day
            .and_time(nine)
            .and_local_timezone(china_offset())
            .single()
            .ok_or_else(|| format!("{text:?} is not a time in China Standard Time"));
    }
    Err(format!(
        "{text:?} is neither an RFC 3339 time (2027-01-05T09:30:00+08:00) nor a date (2027-01-05)"
    ))
}
