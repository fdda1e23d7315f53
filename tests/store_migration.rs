//! A schema-3 store (the layout of powerdesk before schema 4: `apps`, one `events` key and one
//! `app_events` key per event, one key per index entry) is migrated to the schema-4 layout on
//! open: same applications, events, chain and listings; the old trees are gone; an interrupted
//! migration starts over. A schema-5 store (deadlines counted on the date of each timestamp's own
//! offset, none marked provisional) gets its open deadlines recounted in China time.

mod store_support;

use std::path::Path;
use std::sync::Arc;

use powerdesk::domain::event::Event;
use powerdesk::domain::ports::{Query, Repository};
use powerdesk::domain::workflow::State;
use powerdesk::domain::Application;
use powerdesk::store::SledStore;

/// What the old layout kept: every application, every event, the id counters and settings.
struct Contents {
    apps: Vec<Application>,
    events: Vec<Event>,
    counters: Vec<(String, u64)>,
    settings: Vec<(String, String)>,
}

/// A demo store written by this build, read back through its logical backup.
fn contents(count: usize) -> Contents {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(SledStore::open(dir.path()).unwrap());
    let desk = powerdesk::service::Desk::new(
        store.clone(),
        Arc::new(powerdesk::cli::bundled_calendar().unwrap()),
    );
    powerdesk::service::demo::generate(&desk, count, 9).unwrap();
    let mut out = Vec::new();
    store.backup(&mut out).unwrap();
    let mut c = Contents {
        apps: vec![],
        events: vec![],
        counters: vec![],
        settings: vec![],
    };
    for line in String::from_utf8(out).unwrap().lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        if let Some(a) = v.get("application") {
            c.apps.push(serde_json::from_value(a.clone()).unwrap());
        } else if let Some(e) = v.get("event") {
            c.events.push(serde_json::from_value(e.clone()).unwrap());
        } else if let Some(k) = v.get("counter") {
            c.counters.push((
                k["key"].as_str().unwrap().into(),
                k["value"].as_u64().unwrap(),
            ));
        } else if let Some(s) = v.get("setting") {
            c.settings.push((
                s["key"].as_str().unwrap().into(),
                s["value"].as_str().unwrap().into(),
            ));
        }
    }
    c
}

fn json(value: &impl serde::Serialize) -> Vec<u8> {
    let mut out = vec![1u8];
    serde_json::to_writer(&mut out, value).unwrap();
    out
}

fn key(parts: &[&[u8]]) -> Vec<u8> {
    parts.join(&0u8)
}

/// Write `c` in the schema-3 layout, as the code before schema 4 did.
fn write_schema_3(dir: &Path, c: &Contents) {
    let db = store_support::open_sled(&dir.join("db"));
    let apps = db.open_tree("apps").unwrap();
    let events = db.open_tree("events").unwrap();
    let app_events = db.open_tree("app_events").unwrap();
    let status = db.open_tree("ix_status").unwrap();
    let name = db.open_tree("ix_name").unwrap();
    let settings = db.open_tree("settings").unwrap();
    let meta = db.open_tree("meta").unwrap();
    for a in &c.apps {
        apps.insert(a.id.0.as_bytes(), json(a)).unwrap();
        let id = a.id.0.as_bytes();
        status
            .insert(key(&[a.status.id().as_bytes(), id]), &[])
            .unwrap();
        name.insert(key(&[a.form.customer.name.as_bytes(), id]), &[])
            .unwrap();
    }
    for e in &c.events {
        events.insert(e.seq.to_be_bytes(), json(e)).unwrap();
        if !e.draft.app_id.0.is_empty() {
            let k = key(&[e.draft.app_id.0.as_bytes(), &e.seq.to_be_bytes()]);
            app_events.insert(k, &[]).unwrap();
        }
    }
    for (k, v) in &c.counters {
        meta.insert(k.as_bytes(), &v.to_be_bytes()).unwrap();
    }
    for (k, v) in &c.settings {
        settings.insert(k.as_bytes(), v.as_bytes()).unwrap();
    }
    let last = c.events.last().unwrap();
    let mut head = last.seq.to_be_bytes().to_vec();
    head.extend_from_slice(last.hash.as_bytes());
    meta.insert(b"chain_head", head).unwrap();
    meta.insert(b"schema_version", &3u64.to_be_bytes()).unwrap();
    // Counters as schema 3 kept them would be here too; the migration recounts them anyway.
    meta.insert(b"n/all", &(c.apps.len() as u64).to_be_bytes())
        .unwrap();
    db.flush().unwrap();
}

