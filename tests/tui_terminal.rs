//! The real binary in a pseudo-terminal: `powerdesk` with no command opens the console on a demo
//! store, shows data on its first screen, answers keys, quits with `q` and leaves the terminal as
//! it found it (main screen, cursor shown, canonical mode and echo back on).

#[path = "tui_support/pty.rs"]
mod pty;

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
