//! The console draws before the store is open: the worker opens it (as the binary does), keys
//! typed meanwhile are kept and carried out once it is open, and a store that cannot be opened
//! ends the console with its error instead of a panic.

mod tui_support;

#[path = "tui_support/pty.rs"]
mod pty;

use std::path::{Path, PathBuf};
use std::sync::mpsc::Receiver;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use powerdesk::domain::ports::StoreError;
use powerdesk::domain::validation::id_card_with_check;
use powerdesk::service::demo;
use powerdesk::store::SledStore;
use powerdesk::tui::app::Screen;
use powerdesk::tui::config::Config;
use powerdesk::tui::i18n::Lang;
use powerdesk::tui::keymap::{Key, Keymap};
use powerdesk::tui::worker::{Opener, Worker};
use powerdesk::tui::{Action, App, Session};
use pty::PtyConsole;
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use tui_support::{open_desk, screen_text, test_now};

type Failure = Arc<Mutex<Option<anyhow::Error>>>;

/// A store with `n` demo applications, closed again.
fn demo_store(n: usize) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("store");
    let desk = open_desk(&dir);
    demo::generate(&desk, n, 20210825).unwrap();
    drop(desk);
    (tmp, dir)
}

/// sled lets go of its own lock on a closed store a moment after the close (its I/O threads end
/// on their own): retry while that is all that stands in the way.
fn retry_while_sled_closes<T, E: ToString>(f: impl FnMut() -> Result<T, E>) -> Result<T, E> {
    retry_while(&["could not acquire lock"], f)
}

/// The same, also while a child process another test forks still holds a copy of the store's
/// lock file descriptor (until it execs).
fn open_when_closed(dir: &Path) -> SledStore {
    retry_while(
        &[
            "could not acquire lock",
            "in use by another powerdesk process",
        ],
        || SledStore::open(dir),
    )
    .unwrap()
}

fn retry_while<T, E: ToString>(
    passing: &[&str],
    mut f: impl FnMut() -> Result<T, E>,
) -> Result<T, E> {
    let end = Instant::now() + Duration::from_secs(10);
    loop {
        match f() {
            Err(e) if passing.iter().any(|p| e.to_string().contains(p)) && Instant::now() < end => {
                std::thread::sleep(Duration::from_millis(20))
            }
            other => return other,
        }
    }
}

/// The binary's opener, held back until `gate` gives the word.
fn gated_opener(dir: &Path, gate: Receiver<()>, failure: Failure) -> Opener {
    let dir = dir.to_path_buf();
    Box::new(move |early| {
        let _ = gate.recv();
        retry_while_sled_closes(|| {
            failure.lock().unwrap().take();
            powerdesk::cli::console_opener(dir.clone(), "policies".into(), failure.clone())(early)
        })
    })
}

fn console(open: Opener) -> (Session<TestBackend>, Worker) {
    let (tx, rx) = std::sync::mpsc::channel();
    let worker = Worker::spawn_opening(open, "测试员".into(), tx);
    let config = Config {
        lang: Lang::Zh,
        keymap: Keymap::default(),
        policies: "policies".into(),
        papers: std::env::temp_dir().join("powerdesk-test-papers"),
    };
    let mut app = App::new(&config, test_now(), (120, 40));
    app.opening_store();
    let session = Session::new(
        Terminal::new(TestBackend::new(120, 40)).unwrap(),
        app,
        rx,
        worker.outbox(),
    );
    (session, worker)
}

fn screen(s: &mut Session<TestBackend>) -> String {
    s.draw().unwrap();
    screen_text(s.terminal.backend().buffer())
}

fn press(s: &mut Session<TestBackend>, keys: &str) {
    for k in keys.split_whitespace() {
        let key = Key::parse(k).unwrap_or_else(|e| panic!("{e}"));
        s.dispatch(Action::Key(key.to_event()));
        s.pump();
        s.draw().unwrap();
    }
}

fn type_text(s: &mut Session<TestBackend>, text: &str) {
    for c in text.chars() {
        s.dispatch(Action::Key(crossterm::event::KeyEvent::new(
            crossterm::event::KeyCode::Char(c),
            crossterm::event::KeyModifiers::NONE,
        )));
        s.draw().unwrap();
    }
}

