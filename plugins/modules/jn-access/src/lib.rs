//! jn-access: who is connected how, through which steps, within which limits (Jining, 2021).
//!
//! Rules JN-LV-160, JN-10KV-STEPS, JN-10KV-TIME, JN-LV-TIME, JN-ONE-VISIT, JN-GRID-PROJECT and
//! JN-FILING of docs/domain.md. Every threshold and limit is a bundle parameter; see
//! `policies/jining/bundle.toml` for the names and the seed's values.

use powerdesk_policy_sdk::*;

/// The Jining access module.
pub struct JnAccess;

export_rule_module!(JnAccess);

impl RuleModule for JnAccess {
    fn describe() -> ModuleInfo {
        ModuleInfo::new("jn-access", env!("CARGO_PKG_VERSION"))
            .rule("JN-LV-160", "居民和小微企业低压接入容量提升至160千瓦，不分城市、农村 (residents and small/micro: low voltage up to lv_max_kw, urban and rural alike)")
            .rule("JN-10KV-STEPS", "10千伏普通客户取消设计审查和中间检查，压减为受理并答复供电方案、验收送电两个环节")
            .rule("JN-10KV-TIME", "1250千伏安及以下10千伏普通客户：答复供电方案2个工作日，验收送电5个工作日，电网环节合计不超过7个工作日")
            .rule("JN-LV-TIME", "低压居民和小微企业：具备直接装表条件当日申请当日接电；仅需简单架设表前线当日申请次日接电；全流程一般不超过2个工作日")
            .rule("JN-ONE-VISIT", "具备直接装表条件的低压居民和小微企业：一次上门办结")
            .rule("JN-GRID-PROJECT", "配套电网工程：接到需求开工、早于需求竣工；小微企业勘察、设计、施工一体，简单表前线勘察当日完成")
            .rule("JN-FILING", "低压和10千伏专变企业电力外线工程免行政审批，实行承诺备案")
    }

