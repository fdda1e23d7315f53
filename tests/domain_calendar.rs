//! The working-day calendar counts like the State Council notices say.

use chinese_holiday::{chinese_holiday, Ymd};
use chrono::{Datelike, NaiveDate};
use powerdesk::domain::calendar::{
    china_date, notice_for, statutory_holidays, Festival, WorkingCalendar,
};

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn year_text(year: i32) -> String {
    let path = format!(
        "{}/policies/jining/calendar/{year}.toml",
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
            cal.is_working_day(day),
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
        assert!(!cal.is_working_day(d(2024, 2, day)), "2024-02-{day}");
    }
    assert!(
        cal.is_working_day(d(2024, 2, 4)),
        "2024-02-04 Sunday is a make-up day"
    );
    assert!(
        cal.is_working_day(d(2024, 2, 18)),
        "2024-02-18 Sunday is a make-up day"
    );
    // Friday 9 Feb (除夕 eve) is working, the next is Sunday 18 Feb.
    assert_eq!(cal.add_working_days(d(2024, 2, 9), 1).value, d(2024, 2, 18));
    assert_eq!(
        cal.working_days_between(d(2024, 2, 8), d(2024, 2, 19))
            .value,
        3
    );
}

#[test]
fn spring_festival_2025_and_2026_spans() {
    let cal = calendar();
    for day in [d(2025, 1, 28), d(2025, 1, 31), d(2025, 2, 4)] {
        assert!(!cal.is_working_day(day), "{day}");
    }
    assert!(
        cal.is_working_day(d(2025, 1, 26)),
        "Sunday 2025-01-26 make-up"
    );
    assert!(
        cal.is_working_day(d(2025, 2, 8)),
        "Saturday 2025-02-08 make-up"
    );
    assert_eq!(cal.add_working_days(d(2025, 1, 27), 1).value, d(2025, 2, 5));
    // 2026: nine days off 15–23 Feb, make-up Saturdays 14 and 28 Feb.
    for day in 15..=23 {
        assert!(!cal.is_working_day(d(2026, 2, day)), "2026-02-{day}");
    }
    assert!(cal.is_working_day(d(2026, 2, 14)));
    assert!(cal.is_working_day(d(2026, 2, 28)));
    assert_eq!(
        cal.add_working_days(d(2026, 2, 13), 1).value,
        d(2026, 2, 14)
    );
    assert_eq!(
        cal.add_working_days(d(2026, 2, 13), 2).value,
        d(2026, 2, 24)
    );
    // (2026-02-13, 2026-02-28]: 14 Feb, 24–27 Feb, 28 Feb.
    assert_eq!(
        cal.working_days_between(d(2026, 2, 13), d(2026, 2, 28))
            .value,
        6
    );
}

#[test]
fn national_day_week_is_off() {
    let cal = calendar();
    for day in 1..=7 {
        assert!(!cal.is_working_day(d(2024, 10, day)));
    }
    assert!(
        cal.is_working_day(d(2024, 9, 29)),
        "Sunday 2024-09-29 make-up"
    );
    assert!(
        cal.is_working_day(d(2024, 10, 12)),
        "Saturday 2024-10-12 make-up"
    );
    assert_eq!(
        cal.add_working_days(d(2024, 9, 30), 1).value,
        d(2024, 10, 8)
    );
    // 2025: 1–8 Oct (National Day with Mid-Autumn).
    assert!(!cal.is_working_day(d(2025, 10, 8)));
    assert_eq!(
        cal.add_working_days(d(2025, 9, 30), 1).value,
        d(2025, 10, 9)
    );
}

#[test]
fn limit_zero_on_a_holiday_rolls_to_the_next_working_day() {
    let cal = calendar();
    assert_eq!(
        cal.add_working_days(d(2024, 10, 3), 0).value,
        d(2024, 10, 8)
    );
    assert_eq!(
        cal.add_working_days(d(2024, 10, 8), 0).value,
        d(2024, 10, 8)
    );
    // A plain Saturday rolls to Monday.
    assert_eq!(cal.add_working_days(d(2026, 3, 7), 0).value, d(2026, 3, 9));
}

