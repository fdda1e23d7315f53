//! 信息主动公开: "在营业厅、政务大厅等公共场所全面公开与人民群众利益密切相关的服务流程、办理环节及时限、申请资料、
//! 收费项目与标准、配电网接入能力及容量受限情况等公开事项".
//!
//! The notice is composed from the active bundle's decisions (steps and limits per class), its
//! abolished fees, the office's fee items, firm list and access capacity per county; every
//! published version is kept with its digest, and a new one is due when any input changes.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::documents::{required_documents, RequiredDocument};
use super::fees::AbolishedFee;
use super::firms::{statement_zh, Firm, FirmRole};
use super::{line, required_line, RecordError};
use crate::domain::application::CustomerClass;
use crate::domain::decision::BundleRef;
use crate::domain::workflow::ProcessClass;

/// One step of a process with its limit, as the bundle decides it for the class.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepDisclosure {
    /// `reply_plan`, `energize`, …
    pub id: String,
    pub label_zh: String,
    pub limit_working_days: u32,
}

/// One process class: its steps and limits, and the documents to bring.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProcessDisclosure {
    pub class: ProcessClass,
    /// Who it is for, in words (低压居民和小微企业 …).
    pub for_whom_zh: String,
    pub steps: Vec<StepDisclosure>,
    /// The grid's whole share, where the bundle sets one.
    pub total_working_days: Option<u32>,
}

/// A fee item the office charges, with its standard (office data).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeeStandard {
    pub item: String,
    /// The standard in words (price, unit, the document it rests on).
    pub standard: String,
}

/// 配电网接入能力及容量受限情况 of one county (office data, dated).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CountyCapacity {
    pub county: String,
    /// Capacity still open to new connections, in MVA.
    pub available_mva: f64,
    /// Areas where new capacity is constrained (受限区域), in words.
    #[serde(default)]
    pub constrained_areas: Vec<String>,
    pub as_of: NaiveDate,
}

impl CountyCapacity {
    pub fn validate(&self) -> Result<(), RecordError> {
        required_line("capacity.county", &self.county)?;
        if !self.available_mva.is_finite() || self.available_mva < 0.0 || self.available_mva > 1e6 {
            return Err(RecordError::new(
                "capacity.available_mva",
                format!(
                    "可开放容量 {} MVA 无效：应为 0 至 1000000",
                    self.available_mva
                ),
                format!("{} MVA: give 0 to 1000000", self.available_mva),
            ));
        }
        for a in &self.constrained_areas {
            required_line("capacity.constrained_areas", a)?;
        }
        Ok(())
    }
}

/// Documents to bring (申请资料) per kind of customer, from [`required_documents`]. With 零证办电
/// the ID card, business licence and property certificate are fetched electronically where the
/// customer agrees.
pub fn documents_zh() -> Vec<(&'static str, Vec<&'static str>)> {
    let labels = |class, process| -> Vec<&'static str> {
        required_documents(class, process)
            .into_iter()
            .map(RequiredDocument::label_zh)
            .collect()
    };
    let low = labels(CustomerClass::Enterprise, ProcessClass::LowVoltage);
    let high: Vec<&'static str> = labels(CustomerClass::Enterprise, ProcessClass::HvStandard)
        .into_iter()
        .filter(|d| !low.contains(d))
        .collect();
    vec![
        (
            "居民客户",
            labels(CustomerClass::Resident, ProcessClass::LowVoltage),
        ),
        ("小微企业及其他企业客户", low),
        ("高压客户另附", high),
    ]
}

/// Everything a notice is made of.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DisclosureInputs {
    pub office: String,
    pub bundle: BundleRef,
    pub processes: Vec<ProcessDisclosure>,
    pub fee_standards: Vec<FeeStandard>,
    pub abolished: Vec<AbolishedFee>,
    pub firms: Vec<Firm>,
    pub capacities: Vec<CountyCapacity>,
}

/// A section of the notice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Section {
    pub heading: String,
    pub lines: Vec<String>,
}

/// The publishable notice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DisclosureNotice {
    pub title: String,
    pub office: String,
    pub published_on: NaiveDate,
    pub bundle: BundleRef,
    pub sections: Vec<Section>,
    /// `sha256:<hex>` of the inputs it was made from (a new notice is due when it changes).
    pub inputs_digest: String,
}

