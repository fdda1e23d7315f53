//! The desk is used from several threads at once (the console's worker, command-line writers):
//! every acknowledged command is kept, and the chain and indexes stay consistent.

mod store_support;

use std::sync::Arc;

use powerdesk::domain::workflow::next_states;
use powerdesk::store::SledStore;
use store_support::*;

#[test]
fn concurrent_submissions_and_moves_stay_consistent() {
    let dir = tempfile::tempdir().unwrap();
    let desk = Arc::new(desk(dir.path()));
    let ids: Vec<_> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..4u64)
            .map(|t| {
                let desk = desk.clone();
                s.spawn(move || {
                    let mut ids = Vec::new();
                    for form in forms(100 + t, 25) {
                        let app = desk.submit(form, &format!("thread-{t}")).unwrap();
                        let to = next_states(app.process, app.status)[0];
                        let at = app.form.received_at + chrono::Duration::hours(1);
                        desk.advance(&app.id, to, Some(at), None, "mover").unwrap();
                        ids.push(app.id);
                    }
                    ids
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    assert_eq!(ids.len(), 100);
    let unique: std::collections::HashSet<_> = ids.iter().collect();
    assert_eq!(unique.len(), 100, "two threads were given the same id");
    for id in &ids {
        assert_eq!(desk.show(id).unwrap().events.len(), 2);
    }
    drop(desk);
    let report = SledStore::open(dir.path())
        .unwrap()
        .check_consistency()
        .unwrap();
    assert!(report.is_consistent(), "{:?}", report.problems);
    assert_eq!(report.events, 200);
}
