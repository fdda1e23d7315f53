//! Plain Rust mirrors of the WIT records (`plugins/wit/powerdesk-policy.wit`).

use crate::params::Params;

/// 客户类别: the customer class the rules are written for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CustomerClass {
    /// 居民
    Resident,
    /// 小微企业
    SmallMicro,
    /// 企业 (other businesses)
    Enterprise,
}

impl CustomerClass {
    pub const ALL: [CustomerClass; 3] = [Self::Resident, Self::SmallMicro, Self::Enterprise];

    /// The contract id (`resident`, `small_micro`, `enterprise`), as used in parameters.
    pub fn id(self) -> &'static str {
        match self {
            Self::Resident => "resident",
            Self::SmallMicro => "small_micro",
            Self::Enterprise => "enterprise",
        }
    }

    pub fn from_id(id: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.id() == id)
    }
}

/// 园区级别
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ParkLevel {
    National,
    Provincial,
    Municipal,
}

impl ParkLevel {
    pub const ALL: [ParkLevel; 3] = [Self::National, Self::Provincial, Self::Municipal];

    /// The contract id (`national`, `provincial`, `municipal`).
    pub fn id(self) -> &'static str {
        match self {
            Self::National => "national",
            Self::Provincial => "provincial",
            Self::Municipal => "municipal",
        }
    }

    pub fn from_id(id: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.id() == id)
    }
}

/// 申请类型
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RequestKind {
    New,
    CapacityIncrease,
    Transfer,
    Temporary,
}

/// 电压等级
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Voltage {
    V220,
    V380,
    Kv10,
    Kv35,
    Kv110,
    Kv220,
}

impl Voltage {
    pub const ALL: [Voltage; 6] = [
        Self::V220,
        Self::V380,
        Self::Kv10,
        Self::Kv35,
        Self::Kv110,
        Self::Kv220,
    ];

    /// The contract id (`220V`, `380V`, `10kV`, `35kV`, `110kV`, `220kV`), as used in parameters.
    pub fn id(self) -> &'static str {
        match self {
            Self::V220 => "220V",
            Self::V380 => "380V",
            Self::Kv10 => "10kV",
            Self::Kv35 => "35kV",
            Self::Kv110 => "110kV",
            Self::Kv220 => "220kV",
        }
    }

    pub fn from_id(id: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.id() == id)
    }

    /// 低压: below 1 kV.
    pub fn is_low(self) -> bool {
        matches!(self, Self::V220 | Self::V380)
    }
}

/// A calendar date (the evaluation date and dates in parameters, `YYYY-MM-DD`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Date {
    pub year: i32,
    pub month: u8,
    pub day: u8,
}

impl Date {
    pub fn new(year: i32, month: u8, day: u8) -> Date {
        Date { year, month, day }
    }

    /// Parse `YYYY-MM-DD`.
    pub fn parse(s: &str) -> Option<Date> {
        let mut it = s.splitn(3, '-');
        let (y, m, d) = (it.next()?, it.next()?, it.next()?);
        if y.len() != 4 || m.len() != 2 || d.len() != 2 {
            return None;
        }
        let date = Date {
            year: y.parse().ok()?,
            month: m.parse().ok()?,
            day: d.parse().ok()?,
        };
        let leap = (date.year % 4 == 0 && date.year % 100 != 0) || date.year % 400 == 0;
        let days = match date.month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => return None,
        };
        (1..=days).contains(&date.day).then_some(date)
    }
}

impl core::fmt::Display for Date {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// 客户: what a rule knows of the customer.
#[derive(Debug, Clone, PartialEq)]
pub struct Customer {
    pub class: CustomerClass,
    /// 客户服务星级, 0..=5.
    pub star_rating: u8,
}

/// 用电地址
#[derive(Debug, Clone, PartialEq)]
pub struct Site {
    pub county: String,
    pub rural: bool,
    pub park_name: Option<String>,
    pub park_level: Option<ParkLevel>,
    /// 纳入省级新旧动能转换项目库.
    pub kinetic_library: bool,
}

/// 用电需求
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub kind: RequestKind,
    pub voltage: Voltage,
    pub capacity_kw: Option<f64>,
    pub capacity_kva: Option<f64>,
    /// 永久用电 (false: temporary use).
    pub permanent: bool,
    /// 具备直接装表条件.
    pub direct_meter: bool,
    /// 仅需简单架设表前线.
    pub simple_line: bool,
    pub grid_project_need_date: Option<Date>,
    /// 重要电力用户 (hospitals, mines, hazardous chemicals, …).
    pub important: bool,
    /// 双电源: two supply sources.
    pub dual_supply: bool,
    /// 增容: the capacity already connected, in kW.
    pub existing_capacity_kw: Option<f64>,
    /// 增容: the transformer capacity already connected, in kVA.
    pub existing_capacity_kva: Option<f64>,
}

