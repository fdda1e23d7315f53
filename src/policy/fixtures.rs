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
//! refuse, with that text in the message. A case that expects nothing (`{}`) is refused, and its
//! application is validated as `app new` validates one (`domain::validation`), so a case cannot
//! pass on an application the desk would never decide. `policy test --bless` rewrites the
//! expectations with what the bundle decides ([`bless`]).

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
            let name = crate::domain::text::escape_for_terminal(&case.name).into_owned();
            if case.expect.as_object().is_none_or(|o| o.is_empty()) {
                return Err(parse(format!(
                    "case {i} ({name}): `expected` names no field; write the decision it expects (or {{\"error\": \"…\"}}), or run `powerdesk policy test --bless` to fill it in after review"
                )));
            }
            if let Err(errors) = crate::domain::validation::validate(&case.application) {
                let list: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
                return Err(parse(format!(
                    "case {i} ({name}): the application would be refused by `app new`: {}",
                    list.join("; ")
                )));
            }
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
        (Err(err @ super::host::PolicyError::NotInForce { .. }), None) => {
            result.error = Some(format!(
                "{err} (a fixture expecting a decision must be received on or after the bundle's effective date: move its received_at on, or set `effective` earlier)"
            ))
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

/// A fixture file rewritten by [`bless`]: which cases changed, with their differences.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Blessed {
    pub file: String,
    pub name: String,
    /// The differences the new expectation settles (empty for a case that expected an error it
    /// no longer gets: then `error` says what it got).
    pub mismatches: Vec<Mismatch>,
    pub error: Option<String>,
    /// Values the old expectation held that the case's name or note still mentions (numbers,
    /// voltages, rule ids: `10kV`, `1250`, `JN-LV-160`): reword them to match the new one.
    pub stale_wording: Vec<String>,
}

/// The values of `mismatches`' old expectations that `name` or `note` mentions: numbers, as whole
/// numbers in the text, and strings with a digit (voltages, rule ids), ignoring case, spaces,
/// `_` and `-` (`10kV` is found in "10 kV" and in `connected_at_10kv`).
pub fn stale_wording(name: &str, note: Option<&str>, mismatches: &[Mismatch]) -> Vec<String> {
    fn leaves(v: &Value, out: &mut Vec<Value>) {
        match v {
            Value::Array(items) => items.iter().for_each(|i| leaves(i, out)),
            Value::Object(map) => map.values().for_each(|i| leaves(i, out)),
            Value::Number(_) | Value::String(_) => out.push(v.clone()),
            _ => {}
        }
    }
    let squash = |t: &str| -> String {
        t.chars()
            .filter(|c| !matches!(c, ' ' | '_' | '-'))
            .flat_map(char::to_lowercase)
            .collect()
    };
    let text = format!("{name}\n{}", note.unwrap_or(""));
    let squashed = squash(&text);
    // A whole number: not part of a longer number ("16" is not in "160", "2" not in "2.5").
    let has_number = |n: &str| {
        text.match_indices(n).any(|(i, _)| {
            let before = text[..i].chars().next_back();
            let after = text[i + n.len()..].chars().next();
            !before.is_some_and(|c| c.is_ascii_digit() || c == '.')
                && !after.is_some_and(|c| {
                    c.is_ascii_digit()
                        || (c == '.'
                            && text[i + n.len() + 1..].starts_with(|d: char| d.is_ascii_digit()))
                })
        })
    };
    let mut old = Vec::new();
    for m in mismatches {
        leaves(&m.expected, &mut old);
    }
    let mut found: Vec<String> = Vec::new();
    for v in old {
        let hit = match &v {
            Value::Number(n) => Some(n.to_string()).filter(|n| has_number(n)),
            Value::String(s) if s.chars().any(|c| c.is_ascii_digit()) => {
                Some(s.clone()).filter(|s| squashed.contains(&squash(s)))
            }
            _ => None,
        };
        if let Some(h) = hit.filter(|h| !found.contains(h)) {
            found.push(h);
        }
    }
    found
}