fn check_migrated(dir: &Path, c: &Contents) {
    let store = SledStore::open(dir).unwrap();
    let report = store.check_consistency().unwrap();
    assert!(report.is_consistent(), "{:?}", report.problems);
    assert_eq!(report.applications, c.apps.len() as u64);
    assert_eq!(report.events, c.events.len() as u64);
    let audit = store.verify_audit().unwrap();
    assert_eq!(audit.first_broken, None);
    assert_eq!(audit.events_checked, c.events.len() as u64);
    for a in &c.apps {
        assert_eq!(store.get(&a.id).unwrap().as_ref(), Some(a));
        let want: Vec<&Event> = c.events.iter().filter(|e| e.draft.app_id == a.id).collect();
        let got = store.events(&a.id).unwrap();
        assert_eq!(got.iter().collect::<Vec<_>>(), want, "{}", a.id);
    }
    let accepted = c
        .apps
        .iter()
        .filter(|a| a.status == State::Energized)
        .count();
    let page = store
        .query(&Query {
            status: Some(State::Energized),
            limit: 10,
            ..Query::default()
        })
        .unwrap();
    assert_eq!(page.total, accepted as u64);
    for (k, v) in &c.settings {
        assert_eq!(store.setting(k).unwrap().as_ref(), Some(v));
    }
    drop(store);
    // The old trees are gone.
    let db = store_support::open_sled(&dir.join("db"));
    let names: Vec<String> = db
        .tree_names()
        .iter()
        .map(|n| String::from_utf8_lossy(n).into_owned())
        .collect();
    for old in ["apps", "events", "app_events", "ix_status", "ix_name"] {
        assert!(!names.iter().any(|n| n == old), "{old} left in {names:?}");
    }
    let meta = db.open_tree("meta").unwrap();
    let schema = meta.get(b"schema_version").unwrap().unwrap();
    assert_eq!(u64::from_be_bytes(schema[..].try_into().unwrap()), 8);
}

#[test]
fn a_schema_3_store_is_migrated_on_open() {
    let c = contents(120);
    assert!(
        c.events.len() > c.apps.len(),
        "demo applications have several events"
    );
    let dir = tempfile::tempdir().unwrap();
    write_schema_3(dir.path(), &c);
    check_migrated(dir.path(), &c);
    // And it keeps working: a new submission after the migration.
    let desk = store_support::desk(dir.path());
    let app = desk
        .submit(store_support::forms(1, 1).remove(0), "x")
        .unwrap();
    assert_eq!(desk.repository().events(&app.id).unwrap().len(), 1);
    assert!(desk.verify_audit().unwrap().first_broken.is_none());
}

#[test]
fn an_interrupted_migration_starts_over() {
    let c = contents(60);
    let dir = tempfile::tempdir().unwrap();
    write_schema_3(dir.path(), &c);
    {
        // What a migration killed half way leaves: some new-layout trees written, schema still 3.
        let db = store_support::open_sled(&dir.path().join("db"));
        let records = db.open_tree("applications").unwrap();
        records.insert(b"JN-2026-999999", b"half written").unwrap();
        let groups = db.open_tree("event_groups").unwrap();
        groups.insert(1u64.to_be_bytes(), b"junk").unwrap();
        db.flush().unwrap();
    }
    check_migrated(dir.path(), &c);
}

#[test]
fn a_migration_that_flipped_the_schema_drops_the_old_trees_on_the_next_open() {
    let c = contents(30);
    let dir = tempfile::tempdir().unwrap();
    write_schema_3(dir.path(), &c);
    drop(SledStore::open(dir.path()).unwrap());
    {
        // Killed after the schema flip, before the old trees were dropped.
        let db = store_support::open_sled(&dir.path().join("db"));
        db.open_tree("apps")
            .unwrap()
            .insert(b"JN-2021-000001", b"old")
            .unwrap();
        db.flush().unwrap();
    }
    check_migrated(dir.path(), &c);
}

