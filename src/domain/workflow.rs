//! 流程: the workflow of each process class as an explicit state machine.

use serde::{Deserialize, Serialize};

use super::decision::AccessClass;

/// 流程类别: which process an application follows; fixed by the decision's access class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProcessClass {
    /// 低压: accepted → (line_built) → energized → archived.
    LowVoltage,
    /// 10 kV 普通客户 (any capacity, not important): accepted → plan_replied →
    /// completion_reported → energized → archived.
    HvOrdinary,
    /// Standard high voltage (35 kV and up, important 10 kV customers): plan reply, design
    /// submitted → reviewed, mid inspection requested → done, completion inspection, energize.
    HvStandard,
}

impl ProcessClass {
    pub const ALL: [ProcessClass; 3] = [Self::LowVoltage, Self::HvOrdinary, Self::HvStandard];

    pub fn id(self) -> &'static str {
        match self {
            Self::LowVoltage => "low_voltage",
            Self::HvOrdinary => "hv_ordinary",
            Self::HvStandard => "hv_standard",
        }
    }

    pub fn from_id(id: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.id() == id)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Self::LowVoltage => "低压",
            Self::HvOrdinary => "10千伏普通",
            Self::HvStandard => "高压标准",
        }
    }
}

impl From<AccessClass> for ProcessClass {
    fn from(a: AccessClass) -> Self {
        match a {
            AccessClass::LowVoltage => Self::LowVoltage,
            AccessClass::HvOrdinary => Self::HvOrdinary,
            AccessClass::HvStandard => Self::HvStandard,
        }
    }
}

/// 环节状态: the workflow states of docs/contracts.md.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// 业务受理
    Accepted,
    /// 表前线架设
    LineBuilt,
    /// 答复供电方案
    PlanReplied,
    /// 设计送审: the customer submitted its design (standard process); the grid's review starts.
    DesignSubmitted,
    /// 设计审查
    DesignReviewed,
    /// 中间检查报验: the customer asked for the mid inspection (standard process).
    MidInspectionRequested,
    /// 中间检查
    MidInspected,
    /// 竣工报验
    CompletionReported,
    /// 竣工检验
    CompletionInspected,
    /// 装表接电 / 验收送电
    Energized,
    /// 归档
    Archived,
    /// 撤销
    Cancelled,
}

impl State {
    pub const ALL: [State; 12] = [
        Self::Accepted,
        Self::LineBuilt,
        Self::PlanReplied,
        Self::DesignSubmitted,
        Self::DesignReviewed,
        Self::MidInspectionRequested,
        Self::MidInspected,
        Self::CompletionReported,
        Self::CompletionInspected,
        Self::Energized,
        Self::Archived,
        Self::Cancelled,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Self::Accepted => "accepted",
            Self::LineBuilt => "line_built",
            Self::PlanReplied => "plan_replied",
            Self::DesignSubmitted => "design_submitted",
            Self::DesignReviewed => "design_reviewed",
            Self::MidInspectionRequested => "mid_inspection_requested",
            Self::MidInspected => "mid_inspected",
            Self::CompletionReported => "completion_reported",
            Self::CompletionInspected => "completion_inspected",
            Self::Energized => "energized",
            Self::Archived => "archived",
            Self::Cancelled => "cancelled",
        }
    }

    pub fn from_id(id: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.id() == id)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Self::Accepted => "已受理",
            Self::LineBuilt => "表前线已架设",
            Self::PlanReplied => "已答复方案",
            Self::DesignSubmitted => "设计已送审",
            Self::DesignReviewed => "设计已审查",
            Self::MidInspectionRequested => "中间检查已报验",
            Self::MidInspected => "中间检查完成",
            Self::CompletionReported => "已竣工报验",
            Self::CompletionInspected => "竣工检验完成",
            Self::Energized => "已送电",
            Self::Archived => "已归档",
            Self::Cancelled => "已撤销",
        }
    }

    /// No further move is possible.
    pub fn is_terminal(self) -> bool {
        matches!(self, Self::Archived | Self::Cancelled)
    }
}

/// Whose clock runs while an application waits in a state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClockOwner {
    /// The grid must act: its working-day clock runs.
    Grid,
    /// The customer builds its works (受电工程): the grid's clock stops.
    Customer,
    /// Finished or cancelled: no clock runs.
    Stopped,
}

