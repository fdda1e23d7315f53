//! jn-cost: who pays for what (Jining, 2021).
//!
//! Rules JN-3ZERO, JN-3SAVE, JN-COUNTY-LINE, JN-TARIFF-2021, JN-FEES and JN-EFFICIENCY of
//! docs/domain.md. Runs after an access module (it needs the access class and voltage). Every
//! threshold, class list, price cut and date is a bundle parameter, so other regions reuse it
//! with their own values (e.g. `county_line_enabled = false`).

use powerdesk_policy_sdk::*;

/// The Jining cost module.
pub struct JnCost;

export_rule_module!(JnCost);

impl RuleModule for JnCost {
    fn describe() -> ModuleInfo {
        ModuleInfo::new("jn-cost", env!("CARGO_PKG_VERSION"))
            .rule("JN-3ZERO", "低压居民和小微企业“三零”：零上门、零审批、零投资，供电公司投资至电能表")
            .rule("JN-3SAVE", "省级及以上园区或纳入省级新旧动能转换项目库的10千伏企业“三省”：投资界面延伸至客户规划红线")
            .rule("JN-COUNTY-LINE", "县区政府全额承担1250千伏安及以下永久用电企业的电力外线工程费用")
            .rule("JN-TARIFF-2021", "自2021年1月1日起降低电度电价：1-10千伏0.011元，35千伏至110千伏以下0.015元，110千伏至220千伏以下0.016元，220千伏及以上0.03元")
            .rule("JN-FEES", "国家和公司明令取消的收费项目一律不得收取；不指定设计、施工、设备供应单位")
            .rule("JN-EFFICIENCY", "为三星级及以上企业免费提供能效服务")
    }

    fn decide(e: &Evaluation) -> Result<Decision, RuleError> {
        let p = &e.params;
        let app = &e.application;
        let class = app.customer.class;
        let mut d = e.draft.clone();
        let (access, voltage) = d.require_access()?;

        // Programs and the investment boundary.
        let three_zero =
            access == AccessClass::LowVoltage && p.classes("three_zero_classes")?.contains(&class);
        let park_levels = p.park_levels("three_save_park_levels")?;
        let in_park = app
            .site
            .park_level
            .is_some_and(|l| park_levels.contains(&l));
        let in_library = app.site.kinetic_library && p.flag("three_save_kinetic_library")?;
        let three_save = access != AccessClass::LowVoltage
            && p.voltages("three_save_voltages")?.contains(&voltage)
            && p.classes("three_save_classes")?.contains(&class)
            && (in_park || in_library);

        let (boundary, mut payer) = if three_zero {
            d.add_program(Program::ThreeZero);
            d.apply("JN-3ZERO");
            (InvestmentBoundary::Meter, LinePayer::Utility)
        } else if three_save {
            d.add_program(Program::ThreeSave);
            d.apply("JN-3SAVE");
            (InvestmentBoundary::PlanningRedLine, LinePayer::Utility)
        } else {
            (InvestmentBoundary::PropertyBoundary, LinePayer::Customer)
        };

        // County-funded external line for permanent enterprises up to a capacity.
        if payer == LinePayer::Customer && p.flag("county_line_enabled")? {
            let kva = app.request.kva(p.positive("power_factor")?)?;
            let eligible = p.classes("county_line_classes")?.contains(&class)
                && p.voltages("county_line_voltages")?.contains(&voltage)
                && (app.request.permanent || !p.flag("county_line_permanent_only")?)
                && kva <= p.positive("county_line_max_kva")?;
            if eligible {
                payer = LinePayer::CountyGovernment;
                d.apply("JN-COUNTY-LINE");
            }
        }
        d.investment_boundary = Some(boundary);
        d.external_line_payer = Some(payer);

        // Where the customer still pays part of the connection, abolished fees and designated
        // firms are ruled out.
        if boundary != InvestmentBoundary::Meter || payer == LinePayer::Customer {
            let fees = p.texts("abolished_fees")?;
            let undesignated = p.texts("undesignated_parties")?;
            if !fees.is_empty() || !undesignated.is_empty() {
                d.apply("JN-FEES");
            }
        }

        // Energy price cut by the voltage of connection, from its effective date.
        let cut = if e.evaluation_date >= p.date("tariff_cut_from")? {
            p.number(tariff_cut_parameter(voltage))?
        } else {
            0.0
        };
        if !(0.0..1.0).contains(&cut) {
            return Err(RuleError::BadParameter(format!(
                "{}: expected yuan/kWh in 0..1, found {cut}",
                tariff_cut_parameter(voltage)
            )));
        }
        if cut > 0.0 {
            d.apply("JN-TARIFF-2021");
        }
        d.tariff_cut_yuan_per_kwh = Some(cut);

        // Free energy-efficiency service for well-rated enterprises.
        let min_stars = p.int("efficiency_min_stars")?;
        let efficiency = p.classes("efficiency_classes")?.contains(&class)
            && i64::from(app.customer.star_rating) >= min_stars;
        if efficiency {
            d.apply("JN-EFFICIENCY");
        }
        d.free_efficiency_service = Some(efficiency);
        Ok(d)
    }
}

/// The parameter holding the tariff cut for a voltage of connection (`tariff_cut_<voltage id>`).
fn tariff_cut_parameter(v: Voltage) -> &'static str {
    match v {
        Voltage::V220 => "tariff_cut_220V",
        Voltage::V380 => "tariff_cut_380V",
        Voltage::Kv10 => "tariff_cut_10kV",
        Voltage::Kv35 => "tariff_cut_35kV",
        Voltage::Kv110 => "tariff_cut_110kV",
        Voltage::Kv220 => "tariff_cut_220kV",
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
            ("abolished_fees", texts(&["临时接电费"])),
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
    fn the_tariff_cut_parameter_of_each_voltage_is_named_after_its_id() {
        for v in Voltage::ALL {
            assert_eq!(tariff_cut_parameter(v), format!("tariff_cut_{}", v.id()));
        }
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
}
