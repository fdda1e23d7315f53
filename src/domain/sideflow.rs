//! 辅助流程: side flows linked to an application, each a small state machine.
//!
//! Supporting grid project (配套电网工程), commitment filing (承诺备案), cloud acceptance (云验收),
//! joint application (水电气暖讯联合报装), appointments (预约上门), transfer with the property
//! (房产+用电联合过户). The service calls [`SideFlows::apply`] with a [`SideFlowAction`] and records
//! `EventKind::SideFlow { flow: action.flow_id(), action: action.action_id() }`.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime};
use serde::{Deserialize, Serialize};

use super::validation::is_sha256_hex;

type At = DateTime<FixedOffset>;

/// 辅助流程: the side flows of one application; each is absent until started.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SideFlows {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grid_project: Option<GridProject>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filing: Option<Filing>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cloud_acceptance: Option<CloudAcceptance>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub joint: Option<JointApplication>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub appointment: Option<Appointment>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transfer: Option<Transfer>,
    /// 接电记录: how the energizing was done (for the live-line rate); recorded once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub energizing: Option<EnergizingRecord>,
}

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
    /// Whether the works were finished on or before the need date (`None` until completed).
    pub fn done_before_need(&self) -> Option<bool> {
        self.completed.map(|c| c.date_naive() <= self.need_date)
    }

    fn legal(&self) -> Vec<String> {
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
    fn legal(&self) -> Vec<String> {
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
    fn legal(&self) -> Vec<String> {
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
    fn legal(&self) -> Vec<String> {
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
    fn legal(&self) -> Vec<String> {
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
    fn legal(&self) -> Vec<String> {
        match self.status {
            TransferStatus::Requested => vec!["register_property".into()],
            TransferStatus::PropertyRegistered => vec!["complete".into()],
            TransferStatus::Completed => vec![],
        }
    }
}

/// 辅助流程操作: every action on a side flow.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum SideFlowAction {
    /// grid_project/sign_contract
    SignGridContract { need_date: NaiveDate },
    /// grid_project/start
    StartGridWorks,
    /// grid_project/complete
    CompleteGridWorks,
    /// filing/file
    FileCommitment { form: FilingForm },
    /// filing/push_to_bureau
    PushFilingToBureau,
    /// filing/post_at_site
    PostFilingAtSite,
    /// filing/start_work
    StartFiledWork,
    /// cloud_acceptance/add_evidence
    AddEvidence { evidence: Evidence },
    /// cloud_acceptance/submit
    SubmitEvidence,
    /// cloud_acceptance/pre_accept
    PreAccept {
        #[serde(default)]
        remark: Option<String>,
    },
    /// cloud_acceptance/reject
    RejectEvidence { remark: String },
    /// joint/apply
    ApplyJoint { services: Vec<JointService> },
    /// joint/approve
    ApproveJoint { service: JointService },
    /// joint/accept
    AcceptJoint { service: JointService },
    /// appointment/book
    BookVisit { slot: Slot, team: Team },
    /// appointment/done
    CompleteVisit,
    /// appointment/cancel
    CancelVisit { reason: String },
    /// transfer/request
    RequestTransfer {
        new_owner: String,
        new_owner_id: String,
        property_certificate: String,
    },
    /// transfer/register_property
    RegisterProperty,
    /// transfer/complete
    CompleteTransfer,
    /// energizing/record: the service applies it with the move to `energized`.
    RecordEnergizing { live_line: bool },
}

impl SideFlowAction {
    /// The side flow acted on (`EventKind::SideFlow.flow`).
    pub fn flow_id(&self) -> &'static str {
        use SideFlowAction::*;
        match self {
            SignGridContract { .. } | StartGridWorks | CompleteGridWorks => "grid_project",
            FileCommitment { .. } | PushFilingToBureau | PostFilingAtSite | StartFiledWork => {
                "filing"
            }
            AddEvidence { .. } | SubmitEvidence | PreAccept { .. } | RejectEvidence { .. } => {
                "cloud_acceptance"
            }
            ApplyJoint { .. } | ApproveJoint { .. } | AcceptJoint { .. } => "joint",
            BookVisit { .. } | CompleteVisit | CancelVisit { .. } => "appointment",
            RequestTransfer { .. } | RegisterProperty | CompleteTransfer => "transfer",
            RecordEnergizing { .. } => "energizing",
        }
    }

    /// The action's id within its flow (`EventKind::SideFlow.action`).
    pub fn action_id(&self) -> &'static str {
        use SideFlowAction::*;
        match self {
            SignGridContract { .. } => "sign_contract",
            StartGridWorks => "start",
            CompleteGridWorks => "complete",
            FileCommitment { .. } => "file",
            PushFilingToBureau => "push_to_bureau",
            PostFilingAtSite => "post_at_site",
            StartFiledWork => "start_work",
            AddEvidence { .. } => "add_evidence",
            SubmitEvidence => "submit",
            PreAccept { .. } => "pre_accept",
            RejectEvidence { .. } => "reject",
            ApplyJoint { .. } => "apply",
            ApproveJoint { .. } => "approve",
            AcceptJoint { .. } => "accept",
            BookVisit { .. } => "book",
            CompleteVisit => "done",
            CancelVisit { .. } => "cancel",
            RequestTransfer { .. } => "request",
            RegisterProperty => "register_property",
            CompleteTransfer => "complete",
            RecordEnergizing { .. } => "record",
        }
    }

    /// The action as a legal-action label (`approve water` for per-service joint actions).
    fn label(&self) -> String {
        match self {
            Self::ApproveJoint { service } | Self::AcceptJoint { service } => {
                format!("{} {}", self.action_id(), service.id())
            }
            _ => self.action_id().to_string(),
        }
    }
}

/// 辅助流程错误: a refused side-flow action.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SideFlowError {
    /// Not legal in the flow's current state; lists the legal actions.
    #[error("cannot {action} the {flow} side flow {state}; legal actions: {legal}", legal = legal_list(.legal))]
    Illegal {
        flow: &'static str,
        action: String,
        state: String,
        legal: Vec<String>,
    },
    /// A field of the action is wrong.
    #[error("{flow}/{action}: {field} {message}")]
    Invalid {
        flow: &'static str,
        action: &'static str,
        field: &'static str,
        message: String,
    },
}

