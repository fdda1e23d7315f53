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

// ---- 服务记录: the Jining measures beyond the workflow, as records with events -------------------

mod service_records {
    use std::path::Path;
    use std::sync::Arc;

    use chrono::{DateTime, NaiveDate};
    use powerdesk::domain::office::disclosure::CountyCapacity;
    use powerdesk::domain::office::efficiency::{Advice, EfficiencyService};
    use powerdesk::domain::office::firms::{ChosenBy, Firm, FirmRole};
    use powerdesk::domain::office::record::RecordKind;
    use powerdesk::domain::office::safety::{HazardClass, HazardStep};
    use powerdesk::domain::office::teams::{Specialist, Specialty};
    use powerdesk::service::records::CampaignOpening;
    use powerdesk::service::{Desk, DeskError, FixedClock};

    use super::store_support::{desk, shop_json};

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    /// A desk on `dir` with the Jining bundle, its clock pinned to 2026-12-01 10:00.
    fn jining_desk(dir: &Path) -> Desk {
        use powerdesk::policy::bundle::Bundle;
        use powerdesk::policy::host::{PolicyHost, SandboxLimits};
        let host = PolicyHost::without_cache(SandboxLimits::default());
        let jining = Arc::new(Bundle::load(&host, Path::new("policies/jining")).unwrap());
        let now = DateTime::parse_from_rfc3339("2026-12-01T10:00:00+08:00").unwrap();
        desk(dir)
            .with_decider(jining)
            .with_clock(Arc::new(FixedClock(now)))
    }

    /// The shop of docs/contracts.md (small/micro, 150 kW at 380 V: 三零) …
    fn shop(desk: &Desk) -> String {
        desk.submit_json(&shop_json(), "王静").unwrap().id.0
    }

    /// … and a three-star enterprise at 10 kV (free efficiency services, a 1+N team).
    fn enterprise(desk: &Desk) -> String {
        let json = shop_json()
            .replace("\"small_micro\"", "\"enterprise\"")
            .replace("\"star_rating\": 0", "\"star_rating\": 3")
            .replace("\"380V\"", "\"10kV\"")
            .replace(
                "\"capacity_kw\": 150, \"capacity_kva\": null",
                "\"capacity_kw\": null, \"capacity_kva\": 800",
            )
            .replace("\"direct_meter\": true", "\"direct_meter\": false");
        desk.submit_json(&json, "王静").unwrap().id.0
    }

