//! 决策: what a policy bundle decided for an application (the Decision JSON of docs/contracts.md).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::application::Voltage;

/// The bundle that produced a decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct BundleRef {
    /// The region id, e.g. `jining`.
    pub region: String,
    /// The bundle's version, e.g. `2021.1`.
    pub version: String,
    /// `sha256:<hex>` over the bundle's parameters, calendar and modules.
    pub digest: String,
}

/// 接入方式: how the customer is connected, which fixes the process class.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum AccessClass {
    /// 低压接入
    LowVoltage,
    /// 10 kV ordinary (not important) customers: the two-step process, any capacity.
    HvOrdinary,
    /// The standard high-voltage process (35 kV and up, important 10 kV customers).
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

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Access {
    pub class: AccessClass,
    /// The voltage connected at (a low-voltage request above the threshold may be connected at
    /// 10 kV).
    pub voltage: Voltage,
}

/// 三零 / 三省.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct StepLimit {
    /// `reply_plan`, `line_built`, `design_review`, `mid_inspection`, `completion_inspection`, `energize`.
    pub id: String,
    /// Working days of the grid's clock (0 for a low-voltage energize: the same day).
    pub limit_working_days: u32,
    /// The event the limit counts from (`accepted`, `completion_reported`, …).
    pub from: String,
}

/// The Decision of docs/contracts.md, stored with each application.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Decision {
    pub bundle: BundleRef,
    pub access: Access,
    /// 三零 / 三省, any number.
    pub programs: Vec<Program>,
    pub investment_boundary: InvestmentBoundary,
    pub external_line_payer: LinePayer,
    /// The grid-side steps and their limits.
    pub steps: Vec<StepLimit>,
    /// The grid's whole share in working days (null where no total applies).
    pub grid_total_limit_working_days: Option<u32>,
    /// 降价: the energy price cut at the connected voltage, yuan/kWh (0 where none).
    pub tariff_cut_yuan_per_kwh: f64,
    /// 供电+能效: free energy-efficiency services (3-star+ enterprises in Jining).
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