#[test]
fn an_application_accepted_on_a_day_off_starts_counting_on_the_next_working_day() {
    // DOMAIN.md: "An application accepted on a day off starts counting on the next working day
    // (a same-day limit falls due that working day, a next-day limit the one after)."
    let cal = calendar();
    // Saturday 2026-03-07: same day -> Monday 9 March, next day -> Tuesday 10 March.
    assert_eq!(cal.add_working_days(d(2026, 3, 7), 0).value, d(2026, 3, 9));
    assert_eq!(cal.add_working_days(d(2026, 3, 7), 1).value, d(2026, 3, 10));
    assert_ne!(
        cal.add_working_days(d(2026, 3, 7), 1).value,
        cal.add_working_days(d(2026, 3, 7), 0).value
    );
    // National Day 2026-10-03: same day -> Thursday 8 October, next day -> Friday 9 October,
    // two days -> Saturday 10 October (a make-up working day).
    assert_eq!(
        cal.add_working_days(d(2026, 10, 3), 0).value,
        d(2026, 10, 8)
    );
    assert_eq!(
        cal.add_working_days(d(2026, 10, 3), 1).value,
        d(2026, 10, 9)
    );
    assert_eq!(
        cal.add_working_days(d(2026, 10, 3), 2).value,
        d(2026, 10, 10)
    );
    // From a working day nothing changes: next day is the next working day.
    assert_eq!(cal.add_working_days(d(2026, 3, 6), 1).value, d(2026, 3, 9));
}

#[test]
fn counting_crosses_year_ends() {
    let cal = calendar();
    // Wed 2025-12-31 + 1 = Mon 2026-01-05 (1–3 Jan off); Sun 4 Jan is a make-up day.
    assert_eq!(
        cal.add_working_days(d(2025, 12, 31), 1).value,
        d(2026, 1, 4)
    );
    assert_eq!(
        cal.add_working_days(d(2025, 12, 31), 2).value,
        d(2026, 1, 5)
    );
    assert_eq!(
        cal.working_days_between(d(2025, 12, 31), d(2026, 1, 5))
            .value,
        2
    );
    // Whole years: sum of each year's working days.
    let total_2022: u32 = cal
        .working_days_between(d(2021, 12, 31), d(2022, 12, 31))
        .value;
    // 260 weekdays - 18 weekday holidays + 7 make-up days.
    assert_eq!(total_2022, 249);
    let span = cal
        .working_days_between(d(2021, 1, 1), d(2026, 12, 31))
        .value;
    let mut by_day = 0;
    let mut day = d(2021, 1, 2);
    while day <= d(2026, 12, 31) {
        by_day += u32::from(cal.is_working_day(day));
        day = day.succ_opt().unwrap();
    }
    assert_eq!(span, by_day);
    // 2021-01-01 is a holiday: counting starts on the next working day (n = 0), so span - 1
    // more working days reach the last working day of 2026.
    let far = cal.add_working_days(d(2021, 1, 1), span - 1);
    assert!(!far.is_provisional());
    assert!(
        far.value <= d(2026, 12, 31)
            && cal.working_days_between(d(2021, 1, 1), far.value).value == span
    );
    assert!(cal.add_working_days(d(2021, 1, 1), span).is_provisional());
}

#[test]
fn add_and_between_agree_everywhere() {
    let cal = calendar();
    let mut from = d(2023, 12, 1);
    while from <= d(2024, 3, 1) {
        for n in 0..=12 {
            let to = cal.add_working_days(from, n).value;
            assert!(cal.is_working_day(to));
            // Counting starts on `from` if it is a working day, else on the next one.
            let first_counted = u32::from(!cal.is_working_day(from));
            assert_eq!(cal.working_days_between(from, to).value, n + first_counted);
        }
        from = from.succ_opt().unwrap();
    }
}

