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

/// Copy the Jining bundle and the shared calendars under `to` (bundle.toml refers to
/// ../calendar), with 2026-03-03 (a Tuesday) made a day off in the copy's 2026 calendar.
fn jining_with_a_local_day_off(to: &Path) -> std::path::PathBuf {
    let bundle = bundle_copy::copy_bundle_as("jining", "jining", to);
    let cal = to.join("calendar/2026.toml");
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
    assert_eq!(a.calendar().is_working_day(day_off), Ok(true));
    assert_eq!(b.calendar().is_working_day(day_off), Ok(false));

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
