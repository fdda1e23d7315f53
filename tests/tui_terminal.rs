//! The real binary in a pseudo-terminal: `powerdesk` with no command opens the console on a demo
//! store, shows data on its first screen, answers keys, quits with `q` and leaves the terminal as
//! it found it (main screen, cursor shown, canonical mode and echo back on).

#[path = "tui_support/pty.rs"]
mod pty;
mod store_support;

use std::time::Duration;

use pty::PtyConsole;

const BIN: &str = env!("CARGO_BIN_EXE_powerdesk");

#[test]
fn console_opens_on_a_demo_store_answers_keys_and_restores_the_terminal_on_quit() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let out = std::process::Command::new(BIN)
        .args(["demo", "--store"])
        .arg(&store)
        .args(["--count", "300"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "demo: {}",
        String::from_utf8_lossy(&out.stderr)
    );

    let config = dir.path().join("config.toml");
    std::fs::write(&config, "[keys]\ngo_dashboard = [\"3\", \"D\"]\n").unwrap();
    let mut console = PtyConsole::spawn(
        &[
            "--store".as_ref(),
            store.as_os_str(),
            "--lang".as_ref(),
            "zh".as_ref(),
            "--config".as_ref(),
            config.as_os_str(),
        ],
        40,
        120,
    );

    // The first screen shows applications from the store.
    let first = console.wait_for("JN-2021-000001", Duration::from_secs(20));
    assert!(
        first.contains("申请列表") && first.contains("共 300"),
        "{first}"
    );
    assert!(console.screen.lock().unwrap().screen().alternate_screen());

    // Down twice, open the detail, back; the dashboard through the key set in the config file.
    console.press("jj\r");
    console.wait_for("办理进度", Duration::from_secs(10));
    console.press("\x1b");
    console.wait_for("共 300", Duration::from_secs(10));
    console.press("D");
    console.wait_for("按状态", Duration::from_secs(20));

    console.press("q");
    let status = console.wait_exit(Duration::from_secs(10));
    assert!(status.success(), "exit status {status:?}");
    let screen = console.screen.lock().unwrap();
    assert!(
        !screen.screen().alternate_screen(),
        "left the alternate screen"
    );
    assert!(!screen.screen().hide_cursor(), "the cursor is shown again");
    if let Some(t) = console.master.get_termios() {
        let local = format!("{:?}", t.local_flags);
        assert!(
            local.contains("ICANON") && local.contains("ECHO"),
            "raw mode left on: {local}"
        );
    }
}

