//! The shipped WebAssembly components decide every fixture of both bundles exactly as expected,
//! run in the real wasmtime host: the component glue of the SDK loses nothing on the way.

mod policy_rules_support;

use policy_rules_support as support;
use powerdesk::domain::decision as dd;
use powerdesk::policy::convert;
use powerdesk::policy::host::{wit, ModuleSpec, PolicyHost, SandboxLimits};
use powerdesk::policy::manifest::Manifest;

fn wit_params(m: &Manifest) -> Vec<u8> {
    powerdesk::policy::bundle::wire_params(&m.parameters)
}

/// The final WIT draft as a contract Decision (via the SDK-independent host conversions).
fn contract(m: &Manifest, d: wit::Decision, rules: Vec<String>) -> dd::Decision {
    dd::Decision {
        bundle: dd::BundleRef {
            region: m.bundle.region.clone(),
            version: m.bundle.version.clone(),
            digest: String::new(),
        },
        access: dd::Access {
            class: convert::from_wit_access(d.access_class.expect("access class")),
            voltage: convert::from_wit_voltage(d.access_voltage.expect("access voltage")),
        },
        programs: d
            .programs
            .into_iter()
            .map(convert::from_wit_program)
            .collect(),
        investment_boundary: convert::from_wit_boundary(d.investment_boundary.expect("boundary")),
        external_line_payer: convert::from_wit_payer(d.external_line_payer.expect("payer")),
        steps: d
            .steps
            .into_iter()
            .map(|s| dd::StepLimit {
                id: convert::step_id(s.step).to_string(),
                limit_working_days: s.limit_working_days,
                from: convert::event_state(s.from).id().to_string(),
            })
            .collect(),
        grid_total_limit_working_days: d.grid_total_limit_working_days,
        tariff_cut_yuan_per_kwh: d.tariff_cut_yuan_per_kwh.expect("tariff cut"),
        free_efficiency_service: d.free_efficiency_service.expect("efficiency"),
        rules,
    }
}

