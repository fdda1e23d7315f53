//! jn-cost: who pays for what (Jining, 2021).
//!
//! Rules JN-3ZERO, JN-3SAVE, JN-COUNTY-LINE, JN-TARIFF-2021, JN-FEES and JN-EFFICIENCY of
//! docs/domain.md. Runs after an access module (it needs the access class and voltage). The logic is the
//! SDK's shared cost block ([`decide_cost`], [`fee_notice`]), which other regions use with their
//! own parameters and rule ids; this module says which of Jining's rules each finding is. Every
//! threshold, class list, price cut and date is a bundle parameter.

use powerdesk_policy_sdk::*;

/// The Jining cost module.
pub struct JnCost;

export_rule_module!(JnCost);

impl RuleModule for JnCost {
    fn describe() -> ModuleInfo {
        ModuleInfo::new("jn-cost", env!("CARGO_PKG_VERSION"))
            .rule("JN-3ZERO", "低压居民和小微企业“三零”：零上门、零审批、零投资，供电公司投资至电能表")
            .rule("JN-3SAVE", "省级及以上园区或纳入省级新旧动能转换项目库的10千伏企业“三省”：投资界面延伸至客户规划红线")
            .rule("JN-COUNTY-LINE", "县级政府全额承担{county_line_max_kva}千伏安及以下永久用电企业的电力外线建设费用")
            .rule("JN-TARIFF-2021", "自{tariff_cut_from}起降低电度电价：1-10千伏{tariff_cut_10kV}元，35千伏至110千伏以下{tariff_cut_35kV}元，110千伏至220千伏以下{tariff_cut_110kV}元，220千伏及以上{tariff_cut_220kV}元")
            .rule("JN-FEES", "不收取文件明确取消的收费项目；受理时主动告知客户，不指定设计、施工、设备材料供应单位")
            .rule("JN-EFFICIENCY", "为{efficiency_min_stars}星级及以上企业免费提供能效服务")
            .params(cost_params())
            .params(fee_notice_params())
            .decides(&[
                Aspect::Programs,
                Aspect::InvestmentBoundary,
                Aspect::ExternalLinePayer,
                Aspect::TariffCut,
                Aspect::FreeEfficiencyService,
            ])
            .reads(&[Aspect::Access])
    }

