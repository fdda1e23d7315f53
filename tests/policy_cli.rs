//! The policy commands through the real binary: evaluate, check, test, diff, activate, and
//! `app new` deciding with the active bundle.

#[path = "fixtures/bundle_copy.rs"]
mod bundle_copy;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

const APPLICATION: &str = r#"{
  "customer": { "name": "济宁市任城区惠民商贸有限公司", "class": "small_micro",
                "id_number": "91370811MA3C5XXXX5", "phone": "13800000000", "star_rating": 0 },
  "site": { "county": "任城区", "address": "济宁市任城区某某路 18 号", "rural": true,
            "park_name": null, "park_level": null, "kinetic_library": false },
  "request": { "kind": "new", "voltage": "380V", "capacity_kw": 150, "capacity_kva": null,
               "permanent": true, "direct_meter": true, "simple_line": false,
               "grid_project_need_date": null },
  "received_at": "2026-03-02T09:00:00+08:00"
}"#;

fn powerdesk(args: &[&str], cache: &Path, stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_powerdesk"))
        .args(args)
        .env("POWERDESK_CACHE_DIR", cache)
        .env_remove("POWERDESK_STORE")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    if let Some(text) = stdin {
        input.write_all(text.as_bytes()).unwrap();
    }
    drop(input);
    child.wait_with_output().unwrap()
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "failed: {}\n{}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

fn err(out: &Output) -> String {
    assert!(
        !out.status.success(),
        "succeeded: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8(out.stderr.clone()).unwrap()
}

#[test]
fn evaluate_prints_the_decision_json_of_the_contract() {
    let cache = tempfile::tempdir().unwrap();
    let out = powerdesk(
        &["evaluate", "--policy", "policies/jining", "--json", "-"],
        cache.path(),
        Some(APPLICATION),
    );
    let d: serde_json::Value = serde_json::from_str(&ok(&out)).unwrap();
    assert_eq!(d["bundle"]["region"], "jining");
    assert!(d["bundle"]["digest"]
        .as_str()
        .unwrap()
        .starts_with("sha256:"));
    assert_eq!(d["access"]["class"], "low_voltage");
    assert_eq!(d["access"]["voltage"], "380V");
    assert_eq!(d["programs"], serde_json::json!(["three_zero"]));
    assert_eq!(d["investment_boundary"], "meter");
    assert_eq!(d["grid_total_limit_working_days"], 2);
    // Cached now: a second run gives the same decision.
    let again = powerdesk(
        &["evaluate", "--policy", "policies/jining", "--json", "-"],
        cache.path(),
        Some(APPLICATION),
    );
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&ok(&again)).unwrap(),
        d
    );
}

