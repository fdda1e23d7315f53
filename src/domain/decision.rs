//! 决策: what a policy bundle decided for an application (the Decision JSON of CONTRACTS.md).

use serde::{Deserialize, Serialize};

use super::application::Voltage;

/// The bundle that produced a decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BundleRef {
    pub region: String,
    pub version: String,
    /// `sha256:<hex>` over the bundle's parameters, calendar and modules.
    pub digest: String,
}

/// 接入方式: how the customer is connected, which fixes the process class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccessClass {
    /// 低压接入
    LowVoltage,
    /// 10 kV ordinary customers within the simplified process (≤1250 kVA in Jining).
    HvOrdinary,
    /// The standard high-voltage process.
    HvStandard,
}

impl AccessClass {
    pub fn id(self) -> &'static str {
        match self {
            Self::LowVoltage => "low_voltage",
            Self::HvOrdinary => "hv_ordinary",
            Self::HvStandard => "hv_standard",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Access {
    pub class: AccessClass,
    pub voltage: Voltage,
}

/// 三零 / 三省.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Program {
    /// 三零: zero visits, zero approvals, zero investment.
    ThreeZero,
    /// 三省: save effort, time, money.
    ThreeSave,
}

impl Program {
    pub fn id(self) -> &'static str {
        match self {
            Self::ThreeZero => "three_zero",
            Self::ThreeSave => "three_save",
        }
    }
    pub fn label_zh(self) -> &'static str {
        match self {
            Self::ThreeZero => "三零",
            Self::ThreeSave => "三省",
        }
    }
}

/// 投资界面: up to where the utility invests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InvestmentBoundary {
    /// 投资至电能表
    Meter,
    /// 投资界面延伸至客户规划红线
    PlanningRedLine,
    /// 产权分界点
    PropertyBoundary,
}

impl InvestmentBoundary {
    pub fn id(self) -> &'static str {
        match self {
            Self::Meter => "meter",
            Self::PlanningRedLine => "planning_red_line",
            Self::PropertyBoundary => "property_boundary",
        }
    }
}

/// Who pays for the external line (电力外线).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinePayer {
    Utility,
    CountyGovernment,
    Customer,
}

impl LinePayer {
    pub fn id(self) -> &'static str {
        match self {
            Self::Utility => "utility",
            Self::CountyGovernment => "county_government",
            Self::Customer => "customer",
        }
    }
}

/// A grid-side step with its limit in working days.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepLimit {
    /// `reply_plan`, `line_built`, `design_review`, `mid_inspection`, `completion_inspection`, `energize`.
    pub id: String,
    pub limit_working_days: u32,
    /// The event the limit counts from (`accepted`, `completion_reported`, …).
    pub from: String,
}

/// The Decision of CONTRACTS.md, stored with each application.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Decision {
    pub bundle: BundleRef,
    pub access: Access,
    pub programs: Vec<Program>,
    pub investment_boundary: InvestmentBoundary,
    pub external_line_payer: LinePayer,
    pub steps: Vec<StepLimit>,
    pub grid_total_limit_working_days: Option<u32>,
    pub tariff_cut_yuan_per_kwh: f64,
    pub free_efficiency_service: bool,
    /// Ids of every rule that shaped the decision (JN-LV-160, …).
    pub rules: Vec<String>,
}

impl Decision {
    /// The limit of a step, if the decision sets one.
    pub fn step(&self, id: &str) -> Option<&StepLimit> {
        self.steps.iter().find(|s| s.id == id)
    }

    pub fn has(&self, program: Program) -> bool {
        self.programs.contains(&program)
    }
}
