//! The same Jining access rules (jn-access) in what a region might pick, side by side: (a) the
//! Rust module in the sandbox, (b) the Rego module in the sandbox (regorus inside the component),
//! (c) the same Rego policy evaluated by regorus natively in powerdesk's process, (d) a Rhai
//! script in an embedded interpreter, and the Rust rules natively as the floor. Before timing,
//! all of them are checked to decide alike on the sampled applications.
//! Throughput: criterion, 256 decisions per iteration (a batch: one sandbox per batch for (a) and
//! (b)). Latency percentiles of one decision at a time (a fresh sandbox each for (a) and (b)) are
//! printed as a table before criterion's output.
//! Run: `cargo bench --bench policy_languages`.

#[path = "../tests/policy_rules_support/mod.rs"]
mod support;

use std::path::Path;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use jn_access::JnAccess;
use jn_access_rego::JnAccessRego;
use powerdesk::policy::bundle::Bundle;
use powerdesk::policy::convert::Texts;
use powerdesk::policy::host::{PolicyHost, SandboxLimits};
use powerdesk::policy::manifest::Manifest;
use powerdesk::policy::sample::Sampler;
use powerdesk_policy_sdk as sdk;
use powerdesk_policy_sdk::RuleModule;
use rhai::{Dynamic, Engine, Map, Scope, AST};

const RHAI_ACCESS: &str = include_str!("policy_languages/access.rhai");

/// The Rhai script compiled once, with the parameters in scope once.
struct RhaiRules {
    engine: Engine,
    ast: AST,
    scope: Scope<'static>,
    rule_ids: Vec<&'static str>,
}

fn rhai_params(p: &sdk::Params) -> Map {
    p.iter()
        .map(|(n, v)| {
            let v: Dynamic = match v {
                sdk::ParamValue::Integer(i) => (*i).into(),
                sdk::ParamValue::Number(x) => (*x).into(),
                sdk::ParamValue::Text(s) => s.clone().into(),
                sdk::ParamValue::Flag(b) => (*b).into(),
                sdk::ParamValue::Texts(t) => t
                    .iter()
                    .cloned()
                    .map(Dynamic::from)
                    .collect::<Vec<_>>()
                    .into(),
            };
            (n.into(), v)
        })
        .collect()
}

fn rhai_app(a: &sdk::Application) -> Map {
    let opt = |x: Option<f64>| x.map(Dynamic::from).unwrap_or(Dynamic::UNIT);
    let r = &a.request;
    let mut req = Map::new();
    req.insert("voltage".into(), r.voltage.id().into());
    req.insert("capacity_kw".into(), opt(r.capacity_kw));
    req.insert("capacity_kva".into(), opt(r.capacity_kva));
    req.insert("existing_capacity_kw".into(), opt(r.existing_capacity_kw));
    req.insert("existing_capacity_kva".into(), opt(r.existing_capacity_kva));
    req.insert("direct_meter".into(), r.direct_meter.into());
    req.insert("simple_line".into(), r.simple_line.into());
    req.insert("important".into(), r.important.into());
    req.insert("dual_supply".into(), r.dual_supply.into());
    req.insert(
        "grid_project_need_date".into(),
        r.grid_project_need_date
            .map(|d| Dynamic::from(d.to_string()))
            .unwrap_or(Dynamic::UNIT),
    );
    let mut customer = Map::new();
    customer.insert("class".into(), a.customer.class.id().into());
    let mut app = Map::new();
    app.insert("request".into(), req.into());
    app.insert("customer".into(), customer.into());
    app
}

impl RhaiRules {
    fn new(params: &sdk::Params) -> RhaiRules {
        let engine = Engine::new();
        let ast = engine.compile(RHAI_ACCESS).expect("access.rhai compiles");
        let mut scope = Scope::new();
        scope.push_constant("p", rhai_params(params));
        scope.push("app", Map::new());
        let rule_ids = JnAccess::describe()
            .rules
            .into_iter()
            .map(|r| &*Box::leak(r.id.into_boxed_str()))
            .collect();
        RhaiRules {
            engine,
            ast,
            scope,
            rule_ids,
        }
    }

    fn decide(&mut self, e: &sdk::Evaluation) -> Result<sdk::Decision, sdk::RuleError> {
        let len = self.scope.len();
        self.scope.set_value("app", rhai_app(&e.application));
        let out = self
            .engine
            .eval_ast_with_scope::<Map>(&mut self.scope, &self.ast);
        self.scope.rewind(len);
        let out = out.map_err(|err| sdk::RuleError::Internal(err.to_string()))?;
        self.decision(e, &out)
    }

    /// The script's map as the SDK's decision (the parts the access rules decide).
    fn decision(&self, e: &sdk::Evaluation, out: &Map) -> Result<sdk::Decision, sdk::RuleError> {
        let text = |m: &Map, k: &str| m.get(k).map(|v| v.to_string()).unwrap_or_default();
        if let Some(m) = out.get("unsupported") {
            return Err(sdk::RuleError::Unsupported(m.to_string()));
        }
        let mut d = e.draft.clone();
        let access = out["access"].read_lock::<Map>().unwrap();
        d.access_class = Some(match text(&access, "class").as_str() {
            "low_voltage" => sdk::AccessClass::LowVoltage,
            "hv_ordinary" => sdk::AccessClass::HvOrdinary,
            _ => sdk::AccessClass::HvStandard,
        });
        d.access_voltage = sdk::Voltage::from_id(&text(&access, "voltage"));
        for s in out["steps"].clone().into_array().unwrap() {
            let s = s.cast::<Map>();
            d.set_step(
                sdk::Step::from_id(&text(&s, "id")).unwrap(),
                s["limit_working_days"].as_int().unwrap() as u32,
                sdk::Event::from_id(&text(&s, "from")).unwrap(),
            );
        }
        let total = &out["grid_total_limit_working_days"];
        d.grid_total_limit_working_days = total.as_int().ok().map(|t| t as u32);
        for r in out["rules"].clone().into_array().unwrap() {
            let id = r.into_string().unwrap();
            d.apply(self.rule_ids.iter().find(|x| **x == id).unwrap());
        }
        Ok(d)
    }
}