    fn field(err: &DeskError) -> &'static str {
        match err {
            DeskError::Record(e) => e.field,
            other => panic!("not a record error: {other}"),
        }
    }

    fn firm(id: &str, roles: Vec<FirmRole>) -> Firm {
        Firm {
            id: id.into(),
            name: format!("{id} 电力工程有限公司"),
            roles,
            qualification: "承装（修、试）三级".into(),
            contact: "0537-2345678".into(),
            delisted: false,
        }
    }

    #[test]
    fn a_customer_chooses_from_the_public_list_and_the_office_never_designates() {
        // 三指定: "不指定设计、施工、设备材料供应单位，保障客户自主选择权" and "公开公示全量施工企业名录及查询方式，
        // 方便客户根据自身需求自主选择" — the list is public, the choice the customer's.
        let dir = tempfile::tempdir().unwrap();
        let desk = jining_desk(dir.path());
        let app = shop(&desk);
        desk.firm_list(firm("F01", vec![FirmRole::Construction]), "李娜")
            .unwrap();
        desk.firm_list(firm("F02", vec![FirmRole::Design]), "李娜")
            .unwrap();

        let chosen = desk
            .firm_choose(
                &app,
                FirmRole::Construction,
                "F01",
                ChosenBy::Customer,
                "客户自行比选",
                "王静",
            )
            .unwrap();
        assert_eq!(chosen.id, format!("{app}/construction"));

        let err = desk
            .firm_choose(
                &app,
                FirmRole::Construction,
                "F01",
                ChosenBy::Customer,
                "由供电所指定施工单位",
                "王静",
            )
            .unwrap_err();
        assert_eq!(field(&err), "choice.chosen_by");
        assert!(err.to_string().contains("三指定"), "{err}");
        let err = desk
            .firm_choose(
                &app,
                FirmRole::Construction,
                "F02",
                ChosenBy::Customer,
                "",
                "王静",
            )
            .unwrap_err();
        assert_eq!(field(&err), "choice.role");
        let err = desk
            .firm_choose(
                &app,
                FirmRole::Design,
                "F99",
                ChosenBy::Customer,
                "",
                "王静",
            )
            .unwrap_err();
        assert_eq!(field(&err), "choice.firm_id");

        desk.firm_delist("F01", "李娜").unwrap();
        let err = desk
            .firm_choose(
                &app,
                FirmRole::Construction,
                "F01",
                ChosenBy::Customer,
                "",
                "王静",
            )
            .unwrap_err();
        assert_eq!(field(&err), "choice.firm_id");
        // The refused choices wrote nothing; the delisting kept the firm, marked.
        let services = desk
            .app_services(&powerdesk::domain::AppId(app.clone()))
            .unwrap();
        assert_eq!(services.firm_choices.len(), 1);
        let firms = desk.firms().unwrap();
        assert_eq!(firms.len(), 2);
        assert!(firms[0].body.delisted);
        let actions: Vec<&str> = firms[0].history.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(actions, ["listed", "delisted"]);
        assert!(desk.verify_audit().unwrap().first_broken.is_none());
    }

    #[test]
    fn a_safety_campaign_closes_only_with_every_customer_visited_and_every_hazard_rectified() {
        // 全覆盖、零遗漏、高标准、重整改; 服务、通知、报告、督导“四到位”.
        let dir = tempfile::tempdir().unwrap();
        let desk = jining_desk(dir.path());
        let campaign = desk
            .campaign_open(
                CampaignOpening {
                    name: "2026年冬季用电安全大排查".into(),
                    county: Some("任城区".into()),
                    starts_on: d("2026-11-02"),
                    ends_on: d("2026-12-31"),
                    major_rectify_working_days: 5,
                    general_rectify_working_days: 20,
                    customers: Some(vec!["3701001".into(), "3701002".into()]),
                },
                "李娜",
            )
            .unwrap();
        assert_eq!(campaign.id, "SC-2026-01");

        desk.campaign_visit("SC-2026-01", "3701001", d("2026-11-20"), "", "张伟")
            .unwrap();
        let err = desk
            .campaign_visit("SC-2026-01", "3701001", d("2026-11-21"), "", "张伟")
            .unwrap_err();
        assert_eq!(field(&err), "visit.customer");
        let err = desk
            .campaign_visit("SC-2026-01", "9999999", d("2026-11-21"), "", "张伟")
            .unwrap_err();
        assert_eq!(field(&err), "visit.customer");
        let err = desk.campaign_close("SC-2026-01", "李娜").unwrap_err();
        assert!(err.to_string().contains("零遗漏"), "{err}");

        let hazard = desk
            .hazard_open(
                "SC-2026-01",
                "3701001",
                HazardClass::Major,
                "配电箱无漏电保护",
                d("2026-11-20"),
                "张伟",
            )
            .unwrap();
        assert_eq!(hazard.id, "YH-2026-0001");
        // 5 working days from Friday 2026-11-20: the 27th.
        assert_eq!(hazard.body.deadline, d("2026-11-27"));
        desk.campaign_visit("SC-2026-01", "3701002", d("2026-11-23"), "", "张伟")
            .unwrap();
        let views = desk.campaigns().unwrap();
        assert_eq!((views[0].visited, views[0].customers), (2, 2));
        // Today (2026-12-01) is past the deadline: overdue.
        assert_eq!((views[0].hazards_open, views[0].hazards_overdue), (1, 1));
        let err = desk.campaign_close("SC-2026-01", "李娜").unwrap_err();
        assert!(err.to_string().contains("重整改"), "{err}");

        let err = desk
            .hazard_step("YH-2026-0001", HazardStep::Notice, d("2026-11-21"), "张伟")
            .unwrap_err();
        assert_eq!(field(&err), "step");
        for step in HazardStep::ALL {
            desk.hazard_step("YH-2026-0001", step, d("2026-11-24"), "张伟")
                .unwrap();
        }
        desk.hazard_rectify("YH-2026-0001", d("2026-11-26"), "张伟")
            .unwrap();
        let closed = desk.campaign_close("SC-2026-01", "李娜").unwrap();
        assert!(closed.body.closed);
        let metrics = desk.service_metrics().unwrap();
        assert_eq!(metrics.hazards_open, 0);
        assert_eq!(metrics.hazard_months[0].month, "2026-11");
        assert_eq!(
            (
                metrics.hazard_months[0].found,
                metrics.hazard_months[0].rectified
            ),
            (1, 1)
        );
        assert!(desk.verify_audit().unwrap().first_broken.is_none());
    }

    #[test]
    fn efficiency_teams_visits_and_fees_follow_the_decision_and_the_class() {
        let dir = tempfile::tempdir().unwrap();
        let desk = jining_desk(dir.path());
        let shop = shop(&desk);
        let big = enterprise(&desk);

        // 供电+能效: 免费为三星级及以上企业开展节能咨询、综合能效分析、预防性试验、需求响应代理等增值服务.
        let err = desk
            .efficiency_plan(
                &shop,
                "赵强",
                90,
                vec![EfficiencyService::EfficiencyAnalysis],
                d("2026-12-01"),
                "李娜",
            )
            .unwrap_err();
        assert_eq!(field(&err), "app_id");
        desk.efficiency_plan(
            &big,
            "赵强",
            90,
            vec![EfficiencyService::EfficiencyAnalysis],
            d("2026-12-01"),
            "李娜",
        )
        .unwrap();
        let err = desk
            .efficiency_deliver(
                &big,
                EfficiencyService::PreventiveTest,
                d("2026-12-01"),
                vec![],
                "",
                "赵强",
            )
            .unwrap_err();
        assert_eq!(field(&err), "delivery.service");
        let served = desk
            .efficiency_deliver(
                &big,
                EfficiencyService::EfficiencyAnalysis,
                d("2026-12-01"),
                vec![Advice::PeakValley],
                "建议错峰生产",
                "赵强",
            )
            .unwrap();
        assert_eq!(served.body.next_due, d("2027-03-01"));

        // 1+N for large and medium enterprises, an appointment visit for small and micro.
        let err = desk
            .team_form(&big, "王磊", vec![], d("2026-12-01"), "李娜")
            .unwrap_err();
        assert_eq!(field(&err), "team.specialists");
        let team = vec![Specialist {
            name: "陈刚".into(),
            specialty: Specialty::Operations,
        }];
        let err = desk
            .team_form(&shop, "王磊", team.clone(), d("2026-12-01"), "李娜")
            .unwrap_err();
        assert_eq!(field(&err), "team");
        desk.team_form(&big, "王磊", team, d("2026-12-01"), "李娜")
            .unwrap();
        desk.visit_book(&shop, "王静", d("2026-12-03"), "上午", "王静")
            .unwrap();
        desk.visit_done(&shop, "王静").unwrap();

        // "全面清理国家和公司文件明确要求取消的收费项目…将违规收费作为供电服务“红线”行为": an abolished
        // item is refused with its document; nothing is charged for a 三零 customer's connection.
        let err = desk
            .fee_charge(&big, "移表费", 200.0, false, "", "王静")
            .unwrap_err();
        assert_eq!(field(&err), "fee.item");
        assert!(err.to_string().contains("国办函〔2020〕129号"), "{err}");
        let err = desk
            .fee_charge(&shop, "接电费", 500.0, true, "", "王静")
            .unwrap_err();
        assert_eq!(field(&err), "fee.for_connection");
        let err = desk
            .fee_charge(&big, "电费", f64::NAN, false, "", "王静")
            .unwrap_err();
        assert_eq!(field(&err), "fee.amount_yuan");
        desk.fee_charge(
            &big,
            "高压计量装置校验费",
            300.0,
            false,
            "鲁发改价格〔2019〕号",
            "王静",
        )
        .unwrap();

        let services = desk
            .app_services(&powerdesk::domain::AppId(big.clone()))
            .unwrap();
        assert!(services.team.is_some() && services.efficiency.is_some());
        assert_eq!(services.fees.len(), 1);
        let m = desk.service_metrics().unwrap();
        let eff: Vec<(usize, usize, usize)> = m
            .efficiency
            .iter()
            .map(|e| (e.eligible, e.planned, e.delivered))
            .collect();
        assert_eq!(eff, [(1, 1, 1)]);
        assert_eq!((m.fees_recorded, m.fee_breaches.len()), (1, 0));
        assert!(desk.verify_audit().unwrap().first_broken.is_none());
    }

    #[test]
    fn the_disclosure_is_republished_only_when_what_it_discloses_changed_and_every_version_is_kept()
    {
        // 信息主动公开: "全面公开…服务流程、办理环节及时限、申请资料、收费项目与标准、配电网接入能力及容量受限情况".
        let dir = tempfile::tempdir().unwrap();
        let desk = jining_desk(dir.path());
        assert!(desk.disclosure_status().unwrap().due);
        let v1 = desk.disclosure_publish("李娜", false).unwrap();
        assert_eq!(v1.body.version, 1);
        assert!(v1.body.digest.starts_with("sha256:"));
        assert!(!desk.disclosure_status().unwrap().due);
        let err = desk.disclosure_publish("李娜", false).unwrap_err();
        assert_eq!(field(&err), "disclosure");
        assert!(desk.disclosure_refresh("李娜").unwrap().is_none());

        // 配电网接入能力及容量受限情况: office data, dated; changing it makes a new notice due.
        desk.capacity_set(
            CountyCapacity {
                county: "任城区".into(),
                available_mva: 42.5,
                constrained_areas: vec!["古槐街道老城区".into()],
                as_of: d("2026-11-30"),
            },
            "李娜",
        )
        .unwrap();
        // 收费项目及标准: office data too; an abolished item cannot be a standard.
        let err = desk
            .fee_standard_set(
                powerdesk::domain::office::disclosure::FeeStandard {
                    item: "配电贴费".into(),
                    standard: "100 元".into(),
                },
                "李娜",
            )
            .unwrap_err();
        assert_eq!(field(&err), "standard.item");
        desk.fee_standard_set(
            powerdesk::domain::office::disclosure::FeeStandard {
                item: "高压计量装置校验费".into(),
                standard: "300 元/次，校验合格时收取".into(),
            },
            "李娜",
        )
        .unwrap();
        assert!(desk.disclosure_status().unwrap().due);
        let v2 = desk.disclosure_refresh("李娜").unwrap().unwrap();
        assert_eq!(v2.body.version, 2);
        assert!(v2.body.notice.text().contains("古槐街道老城区"));
        assert!(v2.body.notice.text().contains("300 元/次，校验合格时收取"));
        let all = desk.disclosures().unwrap();
        assert_eq!(all.len(), 2);
        assert_ne!(all[0].body.digest, all[1].body.digest);
        let report = desk.verify_audit().unwrap();
        assert!(report.first_broken.is_none());
        assert!(report.records_checked >= 3, "{report:?}");

        // A backup carries every version; the restored store verifies and lists them.
        let mut backup = Vec::new();
        desk.backup(&mut backup).unwrap();
        let into = tempfile::tempdir().unwrap();
        let store = powerdesk::store::SledStore::open(into.path()).unwrap();
        store.restore(&mut backup.as_slice()).unwrap();
        drop(store);
        let restored = jining_desk(into.path());
        assert!(restored.verify_audit().unwrap().first_broken.is_none());
        let versions: Vec<String> = restored
            .disclosures()
            .unwrap()
            .into_iter()
            .map(|v| v.body.digest)
            .collect();
        assert_eq!(versions, [v1.body.digest, v2.body.digest]);
    }

    #[test]
    fn audit_verify_names_a_service_record_changed_added_or_removed_outside_powerdesk() {
        let dir = tempfile::tempdir().unwrap();
        {
            let desk = jining_desk(dir.path());
            desk.firm_list(firm("F01", vec![FirmRole::Construction]), "李娜")
                .unwrap();
            desk.firm_list(firm("F02", vec![FirmRole::Design]), "李娜")
                .unwrap();
        }
        let key = RecordKind::Firm.key("F01").unwrap();
        let edit = |f: &dyn Fn(&sled::Tree)| {
            let db = super::store_support::open_sled(&dir.path().join("db"));
            f(&db.open_tree("settings").unwrap());
            db.flush().unwrap();
        };
        let verdict = || {
            let desk = jining_desk(dir.path());
            desk.verify_audit()
                .unwrap()
                .first_broken
                .map(|(_, what)| what)
        };
        assert_eq!(verdict(), None);

        let original = {
            let db = super::store_support::open_sled(&dir.path().join("db"));
            db.open_tree("settings")
                .unwrap()
                .get(&key)
                .unwrap()
                .unwrap()
        };
        let changed = String::from_utf8(original.to_vec())
            .unwrap()
            .replace("F01 电力", "F09 电力");
        edit(&|t| {
            t.insert(key.as_bytes(), changed.as_bytes()).unwrap();
        });
        let what = verdict().unwrap();
        assert!(
            what.contains("service/firm/F01") && what.contains("changed outside"),
            "{what}"
        );

        edit(&|t| {
            t.remove(key.as_bytes()).unwrap();
        });
        let what = verdict().unwrap();
        assert!(
            what.contains("service/firm/F01") && what.contains("removed"),
            "{what}"
        );

        edit(&|t| {
            t.insert(key.as_bytes(), original.clone()).unwrap();
            t.insert(b"service/firm/F03", b"{}".as_slice()).unwrap();
        });
        let what = verdict().unwrap();
        assert!(
            what.contains("service/firm/F03") && what.contains("added outside"),
            "{what}"
        );
    }
}

