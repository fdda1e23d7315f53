//! 三指定 and the public list of firms: "在营业厅、“网上国网”APP等线上线下渠道公开公示全量施工企业名录及查询方式，
//! 方便客户根据自身需求自主选择" and "不指定设计、施工、设备材料供应单位，保障客户自主选择权".
//!
//! The office keeps the list (office data); a customer's choice of firm is recorded only when the
//! firm is on the list and the customer chose it: a record saying the office designated a firm is
//! refused as a red-line breach.

use serde::{Deserialize, Serialize};

use super::{line, required_line, RecordError};

/// What a firm does for a customer's works (the three parties the utility must not designate).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FirmRole {
    /// 设计单位
    Design,
    /// 施工单位
    Construction,
    /// 设备材料供应单位
    EquipmentSupplier,
}

impl FirmRole {
    pub const ALL: [FirmRole; 3] = [Self::Design, Self::Construction, Self::EquipmentSupplier];

    /// The contract id, as in the bundle's `undesignated_parties`.
    pub fn id(self) -> &'static str {
        match self {
            Self::Design => "design",
            Self::Construction => "construction",
            Self::EquipmentSupplier => "equipment_supplier",
        }
    }

    pub fn from_id(id: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.id() == id)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Self::Design => "设计单位",
            Self::Construction => "施工单位",
            Self::EquipmentSupplier => "设备材料供应单位",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Self::Design => "design firm",
            Self::Construction => "construction firm",
            Self::EquipmentSupplier => "equipment supplier",
        }
    }
}

/// One firm of the public list (施工企业名录).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Firm {
    /// The office's id for the firm (`F-0001`).
    pub id: String,
    pub name: String,
    /// What it may be chosen for.
    pub roles: Vec<FirmRole>,
    /// Its qualification (资质), as the licence states it.
    #[serde(default)]
    pub qualification: String,
    /// How a customer reaches it (phone or address).
    #[serde(default)]
    pub contact: String,
    /// Removed from the list (kept for the records that chose it).
    #[serde(default)]
    pub delisted: bool,
}

impl Firm {
    /// Check a firm before it is listed.
    pub fn validate(&self) -> Result<(), RecordError> {
        required_line("firm.id", &self.id)?;
        if !self
            .id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(RecordError::new(
                "firm.id",
                format!("“{}”只能由字母、数字、- 和 _ 组成", self.id),
                format!("“{}” may hold only letters, digits, - and _", self.id),
            ));
        }
        required_line("firm.name", &self.name)?;
        if self.roles.is_empty() {
            return Err(RecordError::new(
                "firm.roles",
                "至少选择一项：设计、施工或设备材料供应",
                "choose at least one of design, construction, equipment_supplier",
            ));
        }
        line("firm.qualification", &self.qualification)?;
        line("firm.contact", &self.contact)
    }
}

/// Who picked the firm for the customer's works.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChosenBy {
    /// 客户自主选择: the only lawful answer.
    Customer,
    /// 供电企业指定: a 三指定 breach, never recorded as a choice.
    Office,
}

/// A customer's choice of firm for one role of an application's works.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FirmChoice {
    pub app_id: String,
    pub role: FirmRole,
    pub firm_id: String,
    pub chosen_by: ChosenBy,
    #[serde(default)]
    pub note: String,
}

/// Phrases that say the utility designated, recommended or required a firm. "不指定" (the
/// statement the customer is read) is not one of them.
const DESIGNATION_PHRASES: [&str; 8] = [
    "指定",
    "推荐",
    "必须找",
    "必须用",
    "只能找",
    "只能用",
    "designated",
    "recommended by",
];

/// True when `note` says the office designated a firm (ignoring the negated "不指定"/"未指定"/
/// "not designated").
pub fn says_designated(note: &str) -> bool {
    let lower = note.to_lowercase();
    let cleaned = lower
        .replace("不指定", "")
        .replace("未指定", "")
        .replace("无指定", "")
        .replace("不推荐", "")
        .replace("not designated", "")
        .replace("no firm was designated", "");
    DESIGNATION_PHRASES.iter().any(|p| cleaned.contains(p))
}

/// Check a customer's choice against the public list: the firm must be listed (and not delisted)
/// for that role, and nothing may say the office chose it.
pub fn check_choice(choice: &FirmChoice, list: &[Firm]) -> Result<(), RecordError> {
    if choice.chosen_by == ChosenBy::Office || says_designated(&choice.note) {
        return Err(RecordError::new(
            "choice.chosen_by",
            "红线：供电企业不得指定设计、施工、设备材料供应单位（三指定），只能记录客户自主选择的单位",
            "red line: the utility must not designate the design firm, builder or equipment \
             supplier (三指定); record only a firm the customer chose",
        ));
    }
    line("choice.note", &choice.note)?;
    let Some(firm) = list.iter().find(|f| f.id == choice.firm_id) else {
        return Err(RecordError::new(
            "choice.firm_id",
            format!(
                "“{}”不在公示的企业名录中：请从名录中选择，或先把该单位加入名录",
                choice.firm_id
            ),
            format!(
                "“{}” is not on the public list of firms: pick one from the list, or list the \
                 firm first",
                choice.firm_id
            ),
        ));
    };
    if firm.delisted {
        return Err(RecordError::new(
            "choice.firm_id",
            format!(
                "{}（{}）已从名录中移除，请选择名录中的其他单位",
                firm.name, firm.id
            ),
            format!(
                "{} ({}) was removed from the list: pick another listed firm",
                firm.name, firm.id
            ),
        ));
    }
    if !firm.roles.contains(&choice.role) {
        return Err(RecordError::new(
            "choice.role",
            format!("{} 在名录中不是{}", firm.name, choice.role.label_zh()),
            format!(
                "{} is not listed as a {}",
                firm.name,
                choice.role.label_en()
            ),
        ));
    }
    Ok(())
}

