//! The vendored sled's recovery (vendor/sled/PATCHED.md): a snapshot of many pages (more than one
//! chunk of the chunked page states), advanced by the log written after it, gives back every key,
//! and so does the snapshot written from that, across several reopenings with overwrites,
//! removals and growth in between.

mod store_support;

use std::collections::BTreeMap;
use std::path::Path;

use store_support::open_sled as open;

fn check(db: &sled::Db, model: &BTreeMap<Vec<u8>, Vec<u8>>) {
    assert_eq!(db.len(), model.len());
    for (entry, (k, v)) in db.iter().zip(model) {
        let (dk, dv) = entry.unwrap();
        assert_eq!((&*dk, &*dv), (k.as_slice(), v.as_slice()));
    }
    let tree = db.open_tree("second").unwrap();
    assert_eq!(tree.len(), model.len() / 7);
}

fn snapshots(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .unwrap()
        .filter(|e| {
            let name = e.as_ref().unwrap().file_name();
            let name = name.to_string_lossy();
            name.starts_with("snap.") && !name.ends_with(".generating")
        })
        .count()
}

#[test]
fn a_snapshot_of_many_pages_recovers_every_key_across_reopenings() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("db");
    let mut model = BTreeMap::new();
    // ~120,000 keys: leaves of at most 16 entries, so well over 4,096 pages.
    let key = |i: u32| format!("key-{:08}", i.wrapping_mul(2_654_435_761)).into_bytes();
    for round in 0..4u32 {
        let db = open(&dir);
        if round > 0 {
            check(&db, &model);
            assert!(snapshots(&dir) >= 1, "round {round}: no snapshot");
        }
        let second = db.open_tree("second").unwrap();
        let start = round * 30_000;
        for i in start..start + 30_000 {
            let value = format!("value {i} of round {round}").into_bytes();
            db.insert(key(i), value.clone()).unwrap();
            model.insert(key(i), value);
        }
        // Overwrites and removals among the older keys: pages with fragments, freed pages.
        for i in (0..start).step_by(11) {
            let value = format!("rewritten {i} in round {round}").into_bytes();
            db.insert(key(i), value.clone()).unwrap();
            model.insert(key(i), value);
        }
        for i in (3..start).step_by(97) {
            db.remove(key(i)).unwrap();
            model.remove(&key(i));
        }
        second.clear().unwrap();
        for (k, _) in model.iter().step_by(7).take(model.len() / 7) {
            second.insert(k, &b"x"[..]).unwrap();
        }
        db.flush().unwrap();
        check(&db, &model);
    }
    let db = open(&dir);
    check(&db, &model);
}

/// Copy a store directory (files and subdirectories).
fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// The store's snapshot files (`snap.*` that are neither half-written nor set aside).
fn snapshot_files(db: &Path) -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(db)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            name.starts_with("snap.")
                && !name.contains(".generating")
                && !name.ends_with(".corrupt")
        })
        .collect();
    files.sort();
    files
}

fn backup_of(store: &powerdesk::store::SledStore) -> Vec<u8> {
    let mut out = Vec::new();
    store.backup(&mut out).unwrap();
    out
}

/// Item 6 of issue 12: one flipped byte anywhere in the snapshot (contents, recorded length,
/// checksum) no longer locks the owner out. The store opens with every application, its events
/// and its counters and settings (the backup is byte for byte the one before), consistent
/// indexes and an intact chain; the bad file is kept aside as `.corrupt` and the open says so,
/// and so does the command line, on stderr.
#[test]
fn a_corrupt_snapshot_is_set_aside_and_the_store_recovered_from_the_log() {
    use powerdesk::domain::ports::Repository;
    use powerdesk::store::SledStore;

    let tmp = tempfile::tempdir().unwrap();
    let original = tmp.path().join("original");
    {
        let desk = store_support::desk(&original);
        for form in store_support::forms(12, 60) {
            desk.submit(form, "clerk").unwrap();
        }
    }
    // An open that finds new log writes a snapshot; a second one reads it.
    let expected = {
        let store = SledStore::open(&original).unwrap();
        assert!(store.open_notices().is_empty());
        backup_of(&store)
    };
    let store = SledStore::open(&original).unwrap();
    assert!(
        store.open_notices().is_empty(),
        "{:?}",
        store.open_notices()
    );
    drop(store);
    let snaps = snapshot_files(&original.join("db"));
    assert_eq!(snaps.len(), 1, "{snaps:?}");
    let len = std::fs::metadata(&snaps[0]).unwrap().len() as usize;
    assert!(len > 64, "snapshot of {len} bytes");

    // The start, the middle, the last content byte, the recorded length (its top byte too: a
    // compressed snapshot must not size its buffer by it), the checksum.
    for offset in [
        0,
        7,
        len / 2,
        len - 13,
        len - 12,
        len - 9,
        len - 5,
        len - 4,
        len - 1,
    ] {
        let dir = tmp.path().join(format!("flipped-{offset}"));
        copy_dir(&original, &dir);
        let snap = snapshot_files(&dir.join("db")).pop().unwrap();
        let mut bytes = std::fs::read(&snap).unwrap();
        bytes[offset] ^= 0x20;
        std::fs::write(&snap, &bytes).unwrap();

        let store =
            SledStore::open(&dir).unwrap_or_else(|e| panic!("byte {offset} of {len} flipped: {e}"));
        let notices = store.open_notices().join("\n");
        assert!(
            notices.contains("corrupt") && notices.contains("recovered from the log"),
            "byte {offset}: {notices:?}"
        );
        let mut aside = snap.clone().into_os_string();
        aside.push(".corrupt");
        assert!(notices.contains(&*aside.to_string_lossy()), "{notices}");
        assert_eq!(
            std::fs::read(&aside).unwrap(),
            bytes,
            "byte {offset}: bad file kept"
        );
        assert_eq!(
            String::from_utf8(backup_of(&store)).unwrap(),
            String::from_utf8(expected.clone()).unwrap(),
            "byte {offset}: a different store came back"
        );
        let report = store.check_consistency().unwrap();
        assert!(
            report.is_consistent(),
            "byte {offset}: {:?}",
            report.problems
        );
        assert_eq!(report.applications, 60);
        assert!(store.verify_audit().unwrap().first_broken.is_none());
        drop(store);
        // The next open finds a good snapshot again and has nothing to say.
        let store = SledStore::open(&dir).unwrap();
        assert!(
            store.open_notices().is_empty(),
            "{:?}",
            store.open_notices()
        );
        assert_eq!(backup_of(&store), expected);
    }

    // The command line says what was done, on stderr, and lists every application.
    let dir = tmp.path().join("cli");
    copy_dir(&original, &dir);
    let snap = snapshot_files(&dir.join("db")).pop().unwrap();
    let mut bytes = std::fs::read(&snap).unwrap();
    bytes[len / 3] ^= 0x01;
    std::fs::write(&snap, &bytes).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_powerdesk"))
        .args(["app", "list", "--json", "--limit", "1000", "--store"])
        .arg(&dir)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("corrupt") && stderr.contains(".corrupt"),
        "{stderr}"
    );
    let listed: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(listed.len(), 60);
}
