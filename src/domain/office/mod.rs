//! 服务记录: the promises of the Jining measures beyond the connection workflow, as records of
//! their own: information disclosure (信息主动公开), safety inspections (用电安全服务), energy-efficiency
//! services (供电+能效), service teams and visits (1+N, 预约上门), the public list of construction
//! firms (三指定), and the fees charged to a customer (违规收费 is a red line).
//!
//! Pure rules only: each record is built and changed by functions that check every field and
//! return a [`RecordError`] naming it, in both languages; the store keeps them and their events.

pub mod disclosure;
pub mod documents;
pub mod efficiency;
pub mod fees;
pub mod firms;
pub mod record;
pub mod safety;
pub mod teams;

use chrono::NaiveDate;

use super::text;

/// Longest one-line text of a record (a name, an address, a hazard's description), in characters.
pub const MAX_LINE_CHARS: usize = 200;
/// Longest free text of a record (advice, a note), in characters.
pub const MAX_TEXT_CHARS: usize = 4_000;

/// A refused record: the field, and what is wrong with what to do, in Chinese and in English.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordError {
    pub field: &'static str,
    pub zh: String,
    pub en: String,
}

impl RecordError {
    pub fn new(field: &'static str, zh: impl Into<String>, en: impl Into<String>) -> Self {
        RecordError {
            field,
            zh: zh.into(),
            en: en.into(),
        }
    }

    /// The message in the operator's language (`zh` or anything else for English).
    pub fn message(&self, lang: &str) -> &str {
        if lang == "zh" {
            &self.zh
        } else {
            &self.en
        }
    }
}

impl std::fmt::Display for RecordError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.en)
    }
}

impl std::error::Error for RecordError {}

/// A required one-line text: not blank, no control characters, at most [`MAX_LINE_CHARS`].
pub fn required_line(field: &'static str, value: &str) -> Result<(), RecordError> {
    if text::is_blank(value) {
        return Err(RecordError::new(
            field,
            "不能为空，请填写",
            "is empty: fill it in",
        ));
    }
    line(field, value)
}

/// An optional one-line text (empty allowed).
pub(crate) fn line(field: &'static str, value: &str) -> Result<(), RecordError> {
    checked(
        field,
        value,
        MAX_LINE_CHARS,
        text::check_line(value, MAX_LINE_CHARS),
    )
}

/// Free text over several lines (empty allowed).
pub(crate) fn lines(field: &'static str, value: &str) -> Result<(), RecordError> {
    checked(
        field,
        value,
        MAX_TEXT_CHARS,
        text::check_lines(value, MAX_TEXT_CHARS),
    )
}

fn checked(
    field: &'static str,
    value: &str,
    max: usize,
    verdict: Result<(), String>,
) -> Result<(), RecordError> {
    verdict.map_err(|en| {
        let n = value.chars().count();
        let zh = if n > max {
            format!("共 {n} 个字，超过上限 {max} 个字，请删减")
        } else {
            "含控制字符或方向控制符（可能来自复制粘贴），请删除后重新输入".to_string()
        };
        RecordError::new(field, zh, en)
    })
}

/// `later` must not come before `earlier`.
pub(crate) fn not_before(
    field: &'static str,
    later: NaiveDate,
    earlier: NaiveDate,
    earlier_name_zh: &str,
    earlier_name_en: &str,
) -> Result<(), RecordError> {
    if later < earlier {
        return Err(RecordError::new(
            field,
            format!("{later} 早于{earlier_name_zh}（{earlier}），请核对日期"),
            format!("{later} is before the {earlier_name_en} ({earlier}): check the date"),
        ));
    }
    Ok(())
}

/// A Jining-like decision for the records' tests.
#[cfg(test)]
pub(crate) fn sample_decision(
    programs: Vec<super::decision::Program>,
    free_efficiency_service: bool,
) -> super::decision::Decision {
    use super::decision::*;
    Decision {
        bundle: BundleRef {
            region: "jining".into(),
            version: "2021.1".into(),
            digest: "sha256:00".into(),
        },
        access: Access {
            class: AccessClass::LowVoltage,
            voltage: super::application::Voltage::V380,
        },
        programs,
        investment_boundary: InvestmentBoundary::Meter,
        external_line_payer: LinePayer::Utility,
        steps: vec![],
        grid_total_limit_working_days: Some(2),
        tariff_cut_yuan_per_kwh: 0.0,
        free_efficiency_service,
        rules: vec![],
    }
}
