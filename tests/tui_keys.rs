//! Key sequences through the real update loop, worker and a real temporary sled store.

mod tui_support;

use powerdesk::domain::event::EventKind;
use powerdesk::domain::validation::id_card_with_check;
use powerdesk::domain::State;
use powerdesk::tui::app::{Overlay, Screen};
use powerdesk::tui::i18n::Lang;
use tui_support::Console;

/// Fill the new-application form for a resident at 380 V, 8 kW.
fn fill_resident_form(c: &mut Console) {
    c.press("n");
    c.type_text("济宁市任城区张伟");
    c.press("tab tab");
    c.type_text(&id_card_with_check("37081119800101123"));
    c.press("tab");
    c.type_text("13800000000");
    c.press("tab tab");
    c.type_text("任城区");
    c.press("tab");
    c.type_text("济宁市任城区共青团路 18 号");
    // address -> rural, park name, park level, library, kind, voltage, capacity_kw
    c.press("tab tab tab tab tab tab tab");
    c.type_text("8");
    c.press("tab tab tab space");
}

#[test]
fn a_new_application_advanced_to_energized_is_listed_as_energized() {
    let mut c = Console::new(120, 40, Lang::Zh, 0);
    fill_resident_form(&mut c);
    assert!(
        c.app().form.errors.is_empty(),
        "form errors: {:?}",
        c.app().form.errors
    );
    c.press("ctrl-s");
    assert_eq!(c.app().screen, Screen::Detail, "{}", c.app().status);
    let id = c.app().detail.as_ref().unwrap().app.id.clone();
    assert_eq!(c.app().detail.as_ref().unwrap().app.status, State::Accepted);

    // Low voltage from accepted: line_built or energized; choose energized, then confirm.
    c.press("a");
    assert!(matches!(c.app().overlay, Some(Overlay::Choose { .. })));
    c.press("2");
    assert!(matches!(c.app().overlay, Some(Overlay::Confirm { .. })));
    c.press("y");
    assert_eq!(
        c.app().detail.as_ref().unwrap().app.status,
        State::Energized,
        "{}",
        c.app().status
    );

    c.press("esc");
    assert_eq!(c.app().screen, Screen::Applications);
    let row = c
        .app()
        .list
        .selected()
        .expect("the new application is listed");
    assert_eq!(row.app.id, id);
    assert_eq!(row.app.status, State::Energized);
    assert!(c.screen().contains("已送电"));

    // Every action wrote an event through the desk, by the console's operator.
    let dossier = c.desk.show(&id).unwrap();
    assert_eq!(
        dossier.events.len(),
        3,
        "the move and the energizing record"
    );
    assert!(matches!(
        dossier.events[1].draft.kind,
        EventKind::Advanced {
            from: State::Accepted,
            to: State::Energized
        }
    ));
    assert_eq!(dossier.events[1].draft.actor, "测试员");
}

#[test]
fn declining_a_confirmation_writes_nothing_and_cancel_needs_a_reason() {
    let mut c = Console::new(120, 40, Lang::Zh, 0);
    fill_resident_form(&mut c);
    c.press("ctrl-s");
    let id = c.app().detail.as_ref().unwrap().app.id.clone();
    c.press("a 1 n");
    assert_eq!(c.desk.show(&id).unwrap().events.len(), 1);

    c.press("X enter");
    assert!(c.app().status_is_error, "an empty reason is refused");
    c.type_text("客户放弃用电");
    c.press("enter y");
    let d = c.desk.show(&id).unwrap();
    assert_eq!(d.application.status, State::Cancelled);
    assert!(matches!(
        &d.events[1].draft.kind,
        EventKind::Cancelled { reason, .. } if reason == "客户放弃用电"
    ));
    // A cancelled application offers no further moves.
    c.press("a");
    assert!(c.app().overlay.is_none());
    assert!(c.app().status_is_error);
    // The message was about that application: it clears when the operator moves to another
    // screen (issue 14 §6, stale status messages).
    let said = c.app().status.clone();
    assert!(!said.is_empty());
    c.press("3");
    assert_eq!(c.app().screen, Screen::Dashboard);
    assert_eq!(c.app().status, "就绪", "{said:?} stayed");
    assert!(!c.app().status_is_error);
}

