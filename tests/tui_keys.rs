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
