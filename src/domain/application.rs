//! 业扩申请: an application for a new connection, as the customer submits it and as it is kept.

use chrono::{DateTime, FixedOffset, NaiveDate};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::calendar::{Counted, MissingYears};
use super::decision::Decision;
use super::sideflow::SideFlows;
use super::workflow::{ProcessClass, State};

/// 客户类别: the customer class that the rules are written for.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum CustomerClass {
    /// 居民: households.
    Resident,
    /// 小微企业: small and micro businesses.
    SmallMicro,
    /// 企业: other businesses, large and medium included.
    Enterprise,
}

impl CustomerClass {
    pub const ALL: [CustomerClass; 3] = [Self::Resident, Self::SmallMicro, Self::Enterprise];

    /// The contract id (`resident`, `small_micro`, `enterprise`).
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

    pub fn label_zh(self) -> &'static str {
        match self {
            Self::Resident => "居民",
            Self::SmallMicro => "小微企业",
            Self::Enterprise => "企业",
        }
    }
}

/// 园区级别: the level of the industrial park a site lies in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ParkLevel {
    National,
    Provincial,
    Municipal,
}

impl ParkLevel {
    pub fn id(self) -> &'static str {
        match self {
            Self::National => "national",
            Self::Provincial => "provincial",
            Self::Municipal => "municipal",
        }
    }
}

/// 申请类型: what the customer asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RequestKind {
    /// 新装
    New,
    /// 增容
    CapacityIncrease,
    /// 过户
    Transfer,
    /// 临时用电
    Temporary,
}

/// 电压等级 requested.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
pub enum Voltage {
    #[serde(rename = "220V")]
    V220,
    #[serde(rename = "380V")]
    V380,
    #[serde(rename = "10kV")]
    Kv10,
    #[serde(rename = "35kV")]
    Kv35,
    #[serde(rename = "110kV")]
    Kv110,
    #[serde(rename = "220kV")]
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

    /// The contract id (`220V`, `380V`, `10kV`, …).
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

    /// 低压: below 1 kV, requested in kW.
    pub fn is_low(self) -> bool {
        matches!(self, Self::V220 | Self::V380)
    }
}

/// 客户: who applies.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Customer {
    /// The name on the ID card or business licence.
    pub name: String,
    pub class: CustomerClass,
    /// 身份证号 (18 characters) or 统一社会信用代码 (18 characters).
    pub id_number: String,
    /// An 11-digit mobile number (13800000000) or a landline with its area code (0537-2345678).
    pub phone: String,
    /// 客户服务星级, 0..=5.
    #[serde(default)]
    #[schemars(range(max = 5))]
    pub star_rating: u8,
}

/// 用电地址: where the connection is wanted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Site {
    /// 区县, e.g. 任城区.
    pub county: String,
    /// The full address where the connection is wanted.
    pub address: String,
    /// 农村: a rural site (Jining's 160 kW holds in town and country alike).
    #[serde(default)]
    pub rural: bool,
    /// 园区: the industrial park the site lies in, if any (with `park_level`).
    #[serde(default)]
    pub park_name: Option<String>,
    /// The park's level (with `park_name`).
    #[serde(default)]
    pub park_level: Option<ParkLevel>,
    /// 纳入省级新旧动能转换项目库.
    #[serde(default)]
    pub kinetic_library: bool,
}

