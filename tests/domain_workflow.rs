//! Applications move only along their process class's workflow; clocks, deadlines and metrics
//! follow the working-day calendar; the event chain shows any edit.

use chrono::{DateTime, FixedOffset, NaiveDate};
use powerdesk::domain::calendar::WorkingCalendar;
use powerdesk::domain::event::{Event, EventDraft, EventKind, GENESIS_HASH};
use powerdesk::domain::metrics::{metrics_over, MetricsBuilder};
use powerdesk::domain::sideflow::SideFlowAction;
use powerdesk::domain::timeline::{deadline_for, deadline_for_drafts, timeline, TimelineError};
use powerdesk::domain::validation::{credit_code_with_check, parse_form};
use powerdesk::domain::workflow::{check_transition, clock_owner, next_states, ClockOwner};
use powerdesk::domain::*;

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn at(s: &str) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(&format!("{s}T10:00:00+08:00")).unwrap()
}

fn calendar() -> WorkingCalendar {
    let texts: Vec<String> = (2021..=2026)
        .map(|y| {
            std::fs::read_to_string(format!(
                "{}/policies/jining/calendar/{y}.toml",
                env!("CARGO_MANIFEST_DIR")
            ))
            .unwrap()
        })
        .collect();
    WorkingCalendar::parse_years(&texts.iter().map(String::as_str).collect::<Vec<_>>()).unwrap()
}

// ---- transitions -------------------------------------------------------------------------

#[test]
fn low_voltage_goes_accepted_line_built_energized_archived() {
    use State::*;
    let p = ProcessClass::LowVoltage;
    for (from, to) in [
        (Accepted, LineBuilt),
        (Accepted, Energized),
        (LineBuilt, Energized),
        (Energized, Archived),
    ] {
        assert!(check_transition(p, from, to).is_ok(), "{from:?} -> {to:?}");
    }
    let err = check_transition(p, Accepted, PlanReplied).unwrap_err();
    assert_eq!(
        err.to_string(),
        "cannot move a low_voltage application from accepted to plan_replied; legal next states: line_built, energized, cancelled"
    );
    let err = check_transition(p, Archived, Accepted).unwrap_err();
    assert!(
        err.to_string()
            .ends_with("legal next states: none (the application is closed)"),
        "{err}"
    );
    assert!(
        check_transition(p, Energized, Cancelled).is_err(),
        "an energized connection is not cancelled"
    );
}

#[test]
fn ten_kv_ordinary_has_two_grid_steps_and_no_design_review() {
    use State::*;
    let p = ProcessClass::HvOrdinary;
    let path = [
        Accepted,
        PlanReplied,
        CompletionReported,
        Energized,
        Archived,
    ];
    for pair in path.windows(2) {
        assert!(check_transition(p, pair[0], pair[1]).is_ok(), "{pair:?}");
    }
    let err = check_transition(p, PlanReplied, DesignReviewed).unwrap_err();
    assert_eq!(err.legal, vec![CompletionReported, Cancelled]);
    assert!(err
        .to_string()
        .contains("legal next states: completion_reported, cancelled"));
    assert!(check_transition(p, CompletionReported, CompletionInspected).is_err());
    assert!(check_transition(p, Accepted, Energized).is_err());
}

#[test]
fn standard_high_voltage_passes_every_inspection() {
    use State::*;
    let p = ProcessClass::HvStandard;
    // docs/contracts.md, additions: "accepted → plan_replied → design_submitted (送审) →
    // design_reviewed → mid_inspection_requested (报验) → mid_inspected → completion_reported →
    // completion_inspected → energized → archived".
    let path = [
        Accepted,
        PlanReplied,
        DesignSubmitted,
        DesignReviewed,
        MidInspectionRequested,
        MidInspected,
        CompletionReported,
        CompletionInspected,
        Energized,
        Archived,
    ];
    for pair in path.windows(2) {
        assert!(check_transition(p, pair[0], pair[1]).is_ok(), "{pair:?}");
        assert_eq!(next_states(p, pair[0])[0], pair[1]);
    }
    let err = check_transition(p, PlanReplied, DesignReviewed).unwrap_err();
    assert!(
        err.to_string()
            .contains("legal next states: design_submitted, cancelled"),
        "the grid cannot review a design the customer has not submitted: {err}"
    );
    let err = check_transition(p, DesignReviewed, MidInspected).unwrap_err();
    assert!(
        err.to_string()
            .contains("legal next states: mid_inspection_requested, cancelled"),
        "{err}"
    );
    for s in &path[..8] {
        assert!(check_transition(p, *s, Cancelled).is_ok());
    }
    // Neither hand-over exists in the two-step process.
    for s in [DesignSubmitted, MidInspectionRequested] {
        assert!(check_transition(ProcessClass::HvOrdinary, PlanReplied, s).is_err());
    }
}

