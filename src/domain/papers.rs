//! 回执与告知: the papers an operator hands a customer (or sends as a PDF to the phone), as
//! content: the acceptance receipt (受理回执), the one-time notice of documents still needed
//! (一次性告知书) with the 三指定 statement, the supply-plan reply (供电方案答复单, 10 kV and above),
//! the commitment filing form (《中小型电力接入工程免行政审批承诺备案表》) prefilled, and the
//! office's disclosure notice. Pure: rendering to HTML and PDF is the `papers` adapter's job.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::application::{Application, AttachmentKind, Voltage};
use super::decision::{InvestmentBoundary, LinePayer};
use super::office::disclosure::DisclosureNotice;
pub use super::office::documents::{required_documents, RequiredDocument};
use super::office::firms::statement_zh;
use super::timeline::Timeline;
use super::workflow::ProcessClass;

/// Which paper.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaperKind {
    /// 受理回执
    Receipt,
    /// 一次性告知书
    Notice,
    /// 供电方案答复单
    Plan,
    /// 承诺备案表
    Filing,
    /// 信息公开
    Disclosure,
}

impl PaperKind {
    pub const ALL: [Self; 5] = [
        Self::Receipt,
        Self::Notice,
        Self::Plan,
        Self::Filing,
        Self::Disclosure,
    ];

    /// The command-line name (`receipt`, `notice`, `plan`, `filing`, `disclosure`).
    pub fn id(self) -> &'static str {
        match self {
            Self::Receipt => "receipt",
            Self::Notice => "notice",
            Self::Plan => "plan",
            Self::Filing => "filing",
            Self::Disclosure => "disclosure",
        }
    }

    pub fn from_id(id: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.id() == id)
    }

    pub fn title_zh(self) -> &'static str {
        match self {
            Self::Receipt => "业扩报装受理回执",
            Self::Notice => "业扩报装一次性告知书",
            Self::Plan => "供电方案答复单",
            Self::Filing => "中小型电力接入工程免行政审批承诺备案表",
            Self::Disclosure => "业扩报装信息公开",
        }
    }
}

/// A piece of a paper, top to bottom.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Block {
    Heading {
        text: String,
    },
    Text {
        text: String,
    },
    /// Label–value rows (a form).
    Fields {
        rows: Vec<(String, String)>,
    },
    Table {
        head: Vec<String>,
        rows: Vec<Vec<String>>,
    },
    /// Places to sign, with their labels (客户签字, 经办人 …).
    Signatures {
        labels: Vec<String>,
    },
}

/// A paper's content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Paper {
    pub kind: PaperKind,
    pub title: String,
    /// The application number, or the notice's digest for the disclosure.
    pub reference: String,
    pub office: String,
    pub issued_on: NaiveDate,
    pub blocks: Vec<Block>,
}

impl Paper {
    /// Every text of the paper, in reading order (what a text extraction must give back).
    pub fn texts(&self) -> Vec<&str> {
        let mut out = vec![
            self.title.as_str(),
            self.reference.as_str(),
            self.office.as_str(),
        ];
        for b in &self.blocks {
            match b {
                Block::Heading { text } | Block::Text { text } => out.push(text),
                Block::Fields { rows } => {
                    for (k, v) in rows {
                        out.push(k);
                        out.push(v);
                    }
                }
                Block::Table { head, rows } => {
                    out.extend(head.iter().map(String::as_str));
                    for r in rows {
                        out.extend(r.iter().map(String::as_str));
                    }
                }
                Block::Signatures { labels } => out.extend(labels.iter().map(String::as_str)),
            }
        }
        out
    }
}

/// A paper that cannot be made for this application, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{en}")]
pub struct PaperError {
    pub zh: String,
    pub en: String,
}

/// How a customer tracks progress (office data; shown on the receipt).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tracking {
    /// The office's service line (95598 …).
    pub phone: String,
    /// Where the tracking page is, if the office serves one.
    pub url: Option<String>,
    /// The query code printed on the receipt.
    pub query_code: String,
}

/// The documents still needed: those required and not fetched electronically.
pub fn documents_still_needed(app: &Application) -> Vec<RequiredDocument> {
    required_documents(app.form.customer.class, app.process)
        .into_iter()
        .filter(|d| {
            d.fetched_as()
                .is_none_or(|k| !app.form.attachments.iter().any(|a| a.kind == k))
        })
        .collect()
}

