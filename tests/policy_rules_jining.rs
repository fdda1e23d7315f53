//! The Jining bundle decides every fixture case as expected: each docs/domain.md worked example and each
//! boundary (160/161 kW, 1250/1251 kVA, park levels, tariff voltage classes, star ratings, …), and
//! each rule says what the seed says (quoted).

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
    assert!(n >= 35, "only {n} fixtures");
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
        "ex5_enterprise_10kv_1250kva_temporary",
        // "temporary" with `permanent` left out of the JSON.
        "ex5_enterprise_10kv_1000kva_temporary_permanent_left_out",
        "ex6_enterprise_10kv_1600kva_ordinary_two_steps_standard_limits",
        "ex6_enterprise_10kv_1600kva_ordinary_dual_supply",
        "ex7_hospital_10kv_800kva_important_full_process",
        "ex8_small_micro_380v_simple_line_three_zero_and_filing",
        "ex9_capacity_increase_120_plus_60kw_crosses_160kw",
        "ex9_capacity_increase_1000_plus_400kva_crosses_1250kva",
        "enterprise_380v_direct_meter_no_filing",
        "refused_received_before_effective",
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
    m.parameters
        .retain(|(n, _)| n != "hv_ordinary_time_max_kva");
    let f = case("ex4_enterprise_10kv_1000kva_no_park");
    let err = support::decide(&m, MODULES, &f.application, f.evaluation_date).unwrap_err();
    assert!(
        err.starts_with("jn-access: bad parameter: hv_ordinary_time_max_kva: missing"),
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
    assert_eq!(JnAccess::describe().contract, "5.0.0");
    assert_eq!(JnCost::describe().contract, "5.0.0");
}

/// The decision of the named fixture, natively.
fn decided(name: &str) -> powerdesk::domain::decision::Decision {
    let m = Manifest::load(&support::bundle_dir("jining")).unwrap();
    let f = case(name);
    support::decide(&m, MODULES, &f.application, f.evaluation_date).unwrap()
}

fn step_limits(d: &powerdesk::domain::decision::Decision) -> Vec<(&str, u32, &str)> {
    d.steps
        .iter()
        .map(|s| (s.id.as_str(), s.limit_working_days, s.from.as_str()))
        .collect()
}

/// "全面取消10千伏普通客户设计审查和中间检查环节……办电环节精简至“业务受理并答复供电方案、验收送电”2个";
/// the 2/5/7 limits only "对1250千伏安及以下的10千伏普通客户".
#[test]
fn a_10kv_ordinary_customer_above_1250_kva_has_two_steps_on_the_standard_limits() {
    let d = decided("ex6_enterprise_10kv_1600kva_ordinary_two_steps_standard_limits");
    assert_eq!(d.access.class.id(), "hv_ordinary");
    assert_eq!(
        step_limits(&d),
        [
            ("reply_plan", 15, "accepted"),
            ("energize", 10, "completion_reported")
        ]
    );
    assert_eq!(d.grid_total_limit_working_days, None);
    assert!(d.rules.contains(&"JN-10KV-STEPS".to_string()));
    assert!(!d.rules.contains(&"JN-10KV-TIME".to_string()));
    let dual = decided("ex6_enterprise_10kv_1600kva_ordinary_dual_supply");
    assert_eq!(step_limits(&dual)[0], ("reply_plan", 30, "accepted"));
}

/// docs/domain.md: "an important 10 kV customer keeps the full process"; design review counts from the
/// customer's design submission (送审), mid inspection from its inspection request (报验).
#[test]
fn an_important_10kv_customer_keeps_design_review_and_mid_inspection() {
    let d = decided("ex7_hospital_10kv_800kva_important_full_process");
    assert_eq!(d.access.class.id(), "hv_standard");
    let steps = step_limits(&d);
    assert!(steps.contains(&("design_review", 10, "design_submitted")));
    assert!(steps.contains(&("mid_inspection", 5, "mid_inspection_requested")));
    assert!(!d.rules.contains(&"JN-10KV-STEPS".to_string()));
}