/// 用电需求: what is requested.
///
/// `permanent` left out of the JSON is derived from `kind` (a `temporary` request is never
/// permanent); a `temporary` request that says `permanent: true` is kept as written, so that
/// validation refuses the contradiction naming `request.permanent`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(from = "RequestJson")]
pub struct Request {
    pub kind: RequestKind,
    pub voltage: Voltage,
    /// Low-voltage requests, in kW.
    #[serde(default)]
    pub capacity_kw: Option<f64>,
    /// High-voltage requests: transformer capacity in kVA.
    #[serde(default)]
    pub capacity_kva: Option<f64>,
    /// 永久用电 (false: temporary use).
    pub permanent: bool,
    /// 具备直接装表条件.
    #[serde(default)]
    pub direct_meter: bool,
    /// 仅需简单架设表前线.
    #[serde(default)]
    pub simple_line: bool,
    /// The date the customer needs supporting grid works (配套电网工程) done by.
    #[serde(default)]
    pub grid_project_need_date: Option<NaiveDate>,
    /// 重要电力用户 (hospitals, mines, hazardous chemicals, …): keeps the full high-voltage process.
    #[serde(default, skip_serializing_if = "is_false")]
    pub important: bool,
    /// 双电源: two supply sources (the standard plan reply has its own, longer limit).
    #[serde(default, skip_serializing_if = "is_false")]
    pub dual_supply: bool,
    /// 增容: the capacity already connected, in kW (low voltage); required for a capacity increase.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub existing_capacity_kw: Option<f64>,
    /// 增容: the transformer capacity already connected, in kVA (high voltage).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub existing_capacity_kva: Option<f64>,
}

impl Request {
    /// The capacity the thresholds apply to: existing + requested for a capacity increase
    /// (增容), in kW. None when the request has no kW capacity.
    pub fn total_kw(&self) -> Option<f64> {
        self.capacity_kw
            .map(|kw| kw + self.existing_capacity_kw.unwrap_or(0.0))
    }

    /// The same in kVA.
    pub fn total_kva(&self) -> Option<f64> {
        self.capacity_kva
            .map(|kva| kva + self.existing_capacity_kva.unwrap_or(0.0))
    }
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// [`Request`] as JSON has it: `permanent` may be left out and is then derived from `kind`.
/// Its doc comments are the field descriptions of the Application JSON Schema (docs/schema/).
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct RequestJson {
    /// 申请类型: new, capacity_increase (增容), transfer (过户), temporary (临时用电).
    kind: RequestKind,
    /// 电压等级: 220V and 380V are low voltage (sized in kW), the others high voltage (kVA).
    voltage: Voltage,
    /// Low-voltage requests, in kW (0 < kW ≤ 10,000; 220V up to 16 kW).
    #[serde(default)]
    capacity_kw: Option<f64>,
    /// High-voltage requests: transformer capacity in kVA (0 < kVA ≤ 1,000,000).
    #[serde(default)]
    capacity_kva: Option<f64>,
    /// 永久用电. Left out: derived from `kind` (false for temporary, else true); temporary with
    /// true is refused.
    #[serde(default)]
    permanent: Option<bool>,
    /// 具备直接装表条件: a meter can be installed directly.
    #[serde(default)]
    direct_meter: bool,
    /// 仅需简单架设表前线: only a simple pre-meter line is needed (not with direct_meter).
    #[serde(default)]
    simple_line: bool,
    /// The date the customer needs supporting grid works (配套电网工程) done by.
    #[serde(default)]
    grid_project_need_date: Option<NaiveDate>,
    /// 重要电力用户 (hospitals, mines, hazardous chemicals, …): keeps the full high-voltage process.
    #[serde(default)]
    important: bool,
    /// 双电源: two supply sources (the standard plan reply has its own, longer limit).
    #[serde(default)]
    dual_supply: bool,
    /// 增容: the capacity already connected, in kW; required for a low-voltage capacity increase.
    #[serde(default)]
    existing_capacity_kw: Option<f64>,
    /// 增容: the transformer capacity already connected, in kVA; required for a high-voltage
    /// capacity increase.
    #[serde(default)]
    existing_capacity_kva: Option<f64>,
}

impl From<RequestJson> for Request {
    fn from(r: RequestJson) -> Self {
        Request {
            kind: r.kind,
            voltage: r.voltage,
            capacity_kw: r.capacity_kw,
            capacity_kva: r.capacity_kva,
            permanent: r.permanent.unwrap_or(r.kind != RequestKind::Temporary),
            direct_meter: r.direct_meter,
            simple_line: r.simple_line,
            grid_project_need_date: r.grid_project_need_date,
            important: r.important,
            dual_supply: r.dual_supply,
            existing_capacity_kw: r.existing_capacity_kw,
            existing_capacity_kva: r.existing_capacity_kva,
        }
    }
}

/// 电子证照: a certificate fetched electronically instead of on paper (零证办电).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Attachment {
    pub kind: AttachmentKind,
    /// Where the certificate was fetched from (e.g. the government data-sharing platform's reference).
    pub reference: String,
    /// sha256 of the fetched document, hex.
    pub sha256: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum AttachmentKind {
    /// 身份证
    IdCard,
    /// 营业执照
    BusinessLicence,
    /// 不动产权证
    PropertyCertificate,
}

/// The customer's own choice of firms (三指定 ban: the utility never designates them).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ChosenFirms {
    #[serde(default)]
    pub design: Option<String>,
    #[serde(default)]
    pub construction: Option<String>,
    #[serde(default)]
    pub equipment_supplier: Option<String>,
}

