//! Access: how a request is connected under a low-voltage threshold, and the grid's steps of the
//! two high-voltage processes.

use crate::{AccessClass, Decision, Event, ParamInfo, Params, Request, RuleError, Step, Voltage};

/// The parameters [`connection`] reads (declare them in describe(): `.params(connection_params())`).
pub fn connection_params() -> Vec<ParamInfo> {
    if crate::declare::rules_only() {
        return Vec::new();
    }
    vec![
        ParamInfo::number("power_factor")
            .range(0.5, 1.0)
            .doc("kVA = kW / power_factor"),
        ParamInfo::voltages("hv_ordinary_voltages")
            .doc("voltages whose ordinary (not important) customers run the two-step process"),
        ParamInfo::high_voltage("lv_overflow_voltage")
            .doc("where a low-voltage request above the threshold is connected"),
    ]
}

/// The parameters [`Decision::set_hv_ordinary_steps`] reads.
pub fn hv_ordinary_params() -> Vec<ParamInfo> {
    if crate::declare::rules_only() {
        return Vec::new();
    }
    let mut v = vec![
        ParamInfo::number("hv_ordinary_time_max_kva")
            .range(1.0, 1_000_000.0)
            .doc("kVA up to which the two steps run on their own limits"),
        ParamInfo::days("hv_ordinary_reply_plan_wd"),
        ParamInfo::days("hv_ordinary_energize_wd"),
        ParamInfo::days("hv_ordinary_total_wd"),
    ];
    v.extend(std_params().into_iter().filter(|p| {
        [
            "std_reply_plan_wd",
            "std_reply_plan_dual_wd",
            "std_completion_inspection_wd",
            "std_energize_wd",
        ]
        .contains(&p.name.as_str())
    }));
    v
}

/// The parameters [`Decision::set_hv_standard_steps`] reads.
pub fn std_params() -> Vec<ParamInfo> {
    if crate::declare::rules_only() {
        return Vec::new();
    }
    [
        "std_reply_plan_wd",
        "std_reply_plan_dual_wd",
        "std_design_review_wd",
        "std_mid_inspection_wd",
        "std_completion_inspection_wd",
        "std_energize_wd",
    ]
    .into_iter()
    .map(ParamInfo::days)
    .collect()
}

/// 接入方式: how a request is connected.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Connection {
    pub class: AccessClass,
    pub voltage: Voltage,
    /// The capacity the high-voltage limits apply to, in kVA: existing + requested (增容); a
    /// low-voltage request's kW converted by `power_factor`.
    pub kva: f64,
}

/// 接入方式: the access class and voltage of `req` under a low-voltage threshold of `lv_max_kw`,
/// applied to existing + requested capacity (增容). A low-voltage request above it is connected at
/// `lv_overflow_voltage`, sized in kVA by `power_factor`. At high voltage an ordinary customer (not
/// `important`, 重要电力用户) on one of the `hv_ordinary_voltages` runs the two-step process
/// (`hv_ordinary`) whatever its capacity; an important one, and every other voltage, the standard
/// process.
pub fn connection(req: &Request, lv_max_kw: f64, p: &Params) -> Result<Connection, RuleError> {
    let power_factor = p.positive("power_factor")?;
    let ordinary_voltages = p.voltages("hv_ordinary_voltages")?;
    let overflow = p.high_voltage("lv_overflow_voltage")?;
    let (voltage, kva) = if req.voltage.is_low() {
        let kw = req.total_kw()?;
        if kw <= lv_max_kw {
            return Ok(Connection {
                class: AccessClass::LowVoltage,
                voltage: req.voltage,
                kva: kw / power_factor,
            });
        }
        (overflow, kw / power_factor)
    } else {
        (req.voltage, req.total_kva(power_factor)?)
    };
    let class = if ordinary_voltages.contains(&voltage) && !req.important {
        AccessClass::HvOrdinary
    } else {
        AccessClass::HvStandard
    };
    Ok(Connection {
        class,
        voltage,
        kva,
    })
}

/// The standard plan-reply limit: `std_reply_plan_dual_wd` for a customer with two supply
/// sources (双电源), else `std_reply_plan_wd`.
pub(crate) fn std_reply_plan_wd(p: &Params, req: &Request) -> Result<u32, RuleError> {
    if req.dual_supply {
        p.days("std_reply_plan_dual_wd")
    } else {
        p.days("std_reply_plan_wd")
    }
}

impl Decision {
    /// 10 kV ordinary: two steps, reply with the plan (from acceptance) and accept and energize
    /// (验收送电, from the customer's completion report). Up to `hv_ordinary_time_max_kva` (`kva`
    /// as [`Connection::kva`]) on their own limits and a grid total (`hv_ordinary_reply_plan_wd`,
    /// `hv_ordinary_energize_wd`, `hv_ordinary_total_wd`): returns true. Above it on the standard
    /// limits, with no grid total: the standard plan reply (single or dual supply), and for
    /// 验收送电, which merges the completion inspection and the energizing, the sum of
    /// `std_completion_inspection_wd` and `std_energize_wd`: returns false.
    pub fn set_hv_ordinary_steps(
        &mut self,
        p: &Params,
        req: &Request,
        kva: f64,
    ) -> Result<bool, RuleError> {
        if kva <= p.positive("hv_ordinary_time_max_kva")? {
            self.set_step(
                Step::ReplyPlan,
                p.days("hv_ordinary_reply_plan_wd")?,
                Event::Accepted,
            );
            self.set_step(
                Step::Energize,
                p.days("hv_ordinary_energize_wd")?,
                Event::CompletionReported,
            );
            self.grid_total_limit_working_days = Some(p.days("hv_ordinary_total_wd")?);
            return Ok(true);
        }
        self.set_step(Step::ReplyPlan, std_reply_plan_wd(p, req)?, Event::Accepted);
        let energize = p
            .days("std_completion_inspection_wd")?
            .checked_add(p.days("std_energize_wd")?)
            .ok_or_else(|| {
                RuleError::BadParameter(
                    "std_completion_inspection_wd + std_energize_wd: too many working days".into(),
                )
            })?;
        self.set_step(Step::Energize, energize, Event::CompletionReported);
        self.grid_total_limit_working_days = None;
        Ok(false)
    }

    /// The standard high-voltage process: plan reply (`std_reply_plan_wd`, or
    /// `std_reply_plan_dual_wd` with two supply sources) from acceptance, design review from the
    /// customer's design submission (送审), mid inspection from its inspection request (报验),
    /// completion inspection from its completion report, energizing from the completion
    /// inspection (the `std_*_wd` parameters); no grid total.
    pub fn set_hv_standard_steps(&mut self, p: &Params, req: &Request) -> Result<(), RuleError> {
        self.set_step(Step::ReplyPlan, std_reply_plan_wd(p, req)?, Event::Accepted);
        self.set_step(
            Step::DesignReview,
            p.days("std_design_review_wd")?,
            Event::DesignSubmitted,
        );
        self.set_step(
            Step::MidInspection,
            p.days("std_mid_inspection_wd")?,
            Event::MidInspectionRequested,
        );
        self.set_step(
            Step::CompletionInspection,
            p.days("std_completion_inspection_wd")?,
            Event::CompletionReported,
        );
        self.set_step(
            Step::Energize,
            p.days("std_energize_wd")?,
            Event::CompletionInspected,
        );
        self.grid_total_limit_working_days = None;
        Ok(())
    }
}
