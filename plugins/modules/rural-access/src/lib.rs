//! rural-access: access rules for a region that still uses a lower low-voltage threshold in rural
//! areas (docs/domain.md, "Regional variants": some regions keep 100 kW in the countryside).
//!
//! Rules RX-LV-URBAN, RX-LV-RURAL, RX-LV-TIME, RX-10KV-STEPS and RX-10KV-TIME. Unlike jn-access
//! there is no one-visit promise, no commitment filing and no one-stop grid project; the
//! thresholds and time limits are bundle parameters (see
//! `policies/example-rural-100kw/bundle.toml`), applied to existing + requested capacity (增容).

use powerdesk_policy_sdk::*;

/// The example rural access module.
pub struct RuralAccess;

export_rule_module!(RuralAccess);

impl RuleModule for RuralAccess {
    fn describe() -> ModuleInfo {
        ModuleInfo::new("rural-access", env!("CARGO_PKG_VERSION"))
            .rule("RX-LV-URBAN", "城市居民和小微企业低压接入容量{lv_max_kw_urban}千瓦")
            .rule("RX-LV-RURAL", "农村居民和小微企业低压接入容量{lv_max_kw_rural}千瓦")
            .rule("RX-LV-TIME", "低压居民和小微企业：直接装表{lv_direct_meter_energize_wd}个工作日，简单表前线{lv_simple_line_wd}个工作日，全流程{lv_total_wd}个工作日")
            .rule("RX-10KV-STEPS", "10千伏普通客户（非重要电力用户）不论容量：受理并答复供电方案、验收送电两个环节")
            .rule("RX-10KV-TIME", "{hv_ordinary_time_max_kva}千伏安及以下10千伏普通客户：答复供电方案{hv_ordinary_reply_plan_wd}个工作日，验收送电{hv_ordinary_energize_wd}个工作日，电网环节合计{hv_ordinary_total_wd}个工作日；以上按标准时限")
            .param(ParamInfo::classes("lv_classes").doc("customer classes with the low-voltage promise"))
            .param(ParamInfo::number("lv_max_kw_urban").range(1.0, 10_000.0).doc("urban low-voltage threshold, kW"))
            .param(ParamInfo::number("lv_max_kw_rural").range(1.0, 10_000.0).doc("rural low-voltage threshold, kW"))
            .params(connection_params())
            .param(ParamInfo::days("lv_direct_meter_energize_wd"))
            .param(ParamInfo::days("lv_simple_line_wd"))
            .param(ParamInfo::days("lv_total_wd"))
            .param(ParamInfo::days("lv_general_energize_wd"))
            .params(hv_ordinary_params())
            .params(std_params())
            .decides(&[Aspect::Access, Aspect::Steps, Aspect::GridTotal])
    }

