//! The policy commands through the real binary: evaluate, check, test, diff, activate, and
//! `app new` deciding with the active bundle.

#[path = "fixtures/bundle_copy.rs"]
mod bundle_copy;
#[path = "fixtures/rule_modules.rs"]
mod rule_modules;

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

    // The folder it was activated from edited in place, then moved away: the store decides with
    // its own copy of the bundle, by content.
    let wasm = jining.join("modules/jn-cost.wasm");
    let mut bytes = std::fs::read(&wasm).unwrap();
    bytes.push(0);
    std::fs::write(&wasm, bytes).unwrap();
    edit(
        &jining.join("bundle.toml"),
        "lv_max_kw = 160",
        "lv_max_kw = 100",
    );
    std::fs::rename(&jining, bundles.path().join("moved")).unwrap();
    let app: serde_json::Value = serde_json::from_str(&ok(&powerdesk(
        &["--store", s, "app", "new", "--json", "-"],
        cache.path(),
        Some(APPLICATION),
    )))
    .unwrap();
    assert_eq!(app["decision"]["bundle"]["region"], "jining");
    assert_eq!(
        app["decision"]["access"]["class"], "low_voltage",
        "150 kW ≤ 160"
    );
    let list: serde_json::Value = serde_json::from_str(&ok(&powerdesk(
        &["--store", s, "app", "list", "--json"],
        cache.path(),
        None,
    )))
    .unwrap();
    assert_eq!(list.as_array().unwrap().len(), 3);

    // A stored decision, explained with the store's active bundle (its stored copy: the folder
    // it came from is gone).
    let id = app["id"].as_str().unwrap();
    let stored: serde_json::Value = serde_json::from_str(&ok(&powerdesk(
        &["--store", s, "evaluate", "--app", id],
        cache.path(),
        None,
    )))
    .unwrap();
    assert_eq!(stored, app["decision"]);
    let out = powerdesk(
        &["--store", s, "evaluate", "--app", id, "--explain"],
        cache.path(),
        None,
    );
    let explained: serde_json::Value = serde_json::from_str(&ok(&out)).unwrap();
    assert!(
        out.stderr.is_empty(),
        "decided by the active bundle: no note"
    );
    assert_eq!(explained["rules"], app["decision"]["rules"]);
    let lv = explained["explanation"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["rule"] == "JN-LV-160")
        .expect("JN-LV-160 explained");
    assert!(
        lv["text"].as_str().unwrap().contains("160千瓦") && lv["module"] == "jn-access",
        "{lv}"
    );
    let e = err(&powerdesk(
        &["--store", s, "evaluate", "--app", "JN-2026-999999"],
        cache.path(),
        None,
    ));
    assert!(e.contains("JN-2026-999999 is not in this store"), "{e}");
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

