//! 用电安全服务: "开展全量客户拉网式、起底式用电安全隐患大排查大整治专项行动，按照“全覆盖、零遗漏、高标准、重整改”的
//! 原则 … 做到服务、通知、报告、督导“四到位”。"
//!
//! A campaign covers every customer of its scope (全覆盖、零遗漏: it closes only when each was
//! visited); each hazard found gets a rectification deadline in working days by its class and is
//! tracked through the four steps (四到位) to rectified (重整改).

use std::collections::BTreeSet;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{line, lines, not_before, required_line, RecordError};
use crate::domain::calendar::{MissingYears, WorkingCalendar};

/// Longest rectification limit, in working days (a year's worth).
pub const MAX_RECTIFY_WORKING_DAYS: u32 = 250;

/// 专项行动: an inspection campaign.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Campaign {
    /// `SC-2026-01`
    pub id: String,
    pub name: String,
    /// The county it covers (None: the whole office).
    #[serde(default)]
    pub county: Option<String>,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    /// Every customer in scope (全量客户), by account number, from the office's customer register.
    pub customers: Vec<String>,
    /// Working days to rectify a major hazard.
    pub major_rectify_working_days: u32,
    /// Working days to rectify a general hazard.
    pub general_rectify_working_days: u32,
    #[serde(default)]
    pub closed: bool,
}

impl Campaign {
    pub fn validate(&self) -> Result<(), RecordError> {
        required_line("campaign.id", &self.id)?;
        required_line("campaign.name", &self.name)?;
        if let Some(c) = &self.county {
            required_line("campaign.county", c)?;
        }
        not_before(
            "campaign.ends_on",
            self.ends_on,
            self.starts_on,
            "开始日期",
            "start date",
        )?;
        if self.customers.is_empty() {
            return Err(RecordError::new(
                "campaign.customers",
                "全覆盖：请载入范围内的全部客户（户号清单）",
                "全覆盖 (every customer): load the customers in scope (account numbers)",
            ));
        }
        let mut seen = BTreeSet::new();
        for c in &self.customers {
            required_line("campaign.customers", c)?;
            if !seen.insert(c.as_str()) {
                return Err(RecordError::new(
                    "campaign.customers",
                    format!("户号 {c} 重复"),
                    format!("account {c} is listed twice"),
                ));
            }
        }
        for (field, days) in [
            (
                "campaign.major_rectify_working_days",
                self.major_rectify_working_days,
            ),
            (
                "campaign.general_rectify_working_days",
                self.general_rectify_working_days,
            ),
        ] {
            if days == 0 || days > MAX_RECTIFY_WORKING_DAYS {
                return Err(RecordError::new(
                    field,
                    format!("整改时限 {days} 个工作日无效：应为 1–{MAX_RECTIFY_WORKING_DAYS}"),
                    format!("{days} working days: give 1 to {MAX_RECTIFY_WORKING_DAYS}"),
                ));
            }
        }
        Ok(())
    }

    /// 全覆盖: customers visited, of all in scope.
    pub fn coverage(&self, visits: &[SiteVisit]) -> Coverage {
        let scope: BTreeSet<&str> = self.customers.iter().map(String::as_str).collect();
        let visited: BTreeSet<&str> = visits
            .iter()
            .filter(|v| v.campaign_id == self.id && scope.contains(v.customer.as_str()))
            .map(|v| v.customer.as_str())
            .collect();
        Coverage {
            visited: visited.len(),
            all: scope.len(),
        }
    }