impl Request {
    /// The capacity the thresholds apply to, in kW: requested + existing (增容), for a request
    /// made in kW (low voltage). The existing capacity is given in the request's unit.
    pub fn total_kw(&self) -> Result<f64, RuleError> {
        let requested = self.capacity_kw.ok_or_else(|| {
            RuleError::Unsupported(format!("a {} request needs capacity_kw", self.voltage.id()))
        })?;
        match (self.existing_capacity_kw, self.existing_capacity_kva) {
            (Some(kw), _) => Ok(requested + kw),
            (None, None) => Ok(requested),
            (None, Some(_)) => Err(RuleError::Unsupported(
                "a capacity increase requested in kW needs existing_capacity_kw, not existing_capacity_kva".into(),
            )),
        }
    }

    /// The capacity the thresholds apply to, in kVA: requested + existing (增容); a request made
    /// in kW is converted by `power_factor` (kVA = kW / power factor).
    pub fn total_kva(&self, power_factor: f64) -> Result<f64, RuleError> {
        if self.capacity_kva.is_none() && self.capacity_kw.is_some() {
            return Ok(self.total_kw()? / power_factor);
        }
        let requested = self.capacity_kva.ok_or_else(|| {
            RuleError::Unsupported("the request gives neither capacity_kw nor capacity_kva".into())
        })?;
        match (self.existing_capacity_kva, self.existing_capacity_kw) {
            (Some(kva), _) => Ok(requested + kva),
            (None, None) => Ok(requested),
            (None, Some(_)) => Err(RuleError::Unsupported(
                "a capacity increase requested in kVA needs existing_capacity_kva, not existing_capacity_kw".into(),
            )),
        }
    }

    /// 永久用电: `permanent`, and never for a request of kind `temporary` (临时用电).
    pub fn is_permanent(&self) -> bool {
        self.permanent && self.kind != RequestKind::Temporary
    }
}

/// 业扩申请, as a rule sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Application {
    pub customer: Customer,
    pub site: Site,
    pub request: Request,
    pub received: Date,
}

/// 接入方式
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AccessClass {
    LowVoltage,
    HvOrdinary,
    HvStandard,
}

/// 三零 / 三省
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Program {
    ThreeZero,
    ThreeSave,
}

/// 投资界面
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InvestmentBoundary {
    Meter,
    PlanningRedLine,
    PropertyBoundary,
}

/// Who pays the external line (电力外线).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LinePayer {
    Utility,
    CountyGovernment,
    Customer,
}

/// 电网环节: a grid-side step a decision limits (the step ids of docs/contracts.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Step {
    /// 答复供电方案
    ReplyPlan,
    /// 外线工程完成
    LineBuilt,
    /// 设计审查
    DesignReview,
    /// 中间检查
    MidInspection,
    /// 竣工检验
    CompletionInspection,
    /// 装表接电
    Energize,
}

impl Step {
    pub const ALL: [Step; 6] = [
        Self::ReplyPlan,
        Self::LineBuilt,
        Self::DesignReview,
        Self::MidInspection,
        Self::CompletionInspection,
        Self::Energize,
    ];

    /// The contract id (`reply_plan`, `line_built`, `design_review`, `mid_inspection`,
    /// `completion_inspection`, `energize`).
    pub fn id(self) -> &'static str {
        match self {
            Self::ReplyPlan => "reply_plan",
            Self::LineBuilt => "line_built",
            Self::DesignReview => "design_review",
            Self::MidInspection => "mid_inspection",
            Self::CompletionInspection => "completion_inspection",
            Self::Energize => "energize",
        }
    }

    pub fn from_id(id: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.id() == id)
    }
}

/// The workflow event a step's limit counts from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Event {
    /// 受理
    Accepted,
    /// 方案已答复
    PlanReplied,
    /// 设计送审: the customer submitted its design.
    DesignSubmitted,
    /// 设计已审查
    DesignReviewed,
    /// 中间检查报验: the customer asked for the mid inspection.
    MidInspectionRequested,
    /// 报竣工
    CompletionReported,
    /// 竣工已检验
    CompletionInspected,
}

impl Event {
    pub const ALL: [Event; 7] = [
        Self::Accepted,
        Self::PlanReplied,
        Self::DesignSubmitted,
        Self::DesignReviewed,
        Self::MidInspectionRequested,
        Self::CompletionReported,
        Self::CompletionInspected,
    ];

    /// The contract id, a workflow state (`accepted`, `plan_replied`, `design_submitted`,
    /// `design_reviewed`, `mid_inspection_requested`, `completion_reported`,
    /// `completion_inspected`).
    pub fn id(self) -> &'static str {
        match self {
            Self::Accepted => "accepted",
            Self::PlanReplied => "plan_replied",
            Self::DesignSubmitted => "design_submitted",
            Self::DesignReviewed => "design_reviewed",
            Self::MidInspectionRequested => "mid_inspection_requested",
            Self::CompletionReported => "completion_reported",
            Self::CompletionInspected => "completion_inspected",
        }
    }

    pub fn from_id(id: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|e| e.id() == id)
    }
}

/// A grid-side step and its limit in working days, counted from the event `from`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StepLimit {
    pub step: Step,
    pub limit_working_days: u32,
    pub from: Event,
}