fn legal_list(legal: &[String]) -> String {
    if legal.is_empty() {
        "none (the flow is finished)".into()
    } else {
        legal.join(", ")
    }
}

impl SideFlows {
    /// The legal actions of one flow (`grid_project`, `filing`, …) as it stands now.
    pub fn legal_actions(&self, flow: &str) -> Vec<String> {
        let start = |a: &str| vec![a.to_string()];
        match flow {
            "grid_project" => self
                .grid_project
                .as_ref()
                .map_or_else(|| start("sign_contract"), GridProject::legal),
            "filing" => self
                .filing
                .as_ref()
                .map_or_else(|| start("file"), Filing::legal),
            "cloud_acceptance" => self
                .cloud_acceptance
                .as_ref()
                .map_or_else(|| start("add_evidence"), CloudAcceptance::legal),
            "joint" => self
                .joint
                .as_ref()
                .map_or_else(|| start("apply"), JointApplication::legal),
            "appointment" => self
                .appointment
                .as_ref()
                .map_or_else(|| start("book"), Appointment::legal),
            "transfer" => self
                .transfer
                .as_ref()
                .map_or_else(|| start("request"), Transfer::legal),
            "energizing" => self
                .energizing
                .as_ref()
                .map_or_else(|| start("record"), |_| vec![]),
            _ => vec![],
        }
    }

    fn state_of(&self, flow: &str) -> String {
        let state = match flow {
            "grid_project" => self
                .grid_project
                .as_ref()
                .map(|g| match (g.started, g.completed) {
                    (None, _) => "contract_signed".to_string(),
                    (Some(_), None) => "started".into(),
                    _ => "completed".into(),
                }),
            "filing" => self.filing.as_ref().map(|f| id_of(&f.status)),
            "cloud_acceptance" => self.cloud_acceptance.as_ref().map(|c| id_of(&c.status)),
            "joint" => self.joint.as_ref().map(|j| {
                let each: Vec<String> = j
                    .services
                    .iter()
                    .map(|(s, st)| format!("{} {}", s.id(), id_of(st)))
                    .collect();
                each.join(", ")
            }),
            "appointment" => self.appointment.as_ref().map(|a| id_of(&a.status)),
            "transfer" => self.transfer.as_ref().map(|t| id_of(&t.status)),
            "energizing" => self.energizing.as_ref().map(|_| "recorded".to_string()),
            _ => None,
        };
        match state {
            Some(s) => format!("in state {s}"),
            None => "before it is started".into(),
        }
    }