/// A bundle whose module loops forever stops `policy diff` over stored applications with an
/// error naming the module and its fuel budget: one capped call's fuel stopped it (not the
/// wall-clock safety net), and it was not run again on the other applications.
#[test]
fn diff_under_a_looping_module_stops_naming_the_module_and_its_fuel() {
    use powerdesk::policy::host::SandboxLimits;
    let cache = tempfile::tempdir().unwrap();
    let store = tempfile::tempdir().unwrap();
    let s = store.path().to_str().unwrap();
    // Fewer applications than the batch cap: each call's wall-clock safety net is then its
    // evaluations' deadlines, ~14x what its fuel takes, so fuel stops the loop even on a loaded
    // machine (at the cap the net is 2 s for ~0.9 s of fuel).
    ok(&powerdesk(
        &["--store", s, "demo", "--count", "40"],
        cache.path(),
        None,
    ));
    let hostile = tempfile::tempdir().unwrap();
    let dir = hostile.path();
    let spec = rule_modules::Spec::new("looper", rule_modules::Behaviour::LoopsForever);
    let sha = rule_modules::write(dir, "modules/looper.wasm", &spec);
    std::fs::create_dir_all(dir.join("calendar")).unwrap();
    let mut calendar = Vec::new();
    for year in 2021..=2026 {
        std::fs::copy(
            format!("policies/jining/calendar/{year}.toml"),
            dir.join(format!("calendar/{year}.toml")),
        )
        .unwrap();
        calendar.push(format!("\"calendar/{year}.toml\""));
    }
    std::fs::write(
        dir.join("bundle.toml"),
        format!(
            "[bundle]\nregion = \"hostile\"\nname = \"loops\"\nversion = \"1\"\n\
             effective = 2021-01-01\ncontract = \"5\"\ncalendar = [{}]\n\n\
             [parameters]\nlv_max_kw = 160\n\n\
             [[modules]]\nname = \"looper\"\nfile = \"modules/looper.wasm\"\nsha256 = \"{sha}\"\n",
            calendar.join(", ")
        ),
    )
    .unwrap();

    let out = powerdesk(
        &[
            "--store",
            s,
            "policy",
            "diff",
            "policies/jining",
            dir.to_str().unwrap(),
        ],
        cache.path(),
        None,
    );
    let stderr = err(&out);
    assert!(
        stderr.contains("policy diff stopped: bundle hostile 1")
            && stderr.contains("policy module looper 0.1.0: ran out of fuel"),
        "{stderr}"
    );
    assert!(!stderr.contains("deadline"), "{stderr}");
    // The budget named is one call's: at most the capped budget.
    let limits = SandboxLimits::default();
    let budget: u64 = stderr
        .split("budget ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no budget in {stderr}"));
    assert!(
        budget >= limits.fuel && budget <= limits.fuel * limits.batch_cap,
        "{budget} {stderr}"
    );
    assert!(
        out.stdout.is_empty(),
        "no report of a diff that did not run"
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

/// `policy new --from policies/jining heze` makes a self-contained bundle for another region that
/// passes `policy check` and `policy test` as made; after a parameter edit `policy test --bless`
/// shows the differences and rewrites the expectations; fixtures are validated as `app new`
/// validates an application, and a case that expects nothing is refused.
#[test]
fn new_from_a_bundle_makes_a_region_that_checks_tests_and_blesses() {
    let cache = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    // From a copy, moved away afterwards: the new bundle must not need it.
    let src = copy_jining();
    let src_dir = src.path().join("jining");
    let out = ok(&powerdesk(
        &[
            "policy",
            "new",
            "--from",
            src_dir.to_str().unwrap(),
            "heze",
            "--dir",
            work.path().to_str().unwrap(),
            "--city",
            "菏泽",
            "--county",
            "牡丹区",
        ],
        cache.path(),
        None,
    ));
    assert!(out.contains("created"), "{out}");
    drop(src);
    let heze = work.path().join("heze");
    let h = heze.to_str().unwrap();
    let manifest = std::fs::read_to_string(heze.join("bundle.toml")).unwrap();
    assert!(manifest.contains("region = \"heze\"") && manifest.contains("version = \"0.1.0\""));
    assert!(
        !manifest.lines().any(|l| l.starts_with("source")),
        "pinned, no source"
    );
    assert!(
        manifest.contains("lv_max_kw = 160"),
        "the parameters are kept to edit"
    );
    // Its own header, not Jining's (which told how to build policies/jining), saying what the
    // effective date and the ids are.
    assert!(
        manifest.starts_with("# heze: made from the bundle")
            && !manifest.contains("policy build policies/jining")
            && manifest.contains("Rule ids")
            && manifest.contains("received_at must be on"),
        "{manifest}"
    );
    for year in 2021..=2026 {
        assert!(heze.join(format!("calendar/{year}.toml")).is_file());
    }
    let fixture: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(
            heze.join("fixtures/ex1_small_micro_150kw_rural_direct_meter.json"),
        )
        .unwrap(),
    )
    .unwrap();
    assert_eq!(fixture["application"]["site"]["county"], "牡丹区");
    assert_eq!(
        fixture["application"]["customer"]["name"],
        "菏泽市牡丹区惠民商贸有限公司"
    );
    assert_eq!(fixture["expected"]["bundle"]["region"], "heze");
    ok(&powerdesk(&["policy", "check", h], cache.path(), None));
    let tested = ok(&powerdesk(&["policy", "test", h], cache.path(), None));
    assert!(tested.contains("35 passed, 0 failed"), "{tested}");
    // Its modules are pinned: nothing to build.
    let e = err(&powerdesk(&["policy", "build", h], cache.path(), None));
    assert!(e.contains("no [[modules]] entry has a `source`"), "{e}");

    // The region raises the low-voltage threshold to 200 kW: 3 cases now decide otherwise.
    edit(
        &heze.join("bundle.toml"),
        "lv_max_kw = 160",
        "lv_max_kw = 200",
    );
    let e = err(&powerdesk(&["policy", "test", h], cache.path(), None));
    assert!(e.contains("3 of 35 fixture cases failed"), "{e}");
    let blessed = ok(&powerdesk(
        &["policy", "test", "--bless", h],
        cache.path(),
        None,
    ));
    assert!(
        blessed.contains("blessed ex2_resident_161kw_not_low_voltage")
            && blessed.contains("access.class: expected \"hv_ordinary\", now \"low_voltage\"")
            && blessed.contains("3 cases rewritten"),
        "{blessed}"
    );
    // Its note ("connected at 10 kV") and small_micro_161kw_connected_at_10kv's name cite the
    // old voltage: they are listed to reword.
    assert!(
        blessed.contains("reword: its name or note still mentions 10kV")
            && blessed.contains("of them have a name or note citing an old value"),
        "{blessed}"
    );
    let tested = ok(&powerdesk(&["policy", "test", h], cache.path(), None));
    assert!(tested.contains("35 passed, 0 failed"), "{tested}");
    let rewritten: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(heze.join("fixtures/ex2_resident_161kw_not_low_voltage.json"))
            .unwrap(),
    )
    .unwrap();
    assert_eq!(rewritten["expected"]["access"]["class"], "low_voltage");
    assert!(rewritten["expected"]["bundle"].get("digest").is_none());

    // A case that expects nothing, and one whose application `app new` would refuse.
    let case = heze.join("fixtures/ex1_small_micro_150kw_rural_direct_meter.json");
    let original = std::fs::read_to_string(&case).unwrap();
    let mut empty = fixture.clone();
    empty["expected"] = serde_json::json!({});
    std::fs::write(&case, empty.to_string()).unwrap();
    let e = err(&powerdesk(&["policy", "test", h], cache.path(), None));
    assert!(e.contains("`expected` names no field"), "{e}");
    let mut bad = fixture.clone();
    bad["application"]["customer"]["phone"] = serde_json::json!("12");
    std::fs::write(&case, bad.to_string()).unwrap();
    let e = err(&powerdesk(&["policy", "test", h], cache.path(), None));
    assert!(
        e.contains("the application would be refused by `app new`: customer.phone"),
        "{e}"
    );
    std::fs::write(&case, original).unwrap();

    // The effective date moved after the fixtures' received dates: `policy check` names the
    // cases and what to do, instead of every case failing alike.
    edit(
        &heze.join("bundle.toml"),
        "effective = 2021-08-25",
        "effective = 2026-12-01",
    );
    let e = err(&powerdesk(&["policy", "check", h], cache.path(), None));
    assert!(
        e.contains("received before the bundle's effective date 2026-12-01")
            && e.contains("ex1_small_micro_150kw_rural_direct_meter")
            && !e.contains("refused_received_before_effective")
            && e.contains("move their received_at"),
        "{e}"
    );
    // `policy test` still runs them: each says why and what to do.
    let out = powerdesk(&["policy", "test", h], cache.path(), None);
    let e = err(&out);
    assert!(e.contains("35 of 35 fixture cases failed"), "{e}");
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .contains("move its received_at on, or set `effective` earlier"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    edit(
        &heze.join("bundle.toml"),
        "effective = 2026-12-01",
        "effective = 2021-08-25",
    );

    // `policy new NAME` still makes the module crate of the template.
    ok(&powerdesk(
        &[
            "policy",
            "new",
            "fee-rules",
            "--dir",
            work.path().to_str().unwrap(),
        ],
        cache.path(),
        None,
    ));
    assert!(work.path().join("fee-rules/src/lib.rs").is_file());
    assert!(work.path().join("fee-rules/bundle/bundle.toml").is_file());
}

