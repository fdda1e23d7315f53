//! Deadlines are counted on the working-day calendar that comes with the active policy bundle,
//! so a region that adds a day off (or next year's calendar) changes deadlines without a new
//! powerdesk.

#[path = "store_support/mod.rs"]
mod support;

#[path = "fixtures/bundle_copy.rs"]
mod bundle_copy;

use std::path::Path;
use std::sync::Arc;

use chrono::NaiveDate;
use powerdesk::policy::bundle::Bundle;
use powerdesk::policy::host::{PolicyHost, SandboxLimits};

/// Copy the Jining bundle (with its calendar files) under `to`, with 2026-03-03 (a Tuesday)
/// made a day off in the copy's 2026 calendar.
fn jining_with_a_local_day_off(to: &Path) -> std::path::PathBuf {
    let bundle = bundle_copy::copy_bundle_as("jining", "jining", to);
    let cal = bundle.join("calendar/2026.toml");
    let text = std::fs::read_to_string(&cal).unwrap();
    let text = text.replacen(
        "holidays = [",
        "holidays = [\n  2026-03-03, # a local day off",
        1,
    );
    std::fs::write(&cal, text).unwrap();
    bundle
}

fn ten_kv_json() -> String {
    support::shop_json().replace(
        r#""voltage": "380V", "capacity_kw": 150, "capacity_kva": null"#,
        r#""voltage": "10kV", "capacity_kw": null, "capacity_kva": 800"#,
    )
}

#[test]
fn deadlines_are_counted_on_the_active_bundles_calendar() {
    let host = PolicyHost::without_cache(SandboxLimits::default());
    let tmp = tempfile::tempdir().unwrap();
    let shipped = Bundle::load(&host, Path::new("policies/jining")).unwrap();
    let local = Bundle::load(&host, &jining_with_a_local_day_off(tmp.path())).unwrap();
    let day_off = NaiveDate::from_ymd_opt(2026, 3, 3).unwrap();
    assert_ne!(
        shipped.digest(),
        local.digest(),
        "the calendar is part of the digest"
    );

    let a = support::desk(&tmp.path().join("a")).with_decider(Arc::new(shipped));
    let b = support::desk(&tmp.path().join("b")).with_decider(Arc::new(local));
    assert!(a.calendar().is_working_day(day_off));
    assert!(!b.calendar().is_working_day(day_off));

    // Accepted Monday 2026-03-02; the supply plan is due within 2 working days.
    let json = ten_kv_json();
    assert!(json.contains("10kV"), "{json}");
    let on_shipped = a.submit_json(&json, "tester").unwrap();
    let on_local = b.submit_json(&json, "tester").unwrap();
    assert_eq!(
        on_shipped.deadline,
        NaiveDate::from_ymd_opt(2026, 3, 4),
        "{on_shipped:?}"
    );
    assert_eq!(
        on_local.deadline,
        NaiveDate::from_ymd_opt(2026, 3, 5),
        "one day later: the bundle's day off does not count"
    );
}

