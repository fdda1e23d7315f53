//! The Policies screen over the real bundles under policies/: listing with rule texts, switching
//! the active bundle after a diff summary and a confirmation, refusing a tampered module while
//! the last good bundle stays active, and the decision preview of the active bundle.

mod tui_support;

#[path = "fixtures/bundle_copy.rs"]
mod bundle_copy;

use powerdesk::tui::app::{Overlay, Screen};
use powerdesk::tui::i18n::Lang;
use tui_support::Console;

/// Bundle digests change with every rebuild of a module: snapshots show where one is, not which.
fn redact_digests(screen: &str) -> String {
    let mut out = String::with_capacity(screen.len());
    let mut rest = screen;
    while let Some(at) = rest.find("sha256:") {
        let (before, from) = rest.split_at(at + "sha256:".len());
        out.push_str(before);
        let hex = from.bytes().take_while(|b| b.is_ascii_hexdigit()).count();
        out.push_str(&"#".repeat(hex));
        rest = &from[hex..];
    }
    out.push_str(rest);
    out
}

#[test]
fn switching_the_active_bundle_shows_the_diff_asks_and_then_decides_new_applications() {
    let mut c = Console::new(120, 40, Lang::Zh, 30);
    c.press("4");
    let rows = &c.app().policies;
    let jining = rows
        .iter()
        .position(|b| b.region == "jining")
        .expect("the Jining bundle is listed");
    assert!(rows[jining].rules.iter().any(|(id, _)| id == "JN-LV-160"));
    assert!(rows.iter().all(|b| !b.active), "nothing active yet");
    for _ in 0..jining {
        c.press("j");
    }
    insta::assert_snapshot!("policies_120x40", redact_digests(&c.screen()));

    c.press("A");
    let Some(Overlay::Confirm { prompt, .. }) = &c.app().overlay else {
        panic!("a confirmation after the diff, got {:?}", c.app().overlay)
    };
    assert!(prompt.contains("30"), "{prompt}");
    c.press("y");
    assert!(c.desk.decider().is_some(), "{}", c.app().status);
    assert!(c
        .app()
        .policies
        .iter()
        .any(|b| b.active && b.region == "jining"));

    // The new-application preview now shows the Jining decision with its rules.
    c.press("n");
    c.type_text("济宁市任城区惠民商贸有限公司");
    c.press("tab space tab");
    c.type_text(&powerdesk::domain::validation::credit_code_with_check(
        "91370811MA3C5XXXX",
    ));
    c.press("tab");
    c.type_text("13800000000");
    c.press("tab tab");
    c.type_text("任城区");
    c.press("tab");
    c.type_text("济宁市任城区某某路 18 号");
    c.press("tab tab tab tab tab tab tab");
    c.type_text("150");
    c.press("tab tab tab space");
    assert!(c.app().form.errors.is_empty(), "{:?}", c.app().form.errors);
    let preview = c
        .app()
        .preview
        .clone()
        .expect("a preview")
        .expect("decided");
    let decision = preview.decision.expect("the active bundle decided");
    assert!(
        decision.rules.iter().any(|r| r == "JN-3ZERO"),
        "{:?}",
        decision.rules
    );
    assert!(!preview.rule_texts.is_empty());
    let screen = c.screen();
    assert!(
        screen.contains("三零") && screen.contains("JN-LV-160"),
        "{screen}"
    );
    insta::assert_snapshot!("new_application_preview_120x40", redact_digests(&screen));
    assert_eq!(c.app().screen, Screen::NewApplication);
}

#[test]
fn a_tampered_module_is_refused_and_the_last_good_bundle_stays_active() {
    let dir = tempfile::tempdir().unwrap();
    bundle_copy::copy_bundle_as("jining", "jining", dir.path());
    bundle_copy::copy_bundle_as("jining", "tampered", dir.path());
    let module = std::fs::read_dir(dir.path().join("tampered/modules"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "wasm"))
        .expect("a module file");
    let mut bytes = std::fs::read(&module).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0xff;
    std::fs::write(&module, bytes).unwrap();

    let mut c = Console::with_policies(120, 40, Lang::En, 5, dir.path());
    c.press("4");
    let rows = c.app().policies.clone();
    let good = rows.iter().position(|b| b.dir.ends_with("jining")).unwrap();
    let bad = rows
        .iter()
        .position(|b| b.dir.ends_with("tampered"))
        .unwrap();
    assert!(rows[good].error.is_none(), "{:?}", rows[good].error);
    let err = rows[bad]
        .error
        .clone()
        .expect("the tampered bundle is refused");
    assert!(err.contains("sha256") || err.contains("module"), "{err}");

    // Activate the good one.
    for _ in 0..good {
        c.press("j");
    }
    c.press("A y");
    let active = c.desk.decider().expect("jining active").bundle();
    // Try the tampered one: refused with its error, the good bundle stays.
    for _ in 0..rows.len() {
        c.press("k");
    }
    for _ in 0..bad {
        c.press("j");
    }
    c.press("A");
    assert!(c.app().overlay.is_none());
    assert!(c.app().status_is_error);
    assert_eq!(c.desk.decider().unwrap().bundle(), active);
    assert!(c.screen().contains("tampered"));
}

/// The console's diff is `policy diff`'s: the same counts as `policy::diff` of the active bundle
/// against the chosen one, the summary (per aspect, then per rule) before the examples.
#[test]
fn the_consoles_diff_is_policy_diffs_summary_first() {
    use powerdesk::policy::bundle::Bundle;
    use powerdesk::policy::host::{PolicyHost, SandboxLimits};
    let mut c = Console::new(120, 40, Lang::Zh, 30);
    c.press("4");
    let rows = &c.app().policies;
    let jining = rows.iter().position(|b| b.region == "jining").unwrap();
    let rural = rows
        .iter()
        .position(|b| b.region == "example-rural-100kw")
        .unwrap();
    for _ in 0..jining {
        c.press("j");
    }
    c.press("A");
    c.press("y");
    assert!(c.desk.decider().is_some(), "{}", c.app().status);
    for _ in 0..jining {
        c.press("k");
    }
    for _ in 0..rural {
        c.press("j");
    }
    c.press("d");
    let summary = match &c.app().diff {
        Some(Ok(s)) => s.clone(),
        other => panic!("a diff, got {other:?}"),
    };
    let host = PolicyHost::without_cache(SandboxLimits::default());
    let old = Bundle::load(&host, std::path::Path::new("policies/jining")).unwrap();
    let new = Bundle::load(&host, std::path::Path::new("policies/example-rural-100kw")).unwrap();
    let report =
        powerdesk::policy::diff::diff(c.desk.repository().as_ref(), &old, &new, 1).unwrap();
    assert_eq!(summary.checked, report.applications);
    assert_eq!(summary.changed, report.changed);
    let counts: Vec<String> = powerdesk::policy::diff::ASPECTS
        .iter()
        .filter_map(|a| report.aspects.get(*a).map(|c| format!("{a}: {}", c.count)))
        .collect();
    assert!(!counts.is_empty(), "{report:?}");
    assert_eq!(
        summary.lines[..counts.len()],
        counts[..],
        "{:?}",
        summary.lines
    );
}
