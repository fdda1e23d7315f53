//! Runs a bundle's fixture cases through the native (rlib) build of its rule modules, so the
//! fixtures and the rule logic are checked without WebAssembly. Shared by several test files, each
//! using a part of it.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use chrono::{Datelike, NaiveDate};
use powerdesk::domain::application::{self as app, ApplicationForm};
use powerdesk::domain::decision::{self as dd, Access, BundleRef, Decision, StepLimit};
use powerdesk::policy::bundle::check_in_force;
use powerdesk::policy::manifest::{self, Manifest};
use powerdesk_policy_sdk as sdk;
use serde::Deserialize;

/// A module's `decide`, natively.
pub type Decide = fn(&sdk::Evaluation) -> Result<sdk::Decision, sdk::RuleError>;

/// One fixture case: an application, the evaluation date and the expected decision (every field
/// but the bundle digest).
#[derive(Debug, Deserialize)]
pub struct Fixture {
    pub name: String,
    pub note: String,
    pub evaluation_date: NaiveDate,
    pub application: ApplicationForm,
    pub expected: serde_json::Value,
    #[serde(skip)]
    pub path: PathBuf,
}

pub fn bundle_dir(region: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("policies")
        .join(region)
}

/// Every fixture of the bundle, sorted by file name.
pub fn fixtures(dir: &Path) -> Vec<Fixture> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir.join("fixtures"))
        .expect("fixtures dir")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap();
            let mut f: Fixture =
                serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            f.path = p;
            f
        })
        .collect()
}

pub fn params(m: &Manifest) -> sdk::Params {
    sdk::Params::new(m.parameters.iter().map(|(n, v)| {
        let v = match v {
            manifest::ParamValue::Integer(i) => sdk::ParamValue::Integer(*i),
            manifest::ParamValue::Number(x) => sdk::ParamValue::Number(*x),
            manifest::ParamValue::Text(s) => sdk::ParamValue::Text(s.clone()),
            manifest::ParamValue::Flag(b) => sdk::ParamValue::Flag(*b),
            manifest::ParamValue::Texts(v) => sdk::ParamValue::Texts(v.clone()),
        };
        (n.clone(), v)
    }))
}

pub fn date(d: NaiveDate) -> sdk::Date {
    sdk::Date::new(d.year(), d.month() as u8, d.day() as u8)
}

fn voltage(v: app::Voltage) -> sdk::Voltage {
    sdk::Voltage::from_id(v.id()).unwrap()
}

/// The application as a rule sees it.
pub fn application(f: &ApplicationForm) -> sdk::Application {
    sdk::Application {
        customer: sdk::Customer {
            class: sdk::CustomerClass::from_id(f.customer.class.id()).unwrap(),
            star_rating: f.customer.star_rating,
        },
        site: sdk::Site {
            county: f.site.county.clone(),
            rural: f.site.rural,
            park_name: f.site.park_name.clone(),
            park_level: f
                .site
                .park_level
                .map(|l| sdk::ParkLevel::from_id(l.id()).unwrap()),
            kinetic_library: f.site.kinetic_library,
        },
        request: sdk::Request {
            kind: match f.request.kind {
                app::RequestKind::New => sdk::RequestKind::New,
                app::RequestKind::CapacityIncrease => sdk::RequestKind::CapacityIncrease,
                app::RequestKind::Transfer => sdk::RequestKind::Transfer,
                app::RequestKind::Temporary => sdk::RequestKind::Temporary,
            },
            voltage: voltage(f.request.voltage),
            capacity_kw: f.request.capacity_kw,
            capacity_kva: f.request.capacity_kva,
            permanent: f.request.permanent,
            direct_meter: f.request.direct_meter,
            simple_line: f.request.simple_line,
            grid_project_need_date: f.request.grid_project_need_date.map(date),
            important: f.request.important,
            dual_supply: f.request.dual_supply,
            existing_capacity_kw: f.request.existing_capacity_kw,
            existing_capacity_kva: f.request.existing_capacity_kva,
        },
        received: date(f.received_at.date_naive()),
    }
}

/// Run the modules in bundle order; the final draft as a contract Decision. As in the host, an
/// application received before the bundle took effect is refused first.
pub fn decide(
    m: &Manifest,
    modules: &[(&str, Decide)],
    form: &ApplicationForm,
    on: NaiveDate,
) -> Result<Decision, String> {
    check_in_force(m, form).map_err(|e| e.to_string())?;
    let mut e = sdk::Evaluation {
        application: application(form),
        params: params(m),
        evaluation_date: date(on),
        draft: sdk::Decision::default(),
    };
    for entry in &m.modules {
        let (_, run) = modules
            .iter()
            .find(|(n, _)| *n == entry.name)
            .ok_or_else(|| format!("no native build of module {}", entry.name))?;
        e.draft = run(&e).map_err(|err| format!("{}: {err}", entry.name))?;
    }
    contract(m, e.draft)
}

