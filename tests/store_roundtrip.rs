//! The store keeps what the desk wrote: records, events, indexes, across reopening.

mod store_support;

use chrono::DateTime;
use powerdesk::domain::event::EventKind;
use powerdesk::domain::ports::{Query, Repository, SortBy};
use powerdesk::domain::workflow::{ProcessClass, State};
use powerdesk::domain::{AppId, CustomerClass};
use powerdesk::store::SledStore;
use store_support::*;

#[test]
fn submitted_applications_read_back_with_events_and_indexes_after_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let forms = forms(7, 60);
    let mut ids = Vec::new();
    {
        let desk = desk(dir.path());
        for form in &forms {
            ids.push(desk.submit(form.clone(), "张三").unwrap().id);
        }
        let first = desk.show(&ids[0]).unwrap();
        let to = first.next_states[0];
        let at = first.application.form.received_at + chrono::Duration::hours(1);
        desk.advance(&ids[0], to, Some(at), Some("现场勘查完成".into()), "李四")
            .unwrap();
        desk.cancel(&ids[1], "客户申请撤销", "李四").unwrap();
    }
    let desk = desk(dir.path());
    for (id, form) in ids.iter().zip(&forms) {
        let d = desk.show(id).unwrap();
        assert_eq!(&d.application.form, form);
        assert_eq!(d.events[0].draft.kind, EventKind::Accepted);
        assert_eq!(d.events[0].draft.actor, "张三");
    }
    let first = desk.show(&ids[0]).unwrap();
    assert_eq!(first.events.len(), 2);
    assert_eq!(first.events[1].draft.note.as_deref(), Some("现场勘查完成"));
    assert_eq!(
        desk.show(&ids[1]).unwrap().application.status,
        State::Cancelled
    );

    // Every filter agrees with a brute-force filter over all applications.
    let mut all = Vec::new();
    desk.scan(&mut |a| {
        all.push(a);
        true
    })
    .unwrap();
    assert_eq!(all.len(), 60);
    let queries = [
        Query {
            status: Some(State::Accepted),
            ..Query::default()
        },
        Query {
            class: Some(CustomerClass::Enterprise),
            ..Query::default()
        },
        Query {
            process: Some(ProcessClass::LowVoltage),
            county: Some("任城区".into()),
            ..Query::default()
        },
        Query {
            status: Some(State::Accepted),
            class: Some(CustomerClass::Resident),
            ..Query::default()
        },
    ];
    for q in queries {
        let expected: Vec<AppId> = all
            .iter()
            .filter(|a| q.status.is_none_or(|s| a.status == s))
            .filter(|a| q.class.is_none_or(|c| a.form.customer.class == c))
            .filter(|a| q.process.is_none_or(|p| a.process == p))
            .filter(|a| q.county.as_ref().is_none_or(|c| &a.form.site.county == c))
            .map(|a| a.id.clone())
            .collect();
        let page = desk.list(&q).unwrap();
        assert_eq!(page.total as usize, expected.len(), "{q:?}");
        let got: Vec<AppId> = page.items.iter().map(|a| a.id.clone()).collect();
        assert_eq!(got, expected, "{q:?}");
        // Paging walks the same order.
        let second = desk
            .list(&Query {
                offset: 2,
                limit: 3,
                ..q.clone()
            })
            .unwrap();
        let want: Vec<AppId> = expected.iter().skip(2).take(3).cloned().collect();
        assert_eq!(
            second
                .items
                .iter()
                .map(|a| a.id.clone())
                .collect::<Vec<_>>(),
            want
        );
    }

    // Overdue: open applications whose deadline is before the date.
    let on = DateTime::parse_from_rfc3339("2026-12-31T00:00:00+08:00")
        .unwrap()
        .date_naive();
    let overdue = desk
        .list(&Query {
            overdue_on: Some(on),
            ..Query::default()
        })
        .unwrap();
    let expected = all
        .iter()
        .filter(|a| !a.status.is_terminal() && a.deadline.is_some_and(|d| d < on))
        .count();
    assert_eq!(overdue.total as usize, expected);
    assert!(expected > 0);
    let by_deadline = desk
        .list(&Query {
            sort: SortBy::Deadline,
            ..Query::default()
        })
        .unwrap();
    assert_eq!(by_deadline.total, 60);

    // Name prefix.
    let name = all[5].form.customer.name.clone();
    let prefix: String = name.chars().take(2).collect();
    let hits = desk
        .list(&Query {
            name_prefix: Some(prefix.clone()),
            ..Query::default()
        })
        .unwrap();
    assert!(hits.items.iter().any(|a| a.id == all[5].id));
    assert!(hits
        .items
        .iter()
        .all(|a| a.form.customer.name.starts_with(&prefix)));
}

