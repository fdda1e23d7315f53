//! 申请表单: the new-application form's fields, one per field of the Application JSON, and how
//! they become an [`ApplicationForm`] with field-level messages.

use chrono::{DateTime, FixedOffset, NaiveDate};

use crate::domain::validation::{self, FieldError};
use crate::domain::{
    ApplicationForm, ChosenFirms, Customer, CustomerClass, ParkLevel, Request, RequestKind, Site,
    Voltage,
};

use super::i18n::Lang;
use super::text_input::TextInput;

/// How a field is edited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    Text,
    /// Empty means null.
    OptText,
    /// Cycle with Space / Left / Right among the ids.
    Choice(&'static [&'static str]),
    Bool,
    Number,
    OptNumber,
    OptDate,
    DateTime,
}

/// One field of the form: its JSON path, labels and editor.
#[derive(Debug, Clone, Copy)]
pub struct FieldSpec {
    pub path: &'static str,
    pub zh: &'static str,
    pub en: &'static str,
    pub kind: FieldKind,
}

const CLASSES: &[&str] = &["resident", "small_micro", "enterprise"];
const PARK_LEVELS: &[&str] = &["", "national", "provincial", "municipal"];
const KINDS: &[&str] = &["new", "capacity_increase", "transfer", "temporary"];
const VOLTAGES: &[&str] = &["220V", "380V", "10kV", "35kV", "110kV", "220kV"];

/// Every field of the Application JSON (docs/contracts.md), in the order the form shows them.
pub const FIELDS: &[FieldSpec] = &[
    FieldSpec {
        path: "customer.name",
        zh: "客户名称",
        en: "Customer name",
        kind: FieldKind::Text,
    },
    FieldSpec {
        path: "customer.class",
        zh: "客户类别",
        en: "Customer class",
        kind: FieldKind::Choice(CLASSES),
    },
    FieldSpec {
        path: "customer.id_number",
        zh: "证件号码",
        en: "ID / credit code",
        kind: FieldKind::Text,
    },
    FieldSpec {
        path: "customer.phone",
        zh: "联系电话",
        en: "Phone",
        kind: FieldKind::Text,
    },
    FieldSpec {
        path: "customer.star_rating",
        zh: "服务星级",
        en: "Star rating",
        kind: FieldKind::Number,
    },
    FieldSpec {
        path: "site.county",
        zh: "区县",
        en: "County",
        kind: FieldKind::Text,
    },
    FieldSpec {
        path: "site.address",
        zh: "用电地址",
        en: "Address",
        kind: FieldKind::Text,
    },
    FieldSpec {
        path: "site.rural",
        zh: "农村",
        en: "Rural",
        kind: FieldKind::Bool,
    },
    FieldSpec {
        path: "site.park_name",
        zh: "园区名称",
        en: "Park name",
        kind: FieldKind::OptText,
    },
    FieldSpec {
        path: "site.park_level",
        zh: "园区级别",
        en: "Park level",
        kind: FieldKind::Choice(PARK_LEVELS),
    },
    FieldSpec {
        path: "site.kinetic_library",
        zh: "新旧动能项目库",
        en: "Kinetic library",
        kind: FieldKind::Bool,
    },
    FieldSpec {
        path: "request.kind",
        zh: "申请类型",
        en: "Request kind",
        kind: FieldKind::Choice(KINDS),
    },
    FieldSpec {
        path: "request.voltage",
        zh: "电压等级",
        en: "Voltage",
        kind: FieldKind::Choice(VOLTAGES),
    },
    FieldSpec {
        path: "request.capacity_kw",
        zh: "容量 (kW)",
        en: "Capacity (kW)",
        kind: FieldKind::OptNumber,
    },
    FieldSpec {
        path: "request.capacity_kva",
        zh: "容量 (kVA)",
        en: "Capacity (kVA)",
        kind: FieldKind::OptNumber,
    },
    FieldSpec {
        path: "request.permanent",
        zh: "永久用电",
        en: "Permanent",
        kind: FieldKind::Bool,
    },
    FieldSpec {
        path: "request.direct_meter",
        zh: "具备直接装表条件",
        en: "Direct meter",
        kind: FieldKind::Bool,
    },
    FieldSpec {
        path: "request.simple_line",
        zh: "仅需简单表前线",
        en: "Simple line",
        kind: FieldKind::Bool,
    },
    FieldSpec {
        path: "request.grid_project_need_date",
        zh: "配套工程需求日期",
        en: "Grid works needed by",
        kind: FieldKind::OptDate,
    },
    FieldSpec {
        path: "request.important",
        zh: "重要电力用户",
        en: "Important customer",
        kind: FieldKind::Bool,
    },
    FieldSpec {
        path: "request.dual_supply",
        zh: "双电源",
        en: "Dual supply",
        kind: FieldKind::Bool,
    },
    FieldSpec {
        path: "request.existing_capacity_kw",
        zh: "增容前容量 (kW)",
        en: "Existing capacity (kW)",
        kind: FieldKind::OptNumber,
    },
    FieldSpec {
        path: "request.existing_capacity_kva",
        zh: "增容前容量 (kVA)",
        en: "Existing capacity (kVA)",
        kind: FieldKind::OptNumber,
    },
    FieldSpec {
        path: "received_at",
        zh: "受理时间",
        en: "Received at",
        kind: FieldKind::DateTime,
    },
    FieldSpec {
        path: "chosen_firms.design",
        zh: "客户自选设计单位",
        en: "Design firm (own choice)",
        kind: FieldKind::OptText,
    },
    FieldSpec {
        path: "chosen_firms.construction",
        zh: "客户自选施工单位",
        en: "Construction firm",
        kind: FieldKind::OptText,
    },
    FieldSpec {
        path: "chosen_firms.equipment_supplier",
        zh: "客户自选设备供应商",
        en: "Equipment supplier",
        kind: FieldKind::OptText,
    },
];

