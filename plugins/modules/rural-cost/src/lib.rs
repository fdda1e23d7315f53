//! rural-cost: who pays for what in the example rural region (docs/domain.md, "Regional variants").
//!
//! Rules RX-3ZERO, RX-3SAVE, RX-TARIFF, RX-FEES and RX-EFFICIENCY. The logic is the SDK's shared
//! cost block, as Jining's jn-cost uses it, with this region's parameters (see
//! `policies/example-rural-100kw/bundle.toml`) and its own rule table. No county here funds
//! external lines: the module declares no such rule, and a bundle that enables one is refused.

use powerdesk_policy_sdk::*;

/// The example rural cost module.
pub struct RuralCost;

export_rule_module!(RuralCost);

impl RuleModule for RuralCost {
    fn describe() -> ModuleInfo {
        // No county-funded line here: the cost block's county_line_* parameters are not read.
        let params = cost_params()
            .into_iter()
            .filter(|p| p.name == "county_line_enabled" || !p.name.starts_with("county_line_"));
        ModuleInfo::new("rural-cost", env!("CARGO_PKG_VERSION"))
            .rule("RX-3ZERO", "低压居民和小微企业“三零”：零上门、零审批、零投资，供电公司投资至电能表")
            .rule("RX-3SAVE", "园区内10千伏企业“三省”：投资界面延伸至客户规划红线")
            .rule("RX-TARIFF", "自{tariff_cut_from}起按接入电压降低电度电价：10千伏{tariff_cut_10kV}元，35千伏{tariff_cut_35kV}元，110千伏{tariff_cut_110kV}元，220千伏{tariff_cut_220kV}元")
            .rule("RX-FEES", "已取消的收费项目不得收取（各注明取消文件）；受理时告知客户不指定设计、施工、设备材料供应单位")
            .rule("RX-EFFICIENCY", "{efficiency_min_stars}星级及以上企业免费能效服务")
            .params(params)
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
        if e.params.flag("county_line_enabled")? {
            return Err(RuleError::BadParameter(
                "county_line_enabled: rural-cost has no county-funded external line rule; set it to false or use a module that declares one".into(),
            ));
        }
        let mut d = e.draft.clone();
        let found = decide_cost(e, &mut d)?;
        if found.three_zero {
            d.apply("RX-3ZERO");
        }
        if found.three_save {
            d.apply("RX-3SAVE");
        }
        fee_notice(&e.params)?;
        d.apply("RX-FEES");
        if found.tariff_cut {
            d.apply("RX-TARIFF");
        }
        if found.efficiency {
            d.apply("RX-EFFICIENCY");
        }
        Ok(d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example region's values (policies/example-rural-100kw/bundle.toml).
    fn params() -> Params {
        let texts = |v: &[&str]| ParamValue::Texts(v.iter().map(|s| s.to_string()).collect());
        let num = ParamValue::Number;
        Params::new([
            ("power_factor", num(0.9)),
            ("three_zero_classes", texts(&["resident", "small_micro"])),
            ("three_save_classes", texts(&["small_micro", "enterprise"])),
            ("three_save_voltages", texts(&["10kV"])),
            ("three_save_park_levels", texts(&["national", "provincial"])),
            ("three_save_kinetic_library", ParamValue::Flag(false)),
            ("county_line_enabled", ParamValue::Flag(false)),
            ("tariff_cut_from", ParamValue::Text("2021-01-01".into())),
            ("tariff_cut_380V", num(0.0)),
            ("tariff_cut_10kV", num(0.011)),
            (
                "abolished_fees",
                texts(&["临时接电费|发改价格〔2017〕1895号"]),
            ),
            (
                "undesignated_parties",
                texts(&["design", "construction", "equipment_supplier"]),
            ),
            ("efficiency_classes", texts(&["enterprise"])),
            ("efficiency_min_stars", ParamValue::Integer(4)),
        ])
    }

    fn eval(class: CustomerClass, access: AccessClass, voltage: Voltage) -> Evaluation {
        Evaluation {
            application: Application {
                customer: Customer {
                    class,
                    star_rating: 4,
                },
                site: Site {
                    county: "某县".into(),
                    rural: true,
                    park_name: None,
                    park_level: None,
                    kinetic_library: true,
                },
                request: Request {
                    kind: RequestKind::New,
                    voltage,
                    capacity_kw: voltage.is_low().then_some(50.0),
                    capacity_kva: (!voltage.is_low()).then_some(1000.0),
                    permanent: true,
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
    fn the_region_cites_its_own_rules() {
        let d = RuralCost::decide(&eval(
            CustomerClass::SmallMicro,
            AccessClass::LowVoltage,
            Voltage::V380,
        ))
        .unwrap();
        assert_eq!(d.rules, ["RX-3ZERO", "RX-FEES"]);
        let d = RuralCost::decide(&eval(
            CustomerClass::Enterprise,
            AccessClass::HvOrdinary,
            Voltage::Kv10,
        ))
        .unwrap();
        // In the kinetic library, but this region does not count it; no county pays the line.
        assert!(d.programs.is_empty());
        assert_eq!(d.external_line_payer, Some(LinePayer::Customer));
        assert_eq!(d.rules, ["RX-FEES", "RX-TARIFF", "RX-EFFICIENCY"]);
        assert!(RuralCost::describe()
            .rules
            .iter()
            .all(|r| r.id.starts_with("RX-")));
    }

    #[test]
    fn a_county_line_it_cannot_cite_is_refused() {
        let mut e = eval(
            CustomerClass::Enterprise,
            AccessClass::HvOrdinary,
            Voltage::Kv10,
        );
        e.params.set("county_line_enabled", ParamValue::Flag(true));
        assert!(
            matches!(RuralCost::decide(&e), Err(RuleError::BadParameter(m)) if m.starts_with("county_line_enabled"))
        );
    }
}
