//! 收费: fees charged to a customer. "全面清理国家和公司文件明确要求取消的收费项目，持续加强监管，将违规收费作为
//! 供电服务“红线”行为" — an abolished item is refused with the document that abolished it, and so is
//! any fee for the connection to a 三零 (零投资) customer.

use serde::{Deserialize, Serialize};

use super::{line, required_line, RecordError};
use crate::domain::decision::{Decision, Program};

/// Largest single fee recorded, in yuan (a typo guard: ten million).
pub const MAX_FEE_YUAN: f64 = 10_000_000.0;

/// A fee item that national or company documents abolished, with that document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AbolishedFee {
    pub item: String,
    pub document: String,
}

impl AbolishedFee {
    /// Parse the bundle's `abolished_fees` entries (`item|document`); entries without a document
    /// are skipped (the bundle's check refuses them).
    pub fn parse_list(entries: &[String]) -> Vec<AbolishedFee> {
        entries
            .iter()
            .filter_map(|e| {
                let (item, document) = e.split_once('|')?;
                let (item, document) = (item.trim(), document.trim());
                (!item.is_empty() && !document.is_empty()).then(|| AbolishedFee {
                    item: item.to_string(),
                    document: document.to_string(),
                })
            })
            .collect()
    }
}

/// One fee charged to a customer on an application.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeeCharge {
    pub app_id: String,
    /// The fee item as the price list names it.
    pub item: String,
    pub amount_yuan: f64,
    /// Charged for the connection itself (its works, meter, line), as opposed to a service the
    /// customer asked for separately.
    pub for_connection: bool,
    /// The price list or document the charge rests on.
    #[serde(default)]
    pub basis: String,
}

/// Normalise an item name for comparison: no spaces, full-width brackets as half-width.
fn normal(item: &str) -> String {
    item.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '（' => '(',
            '）' => ')',
            other => other,
        })
        .collect()
}

/// Check a fee before it is recorded: the item, the amount, and the red lines. `decision` is the
/// application's decision (for 三零), `abolished` the active bundle's list.
pub fn check_charge(
    charge: &FeeCharge,
    decision: Option<&Decision>,
    abolished: &[AbolishedFee],
) -> Result<(), RecordError> {
    required_line("fee.item", &charge.item)?;
    line("fee.basis", &charge.basis)?;
    if !charge.amount_yuan.is_finite()
        || charge.amount_yuan <= 0.0
        || charge.amount_yuan > MAX_FEE_YUAN
    {
        return Err(RecordError::new(
            "fee.amount_yuan",
            format!(
                "金额 {} 元无效：应大于 0 且不超过 {MAX_FEE_YUAN} 元",
                charge.amount_yuan
            ),
            format!(
                "{} yuan is not an amount: give more than 0 and at most {MAX_FEE_YUAN}",
                charge.amount_yuan
            ),
        ));
    }
    let item = normal(&charge.item);
    if let Some(gone) = abolished.iter().find(|a| normal(&a.item) == item) {
        return Err(RecordError::new(
            "fee.item",
            format!(
                "红线：“{}”已被《{}》明令取消，不得收取（违规收费）",
                gone.item, gone.document
            ),
            format!(
                "red line: “{}” was abolished by {} and must not be charged",
                gone.item, gone.document
            ),
        ));
    }
    let three_zero = decision.is_some_and(|d| d.programs.contains(&Program::ThreeZero));
    if three_zero && charge.for_connection {
        return Err(RecordError::new(
            "fee.for_connection",
            "红线：该客户享受“三零”服务（零上门、零审批、零投资），供电公司投资至电能表，接电不得向客户收费",
            "red line: this customer has 三零 (zero visits, approvals and investment; the utility \
             invests up to the meter): nothing may be charged for the connection",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn abolished() -> Vec<AbolishedFee> {
        AbolishedFee::parse_list(&[
            "临时接电费|发改价格〔2017〕1895号".to_string(),
            "高可靠性供电费|国办函〔2020〕129号".to_string(),
            "no document".to_string(),
        ])
    }

    fn charge(item: &str, amount: f64, for_connection: bool) -> FeeCharge {
        FeeCharge {
            app_id: "JN-2026-000001".into(),
            item: item.into(),
            amount_yuan: amount,
            for_connection,
            basis: String::new(),
        }
    }

    fn decision(programs: Vec<Program>) -> Decision {
        super::super::sample_decision(programs, false)
    }

    #[test]
    fn an_abolished_item_is_refused_with_its_document() {
        // 全面清理国家和公司文件明确要求取消的收费项目 … 将违规收费作为供电服务“红线”行为
        assert_eq!(
            abolished().len(),
            2,
            "an entry without a document is not a list entry"
        );
        let e =
            check_charge(&charge("高可靠性 供电费", 5000.0, true), None, &abolished()).unwrap_err();
        assert_eq!(e.field, "fee.item");
        assert!(
            e.zh.contains("国办函〔2020〕129号") && e.zh.contains("红线"),
            "{}",
            e.zh
        );
    }

    #[test]
    fn nothing_is_charged_for_a_three_zero_connection() {
        // 供电公司投资到电能表，享受“三零”（零上门、零审批、零投资）服务
        let d = decision(vec![Program::ThreeZero]);
        let e = check_charge(&charge("表前线材料费", 300.0, true), Some(&d), &[]).unwrap_err();
        assert_eq!(e.field, "fee.for_connection");
        assert!(e.zh.contains("零投资"));
        // A separate service the customer asked for is not the connection.
        assert_eq!(
            check_charge(&charge("电能质量检测", 300.0, false), Some(&d), &[]),
            Ok(())
        );
        // Without 三零 the connection's own lawful fee may be recorded.
        let d = decision(vec![]);
        assert_eq!(
            check_charge(&charge("高压供电工程费", 3000.0, true), Some(&d), &[]),
            Ok(())
        );
    }

    #[test]
    fn amounts_and_items_are_checked() {
        for bad in [0.0, -1.0, f64::NAN, f64::INFINITY, 2e7] {
            assert_eq!(
                check_charge(&charge("工程费", bad, false), None, &[])
                    .unwrap_err()
                    .field,
                "fee.amount_yuan"
            );
        }
        assert_eq!(
            check_charge(&charge(" ", 1.0, false), None, &[])
                .unwrap_err()
                .field,
            "fee.item"
        );
    }
}