#[test]
fn ids_are_never_reused_and_consistency_holds() {
    let dir = tempfile::tempdir().unwrap();
    let desk = desk(dir.path());
    let a = desk.submit(forms(1, 1).remove(0), "x").unwrap();
    let b = desk.submit(forms(2, 1).remove(0), "x").unwrap();
    assert_ne!(a.id, b.id);
    drop(desk);
    let store = SledStore::open(dir.path()).unwrap();
    let report = store.check_consistency().unwrap();
    assert!(report.is_consistent(), "{:?}", report.problems);
    assert_eq!(report.applications, 2);
}

/// The overdue total comes from the per-deadline-day counters: it must agree with a walk of the
/// overdue range as applications are submitted, advanced and cancelled, and on every page.
#[test]
fn the_overdue_total_agrees_with_the_overdue_range() {
    use powerdesk::domain::ports::Repository;
    let dir = tempfile::tempdir().unwrap();
    let store = std::sync::Arc::new(SledStore::open(dir.path()).unwrap());
    let desk = powerdesk::service::Desk::new(
        store.clone(),
        std::sync::Arc::new(powerdesk::cli::bundled_calendar().unwrap()),
    );
    let mut ids = Vec::new();
    for form in forms(11, 40) {
        ids.push(desk.submit(form, "x").unwrap().id);
    }
    let check = |desk: &powerdesk::service::Desk| {
        for on in ["2021-06-01", "2024-01-01", "2026-11-27", "2027-06-01"] {
            let on = chrono::NaiveDate::parse_from_str(on, "%Y-%m-%d").unwrap();
            let mut all = Vec::new();
            store
                .scan(&mut |a| {
                    all.push(a);
                    true
                })
                .unwrap();
            let expected: Vec<AppId> = {
                let mut due: Vec<_> = all
                    .iter()
                    .filter(|a| !a.status.is_terminal() && a.deadline.is_some_and(|d| d < on))
                    .map(|a| (a.deadline, a.id.clone()))
                    .collect();
                due.sort();
                due.into_iter().map(|(_, id)| id).collect()
            };
            for (offset, limit) in [(0, 0), (0, 3), (2, 5), (expected.len(), 5)] {
                let page = desk
                    .list(&Query {
                        overdue_on: Some(on),
                        offset,
                        limit,
                        ..Query::default()
                    })
                    .unwrap();
                assert_eq!(page.total as usize, expected.len(), "{on} {offset} {limit}");
                let want: Vec<AppId> = expected
                    .iter()
                    .skip(offset)
                    .take(if limit == 0 { usize::MAX } else { limit })
                    .cloned()
                    .collect();
                let got: Vec<AppId> = page.items.iter().map(|a| a.id.clone()).collect();
                assert_eq!(got, want, "{on} {offset} {limit}");
            }
        }
    };
    check(&desk);
    // Closing or moving applications moves them out of their deadline day's counter.
    for id in &ids[..5] {
        desk.cancel(id, "客户申请撤销", "x").unwrap();
    }
    for id in &ids[5..10] {
        let d = desk.show(id).unwrap();
        let at = d.application.form.received_at + chrono::Duration::hours(2);
        desk.advance(id, d.next_states[0], Some(at), None, "x")
            .unwrap();
    }
    check(&desk);
    let report = store.check_consistency().unwrap();
    assert!(report.is_consistent(), "{:?}", report.problems);
}