/// "低压和10千伏专变企业电力外线工程全部实行承诺备案制": small/micro included, only where there is an
/// external line.
#[test]
fn filing_covers_every_low_voltage_enterprise_with_an_external_line() {
    let filed = |name: &str| decided(name).rules.contains(&"JN-FILING".to_string());
    assert!(filed(
        "ex8_small_micro_380v_simple_line_three_zero_and_filing"
    ));
    assert!(filed("enterprise_380v_100kw_general_low_voltage"));
    assert!(!filed("ex1_small_micro_150kw_rural_direct_meter"));
    assert!(!filed("enterprise_380v_direct_meter_no_filing"));
    assert!(!filed("resident_380v_simple_line_next_day"));
    assert!(filed("ex4_enterprise_10kv_1000kva_no_park"));
}

/// "在业务受理时主动告知客户，不指定设计、施工、设备材料供应单位": on every decision, 三零 included.
#[test]
fn every_decision_cites_the_fee_notice() {
    let dir = support::bundle_dir("jining");
    let m = Manifest::load(&dir).unwrap();
    let mut count = 0;
    for f in support::fixtures(&dir) {
        if support::expected_error(&f).is_some() {
            continue;
        }
        let d = support::decide(&m, MODULES, &f.application, f.evaluation_date).unwrap();
        assert!(d.rules.contains(&"JN-FEES".to_string()), "{}", f.name);
        count += 1;
    }
    assert!(count >= 30);
    let d = decided("ex1_small_micro_150kw_rural_direct_meter");
    assert_eq!(d.programs.len(), 1, "三零");
    assert!(d.rules.contains(&"JN-FEES".to_string()));
}

/// 增容: the thresholds apply to existing + requested.
#[test]
fn capacity_increases_are_judged_on_the_total() {
    let d = decided("ex9_capacity_increase_120_plus_60kw_crosses_160kw");
    assert_eq!(d.access.class.id(), "hv_ordinary");
    assert!(!d.rules.contains(&"JN-LV-160".to_string()));
    let d = decided("ex9_capacity_increase_120_plus_40kw_stays_low_voltage");
    assert_eq!(d.access.class.id(), "low_voltage");
    let d = decided("ex9_capacity_increase_1000_plus_400kva_crosses_1250kva");
    assert!(!d.rules.contains(&"JN-10KV-TIME".to_string()));
    assert!(!d.rules.contains(&"JN-COUNTY-LINE".to_string()));
    assert_eq!(d.external_line_payer.id(), "customer");
}

/// "县级政府全额承担1250千伏安及以下永久用电企业的电力外线建设费用": a temporary request, with
/// `permanent` left out of its JSON, is not permanent.
#[test]
fn a_temporary_request_never_gets_the_county_paid_line() {
    let f = case("ex5_enterprise_10kv_1000kva_temporary_permanent_left_out");
    let text = std::fs::read_to_string(&f.path).unwrap();
    let raw: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert!(
        raw["application"]["request"].get("permanent").is_none(),
        "the fixture leaves `permanent` out"
    );
    assert!(!f.application.request.permanent, "derived from the kind");
    let d = decided("ex5_enterprise_10kv_1000kva_temporary_permanent_left_out");
    assert_eq!(d.external_line_payer.id(), "customer");
}

/// Each abolished fee names the document that abolished it; "明确互备用费" (a misreading of the
/// title of 发改价格〔2017〕1895号) is not one of them.
#[test]
fn every_abolished_fee_names_its_document() {
    let m = Manifest::load(&support::bundle_dir("jining")).unwrap();
    let Some(powerdesk::policy::manifest::ParamValue::Texts(fees)) = m.parameter("abolished_fees")
    else {
        panic!("abolished_fees is a list")
    };
    assert!(fees.contains(&"临时接电费|发改价格〔2017〕1895号".to_string()));
    for fee in fees {
        let (item, document) = fee.split_once('|').unwrap_or_else(|| panic!("{fee}"));
        assert!(!item.trim().is_empty() && document.contains('号'), "{fee}");
        assert!(!item.contains("互备用"), "{fee}");
    }
    // A fee without its document is refused by name.
    let mut m = m;
    m.parameters
        .iter_mut()
        .find(|(n, _)| n == "abolished_fees")
        .unwrap()
        .1 = powerdesk::policy::manifest::ParamValue::Texts(vec!["移表费".into()]);
    let f = case("ex4_enterprise_10kv_1000kva_no_park");
    let err = support::decide(&m, MODULES, &f.application, f.evaluation_date).unwrap_err();
    assert!(
        err.starts_with("jn-cost: bad parameter: abolished_fees[0]: \"移表费\" names no document"),
        "{err}"
    );
}
