//! Building blocks access modules share: how a request is connected under a low-voltage
//! threshold, and the grid's steps of the two high-voltage processes. They read the bundle
//! parameters named here, so regions keep one vocabulary for the same rules.

use crate::{AccessClass, Decision, Event, Params, Request, RuleError, Step, Voltage};

/// 接入方式: the access class and voltage of `req` under a low-voltage threshold of `lv_max_kw`.
/// A low-voltage request above it is connected at `lv_overflow_voltage`, sized in kVA by
/// `power_factor`; high voltage is 10 kV ordinary on the `hv_ordinary_voltages` up to
/// `hv_ordinary_max_kva`, otherwise the standard process.
pub fn connection(
    req: &Request,
    lv_max_kw: f64,
    p: &Params,
) -> Result<(AccessClass, Voltage), RuleError> {
    let power_factor = p.positive("power_factor")?;
    let ordinary_voltages = p.voltages("hv_ordinary_voltages")?;
    let max_kva = p.positive("hv_ordinary_max_kva")?;
    let overflow = p.high_voltage("lv_overflow_voltage")?;
    let (voltage, kva) = if req.voltage.is_low() {
        let kw = req.kw()?;
        if kw <= lv_max_kw {
            return Ok((AccessClass::LowVoltage, req.voltage));
        }
        (overflow, kw / power_factor)
    } else {
        (req.voltage, req.kva(power_factor)?)
    };
    let class = if ordinary_voltages.contains(&voltage) && kva <= max_kva {
        AccessClass::HvOrdinary
    } else {
        AccessClass::HvStandard
    };
    Ok((class, voltage))
}

impl Decision {
    /// 10 kV ordinary: reply with the plan, then energize; a grid total
    /// (`hv_ordinary_reply_plan_wd`, `hv_ordinary_energize_wd`, `hv_ordinary_total_wd`).
    pub fn set_hv_ordinary_steps(&mut self, p: &Params) -> Result<(), RuleError> {
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
        Ok(())
    }

    /// The standard high-voltage process: plan, design review, mid and completion inspections,
    /// energizing (the `std_*_wd` parameters); no grid total.
    pub fn set_hv_standard_steps(&mut self, p: &Params) -> Result<(), RuleError> {
        self.set_step(
            Step::ReplyPlan,
            p.days("std_reply_plan_wd")?,
            Event::Accepted,
        );
        self.set_step(
            Step::DesignReview,
            p.days("std_design_review_wd")?,
            Event::PlanReplied,
        );
        self.set_step(
            Step::MidInspection,
            p.days("std_mid_inspection_wd")?,
            Event::DesignReviewed,
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
