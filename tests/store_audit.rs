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

/// Schema 8 keeps a group's id once and its record seals as raw bytes, rebuilding the JSON each
/// hash covers from those parts: a byte flipped anywhere in a stored group (format, links, seq,
/// count, id, flags, seal, drafts) still breaks the chain at that group.
#[test]
fn a_flipped_byte_anywhere_in_a_stored_event_group_is_named() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = std::sync::Arc::new(SledStore::open(dir.path()).unwrap());
        let desk = powerdesk::service::Desk::new(
            store,
            std::sync::Arc::new(powerdesk::cli::bundled_calendar().unwrap()),
        );
        powerdesk::service::demo::generate(&desk, 6, 5).unwrap();
    }
    // The group with the most events (a demo application's whole history, sealed at its end).
    let (key, original) = {
        let db = store_support::open_sled(&dir.path().join("db"));
        let groups = db.open_tree("event_groups").unwrap();
        let (key, value) = groups
            .iter()
            .map(|e| e.unwrap())
            .max_by_key(|(_, v)| v.len())
            .unwrap();
        (key.to_vec(), value.to_vec())
    };
    assert_eq!(original[0], 3, "written split");
    let first = u64::from_be_bytes(key[..].try_into().unwrap());
    let record_seal = hex::decode(
        SledStore::open(dir.path())
            .unwrap()
            .events(&powerdesk::domain::AppId(
                // After the format, previous hash, first seq and count (one byte): the id's length
                // and the id.
                String::from_utf8(original[43..43 + original[42] as usize].to_vec()).unwrap(),
            ))
            .unwrap()
            .last()
            .unwrap()
            .draft
            .record
            .clone()
            .unwrap(),
    )
    .unwrap();
    let seal_at = original
        .windows(32)
        .position(|w| w == record_seal)
        .expect("the seal is stored raw");
    // Every byte of the head (format, previous hash, first seq, count, id) and of the seal, and
    // every 5th byte of the rest.
    let positions: Vec<usize> = (0..original.len())
        .filter(|&i| i < 60 || (seal_at - 1..seal_at + 33).contains(&i) || i % 5 == 0)
        .collect();
    for at in positions {
        for flip in [0x01u8, 0x80] {
            let mut damaged = original.clone();
            damaged[at] ^= flip;
            tamper(dir.path(), |groups| {
                groups.insert(&key[..], damaged).unwrap();
            });
            let (seq, what) = broken(dir.path());
            assert!(
                seq >= first && seq < first + 20,
                "byte {at} ^ {flip:#x}: broken at {seq} ({what}), the group starts at {first}"
            );
        }
    }
    tamper(dir.path(), |groups| {
        groups.insert(&key[..], original).unwrap();
    });
    let report = SledStore::open(dir.path()).unwrap().verify_audit().unwrap();
    assert_eq!(report.first_broken, None);
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
/// u32, the group keys, then the JSON, field-name runs compacted in format 3) with `edit`;
/// returns its id.
fn tamper_record(dir: &Path, edit: impl FnOnce(&mut serde_json::Value)) -> String {
    let db = store_support::open_sled(&dir.join("db"));
    let records = db.open_tree("applications").unwrap();
    let (key, bytes) = records.iter().next().unwrap().unwrap();
    let groups = u32::from_be_bytes(bytes[1..5].try_into().unwrap()) as usize;
    let at = 5 + 8 * groups;
    let stored = powerdesk::store::stored_record_json(&bytes).unwrap();
    let mut json: serde_json::Value = serde_json::from_slice(&stored).unwrap();
    edit(&mut json);
    // Written back as plain JSON, which every record format reads as it is.
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

/// The export line of one accepted application (advanced once), as JSON.
fn exported_line(desk: &powerdesk::service::Desk) -> serde_json::Value {
    let app = desk.submit_json(&shop_json(), "王芳").unwrap();
    let first = desk.show(&app.id).unwrap();
    let at = app.form.received_at + chrono::Duration::hours(3);
    desk.advance(&app.id, first.next_states[0], Some(at), None, "李强")
        .unwrap();
    let mut out = Vec::new();
    desk.export(&mut out).unwrap();
    serde_json::from_slice(&out).unwrap()
}

/// Seal a forged line as a forger who recomputes the record hash would.
fn reseal(line: &mut serde_json::Value) {
    let parsed: powerdesk::service::ExportLine = serde_json::from_value(line.clone()).unwrap();
    let hash = powerdesk::domain::event::record_hash(&parsed.application);
    let events = line["events"].as_array_mut().unwrap();
    events.last_mut().unwrap()["record"] = hash.into();
    reseal_hashes_only(line);
}

/// Recompute every event's hash of a line (as a forger would), nothing else.
fn reseal_hashes_only(line: &mut serde_json::Value) {
    for e in line["events"].as_array_mut().unwrap() {
        let event: powerdesk::domain::event::Event = serde_json::from_value(e.clone()).unwrap();
        let event =
            powerdesk::domain::event::Event::chain(event.seq, event.draft, &event.prev_hash);
        *e = serde_json::to_value(&event).unwrap();
    }
}

fn import_error(line: &serde_json::Value) -> String {
    let dir = tempfile::tempdir().unwrap();
    let desk = desk(dir.path());
    let err = desk
        .import(&line.to_string(), "王五")
        .expect_err("a line that does not add up is refused")
        .to_string();
    assert_eq!(
        desk.list(&Default::default()).unwrap().total,
        0,
        "nothing written"
    );
    err
}

#[test]
fn an_export_line_that_does_not_add_up_is_refused_naming_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let line = exported_line(&desk(dir.path()));
    // The line as exported imports.
    let into = tempfile::tempdir().unwrap();
    desk(into.path()).import(&line.to_string(), "王五").unwrap();

    let mut renamed = line.clone();
    renamed["customer"]["name"] = "别人的公司".into();
    let err = import_error(&renamed);
    assert!(
        err.contains("line 1")
            && err.contains("the record differs from the one its last event sealed"),
        "{err}"
    );

    // An event changed (its actor) without its hash.
    let mut actor = line.clone();
    actor["events"][1]["actor"] = "别人".into();
    let err = import_error(&actor);
    assert!(
        err.contains("line 1: events: event 2 (seq 2) does not match its hash"),
        "{err}"
    );

    // Straight from accepted to archived, resealed.
    let mut skipped = line.clone();
    skipped["status"] = "archived".into();
    skipped["events"][1]["kind"]["to"] = "archived".into();
    reseal(&mut skipped);
    let err = import_error(&skipped);
    assert!(
        err.contains("line 1: history: event 2") && err.contains("archived"),
        "{err}"
    );

    // A move dated before the acceptance, resealed.
    let mut early = line.clone();
    early["events"][1]["at"] = "2026-03-01T09:00:00+08:00".into();
    reseal(&mut early);
    let err = import_error(&early);
    assert!(
        err.contains("history: event 2 is dated 2026-03-01 09:00:00 +08:00 before"),
        "{err}"
    );

    // A status the events do not end in, resealed.
    let mut status = line.clone();
    status["status"] = "energized".into();
    reseal(&mut status);
    let err = import_error(&status);
    assert!(
        err.contains("status: the record says energized but its events end in"),
        "{err}"
    );

    // An export from before record hashes.
    let mut old = line.clone();
    for e in old["events"].as_array_mut().unwrap() {
        e.as_object_mut().unwrap().remove("record");
    }
    reseal_hashes_only(&mut old);
    let err = import_error(&old);
    assert!(
        err.contains("the last event carries no record hash"),
        "{err}"
    );
}

