//! The command line of docs/contracts.md, run as the real binary: JSON out, one-line refusals with a
//! non-zero exit and nothing written.

mod store_support;

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;
use store_support::shop_json;

/// The desk's clock in these tests (POWERDESK_NOW): no test reads the wall clock's date.
const PINNED_NOW: &str = "2026-11-20T10:00:00+08:00";

fn powerdesk(store: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_powerdesk"))
        .env("POWERDESK_NOW", PINNED_NOW)
        .arg("--store")
        .arg(store)
        .args(args)
        .output()
        .unwrap()
}

fn ok_json(store: &Path, args: &[&str]) -> Value {
    let out = powerdesk(store, args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{args:?}: not JSON ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

/// A refusal: non-zero exit, exactly one line on stderr, which is returned.
fn refused(store: &Path, args: &[&str]) -> String {
    let out = powerdesk(store, args);
    assert!(!out.status.success(), "{args:?} was accepted");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(stderr.trim_end().lines().count(), 1, "{args:?}: {stderr}");
    stderr
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

fn count(store: &Path) -> usize {
    ok_json(store, &["app", "list", "--json", "--limit", "0"])
        .as_array()
        .unwrap()
        .len()
}

#[test]
fn an_application_goes_from_new_to_archived_through_the_command_line() {
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("store");
    let form = write(tmp.path(), "shop.json", &shop_json());
    let app = ok_json(&store, &["app", "new", "--json", &form]);
    let id = app["id"].as_str().unwrap().to_string();
    assert!(id.starts_with("JN-2026-"), "{id}");
    assert_eq!(app["status"], "accepted");
    assert_eq!(app["process"], "low_voltage");
    assert_eq!(app["customer"]["name"], "济宁市任城区惠民商贸有限公司");

    let list = ok_json(
        &store,
        &[
            "app",
            "list",
            "--status",
            "accepted",
            "--county",
            "任城区",
            "--json",
        ],
    );
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(
        ok_json(&store, &["app", "list", "--class", "small_micro", "--json"])
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        ok_json(&store, &["app", "list", "--class", "low_voltage", "--json"])
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        ok_json(&store, &["app", "list", "--class", "enterprise", "--json"])
            .as_array()
            .unwrap()
            .len(),
        0
    );
    // Received on 2026-03-02 with a 2-working-day limit: long overdue on the pinned day.
    assert_eq!(
        ok_json(&store, &["app", "list", "--overdue", "--json"])
            .as_array()
            .unwrap()
            .len(),
        1
    );

    // An illegal move names the legal next states and writes nothing.
    let err = refused(
        &store,
        &[
            "app",
            "advance",
            &id,
            "--to",
            "plan_replied",
            "--at",
            "2026-03-02T10:00:00+08:00",
        ],
    );
    assert!(
        err.contains("legal next states: line_built, energized, cancelled"),
        "{err}"
    );
    let err = refused(
        &store,
        &[
            "app",
            "advance",
            &id,
            "--to",
            "energized",
            "--at",
            "2026-03-01T10:00:00+08:00",
        ],
    );
    assert!(
        err.contains("at:") && err.contains("before application"),
        "{err}"
    );
    let err = refused(&store, &["app", "advance", &id, "--to", "teleported"]);
    assert!(
        err.contains("--to") && err.contains("accepted, line_built"),
        "{err}"
    );
    let err = refused(
        &store,
        &[
            "app",
            "advance",
            &id,
            "--to",
            "energized",
            "--at",
            "yesterday",
        ],
    );
    assert!(err.contains("--at") && err.contains("RFC 3339"), "{err}");
    assert_eq!(
        ok_json(&store, &["app", "show", &id, "--json"])["events"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    let moved = ok_json(
        &store,
        &[
            "app",
            "advance",
            &id,
            "--to",
            "energized",
            "--at",
            "2026-03-02T15:00:00+08:00",
            "--note",
            "一次上门",
            "--actor",
            "客户经理张伟",
            "--json",
        ],
    );
    assert_eq!(moved["status"], "energized");
    assert_eq!(moved["deadline"], Value::Null);
    ok_json(
        &store,
        &[
            "app",
            "advance",
            &id,
            "--to",
            "archived",
            "--at",
            "2026-03-03T09:00:00+08:00",
            "--json",
        ],
    );
    let err = refused(&store, &["app", "cancel", &id, "--reason", "客户撤回"]);
    assert!(err.contains("none (the application is closed)"), "{err}");

    let shown = ok_json(&store, &["app", "show", &id, "--json"]);
    let events = shown["events"].as_array().unwrap();
    assert_eq!(events.len(), 3);
    assert_eq!(events[1]["actor"], "客户经理张伟");
    assert_eq!(events[1]["note"], "一次上门");
    assert_eq!(events[1]["kind"]["type"], "advanced");
    assert_eq!(events[1]["kind"]["to"], "energized");

    // Human output aligns Chinese by display width.
    let out = powerdesk(&store, &["app", "list"]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("已归档") && text.contains("任城区"), "{text}");
    let out = powerdesk(&store, &["app", "show", &id]);
    assert!(String::from_utf8(out.stdout).unwrap().contains("一次上门"));
    let audit = ok_json(&store, &["audit", "verify", "--json"]);
    assert_eq!(audit["events_checked"], 3);
}

#[test]
fn a_bad_application_is_refused_naming_the_field_and_nothing_is_written() {
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("store");
    let bad = shop_json().replace(r#""voltage": "380V""#, r#""voltage": "10kV""#);
    let form = write(tmp.path(), "bad.json", &bad);
    let err = refused(&store, &["app", "new", "--json", &form]);
    assert!(err.contains("request.capacity_kva"), "{err}");
    let typo = shop_json().replace(r#""capacity_kw": 150"#, r#""capacity_kw": "abc""#);
    let form = write(tmp.path(), "typo.json", &typo);
    let err = refused(&store, &["app", "new", "--json", &form]);
    assert!(err.contains("request.capacity_kw"), "{err}");
    let err = refused(&store, &["app", "new", "--json", "/nonexistent/form.json"]);
    assert!(err.contains("/nonexistent/form.json"), "{err}");
    let err = refused(&store, &["app", "show", "JN-2026-999999"]);
    assert!(err.contains("JN-2026-999999 not found"), "{err}");
    let err = refused(&store, &["app", "list", "--class", "vip"]);
    assert!(
        err.contains("--class") && err.contains("small_micro"),
        "{err}"
    );
    assert_eq!(count(&store), 0);
    assert_eq!(
        ok_json(&store, &["audit", "verify", "--json"])["events_checked"],
        0
    );
}

#[test]
fn stdin_is_read_for_a_dash() {
    use std::io::Write;
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("store");
    let mut child = Command::new(env!("CARGO_BIN_EXE_powerdesk"))
        .arg("--store")
        .arg(&store)
        .args(["app", "new", "--json", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(shop_json().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let app: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(app["id"].as_str().unwrap().starts_with("JN-"));
}

#[test]
fn import_is_all_or_nothing_and_reports_every_bad_line_by_number() {
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("store");
    let good =
        serde_json::to_string(&serde_json::from_str::<Value>(&shop_json()).unwrap()).unwrap();
    let no_county = good.replace(r#""county":"任城区""#, r#""county":"""#);
    let lines = [
        good.clone(),
        no_county,
        good.clone(),
        "{not json".to_string(),
        good.clone(),
    ]
    .join("\n");
    let file = write(tmp.path(), "bad.jsonl", &lines);
    let err = refused(&store, &["import", &file]);
    assert!(err.contains("line 2: site.county"), "{err}");
    assert!(err.contains("line 4: not JSON"), "{err}");
    assert!(
        !err.contains("line 1:") && !err.contains("line 3:"),
        "{err}"
    );
    assert_eq!(count(&store), 0);

    let file = write(
        tmp.path(),
        "good.jsonl",
        &[good.clone(), good.clone(), good].join("\n"),
    );
    let report = ok_json(&store, &["import", &file, "--json"]);
    assert_eq!(report["accepted"], 3);
    assert_eq!(count(&store), 3);
}

#[test]
fn a_large_import_is_checked_in_parallel_but_reported_and_numbered_in_file_order() {
    // More lines than one decision batch and one worker's share, with bad lines in each share.
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("store");
    let mut generator = powerdesk::service::demo::DemoGenerator::new(11);
    let forms: Vec<Value> = (0..3_000)
        .map(|_| serde_json::to_value(generator.form()).unwrap())
        .collect();
    let mut lines: Vec<String> = forms.iter().map(Value::to_string).collect();
    let good = lines.clone();
    let mut bad = forms[1].clone();
    bad["customer"]["star_rating"] = 9.into();
    lines[1] = bad.to_string();
    lines[2_998] = "[1, 2]".to_string();
    let file = write(tmp.path(), "bad.jsonl", &lines.join("\n"));
    let err = refused(&store, &["import", &file]);
    assert!(err.contains("line 2: customer.star_rating"), "{err}");
    assert!(err.contains("line 2999: "), "{err}");
    assert!(
        !err.contains("line 1:") && !err.contains("line 3000:"),
        "{err}"
    );
    assert_eq!(count(&store), 0);

    let file = write(tmp.path(), "good.jsonl", &good.join("\n"));
    let report = ok_json(&store, &["import", &file, "--json"]);
    assert_eq!(report["accepted"], 3_000);
    let ids: Vec<&str> = report["ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|id| id.as_str().unwrap())
        .collect();
    // Each line got the next id of its year, in file order.
    let mut last: std::collections::HashMap<&str, &str> = Default::default();
    for (form, id) in forms.iter().zip(&ids) {
        let year = &form["received_at"].as_str().unwrap()[..4];
        assert!(id.contains(year), "{id} for a form of {year}");
        if let Some(before) = last.insert(year, id) {
            assert!(before < *id, "{before} then {id}");
        }
    }
    for k in [0, 1_500, 2_999] {
        let shown = ok_json(&store, &["app", "show", ids[k], "--json"]);
        assert_eq!(shown["customer"], forms[k]["customer"], "line {}", k + 1);
    }
}

#[test]
fn export_then_import_carries_applications_and_their_history_to_another_store() {
    let tmp = tempfile::tempdir().unwrap();
    let a = tmp.path().join("a");
    let b = tmp.path().join("b");
    ok_json(&a, &["demo", "--count", "150", "--json"]);
    let file = tmp.path().join("out.jsonl");
    ok_json(
        &a,
        &["export", "--to", &file.display().to_string(), "--json"],
    );
    let report = ok_json(&b, &["import", &file.display().to_string(), "--json"]);
    assert_eq!(report["restored"], 150);
    let list_a = ok_json(&a, &["app", "list", "--json", "--limit", "0"]);
    let list_b = ok_json(&b, &["app", "list", "--json", "--limit", "0"]);
    assert_eq!(list_a, list_b);
    let id = list_a[0]["id"].as_str().unwrap();
    let ev_a = ok_json(&a, &["app", "show", id, "--json"])["events"]
        .as_array()
        .unwrap()
        .len();
    let ev_b = ok_json(&b, &["app", "show", id, "--json"])["events"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(ev_a, ev_b);
    // New applications in the importing store never take an imported id.
    let form = write(tmp.path(), "shop.json", &shop_json());
    let fresh = ok_json(&b, &["app", "new", "--json", &form])["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        list_a
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["id"] != fresh.as_str()),
        "{fresh} reused"
    );
    assert_eq!(count(&b), 151);
    // Importing the same export again is refused: the ids exist.
    let err = refused(&b, &["import", &file.display().to_string()]);
    assert!(
        err.contains("line 1: id: application") && err.contains("already exists"),
        "{err}"
    );
}

#[test]
fn backup_restores_into_an_empty_store_and_verifies() {
    let tmp = tempfile::tempdir().unwrap();
    let a = tmp.path().join("a");
    let b = tmp.path().join("b");
    ok_json(&a, &["demo", "--count", "120", "--json"]);
    let file = tmp.path().join("backup.jsonl").display().to_string();
    let summary = ok_json(&a, &["backup", "--to", &file, "--json"]);
    assert_eq!(summary["applications"], 120);
    let restored = ok_json(&b, &["restore", &file, "--json"]);
    assert_eq!(restored, summary);
    assert_eq!(
        ok_json(&a, &["app", "list", "--json", "--limit", "0"]),
        ok_json(&b, &["app", "list", "--json", "--limit", "0"])
    );
    assert_eq!(
        ok_json(&a, &["audit", "verify", "--json"]),
        ok_json(&b, &["audit", "verify", "--json"])
    );
    // Ids continue where the original left off.
    let form = write(tmp.path(), "shop.json", &shop_json());
    let next_a = ok_json(&a, &["app", "new", "--json", &form])["id"].clone();
    let next_b = ok_json(&b, &["app", "new", "--json", &form])["id"].clone();
    assert_eq!(next_a, next_b);

    let err = refused(&b, &["restore", &file]);
    assert!(err.contains("empty store"), "{err}");
    // A truncated backup is refused and leaves the new store empty.
    let text = std::fs::read_to_string(&file).unwrap();
    let cut: Vec<&str> = text.lines().take(text.lines().count() / 2).collect();
    let truncated = write(tmp.path(), "cut.jsonl", &cut.join("\n"));
    let c = tmp.path().join("c");
    let err = refused(&c, &["restore", &truncated]);
    assert!(err.contains("truncated"), "{err}");
    assert_eq!(count(&c), 0);
}

#[test]
fn demo_is_reproducible_and_covers_every_class_and_state() {
    let tmp = tempfile::tempdir().unwrap();
    let a = tmp.path().join("a");
    let b = tmp.path().join("b");
    let sa = ok_json(&a, &["demo", "--count", "3000", "--seed", "9", "--json"]);
    let sb = ok_json(&b, &["demo", "--count", "3000", "--seed", "9", "--json"]);
    assert_eq!(sa["by_status"], sb["by_status"]);
    let la = ok_json(&a, &["app", "list", "--json", "--limit", "0"]);
    assert_eq!(la, ok_json(&b, &["app", "list", "--json", "--limit", "0"]));
    // A believable office (issue 14 §7): most applications finished, a few open at every
    // stage that lasts; one-day states such as line_built may have nobody in them at 3,000.
    for state in [
        "accepted",
        "plan_replied",
        "completion_reported",
        "energized",
        "archived",
        "cancelled",
    ] {
        assert!(
            sa["by_status"][state].as_u64().unwrap_or(0) > 0,
            "no demo application is {state}: {sa}"
        );
    }
    let states = sa["by_status"].as_object().unwrap().len();
    assert!(states >= 8, "only {states} states: {sa}");
    for class in [
        "resident",
        "small_micro",
        "enterprise",
        "low_voltage",
        "hv_ordinary",
        "hv_standard",
    ] {
        assert!(
            !ok_json(&a, &["app", "list", "--class", class, "--json"])
                .as_array()
                .unwrap()
                .is_empty(),
            "{class}"
        );
    }
    assert!(!ok_json(&a, &["app", "list", "--overdue", "--json"])
        .as_array()
        .unwrap()
        .is_empty());
    let counties: std::collections::BTreeSet<&str> = la
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["site"]["county"].as_str().unwrap())
        .collect();
    assert_eq!(counties.len(), 11, "{counties:?}");
    let report = ok_json(&a, &["audit", "verify", "--json"]);
    assert_eq!(report["first_broken"], Value::Null);
}

#[test]
fn the_desk_reads_its_clock_from_one_port_that_powerdesk_now_pins() {
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("store");
    let form = write(tmp.path(), "shop.json", &shop_json());
    let id = ok_json(&store, &["app", "new", "--json", &form])["id"]
        .as_str()
        .unwrap()
        .to_string();
    // A move without --at happens now, on the pinned clock.
    ok_json(
        &store,
        &["app", "advance", &id, "--to", "energized", "--json"],
    );
    let shown = ok_json(&store, &["app", "show", &id, "--json"]);
    let last = shown["events"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["at"], PINNED_NOW, "{last}");
    assert_eq!(shown["timeline"]["as_of"], "2026-11-20");

    // A pinned time that is not a time is named, with what to do.
    let out = Command::new(env!("CARGO_BIN_EXE_powerdesk"))
        .env("POWERDESK_NOW", "next tuesday")
        .arg("--store")
        .arg(&store)
        .args(["app", "list", "--json"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("POWERDESK_NOW") && err.contains("2027-01-05"),
        "{err}"
    );
}

/// The real binary on the wall clock, moved years ahead by libfaketime (Debian's `faketime`,
/// which .ci/run installs): taking, moving and listing applications never depends on the date.
#[test]
fn the_desk_keeps_working_with_the_wall_clock_years_ahead() {
    let faketime = ["/usr/bin/faketime", "/usr/local/bin/faketime"]
        .into_iter()
        .find(|p| Path::new(p).exists())
        .expect("this test needs libfaketime's `faketime` (apt-get install faketime; .ci/run installs it)");
    for day in ["2026-12-01", "2027-03-01", "2030-01-01"] {
        let tmp = tempfile::tempdir().unwrap();
        let store = tmp.path().join("store");
        let form = write(tmp.path(), "shop.json", &shop_json());
        let run = |args: &[&str]| -> Value {
            let out = Command::new(faketime)
                .arg(format!("{day} 10:00:00"))
                .arg(env!("CARGO_BIN_EXE_powerdesk"))
                .env_remove("POWERDESK_NOW")
                // The suite itself may run under libfaketime: the child gets only this day's.
                .env_remove("LD_PRELOAD")
                .env_remove("FAKETIME")
                .env("TZ", "Asia/Shanghai")
                .arg("--store")
                .arg(&store)
                .args(args)
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{day} {args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            serde_json::from_slice(&out.stdout).unwrap()
        };
        let jining = concat!(env!("CARGO_MANIFEST_DIR"), "/policies/jining");
        run(&["policy", "activate", jining, "--actor", "张主任", "--json"]);
        let id = run(&["app", "new", "--json", &form])["id"]
            .as_str()
            .unwrap()
            .to_string();
        run(&["app", "advance", &id, "--to", "line_built", "--json"]);
        let shown = run(&["app", "show", &id, "--json"]);
        assert_eq!(
            shown["timeline"]["as_of"], day,
            "the desk's today is the wall clock's"
        );
        let moved = &shown["events"].as_array().unwrap()[1];
        assert!(
            moved["at"].as_str().unwrap().starts_with(day),
            "{day}: {moved}"
        );
        assert!(
            shown["timeline"]["pending"]["deadline"].is_string(),
            "{shown}"
        );
        let overdue = run(&["app", "list", "--overdue", "--json"]);
        assert_eq!(overdue.as_array().unwrap().len(), 1, "{day}");
    }
}

#[test]
fn stored_text_never_acts_on_the_terminal() {
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("store");
    let form = write(tmp.path(), "shop.json", &shop_json());
    let id = ok_json(&store, &["app", "new", "--json", &form])["id"]
        .as_str()
        .unwrap()
        .to_string();
    // A reason that would clear the screen is refused, naming the field; nothing is written.
    let err = refused(
        &store,
        &["app", "cancel", &id, "--reason", "客户撤回\u{1b}[2J\u{7}"],
    );
    assert!(
        err.contains("reason") && err.contains("control character"),
        "{err}"
    );
    assert!(
        !err.contains('\u{1b}'),
        "the refusal itself is escaped: {err:?}"
    );
    assert_eq!(
        ok_json(&store, &["app", "show", &id, "--json"])["status"],
        "accepted"
    );
    // Text from the command line echoed in an error is escaped too.
    let err = refused(&store, &["app", "show", "JN-2026-\u{1b}]0;owned\u{7}"]);
    assert!(
        err.contains("\\u{1b}") && !err.contains('\u{1b}'),
        "{err:?}"
    );
}

#[test]
fn a_listing_piped_into_head_ends_quietly() {
    use std::io::Read;
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("store");
    ok_json(&store, &["demo", "--count", "300", "--json"]);
    let mut child = Command::new(env!("CARGO_BIN_EXE_powerdesk"))
        .env("POWERDESK_NOW", PINNED_NOW)
        .arg("--store")
        .arg(&store)
        .args(["app", "list", "--json", "--limit", "300"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 64];
    child.stdout.take().unwrap().read_exact(&mut first).unwrap();
    // The reader went away after 64 bytes, like `head -c 64`.
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.is_empty(), "nothing on stderr, got {stderr:?}");
}

#[test]
fn import_reads_bounded_lines_and_decides_with_the_active_bundle() {
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("store");
    let jining = concat!(env!("CARGO_MANIFEST_DIR"), "/policies/jining");
    ok_json(
        &store,
        &["policy", "activate", jining, "--actor", "张主任", "--json"],
    );
    let form: Value = serde_json::from_str(&shop_json()).unwrap();
    let line = serde_json::to_string(&form).unwrap();
    let file = write(tmp.path(), "forms.jsonl", &format!("{line}\n{line}\n"));
    ok_json(&store, &["import", &file, "--json"]);
    let direct = ok_json(
        &store,
        &["app", "new", "--json", &write(tmp.path(), "f.json", &line)],
    );
    let imported = ok_json(&store, &["app", "list", "--json"]);
    let imported = &imported.as_array().unwrap()[0];
    assert!(imported["decision"].is_object(), "{imported}");
    assert_eq!(imported["decision"], direct["decision"]);
    assert_eq!(imported["process"], direct["process"]);
    assert_eq!(imported["deadline"], direct["deadline"]);

    // A line longer than 1 MiB stops the import at once, named by its number.
    let huge = format!(
        "{line}\n{{\"customer\": {{\"name\": \"{}\"}}}}\n",
        "张".repeat(400_000)
    );
    let err = refused(&store, &["import", &write(tmp.path(), "huge.jsonl", &huge)]);
    assert!(err.contains("line 2") && err.contains("1 MiB"), "{err}");
    assert_eq!(count(&store), 3, "nothing written");
}

#[test]
fn usage_errors_are_one_line_too() {
    let tmp = tempfile::tempdir().unwrap();
    let err = refused(tmp.path(), &["app", "cancel", "JN-2026-000001"]);
    assert!(err.contains("--reason"), "{err}");
    let err = refused(tmp.path(), &["app", "frobnicate"]);
    assert!(err.contains("frobnicate"), "{err}");
}

#[test]
fn demo_applications_are_decided_by_the_jining_bundle_which_becomes_active() {
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("s");
    ok_json(&store, &["demo", "--count", "200", "--json"]);
    let list = ok_json(&store, &["app", "list", "--json", "--limit", "0"]);
    let apps = list.as_array().expect("a JSON array");
    assert_eq!(apps.len(), 200);
    for app in apps {
        let decision = &app["decision"];
        assert_eq!(decision["bundle"]["region"], "jining", "{}", app["id"]);
        assert_eq!(
            app["process"], decision["access"]["class"],
            "the process class follows the decision: {}",
            app["id"]
        );
        assert!(!decision["rules"].as_array().unwrap().is_empty());
    }
    // The bundle is now the store's active one: a new application is decided by it too.
    let form = write(
        tmp.path(),
        "a.json",
        &std::fs::read_to_string(
            "policies/jining/fixtures/ex1_small_micro_150kw_rural_direct_meter.json",
        )
        .map(|t| {
            let mut form = serde_json::from_str::<Value>(&t).unwrap()["application"].clone();
            // Fixtures feed rule modules, which never see the id number: give it a valid one.
            form["customer"]["id_number"] =
                powerdesk::domain::validation::credit_code_with_check("91370811MA3C5XY7G").into();
            form.to_string()
        })
        .unwrap(),
    );
    let created = ok_json(&store, &["app", "new", "--json", &form]);
    assert_eq!(created["decision"]["bundle"]["region"], "jining");
    assert_eq!(created["decision"]["programs"][0], "three_zero");
}

/// The shop of CONTRACTS.md as a 35 kV request received at `received_at`.
fn thirty_five_kv(received_at: &str) -> String {
    shop_json()
        .replace(
            r#""voltage": "380V", "capacity_kw": 150, "capacity_kva": null"#,
            r#""voltage": "35kV", "capacity_kw": null, "capacity_kva": 8000"#,
        )
        .replace(r#""direct_meter": true"#, r#""direct_meter": false"#)
        .replace("2026-03-02T09:00:00+08:00", received_at)
}

#[test]
fn applications_beyond_the_loaded_calendar_are_taken_with_a_provisional_deadline() {
    // DOMAIN.md: a date outside the loaded years "must never stop the work".
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("s");
    ok_json(&store, &["policy", "activate", "policies/jining", "--json"]);
    let december = write(
        tmp.path(),
        "dec.json",
        &thirty_five_kv("2026-12-15T10:00:00+08:00"),
    );
    let january = write(
        tmp.path(),
        "jan.json",
        &shop_json().replace("2026-03-02T09:00:00+08:00", "2027-01-05T10:00:00+08:00"),
    );
    let dec = ok_json(&store, &["app", "new", "--json", &december]);
    assert_eq!(dec["decision"]["bundle"]["region"], "jining");
    assert_eq!(dec["process"], "hv_standard");
    assert_eq!(dec["deadline"], "2027-01-06");
    assert_eq!(dec["deadline_provisional"], true);
    assert_eq!(dec["missing_calendar_years"], serde_json::json!([2027]));
    let jan = ok_json(&store, &["app", "new", "--json", &january]);
    assert_eq!(jan["decision"]["bundle"]["region"], "jining");
    assert_eq!(jan["deadline_provisional"], true);
    let shown = ok_json(
        &store,
        &["app", "show", dec["id"].as_str().unwrap(), "--json"],
    );
    assert_eq!(shown["deadline_provisional"], true);
    assert_eq!(shown["timeline"]["pending"]["deadline"], "2027-01-06");
    assert_eq!(shown["timeline"]["pending"]["deadline_provisional"], true);
    assert_eq!(
        shown["timeline"]["pending"]["missing_calendar_years"],
        serde_json::json!([2027])
    );
    assert!(shown.get("timeline_error").is_none(), "{shown}");
    // The tables for a person mark it too, and say what to load.
    let table = powerdesk(&store, &["app", "list"]);
    let table = String::from_utf8_lossy(&table.stdout);
    assert!(table.contains("2027-01-06 暂"), "{table}");
    let detail = powerdesk(&store, &["app", "show", dec["id"].as_str().unwrap()]);
    let detail = String::from_utf8_lossy(&detail.stdout);
    assert!(
        detail.contains("国务院办公厅关于2027年部分节假日安排的通知"),
        "{detail}"
    );

    // calendar check names what to load.
    let check = ok_json(&store, &["calendar", "check", "--json"]);
    assert!(check["calendar"]
        .as_str()
        .unwrap()
        .starts_with("active bundle"));
    let loaded: Vec<i64> = check["loaded"]
        .as_array()
        .unwrap()
        .iter()
        .map(|y| y["year"].as_i64().unwrap())
        .collect();
    assert_eq!(loaded, (2021..=2026).collect::<Vec<i64>>());
    assert_eq!(
        check["loaded"][5]["notice"],
        "国务院办公厅关于2026年部分节假日安排的通知"
    );
    assert_eq!(check["provisional"][0]["year"], 2027);
    assert_eq!(
        check["provisional"][0]["statutory_holidays"]
            .as_array()
            .unwrap()
            .len(),
        13
    );
    assert_eq!(check["open_applications"]["count"], 2);
    assert_eq!(
        check["open_applications"]["first_ids"],
        serde_json::json!([dec["id"], jan["id"]])
    );
    assert_eq!(
        check["to_load"],
        serde_json::json!(["国务院办公厅关于2027年部分节假日安排的通知"])
    );
    let text = powerdesk(&store, &["calendar", "check"]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains("load 国务院办公厅关于2027年部分节假日安排的通知"),
        "{text}"
    );

    // The 2027 file (a TEST FIXTURE with a made-up day off on 5 January) is added to a copy of
    // the bundle kept elsewhere, checked there, and activated: both deadlines are recounted.
    let bundle = tmp.path().join("elsewhere/jining");
    copy_dir(Path::new("policies/jining"), &bundle);
    std::fs::copy(
        "tests/fixtures/calendar_2027_test.toml",
        bundle.join("calendar/2027.toml"),
    )
    .unwrap();
    let manifest = bundle.join("bundle.toml");
    let text = std::fs::read_to_string(&manifest).unwrap().replacen(
        "\"calendar/2026.toml\",",
        "\"calendar/2026.toml\",\n    \"calendar/2027.toml\",",
        1,
    );
    std::fs::write(&manifest, text).unwrap();
    let bundle_arg = bundle.display().to_string();
    let out = Command::new(env!("CARGO_BIN_EXE_powerdesk"))
        .args(["calendar", "check", "--json", "--policy", &bundle_arg])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let bundle_check: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(bundle_check["loaded"][6]["year"], 2027);
    assert_eq!(bundle_check["provisional"][0]["year"], 2028);
    assert!(bundle_check["open_applications"].is_null(), "no --store");
    let against = ok_json(
        &store,
        &["calendar", "check", "--json", "--policy", &bundle_arg],
    );
    assert_eq!(against["open_applications"]["covered_by_this_calendar"], 2);

    let activated = ok_json(&store, &["policy", "activate", &bundle_arg, "--json"]);
    assert_eq!(activated["calendar"]["changed"], true);
    assert_eq!(activated["calendar"]["years"], serde_json::json!([2027]));
    assert_eq!(activated["calendar"]["recounted"], 2);
    assert_eq!(activated["calendar"]["still_provisional"], 0);
    let shown = ok_json(
        &store,
        &["app", "show", dec["id"].as_str().unwrap(), "--json"],
    );
    assert_eq!(
        shown["deadline"], "2027-01-07",
        "5 January is off in the file"
    );
    assert_eq!(shown["deadline_provisional"], false);
    assert_eq!(shown["missing_calendar_years"], serde_json::json!([]));
    assert_eq!(shown["timeline"]["pending"]["deadline_provisional"], false);
    let check = ok_json(&store, &["calendar", "check", "--json"]);
    assert_eq!(check["open_applications"]["count"], 0);
    assert_eq!(
        check["to_load"],
        serde_json::json!(["国务院办公厅关于2028年部分节假日安排的通知"])
    );
}

#[test]
fn a_copied_bundle_is_checked_evaluated_and_activated_from_where_it_lies() {
    let tmp = tempfile::tempdir().unwrap();
    let bundle = tmp.path().join("far/away/jining");
    copy_dir(Path::new("policies/jining"), &bundle);
    let dir = bundle.display().to_string();
    let form = write(tmp.path(), "shop.json", &shop_json());
    for args in [
        vec!["policy", "check", &dir],
        vec!["evaluate", "--policy", &dir, "--json", &form],
        vec!["calendar", "check", "--policy", &dir],
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_powerdesk"))
            .args(&args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let store = tmp.path().join("s");
    ok_json(&store, &["policy", "activate", &dir, "--json"]);
    let created = ok_json(&store, &["app", "new", "--json", &form]);
    assert_eq!(created["deadline"], "2026-03-02");
    assert_eq!(created["deadline_provisional"], false);
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

/// The text of a PDF, as `pdftotext` (poppler-utils) extracts it.
fn pdf_text(pdf: &Path) -> String {
    let out = Command::new("pdftotext")
        .arg("-enc")
        .arg("UTF-8")
        .arg(pdf)
        .arg("-")
        .output()
        .expect("pdftotext (Debian's poppler-utils; .ci/run installs it)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Line breaks and the spacing between CJK and Latin runs are layout, not text.
    String::from_utf8(out.stdout)
        .unwrap()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect()
}

/// `want` as [`pdf_text`] gives it back.
fn squeezed(want: &str) -> String {
    want.chars().filter(|c| !c.is_whitespace()).collect()
}

/// Render the first page with `pdftoppm` at 40 dpi in grey; how many pixels are dark (ink).
fn pdf_ink(pdf: &Path) -> usize {
    let prefix = pdf.with_extension("page");
    let out = Command::new("pdftoppm")
        .args(["-gray", "-r", "40", "-f", "1", "-l", "1", "-singlefile"])
        .arg(pdf)
        .arg(&prefix)
        .output()
        .expect("pdftoppm (Debian's poppler-utils; .ci/run installs it)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let pgm = std::fs::read(prefix.with_extension("page.pgm")).unwrap();
    // P5 header: magic, width, height, maxval, each followed by white space.
    let mut fields = 0;
    let mut at = 0;
    while fields < 4 {
        while pgm[at].is_ascii_whitespace() {
            at += 1;
        }
        while !pgm[at].is_ascii_whitespace() {
            at += 1;
        }
        fields += 1;
    }
    let pixels = &pgm[at + 1..];
    // A4 at 40 dpi is 331 x 468.
    assert!(pixels.len() > 300 * 400, "{} pixels", pixels.len());
    pixels.iter().filter(|p| **p < 128).count()
}

#[test]
fn papers_print_as_pdf_and_html_with_the_chinese_text_the_number_and_the_deadlines() {
    // 受理回执, 一次性告知书, 供电方案答复单, 承诺备案表, 信息公开: issue 15's papers.
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("s");
    ok_json(&store, &["policy", "activate", "policies/jining", "--json"]);
    let ten_kv = shop_json()
        .replace(
            r#""voltage": "380V", "capacity_kw": 150, "capacity_kva": null"#,
            r#""voltage": "10kV", "capacity_kw": null, "capacity_kva": 800"#,
        )
        .replace(r#""direct_meter": true"#, r#""direct_meter": false"#)
        .replace(
            "济宁市任城区惠民商贸有限公司",
            "济宁<b>鲁信</b>机械有限公司",
        )
        .replace("2026-03-02T09:00:00+08:00", "2026-11-18T09:00:00+08:00");
    let hv = ok_json(
        &store,
        &[
            "app",
            "new",
            "--json",
            &write(tmp.path(), "hv.json", &ten_kv),
        ],
    );
    let hv_id = hv["id"].as_str().unwrap().to_string();
    let deadline = hv["deadline"].as_str().unwrap().to_string();
    let shop = ok_json(
        &store,
        &[
            "app",
            "new",
            "--json",
            &write(tmp.path(), "lv.json", &shop_json()),
        ],
    );
    let lv_id = shop["id"].as_str().unwrap().to_string();

    // The office as the papers print it.
    let office = ok_json(
        &store,
        &[
            "office",
            "--name",
            "国网济宁供电公司任城供电中心",
            "--phone",
            "0537-95598",
            "--json",
        ],
    );
    assert_eq!(office["name"], "国网济宁供电公司任城供电中心");
    assert!(refused(&store, &["office", "--name", " "]).contains("--name"));

    // The receipt: the number, the steps ahead with the deadline, how to track.
    let receipt = tmp.path().join("receipt.pdf");
    let done = ok_json(
        &store,
        &[
            "doc",
            "receipt",
            &hv_id,
            "--to",
            receipt.to_str().unwrap(),
            "--json",
        ],
    );
    assert_eq!(done["reference"], hv_id.as_str());
    let text = pdf_text(&receipt);
    for want in [
        "业扩报装受理回执",
        hv_id.as_str(),
        "答复供电方案",
        "2 个工作日",
        &format!("{deadline}前"),
        "装表接电",
        "查询码",
        "国网济宁供电公司任城供电中心",
        "0537-95598",
        "不指定设计、施工、设备材料供应单位",
        "第 1 页",
    ] {
        assert!(
            text.contains(&squeezed(want)),
            "receipt lacks {want}:\n{text}"
        );
    }
    assert!(
        pdf_ink(&receipt) > 2_000,
        "the receipt renders as ink on paper"
    );

    // The one-time notice: every document still needed, once, and the 三指定 statement.
    let notice = tmp.path().join("notice.pdf");
    ok_json(
        &store,
        &[
            "doc",
            "notice",
            &lv_id,
            "--to",
            notice.to_str().unwrap(),
            "--json",
        ],
    );
    let text = pdf_text(&notice);
    for want in [
        "一次性告知书",
        "营业执照",
        "产权证明",
        "三指定告知",
        lv_id.as_str(),
    ] {
        assert!(
            text.contains(&squeezed(want)),
            "notice lacks {want}:\n{text}"
        );
    }
    assert!(
        !text.contains("用电设备清单"),
        "a low-voltage customer brings no load list"
    );

    // The plan reply is for 10 kV and above.
    let plan = tmp.path().join("plan.pdf");
    ok_json(
        &store,
        &[
            "doc",
            "plan",
            &hv_id,
            "--to",
            plan.to_str().unwrap(),
            "--json",
        ],
    );
    let text = pdf_text(&plan);
    for want in ["供电方案答复单", "10千伏", "投资界面", "jining"] {
        assert!(text.contains(&squeezed(want)), "plan lacks {want}:\n{text}");
    }
    let err = refused(
        &store,
        &["doc", "plan", &lv_id, "--to", plan.to_str().unwrap()],
    );
    assert!(err.contains("10 kV and above"), "{err}");
    assert!(
        pdf_text(&plan).contains("供电方案答复单"),
        "a refusal leaves the file as it was"
    );

    // The commitment filing form, prefilled.
    let filing = tmp.path().join("filing.pdf");
    ok_json(
        &store,
        &[
            "doc",
            "filing",
            &hv_id,
            "--to",
            filing.to_str().unwrap(),
            "--json",
        ],
    );
    let text = pdf_text(&filing);
    for want in [
        "免行政审批承诺备案表",
        "项目建设单位",
        "济宁<b>鲁信</b>机械有限公司",
        "张贴",
    ] {
        assert!(
            text.contains(&squeezed(want)),
            "filing lacks {want}:\n{text}"
        );
    }

    // The disclosure: the bundle's limits per class and its abolished fees.
    let disclosure = tmp.path().join("disclosure.pdf");
    ok_json(
        &store,
        &[
            "doc",
            "disclosure",
            "--to",
            disclosure.to_str().unwrap(),
            "--json",
        ],
    );
    let text = pdf_text(&disclosure);
    for want in [
        "服务流程、办理环节及时限",
        "10千伏普通客户",
        "答复供电方案 2 个工作日",
        "临时接电费",
        "发改价格〔2017〕1895号",
        "配电网接入能力及容量受限情况",
    ] {
        assert!(
            text.contains(&squeezed(want)),
            "disclosure lacks {want}:\n{text}"
        );
    }

    // HTML: the same paper, user text escaped.
    let html_path = tmp.path().join("receipt.html");
    ok_json(
        &store,
        &[
            "doc",
            "receipt",
            &hv_id,
            "--to",
            html_path.to_str().unwrap(),
            "--json",
        ],
    );
    let html = std::fs::read_to_string(&html_path).unwrap();
    assert!(html.contains("<html lang=\"zh-CN\">") && html.contains(&hv_id));
    assert!(
        html.contains("济宁&lt;b&gt;鲁信&lt;/b&gt;机械有限公司"),
        "{html}"
    );
    assert!(!html.contains("<b>鲁信"), "user text is never markup");

    // Refusals name what is wrong.
    let to = tmp.path().join("x.pdf");
    let to = to.to_str().unwrap();
    assert!(refused(&store, &["doc", "bill", &hv_id, "--to", to]).contains("receipt, notice"));
    assert!(refused(&store, &["doc", "receipt", "--to", to]).contains("give the application's id"));
    assert!(
        refused(&store, &["doc", "disclosure", &hv_id, "--to", to]).contains("leave the id out")
    );
    assert!(
        refused(&store, &["doc", "receipt", &hv_id, "--to", "x.docx"]).contains(".pdf or .html")
    );
    assert!(
        refused(&store, &["doc", "receipt", "JN-2026-999999", "--to", to]).contains("not found")
    );
    assert!(!Path::new(to).exists(), "nothing written for a refusal");
}

#[test]
fn service_records_are_kept_from_the_command_line_with_refusals_that_name_the_field() {
    // Issue 15: firms (三指定), capacity, disclosure, safety, efficiency, teams and fees.
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("s");
    ok_json(&store, &["policy", "activate", "policies/jining", "--json"]);
    let shop = ok_json(
        &store,
        &[
            "app",
            "new",
            "--json",
            &write(tmp.path(), "lv.json", &shop_json()),
        ],
    );
    let id = shop["id"].as_str().unwrap().to_string();

    let firm = ok_json(
        &store,
        &[
            "firm",
            "add",
            "F01",
            "--name",
            "济宁鲁电工程有限公司",
            "--role",
            "construction,design",
            "--json",
        ],
    );
    assert_eq!(firm["history"][0]["action"], "listed");
    let err = refused(
        &store,
        &["firm", "add", "F02", "--name", "x", "--role", "builder"],
    );
    assert!(
        err.contains("--role") && err.contains("construction"),
        "{err}"
    );
    // The red line, in the operator's language.
    let err = refused(
        &store,
        &[
            "--lang",
            "zh",
            "firm",
            "choose",
            &id,
            "--role",
            "construction",
            "--firm",
            "F01",
            "--note",
            "所里指定的施工队",
        ],
    );
    assert!(
        err.contains("choice.chosen_by") && err.contains("三指定") && err.contains("红线"),
        "{err}"
    );
    let err = refused(
        &store,
        &[
            "--lang",
            "en",
            "firm",
            "choose",
            &id,
            "--role",
            "construction",
            "--firm",
            "F01",
            "--note",
            "所里指定的施工队",
        ],
    );
    assert!(err.contains("red line"), "{err}");
    let chosen = ok_json(
        &store,
        &[
            "firm",
            "choose",
            &id,
            "--role",
            "construction",
            "--firm",
            "F01",
            "--json",
        ],
    );
    assert_eq!(chosen["body"]["firm_id"], "F01");

    // 违规收费: the abolished item is refused with the document that abolished it.
    let err = refused(
        &store,
        &[
            "fee",
            "charge",
            &id,
            "--item",
            "临时接电费",
            "--yuan",
            "800",
        ],
    );
    assert!(
        err.contains("fee.item") && err.contains("发改价格〔2017〕1895号"),
        "{err}"
    );
    // A campaign with no customer in scope is refused: 全覆盖 needs the register.
    let err = refused(
        &store,
        &[
            "safety",
            "open",
            "--name",
            "冬季大排查",
            "--county",
            "任城区",
            "--from",
            "2026-11-02",
            "--to",
            "2026-12-31",
        ],
    );
    assert!(err.contains("campaign.customers"), "{err}");
    let err = refused(
        &store,
        &[
            "safety",
            "visit",
            "SC-2026-09",
            "3701",
            "--on",
            "2026-13-01",
        ],
    );
    assert!(err.contains("--on") && err.contains("YYYY-MM-DD"), "{err}");

    ok_json(
        &store,
        &[
            "capacity",
            "set",
            "任城区",
            "--mva",
            "42.5",
            "--as-of",
            "2026-11-18",
            "--area",
            "古槐街道老城区",
            "--json",
        ],
    );
    let v1 = ok_json(&store, &["disclosure", "publish", "--json"]);
    assert_eq!(v1["body"]["version"], 1);
    assert!(v1["body"]["notice"]["sections"]
        .to_string()
        .contains("古槐街道老城区"));
    let err = refused(&store, &["disclosure", "publish"]);
    assert!(err.contains("--force"), "{err}");
    let list = ok_json(&store, &["disclosure", "list", "--json"]);
    assert_eq!(list["due"], false);
    // Regenerated when the bundle changes: activating another bundle publishes version 2.
    let switched = ok_json(
        &store,
        &[
            "policy",
            "activate",
            "policies/example-rural-100kw",
            "--json",
        ],
    );
    assert_eq!(switched["disclosure"]["version"], 2, "{switched}");
    let back = ok_json(&store, &["policy", "activate", "policies/jining", "--json"]);
    assert_eq!(back["disclosure"]["version"], 3, "{back}");

    // The disclosure paper prints the office's firms and capacities.
    let html = tmp.path().join("disclosure.html");
    ok_json(
        &store,
        &[
            "doc",
            "disclosure",
            "--to",
            html.to_str().unwrap(),
            "--json",
        ],
    );
    let html = std::fs::read_to_string(&html).unwrap();
    assert!(
        html.contains("古槐街道老城区") && html.contains("济宁鲁电工程有限公司"),
        "{html}"
    );
    let services = ok_json(&store, &["services", &id, "--json"]);
    assert_eq!(services["offer"], "appointment_visit");
    assert_eq!(
        services["records"]["firm_choices"][0]["id"],
        format!("{id}/construction")
    );
    let figures = ok_json(&store, &["services", "--json"]);
    assert_eq!(figures["firms_listed"], 1);
    assert_eq!(figures["disclosure_version"], 3);
    assert_eq!(figures["fee_breaches"].as_array().unwrap().len(), 0);
    let audit = ok_json(&store, &["audit", "verify", "--json"]);
    assert!(audit["first_broken"].is_null(), "{audit}");
    // The firm, the choice, the capacity and the notice, each compared with its seal.
    assert!(audit["records_checked"].as_u64().unwrap() >= 5, "{audit}");
}

#[test]
fn the_getting_electricity_report_is_written_as_xlsx_with_a_named_chart_and_as_csv() {
    // Issue 14 §3: `powerdesk report --from DATE --to DATE --by county --to FILE`.
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("s");
    let demo = ok_json(&store, &["demo", "--count", "400", "--json"]);
    assert!(demo["services"]["firms"].as_u64().unwrap() > 0, "{demo}");
    let xlsx = tmp.path().join("report.xlsx");
    let out = ok_json(
        &store,
        &[
            "--lang",
            "zh",
            "report",
            "--from",
            "2026-01-01",
            "--to",
            "2026-11-20",
            "--by",
            "county",
            "--to",
            xlsx.to_str().unwrap(),
            "--json",
        ],
    );
    let rows = out["rows"].as_array().unwrap();
    assert!(rows.len() >= 5, "{out}");
    let total: u64 = rows
        .iter()
        .map(|r| r["applications"].as_u64().unwrap())
        .sum();
    assert_eq!(total, out["total"]["applications"].as_u64().unwrap());
    assert!(total > 0);
    // Every application counted was accepted in the period: the months say so.
    for m in out["months"].as_array().unwrap() {
        let month = m["month"].as_str().unwrap();
        assert!(("2026-01"..="2026-11").contains(&month), "{month}");
    }

    let mut zip = zip::ZipArchive::new(std::fs::File::open(&xlsx).unwrap()).unwrap();
    let mut read = |name: &str| {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut zip.by_name(name).unwrap(), &mut s).unwrap();
        s
    };
    let strings = read("xl/sharedStrings.xml");
    for expected in [
        "获得电力报表",
        "区县",
        "任城区",
        "按时率",
        "不停电接火率",
        "2026年1月",
        "合计",
    ] {
        assert!(strings.contains(expected), "{expected} not in the workbook");
    }
    let chart = read("xl/charts/chart1.xml");
    for expected in ["按月受理与送电", "月份", "申请数（件）"] {
        assert!(chart.contains(expected), "the chart lacks {expected}");
    }

    let csv = tmp.path().join("report.csv");
    ok_json(
        &store,
        &[
            "--lang",
            "en",
            "report",
            "--from",
            "2026-01-01",
            "--to",
            "2026-11-20",
            "--by",
            "month",
            "--out",
            csv.to_str().unwrap(),
            "--json",
        ],
    );
    let text = std::fs::read_to_string(&csv).unwrap();
    assert!(
        text.starts_with("\u{feff}month,applications,energized"),
        "{text}"
    );
    assert!(text.contains("\nJan 2026,"), "{text}");
    assert!(text.lines().last().unwrap().starts_with("Total,"), "{text}");

    let err = refused(
        &store,
        &[
            "report",
            "--from",
            "2026-12-01",
            "--to",
            "2026-01-01",
            "--to",
            "r.xlsx",
        ],
    );
    assert!(err.contains("--from/--to"), "{err}");
    let err = refused(&store, &["report", "--to", "r.pdf"]);
    assert!(err.contains(".xlsx or .csv"), "{err}");
    let err = refused(&store, &["report", "--by", "town", "--to", "r.xlsx"]);
    assert!(err.contains("--by") && err.contains("operator"), "{err}");
}

#[test]
fn search_finds_by_name_pinyin_phone_and_number_best_first() {
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("store");
    let form = write(tmp.path(), "shop.json", &shop_json());
    let id = ok_json(&store, &["app", "new", "--json", &form])["id"]
        .as_str()
        .unwrap()
        .to_string();
    ok_json(&store, &["demo", "--count", "40", "--json"]);
    // shop_json: 济宁市任城区惠民商贸有限公司, phone 13800000000, address 济宁市任城区某某路 18 号.
    for (query, matched) in [
        ("13800000000", "exact"),
        (id.as_str(), "exact"),
        ("济宁市任城区惠民", "name_prefix"),
        ("jnsrcqhm", "pinyin"),
        ("惠民商贸", "name_contains"),
        ("某某路", "address_contains"),
    ] {
        let found = ok_json(&store, &["search", query, "--json"]);
        let first = &found["hits"][0];
        assert_eq!(first["application"]["id"], id.as_str(), "{query}: {found}");
        assert_eq!(first["matched"], matched, "{query}");
    }
    let found = ok_json(&store, &["search", "1", "--limit", "5", "--json"]);
    assert_eq!(found["hits"].as_array().unwrap().len(), 5);
    assert_eq!(found["complete"], false);
    // The text form: the table, the application's number on it.
    let out = powerdesk(&store, &["search", "惠民商贸"]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains(&id));
}
