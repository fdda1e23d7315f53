//! 暂定日历: the statutory holidays of a year that has no official calendar file yet.
//!
//! 《全国年节及纪念日放假办法》 as revised in 2024 (in force from 2025) fixes 13 days off for
//! everyone: New Year's Day 1 (1 January), Spring Festival 4 (农历除夕 and 正月初一 to 初三),
//! Qingming 1 (the day of the 清明 solar term), Labour Day 2 (1–2 May), Dragon Boat 1 (农历五月初五),
//! Mid-Autumn 1 (农历八月十五) and National Day 3 (1–3 October). The State Council's notice for
//! a year adds the bridging days and the make-up working days (调休) around them; until it is
//! loaded a year is counted on these days alone (weekends aside), so a provisional count may only
//! come out earlier than the official one, never later. Lunar dates and the solar term are
//! computed by `tyme4rs` (6tail's Tyme, 寿星天文历 algorithms).

use chrono::{Datelike, NaiveDate};
use tyme4rs::tyme::lunar::LunarDay;
use tyme4rs::tyme::solar::{SolarDay, SolarTerm};

/// The years whose lunar dates and solar terms are computed; outside them only the holidays on
/// fixed Gregorian dates are kept (the ones a calendar file can hold lie in 1900..=2999 anyway).
const LUNAR_YEARS: std::ops::RangeInclusive<i32> = 1900..=2999;

/// Index of 清明 in Tyme's solar terms of a year (0 is the 冬至 that opens it).
const QINGMING: isize = 7;

/// 法定节日: a holiday of 《全国年节及纪念日放假办法》 (2024) that every citizen has off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Festival {
    /// 元旦
    NewYear,
    /// 春节 (农历除夕 to 正月初三)
    SpringFestival,
    /// 清明节
    Qingming,
    /// 劳动节
    LabourDay,
    /// 端午节
    DragonBoat,
    /// 中秋节
    MidAutumn,
    /// 国庆节
    NationalDay,
}

impl Festival {
    pub fn label_zh(self) -> &'static str {
        match self {
            Self::NewYear => "元旦",
            Self::SpringFestival => "春节",
            Self::Qingming => "清明节",
            Self::LabourDay => "劳动节",
            Self::DragonBoat => "端午节",
            Self::MidAutumn => "中秋节",
            Self::NationalDay => "国庆节",
        }
    }
}

/// One statutory day off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StatutoryHoliday {
    pub date: NaiveDate,
    pub festival: Festival,
}

/// The statutory days off of `year` under the 2024 revision, in date order (13 days; fewer when
/// two fall on the same date, as Mid-Autumn on 1 October does in some years). No bridging days,
/// no make-up working days: those come only with the State Council's notice.
pub fn statutory_holidays(year: i32) -> Vec<StatutoryHoliday> {
    let mut days = Vec::with_capacity(13);
    let mut add = |date: Option<NaiveDate>, festival| {
        if let Some(date) = date.filter(|d| d.year() == year) {
            days.push(StatutoryHoliday { date, festival });
        }
    };
    let ymd = |m, d| NaiveDate::from_ymd_opt(year, m, d);
    add(ymd(1, 1), Festival::NewYear);
    add(ymd(5, 1), Festival::LabourDay);
    add(ymd(5, 2), Festival::LabourDay);
    for d in 1..=3 {
        add(ymd(10, d), Festival::NationalDay);
    }
    if LUNAR_YEARS.contains(&year) {
        let y = year as isize;
        let new_year = lunar(y, 1, 1);
        add(
            new_year.and_then(|d| d.pred_opt()),
            Festival::SpringFestival,
        );
        for offset in 0..3 {
            add(
                new_year.and_then(|d| d.checked_add_days(chrono::Days::new(offset))),
                Festival::SpringFestival,
            );
        }
        add(
            solar(&SolarTerm::from_index(y, QINGMING).get_solar_day()),
            Festival::Qingming,
        );
        add(lunar(y, 5, 5), Festival::DragonBoat);
        add(lunar(y, 8, 15), Festival::MidAutumn);
    }
    days.sort();
    days.dedup_by_key(|h| h.date);
    days
}

/// The Gregorian date of a day of the (non-leap) lunar month `month` of lunar year `year`.
fn lunar(year: isize, month: isize, day: usize) -> Option<NaiveDate> {
    LunarDay::new(year, month, day)
        .ok()
        .and_then(|d| solar(&d.get_solar_day()))
}

fn solar(day: &SolarDay) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(
        i32::try_from(day.get_year()).ok()?,
        u32::try_from(day.get_month()).ok()?,
        u32::try_from(day.get_day()).ok()?,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn the_2026_statutory_days_are_the_thirteen_of_the_2024_revision() {
        let days: Vec<NaiveDate> = statutory_holidays(2026).iter().map(|h| h.date).collect();
        assert_eq!(
            days,
            vec![
                d(2026, 1, 1),
                d(2026, 2, 16), // 除夕
                d(2026, 2, 17), // 正月初一
                d(2026, 2, 18),
                d(2026, 2, 19),
                d(2026, 4, 5), // 清明
                d(2026, 5, 1),
                d(2026, 5, 2),
                d(2026, 6, 19), // 端午
                d(2026, 9, 25), // 中秋
                d(2026, 10, 1),
                d(2026, 10, 2),
                d(2026, 10, 3),
            ]
        );
    }

    #[test]
    fn mid_autumn_on_national_day_counts_once() {
        // 2020: 八月十五 fell on 1 October.
        let days = statutory_holidays(2020);
        assert_eq!(days.len(), 12);
        assert!(days.iter().any(|h| h.date == d(2020, 10, 1)));
    }

    #[test]
    fn years_without_lunar_computation_keep_the_fixed_days() {
        let days = statutory_holidays(3100);
        assert_eq!(days.len(), 6);
    }
}