    fn decide(e: &Evaluation) -> Result<Decision, RuleError> {
        let p = &e.params;
        let app = &e.application;
        let req = &app.request;
        let class = app.customer.class;
        let mut d = e.draft.clone();

        let policy_classes = p.classes("lv_classes")?;
        let lv_max_kw = p.positive("lv_max_kw")?;

        // Access class and voltage.
        let (access, voltage) = connection(req, lv_max_kw, p)?;
        if access == AccessClass::LowVoltage && policy_classes.contains(&class) {
            d.apply("JN-LV-160");
        }
        d.access_class = Some(access);
        d.access_voltage = Some(voltage);

        // Steps and limits.
        match access {
            AccessClass::LowVoltage if policy_classes.contains(&class) => {
                let total = p.days("lv_total_wd")?;
                d.apply("JN-LV-TIME");
                if req.direct_meter {
                    d.set_step(
                        Step::Energize,
                        p.days("lv_direct_meter_energize_wd")?,
                        Event::Accepted,
                    );
                    d.apply("JN-ONE-VISIT");
                } else if req.simple_line {
                    let one_stop = p.classes("grid_project_one_stop_classes")?;
                    let line = if one_stop.contains(&class) {
                        d.apply("JN-GRID-PROJECT");
                        p.days("grid_project_simple_line_wd")?
                    } else {
                        p.days("lv_simple_line_wd")?
                    };
                    d.set_step(Step::LineBuilt, line, Event::Accepted);
                    d.set_step(
                        Step::Energize,
                        p.days("lv_simple_line_wd")?,
                        Event::Accepted,
                    );
                } else {
                    d.set_step(Step::Energize, total, Event::Accepted);
                }
                d.grid_total_limit_working_days = Some(total);
            }
            AccessClass::LowVoltage => {
                // Outside the policy classes: the general low-voltage limit, no total.
                d.set_step(
                    Step::Energize,
                    p.days("lv_general_energize_wd")?,
                    Event::Accepted,
                );
                d.grid_total_limit_working_days = None;
            }
            AccessClass::HvOrdinary => {
                d.set_hv_ordinary_steps(p)?;
                d.apply("JN-10KV-STEPS");
                d.apply("JN-10KV-TIME");
            }
            AccessClass::HvStandard => d.set_hv_standard_steps(p)?,
        }

        // Supporting grid works contracted to the customer's need date.
        if req.grid_project_need_date.is_some() {
            d.apply("JN-GRID-PROJECT");
        }

        // Commitment filing instead of administrative approval for the external line.
        let filed = match access {
            AccessClass::LowVoltage => p.classes("filing_lv_classes")?.contains(&class),
            _ => {
                p.classes("filing_hv_classes")?.contains(&class)
                    && p.voltages("filing_hv_voltages")?.contains(&voltage)
            }
        };
        if filed {
            d.apply("JN-FILING");
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
        let int = ParamValue::Integer;
        Params::new([
            ("lv_classes", texts(&["resident", "small_micro"])),
            ("lv_max_kw", int(160)),
            ("lv_overflow_voltage", ParamValue::Text("10kV".into())),
            ("power_factor", ParamValue::Number(0.9)),
            ("lv_direct_meter_energize_wd", int(0)),
            ("lv_simple_line_wd", int(1)),
            ("lv_total_wd", int(2)),
            ("lv_general_energize_wd", int(5)),
            ("grid_project_one_stop_classes", texts(&["small_micro"])),
            ("grid_project_simple_line_wd", int(0)),
            ("hv_ordinary_voltages", texts(&["10kV"])),
            ("hv_ordinary_max_kva", int(1250)),
            ("hv_ordinary_reply_plan_wd", int(2)),
            ("hv_ordinary_energize_wd", int(5)),
            ("hv_ordinary_total_wd", int(7)),
            ("std_reply_plan_wd", int(15)),
            ("std_design_review_wd", int(10)),
            ("std_mid_inspection_wd", int(5)),
            ("std_completion_inspection_wd", int(5)),
            ("std_energize_wd", int(5)),
            ("filing_lv_classes", texts(&["enterprise"])),
            ("filing_hv_classes", texts(&["small_micro", "enterprise"])),
            ("filing_hv_voltages", texts(&["10kV"])),
        ])
    }

    fn eval(
        class: CustomerClass,
        voltage: Voltage,
        kw: Option<f64>,
        kva: Option<f64>,
    ) -> Evaluation {
        Evaluation {
            application: Application {
                customer: Customer {
                    class,
                    star_rating: 0,
                },
                site: Site {
                    county: "任城区".into(),
                    rural: true,
                    park_name: None,
                    park_level: None,
                    kinetic_library: false,
                },
                request: Request {
                    kind: RequestKind::New,
                    voltage,
                    capacity_kw: kw,
                    capacity_kva: kva,
                    permanent: true,
                    direct_meter: true,
                    simple_line: false,
                    grid_project_need_date: None,
                },
                received: Date::new(2026, 3, 2),
            },
            params: params(),
            evaluation_date: Date::new(2026, 3, 2),
            draft: Decision::default(),
        }
    }

    #[test]
    fn low_voltage_up_to_160_kw_inclusive() {
        let d = JnAccess::decide(&eval(
            CustomerClass::SmallMicro,
            Voltage::V380,
            Some(160.0),
            None,
        ))
        .unwrap();
        assert_eq!(
            (d.access_class, d.access_voltage),
            (Some(AccessClass::LowVoltage), Some(Voltage::V380))
        );
        assert_eq!(
            d.steps,
            [StepLimit {
                step: Step::Energize,
                limit_working_days: 0,
                from: Event::Accepted
            }]
        );
        assert_eq!(d.grid_total_limit_working_days, Some(2));
        assert_eq!(d.rules, ["JN-LV-160", "JN-LV-TIME", "JN-ONE-VISIT"]);

        let d = JnAccess::decide(&eval(
            CustomerClass::SmallMicro,
            Voltage::V380,
            Some(161.0),
            None,
        ))
        .unwrap();
        assert_eq!(
            (d.access_class, d.access_voltage),
            (Some(AccessClass::HvOrdinary), Some(Voltage::Kv10))
        );
        assert!(!d.rules.iter().any(|r| *r == "JN-LV-160"));
    }

    #[test]
    fn ten_kv_ordinary_up_to_1250_kva_inclusive() {
        let d = JnAccess::decide(&eval(
            CustomerClass::Enterprise,
            Voltage::Kv10,
            None,
            Some(1250.0),
        ))
        .unwrap();
        assert_eq!(d.access_class, Some(AccessClass::HvOrdinary));
        assert_eq!(
            d.steps
                .iter()
                .map(|s| (s.step.id(), s.limit_working_days, s.from.id()))
                .collect::<Vec<_>>(),
            [
                ("reply_plan", 2, "accepted"),
                ("energize", 5, "completion_reported")
            ]
        );
        assert_eq!(d.grid_total_limit_working_days, Some(7));
        let d = JnAccess::decide(&eval(
            CustomerClass::Enterprise,
            Voltage::Kv10,
            None,
            Some(1251.0),
        ))
        .unwrap();
        assert_eq!(d.access_class, Some(AccessClass::HvStandard));
        assert_eq!(d.steps.len(), 5);
        assert_eq!(d.grid_total_limit_working_days, None);
    }

    #[test]
    fn a_low_voltage_request_without_kw_is_unsupported() {
        let e = eval(CustomerClass::Resident, Voltage::V220, None, Some(10.0));
        assert!(
            matches!(JnAccess::decide(&e), Err(RuleError::Unsupported(m)) if m.contains("capacity_kw"))
        );
    }

    #[test]
    fn a_low_overflow_voltage_is_a_bad_parameter() {
        let mut e = eval(CustomerClass::Resident, Voltage::V380, Some(10.0), None);
        e.params
            .set("lv_overflow_voltage", ParamValue::Text("380V".into()));
        assert!(
            matches!(JnAccess::decide(&e), Err(RuleError::BadParameter(m)) if m.starts_with("lv_overflow_voltage"))
        );
    }
}