/// The 三指定 statement told to every customer at acceptance (在业务受理时主动告知).
pub fn statement_zh() -> &'static str {
    "供电企业不指定设计、施工、设备材料供应单位，您可在公示的施工企业名录中自主选择，保障您的自主选择权。"
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list() -> Vec<Firm> {
        vec![
            Firm {
                id: "F-0001".into(),
                name: "济宁任城电力安装有限公司".into(),
                roles: vec![FirmRole::Construction, FirmRole::Design],
                qualification: "承装（修、试）电力设施许可证 三级".into(),
                contact: "0537-2345678".into(),
                delisted: false,
            },
            Firm {
                id: "F-0002".into(),
                name: "曲阜电气设备有限公司".into(),
                roles: vec![FirmRole::EquipmentSupplier],
                qualification: String::new(),
                contact: String::new(),
                delisted: true,
            },
        ]
    }

    fn choice(firm: &str, role: FirmRole, by: ChosenBy, note: &str) -> FirmChoice {
        FirmChoice {
            app_id: "JN-2026-000001".into(),
            role,
            firm_id: firm.into(),
            chosen_by: by,
            note: note.into(),
        }
    }

    #[test]
    fn the_customer_chooses_freely_from_the_list() {
        let ok = choice(
            "F-0001",
            FirmRole::Construction,
            ChosenBy::Customer,
            "客户自主选择",
        );
        assert_eq!(check_choice(&ok, &list()), Ok(()));
    }

    #[test]
    fn a_designated_firm_is_a_red_line_breach() {
        // 不指定设计、施工、设备材料供应单位，保障客户自主选择权
        let by_office = choice("F-0001", FirmRole::Construction, ChosenBy::Office, "");
        let e = check_choice(&by_office, &list()).unwrap_err();
        assert_eq!(e.field, "choice.chosen_by");
        assert!(e.zh.contains("三指定"), "{}", e.zh);
        let noted = choice(
            "F-0001",
            FirmRole::Design,
            ChosenBy::Customer,
            "由营业厅指定该单位",
        );
        assert_eq!(
            check_choice(&noted, &list()).unwrap_err().field,
            "choice.chosen_by"
        );
        let recommended = choice(
            "F-0001",
            FirmRole::Design,
            ChosenBy::Customer,
            "客户经理推荐",
        );
        assert!(check_choice(&recommended, &list()).is_err());
        // The statement itself is no breach.
        let told = choice(
            "F-0001",
            FirmRole::Design,
            ChosenBy::Customer,
            "已告知不指定设计单位",
        );
        assert_eq!(check_choice(&told, &list()), Ok(()));
    }

    #[test]
    fn only_listed_firms_in_their_roles() {
        let unlisted = choice("F-9999", FirmRole::Construction, ChosenBy::Customer, "");
        let e = check_choice(&unlisted, &list()).unwrap_err();
        assert_eq!(e.field, "choice.firm_id");
        assert!(e.zh.contains("名录"));
        let delisted = choice(
            "F-0002",
            FirmRole::EquipmentSupplier,
            ChosenBy::Customer,
            "",
        );
        assert_eq!(
            check_choice(&delisted, &list()).unwrap_err().field,
            "choice.firm_id"
        );
        let wrong_role = choice(
            "F-0001",
            FirmRole::EquipmentSupplier,
            ChosenBy::Customer,
            "",
        );
        assert_eq!(
            check_choice(&wrong_role, &list()).unwrap_err().field,
            "choice.role"
        );
    }

    #[test]
    fn a_firm_is_checked_before_listing() {
        let mut f = list().remove(0);
        assert_eq!(f.validate(), Ok(()));
        f.roles.clear();
        assert_eq!(f.validate().unwrap_err().field, "firm.roles");
        f.roles.push(FirmRole::Design);
        f.name = "\u{200B}".into();
        assert_eq!(f.validate().unwrap_err().field, "firm.name");
        f.name = "名\u{1b}[2J".into();
        assert_eq!(f.validate().unwrap_err().field, "firm.name");
        f.name = "好".into();
        f.id = "F 1".into();
        assert_eq!(f.validate().unwrap_err().field, "firm.id");
    }

    #[test]
    fn roles_match_the_bundle_ids() {
        for r in FirmRole::ALL {
            assert_eq!(FirmRole::from_id(r.id()), Some(r));
        }
        assert!(statement_zh().contains("不指定设计、施工、设备材料供应单位"));
    }
}