#[test]
fn the_cursor_sits_at_the_caret_after_chinese_text() {
    let mut c = Console::new(120, 40, Lang::Zh, 0);
    c.press("n");
    c.type_text("济宁");
    let (x0, y) = c.cursor();
    c.type_text("市");
    let (x1, y1) = c.cursor();
    assert_eq!(
        (x1 - x0, y1),
        (2, y),
        "a CJK character moves the caret two columns"
    );
    c.press("left left");
    assert_eq!(c.cursor().0, x1 - 4);
    c.press("backspace");
    assert_eq!(c.app().form.value("customer.name"), "宁市");
}

#[test]
fn fuzzy_search_and_filters_narrow_the_list() {
    // Enough applications for some received in the last days to be open and overdue.
    let n = 6_000;
    let mut c = Console::new(120, 40, Lang::Zh, n);
    assert_eq!(c.app().list.total, n as u64);
    let name = c.app().list.row(2).unwrap().app.form.customer.name.clone();
    c.press("/");
    c.type_text(&name);
    c.press("enter");
    assert!(c.app().list.total >= 1);
    assert!(c.app().list.total < n as u64);
    assert_eq!(c.app().list.row(0).unwrap().app.form.customer.name, name);
    c.press("esc");
    assert_eq!(c.app().list.total, n as u64);

    // Overdue only: every row is open and past its deadline, and the bar says they are listed
    // by deadline (the `t` sort is still by id).
    assert!(c.screen().contains("t 按编号"));
    c.press("!");
    let screen = c.screen();
    assert!(screen.contains("t 按期限"), "{screen}");
    let total = c.app().list.total;
    assert!(total > 0 && total < n as u64 / 20, "{total} overdue");
    for i in 0..total as usize {
        let r = c.app().list.row(i).unwrap();
        assert!(!r.app.status.is_terminal());
        assert!(r.remaining_wd.unwrap() < 0);
    }
    // Paging moves through the whole listing.
    c.press("x G");
    assert_eq!(c.app().list.cursor, n - 1);
    assert!(c.app().list.selected().is_some());
}

#[test]
fn palette_runs_a_command_and_q_quits() {
    let mut c = Console::new(120, 40, Lang::En, 10);
    c.press(":");
    c.type_text("dashboard");
    c.press("enter");
    assert_eq!(c.app().screen, Screen::Dashboard);
    assert!(c.app().metrics.is_some());
    let key = powerdesk::tui::keymap::Key::parse("q").unwrap();
    assert!(!c
        .session
        .dispatch(powerdesk::tui::Action::Key(key.to_event())));
}

#[test]
fn a_visit_is_booked_through_a_side_flow_prompt_and_recorded_as_an_event() {
    let mut c = Console::new(120, 40, Lang::Zh, 0);
    fill_resident_form(&mut c);
    c.press("ctrl-s");
    let id = c.app().detail.as_ref().unwrap().app.id.clone();
    c.press("p");
    assert!(matches!(c.app().overlay, Some(Overlay::Prompt { .. })));
    // The desk's clock is pinned to 2026-11-20 (tui_support::test_now): a visit ten days on.
    let visit = "2026-11-30";
    c.type_text(&format!("{visit} 9点 王经理"));
    c.press("enter");
    assert!(c.app().status_is_error, "a bad time window is named");
    assert!(matches!(c.app().overlay, Some(Overlay::Prompt { .. })));
    c.press("ctrl-u");
    c.type_text(&format!("{visit} 09:00-11:00 王经理 李工,赵工"));
    c.press("enter y");
    let d = c.desk.show(&id).unwrap();
    let booked = d.application.side_flows.appointment.expect("visit booked");
    assert_eq!(booked.team.manager, "王经理");
    assert!(matches!(
        &d.events.last().unwrap().draft.kind,
        EventKind::SideFlow { flow, action } if flow == "appointment" && action == "book"
    ));
    assert!(c.screen().contains("预约上门"));

    // Energizing live-line is recorded with the move.
    c.press("a 2 y");
    let d = c.desk.show(&id).unwrap();
    assert_eq!(d.application.status, State::Energized);
    assert!(d.application.side_flows.energizing.unwrap().live_line);
}

