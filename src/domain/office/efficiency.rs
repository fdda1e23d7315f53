//! 供电+能效: "主动对接客户需求，实施“定人、定期、定制”服务。免费为三星级及以上企业开展节能咨询、综合能效分析、
//! 预防性试验、需求响应代理等增值服务 … 指导客户合理选择基本电费计收方案、优化峰谷用电时段、调整用电功率因数，降低用能成本。"
//!
//! Eligibility is the decision's `free_efficiency_service` flag (JN-EFFICIENCY): a plan names the
//! person (定人), the interval (定期) and the services chosen for the enterprise (定制); each
//! delivery records the service and the advice given.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{lines, not_before, required_line, RecordError};
use crate::domain::decision::Decision;

/// The free services.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EfficiencyService {
    /// 节能咨询
    EnergySavingConsulting,
    /// 综合能效分析
    EfficiencyAnalysis,
    /// 预防性试验
    PreventiveTest,
    /// 需求响应代理
    DemandResponseAgency,
}

impl EfficiencyService {
    pub const ALL: [Self; 4] = [
        Self::EnergySavingConsulting,
        Self::EfficiencyAnalysis,
        Self::PreventiveTest,
        Self::DemandResponseAgency,
    ];

    pub fn label_zh(self) -> &'static str {
        match self {
            Self::EnergySavingConsulting => "节能咨询",
            Self::EfficiencyAnalysis => "综合能效分析",
            Self::PreventiveTest => "预防性试验",
            Self::DemandResponseAgency => "需求响应代理",
        }
    }
}

/// The advice the seed names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Advice {
    /// 基本电费计收方案 (by capacity or by maximum demand)
    BasicChargeMethod,
    /// 峰谷用电时段
    PeakValley,
    /// 用电功率因数
    PowerFactor,
}

impl Advice {
    pub fn label_zh(self) -> &'static str {
        match self {
            Self::BasicChargeMethod => "基本电费计收方案",
            Self::PeakValley => "优化峰谷用电时段",
            Self::PowerFactor => "调整用电功率因数",
        }
    }
}

/// 定人、定期、定制: the plan for one eligible enterprise.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EfficiencyPlan {
    pub app_id: String,
    /// 定人: the person in charge.
    pub person: String,
    /// 定期: every how many days a service is due (30 = monthly).
    pub interval_days: u32,
    /// 定制: the services chosen for this enterprise.
    pub services: Vec<EfficiencyService>,
    pub starts_on: NaiveDate,
}

/// Longest interval between services, in days (a year).
pub const MAX_INTERVAL_DAYS: u32 = 366;

/// One service delivered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delivery {
    pub app_id: String,
    pub service: EfficiencyService,
    pub on: NaiveDate,
    pub by: String,
    #[serde(default)]
    pub advice: Vec<Advice>,
    /// What was found and advised, in words.
    #[serde(default)]
    pub summary: String,
}

fn eligible(decision: Option<&Decision>) -> Result<(), RecordError> {
    if decision.is_some_and(|d| d.free_efficiency_service) {
        return Ok(());
    }
    Err(RecordError::new(
        "app_id",
        "该申请的决策未给予免费能效服务（三星级及以上企业才有）：请核对客户星级",
        "the application's decision grants no free efficiency service (three-star enterprises \
         and above): check the customer's star rating",
    ))
}

/// Check a plan for the application with `decision`.
pub fn check_plan(plan: &EfficiencyPlan, decision: Option<&Decision>) -> Result<(), RecordError> {
    eligible(decision)?;
    required_line("plan.person", &plan.person)?;
    if plan.interval_days == 0 || plan.interval_days > MAX_INTERVAL_DAYS {
        return Err(RecordError::new(
            "plan.interval_days",
            format!(
                "服务周期 {} 天无效：应为 1–{MAX_INTERVAL_DAYS} 天",
                plan.interval_days
            ),
            format!(
                "an interval of {} days: give 1 to {MAX_INTERVAL_DAYS}",
                plan.interval_days
            ),
        ));
    }
    if plan.services.is_empty() {
        return Err(RecordError::new(
            "plan.services",
            "定制服务至少选一项：节能咨询、综合能效分析、预防性试验或需求响应代理",
            "choose at least one service",
        ));
    }
    Ok(())
}

