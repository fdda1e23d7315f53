//! Every screen of the console, drawn from a real store with Chinese data at 120x40 and 80x24.

mod tui_support;

use powerdesk::tui::i18n::Lang;
use tui_support::Console;

fn snap(name: &str, c: &mut Console) {
    let screen = c.screen();
    insta::assert_snapshot!(name, screen);
}

#[test]
fn applications_screen_lists_chinese_customers_with_remaining_working_days() {
    for (w, h) in [(120, 40), (80, 24)] {
        let mut c = Console::new(w, h, Lang::Zh, 60);
        assert_eq!(c.app().list.total, 60);
        snap(&format!("applications_{w}x{h}"), &mut c);
    }
}

#[test]
fn applications_screen_in_english_with_filters() {
    let mut c = Console::new(120, 40, Lang::En, 60);
    c.press("s t");
    snap("applications_filtered_en_120x40", &mut c);
}

#[test]
fn detail_screen_shows_the_parcel_tracking_timeline() {
    for (w, h) in [(120, 40), (80, 24)] {
        let mut c = Console::new(w, h, Lang::Zh, 60);
        c.press("j j enter");
        assert!(c.app().detail.is_some());
        snap(&format!("detail_{w}x{h}"), &mut c);
    }
}

#[test]
fn new_application_screen_checks_fields_as_you_type() {
    for (w, h) in [(120, 40), (80, 24)] {
        let mut c = Console::new(w, h, Lang::Zh, 0);
        c.press("n");
        c.type_text("济宁市任城区惠民商贸有限公司");
        snap(&format!("new_application_{w}x{h}"), &mut c);
    }
}

#[test]
fn dashboard_screen_shows_metrics() {
    for (w, h) in [(120, 40), (80, 24)] {
        let mut c = Console::new(w, h, Lang::Zh, 200);
        c.press("3");
        assert!(c.app().metrics.is_some());
        snap(&format!("dashboard_{w}x{h}"), &mut c);
    }
}

#[test]
fn policies_screen_says_when_no_bundle_is_found() {
    let empty = tempfile::tempdir().unwrap();
    let mut c = Console::with_policies(120, 40, Lang::Zh, 0, empty.path());
    c.press("4");
    snap("policies_empty_120x40", &mut c);
}

#[test]
fn help_overlay_and_palette_come_from_the_keymap() {
    let mut c = Console::new(120, 40, Lang::Zh, 10);
    c.press("?");
    snap("help_120x40", &mut c);
    c.press("esc :");
    c.type_text("筛选");
    snap("palette_120x40", &mut c);
}

/// A 35 kV request of 8000 kVA received at `received_at` (RFC 3339).
fn thirty_five_kv(received_at: &str) -> String {
    let code = powerdesk::domain::validation::credit_code_with_check("91370811MA3C5XXXX");
    format!(
        r#"{{
  "customer": {{ "name": "济宁市任城区惠民商贸有限公司", "class": "enterprise", "id_number": "{code}",
                "phone": "13800000000" }},
  "site": {{ "county": "任城区", "address": "济宁市任城区某某路 18 号" }},
  "request": {{ "kind": "new", "voltage": "35kV", "capacity_kva": 8000 }},
  "received_at": "{received_at}"
}}"#
    )
}

/// The screen drawn whole (TestBackend keeps what an earlier frame left in the cell after a wide
/// character; a real terminal overwrites it).
fn fresh_screen(c: &mut Console) -> String {
    c.session.terminal.clear().unwrap();
    c.screen()
}

