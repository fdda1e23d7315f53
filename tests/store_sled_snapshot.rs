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