fn check_bundle(region: &str) -> usize {
    let dir = support::bundle_dir(region);
    let m = Manifest::load(&dir).unwrap();
    m.verify_modules().unwrap();
    let host = PolicyHost::without_cache(SandboxLimits::default());
    let modules: Vec<_> = m
        .modules
        .iter()
        .map(|e| {
            host.load(&ModuleSpec {
                name: e.name.clone(),
                version: String::new(),
                file: m.module_path(e),
                expected_digest: Some(e.sha256.clone()),
            })
            .unwrap_or_else(|err| panic!("{region}/{}: {err}", e.file))
        })
        .collect();
    let params = wit_params(&m);
    // A case that expects a refusal (received before the bundle took effect) never reaches the
    // modules: the host refuses it (tests/policy_host_bundles.rs runs those through the bundle).
    let cases: Vec<_> = support::fixtures(&dir)
        .into_iter()
        .filter(|f| support::expected_error(f).is_none())
        .collect();
    // Every fixture case in one batch per module, as powerdesk sends them.
    let mut texts = convert::Texts::default();
    let mut inputs: Vec<wit::Evaluation> = cases
        .iter()
        .map(|f| wit::Evaluation {
            application: convert::to_wit_application(&f.application, &mut texts),
            evaluation_date: convert::to_wit_date(f.evaluation_date),
            draft: convert::empty_draft(),
        })
        .collect();
    // Each module's part merged into the draft the next one sees; its rules by describe() index.
    let mut rules: Vec<Vec<String>> = vec![Vec::new(); cases.len()];
    for module in &modules {
        let results = host
            .decide(module, &params, texts.as_slice(), &inputs)
            .unwrap_or_else(|e| panic!("{region}: {e}"));
        assert_eq!(results.len(), inputs.len(), "one result per evaluation");
        for (((input, result), f), cited) in
            inputs.iter_mut().zip(results).zip(&cases).zip(&mut rules)
        {
            let part = result.unwrap_or_else(|e| panic!("{}: {e}", f.name));
            cited.extend(
                part.rules
                    .iter()
                    .map(|&r| module.rules[usize::from(r)].id.clone()),
            );
            convert::merge(&mut input.draft, part.decision).unwrap();
        }
    }
    let mut failures = Vec::new();
    for ((f, input), rules) in cases.iter().zip(inputs).zip(rules) {
        let got = support::fixture_json(&contract(&m, input.draft, rules));
        if got != f.expected {
            failures.push(format!(
                "{}: expected {}\n  got {}",
                f.name, f.expected, got
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} differ:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
    cases.len()
}

#[test]
fn the_jining_components_decide_every_fixture_as_expected() {
    assert!(check_bundle("jining") >= 34);
}

#[test]
fn the_rural_components_decide_every_fixture_as_expected() {
    assert!(check_bundle("example-rural-100kw") >= 18);
}

/// policies/example-rego: jn-access-rego (the access rules in Rego, run by the regorus
/// interpreter inside the component) beside the Rust jn-cost decides every Jining fixture.
#[test]
fn the_rego_components_decide_every_fixture_as_expected() {
    assert!(check_bundle("example-rego") >= 34);
    // Its fixtures are Jining's, only the bundle's region differs: the Rego rules decide what
    // jn-access decides on every one of them.
    let jining = support::fixtures(&support::bundle_dir("jining"));
    let rego = support::fixtures(&support::bundle_dir("example-rego"));
    assert_eq!(jining.len(), rego.len());
    for (j, r) in jining.iter().zip(&rego) {
        assert_eq!(j.name, r.name);
        let mut expected = j.expected.clone();
        if let Some(b) = expected.get_mut("bundle") {
            b["region"] = "example-rego".into();
        }
        assert_eq!(expected, r.expected, "{}", r.name);
    }
}

/// The Rego and the Rust access module decide the same on generated applications, batched as
/// `policy diff` and `demo` send them (256 per sandbox).
#[test]
fn the_rego_and_rust_access_modules_agree_on_2048_generated_applications() {
    use powerdesk::policy::bundle::Bundle;
    use powerdesk::policy::sample::Sampler;

    let host = PolicyHost::without_cache(SandboxLimits::default());
    let rust = Bundle::load(&host, &support::bundle_dir("jining")).unwrap();
    let rego = Bundle::load(&host, &support::bundle_dir("example-rego")).unwrap();
    let forms = Sampler::new(13).forms(2048);
    let items: Vec<_> = forms
        .iter()
        .map(|f| (f, f.received_at.date_naive()))
        .collect();
    let (a, b) = (rust.evaluate_batch(&items), rego.evaluate_batch(&items));
    let mut decided = 0;
    for ((form, a), b) in forms.iter().zip(a).zip(b) {
        match (a, b) {
            (Ok(a), Ok(mut b)) => {
                b.bundle = a.bundle.clone();
                assert_eq!(a, b, "Rust and Rego disagree on {form:?}");
                decided += 1;
            }
            (Err(a), Err(b)) => assert_eq!(
                a.to_string().replace("jn-access", "jn-access-rego"),
                b.to_string(),
                "{form:?}"
            ),
            (a, b) => panic!("one module refused: Rust {a:?}, Rego {b:?} on {form:?}"),
        }
    }
    assert!(decided > 2048 * 9 / 10, "only {decided} decided");
}

/// The committed jn-access-rego component evaluates the committed policy: the policy text is built
/// into the module (include_str!), so editing policy/access.rego without `powerdesk policy build
/// policies/example-rego` fails here.
#[test]
fn the_rego_component_carries_the_committed_policy_text() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let policy =
        std::fs::read(root.join("plugins/modules/jn-access-rego/policy/access.rego")).unwrap();
    let module =
        std::fs::read(root.join("policies/example-rego/modules/jn-access-rego.wasm")).unwrap();
    assert!(
        module.windows(policy.len()).any(|w| w == policy.as_slice()),
        "policies/example-rego/modules/jn-access-rego.wasm does not carry policy/access.rego as committed; run `powerdesk policy build policies/example-rego`"
    );
}

#[path = "fixtures/bundle_copy.rs"]
mod bundle_copy;

/// The Rego module declares the parameters its policy reads (the policy's `parameters`), so
/// `policy check` names a mistyped or missing one with jn-access-rego, before any decision.
#[test]
fn the_rego_policy_declares_its_parameters_to_policy_check() {
    use powerdesk::policy::bundle::Bundle;
    use powerdesk::policy::declare::check_parameters;

    let host = PolicyHost::without_cache(SandboxLimits::default());
    let shipped = Bundle::load(&host, &support::bundle_dir("example-rego")).unwrap();
    let rego = &shipped.modules()[0];
    assert_eq!(rego.name, "jn-access-rego");
    assert_eq!(rego.params.len(), 24, "every parameter access.rego reads");
    assert!(check_parameters(shipped.modules(), shipped.parameters()).is_empty());

    let tmp = tempfile::tempdir().unwrap();
    let dir = bundle_copy::copy_bundle_as("example-rego", "example-rego", tmp.path());
    let manifest = dir.join("bundle.toml");
    let text = std::fs::read_to_string(&manifest)
        .unwrap()
        .replace("lv_max_kw = 160", "lv_max_kw = \"160\"")
        .replace("lv_total_wd = 2\n", "");
    std::fs::write(&manifest, text).unwrap();
    let bundle = Bundle::load(&host, &dir).unwrap();
    let problems: Vec<String> = check_parameters(bundle.modules(), bundle.parameters())
        .iter()
        .map(|p| p.to_string())
        .collect();
    let has = |needle: &str| problems.iter().any(|p| p.contains(needle));
    assert!(
        has("parameters.lv_max_kw: expected number in 1..=10000, found the text \"160\" (module jn-access-rego)"),
        "{problems:#?}"
    );
    assert!(
        has("parameters.lv_total_wd: missing") && has("(module jn-access-rego)"),
        "{problems:#?}"
    );
}