    /// Close the campaign: only when every customer was visited (零遗漏) and every hazard found is
    /// rectified (重整改).
    pub fn check_close(&self, visits: &[SiteVisit], hazards: &[Hazard]) -> Result<(), RecordError> {
        let cov = self.coverage(visits);
        if cov.visited < cov.all {
            return Err(RecordError::new(
                "campaign",
                format!(
                    "零遗漏：还有 {} 户未走访（{}/{}），不能结束专项行动",
                    cov.all - cov.visited,
                    cov.visited,
                    cov.all
                ),
                format!(
                    "零遗漏: {} customers not yet visited ({}/{}); the campaign cannot close",
                    cov.all - cov.visited,
                    cov.visited,
                    cov.all
                ),
            ));
        }
        let open = hazards
            .iter()
            .filter(|h| h.campaign_id == self.id && h.rectified_on.is_none())
            .count();
        if open > 0 {
            return Err(RecordError::new(
                "campaign",
                format!("重整改：还有 {open} 项隐患未整改完毕，不能结束专项行动"),
                format!("重整改: {open} hazards are not rectified; the campaign cannot close"),
            ));
        }
        Ok(())
    }
}

/// Visited of all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Coverage {
    pub visited: usize,
    pub all: usize,
}

impl Coverage {
    /// Visited / all, 0.0 for an empty scope.
    pub fn share(self) -> f64 {
        if self.all == 0 {
            0.0
        } else {
            self.visited as f64 / self.all as f64
        }
    }
}

/// One customer visited (上门安全“体检”).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SiteVisit {
    pub campaign_id: String,
    pub customer: String,
    pub on: NaiveDate,
    pub by: String,
    #[serde(default)]
    pub note: String,
}

/// Check a visit against its campaign.
pub fn check_visit(visit: &SiteVisit, campaign: &Campaign) -> Result<(), RecordError> {
    if campaign.closed {
        return Err(RecordError::new(
            "campaign_id",
            format!("专项行动 {} 已结束", campaign.id),
            format!("campaign {} is closed", campaign.id),
        ));
    }
    required_line("visit.by", &visit.by)?;
    lines("visit.note", &visit.note)?;
    if !campaign.customers.iter().any(|c| c == &visit.customer) {
        return Err(RecordError::new(
            "visit.customer",
            format!(
                "户号 {} 不在专项行动 {} 的范围内",
                visit.customer, campaign.id
            ),
            format!(
                "account {} is not in campaign {}'s scope",
                visit.customer, campaign.id
            ),
        ));
    }
    not_before(
        "visit.on",
        visit.on,
        campaign.starts_on,
        "专项行动开始日",
        "campaign's start",
    )
}

/// 隐患等级.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HazardClass {
    /// 重大隐患
    Major,
    /// 一般隐患
    General,
}

impl HazardClass {
    pub fn label_zh(self) -> &'static str {
        match self {
            Self::Major => "重大隐患",
            Self::General => "一般隐患",
        }
    }
}

/// 四到位: service, notice, report, supervision, in this order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HazardStep {
    /// 服务到位: the hazard diagnosed on site, the customer guided.
    Service,
    /// 通知到位: the customer notified in writing.
    Notice,
    /// 报告到位: reported to the local government's safety authority.
    Report,
    /// 督导到位: the rectification supervised.
    Supervision,
}

impl HazardStep {
    pub const ALL: [Self; 4] = [Self::Service, Self::Notice, Self::Report, Self::Supervision];