#[test]
fn a_schema_4_store_keeps_its_json_event_groups_and_adds_compact_ones() {
    use store_support::{desk, forms};
    let dir = tempfile::tempdir().unwrap();
    let mut events: Vec<Event> = Vec::new();
    {
        let desk = desk(dir.path());
        for form in forms(21, 6) {
            let app = desk.submit(form, "王芳").unwrap();
            events.extend(desk.repository().events(&app.id).unwrap());
        }
    }
    // As schema 4 wrote it: every event group a JSON list (format 1), schema version 4. Each
    // submit wrote one group of one event, keyed by its seq.
    {
        let db = store_support::open_sled(&dir.path().join("db"));
        let groups = db.open_tree("event_groups").unwrap();
        assert_eq!(groups.len(), 6);
        for event in &events {
            let key = event.seq.to_be_bytes();
            assert_eq!(
                groups.get(key).unwrap().unwrap()[0],
                3,
                "schema 8 writes split groups"
            );
            let mut json = vec![1u8];
            serde_json::to_writer(&mut json, std::slice::from_ref(event)).unwrap();
            groups.insert(key, json).unwrap();
        }
        let meta = db.open_tree("meta").unwrap();
        meta.insert(b"schema_version", &4u64.to_be_bytes()).unwrap();
        db.flush().unwrap();
    }
    let desk = desk(dir.path());
    for event in &events {
        assert_eq!(
            desk.repository().events(&event.draft.app_id).unwrap(),
            std::slice::from_ref(event)
        );
    }
    for form in forms(22, 2) {
        desk.submit(form, "李强").unwrap();
    }
    let report = desk.verify_audit().unwrap();
    assert_eq!(report.first_broken, None);
    assert_eq!(report.events_checked, 8);
    drop(desk);
    let db = store_support::open_sled(&dir.path().join("db"));
    let meta = db.open_tree("meta").unwrap();
    let schema = meta.get(b"schema_version").unwrap().unwrap();
    assert_eq!(u64::from_be_bytes(schema[..].try_into().unwrap()), 8);
    let formats: Vec<u8> = db
        .open_tree("event_groups")
        .unwrap()
        .iter()
        .map(|e| e.unwrap().1[0])
        .collect();
    assert_eq!(formats, [1, 1, 1, 1, 1, 1, 3, 3]);
}

/// An event group as schema 5 to 7 stored it (format 2): the first `prev_hash`, the count, then
/// per event its seq, hash and draft JSON.
fn compact_group(events: &[Event]) -> Vec<u8> {
    let mut out = vec![2u8];
    out.extend_from_slice(&hex::decode(&events[0].prev_hash).unwrap());
    out.extend_from_slice(&(events.len() as u32).to_be_bytes());
    for e in events {
        out.extend_from_slice(&e.seq.to_be_bytes());
        out.extend_from_slice(&hex::decode(&e.hash).unwrap());
        let json = serde_json::to_vec(&e.draft).unwrap();
        out.extend_from_slice(&(json.len() as u32).to_be_bytes());
        out.extend_from_slice(&json);
    }
    out
}