#[test]
fn in_the_standard_process_the_grid_clock_runs_only_on_what_the_customer_handed_over() {
    // docs/domain.md: "Design review counts from the customer's design submission (送审), mid
    // inspection from the customer's inspection request (报验): the time the customer spends
    // designing and building is on the customer's clock, never charged to the grid."
    use State::*;
    let p = ProcessClass::HvStandard;
    for (state, owner) in [
        (Accepted, ClockOwner::Grid),
        (PlanReplied, ClockOwner::Customer),
        (DesignSubmitted, ClockOwner::Grid),
        (DesignReviewed, ClockOwner::Customer),
        (MidInspectionRequested, ClockOwner::Grid),
        (MidInspected, ClockOwner::Customer),
        (CompletionReported, ClockOwner::Grid),
        (CompletionInspected, ClockOwner::Grid),
    ] {
        assert_eq!(clock_owner(p, state), owner, "{state:?}");
    }

    // A customer who designs for 20 working days does not make the grid's review late.
    let cal = calendar();
    let id = "JN-2026-000021";
    let moves = [
        ("2026-03-02", Accepted),        // Mon
        ("2026-03-09", PlanReplied),     // 5 grid days
        ("2026-04-07", DesignSubmitted), // 20 customer working days (Qingming 4-6 April)
    ];
    let mut app = application(
        id,
        CustomerClass::Enterprise,
        ProcessClass::HvStandard,
        DesignSubmitted,
        decision(
            ProcessClass::HvStandard,
            &[
                ("reply_plan", 15, "accepted"),
                ("design_review", 10, "design_submitted"),
                ("mid_inspection", 5, "mid_inspection_requested"),
            ],
            None,
            vec![],
        ),
    );
    let events = events_of(id, &moves);
    let due = deadline_for(&app, &events, &cal).unwrap().unwrap();
    assert_eq!(due.value, cal.add_working_days(d("2026-04-07"), 10).value);
    let view = timeline(&app, &events, &cal, d("2026-04-08")).unwrap();
    let pending = view.pending.unwrap();
    assert_eq!(pending.step, "design_review");
    assert!(
        !pending.overdue,
        "the customer's design time is not the grid's"
    );
    assert_eq!(view.customer_working_days, 20);

    // Reviewed on the 5th working day: on time; then the customer builds with no grid deadline.
    let mut all = moves.to_vec();
    all.push(("2026-04-14", DesignReviewed));
    app.status = DesignReviewed;
    let events = events_of(id, &all);
    assert_eq!(deadline_for(&app, &events, &cal).unwrap(), None);
    let view = timeline(&app, &events, &cal, d("2026-04-14")).unwrap();
    let check = view.entries[3].step.as_ref().unwrap();
    assert_eq!(
        (check.step.as_str(), check.on_time),
        ("design_review", true)
    );

    // The mid inspection counts from the request (报验).
    all.push(("2026-05-20", MidInspectionRequested));
    app.status = MidInspectionRequested;
    let events = events_of(id, &all);
    assert_eq!(
        deadline_for(&app, &events, &cal).unwrap().map(|c| c.value),
        Some(cal.add_working_days(d("2026-05-20"), 5).value)
    );
}