#[test]
fn an_imported_decision_is_what_the_active_bundle_decides() {
    use powerdesk::policy::bundle::Bundle;
    use powerdesk::policy::host::{PolicyHost, SandboxLimits};
    let host = PolicyHost::without_cache(SandboxLimits::default());
    let jining = std::sync::Arc::new(Bundle::load(&host, Path::new("policies/jining")).unwrap());
    let dir = tempfile::tempdir().unwrap();
    let line = exported_line(&desk(dir.path()).with_decider(jining.clone()));
    let into = tempfile::tempdir().unwrap();
    let target = desk(into.path()).with_decider(jining.clone());
    // A 99 yuan/kWh tariff cut, resealed: not what the bundle decides.
    let mut cut = line.clone();
    cut["decision"]["tariff_cut_yuan_per_kwh"] = 99.0.into();
    reseal(&mut cut);
    let err = target
        .import(&cut.to_string(), "王五")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("line 1: decision: differs from what the active bundle")
            && err.contains("tariff_cut_yuan_per_kwh"),
        "{err}"
    );
    // A process class its decision does not give.
    let mut process = line.clone();
    process["process"] = "hv_standard".into();
    reseal(&mut process);
    let err = target
        .import(&process.to_string(), "王五")
        .unwrap_err()
        .to_string();
    // (its first move is then illegal too; whichever check names it first, the line is refused)
    assert!(
        err.contains("line 1: ") && err.contains("hv_standard"),
        "{err}"
    );
    assert_eq!(target.list(&Default::default()).unwrap().total, 0);
    target.import(&line.to_string(), "王五").unwrap();
    assert_eq!(target.verify_audit().unwrap().first_broken, None);
}

