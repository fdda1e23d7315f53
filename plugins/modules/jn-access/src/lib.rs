//! jn-access: who is connected how, through which steps, within which limits (Jining, 2021).
//!
//! Rules JN-LV-160, JN-10KV-STEPS, JN-10KV-TIME, JN-LV-TIME, JN-ONE-VISIT, JN-GRID-PROJECT and
//! JN-FILING of docs/domain.md. Every threshold and limit is a bundle parameter; see
//! `policies/jining/bundle.toml` for the names and the seed's values. Capacity thresholds apply to
//! existing + requested capacity (增容).

use powerdesk_policy_sdk::*;

/// The Jining access module.
pub struct JnAccess;

export_rule_module!(JnAccess);

impl RuleModule for JnAccess {
    fn describe() -> ModuleInfo {
        ModuleInfo::new("jn-access", env!("CARGO_PKG_VERSION"))
            .rule("JN-LV-160", "居民和小微企业低压接入容量提升至{lv_max_kw}千瓦，不分城市、农村；增容按总容量")
            .rule("JN-10KV-STEPS", "全面取消10千伏普通客户（不含重要电力用户）设计审查和中间检查环节，不论容量")
            .rule("JN-10KV-TIME", "{hv_ordinary_time_max_kva}千伏安及以下10千伏普通客户：答复供电方案{hv_ordinary_reply_plan_wd}个工作日，验收送电{hv_ordinary_energize_wd}个工作日，电网环节合计不超过{hv_ordinary_total_wd}个工作日；以上按标准时限")
            .rule("JN-LV-TIME", "低压居民和小微企业：具备直接装表条件当日申请当日接电；仅需简单架设表前线当日申请次日接电；全流程一般不超过{lv_total_wd}个工作日")
            .rule("JN-ONE-VISIT", "具备直接装表条件的低压居民和小微企业：一次上门办结")
            .rule("JN-GRID-PROJECT", "配套电网工程：接到需求开工、早于需求竣工；小微企业勘察、设计、施工一体，简单表前线勘察当日完成")
            .rule("JN-FILING", "低压（直接装表除外）和10千伏专变企业外线工程全部实行承诺备案制")
            .param(ParamInfo::classes("lv_classes").doc("customer classes with the low-voltage promise"))
            .param(ParamInfo::number("lv_max_kw").range(1.0, 10_000.0).doc("low-voltage threshold, kW (existing + requested)"))
            .params(connection_params())
            .param(ParamInfo::days("lv_total_wd"))
            .param(ParamInfo::days("lv_direct_meter_energize_wd"))
            .param(ParamInfo::days("lv_simple_line_wd"))
            .param(ParamInfo::days("lv_general_energize_wd"))
            .param(ParamInfo::classes("grid_project_one_stop_classes"))
            .param(ParamInfo::days("grid_project_simple_line_wd"))
            .params(hv_ordinary_params())
            .params(std_params())
            .param(ParamInfo::classes("filing_lv_classes"))
            .param(ParamInfo::classes("filing_hv_classes"))
            .param(ParamInfo::voltages("filing_hv_voltages"))
            .decides(&[Aspect::Access, Aspect::Steps, Aspect::GridTotal])
    }

    fn decide(e: &Evaluation) -> Result<Decision, RuleError> {
        let p = &e.params;
        let app = &e.application;
        let req = &app.request;
        let class = app.customer.class;
        let mut d = e.draft.clone();

        let policy_classes = p.classes("lv_classes")?;
        let lv_max_kw = p.positive("lv_max_kw")?;

        // Access class and voltage, on existing + requested capacity.
        let conn = connection(req, lv_max_kw, p)?;
        if conn.class == AccessClass::LowVoltage && policy_classes.contains(&class) {
            d.apply("JN-LV-160");
        }
        d.access_class = Some(conn.class);
        d.access_voltage = Some(conn.voltage);

        // Steps and limits.
        match conn.class {
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
                // Outside the policy classes: the general limit, no total.
                d.set_step(
                    Step::Energize,
                    p.days("lv_general_energize_wd")?,
                    Event::Accepted,
                );
                d.grid_total_limit_working_days = None;
            }
            AccessClass::HvOrdinary => {
                // Two steps whatever the capacity; the 2/5/7 limits only up to the bound.
                d.apply("JN-10KV-STEPS");
                if d.set_hv_ordinary_steps(p, req, conn.kva)? {
                    d.apply("JN-10KV-TIME");
                }
            }
            AccessClass::HvStandard => d.set_hv_standard_steps(p, req)?,
        }

