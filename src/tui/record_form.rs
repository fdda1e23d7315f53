//! 服务记录表单: a small form per service record, one labelled field per line, checked as typed
//! values (dates, numbers, choices from a list) before anything is sent, then by the Desk; an
//! error names the field and keeps the form open with what was typed.

use chrono::NaiveDate;
use serde::de::DeserializeOwned;

use super::action::ServiceAct;
use super::i18n::Lang;
use super::text_input::TextInput;

/// Which record a form makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormKind {
    CampaignOpen,
    SiteVisit,
    HazardOpen,
    EfficiencyPlan,
    EfficiencyDeliver,
    FirmAdd,
    CapacitySet,
    FeeCharge,
    FeeStandard,
    TeamForm,
    VisitBook,
    FirmChoose,
}

/// One field: its labels, what it takes, and what was typed.
#[derive(Debug, Clone, PartialEq)]
pub struct FormField {
    pub zh: &'static str,
    pub en: &'static str,
    /// What it takes (allowed values, format), shown beside it.
    pub hint: &'static str,
    pub input: TextInput,
}

/// A record form being filled in.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordForm {
    pub kind: FormKind,
    pub fields: Vec<FormField>,
    pub focus: usize,
    /// Why the last submission was refused (Chinese, English).
    pub error: Option<(String, String)>,
    /// Sent and not yet answered.
    pub sent: bool,
}

const ROLES: &str = "design / construction / equipment_supplier";
const SERVICES: &str =
    "energy_saving_consulting / efficiency_analysis / preventive_test / demand_response_agency";

impl FormKind {
    pub fn title(self, lang: Lang) -> &'static str {
        let (zh, en) = match self {
            Self::CampaignOpen => ("开展用电安全专项行动", "Open a safety campaign"),
            Self::SiteVisit => ("记录安全走访", "Record a safety visit"),
            Self::HazardOpen => ("登记安全隐患", "Record a hazard"),
            Self::EfficiencyPlan => ("制定能效服务计划（定人、定期、定制）", "Efficiency plan"),
            Self::EfficiencyDeliver => ("记录能效服务", "Record an efficiency service"),
            Self::FirmAdd => ("列入施工企业名录", "List a firm"),
            Self::CapacitySet => ("配电网接入能力", "Access capacity of a county"),
            Self::FeeCharge => ("记录收费", "Record a fee"),
            Self::FeeStandard => ("设定收费项目及标准", "Set a fee item and its standard"),
            Self::TeamForm => ("组建 1+N 服务团队", "Form a 1+N team"),
            Self::VisitBook => ("预约上门", "Book an appointment visit"),
            Self::FirmChoose => (
                "记录客户自主选择的单位",
                "Record the customer's choice of firm",
            ),
        };
        match lang {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }

    /// The fields, with `defaults` filled in: (label zh, label en, hint, default).
    fn fields(self, d: &Defaults) -> Vec<(&'static str, &'static str, &'static str, String)> {
        let today = d.today.to_string();
        match self {
            Self::CampaignOpen => vec![
                ("名称", "name", "", String::new()),
                ("区县（空：全市）", "county (empty: all)", "", String::new()),
                ("开始日期", "from", "YYYY-MM-DD", today.clone()),
                ("结束日期", "to", "YYYY-MM-DD", String::new()),
            ],
            Self::SiteVisit => vec![
                ("专项行动", "campaign", "SC-YYYY-NN", d.campaign.clone()),
                ("户号", "customer", "", String::new()),
                ("走访日期", "on", "YYYY-MM-DD", today),
            ],
            Self::HazardOpen => vec![
                ("专项行动", "campaign", "SC-YYYY-NN", d.campaign.clone()),
                ("户号", "customer", "", String::new()),
                ("等级", "class", "major / general", "general".into()),
                ("隐患描述", "description", "", String::new()),
                ("发现日期", "found on", "YYYY-MM-DD", today),
            ],
            Self::EfficiencyPlan => vec![
                ("申请编号", "application", "JN-YYYY-NNNNNN", d.app.clone()),
                ("服务人员（定人）", "person", "", String::new()),
                ("服务周期天数（定期）", "every (days)", "1-366", "90".into()),
                (
                    "服务项目（定制）",
                    "services",
                    SERVICES,
                    "efficiency_analysis".into(),
                ),
                ("开始日期", "from", "YYYY-MM-DD", today),
            ],
            Self::EfficiencyDeliver => vec![
                ("申请编号", "application", "JN-YYYY-NNNNNN", d.app.clone()),
                (
                    "服务项目",
                    "service",
                    SERVICES,
                    "efficiency_analysis".into(),
                ),
                (
                    "建议",
                    "advice",
                    "basic_charge_method / peak_valley / power_factor",
                    String::new(),
                ),
                ("服务摘要", "summary", "", String::new()),
                ("服务日期", "on", "YYYY-MM-DD", today),
            ],
            Self::FirmAdd => vec![
                ("编号", "id", "letters, digits, - _", String::new()),
                ("名称", "name", "", String::new()),
                ("类别", "roles", ROLES, "construction".into()),
                ("资质", "qualification", "", String::new()),
                ("联系方式", "contact", "", String::new()),
            ],
            Self::CapacitySet => vec![
                ("区县", "county", "", String::new()),
                ("可开放容量 MVA", "open capacity (MVA)", "", String::new()),
                (
                    "受限区域（逗号分隔）",
                    "constrained areas (comma-separated)",
                    "",
                    String::new(),
                ),
                ("数据日期", "as of", "YYYY-MM-DD", today),
            ],
            Self::FeeCharge => vec![
                ("申请编号", "application", "JN-YYYY-NNNNNN", d.app.clone()),
                ("收费项目", "item", "", String::new()),
                ("金额（元）", "amount (yuan)", "", String::new()),
                ("是否为接电收费", "for the connection", "y / n", "n".into()),
                ("依据", "basis", "", String::new()),
            ],
            Self::FeeStandard => vec![
                ("收费项目", "item", "", String::new()),
                (
                    "标准（价格、单位、依据）",
                    "standard (price, unit, basis)",
                    "",
                    String::new(),
                ),
            ],
            Self::TeamForm => vec![
                ("申请编号", "application", "JN-YYYY-NNNNNN", d.app.clone()),
                ("客户经理（1）", "manager (the 1)", "", String::new()),
                (
                    "专业人员（N）",
                    "specialists (the N)",
                    "姓名:marketing/operations/dispatch/planning/design, …",
                    String::new(),
                ),
                ("组建日期", "formed on", "YYYY-MM-DD", today),
            ],
            Self::VisitBook => vec![
                ("申请编号", "application", "JN-YYYY-NNNNNN", d.app.clone()),
                ("上门人员", "visitor", "", String::new()),
                ("上门日期", "visit on", "YYYY-MM-DD", String::new()),
                ("备注", "note", "", String::new()),
            ],
            Self::FirmChoose => vec![
                ("申请编号", "application", "JN-YYYY-NNNNNN", d.app.clone()),
                ("类别", "role", ROLES, "construction".into()),
                ("单位编号（名录）", "firm (listed id)", "", String::new()),
                ("备注", "note", "", String::new()),
            ],
        }
    }
}

/// What a new form starts with.
#[derive(Debug, Clone, Default)]
pub struct Defaults {
    pub today: NaiveDate,
    /// The application in view (detail screen) or selected.
    pub app: String,
    /// The newest open campaign.
    pub campaign: String,
}

/// A field's value refused before sending: (field index, Chinese, English).
type Refusal = (usize, String, String);

impl RecordForm {
    pub fn new(kind: FormKind, defaults: &Defaults) -> RecordForm {
        let fields: Vec<FormField> = kind
            .fields(defaults)
            .into_iter()
            .map(|(zh, en, hint, value)| FormField {
                zh,
                en,
                hint,
                input: TextInput::new(&value),
            })
            .collect();
        // Start on the first field with nothing in it.
        let focus = fields
            .iter()
            .position(|f| f.input.text().is_empty())
            .unwrap_or(0);
        RecordForm {
            kind,
            fields,
            focus,
            error: None,
            sent: false,
        }
    }

    fn value(&self, i: usize) -> &str {
        self.fields[i].input.text().trim()
    }

    fn required(&self, i: usize) -> Result<String, Refusal> {
        let v = self.value(i);
        if v.is_empty() {
            return Err(self.refuse(i, "不能为空，请填写", "is empty: fill it in"));
        }
        Ok(v.to_string())
    }

