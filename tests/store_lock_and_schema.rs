//! One process per store, and a store from a newer powerdesk is refused, both with clear messages.

mod store_support;

use powerdesk::domain::ports::StoreError;
use powerdesk::store::SledStore;

#[test]
fn a_second_process_gets_a_clear_locked_message() {
    let dir = tempfile::tempdir().unwrap();
    let _held = SledStore::open(dir.path()).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_powerdesk"))
        .args(["app", "list", "--store"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("in use by another powerdesk process"),
        "{stderr}"
    );
    assert!(
        stderr.contains(&dir.path().display().to_string()),
        "{stderr}"
    );
}

#[test]
fn a_second_open_in_the_same_process_is_locked_too() {
    let dir = tempfile::tempdir().unwrap();
    let _held = SledStore::open(dir.path()).unwrap();
    match SledStore::open(dir.path()) {
        Err(StoreError::Locked { dir: d, .. }) => assert_eq!(d, dir.path().display().to_string()),
        Err(other) => panic!("expected Locked, got {other}"),
        Ok(_) => panic!("expected Locked, the store opened twice"),
    }
}

#[test]
fn a_store_from_a_newer_schema_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    SledStore::open(dir.path())
        .unwrap()
        .force_schema_version(99)
        .unwrap();
    match SledStore::open(dir.path()) {
        Err(StoreError::NewerSchema {
            found, supported, ..
        }) => {
            assert_eq!(found, 99);
            assert_eq!(supported, 8);
        }
        Err(other) => panic!("expected NewerSchema, got {other}"),
        Ok(_) => panic!("a newer schema was opened"),
    }
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_powerdesk"))
        .args(["app", "list", "--store"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("newer powerdesk (schema 99"), "{stderr}");
}

#[test]
fn a_store_from_an_older_schema_is_recounted_on_open() {
    use powerdesk::domain::ports::Query;
    use powerdesk::domain::workflow::State;
    let dir = tempfile::tempdir().unwrap();
    {
        let desk = store_support::desk(dir.path());
        for form in store_support::forms(3, 40) {
            desk.submit(form, "x").unwrap();
        }
    }
    {
        // What a schema 1 store looks like: no pair counters.
        let db = store_support::open_sled(&dir.path().join("db"));
        let meta = db.open_tree("meta").unwrap();
        for key in meta.scan_prefix(b"n/pair/").keys() {
            meta.remove(key.unwrap()).unwrap();
        }
        meta.insert(b"schema_version", &1u64.to_be_bytes()).unwrap();
        db.flush().unwrap();
    }
    let store = SledStore::open(dir.path()).unwrap();
    assert!(store.check_consistency().unwrap().is_consistent());
    drop(store);
    let desk = store_support::desk(dir.path());
    let q = Query {
        status: Some(State::Accepted),
        county: Some("任城区".into()),
        ..Query::default()
    };
    let page = desk.list(&q).unwrap();
    assert_eq!(page.total as usize, page.items.len());
    assert!(page.total > 0);
}

#[test]
fn a_schema_2_store_gets_its_deadline_day_counters_on_open() {
    use powerdesk::domain::ports::Query;
    let dir = tempfile::tempdir().unwrap();
    let on = chrono::NaiveDate::from_ymd_opt(2026, 11, 27).unwrap();
    let want = {
        let desk = store_support::desk(dir.path());
        for form in store_support::forms(5, 40) {
            desk.submit(form, "x").unwrap();
        }
        desk.list(&Query {
            overdue_on: Some(on),
            ..Query::default()
        })
        .unwrap()
        .items
        .len() as u64
    };
    assert!(want > 0);
    {
        // What a schema 2 store looks like: no per-day counters.
        let db = store_support::open_sled(&dir.path().join("db"));
        let meta = db.open_tree("meta").unwrap();
        for key in meta.scan_prefix(b"n/day/").keys() {
            meta.remove(key.unwrap()).unwrap();
        }
        meta.insert(b"schema_version", &2u64.to_be_bytes()).unwrap();
        db.flush().unwrap();
    }
    let store = SledStore::open(dir.path()).unwrap();
    assert!(store.check_consistency().unwrap().is_consistent());
    drop(store);
    let desk = store_support::desk(dir.path());
    let page = desk
        .list(&Query {
            overdue_on: Some(on),
            limit: 1,
            ..Query::default()
        })
        .unwrap();
    assert_eq!(page.total, want);
}

#[test]
fn a_wrong_deadline_day_counter_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    {
        let desk = store_support::desk(dir.path());
        for form in store_support::forms(6, 10) {
            desk.submit(form, "x").unwrap();
        }
    }
    {
        let db = store_support::open_sled(&dir.path().join("db"));
        let meta = db.open_tree("meta").unwrap();
        let key = meta.scan_prefix(b"n/day/").keys().next().unwrap().unwrap();
        meta.insert(key, &99u64.to_be_bytes()).unwrap();
        db.flush().unwrap();
    }
    let store = SledStore::open(dir.path()).unwrap();
    let report = store.check_consistency().unwrap();
    assert!(
        report.problems.iter().any(|p| p.contains("n/day/")),
        "{:?}",
        report.problems
    );
}

