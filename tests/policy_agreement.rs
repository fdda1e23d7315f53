//! The native (rlib) and WebAssembly builds of the shipped rule modules agree on thousands of
//! generated applications: same decision, or both refuse.

mod policy_rules_support;

use jn_access::JnAccess;
use jn_cost::JnCost;
use policy_rules_support as support;
use powerdesk::policy::bundle::Bundle;
use powerdesk::policy::host::{PolicyHost, SandboxLimits};
use powerdesk::policy::manifest::Manifest;
use powerdesk::policy::sample::Sampler;
use powerdesk_policy_sdk::RuleModule;
use rural_access::RuralAccess;
use rural_cost::RuralCost;

fn agree(region: &str, modules: &[(&str, support::Decide)], n: usize, seed: u64) {
    let dir = support::bundle_dir(region);
    let manifest = Manifest::load(&dir).unwrap();
    let bundle = Bundle::load(&PolicyHost::without_cache(SandboxLimits::default()), &dir).unwrap();
    let mut decided = 0;
    for form in Sampler::new(seed).forms(n) {
        let on = form.received_at.date_naive();
        let native = support::decide(&manifest, modules, &form, on);
        let wasm = bundle.evaluate(&form, on);
        match (native, wasm) {
            (Ok(mut native), Ok(wasm)) => {
                native.bundle = wasm.bundle.clone();
                assert_eq!(native, wasm, "{region}: builds disagree on {form:?}");
                decided += 1;
            }
            (Err(_), Err(_)) => {}
            (native, wasm) => {
                panic!("{region}: one build refused: native {native:?}, wasm {wasm:?} on {form:?}")
            }
        }
    }
    // The generator covers the rules: most applications are decided.
    assert!(
        decided > n * 9 / 10,
        "{region}: only {decided} of {n} decided"
    );
}

#[test]
fn native_and_wasm_jining_agree_on_3000_generated_applications() {
    agree(
        "jining",
        &[("jn-access", JnAccess::decide), ("jn-cost", JnCost::decide)],
        3000,
        11,
    );
}

#[test]
fn native_and_wasm_rural_agree_on_2000_generated_applications() {
    agree(
        "example-rural-100kw",
        &[
            ("rural-access", RuralAccess::decide),
            ("rural-cost", RuralCost::decide),
        ],
        2000,
        12,
    );
}
