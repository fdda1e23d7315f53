//! 界面语言: the console's labels in Chinese and English.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::domain::calendar::{notice_for, MissingYears};
use crate::domain::{CustomerClass, ProcessClass, State};

/// The language of the console's labels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Lang {
    /// `zh` or `en`; anything else is refused with the accepted values.
    pub fn parse(s: &str) -> Result<Lang, String> {
        match s.to_ascii_lowercase().as_str() {
            "zh" | "zh_cn" | "zh-cn" | "cn" => Ok(Lang::Zh),
            "en" | "en_us" | "en-us" | "en_gb" => Ok(Lang::En),
            other => Err(format!("unknown language `{other}`; use zh or en")),
        }
    }

    /// From a locale string such as `LANG=zh_CN.UTF-8`: Chinese for `zh*`, English otherwise.
    pub fn from_locale(locale: &str) -> Lang {
        if locale.to_ascii_lowercase().starts_with("zh") {
            Lang::Zh
        } else {
            Lang::En
        }
    }

    /// `LC_ALL`, then `LANG`; Chinese when neither is set.
    pub fn from_env() -> Lang {
        for var in ["LC_ALL", "LANG"] {
            if let Ok(v) = std::env::var(var) {
                if !v.is_empty() && v != "C" && v != "POSIX" {
                    return Lang::from_locale(&v);
                }
            }
        }
        Lang::Zh
    }

    pub fn state(self, s: State) -> &'static str {
        match self {
            Lang::Zh => s.label_zh(),
            Lang::En => match s {
                State::Accepted => "accepted",
                State::LineBuilt => "line built",
                State::PlanReplied => "plan replied",
                State::DesignSubmitted => "design submitted",
                State::DesignReviewed => "design reviewed",
                State::MidInspectionRequested => "mid inspection requested",
                State::MidInspected => "mid inspected",
                State::CompletionReported => "completion reported",
                State::CompletionInspected => "completion inspected",
                State::Energized => "energized",
                State::Archived => "archived",
                State::Cancelled => "cancelled",
            },
        }
    }

    pub fn process(self, p: ProcessClass) -> &'static str {
        match self {
            Lang::Zh => p.label_zh(),
            Lang::En => match p {
                ProcessClass::LowVoltage => "low voltage",
                ProcessClass::HvOrdinary => "10 kV ordinary",
                ProcessClass::HvStandard => "HV standard",
            },
        }
    }

    pub fn customer_class(self, c: CustomerClass) -> &'static str {
        match self {
            Lang::Zh => c.label_zh(),
            Lang::En => match c {
                CustomerClass::Resident => "resident",
                CustomerClass::SmallMicro => "small/micro",
                CustomerClass::Enterprise => "enterprise",
            },
        }
    }

    /// A deadline as shown: the date in `format`, after [`Msg::ProvisionalMark`] when it was
    /// counted over a year without an official calendar; `-` without one.
    pub fn deadline(self, date: Option<NaiveDate>, provisional: bool, format: &str) -> String {
        match date {
            None => "-".into(),
            Some(d) if provisional => {
                format!("{}{}", Msg::ProvisionalMark.text(self), d.format(format))
            }
            Some(d) => d.format(format).to_string(),
        }
    }

    /// The one line that names the notice of each year to load (《国务院办公厅关于2027年部分
    /// 节假日安排的通知》) and explains the provisional mark.
    pub fn provisional_notice(self, years: &MissingYears) -> String {
        let (head, notices, why) = self.provisional_notice_parts(years);
        format!("{head}{} {why}", notices.concat())
    }

    /// [`Lang::provisional_notice`] in its parts: what the mark means and to load, the notices
    /// (each to be kept whole when wrapped), and why.
    pub fn provisional_notice_parts(self, years: &MissingYears) -> (String, Vec<String>, String) {
        let mark = Msg::ProvisionalMark.text(self);
        let notices = years
            .years()
            .iter()
            .map(|y| format!("《{}》", notice_for(*y)))
            .collect();
        // What to load comes first: on a narrow screen the explanation is what gets cut.
        match self {
            Lang::Zh => (
                format!("{mark} 暂定期限, 请载入"),
                notices,
                format!("({years} 年无官方工作日历, 按法定节假日暂计, 无调休)"),
            ),
            Lang::En => (
                format!("{mark} provisional deadline, load "),
                notices,
                format!(
                    "(no official calendar for {years}: counted on statutory holidays, no make-up days)"
                ),
            ),
        }
    }

    /// The name of a side-flow detail field (`live_line`, …), as the timeline shows it.
    pub fn side_flow_field(self, key: &str) -> String {
        let (zh, en) = match key {
            "live_line" => ("带电作业", "live-line work"),
            "need_date" => ("需求日期", "need date"),
            "remark" => ("意见", "remark"),
            "reason" => ("原因", "reason"),
            "services" => ("联办事项", "services"),
            "service" => ("联办事项", "service"),
            "slot" => ("预约时段", "slot"),
            "team" => ("上门班组", "team"),
            "date" => ("日期", "date"),
            "period" => ("时段", "period"),
            "new_owner" => ("新户主", "new owner"),
            "new_owner_id" => ("新户主证件号", "new owner's ID"),
            "property_certificate" => ("产权证明", "property certificate"),
            "evidence" => ("证据", "evidence"),
            "sha256" => ("摘要", "sha256"),
            "kind" => ("类别", "kind"),
            "form" => ("备案表", "filing form"),
            _ => (key, key),
        };
        match self {
            Lang::Zh => zh.to_string(),
            Lang::En => en.replace('_', " "),
        }
    }

    /// A decision step id (`reply_plan`, …) as a label.
    pub fn step(self, id: &str) -> String {
        let (zh, en) = match id {
            "reply_plan" => ("答复供电方案", "reply supply plan"),
            "line_built" => ("表前线架设", "pre-meter line"),
            "design_review" => ("设计审查", "design review"),
            "mid_inspection" => ("中间检查", "mid inspection"),
            "completion_inspection" => ("竣工检验", "completion inspection"),
            "energize" => ("装表接电", "meter and energize"),
            "grid_total" => ("电网侧合计", "grid total"),
            other => return other.to_string(),
        };
        match self {
            Lang::Zh => zh.into(),
            Lang::En => en.into(),
        }
    }
}

