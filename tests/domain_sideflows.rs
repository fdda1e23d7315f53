//! Side flows move only along their legal actions, and say which actions are legal.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime};
use powerdesk::domain::sideflow::*;
use powerdesk::domain::validation::id_card_with_check;

fn at(s: &str) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(&format!("{s}+08:00")).unwrap()
}

fn date(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn illegal(err: SideFlowError) -> (String, Vec<String>) {
    match err {
        SideFlowError::Illegal { action, legal, .. } => (action, legal),
        other => panic!("expected an illegal action, got {other:?}"),
    }
}

#[test]
fn grid_project_runs_contract_start_complete_and_checks_the_need_date() {
    let mut f = SideFlows::default();
    let err = f
        .apply(SideFlowAction::StartGridWorks, at("2026-03-02T09:00:00"))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "cannot start the grid_project side flow before it is started; legal actions: sign_contract"
    );
    f.apply(
        SideFlowAction::SignGridContract {
            need_date: Some(date("2026-03-20")),
        },
        at("2026-03-02T09:00:00"),
    )
    .unwrap();
    let (_, legal) = illegal(
        f.apply(SideFlowAction::CompleteGridWorks, at("2026-03-03T09:00:00"))
            .unwrap_err(),
    );
    assert_eq!(legal, ["start"]);
    f.apply(SideFlowAction::StartGridWorks, at("2026-03-03T09:00:00"))
        .unwrap();
    assert_eq!(f.grid_project.as_ref().unwrap().done_before_need(), None);
    f.apply(SideFlowAction::CompleteGridWorks, at("2026-03-18T16:00:00"))
        .unwrap();
    assert_eq!(
        f.grid_project.as_ref().unwrap().done_before_need(),
        Some(true)
    );
    let err = f
        .apply(SideFlowAction::StartGridWorks, at("2026-03-19T09:00:00"))
        .unwrap_err();
    assert!(
        err.to_string()
            .ends_with("in state completed; legal actions: none (the flow is finished)"),
        "{err}"
    );

    let mut late = SideFlows::default();
    late.apply(
        SideFlowAction::SignGridContract {
            need_date: Some(date("2026-03-05")),
        },
        at("2026-03-02T09:00:00"),
    )
    .unwrap();
    late.apply(SideFlowAction::StartGridWorks, at("2026-03-03T09:00:00"))
        .unwrap();
    late.apply(SideFlowAction::CompleteGridWorks, at("2026-03-06T09:00:00"))
        .unwrap();
    assert_eq!(late.grid_project.unwrap().done_before_need(), Some(false));

    let mut bad = SideFlows::default();
    let err = bad
        .apply(
            SideFlowAction::SignGridContract {
                need_date: Some(date("2026-03-01")),
            },
            at("2026-03-02T09:00:00"),
        )
        .unwrap_err();
    assert!(
        matches!(
            err,
            SideFlowError::Invalid {
                field: "need_date",
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(
        bad,
        SideFlows::default(),
        "a refused action changes nothing"
    );
}

fn filing_form() -> FilingForm {
    FilingForm {
        builder: "济宁市某某电力工程有限公司".into(),
        project: "惠民商贸低压接入工程".into(),
        location: "任城区某某路".into(),
        line_length_m: 120.0,
        planned_start: date("2026-03-05"),
    }
}

#[test]
fn filed_work_may_start_only_once_the_filing_is_posted_at_the_site() {
    let mut f = SideFlows::default();
    f.apply(
        SideFlowAction::FileCommitment {
            form: filing_form(),
        },
        at("2026-03-02T10:00:00"),
    )
    .unwrap();
    let (action, legal) = illegal(
        f.apply(SideFlowAction::StartFiledWork, at("2026-03-02T11:00:00"))
            .unwrap_err(),
    );
    assert_eq!(
        (action.as_str(), legal),
        ("start_work", vec!["push_to_bureau".to_string()])
    );
    f.apply(
        SideFlowAction::PushFilingToBureau,
        at("2026-03-02T11:00:00"),
    )
    .unwrap();
    let (_, legal) = illegal(
        f.apply(SideFlowAction::StartFiledWork, at("2026-03-02T12:00:00"))
            .unwrap_err(),
    );
    assert_eq!(legal, ["post_at_site"]);
    f.apply(SideFlowAction::PostFilingAtSite, at("2026-03-03T09:00:00"))
        .unwrap();
    f.apply(SideFlowAction::StartFiledWork, at("2026-03-03T10:00:00"))
        .unwrap();
    let filing = f.filing.as_ref().unwrap();
    assert_eq!(filing.status, FilingStatus::WorkStarted);
    assert_eq!(filing.posted_at_site, Some(at("2026-03-03T09:00:00")));

    let mut empty = SideFlows::default();
    let form = FilingForm {
        builder: " ".into(),
        ..filing_form()
    };
    let err = empty
        .apply(
            SideFlowAction::FileCommitment { form },
            at("2026-03-02T10:00:00"),
        )
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "filing/file: builder is empty; enter the builder (建设单位)"
    );
    let form = FilingForm {
        line_length_m: f64::NAN,
        ..filing_form()
    };
    let err = empty
        .apply(
            SideFlowAction::FileCommitment { form },
            at("2026-03-02T10:00:00"),
        )
        .unwrap_err();
    assert!(matches!(
        err,
        SideFlowError::Invalid {
            field: "line_length_m",
            ..
        }
    ));
}

#[test]
fn cloud_acceptance_collects_evidence_then_is_pre_accepted_or_sent_back() {
    let photo = |name: &str| Evidence {
        kind: EvidenceKind::Photo,
        name: name.into(),
        sha256: "ab".repeat(32),
    };
    let mut f = SideFlows::default();
    let (_, legal) = illegal(
        f.apply(SideFlowAction::SubmitEvidence, at("2026-03-02T10:00:00"))
            .unwrap_err(),
    );
    assert_eq!(legal, ["add_evidence"]);
    let bad = Evidence {
        sha256: "xyz".into(),
        ..photo("配电室.jpg")
    };
    let err = f
        .apply(
            SideFlowAction::AddEvidence { evidence: bad },
            at("2026-03-02T10:00:00"),
        )
        .unwrap_err();
    assert!(err.to_string().contains("64 hexadecimal"), "{err}");
    assert!(f.cloud_acceptance.is_none());
    f.apply(
        SideFlowAction::AddEvidence {
            evidence: photo("配电室.jpg"),
        },
        at("2026-03-02T10:00:00"),
    )
    .unwrap();
    f.apply(SideFlowAction::SubmitEvidence, at("2026-03-02T10:05:00"))
        .unwrap();
    let (_, legal) = illegal(
        f.apply(
            SideFlowAction::AddEvidence {
                evidence: photo("x.jpg"),
            },
            at("2026-03-02T10:06:00"),
        )
        .unwrap_err(),
    );
    assert_eq!(legal, ["pre_accept", "reject"]);
    let err = f
        .apply(
            SideFlowAction::RejectEvidence { remark: "".into() },
            at("2026-03-02T11:00:00"),
        )
        .unwrap_err();
    assert!(matches!(
        err,
        SideFlowError::Invalid {
            field: "remark",
            ..
        }
    ));
    f.apply(
        SideFlowAction::RejectEvidence {
            remark: "缺少接地照片".into(),
        },
        at("2026-03-02T11:00:00"),
    )
    .unwrap();
    f.apply(
        SideFlowAction::AddEvidence {
            evidence: photo("接地.jpg"),
        },
        at("2026-03-02T12:00:00"),
    )
    .unwrap();
    f.apply(SideFlowAction::SubmitEvidence, at("2026-03-02T12:01:00"))
        .unwrap();
    f.apply(
        SideFlowAction::PreAccept { remark: None },
        at("2026-03-02T14:00:00"),
    )
    .unwrap();
    let c = f.cloud_acceptance.as_ref().unwrap();
    assert_eq!((c.status, c.evidence.len()), (CloudStatus::PreAccepted, 2));
}

#[test]
fn joint_application_tracks_each_service() {
    let mut f = SideFlows::default();
    let err = f.apply(
        SideFlowAction::ApplyJoint {
            services: vec![JointService::Water],
        },
        at("2026-03-02T10:00:00"),
    );
    assert!(err
        .unwrap_err()
        .to_string()
        .contains("must include electricity"));
    f.apply(
        SideFlowAction::ApplyJoint {
            services: vec![
                JointService::Gas,
                JointService::Electricity,
                JointService::Water,
            ],
        },
        at("2026-03-02T10:00:00"),
    )
    .unwrap();
    let (action, legal) = illegal(
        f.apply(
            SideFlowAction::AcceptJoint {
                service: JointService::Gas,
            },
            at("2026-03-03T10:00:00"),
        )
        .unwrap_err(),
    );
    assert_eq!(action, "accept gas");
    assert_eq!(
        legal,
        ["approve water", "approve electricity", "approve gas"]
    );
    let (_, legal) = illegal(
        f.apply(
            SideFlowAction::ApproveJoint {
                service: JointService::Telecom,
            },
            at("2026-03-03T10:00:00"),
        )
        .unwrap_err(),
    );
    assert_eq!(legal.len(), 3);
    f.apply(
        SideFlowAction::ApproveJoint {
            service: JointService::Gas,
        },
        at("2026-03-03T10:00:00"),
    )
    .unwrap();
    f.apply(
        SideFlowAction::AcceptJoint {
            service: JointService::Gas,
        },
        at("2026-03-04T10:00:00"),
    )
    .unwrap();
    let j = f.joint.as_ref().unwrap();
    assert_eq!(j.status(JointService::Gas), Some(JointStatus::Accepted));
    assert_eq!(j.status(JointService::Water), Some(JointStatus::Applied));
    assert_eq!(j.status(JointService::Heating), None);
}

#[test]
fn appointments_book_a_one_plus_n_team_then_finish_or_cancel() {
    let slot = Slot {
        date: date("2026-03-04"),
        from: NaiveTime::from_hms_opt(9, 0, 0).unwrap(),
        to: NaiveTime::from_hms_opt(11, 0, 0).unwrap(),
    };
    let team = Team {
        manager: "王经理".into(),
        specialists: vec!["计量 李工".into(), "线路 张工".into()],
    };
    let mut f = SideFlows::default();
    let (_, legal) = illegal(
        f.apply(SideFlowAction::CompleteVisit, at("2026-03-02T10:00:00"))
            .unwrap_err(),
    );
    assert_eq!(legal, ["book"]);
    let backwards = Slot {
        from: slot.to,
        to: slot.from,
        ..slot
    };
    let err = f.apply(
        SideFlowAction::BookVisit {
            slot: backwards,
            team: team.clone(),
        },
        at("2026-03-02T10:00:00"),
    );
    assert!(err
        .unwrap_err()
        .to_string()
        .contains("must end after it starts"));
    let no_manager = Team {
        manager: "".into(),
        ..team.clone()
    };
    let err = f
        .apply(
            SideFlowAction::BookVisit {
                slot,
                team: no_manager,
            },
            at("2026-03-02T10:00:00"),
        )
        .unwrap_err();
    assert!(matches!(
        err,
        SideFlowError::Invalid {
            field: "team.manager",
            ..
        }
    ));
    f.apply(
        SideFlowAction::BookVisit {
            slot,
            team: team.clone(),
        },
        at("2026-03-02T10:00:00"),
    )
    .unwrap();
    assert_eq!(f.appointment.as_ref().unwrap().team.specialists.len(), 2);
    let (_, legal) = illegal(
        f.apply(
            SideFlowAction::BookVisit {
                slot,
                team: team.clone(),
            },
            at("2026-03-02T10:00:00"),
        )
        .unwrap_err(),
    );
    assert_eq!(legal, ["done", "cancel"]);
    f.apply(
        SideFlowAction::CancelVisit {
            reason: "客户改期".into(),
        },
        at("2026-03-03T10:00:00"),
    )
    .unwrap();
    assert_eq!(
        f.appointment.as_ref().unwrap().status,
        AppointmentStatus::Cancelled
    );
    f.apply(
        SideFlowAction::BookVisit { slot, team },
        at("2026-03-03T11:00:00"),
    )
    .unwrap();
    f.apply(SideFlowAction::CompleteVisit, at("2026-03-04T10:30:00"))
        .unwrap();
    assert_eq!(
        f.appointment.as_ref().unwrap().status,
        AppointmentStatus::Done
    );
}

#[test]
fn transfer_follows_the_property() {
    let mut f = SideFlows::default();
    let request = |id: &str| SideFlowAction::RequestTransfer {
        new_owner: "李四".into(),
        new_owner_id: id.into(),
        property_certificate: "鲁(2026)济宁市不动产权第0001234号".into(),
    };
    let err = f
        .apply(request("123"), at("2026-03-02T10:00:00"))
        .unwrap_err();
    assert!(
        matches!(
            err,
            SideFlowError::Invalid {
                field: "new_owner_id",
                ..
            }
        ),
        "{err}"
    );
    f.apply(
        request(&id_card_with_check("37081119800101123")),
        at("2026-03-02T10:00:00"),
    )
    .unwrap();
    let (_, legal) = illegal(
        f.apply(SideFlowAction::CompleteTransfer, at("2026-03-02T11:00:00"))
            .unwrap_err(),
    );
    assert_eq!(legal, ["register_property"]);
    f.apply(SideFlowAction::RegisterProperty, at("2026-03-03T10:00:00"))
        .unwrap();
    f.apply(SideFlowAction::CompleteTransfer, at("2026-03-03T11:00:00"))
        .unwrap();
    assert_eq!(
        f.transfer.as_ref().unwrap().status,
        TransferStatus::Completed
    );
}

#[test]
fn actions_name_their_flow_and_side_flows_round_trip_through_json() {
    assert_eq!(SideFlowAction::PostFilingAtSite.flow_id(), "filing");
    assert_eq!(SideFlowAction::PostFilingAtSite.action_id(), "post_at_site");
    assert_eq!(SideFlowAction::CompleteTransfer.flow_id(), "transfer");
    let action: SideFlowAction =
        serde_json::from_str(r#"{"action":"sign_grid_contract","need_date":"2026-04-01"}"#)
            .unwrap();
    assert_eq!(
        action,
        SideFlowAction::SignGridContract {
            need_date: Some(date("2026-04-01"))
        }
    );
    let mut f = SideFlows::default();
    assert_eq!(serde_json::to_string(&f).unwrap(), "{}");
    f.apply(action, at("2026-03-02T10:00:00")).unwrap();
    f.apply(
        SideFlowAction::FileCommitment {
            form: filing_form(),
        },
        at("2026-03-02T10:00:00"),
    )
    .unwrap();
    let text = serde_json::to_string(&f).unwrap();
    assert_eq!(serde_json::from_str::<SideFlows>(&text).unwrap(), f);
}

#[test]
fn the_energizing_record_is_taken_once() {
    let mut f = SideFlows::default();
    let action = SideFlowAction::RecordEnergizing { live_line: true };
    assert_eq!(
        (action.flow_id(), action.action_id()),
        ("energizing", "record")
    );
    f.apply(action.clone(), at("2026-03-02T16:00:00")).unwrap();
    assert!(f.energizing.as_ref().unwrap().live_line);
    let (_, legal) = illegal(f.apply(action, at("2026-03-02T17:00:00")).unwrap_err());
    assert!(legal.is_empty());
}

#[test]
fn energizing_would_leave_open_an_unfinished_grid_project_and_transfer_and_not_a_finished_one() {
    let mut f = SideFlows::default();
    assert!(open_at_energizing(&f).is_empty());
    f.apply(
        SideFlowAction::SignGridContract {
            need_date: Some(date("2026-03-20")),
        },
        at("2026-03-02T09:00:00"),
    )
    .unwrap();
    f.apply(
        SideFlowAction::RequestTransfer {
            new_owner: "张伟".into(),
            new_owner_id: id_card_with_check("37081119800101123"),
            property_certificate: "鲁(2026)济宁市不动产权第0001234号".into(),
        },
        at("2026-03-02T10:00:00"),
    )
    .unwrap();
    let open: Vec<String> = open_at_energizing(&f)
        .into_iter()
        .map(|(_, en)| en)
        .collect();
    assert_eq!(
        open,
        [
            "the grid project is not finished (needed by 2026-03-20)",
            "the transfer is not completed"
        ]
    );
    f.apply(SideFlowAction::StartGridWorks, at("2026-03-03T09:00:00"))
        .unwrap();
    f.apply(SideFlowAction::CompleteGridWorks, at("2026-03-18T16:00:00"))
        .unwrap();
    assert_eq!(open_at_energizing(&f).len(), 1);
}