#[test]
fn a_schema_7_store_keeps_its_compact_event_groups_and_adds_split_ones() {
    use powerdesk::store::StoreOptions;
    use store_support::{desk, forms};
    let dir = tempfile::tempdir().unwrap();
    let (apps, events) = {
        let desk = desk(dir.path());
        let mut apps = Vec::new();
        for form in forms(71, 4) {
            apps.push(desk.submit(form, "王芳").unwrap());
        }
        let first = desk.show(&apps[0].id).unwrap();
        let at = first.application.form.received_at + chrono::Duration::hours(2);
        apps[0] = desk
            .advance(&apps[0].id, first.next_states[0], Some(at), None, "李强")
            .unwrap();
        let mut events: Vec<Event> = apps
            .iter()
            .flat_map(|a| desk.repository().events(&a.id).unwrap())
            .collect();
        events.sort_by_key(|e| e.seq);
        (apps, events)
    };
    assert!(events.iter().all(|e| e.draft.record.is_some()));
    // As schema 7 wrote it: every group compact (format 2), its seals as hex inside the JSON,
    // and every record's JSON as it is (record format 2).
    {
        let db = store_support::open_sled(&dir.path().join("db"));
        let records = db.open_tree("applications").unwrap();
        for entry in records.iter() {
            let (key, value) = entry.unwrap();
            assert_eq!(value[0], 3, "this build compacts records");
            let groups = u32::from_be_bytes(value[1..5].try_into().unwrap()) as usize;
            let mut old = vec![2u8];
            old.extend_from_slice(&value[1..5 + 8 * groups]);
            old.extend(powerdesk::store::stored_record_json(&value).unwrap());
            assert!(old.len() > value.len() + 300, "compact records are smaller");
            records.insert(key, old).unwrap();
        }
        let groups = db.open_tree("event_groups").unwrap();
        let firsts: Vec<u64> = groups
            .iter()
            .keys()
            .map(|k| u64::from_be_bytes(k.unwrap()[..].try_into().unwrap()))
            .collect();
        assert_eq!(firsts.len(), 5, "one group per commit");
        for first in firsts {
            let stored = groups.get(first.to_be_bytes()).unwrap().unwrap();
            assert_eq!(stored[0], 3, "this build writes split groups");
            let group: Vec<Event> = events.iter().filter(|e| e.seq == first).cloned().collect();
            groups
                .insert(first.to_be_bytes(), compact_group(&group))
                .unwrap();
        }
        let meta = db.open_tree("meta").unwrap();
        meta.insert(b"schema_version", &7u64.to_be_bytes()).unwrap();
        db.flush().unwrap();
    }
    // Read as it is, even read-only (schema 8 adds nothing to rewrite).
    {
        let options = StoreOptions {
            read_only: true,
            ..StoreOptions::default()
        };
        let store = SledStore::open_with(dir.path(), options).unwrap();
        for app in &apps {
            assert_eq!(store.get(&app.id).unwrap().as_ref(), Some(app));
        }
        let audit = store.verify_audit().unwrap();
        assert_eq!(audit.first_broken, None);
        assert_eq!((audit.events_checked, audit.records_checked), (5, 4));
    }
    let desk = desk(dir.path());
    for app in &apps {
        let want: Vec<&Event> = events.iter().filter(|e| e.draft.app_id == app.id).collect();
        let got = desk.repository().events(&app.id).unwrap();
        assert_eq!(got.iter().collect::<Vec<_>>(), want, "{}", app.id);
    }
    for form in forms(72, 2) {
        desk.submit(form, "李强").unwrap();
    }
    let audit = desk.verify_audit().unwrap();
    assert_eq!(audit.first_broken, None);
    // No migration seals: the records were sealed already.
    assert_eq!((audit.events_checked, audit.records_checked), (7, 6));
    drop(desk);
    let db = store_support::open_sled(&dir.path().join("db"));
    let meta = db.open_tree("meta").unwrap();
    let schema = meta.get(b"schema_version").unwrap().unwrap();
    assert_eq!(u64::from_be_bytes(schema[..].try_into().unwrap()), 8);
    let formats: Vec<u8> = db
        .open_tree("event_groups")
        .unwrap()
        .iter()
        .map(|e| e.unwrap().1[0])
        .collect();
    assert_eq!(formats, [2, 2, 2, 2, 2, 3, 3]);
    let mut records: Vec<u8> = db
        .open_tree("applications")
        .unwrap()
        .iter()
        .map(|e| e.unwrap().1[0])
        .collect();
    records.sort_unstable();
    assert_eq!(
        records,
        [2, 2, 2, 2, 3, 3],
        "the old records kept, the new compact"
    );
}