/// `demo` numbers its applications from id blocks and gives back the unused tails: each year's
/// ids are contiguous and the next submission follows the last demo id.
#[test]
fn demo_ids_are_contiguous_and_the_next_id_follows_them() {
    use powerdesk::domain::ports::Repository;
    use std::collections::BTreeMap;
    let dir = tempfile::tempdir().unwrap();
    let store = std::sync::Arc::new(SledStore::open(dir.path()).unwrap());
    let desk = powerdesk::service::Desk::new(
        store.clone(),
        std::sync::Arc::new(powerdesk::cli::bundled_calendar().unwrap()),
    );
    powerdesk::service::demo::generate(&desk, 300, 5).unwrap();
    let mut per_year: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    store
        .scan(&mut |a| {
            let mut parts = a.id.0.rsplitn(2, '-');
            let n = parts.next().unwrap().parse().unwrap();
            per_year
                .entry(parts.next().unwrap().to_string())
                .or_default()
                .push(n);
            true
        })
        .unwrap();
    assert_eq!(per_year.values().map(Vec::len).sum::<usize>(), 300);
    for (year, ns) in &per_year {
        let want: Vec<u64> = (1..=ns.len() as u64).collect();
        assert_eq!(ns, &want, "{year}");
        let next = store.allocate_id(year[3..].parse().unwrap()).unwrap();
        assert_eq!(next.0, format!("{year}-{:06}", ns.len() + 1));
    }
    let report = store.check_consistency().unwrap();
    assert!(report.is_consistent(), "{:?}", report.problems);
}

/// A block's tail is only given back while nothing was allocated after it: ids are never reused.
#[test]
fn released_ids_are_never_handed_out_twice() {
    use powerdesk::domain::ports::Repository;
    let dir = tempfile::tempdir().unwrap();
    let store = SledStore::open(dir.path()).unwrap();
    let block = store.allocate_ids(2026, 10).unwrap();
    assert_eq!(block[0].0, "JN-2026-000001");
    assert_eq!(block[9].0, "JN-2026-000010");
    let after = store.allocate_id(2026).unwrap();
    assert_eq!(after.0, "JN-2026-000011");
    store.release_ids(2026, &block[3..]).unwrap();
    assert_eq!(store.allocate_id(2026).unwrap().0, "JN-2026-000012");
    let block = store.allocate_ids(2026, 5).unwrap();
    store.release_ids(2026, &block[2..]).unwrap();
    assert_eq!(store.allocate_id(2026).unwrap().0, "JN-2026-000015");
}

/// Reading only ids and forms (what `policy diff` does) gives what whole records hold, including
/// the attachments and chosen firms that sit beside the other fields in a record's JSON.
#[test]
fn scanning_forms_reads_what_whole_records_hold() {
    use powerdesk::domain::application::{Attachment, AttachmentKind, ChosenFirms};
    use powerdesk::domain::ports::Repository;
    let dir = tempfile::tempdir().unwrap();
    let store = std::sync::Arc::new(SledStore::open(dir.path()).unwrap());
    let desk = powerdesk::service::Desk::new(
        store.clone(),
        std::sync::Arc::new(powerdesk::cli::bundled_calendar().unwrap()),
    );
    let mut forms = forms(11, 5);
    forms[2].attachments = vec![Attachment {
        kind: AttachmentKind::BusinessLicence,
        reference: "电子证照/营业执照/0001".into(),
        sha256: "ab".repeat(32),
    }];
    forms[2].chosen_firms = ChosenFirms {
        design: Some("济宁电力设计院".into()),
        construction: None,
        equipment_supplier: Some("鲁南电气".into()),
    };
    for form in forms {
        desk.submit(form, "x").unwrap();
    }
    let mut whole = Vec::new();
    store
        .scan(&mut |a| {
            whole.push((a.id, a.form));
            true
        })
        .unwrap();
    let mut read = Vec::new();
    store
        .scan_forms(&mut |f| {
            read.push((f.id, f.form));
            true
        })
        .unwrap();
    assert_eq!(read, whole);
    assert!(read.iter().any(|(_, f)| !f.attachments.is_empty()
        && f.chosen_firms.equipment_supplier.as_deref() == Some("鲁南电气")));
}