#[test]
fn the_grid_clock_stops_while_the_customer_builds() {
    let p = ProcessClass::HvOrdinary;
    assert_eq!(clock_owner(p, State::Accepted), ClockOwner::Grid);
    assert_eq!(clock_owner(p, State::PlanReplied), ClockOwner::Customer);
    assert_eq!(clock_owner(p, State::CompletionReported), ClockOwner::Grid);
    assert_eq!(clock_owner(p, State::Energized), ClockOwner::Stopped);
    assert_eq!(
        clock_owner(ProcessClass::LowVoltage, State::LineBuilt),
        ClockOwner::Grid
    );
}

// ---- the event chain ---------------------------------------------------------------------

fn draft(id: &str, when: &str, kind: EventKind) -> EventDraft {
    EventDraft {
        app_id: AppId(id.into()),
        at: at(when),
        actor: "王经理".into(),
        kind,
        note: None,
        record: None,
    }
}

#[test]
fn the_hash_chain_detects_an_edit() {
    let a = Event::chain(
        1,
        draft("JN-2026-000001", "2026-03-02", EventKind::Accepted),
        GENESIS_HASH,
    );
    let b = Event::chain(
        2,
        draft(
            "JN-2026-000001",
            "2026-03-03",
            EventKind::Advanced {
                from: State::Accepted,
                to: State::PlanReplied,
            },
        ),
        &a.hash,
    );
    assert!(a.is_intact() && b.is_intact());
    assert_eq!(b.prev_hash, a.hash);
    let mut edited = b.clone();
    edited.draft.actor = "someone else".into();
    assert!(!edited.is_intact());
    let mut backdated = b.clone();
    backdated.draft.at = at("2026-03-02");
    assert!(!backdated.is_intact());
    let mut reseq = b;
    reseq.seq = 3;
    assert!(!reseq.is_intact());
}

// ---- timeline, deadlines, metrics --------------------------------------------------------

fn decision(
    process: ProcessClass,
    steps: &[(&str, u32, &str)],
    total: Option<u32>,
    programs: Vec<Program>,
) -> Decision {
    Decision {
        bundle: BundleRef {
            region: "jining".into(),
            version: "2021.1".into(),
            digest: "sha256:00".into(),
        },
        access: Access {
            class: match process {
                ProcessClass::LowVoltage => AccessClass::LowVoltage,
                ProcessClass::HvOrdinary => AccessClass::HvOrdinary,
                ProcessClass::HvStandard => AccessClass::HvStandard,
            },
            voltage: if process == ProcessClass::LowVoltage {
                Voltage::V380
            } else {
                Voltage::Kv10
            },
        },
        programs,
        investment_boundary: InvestmentBoundary::Meter,
        external_line_payer: LinePayer::Utility,
        steps: steps
            .iter()
            .map(|(id, n, from)| StepLimit {
                id: id.to_string(),
                limit_working_days: *n,
                from: from.to_string(),
            })
            .collect(),
        grid_total_limit_working_days: total,
        tariff_cut_yuan_per_kwh: 0.0,
        free_efficiency_service: false,
        rules: vec![],
    }
}

fn application(
    id: &str,
    class: CustomerClass,
    process: ProcessClass,
    status: State,
    decision: Decision,
) -> Application {
    let low = process == ProcessClass::LowVoltage;
    let json = serde_json::json!({
        "customer": { "name": "济宁市任城区惠民商贸有限公司", "class": class.id(),
                      "id_number": credit_code_with_check("91370811MA3C5XXXX"), "phone": "13800000000" },
        "site": { "county": "任城区", "address": "济宁市任城区某某路 18 号" },
        "request": { "kind": "new", "voltage": if low { "380V" } else { "10kV" },
                     "capacity_kw": if low { Some(150) } else { None },
                     "capacity_kva": if low { None } else { Some(1000) } },
        "received_at": "2026-02-12T09:00:00+08:00"
    });
    Application {
        id: AppId(id.into()),
        form: parse_form(&json.to_string()).unwrap(),
        status,
        process,
        decision: Some(decision),
        deadline: None,
        deadline_provisional: false,
        missing_calendar_years: Default::default(),
        side_flows: Default::default(),
        updated_at: at("2026-03-02"),
    }
}