#[test]
fn a_schema_5_store_gets_its_open_deadlines_recounted_in_china_time() {
    use powerdesk::domain::calendar::SETTING_CALENDAR_FINGERPRINT;
    use powerdesk::domain::ports::Change;
    use powerdesk::domain::AppId;
    let dir = tempfile::tempdir().unwrap();
    let shop = store_support::shop_json();
    let (evening, morning) = {
        let desk = store_support::desk(dir.path());
        // Friday 20:00 at UTC-2 is Saturday 06:00 in China: a day off (DOMAIN.md: "Days are
        // counted in China time (UTC+8), whatever offset a timestamp was written in").
        let evening = desk
            .submit_json(
                &shop.replace("2026-03-02T09:00:00+08:00", "2026-03-06T20:00:00-02:00"),
                "王芳",
            )
            .unwrap();
        let morning = desk.submit_json(&shop, "王芳").unwrap();
        (evening, morning)
    };
    // Low voltage without a bundle: 2 working days from acceptance. In China time the evening
    // application was accepted on Saturday: counting starts Monday 9 March.
    assert_eq!(
        evening.deadline,
        chrono::NaiveDate::from_ymd_opt(2026, 3, 11)
    );
    assert_eq!(
        morning.deadline,
        chrono::NaiveDate::from_ymd_opt(2026, 3, 4)
    );
    // What schema 5 stored: the evening deadline counted from Friday 6 March (Tuesday 10 March),
    // no provisional mark, and no calendar fingerprint.
    {
        let store = Arc::new(SledStore::open(dir.path()).unwrap());
        let mut old = evening.clone();
        old.deadline = chrono::NaiveDate::from_ymd_opt(2026, 3, 10);
        let noted = powerdesk::domain::event::EventDraft {
            app_id: old.id.clone(),
            at: old.updated_at,
            actor: "王芳".into(),
            kind: powerdesk::domain::event::EventKind::Noted,
            note: Some("客户来电".into()),
            record: None,
        };
        store
            .commit(Change {
                applications: vec![old],
                events: vec![noted],
                settings: vec![(
                    SETTING_CALENDAR_FINGERPRINT.to_string(),
                    Some("2021:00000000".into()),
                )],
            })
            .unwrap();
        store.force_schema_version(5).unwrap();
    }
    // Opening migrates to schema 8 and forgets which calendar the deadlines were counted on.
    {
        let store = SledStore::open(dir.path()).unwrap();
        assert_eq!(store.setting(SETTING_CALENDAR_FINGERPRINT).unwrap(), None);
        assert_eq!(
            store.get(&evening.id).unwrap().unwrap().deadline,
            chrono::NaiveDate::from_ymd_opt(2026, 3, 10),
            "the store alone rewrites no record"
        );
    }
    {
        let db = store_support::open_sled(&dir.path().join("db"));
        let schema = db
            .open_tree("meta")
            .unwrap()
            .get(b"schema_version")
            .unwrap()
            .unwrap();
        assert_eq!(u64::from_be_bytes(schema[..].try_into().unwrap()), 8);
    }
    // The desk of every entry point recounts the open deadlines on its calendar, once.
    let desk = powerdesk::cli::open_desk(dir.path()).unwrap();
    let recounted = desk.repository().get(&evening.id).unwrap().unwrap();
    assert_eq!(
        recounted.deadline,
        chrono::NaiveDate::from_ymd_opt(2026, 3, 11)
    );
    assert!(!recounted.deadline_provisional);
    assert_eq!(
        desk.repository().get(&morning.id).unwrap().unwrap(),
        morning,
        "a deadline China time does not move stays as it was"
    );
    assert_eq!(
        desk.setting(SETTING_CALENDAR_FINGERPRINT).unwrap(),
        Some(desk.calendar().fingerprint())
    );
    assert!(!desk.sync_calendar().unwrap().changed, "nothing left to do");
    assert!(desk.verify_audit().unwrap().first_broken.is_none());
    drop(desk);

    // A record written before the provisional fields existed still reads.
    let mut json = serde_json::to_value(&morning).unwrap();
    let fields = json.as_object_mut().unwrap();
    fields.remove("deadline_provisional");
    fields.remove("missing_calendar_years");
    let read: Application = serde_json::from_value(json).unwrap();
    assert_eq!(read, morning);
    assert_eq!(read.id, AppId(morning.id.0.clone()));
}

/// A schema-6 store: events without record hashes (as every powerdesk before schema 7 wrote
/// them), chained and grouped as the store keeps them.
fn write_schema_6(dir: &Path, events: &[Event]) {
    use powerdesk::domain::event::GENESIS_HASH;
    let db = store_support::open_sled(&dir.join("db"));
    let groups = db.open_tree("event_groups").unwrap();
    let firsts: Vec<u64> = groups
        .iter()
        .keys()
        .map(|k| u64::from_be_bytes(k.unwrap()[..].try_into().unwrap()))
        .collect();
    let mut prev = GENESIS_HASH.to_string();
    let mut old = Vec::new();
    for e in events {
        let mut draft = e.draft.clone();
        draft.record = None;
        let event = Event::chain(e.seq, draft, &prev);
        prev = event.hash.clone();
        old.push(event);
    }
    for (i, first) in firsts.iter().enumerate() {
        let end = firsts.get(i + 1).copied().unwrap_or(u64::MAX);
        let group: Vec<&Event> = old
            .iter()
            .filter(|e| e.seq >= *first && e.seq < end)
            .collect();
        let mut json = vec![1u8];
        serde_json::to_writer(&mut json, &group).unwrap();
        groups.insert(first.to_be_bytes(), json).unwrap();
    }
    let meta = db.open_tree("meta").unwrap();
    let last = old.last().unwrap();
    let mut head = last.seq.to_be_bytes().to_vec();
    head.extend_from_slice(last.hash.as_bytes());
    meta.insert(b"chain_head", head).unwrap();
    meta.insert(b"schema_version", &6u64.to_be_bytes()).unwrap();
    db.flush().unwrap();
}