/// Item 9 of issue 12: a store that only has a policy bundle activated (settings and their
/// event, no application) takes a restore, which replaces it; a backup that is wrong is
/// refused as a bad backup (what and where), not as a corrupt store, and the store is put
/// back as it was, its activated bundle included.
#[test]
fn restore_goes_into_a_store_with_only_a_bundle_activated_and_a_bad_backup_is_named() {
    use powerdesk::domain::ports::StoreError;
    let tmp = tempfile::tempdir().unwrap();
    let backup_of = |store: &SledStore| {
        let mut out = Vec::new();
        store.backup(&mut out).unwrap();
        String::from_utf8(out).unwrap()
    };
    let original = {
        let desk = desk(&tmp.path().join("a"));
        for form in forms(3, 20) {
            desk.submit(form, "clerk").unwrap();
        }
        drop(desk);
        backup_of(&SledStore::open(&tmp.path().join("a")).unwrap())
    };
    let host = powerdesk::policy::host::PolicyHost::new(Default::default());
    let bundle = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("policies/jining");
    let with_a_bundle = |name: &str| {
        let store = SledStore::open(&tmp.path().join(name)).unwrap();
        powerdesk::policy::active::activate(
            &store,
            &host,
            &bundle,
            "张主任",
            DateTime::parse_from_rfc3339("2026-03-01T09:00:00+08:00").unwrap(),
        )
        .unwrap();
        assert!(store
            .setting(powerdesk::policy::active::SETTING_DIR)
            .unwrap()
            .is_some());
        store
    };

    let store = with_a_bundle("b");
    let summary = store.restore(&mut original.as_bytes()).unwrap();
    assert_eq!(summary.applications, 20);
    assert_eq!(backup_of(&store), original);
    assert!(store.check_consistency().unwrap().is_consistent());
    drop(store);

    // One line of the backup garbled: refused naming the line, the store as it was.
    let store = with_a_bundle("c");
    let before = backup_of(&store);
    let lines: Vec<&str> = original.lines().collect();
    let mut bad = lines.clone();
    let garbled = lines[5].replacen("\"", "'", 1);
    bad[5] = &garbled;
    let bad = bad.join("\n") + "\n";
    match store.restore(&mut bad.as_bytes()) {
        Err(StoreError::BadBackup(what)) => assert!(what.contains("line 6"), "{what}"),
        other => panic!("expected BadBackup, got {other:?}"),
    }
    assert_eq!(backup_of(&store), before, "the store was not put back");
    // A backup with a line missing, the same: its digest no longer matches its lines.
    let mut short: Vec<&str> = lines.clone();
    short.remove(lines.len() - 2);
    match store.restore(&mut (short.join("\n") + "\n").as_bytes()) {
        Err(StoreError::BadBackup(what)) => assert!(what.contains("digest"), "{what}"),
        other => panic!("expected BadBackup, got {other:?}"),
    }
    assert_eq!(backup_of(&store), before);
    drop(store);

    // The command line names the file and says it is the backup that is wrong.
    let file = tmp.path().join("bad.jsonl");
    std::fs::write(&file, &bad).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_powerdesk"))
        .args(["restore"])
        .arg(&file)
        .arg("--store")
        .arg(tmp.path().join("d"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("backup {}", file.display()))
            && stderr.contains("not a restorable backup")
            && stderr.contains("line 6")
            && !stderr.contains("store is corrupt"),
        "{stderr}"
    );
}

/// Set a year's id counter behind the stored ids, as an edited backup or a wrapped counter
/// leaves it.
fn set_id_counter(dir: &std::path::Path, year: i32, value: u64) {
    let db = open_sled(&dir.join("db"));
    let meta = db.open_tree("meta").unwrap();
    meta.insert(format!("next_id/{year}"), &value.to_be_bytes())
        .unwrap();
    db.flush().unwrap();
}

