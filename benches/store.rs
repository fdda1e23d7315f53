//! Store benchmarks: durable submissions, bulk demo load, and the first page of filtered listings.
//!
//! The listing benchmarks run on the store named by POWERDESK_BENCH_STORE (make one with
//! `powerdesk --store DIR demo --count 1000000`); without it they build a 100,000-application
//! store in a temporary directory first.

use std::path::PathBuf;
use std::sync::Arc;

use chrono::NaiveDate;
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use powerdesk::domain::ports::{Query, SortBy};
use powerdesk::domain::workflow::State;
use powerdesk::domain::CustomerClass;
use powerdesk::service::demo::{self, DemoGenerator};
use powerdesk::service::Desk;
use powerdesk::store::SledStore;

fn desk_at(dir: &std::path::Path) -> Desk {
    let store = SledStore::open(dir).expect("open store");
    Desk::new(
        Arc::new(store),
        Arc::new(powerdesk::cli::bundled_calendar().expect("calendar")),
    )
}

/// Submissions acknowledged only after sled's `flush` has fdatasync'ed the log (group commit:
/// concurrent submitters share a sync; the syncs per submission are printed after the benches).
fn durable_submissions(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(SledStore::open(dir.path()).expect("open store"));
    let desk = Desk::new(
        store.clone(),
        Arc::new(powerdesk::cli::bundled_calendar().expect("calendar")),
    );
    let mut generator = DemoGenerator::new(42);
    let mut group = c.benchmark_group("store");
    group.throughput(Throughput::Elements(1));
    let (syncs_before, submitted_one) = (store.durable_syncs(), std::cell::Cell::new(0u64));
    group.bench_function("durable_submit", |b| {
        b.iter_batched(
            || generator.form(),
            |form| {
                submitted_one.set(submitted_one.get() + 1);
                desk.submit(form, "bench").unwrap()
            },
            BatchSize::SmallInput,
        )
    });
    let one_writer = (store.durable_syncs() - syncs_before, submitted_one.get());
    let syncs_before = store.durable_syncs();
    let submitted = std::sync::atomic::AtomicU64::new(0);
    // Eight submitters at once (the console's worker and command-line writers share the store):
    // their flushes are grouped.
    group.throughput(Throughput::Elements(8 * 25));
    group.sample_size(10);
    group.bench_function("durable_submit_8_threads_x25", |b| {
        b.iter_batched(
            || {
                let mut g = DemoGenerator::new(rand_seed());
                (0..8)
                    .map(|_| (0..25).map(|_| g.form()).collect::<Vec<_>>())
                    .collect::<Vec<_>>()
            },
            |per_thread| {
                std::thread::scope(|s| {
                    for forms in per_thread {
                        let (desk, submitted) = (&desk, &submitted);
                        s.spawn(move || {
                            for form in forms {
                                desk.submit(form, "bench").unwrap();
                                submitted.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                            }
                        });
                    }
                });
            },
            BatchSize::PerIteration,
        )
    });
    group.finish();
    let eight = (
        store.durable_syncs() - syncs_before,
        submitted.load(std::sync::atomic::Ordering::Relaxed),
    );
    for (name, (syncs, submissions)) in [("one writer", one_writer), ("8 threads", eight)] {
        eprintln!(
            "durable submissions, {name}: {syncs} fdatasyncs for {submissions} submissions ({:.2} each)",
            syncs as f64 / submissions.max(1) as f64
        );
    }
}

fn rand_seed() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
}

fn bulk_demo(c: &mut Criterion) {
    let mut group = c.benchmark_group("store");
    group.sample_size(10);
    group.throughput(Throughput::Elements(10_000));
    group.bench_function("demo_10k", |b| {
        b.iter_batched(
            || tempfile::tempdir().unwrap(),
            |dir| {
                let desk = desk_at(dir.path());
                demo::generate(&desk, 10_000, 7).unwrap();
                dir
            },
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

fn listings(c: &mut Criterion) {
    let (_keep, dir) = match std::env::var_os("POWERDESK_BENCH_STORE") {
        Some(dir) => (None, PathBuf::from(dir)),
        None => {
            let tmp = tempfile::tempdir().unwrap();
            let desk = desk_at(tmp.path());
            demo::generate(&desk, 100_000, 1).unwrap();
            let path = tmp.path().to_path_buf();
            (Some(tmp), path)
        }
    };
    let desk = desk_at(&dir);
    let total = desk
        .list(&Query {
            limit: 1,
            ..Query::default()
        })
        .unwrap()
        .total;
    eprintln!(
        "listing benchmarks on {total} applications in {}",
        dir.display()
    );
    let on = NaiveDate::from_ymd_opt(2026, 11, 27).unwrap();
    let cases = [
        (
            "status_accepted",
            Query {
                status: Some(State::Accepted),
                limit: 50,
                ..Query::default()
            },
        ),
        (
            "county_renchen",
            Query {
                county: Some("任城区".into()),
                limit: 50,
                ..Query::default()
            },
        ),
        (
            "status_and_county",
            Query {
                status: Some(State::Accepted),
                county: Some("任城区".into()),
                limit: 50,
                ..Query::default()
            },
        ),
        (
            "class_and_status",
            Query {
                class: Some(CustomerClass::Enterprise),
                status: Some(State::PlanReplied),
                limit: 50,
                ..Query::default()
            },
        ),
        (
            "overdue",
            Query {
                overdue_on: Some(on),
                limit: 50,
                ..Query::default()
            },
        ),
        (
            "name_prefix",
            Query {
                name_prefix: Some("济宁任城".into()),
                limit: 50,
                ..Query::default()
            },
        ),
        (
            "by_deadline",
            Query {
                sort: SortBy::Deadline,
                limit: 50,
                ..Query::default()
            },
        ),
    ];
    let mut group = c.benchmark_group("first_page");
    for (name, query) in cases {
        group.bench_function(name, |b| b.iter(|| desk.list(&query).unwrap()));
    }
    group.finish();
}

criterion_group!(benches, durable_submissions, bulk_demo, listings);
criterion_main!(benches);