/// The new decisions of the seed: a 10 kV ordinary customer above 1250 kVA has the two steps on
/// the standard limits; an important one the full process; every decision cites JN-FEES.
#[test]
fn evaluate_gives_the_seeds_decisions_for_10kv_customers() {
    let cache = tempfile::tempdir().unwrap();
    let ten_kv = APPLICATION
        .replace(r#""class": "small_micro""#, r#""class": "enterprise""#)
        .replace(r#""voltage": "380V""#, r#""voltage": "10kV""#)
        .replace(
            r#""capacity_kw": 150, "capacity_kva": null"#,
            r#""capacity_kw": null, "capacity_kva": 1600"#,
        )
        .replace(r#""direct_meter": true"#, r#""direct_meter": false"#);
    let evaluate = |form: &str| -> serde_json::Value {
        serde_json::from_str(&ok(&powerdesk(
            &["evaluate", "--policy", "policies/jining", "--json", "-"],
            cache.path(),
            Some(form),
        )))
        .unwrap()
    };
    let d = evaluate(&ten_kv);
    assert_eq!(d["access"]["class"], "hv_ordinary");
    assert_eq!(
        d["steps"],
        serde_json::json!([
            { "id": "reply_plan", "limit_working_days": 15, "from": "accepted" },
            { "id": "energize", "limit_working_days": 10, "from": "completion_reported" }
        ])
    );
    assert_eq!(d["grid_total_limit_working_days"], serde_json::Value::Null);
    assert!(d["rules"].as_array().unwrap().contains(&"JN-FEES".into()));

    let important = ten_kv.replace(
        r#""grid_project_need_date": null"#,
        r#""grid_project_need_date": null, "important": true"#,
    );
    let d = evaluate(&important);
    assert_eq!(d["access"]["class"], "hv_standard");
    assert_eq!(
        d["steps"][1],
        serde_json::json!({ "id": "design_review", "limit_working_days": 10, "from": "design_submitted" })
    );
}

/// A form received before the bundle took effect (2021-08-25) is refused by `evaluate` and by
/// `app new`, naming both dates; nothing is written.
#[test]
fn a_form_received_before_the_bundle_took_effect_is_refused_naming_both_dates() {
    let cache = tempfile::tempdir().unwrap();
    let early = APPLICATION.replace("2026-03-02T09:00:00+08:00", "2021-08-20T09:00:00+08:00");
    let e = err(&powerdesk(
        &["evaluate", "--policy", "policies/jining", "--json", "-"],
        cache.path(),
        Some(&early),
    ));
    assert!(
        e.contains("received on 2021-08-20") && e.contains("took effect on 2021-08-25"),
        "{e}"
    );

    let store = tempfile::tempdir().unwrap();
    let s = store.path().to_str().unwrap();
    ok(&powerdesk(
        &["--store", s, "policy", "activate", "policies/jining"],
        cache.path(),
        None,
    ));
    let e = err(&powerdesk(
        &["--store", s, "app", "new", "--json", "-"],
        cache.path(),
        Some(&early),
    ));
    assert!(
        e.contains("received on 2021-08-20") && e.contains("took effect on 2021-08-25"),
        "{e}"
    );
    let list: serde_json::Value = serde_json::from_str(&ok(&powerdesk(
        &["--store", s, "app", "list", "--json"],
        cache.path(),
        None,
    )))
    .unwrap();
    assert_eq!(list.as_array().unwrap().len(), 0);
}

#[test]
fn evaluate_refuses_a_bad_application_naming_the_field() {
    let cache = tempfile::tempdir().unwrap();
    let bad = APPLICATION.replace(r#""capacity_kw": 150"#, r#""capacity_kw": "lots""#);
    let out = powerdesk(
        &["evaluate", "--policy", "policies/jining", "--json", "-"],
        cache.path(),
        Some(&bad),
    );
    assert!(err(&out).contains("capacity_kw"));
}

#[test]
fn check_lists_modules_and_rules() {
    let cache = tempfile::tempdir().unwrap();
    let text = ok(&powerdesk(
        &["policy", "check", "policies/jining", "--json"],
        cache.path(),
        None,
    ));
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["modules"][0]["name"], "jn-access");
    assert_eq!(v["modules"][0]["contract"], "5.0.0");
    assert_eq!(v["effective"], "2021-08-25");
    assert_eq!(v["probe"]["applications"], v["probe"]["decided"]);
    assert!(text.contains("JN-LV-160"));
}

#[test]
fn check_refuses_a_tampered_bundle() {
    let cache = tempfile::tempdir().unwrap();
    let dir = copy_jining();
    let wasm = dir.path().join("jining/modules/jn-cost.wasm");
    let mut bytes = std::fs::read(&wasm).unwrap();
    bytes.push(0);
    std::fs::write(&wasm, bytes).unwrap();
    let e = err(&powerdesk(
        &[
            "policy",
            "check",
            dir.path().join("jining").to_str().unwrap(),
        ],
        cache.path(),
        None,
    ));
    assert!(
        e.contains("digest mismatch") || e.contains("sha256 mismatch"),
        "{e}"
    );
}

/// `policy check` has every module read its parameters: an abolished fee without the document
/// that abolished it is refused, naming the entry.
#[test]
fn check_refuses_an_abolished_fee_without_its_document() {
    let cache = tempfile::tempdir().unwrap();
    let dir = copy_jining();
    let manifest = dir.path().join("jining/bundle.toml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    let bare = text.replace("\"移表费|国办函〔2020〕129号\"", "\"移表费\"");
    assert_ne!(bare, text);
    std::fs::write(&manifest, bare).unwrap();
    let e = err(&powerdesk(
        &[
            "policy",
            "check",
            dir.path().join("jining").to_str().unwrap(),
        ],
        cache.path(),
        None,
    ));
    assert!(
        e.contains("abolished_fees[1]: \"移表费\" names no document"),
        "{e}"
    );
}

#[test]
fn test_runs_the_fixtures_and_fails_naming_the_field() {
    let cache = tempfile::tempdir().unwrap();
    let out = ok(&powerdesk(
        &["policy", "test", "policies/jining"],
        cache.path(),
        None,
    ));
    assert!(out.contains(" 0 failed"), "{out}");

    let dir = copy_jining();
    let case = dir
        .path()
        .join("jining/fixtures/ex1_small_micro_150kw_rural_direct_meter.json");
    let text = std::fs::read_to_string(&case).unwrap().replace(
        r#""investment_boundary": "meter""#,
        r#""investment_boundary": "planning_red_line""#,
    );
    std::fs::write(&case, text).unwrap();
    let out = powerdesk(
        &[
            "policy",
            "test",
            dir.path().join("jining").to_str().unwrap(),
        ],
        cache.path(),
        None,
    );
    assert!(!out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("investment_boundary: expected \"planning_red_line\", got \"meter\""),
        "{stdout}"
    );
}

#[test]
fn activate_then_app_new_decides_and_a_broken_bundle_keeps_the_previous_one() {
    let cache = tempfile::tempdir().unwrap();
    let store = tempfile::tempdir().unwrap();
    let s = store.path().to_str().unwrap();
    let bundles = copy_jining();
    let jining = bundles.path().join("jining");
    let j = jining.to_str().unwrap();

    ok(&powerdesk(
        &["--store", s, "policy", "activate", j, "--actor", "张主任"],
        cache.path(),
        None,
    ));
    let app: serde_json::Value = serde_json::from_str(&ok(&powerdesk(
        &["--store", s, "app", "new", "--json", "-"],
        cache.path(),
        Some(APPLICATION),
    )))
    .unwrap();
    assert_eq!(app["decision"]["bundle"]["region"], "jining");
    assert_eq!(
        app["decision"]["programs"],
        serde_json::json!(["three_zero"])
    );

    // A bundle that fails to load is refused; the active one stays.
    let broken = tempfile::tempdir().unwrap();
    std::fs::write(broken.path().join("bundle.toml"), "[bundle]\nregion = 1\n").unwrap();
    let e = err(&powerdesk(
        &[
            "--store",
            s,
            "policy",
            "activate",
            broken.path().to_str().unwrap(),
        ],
        cache.path(),
        None,
    ));
    assert!(e.contains("previous bundle stays active"), "{e}");
    ok(&powerdesk(
        &["--store", s, "app", "new", "--json", "-"],
        cache.path(),
        Some(APPLICATION),
    ));

    // The active bundle edited in place: app new refuses clearly, other commands keep working.
    let wasm = jining.join("modules/jn-cost.wasm");
    let mut bytes = std::fs::read(&wasm).unwrap();
    bytes.push(0);
    std::fs::write(&wasm, bytes).unwrap();
    let e = err(&powerdesk(
        &["--store", s, "app", "new", "--json", "-"],
        cache.path(),
        Some(APPLICATION),
    ));
    assert!(e.contains("active policy bundle"), "{e}");
    let list: serde_json::Value = serde_json::from_str(&ok(&powerdesk(
        &["--store", s, "app", "list", "--json"],
        cache.path(),
        None,
    )))
    .unwrap();
    assert_eq!(list.as_array().unwrap().len(), 2);
}

#[test]
fn diff_counts_what_a_new_bundle_changes_on_stored_applications() {
    let cache = tempfile::tempdir().unwrap();
    let store = tempfile::tempdir().unwrap();
    let s = store.path().to_str().unwrap();
    ok(&powerdesk(
        &["--store", s, "demo", "--count", "300"],
        cache.path(),
        None,
    ));
    // Same bundle on both sides: nothing changes.
    let same: serde_json::Value = serde_json::from_str(&ok(&powerdesk(
        &[
            "--store",
            s,
            "policy",
            "diff",
            "policies/jining",
            "policies/jining",
            "--json",
        ],
        cache.path(),
        None,
    )))
    .unwrap();
    assert_eq!(same["applications"], 300);
    assert_eq!(same["changed"], 0);
    // Rural 100 kW bundle: some low-voltage applications lose JN-LV-160 access.
    let text = ok(&powerdesk(
        &[
            "--store",
            s,
            "policy",
            "diff",
            "policies/jining",
            "policies/example-rural-100kw",
            "--json",
        ],
        cache.path(),
        None,
    ));
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["applications"], 300);
    assert!(v["changed"].as_u64().unwrap() > 0, "{text}");
    let ex = &v["aspects"]["access_class"]["examples"][0];
    assert!(ex["id"].as_str().is_some(), "{text}");
    // The rural bundle took effect on 2026-01-01: the demo's earlier applications are not
    // decidable by it, counted as such, not as errors and not as changes.
    let not_in_force = v["new_not_in_force"].as_u64().unwrap();
    assert!(not_in_force > 0 && not_in_force < 300, "{text}");
    assert_eq!(v["new_errors"], 0, "{text}");
    assert_eq!(v["old_not_in_force"], 0, "{text}");
    assert!(
        v["changed"].as_u64().unwrap() <= 300 - not_in_force,
        "{text}"
    );
    let human = ok(&powerdesk(
        &[
            "--store",
            s,
            "policy",
            "diff",
            "policies/jining",
            "policies/example-rural-100kw",
        ],
        cache.path(),
        None,
    ));
    assert!(
        human.contains(&format!(
            "not decidable (received before the bundle took effect): {not_in_force} by new"
        )),
        "{human}"
    );
}

/// The Jining bundle and the shared calendar in a temp dir (same relative layout).
fn copy_jining() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    bundle_copy::copy_bundle_as("jining", "jining", dir.path());
    dir
}

/// Rewrite a file of a bundle copy.
fn edit(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{} has {from:?}", path.display());
    std::fs::write(path, text.replacen(from, to, 1)).unwrap();
}

/// `policy check` validates bundle.toml against what the modules declare (contract 5), naming the
/// module and the parameter, and refuses modules in an order where one reads what a later one
/// decides, naming both.
#[test]
fn check_names_a_parameter_that_does_not_fit_its_module_and_modules_out_of_order() {
    let cache = tempfile::tempdir().unwrap();
    let bundles = copy_jining();
    let jining = bundles.path().join("jining");
    let manifest = jining.join("bundle.toml");
    let j = jining.to_str().unwrap();
    let out = ok(&powerdesk(&["policy", "check", j], cache.path(), None));
    assert!(
        out.contains("parameters fit the modules' declarations"),
        "{out}"
    );
    // The rule texts are shown with the bundle's values.
    assert!(out.contains("低压接入容量提升至160千瓦"), "{out}");

    edit(&manifest, "std_energize_wd = 5", "std_energize_wd = 5.5");
    edit(
        &manifest,
        "lv_max_kw = 160",
        "lv_max_kw = 160\nlv_max_kv = 200",
    );
    let e = err(&powerdesk(&["policy", "check", j], cache.path(), None));
    assert!(
        e.contains("2 parameters of bundle.toml do not fit what the modules declare")
            && e.contains("parameters.std_energize_wd: expected integer in 0..=365, found the number 5.5 (module jn-access)")
            && e.contains("parameters.lv_max_kv: no module declares it"),
        "{e}"
    );
    edit(&manifest, "std_energize_wd = 5.5", "std_energize_wd = 5");
    edit(
        &manifest,
        "lv_max_kw = 160\nlv_max_kv = 200",
        "lv_max_kw = 200",
    );
    let out = ok(&powerdesk(&["policy", "check", j], cache.path(), None));
    assert!(out.contains("低压接入容量提升至200千瓦"), "{out}");

    // jn-cost (reads access) listed before jn-access (decides it).
    edit(&manifest, "name = \"jn-access\"", "name = \"jn-cost-tmp\"");
    edit(
        &manifest,
        "file = \"modules/jn-access.wasm\"",
        "file = \"modules/jn-cost-tmp.wasm\"",
    );
    edit(&manifest, "name = \"jn-cost\"", "name = \"jn-access\"");
    edit(
        &manifest,
        "file = \"modules/jn-cost.wasm\"",
        "file = \"modules/jn-access.wasm\"",
    );
    edit(&manifest, "name = \"jn-cost-tmp\"", "name = \"jn-cost\"");
    edit(
        &manifest,
        "file = \"modules/jn-cost-tmp.wasm\"",
        "file = \"modules/jn-cost.wasm\"",
    );
    let text = std::fs::read_to_string(&manifest).unwrap();
    // The digests follow their files: swap the sha256 lines too.
    let shas: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("sha256 = "))
        .collect();
    let swapped = text
        .replace(shas[0], "SHA-A")
        .replace(shas[1], shas[0])
        .replace("SHA-A", shas[1]);
    std::fs::write(&manifest, swapped).unwrap();
    let e = err(&powerdesk(&["policy", "check", j], cache.path(), None));
    assert!(
        e.contains(
            "module jn-cost reads `access`, which module jn-access decides, but runs before it"
        ),
        "{e}"
    );
}