#[test]
fn a_provisional_deadline_is_marked_in_the_list_the_detail_and_the_timeline() {
    let notice = "《国务院办公厅关于2027年部分节假日安排的通知》";
    for (lang, mark) in [(Lang::Zh, "暂"), (Lang::En, "~")] {
        for (w, h) in [(120, 40), (80, 24)] {
            let mut c = Console::new(w, h, lang, 0);
            let jining = powerdesk::policy::bundle::Bundle::load(
                &powerdesk::policy::host::PolicyHost::new(Default::default()),
                std::path::Path::new("policies/jining"),
            )
            .unwrap();
            c.desk.set_decider(Some(std::sync::Arc::new(jining)));
            // Accepted 14 December 2026, plan replied 4 January 2027: the plan reply was due
            // 15 working days on, 5 January 2027, counted on the provisional 2027 calendar.
            let replied = c
                .desk
                .submit_json(&thirty_five_kv("2026-12-14T10:00:00+08:00"), "王芳")
                .unwrap();
            c.desk
                .advance(
                    &replied.id,
                    powerdesk::domain::State::PlanReplied,
                    Some(
                        chrono::DateTime::parse_from_rfc3339("2027-01-04T10:00:00+08:00").unwrap(),
                    ),
                    None,
                    "王芳",
                )
                .unwrap();
            // Accepted 15 December 2026: the plan reply is due 6 January 2027, provisionally.
            let open = c
                .desk
                .submit_json(&thirty_five_kv("2026-12-15T10:00:00+08:00"), "王芳")
                .unwrap();
            assert!(open.deadline_provisional);
            c.press("t"); // sort by deadline (the open one first): the list is read again
            let list = fresh_screen(&mut c);
            assert!(list.contains(&format!("{mark}2027-01-06")), "{list}");
            assert!(list.contains(notice), "the notice to load: {list}");
            c.press("enter");
            assert_eq!(c.app().detail.as_ref().unwrap().app.id, open.id);
            let detail = fresh_screen(&mut c);
            assert!(detail.contains(&format!("{mark}2027-01-06")), "{detail}");
            assert!(detail.contains(notice), "{detail}");
            // The timeline of the other: its completed plan reply was due provisionally.
            c.press("esc j enter");
            assert_eq!(c.app().detail.as_ref().unwrap().app.id, replied.id);
            let detail = c.app().detail.as_ref().unwrap();
            let row = detail
                .timeline
                .iter()
                .find(|r| r.deadline.is_some())
                .unwrap();
            assert!(row.deadline_provisional);
            let timeline = fresh_screen(&mut c);
            if lang == Lang::Zh {
                // (The English line is longer than the panel and is cut before its deadline.)
                // 2027 is not the console's year: the date shows it.
                assert!(
                    timeline.contains(&format!("{mark}2027-01-05")),
                    "{timeline}"
                );
            }
        }
    }
}

#[test]
fn official_deadlines_carry_no_mark() {
    let mut c = Console::new(120, 40, Lang::Zh, 60);
    let screen = c.screen();
    assert!(!screen.contains("暂2"), "{screen}");
    assert!(!screen.contains("暂定期限"), "{screen}");
}

#[test]
fn due_screen_counts_what_is_overdue_today_and_next_by_step_and_operator() {
    for (w, h) in [(120, 40), (80, 24)] {
        let mut c = Console::new(w, h, Lang::Zh, 6_000);
        let view = c.desk.due(0).unwrap();
        assert!(
            view.totals.overdue > 0 && view.totals.total() >= 2,
            "{:?}",
            view.totals
        );
        // Opening says what is due on the status line, with the key that shows it.
        let opening = c.screen();
        assert!(
            opening.contains(&format!(
                "到期提醒: 超期 {} 件, 今日到期 {} 件, 次日到期 {} 件 (按 5 查看)",
                view.totals.overdue, view.totals.today, view.totals.next_working_day
            )),
            "{opening}"
        );
        c.press("5");
        let due = c.app().due.clone().unwrap();
        assert_eq!(due.totals, view.totals);
        let screen = fresh_screen(&mut c);
        for g in due.by_operator.iter().take(3) {
            assert!(
                screen.contains(&g.key),
                "operator {} listed: {screen}",
                g.key
            );
        }
        snap(&format!("due_{w}x{h}"), &mut c);
        // The most overdue first; Enter opens the selected one.
        c.press("j enter");
        assert_eq!(c.app().detail.as_ref().unwrap().app.id, due.items[1].id);
    }
}