/// The states an application of `process` may move to from `from` (cancel included where legal).
pub fn next_states(process: ProcessClass, from: State) -> Vec<State> {
    use State::*;
    let forward: &[State] = match (process, from) {
        (ProcessClass::LowVoltage, Accepted) => &[LineBuilt, Energized],
        (ProcessClass::LowVoltage, LineBuilt) => &[Energized],
        (ProcessClass::HvOrdinary, Accepted) => &[PlanReplied],
        (ProcessClass::HvOrdinary, PlanReplied) => &[CompletionReported],
        (ProcessClass::HvOrdinary, CompletionReported) => &[Energized],
        (ProcessClass::HvStandard, Accepted) => &[PlanReplied],
        (ProcessClass::HvStandard, PlanReplied) => &[DesignSubmitted],
        (ProcessClass::HvStandard, DesignSubmitted) => &[DesignReviewed],
        (ProcessClass::HvStandard, DesignReviewed) => &[MidInspectionRequested],
        (ProcessClass::HvStandard, MidInspectionRequested) => &[MidInspected],
        (ProcessClass::HvStandard, MidInspected) => &[CompletionReported],
        (ProcessClass::HvStandard, CompletionReported) => &[CompletionInspected],
        (ProcessClass::HvStandard, CompletionInspected) => &[Energized],
        (_, Energized) => &[Archived],
        _ => &[],
    };
    let mut next = forward.to_vec();
    if !from.is_terminal() && from != Energized {
        next.push(Cancelled);
    }
    next
}

/// Refused move: says which moves are legal.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot move a {process} application from {from} to {to}; legal next states: {legal}", process = .process.id(), from = .from.id(), to = .to.id(), legal = legal_list(.legal))]
pub struct IllegalTransition {
    pub process: ProcessClass,
    pub from: State,
    pub to: State,
    pub legal: Vec<State>,
}

fn legal_list(states: &[State]) -> String {
    if states.is_empty() {
        "none (the application is closed)".into()
    } else {
        states.iter().map(|s| s.id()).collect::<Vec<_>>().join(", ")
    }
}

/// Check a move; `Ok` only for legal transitions.
pub fn check_transition(
    process: ProcessClass,
    from: State,
    to: State,
) -> Result<(), IllegalTransition> {
    let legal = next_states(process, from);
    if legal.contains(&to) {
        Ok(())
    } else {
        Err(IllegalTransition {
            process,
            from,
            to,
            legal,
        })
    }
}

/// Whose clock runs in a state.
pub fn clock_owner(process: ProcessClass, state: State) -> ClockOwner {
    use State::*;
    match (process, state) {
        (_, Energized | Archived | Cancelled) => ClockOwner::Stopped,
        (ProcessClass::LowVoltage, _) => ClockOwner::Grid,
        // The grid acts on what the customer handed over: the application, its design, its
        // request for the mid inspection, its completed works.
        (
            _,
            Accepted
            | DesignSubmitted
            | MidInspectionRequested
            | CompletionReported
            | CompletionInspected,
        ) => ClockOwner::Grid,
        // The customer designs and builds: the grid's clock stops.
        (_, PlanReplied | DesignReviewed | MidInspected | LineBuilt) => ClockOwner::Customer,
    }
}

/// The grid step (a decision step id) that an application waits on in a state, if any.
pub fn pending_step(process: ProcessClass, state: State) -> Option<&'static str> {
    use State::*;
    match (process, state) {
        (ProcessClass::LowVoltage, Accepted | LineBuilt) => Some("energize"),
        (ProcessClass::HvOrdinary | ProcessClass::HvStandard, Accepted) => Some("reply_plan"),
        (ProcessClass::HvStandard, DesignSubmitted) => Some("design_review"),
        (ProcessClass::HvStandard, MidInspectionRequested) => Some("mid_inspection"),
        (ProcessClass::HvOrdinary, CompletionReported) => Some("energize"),
        (ProcessClass::HvStandard, CompletionReported) => Some("completion_inspection"),
        (ProcessClass::HvStandard, CompletionInspected) => Some("energize"),
        _ => None,
    }
}