/// Activation proves the bundle first (`policy check` and its fixture cases): a bundle with a
/// mistyped parameter, or with a failing fixture case, is refused and the previous one stays
/// active.
#[test]
fn activate_refuses_a_bundle_that_fails_its_check_or_a_fixture_and_keeps_the_previous_one() {
    let cache = tempfile::tempdir().unwrap();
    let store = tempfile::tempdir().unwrap();
    let s = store.path().to_str().unwrap();
    ok(&powerdesk(
        &[
            "--store",
            s,
            "policy",
            "activate",
            "policies/example-rural-100kw",
        ],
        cache.path(),
        None,
    ));
    let region_of_new_app = || {
        let app: serde_json::Value = serde_json::from_str(&ok(&powerdesk(
            &["--store", s, "app", "new", "--json", "-"],
            cache.path(),
            Some(APPLICATION),
        )))
        .unwrap();
        app["decision"]["bundle"]["region"]
            .as_str()
            .unwrap()
            .to_string()
    };

    let mistyped = copy_jining();
    let dir = mistyped.path().join("jining");
    edit(
        &dir.join("bundle.toml"),
        "lv_total_wd = 2",
        "lv_total_wd = \"2\"",
    );
    let e = err(&powerdesk(
        &["--store", s, "policy", "activate", dir.to_str().unwrap()],
        cache.path(),
        None,
    ));
    assert!(
        e.contains("not activated")
            && e.contains("parameters.lv_total_wd: expected integer in 0..=365, found the text \"2\" (module jn-access)")
            && e.contains("the previous bundle stays active"),
        "{e}"
    );
    assert_eq!(region_of_new_app(), "example-rural-100kw");

    let failing = copy_jining();
    let dir = failing.path().join("jining");
    edit(
        &dir.join("fixtures/efficiency_three_stars.json"),
        "\"free_efficiency_service\": true",
        "\"free_efficiency_service\": false",
    );
    let e = err(&powerdesk(
        &["--store", s, "policy", "activate", dir.to_str().unwrap()],
        cache.path(),
        None,
    ));
    assert!(
        e.contains("1 of 35 fixture cases failed")
            && e.contains("the previous bundle stays active"),
        "{e}"
    );
    assert_eq!(region_of_new_app(), "example-rural-100kw");

    // The same bundle, as shipped, is proven and activated.
    ok(&powerdesk(
        &["--store", s, "policy", "activate", "policies/jining"],
        cache.path(),
        None,
    ));
    assert_eq!(region_of_new_app(), "jining");
}