    fn refuse(&self, i: usize, zh: &str, en: &str) -> Refusal {
        let f = &self.fields[i];
        (i, format!("{}：{zh}", f.zh), format!("{}: {en}", f.en))
    }

    fn date(&self, i: usize) -> Result<NaiveDate, Refusal> {
        let v = self.required(i)?;
        v.parse().map_err(|_| {
            self.refuse(
                i,
                &format!("“{v}”不是日期，请按 YYYY-MM-DD 填写"),
                &format!("“{v}” is not a date: give YYYY-MM-DD"),
            )
        })
    }

    fn number<T: std::str::FromStr>(&self, i: usize) -> Result<T, Refusal> {
        let v = self.required(i)?;
        v.parse().map_err(|_| {
            self.refuse(
                i,
                &format!("“{v}”不是数字"),
                &format!("“{v}” is not a number"),
            )
        })
    }

    /// One value of a snake_case choice (`hint` lists them).
    fn choice<T: DeserializeOwned>(&self, i: usize, v: &str) -> Result<T, Refusal> {
        serde_json::from_value(serde_json::Value::String(v.trim().to_string())).map_err(|_| {
            let hint = self.fields[i].hint;
            self.refuse(
                i,
                &format!("“{v}”不在可选范围内：{hint}"),
                &format!("“{v}” is not one of {hint}"),
            )
        })
    }

    fn choices<T: DeserializeOwned>(&self, i: usize) -> Result<Vec<T>, Refusal> {
        self.value(i)
            .split([',', '，', '、'])
            .filter(|p| !p.trim().is_empty())
            .map(|p| self.choice(i, p))
            .collect()
    }

    fn yes(&self, i: usize) -> Result<bool, Refusal> {
        match self.value(i).to_lowercase().as_str() {
            "y" | "yes" | "是" | "true" => Ok(true),
            "n" | "no" | "否" | "false" | "" => Ok(false),
            v => Err(self.refuse(
                i,
                &format!("“{v}”：请填 y 或 n"),
                &format!("“{v}”: give y or n"),
            )),
        }
    }

    /// The write the form asks for, or the first field that cannot be read (the Desk checks the
    /// rest and names its field).
    pub fn build(&self) -> Result<ServiceAct, Refusal> {
        use crate::domain::office as o;
        Ok(match self.kind {
            FormKind::CampaignOpen => ServiceAct::CampaignOpen {
                name: self.required(0)?,
                county: Some(self.value(1).to_string()).filter(|c| !c.is_empty()),
                from: self.date(2)?,
                to: self.date(3)?,
            },
            FormKind::SiteVisit => ServiceAct::SiteVisit {
                campaign: self.required(0)?,
                customer: self.required(1)?,
                on: self.date(2)?,
            },
            FormKind::HazardOpen => ServiceAct::HazardOpen {
                campaign: self.required(0)?,
                customer: self.required(1)?,
                class: self.choice(2, self.value(2))?,
                description: self.required(3)?,
                on: self.date(4)?,
            },
            FormKind::EfficiencyPlan => ServiceAct::EfficiencyPlan {
                app: self.required(0)?,
                person: self.required(1)?,
                every: self.number(2)?,
                services: self.choices(3)?,
                from: self.date(4)?,
            },
            FormKind::EfficiencyDeliver => ServiceAct::EfficiencyDeliver {
                app: self.required(0)?,
                service: self.choice(1, self.value(1))?,
                advice: self.choices(2)?,
                summary: self.value(3).to_string(),
                on: self.date(4)?,
            },
            FormKind::FirmAdd => ServiceAct::FirmAdd(o::firms::Firm {
                id: self.required(0)?,
                name: self.required(1)?,
                roles: self.choices(2)?,
                qualification: self.value(3).to_string(),
                contact: self.value(4).to_string(),
                delisted: false,
            }),
            FormKind::CapacitySet => ServiceAct::CapacitySet(o::disclosure::CountyCapacity {
                county: self.required(0)?,
                available_mva: self.number(1)?,
                constrained_areas: self
                    .value(2)
                    .split([',', '，', '、'])
                    .map(str::trim)
                    .filter(|a| !a.is_empty())
                    .map(str::to_string)
                    .collect(),
                as_of: self.date(3)?,
            }),
            FormKind::FeeCharge => ServiceAct::FeeCharge {
                app: self.required(0)?,
                item: self.required(1)?,
                yuan: self.number(2)?,
                connection: self.yes(3)?,
                basis: self.value(4).to_string(),
            },
            FormKind::FeeStandard => ServiceAct::FeeStandard(o::disclosure::FeeStandard {
                item: self.required(0)?,
                standard: self.required(1)?,
            }),
            FormKind::TeamForm => {
                let mut specialists = Vec::new();
                for part in self
                    .value(2)
                    .split([',', '，', '、'])
                    .filter(|p| !p.trim().is_empty())
                {
                    let Some((name, specialty)) = part.split_once([':', '：']) else {
                        return Err(self.refuse(
                            2,
                            &format!("“{part}”应写作 姓名:专业，如 陈刚:operations"),
                            &format!("“{part}” is not NAME:SPECIALTY (e.g. 陈刚:operations)"),
                        ));
                    };
                    specialists.push(o::teams::Specialist {
                        name: name.trim().to_string(),
                        specialty: self.choice(2, specialty)?,
                    });
                }
                ServiceAct::TeamForm {
                    app: self.required(0)?,
                    manager: self.required(1)?,
                    specialists,
                    on: self.date(3)?,
                }
            }
            FormKind::VisitBook => ServiceAct::VisitBook {
                app: self.required(0)?,
                visitor: self.required(1)?,
                on: self.date(2)?,
                note: self.value(3).to_string(),
            },
            FormKind::FirmChoose => ServiceAct::FirmChoose {
                app: self.required(0)?,
                role: self.choice(1, self.value(1))?,
                firm: self.required(2)?,
                note: self.value(3).to_string(),
            },
        })
    }

