//! A command is written whole or not at all, even when it fails midway.

mod store_support;

use std::sync::Arc;

use powerdesk::domain::event::{EventDraft, EventKind};
use powerdesk::domain::ports::{Change, Repository};
use powerdesk::domain::workflow::State;
use powerdesk::domain::{AppId, Application};
use powerdesk::store::SledStore;
use store_support::*;

fn application(form: powerdesk::domain::ApplicationForm, id: &str) -> (Application, EventDraft) {
    let app = Application {
        id: AppId(id.into()),
        status: State::Accepted,
        process: powerdesk::service::fallback_process(&form),
        decision: None,
        deadline: None,
        deadline_provisional: false,
        missing_calendar_years: Default::default(),
        side_flows: Default::default(),
        updated_at: form.received_at,
        form,
    };
    let event = EventDraft {
        app_id: app.id.clone(),
        at: app.updated_at,
        actor: "t".into(),
        kind: EventKind::Accepted,
        note: None,
        record: None,
    };
    (app, event)
}

#[test]
fn a_transaction_failing_midway_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(SledStore::open(dir.path()).unwrap());
    let forms = forms(3, 3);
    let (kept, kept_event) = application(forms[0].clone(), "JN-2026-900001");
    store
        .commit(Change {
            applications: vec![kept.clone()],
            events: vec![kept_event],
            settings: vec![],
        })
        .unwrap();
    let before = store.verify_audit().unwrap();

    let (a, ea) = application(forms[1].clone(), "JN-2026-900002");
    let (b, eb) = application(forms[2].clone(), "JN-2026-900003");
    // Two applications and two events: fail after three writes (both records and one event).
    store.inject_fault_after(Some(3));
    let err = store
        .commit(Change {
            applications: vec![a.clone(), b.clone()],
            events: vec![ea, eb],
            settings: vec![("k".into(), Some("v".into()))],
        })
        .unwrap_err();
    assert!(err.to_string().contains("injected fault"), "{err}");
    store.inject_fault_after(None);

    assert_eq!(store.get(&a.id).unwrap(), None);
    assert_eq!(store.get(&b.id).unwrap(), None);
    assert!(store.events(&a.id).unwrap().is_empty());
    assert_eq!(store.setting("k").unwrap(), None);
    assert_eq!(store.verify_audit().unwrap(), before);
    let report = store.check_consistency().unwrap();
    assert!(report.is_consistent(), "{:?}", report.problems);
    assert_eq!(report.applications, 1);
}

#[test]
fn a_bulk_load_failing_after_some_batches_is_undone() {
    let dir = tempfile::tempdir().unwrap();
    let store = SledStore::open(dir.path()).unwrap();
    let (kept, kept_event) = application(forms(4, 1).remove(0), "JN-2026-800000");
    store
        .commit(Change {
            applications: vec![kept.clone()],
            events: vec![kept_event],
            settings: vec![],
        })
        .unwrap();
    let before = store.verify_audit().unwrap();

    let changes: Vec<Change> = forms(5, 5_000)
        .into_iter()
        .enumerate()
        .map(|(i, f)| {
            let (app, event) = application(f, &format!("JN-2026-{:06}", i + 1));
            Change {
                applications: vec![app],
                events: vec![event],
                settings: vec![],
            }
        })
        .collect();
    // Batches of 2,000 changes make 4,000 writes: the first batch commits, the second fails.
    store.inject_fault_after(Some(5_000));
    assert!(store.commit_all(changes.clone()).is_err());
    store.inject_fault_after(None);
    let report = store.check_consistency().unwrap();
    assert!(report.is_consistent(), "{:?}", report.problems);
    assert_eq!(
        report.applications, 1,
        "the failed load left applications behind"
    );
    assert_eq!(store.verify_audit().unwrap(), before);

    // The same load without the fault goes in whole.
    store.commit_all(changes).unwrap();
    let report = store.check_consistency().unwrap();
    assert!(report.is_consistent(), "{:?}", report.problems);
    assert_eq!(report.applications, 5_001);
}

