//! 规则模块模板: `powerdesk policy new NAME` writes a rule-module crate with one example rule and
//! its unit tests, plus a one-module bundle with a fixture, ready for `cargo test`,
//! `powerdesk policy build NAME/bundle` and `powerdesk policy test NAME/bundle`. The rule is
//! written in Rust ([`Lang::Rust`]) or in Rego ([`Lang::Rego`]: a `.rego` file the
//! `powerdesk-policy-rego` crate evaluates inside the module); both decide the fixture alike.

use std::path::{Path, PathBuf};

use super::build::{rego_dir, sdk_dir};

/// The language a scaffolded module's rules are written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Lang {
    /// Rust, with the SDK (`export_rule_module!`).
    #[default]
    Rust,
    /// Rego (OPA's policy language), run by the regorus interpreter inside the module
    /// (`export_rego_module!`).
    Rego,
}

/// Why a module could not be scaffolded; nothing is written then.
#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    #[error("module name {name:?}: {problem}")]
    BadName { name: String, problem: &'static str },
    #[error("{path} already exists; choose another name or directory")]
    Exists { path: PathBuf },
    #[error("{path}: cannot write: {source}")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Write a new module crate `DIR/NAME` (see the module comment); returns its directory.
pub fn scaffold(name: &str, dir: &Path, lang: Lang) -> Result<PathBuf, TemplateError> {
    check_name(name)?;
    let root = dir.join(name);
    if root.exists() {
        return Err(TemplateError::Exists { path: root });
    }
    // Write everything into a sibling temporary directory, then rename: all or nothing.
    let tmp = dir.join(format!(".{name}.scaffold-tmp"));
    let _ = std::fs::remove_dir_all(&tmp);
    let result = write_files(name, lang, &tmp).and_then(|()| {
        std::fs::rename(&tmp, &root).map_err(|source| TemplateError::Write {
            path: root.clone(),
            source,
        })
    });
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&tmp);
    }
    result.map(|()| root)
}

fn check_name(name: &str) -> Result<(), TemplateError> {
    let bad = |problem| {
        Err(TemplateError::BadName {
            name: name.into(),
            problem,
        })
    };
    if name.is_empty() || name.len() > 64 {
        return bad("use 1 to 64 characters");
    }
    if !name.starts_with(|c: char| c.is_ascii_lowercase()) {
        return bad("start with a lowercase ASCII letter");
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        return bad(
            "use only lowercase ASCII letters, digits and '-' (it becomes a Rust crate name)",
        );
    }
    if name.ends_with('-') || name.contains("--") {
        return bad("do not end with '-' or repeat '-'");
    }
    Ok(())
}