/// `policy test --bless`: rewrite the expectation of every failing case with what the bundle
/// decides now (the whole Decision JSON but its digest; or `{"error": …}` when it refuses),
/// keeping each file's other cases and fields; returns the cases rewritten, with the differences
/// that were shown to the author. A case whose application is refused by validation is not
/// blessed (the fixtures do not load).
pub fn bless(bundle: &Bundle) -> Result<Vec<Blessed>, FixtureError> {
    let cases = load_cases(&fixture_dir(bundle.dir()))?;
    let mut blessed = Vec::new();
    let mut by_file: std::collections::BTreeMap<PathBuf, Vec<(String, Value)>> =
        std::collections::BTreeMap::new();
    for case in &cases {
        let r = run_case(bundle, case);
        if r.passed {
            continue;
        }
        let on = case
            .evaluation_date
            .unwrap_or_else(|| crate::domain::calendar::china_date(case.application.received_at));
        let expect = match bundle.evaluate(&case.application, on) {
            Ok(d) => {
                let mut v = serde_json::to_value(&d).expect("decisions serialize");
                if let Some(b) = v.get_mut("bundle").and_then(Value::as_object_mut) {
                    b.remove("digest");
                }
                v
            }
            Err(e) => serde_json::json!({ "error": e.to_string() }),
        };
        by_file
            .entry(case.file.clone())
            .or_default()
            .push((case.name.clone(), expect));
        blessed.push(Blessed {
            stale_wording: stale_wording(&case.name, case.note.as_deref(), &r.mismatches),
            file: r.file,
            name: r.name,
            mismatches: r.mismatches,
            error: r.error,
        });
    }
    for (file, updates) in by_file {
        let io = |e: std::io::Error| FixtureError::Io {
            dir: file.clone(),
            message: e.to_string(),
        };
        let text = std::fs::read_to_string(&file).map_err(io)?;
        let mut value: Value = serde_json::from_str(&text).map_err(|e| FixtureError::Parse {
            file: file.clone(),
            message: e.to_string(),
        })?;
        let mut set = |case: &mut Value| {
            let name = case.get("name").and_then(Value::as_str).map(str::to_string);
            if let Some((_, expect)) = updates.iter().find(|(n, _)| Some(n) == name.as_ref()) {
                if let Some(o) = case.as_object_mut() {
                    let key = if o.contains_key("expect") {
                        "expect"
                    } else {
                        "expected"
                    };
                    o.insert(key.into(), expect.clone());
                }
            }
        };
        match &mut value {
            Value::Array(items) => items.iter_mut().for_each(&mut set),
            one => set(one),
        }
        let mut out = serde_json::to_string_pretty(&value).expect("JSON serializes");
        out.push('\n');
        let tmp = file.with_extension("json.tmp");
        std::fs::write(&tmp, out).map_err(io)?;
        std::fs::rename(&tmp, &file).map_err(io)?;
    }
    Ok(blessed)
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

    fn changed(field: &str, expected: Value, actual: Value) -> Mismatch {
        Mismatch {
            field: field.into(),
            expected,
            actual,
        }
    }

    #[test]
    fn stale_wording_names_old_values_a_name_or_note_still_mentions() {
        let m = [
            changed("access.voltage", "10kV".into(), "380V".into()),
            changed("access.class", "hv_ordinary".into(), "low_voltage".into()),
            changed("steps[0].limit_working_days", 2.into(), 5.into()),
            changed(
                "rules",
                serde_json::json!(["JN-10KV-STEPS"]),
                serde_json::json!([]),
            ),
        ];
        assert_eq!(
            stale_wording(
                "small_micro_161kw_connected_at_10kv",
                Some("→ 10 kV ordinary; the 2-WD limit; JN-10KV-STEPS"),
                &m
            ),
            ["10kV", "2", "JN-10KV-STEPS"]
        );
        // Numbers are whole: 2 is not in 1250, 2.5 or 12.
        assert!(stale_wording("x", Some("1250 kVA, 2.5 yuan, 12 days, 160kW"), &m).is_empty());
        // A class without a digit is not looked for (too common a word).
        assert!(stale_wording("hv_ordinary_case", None, &m[1..2]).is_empty());
    }
}