impl FieldSpec {
    pub fn label(&self, lang: Lang) -> &'static str {
        match lang {
            Lang::Zh => self.zh,
            Lang::En => self.en,
        }
    }
}

/// The form being filled in.
#[derive(Debug, Clone)]
pub struct FormState {
    /// One input per field (choices and booleans keep their id / `true` / `false` as text).
    pub inputs: Vec<TextInput>,
    pub focus: usize,
    /// Field path → message, from the last check.
    pub errors: Vec<FieldError>,
    /// The form as parsed, when every field parsed and validated.
    pub parsed: Option<ApplicationForm>,
}

impl FormState {
    /// An empty form received at `now`.
    pub fn new(now: DateTime<FixedOffset>) -> FormState {
        let inputs = FIELDS
            .iter()
            .map(|f| match f.kind {
                FieldKind::Choice(ids) => {
                    TextInput::new(ids[if f.path == "request.voltage" { 1 } else { 0 }])
                }
                FieldKind::Bool => TextInput::new(if f.path == "request.permanent" {
                    "true"
                } else {
                    "false"
                }),
                FieldKind::Number => TextInput::new("0"),
                FieldKind::DateTime => {
                    TextInput::new(&now.to_rfc3339_opts(chrono::SecondsFormat::Secs, false))
                }
                _ => TextInput::default(),
            })
            .collect();
        let mut s = FormState {
            inputs,
            focus: 0,
            errors: Vec::new(),
            parsed: None,
        };
        s.check();
        s
    }

