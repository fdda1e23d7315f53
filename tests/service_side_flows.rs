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
        SideFlowAction::SignGridContract {
            need_date: Some(need),
        },
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
    let b = desk.submit(form.clone(), "x").unwrap();
    let c = desk.submit(form, "x").unwrap();
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
    // docs/domain.md: "An energizing with no record is "unknown", shown as such, never left out of
    // the rate's denominator."
    desk.advance(&c.id, State::Energized, Some(at), None, "x")
        .unwrap();
    let metrics = serde_json::to_value(desk.metrics().unwrap()).unwrap();
    assert_eq!(metrics["applications"], 3, "{metrics}");
    assert_eq!(metrics["live_line_energized"], 3, "{metrics}");
    assert_eq!(metrics["live_line_recorded"], 2, "{metrics}");
    assert_eq!(metrics["live_line_unknown"], 1, "{metrics}");
    assert_eq!(metrics["live_line_rate"], 1.0 / 3.0, "{metrics}");
}

#[test]
fn a_grid_contract_takes_the_need_date_the_application_states_and_must_finish_before_it() {
    // 配套电网工程: "接到需求开工、早于需求竣工" (start when the need is known, finish before the
    // need date).
    let dir = tempfile::tempdir().unwrap();
    let desk = desk(dir.path());
    let mut form = powerdesk::domain::validation::parse_form(&shop_json()).unwrap();
    let need = NaiveDate::from_ymd_opt(2026, 4, 1).unwrap();
    form.request.grid_project_need_date = Some(need);
    let app = desk.submit(form, "王静").unwrap();
    let at = DateTime::parse_from_rfc3339("2026-03-02T10:00:00+08:00").unwrap();

    // Another date than the application's is refused, naming both.
    let other = NaiveDate::from_ymd_opt(2026, 5, 1).unwrap();
    let err = desk
        .side_flow(
            &app.id,
            SideFlowAction::SignGridContract {
                need_date: Some(other),
            },
            Some(at),
            "王静",
        )
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("need_date") && err.contains("2026-05-01") && err.contains("2026-04-01"),
        "{err}"
    );
    // Left out, it is the application's.
    let signed = desk
        .side_flow(
            &app.id,
            SideFlowAction::SignGridContract { need_date: None },
            Some(at),
            "王静",
        )
        .unwrap();
    assert_eq!(signed.side_flows.grid_project.unwrap().need_date, need);
    desk.side_flow(&app.id, SideFlowAction::StartGridWorks, Some(at), "王静")
        .unwrap();
    // Finished on the need date itself: not before it.
    let on_the_day = DateTime::parse_from_rfc3339("2026-04-01T09:00:00+08:00").unwrap();
    let done = desk
        .side_flow(
            &app.id,
            SideFlowAction::CompleteGridWorks,
            Some(on_the_day),
            "王静",
        )
        .unwrap();
    assert_eq!(
        done.side_flows.grid_project.unwrap().done_before_need(),
        Some(false)
    );

    // Without a stated need date the contract needs one.
    let plain = desk
        .submit(
            powerdesk::domain::validation::parse_form(&shop_json()).unwrap(),
            "王静",
        )
        .unwrap();
    let err = desk
        .side_flow(
            &plain.id,
            SideFlowAction::SignGridContract { need_date: None },
            Some(at),
            "王静",
        )
        .unwrap_err()
        .to_string();
    assert!(err.contains("need_date is missing"), "{err}");
}