#[test]
fn dates_outside_the_loaded_years_are_counted_provisionally_never_refused() {
    // DOMAIN.md: a date outside the loaded years "must not be silently treated as plain
    // weekdays, and it must never stop the work".
    let cal = calendar();
    assert!(!cal.is_loaded(2027));
    // New Year's Day 2027 is a Friday: a statutory holiday on the provisional calendar.
    assert!(!cal.is_working_day(d(2027, 1, 1)));
    assert!(cal.is_working_day(d(2027, 1, 4)));
    // Wed 2026-12-30 + 5: Thu 31 Dec, (Fri 1 Jan off), Mon 4 .. Thu 7 Jan.
    let due = cal.add_working_days(d(2026, 12, 30), 5);
    assert_eq!(due.value, d(2027, 1, 7));
    assert!(due.is_provisional());
    assert_eq!(due.missing.years(), &[2027]);
    // Inside the loaded years nothing is provisional.
    let due = cal.add_working_days(d(2026, 12, 28), 3);
    assert_eq!(due.value, d(2026, 12, 31));
    assert!(!due.is_provisional());
    // Spans say which provisional years they count over.
    let span = cal.working_days_between(d(2026, 12, 1), d(2027, 2, 1));
    assert_eq!(span.missing.years(), &[2027]);
    assert!(!cal
        .working_days_between(d(2026, 12, 1), d(2026, 12, 31))
        .is_provisional());
    // Thu 31 Dec 2026 to Fri 1 Jan 2027: no working day, but counted on 2027's calendar.
    let holiday = cal.working_days_between(d(2026, 12, 31), d(2027, 1, 1));
    assert_eq!(holiday.value, 0);
    assert_eq!(holiday.missing.years(), &[2027]);
    // A year before the loaded ones, and several at once.
    assert_eq!(
        cal.working_days_between(d(2020, 12, 1), d(2021, 1, 5))
            .missing
            .years(),
        &[2020]
    );
    assert_eq!(
        cal.add_working_days(d(2026, 12, 1), 400).missing.years(),
        &[2027, 2028]
    );
    // An empty calendar still counts: every year provisionally.
    let empty = WorkingCalendar::default();
    assert!(empty.years().is_empty());
    let due = empty.add_working_days(d(2026, 3, 2), 2);
    assert_eq!(due.value, d(2026, 3, 4));
    assert_eq!(due.missing.years(), &[2026]);
    assert_eq!(
        notice_for(2027),
        "国务院办公厅关于2027年部分节假日安排的通知"
    );
}

#[test]
fn the_provisional_calendar_has_weekends_and_statutory_holidays_but_no_make_up_days() {
    let cal = calendar();
    // Spring Festival 2027: 正月初一 is Saturday 6 February; 除夕 Friday 5 February and 初一 to
    // 初三 are off, no make-up Saturday or Sunday is invented.
    let spring: Vec<NaiveDate> = statutory_holidays(2027)
        .iter()
        .filter(|h| h.festival == Festival::SpringFestival)
        .map(|h| h.date)
        .collect();
    assert_eq!(
        spring,
        vec![d(2027, 2, 5), d(2027, 2, 6), d(2027, 2, 7), d(2027, 2, 8)]
    );
    assert!(cal.is_working_day(d(2027, 2, 4)));
    for day in 5..=8 {
        assert!(!cal.is_working_day(d(2027, 2, day)), "2027-02-{day}");
    }
    assert!(cal.is_working_day(d(2027, 2, 9)));
    // Every Saturday and Sunday of 2027 is off; every other day is off only if statutory.
    let statutory: Vec<NaiveDate> = statutory_holidays(2027).iter().map(|h| h.date).collect();
    assert_eq!(statutory.len(), 13);
    let mut day = d(2027, 1, 1);
    while day.year() == 2027 {
        let weekend = matches!(day.weekday(), chrono::Weekday::Sat | chrono::Weekday::Sun);
        assert_eq!(
            cal.is_working_day(day),
            !weekend && !statutory.contains(&day),
            "{day}"
        );
        day = day.succ_opt().unwrap();
    }
}

#[test]
fn the_lunar_and_solar_term_dates_agree_with_the_official_2025_and_2026_calendars() {
    // Each statutory day the crate computes for 2025 and 2026 is a day off of the State
    // Council's calendar for that year (policies/jining/calendar), and the festivals computed
    // from lunar dates and the 清明 solar term land on the dates of the notices.
    let official = calendar();
    for year in [2025, 2026] {
        let days = statutory_holidays(year);
        assert_eq!(days.len(), 13, "{year}");
        for h in &days {
            assert!(
                !official.is_working_day(h.date),
                "{} ({:?}) is a working day in the {year} notice",
                h.date,
                h.festival
            );
        }
    }
    let on = |year, festival| -> Vec<NaiveDate> {
        statutory_holidays(year)
            .iter()
            .filter(|h| h.festival == festival)
            .map(|h| h.date)
            .collect()
    };
    // 2025: 除夕 28 Jan, 清明 4 Apr, 端午 31 May, 中秋 6 Oct.
    assert_eq!(on(2025, Festival::SpringFestival)[0], d(2025, 1, 28));
    assert_eq!(on(2025, Festival::Qingming), vec![d(2025, 4, 4)]);
    assert_eq!(on(2025, Festival::DragonBoat), vec![d(2025, 5, 31)]);
    assert_eq!(on(2025, Festival::MidAutumn), vec![d(2025, 10, 6)]);
    // 2026: 除夕 16 Feb, 清明 5 Apr, 端午 19 Jun, 中秋 25 Sep.
    assert_eq!(on(2026, Festival::SpringFestival)[0], d(2026, 2, 16));
    assert_eq!(on(2026, Festival::Qingming), vec![d(2026, 4, 5)]);
    assert_eq!(on(2026, Festival::DragonBoat), vec![d(2026, 6, 19)]);
    assert_eq!(on(2026, Festival::MidAutumn), vec![d(2026, 9, 25)]);
}

