//! One process per store, and a store from a newer powerdesk is refused, both with clear messages.

mod store_support;

use powerdesk::domain::ports::StoreError;
use powerdesk::store::SledStore;

#[test]
fn a_second_process_gets_a_clear_locked_message() {
    let dir = tempfile::tempdir().unwrap();
    let _held = SledStore::open(dir.path()).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_powerdesk"))
        .args(["app", "list", "--store"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("in use by another powerdesk process"),
        "{stderr}"
    );
    assert!(
        stderr.contains(&dir.path().display().to_string()),
        "{stderr}"
    );
}

#[test]
fn a_second_open_in_the_same_process_is_locked_too() {
    let dir = tempfile::tempdir().unwrap();
    let _held = SledStore::open(dir.path()).unwrap();
    match SledStore::open(dir.path()) {
        Err(StoreError::Locked { dir: d }) => assert_eq!(d, dir.path().display().to_string()),
        Err(other) => panic!("expected Locked, got {other}"),
        Ok(_) => panic!("expected Locked, the store opened twice"),
    }
}

#[test]
fn a_store_from_a_newer_schema_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    SledStore::open(dir.path())
        .unwrap()
        .force_schema_version(99)
        .unwrap();
    match SledStore::open(dir.path()) {
        Err(StoreError::NewerSchema {
            found, supported, ..
        }) => {
            assert_eq!(found, 99);
            assert_eq!(supported, 7);
        }
        Err(other) => panic!("expected NewerSchema, got {other}"),
        Ok(_) => panic!("a newer schema was opened"),
    }
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_powerdesk"))
        .args(["app", "list", "--store"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("newer powerdesk (schema 99"), "{stderr}");
}

#[test]
fn a_store_from_an_older_schema_is_recounted_on_open() {
    use powerdesk::domain::ports::Query;
    use powerdesk::domain::workflow::State;
    let dir = tempfile::tempdir().unwrap();
    {
        let desk = store_support::desk(dir.path());
        for form in store_support::forms(3, 40) {
            desk.submit(form, "x").unwrap();
        }
    }
    {
        // What a schema 1 store looks like: no pair counters.
        let db = store_support::open_sled(&dir.path().join("db"));
        let meta = db.open_tree("meta").unwrap();
        for key in meta.scan_prefix(b"n/pair/").keys() {
            meta.remove(key.unwrap()).unwrap();
        }
        meta.insert(b"schema_version", &1u64.to_be_bytes()).unwrap();
        db.flush().unwrap();
    }
    let store = SledStore::open(dir.path()).unwrap();
    assert!(store.check_consistency().unwrap().is_consistent());
    drop(store);
    let desk = store_support::desk(dir.path());
    let q = Query {
        status: Some(State::Accepted),
        county: Some("任城区".into()),
        ..Query::default()
    };
    let page = desk.list(&q).unwrap();
    assert_eq!(page.total as usize, page.items.len());
    assert!(page.total > 0);
}

#[test]
fn a_schema_2_store_gets_its_deadline_day_counters_on_open() {
    use powerdesk::domain::ports::Query;
    let dir = tempfile::tempdir().unwrap();
    let on = chrono::NaiveDate::from_ymd_opt(2026, 11, 27).unwrap();
    let want = {
        let desk = store_support::desk(dir.path());
        for form in store_support::forms(5, 40) {
            desk.submit(form, "x").unwrap();
        }
        desk.list(&Query {
            overdue_on: Some(on),
            ..Query::default()
        })
        .unwrap()
        .items
        .len() as u64
    };
    assert!(want > 0);
    {
        // What a schema 2 store looks like: no per-day counters.
        let db = store_support::open_sled(&dir.path().join("db"));
        let meta = db.open_tree("meta").unwrap();
        for key in meta.scan_prefix(b"n/day/").keys() {
            meta.remove(key.unwrap()).unwrap();
        }
        meta.insert(b"schema_version", &2u64.to_be_bytes()).unwrap();
        db.flush().unwrap();
    }
    let store = SledStore::open(dir.path()).unwrap();
    assert!(store.check_consistency().unwrap().is_consistent());
    drop(store);
    let desk = store_support::desk(dir.path());
    let page = desk
        .list(&Query {
            overdue_on: Some(on),
            limit: 1,
            ..Query::default()
        })
        .unwrap();
    assert_eq!(page.total, want);
}

#[test]
fn a_wrong_deadline_day_counter_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    {
        let desk = store_support::desk(dir.path());
        for form in store_support::forms(6, 10) {
            desk.submit(form, "x").unwrap();
        }
    }
    {
        let db = store_support::open_sled(&dir.path().join("db"));
        let meta = db.open_tree("meta").unwrap();
        let key = meta.scan_prefix(b"n/day/").keys().next().unwrap().unwrap();
        meta.insert(key, &99u64.to_be_bytes()).unwrap();
        db.flush().unwrap();
    }
    let store = SledStore::open(dir.path()).unwrap();
    let report = store.check_consistency().unwrap();
    assert!(
        report.problems.iter().any(|p| p.contains("n/day/")),
        "{:?}",
        report.problems
    );
}

/// sled's own file lock outlives a dropped store for a moment (its background threads): opening
/// the store again in the same process waits for it instead of failing.
#[test]
fn reopening_waits_for_a_just_dropped_sled_in_this_process() {
    let dir = tempfile::tempdir().unwrap();
    drop(SledStore::open(dir.path()).unwrap());
    let lingering = store_support::open_sled(&dir.path().join("db"));
    let release = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(300));
        drop(lingering);
    });
    let store = SledStore::open(dir.path()).expect("waits for the lingering sled");
    release.join().unwrap();
    assert!(store.check_consistency().unwrap().is_consistent());
}