/// The shop of CONTRACTS.md as a 35 kV request of 8000 kVA received at `received_at`.
fn thirty_five_kv_json(received_at: &str) -> String {
    support::shop_json()
        .replace(
            r#""voltage": "380V", "capacity_kw": 150, "capacity_kva": null"#,
            r#""voltage": "35kV", "capacity_kw": null, "capacity_kva": 8000"#,
        )
        .replace(r#""direct_meter": true"#, r#""direct_meter": false"#)
        .replace("2026-03-02T09:00:00+08:00", received_at)
}

/// The Jining bundle copied under `to` with the test fixture of a 2027 year file added to its
/// calendar (tests/fixtures/calendar_2027_test.toml: NOT an official calendar; 5 January 2027
/// is a made-up day off).
fn jining_with_a_2027_test_calendar(to: &Path) -> std::path::PathBuf {
    let bundle = bundle_copy::copy_bundle_as("jining", "jining-2027", to);
    std::fs::copy(
        "tests/fixtures/calendar_2027_test.toml",
        bundle.join("calendar/2027.toml"),
    )
    .unwrap();
    let manifest = bundle.join("bundle.toml");
    let text = std::fs::read_to_string(&manifest).unwrap().replacen(
        "\"calendar/2026.toml\",",
        "\"calendar/2026.toml\",\n    \"calendar/2027.toml\",",
        1,
    );
    std::fs::write(&manifest, text).unwrap();
    bundle
}

#[test]
fn a_year_without_a_calendar_never_stops_an_application() {
    // DOMAIN.md: a date outside the loaded years "must never stop the work: the desk keeps
    // accepting and advancing applications, counts such days on a provisional calendar
    // ... marks every deadline that touches such a day as provisional".
    let host = PolicyHost::without_cache(SandboxLimits::default());
    let tmp = tempfile::tempdir().unwrap();
    let jining = Bundle::load(&host, Path::new("policies/jining")).unwrap();
    let desk = support::desk(tmp.path()).with_decider(Arc::new(jining));

    // 35 kV on 15 December 2026: the plan reply (15 working days) falls due in 2027.
    let december = desk
        .submit_json(&thirty_five_kv_json("2026-12-15T10:00:00+08:00"), "王芳")
        .unwrap();
    assert_eq!(december.deadline, NaiveDate::from_ymd_opt(2027, 1, 6));
    assert!(december.deadline_provisional);
    assert_eq!(december.missing_calendar_years.years(), &[2027]);
    // Any application in January 2027.
    let january = desk
        .submit_json(
            &support::shop_json().replace("2026-03-02T09:00:00+08:00", "2027-01-05T10:00:00+08:00"),
            "王芳",
        )
        .unwrap();
    assert!(january.decision.is_some(), "decided by the bundle");
    assert!(january.deadline_provisional);
    assert_eq!(january.id.0, "JN-2027-000001");
    // A deadline inside the loaded years stays official.
    let march = desk.submit_json(&ten_kv_json(), "王芳").unwrap();
    assert!(!march.deadline_provisional);
    assert!(march.missing_calendar_years.is_empty());

    // The preview and the tracking view say so too.
    let form = powerdesk::domain::validation::parse_form(&thirty_five_kv_json(
        "2026-12-15T10:00:00+08:00",
    ))
    .unwrap();
    let preview = desk.preview(&form).unwrap();
    assert_eq!(preview.deadline, december.deadline);
    assert!(preview.deadline_provisional);
    assert_eq!(preview.missing_calendar_years.years(), &[2027]);
    let shown = desk.show(&december.id).unwrap();
    assert_eq!(shown.timeline_error, None);
    let pending = shown.timeline.unwrap().pending.unwrap();
    assert!(pending.deadline_provisional);
    assert_eq!(pending.missing_calendar_years.years(), &[2027]);
    let json = serde_json::to_value(&shown.application).unwrap();
    assert_eq!(json["deadline_provisional"], true);
    assert_eq!(json["missing_calendar_years"], serde_json::json!([2027]));

    // It advances like any other.
    let replied = desk
        .advance(
            &december.id,
            powerdesk::domain::State::PlanReplied,
            Some(chrono::DateTime::parse_from_rfc3339("2027-01-04T10:00:00+08:00").unwrap()),
            None,
            "王芳",
        )
        .unwrap();
    assert_eq!(replied.status, powerdesk::domain::State::PlanReplied);
}

#[test]
fn loading_the_years_file_recounts_provisional_deadlines_on_it() {
    let host = PolicyHost::without_cache(SandboxLimits::default());
    let tmp = tempfile::tempdir().unwrap();
    let store_dir = tmp.path().join("store");
    let shipped = Arc::new(Bundle::load(&host, Path::new("policies/jining")).unwrap());
    let desk = support::desk(&store_dir).with_decider(shipped);
    assert!(
        desk.sync_calendar().unwrap().changed,
        "the first count is recorded"
    );
    let december = desk
        .submit_json(&thirty_five_kv_json("2026-12-15T10:00:00+08:00"), "王芳")
        .unwrap();
    let january = desk
        .submit_json(&thirty_five_kv_json("2027-01-04T10:00:00+08:00"), "王芳")
        .unwrap();
    let march = desk.submit_json(&ten_kv_json(), "王芳").unwrap();
    let cancelled = desk
        .submit_json(&thirty_five_kv_json("2026-12-16T10:00:00+08:00"), "王芳")
        .unwrap();
    desk.advance(
        &cancelled.id,
        powerdesk::domain::State::Cancelled,
        Some(chrono::DateTime::parse_from_rfc3339("2026-12-17T10:00:00+08:00").unwrap()),
        Some("客户撤回申请".into()),
        "王芳",
    )
    .unwrap();
    assert!(december.deadline_provisional && january.deadline_provisional);
    assert!(
        !desk.sync_calendar().unwrap().changed,
        "same calendar: nothing to do"
    );

    // The 2027 file is added to a bundle and the bundle activated.
    let bundle_dir = jining_with_a_2027_test_calendar(tmp.path());
    let with_2027 = Arc::new(Bundle::load(&host, &bundle_dir).unwrap());
    assert!(with_2027.calendar().is_loaded(2027));
    powerdesk::policy::active::activate(
        desk.repository().as_ref(),
        &host,
        &bundle_dir,
        "张主任",
        chrono::DateTime::parse_from_rfc3339("2026-12-20T10:00:00+08:00").unwrap(),
    )
    .unwrap();
    desk.set_decider(Some(with_2027));
    let sync = desk.sync_calendar().unwrap();
    assert!(sync.changed);
    assert_eq!(sync.years, Some(vec![2027]));
    assert_eq!(
        (sync.recounted, sync.updated, sync.still_provisional),
        (2, 2, 0)
    );

    let repo = desk.repository();
    let december = repo.get(&december.id).unwrap().unwrap();
    // The made-up day off of the test file (5 January) moves the deadline a day.
    assert_eq!(december.deadline, NaiveDate::from_ymd_opt(2027, 1, 7));
    assert!(!december.deadline_provisional);
    assert!(december.missing_calendar_years.is_empty());
    let january = repo.get(&january.id).unwrap().unwrap();
    assert!(!january.deadline_provisional);
    assert_eq!(repo.get(&march.id).unwrap().unwrap(), march, "untouched");
    assert_eq!(
        repo.get(&cancelled.id).unwrap().unwrap().deadline,
        None,
        "closed applications have no deadline to recount"
    );
    // Durable: a new desk over the store reads the recounted deadlines, nothing left to do.
    drop(desk);
    let reopened = powerdesk::cli::open_desk(&store_dir).unwrap();
    assert!(!reopened.sync_calendar().unwrap().changed);
    assert_eq!(
        reopened.repository().get(&december.id).unwrap().unwrap(),
        december
    );
}

#[test]
fn a_bundle_copied_anywhere_takes_its_calendar_along() {
    let tmp = tempfile::tempdir().unwrap();
    let elsewhere = tmp.path().join("somewhere/else");
    bundle_copy::copy_dir(Path::new("policies/jining"), &elsewhere);
    let host = PolicyHost::without_cache(SandboxLimits::default());
    let copy = Bundle::load(&host, &elsewhere).unwrap();
    let shipped = Bundle::load(&host, Path::new("policies/jining")).unwrap();
    assert_eq!(copy.digest(), shipped.digest(), "same files, same digest");
    assert_eq!(copy.calendar(), shipped.calendar());
    assert_eq!(copy.calendar().years(), (2021..=2026).collect::<Vec<_>>());
    let form = powerdesk::domain::validation::parse_form(&ten_kv_json()).unwrap();
    let on = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
    assert_eq!(
        copy.evaluate(&form, on).unwrap(),
        shipped.evaluate(&form, on).unwrap()
    );

    // A calendar file outside the bundle folder is refused, naming the key.
    for escaping in ["../calendar/2026.toml", "/etc/powerdesk/2026.toml"] {
        let manifest = elsewhere.join("bundle.toml");
        let text = std::fs::read_to_string(&manifest).unwrap();
        std::fs::write(
            &manifest,
            text.replacen("\"calendar/2026.toml\"", &format!("{escaping:?}"), 1),
        )
        .unwrap();
        let err = Bundle::load(&host, &elsewhere).unwrap_err().to_string();
        assert!(err.contains("bundle.calendar[5]"), "{err}");
        assert!(err.contains("leaves the bundle folder"), "{err}");
        std::fs::write(&manifest, text).unwrap();
    }
}