    fn decide(e: &Evaluation) -> Result<Decision, RuleError> {
        let p = &e.params;
        let app = &e.application;
        let req = &app.request;
        let class = app.customer.class;
        let mut d = e.draft.clone();

        let policy_classes = p.classes("lv_classes")?;
        let (threshold_key, rule) = if app.site.rural {
            ("lv_max_kw_rural", "RX-LV-RURAL")
        } else {
            ("lv_max_kw_urban", "RX-LV-URBAN")
        };
        let lv_max_kw = p.positive(threshold_key)?;
        let conn = connection(req, lv_max_kw, p)?;
        d.access_class = Some(conn.class);
        d.access_voltage = Some(conn.voltage);

        match conn.class {
            AccessClass::LowVoltage if policy_classes.contains(&class) => {
                d.apply(rule);
                d.apply("RX-LV-TIME");
                if req.direct_meter {
                    d.set_step(
                        Step::Energize,
                        p.days("lv_direct_meter_energize_wd")?,
                        Event::Accepted,
                    );
                } else if req.simple_line {
                    let days = p.days("lv_simple_line_wd")?;
                    d.set_step(Step::LineBuilt, days, Event::Accepted);
                    d.set_step(Step::Energize, days, Event::Accepted);
                } else {
                    d.set_step(Step::Energize, p.days("lv_total_wd")?, Event::Accepted);
                }
                d.grid_total_limit_working_days = Some(p.days("lv_total_wd")?);
            }
            AccessClass::LowVoltage => {
                d.set_step(
                    Step::Energize,
                    p.days("lv_general_energize_wd")?,
                    Event::Accepted,
                );
                d.grid_total_limit_working_days = None;
            }
            AccessClass::HvOrdinary => {
                d.apply("RX-10KV-STEPS");
                if d.set_hv_ordinary_steps(p, req, conn.kva)? {
                    d.apply("RX-10KV-TIME");
                }
            }
            AccessClass::HvStandard => d.set_hv_standard_steps(p, req)?,
        }
        Ok(d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params() -> Params {
        let days = |n| ParamValue::Integer(n);
        Params::new([
            (
                "lv_classes",
                ParamValue::Texts(vec!["resident".into(), "small_micro".into()]),
            ),
            ("lv_max_kw_urban", ParamValue::Integer(160)),
            ("lv_max_kw_rural", ParamValue::Integer(100)),
            ("power_factor", ParamValue::Number(0.9)),
            ("lv_overflow_voltage", ParamValue::Text("10kV".into())),
            (
                "hv_ordinary_voltages",
                ParamValue::Texts(vec!["10kV".into()]),
            ),
            ("hv_ordinary_time_max_kva", ParamValue::Integer(1250)),
            ("lv_direct_meter_energize_wd", days(1)),
            ("lv_simple_line_wd", days(2)),
            ("lv_total_wd", days(3)),
            ("lv_general_energize_wd", days(5)),
            ("hv_ordinary_reply_plan_wd", days(3)),
            ("hv_ordinary_energize_wd", days(5)),
            ("hv_ordinary_total_wd", days(8)),
        ])
    }

    fn eval(rural: bool, kw: f64) -> Evaluation {
        Evaluation {
            application: Application {
                customer: Customer {
                    class: CustomerClass::Resident,
                    star_rating: 0,
                },
                site: Site {
                    county: "某县".into(),
                    rural,
                    park_name: None,
                    park_level: None,
                    kinetic_library: false,
                },
                request: Request {
                    kind: RequestKind::New,
                    voltage: Voltage::V380,
                    capacity_kw: Some(kw),
                    capacity_kva: None,
                    permanent: true,
                    direct_meter: true,
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
            draft: Decision::default(),
        }
    }

    #[test]
    fn rural_and_urban_thresholds_differ() {
        let rural = RuralAccess::decide(&eval(true, 100.0)).unwrap();
        assert_eq!(rural.access_class, Some(AccessClass::LowVoltage));
        assert_eq!(rural.rules, ["RX-LV-RURAL", "RX-LV-TIME"]);
        let rural = RuralAccess::decide(&eval(true, 101.0)).unwrap();
        assert_eq!(
            (rural.access_class, rural.access_voltage),
            (Some(AccessClass::HvOrdinary), Some(Voltage::Kv10))
        );
        let urban = RuralAccess::decide(&eval(false, 160.0)).unwrap();
        assert_eq!(urban.access_class, Some(AccessClass::LowVoltage));
        assert_eq!(urban.rules, ["RX-LV-URBAN", "RX-LV-TIME"]);
        assert_eq!(
            urban.steps,
            [StepLimit {
                step: Step::Energize,
                limit_working_days: 1,
                from: Event::Accepted
            }]
        );
    }

    #[test]
    fn a_missing_threshold_is_named() {
        let mut e = eval(true, 50.0);
        e.params.remove("lv_max_kw_rural");
        assert!(
            matches!(RuralAccess::decide(&e), Err(RuleError::BadParameter(m)) if m.starts_with("lv_max_kw_rural: missing"))
        );
    }
}
