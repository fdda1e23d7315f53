//! 样例: a bundle's fixture cases (policies/<region>/fixtures/*.json) run through its real modules.
//!
//! A fixture file holds one case or an array of cases:
//! ```json
//! { "name": "小微企业 150 kW 农村 直接装表",
//!   "evaluation_date": "2026-03-02",            // optional; default: the received date
//!   "application": { …the Application JSON of docs/contracts.md… },
//!   "expected": { "access": { "class": "low_voltage" }, "programs": ["three_zero"] } }
//! ```
//! `expected` (or `expect`) is a part of the Decision JSON: only the fields it names are compared
//! (objects field by field, `rules` and `programs` as sets, other arrays and values whole). `"expect": { "error": "…" }` expects the bundle to
//! refuse, with that text in the message.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::Deserialize;
use serde_json::Value;

use super::bundle::Bundle;
use super::files::{read_regular_text, MAX_FIXTURE_BYTES};
use crate::domain::application::ApplicationForm;

/// One fixture case.
#[derive(Debug, Clone, Deserialize)]
pub struct Case {
    pub name: String,
    #[serde(default)]
    pub evaluation_date: Option<NaiveDate>,
    #[serde(default)]
    pub note: Option<String>,
    pub application: ApplicationForm,
    #[serde(alias = "expected")]
    pub expect: Value,
    /// The file the case came from (filled in when loading).
    #[serde(skip)]
    pub file: PathBuf,
}

/// A field whose value differs from what the case expects.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Mismatch {
    /// JSON path in the decision, e.g. `access.class`.
    pub field: String,
    pub expected: Value,
    pub actual: Value,
}

/// The outcome of one case.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CaseResult {
    pub name: String,
    pub file: String,
    pub passed: bool,
    pub mismatches: Vec<Mismatch>,
    /// The bundle's error, if it refused when a decision was expected (or the other way round).
    pub error: Option<String>,
}

/// A fixture directory that could not be read.
#[derive(Debug, thiserror::Error)]
pub enum FixtureError {
    #[error("fixtures {dir}: cannot read: {message}")]
    Io { dir: PathBuf, message: String },
    #[error("fixture {file}: {message}")]
    Parse { file: PathBuf, message: String },
    #[error(
        "fixtures {dir}: no *.json cases found; add cases under the bundle's fixtures/ directory"
    )]
    Empty { dir: PathBuf },
}

/// The fixture directory of a bundle.
pub fn fixture_dir(bundle_dir: &Path) -> PathBuf {
    bundle_dir.join("fixtures")
}

/// Read every case under `dir` (files sorted by name).
pub fn load_cases(dir: &Path) -> Result<Vec<Case>, FixtureError> {
    let io = |e: std::io::Error| FixtureError::Io {
        dir: dir.to_path_buf(),
        message: e.to_string(),
    };
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(io)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    let mut cases = Vec::new();
    for file in files {
        let parse = |message: String| FixtureError::Parse {
            file: file.clone(),
            message,
        };
        let text = read_regular_text(&file, MAX_FIXTURE_BYTES)
            .map_err(|e| parse(format!("cannot read: {e}")))?;
        let value: Value = serde_json::from_str(&text).map_err(|e| parse(e.to_string()))?;
        let items = match value {
            Value::Array(items) => items,
            one => vec![one],
        };
        for (i, item) in items.into_iter().enumerate() {
            let mut case: Case = serde_path_to_error::deserialize(item)
                .map_err(|e| parse(format!("case {i}: {}: {}", e.path(), e.inner())))?;
            case.file = file.clone();
            cases.push(case);
        }
    }
    if cases.is_empty() {
        return Err(FixtureError::Empty {
            dir: dir.to_path_buf(),
        });
    }
    Ok(cases)
}

/// Run one case through the bundle.
pub fn run_case(bundle: &Bundle, case: &Case) -> CaseResult {
    let on = case
        .evaluation_date
        .unwrap_or_else(|| crate::domain::calendar::china_date(case.application.received_at));
    let mut result = CaseResult {
        name: case.name.clone(),
        file: case.file.display().to_string(),
        passed: false,
        mismatches: Vec::new(),
        error: None,
    };
    let expected_error = case.expect.get("error").and_then(Value::as_str);
    match (bundle.evaluate(&case.application, on), expected_error) {
        (Ok(decision), None) => {
            let actual = serde_json::to_value(&decision).expect("decisions serialize");
            compare("", &case.expect, &actual, &mut result.mismatches);
            result.passed = result.mismatches.is_empty();
        }
        (Ok(_), Some(e)) => {
            result.error = Some(format!(
                "expected the bundle to refuse with \"{e}\", but it decided"
            ))
        }
        (Err(err), Some(e)) => {
            let msg = err.to_string();
            result.passed = msg.contains(e);
            if !result.passed {
                result.error = Some(format!("expected an error containing \"{e}\", got: {msg}"));
            }
        }
        (Err(err), None) => result.error = Some(err.to_string()),
    }
    result
}

/// Run every case of the bundle's fixtures.
pub fn run_all(bundle: &Bundle) -> Result<Vec<CaseResult>, FixtureError> {
    let cases = load_cases(&fixture_dir(bundle.dir()))?;
    Ok(cases.iter().map(|c| run_case(bundle, c)).collect())
}

/// Compare the fields `expected` names; numbers compare as numbers (150 == 150.0).
fn compare(path: &str, expected: &Value, actual: &Value, out: &mut Vec<Mismatch>) {
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => {
            for (k, ev) in e {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                compare(&p, ev, a.get(k).unwrap_or(&Value::Null), out);
            }
        }
        (Value::Number(e), Value::Number(a)) if e.as_f64() == a.as_f64() => {}
        (Value::Array(e), Value::Array(a))
            if (path == "rules" || path == "programs") && same_set(e, a) => {}
        (e, a) if e == a => {}
        (e, a) => out.push(Mismatch {
            field: path.to_string(),
            expected: e.clone(),
            actual: a.clone(),
        }),
    }
}

fn same_set(e: &[Value], a: &[Value]) -> bool {
    e.len() == a.len() && e.iter().all(|x| a.contains(x)) && a.iter().all(|x| e.contains(x))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn compare_names_only_the_fields_that_differ() {
        let mut out = Vec::new();
        compare(
            "",
            &json!({"access": {"class": "low_voltage"}, "programs": ["three_zero"], "tariff_cut_yuan_per_kwh": 0}),
            &json!({"access": {"class": "hv_ordinary", "voltage": "10kV"}, "programs": ["three_zero"], "tariff_cut_yuan_per_kwh": 0.0}),
            &mut out,
        );
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].field, "access.class");
        assert_eq!(out[0].expected, json!("low_voltage"));
        assert_eq!(out[0].actual, json!("hv_ordinary"));
    }
}