/// `policy diff` compares every field of a decision, the free efficiency service and the cited
/// rules included, counts per aspect and per rule, prints the summary before the examples, and
/// writes every change with `--out` (CSV or JSON lines by extension).
#[test]
fn diff_counts_every_field_per_aspect_and_rule_and_writes_every_change() {
    let cache = tempfile::tempdir().unwrap();
    let store = tempfile::tempdir().unwrap();
    let s = store.path().to_str().unwrap();
    ok(&powerdesk(
        &["--store", s, "demo", "--count", "300"],
        cache.path(),
        None,
    ));
    // Four stars instead of three: only the efficiency service and its rule change.
    let bundles = copy_jining();
    let stars = bundles.path().join("jining");
    edit(
        &stars.join("bundle.toml"),
        "efficiency_min_stars = 3",
        "efficiency_min_stars = 4",
    );
    let st = stars.to_str().unwrap();
    let out_dir = tempfile::tempdir().unwrap();
    let csv = out_dir.path().join("changes.csv");
    let text = ok(&powerdesk(
        &[
            "--store",
            s,
            "policy",
            "diff",
            "policies/jining",
            st,
            "--json",
            "--out",
            csv.to_str().unwrap(),
        ],
        cache.path(),
        None,
    ));
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let n = v["aspects"]["free_efficiency_service"]["count"]
        .as_u64()
        .unwrap();
    assert!(n > 0, "{text}");
    assert_eq!(v["changed"], n, "{text}");
    assert_eq!(v["aspects"]["rules"]["count"], n, "{text}");
    let aspects: Vec<&String> = v["aspects"].as_object().unwrap().keys().collect();
    assert_eq!(aspects, ["free_efficiency_service", "rules"], "{text}");
    assert_eq!(
        v["rules"],
        serde_json::json!({ "JN-EFFICIENCY": { "dropped": n, "added": 0 } }),
        "{text}"
    );
    let rows = std::fs::read_to_string(&csv).unwrap();
    let lines: Vec<&str> = rows.lines().collect();
    assert_eq!(lines[0], "id,aspect,old,new");
    assert_eq!(lines.len() as u64, 1 + 2 * n, "{rows}");
    assert!(
        lines
            .iter()
            .any(|l| l.ends_with(",free_efficiency_service,true,false")),
        "{rows}"
    );
    assert!(lines
        .iter()
        .any(|l| l.contains(",rules,\"[") && l.contains("JN-EFFICIENCY")));

    let jsonl = out_dir.path().join("changes.jsonl");
    let human = ok(&powerdesk(
        &[
            "--store",
            s,
            "policy",
            "diff",
            "policies/jining",
            st,
            "--out",
            jsonl.to_str().unwrap(),
        ],
        cache.path(),
        None,
    ));
    let rows: Vec<serde_json::Value> = std::fs::read_to_string(&jsonl)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len() as u64, 2 * n);
    assert!(rows
        .iter()
        .all(|r| r["id"].is_string() && r["aspect"].is_string()));
    // The summary (per aspect, per rule) comes before the examples.
    let summary = human
        .find(&format!("free_efficiency_service  {n}"))
        .unwrap();
    let rule = human.find("JN-EFFICIENCY").unwrap();
    let examples = human.find("examples:").unwrap();
    assert!(summary < examples && rule < examples, "{human}");
    let e = err(&powerdesk(
        &[
            "--store",
            s,
            "policy",
            "diff",
            "policies/jining",
            st,
            "--out",
            out_dir.path().join("changes.txt").to_str().unwrap(),
        ],
        cache.path(),
        None,
    ));
    assert!(
        e.contains("unknown extension \"txt\"; use .csv or .jsonl"),
        "{e}"
    );
}