#[test]
fn a_schema_6_store_gets_every_record_sealed_by_one_migration_event() {
    use powerdesk::domain::event::EventKind;
    let dir = tempfile::tempdir().unwrap();
    let (apps, events) = {
        let desk = store_support::desk(dir.path());
        let mut apps = Vec::new();
        for form in store_support::forms(31, 6) {
            apps.push(desk.submit(form, "王芳").unwrap());
        }
        let first = desk.show(&apps[0].id).unwrap();
        let at = first.application.form.received_at + chrono::Duration::hours(2);
        apps[0] = desk
            .advance(&apps[0].id, first.next_states[0], Some(at), None, "李强")
            .unwrap();
        let mut events: Vec<Event> = apps
            .iter()
            .flat_map(|a| desk.repository().events(&a.id).unwrap())
            .collect();
        events.sort_by_key(|e| e.seq);
        (apps, events)
    };
    assert_eq!(events.len(), 7);
    write_schema_6(dir.path(), &events);
    {
        let store = SledStore::open(dir.path()).unwrap();
        let audit = store.verify_audit().unwrap();
        assert_eq!(audit.first_broken, None);
        assert_eq!(audit.events_checked, 7 + 6, "one seal per application");
        assert_eq!(audit.records_checked, 6);
        for app in &apps {
            assert_eq!(store.get(&app.id).unwrap().as_ref(), Some(app));
            let history = store.events(&app.id).unwrap();
            let seal = history.last().unwrap();
            assert_eq!(seal.draft.actor, "migration");
            assert!(matches!(seal.draft.kind, EventKind::Sealed { .. }));
            assert_eq!(seal.draft.at, app.updated_at);
            assert_eq!(
                seal.draft.record,
                Some(powerdesk::domain::event::record_hash(app))
            );
            // The history before the seal is kept as it was.
            assert!(history[..history.len() - 1]
                .iter()
                .all(|e| e.draft.record.is_none()));
        }
    }
    // Opened again: nothing more to seal, schema 8.
    {
        let store = SledStore::open(dir.path()).unwrap();
        assert_eq!(store.verify_audit().unwrap().events_checked, 13);
    }
    let db = store_support::open_sled(&dir.path().join("db"));
    let meta = db.open_tree("meta").unwrap();
    let schema = meta.get(b"schema_version").unwrap().unwrap();
    assert_eq!(u64::from_be_bytes(schema[..].try_into().unwrap()), 8);
    assert!(meta.get(b"seal_pending").unwrap().is_none());
}

#[test]
fn a_seal_interrupted_after_the_schema_flip_goes_on_at_the_next_open() {
    let dir = tempfile::tempdir().unwrap();
    let events = {
        let desk = store_support::desk(dir.path());
        let mut events = Vec::new();
        for form in store_support::forms(32, 3) {
            let app = desk.submit(form, "王芳").unwrap();
            events.extend(desk.repository().events(&app.id).unwrap());
        }
        events
    };
    write_schema_6(dir.path(), &events);
    {
        // Killed after the layout was made current, before the records were sealed.
        let db = store_support::open_sled(&dir.path().join("db"));
        let meta = db.open_tree("meta").unwrap();
        meta.insert(b"schema_version", &7u64.to_be_bytes()).unwrap();
        meta.insert(b"seal_pending", &[]).unwrap();
        db.flush().unwrap();
    }
    let store = SledStore::open(dir.path()).unwrap();
    let audit = store.verify_audit().unwrap();
    assert_eq!(audit.first_broken, None);
    assert_eq!(audit.events_checked, 6);
}