        // Supporting grid works contracted to the customer's need date.
        if req.grid_project_need_date.is_some() {
            d.apply("JN-GRID-PROJECT");
        }

        // Commitment filing instead of administrative approval for the external line: a
        // low-voltage direct meter has no external line to file.
        let filed = match conn.class {
            AccessClass::LowVoltage => {
                !req.direct_meter && p.classes("filing_lv_classes")?.contains(&class)
            }
            _ => {
                p.classes("filing_hv_classes")?.contains(&class)
                    && p.voltages("filing_hv_voltages")?.contains(&conn.voltage)
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
            ("hv_ordinary_time_max_kva", int(1250)),
            ("hv_ordinary_reply_plan_wd", int(2)),
            ("hv_ordinary_energize_wd", int(5)),
            ("hv_ordinary_total_wd", int(7)),
            ("std_reply_plan_wd", int(15)),
            ("std_reply_plan_dual_wd", int(30)),
            ("std_design_review_wd", int(10)),
            ("std_mid_inspection_wd", int(5)),
            ("std_completion_inspection_wd", int(5)),
            ("std_energize_wd", int(5)),
            ("filing_lv_classes", texts(&["small_micro", "enterprise"])),
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

    fn ten_kv(kva: f64) -> Evaluation {
        let mut e = eval(CustomerClass::Enterprise, Voltage::Kv10, None, Some(kva));
        e.application.request.direct_meter = false;
        e
    }

    fn steps(d: &Decision) -> Vec<(&'static str, u32, &'static str)> {
        d.steps
            .iter()
            .map(|s| (s.step.id(), s.limit_working_days, s.from.id()))
            .collect()
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
        assert_eq!(steps(&d), [("energize", 0, "accepted")]);
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
        assert!(!d.rules.contains(&"JN-LV-160"));
    }

    /// "全面取消10千伏普通客户设计审查和中间检查环节": two steps whatever the capacity; the 2/5/7
    /// limits only for "1250千伏安及以下".
    #[test]
    fn every_ten_kv_ordinary_customer_has_two_steps_and_the_fast_limits_end_at_1250_kva() {
        let d = JnAccess::decide(&ten_kv(1250.0)).unwrap();
        assert_eq!(d.access_class, Some(AccessClass::HvOrdinary));
        assert_eq!(
            steps(&d),
            [
                ("reply_plan", 2, "accepted"),
                ("energize", 5, "completion_reported")
            ]
        );
        assert_eq!(d.grid_total_limit_working_days, Some(7));
        assert_eq!(d.rules, ["JN-10KV-STEPS", "JN-10KV-TIME", "JN-FILING"]);

        let d = JnAccess::decide(&ten_kv(1251.0)).unwrap();
        assert_eq!(d.access_class, Some(AccessClass::HvOrdinary));
        assert_eq!(
            steps(&d),
            [
                ("reply_plan", 15, "accepted"),
                // 验收送电: completion inspection (5) and energizing (5) in one step.
                ("energize", 10, "completion_reported")
            ]
        );
        assert_eq!(d.grid_total_limit_working_days, None);
        assert_eq!(d.rules, ["JN-10KV-STEPS", "JN-FILING"]);
    }

    #[test]
    fn dual_supply_takes_the_longer_standard_plan_reply() {
        let mut e = ten_kv(1600.0);
        e.application.request.dual_supply = true;
        let d = JnAccess::decide(&e).unwrap();
        assert_eq!(steps(&d)[0], ("reply_plan", 30, "accepted"));
        // Within 1250 kVA the seed's 2 working days hold with two sources too.
        let mut e = ten_kv(800.0);
        e.application.request.dual_supply = true;
        assert_eq!(
            steps(&JnAccess::decide(&e).unwrap())[0],
            ("reply_plan", 2, "accepted")
        );
    }

    #[test]
    fn an_important_ten_kv_customer_keeps_the_full_process_counted_from_its_hand_overs() {
        let mut e = ten_kv(800.0);
        e.application.request.important = true;
        let d = JnAccess::decide(&e).unwrap();
        assert_eq!(d.access_class, Some(AccessClass::HvStandard));
        assert_eq!(
            steps(&d),
            [
                ("reply_plan", 15, "accepted"),
                ("design_review", 10, "design_submitted"),
                ("mid_inspection", 5, "mid_inspection_requested"),
                ("completion_inspection", 5, "completion_reported"),
                ("energize", 5, "completion_inspected"),
            ]
        );
        assert!(!d.rules.contains(&"JN-10KV-STEPS"));
    }

    #[test]
    fn thirty_five_kv_is_standard_whatever_the_capacity() {
        let mut e = ten_kv(800.0);
        e.application.request.voltage = Voltage::Kv35;
        let d = JnAccess::decide(&e).unwrap();
        assert_eq!(d.access_class, Some(AccessClass::HvStandard));
        assert_eq!(d.steps.len(), 5);
    }

    /// 增容: the thresholds apply to the total after the increase.
    #[test]
    fn a_capacity_increase_is_judged_on_existing_plus_requested() {
        let mut e = eval(CustomerClass::SmallMicro, Voltage::V380, Some(40.0), None);
        e.application.request.kind = RequestKind::CapacityIncrease;
        e.application.request.existing_capacity_kw = Some(120.0);
        let d = JnAccess::decide(&e).unwrap();
        assert_eq!(
            d.access_class,
            Some(AccessClass::LowVoltage),
            "160 kW in all"
        );
        e.application.request.existing_capacity_kw = Some(130.0);
        let d = JnAccess::decide(&e).unwrap();
        assert_eq!(
            (d.access_class, d.access_voltage),
            (Some(AccessClass::HvOrdinary), Some(Voltage::Kv10)),
            "170 kW in all: above 160 kW"
        );

        let mut e = ten_kv(400.0);
        e.application.request.kind = RequestKind::CapacityIncrease;
        e.application.request.existing_capacity_kva = Some(850.0);
        assert!(JnAccess::decide(&e)
            .unwrap()
            .rules
            .contains(&"JN-10KV-TIME"));
        e.application.request.existing_capacity_kva = Some(1000.0);
        let d = JnAccess::decide(&e).unwrap();
        assert!(!d.rules.contains(&"JN-10KV-TIME"), "1400 kVA in all");
        assert_eq!(d.grid_total_limit_working_days, None);
    }

    /// "低压和10千伏专变企业电力外线工程全部实行承诺备案制": small/micro included; a direct meter
    /// has no external line.
    #[test]
    fn filing_for_every_low_voltage_enterprise_with_an_external_line() {
        let mut e = eval(CustomerClass::SmallMicro, Voltage::V380, Some(100.0), None);
        assert!(!JnAccess::decide(&e).unwrap().rules.contains(&"JN-FILING"));
        e.application.request.direct_meter = false;
        e.application.request.simple_line = true;
        assert!(JnAccess::decide(&e).unwrap().rules.contains(&"JN-FILING"));
        e.application.customer.class = CustomerClass::Resident;
        assert!(!JnAccess::decide(&e).unwrap().rules.contains(&"JN-FILING"));
        assert!(JnAccess::decide(&ten_kv(5000.0))
            .unwrap()
            .rules
            .contains(&"JN-FILING"));
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
