//! `audit verify` names the first broken link when events are edited, removed or reordered, and
//! the first record that differs from the one its last event sealed.

mod store_support;

use std::path::Path;

use powerdesk::domain::ports::Repository as _;
use powerdesk::store::SledStore;
use store_support::*;

/// A store with 5 applications (5 events), closed again.
fn store_with_events(dir: &Path) {
    let desk = desk(dir);
    for form in forms(11, 5) {
        desk.submit(form, "王芳").unwrap();
    }
    assert_eq!(desk.verify_audit().unwrap().first_broken, None);
}

/// Open the raw sled database under the store and change its event groups (one per submit here,
/// so group key = event seq).
fn tamper(dir: &Path, f: impl FnOnce(&sled::Tree)) {
    let db = store_support::open_sled(&dir.join("db"));
    let events = db.open_tree("event_groups").unwrap();
    f(&events);
    db.flush().unwrap();
}

fn broken(dir: &Path) -> (u64, String) {
    let store = SledStore::open(dir).unwrap();
    let report = store.verify_audit().unwrap();
    report
        .first_broken
        .expect("the audit must find the tampering")
}

#[test]
fn an_edited_event_is_named() {
    let dir = tempfile::tempdir().unwrap();
    store_with_events(dir.path());
    tamper(dir.path(), |events| {
        let key = 3u64.to_be_bytes();
        // The actor's name inside the stored group (same length, so the value stays readable).
        let mut bytes = events.get(key).unwrap().unwrap().to_vec();
        let (from, to) = ("王芳".as_bytes(), "李强".as_bytes());
        let at = bytes
            .windows(from.len())
            .position(|w| w == from)
            .expect("the group holds the actor");
        bytes[at..at + to.len()].copy_from_slice(to);
        events.insert(key, bytes).unwrap();
    });
    let (seq, what) = broken(dir.path());
    assert_eq!(seq, 3);
    assert!(what.contains("edited"), "{what}");
}

#[test]
fn a_removed_event_is_named() {
    let dir = tempfile::tempdir().unwrap();
    store_with_events(dir.path());
    tamper(dir.path(), |events| {
        events.remove(2u64.to_be_bytes()).unwrap();
    });
    let (seq, what) = broken(dir.path());
    assert_eq!(seq, 2);
    assert!(what.contains("removed"), "{what}");
}

#[test]
fn removing_the_last_event_is_named() {
    let dir = tempfile::tempdir().unwrap();
    store_with_events(dir.path());
    tamper(dir.path(), |events| {
        events.remove(5u64.to_be_bytes()).unwrap();
    });
    let (seq, what) = broken(dir.path());
    assert_eq!(seq, 5);
    assert!(what.contains("removed"), "{what}");
}

#[test]
fn swapped_events_are_named() {
    let dir = tempfile::tempdir().unwrap();
    store_with_events(dir.path());
    tamper(dir.path(), |events| {
        let a = events.get(2u64.to_be_bytes()).unwrap().unwrap();
        let b = events.get(3u64.to_be_bytes()).unwrap().unwrap();
        events.insert(2u64.to_be_bytes(), b).unwrap();
        events.insert(3u64.to_be_bytes(), a).unwrap();
    });
    let (seq, what) = broken(dir.path());
    assert_eq!(seq, 2);
    assert!(what.contains("reordered"), "{what}");
}

#[test]
fn the_command_line_reports_a_broken_chain_with_a_non_zero_exit() {
    let dir = tempfile::tempdir().unwrap();
    store_with_events(dir.path());
    let ok = std::process::Command::new(env!("CARGO_BIN_EXE_powerdesk"))
        .args(["audit", "verify", "--store"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(ok.status.success());
    assert!(String::from_utf8_lossy(&ok.stdout).contains("5 events and 5 records verified"));
    tamper(dir.path(), |events| {
        events.remove(4u64.to_be_bytes()).unwrap();
    });
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_powerdesk"))
        .args(["audit", "verify", "--store"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("broken at event 4"), "{stderr}");
}

/// Rewrite the JSON of the first stored application (record value: format byte, group count
/// u32, the group keys, then the JSON) with `edit`; returns its id.
fn tamper_record(dir: &Path, edit: impl FnOnce(&mut serde_json::Value)) -> String {
    let db = store_support::open_sled(&dir.join("db"));
    let records = db.open_tree("applications").unwrap();
    let (key, bytes) = records.iter().next().unwrap().unwrap();
    let groups = u32::from_be_bytes(bytes[1..5].try_into().unwrap()) as usize;
    let at = 5 + 8 * groups;
    let mut json: serde_json::Value = serde_json::from_slice(&bytes[at..]).unwrap();
    edit(&mut json);
    let mut value = bytes[..at].to_vec();
    value.extend(serde_json::to_vec(&json).unwrap());
    records.insert(&key, value).unwrap();
    db.flush().unwrap();
    String::from_utf8(key.to_vec()).unwrap()
}

#[test]
fn an_edited_record_is_named_with_the_event_that_sealed_it() {
    type Edit = fn(&mut serde_json::Value);
    let edits: [(&str, Edit); 5] = [
        ("name", |j| j["customer"]["name"] = "别人".into()),
        ("capacity", |j| j["request"]["capacity_kw"] = 9999.0.into()),
        ("status", |j| j["status"] = "archived".into()),
        ("process", |j| {
            j["process"] = if j["process"] == "hv_standard" {
                "low_voltage".into()
            } else {
                "hv_standard".into()
            }
        }),
        ("deadline", |j| j["deadline"] = "2099-01-01".into()),
    ];
    for (what, edit) in edits {
        let dir = tempfile::tempdir().unwrap();
        store_with_events(dir.path());
        let id = tamper_record(dir.path(), edit);
        let (seq, message) = broken(dir.path());
        assert!(
            message.contains(&format!(
                "application {id} differs from the record its event {seq} sealed"
            )),
            "{what}: {message}"
        );
    }
}

#[test]
fn a_record_reserialized_unchanged_still_verifies() {
    let dir = tempfile::tempdir().unwrap();
    store_with_events(dir.path());
    // Same data, other bytes (fields reordered by serde_json::Value's map): not a change.
    tamper_record(dir.path(), |_| {});
    let store = SledStore::open(dir.path()).unwrap();
    let report = store.verify_audit().unwrap();
    assert_eq!(report.first_broken, None);
    assert_eq!(report.records_checked, 5);
}

#[test]
fn removed_and_added_records_are_named() {
    let dir = tempfile::tempdir().unwrap();
    store_with_events(dir.path());
    let removed = {
        let db = store_support::open_sled(&dir.path().join("db"));
        let records = db.open_tree("applications").unwrap();
        let (key, _) = records.iter().next_back().unwrap().unwrap();
        records.remove(&key).unwrap();
        db.flush().unwrap();
        String::from_utf8(key.to_vec()).unwrap()
    };
    let (seq, message) = broken(dir.path());
    assert_eq!(seq, 5);
    assert!(
        message.contains(&format!("name application {removed}, which is not stored")),
        "{message}"
    );

    let dir = tempfile::tempdir().unwrap();
    store_with_events(dir.path());
    {
        let db = store_support::open_sled(&dir.path().join("db"));
        let records = db.open_tree("applications").unwrap();
        let (_, value) = records.iter().next().unwrap().unwrap();
        records.insert(b"JN-2026-777777", value).unwrap();
        db.flush().unwrap();
    }
    let (_, message) = broken(dir.path());
    assert!(
        message.contains("application JN-2026-777777 has no events"),
        "{message}"
    );
}
