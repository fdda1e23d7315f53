//! 预约上门 and the 1+N team: "对大中型企业客户，组建多专业“1+N”服务团队，提供从技术咨询到装表接电全过程跟踪服务；
//! 对小微企业客户，开展预约上门服务，现场对接客户需求、收集办电资料，确定配套电网工程建设和不停电作业方案等，
//! 实现一次性上门对接，一次性施工送电。"

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{line, not_before, required_line, RecordError};
use crate::domain::application::CustomerClass;

/// What the application's class offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ServiceOffer {
    /// 1+N 服务团队 (large and medium enterprises).
    Team,
    /// 预约上门 (small and micro businesses).
    AppointmentVisit,
    /// Households: neither (the one visit of 一次上门 is the connection's own).
    None,
}

impl ServiceOffer {
    pub fn for_class(class: CustomerClass) -> Self {
        match class {
            CustomerClass::Enterprise => Self::Team,
            CustomerClass::SmallMicro => Self::AppointmentVisit,
            CustomerClass::Resident => Self::None,
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Self::Team => "1+N 服务团队",
            Self::AppointmentVisit => "预约上门服务",
            Self::None => "无",
        }
    }
}

/// A specialist's field in the N of 1+N.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Specialty {
    /// 营销 (metering, tariffs)
    Marketing,
    /// 运检 (operation and maintenance)
    Operations,
    /// 调度 (dispatch)
    Dispatch,
    /// 发展策划 (grid planning)
    Planning,
    /// 设计 (design review)
    Design,
}

impl Specialty {
    pub fn label_zh(self) -> &'static str {
        match self {
            Self::Marketing => "营销",
            Self::Operations => "运检",
            Self::Dispatch => "调度",
            Self::Planning => "发展策划",
            Self::Design => "设计",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Specialist {
    pub name: String,
    pub specialty: Specialty,
}

/// A 1+N team: one client manager and at least one specialist, following the application from
/// technical advice to energizing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Team {
    pub app_id: String,
    /// The 1: the client manager (客户经理).
    pub manager: String,
    /// The N.
    pub specialists: Vec<Specialist>,
    pub formed_on: NaiveDate,
}

/// A booked visit (预约上门): what the one visit settles.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Visit {
    pub app_id: String,
    pub visitor: String,
    pub booked_on: NaiveDate,
    pub visit_on: NaiveDate,
    /// Done: the customer's needs heard, the papers collected, the grid works and live-line plan
    /// settled (现场对接客户需求、收集办电资料，确定配套电网工程建设和不停电作业方案).
    #[serde(default)]
    pub done: bool,
    #[serde(default)]
    pub note: String,
}

fn offer_check(
    class: CustomerClass,
    wanted: ServiceOffer,
    field: &'static str,
) -> Result<(), RecordError> {
    let offered = ServiceOffer::for_class(class);
    if offered != wanted {
        return Err(RecordError::new(
            field,
            format!(
                "{}客户提供的是{}，不是{}",
                class.label_zh(),
                offered.label_zh(),
                wanted.label_zh()
            ),
            format!(
                "a {} customer is offered {:?}, not {:?}",
                class.id(),
                offered,
                wanted
            ),
        ));
    }
    Ok(())
}

/// Check a team for an application of `class`.
pub fn check_team(team: &Team, class: CustomerClass) -> Result<(), RecordError> {
    offer_check(class, ServiceOffer::Team, "team")?;
    required_line("team.manager", &team.manager)?;
    if team.specialists.is_empty() {
        return Err(RecordError::new(
            "team.specialists",
            "1+N 团队至少要有 1 名专业人员（N ≥ 1）：请加入营销、运检、调度等专业人员",
            "a 1+N team needs at least one specialist (N ≥ 1): add one",
        ));
    }
    for (i, s) in team.specialists.iter().enumerate() {
        required_line("team.specialists.name", &s.name)?;
        if s.name.trim() == team.manager.trim() {
            return Err(RecordError::new(
                "team.specialists.name",
                format!(
                    "第 {} 名专业人员与客户经理是同一人：N 必须是其他人员",
                    i + 1
                ),
                format!(
                    "specialist {} is the manager: the N are other people",
                    i + 1
                ),
            ));
        }
    }
    Ok(())
}

/// Check a booked visit for an application of `class`.
pub fn check_visit(visit: &Visit, class: CustomerClass) -> Result<(), RecordError> {
    offer_check(class, ServiceOffer::AppointmentVisit, "visit")?;
    required_line("visit.visitor", &visit.visitor)?;
    not_before(
        "visit.visit_on",
        visit.visit_on,
        visit.booked_on,
        "预约日期",
        "booking date",
    )?;
    line("visit.note", &visit.note)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn team(n: usize) -> Team {
        Team {
            app_id: "JN-2026-000010".into(),
            manager: "王磊".into(),
            specialists: (0..n)
                .map(|i| Specialist {
                    name: format!("专业{i}"),
                    specialty: Specialty::Operations,
                })
                .collect(),
            formed_on: d("2026-12-01"),
        }
    }

    #[test]
    fn large_and_medium_enterprises_get_one_plus_n() {
        // 对大中型企业客户，组建多专业“1+N”服务团队
        assert_eq!(
            ServiceOffer::for_class(CustomerClass::Enterprise),
            ServiceOffer::Team
        );
        assert_eq!(check_team(&team(2), CustomerClass::Enterprise), Ok(()));
        let e = check_team(&team(0), CustomerClass::Enterprise).unwrap_err();
        assert_eq!(e.field, "team.specialists");
        assert!(e.zh.contains("N ≥ 1"));
        let mut same = team(1);
        same.specialists[0].name = "王磊".into();
        assert_eq!(
            check_team(&same, CustomerClass::Enterprise)
                .unwrap_err()
                .field,
            "team.specialists.name"
        );
        assert_eq!(
            check_team(&team(1), CustomerClass::SmallMicro)
                .unwrap_err()
                .field,
            "team"
        );
    }

    #[test]
    fn small_and_micro_get_an_appointment_visit() {
        // 对小微企业客户，开展预约上门服务
        let v = Visit {
            app_id: "JN-2026-000011".into(),
            visitor: "李娜".into(),
            booked_on: d("2026-12-01"),
            visit_on: d("2026-12-02"),
            done: false,
            note: String::new(),
        };
        assert_eq!(
            ServiceOffer::for_class(CustomerClass::SmallMicro),
            ServiceOffer::AppointmentVisit
        );
        assert_eq!(check_visit(&v, CustomerClass::SmallMicro), Ok(()));
        assert_eq!(
            check_visit(&v, CustomerClass::Enterprise)
                .unwrap_err()
                .field,
            "visit"
        );
        let early = Visit {
            visit_on: d("2026-11-30"),
            ..v
        };
        assert_eq!(
            check_visit(&early, CustomerClass::SmallMicro)
                .unwrap_err()
                .field,
            "visit.visit_on"
        );
    }
}