#[test]
fn the_detail_screen_prints_the_receipt_as_a_pdf() {
    // Issue 15: papers from the console, a key on the detail screen.
    let mut c = Console::new(120, 40, Lang::Zh, 0);
    fill_resident_form(&mut c);
    c.press("ctrl-s");
    let id = c.app().detail.as_ref().unwrap().app.id.clone();
    let events_before = c.desk.show(&id).unwrap().events.len();
    c.press("d");
    assert!(matches!(c.app().overlay, Some(Overlay::Choose { .. })));
    let screen = c.screen();
    assert!(
        screen.contains("受理回执") && screen.contains("一次性告知书"),
        "{screen}"
    );
    assert!(
        !screen.contains("供电方案答复单"),
        "no plan reply for low voltage:\n{screen}"
    );
    c.press("1");
    assert!(c.app().overlay.is_none(), "printing needs no confirmation");
    let pdf = c.app().papers_dir.join(format!("{}-receipt.pdf", id.0));
    let bytes = std::fs::read(&pdf).unwrap_or_else(|e| panic!("{}: {e}", pdf.display()));
    assert!(bytes.starts_with(b"%PDF-"), "a PDF");
    assert!(!c.app().status_is_error);
    assert!(
        c.screen().contains("受理回执"),
        "the status line names the paper"
    );
    assert_eq!(
        c.desk.show(&id).unwrap().events.len(),
        events_before,
        "printing writes nothing to the store"
    );
}

#[test]
fn the_services_screen_tracks_hazards_through_the_four_steps_and_publishes_the_disclosure() {
    // Issue 15: 四到位 (服务、通知、报告、督导) and 信息公开 from the console, figures on the dashboard.
    use powerdesk::domain::office::safety::HazardClass;
    use powerdesk::service::records::CampaignOpening;
    let mut c = Console::new(120, 40, Lang::Zh, 0);
    let d = |s: &str| s.parse::<chrono::NaiveDate>().unwrap();
    c.desk
        .campaign_open(
            CampaignOpening {
                name: "冬季用电安全大排查".into(),
                county: None,
                starts_on: d("2026-11-02"),
                ends_on: d("2026-12-31"),
                major_rectify_working_days: 5,
                general_rectify_working_days: 20,
                customers: Some(vec!["3701001".into(), "3701002".into()]),
            },
            "李娜",
        )
        .unwrap();
    c.desk
        .campaign_visit("SC-2026-01", "3701001", d("2026-11-09"), "", "张伟")
        .unwrap();
    c.desk
        .hazard_open(
            "SC-2026-01",
            "3701001",
            HazardClass::Major,
            "配电箱无漏电保护",
            d("2026-11-09"),
            "张伟",
        )
        .unwrap();

    c.press("6");
    let screen = c.screen();
    assert!(
        screen.contains("服务记录") && screen.contains("YH-2026-0001"),
        "{screen}"
    );
    assert!(
        screen.contains("走访 1/2"),
        "coverage of the campaign:\n{screen}"
    );
    assert!(
        screen.contains("逾期"),
        "5 working days from 11-09 are past on 11-20:\n{screen}"
    );
    assert!(screen.contains("下一步: 服务到位"), "{screen}");
    assert!(
        screen.contains("全市  走访 1/2 (50%)  未整改 1  逾期 1"),
        "per county:\n{screen}"
    );
    assert!(
        screen.contains("2026-11 发现1 整改0"),
        "per month:\n{screen}"
    );

    for expected in ["服务到位", "通知到位", "报告到位", "督导到位"] {
        c.press("s");
        assert!(!c.app().status_is_error, "{}", c.app().status);
        assert!(c.app().status.contains(expected), "{}", c.app().status);
    }
    c.press("s");
    assert!(
        c.app().status.contains("四到位已全部完成"),
        "{}",
        c.app().status
    );
    c.press("R");
    let hazard = &c.desk.hazards().unwrap()[0];
    assert_eq!(hazard.body.steps.len(), 4);
    assert_eq!(hazard.body.rectified_on, Some(d("2026-11-20")));
    assert!(c.screen().contains("整改完毕"));

    c.press("tab tab tab");
    assert!(c.screen().contains("尚未发布"));
    c.press("P");
    assert!(!c.app().status_is_error, "{}", c.app().status);
    assert_eq!(c.desk.disclosures().unwrap().len(), 1);
    assert!(c.screen().contains("已发布   1"), "{}", c.screen());
    c.press("P");
    assert!(c.app().status_is_error, "nothing changed: refused");
    assert!(
        c.app().status.contains("--force") || c.app().status.contains("无需重新发布"),
        "{}",
        c.app().status
    );
    assert_eq!(c.desk.disclosures().unwrap().len(), 1);

    c.press("3");
    let screen = c.screen();
    assert!(
        screen.contains("服务记录") && screen.contains("隐患 0 逾期 0"),
        "{screen}"
    );
    assert!(screen.contains("信息公开 第1版"), "{screen}");
    assert!(
        !screen.contains("名录企"),
        "nothing of the Services screen is left over:\n{screen}"
    );
    assert!(c.desk.verify_audit().unwrap().first_broken.is_none());
}