/// sled's record of whether a store's pages are compressed (`db/conf`).
fn compressed_on_disk(dir: &Path) -> bool {
    let conf = std::fs::read(dir.join("db").join("conf")).unwrap();
    let conf = String::from_utf8_lossy(&conf);
    match conf
        .lines()
        .find_map(|l| l.strip_prefix("use_compression: "))
    {
        Some("true") => true,
        Some("false") => false,
        other => panic!("use_compression in {}: {other:?}", dir.display()),
    }
}

fn backup_of(store: &SledStore) -> String {
    let mut out = Vec::new();
    store.backup(&mut out).unwrap();
    String::from_utf8(out).unwrap()
}

fn du(dir: &Path) -> u64 {
    let mut total = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        let meta = entry.metadata().unwrap();
        total += if meta.is_dir() {
            du(&entry.path())
        } else {
            meta.len()
        };
    }
    total
}

/// The footprint: a new store's pages and snapshots are zstd-compressed (a 1,000-application
/// demo store is 2.6x smaller, held to 2x here as sled's 512 KiB segments round it; 4.3x at
/// 200,000 applications, BENCHMARKS.md "Footprint"). A store made
/// before compression (or with it off) keeps its setting: it opens, reads, takes writes and
/// reopens uncompressed; a compressed one opened with compression off stays compressed. sled
/// itself refuses to open a store with the other setting ("cannot change compression values").
#[test]
fn new_stores_are_compressed_and_existing_stores_keep_their_setting() {
    use powerdesk::store::StoreOptions;

    let tmp = tempfile::tempdir().unwrap();
    let plain = tmp.path().join("plain");
    let packed = tmp.path().join("packed");
    let uncompressed = StoreOptions {
        compression: None,
        ..StoreOptions::default()
    };
    for (dir, options) in [(&plain, uncompressed), (&packed, StoreOptions::default())] {
        let store = Arc::new(SledStore::open_with(dir, options).unwrap());
        let desk = powerdesk::service::Desk::new(
            store.clone(),
            Arc::new(powerdesk::cli::bundled_calendar().unwrap()),
        );
        powerdesk::service::demo::generate(&desk, 1_000, 9).unwrap();
        drop(desk);
        Arc::into_inner(store).unwrap().close().unwrap();
    }
    assert!(!compressed_on_disk(&plain));
    assert!(compressed_on_disk(&packed));
    let (plain_bytes, packed_bytes) = (du(&plain.join("db")), du(&packed.join("db")));
    // With session 8's search index (a key per term and application) this store measured
    // 1.62x; with the compact one of session 9, 2.58x (2,234,812 against 5,775,971 bytes).
    assert!(
        packed_bytes * 2 < plain_bytes,
        "compressed {packed_bytes} bytes, uncompressed {plain_bytes}"
    );

    // The uncompressed store, opened as every command opens it: same contents, and a write.
    let before = {
        let store = SledStore::open_with(&plain, uncompressed).unwrap();
        backup_of(&store)
    };
    let desk = store_support::desk(&plain);
    let mut all = desk.list(&Query::default()).unwrap().total;
    assert_eq!(all, 1_000);
    for form in store_support::forms(21, 3) {
        desk.submit(form, "clerk").unwrap();
    }
    all += 3;
    drop(desk);
    assert!(!compressed_on_disk(&plain), "kept uncompressed");
    let store = SledStore::open(&plain).unwrap();
    let after = backup_of(&store);
    // Every application and event the store held is still there, unchanged.
    let records = |backup: &str| -> std::collections::BTreeSet<String> {
        backup
            .lines()
            .filter(|line| {
                let v: serde_json::Value = serde_json::from_str(line).unwrap();
                v.get("application").is_some() || v.get("event").is_some()
            })
            .map(str::to_string)
            .collect()
    };
    let (before, after) = (records(&before), records(&after));
    assert!(before.len() > 1_000);
    assert!(before.is_subset(&after));
    assert!(after.len() > before.len());
    assert_eq!(store.query(&Query::default()).unwrap().total, all);
    assert!(store.verify_audit().unwrap().first_broken.is_none());
    drop(store);

    // The compressed store opened with compression off (e.g. by the console's options).
    let expected = backup_of(&SledStore::open(&packed).unwrap());
    let store = SledStore::open_with(&packed, uncompressed).unwrap();
    assert_eq!(backup_of(&store), expected);
    drop(store);
    assert!(compressed_on_disk(&packed), "kept compressed");
}
