//! Thread CPU time per decision of the Jining bundle, WebAssembly and native, for a machine
//! shared with other builds (where criterion's wall-clock numbers are noisy): the same 1,024
//! applications as `cargo bench --bench policy` (`policy/batch_1024_*`), decided `ROUNDS` times
//! each way, and one decision in fresh sandboxes (`policy/decide_one_jining_fresh_sandboxes`),
//! timed with CLOCK_THREAD_CPUTIME_ID.
//!
//!     cargo run --release --example policy_cpu_time [ROUNDS] [wasm|native|one|after]
//!
//! With `wasm`, `native` or `one` (the fresh-sandbox decision) only that part runs (e.g. under
//! `perf stat -e instructions`); `after` is `one` after the bundle has decided a batch of 1,024.

#[path = "../tests/policy_rules_support/mod.rs"]
mod support;

use std::path::Path;

use jn_access::JnAccess;
use jn_cost::JnCost;
use powerdesk::policy::bundle::Bundle;
use powerdesk::policy::host::{PolicyHost, SandboxLimits};
use powerdesk::policy::manifest::Manifest;
use powerdesk::policy::sample::Sampler;
use powerdesk_policy_sdk::RuleModule;

const JINING: &str = "policies/jining";

/// CPU time of the calling thread, in nanoseconds.
fn thread_cpu_ns() -> u128 {
    let mut t = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: a valid clock id and a pointer to a timespec we own.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut t) };
    assert_eq!(rc, 0, "clock_gettime");
    t.tv_sec as u128 * 1_000_000_000 + t.tv_nsec as u128
}

/// The best of five runs of `rounds` calls of `f`, in ns of thread CPU time per decision.
fn per_decision(rounds: usize, decisions: usize, mut f: impl FnMut()) -> f64 {
    f();
    (0..5)
        .map(|_| {
            let start = thread_cpu_ns();
            for _ in 0..rounds {
                f();
            }
            (thread_cpu_ns() - start) as f64 / (rounds * decisions) as f64
        })
        .fold(f64::INFINITY, f64::min)
}

fn main() {
    let rounds: usize = std::env::args()
        .nth(1)
        .map(|a| a.parse().expect("ROUNDS is a number"))
        .unwrap_or(100);
    let host = PolicyHost::without_cache(SandboxLimits::default());
    let bundle = Bundle::load(&host, Path::new(JINING)).expect("the Jining bundle loads");
    let manifest = Manifest::load(Path::new(JINING)).expect("the Jining manifest");
    let modules: &[(&str, support::Decide)] =
        &[("jn-access", JnAccess::decide), ("jn-cost", JnCost::decide)];
    let forms = Sampler::new(1).forms(1024);
    let items: Vec<_> = forms
        .iter()
        .map(|f| (f, f.received_at.date_naive()))
        .collect();

    let only = std::env::args().nth(2).unwrap_or_default();
    let wasm = per_decision(rounds, items.len(), || {
        if only.is_empty() || only == "wasm" {
            let decided = bundle.evaluate_batch(&items);
            assert!(decided.iter().all(Result::is_ok));
        }
    });
    let native = per_decision(rounds, items.len(), || {
        if only.is_empty() || only == "native" {
            let decided = support::decide_batch(&manifest, modules, &items);
            assert!(decided.iter().all(Result::is_ok));
        }
    });
    let one = &forms[0];
    if only == "after" {
        bundle.evaluate_batch(&items);
    }
    let single = if only.is_empty() || only == "one" || only == "after" {
        per_decision(rounds * 20, 1, || {
            bundle
                .evaluate(one, one.received_at.date_naive())
                .expect("decided");
        })
    } else {
        0.0
    };
    println!(
        "thread CPU of one decision in fresh sandboxes: {:.1} µs",
        single / 1e3
    );
    println!(
        "thread CPU per decision (best of 5 x {rounds} x 1024): WebAssembly {:.0} ns ({:.0}/s), native {:.0} ns ({:.0}/s), ratio {:.2}",
        wasm,
        1e9 / wasm,
        native,
        1e9 / native,
        wasm / native
    );
}
