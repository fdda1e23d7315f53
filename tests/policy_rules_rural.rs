//! The example rural bundle (100 kW rural / 160 kW urban, no county-paid lines, its own limits)
//! decides every fixture case as expected, reusing jn-cost with its own parameters.

mod policy_rules_support;

use jn_cost::JnCost;
use policy_rules_support as support;
use powerdesk::policy::manifest::Manifest;
use powerdesk_policy_sdk::RuleModule;
use rural_access::RuralAccess;

const MODULES: &[(&str, support::Decide)] = &[
    ("rural-access", RuralAccess::decide),
    ("jn-cost", JnCost::decide),
];

#[test]
fn every_rural_fixture_is_decided_as_expected() {
    let n = support::check_all("example-rural-100kw", MODULES);
    assert!(n >= 13, "only {n} fixtures");
}

#[test]
fn the_same_shop_is_decided_differently_by_the_two_regions() {
    let jining = Manifest::load(&support::bundle_dir("jining")).unwrap();
    let rural = Manifest::load(&support::bundle_dir("example-rural-100kw")).unwrap();
    let shop = support::fixtures(&support::bundle_dir("jining"))
        .into_iter()
        .find(|f| f.name == "ex1_small_micro_150kw_rural_direct_meter")
        .unwrap();
    let jining_modules: &[(&str, support::Decide)] = &[
        ("jn-access", jn_access::JnAccess::decide),
        ("jn-cost", JnCost::decide),
    ];
    let a = support::decide(
        &jining,
        jining_modules,
        &shop.application,
        shop.evaluation_date,
    )
    .unwrap();
    let b = support::decide(&rural, MODULES, &shop.application, shop.evaluation_date).unwrap();
    assert_eq!(a.access.class.id(), "low_voltage");
    assert_eq!(b.access.class.id(), "hv_ordinary");
    assert_eq!(b.bundle.region, "example-rural-100kw");
}