/// Chain the moves of one application: (date, to-state); the first is the acceptance.
fn events_of(id: &str, moves: &[(&str, State)]) -> Vec<Event> {
    let mut out: Vec<Event> = Vec::new();
    let mut prev_state = State::Accepted;
    for (i, (when, to)) in moves.iter().enumerate() {
        let kind = if i == 0 {
            EventKind::Accepted
        } else if *to == State::Cancelled {
            EventKind::Cancelled {
                from: prev_state,
                reason: "客户撤回".into(),
            }
        } else {
            EventKind::Advanced {
                from: prev_state,
                to: *to,
            }
        };
        prev_state = *to;
        let prev = out
            .last()
            .map_or(GENESIS_HASH.to_string(), |e| e.hash.clone());
        out.push(Event::chain(i as u64 + 1, draft(id, when, kind), &prev));
    }
    out
}

fn hv_ordinary_decision() -> Decision {
    decision(
        ProcessClass::HvOrdinary,
        &[
            ("reply_plan", 2, "accepted"),
            ("energize", 5, "completion_reported"),
        ],
        Some(7),
        vec![Program::ThreeSave],
    )
}

#[test]
fn ten_kv_deadlines_skip_the_spring_festival_and_count_make_up_days() {
    let cal = calendar();
    // Accepted Thu 2026-02-12: 2 working days are Fri 13 and Sat 14 (make-up day).
    let app = application(
        "JN-2026-000010",
        CustomerClass::Enterprise,
        ProcessClass::HvOrdinary,
        State::Accepted,
        hv_ordinary_decision(),
    );
    let events = events_of("JN-2026-000010", &[("2026-02-12", State::Accepted)]);
    assert_eq!(
        deadline_for(&app, &events, &cal).unwrap().map(|c| c.value),
        Some(d("2026-02-14"))
    );
    let view = timeline(&app, &events, &cal, d("2026-02-24")).unwrap();
    let pending = view.pending.unwrap();
    assert_eq!(
        (pending.step.as_str(), pending.deadline),
        ("reply_plan", d("2026-02-14"))
    );
    assert!(pending.overdue);
    assert_eq!(
        pending.remaining_working_days, -1,
        "Tue 24 Feb is the first working day after the festival"
    );
    assert_eq!(view.grid_working_days, 3);
    assert_eq!(view.next, vec![State::PlanReplied, State::Cancelled]);
}

#[test]
fn customer_time_is_not_charged_to_the_grid() {
    let cal = calendar();
    let id = "JN-2026-000011";
    let moves = [
        ("2026-03-02", State::Accepted),           // Mon
        ("2026-03-03", State::PlanReplied),        // Tue: 1 grid day
        ("2026-03-20", State::CompletionReported), // Fri: 13 customer days
    ];
    let mut app = application(
        id,
        CustomerClass::Enterprise,
        ProcessClass::HvOrdinary,
        State::CompletionReported,
        hv_ordinary_decision(),
    );
    let events = events_of(id, &moves);
    // Energize within 5 working days of completion: Fri 27 March.
    assert_eq!(
        deadline_for(&app, &events, &cal).unwrap().map(|c| c.value),
        Some(d("2026-03-27"))
    );
    let drafts: Vec<EventDraft> = events.iter().map(|e| e.draft.clone()).collect();
    assert_eq!(
        deadline_for_drafts(&app, &drafts, &cal)
            .unwrap()
            .map(|c| c.value),
        Some(d("2026-03-27"))
    );
    let view = timeline(&app, &events, &cal, d("2026-03-24")).unwrap();
    assert_eq!(view.customer_working_days, 13);
    assert_eq!(view.grid_working_days, 1 + 2);
    assert_eq!(view.grid_total_remaining_working_days, Some(4));
    let p = view.pending.unwrap();
    assert_eq!((p.remaining_working_days, p.overdue), (3, false));
    let labels: Vec<&str> = view.entries.iter().map(|e| e.label.as_str()).collect();
    assert_eq!(labels, ["已受理", "已答复方案", "已竣工报验"]);
    assert_eq!(view.entries[1].actor, "王经理");
    assert_eq!(view.entries[2].customer_working_days, 13);
    assert_eq!(view.entries[2].grid_working_days, 0);
    assert!(view.entries[1].step.as_ref().unwrap().on_time);

    // While the customer builds there is no grid deadline.
    app.status = State::PlanReplied;
    assert_eq!(
        deadline_for(&app, &events_of(id, &moves[..2]), &cal)
            .unwrap()
            .map(|c| c.value),
        None
    );

    // A limit counted from acceptance skips the customer's time.
    app.status = State::CompletionReported;
    app.decision = Some(decision(
        ProcessClass::HvOrdinary,
        &[("energize", 7, "accepted")],
        Some(7),
        vec![],
    ));
    // 7 grid days from Mon 2 March: 1 used before the plan reply, 13 customer days excluded.
    assert_eq!(
        deadline_for(&app, &events, &cal).unwrap().map(|c| c.value),
        Some(cal.add_working_days(d("2026-03-02"), 20).value)
    );
}

