//! The example rural bundle (100 kW rural / 160 kW urban, no county-paid lines, its own limits)
//! decides every fixture case as expected, with its own rule ids: its cost module shares the cost
//! logic with Jining's (the SDK's cost block) but cites the region's rules, never `JN-*`.

mod policy_rules_support;

use jn_cost::JnCost;
use policy_rules_support as support;
use powerdesk::policy::manifest::Manifest;
use powerdesk_policy_sdk::RuleModule;
use rural_access::RuralAccess;
use rural_cost::RuralCost;

const MODULES: &[(&str, support::Decide)] = &[
    ("rural-access", RuralAccess::decide),
    ("rural-cost", RuralCost::decide),
];

#[test]
fn every_rural_fixture_is_decided_as_expected() {
    let n = support::check_all("example-rural-100kw", MODULES);
    assert!(n >= 19, "only {n} fixtures");
}

#[test]
fn rural_decisions_cite_only_the_regions_own_rules() {
    let dir = support::bundle_dir("example-rural-100kw");
    let m = Manifest::load(&dir).unwrap();
    let declared: Vec<String> = RuralAccess::describe()
        .rules
        .into_iter()
        .chain(RuralCost::describe().rules)
        .map(|r| r.id)
        .collect();
    assert!(
        declared.iter().all(|id| id.starts_with("RX-")),
        "{declared:?}"
    );
    let mut cited = std::collections::BTreeSet::new();
    for f in support::fixtures(&dir) {
        if support::expected_error(&f).is_some() {
            continue;
        }
        let d = support::decide(&m, MODULES, &f.application, f.evaluation_date).unwrap();
        assert!(d.rules.contains(&"RX-FEES".to_string()), "{}", f.name);
        cited.extend(d.rules);
    }
    assert!(cited.iter().all(|id| id.starts_with("RX-")), "{cited:?}");
    for id in [
        "RX-3ZERO",
        "RX-3SAVE",
        "RX-TARIFF",
        "RX-FEES",
        "RX-EFFICIENCY",
    ] {
        assert!(cited.contains(id), "no fixture cites {id}");
    }
}

#[test]
fn both_regions_share_the_cost_logic_and_differ_only_in_rule_ids() {
    // The same application, the same parameters and draft: the same decision from jn-cost and
    // rural-cost, each citing its own rules.
    let m = Manifest::load(&support::bundle_dir("example-rural-100kw")).unwrap();
    let rural_params = support::params(&m);
    for f in support::fixtures(&support::bundle_dir("example-rural-100kw")) {
        if support::expected_error(&f).is_some() {
            continue;
        }
        let mut e = powerdesk_policy_sdk::Evaluation {
            application: support::application(&f.application),
            params: rural_params.clone(),
            evaluation_date: support::date(f.evaluation_date),
            draft: Default::default(),
        };
        e.draft = RuralAccess::decide(&e).unwrap();
        let rural = RuralCost::decide(&e).unwrap();
        let jining = JnCost::decide(&e).unwrap();
        let without_rules = |mut d: powerdesk_policy_sdk::Decision| {
            d.rules.clear();
            d
        };
        assert_eq!(
            without_rules(rural.clone()),
            without_rules(jining.clone()),
            "{}",
            f.name
        );
        assert!(rural.rules.iter().all(|r| r.starts_with("RX-")));
        assert!(jining.rules.iter().any(|r| r.starts_with("JN-")));
    }
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