    pub fn spec(&self) -> &'static FieldSpec {
        &FIELDS[self.focus]
    }

    /// What was typed, field by field (in the order of the form's fields).
    pub fn values(&self) -> Vec<(String, String)> {
        FIELDS
            .iter()
            .zip(&self.inputs)
            .map(|(f, i)| (f.path.to_string(), i.text().to_string()))
            .collect()
    }

    /// Whether anything was typed beyond a fresh form's values (the received time aside).
    pub fn has_draft(&self, now: DateTime<FixedOffset>) -> bool {
        let fresh = FormState::new(now);
        FIELDS
            .iter()
            .zip(self.inputs.iter().zip(&fresh.inputs))
            .any(|(f, (a, b))| f.path != "received_at" && a.text() != b.text())
    }

    /// Fill the fields a draft names (unknown ones are left out); true when any was filled.
    pub fn restore(&mut self, values: &[(String, String)]) -> bool {
        let mut any = false;
        for (path, value) in values {
            if let Some(i) = FIELDS.iter().position(|f| f.path == *path) {
                self.inputs[i].set(value);
                any = true;
            }
        }
        self.check();
        any
    }

    pub fn value(&self, path: &str) -> &str {
        FIELDS
            .iter()
            .position(|f| f.path == path)
            .map(|i| self.inputs[i].text())
            .unwrap_or("")
    }

    pub fn set(&mut self, path: &str, value: &str) {
        if let Some(i) = FIELDS.iter().position(|f| f.path == path) {
            self.inputs[i].set(value);
            self.check();
        }
    }

    pub fn error_for(&self, path: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|e| e.field == path)
            .map(|e| e.message.as_str())
    }

    /// Cycle a choice or flip a boolean; false for text fields.
    pub fn cycle(&mut self, forward: bool) -> bool {
        let spec = self.spec();
        let input = &mut self.inputs[self.focus];
        match spec.kind {
            FieldKind::Bool => {
                let v = input.text() == "true";
                input.set(if v { "false" } else { "true" });
            }
            FieldKind::Choice(ids) => {
                let i = ids.iter().position(|c| *c == input.text()).unwrap_or(0);
                let n = ids.len();
                let j = if forward {
                    (i + 1) % n
                } else {
                    (i + n - 1) % n
                };
                input.set(ids[j]);
            }
            _ => return false,
        }
        self.check();
        true
    }

    /// Parse and validate every field; fills `errors` and `parsed`.
    pub fn check(&mut self) {
        self.parsed = None;
        match self.build() {
            Ok(form) => match validation::validate(&form) {
                Ok(()) => {
                    self.errors.clear();
                    self.parsed = Some(form);
                }
                Err(errs) => self.errors = errs,
            },
            Err(errs) => self.errors = errs,
        }
    }

    fn build(&self) -> Result<ApplicationForm, Vec<FieldError>> {
        let mut errs = Vec::new();
        let mut err = |field: &str, message: String| {
            errs.push(FieldError {
                field: field.into(),
                message,
            })
        };
        let v = |p: &str| self.value(p).trim().to_string();
        let opt = |p: &str| Some(v(p)).filter(|s| !s.is_empty());
        let flag = |p: &str| v(p) == "true";
        let opt_num = |p: &str, err: &mut dyn FnMut(&str, String)| -> Option<f64> {
            let s = v(p);
            if s.is_empty() {
                return None;
            }
            match s.parse::<f64>() {
                Ok(x) => Some(x),
                Err(_) => {
                    err(
                        p,
                        format!("`{s}` is not a number; type digits, e.g. 150, or leave empty"),
                    );
                    None
                }
            }
        };
        let star = match v("customer.star_rating").parse::<u8>() {
            Ok(n) => n,
            Err(_) => {
                err("customer.star_rating", "must be a whole number 0..5".into());
                0
            }
        };
        let capacity_kw = opt_num("request.capacity_kw", &mut err);
        let capacity_kva = opt_num("request.capacity_kva", &mut err);
        let existing_capacity_kw = opt_num("request.existing_capacity_kw", &mut err);
        let existing_capacity_kva = opt_num("request.existing_capacity_kva", &mut err);
        let need = opt("request.grid_project_need_date").and_then(|s| {
            match NaiveDate::parse_from_str(&s, "%Y-%m-%d") {
                Ok(d) => Some(d),
                Err(_) => {
                    err(
                        "request.grid_project_need_date",
                        format!("`{s}` is not a date; write YYYY-MM-DD or leave empty"),
                    );
                    None
                }
            }
        });
        let received = match DateTime::parse_from_rfc3339(&v("received_at")) {
            Ok(t) => Some(t),
            Err(_) => {
                err(
                    "received_at",
                    "not a time; write RFC 3339, e.g. 2026-03-02T09:00:00+08:00".into(),
                );
                None
            }
        };
        let park_level = match v("site.park_level").as_str() {
            "national" => Some(ParkLevel::National),
            "provincial" => Some(ParkLevel::Provincial),
            "municipal" => Some(ParkLevel::Municipal),
            _ => None,
        };
        let kind = match v("request.kind").as_str() {
            "capacity_increase" => RequestKind::CapacityIncrease,
            "transfer" => RequestKind::Transfer,
            "temporary" => RequestKind::Temporary,
            _ => RequestKind::New,
        };
        let class = CustomerClass::from_id(&v("customer.class")).unwrap_or(CustomerClass::Resident);
        let voltage = Voltage::from_id(&v("request.voltage")).unwrap_or(Voltage::V380);
        let Some(received_at) = received else {
            return Err(errs);
        };
        if !errs.is_empty() {
            return Err(errs);
        }
        Ok(ApplicationForm {
            customer: Customer {
                name: v("customer.name"),
                class,
                id_number: v("customer.id_number"),
                phone: v("customer.phone"),
                star_rating: star,
            },
            site: Site {
                county: v("site.county"),
                address: v("site.address"),
                rural: flag("site.rural"),
                park_name: opt("site.park_name"),
                park_level,
                kinetic_library: flag("site.kinetic_library"),
            },
            request: Request {
                kind,
                voltage,
                capacity_kw,
                capacity_kva,
                permanent: flag("request.permanent"),
                direct_meter: flag("request.direct_meter"),
                simple_line: flag("request.simple_line"),
                grid_project_need_date: need,
                important: flag("request.important"),
                dual_supply: flag("request.dual_supply"),
                existing_capacity_kw,
                existing_capacity_kva,
            },
            received_at,
            attachments: Vec::new(),
            chosen_firms: ChosenFirms {
                design: opt("chosen_firms.design"),
                construction: opt("chosen_firms.construction"),
                equipment_supplier: opt("chosen_firms.equipment_supplier"),
            },
        })
    }
}
