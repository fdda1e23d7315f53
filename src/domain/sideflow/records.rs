//! The records of each side flow and where each stands; `SideFlows::apply` moves them.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime};
use serde::{Deserialize, Serialize};

use crate::domain::calendar::china_date;

type At = DateTime<FixedOffset>;

/// 接电记录: whether the connection was made without an outage (不停电接火, live-line work).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnergizingRecord {
    pub live_line: bool,
    pub recorded_at: At,
}

/// 配套电网工程: supporting grid works under a contract with the customer; start when the need is
/// known, finish before the need date (接到需求开工、早于需求竣工).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GridProject {
    pub need_date: NaiveDate,
    pub contract_signed: At,
    pub started: Option<At>,
    pub completed: Option<At>,
}

impl GridProject {
    /// Whether the works were finished before the need date (早于需求竣工: finishing on the need
    /// date itself is not before it); `None` until completed.
    pub fn done_before_need(&self) -> Option<bool> {
        self.completed.map(|c| china_date(c) < self.need_date)
    }

    pub(super) fn legal(&self) -> Vec<String> {
        match (self.started, self.completed) {
            (None, _) => vec!["start".into()],
            (Some(_), None) => vec!["complete".into()],
            (Some(_), Some(_)) => vec![],
        }
    }
}

/// 《中小型电力接入工程免行政审批承诺备案表》: what the builder fills in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FilingForm {
    /// 建设单位
    pub builder: String,
    /// 工程名称
    pub project: String,
    /// 施工地点
    pub location: String,
    /// 线路长度 in metres.
    pub line_length_m: f64,
    /// 计划开工日期
    pub planned_start: NaiveDate,
}

/// 备案状态: where a commitment filing stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FilingStatus {
    /// 已填报
    Filed,
    /// 已推送审批局
    PushedToBureau,
    /// 已现场公示
    PostedAtSite,
    /// 已开工
    WorkStarted,
}

/// 承诺备案: the commitment filing that replaces administrative approval of external line works.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Filing {
    pub form: FilingForm,
    pub status: FilingStatus,
    pub filed_at: At,
    pub pushed_to_bureau: Option<At>,
    pub posted_at_site: Option<At>,
    pub work_started: Option<At>,
}

impl Filing {
    pub(super) fn legal(&self) -> Vec<String> {
        match self.status {
            FilingStatus::Filed => vec!["push_to_bureau".into()],
            FilingStatus::PushedToBureau => vec!["post_at_site".into()],
            FilingStatus::PostedAtSite => vec!["start_work".into()],
            FilingStatus::WorkStarted => vec![],
        }
    }
}

/// 验收资料: a photo or video the customer uploaded for cloud acceptance (云验收).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    pub kind: EvidenceKind,
    pub name: String,
    /// sha256 of the uploaded file, hex.
    pub sha256: String,
}

/// 资料类型: a photo or a video.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EvidenceKind {
    Photo,
    Video,
}

/// 云验收状态: where a cloud acceptance stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CloudStatus {
    /// 收集资料
    Collecting,
    /// 已提交
    Submitted,
    /// 预验收通过
    PreAccepted,
    /// 退回: the customer adds evidence and submits again.
    Rejected,
}

/// 云验收: the customer uploads evidence, the manager pre-accepts remotely or sends it back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CloudAcceptance {
    pub evidence: Vec<Evidence>,
    pub status: CloudStatus,
    pub submitted: Option<At>,
    pub decided: Option<At>,
    /// The manager's remark on pre-acceptance or rejection.
    pub remark: Option<String>,
}

impl CloudAcceptance {
    pub(super) fn legal(&self) -> Vec<String> {
        let v: &[&str] = match self.status {
            CloudStatus::Collecting if self.evidence.is_empty() => &["add_evidence"],
            CloudStatus::Collecting => &["add_evidence", "submit"],
            CloudStatus::Submitted => &["pre_accept", "reject"],
            CloudStatus::PreAccepted => &[],
            CloudStatus::Rejected => &["add_evidence", "submit"],
        };
        v.iter().map(|s| s.to_string()).collect()
    }
}

/// 联合报装事项: the five services of a joint application.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JointService {
    /// 水
    Water,
    /// 电
    Electricity,
    /// 气
    Gas,
    /// 暖
    Heating,
    /// 讯
    Telecom,
}

impl JointService {
    pub const ALL: [JointService; 5] = [
        Self::Water,
        Self::Electricity,
        Self::Gas,
        Self::Heating,
        Self::Telecom,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Self::Water => "water",
            Self::Electricity => "electricity",
            Self::Gas => "gas",
            Self::Heating => "heating",
            Self::Telecom => "telecom",
        }
    }
}

/// 联合报装状态: where one service of a joint application stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JointStatus {
    Applied,
    Approved,
    Accepted,
}

/// 水电气暖讯联合报装: one form, several services, each approved and accepted jointly.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JointApplication {
    pub applied_at: At,
    /// Each requested service and where it stands, in `JointService` order.
    pub services: Vec<(JointService, JointStatus)>,
}

impl JointApplication {
    pub(super) fn legal(&self) -> Vec<String> {
        self.services
            .iter()
            .filter_map(|(s, st)| match st {
                JointStatus::Applied => Some(format!("approve {}", s.id())),
                JointStatus::Approved => Some(format!("accept {}", s.id())),
                JointStatus::Accepted => None,
            })
            .collect()
    }

    pub fn status(&self, service: JointService) -> Option<JointStatus> {
        self.services
            .iter()
            .find(|(s, _)| *s == service)
            .map(|(_, st)| *st)
    }
}

/// 预约时段: the day and time window of a visit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Slot {
    pub date: NaiveDate,
    pub from: NaiveTime,
    pub to: NaiveTime,
}

/// "1+N" team: one client manager (客户经理) plus N specialists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Team {
    pub manager: String,
    #[serde(default)]
    pub specialists: Vec<String>,
}

/// 预约状态: booked, done or cancelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AppointmentStatus {
    Booked,
    Done,
    Cancelled,
}

/// 预约上门: a booked visit to the customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Appointment {
    pub slot: Slot,
    pub team: Team,
    pub status: AppointmentStatus,
    pub booked_at: At,
    pub closed_at: Option<At>,
    /// Why it was cancelled.
    pub reason: Option<String>,
}

impl Appointment {
    pub(super) fn legal(&self) -> Vec<String> {
        match self.status {
            AppointmentStatus::Booked => vec!["done".into(), "cancel".into()],
            // A finished or cancelled visit may be followed by a new booking.
            AppointmentStatus::Done | AppointmentStatus::Cancelled => vec!["book".into()],
        }
    }
}

/// 过户状态: where a transfer stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TransferStatus {
    /// 已申请
    Requested,
    /// 不动产登记完成
    PropertyRegistered,
    /// 用电过户完成
    Completed,
}

/// 房产+用电联合过户: the electricity account follows the property to its new owner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transfer {
    pub new_owner: String,
    /// The new owner's ID card number or credit code.
    pub new_owner_id: String,
    /// 不动产权证 reference.
    pub property_certificate: String,
    pub status: TransferStatus,
    pub requested_at: At,
    pub property_registered: Option<At>,
    pub completed: Option<At>,
}

impl Transfer {
    pub(super) fn legal(&self) -> Vec<String> {
        match self.status {
            TransferStatus::Requested => vec!["register_property".into()],
            TransferStatus::PropertyRegistered => vec!["complete".into()],
            TransferStatus::Completed => vec![],
        }
    }
}