/// 申请表: the input of `app new --json` and `evaluate --json` (docs/contracts.md).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplicationForm {
    pub customer: Customer,
    pub site: Site,
    pub request: Request,
    /// 受理时间: when the application was received (RFC 3339 with its offset).
    pub received_at: DateTime<FixedOffset>,
    /// 零证办电: certificates fetched electronically.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<Attachment>,
    /// The firms the customer chose itself.
    #[serde(default, skip_serializing_if = "is_default")]
    pub chosen_firms: ChosenFirms,
}

fn is_default<T: Default + PartialEq>(t: &T) -> bool {
    *t == T::default()
}

/// An application's id, e.g. `JN-2026-000123`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct AppId(pub String);

impl AppId {
    /// The prefix of every id the store gives.
    pub const PREFIX: &'static str = "JN";
    /// The largest number an id of one year may carry: the store's id counter never passes it,
    /// so an imported id above it (one that would wrap the counter) is refused.
    pub const MAX_NUMBER: u64 = 999_999_999;

    /// The id the store gives as number `n` of `year`: `JN-YYYY-NNNNNN` (at least six digits).
    pub fn new(year: i32, n: u64) -> AppId {
        AppId(format!("{}-{year}-{n:06}", Self::PREFIX))
    }

    /// The year and number of an id in the store's format (`JN-YYYY-NNNNNN`, the number from 1 to
    /// [`AppId::MAX_NUMBER`], written as [`AppId::new`] writes it); else what is wrong with it.
    pub fn parse(&self) -> Result<(i32, u64), String> {
        let wrong = |what: &str| {
            format!(
                "{:?} is not an application id of this store: {what} (ids are JN-YYYY-NNNNNN, numbers 1 to {})",
                self.0,
                Self::MAX_NUMBER
            )
        };
        let mut parts = self.0.splitn(3, '-');
        let (Some(prefix), Some(year), Some(number)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(wrong("it does not have three parts"));
        };
        if prefix != Self::PREFIX {
            return Err(wrong("it does not start with JN-"));
        }
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if year.len() != 4 || !digits(year) {
            return Err(wrong("the year is not four digits"));
        }
        if !digits(number) || number.len() > 12 {
            return Err(wrong("the number is not a number of at most 12 digits"));
        }
        let year: i32 = year.parse().expect("four digits");
        let n: u64 = number.parse().expect("at most 12 digits");
        if n == 0 || n > Self::MAX_NUMBER {
            return Err(wrong(&format!("number {n} is out of range")));
        }
        if AppId::new(year, n) != *self {
            return Err(wrong(
                "the number is not written with six digits or more and no extra zeros",
            ));
        }
        Ok((year, n))
    }
}

