//! The working-day calendar counts like the State Council notices say.

use chinese_holiday::{chinese_holiday, Ymd};
use chrono::{Datelike, NaiveDate};
use powerdesk::domain::calendar::{MissingYear, WorkingCalendar};

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn year_text(year: i32) -> String {
    let path = format!(
        "{}/policies/calendar/{year}.toml",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn calendar() -> WorkingCalendar {
    let texts: Vec<String> = (2021..=2026).map(year_text).collect();
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    WorkingCalendar::parse_years(&refs).expect("the shipped calendar files parse")
}

#[test]
fn every_day_2021_to_2026_agrees_with_the_chinese_holiday_crate() {
    let cal = calendar();
    // chinese_holiday 2026 covers dates up to 2026-12-25.
    let mut day = d(2021, 1, 1);
    let mut checked = 0;
    while day <= d(2026, 12, 25) {
        let expected = chinese_holiday(Ymd::new(
            day.year() as u16,
            day.month() as u8,
            day.day() as u8,
        ))
        .is_workday();
        assert_eq!(
            cal.is_working_day(day).unwrap(),
            expected,
            "{day} ({:?})",
            day.weekday()
        );
        day = day.succ_opt().unwrap();
        checked += 1;
    }
    assert_eq!(checked, 2185);
}

#[test]
fn every_file_names_its_notice() {
    let cal = calendar();
    assert_eq!(cal.years(), vec![2021, 2022, 2023, 2024, 2025, 2026]);
    for y in 2021..=2026 {
        assert_eq!(
            cal.notice(y).unwrap(),
            format!("国务院办公厅关于{y}年部分节假日安排的通知")
        );
    }
}

#[test]
fn spring_festival_2024_is_off_and_its_makeup_sundays_are_working() {
    let cal = calendar();
    for day in 10..=17 {
        assert!(
            !cal.is_working_day(d(2024, 2, day)).unwrap(),
            "2024-02-{day}"
        );
    }
    assert!(
        cal.is_working_day(d(2024, 2, 4)).unwrap(),
        "2024-02-04 Sunday is a make-up day"
    );
    assert!(
        cal.is_working_day(d(2024, 2, 18)).unwrap(),
        "2024-02-18 Sunday is a make-up day"
    );
    // Friday 9 Feb (除夕 eve) is working, the next is Sunday 18 Feb.
    assert_eq!(
        cal.add_working_days(d(2024, 2, 9), 1).unwrap(),
        d(2024, 2, 18)
    );
    assert_eq!(
        cal.working_days_between(d(2024, 2, 8), d(2024, 2, 19))
            .unwrap(),
        3
    );
}

#[test]
fn spring_festival_2025_and_2026_spans() {
    let cal = calendar();
    for day in [d(2025, 1, 28), d(2025, 1, 31), d(2025, 2, 4)] {
        assert!(!cal.is_working_day(day).unwrap(), "{day}");
    }
    assert!(
        cal.is_working_day(d(2025, 1, 26)).unwrap(),
        "Sunday 2025-01-26 make-up"
    );
    assert!(
        cal.is_working_day(d(2025, 2, 8)).unwrap(),
        "Saturday 2025-02-08 make-up"
    );
    assert_eq!(
        cal.add_working_days(d(2025, 1, 27), 1).unwrap(),
        d(2025, 2, 5)
    );
    // 2026: nine days off 15–23 Feb, make-up Saturdays 14 and 28 Feb.
    for day in 15..=23 {
        assert!(
            !cal.is_working_day(d(2026, 2, day)).unwrap(),
            "2026-02-{day}"
        );
    }
    assert!(cal.is_working_day(d(2026, 2, 14)).unwrap());
    assert!(cal.is_working_day(d(2026, 2, 28)).unwrap());
    assert_eq!(
        cal.add_working_days(d(2026, 2, 13), 1).unwrap(),
        d(2026, 2, 14)
    );
    assert_eq!(
        cal.add_working_days(d(2026, 2, 13), 2).unwrap(),
        d(2026, 2, 24)
    );
    // (2026-02-13, 2026-02-28]: 14 Feb, 24–27 Feb, 28 Feb.
    assert_eq!(
        cal.working_days_between(d(2026, 2, 13), d(2026, 2, 28))
            .unwrap(),
        6
    );
}

#[test]
fn national_day_week_is_off() {
    let cal = calendar();
    for day in 1..=7 {
        assert!(!cal.is_working_day(d(2024, 10, day)).unwrap());
    }
    assert!(
        cal.is_working_day(d(2024, 9, 29)).unwrap(),
        "Sunday 2024-09-29 make-up"
    );
    assert!(
        cal.is_working_day(d(2024, 10, 12)).unwrap(),
        "Saturday 2024-10-12 make-up"
    );
    assert_eq!(
        cal.add_working_days(d(2024, 9, 30), 1).unwrap(),
        d(2024, 10, 8)
    );
    // 2025: 1–8 Oct (National Day with Mid-Autumn).
    assert!(!cal.is_working_day(d(2025, 10, 8)).unwrap());
    assert_eq!(
        cal.add_working_days(d(2025, 9, 30), 1).unwrap(),
        d(2025, 10, 9)
    );
}

#[test]
fn limit_zero_on_a_holiday_rolls_to_the_next_working_day() {
    let cal = calendar();
    assert_eq!(
        cal.add_working_days(d(2024, 10, 3), 0).unwrap(),
        d(2024, 10, 8)
    );
    assert_eq!(
        cal.add_working_days(d(2024, 10, 8), 0).unwrap(),
        d(2024, 10, 8)
    );
    // A plain Saturday rolls to Monday.
    assert_eq!(
        cal.add_working_days(d(2026, 3, 7), 0).unwrap(),
        d(2026, 3, 9)
    );
    // From a day off, one working day is the first working day after it.
    assert_eq!(
        cal.add_working_days(d(2026, 3, 7), 1).unwrap(),
        d(2026, 3, 9)
    );
}

#[test]
fn counting_crosses_year_ends() {
    let cal = calendar();
    // Wed 2025-12-31 + 1 = Mon 2026-01-05 (1–3 Jan off); Sun 4 Jan is a make-up day.
    assert_eq!(
        cal.add_working_days(d(2025, 12, 31), 1).unwrap(),
        d(2026, 1, 4)
    );
    assert_eq!(
        cal.add_working_days(d(2025, 12, 31), 2).unwrap(),
        d(2026, 1, 5)
    );
    assert_eq!(
        cal.working_days_between(d(2025, 12, 31), d(2026, 1, 5))
            .unwrap(),
        2
    );
    // Whole years: sum of each year's working days.
    let total_2022: u32 = cal
        .working_days_between(d(2021, 12, 31), d(2022, 12, 31))
        .unwrap();
    // 260 weekdays - 18 weekday holidays + 7 make-up days.
    assert_eq!(total_2022, 249);
    let span = cal
        .working_days_between(d(2021, 1, 1), d(2026, 12, 31))
        .unwrap();
    let mut by_day = 0;
    let mut day = d(2021, 1, 2);
    while day <= d(2026, 12, 31) {
        by_day += u32::from(cal.is_working_day(day).unwrap());
        day = day.succ_opt().unwrap();
    }
    assert_eq!(span, by_day);
    let far = cal.add_working_days(d(2021, 1, 1), span).unwrap();
    assert!(
        far <= d(2026, 12, 31) && cal.working_days_between(d(2021, 1, 1), far).unwrap() == span
    );
}

#[test]
fn add_and_between_agree_everywhere() {
    let cal = calendar();
    let mut from = d(2023, 12, 1);
    while from <= d(2024, 3, 1) {
        for n in 0..=12 {
            let to = cal.add_working_days(from, n).unwrap();
            assert!(cal.is_working_day(to).unwrap());
            assert_eq!(
                cal.working_days_between(from, to).unwrap(),
                if to == from { 0 } else { n.max(1) }
            );
        }
        from = from.succ_opt().unwrap();
    }
}

#[test]
fn dates_outside_the_loaded_years_are_an_error_naming_the_year() {
    let cal = calendar();
    let err = cal.is_working_day(d(2027, 3, 1)).unwrap_err();
    assert_eq!(
        err,
        MissingYear {
            year: 2027,
            loaded: "2021, 2022, 2023, 2024, 2025, 2026".into()
        }
    );
    assert!(
        err.to_string().contains("policies/calendar/2027.toml"),
        "{err}"
    );
    assert_eq!(
        cal.add_working_days(d(2026, 12, 30), 5).unwrap_err().year,
        2027
    );
    assert_eq!(
        cal.working_days_between(d(2020, 12, 1), d(2021, 1, 5))
            .unwrap_err()
            .year,
        2020
    );
    let empty = WorkingCalendar::default();
    assert_eq!(
        empty.is_working_day(d(2024, 1, 2)).unwrap_err().loaded,
        "none"
    );
}

#[test]
fn bad_calendar_files_are_refused_with_the_reason() {
    let cases = [
        (
            "notice = \"x\"\nholidays = []\nmakeup_workdays = []",
            "no `year`",
        ),
        (
            "year = 2024\nholidays = []\nmakeup_workdays = []",
            "no `notice`",
        ),
        (
            "year = 2024\nnotice = \"n\"\nmakeup_workdays = []",
            "no `holidays`",
        ),
        (
            "year = 2024\nnotice = \"n\"\nholidays = [2025-01-01]\nmakeup_workdays = []",
            "outside 2024",
        ),
        (
            "year = 2024\nnotice = \"n\"\nholidays = []\nmakeup_workdays = [2024-02-05]",
            "weekend days",
        ),
        (
            "year = 2024\nnotice = \"n\"\nholidays = [\"2024-13-01\"]\nmakeup_workdays = []",
            "not a date",
        ),
        (
            "year = 2024\nnotice = \"n\"\nholidays = [2024-02-04]\nmakeup_workdays = [2024-02-04]",
            "both",
        ),
        (
            "year = 2024\nnotice = \"n\"\nholidays = []\nmakeup_workdays = []\nextra = 1",
            "unknown key `extra`",
        ),
        ("year = [", "not valid TOML"),
    ];
    for (text, expected) in cases {
        let err = WorkingCalendar::parse_year(text).unwrap_err();
        assert!(err.contains(expected), "{text:?}: {err}");
    }
}
