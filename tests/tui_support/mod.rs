//! A console over a real temporary sled store, driven through the real update loop and worker
//! on ratatui's TestBackend.

#![allow(dead_code)]

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, FixedOffset};
use powerdesk::cli::bundled_calendar;
use powerdesk::policy::host::PolicyHost;
use powerdesk::service::{demo, Desk, FixedClock};
use powerdesk::store::SledStore;
use powerdesk::tui::catalog::BundleCatalog;
use powerdesk::tui::config::Config;
use powerdesk::tui::i18n::Lang;
use powerdesk::tui::keymap::{Key, Keymap};
use powerdesk::tui::worker::Worker;
use powerdesk::tui::{Action, App, Session};
use ratatui::backend::TestBackend;
use ratatui::Terminal;

pub struct Console {
    pub session: Session<TestBackend>,
    pub desk: Arc<Desk>,
    _worker: Worker,
    _dir: tempfile::TempDir,
}

/// The console's clock in tests: the end of the demo period, 10:00 in Jining.
pub fn test_now() -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339("2026-11-20T10:00:00+08:00").unwrap()
}

pub fn open_desk(dir: &std::path::Path) -> Arc<Desk> {
    let store = SledStore::open(dir).expect("temp store opens");
    Arc::new(
        Desk::new(
            Arc::new(store),
            Arc::new(bundled_calendar().expect("bundled calendar")),
        )
        .with_clock(Arc::new(FixedClock(test_now()))),
    )
}

impl Console {
    /// A console `w` x `h` over a fresh store with `demo_count` demo applications.
    pub fn new(w: u16, h: u16, lang: Lang, demo_count: usize) -> Console {
        Console::with_policies(w, h, lang, demo_count, std::path::Path::new("policies"))
    }

    /// The same with the Policies screen listing the bundles under `policies`.
    pub fn with_policies(
        w: u16,
        h: u16,
        lang: Lang,
        demo_count: usize,
        policies: &std::path::Path,
    ) -> Console {
        let dir = tempfile::tempdir().expect("temp dir");
        let desk = open_desk(dir.path());
        if demo_count > 0 {
            demo::generate(&desk, demo_count, 20210825).expect("demo data");
        }
        let (tx, rx) = std::sync::mpsc::channel();
        let catalog =
            BundleCatalog::new(policies, PolicyHost::new(Default::default()), desk.clone());
        let worker = Worker::spawn(desk.clone(), Some(Arc::new(catalog)), "测试员".into(), tx);
        let config = Config {
            lang,
            keymap: Keymap::default(),
            policies: "policies".into(),
            papers: dir.path().join("papers"),
        };
        let app = App::new(&config, test_now(), (w, h));
        let session = Session::new(
            Terminal::new(TestBackend::new(w, h)).unwrap(),
            app,
            rx,
            worker.outbox(),
        );
        let mut c = Console {
            session,
            desk,
            _worker: worker,
            _dir: dir,
        };
        c.settle();
        c
    }

    pub fn settle(&mut self) {
        assert!(
            self.session.settle(Duration::from_secs(30)),
            "the worker answered every request"
        );
    }

    /// Press keys written as in the keymap (`j`, `enter`, `ctrl-s`), space-separated, letting
    /// the worker answer after each.
    pub fn press(&mut self, keys: &str) {
        for k in keys.split_whitespace() {
            let key = Key::parse(k).unwrap_or_else(|e| panic!("{e}"));
            self.session.dispatch(Action::Key(key.to_event()));
            self.settle();
        }
    }

    /// Type text character by character (Chinese included).
    pub fn type_text(&mut self, text: &str) {
        for c in text.chars() {
            let ev = crossterm::event::KeyEvent::new(
                crossterm::event::KeyCode::Char(c),
                crossterm::event::KeyModifiers::NONE,
            );
            self.session.dispatch(Action::Key(ev));
        }
        self.settle();
    }

    pub fn app(&self) -> &App {
        &self.session.app
    }

    /// Draw and return the screen as text (one line per row).
    pub fn screen(&mut self) -> String {
        self.session.draw().unwrap();
        screen_text(self.session.terminal.backend().buffer())
    }

    pub fn cursor(&mut self) -> (u16, u16) {
        self.session.draw().unwrap();
        let p = self.session.terminal.get_cursor_position().unwrap();
        (p.x, p.y)
    }
}

/// The buffer as plain lines, wide characters once (the cell a wide character covers is skipped).
pub fn screen_text(buf: &ratatui::buffer::Buffer) -> String {
    use unicode_width::UnicodeWidthStr;
    let mut out = String::new();
    for y in 0..buf.area.height {
        let mut line = String::new();
        let mut skip = 0;
        for x in 0..buf.area.width {
            if skip > 0 {
                skip -= 1;
                continue;
            }
            let sym = buf[(x, y)].symbol();
            skip = sym.width().saturating_sub(1);
            line.push_str(sym);
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}
