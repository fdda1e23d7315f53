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