/// 决策 as drafted so far; `None` means no module has decided that part yet.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Decision {
    pub access_class: Option<AccessClass>,
    pub access_voltage: Option<Voltage>,
    pub programs: Vec<Program>,
    pub investment_boundary: Option<InvestmentBoundary>,
    pub external_line_payer: Option<LinePayer>,
    pub steps: Vec<StepLimit>,
    pub grid_total_limit_working_days: Option<u32>,
    pub tariff_cut_yuan_per_kwh: Option<f64>,
    pub free_efficiency_service: Option<bool>,
    /// Ids of the rules that shaped the decision so far (each must be one the module's
    /// `describe()` lists).
    pub rules: Vec<&'static str>,
}

impl Decision {
    /// Record that rule `id` shaped the decision (once).
    pub fn apply(&mut self, id: &'static str) {
        if !self.rules.contains(&id) {
            self.rules.push(id);
        }
    }

    /// Set the limit of `step`, counted from `from` (replacing an earlier one).
    pub fn set_step(&mut self, step: Step, limit_working_days: u32, from: Event) {
        let limit = StepLimit {
            step,
            limit_working_days,
            from,
        };
        match self.steps.iter_mut().find(|s| s.step == step) {
            Some(s) => *s = limit,
            None => self.steps.push(limit),
        }
    }

    /// Add a program (once).
    pub fn add_program(&mut self, p: Program) {
        if !self.programs.contains(&p) {
            self.programs.push(p);
        }
    }

    /// The access class, or an error saying an earlier module must decide it first.
    pub fn require_access(&self) -> Result<(AccessClass, Voltage), RuleError> {
        match (self.access_class, self.access_voltage) {
            (Some(c), Some(v)) => Ok((c, v)),
            _ => Err(RuleError::Unsupported(
                "the access class is not decided yet: run an access module (e.g. jn-access) before this one".into(),
            )),
        }
    }
}

/// One evaluation: the application, the bundle's parameters, the date and the draft so far.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    pub application: Application,
    pub params: Params,
    pub evaluation_date: Date,
    pub draft: Decision,
}

/// A rule a module implements.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleInfo {
    pub id: String,
    pub text: String,
}

/// What a module says about itself.
#[derive(Debug, Clone, PartialEq)]
pub struct ModuleInfo {
    pub name: String,
    pub version: String,
    /// The contract version built against (the SDK's [`crate::CONTRACT_VERSION`]).
    pub contract: String,
    pub rules: Vec<RuleInfo>,
    /// The parameters it reads.
    pub params: Vec<crate::ParamInfo>,
    /// The aspects its part may set.
    pub decides: Vec<crate::Aspect>,
    /// The aspects it reads from the draft of the modules before it.
    pub reads: Vec<crate::Aspect>,
}

impl ModuleInfo {
    pub fn new(name: &str, version: &str) -> ModuleInfo {
        ModuleInfo {
            name: name.into(),
            version: version.into(),
            contract: crate::CONTRACT_VERSION.into(),
            rules: Vec::new(),
            params: Vec::new(),
            decides: Vec::new(),
            reads: Vec::new(),
        }
    }

    /// Declare a parameter the module reads (see [`crate::ParamInfo`]).
    pub fn param(mut self, p: crate::ParamInfo) -> ModuleInfo {
        if !crate::declare::rules_only() {
            self.params.push(p);
        }
        self
    }

    /// Declare parameters (e.g. a shared block's: [`crate::cost_params`]); one already declared
    /// is not declared twice.
    pub fn params(mut self, ps: impl IntoIterator<Item = crate::ParamInfo>) -> ModuleInfo {
        if crate::declare::rules_only() {
            return self;
        }
        for p in ps {
            if !self.params.iter().any(|q| q.name == p.name) {
                self.params.push(p);
            }
        }
        self
    }

    /// Declare the aspects the module's part may set.
    pub fn decides(mut self, aspects: &[crate::Aspect]) -> ModuleInfo {
        if crate::declare::rules_only() {
            return self;
        }
        self.decides.extend_from_slice(aspects);
        self
    }

    /// Declare the aspects the module reads from the modules before it.
    pub fn reads(mut self, aspects: &[crate::Aspect]) -> ModuleInfo {
        if crate::declare::rules_only() {
            return self;
        }
        self.reads.extend_from_slice(aspects);
        self
    }

    /// Add a rule (id and text; the text may name parameters in braces, `{lv_max_kw}`).
    pub fn rule(mut self, id: &str, text: &str) -> ModuleInfo {
        let text = if crate::declare::rules_only() {
            String::new()
        } else {
            text.into()
        };
        self.rules.push(RuleInfo {
            id: id.into(),
            text,
        });
        self
    }
}

/// Why a module could not decide.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RuleError {
    /// A parameter is missing or of the wrong type: its name and what was expected.
    BadParameter(String),
    /// The module cannot decide this application.
    Unsupported(String),
    Internal(String),
}

impl core::fmt::Display for RuleError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::BadParameter(m) => write!(f, "bad parameter: {m}"),
            Self::Unsupported(m) => write!(f, "unsupported: {m}"),
            Self::Internal(m) => write!(f, "internal error: {m}"),
        }
    }
}

impl std::error::Error for RuleError {}