fn write_files(name: &str, lang: Lang, root: &Path) -> Result<(), TemplateError> {
    let sdk = format!("{:?}", sdk_dir().display().to_string());
    // The bundle gets its own copy of the shipped calendar files (a bundle is self-contained).
    let calendar: Vec<String> = super::SHIPPED_CALENDAR
        .iter()
        .map(|(y, _)| format!("    \"calendar/{y}.toml\","))
        .collect();
    let type_name: String = name
        .split('-')
        .map(|part| {
            let mut c = part.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect();
    let code = match lang {
        Lang::Rust => vec![
            (
                "Cargo.toml".to_string(),
                CARGO_TOML.replace("{name}", name).replace("{sdk}", &sdk),
            ),
            (
                "src/lib.rs".to_string(),
                LIB_RS.replace("{name}", name).replace("{Type}", &type_name),
            ),
        ],
        Lang::Rego => vec![
            (
                "Cargo.toml".to_string(),
                REGO_CARGO_TOML
                    .replace("{name}", name)
                    .replace("{sdk}", &sdk)
                    .replace("{rego}", &format!("{:?}", rego_dir().display().to_string())),
            ),
            (
                "src/lib.rs".to_string(),
                REGO_LIB_RS
                    .replace("{name}", name)
                    .replace("{Type}", &type_name),
            ),
            (
                format!("policy/{name}.rego"),
                REGO_POLICY
                    .replace("{name}", name)
                    .replace("{package}", &name.replace('-', "_")),
            ),
        ],
    };
    let files = [
        (
            "bundle/bundle.toml",
            BUNDLE_TOML
                .replace("{name}", name)
                .replace("{calendar}", &calendar.join("\n")),
        ),
        (
            "bundle/fixtures/low_voltage_within_threshold.json",
            FIXTURE.replace("{name}", name),
        ),
        (".gitignore", "/target\n".to_string()),
    ];
    let year_files: Vec<(String, String)> = super::SHIPPED_CALENDAR
        .iter()
        .map(|(y, text)| (format!("bundle/calendar/{y}.toml"), text.to_string()))
        .collect();
    let all = code
        .into_iter()
        .chain(files.into_iter().map(|(rel, text)| (rel.to_string(), text)))
        .chain(year_files);
    for (rel, text) in all {
        let path = root.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).map_err(|source| TemplateError::Write {
            path: path.clone(),
            source,
        })?;
        std::fs::write(&path, text).map_err(|source| TemplateError::Write { path, source })?;
    }
    Ok(())
}

const CARGO_TOML: &str = r#"[package]
name = "{name}"
version = "0.1.0"
edition = "2021"
publish = false

# cdylib: the WebAssembly module; rlib: the same rules, tested natively with `cargo test`.
[lib]
crate-type = ["cdylib", "rlib"]

[dependencies]
powerdesk-policy-sdk = { path = {sdk} }

# A crate of its own, not a member of an enclosing workspace.
[workspace]
"#;

const LIB_RS: &str = r#"//! {name}: a powerdesk rule module (政策规则模块).
//!
//! It decides a whole decision by itself, with one rule: EX-LV-THRESHOLD, low-voltage access up
//! to `lv_max_kw`. Every number comes from the bundle's [parameters]; change the rule, run
//! `cargo test`, then `powerdesk policy build bundle` and `powerdesk policy test bundle`.

use powerdesk_policy_sdk::*;

pub struct {Type};

export_rule_module!({Type});

impl RuleModule for {Type} {
    fn describe() -> ModuleInfo {
        ModuleInfo::new("{name}", env!("CARGO_PKG_VERSION"))
            .rule("EX-LV-THRESHOLD", "低压接入容量上限{lv_max_kw}千瓦 (low-voltage access up to {lv_max_kw} kW)")
            // Every parameter it reads, with its kind and range: `policy check` validates the
            // bundle's [parameters] against them.
            .param(ParamInfo::number("lv_max_kw").range(1.0, 10_000.0).doc("low-voltage threshold, kW"))
            .param(ParamInfo::days("lv_energize_wd"))
            .param(ParamInfo::days("hv_reply_plan_wd"))
            .param(ParamInfo::days("hv_energize_wd"))
            // The aspects of the decision its part sets (here: all of them), and reads from the
            // modules before it (none).
            .decides(&Aspect::ALL)
    }

    fn decide(e: &Evaluation) -> Result<Decision, RuleError> {
        let p = &e.params;
        let req = &e.application.request;
        let mut d = e.draft.clone();
        // Thresholds apply to existing + requested capacity (增容).
        let low = req.voltage.is_low() && req.total_kw()? <= p.positive("lv_max_kw")?;
        if low {
            d.access_class = Some(AccessClass::LowVoltage);
            d.access_voltage = Some(req.voltage);
            d.set_step(Step::Energize, p.days("lv_energize_wd")?, Event::Accepted);
            d.grid_total_limit_working_days = Some(p.days("lv_energize_wd")?);
            d.apply("EX-LV-THRESHOLD");
        } else {
            d.access_class = Some(AccessClass::HvStandard);
            d.access_voltage = Some(if req.voltage.is_low() { Voltage::Kv10 } else { req.voltage });
            d.set_step(Step::ReplyPlan, p.days("hv_reply_plan_wd")?, Event::Accepted);
            d.set_step(Step::Energize, p.days("hv_energize_wd")?, Event::CompletionReported);
            d.grid_total_limit_working_days = None;
        }
        d.investment_boundary.get_or_insert(InvestmentBoundary::PropertyBoundary);
        d.external_line_payer.get_or_insert(LinePayer::Customer);
        d.tariff_cut_yuan_per_kwh.get_or_insert(0.0);
        d.free_efficiency_service.get_or_insert(false);
        Ok(d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn evaluation(kw: f64) -> Evaluation {
        Evaluation {
            application: Application {
                customer: Customer { class: CustomerClass::Resident, star_rating: 0 },
                site: Site { county: "任城区".into(), rural: false, park_name: None, park_level: None, kinetic_library: false },
                request: Request {
                    kind: RequestKind::New,
                    voltage: Voltage::V380,
                    capacity_kw: Some(kw),
                    capacity_kva: None,
                    permanent: true,
                    direct_meter: true,
                    simple_line: false,
                    grid_project_need_date: None,
                    important: false,
                    dual_supply: false,
                    existing_capacity_kw: None,
                    existing_capacity_kva: None,
                },
                received: Date::new(2026, 3, 2),
            },
            params: Params::new([
                ("lv_max_kw", ParamValue::Integer(160)),
                ("lv_energize_wd", ParamValue::Integer(2)),
                ("hv_reply_plan_wd", ParamValue::Integer(15)),
                ("hv_energize_wd", ParamValue::Integer(5)),
            ]),
            evaluation_date: Date::new(2026, 3, 2),
            draft: Decision::default(),
        }
    }

    #[test]
    fn the_threshold_is_inclusive() {
        let d = {Type}::decide(&evaluation(160.0)).unwrap();
        assert_eq!(d.access_class, Some(AccessClass::LowVoltage));
        assert_eq!(d.rules, ["EX-LV-THRESHOLD"]);
        let d = {Type}::decide(&evaluation(161.0)).unwrap();
        assert_eq!(d.access_class, Some(AccessClass::HvStandard));
        assert!(d.rules.is_empty());
    }

    #[test]
    fn a_missing_parameter_is_named() {
        let mut e = evaluation(100.0);
        e.params.remove("lv_max_kw");
        assert!(matches!({Type}::decide(&e), Err(RuleError::BadParameter(m)) if m.starts_with("lv_max_kw")));
    }
}
"#;

const REGO_CARGO_TOML: &str = r#"[package]
name = "{name}"
version = "0.1.0"
edition = "2021"
publish = false

# cdylib: the WebAssembly module; rlib: the same rules, tested natively with `cargo test`.
[lib]
crate-type = ["cdylib", "rlib"]

[dependencies]
# Evaluates policy/{name}.rego inside the module (the regorus interpreter, built in).
powerdesk-policy-rego = { path = {rego} }
# The SDK without its bump arena: an interpreter frees memory it reuses within a batch.
powerdesk-policy-sdk = { path = {sdk}, default-features = false }

# A crate of its own, not a member of an enclosing workspace.
[workspace]
"#;

const REGO_LIB_RS: &str = r#"//! {name}: a powerdesk rule module (政策规则模块) written in Rego.
//!
//! The rules are `policy/{name}.rego`, built into the module and evaluated by the regorus
//! interpreter inside powerdesk's sandbox; this file only exports them and tests them natively.
//! Change the policy, run `cargo test`, then `powerdesk policy build bundle` and
//! `powerdesk policy test bundle`.

powerdesk_policy_rego::export_rego_module!({Type}, "policy/{name}.rego");

#[cfg(test)]
mod tests {
    use super::*;
    use powerdesk_policy_rego::sdk::*;

    fn evaluation(kw: f64) -> Evaluation {
        Evaluation {
            application: Application {
                customer: Customer { class: CustomerClass::Resident, star_rating: 0 },
                site: Site { county: "任城区".into(), rural: false, park_name: None, park_level: None, kinetic_library: false },
                request: Request {
                    kind: RequestKind::New,
                    voltage: Voltage::V380,
                    capacity_kw: Some(kw),
                    capacity_kva: None,
                    permanent: true,
                    direct_meter: true,
                    simple_line: false,
                    grid_project_need_date: None,
                    important: false,
                    dual_supply: false,
                    existing_capacity_kw: None,
                    existing_capacity_kva: None,
                },
                received: Date::new(2026, 3, 2),
            },
            params: Params::new([
                ("lv_max_kw", ParamValue::Integer(160)),
                ("lv_energize_wd", ParamValue::Integer(2)),
                ("hv_reply_plan_wd", ParamValue::Integer(15)),
                ("hv_energize_wd", ParamValue::Integer(5)),
            ]),
            evaluation_date: Date::new(2026, 3, 2),
            draft: Decision::default(),
        }
    }

    #[test]
    fn the_threshold_is_inclusive() {
        let d = {Type}::decide(&evaluation(160.0)).unwrap();
        assert_eq!(d.access_class, Some(AccessClass::LowVoltage));
        assert_eq!(d.rules, ["EX-LV-THRESHOLD"]);
        let d = {Type}::decide(&evaluation(161.0)).unwrap();
        assert_eq!(d.access_class, Some(AccessClass::HvStandard));
        assert_eq!(d.access_voltage, Some(Voltage::Kv10));
        assert!(d.rules.is_empty());
    }

    #[test]
    fn a_missing_parameter_is_named() {
        let mut e = evaluation(100.0);
        e.params.remove("lv_max_kw");
        assert!(matches!({Type}::decide(&e), Err(RuleError::BadParameter(m)) if m.starts_with("lv_max_kw")));
    }

    #[test]
    fn describe_reads_the_policy_declarations() {
        let info = {Type}::describe();
        assert_eq!(info.name, "{name}");
        assert_eq!(info.rules[0].id, "EX-LV-THRESHOLD");
        assert!(info.params.iter().any(|p| p.name == "lv_max_kw" && p.kind == ParamKind::Number));
        assert_eq!(info.decides, Aspect::ALL);
    }
}
"#;

const REGO_POLICY: &str = r#"# {name}: a powerdesk rule module in Rego (OPA's policy language), evaluated by the regorus
# interpreter inside the module. It decides a whole decision by itself, with one rule:
# EX-LV-THRESHOLD, low-voltage access up to lv_max_kw. Every number comes from the bundle's
# [parameters]. What the policy reads and returns: plugins/README.md, "Rego modules". In short:
# - input.application: the application in the Application JSON's names (customer, site, request,
#   received "YYYY-MM-DD"); an absent optional field (capacity_kva, …) is undefined, never null;
# - input.params: the bundle's [parameters], decoded (numbers, strings, booleans, arrays) and
#   already checked against `parameters` below (present, of their kind, in range): use them as
#   they are;
# - input.evaluation_date, and input.draft: what the modules before this one decided;
# - decision: the parts this module decides, or {"unsupported": "why"} to refuse an application.
package powerdesk.{package}

# The rule table (describe()); `{lv_max_kw}` in a text is the bundle's value (evaluate --explain).
rules := [
	{"id": "EX-LV-THRESHOLD", "text": "低压接入容量上限{lv_max_kw}千瓦 (low-voltage access up to {lv_max_kw} kW)"},
]

# The parameters the rules read: `policy check` validates bundle.toml against them. kind is one
# of integer, days (whole working days, 0-365), number, text, flag, texts, date, classes,
# voltages, park_levels, high_voltage; "min"/"max" bound a number, "one_of" lists allowed texts,
# "optional": true for one another parameter enables, "doc" says what it means.
parameters := [
	{"name": "lv_max_kw", "kind": "number", "min": 1, "max": 10000, "doc": "low-voltage threshold, kW"},
	{"name": "lv_energize_wd", "kind": "days"},
	{"name": "hv_reply_plan_wd", "kind": "days"},
	{"name": "hv_energize_wd", "kind": "days"},
]

# The parts of a decision this module decides (here: all of them), and those it reads from the
# modules before it (none).
decides := ["access", "programs", "investment_boundary", "external_line_payer", "steps", "grid_total", "tariff_cut", "free_efficiency_service"]

reads := []

p := input.params

req := input.application.request

low_voltages := {"220V", "380V"}

# Thresholds apply to existing + requested capacity (增容).
total_kw := req.capacity_kw + object.get(req, "existing_capacity_kw", 0)

low if {
	req.voltage in low_voltages
	total_kw <= p.lv_max_kw
}

high_voltage := "10kV" if {
	req.voltage in low_voltages
} else := req.voltage

# What this module decides besides access and steps, the same for every application.
costs := {
	"programs": [],
	"investment_boundary": "property_boundary",
	"external_line_payer": "customer",
	"tariff_cut_yuan_per_kwh": 0,
	"free_efficiency_service": false,
}

decision := {"unsupported": sprintf("a %s request needs capacity_kw", [req.voltage])} if {
	req.voltage in low_voltages
	not req.capacity_kw
} else := object.union(costs, {
	"access": {"class": "low_voltage", "voltage": req.voltage},
	"steps": [{"id": "energize", "limit_working_days": p.lv_energize_wd, "from": "accepted"}],
	"grid_total_limit_working_days": p.lv_energize_wd,
	"rules": ["EX-LV-THRESHOLD"],
}) if {
	low
} else := object.union(costs, {
	"access": {"class": "hv_standard", "voltage": high_voltage},
	"steps": [
		{"id": "reply_plan", "limit_working_days": p.hv_reply_plan_wd, "from": "accepted"},
		{"id": "energize", "limit_working_days": p.hv_energize_wd, "from": "completion_reported"},
	],
	"grid_total_limit_working_days": null,
	"rules": [],
})
"#;

const BUNDLE_TOML: &str = r#"# A one-module bundle for {name}. Build with `powerdesk policy build bundle`, check the cases
# under fixtures/ with `powerdesk policy test bundle`.

[bundle]
region = "{name}"
name = "{name}"
version = "0.1.0"
effective = 2026-01-01
contract = "5"
calendar = [
{calendar}
]

[parameters]
lv_max_kw = 160
lv_energize_wd = 2
hv_reply_plan_wd = 15
hv_energize_wd = 5

[[modules]]
name = "{name}"
file = "modules/{name}.wasm"
source = ".."
sha256 = ""
"#;

const FIXTURE: &str = r#"{
  "name": "low_voltage_within_threshold",
  "note": "150 kW at 380 V is within lv_max_kw = 160: low voltage, energized within 2 working days",
  "evaluation_date": "2026-03-02",
  "application": {
    "customer": { "name": "济宁市任城区惠民商贸有限公司", "class": "small_micro", "id_number": "91370811MA3C5XXXX5", "phone": "13800000000", "star_rating": 0 },
    "site": { "county": "任城区", "address": "济宁市任城区某某路 18 号", "rural": false, "park_name": null, "park_level": null, "kinetic_library": false },
    "request": { "kind": "new", "voltage": "380V", "capacity_kw": 150, "capacity_kva": null, "permanent": true, "direct_meter": true, "simple_line": false, "grid_project_need_date": null },
    "received_at": "2026-03-02T09:00:00+08:00"
  },
  "expected": {
    "bundle": { "region": "{name}", "version": "0.1.0" },
    "access": { "class": "low_voltage", "voltage": "380V" },
    "programs": [],
    "investment_boundary": "property_boundary",
    "external_line_payer": "customer",
    "steps": [{ "id": "energize", "limit_working_days": 2, "from": "accepted" }],
    "grid_total_limit_working_days": 2,
    "tariff_cut_yuan_per_kwh": 0.0,
    "free_efficiency_service": false,
    "rules": ["EX-LV-THRESHOLD"]
  }
}
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_must_be_crate_names() {
        for bad in ["", "Fee", "1fee", "fee_rules", "fee-", "fee--x", "收费"] {
            assert!(
                matches!(check_name(bad), Err(TemplateError::BadName { .. })),
                "{bad:?} accepted"
            );
        }
        check_name("fee-rules2").unwrap();
    }

    #[test]
    fn scaffolding_refuses_to_overwrite() {
        let tmp =
            std::env::temp_dir().join(format!("powerdesk-template-test-{}", std::process::id()));
        std::fs::create_dir_all(tmp.join("taken")).unwrap();
        let err = scaffold("taken", &tmp, Lang::Rust).unwrap_err();
        assert!(err.to_string().contains("already exists"), "{err}");
        let root = scaffold("fresh-rules", &tmp, Lang::Rust).unwrap();
        let lib = std::fs::read_to_string(root.join("src/lib.rs")).unwrap();
        assert!(
            lib.contains("pub struct FreshRules;")
                && lib.contains("export_rule_module!(FreshRules);")
        );
        let cargo = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
        assert!(cargo.contains(&format!("path = {:?}", sdk_dir().display().to_string())));
        assert!(!tmp.join(".fresh-rules.scaffold-tmp").exists());
        std::fs::remove_dir_all(&tmp).unwrap();
    }
}