    fn decide(e: &Evaluation) -> Result<Decision, RuleError> {
        let mut d = e.draft.clone();
        let found = decide_cost(e, &mut d)?;
        if found.three_zero {
            d.apply("JN-3ZERO");
        }
        if found.three_save {
            d.apply("JN-3SAVE");
        }
        if found.county_line {
            d.apply("JN-COUNTY-LINE");
        }
        // Told at every acceptance, 三零 customers included.
        fee_notice(&e.params)?;
        d.apply("JN-FEES");
        if found.tariff_cut {
            d.apply("JN-TARIFF-2021");
        }
        if found.efficiency {
            d.apply("JN-EFFICIENCY");
        }
        Ok(d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The Jining values (policies/jining/bundle.toml).
    fn params() -> Params {
        let texts = |v: &[&str]| ParamValue::Texts(v.iter().map(|s| s.to_string()).collect());
        let num = ParamValue::Number;
        Params::new([
            ("power_factor", num(0.9)),
            ("three_zero_classes", texts(&["resident", "small_micro"])),
            ("three_save_classes", texts(&["small_micro", "enterprise"])),
            ("three_save_voltages", texts(&["10kV"])),
            ("three_save_park_levels", texts(&["national", "provincial"])),
            ("three_save_kinetic_library", ParamValue::Flag(true)),
            ("county_line_enabled", ParamValue::Flag(true)),
            ("county_line_classes", texts(&["small_micro", "enterprise"])),
            ("county_line_voltages", texts(&["220V", "380V", "10kV"])),
            ("county_line_permanent_only", ParamValue::Flag(true)),
            ("county_line_max_kva", ParamValue::Integer(1250)),
            ("tariff_cut_from", ParamValue::Text("2021-01-01".into())),
            ("tariff_cut_220V", num(0.0)),
            ("tariff_cut_380V", num(0.0)),
            ("tariff_cut_10kV", num(0.011)),
            ("tariff_cut_35kV", num(0.015)),
            ("tariff_cut_110kV", num(0.016)),
            ("tariff_cut_220kV", num(0.03)),
            (
                "abolished_fees",
                texts(&["临时接电费|发改价格〔2017〕1895号"]),
            ),
            ("undesignated_parties", texts(&["design"])),
            ("efficiency_classes", texts(&["small_micro", "enterprise"])),
            ("efficiency_min_stars", ParamValue::Integer(3)),
        ])
    }

    fn eval(
        class: CustomerClass,
        access: AccessClass,
        voltage: Voltage,
        kva: f64,
        park: Option<ParkLevel>,
        permanent: bool,
    ) -> Evaluation {
        Evaluation {
            application: Application {
                customer: Customer {
                    class,
                    star_rating: 3,
                },
                site: Site {
                    county: "任城区".into(),
                    rural: false,
                    park_name: park.map(|_| "园区".into()),
                    park_level: park,
                    kinetic_library: false,
                },
                request: Request {
                    kind: if permanent {
                        RequestKind::New
                    } else {
                        RequestKind::Temporary
                    },
                    voltage,
                    capacity_kw: None,
                    capacity_kva: Some(kva),
                    permanent,
                    direct_meter: false,
                    simple_line: false,
                    grid_project_need_date: None,
                    important: false,
                    dual_supply: false,
                    existing_capacity_kw: None,
                    existing_capacity_kva: None,
                },
                received: Date::new(2026, 3, 2),
            },
            params: params(),
            evaluation_date: Date::new(2026, 3, 2),
            draft: Decision {
                access_class: Some(access),
                access_voltage: Some(voltage),
                ..Decision::default()
            },
        }
    }

    #[test]
    fn three_save_in_a_provincial_park_not_a_municipal_one() {
        let d = JnCost::decide(&eval(
            CustomerClass::Enterprise,
            AccessClass::HvOrdinary,
            Voltage::Kv10,
            1000.0,
            Some(ParkLevel::Provincial),
            true,
        ))
        .unwrap();
        assert_eq!(d.programs, [Program::ThreeSave]);
        assert_eq!(
            (d.investment_boundary, d.external_line_payer),
            (
                Some(InvestmentBoundary::PlanningRedLine),
                Some(LinePayer::Utility)
            )
        );
        let d = JnCost::decide(&eval(
            CustomerClass::Enterprise,
            AccessClass::HvOrdinary,
            Voltage::Kv10,
            1000.0,
            Some(ParkLevel::Municipal),
            true,
        ))
        .unwrap();
        assert!(d.programs.is_empty());
        assert_eq!(
            (d.investment_boundary, d.external_line_payer),
            (
                Some(InvestmentBoundary::PropertyBoundary),
                Some(LinePayer::CountyGovernment)
            )
        );
    }

    #[test]
    fn county_line_only_for_permanent_up_to_1250_kva() {
        let payer = |kva, permanent| {
            JnCost::decide(&eval(
                CustomerClass::Enterprise,
                AccessClass::HvOrdinary,
                Voltage::Kv10,
                kva,
                None,
                permanent,
            ))
            .unwrap()
            .external_line_payer
        };
        assert_eq!(payer(1250.0, true), Some(LinePayer::CountyGovernment));
        assert_eq!(payer(1250.0, false), Some(LinePayer::Customer));
        assert_eq!(payer(1251.0, true), Some(LinePayer::Customer));
    }

    #[test]
    fn tariff_cut_by_voltage_and_date() {
        let cut = |v| {
            JnCost::decide(&eval(
                CustomerClass::Enterprise,
                AccessClass::HvStandard,
                v,
                5000.0,
                None,
                true,
            ))
            .unwrap()
            .tariff_cut_yuan_per_kwh
        };
        assert_eq!(cut(Voltage::Kv10), Some(0.011));
        assert_eq!(cut(Voltage::Kv35), Some(0.015));
        assert_eq!(cut(Voltage::Kv110), Some(0.016));
        assert_eq!(cut(Voltage::Kv220), Some(0.03));
        let mut e = eval(
            CustomerClass::Enterprise,
            AccessClass::HvOrdinary,
            Voltage::Kv10,
            500.0,
            None,
            true,
        );
        e.evaluation_date = Date::new(2020, 12, 31);
        assert_eq!(
            JnCost::decide(&e).unwrap().tariff_cut_yuan_per_kwh,
            Some(0.0)
        );
    }

    #[test]
    fn a_missing_tariff_for_a_voltage_is_named() {
        let mut e = eval(
            CustomerClass::Enterprise,
            AccessClass::HvStandard,
            Voltage::Kv35,
            5000.0,
            None,
            true,
        );
        e.params.remove("tariff_cut_35kV");
        assert!(
            matches!(JnCost::decide(&e), Err(RuleError::BadParameter(m)) if m.starts_with("tariff_cut_35kV: missing"))
        );
    }

    /// "县级政府全额承担1250千伏安及以下永久用电企业的电力外线建设费用": a temporary request is not
    /// permanent, whatever its `permanent` says; a capacity increase counts existing + requested.
    #[test]
    fn county_line_never_for_temporary_use_and_on_the_total_after_an_increase() {
        let mut e = eval(
            CustomerClass::Enterprise,
            AccessClass::HvOrdinary,
            Voltage::Kv10,
            1000.0,
            None,
            true,
        );
        e.application.request.kind = RequestKind::Temporary;
        assert_eq!(
            JnCost::decide(&e).unwrap().external_line_payer,
            Some(LinePayer::Customer)
        );
        e.application.request.kind = RequestKind::CapacityIncrease;
        e.application.request.existing_capacity_kva = Some(250.0);
        assert_eq!(
            JnCost::decide(&e).unwrap().external_line_payer,
            Some(LinePayer::CountyGovernment),
            "1250 kVA in all"
        );
        e.application.request.existing_capacity_kva = Some(251.0);
        assert_eq!(
            JnCost::decide(&e).unwrap().external_line_payer,
            Some(LinePayer::Customer),
            "1251 kVA in all"
        );
    }

    /// "在业务受理时主动告知客户，不指定设计、施工、设备材料供应单位": every decision, 三零 included.
    #[test]
    fn the_fee_notice_is_cited_on_every_decision_and_needs_documents() {
        let mut e = eval(
            CustomerClass::SmallMicro,
            AccessClass::LowVoltage,
            Voltage::V380,
            100.0,
            None,
            true,
        );
        e.application.customer.star_rating = 0;
        let d = JnCost::decide(&e).unwrap();
        assert_eq!(d.programs, [Program::ThreeZero]);
        assert_eq!(d.rules, ["JN-3ZERO", "JN-FEES"]);
        e.params.set(
            "abolished_fees",
            ParamValue::Texts(vec!["明确互备用费".into()]),
        );
        assert!(
            matches!(JnCost::decide(&e), Err(RuleError::BadParameter(m)) if m.starts_with("abolished_fees[0]"))
        );
    }
}
