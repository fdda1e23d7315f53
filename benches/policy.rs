//! Policy host benchmarks: one decision of the whole Jining bundle in fresh sandboxes, batch
//! throughput against the native build of the same rules, and cold and warm bundle loads.
//! Run: `cargo bench --bench policy`.

#[path = "../tests/policy_rules_support/mod.rs"]
mod support;

use std::path::Path;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use jn_access::JnAccess;
use jn_cost::JnCost;
use powerdesk::policy::bundle::Bundle;
use powerdesk::policy::convert::Texts;
use powerdesk::policy::host::{PolicyHost, SandboxLimits};
use powerdesk::policy::manifest::Manifest;
use powerdesk::policy::sample::Sampler;
use powerdesk_policy_sdk::RuleModule;

const JINING: &str = "policies/jining";
const MODULES: &[(&str, support::Decide)] =
    &[("jn-access", JnAccess::decide), ("jn-cost", JnCost::decide)];

fn decisions(c: &mut Criterion) {
    let bundle = Bundle::load(
        &PolicyHost::without_cache(SandboxLimits::default()),
        Path::new(JINING),
    )
    .unwrap();
    let manifest = Manifest::load(Path::new(JINING)).unwrap();
    let forms = Sampler::new(1).forms(1024);
    let one = forms[0].clone();
    let on = one.received_at.date_naive();

    let mut g = c.benchmark_group("policy");
    g.bench_function("decide_one_jining_fresh_sandboxes", |b| {
        b.iter(|| bundle.evaluate(&one, on).unwrap())
    });

    // 1,024 applications, each as of its own received date: the WebAssembly bundle decides them
    // in batches of MAX_BATCH per sandbox; the native build runs the same modules' Rust code over
    // them with the parameters converted once, as the SDK does inside the sandbox.
    let items: Vec<_> = forms
        .iter()
        .map(|f| (f, f.received_at.date_naive()))
        .collect();
    g.throughput(Throughput::Elements(forms.len() as u64));
    g.bench_function("batch_1024_wasm_one_core", |b| {
        b.iter(|| {
            let decided = bundle.evaluate_batch(&items);
            assert!(decided.iter().all(Result::is_ok));
        })
    });
    g.bench_function("batch_1024_native_one_core", |b| {
        b.iter(|| {
            let decided = support::decide_batch(&manifest, MODULES, &items);
            assert!(decided.iter().all(Result::is_ok));
        })
    });
    g.finish();

    // The same single decision once the bundle has decided batches (as in a console that ran a
    // policy diff): batches run in pool slots of their own, so this stays as above.
    let mut g = c.benchmark_group("policy");
    g.bench_function("decide_one_jining_after_batches", |b| {
        b.iter(|| bundle.evaluate(&one, on).unwrap())
    });
    g.finish();

    // Where the time of one decision goes, per module call: the fixed cost of a fresh instance,
    // the bundle's parameters crossing into it, and the cost per evaluation in a batch.
    let mut g = c.benchmark_group("policy_module_call");
    let host = PolicyHost::without_cache(SandboxLimits::default());
    let access = &bundle.modules()[0];
    let mut texts = Texts::default();
    let one = [bundle.evaluation(&forms[0], forms[0].received_at.date_naive(), &mut texts)];
    let one_texts = texts.as_slice().to_vec();
    texts.clear();
    let batch: Vec<_> = forms[..256]
        .iter()
        .map(|f| bundle.evaluation(f, f.received_at.date_naive(), &mut texts))
        .collect();
    let texts = texts.as_slice();
    g.bench_function("jn_access_fresh_instance_without_parameters", |b| {
        // The module refuses at once (a parameter is missing): instance + call + refusal.
        b.iter(|| host.decide(access, &[], &one_texts, &one).unwrap())
    });
    g.bench_function("jn_access_one_evaluation", |b| {
        b.iter(|| {
            host.decide(access, bundle.params(), &one_texts, &one)
                .unwrap()
        })
    });
    g.throughput(Throughput::Elements(batch.len() as u64));
    g.bench_function("jn_access_256_evaluations", |b| {
        b.iter(|| host.decide(access, bundle.params(), texts, &batch).unwrap())
    });
    g.finish();
}

fn loads(c: &mut Criterion) {
    let mut g = c.benchmark_group("policy_load");
    g.sample_size(10).measurement_time(Duration::from_secs(8));
    g.bench_function("jining_cold_compile", |b| {
        let host = PolicyHost::without_cache(SandboxLimits::default());
        b.iter(|| Bundle::load(&host, Path::new(JINING)).unwrap())
    });
    let cache = tempfile::tempdir().unwrap();
    let host = PolicyHost::with_cache_dir(SandboxLimits::default(), cache.path());
    Bundle::load(&host, Path::new(JINING)).unwrap();
    g.bench_function("jining_warm_cache", |b| {
        b.iter_batched(
            || (),
            |_| Bundle::load(&host, Path::new(JINING)).unwrap(),
            BatchSize::PerIteration,
        )
    });
    g.finish();
}

criterion_group!(benches, decisions, loads);
criterion_main!(benches);