#[test]
fn the_first_frame_comes_before_the_store_is_open_and_keys_typed_meanwhile_are_kept() {
    let (_tmp, dir) = demo_store(40);
    let (gate, gate_rx) = std::sync::mpsc::channel();
    let failure = Failure::default();
    let (mut s, worker) = console(gated_opener(&dir, gate_rx, failure.clone()));

    // The real console, saying what it waits for, while the store is still closed.
    let first = screen(&mut s);
    assert!(s.app.opening);
    assert!(first.contains("申请列表"), "{first}");
    assert!(first.contains("正在打开数据库"), "{first}");
    assert!(first.contains("加载中"), "{first}");

    // Keys while opening: a state filter, then a whole new application, submitted.
    press(&mut s, "s");
    let filtered = s.app.list.status;
    assert!(filtered.is_some());
    press(&mut s, "n");
    type_text(&mut s, "济宁市任城区张伟");
    press(&mut s, "tab tab");
    type_text(&mut s, &id_card_with_check("37081119800101123"));
    press(&mut s, "tab");
    type_text(&mut s, "13800000000");
    press(&mut s, "tab tab");
    type_text(&mut s, "任城区");
    press(&mut s, "tab");
    type_text(&mut s, "济宁市任城区共青团路 18 号");
    press(&mut s, "tab tab tab tab tab tab tab");
    type_text(&mut s, "8");
    press(&mut s, "tab tab tab space");
    assert!(s.app.form.errors.is_empty(), "{:?}", s.app.form.errors);
    press(&mut s, "ctrl-s");
    assert!(s.app.opening, "still opening: nothing was answered yet");
    assert_eq!(s.app.writes_pending, 1);

    // Open: every queued request is answered, in order.
    gate.send(()).unwrap();
    assert!(s.settle(Duration::from_secs(60)));
    assert!(!s.app.opening && s.app.fatal.is_none());
    assert!(failure.lock().unwrap().is_none());
    assert_eq!(s.app.writes_pending, 0);
    assert_eq!(s.app.screen, Screen::Detail, "{}", s.app.status);
    let detail = s.app.detail.as_ref().expect("the new application's detail");
    assert_eq!(detail.app.form.customer.name, "济宁市任城区张伟");
    assert_eq!(
        s.app.list.status, filtered,
        "the filter typed while opening holds"
    );

    press(&mut s, "esc");
    assert!(s.settle(Duration::from_secs(60)));
    let listed = screen(&mut s);
    assert!(!listed.contains("正在打开数据库"), "{listed}");
    assert!(s.app.list.loaded);
    drop(s);
    worker.join();
    let store = retry_while_sled_closes(|| SledStore::open(&dir)).unwrap();
    let page = powerdesk::domain::ports::Repository::query(&store, &Default::default()).unwrap();
    assert_eq!(page.total, 41);
}

#[test]
fn a_store_that_cannot_be_opened_ends_the_console_with_its_error() {
    let (_tmp, dir) = demo_store(3);
    let _held = open_when_closed(&dir);
    let (gate, gate_rx) = std::sync::mpsc::channel();
    let failure = Failure::default();
    let (mut s, worker) = console(gated_opener(&dir, gate_rx, failure.clone()));
    press(&mut s, "j s");
    gate.send(()).unwrap();
    let end = Instant::now() + Duration::from_secs(30);
    while s.app.fatal.is_none() {
        assert!(Instant::now() < end, "no answer from the worker");
        s.pump();
        std::thread::sleep(Duration::from_millis(10));
    }
    let fatal = s.app.fatal.clone().unwrap();
    assert!(
        fatal.contains("in use by another powerdesk process"),
        "{fatal}"
    );
    assert!(s.app.status_is_error);
    // The console has quit; keys that still arrive do no harm.
    assert!(!s.dispatch(Action::Key(Key::parse("j").unwrap().to_event())));
    screen(&mut s);
    let e = failure.lock().unwrap().take().expect("the error is kept");
    assert!(matches!(
        e.downcast_ref::<StoreError>(),
        Some(StoreError::Locked { .. })
    ));
    drop(s);
    worker.join();
}

#[test]
fn the_binary_on_a_locked_store_says_so_and_restores_the_terminal() {
    let (_tmp, dir) = demo_store(3);
    let _held = open_when_closed(&dir);
    let mut console = PtyConsole::spawn(
        &[
            "--store".as_ref(),
            dir.as_os_str(),
            "--lang".as_ref(),
            "zh".as_ref(),
        ],
        24,
        100,
    );
    let status = console.wait_exit(Duration::from_secs(30));
    assert!(!status.success());
    let p = console.screen.lock().unwrap();
    let text = p.screen().contents();
    assert!(!p.screen().alternate_screen(), "left the alternate screen");
    assert!(
        text.contains("in use by another powerdesk process"),
        "{text}"
    );
}

