//! 校验: what `policy check` proves of a loaded bundle, and what activation proves before a
//! bundle decides anything for a store (`policy check` plus the bundle's fixture cases).
//!
//! Loading already verified the digests, the contract, each module's declarations and the
//! modules' order ([`super::declare`]). `check` adds bundle.toml's parameters against what the
//! modules declare, then has every module read its parameters on sample applications
//! ([`super::probe`]); `prove` adds the fixture cases, every one of which must pass.

use super::bundle::Bundle;
use super::declare::{check_parameters, ParamProblem};
use super::fixtures::{self, CaseResult, FixtureError};
use super::host::PolicyError;
use super::probe;

/// What `check` found.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CheckReport {
    /// Sample applications the modules decided (of [`probe::PROBE_APPLICATIONS`]).
    pub probed: usize,
}

/// Why a bundle did not pass.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error("{} parameter{} of bundle.toml do not fit what the modules declare: {}", .0.len(), if .0.len() == 1 { "" } else { "s" }, list(.0))]
    Parameters(Vec<ParamProblem>),
    #[error("parameters: {0}")]
    Probe(PolicyError),
    #[error(transparent)]
    Fixtures(#[from] FixtureError),
    #[error("{} fixture case{} received before the bundle's effective date {effective} (`effective` in bundle.toml), which the bundle therefore cannot decide: {}; move their received_at (and evaluation_date) to {effective} or later, then `powerdesk policy test --bless` and review, or set `effective` no later than {earliest}", .cases.len(), if .cases.len() == 1 { " is" } else { "s are" }, .cases.join(", "))]
    CasesBeforeEffective {
        effective: chrono::NaiveDate,
        /// The earliest received day among them.
        earliest: chrono::NaiveDate,
        cases: Vec<String>,
    },
    #[error("{failed} of {total} fixture cases failed ({}); run `powerdesk policy test` on the bundle to see each difference", first.join(", "))]
    CasesFailed {
        failed: usize,
        total: usize,
        /// The first few failing cases' names.
        first: Vec<String>,
    },
}

fn list(problems: &[ParamProblem]) -> String {
    problems
        .iter()
        .map(|p| p.to_string())
        .collect::<Vec<_>>()
        .join("; ")
}

/// `policy check`: the parameters against the modules' declarations, then the probe.
pub fn check(bundle: &Bundle) -> Result<CheckReport, VerifyError> {
    let problems = check_parameters(bundle.modules(), bundle.parameters());
    if !problems.is_empty() {
        return Err(VerifyError::Parameters(problems));
    }
    let probed = probe::probe_parameters(bundle).map_err(VerifyError::Probe)?;
    cases_in_force(bundle)?;
    Ok(CheckReport { probed })
}

/// Every fixture case that expects a decision is received on or after the bundle's effective
/// date (moving `effective` later would otherwise fail them all, each with the same refusal).
/// Cases that do not load are left to `policy test`, which names their problem.
fn cases_in_force(bundle: &Bundle) -> Result<(), VerifyError> {
    let Ok(cases) = fixtures::load_cases(&fixtures::fixture_dir(bundle.dir())) else {
        return Ok(());
    };
    let effective = bundle.manifest().bundle.effective;
    let early: Vec<(chrono::NaiveDate, String)> = cases
        .iter()
        .filter(|c| c.expect.get("error").is_none())
        .map(|c| (super::bundle::received_day(&c.application), c))
        .filter(|(day, _)| *day < effective)
        .map(|(day, c)| {
            (
                day,
                crate::domain::text::escape_for_terminal(&c.name).into_owned(),
            )
        })
        .collect();
    let Some(earliest) = early.iter().map(|(d, _)| *d).min() else {
        return Ok(());
    };
    Err(VerifyError::CasesBeforeEffective {
        effective,
        earliest,
        cases: early.into_iter().map(|(_, name)| name).collect(),
    })
}

/// What activation requires: `check`, and every fixture case of the bundle passes.
pub fn prove(bundle: &Bundle) -> Result<(CheckReport, Vec<CaseResult>), VerifyError> {
    let report = check(bundle)?;
    let results = fixtures::run_all(bundle)?;
    let failed: Vec<&CaseResult> = results.iter().filter(|r| !r.passed).collect();
    if !failed.is_empty() {
        return Err(VerifyError::CasesFailed {
            failed: failed.len(),
            total: results.len(),
            first: failed
                .iter()
                .take(3)
                .map(|r| crate::domain::text::escape_for_terminal(&r.name).into_owned())
                .collect(),
        });
    }
    Ok((report, results))
}