/// `evaluate --explain` adds each cited rule's text with the bundle's values: a region that
/// raises the threshold to 200 kW cites 200千瓦, not the 160 of Jining's press release.
#[test]
fn evaluate_explain_shows_each_rule_text_with_the_values_used() {
    let cache = tempfile::tempdir().unwrap();
    let bundles = copy_jining();
    let jining = bundles.path().join("jining");
    edit(
        &jining.join("bundle.toml"),
        "lv_max_kw = 160",
        "lv_max_kw = 200",
    );
    let out = ok(&powerdesk(
        &[
            "evaluate",
            "--policy",
            jining.to_str().unwrap(),
            "--json",
            "-",
            "--explain",
        ],
        cache.path(),
        Some(APPLICATION),
    ));
    let d: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(d["access"]["class"], "low_voltage");
    let explanation = d["explanation"].as_array().unwrap();
    let cited: Vec<&str> = d["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap())
        .collect();
    let explained: Vec<&str> = explanation
        .iter()
        .map(|e| e["rule"].as_str().unwrap())
        .collect();
    assert_eq!(explained, cited, "one entry per cited rule, in order");
    let lv = explanation
        .iter()
        .find(|e| e["rule"] == "JN-LV-160")
        .unwrap();
    assert_eq!(lv["module"], "jn-access");
    assert_eq!(
        lv["text"],
        "居民和小微企业低压接入容量提升至200千瓦，不分城市、农村；增容按总容量"
    );
    assert_eq!(lv["parameters"], serde_json::json!({ "lv_max_kw": 200 }));
    let fees = explanation.iter().find(|e| e["rule"] == "JN-FEES").unwrap();
    assert_eq!(fees["parameters"], serde_json::json!({}));
    // Without --explain the Decision JSON is as the contract has it.
    let plain = ok(&powerdesk(
        &["evaluate", "--policy", "policies/jining", "--json", "-"],
        cache.path(),
        Some(APPLICATION),
    ));
    assert!(!plain.contains("explanation"));
}