/// p50 and p99 of `n` single decisions, in µs, and decisions per second at that pace.
fn latency(n: usize, mut one: impl FnMut(usize)) -> (f64, f64, f64) {
    let mut times: Vec<Duration> = (0..n)
        .map(|i| {
            let t = Instant::now();
            one(i);
            t.elapsed()
        })
        .collect();
    let total: Duration = times.iter().sum();
    times.sort();
    let us = |q: f64| times[((n as f64 * q) as usize).min(n - 1)].as_secs_f64() * 1e6;
    (us(0.5), us(0.99), n as f64 / total.as_secs_f64())
}

fn languages(c: &mut Criterion) {
    let host = PolicyHost::without_cache(SandboxLimits::default());
    let jining = Bundle::load(&host, Path::new("policies/jining")).unwrap();
    let rego = Bundle::load(&host, Path::new("policies/example-rego")).unwrap();
    let (rust_module, rego_module) = (&jining.modules()[0], &rego.modules()[0]);
    assert_eq!(rego_module.name, "jn-access-rego");
    let manifest = Manifest::load(Path::new("policies/jining")).unwrap();
    let params = support::params(&manifest);

    let forms = Sampler::new(1).forms(256);
    let evals: Vec<sdk::Evaluation> = forms
        .iter()
        .map(|f| sdk::Evaluation {
            application: support::application(f),
            params: params.clone(),
            evaluation_date: support::date(f.received_at.date_naive()),
            draft: sdk::Decision::default(),
        })
        .collect();
    let mut texts = Texts::default();
    let batch: Vec<_> = forms
        .iter()
        .map(|f| jining.evaluation(f, f.received_at.date_naive(), &mut texts))
        .collect();
    let texts = texts.as_slice().to_vec();
    let mut rhai = RhaiRules::new(&params);

    // The four decide alike (the sandboxed ones: tests/policy_rules_wasm.rs).
    for e in &evals {
        let rust = JnAccess::decide(e);
        assert_eq!(rust, JnAccessRego::decide(e), "Rego: {:?}", e.application);
        assert_eq!(
            rust.as_ref().ok(),
            rhai.decide(e).as_ref().ok(),
            "Rhai: {:?}",
            e.application
        );
    }
    // In the sandbox both decide every sampled application (their decisions are compared in
    // tests/policy_rules_wasm.rs).
    for (module, bundle) in [(rust_module, &jining), (rego_module, &rego)] {
        let parts = host
            .decide(module, bundle.params(), &texts, &batch)
            .unwrap();
        let decided = parts.iter().filter(|p| p.is_ok()).count();
        let native = evals.iter().filter(|e| JnAccess::decide(e).is_ok()).count();
        assert_eq!(decided, native, "{}", module.name);
    }

    // One decision at a time: latency percentiles.
    println!("one decision at a time (p50, p99, decisions/s):");
    let one = |i: usize| std::slice::from_ref(&batch[i % batch.len()]);
    let rows = [
        (
            "a_sandboxed_rust",
            latency(2000, |i| {
                host.decide(rust_module, jining.params(), &texts, one(i))
                    .unwrap();
            }),
        ),
        (
            "b_sandboxed_rego",
            latency(300, |i| {
                host.decide(rego_module, rego.params(), &texts, one(i))
                    .unwrap();
            }),
        ),
        (
            "c_native_regorus",
            latency(2000, |i| {
                let _ = JnAccessRego::decide(&evals[i % evals.len()]);
            }),
        ),
        (
            "d_rhai",
            latency(2000, |i| {
                let _ = rhai.decide(&evals[i % evals.len()]);
            }),
        ),
        (
            "native_rust",
            latency(2000, |i| {
                let _ = JnAccess::decide(&evals[i % evals.len()]);
            }),
        ),
    ];
    for (name, (p50, p99, per_s)) in rows {
        println!("  {name:<18} p50 {p50:>9.1} µs  p99 {p99:>9.1} µs  {per_s:>10.0}/s");
    }

    let mut g = c.benchmark_group("policy_languages_256");
    g.throughput(Throughput::Elements(batch.len() as u64));
    g.bench_function("a_sandboxed_rust", |b| {
        b.iter(|| {
            host.decide(rust_module, jining.params(), &texts, &batch)
                .unwrap()
        })
    });
    g.bench_function("b_sandboxed_rego", |b| {
        b.iter(|| {
            host.decide(rego_module, rego.params(), &texts, &batch)
                .unwrap()
        })
    });
    g.bench_function("c_native_regorus", |b| {
        b.iter(|| evals.iter().map(JnAccessRego::decide).count())
    });
    g.bench_function("d_rhai", |b| {
        b.iter(|| evals.iter().map(|e| rhai.decide(e).is_ok()).count())
    });
    g.bench_function("native_rust", |b| {
        b.iter(|| evals.iter().map(JnAccess::decide).count())
    });
    g.finish();
}

criterion_group!(benches, languages);
criterion_main!(benches);