/// sled's own file lock outlives a dropped store for a moment (its background threads): opening
/// the store again in the same process waits for it instead of failing.
#[test]
fn reopening_waits_for_a_just_dropped_sled_in_this_process() {
    let dir = tempfile::tempdir().unwrap();
    drop(SledStore::open(dir.path()).unwrap());
    let lingering = store_support::open_sled(&dir.path().join("db"));
    let release = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(300));
        drop(lingering);
    });
    let store = SledStore::open(dir.path()).expect("waits for the lingering sled");
    release.join().unwrap();
    assert!(store.check_consistency().unwrap().is_consistent());
}

/// The store in `dir` held by this process as `what`, as another powerdesk would hold it.
fn hold(dir: &std::path::Path, what: &str) -> SledStore {
    let lock =
        powerdesk::store::StoreLock::acquire_as(dir, what, std::time::Duration::ZERO).unwrap();
    SledStore::open_locked(lock, Default::default()).unwrap()
}

/// `powerdesk --store DIR ARGS` with no POWERDESK_WAIT from outside.
fn powerdesk(dir: &std::path::Path, args: &[&str]) -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_powerdesk"));
    cmd.arg("--store")
        .arg(dir)
        .args(args)
        .env_remove("POWERDESK_WAIT")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    cmd
}

fn form_file(dir: &std::path::Path) -> std::path::PathBuf {
    let form = dir.join("form.json");
    std::fs::write(&form, store_support::shop_json()).unwrap();
    form
}

#[test]
fn without_wait_a_second_process_is_refused_naming_the_holder() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let form = form_file(dir.path());
    let held = hold(&store, "import");
    let holder = format!("pid {}: import", std::process::id());
    assert_eq!(
        std::fs::read_to_string(store.join("powerdesk.lock")).unwrap(),
        format!("{holder}\n")
    );
    for args in [
        vec!["app", "new", "--json", form.to_str().unwrap()],
        vec!["app", "list"],
        vec!["backup", "--to", dir.path().join("b").to_str().unwrap()],
    ] {
        let out = powerdesk(&store, &args).output().unwrap();
        assert!(!out.status.success(), "{args:?} opened a held store");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(
            stderr.contains(&format!("in use by another powerdesk process ({holder})")),
            "{args:?}: {stderr}"
        );
        assert!(stderr.contains("--wait SECONDS"), "{stderr}");
    }
    drop(held);
    assert_eq!(
        std::fs::read_to_string(store.join("powerdesk.lock")).unwrap(),
        "",
        "a released lock names no holder"
    );
}

