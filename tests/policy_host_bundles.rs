//! Every fixture case of both shipped bundles is decided by the real rule modules in the sandbox
//! and matches, and a bundle's tables are there for the Policies screen.

use std::path::Path;

use powerdesk::policy::bundle::Bundle;
use powerdesk::policy::fixtures;
use powerdesk::policy::host::{PolicyHost, SandboxLimits};

fn every_case_passes(dir: &str) {
    let host = PolicyHost::without_cache(SandboxLimits::default());
    let bundle = Bundle::load(&host, Path::new(dir)).unwrap_or_else(|e| panic!("{dir}: {e}"));
    let results = fixtures::run_all(&bundle).unwrap();
    assert!(!results.is_empty());
    let failures: Vec<String> = results
        .iter()
        .filter(|r| !r.passed)
        .map(|r| {
            let fields: Vec<String> = r
                .mismatches
                .iter()
                .map(|m| format!("{}: expected {}, got {}", m.field, m.expected, m.actual))
                .collect();
            format!("{} ({:?}): {}", r.name, r.error, fields.join("; "))
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{dir}: failing cases:\n{}",
        failures.join("\n")
    );
}

#[test]
fn every_jining_fixture_case_is_decided_as_expected() {
    every_case_passes("policies/jining");
}

#[test]
fn every_rural_100kw_fixture_case_is_decided_as_expected() {
    every_case_passes("policies/example-rural-100kw");
}

#[test]
fn the_jining_bundle_exposes_modules_rules_parameters_and_calendar() {
    let host = PolicyHost::without_cache(SandboxLimits::default());
    let bundle = Bundle::load(&host, Path::new("policies/jining")).unwrap();
    let table = bundle.module_table();
    let names: Vec<&str> = table.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(names, ["jn-access", "jn-cost"]);
    let ids: Vec<&str> = table
        .iter()
        .flat_map(|m| m.rules.iter().map(|r| r.id.as_str()))
        .collect();
    for id in [
        "JN-LV-160",
        "JN-3ZERO",
        "JN-3SAVE",
        "JN-COUNTY-LINE",
        "JN-10KV-TIME",
        "JN-TARIFF-2021",
    ] {
        assert!(ids.contains(&id), "{id} missing from {ids:?}");
    }
    assert!(bundle.parameters().iter().any(|(k, _)| k == "lv_max_kw"));
    let d = chrono::NaiveDate::from_ymd_opt(2026, 10, 1).unwrap(); // 国庆节
    assert!(!bundle.calendar().is_working_day(d));
    assert_eq!(bundle.bundle_ref().region, "jining");
}

#[test]
fn a_fixture_that_expects_something_else_names_the_field() {
    let host = PolicyHost::without_cache(SandboxLimits::default());
    let bundle = Bundle::load(&host, Path::new("policies/jining")).unwrap();
    let mut cases = fixtures::load_cases(&fixtures::fixture_dir(bundle.dir())).unwrap();
    let mut case = cases.remove(0);
    case.expect["access"]["class"] = serde_json::json!("hv_standard");
    let r = fixtures::run_case(&bundle, &case);
    assert!(!r.passed);
    assert_eq!(r.mismatches.len(), 1, "{:?}", r.mismatches);
    assert_eq!(r.mismatches[0].field, "access.class");
}

/// A batch decides each application exactly as a batch of one does, also when the batch's input
/// is far larger than a module's 128 KiB arena (the modules then grow memory), and in batches that
/// mix voltages, classes and dates.
#[test]
fn batches_decide_like_single_evaluations_even_beyond_the_module_arena() {
    use powerdesk::policy::sample::Sampler;
    let host = PolicyHost::without_cache(SandboxLimits::default());
    let bundle = Bundle::load(&host, Path::new("policies/jining")).unwrap();
    let mut forms = Sampler::new(3).forms(300);
    // ~18 KB of county name each: ~4.6 MB of input per call of 256.
    for f in forms.iter_mut().step_by(2) {
        f.site.county = "任城区".repeat(1000);
    }
    let items: Vec<_> = forms
        .iter()
        .map(|f| (f, f.received_at.date_naive()))
        .collect();
    let batch = bundle.evaluate_batch(&items);
    assert_eq!(batch.len(), forms.len());
    for ((f, on), b) in items.iter().zip(&batch) {
        let one = bundle.evaluate(f, *on);
        assert_eq!(
            format!("{b:?}"),
            format!("{one:?}"),
            "{} {:?}",
            f.site.county.len(),
            f.request
        );
    }
    assert!(batch.iter().all(Result::is_ok));
}

/// A bundle decides only what was received once it took effect (`[bundle] effective`): an earlier
/// application is refused naming both dates, counted in China time (UTC+8), and in a batch only
/// that application is refused.
#[test]
fn an_application_received_before_the_bundle_took_effect_is_refused_naming_both_dates() {
    use powerdesk::policy::host::PolicyError;
    use powerdesk::policy::sample::Sampler;
    let host = PolicyHost::without_cache(SandboxLimits::default());
    let bundle = Bundle::load(&host, Path::new("policies/jining")).unwrap();
    assert_eq!(
        bundle.manifest().bundle.effective,
        chrono::NaiveDate::from_ymd_opt(2021, 8, 25).unwrap()
    );
    let mut early = Sampler::new(9).form();
    early.received_at = "2021-08-24T23:30:00+08:00".parse().unwrap();
    let on = early.received_at.date_naive();
    let err = bundle.evaluate(&early, on).unwrap_err();
    assert!(matches!(err, PolicyError::NotInForce { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(
        msg.contains("received on 2021-08-24") && msg.contains("took effect on 2021-08-25"),
        "{msg}"
    );
    // 16:00 UTC on the 24th is midnight of the 25th in Jining.
    let mut midnight = early.clone();
    midnight.received_at = "2021-08-24T16:00:00+00:00".parse().unwrap();
    bundle
        .evaluate(&midnight, on)
        .expect("received on the day the bundle took effect");
    let later = Sampler::new(9).form();
    let items = [
        (&later, later.received_at.date_naive()),
        (&early, on),
        (&later, later.received_at.date_naive()),
    ];
    let results = bundle.evaluate_batch(&items);
    assert!(results[0].is_ok() && results[2].is_ok(), "{results:?}");
    assert!(matches!(results[1], Err(PolicyError::NotInForce { .. })));
}

#[path = "fixtures/bundle_copy.rs"]
mod bundle_copy;

/// `policy check` has the modules read their parameters: an abolished fee that names no document
/// fails the check, naming the entry.
#[test]
fn the_parameter_probe_refuses_an_abolished_fee_without_its_document() {
    use powerdesk::policy::probe::{probe_parameters, PROBE_APPLICATIONS};
    let host = PolicyHost::without_cache(SandboxLimits::default());
    let shipped = Bundle::load(&host, Path::new("policies/jining")).unwrap();
    assert_eq!(probe_parameters(&shipped).unwrap(), PROBE_APPLICATIONS);

    let tmp = tempfile::tempdir().unwrap();
    let dir = bundle_copy::copy_bundle_as("jining", "jining", tmp.path());
    let manifest = dir.join("bundle.toml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    std::fs::write(
        &manifest,
        text.replace(
            "\"临时接电费|发改价格〔2017〕1895号\",",
            "\"临时接电费|发改价格〔2017〕1895号\",\n    \"明确互备用费\",",
        ),
    )
    .unwrap();
    let edited = Bundle::load(&host, &dir).unwrap();
    let err = probe_parameters(&edited).unwrap_err().to_string();
    assert!(
        err.contains("jn-cost")
            && err.contains("abolished_fees[1]: \"明确互备用费\" names no document"),
        "{err}"
    );
}

#[path = "fixtures/rule_modules.rs"]
mod rule_modules;

/// Contract 5: the shipped modules declare every parameter they read, and their bundles set every
/// one of them, of the declared kind and in range.
#[test]
fn the_shipped_bundles_parameters_fit_what_their_modules_declare() {
    use powerdesk::policy::declare::check_parameters;
    let host = PolicyHost::without_cache(SandboxLimits::default());
    for dir in ["policies/jining", "policies/example-rural-100kw"] {
        let bundle = Bundle::load(&host, Path::new(dir)).unwrap();
        let problems = check_parameters(bundle.modules(), bundle.parameters());
        assert!(problems.is_empty(), "{dir}: {problems:?}");
        assert!(!bundle.modules()[0].params.is_empty());
    }
}

/// A mistyped, out-of-range, misspelt or missing parameter is named with the module that reads it.
#[test]
fn a_parameter_that_does_not_fit_the_declarations_is_named_with_its_module() {
    use powerdesk::policy::declare::check_parameters;
    let host = PolicyHost::without_cache(SandboxLimits::default());
    let tmp = tempfile::tempdir().unwrap();
    let dir = bundle_copy::copy_bundle_as("jining", "jining", tmp.path());
    let manifest = dir.join("bundle.toml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    let text = text
        .replace("lv_max_kw = 160", "lv_max_kw = \"160\"")
        .replace("std_energize_wd = 5", "std_energize_wd = 500")
        .replace("power_factor = 0.9\n", "")
        .replace("three_zero_classes = [", "three_zero_clases = [")
        .replace(
            "three_save_park_levels = [\"national\", \"provincial\"]",
            "three_save_park_levels = [\"national\", \"province\"]",
        );
    std::fs::write(&manifest, text).unwrap();
    let bundle = Bundle::load(&host, &dir).unwrap();
    let problems: Vec<String> = check_parameters(bundle.modules(), bundle.parameters())
        .iter()
        .map(|p| p.to_string())
        .collect();
    let has = |needle: &str| problems.iter().any(|p| p.contains(needle));
    assert!(
        has("parameters.lv_max_kw: expected number in 1..=10000, found the text \"160\" (module jn-access)"),
        "{problems:#?}"
    );
    assert!(
        has("parameters.std_energize_wd: 500 is out of range: expected integer in 0..=365 (module jn-access)"),
        "{problems:#?}"
    );
    assert!(
        has("parameters.power_factor: missing: the module reads it as number in 0.5..=1; add `power_factor = …` to [parameters] (module jn-access)"),
        "{problems:#?}"
    );
    assert!(has("parameters.three_zero_classes: missing") && has("(module jn-cost)"));
    assert!(
        has("parameters.three_zero_clases: no module declares it"),
        "{problems:#?}"
    );
    assert!(
        has("parameters.three_save_park_levels: [1]: \"province\" is not allowed: expected one of national, provincial, municipal (module jn-cost)"),
        "{problems:#?}"
    );
}

/// A module placed before the module that decides what it reads is refused at load, naming both.
#[test]
fn a_module_placed_before_the_one_whose_decision_it_reads_is_refused_naming_both() {
    let host = PolicyHost::without_cache(SandboxLimits::default());
    let tmp = tempfile::tempdir().unwrap();
    let dir = bundle_copy::copy_bundle_as("jining", "jining", tmp.path());
    let manifest = dir.join("bundle.toml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    let at = text.find("[[modules]]").unwrap();
    let (head, modules) = text.split_at(at);
    let mut entries: Vec<&str> = modules
        .split("[[modules]]")
        .filter(|e| !e.trim().is_empty())
        .collect();
    entries.reverse();
    let swapped = format!(
        "{head}{}",
        entries
            .iter()
            .map(|e| format!("[[modules]]{e}"))
            .collect::<String>()
    );
    std::fs::write(&manifest, swapped).unwrap();
    let err = Bundle::load(&host, &dir).unwrap_err().to_string();
    assert!(
        err.contains("module jn-cost reads `access`, which module jn-access decides, but runs before it: list jn-access before jn-cost"),
        "{err}"
    );
}

/// A part that sets an aspect its module does not declare in `decides` is refused, naming the
/// module and the aspect.
#[test]
fn a_part_setting_an_aspect_its_module_does_not_declare_is_refused() {
    use powerdesk::policy::host::PolicyError;
    use powerdesk::policy::sample::Sampler;
    use rule_modules::{Behaviour, Draft, Spec};
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    // Declares only `access` (0), but returns a whole decision.
    let spec = Spec {
        decides: vec![0],
        ..Spec::new(
            "narrow",
            Behaviour::Returns(Draft::low_voltage_three_zero()),
        )
    };
    let sha = rule_modules::write(dir, "modules/narrow.wasm", &spec);
    bundle_copy::copy_dir(Path::new("policies/jining/calendar"), &dir.join("calendar"));
    std::fs::write(
        dir.join("bundle.toml"),
        format!(
            r#"[bundle]
region = "test"
name = "测试政策包"
version = "1"
effective = 2021-01-01
contract = "5"
calendar = ["calendar/2026.toml"]

[parameters]

[[modules]]
name = "narrow"
file = "modules/narrow.wasm"
sha256 = "{sha}"
"#
        ),
    )
    .unwrap();
    let host = PolicyHost::without_cache(SandboxLimits::default());
    let bundle = Bundle::load(&host, dir).unwrap();
    let mut f = Sampler::new(1).form();
    f.received_at = "2026-03-02T09:00:00+08:00".parse().unwrap();
    let err = bundle.evaluate(&f, f.received_at.date_naive()).unwrap_err();
    assert!(
        matches!(&err, PolicyError::BadOutput { module, reason, .. }
            if module == "narrow" && reason.contains("sets `programs`, which its describe() does not declare in `decides`")),
        "{err:?}"
    );
}