impl DisclosureNotice {
    /// `sha256:<hex>` over the notice's canonical JSON (what was published).
    pub fn digest(&self) -> String {
        let json = serde_json::to_vec(self).expect("a notice serializes");
        format!("sha256:{}", hex::encode(Sha256::digest(json)))
    }

    /// The whole text, one line per entry, sections headed.
    pub fn text(&self) -> String {
        let mut out = format!("{}\n{}  {}\n", self.title, self.office, self.published_on);
        for s in &self.sections {
            out.push_str(&format!("\n{}\n", s.heading));
            for l in &s.lines {
                out.push_str(l);
                out.push('\n');
            }
        }
        out
    }
}

/// `sha256:<hex>` over the inputs' canonical JSON.
pub fn inputs_digest(inputs: &DisclosureInputs) -> String {
    let json = serde_json::to_vec(inputs).expect("inputs serialize");
    format!("sha256:{}", hex::encode(Sha256::digest(json)))
}

/// Compose the notice published on `on`.
pub fn compose(inputs: &DisclosureInputs, on: NaiveDate) -> Result<DisclosureNotice, RecordError> {
    required_line("office", &inputs.office)?;
    line("office", &inputs.office)?;
    for c in &inputs.capacities {
        c.validate()?;
    }
    let mut sections = Vec::new();

    // 服务流程、办理环节及时限
    let mut lines = Vec::new();
    for p in &inputs.processes {
        let steps: Vec<String> = p
            .steps
            .iter()
            .map(|s| match s.limit_working_days {
                0 => format!("{} 当日", s.label_zh),
                n => format!("{} {n} 个工作日", s.label_zh),
            })
            .collect();
        let total = p
            .total_working_days
            .map(|t| format!("；电网环节合计不超过 {t} 个工作日"))
            .unwrap_or_default();
        lines.push(format!(
            "{}（{}）：{}{}",
            p.class.label_zh(),
            p.for_whom_zh,
            steps.join("，"),
            total
        ));
    }
    sections.push(Section {
        heading: "一、服务流程、办理环节及时限".into(),
        lines,
    });

    // 申请资料
    let mut lines: Vec<String> = documents_zh()
        .into_iter()
        .map(|(who, docs)| format!("{who}：{}", docs.join("、")))
        .collect();
    lines.push("实行“零证办电”：身份证、营业执照、不动产证等电子证照经客户授权后实时获取，无需提供纸质资料。".into());
    sections.push(Section {
        heading: "二、申请资料".into(),
        lines,
    });

    // 收费项目与标准
    let mut lines: Vec<String> = if inputs.fee_standards.is_empty() {
        vec!["业扩报装环节不收取任何费用。".into()]
    } else {
        inputs
            .fee_standards
            .iter()
            .map(|f| format!("{}：{}", f.item, f.standard))
            .collect()
    };
    for a in &inputs.abolished {
        lines.push(format!(
            "已取消，不得收取：{}（依据《{}》）",
            a.item, a.document
        ));
    }
    sections.push(Section {
        heading: "三、收费项目与标准".into(),
        lines,
    });

    // 三指定 and the firm list
    let mut lines = vec![statement_zh().to_string()];
    let mut firms: Vec<&Firm> = inputs.firms.iter().filter(|f| !f.delisted).collect();
    firms.sort_by(|a, b| a.id.cmp(&b.id));
    for f in firms {
        let roles: Vec<&str> = FirmRole::ALL
            .into_iter()
            .filter(|r| f.roles.contains(r))
            .map(FirmRole::label_zh)
            .collect();
        let contact = if f.contact.is_empty() {
            String::new()
        } else {
            format!("，联系方式 {}", f.contact)
        };
        lines.push(format!(
            "{} {}（{}）{}",
            f.id,
            f.name,
            roles.join("、"),
            contact
        ));
    }
    sections.push(Section {
        heading: "四、施工企业名录（客户自主选择）".into(),
        lines,
    });

    // 配电网接入能力及容量受限情况
    let mut caps: Vec<&CountyCapacity> = inputs.capacities.iter().collect();
    caps.sort_by(|a, b| a.county.cmp(&b.county));
    let lines = if caps.is_empty() {
        vec!["（供电所尚未录入，请向营业厅咨询）".to_string()]
    } else {
        caps.iter()
            .map(|c| {
                let constrained = if c.constrained_areas.is_empty() {
                    "无容量受限区域".to_string()
                } else {
                    format!("容量受限区域：{}", c.constrained_areas.join("、"))
                };
                format!(
                    "{}：可开放容量 {:.1} MVA，{}（截至 {}）",
                    c.county, c.available_mva, constrained, c.as_of
                )
            })
            .collect()
    };
    sections.push(Section {
        heading: "五、配电网接入能力及容量受限情况".into(),
        lines,
    });

    Ok(DisclosureNotice {
        title: format!("{} 业扩报装信息公开", inputs.office),
        office: inputs.office.clone(),
        published_on: on,
        bundle: inputs.bundle.clone(),
        sections,
        inputs_digest: inputs_digest(inputs),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inputs() -> DisclosureInputs {
        DisclosureInputs {
            office: "国网济宁供电公司任城供电中心".into(),
            bundle: BundleRef {
                region: "jining".into(),
                version: "2021.1".into(),
                digest: "sha256:ab".into(),
            },
            processes: vec![ProcessDisclosure {
                class: ProcessClass::HvOrdinary,
                for_whom_zh: "10千伏普通客户".into(),
                steps: vec![
                    StepDisclosure {
                        id: "reply_plan".into(),
                        label_zh: "答复供电方案".into(),
                        limit_working_days: 2,
                    },
                    StepDisclosure {
                        id: "energize".into(),
                        label_zh: "验收送电".into(),
                        limit_working_days: 5,
                    },
                ],
                total_working_days: Some(7),
            }],
            fee_standards: vec![],
            abolished: AbolishedFee::parse_list(&["临时接电费|发改价格〔2017〕1895号".to_string()]),
            firms: vec![Firm {
                id: "F-0001".into(),
                name: "济宁任城电力安装有限公司".into(),
                roles: vec![FirmRole::Construction],
                qualification: String::new(),
                contact: "0537-2345678".into(),
                delisted: false,
            }],
            capacities: vec![CountyCapacity {
                county: "任城区".into(),
                available_mva: 42.5,
                constrained_areas: vec!["唐口街道".into()],
                as_of: "2026-11-30".parse().unwrap(),
            }],
        }
    }

    #[test]
    fn the_notice_discloses_what_the_seed_lists() {
        // 服务流程、办理环节及时限、申请资料、收费项目与标准、配电网接入能力及容量受限情况
        let n = compose(&inputs(), "2026-12-01".parse().unwrap()).unwrap();
        let text = n.text();
        for want in [
            "服务流程、办理环节及时限",
            "答复供电方案 2 个工作日",
            "合计不超过 7 个工作日",
            "申请资料",
            "零证办电",
            "收费项目与标准",
            "临时接电费（依据《发改价格〔2017〕1895号》）",
            "不指定设计、施工、设备材料供应单位",
            "济宁任城电力安装有限公司",
            "配电网接入能力及容量受限情况",
            "任城区：可开放容量 42.5 MVA，容量受限区域：唐口街道（截至 2026-11-30）",
        ] {
            assert!(text.contains(want), "missing {want} in\n{text}");
        }
    }

    #[test]
    fn a_changed_input_changes_the_digests() {
        let on = "2026-12-01".parse().unwrap();
        let a = compose(&inputs(), on).unwrap();
        assert_eq!(
            a.digest(),
            compose(&inputs(), on).unwrap().digest(),
            "deterministic"
        );
        let mut changed = inputs();
        changed.capacities[0].available_mva = 40.0;
        let b = compose(&changed, on).unwrap();
        assert_ne!(a.inputs_digest, b.inputs_digest);
        assert_ne!(a.digest(), b.digest());
        changed.capacities[0].available_mva = f64::NAN;
        assert_eq!(
            compose(&changed, on).unwrap_err().field,
            "capacity.available_mva"
        );
    }
}