#[test]
fn a_late_step_is_coloured_and_dates_of_another_year_show_it() {
    use ratatui::style::Color;
    let mut c = Console::new(120, 40, Lang::Zh, 0);
    let jining = powerdesk::policy::bundle::Bundle::load(
        &powerdesk::policy::host::PolicyHost::new(Default::default()),
        std::path::Path::new("policies/jining"),
    )
    .unwrap();
    c.desk.set_decider(Some(std::sync::Arc::new(jining)));
    // Accepted in 2025 (not the console's year), the plan replied 20 working days later: late
    // against its 15 working days.
    let app = c
        .desk
        .submit_json(&thirty_five_kv("2025-03-03T10:00:00+08:00"), "王芳")
        .unwrap();
    c.desk
        .advance(
            &app.id,
            powerdesk::domain::State::PlanReplied,
            Some(chrono::DateTime::parse_from_rfc3339("2025-03-31T10:00:00+08:00").unwrap()),
            None,
            "王芳",
        )
        .unwrap();
    c.press("ctrl-r enter");
    let screen = fresh_screen(&mut c);
    assert!(screen.contains("2025-03-31 10:00"), "{screen}");
    assert!(screen.contains("2025-03-03 10:00"), "{screen}");
    let buf = c.session.terminal.backend().buffer().clone();
    let (y, line) = screen
        .lines()
        .enumerate()
        .find(|(_, l)| l.contains("超时"))
        .unwrap_or_else(|| panic!("the late step is marked: {screen}"));
    let x = buf.area.width
        - 1
        - (0..buf.area.width)
            .rev()
            .find(|x| buf[(*x, y as u16)].symbol() == "时")
            .map(|x| buf.area.width - 1 - x)
            .unwrap();
    assert_eq!(buf[(x, y as u16)].fg, Color::Red, "{line}");
    // The acceptance, done in time, is not alarmed.
    let accepted = screen
        .lines()
        .position(|l| l.contains("2025-03-03 10:00"))
        .unwrap();
    assert!((0..buf.area.width).all(|x| buf[(x, accepted as u16)].fg != Color::Red));
}

/// §6 of issue 14: however small the terminal, the detail screen's first line under the tabs is
/// the application number and the customer; the rest scrolls beneath it.
#[test]
fn narrow_detail_keeps_the_number_and_customer_on_top() {
    for (w, h) in [(80, 24), (60, 15)] {
        let mut c = Console::new(w, h, Lang::Zh, 60);
        c.press("j j enter");
        let d = c.app().detail.clone().expect("the detail is open");
        let screen = c.screen();
        let second = screen.lines().nth(1).unwrap_or_default().to_string();
        assert!(
            second.contains(&d.app.id.0),
            "{w}x{h}: {second:?}\n{screen}"
        );
        let name_start: String = d.app.form.customer.name.chars().take(3).collect();
        assert!(second.contains(&name_start), "{w}x{h}: {second:?}");
        c.press("j j j j j j");
        let scrolled = c.screen();
        assert_eq!(
            scrolled.lines().nth(1),
            Some(second.as_str()),
            "{w}x{h} scrolled"
        );
    }
}

/// Issue 14 §6: at 60×15 and narrower the listing's count is never cut: the filters give way.
#[test]
fn the_listing_count_is_never_cut_when_narrow() {
    for w in [120, 60, 40] {
        let mut c = Console::new(w, 15, Lang::Zh, 1_200);
        let total = c.app().list.total;
        assert!(total >= 1_000, "{total}");
        let screen = c.screen();
        assert!(
            screen.contains(&format!("共 {total}")),
            "{w} columns: the count {total} is cut\n{screen}"
        );
    }
}