#[test]
fn a_counter_behind_the_store_never_replaces_a_stored_application() {
    let dir = tempfile::tempdir().unwrap();
    let form = forms(11, 1).remove(0);
    let (first, year) = {
        let desk = desk(dir.path());
        let a = desk.submit(form.clone(), "张三").unwrap();
        let year = a.id.parse().unwrap().0;
        (a, year)
    };
    set_id_counter(dir.path(), year, 0);
    let desk = desk(dir.path());
    let other = forms(12, 1).remove(0);
    let mut other = other;
    other.received_at = form.received_at;
    let err = desk.submit(other, "李四").unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("application {} already exists", first.id),
        "{err}"
    );
    let kept = desk.show(&first.id).unwrap();
    assert_eq!(kept.application, first);
    assert_eq!(kept.events.len(), 1);
    assert_eq!(kept.events[0].draft.actor, "张三");
    // A bulk load (an import of 70 new forms, past one transaction) refuses the same way and
    // writes nothing.
    drop(desk);
    set_id_counter(dir.path(), year, 0);
    let desk = store_support::desk(dir.path());
    let text: String = forms(15, 70)
        .into_iter()
        .map(|mut f| {
            f.received_at = form.received_at;
            serde_json::to_string(&f).unwrap() + "\n"
        })
        .collect();
    let err = desk.import(&text, "王五").unwrap_err();
    assert!(
        err.to_string()
            .contains(&format!("application {} already exists", first.id)),
        "{err}"
    );
    assert_eq!(desk.show(&first.id).unwrap().application, first);
    assert_eq!(desk.list(&Query::default()).unwrap().total, 1);
}

#[test]
fn imported_ids_are_checked_and_move_the_counter_past_them() {
    let dir = tempfile::tempdir().unwrap();
    let source = tempfile::tempdir().unwrap();
    let line = {
        let desk = desk(source.path());
        let mut form = forms(13, 1).remove(0);
        form.received_at = DateTime::parse_from_rfc3339("2026-03-02T09:00:00+08:00").unwrap();
        desk.submit(form, "张三").unwrap();
        let mut out = Vec::new();
        desk.export(&mut out).unwrap();
        String::from_utf8(out).unwrap()
    };
    assert!(line.contains("\"JN-2026-000001\""), "{line}");
    let desk = desk(dir.path());
    for (id, why) in [
        (
            "JN-2026-18446744073709551615",
            "is not a number of at most 12 digits",
        ),
        ("JN-2026-1000000000", "number 1000000000 is out of range"),
        ("JN-2026-000000", "number 0 is out of range"),
        ("JN-2026-0000042", "no extra zeros"),
        ("XX-2026-000042", "does not start with JN-"),
        (
            "JN-2025-000042",
            "names the year 2025 but the application was received in 2026",
        ),
    ] {
        let bad = line.replace("JN-2026-000001", id);
        let err = desk.import(&bad, "王五").unwrap_err().to_string();
        assert!(err.contains("line 1") && err.contains(why), "{id}: {err}");
    }
    assert_eq!(desk.list(&Query::default()).unwrap().total, 0);
    // The same application under another id, its history sealed again for that id.
    let mut moved: powerdesk::service::ExportLine = serde_json::from_str(line.trim()).unwrap();
    moved.application.id = AppId("JN-2026-000500".into());
    let record = powerdesk::domain::event::record_hash(&moved.application);
    for e in &mut moved.events {
        e.draft.app_id = moved.application.id.clone();
        e.draft.record = Some(record.clone());
        *e = powerdesk::domain::event::Event::chain(e.seq, e.draft.clone(), &e.prev_hash);
    }
    let imported = serde_json::to_string(&moved).unwrap();
    desk.import(&imported, "王五").unwrap();
    let mut form = forms(14, 1).remove(0);
    form.received_at = DateTime::parse_from_rfc3339("2026-04-01T09:00:00+08:00").unwrap();
    let next = desk.submit(form, "张三").unwrap();
    assert_eq!(next.id, AppId("JN-2026-000501".into()));
}