/// A record read field by field (serde's `flatten` buffers every field first, several times
/// slower): the application's id, the form's fields as they sit in its JSON, and `$rest` fields.
macro_rules! form_record {
    ($name:ident, $rest:ident { $($(#[$m:meta])* $field:ident: $ty:ty,)* }) => {
        #[derive(Deserialize)]
        struct $name {
            id: AppId,
            customer: Customer,
            site: Site,
            request: Request,
            received_at: DateTime<FixedOffset>,
            #[serde(default)]
            attachments: Vec<Attachment>,
            #[serde(default)]
            chosen_firms: ChosenFirms,
            $($(#[$m])* $field: $ty,)*
        }

        struct $rest {
            $($field: $ty,)*
        }

        impl $name {
            fn split(self) -> (AppId, ApplicationForm, $rest) {
                let form = ApplicationForm {
                    customer: self.customer,
                    site: self.site,
                    request: self.request,
                    received_at: self.received_at,
                    attachments: self.attachments,
                    chosen_firms: self.chosen_firms,
                };
                (self.id, form, $rest { $($field: self.$field,)* })
            }
        }
    };
}

form_record!(ApplicationRecord, ApplicationRest {
    status: State,
    process: ProcessClass,
    decision: Option<Decision>,
    deadline: Option<NaiveDate>,
    #[serde(default)]
    deadline_provisional: bool,
    #[serde(default)]
    missing_calendar_years: MissingYears,
    #[serde(default)]
    side_flows: SideFlows,
    updated_at: DateTime<FixedOffset>,
});

form_record!(FormRecord, NoRest {});

impl From<ApplicationRecord> for Application {
    fn from(r: ApplicationRecord) -> Self {
        let (id, form, rest) = r.split();
        Application {
            id,
            form,
            status: rest.status,
            process: rest.process,
            decision: rest.decision,
            deadline: rest.deadline,
            deadline_provisional: rest.deadline_provisional,
            missing_calendar_years: rest.missing_calendar_years,
            side_flows: rest.side_flows,
            updated_at: rest.updated_at,
        }
    }
}

/// An application's id and form only, read from the JSON of an [`Application`] while skipping
/// the rest (what re-deciding stored applications needs).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(from = "FormRecord")]
pub struct StoredForm {
    pub id: AppId,
    pub form: ApplicationForm,
}

impl From<FormRecord> for StoredForm {
    fn from(r: FormRecord) -> Self {
        let (id, form, NoRest {}) = r.split();
        StoredForm { id, form }
    }
}

impl std::fmt::Display for AppId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// 业扩申请 as kept by powerdesk: the form, where it stands, and the decision taken for it.
/// In JSON the form's fields sit beside the others; it is read through [`ApplicationRecord`]
/// (serde's `flatten` buffers every field before reading the form, several times slower).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(from = "ApplicationRecord")]
pub struct Application {
    pub id: AppId,
    #[serde(flatten)]
    pub form: ApplicationForm,
    pub status: State,
    pub process: ProcessClass,
    /// The decision of the bundle active when the application was accepted.
    pub decision: Option<Decision>,
    /// When the current step's grid-side limit runs out (None while the grid's clock is stopped
    /// or no limit applies).
    pub deadline: Option<NaiveDate>,
    /// The deadline was counted over a day of a year whose official calendar is not loaded
    /// (counted on the provisional calendar; recounted once that year's notice is loaded).
    #[serde(default)]
    pub deadline_provisional: bool,
    /// Those years, ascending (empty when the deadline is official or there is none).
    #[serde(default)]
    pub missing_calendar_years: MissingYears,
    #[serde(default)]
    pub side_flows: SideFlows,
    /// Time of the last event.
    pub updated_at: DateTime<FixedOffset>,
}

impl Application {
    /// Set the deadline and whether it is provisional, together.
    pub fn set_deadline(&mut self, deadline: Option<Counted<NaiveDate>>) {
        match deadline {
            Some(d) => {
                self.deadline = Some(d.value);
                self.deadline_provisional = d.is_provisional();
                self.missing_calendar_years = d.missing;
            }
            None => {
                self.deadline = None;
                self.deadline_provisional = false;
                self.missing_calendar_years = MissingYears::default();
            }
        }
    }
}
