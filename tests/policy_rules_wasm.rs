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