/// Natively, what powerdesk does with a batch: the parameters converted once, then every module
/// over every application (as of its own date) on top of the draft before it.
pub fn decide_batch(
    m: &Manifest,
    modules: &[(&str, Decide)],
    items: &[(&ApplicationForm, NaiveDate)],
) -> Vec<Result<Decision, String>> {
    let params = params(m);
    let runs: Vec<Decide> = m
        .modules
        .iter()
        .map(|entry| {
            modules
                .iter()
                .find(|(n, _)| *n == entry.name)
                .map(|(_, run)| *run)
                .unwrap_or_else(|| panic!("no native build of module {}", entry.name))
        })
        .collect();
    items
        .iter()
        .map(|(form, on)| {
            check_in_force(m, form).map_err(|e| e.to_string())?;
            let mut e = sdk::Evaluation {
                application: application(form),
                params: params.clone(),
                evaluation_date: date(*on),
                draft: sdk::Decision::default(),
            };
            for run in &runs {
                e.draft = run(&e).map_err(|err| err.to_string())?;
            }
            contract(m, e.draft)
        })
        .collect()
}

/// The SDK draft as the Decision of docs/contracts.md (every part must be decided).
pub fn contract(m: &Manifest, d: sdk::Decision) -> Result<Decision, String> {
    let missing = |what: &str| format!("no module decided {what}");
    Ok(Decision {
        bundle: BundleRef {
            region: m.bundle.region.clone(),
            version: m.bundle.version.clone(),
            digest: String::new(),
        },
        access: Access {
            class: match d.access_class.ok_or_else(|| missing("the access class"))? {
                sdk::AccessClass::LowVoltage => dd::AccessClass::LowVoltage,
                sdk::AccessClass::HvOrdinary => dd::AccessClass::HvOrdinary,
                sdk::AccessClass::HvStandard => dd::AccessClass::HvStandard,
            },
            voltage: app::Voltage::from_id(
                d.access_voltage
                    .ok_or_else(|| missing("the access voltage"))?
                    .id(),
            )
            .unwrap(),
        },
        programs: d
            .programs
            .iter()
            .map(|p| match p {
                sdk::Program::ThreeZero => dd::Program::ThreeZero,
                sdk::Program::ThreeSave => dd::Program::ThreeSave,
            })
            .collect(),
        investment_boundary: match d
            .investment_boundary
            .ok_or_else(|| missing("the investment boundary"))?
        {
            sdk::InvestmentBoundary::Meter => dd::InvestmentBoundary::Meter,
            sdk::InvestmentBoundary::PlanningRedLine => dd::InvestmentBoundary::PlanningRedLine,
            sdk::InvestmentBoundary::PropertyBoundary => dd::InvestmentBoundary::PropertyBoundary,
        },
        external_line_payer: match d
            .external_line_payer
            .ok_or_else(|| missing("the external line payer"))?
        {
            sdk::LinePayer::Utility => dd::LinePayer::Utility,
            sdk::LinePayer::CountyGovernment => dd::LinePayer::CountyGovernment,
            sdk::LinePayer::Customer => dd::LinePayer::Customer,
        },
        steps: d
            .steps
            .into_iter()
            .map(|s| StepLimit {
                id: s.step.id().to_string(),
                limit_working_days: s.limit_working_days,
                from: s.from.id().to_string(),
            })
            .collect(),
        grid_total_limit_working_days: d.grid_total_limit_working_days,
        tariff_cut_yuan_per_kwh: d
            .tariff_cut_yuan_per_kwh
            .ok_or_else(|| missing("the tariff cut"))?,
        free_efficiency_service: d
            .free_efficiency_service
            .ok_or_else(|| missing("the efficiency service"))?,
        rules: d.rules.iter().map(|r| r.to_string()).collect(),
    })
}

/// The decision as fixture JSON: the contract JSON without the bundle digest.
pub fn fixture_json(d: &Decision) -> serde_json::Value {
    let mut v = serde_json::to_value(d).unwrap();
    v["bundle"].as_object_mut().unwrap().remove("digest");
    v
}

/// The error a fixture expects instead of a decision (`"expected": { "error": "…" }`).
pub fn expected_error(f: &Fixture) -> Option<&str> {
    f.expected.get("error").and_then(serde_json::Value::as_str)
}

/// Check every fixture of a bundle; returns how many were checked.
pub fn check_all(region: &str, modules: &[(&str, Decide)]) -> usize {
    let dir = bundle_dir(region);
    let m = Manifest::load(&dir).unwrap();
    let cases = fixtures(&dir);
    let mut failures = Vec::new();
    for f in &cases {
        match (
            decide(&m, modules, &f.application, f.evaluation_date),
            expected_error(f),
        ) {
            (Err(e), Some(expected)) if e.contains(expected) => {}
            (Err(e), Some(expected)) => failures.push(format!(
                "{}: expected an error containing {expected:?}, got: {e}",
                f.name
            )),
            (Ok(_), Some(expected)) => failures.push(format!(
                "{}: expected an error containing {expected:?}, but it decided",
                f.name
            )),
            (Ok(d), None) => {
                let got = fixture_json(&d);
                if got != f.expected {
                    failures.push(format!(
                        "{} ({}):\n  expected {}\n  got      {}",
                        f.name,
                        f.path.display(),
                        f.expected,
                        got
                    ));
                }
            }
            (Err(e), None) => failures.push(format!("{}: {e}", f.name)),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} fixtures differ:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
    cases.len()
}
