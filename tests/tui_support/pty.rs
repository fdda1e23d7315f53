//! The real powerdesk binary in a pseudo-terminal, its screen kept by a vt100 parser.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use portable_pty::{native_pty_system, Child, CommandBuilder, MasterPty, PtySize};

pub struct PtyConsole {
    pub child: Box<dyn Child + Send + Sync>,
    pub master: Box<dyn MasterPty + Send>,
    pub screen: Arc<Mutex<vt100::Parser>>,
    keys: Box<dyn Write + Send>,
}

impl PtyConsole {
    /// Start `powerdesk ARGS` in a `rows` x `cols` terminal (TERM=xterm-256color).
    pub fn spawn(args: &[&std::ffi::OsStr], rows: u16, cols: u16) -> PtyConsole {
        Self::spawn_with_env(args, &[], rows, cols)
    }

    /// [`PtyConsole::spawn`] with these environment variables set too.
    pub fn spawn_with_env(
        args: &[&std::ffi::OsStr],
        env: &[(&str, &str)],
        rows: u16,
        cols: u16,
    ) -> PtyConsole {
        let pair = native_pty_system()
            .openpty(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap();
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_powerdesk"));
        cmd.args(args);
        cmd.env("TERM", "xterm-256color");
        for (key, value) in env {
            cmd.env(key, value);
        }
        let child = pair.slave.spawn_command(cmd).unwrap();
        drop(pair.slave);
        let screen = Arc::new(Mutex::new(vt100::Parser::new(
            std::num::NonZeroU16::new(rows).unwrap(),
            std::num::NonZeroU16::new(cols).unwrap(),
            0,
        )));
        let mut reader = pair.master.try_clone_reader().unwrap();
        let sink = screen.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock().unwrap().process(&buf[..n]);
            }
        });
        let keys = pair.master.take_writer().unwrap();
        PtyConsole {
            child,
            master: pair.master,
            screen,
            keys,
        }
    }

    /// Wait until the screen shows `what`; the screen's text.
    pub fn wait_for(&self, what: &str, timeout: Duration) -> String {
        let end = Instant::now() + timeout;
        loop {
            let screen = self.screen.lock().unwrap().screen().contents();
            if screen.contains(what) {
                return screen;
            }
            if Instant::now() > end {
                panic!("waited {timeout:?} for {what:?}; the screen shows:\n{screen}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Type `s`.
    pub fn press(&mut self, s: &str) {
        self.keys.write_all(s.as_bytes()).unwrap();
        self.keys.flush().unwrap();
    }

    /// Wait for the process to end (failing after `limit`); a moment later the screen is final.
    pub fn wait_exit(&mut self, limit: Duration) -> portable_pty::ExitStatus {
        let end = Instant::now() + limit;
        let status = loop {
            if let Some(s) = self.child.try_wait().unwrap() {
                break s;
            }
            assert!(Instant::now() < end, "the console did not end");
            std::thread::sleep(Duration::from_millis(50));
        };
        std::thread::sleep(Duration::from_millis(200));
        status
    }
}