/// Changes that move `apps` to Cancelled, each with its event.
fn cancel_all(apps: &[Application]) -> Vec<Change> {
    apps.iter()
        .map(|a| {
            let mut moved = a.clone();
            moved.status = State::Cancelled;
            Change {
                applications: vec![moved],
                events: vec![EventDraft {
                    app_id: a.id.clone(),
                    at: a.updated_at,
                    actor: "t".into(),
                    kind: EventKind::Cancelled {
                        from: a.status,
                        reason: "t".into(),
                    },
                    note: None,
                    record: None,
                }],
                settings: vec![],
            }
        })
        .collect()
}

fn load(store: &SledStore, n: usize, first: usize) -> Vec<Application> {
    let changes: Vec<Change> = forms(7, n)
        .into_iter()
        .enumerate()
        .map(|(i, f)| {
            let (app, event) = application(f, &format!("JN-2025-{:06}", first + i));
            Change {
                applications: vec![app],
                events: vec![event],
                settings: vec![],
            }
        })
        .collect();
    let apps = changes.iter().map(|c| c.applications[0].clone()).collect();
    store.commit_all(changes).unwrap();
    apps
}

/// A load that rewrites stored applications and fails in its second batch gives every one of
/// them its previous record, index entries, counters and events back.
#[test]
fn a_failed_bulk_update_of_stored_applications_is_undone() {
    let dir = tempfile::tempdir().unwrap();
    let store = SledStore::open(dir.path()).unwrap();
    let apps = load(&store, 3_000, 1);
    let before = store.verify_audit().unwrap();
    let accepted = |store: &SledStore| {
        store
            .query(&powerdesk::domain::ports::Query {
                status: Some(State::Accepted),
                limit: 1,
                ..Default::default()
            })
            .unwrap()
            .total
    };
    assert_eq!(accepted(&store), 3_000);

    store.inject_fault_after(Some(5_000));
    assert!(store.commit_all(cancel_all(&apps)).is_err());
    store.inject_fault_after(None);
    let report = store.check_consistency().unwrap();
    assert!(report.is_consistent(), "{:?}", report.problems);
    assert_eq!(store.verify_audit().unwrap(), before);
    assert_eq!(accepted(&store), 3_000);
    for a in [&apps[0], &apps[2_500]] {
        assert_eq!(store.get(&a.id).unwrap().as_ref(), Some(a));
        assert_eq!(store.events(&a.id).unwrap().len(), 1);
    }

    store.commit_all(cancel_all(&apps)).unwrap();
    let report = store.check_consistency().unwrap();
    assert!(report.is_consistent(), "{:?}", report.problems);
    assert_eq!(accepted(&store), 0);
    assert_eq!(store.events(&apps[2_500].id).unwrap().len(), 2);
}

/// A load naming one application in two changes (written one transaction per batch instead of
/// tree by tree) still goes in whole, and is undone whole when it fails.
#[test]
fn a_bulk_load_touching_an_application_twice_is_whole() {
    let dir = tempfile::tempdir().unwrap();
    let store = SledStore::open(dir.path()).unwrap();
    let apps = load(&store, 100, 1);
    let mut changes = cancel_all(&apps);
    let mut again = changes[0].clone();
    again.applications[0].status = State::Accepted;
    changes.push(again);
    let before = store.verify_audit().unwrap();
    store.inject_fault_after(Some(150));
    assert!(store.commit_all(changes.clone()).is_err());
    store.inject_fault_after(None);
    assert_eq!(store.verify_audit().unwrap(), before);
    assert!(store.check_consistency().unwrap().is_consistent());

    store.commit_all(changes).unwrap();
    let report = store.check_consistency().unwrap();
    assert!(report.is_consistent(), "{:?}", report.problems);
    assert_eq!(
        store.get(&apps[0].id).unwrap().unwrap().status,
        State::Accepted
    );
    assert_eq!(
        store.get(&apps[1].id).unwrap().unwrap().status,
        State::Cancelled
    );
    assert_eq!(store.events(&apps[0].id).unwrap().len(), 3);
}
