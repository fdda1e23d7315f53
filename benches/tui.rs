//! Console benchmarks on a large store: start to first frame (the worker opens the store as the
//! binary does) and to the first frame with data, frame time per navigation key and per filter
//! keystroke (update + draw, as the run loop does between frames), and the due view.
//! The due view counts as of the desk's clock: pin it (`POWERDESK_NOW`) to the time the demo
//! store was made, or its recent applications have all gone overdue since.
//!
//! Run on the store named by POWERDESK_BENCH_STORE (make one with
//! `powerdesk demo --store DIR --count 1000000`); without it a 20,000-application store is
//! built in a temporary directory first.
//!
//! With POWERDESK_BENCH_RSS=1 it runs no benchmark but one scripted session in this fresh
//! process (start, page through the listing, End, filters, dashboard) and prints the resident
//! memory (VmRSS) after each step, the step's own peak and the session's (VmHWM, reset between
//! steps through /proc/self/clear_refs), from /proc/self/status.
//!
//! With POWERDESK_BENCH_SEARCH=1 it types searches character by character (pinyin, names, phone
//! and ID number starts, addresses, numbers; and the name, phone and ID number of applications
//! spread over the store) and prints the time of each keystroke to its first page drawn, with
//! the median, p95 and worst.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use powerdesk::allocator::resident_mb as memory;
use powerdesk::service::{demo, Desk};
use powerdesk::store::SledStore;
use powerdesk::tui::config::Config;
use powerdesk::tui::i18n::Lang;
use powerdesk::tui::keymap::{Key, Keymap};
use powerdesk::tui::worker::Worker;
use powerdesk::tui::{Action, App, Session};
use ratatui::backend::TestBackend;
use ratatui::Terminal;

fn desk_at(dir: &Path) -> Arc<Desk> {
    let store = SledStore::open(dir).expect("open store");
    Arc::new(Desk::new(
        Arc::new(store),
        Arc::new(powerdesk::cli::bundled_calendar().expect("calendar")),
    ))
}

fn store_dir() -> (Option<tempfile::TempDir>, PathBuf) {
    match std::env::var_os("POWERDESK_BENCH_STORE") {
        Some(dir) => (None, PathBuf::from(dir)),
        None => {
            let tmp = tempfile::tempdir().unwrap();
            let desk = desk_at(tmp.path());
            demo::generate(&desk, 20_000, 1).unwrap();
            drop(desk);
            let path = tmp.path().to_path_buf();
            (Some(tmp), path)
        }
    }
}

/// What the binary does before its first frame: start the worker that opens the store (with
/// the console's cache, the calendar and the active bundle, as `powerdesk` does), build the
/// state, draw.
fn first_frame(dir: &Path) -> (Session<TestBackend>, Worker) {
    let open = powerdesk::cli::console_opener(dir.to_path_buf(), "policies".into(), Arc::default());
    let (tx, rx) = std::sync::mpsc::channel();
    let worker = Worker::spawn_opening(open, "bench".into(), tx);
    let config = Config {
        lang: Lang::Zh,
        keymap: Keymap::default(),
        policies: "policies".into(),
        papers: dir.join("papers"),
    };
    let now = powerdesk::cli::clock().expect("the desk's clock").now();
    let mut app = App::new(&config, now, (120, 40));
    app.opening_store();
    let mut session = Session::new(
        Terminal::new(TestBackend::new(120, 40)).unwrap(),
        app,
        rx,
        worker.outbox(),
    );
    session.draw().unwrap();
    (session, worker)
}

/// The first frame, then wait for the first page and draw it.
fn start(dir: &Path) -> (Session<TestBackend>, Worker) {
    let (mut session, worker) = first_frame(dir);
    assert!(session.settle(Duration::from_secs(120)));
    assert!(!session.app.opening && session.app.fatal.is_none());
    session.draw().unwrap();
    (session, worker)
}

fn key(s: &str) -> Action {
    Action::Key(Key::parse(s).unwrap().to_event())
}