macro_rules! messages {
    ($($id:ident => $zh:literal, $en:literal;)*) => {
        /// A label of the console's chrome.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Msg { $($id),* }

        impl Msg {
            pub fn text(self, lang: Lang) -> &'static str {
                match (self, lang) {
                    $((Msg::$id, Lang::Zh) => $zh, (Msg::$id, Lang::En) => $en,)*
                }
            }
        }
    };
}

messages! {
    AppTitle => "业扩报装", "Connections";
    ScreenApplications => "申请列表", "Applications";
    ScreenNew => "新建申请", "New application";
    ScreenDetail => "申请详情", "Detail";
    ScreenDashboard => "指标看板", "Dashboard";
    ScreenPolicies => "政策包", "Policies";
    ScreenDue => "到期", "Due";
    DueToday => "今日到期", "due today";
    DueNext => "次日到期", "due next working day";
    DueNothing => "没有超期或两日内到期的申请", "Nothing overdue or due within two working days";
    ByStep => "按环节", "By step";
    ByOperator => "按经办人", "By operator";
    ColOperator => "经办", "Operator";
    ColStep => "环节", "Step";
    ColDue => "到期", "Due";
    Late => "超时", "late";
    TodayShort => "今日", "today";
    NextShort => "次日", "next";
    Help => "快捷键", "Keys";
    Palette => "命令", "Commands";
    ColId => "编号", "ID";
    ColCustomer => "客户", "Customer";
    ColClass => "类别", "Class";
    ColProcess => "流程", "Process";
    ColState => "状态", "State";
    ColCounty => "区县", "County";
    ColDeadline => "期限", "Deadline";
    ColRemaining => "剩余", "WD left";
    ColAddress => "地址", "Address";
    Filters => "筛选", "Filters";
    All => "全部", "all";
    Overdue => "超期", "overdue";
    SortDeadline => "按期限", "by deadline";
    SortId => "按编号", "by id";
    Search => "搜索", "Search";
    Loading => "加载中", "loading";
    NoApplications => "没有符合条件的申请", "No applications match";
    Total => "共", "total";
    Customer => "客户", "Customer";
    Request => "用电需求", "Request";
    Site => "用电地址", "Site";
    DecisionTitle => "决策", "Decision";
    Timeline => "办理进度", "Timeline";
    SideFlows => "辅助流程", "Side flows";
    Actions => "可办理", "Actions";
    NextStep => "下一步", "Next";
    Rules => "规则", "Rules";
    Bundle => "政策包", "Bundle";
    Programs => "服务举措", "Programs";
    Boundary => "投资界面", "Investment boundary";
    LinePayer => "外线出资", "External line payer";
    StepLimits => "环节时限", "Step limits";
    GridTotal => "电网侧总时限", "Grid total";
    TariffCut => "电价降低", "Tariff cut";
    Efficiency => "免费能效服务", "Free efficiency service";
    Preview => "决策预览", "Decision preview";
    Confirm => "确认", "Confirm";
    Yes => "是", "yes";
    No => "否", "no";
    None => "无", "none";
    WorkingDays => "工作日", "working days";
    GridDays => "电网侧", "grid";
    CustomerDays => "客户侧", "customer";
    ByState => "按状态", "By state";
    ByClass => "按流程类别", "By process class";
    OnTime => "按时率", "On time";
    Durations => "办理时长 (中位/P90)", "Duration (median/p90)";
    Coverage => "三零/三省覆盖", "三零/三省 coverage";
    LiveLine => "不停电接火率", "Live-line rate";
    LiveLineUnknown => "未记录", "unrecorded";
    ByMonth => "按月受理", "Accepted by month";
    OverdueList => "超期清单", "Overdue";
    ActiveBundle => "当前政策包", "Active bundle";
    OtherBundles => "其他政策包", "Other bundles";
    Modules => "模块", "Modules";
    Diff => "切换影响", "What would change";
    Working => "处理中", "working";
    Ready => "就绪", "ready";
    OpeningStore => "正在打开数据库…", "opening the store…";
    Errors => "错误", "errors";
    Valid => "校验通过", "valid";
    Reason => "原因", "Reason";
    Note => "备注", "Note";
    Digest => "摘要", "Digest";
    Region => "地区", "Region";
    Version => "版本", "Version";
    ProvisionalMark => "暂", "~";
    ScreenServices => "服务记录", "Services";
    TabSafety => "用电安全", "Safety";
    TabEfficiency => "能效服务", "Efficiency";
    TabFirms => "施工企业名录", "Firms";
    TabDisclosure => "信息公开", "Disclosure";
    TabFees => "收费", "Fees";
    ServicesFigures => "服务记录", "Service records";
    HazardsOpen => "未整改隐患", "hazards open";
    HazardsOverdue => "逾期", "overdue";
    VisitedOf => "走访", "visited";
    EligibleEnterprises => "可享受企业", "eligible";
    Planned => "已制定计划", "planned";
    Delivered => "已服务", "delivered";
    DisclosureDue => "需重新发布", "new version due";
    DisclosureNever => "尚未发布", "never published";
    FeeBreaches => "违规收费", "fee breaches";
    FirmsListed => "名录企业", "firms listed";
    NoRecords => "暂无记录：按 a 新增（Tab 切换记录类别）", "No records yet: press a to add one (Tab: another kind of record)";
    NextHazardStep => "下一步", "next";
    Rectified => "整改完毕", "rectified";
    Delisted => "已移出名录", "delisted";
    Published => "已发布", "published";
}