#[test]
fn low_voltage_same_day_limit_on_a_holiday_rolls_to_the_next_working_day() {
    let cal = calendar();
    let id = "JN-2026-000012";
    let dec = decision(
        ProcessClass::LowVoltage,
        &[("energize", 0, "accepted")],
        Some(2),
        vec![Program::ThreeZero],
    );
    let app = application(
        id,
        CustomerClass::SmallMicro,
        ProcessClass::LowVoltage,
        State::Accepted,
        dec,
    );
    // Accepted on Sat 2026-10-03 (National Day).
    let events = events_of(id, &[("2026-10-03", State::Accepted)]);
    assert_eq!(
        deadline_for(&app, &events, &cal).unwrap().map(|c| c.value),
        Some(d("2026-10-08"))
    );
}

#[test]
fn a_year_without_a_calendar_never_stops_the_count_and_missing_events_are_errors() {
    // DOMAIN.md: a date outside the loaded years "must never stop the work": it is counted on
    // the provisional calendar and the deadline is marked provisional.
    let cal = calendar();
    let id = "JN-2027-000001";
    let app = application(
        id,
        CustomerClass::Enterprise,
        ProcessClass::HvOrdinary,
        State::Accepted,
        hv_ordinary_decision(),
    );
    let events = events_of(id, &[("2027-01-04", State::Accepted)]);
    let due = deadline_for(&app, &events, &cal).unwrap().unwrap();
    assert_eq!(due.value, d("2027-01-06"), "Mon 4 Jan + 2 working days");
    assert!(due.is_provisional());
    assert_eq!(due.missing.years(), &[2027]);
    let view = timeline(&app, &events, &cal, d("2027-01-05")).unwrap();
    let pending = view.pending.unwrap();
    assert!(pending.deadline_provisional);
    assert_eq!(pending.missing_calendar_years.years(), &[2027]);
    assert_eq!(pending.remaining_working_days, 1);
    let err = deadline_for(&app, &[], &cal).unwrap_err();
    assert_eq!(err, TimelineError::NotAccepted(AppId(id.into())));
    let mut odd = app.clone();
    odd.decision = Some(decision(
        ProcessClass::HvOrdinary,
        &[("reply_plan", 2, "submitted")],
        None,
        vec![],
    ));
    let err = deadline_for(
        &odd,
        &events_of(id, &[("2026-03-02", State::Accepted)]),
        &cal,
    )
    .unwrap_err();
    assert!(
        err.to_string()
            .contains("`submitted`, which is not a workflow event"),
        "{err}"
    );
}