    /// Apply one action at `at`; on error nothing changes.
    pub fn apply(&mut self, action: SideFlowAction, at: At) -> Result<(), SideFlowError> {
        let flow = action.flow_id();
        let legal = self.legal_actions(flow);
        if !legal.contains(&action.label()) {
            return Err(SideFlowError::Illegal {
                flow,
                action: action.label(),
                state: self.state_of(flow),
                legal,
            });
        }
        let invalid = |field: &'static str, message: String| SideFlowError::Invalid {
            flow,
            action: action.action_id(),
            field,
            message,
        };
        let nonempty = |field: &'static str, value: &str, what: &str| {
            if value.trim().is_empty() {
                Err(invalid(field, format!("is empty; enter {what}")))
            } else {
                Ok(())
            }
        };
        use SideFlowAction::*;
        match &action {
            SignGridContract { need_date } => {
                if *need_date < at.date_naive() {
                    return Err(invalid(
                        "need_date",
                        format!("is {need_date}, before the contract date {}; enter the date the customer needs the works done by", at.date_naive()),
                    ));
                }
                self.grid_project = Some(GridProject {
                    need_date: *need_date,
                    contract_signed: at,
                    started: None,
                    completed: None,
                });
            }
            StartGridWorks => self.grid_project.as_mut().expect("legal").started = Some(at),
            CompleteGridWorks => self.grid_project.as_mut().expect("legal").completed = Some(at),
            FileCommitment { form } => {
                nonempty("builder", &form.builder, "the builder (建设单位)")?;
                nonempty("project", &form.project, "the project name (工程名称)")?;
                nonempty("location", &form.location, "where the works are (施工地点)")?;
                if !form.line_length_m.is_finite()
                    || form.line_length_m <= 0.0
                    || form.line_length_m > 100_000.0
                {
                    return Err(invalid(
                        "line_length_m",
                        format!(
                            "is {}; enter the line length in metres, 0 < m ≤ 100,000",
                            form.line_length_m
                        ),
                    ));
                }
                self.filing = Some(Filing {
                    form: form.clone(),
                    status: FilingStatus::Filed,
                    filed_at: at,
                    pushed_to_bureau: None,
                    posted_at_site: None,
                    work_started: None,
                });
            }
            PushFilingToBureau => {
                let f = self.filing.as_mut().expect("legal");
                f.status = FilingStatus::PushedToBureau;
                f.pushed_to_bureau = Some(at);
            }
            PostFilingAtSite => {
                let f = self.filing.as_mut().expect("legal");
                f.status = FilingStatus::PostedAtSite;
                f.posted_at_site = Some(at);
            }
            StartFiledWork => {
                let f = self.filing.as_mut().expect("legal");
                f.status = FilingStatus::WorkStarted;
                f.work_started = Some(at);
            }
            AddEvidence { evidence } => {
                nonempty("name", &evidence.name, "the file's name")?;
                if !is_sha256_hex(&evidence.sha256) {
                    return Err(invalid(
                        "sha256",
                        format!("is {:?}; a sha256 digest is 64 hexadecimal characters; recompute it from the uploaded file", evidence.sha256),
                    ));
                }
                let c = self
                    .cloud_acceptance
                    .get_or_insert_with(|| CloudAcceptance {
                        evidence: Vec::new(),
                        status: CloudStatus::Collecting,
                        submitted: None,
                        decided: None,
                        remark: None,
                    });
                c.evidence.push(evidence.clone());
            }
            SubmitEvidence => {
                let c = self.cloud_acceptance.as_mut().expect("legal");
                c.status = CloudStatus::Submitted;
                c.submitted = Some(at);
            }
            PreAccept { remark } => {
                let c = self.cloud_acceptance.as_mut().expect("legal");
                c.status = CloudStatus::PreAccepted;
                c.decided = Some(at);
                c.remark = remark.clone().filter(|r| !r.trim().is_empty());
            }
            RejectEvidence { remark } => {
                nonempty("remark", remark, "what the customer must add or redo")?;
                let c = self.cloud_acceptance.as_mut().expect("legal");
                c.status = CloudStatus::Rejected;
                c.decided = Some(at);
                c.remark = Some(remark.clone());
            }
            ApplyJoint { services } => {
                if !services.contains(&JointService::Electricity) {
                    return Err(invalid(
                        "services",
                        "must include electricity: a joint application is filed with the power connection; add electricity".into(),
                    ));
                }
                let mut chosen: Vec<JointService> = services.clone();
                chosen.sort();
                chosen.dedup();
                self.joint = Some(JointApplication {
                    applied_at: at,
                    services: chosen
                        .into_iter()
                        .map(|s| (s, JointStatus::Applied))
                        .collect(),
                });
            }
            ApproveJoint { service } | AcceptJoint { service } => {
                let to = if matches!(action, ApproveJoint { .. }) {
                    JointStatus::Approved
                } else {
                    JointStatus::Accepted
                };
                let j = self.joint.as_mut().expect("legal");
                if let Some(entry) = j.services.iter_mut().find(|(s, _)| s == service) {
                    entry.1 = to;
                }
            }
            BookVisit { slot, team } => {
                if slot.from >= slot.to {
                    return Err(invalid(
                        "slot",
                        format!(
                            "runs from {} to {}; the window must end after it starts",
                            slot.from, slot.to
                        ),
                    ));
                }
                if slot.date < at.date_naive() {
                    return Err(invalid(
                        "slot",
                        format!(
                            "is on {}, before the booking ({}); choose a date from today on",
                            slot.date,
                            at.date_naive()
                        ),
                    ));
                }
                nonempty(
                    "team.manager",
                    &team.manager,
                    "the client manager (客户经理) who leads the visit",
                )?;
                if team.specialists.iter().any(|s| s.trim().is_empty()) {
                    return Err(invalid(
                        "team.specialists",
                        "holds an empty name; remove it or enter the specialist's name".into(),
                    ));
                }
                self.appointment = Some(Appointment {
                    slot: *slot,
                    team: team.clone(),
                    status: AppointmentStatus::Booked,
                    booked_at: at,
                    closed_at: None,
                    reason: None,
                });
            }
            CompleteVisit => {
                let a = self.appointment.as_mut().expect("legal");
                a.status = AppointmentStatus::Done;
                a.closed_at = Some(at);
            }
            CancelVisit { reason } => {
                nonempty("reason", reason, "why the visit is cancelled")?;
                let a = self.appointment.as_mut().expect("legal");
                a.status = AppointmentStatus::Cancelled;
                a.closed_at = Some(at);
                a.reason = Some(reason.clone());
            }
            RequestTransfer {
                new_owner,
                new_owner_id,
                property_certificate,
            } => {
                nonempty("new_owner", new_owner, "the new owner's name")?;
                if let Err(message) = super::validation::check_id_number(new_owner_id) {
                    return Err(invalid("new_owner_id", message));
                }
                nonempty(
                    "property_certificate",
                    property_certificate,
                    "the property certificate (不动产权证) reference",
                )?;
                self.transfer = Some(Transfer {
                    new_owner: new_owner.clone(),
                    new_owner_id: new_owner_id.clone(),
                    property_certificate: property_certificate.clone(),
                    status: TransferStatus::Requested,
                    requested_at: at,
                    property_registered: None,
                    completed: None,
                });
            }
            RegisterProperty => {
                let t = self.transfer.as_mut().expect("legal");
                t.status = TransferStatus::PropertyRegistered;
                t.property_registered = Some(at);
            }
            CompleteTransfer => {
                let t = self.transfer.as_mut().expect("legal");
                t.status = TransferStatus::Completed;
                t.completed = Some(at);
            }
            RecordEnergizing { live_line } => {
                self.energizing = Some(EnergizingRecord {
                    live_line: *live_line,
                    recorded_at: at,
                });
            }
        }
        Ok(())
    }
}

/// The serde id of a unit enum value.
fn id_of<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        _ => "unknown".into(),
    }
}
