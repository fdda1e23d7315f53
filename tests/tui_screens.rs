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