    pub fn label_zh(self) -> &'static str {
        match self {
            Self::Service => "服务到位",
            Self::Notice => "通知到位",
            Self::Report => "报告到位",
            Self::Supervision => "督导到位",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepDone {
    pub step: HazardStep,
    pub on: NaiveDate,
    pub by: String,
}

/// 隐患: one hazard, tracked to rectified.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hazard {
    pub id: String,
    pub campaign_id: String,
    pub customer: String,
    pub class: HazardClass,
    pub description: String,
    pub found_on: NaiveDate,
    /// The rectification deadline, in working days by class from `found_on`.
    pub deadline: NaiveDate,
    /// Counted over a year without an official calendar.
    #[serde(default)]
    pub missing_calendar_years: MissingYears,
    #[serde(default)]
    pub steps: Vec<StepDone>,
    #[serde(default)]
    pub rectified_on: Option<NaiveDate>,
}

/// Record a hazard found at a visit: its deadline is counted on `calendar`.
pub fn open_hazard(
    id: String,
    campaign: &Campaign,
    customer: &str,
    class: HazardClass,
    description: &str,
    found_on: NaiveDate,
    calendar: &WorkingCalendar,
) -> Result<Hazard, RecordError> {
    required_line("hazard.description", description)?;
    if !campaign.customers.iter().any(|c| c == customer) {
        return Err(RecordError::new(
            "hazard.customer",
            format!("户号 {customer} 不在专项行动 {} 的范围内", campaign.id),
            format!(
                "account {customer} is not in campaign {}'s scope",
                campaign.id
            ),
        ));
    }
    not_before(
        "hazard.found_on",
        found_on,
        campaign.starts_on,
        "专项行动开始日",
        "campaign's start",
    )?;
    let days = match class {
        HazardClass::Major => campaign.major_rectify_working_days,
        HazardClass::General => campaign.general_rectify_working_days,
    };
    let deadline = calendar.add_working_days(found_on, days);
    Ok(Hazard {
        id,
        campaign_id: campaign.id.clone(),
        customer: customer.to_string(),
        class,
        description: description.to_string(),
        found_on,
        deadline: deadline.value,
        missing_calendar_years: deadline.missing,
        steps: Vec::new(),
        rectified_on: None,
    })
}

impl Hazard {
    /// The next of the four steps, None once all four are done.
    pub fn next_step(&self) -> Option<HazardStep> {
        HazardStep::ALL.get(self.steps.len()).copied()
    }

    /// Record the next step of 四到位 (in order, not before the last).
    pub fn record_step(
        &mut self,
        step: HazardStep,
        on: NaiveDate,
        by: &str,
    ) -> Result<(), RecordError> {
        required_line("step.by", by)?;
        line("step.by", by)?;
        if self.rectified_on.is_some() {
            return Err(RecordError::new(
                "hazard",
                "隐患已整改完毕",
                "the hazard is already rectified",
            ));
        }
        let Some(next) = self.next_step() else {
            return Err(RecordError::new(
                "step",
                "四到位已全部完成",
                "all four steps are done",
            ));
        };
        if step != next {
            return Err(RecordError::new(
                "step",
                format!("下一步应为“{}”，不是“{}”", next.label_zh(), step.label_zh()),
                format!("the next step is {next:?}, not {step:?}"),
            ));
        }
        let last = self.steps.last().map_or(self.found_on, |s| s.on);
        not_before("step.on", on, last, "上一步的日期", "previous step")?;
        self.steps.push(StepDone {
            step,
            on,
            by: by.to_string(),
        });
        Ok(())
    }

    /// 重整改: rectified, once the four steps are done.
    pub fn rectify(&mut self, on: NaiveDate) -> Result<(), RecordError> {
        if self.rectified_on.is_some() {
            return Err(RecordError::new(
                "hazard",
                "隐患已整改完毕",
                "the hazard is already rectified",
            ));
        }
        if let Some(next) = self.next_step() {
            return Err(RecordError::new(
                "hazard",
                format!("四到位未完成：先记录“{}”", next.label_zh()),
                format!("四到位 is not complete: record {next:?} first"),
            ));
        }
        let last = self.steps.last().map_or(self.found_on, |s| s.on);
        not_before("rectified_on", on, last, "督导日期", "supervision")?;
        self.rectified_on = Some(on);
        Ok(())
    }