/// A grid step's name.
pub fn step_label_zh(id: &str) -> &str {
    match id {
        "reply_plan" => "答复供电方案",
        "line_built" => "表前线架设",
        "design_review" => "设计审查",
        "mid_inspection" => "中间检查",
        "completion_inspection" => "竣工检验",
        "energize" => "装表接电",
        other => other,
    }
}

fn from_label_zh(from: &str) -> &str {
    match from {
        "accepted" => "受理",
        "plan_replied" => "答复方案",
        "design_submitted" => "设计送审",
        "mid_inspection_requested" => "中间检查报验",
        "completion_reported" => "竣工报验",
        "completion_inspected" => "竣工检验",
        "line_built" => "表前线架设",
        other => other,
    }
}

fn customer_rows(app: &Application) -> Vec<(String, String)> {
    let f = &app.form;
    vec![
        ("申请编号".into(), app.id.0.clone()),
        ("客户名称".into(), f.customer.name.clone()),
        ("客户类别".into(), f.customer.class.label_zh().into()),
        ("联系电话".into(), f.customer.phone.clone()),
        ("用电地址".into(), site_zh(app)),
        ("申请容量".into(), capacity_zh(app)),
        (
            "受理日期".into(),
            super::calendar::china_date(f.received_at).to_string(),
        ),
    ]
}

/// The address, with its county unless the address already names it.
fn site_zh(app: &Application) -> String {
    let s = &app.form.site;
    if s.address.contains(&s.county) {
        s.address.clone()
    } else {
        format!("{}{}", s.county, s.address)
    }
}

/// A limit in working days as printed (0: the same day).
fn limit_zh(days: u32) -> String {
    if days == 0 {
        "当日".into()
    } else {
        format!("{days} 个工作日")
    }
}

fn capacity_zh(app: &Application) -> String {
    let r = &app.form.request;
    match (r.capacity_kva, r.capacity_kw) {
        (Some(kva), _) => format!("{kva} 千伏安（{}）", voltage_zh(r.voltage)),
        (None, Some(kw)) => format!("{kw} 千瓦（{}）", voltage_zh(r.voltage)),
        (None, None) => voltage_zh(r.voltage).to_string(),
    }
}

fn voltage_zh(v: Voltage) -> &'static str {
    match v {
        Voltage::V220 => "220伏",
        Voltage::V380 => "380伏",
        Voltage::Kv10 => "10千伏",
        Voltage::Kv35 => "35千伏",
        Voltage::Kv110 => "110千伏",
        Voltage::Kv220 => "220千伏",
    }
}

/// 受理回执: the number, the steps ahead and their limits (with the deadline of the one the
/// grid works on now), and how to track progress.
pub fn receipt(
    app: &Application,
    timeline: &Timeline,
    tracking: &Tracking,
    office: &str,
    on: NaiveDate,
) -> Paper {
    let mut blocks = vec![
        Block::Text {
            text: format!(
                "您的用电申请已于 {} 受理，申请编号 {}。请妥善保管本回执。",
                super::calendar::china_date(app.form.received_at),
                app.id.0
            ),
        },
        Block::Fields {
            rows: {
                let mut rows = customer_rows(app);
                rows.push(("当前状态".into(), app.status.label_zh().into()));
                rows
            },
        },
        Block::Heading {
            text: "后续环节及时限".into(),
        },
    ];
    let mut rows = Vec::new();
    if let Some(d) = &app.decision {
        for s in &d.steps {
            let deadline = match &timeline.pending {
                Some(p) if p.step == s.id => {
                    let mark = if p.deadline_provisional {
                        "（暂定）"
                    } else {
                        ""
                    };
                    format!("{}前{mark}", p.deadline)
                }
                _ => format!("自{}起计", from_label_zh(&s.from)),
            };
            rows.push(vec![
                step_label_zh(&s.id).to_string(),
                limit_zh(s.limit_working_days),
                deadline,
            ]);
        }
        if let Some(t) = d.grid_total_limit_working_days {
            rows.push(vec![
                "电网环节合计".into(),
                format!("不超过 {t} 个工作日"),
                "客户自身环节不计入".into(),
            ]);
        }
    }
    blocks.push(Block::Table {
        head: vec!["环节".into(), "时限".into(), "完成期限".into()],
        rows,
    });
    if timeline
        .pending
        .as_ref()
        .is_some_and(|p| p.deadline_provisional)
    {
        blocks.push(Block::Text {
            text: "注：标“暂定”的期限跨越尚未公布法定节假日安排的年份，公布后将重新计算。".into(),
        });
    }
    blocks.push(Block::Heading {
        text: "进度查询（物流式查询）".into(),
    });
    let mut how = vec![(
        "查询码".to_string(),
        format!("{}（与申请编号一起使用）", tracking.query_code),
    )];
    how.push(("服务热线".into(), tracking.phone.clone()));
    if let Some(url) = &tracking.url {
        how.push(("网上查询".into(), url.clone()));
    }
    blocks.push(Block::Fields { rows: how });
    blocks.push(Block::Text {
        text: statement_zh().into(),
    });
    blocks.push(Block::Signatures {
        labels: vec!["受理人".into(), "客户签字".into()],
    });
    Paper {
        kind: PaperKind::Receipt,
        title: PaperKind::Receipt.title_zh().into(),
        reference: app.id.0.clone(),
        office: office.into(),
        issued_on: on,
        blocks,
    }
}