#[test]
fn service_records_are_entered_in_forms_that_keep_what_was_typed_when_refused() {
    // Issue 15: each record works from the console; a refusal names the field and keeps the form.
    use powerdesk::service::records::CampaignOpening;
    use powerdesk::tui::app::Overlay;
    let mut c = Console::new(120, 40, Lang::Zh, 0);
    let d = |s: &str| s.parse::<chrono::NaiveDate>().unwrap();
    c.desk
        .campaign_open(
            CampaignOpening {
                name: "冬季用电安全大排查".into(),
                county: None,
                starts_on: d("2026-11-02"),
                ends_on: d("2026-12-31"),
                major_rectify_working_days: 5,
                general_rectify_working_days: 20,
                customers: Some(vec!["3701001".into(), "3701002".into()]),
            },
            "李娜",
        )
        .unwrap();
    c.press("6");

    // A visit: the campaign is filled in, the date is today's.
    c.press("v");
    assert!(matches!(c.app().overlay, Some(Overlay::RecordForm(_))));
    let screen = c.screen();
    assert!(
        screen.contains("记录安全走访") && screen.contains("SC-2026-01"),
        "{screen}"
    );
    c.type_text("9999999");
    c.press("enter enter");
    // Refused by the desk: the form stays, with the field's error and what was typed.
    let screen = c.screen();
    assert!(screen.contains("不在专项行动"), "{screen}");
    assert!(screen.contains("9999999"), "{screen}");
    assert!(matches!(c.app().overlay, Some(Overlay::RecordForm(_))));
    // The focus is back on the field the refusal named.
    for _ in 0..7 {
        c.press("backspace");
    }
    c.type_text("3701002");
    c.press("ctrl-s");
    assert!(c.app().overlay.is_none(), "{}", c.app().status);
    assert!(c.screen().contains("走访 1/2"));

    // A hazard: the empty description is refused before anything is sent.
    c.press("a");
    c.type_text("3701002");
    c.press("enter enter enter enter");
    let screen = c.screen();
    assert!(screen.contains("隐患描述：不能为空"), "{screen}");
    c.type_text("接地电阻超标");
    c.press("ctrl-s");
    assert!(c.app().overlay.is_none(), "{}", c.app().status);
    let hazards = c.desk.hazards().unwrap();
    assert_eq!(hazards.len(), 1);
    assert_eq!(hazards[0].body.description, "接地电阻超标");
    assert_eq!(hazards[0].body.found_on, d("2026-11-20"));

    // Esc leaves a form with nothing written.
    c.press("o");
    c.type_text("春季排查");
    c.press("esc");
    assert!(c.app().overlay.is_none());
    assert_eq!(c.desk.campaigns().unwrap().len(), 1);

    // From an application's detail: a fee, the application filled in.
    fill_resident_form(&mut c);
    c.press("ctrl-s");
    let id = c.app().detail.as_ref().unwrap().app.id.clone();
    c.press("v");
    let screen = c.screen();
    assert!(
        screen.contains("记录收费") && screen.contains("记录客户自主选择的单位"),
        "{screen}"
    );
    assert!(
        !screen.contains("组建 1+N"),
        "a resident is offered no team:\n{screen}"
    );
    c.press("2");
    assert!(c.screen().contains(&id.0));
    c.type_text("电能表校验费");
    c.press("enter");
    c.type_text("120");
    c.press("ctrl-s");
    assert!(c.app().overlay.is_none(), "{}", c.app().status);
    let screen = c.screen();
    assert!(
        screen.contains("电能表校验费 120.00"),
        "the detail lists the fee:\n{screen}"
    );
    assert!(c.desk.verify_audit().unwrap().first_broken.is_none());
}

