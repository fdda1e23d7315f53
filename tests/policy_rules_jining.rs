//! The Jining bundle decides every fixture case as expected: each docs/domain.md worked example and each
//! boundary (160/161 kW, 1250/1251 kVA, park levels, tariff voltage classes, star ratings, …).

mod policy_rules_support;

use jn_access::JnAccess;
use jn_cost::JnCost;
use policy_rules_support as support;
use powerdesk::policy::manifest::Manifest;
use powerdesk_policy_sdk::{ParamValue, RuleError, RuleModule};

const MODULES: &[(&str, support::Decide)] =
    &[("jn-access", JnAccess::decide), ("jn-cost", JnCost::decide)];

fn case(name: &str) -> support::Fixture {
    support::fixtures(&support::bundle_dir("jining"))
        .into_iter()
        .find(|f| f.name == name)
        .unwrap()
}

#[test]
fn every_jining_fixture_is_decided_as_expected() {
    let n = support::check_all("jining", MODULES);
    assert!(n >= 27, "only {n} fixtures");
}

#[test]
fn every_domain_worked_example_has_a_fixture() {
    let names: Vec<String> = support::fixtures(&support::bundle_dir("jining"))
        .into_iter()
        .map(|f| f.name)
        .collect();
    for example in [
        "ex1_",
        "ex2_resident_160kw",
        "ex2_resident_161kw",
        "ex3_",
        "ex4_",
        "ex5_",
        "ex6_",
        "tariff_35kv",
        "tariff_110kv",
        "tariff_220kv",
    ] {
        assert!(
            names.iter().any(|n| n.starts_with(example)),
            "no fixture for {example}"
        );
    }
}

#[test]
fn thresholds_come_from_the_bundle_parameters() {
    let dir = support::bundle_dir("jining");
    let mut m = Manifest::load(&dir).unwrap();
    let f = case("ex1_small_micro_150kw_rural_direct_meter");
    // Lower the low-voltage threshold below 150 kW: the same shop is now connected at 10 kV.
    m.parameters
        .iter_mut()
        .find(|(n, _)| n == "lv_max_kw")
        .unwrap()
        .1 = powerdesk::policy::manifest::ParamValue::Integer(100);
    let d = support::decide(&m, MODULES, &f.application, f.evaluation_date).unwrap();
    assert_eq!(d.access.class.id(), "hv_ordinary");
    assert!(!d.rules.contains(&"JN-LV-160".to_string()));
}

#[test]
fn a_missing_parameter_is_named_in_the_error() {
    let dir = support::bundle_dir("jining");
    let mut m = Manifest::load(&dir).unwrap();
    m.parameters.retain(|(n, _)| n != "hv_ordinary_max_kva");
    let f = case("ex4_enterprise_10kv_1000kva_no_park");
    let err = support::decide(&m, MODULES, &f.application, f.evaluation_date).unwrap_err();
    assert!(
        err.starts_with("jn-access: bad parameter: hv_ordinary_max_kva: missing"),
        "{err}"
    );
}

#[test]
fn a_parameter_of_the_wrong_type_is_named_in_the_error() {
    let m = Manifest::load(&support::bundle_dir("jining")).unwrap();
    let f = case("ex3_enterprise_10kv_1000kva_provincial_park");
    let mut e = powerdesk_policy_sdk::Evaluation {
        application: support::application(&f.application),
        params: support::params(&m),
        evaluation_date: support::date(f.evaluation_date),
        draft: Default::default(),
    };
    e.params.set(
        "three_save_park_levels",
        ParamValue::Texts(vec!["provincial".into(), "county".into()]),
    );
    e.draft = JnAccess::decide(&e).unwrap();
    match JnCost::decide(&e) {
        Err(RuleError::BadParameter(msg)) => assert!(
            msg.starts_with("three_save_park_levels: unknown value \"county\""),
            "{msg}"
        ),
        other => panic!("expected a bad-parameter error, got {other:?}"),
    }
}

#[test]
fn cost_rules_need_the_access_decided_first() {
    let m = Manifest::load(&support::bundle_dir("jining")).unwrap();
    let f = case("ex4_enterprise_10kv_1000kva_no_park");
    let e = powerdesk_policy_sdk::Evaluation {
        application: support::application(&f.application),
        params: support::params(&m),
        evaluation_date: support::date(f.evaluation_date),
        draft: Default::default(),
    };
    assert!(
        matches!(JnCost::decide(&e), Err(RuleError::Unsupported(m)) if m.contains("access class is not decided"))
    );
}

#[test]
fn modules_describe_the_rules_they_implement() {
    let access: Vec<String> = JnAccess::describe()
        .rules
        .into_iter()
        .map(|r| r.id)
        .collect();
    let cost: Vec<String> = JnCost::describe().rules.into_iter().map(|r| r.id).collect();
    assert_eq!(
        access,
        [
            "JN-LV-160",
            "JN-10KV-STEPS",
            "JN-10KV-TIME",
            "JN-LV-TIME",
            "JN-ONE-VISIT",
            "JN-GRID-PROJECT",
            "JN-FILING"
        ]
    );
    assert_eq!(
        cost,
        [
            "JN-3ZERO",
            "JN-3SAVE",
            "JN-COUNTY-LINE",
            "JN-TARIFF-2021",
            "JN-FEES",
            "JN-EFFICIENCY"
        ]
    );
    assert_eq!(JnAccess::describe().contract, "3.0.0");
}
