//! Probe: resident memory of the console's store handle around whole-store scans.
//!
//!     cargo run --release --example console_memory -- STORE_DIR [steps]
//!
//! Opens the store as the console does (its cache size, mimalloc returning memory at once), then
//! runs the steps given (default: `scan collect events collect`) and prints VmRSS/VmHWM after
//! each: `scan` decodes every application (what the fuzzy search reads), `events` reads every
//! application's events too (what the dashboard reads), `collect` asks mimalloc to return freed
//! memory, `sleep` waits a second.

use std::sync::Arc;

use powerdesk::allocator::resident_mb as memory;
use powerdesk::domain::ports::Repository;
use powerdesk::store::SledStore;

fn report(what: &str, t: std::time::Instant) {
    let (rss, hwm) = memory();
    println!(
        "{what:<24} VmRSS {rss:7.1} MB  VmHWM {hwm:7.1} MB  ({:.0} ms)",
        t.elapsed().as_secs_f64() * 1000.0
    );
}

fn main() {
    let mut args = std::env::args().skip(1);
    let dir = args.next().expect("STORE_DIR");
    let steps: Vec<String> = args.collect();
    let steps = if steps.is_empty() {
        vec![
            "scan".into(),
            "collect".into(),
            "events".into(),
            "collect".into(),
        ]
    } else {
        steps
    };
    powerdesk::allocator::prefer_small_footprint();
    report("start", std::time::Instant::now());
    let t = std::time::Instant::now();
    let store = Arc::new(
        SledStore::open_with(
            std::path::Path::new(&dir),
            powerdesk::store::StoreOptions {
                cache_bytes: std::env::var("CACHE_MB")
                    .ok()
                    .and_then(|v| v.parse::<u64>().ok())
                    .map_or(powerdesk::tui::STORE_OPTIONS.cache_bytes, |mb| mb << 20),
                prompt_accounting: std::env::var_os("SLOW_ACCOUNTING").is_none(),
                ..powerdesk::tui::STORE_OPTIONS
            },
        )
        .expect("open"),
    );
    report("open", t);
    for step in &steps {
        let t = std::time::Instant::now();
        match step.as_str() {
            "scan" | "scan100k" => {
                let limit = if step == "scan" { u64::MAX } else { 100_000 };
                let mut n = 0u64;
                store
                    .scan(&mut |_| {
                        n += 1;
                        n < limit
                    })
                    .unwrap();
            }
            "events" => {
                let mut n = 0usize;
                let s = store.clone();
                store
                    .scan(&mut |a| {
                        n += s.events(&a.id).unwrap().len();
                        true
                    })
                    .unwrap();
            }
            "collect" => unsafe { libmimalloc_sys::mi_collect(true) },
            "gets" => {
                for _ in 0..200_000 {
                    let _ = store.setting("probe").unwrap();
                }
            }
            "sleep" => std::thread::sleep(std::time::Duration::from_secs(1)),
            "stats" => unsafe { libmimalloc_sys::mi_stats_print(std::ptr::null_mut()) },
            other => panic!("unknown step {other}"),
        }
        report(step, t);
    }
}