#[test]
fn with_wait_commands_wait_for_the_holder_and_then_succeed() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let form = form_file(dir.path());
    let held = hold(&store, "app new");
    let form = form.to_str().unwrap();
    let mut flag = powerdesk(&store, &["--wait", "60", "app", "new", "--json", form])
        .spawn()
        .unwrap();
    let mut env = powerdesk(&store, &["app", "new", "--json", form]);
    env.env("POWERDESK_WAIT", "60");
    let mut env = env.spawn().unwrap();
    let mut list = powerdesk(&store, &["--wait", "60", "app", "list", "--json"])
        .spawn()
        .unwrap();
    // While the store is held they wait rather than fail.
    std::thread::sleep(std::time::Duration::from_millis(500));
    for child in [&mut flag, &mut env, &mut list] {
        assert!(
            child.try_wait().unwrap().is_none(),
            "a command with --wait gave up while the store was held"
        );
    }
    drop(held);
    let mut ids = Vec::new();
    for child in [flag, env] {
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{stderr}");
        let app: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        ids.push(app["id"].as_str().unwrap().to_string());
    }
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 2, "two applications: {ids:?}");
    let out = list.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn parallel_scripts_with_wait_all_succeed() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let form = form_file(dir.path());
    let form = form.to_str().unwrap();
    let children: Vec<_> = (0..6)
        .map(|i| {
            let args: Vec<&str> = if i % 2 == 0 {
                vec!["--wait", "120", "app", "new", "--json", form]
            } else {
                vec!["--wait", "120", "app", "list", "--json"]
            };
            powerdesk(&store, &args).spawn().unwrap()
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let out = powerdesk(&store, &["app", "list", "--json"])
        .output()
        .unwrap();
    let listed: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(listed.len(), 3);
}

#[test]
fn a_stale_endpoint_socket_is_ignored_and_removed_by_the_next_holder() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let held = hold(&store, "console");
    // A console that died left its socket: nobody accepts on it.
    let socket = store.join("powerdesk.sock");
    drop(std::os::unix::net::UnixListener::bind(&socket).unwrap());
    assert!(socket.exists());
    let out = powerdesk(&store, &["app", "list"]).output().unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("(pid {}: console)", std::process::id())),
        "{stderr}"
    );
    drop(held);
    // The socket is still there; the next command takes the lock, reads directly, removes it.
    assert!(socket.exists());
    let out = powerdesk(&store, &["app", "list", "--json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!socket.exists(), "the stale socket was removed");
}

#[test]
fn an_endpoint_socket_of_another_user_is_not_asked() {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        eprintln!("skipped: giving a socket to another user needs root (CI runs as root)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let _held = hold(&store, "console");
    let socket = store.join("powerdesk.sock");
    let _listener = std::os::unix::net::UnixListener::bind(&socket).unwrap();
    std::os::unix::fs::chown(&socket, Some(65534), Some(65534)).unwrap();
    let out = powerdesk(&store, &["app", "list"]).output().unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("belongs to uid 65534"), "{stderr}");
}

#[test]
fn a_backup_through_the_holder_is_consistent_while_the_holder_keeps_writing() {
    use powerdesk::cli::endpoint;
    use powerdesk::cli::reads::{Outcome, Read};
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let desk = Arc::new(store_support::desk(&store));
    for form in store_support::forms(7, 50) {
        desk.submit(form, "x").unwrap();
    }
    let serving = endpoint::serve(&store, desk.clone()).unwrap();
    // The holder keeps accepting applications while others back its store up.
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (desk, stop) = (desk.clone(), stop.clone());
        std::thread::spawn(move || {
            let mut written = 0;
            let mut forms = store_support::forms(8, 100_000).into_iter();
            while !stop.load(Ordering::SeqCst) {
                desk.submit(forms.next().unwrap(), "x").unwrap();
                written += 1;
            }
            written
        })
    };
    let now = chrono::DateTime::parse_from_rfc3339("2026-11-20T10:00:00+08:00").unwrap();
    let mut summaries = Vec::new();
    for i in 0..3 {
        let file = dir.path().join(format!("b{i}"));
        let mut out = std::fs::File::create(&file).unwrap();
        match endpoint::ask(&store, &Read::Backup, now, &mut out).unwrap() {
            Some(Outcome::BackedUp(summary)) => summaries.push((file, summary)),
            other => panic!("the holder answered {other:?}"),
        }
    }
    stop.store(true, Ordering::SeqCst);
    let written = writer.join().unwrap();
    drop(serving);
    assert!(!store.join("powerdesk.sock").exists());
    for (file, summary) in summaries {
        assert!(summary.applications >= 50 && summary.applications <= 50 + written);
        // Each backup is one state of the store: it restores, chain and indexes verified.
        let target = dir.path().join(format!("{}-restored", file.display()));
        let restored = SledStore::open(&target)
            .unwrap()
            .restore(&mut std::io::BufReader::new(
                std::fs::File::open(&file).unwrap(),
            ))
            .unwrap();
        assert_eq!(restored, summary);
    }
}