#[test]
fn a_mistyped_form_is_amended_under_an_event_with_the_decision_taken_again() {
    // Issue 14 §4: corrections as events, never edits; the decision re-taken, shown side by side.
    use powerdesk::domain::validation::parse_form;
    let dir = tempfile::tempdir().unwrap();
    let desk = {
        use powerdesk::policy::bundle::Bundle;
        use powerdesk::policy::host::{PolicyHost, SandboxLimits};
        let host = PolicyHost::without_cache(SandboxLimits::default());
        let jining = std::sync::Arc::new(
            Bundle::load(&host, std::path::Path::new("policies/jining")).unwrap(),
        );
        let now = DateTime::parse_from_rfc3339("2026-03-03T10:00:00+08:00").unwrap();
        desk(dir.path())
            .with_decider(jining)
            .with_clock(std::sync::Arc::new(powerdesk::service::FixedClock(now)))
    };
    let app = desk.submit_json(&shop_json(), "王静").unwrap();

    let typo = shop_json().replace("惠民商贸", "惠民商贸（更正）");
    let amended = desk
        .amend(
            &app.id,
            parse_form(&typo).unwrap(),
            "客户名称录入有误",
            "王静",
        )
        .unwrap();
    assert_eq!(amended.fields, ["customer.name"]);
    assert_eq!(amended.before, amended.after, "the name decides nothing");
    let shown = desk.show(&app.id).unwrap();
    assert!(shown.application.form.customer.name.contains("（更正）"));
    assert!(matches!(
        &shown.events.last().unwrap().draft.kind,
        EventKind::Amended { reason, fields } if reason == "客户名称录入有误" && fields == &["customer.name"]
    ));

    // Nothing changed, a new time of receipt, no reason: refused, nothing written.
    let err = desk
        .amend(&app.id, parse_form(&typo).unwrap(), "再次更正", "王静")
        .unwrap_err();
    assert!(err.to_string().starts_with("form:"), "{err}");
    let later = typo.replace("2026-03-02T09:00:00", "2026-03-02T11:00:00");
    let err = desk
        .amend(&app.id, parse_form(&later).unwrap(), "时间", "王静")
        .unwrap_err();
    assert!(err.to_string().starts_with("received_at:"), "{err}");
    let err = desk
        .amend(&app.id, parse_form(&typo).unwrap(), " ", "王静")
        .unwrap_err();
    assert!(matches!(err, DeskError::MissingReason), "{err}");

    // 800 kVA at 10 kV instead of 150 kW at 380 V: another decision, side by side.
    let hv = typo
        .replace(
            r#""voltage": "380V", "capacity_kw": 150, "capacity_kva": null"#,
            r#""voltage": "10kV", "capacity_kw": null, "capacity_kva": 800"#,
        )
        .replace(r#""direct_meter": true"#, r#""direct_meter": false"#);
    let amended = desk
        .amend(
            &app.id,
            parse_form(&hv).unwrap(),
            "电压等级录入有误",
            "王静",
        )
        .unwrap();
    assert!(
        amended.fields.contains(&"request.voltage".to_string()),
        "{:?}",
        amended.fields
    );
    assert_ne!(amended.before, amended.after);
    assert_ne!(amended.application.process, app.process);

    // Once a step is taken, a change of process class is refused.
    let next = desk.show(&app.id).unwrap().next_states[0];
    desk.advance(&app.id, next, None, None, "王静").unwrap();
    let err = desk
        .amend(&app.id, parse_form(&typo).unwrap(), "改回低压", "王静")
        .unwrap_err();
    assert!(
        err.to_string().contains("cancel it and accept it again"),
        "{err}"
    );
    assert!(desk.verify_audit().unwrap().first_broken.is_none());
}