/// The scripted session of POWERDESK_BENCH_RSS: resident memory after each step.
fn rss_session(dir: &Path) {
    powerdesk::allocator::prefer_small_footprint(); // as the console does
    let (mut session, worker) = start(dir);
    // The peak over the whole session; each step's own peak is read after resetting the
    // kernel's (writing 5 to clear_refs resets VmHWM to the current VmRSS).
    let mut session_peak = 0f64;
    let mut step = |session: &mut Session<TestBackend>, what: &str, keys: &[&str]| {
        for k in keys {
            session.dispatch(key(k));
            assert!(session.settle(Duration::from_secs(600)));
        }
        session.draw().unwrap();
        let (rss, hwm) = memory();
        session_peak = session_peak.max(hwm);
        println!(
            "{what:<44} VmRSS {rss:7.1} MB   step peak {hwm:7.1} MB   session peak {session_peak:7.1} MB"
        );
        let _ = std::fs::write("/proc/self/clear_refs", "5");
    };
    println!(
        "{} applications in {}",
        session.app.list.total,
        dir.display()
    );
    step(&mut session, "first data frame", &[]);
    step(&mut session, "50 x PgDn", &["pagedown"; 50]);
    step(&mut session, "End (last page)", &["end"]);
    step(&mut session, "Home", &["g"]);
    step(
        &mut session,
        "state filter x3, then off",
        &["s", "s", "s", "x"],
    );
    step(
        &mut session,
        "sort by deadline, End, sort back",
        &["t", "end", "t"],
    );
    step(&mut session, "overdue only, End, off", &["!", "end", "!"]);
    step(
        &mut session,
        "search \"1\" (the best 200 kept), End, clear",
        &["/", "1", "enter", "end", "x"],
    );
    step(&mut session, "due view (deadline index)", &["5"]);
    step(&mut session, "dashboard (metrics over the store)", &["3"]);
    step(&mut session, "back to the listing, 50 x PgDn", &["1"]);
    for _ in 0..50 {
        session.dispatch(key("pagedown"));
    }
    assert!(session.settle(Duration::from_secs(600)));
    let (rss, hwm) = memory();
    let session_peak = session_peak.max(hwm);
    println!(
        "{:<44} VmRSS {rss:7.1} MB   step peak {hwm:7.1} MB   session peak {session_peak:7.1} MB",
        "end of session"
    );
    drop(session);
    worker.join();
}

/// POWERDESK_BENCH_SEARCH: every keystroke of typed searches, to its first page drawn.
fn search_keystrokes(dir: &Path) {
    let (mut session, worker) = start(dir);
    let total = session.app.list.total as usize;
    let mut queries: Vec<String> = [
        "zw",
        "zhangwei",
        "张伟",
        "王芳",
        "lf",
        "张w",
        "138",
        "1391234",
        "3708",
        "济宁市任城区",
        "古槐路",
        "惠民",
        "商贸有限",
        "JN-2026-0001",
    ]
    .iter()
    .map(|q| q.to_string())
    .collect();
    // Applications spread over the store: jump there (End, then up) and take their fields.
    for at in [0, total / 3, total * 2 / 3] {
        session.dispatch(key("g"));
        assert!(session.settle(Duration::from_secs(120)));
        session.app.list.cursor = at;
        session.dispatch(key("j"));
        assert!(session.settle(Duration::from_secs(120)));
        if let Some(row) = session.app.list.selected() {
            let c = &row.app.form.customer;
            queries.extend([c.name.clone(), c.phone.clone(), c.id_number.clone()]);
        }
    }
    let mut times: Vec<(f64, String)> = Vec::new();
    for q in &queries {
        session.dispatch(key("/"));
        assert!(session.settle(Duration::from_secs(120)));
        let mut typed = String::new();
        for ch in q.chars() {
            typed.push(ch);
            let started = std::time::Instant::now();
            session.dispatch(Action::Paste(ch.to_string()));
            assert!(session.settle(Duration::from_secs(600)));
            session.draw().unwrap();
            let ms = started.elapsed().as_secs_f64() * 1e3;
            times.push((ms, typed.clone()));
        }
        println!(
            "{q:<24} {:>6} hits   last keystroke {:7.2} ms",
            format!(
                "{}{}",
                session.app.list.total,
                if session.app.list.more { "+" } else { "" }
            ),
            times.last().map_or(0.0, |t| t.0)
        );
        session.dispatch(key("esc"));
        assert!(session.settle(Duration::from_secs(120)));
    }
    let mut ms: Vec<f64> = times.iter().map(|t| t.0).collect();
    ms.sort_by(f64::total_cmp);
    let at = |p: f64| ms[((ms.len() as f64 * p).ceil() as usize).clamp(1, ms.len()) - 1];
    let worst = times.iter().max_by(|a, b| a.0.total_cmp(&b.0)).unwrap();
    println!(
        "{} keystrokes on {total} applications: median {:.2} ms, p95 {:.2} ms, worst {:.2} ms ({:?})",
        ms.len(),
        at(0.5),
        at(0.95),
        worst.0,
        worst.1
    );
    let (rss, hwm) = memory();
    println!("VmRSS {rss:.1} MB, VmHWM {hwm:.1} MB");
    drop(session);
    worker.join();
}