#[test]
fn metrics_count_states_on_time_shares_and_durations() {
    let cal = calendar();
    let mut m = MetricsBuilder::new();
    // Three low-voltage applications: same-day, next-day (late), still open.
    let lv = decision(
        ProcessClass::LowVoltage,
        &[("energize", 0, "accepted")],
        Some(2),
        vec![Program::ThreeZero],
    );
    type Case<'a> = (&'a str, &'a [(&'a str, State)], State, Option<bool>);
    let cases: [Case; 3] = [
        (
            "A1",
            &[
                ("2026-03-02", State::Accepted),
                ("2026-03-02", State::Energized),
            ],
            State::Energized,
            Some(true),
        ),
        (
            "A2",
            &[
                ("2026-03-06", State::Accepted),
                ("2026-03-09", State::Energized),
            ],
            State::Energized,
            Some(false),
        ),
        (
            "A3",
            &[("2026-03-10", State::Accepted)],
            State::Accepted,
            None,
        ),
    ];
    for (id, moves, status, live) in cases {
        let mut app = application(
            id,
            CustomerClass::SmallMicro,
            ProcessClass::LowVoltage,
            status,
            lv.clone(),
        );
        if let Some(live_line) = live {
            app.side_flows
                .apply(
                    SideFlowAction::RecordEnergizing { live_line },
                    at(moves[1].0),
                )
                .unwrap();
        }
        m.add(&app, &events_of(id, moves), &cal).unwrap();
    }
    // One 10 kV enterprise, energized on time.
    let id = "B1";
    let moves = [
        ("2026-03-02", State::Accepted),
        ("2026-03-03", State::PlanReplied),
        ("2026-03-20", State::CompletionReported),
        ("2026-03-24", State::Energized),
    ];
    let app = application(
        id,
        CustomerClass::Enterprise,
        ProcessClass::HvOrdinary,
        State::Energized,
        hv_ordinary_decision(),
    );
    m.add(&app, &events_of(id, &moves), &cal).unwrap();
    // An application in a year without an official calendar is measured too (provisionally).
    let late = application(
        "C1",
        CustomerClass::Resident,
        ProcessClass::LowVoltage,
        State::Energized,
        lv.clone(),
    );
    let late_events = events_of(
        "C1",
        &[
            ("2027-01-04", State::Accepted),
            ("2027-01-05", State::Energized),
        ],
    );
    let provisional = metrics_over([(&late, late_events.as_slice())], &cal).unwrap();
    assert_eq!(
        (provisional.applications, provisional.by_state["energized"]),
        (1, 1)
    );

    let r = m.finish();
    let b1_events = events_of(id, &moves);
    let single = metrics_over([(&app, b1_events.as_slice())], &cal).unwrap();
    assert_eq!((single.applications, single.by_state["energized"]), (1, 1));
    assert_eq!(r.applications, 4);
    assert_eq!(r.by_state["energized"], 3);
    assert_eq!(r.by_state["accepted"], 1);
    assert_eq!(r.by_process["low_voltage"], 3);
    let small = r.classes.iter().find(|c| c.class == "small_micro").unwrap();
    assert_eq!((small.applications, small.energized), (3, 2));
    assert_eq!(small.median_working_days, Some(0));
    assert_eq!(small.p90_working_days, Some(1));
    assert_eq!(small.p90_calendar_days, Some(3));
    assert_eq!(small.mean_procedures, Some(2.0));
    assert_eq!(small.zero_cost_share, Some(1.0));
    let energize = r
        .on_time
        .iter()
        .find(|o| o.class == "small_micro" && o.step == "energize")
        .unwrap();
    assert_eq!((energize.on_time, energize.total), (1, 2));
    let ent = r.classes.iter().find(|c| c.class == "enterprise").unwrap();
    assert_eq!(ent.median_working_days, Some(16));
    assert_eq!(ent.median_grid_working_days, Some(3));
    assert_eq!(ent.three_save_share, Some(1.0));
    assert_eq!(ent.mean_procedures, Some(4.0));
    let ent_rows: Vec<(&str, u64, u64)> = r
        .on_time
        .iter()
        .filter(|o| o.class == "enterprise")
        .map(|o| (o.step.as_str(), o.on_time, o.total))
        .collect();
    assert_eq!(
        ent_rows,
        [
            ("energize", 1, 1),
            ("grid_total", 1, 1),
            ("reply_plan", 1, 1)
        ]
    );
    let lv_total = r
        .on_time
        .iter()
        .find(|o| o.class == "small_micro" && o.step == "grid_total")
        .unwrap();
    assert_eq!(
        (lv_total.on_time, lv_total.total),
        (2, 2),
        "0 and 1 grid days are within 2"
    );
    // Three energized, one of them (B1) with no record: unknown, still in the denominator.
    assert_eq!(
        (
            r.live_line_energized,
            r.live_line_recorded,
            r.live_line_unknown
        ),
        (3, 2, 1)
    );
    assert_eq!(r.live_line_rate, Some(1.0 / 3.0));
    assert_eq!(r.months.len(), 1);
    assert_eq!(
        (
            r.months[0].month.as_str(),
            r.months[0].accepted,
            r.months[0].energized
        ),
        ("2026-03", 4, 3)
    );
}