    /// Put the focus on the field a refusal names (by its label in either language).
    pub fn focus_named(&mut self, message: &str) {
        let field = message.split([':', '：']).next().unwrap_or_default();
        let wanted = field.rsplit('.').next().unwrap_or(field);
        if let Some(i) = self.fields.iter().position(|f| {
            f.en.split_whitespace()
                .next()
                .is_some_and(|w| w.trim_end_matches(['(', ')']) == wanted)
        }) {
            self.focus = i;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn defaults() -> Defaults {
        Defaults {
            today: "2026-12-01".parse().unwrap(),
            app: "JN-2026-000001".into(),
            campaign: "SC-2026-01".into(),
        }
    }

    #[test]
    fn a_form_starts_on_its_first_empty_field_with_the_defaults_filled_in() {
        let f = RecordForm::new(FormKind::HazardOpen, &defaults());
        assert_eq!(f.fields[0].input.text(), "SC-2026-01");
        assert_eq!(f.fields[4].input.text(), "2026-12-01");
        assert_eq!(f.focus, 1);
    }

    #[test]
    fn values_that_cannot_be_read_are_refused_naming_the_field_in_both_languages() {
        let mut f = RecordForm::new(FormKind::FeeCharge, &defaults());
        f.fields[1].input.set("高压计量装置校验费");
        f.fields[2].input.set("三百");
        let (i, zh, en) = f.build().unwrap_err();
        assert_eq!(i, 2);
        assert!(
            zh.starts_with("金额（元）") && zh.contains("不是数字"),
            "{zh}"
        );
        assert!(en.starts_with("amount (yuan)"), "{en}");
        f.fields[2].input.set("300");
        f.fields[3].input.set("maybe");
        assert_eq!(f.build().unwrap_err().0, 3);
        f.fields[3].input.set("n");
        assert!(matches!(f.build(), Ok(ServiceAct::FeeCharge { yuan, .. }) if yuan == 300.0));

        let mut f = RecordForm::new(FormKind::TeamForm, &defaults());
        f.fields[1].input.set("王磊");
        f.fields[2].input.set("陈刚:operations，李娜:electrician");
        let (i, zh, _) = f.build().unwrap_err();
        assert_eq!(i, 2);
        assert!(
            zh.contains("electrician") && zh.contains("marketing"),
            "{zh}"
        );
        f.fields[2].input.set("陈刚:operations，李娜：dispatch");
        match f.build().unwrap() {
            ServiceAct::TeamForm { specialists, .. } => assert_eq!(specialists.len(), 2),
            other => panic!("{other:?}"),
        }
    }
}
