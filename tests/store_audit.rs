//! `audit verify` names the first broken link when events are edited, removed or reordered.

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
    assert!(String::from_utf8_lossy(&ok.stdout).contains("5 events verified"));
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
