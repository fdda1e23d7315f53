//! Random command sequences (submit, advance, cancel) against the desk and the sled store agree
//! with a small in-memory model written from docs/contracts.md's workflows.

mod store_support;

use std::collections::BTreeMap;

use chrono::Duration;
use powerdesk::domain::ports::Query;
use powerdesk::domain::workflow::State;
use powerdesk::domain::{AppId, ApplicationForm, Voltage};
use powerdesk::store::SledStore;
use proptest::prelude::*;
use store_support::*;

#[derive(Debug, Clone)]
enum Cmd {
    Submit(u64),
    Advance { app: usize, to: usize },
    Cancel { app: usize },
}

fn cmd() -> impl Strategy<Value = Cmd> {
    prop_oneof![
        2 => any::<u64>().prop_map(Cmd::Submit),
        5 => (any::<usize>(), 0usize..State::ALL.len()).prop_map(|(app, to)| Cmd::Advance { app, to }),
        1 => any::<usize>().prop_map(|app| Cmd::Cancel { app }),
    ]
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Path {
    Low,
    Ordinary,
    Standard,
}

fn path_of(form: &ApplicationForm) -> Path {
    match form.request.voltage {
        Voltage::V220 | Voltage::V380 => Path::Low,
        // docs/domain.md: every 10 kV ordinary (not important) customer runs the two steps.
        Voltage::Kv10 if !form.request.important => Path::Ordinary,
        _ => Path::Standard,
    }
}

/// The forward moves of docs/contracts.md / docs/domain.md, written out independently of the workflow code.
fn model_allows(path: Path, from: &str, to: &str) -> bool {
    let forward: &[(&str, &str)] = match path {
        Path::Low => &[
            ("accepted", "line_built"),
            ("accepted", "energized"),
            ("line_built", "energized"),
            ("energized", "archived"),
        ],
        Path::Ordinary => &[
            ("accepted", "plan_replied"),
            ("plan_replied", "completion_reported"),
            ("completion_reported", "energized"),
            ("energized", "archived"),
        ],
        Path::Standard => &[
            ("accepted", "plan_replied"),
            ("plan_replied", "design_submitted"),
            ("design_submitted", "design_reviewed"),
            ("design_reviewed", "mid_inspection_requested"),
            ("mid_inspection_requested", "mid_inspected"),
            ("mid_inspected", "completion_reported"),
            ("completion_reported", "completion_inspected"),
            ("completion_inspected", "energized"),
            ("energized", "archived"),
        ],
    };
    if to == "cancelled" {
        return !matches!(from, "energized" | "archived" | "cancelled");
    }
    forward.contains(&(from, to))
}

struct ModelApp {
    id: AppId,
    path: Path,
    status: &'static str,
    events: usize,
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, max_shrink_iters: 50, ..ProptestConfig::default() })]

    #[test]
    fn random_command_sequences_agree_with_the_model(cmds in prop::collection::vec(cmd(), 1..40)) {
        let dir = tempfile::tempdir().unwrap();
        let desk = desk(dir.path());
        let mut model: Vec<ModelApp> = Vec::new();
        for (step, c) in cmds.iter().enumerate() {
            match c {
                Cmd::Submit(seed) => {
                    let form = forms(*seed, 1).remove(0);
                    let path = path_of(&form);
                    let app = desk.submit(form, "model").unwrap();
                    prop_assert_eq!(app.status, State::Accepted);
                    model.push(ModelApp { id: app.id, path, status: "accepted", events: 1 });
                }
                Cmd::Advance { app, to } if !model.is_empty() => {
                    let n = model.len();
                    let m = &mut model[app % n];
                    let to = State::ALL[*to];
                    let shown = desk.show(&m.id).unwrap();
                    // Later than every earlier event of this application (they are minutes apart too).
                    let at = shown.application.form.received_at + Duration::minutes(1 + step as i64);
                    let result = desk.advance(&m.id, to, Some(at), None, "model");
                    let allowed = to != State::Cancelled && model_allows(m.path, m.status, to.id());
                    let cancel_allowed = to == State::Cancelled && model_allows(m.path, m.status, "cancelled");
                    match result {
                        Ok(app) => {
                            prop_assert!(allowed || cancel_allowed, "{} moved {} -> {}", m.id, m.status, to.id());
                            prop_assert_eq!(app.status, to);
                            m.status = to.id();
                            m.events += 1;
                        }
                        Err(e) => {
                            // Cancelling through advance needs a reason; every other refusal must be illegal.
                            prop_assert!(!allowed, "{} refused {} -> {}: {}", m.id, m.status, to.id(), e);
                            if !cancel_allowed {
                                prop_assert!(e.to_string().contains("legal next states"), "{}", e);
                            }
                        }
                    }
                }
                Cmd::Cancel { app } if !model.is_empty() => {
                    let n = model.len();
                    let m = &mut model[app % n];
                    let result = desk.cancel(&m.id, "客户撤回申请", "model");
                    let allowed = model_allows(m.path, m.status, "cancelled");
                    prop_assert_eq!(result.is_ok(), allowed, "cancel {} from {}", m.id, m.status);
                    if allowed {
                        m.status = "cancelled";
                        m.events += 1;
                    }
                }
                _ => {}
            }
        }
        let mut by_status: BTreeMap<&str, u64> = BTreeMap::new();
        for m in &model {
            let shown = desk.show(&m.id).unwrap();
            prop_assert_eq!(shown.application.status.id(), m.status);
            prop_assert_eq!(shown.events.len(), m.events);
            *by_status.entry(m.status).or_default() += 1;
        }
        for state in State::ALL {
            let page = desk.list(&Query { status: Some(state), ..Query::default() }).unwrap();
            prop_assert_eq!(page.total, by_status.get(state.id()).copied().unwrap_or(0));
        }
        prop_assert_eq!(desk.list(&Query::default()).unwrap().total, model.len() as u64);
        drop(desk);
        let report = SledStore::open(dir.path()).unwrap().check_consistency().unwrap();
        prop_assert!(report.is_consistent(), "{:?}", report.problems);
    }
}

#[test]
fn the_desk_is_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<powerdesk::service::Desk>();
}