#[test]
fn every_provisional_holiday_2010_to_2026_was_a_day_off_in_that_years_official_calendar() {
    // Cross-check of the lunar and solar-term computations over 17 years of notices (the
    // chinese_holiday crate carries them). Before the 2024 revision (in force from 2025) 除夕 and
    // 2 May were not statutory, so in those years they may have been working days; every other
    // statutory day must have been off.
    let mut old_rule_workdays = Vec::new();
    for year in 2010..=2026 {
        for h in statutory_holidays(year) {
            let workday = chinese_holiday(Ymd::new(
                h.date.year() as u16,
                h.date.month() as u8,
                h.date.day() as u8,
            ))
            .is_workday();
            if !workday {
                continue;
            }
            let eve = h.festival == Festival::SpringFestival
                && statutory_holidays(year)
                    .iter()
                    .find(|x| x.festival == Festival::SpringFestival)
                    .map(|x| x.date)
                    == Some(h.date);
            let may_2 = h.date.month() == 5 && h.date.day() == 2;
            assert!(
                year < 2025 && (eve || may_2),
                "{} ({:?}) was a working day in {year}",
                h.date,
                h.festival
            );
            old_rule_workdays.push(h.date);
        }
    }
    // E.g. 除夕 2024 (Friday 9 February) was worked under the 2008 rules.
    assert!(old_rule_workdays.contains(&d(2024, 2, 9)));
}

#[test]
fn days_are_counted_in_china_time_whatever_the_offset() {
    // DOMAIN.md: "Days are counted in China time (UTC+8), whatever offset a timestamp was
    // written in."
    let at = |s: &str| chrono::DateTime::parse_from_rfc3339(s).unwrap();
    assert_eq!(china_date(at("2026-03-02T23:30:00-02:00")), d(2026, 3, 3));
    assert_eq!(china_date(at("2026-03-02T23:30:00+08:00")), d(2026, 3, 2));
    assert_eq!(china_date(at("2026-03-02T16:00:00Z")), d(2026, 3, 3));
    assert_eq!(china_date(at("2026-03-02T15:59:59Z")), d(2026, 3, 2));
}

#[test]
fn a_fingerprint_names_the_years_whose_days_changed() {
    let cal = calendar();
    let fingerprint = cal.fingerprint();
    assert_eq!(cal.years_changed_since(&fingerprint), Some(vec![]));
    let fewer = WorkingCalendar::parse_years(
        &(2021..=2025)
            .map(year_text)
            .collect::<Vec<_>>()
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
    )
    .unwrap();
    assert_eq!(fewer.years_changed_since(&fingerprint), Some(vec![2026]));
    assert_eq!(
        cal.years_changed_since(&fewer.fingerprint()),
        Some(vec![2026])
    );
    // A day off added to 2024 changes 2024 only.
    let mut texts: Vec<String> = (2021..=2026).map(year_text).collect();
    texts[3] = texts[3].replacen("holidays = [", "holidays = [\n  2024-03-05,", 1);
    let edited =
        WorkingCalendar::parse_years(&texts.iter().map(String::as_str).collect::<Vec<_>>())
            .unwrap();
    assert_eq!(edited.years_changed_since(&fingerprint), Some(vec![2024]));
    assert_eq!(cal.years_changed_since("not a fingerprint"), None);
}

#[test]
fn the_provisional_calendar_can_be_shared_by_threads() {
    let cal = std::sync::Arc::new(calendar());
    let handles: Vec<_> = (0..4)
        .map(|i| {
            let cal = cal.clone();
            std::thread::spawn(move || cal.add_working_days(d(2027 + i, 3, 1), 30).value)
        })
        .collect();
    for (i, h) in handles.into_iter().enumerate() {
        let due = h.join().unwrap();
        assert_eq!(
            due,
            calendar()
                .add_working_days(d(2027 + i as i32, 3, 1), 30)
                .value
        );
    }
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
