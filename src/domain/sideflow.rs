//! 辅助流程: side flows linked to an application, each a small state machine.
//!
//! Supporting grid project (配套电网工程), commitment filing (承诺备案), cloud acceptance (云验收),
//! joint application (水电气暖讯联合报装), appointments (预约上门), transfer with the property
//! (房产+用电联合过户). The service calls [`SideFlows::apply`] with a [`SideFlowAction`] and records
//! `EventKind::SideFlow { flow: action.flow_id(), action: action.action_id() }`.

use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::{Deserialize, Serialize};

use super::application::ApplicationForm;
use super::calendar::china_date;
use super::validation::is_sha256_hex;

mod records;
pub use records::*;

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

/// 辅助流程操作: every action on a side flow.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum SideFlowAction {
    /// grid_project/sign_contract: the works are contracted to the customer's need date, which is
    /// the application's (`request.grid_project_need_date`) when it has one.
    SignGridContract {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        need_date: Option<NaiveDate>,
    },
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

    /// The action as taken on an application with `form`: a grid contract takes the
    /// application's need date (配套电网工程 works to the need the customer stated); a different
    /// date is refused, naming both.
    pub fn for_application(self, form: &ApplicationForm) -> Result<Self, SideFlowError> {
        let stated = form.request.grid_project_need_date;
        match self {
            Self::SignGridContract { need_date } => match (need_date, stated) {
                (Some(given), Some(stated)) if given != stated => Err(SideFlowError::Invalid {
                    flow: "grid_project",
                    action: "sign_contract",
                    field: "need_date",
                    message: format!("is {given}, but the application states {stated} (request.grid_project_need_date); the contract takes the application's date: leave need_date out"),
                }),
                (given, stated) => Ok(Self::SignGridContract {
                    need_date: given.or(stated),
                }),
            },
            other => Ok(other),
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
                let Some(need_date) = need_date else {
                    return Err(invalid(
                        "need_date",
                        "is missing and the application states none; enter the date the customer needs the works done by".into(),
                    ));
                };
                if *need_date < china_date(at) {
                    return Err(invalid(
                        "need_date",
                        format!("is {need_date}, before the contract date {}; enter the date the customer needs the works done by", china_date(at)),
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
                if slot.date < china_date(at) {
                    return Err(invalid(
                        "slot",
                        format!(
                            "is on {}, before the booking ({}); choose a date from today on",
                            slot.date,
                            china_date(at)
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

/// What energizing now would leave open, each as (Chinese, English): a grid project not yet
/// finished (with its need date), a booked visit not yet made, a transfer not completed. The
/// console asks with these before energizing; none of them stops it.
pub fn open_at_energizing(flows: &SideFlows) -> Vec<(String, String)> {
    let mut out = Vec::new();
    if let Some(g) = flows
        .grid_project
        .as_ref()
        .filter(|g| g.completed.is_none())
    {
        out.push((
            format!("配套电网工程尚未竣工（需求日期 {}）", g.need_date),
            format!(
                "the grid project is not finished (needed by {})",
                g.need_date
            ),
        ));
    }
    if let Some(a) = flows
        .appointment
        .as_ref()
        .filter(|a| a.status == AppointmentStatus::Booked)
    {
        out.push((
            format!("预约上门（{}）尚未完成", a.slot.date),
            format!("the visit booked for {} is not done", a.slot.date),
        ));
    }
    if flows
        .transfer
        .as_ref()
        .is_some_and(|t| t.status != TransferStatus::Completed)
    {
        out.push((
            "联合过户尚未完成".to_string(),
            "the transfer is not completed".to_string(),
        ));
    }
    out
}