#[test]
fn the_dashboard_exports_the_report_of_the_year_by_county() {
    // Issue 14 §3: the report from the dashboard, a key.
    let mut c = Console::new(120, 40, Lang::Zh, 60);
    c.press("3");
    let screen = c.screen();
    assert!(
        screen.contains("中位 P90"),
        "durations as a table:\n{screen}"
    );
    assert!(
        screen.contains("件/月") && screen.contains("11月"),
        "months by name:\n{screen}"
    );
    c.press("x");
    assert!(!c.app().status_is_error, "{}", c.app().status);
    assert!(c.app().status.contains("报表已导出"), "{}", c.app().status);
    let file = c
        .app()
        .papers_dir
        .join("report-2026-01-01-2026-11-20-county.xlsx");
    let bytes = std::fs::read(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    assert!(bytes.starts_with(b"PK"), "an XLSX (zip) file");
}

#[test]
fn energizing_with_a_grid_project_still_open_says_so_before_asking() {
    // Issue 14 §4: warn before energizing while side flows are open.
    use powerdesk::domain::sideflow::SideFlowAction;
    let mut c = Console::new(120, 40, Lang::Zh, 0);
    fill_resident_form(&mut c);
    c.press("ctrl-s");
    let id = c.app().detail.as_ref().unwrap().app.id.clone();
    c.desk
        .side_flow(
            &id,
            SideFlowAction::SignGridContract {
                need_date: Some("2026-12-20".parse().unwrap()),
            },
            None,
            "王静",
        )
        .unwrap();
    c.press("ctrl-r a");
    // Only the energizing options carry it.
    match &c.app().overlay {
        Some(Overlay::Choose { options, .. }) => {
            assert!(!options[0].0.contains("注意"), "{}", options[0].0);
            assert!(options[1].0.contains("注意"), "{}", options[1].0);
        }
        other => panic!("{other:?}"),
    }
    c.press("2");
    let screen = c.screen();
    assert!(
        screen.contains("注意：配套电网工程尚未竣工（需求日期") && screen.contains("2026-12-20"),
        "the confirmation says it in full:\n{screen}"
    );
    // A warning, not a block: energizing still goes through.
    c.press("y");
    assert_eq!(
        c.app().detail.as_ref().unwrap().app.status,
        State::Energized,
        "{}",
        c.app().status
    );
}

/// `/` searches the store's search index as the operator types: pinyin initials, full pinyin
/// and a mix find 张伟, listed before 张伟明 (whose initials only start with `zw`) though
/// accepted after it.
#[test]
fn typing_pinyin_in_search_lists_zhang_wei_first() {
    let mut c = Console::new(120, 40, Lang::Zh, 60);
    let mut g = powerdesk::service::demo::DemoGenerator::new(5);
    for name in ["张伟明", "张伟"] {
        let mut form = g.form();
        form.customer.name = name.into();
        c.desk.submit(form, "测试员").unwrap();
    }
    for typed in ["zw", "zhangwei", "张w"] {
        c.press("/");
        c.type_text(typed);
        c.press("enter");
        let names: Vec<String> = (0..c.app().list.total.min(5) as usize)
            .map(|i| c.app().list.row(i).unwrap().app.form.customer.name.clone())
            .collect();
        assert_eq!(
            names.first().map(String::as_str),
            Some("张伟"),
            "{typed}: {names:?}"
        );
        assert!(names.iter().any(|n| n == "张伟明"), "{typed}: {names:?}");
        let screen = c.screen();
        let first_row = screen
            .lines()
            .find(|l| l.contains("张伟"))
            .unwrap_or_default();
        assert!(
            !first_row.contains("张伟明"),
            "{typed}: the first row is 张伟\n{screen}"
        );
        c.press("esc");
        assert_eq!(c.app().list.total, 62);
    }
}

/// Issue 14 §6: the two energizing choices (with and without an outage) read differently
/// however narrow the terminal: each says how before the id and states.
#[test]
fn the_two_energizing_choices_read_differently_when_narrow() {
    for (w, h) in [(120, 40), (60, 15), (40, 15)] {
        let mut c = Console::new(w, h, Lang::Zh, 0);
        fill_resident_form(&mut c);
        c.press("ctrl-s");
        assert_eq!(c.app().screen, Screen::Detail, "{w}: {}", c.app().status);
        c.press("a");
        assert!(matches!(c.app().overlay, Some(Overlay::Choose { .. })));
        let screen = c.screen();
        assert!(screen.contains(" 2 不停电接火"), "{w}:\n{screen}");
        assert!(screen.contains(" 3 停电接火"), "{w}:\n{screen}");
    }
}