/// Check a delivery against its plan.
pub fn check_delivery(delivery: &Delivery, plan: &EfficiencyPlan) -> Result<(), RecordError> {
    required_line("delivery.by", &delivery.by)?;
    lines("delivery.summary", &delivery.summary)?;
    not_before(
        "delivery.on",
        delivery.on,
        plan.starts_on,
        "服务计划开始日",
        "plan's start",
    )?;
    if !plan.services.contains(&delivery.service) {
        return Err(RecordError::new(
            "delivery.service",
            format!(
                "“{}”不在该企业的定制服务中：先修改服务计划",
                delivery.service.label_zh()
            ),
            format!(
                "{:?} is not in this enterprise's plan: change the plan first",
                delivery.service
            ),
        ));
    }
    Ok(())
}

/// When the next service is due: `interval_days` after the last delivery (or the plan's start).
pub fn next_due(plan: &EfficiencyPlan, deliveries: &[Delivery]) -> NaiveDate {
    let last = deliveries
        .iter()
        .filter(|d| d.app_id == plan.app_id)
        .map(|d| d.on)
        .max()
        .unwrap_or(plan.starts_on);
    last + chrono::Days::new(u64::from(plan.interval_days))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn plan() -> EfficiencyPlan {
        EfficiencyPlan {
            app_id: "JN-2026-000020".into(),
            person: "赵强".into(),
            interval_days: 90,
            services: vec![
                EfficiencyService::EfficiencyAnalysis,
                EfficiencyService::PreventiveTest,
            ],
            starts_on: d("2026-12-01"),
        }
    }

    #[test]
    fn only_three_star_enterprises_are_served_free() {
        // 免费为三星级及以上企业开展节能咨询、综合能效分析、预防性试验、需求响应代理等增值服务
        let yes = super::super::sample_decision(vec![], true);
        let no = super::super::sample_decision(vec![], false);
        assert_eq!(check_plan(&plan(), Some(&yes)), Ok(()));
        assert_eq!(check_plan(&plan(), Some(&no)).unwrap_err().field, "app_id");
        assert_eq!(check_plan(&plan(), None).unwrap_err().field, "app_id");
        let mut p = plan();
        p.interval_days = 0;
        assert_eq!(
            check_plan(&p, Some(&yes)).unwrap_err().field,
            "plan.interval_days"
        );
        p = plan();
        p.services.clear();
        assert_eq!(
            check_plan(&p, Some(&yes)).unwrap_err().field,
            "plan.services"
        );
    }

    #[test]
    fn deliveries_follow_the_plan_and_set_the_next_date() {
        // 实施“定人、定期、定制”服务
        let p = plan();
        let delivery = Delivery {
            app_id: p.app_id.clone(),
            service: EfficiencyService::EfficiencyAnalysis,
            on: d("2026-12-10"),
            by: "赵强".into(),
            advice: vec![
                Advice::BasicChargeMethod,
                Advice::PeakValley,
                Advice::PowerFactor,
            ],
            summary: "建议按需量计收基本电费，空压机移至谷段运行".into(),
        };
        assert_eq!(check_delivery(&delivery, &p), Ok(()));
        assert_eq!(next_due(&p, &[]), d("2027-03-01"));
        assert_eq!(
            next_due(&p, std::slice::from_ref(&delivery)),
            d("2027-03-10")
        );
        let off_plan = Delivery {
            service: EfficiencyService::DemandResponseAgency,
            ..delivery.clone()
        };
        assert_eq!(
            check_delivery(&off_plan, &p).unwrap_err().field,
            "delivery.service"
        );
        let early = Delivery {
            on: d("2026-11-01"),
            ..delivery
        };
        assert_eq!(check_delivery(&early, &p).unwrap_err().field, "delivery.on");
        assert_eq!(Advice::PowerFactor.label_zh(), "调整用电功率因数");
    }
}