/// Run `powerdesk ARGS` with the clock pinned; (success, stdout, stderr).
fn run(args: &[&std::ffi::OsStr]) -> (bool, Vec<u8>, String) {
    let out = std::process::Command::new(BIN)
        .args(args)
        .env("POWERDESK_NOW", NOW)
        .env_remove("POWERDESK_WAIT")
        .output()
        .unwrap();
    (
        out.status.success(),
        out.stdout,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

const NOW: &str = "2026-11-20T10:00:00+08:00";

#[test]
fn reads_export_and_backup_work_while_the_console_holds_the_store() {
    use std::ffi::OsStr;
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let s = store.as_os_str();
    let (ok, _, err) = run(&[
        "demo".as_ref(),
        "--store".as_ref(),
        s,
        "--count".as_ref(),
        "300".as_ref(),
    ]);
    assert!(ok, "demo: {err}");

    // What each read prints on the store opened directly.
    let reads: Vec<Vec<&OsStr>> = vec![
        vec![
            "app".as_ref(),
            "list".as_ref(),
            "--json".as_ref(),
            "--limit".as_ref(),
            "300".as_ref(),
        ],
        vec![
            "app".as_ref(),
            "list".as_ref(),
            "--status".as_ref(),
            "accepted".as_ref(),
        ],
        vec![
            "app".as_ref(),
            "show".as_ref(),
            "JN-2021-000002".as_ref(),
            "--json".as_ref(),
        ],
        vec!["app".as_ref(), "show".as_ref(), "JN-2021-000002".as_ref()],
        vec!["audit".as_ref(), "verify".as_ref(), "--json".as_ref()],
        vec!["calendar".as_ref(), "check".as_ref(), "--json".as_ref()],
    ];
    let with_store = |args: &[&OsStr], wait: bool| -> Vec<std::ffi::OsString> {
        let mut all: Vec<std::ffi::OsString> = vec!["--store".into(), s.into()];
        if wait {
            // The console draws its first page before its store is open: wait for it to serve.
            all.extend(["--wait".into(), "60".into()]);
        }
        all.extend(args.iter().map(|a| a.to_os_string()));
        all
    };
    let run_os = |args: Vec<std::ffi::OsString>| {
        let refs: Vec<&OsStr> = args.iter().map(|a| a.as_os_str()).collect();
        run(&refs)
    };
    let direct: Vec<Vec<u8>> = reads
        .iter()
        .map(|args| {
            let (ok, out, err) = run_os(with_store(args, false));
            assert!(ok, "{args:?}: {err}");
            out
        })
        .collect();
    let direct_export = dir.path().join("direct.jsonl");
    let direct_backup = dir.path().join("direct.backup");
    for (cmd, file) in [("export", &direct_export), ("backup", &direct_backup)] {
        let (ok, _, err) = run_os(with_store(
            &[cmd.as_ref(), "--to".as_ref(), file.as_os_str()],
            false,
        ));
        assert!(ok, "{cmd}: {err}");
    }

    let mut console = PtyConsole::spawn_with_env(
        &["--store".as_ref(), s, "--lang".as_ref(), "en".as_ref()],
        &[("POWERDESK_NOW", NOW)],
        40,
        120,
    );
    console.wait_for("JN-2021-000001", Duration::from_secs(30));

    // Through the console: the same bytes.
    for (args, want) in reads.iter().zip(&direct) {
        let (ok, out, err) = run_os(with_store(args, true));
        assert!(ok, "{args:?} while the console is open: {err}");
        assert_eq!(
            String::from_utf8_lossy(&out),
            String::from_utf8_lossy(want),
            "{args:?} through the console"
        );
    }
    let socket = store.join("powerdesk.sock");
    assert!(socket.exists(), "the console serves its store");
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&socket).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "only the owner may connect");
    }
    let export = dir.path().join("console.jsonl");
    let backup = dir.path().join("console.backup");
    for (cmd, file) in [("export", &export), ("backup", &backup)] {
        let (ok, _, err) = run_os(with_store(
            &[cmd.as_ref(), "--to".as_ref(), file.as_os_str()],
            false,
        ));
        assert!(ok, "{cmd} while the console is open: {err}");
    }
    assert_eq!(
        std::fs::read(&export).unwrap(),
        std::fs::read(&direct_export).unwrap(),
        "export through the console"
    );
    assert_eq!(
        std::fs::read(&backup).unwrap(),
        std::fs::read(&direct_backup).unwrap(),
        "backup through the console"
    );
    // A backup taken through the console restores.
    let restored = dir.path().join("restored");
    let (ok, _, err) = run_os(vec![
        "--store".into(),
        restored.clone().into(),
        "restore".into(),
        backup.clone().into(),
    ]);
    assert!(ok, "restore of the backup taken through the console: {err}");

    // A write does not go through the console: it is refused at once, naming the console.
    let form = dir.path().join("form.json");
    std::fs::write(&form, store_support::shop_json()).unwrap();
    let (ok, _, err) = run_os(with_store(
        &[
            "app".as_ref(),
            "new".as_ref(),
            "--json".as_ref(),
            form.as_os_str(),
        ],
        false,
    ));
    assert!(!ok, "app new while the console is open");
    assert!(err.contains("console") && err.contains("--wait"), "{err}");

    // The console keeps working, then quits: its socket is gone and commands open the store.
    console.press("3");
    console.wait_for("By state", Duration::from_secs(20));
    console.press("q");
    assert!(console.wait_exit(Duration::from_secs(20)).success());
    assert!(
        !socket.exists(),
        "the socket is removed when the console quits"
    );
    let (ok, out, err) = run_os(with_store(&reads[0], false));
    assert!(ok, "{err}");
    assert_eq!(out, direct[0]);
    let (ok, _, err) = run_os(with_store(
        &[
            "app".as_ref(),
            "new".as_ref(),
            "--json".as_ref(),
            form.as_os_str(),
        ],
        false,
    ));
    assert!(ok, "app new once the console has quit: {err}");
}

#[test]
fn a_form_left_unsubmitted_is_offered_again_on_the_next_start() {
    // Issue 14 §4: a draft form survives quitting (kept, offered on return).
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let args = [
        "--store".as_ref(),
        store.as_os_str(),
        "--lang".as_ref(),
        "zh".as_ref(),
    ];
    let mut console = PtyConsole::spawn(&args, 40, 120);
    console.wait_for("申请列表", Duration::from_secs(20));
    console.press("2");
    console.wait_for("新建申请", Duration::from_secs(10));
    console.press("草稿张三");
    console.wait_for("草稿张三", Duration::from_secs(10));
    // Esc alone (not read as Alt with the next key), then quit.
    console.press("\x1b");
    std::thread::sleep(Duration::from_millis(300));
    console.press("q");
    assert!(console.wait_exit(Duration::from_secs(10)).success());
    assert!(store.join("console-draft.json").exists());

    let mut console = PtyConsole::spawn(&args, 40, 120);
    console.wait_for("已恢复上次未提交的申请表", Duration::from_secs(20));
    console.press("2");
    console.wait_for("草稿张三", Duration::from_secs(10));
    // Cleared, it is not kept again.
    console.press("\x0c");
    std::thread::sleep(Duration::from_millis(300));
    console.press("\x1b");
    std::thread::sleep(Duration::from_millis(300));
    console.press("q");
    assert!(console.wait_exit(Duration::from_secs(10)).success());
    assert!(!store.join("console-draft.json").exists());
}