/// A backup of a store with 5 applications, one advanced, as JSON lines.
fn backup_text() -> String {
    let dir = tempfile::tempdir().unwrap();
    exported_line(&desk(dir.path()));
    store_with_events(dir.path());
    let store = SledStore::open(dir.path()).unwrap();
    let mut out = Vec::new();
    store.backup(&mut out).unwrap();
    String::from_utf8(out).unwrap()
}

/// The lines of a backup as JSON values (re-serialized, so `restore` recomputes the digest).
fn backup_lines() -> Vec<serde_json::Value> {
    backup_text()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Recompute the end line's digest over the other lines.
fn redigest(lines: &mut [serde_json::Value]) {
    use sha2::Digest;
    let mut digest = sha2::Sha256::new();
    for line in lines.iter().filter(|l| l.get("end").is_none()) {
        digest.update(line.to_string().as_bytes());
        digest.update(b"\n");
    }
    let end = lines.iter_mut().find_map(|l| l.get_mut("end")).unwrap();
    end["digest"] = hex::encode(digest.finalize()).into();
}

/// Restore `lines` (their digest, if any, recomputed for the re-serialized lines).
fn restore(
    lines: &[serde_json::Value],
) -> Result<(tempfile::TempDir, powerdesk::store::SledStore), String> {
    let mut lines = lines.to_vec();
    if lines
        .iter()
        .any(|l| l.get("end").and_then(|e| e.get("digest")).is_some())
    {
        redigest(&mut lines);
    }
    let text: String = lines.iter().map(|l| l.to_string() + "\n").collect();
    restore_text(&text)
}

fn restore_text(text: &str) -> Result<(tempfile::TempDir, powerdesk::store::SledStore), String> {
    let dir = tempfile::tempdir().unwrap();
    let store = SledStore::open(dir.path()).unwrap();
    match store.restore(&mut text.as_bytes()) {
        Ok(_) => Ok((dir, store)),
        Err(e) => {
            assert_eq!(
                store.check_consistency().unwrap().applications,
                0,
                "a refused restore leaves the store empty"
            );
            Err(e.to_string())
        }
    }
}

#[test]
fn a_backup_whose_record_differs_from_its_events_is_refused() {
    let text = backup_text();
    let (_dir, store) = restore_text(&text).unwrap();
    assert_eq!(store.verify_audit().unwrap().first_broken, None);
    assert!(text.contains("\"capacity_kw\":150.0"));
    let err = restore_text(&text.replacen("\"capacity_kw\":150.0", "\"capacity_kw\":400.0", 1))
        .err()
        .expect("refused");
    assert!(
        err.contains("the backup's digest does not match its lines"),
        "{err}"
    );

    // Its digest recomputed, as a forger would: the record still differs from its events.
    let mut renamed = backup_lines();
    let app = renamed
        .iter_mut()
        .find(|l| l.get("application").is_some())
        .unwrap();
    app["application"]["request"]["capacity_kw"] = 400.into();
    let err = restore(&renamed).err().expect("refused");
    assert!(
        err.contains("the backup does not add up at event")
            && err.contains("differs from the record its event"),
        "{err}"
    );
}

#[test]
fn a_backup_from_before_record_hashes_is_restored_and_sealed() {
    use powerdesk::domain::event::{Event, GENESIS_HASH};
    let mut lines = backup_lines();
    let mut prev = GENESIS_HASH.to_string();
    let mut events = 0;
    for line in &mut lines {
        if let Some(h) = line.get_mut("header") {
            h["schema"] = 6.into();
        } else if let Some(e) = line.get_mut("event") {
            let mut event: Event = serde_json::from_value(e.clone()).unwrap();
            event.draft.record = None;
            let event = Event::chain(event.seq, event.draft, &prev);
            prev = event.hash.clone();
            *e = serde_json::to_value(&event).unwrap();
            events += 1;
        } else if let Some(end) = line.get_mut("end") {
            end["chain_head"] = prev.clone().into();
            end.as_object_mut().unwrap().remove("digest");
        }
    }
    let (_dir, store) = restore(&lines).unwrap();
    let audit = store.verify_audit().unwrap();
    assert_eq!(audit.first_broken, None);
    assert_eq!(audit.events_checked, events + 6, "one seal per application");
    // Its histories are still checked: a move the process does not allow is refused.
    let mut illegal = lines.clone();
    let mut prev = GENESIS_HASH.to_string();
    for line in &mut illegal {
        if let Some(e) = line.get_mut("event") {
            let mut event: Event = serde_json::from_value(e.clone()).unwrap();
            if let powerdesk::domain::event::EventKind::Advanced { to, .. } = &mut event.draft.kind
            {
                *to = powerdesk::domain::workflow::State::Archived;
            }
            let event = Event::chain(event.seq, event.draft, &prev);
            prev = event.hash.clone();
            *e = serde_json::to_value(&event).unwrap();
        } else if let Some(end) = line.get_mut("end") {
            end["chain_head"] = prev.clone().into();
        } else if let Some(a) = line.get_mut("application") {
            if a["status"] != "accepted" {
                a["status"] = "archived".into();
            }
        }
    }
    let err = restore(&illegal).err().expect("refused");
    assert!(
        err.contains("the backup's application") && err.contains("cannot move"),
        "{err}"
    );
}

/// How a file is damaged: bytes flipped (xor with a non-zero mask), digits changed into other
/// digits (the JSON stays valid: counts, dates, capacities, hashes change), or cut short.
#[derive(Debug, Clone)]
enum Damage {
    Flip(Vec<(usize, u8)>),
    /// (which digit of the file, how much to add to it modulo 10)
    Digit(Vec<(usize, u8)>),
    Truncate(usize),
}

impl Damage {
    fn apply(&self, bytes: &[u8]) -> Vec<u8> {
        match self {
            Damage::Flip(flips) => {
                let mut out = bytes.to_vec();
                for (at, mask) in flips {
                    out[*at] ^= mask;
                }
                out
            }
            Damage::Digit(changes) => {
                let mut out = bytes.to_vec();
                let digits: Vec<usize> = (0..out.len())
                    .filter(|i| out[*i].is_ascii_digit())
                    .collect();
                for (which, add) in changes {
                    let at = digits[which % digits.len()];
                    out[at] = b'0' + (out[at] - b'0' + add) % 10;
                }
                out
            }
            Damage::Truncate(len) => bytes[..*len].to_vec(),
        }
    }
}

fn damage(len: usize) -> impl proptest::strategy::Strategy<Value = Damage> {
    use proptest::prelude::*;
    prop_oneof![
        (0..len, 1u8..=255).prop_map(|flip| Damage::Flip(vec![flip])),
        prop::collection::vec((0..len, 1u8..=255), 2..8).prop_map(Damage::Flip),
        prop::collection::vec((0..len, 1u8..=9), 1..4).prop_map(Damage::Digit),
        (0..len).prop_map(Damage::Truncate),
    ]
}

/// An export's lines by id: the application and its event drafts (what an import keeps; the
/// importing store chains the events anew).
fn exported_by_id(
    text: &str,
) -> std::collections::BTreeMap<String, (serde_json::Value, Vec<serde_json::Value>)> {
    text.lines()
        .map(|l| {
            let line: powerdesk::service::ExportLine = serde_json::from_str(l).unwrap();
            let drafts = line
                .events
                .iter()
                .map(|e| serde_json::to_value(&e.draft).unwrap())
                .collect();
            (
                line.application.id.0.clone(),
                (serde_json::to_value(&line.application).unwrap(), drafts),
            )
        })
        .collect()
}

/// Issue 12: no backup or export damaged by flipped bytes or truncation is restored or
/// imported as different data without an error. 1,200 cases from a fixed seed over one source
/// store of 20 demo applications; a damaged file is either refused (and nothing is written) or
/// restores exactly the original (a truncated export may import fewer lines, each identical).
#[test]
fn damaged_backups_and_exports_are_refused_or_read_as_they_were() {
    use powerdesk::service::Desk;
    use proptest::test_runner::{Config, RngSeed, TestCaseError, TestRunner};
    use std::sync::Arc;

    let source = tempfile::tempdir().unwrap();
    let (backup, export) = {
        let store = Arc::new(SledStore::open(source.path()).unwrap());
        let desk = Desk::new(
            store.clone(),
            Arc::new(powerdesk::cli::bundled_calendar().unwrap()),
        );
        powerdesk::service::demo::generate(&desk, 20, 12).unwrap();
        let (mut backup, mut export) = (Vec::new(), Vec::new());
        store.backup(&mut backup).unwrap();
        desk.export(&mut export).unwrap();
        (backup, export)
    };
    let original = exported_by_id(std::str::from_utf8(&export).unwrap());
    assert_eq!(original.len(), 20);
    let config = |cases| Config {
        cases,
        rng_seed: RngSeed::Fixed(0x1212),
        failure_persistence: None,
        max_shrink_iters: 64,
        ..Config::default()
    };
    let refused = std::cell::Cell::new(0u32);

    // Backups: restored into one empty store, emptied again by a refused restore.
    let fresh = || {
        let dir = tempfile::tempdir().unwrap();
        let store = SledStore::open(dir.path()).unwrap();
        (dir, store)
    };
    let target = std::cell::RefCell::new(fresh());
    TestRunner::new(config(600))
        .run(&damage(backup.len()), |d| {
            let damaged = d.apply(&backup);
            let mut slot = target.borrow_mut();
            let restored = slot.1.restore(&mut &damaged[..]);
            match restored {
                Err(e) => {
                    refused.set(refused.get() + 1);
                    let report = slot.1.check_consistency().unwrap();
                    if report.applications != 0 || report.events != 0 || e.to_string().is_empty() {
                        return Err(TestCaseError::fail(format!(
                            "{d:?}: refused ({e}) but left {report:?}"
                        )));
                    }
                }
                Ok(_) => {
                    let mut again = Vec::new();
                    slot.1.backup(&mut again).unwrap();
                    *slot = fresh();
                    if again != backup {
                        return Err(TestCaseError::fail(format!(
                            "{d:?}: restored as different data without an error"
                        )));
                    }
                }
            }
            Ok(())
        })
        .unwrap();
    let backups_refused = refused.replace(0);

    // Exports: imported into one empty store (a refused import writes nothing).
    let fresh_desk = || {
        let dir = tempfile::tempdir().unwrap();
        let desk = desk(dir.path());
        (dir, desk)
    };
    let target = std::cell::RefCell::new(fresh_desk());
    TestRunner::new(config(600))
        .run(&damage(export.len()), |d| {
            let damaged = d.apply(&export);
            let Ok(text) = String::from_utf8(damaged) else {
                // Not UTF-8: `import` reads its file as text and refuses it.
                refused.set(refused.get() + 1);
                return Ok(());
            };
            let mut slot = target.borrow_mut();
            match slot.1.import(&text, "王五") {
                Err(e) => {
                    refused.set(refused.get() + 1);
                    let total = slot.1.list(&Default::default()).unwrap().total;
                    if total != 0 || e.to_string().is_empty() {
                        return Err(TestCaseError::fail(format!(
                            "{d:?}: refused ({e}) but wrote {total} applications"
                        )));
                    }
                }
                Ok(_) => {
                    let mut again = Vec::new();
                    slot.1.export(&mut again).unwrap();
                    *slot = fresh_desk();
                    let imported = exported_by_id(std::str::from_utf8(&again).unwrap());
                    for (id, got) in &imported {
                        if original.get(id) != Some(got) {
                            return Err(TestCaseError::fail(format!(
                                "{d:?}: {id} imported as different data without an error"
                            )));
                        }
                    }
                    if imported.len() != original.len() && !matches!(d, Damage::Truncate(_)) {
                        return Err(TestCaseError::fail(format!(
                            "{d:?}: {} of {} applications imported without an error",
                            imported.len(),
                            original.len()
                        )));
                    }
                }
            }
            Ok(())
        })
        .unwrap();
    // The damage is almost always refused (a truncation at a line end imports the lines before).
    assert!(
        backups_refused >= 590,
        "{backups_refused} of 600 backups refused"
    );
    assert!(
        refused.get() >= 550,
        "{} of 600 exports refused",
        refused.get()
    );
}