/// 一次性告知书: every document still needed, told once (and which were fetched
/// electronically), and the 三指定 statement.
pub fn notice(app: &Application, office: &str, on: NaiveDate) -> Paper {
    let needed = documents_still_needed(app);
    let fetched: Vec<&str> = app
        .form
        .attachments
        .iter()
        .map(|a| match a.kind {
            AttachmentKind::IdCard => "身份证",
            AttachmentKind::BusinessLicence => "营业执照",
            AttachmentKind::PropertyCertificate => "不动产权证",
        })
        .collect();
    let mut blocks = vec![Block::Fields {
        rows: customer_rows(app),
    }];
    blocks.push(Block::Heading {
        text: "尚需提供的资料（一次性告知）".into(),
    });
    if needed.is_empty() {
        blocks.push(Block::Text {
            text: "无。您的资料已齐全，无需再提供任何资料。".into(),
        });
    } else {
        blocks.push(Block::Table {
            head: vec!["序号".into(), "资料".into()],
            rows: needed
                .iter()
                .enumerate()
                .map(|(i, d)| vec![(i + 1).to_string(), d.label_zh().into()])
                .collect(),
        });
    }
    if !fetched.is_empty() {
        blocks.push(Block::Text {
            text: format!(
                "零证办电：{}已通过政务信息共享电子获取，无需提供纸质件。",
                fetched.join("、")
            ),
        });
    }
    blocks.push(Block::Heading {
        text: "三指定告知".into(),
    });
    blocks.push(Block::Text {
        text: statement_zh().into(),
    });
    blocks.push(Block::Signatures {
        labels: vec!["告知人".into(), "客户签字".into()],
    });
    Paper {
        kind: PaperKind::Notice,
        title: PaperKind::Notice.title_zh().into(),
        reference: app.id.0.clone(),
        office: office.into(),
        issued_on: on,
        blocks,
    }
}

/// 供电方案答复单: for 10 kV and above, from the decision.
pub fn plan_reply(app: &Application, office: &str, on: NaiveDate) -> Result<Paper, PaperError> {
    if app.process == ProcessClass::LowVoltage {
        return Err(PaperError {
            zh: format!(
                "{} 为低压接入，无供电方案答复单（10千伏及以上才有）",
                app.id.0
            ),
            en: format!(
                "{} is a low-voltage connection: a supply-plan reply is for 10 kV and above",
                app.id.0
            ),
        });
    }
    let Some(d) = &app.decision else {
        return Err(PaperError {
            zh: format!(
                "{} 没有决策（受理时无生效的政策包），无法出具供电方案",
                app.id.0
            ),
            en: format!(
                "{} has no decision (no policy bundle was active at acceptance): no plan to reply",
                app.id.0
            ),
        });
    };
    let boundary = match d.investment_boundary {
        InvestmentBoundary::Meter => "供电公司投资至电能表",
        InvestmentBoundary::PlanningRedLine => "供电公司投资界面延伸至客户规划红线",
        InvestmentBoundary::PropertyBoundary => "以产权分界点为投资界面",
    };
    let payer = match d.external_line_payer {
        LinePayer::Utility => "供电公司",
        LinePayer::CountyGovernment => "县级政府全额承担",
        LinePayer::Customer => "客户",
    };
    let programs: Vec<&str> = d.programs.iter().map(|p| p.label_zh()).collect();
    let mut rows = customer_rows(app);
    rows.extend([
        (
            "接入电压".to_string(),
            voltage_zh(d.access.voltage).to_string(),
        ),
        ("办理流程".into(), app.process.label_zh().into()),
        ("投资界面".into(), boundary.into()),
        ("电力外线费用".into(), payer.into()),
        (
            "享受服务".into(),
            if programs.is_empty() {
                "无".into()
            } else {
                programs.join("、")
            },
        ),
        (
            "电价降低".into(),
            format!("{} 元/千瓦时", d.tariff_cut_yuan_per_kwh),
        ),
    ]);
    let mut blocks = vec![Block::Fields { rows }];
    blocks.push(Block::Heading {
        text: "后续环节时限".into(),
    });
    blocks.push(Block::Table {
        head: vec!["环节".into(), "时限".into(), "起算".into()],
        rows: d
            .steps
            .iter()
            .map(|s| {
                vec![
                    step_label_zh(&s.id).into(),
                    limit_zh(s.limit_working_days),
                    format!("自{}起", from_label_zh(&s.from)),
                ]
            })
            .collect(),
    });
    blocks.push(Block::Text {
        text: format!(
            "依据政策包 {} {}（规则：{}）。",
            d.bundle.region,
            d.bundle.version,
            d.rules.join("、")
        ),
    });
    blocks.push(Block::Text {
        text: statement_zh().into(),
    });
    blocks.push(Block::Signatures {
        labels: vec!["答复人".into(), "客户签收".into()],
    });
    Ok(Paper {
        kind: PaperKind::Plan,
        title: PaperKind::Plan.title_zh().into(),
        reference: app.id.0.clone(),
        office: office.into(),
        issued_on: on,
        blocks,
    })
}