/// `policy list` shows the active bundle and the ones before it (name, version, digest, when, by
/// whom); a store activated before copies were kept (only the folder recorded) still loads its
/// bundle from the folder and notices it edited in place.
#[test]
fn list_shows_active_and_past_bundles_and_an_old_store_still_loads_from_its_folder() {
    use powerdesk::domain::ports::{Change, Repository};
    use powerdesk::policy::active;
    let cache = tempfile::tempdir().unwrap();
    let store = tempfile::tempdir().unwrap();
    let s = store.path().to_str().unwrap();
    let run = |args: &[&str]| powerdesk(args, cache.path(), None);
    let e = ok(&run(&["--store", s, "policy", "list"]));
    assert!(e.contains("no bundle has been activated"), "{e}");
    ok(&run(&[
        "--store",
        s,
        "policy",
        "activate",
        "policies/jining",
        "--actor",
        "张主任",
    ]));
    ok(&run(&[
        "--store",
        s,
        "policy",
        "activate",
        "policies/example-rural-100kw",
        "--actor",
        "李科长",
    ]));
    let v: serde_json::Value =
        serde_json::from_str(&ok(&run(&["--store", s, "policy", "list", "--json"]))).unwrap();
    let rows = v["activations"].as_array().unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["region"], "example-rural-100kw");
    assert_eq!(rows[0]["active"], true);
    assert_eq!(rows[0]["actor"], "李科长");
    assert_eq!(rows[1]["region"], "jining");
    assert_eq!(rows[1]["name"], "济宁市获得电力十七条");
    assert_eq!(rows[1]["version"], "2021.1");
    assert_eq!(rows[1]["actor"], "张主任");
    assert_eq!(rows[1]["active"], false);
    assert!(rows[1]["digest"].as_str().unwrap().starts_with("sha256:"));
    assert!(rows[1]["at"].as_str().is_some());
    let text = ok(&run(&["--store", s, "policy", "list"]));
    let first = text.lines().next().unwrap();
    assert!(first.starts_with("* example-rural-100kw 2026.1"), "{text}");

    // An old store: the active bundle recorded by its folder only.
    let bundles = copy_jining();
    let jining = bundles.path().join("jining");
    let old = tempfile::tempdir().unwrap();
    let host = powerdesk::policy::host::PolicyHost::without_cache(Default::default());
    {
        let repo = powerdesk::store::SledStore::open(old.path()).unwrap();
        active::activate(
            &repo,
            &host,
            &jining,
            "张主任",
            chrono::DateTime::parse_from_rfc3339("2026-03-01T09:00:00+08:00").unwrap(),
        )
        .unwrap();
        repo.commit(Change {
            settings: vec![
                (active::SETTING_FILES.to_string(), None),
                (active::SETTING_HISTORY.to_string(), None),
            ],
            ..Change::default()
        })
        .unwrap();
        let bundle = active::load_active(&repo, &host).unwrap().unwrap();
        assert_eq!(bundle.region(), "jining");
        assert_eq!(bundle.dir(), std::path::absolute(&jining).unwrap());
        edit(
            &jining.join("bundle.toml"),
            "lv_max_kw = 160",
            "lv_max_kw = 100",
        );
        let e = active::load_active(&repo, &host).unwrap_err().to_string();
        assert!(e.contains("changed since it was activated"), "{e}");
    }
    let o = old.path().to_str().unwrap();
    let text = ok(&run(&["--store", o, "policy", "list"]));
    assert!(
        text.contains("activated before this store kept its history"),
        "{text}"
    );
}