#[test]
fn side_flow_and_note_entries_show_in_the_tracking_view_without_moving_the_clock() {
    let cal = calendar();
    let id = "JN-2026-000013";
    let mut events = events_of(id, &[("2026-03-02", State::Accepted)]);
    let mut side = draft(
        id,
        "2026-03-03",
        EventKind::SideFlow {
            flow: "grid_project".into(),
            action: "sign_contract".into(),
        },
    );
    side.note = Some("需求日期 2026-03-20".into());
    events.push(Event::chain(2, side, &events[0].hash));
    events.push(Event::chain(
        3,
        draft(id, "2026-03-03", EventKind::Noted),
        &events[1].hash,
    ));
    let app = application(
        id,
        CustomerClass::Enterprise,
        ProcessClass::HvOrdinary,
        State::Accepted,
        hv_ordinary_decision(),
    );
    let view = timeline(&app, &events, &cal, d("2026-03-03")).unwrap();
    let rows: Vec<(&str, bool, State)> = view
        .entries
        .iter()
        .map(|e| (e.label.as_str(), e.moved, e.state))
        .collect();
    assert_eq!(
        rows,
        [
            ("已受理", true, State::Accepted),
            ("配套电网工程 签订合同", false, State::Accepted),
            ("备注", false, State::Accepted)
        ]
    );
    assert_eq!(view.entries[1].note.as_deref(), Some("需求日期 2026-03-20"));
    assert_eq!(view.grid_working_days, 1);
    assert_eq!(view.pending.unwrap().remaining_working_days, 1);
}

#[test]
fn zero_cost_counts_county_funded_enterprises_as_well_as_three_zero() {
    // Seed: "县级政府全额承担1250千伏安及以下永久用电企业的电力外线建设费用，实现符合条件的企业电力
    // 接入工程“零投资”" — a county-funded line is zero investment for the enterprise too.
    let cal = calendar();
    let mut county = decision(ProcessClass::HvOrdinary, &[], Some(7), vec![]);
    county.investment_boundary = InvestmentBoundary::PropertyBoundary;
    county.external_line_payer = LinePayer::CountyGovernment;
    let mut paying = county.clone();
    paying.external_line_payer = LinePayer::Customer;
    let apps = [
        application(
            "JN-2026-000031",
            CustomerClass::Enterprise,
            ProcessClass::HvOrdinary,
            State::Accepted,
            county,
        ),
        application(
            "JN-2026-000032",
            CustomerClass::Enterprise,
            ProcessClass::HvOrdinary,
            State::Accepted,
            paying,
        ),
    ];
    let events: Vec<Vec<Event>> = apps
        .iter()
        .map(|a| events_of(&a.id.0, &[("2026-03-02", State::Accepted)]))
        .collect();
    let m = metrics_over(
        apps.iter().zip(&events).map(|(a, e)| (a, e.as_slice())),
        &cal,
    )
    .unwrap();
    let enterprise = m.classes.iter().find(|c| c.class == "enterprise").unwrap();
    assert_eq!(enterprise.zero_cost_share, Some(0.5));
    assert_eq!(enterprise.three_zero_share, Some(0.0));
}
