//! 服务记录的保存形式: each record is kept under a key of its own (`service/<kind>/<id>`) with its
//! history, and every write is one event in the audit chain whose `record` seals the stored JSON.

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

use super::{required_line, RecordError};

/// Where service records are kept: `service/<kind>/<id>`.
pub const KEY_PREFIX: &str = "service/";

/// The kinds of service record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordKind {
    /// 施工企业名录: one listed firm.
    Firm,
    /// 配电网接入能力: one county's open capacity and constrained areas.
    Capacity,
    /// 用电安全专项行动.
    Campaign,
    /// A customer visited in a campaign (`<campaign>/<customer>`).
    SiteVisit,
    /// 安全隐患.
    Hazard,
    /// 供电+能效: an enterprise's plan and the services delivered (by application).
    Efficiency,
    /// 1+N 服务团队 (by application).
    Team,
    /// 预约上门 (by application).
    Visit,
    /// The customer's own choice of firm (`<application>/<role>`).
    FirmChoice,
    /// A fee charged (`<application>/<n>`).
    Fee,
    /// A published disclosure notice (by version number).
    Disclosure,
    /// 收费项目及标准: a fee item the office charges and its standard (office data).
    FeeStandard,
}

impl RecordKind {
    pub const ALL: [RecordKind; 12] = [
        Self::Firm,
        Self::Capacity,
        Self::Campaign,
        Self::SiteVisit,
        Self::Hazard,
        Self::Efficiency,
        Self::Team,
        Self::Visit,
        Self::FirmChoice,
        Self::Fee,
        Self::Disclosure,
        Self::FeeStandard,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Self::Firm => "firm",
            Self::Capacity => "capacity",
            Self::Campaign => "campaign",
            Self::SiteVisit => "site_visit",
            Self::Hazard => "hazard",
            Self::Efficiency => "efficiency",
            Self::Team => "team",
            Self::Visit => "visit",
            Self::FirmChoice => "firm_choice",
            Self::Fee => "fee",
            Self::Disclosure => "disclosure",
            Self::FeeStandard => "fee_standard",
        }
    }

    pub fn from_id(id: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.id() == id)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Self::Firm => "施工企业名录",
            Self::Capacity => "配电网接入能力",
            Self::Campaign => "用电安全专项行动",
            Self::SiteVisit => "安全走访",
            Self::Hazard => "安全隐患",
            Self::Efficiency => "能效服务",
            Self::Team => "1+N服务团队",
            Self::Visit => "预约上门",
            Self::FirmChoice => "客户自主选择单位",
            Self::Fee => "收费",
            Self::Disclosure => "信息公开",
            Self::FeeStandard => "收费标准",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Self::Firm => "listed firm",
            Self::Capacity => "access capacity",
            Self::Campaign => "safety campaign",
            Self::SiteVisit => "safety visit",
            Self::Hazard => "hazard",
            Self::Efficiency => "efficiency service",
            Self::Team => "1+N team",
            Self::Visit => "appointment visit",
            Self::FirmChoice => "customer's choice of firm",
            Self::Fee => "fee",
            Self::Disclosure => "disclosure notice",
            Self::FeeStandard => "fee standard",
        }
    }

    /// The key prefix of every record of this kind (`service/hazard/`).
    pub fn prefix(self) -> String {
        format!("{KEY_PREFIX}{}/", self.id())
    }

    /// The key of one record; each part of `id` (split on `/`) is checked.
    pub fn key(self, id: &str) -> Result<String, RecordError> {
        check_id(id)?;
        Ok(format!("{}{id}", self.prefix()))
    }
}

/// An id: one or more `/`-separated parts, each a non-blank line without spaces at its ends.
fn check_id(id: &str) -> Result<(), RecordError> {
    for part in id.split('/') {
        required_line("id", part)?;
        if part.trim() != part || part == "." || part == ".." {
            return Err(RecordError::new(
                "id",
                format!("编号“{id}”的各段不能以空格开头或结尾，也不能是 . 或 .."),
                format!("the id “{id}” has a part that starts or ends with a space, or is . or .."),
            ));
        }
    }
    Ok(())
}

/// The kind and id a key names, if it is a service record's key.
pub fn parse_key(key: &str) -> Option<(RecordKind, &str)> {
    let rest = key.strip_prefix(KEY_PREFIX)?;
    let (kind, id) = rest.split_once('/')?;
    Some((RecordKind::from_id(kind)?, id))
}

/// One write of a record: when, by whom, what (the event's action) and a line for the timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub at: DateTime<FixedOffset>,
    pub actor: String,
    pub action: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub summary: String,
}

/// A record as stored: what it is and every write that made it so.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stored<T> {
    pub kind: RecordKind,
    pub id: String,
    pub body: T,
    pub history: Vec<Entry>,
}

impl<T> Stored<T> {
    /// When it was first written.
    pub fn created(&self) -> Option<&Entry> {
        self.history.first()
    }

    /// When it was last written.
    pub fn updated(&self) -> Option<&Entry> {
        self.history.last()
    }
}

/// A service event in words, for a timeline or an audit listing.
pub fn describe_zh(key: &str, action: &str) -> String {
    match parse_key(key) {
        Some((kind, id)) => format!("{} {id}: {}", kind.label_zh(), action_label_zh(action)),
        None => format!("{key}: {action}"),
    }
}

/// The Chinese name of a record action.
pub fn action_label_zh(action: &str) -> &str {
    match action {
        "listed" => "列入名录",
        "updated" => "修改",
        "delisted" => "移出名录",
        "set" => "更新",
        "opened" => "开始",
        "visited" => "走访",
        "closed" => "结束",
        "found" => "登记隐患",
        "service" => "服务到位",
        "notice" => "通知到位",
        "report" => "报告到位",
        "supervision" => "督导到位",
        "rectified" => "整改完毕",
        "planned" => "制定服务计划",
        "delivered" => "服务完成",
        "formed" => "组建团队",
        "booked" => "预约",
        "done" => "已上门",
        "chosen" => "记录客户选择",
        "charged" => "收费",
        "published" => "发布",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_name_their_kind_and_id() {
        let key = RecordKind::SiteVisit
            .key("SC-2026-01/JN-2026-000001")
            .unwrap();
        assert_eq!(key, "service/site_visit/SC-2026-01/JN-2026-000001");
        assert_eq!(
            parse_key(&key),
            Some((RecordKind::SiteVisit, "SC-2026-01/JN-2026-000001"))
        );
        assert_eq!(parse_key("service/nothing/x"), None);
        assert_eq!(parse_key("office.name"), None);
    }

    #[test]
    fn ids_with_empty_or_dotted_parts_are_refused() {
        for bad in ["", "a//b", " a", "..", "a/./b", "a\u{202e}b"] {
            let err = RecordKind::Hazard.key(bad).unwrap_err();
            assert_eq!(err.field, "id", "{bad:?}");
        }
        assert!(RecordKind::Capacity.key("嘉祥县").is_ok());
    }

    #[test]
    fn events_read_in_chinese() {
        assert_eq!(
            describe_zh("service/hazard/YH-2026-0001", "rectified"),
            "安全隐患 YH-2026-0001: 整改完毕"
        );
    }
}