/// 《中小型电力接入工程免行政审批承诺备案表》, prefilled from the filing side flow (or, before one
/// is recorded, from the application), with the builder's and constructor's commitments.
pub fn filing_form(app: &Application, office: &str, on: NaiveDate) -> Paper {
    let f = &app.form;
    let filed = app.side_flows.filing.as_ref().map(|x| &x.form);
    let blank = "＿＿＿＿＿＿".to_string();
    let rows = vec![
        ("申请编号".to_string(), app.id.0.clone()),
        (
            "项目建设单位".into(),
            filed.map_or_else(|| f.customer.name.clone(), |x| x.builder.clone()),
        ),
        (
            "工程名称".into(),
            filed.map_or_else(
                || format!("{}电力接入工程", f.customer.name),
                |x| x.project.clone(),
            ),
        ),
        (
            "施工地点".into(),
            filed.map_or_else(|| site_zh(app), |x| x.location.clone()),
        ),
        (
            "线路长度".into(),
            filed.map_or_else(|| blank.clone(), |x| format!("{} 米", x.line_length_m)),
        ),
        (
            "计划开工日期".into(),
            filed.map_or_else(|| blank.clone(), |x| x.planned_start.to_string()),
        ),
        (
            "施工单位".into(),
            f.chosen_firms
                .construction
                .clone()
                .unwrap_or_else(|| blank.clone()),
        ),
    ];
    let blocks = vec![
        Block::Fields { rows },
        Block::Heading {
            text: "承诺事项".into(),
        },
        Block::Text {
            text: "本工程属低压和10千伏专变企业电力外线工程，实行承诺备案制，免于行政审批。项目建设单位、施工单位承诺：按照承诺落实好安全措施，在施工地点张贴本《承诺备案表》后开工，并对施工安全和质量负责。".into(),
        },
        Block::Text {
            text: "客户经理通过“一链办理”线上推送至属地审批局备案。".into(),
        },
        Block::Signatures {
            labels: vec![
                "项目建设单位（盖章）".into(),
                "施工单位（盖章）".into(),
                "客户经理".into(),
            ],
        },
    ];
    Paper {
        kind: PaperKind::Filing,
        title: PaperKind::Filing.title_zh().into(),
        reference: app.id.0.clone(),
        office: office.into(),
        issued_on: on,
        blocks,
    }
}

/// The disclosure notice as a paper.
pub fn disclosure(n: &DisclosureNotice) -> Paper {
    let mut blocks = Vec::new();
    for s in &n.sections {
        blocks.push(Block::Heading {
            text: s.heading.clone(),
        });
        for l in &s.lines {
            blocks.push(Block::Text { text: l.clone() });
        }
    }
    blocks.push(Block::Text {
        text: format!(
            "依据政策包 {} {}；本公告摘要 {}",
            n.bundle.region,
            n.bundle.version,
            &n.digest()
        ),
    });
    Paper {
        kind: PaperKind::Disclosure,
        title: n.title.clone(),
        reference: n.digest(),
        office: n.office.clone(),
        issued_on: n.published_on,
        blocks,
    }
}