    /// Past its deadline and not rectified on `today`.
    pub fn is_overdue(&self, today: NaiveDate) -> bool {
        self.rectified_on.is_none() && today > self.deadline
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn calendar() -> WorkingCalendar {
        WorkingCalendar::parse_years(&[include_str!("../../../policies/jining/calendar/2026.toml")])
            .unwrap()
    }

    fn campaign() -> Campaign {
        Campaign {
            id: "SC-2026-01".into(),
            name: "2026年冬季用电安全隐患大排查大整治".into(),
            county: Some("任城区".into()),
            starts_on: d("2026-09-28"),
            ends_on: d("2026-12-31"),
            customers: vec!["0537001".into(), "0537002".into(), "0537003".into()],
            major_rectify_working_days: 5,
            general_rectify_working_days: 15,
            closed: false,
        }
    }

    fn visit(customer: &str) -> SiteVisit {
        SiteVisit {
            campaign_id: "SC-2026-01".into(),
            customer: customer.into(),
            on: d("2026-10-09"),
            by: "孙伟".into(),
            note: String::new(),
        }
    }

    #[test]
    fn every_customer_is_covered_before_the_campaign_closes() {
        // 全覆盖、零遗漏
        let c = campaign();
        assert_eq!(c.validate(), Ok(()));
        let visits = vec![visit("0537001"), visit("0537001"), visit("0537002")];
        assert_eq!(c.coverage(&visits), Coverage { visited: 2, all: 3 });
        let e = c.check_close(&visits, &[]).unwrap_err();
        assert!(e.zh.contains("零遗漏") && e.zh.contains("1 户"), "{}", e.zh);
        let all: Vec<_> = ["0537001", "0537002", "0537003"]
            .iter()
            .map(|c| visit(c))
            .collect();
        assert_eq!(c.check_close(&all, &[]), Ok(()));
        assert_eq!(
            check_visit(&visit("0999"), &c).unwrap_err().field,
            "visit.customer"
        );
    }

    #[test]
    fn a_hazard_is_tracked_through_four_steps_to_rectified() {
        // 做到服务、通知、报告、督导“四到位” … 重整改
        let c = campaign();
        // Found on Friday 2026-09-30 (the day before the National Day holiday): five working
        // days skip 10-01..10-07 and land after the make-up days.
        let mut h = open_hazard(
            "HZ-1".into(),
            &c,
            "0537001",
            HazardClass::Major,
            "配电室无挡鼠板，电缆沟积水",
            d("2026-09-30"),
            &calendar(),
        )
        .unwrap();
        assert_eq!(
            h.deadline,
            calendar().add_working_days(d("2026-09-30"), 5).value
        );
        assert!(
            h.deadline > d("2026-10-08"),
            "the holiday is skipped: {}",
            h.deadline
        );
        assert!(
            h.rectify(d("2026-10-10")).is_err(),
            "not before the four steps"
        );
        assert_eq!(
            h.record_step(HazardStep::Notice, d("2026-10-08"), "孙伟")
                .unwrap_err()
                .field,
            "step"
        );
        for (step, day) in HazardStep::ALL.into_iter().zip([
            "2026-09-30",
            "2026-10-08",
            "2026-10-09",
            "2026-10-12",
        ]) {
            h.record_step(step, d(day), "孙伟").unwrap();
        }
        assert!(h.is_overdue(h.deadline.succ_opt().unwrap()));
        assert!(!h.is_overdue(h.deadline));
        h.rectify(d("2026-10-13")).unwrap();
        assert!(!h.is_overdue(d("2027-01-01")));
        let mut hazards = vec![h];
        let all: Vec<_> = ["0537001", "0537002", "0537003"]
            .iter()
            .map(|c| visit(c))
            .collect();
        assert_eq!(c.check_close(&all, &hazards), Ok(()));
        hazards[0].rectified_on = None;
        assert!(c
            .check_close(&all, &hazards)
            .unwrap_err()
            .zh
            .contains("重整改"));
    }

    #[test]
    fn a_deadline_past_the_loaded_calendar_is_marked() {
        let c = campaign();
        let h = open_hazard(
            "HZ-2".into(),
            &c,
            "0537002",
            HazardClass::General,
            "漏电保护器失效",
            d("2026-12-28"),
            &calendar(),
        )
        .unwrap();
        assert!(h.missing_calendar_years.contains(2027));
    }

    #[test]
    fn campaigns_are_checked() {
        let mut c = campaign();
        c.customers.push("0537001".into());
        assert_eq!(c.validate().unwrap_err().field, "campaign.customers");
        c = campaign();
        c.major_rectify_working_days = 0;
        assert_eq!(
            c.validate().unwrap_err().field,
            "campaign.major_rectify_working_days"
        );
        c = campaign();
        c.ends_on = d("2026-01-01");
        assert_eq!(c.validate().unwrap_err().field, "campaign.ends_on");
    }
}
