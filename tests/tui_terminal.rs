//! The real binary in a pseudo-terminal: `powerdesk` with no command opens the console on a demo
//! store, shows data on its first screen, answers keys, quits with `q` and leaves the terminal as
//! it found it (main screen, cursor shown, canonical mode and echo back on).

use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use portable_pty::{native_pty_system, CommandBuilder, PtySize};

const BIN: &str = env!("CARGO_BIN_EXE_powerdesk");

fn wait_for(parser: &Arc<Mutex<vt100::Parser>>, what: &str, timeout: Duration) -> String {
    let end = Instant::now() + timeout;
    loop {
        let screen = parser.lock().unwrap().screen().contents();
        if screen.contains(what) {
            return screen;
        }
        if Instant::now() > end {
            panic!("waited {timeout:?} for {what:?}; the screen shows:\n{screen}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

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

    let pty = native_pty_system();
    let pair = pty
        .openpty(PtySize {
            rows: 40,
            cols: 120,
            pixel_width: 0,
            pixel_height: 0,
        })
        .unwrap();
    let mut cmd = CommandBuilder::new(BIN);
    cmd.arg("--store");
    cmd.arg(&store);
    cmd.args(["--lang", "zh", "--config"]);
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "[keys]\ngo_dashboard = [\"3\", \"D\"]\n").unwrap();
    cmd.arg(&config);
    cmd.env("TERM", "xterm-256color");
    let mut child = pair.slave.spawn_command(cmd).unwrap();
    drop(pair.slave);

    let parser = Arc::new(Mutex::new(vt100::Parser::new(
        std::num::NonZeroU16::new(40).unwrap(),
        std::num::NonZeroU16::new(120).unwrap(),
        0,
    )));
    let mut reader = pair.master.try_clone_reader().unwrap();
    let sink = parser.clone();
    std::thread::spawn(move || {
        let mut buf = [0u8; 8192];
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 {
                break;
            }
            sink.lock().unwrap().process(&buf[..n]);
        }
    });
    let mut keys = pair.master.take_writer().unwrap();
    let mut press = |s: &str| {
        keys.write_all(s.as_bytes()).unwrap();
        keys.flush().unwrap();
    };

    // The first screen shows applications from the store.
    let first = wait_for(&parser, "JN-2021-000001", Duration::from_secs(20));
    assert!(
        first.contains("申请列表") && first.contains("共 300"),
        "{first}"
    );
    assert!(parser.lock().unwrap().screen().alternate_screen());

    // Down twice, open the detail, back; the dashboard through the key set in the config file.
    press("jj\r");
    wait_for(&parser, "办理进度", Duration::from_secs(10));
    press("\x1b");
    wait_for(&parser, "共 300", Duration::from_secs(10));
    press("D");
    wait_for(&parser, "按状态", Duration::from_secs(20));

    press("q");
    let end = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(Instant::now() < end, "the console did not quit on q");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "exit status {status:?}");
    std::thread::sleep(Duration::from_millis(200));
    let screen = parser.lock().unwrap();
    assert!(
        !screen.screen().alternate_screen(),
        "left the alternate screen"
    );
    assert!(!screen.screen().hide_cursor(), "the cursor is shown again");
    if let Some(t) = pair.master.get_termios() {
        let local = format!("{:?}", t.local_flags);
        assert!(
            local.contains("ICANON") && local.contains("ECHO"),
            "raw mode left on: {local}"
        );
    }
}