/// What the console's opener sends before the store is open, with the first page of the store
/// it then opened.
fn open_capturing(dir: &Path) -> (Vec<Action>, powerdesk::domain::ports::Page) {
    let sent = Mutex::new(Vec::new());
    let failure = Failure::default();
    let opened = retry_while_sled_closes(|| {
        powerdesk::cli::console_opener(dir.to_path_buf(), "policies".into(), failure.clone())(
            &|a| sent.lock().unwrap().push(a),
        )
    })
    .unwrap();
    let page = opened
        .desk
        .list(&powerdesk::tui::first_page::query())
        .unwrap();
    drop(opened);
    (sent.into_inner().unwrap(), page)
}

fn ids(rows: &[powerdesk::tui::action::ListRow]) -> Vec<String> {
    rows.iter().map(|r| r.app.id.0.clone()).collect()
}

#[test]
fn the_first_page_stored_at_exit_is_shown_while_the_store_opens_only_if_the_store_is_unchanged() {
    let (_tmp, dir) = demo_store(40);
    let stored = dir.join(powerdesk::tui::first_page::FILE);
    assert!(!stored.exists());

    // A console that opens and quits stores the first page.
    let (gate, gate_rx) = std::sync::mpsc::channel();
    let (mut s, worker) = console(gated_opener(&dir, gate_rx, Failure::default()));
    gate.send(()).unwrap();
    assert!(s.settle(Duration::from_secs(60)));
    drop(s);
    worker.join();
    assert!(stored.exists());

    // The next opener sends it before opening the store: what the store then answers.
    let (sent, page) = open_capturing(&dir);
    assert_eq!(sent.len(), 1, "{sent:?}");
    let Action::StoredFirstPage { query, rows, total } = sent[0].clone() else {
        panic!("{sent:?}")
    };
    assert_eq!(total, 40);
    assert_eq!(query, powerdesk::tui::first_page::query());
    let from_store: Vec<String> = page.items.iter().map(|a| a.id.0.clone()).collect();
    assert_eq!(ids(&rows), from_store);
    assert_eq!(
        rows.iter().map(|r| &r.app).collect::<Vec<_>>(),
        page.items.iter().collect::<Vec<_>>()
    );

    // A console still opening shows it, and still says it is opening.
    let (gate, gate_rx) = std::sync::mpsc::channel();
    let (mut s, worker) = console(gated_opener(&dir, gate_rx, Failure::default()));
    assert!(screen(&mut s).contains("加载中"));
    s.dispatch(sent[0].clone());
    let shown = screen(&mut s);
    assert!(s.app.opening && s.app.list.loaded, "{shown}");
    assert!(shown.contains(&from_store[0]), "{shown}");
    assert!(shown.contains("正在打开数据库"), "{shown}");
    assert_eq!(s.app.list.total, 40);
    gate.send(()).unwrap();
    assert!(s.settle(Duration::from_secs(60)));
    assert_eq!(
        ids(&s.app.list.rows)[..],
        from_store[..s.app.list.rows.len()]
    );
    drop(s);
    worker.join();

    // Not for a listing with a filter typed before it arrived.
    let (_gate, gate_rx) = std::sync::mpsc::channel::<()>();
    let (mut s, worker) = console(gated_opener(&dir, gate_rx, Failure::default()));
    press(&mut s, "s");
    s.dispatch(sent[0].clone());
    assert!(!s.app.list.loaded && s.app.list.rows.is_empty());
    drop(s);
    drop(_gate);
    worker.join();

    // Once the store changed, it is not sent.
    let (sent, _) = open_capturing(&dir);
    assert_eq!(sent.len(), 1, "unchanged since the last console: {sent:?}");
    let store = retry_while_sled_closes(|| SledStore::open(&dir)).unwrap();
    let calendar = powerdesk::cli::bundled_calendar().unwrap();
    let desk = powerdesk::service::Desk::new(Arc::new(store), Arc::new(calendar));
    demo::generate(&desk, 1, 7).unwrap();
    drop(desk);
    let (sent, page) = open_capturing(&dir);
    assert!(sent.is_empty(), "{sent:?}");
    assert_eq!(page.total, 41);
}