fn console(c: &mut Criterion) {
    let (_keep, dir) = store_dir();
    if std::env::var_os("POWERDESK_BENCH_RSS").is_some() {
        rss_session(&dir);
        return;
    }
    if std::env::var_os("POWERDESK_BENCH_SEARCH").is_some() {
        search_keystrokes(&dir);
        return;
    }
    {
        let (session, worker) = start(&dir);
        eprintln!(
            "console benchmarks on {} applications in {}",
            session.app.list.total,
            dir.display()
        );
        drop(session);
        worker.join();
    }
    let mut group = c.benchmark_group("tui");
    group.sample_size(10);
    // What the binary does before its first frame (the store opens on the worker meanwhile).
    group.bench_function("start_to_first_frame", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let t0 = std::time::Instant::now();
                let (mut session, worker) = first_frame(&dir);
                total += t0.elapsed();
                assert!(session.settle(Duration::from_secs(120)));
                drop(session);
                worker.join();
            }
            total
        })
    });
    // The same up to the first frame that shows applications: the page stored at the last
    // exit, while the store opens, when the store is unchanged since (each iteration's exit
    // stores it for the next; the run before the benchmarks stored the first).
    group.bench_function("start_to_first_data_frame", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let t0 = std::time::Instant::now();
                let (mut session, worker) = first_frame(&dir);
                let end = t0 + Duration::from_secs(120);
                while session.app.list.rows.is_empty() {
                    assert!(std::time::Instant::now() < end, "no first page");
                    session.pump();
                    std::thread::sleep(Duration::from_micros(100));
                }
                session.draw().unwrap();
                total += t0.elapsed();
                assert!(session.settle(Duration::from_secs(120)));
                drop(session);
                worker.join();
            }
            total
        })
    });
    // Until the store is open and its own answer to the first page is drawn.
    group.bench_function("start_to_store_open_first_page", |b| {
        b.iter(|| {
            let (session, worker) = start(&dir);
            assert!(session.app.list.total > 0);
            drop(session);
            worker.join();
        })
    });
    group.finish();

    let (mut session, worker) = start(&dir);
    let mut group = c.benchmark_group("tui");
    // One key and one frame: answers already in the inbox are applied first, as in the run loop.
    let frame = |session: &mut Session<TestBackend>, k: &str| {
        session.pump();
        session.dispatch(key(k));
        session.draw().unwrap();
    };
    let mut n = 0u64;
    group.bench_function("frame_navigate_down", |b| {
        b.iter(|| {
            n += 1;
            // Walk down through the listing, back to the top now and then.
            frame(&mut session, if n.is_multiple_of(5000) { "g" } else { "j" })
        })
    });
    group.bench_function("frame_page_down", |b| {
        b.iter(|| frame(&mut session, "pagedown"))
    });
    group.bench_function("frame_filter_keystroke", |b| {
        b.iter(|| frame(&mut session, "s"))
    });
    session.dispatch(key("x"));
    assert!(session.settle(Duration::from_secs(60)));
    session.dispatch(key("/"));
    group.bench_function("frame_search_keystroke", |b| {
        b.iter(|| {
            frame(&mut session, "a");
            frame(&mut session, "backspace");
        })
    });
    session.dispatch(key("esc"));
    assert!(session.settle(Duration::from_secs(120)));
    // A search keystroke through the search index, to its first page drawn.
    session.dispatch(key("/"));
    assert!(session.settle(Duration::from_secs(60)));
    group.bench_function("search_keystroke_to_first_page", |b| {
        b.iter(|| {
            for k in ["z", "w", "backspace", "backspace"] {
                session.dispatch(key(k));
                assert!(session.settle(Duration::from_secs(60)));
                session.draw().unwrap();
            }
        })
    });
    session.dispatch(key("esc"));
    assert!(session.settle(Duration::from_secs(120)));
    group.sample_size(10);
    group.bench_function("filter_status_to_first_page", |b| {
        b.iter(|| {
            session.dispatch(key("s"));
            assert!(session.settle(Duration::from_secs(60)));
            session.draw().unwrap();
        })
    });
    // The due view: `5` until what is due (read from the deadline index, with each due
    // application's last event for its operator) is counted and drawn.
    group.bench_function("due_view_key_to_frame", |b| {
        b.iter(|| {
            session.dispatch(key("5"));
            assert!(session.settle(Duration::from_secs(60)));
            session.draw().unwrap();
        })
    });
    group.finish();
    drop(session);
    worker.join();
}

criterion_group!(benches, console);
criterion_main!(benches);
