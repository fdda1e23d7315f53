//! Side flows and energizing go through the desk as events, and the metrics see them.

mod store_support;

use chrono::{DateTime, Duration, NaiveDate};
use powerdesk::domain::event::EventKind;
use powerdesk::domain::sideflow::{JointService, SideFlowAction};
use powerdesk::domain::workflow::State;
use powerdesk::service::DeskError;
use store_support::*;

#[test]
fn side_flow_actions_are_recorded_and_illegal_ones_refused_with_the_legal_actions() {
    let dir = tempfile::tempdir().unwrap();
    let desk = desk(dir.path());
    let form = powerdesk::domain::validation::parse_form(&shop_json()).unwrap();
    let app = desk.submit(form, "王静").unwrap();
    let at = DateTime::parse_from_rfc3339("2026-03-02T10:00:00+08:00").unwrap();

    let err = desk
        .side_flow(&app.id, SideFlowAction::StartGridWorks, Some(at), "王静")
        .unwrap_err();
    assert!(matches!(err, DeskError::SideFlowRefused { .. }), "{err}");
    assert!(err.to_string().contains("sign_contract"), "{err}");

    let need = NaiveDate::from_ymd_opt(2026, 5, 1).unwrap();
    desk.side_flow(
        &app.id,
        SideFlowAction::SignGridContract { need_date: need },
        Some(at),
        "王静",
    )
    .unwrap();
    let services = vec![JointService::Water, JointService::Electricity];
    let updated = desk
        .side_flow(
            &app.id,
            SideFlowAction::ApplyJoint { services },
            Some(at + Duration::minutes(5)),
            "王静",
        )
        .unwrap();
    assert!(updated.side_flows.grid_project.is_some());
    assert!(updated.side_flows.joint.is_some());

    let shown = desk.show(&app.id).unwrap();
    let flows: Vec<(String, String)> = shown
        .events
        .iter()
        .filter_map(|e| match &e.draft.kind {
            EventKind::SideFlow { flow, action } => Some((flow.clone(), action.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(
        flows,
        vec![
            ("grid_project".to_string(), "sign_contract".to_string()),
            ("joint".to_string(), "apply".to_string())
        ]
    );
    assert!(shown.events[1]
        .draft
        .note
        .as_deref()
        .unwrap()
        .contains("2026-05-01"));
    // The refused action wrote nothing.
    assert_eq!(shown.events.len(), 3);

    // A side-flow event dated before acceptance is refused naming `at`.
    let early = DateTime::parse_from_rfc3339("2026-03-01T10:00:00+08:00").unwrap();
    let err = desk
        .side_flow(&app.id, SideFlowAction::StartGridWorks, Some(early), "王静")
        .unwrap_err();
    assert!(err.to_string().starts_with("at:"), "{err}");
}

#[test]
fn energizing_records_live_line_work_and_the_metrics_count_it() {
    let dir = tempfile::tempdir().unwrap();
    let desk = desk(dir.path());
    let form = powerdesk::domain::validation::parse_form(&shop_json()).unwrap();
    let a = desk.submit(form.clone(), "x").unwrap();
    let b = desk.submit(form, "x").unwrap();
    let at = DateTime::parse_from_rfc3339("2026-03-02T15:00:00+08:00").unwrap();
    let a = desk.energize(&a.id, Some(at), None, true, "x").unwrap();
    assert_eq!(a.status, State::Energized);
    assert_eq!(
        a.side_flows.energizing.as_ref().map(|e| e.live_line),
        Some(true)
    );
    desk.energize(&b.id, Some(at), None, false, "x").unwrap();
    let events = desk.show(&a.id).unwrap().events;
    assert_eq!(events.len(), 3, "accepted, advanced, energizing record");
    // Energizing twice is refused.
    assert!(desk.energize(&a.id, Some(at), None, true, "x").is_err());
    let metrics = serde_json::to_value(desk.metrics().unwrap()).unwrap();
    assert_eq!(metrics["applications"], 2, "{metrics}");
    assert_eq!(metrics["live_line_recorded"], 2, "{metrics}");
    assert_eq!(metrics["live_line_rate"], 0.5, "{metrics}");
}
