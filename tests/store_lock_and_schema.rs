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
            assert_eq!(supported, 1);
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
