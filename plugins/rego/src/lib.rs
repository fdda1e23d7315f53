//! Rego rule modules (OPA's policy language): a module whose rules are a `.rego` file, evaluated
//! by the [regorus](https://crates.io/crates/regorus) interpreter inside the module, so inside
//! powerdesk's sandbox like any other rule module.
//!
//! A module crate holds the policy file and one line of Rust:
//!
//! ```ignore
//! powerdesk_policy_rego::export_rego_module!(JnAccessRego, "policy/access.rego");
//! ```
//!
//! The policy text is embedded when the module is built, so the module's sha256 in bundle.toml
//! pins the exact rules (as it does for a Rust module) and `describe()` can read the rule table
//! from the policy itself.
//!
//! What the policy sees and returns (documented for authors in plugins/README.md):
//! - `input.application`: the application as the Application JSON names it (`customer`, `site`,
//!   `request`, `received` as "YYYY-MM-DD"); an absent optional (`capacity_kva`, `park_level`, …)
//!   is left out, so it is undefined in Rego, never `null`.
//! - `input.params`: every bundle parameter, decoded: integers and numbers as numbers, strings
//!   and dates as strings, booleans, lists of strings as arrays.
//! - `input.evaluation_date` ("YYYY-MM-DD") and `input.draft` (what earlier modules decided, in
//!   the Decision JSON's names).
//! - `rules`: the rule table, an array of `{"id", "text"}` (describe()).
//! - `decision`: an object with any of the Decision JSON's parts: `access` (`class`,
//!   `voltage`), `programs`, `investment_boundary`, `external_line_payer`, `steps` (each `id`,
//!   `limit_working_days`, `from`), `grid_total_limit_working_days` (a number, or `null` for
//!   none), `tariff_cut_yuan_per_kwh`, `free_efficiency_service`, `rules` (ids from the table);
//!   or `unsupported` / `bad_parameter` (a message) to refuse the application.
//!
//! The interpreter parses the policy once per instance, and powerdesk runs one instance per
//! batch: a batch of 256 decisions parses it once. The parameters are converted once per batch.

use std::cell::RefCell;
use std::rc::Rc;

pub use powerdesk_policy_sdk as sdk;
pub use regorus;

use regorus::{Engine, Value};
use sdk::*;

/// A Rego policy built into a module.
#[derive(Debug, Clone, Copy)]
pub struct RegoPolicy {
    /// The module's name and version (describe()).
    pub name: &'static str,
    pub version: &'static str,
    /// The policy file's path in the crate, for error messages.
    pub file: &'static str,
    /// The policy text.
    pub source: &'static str,
}

/// Export a Rego policy as a rule module: `export_rego_module!(Name, "policy/file.rego")`
/// defines `pub struct Name` implementing [`RuleModule`] (so it runs natively in tests) and, built
/// for wasm32, exports it as the component's `rules` interface.
#[macro_export]
macro_rules! export_rego_module {
    ($module:ident, $file:literal) => {
        /// A rule module whose rules are the Rego policy file named in `export_rego_module!`.
        pub struct $module;

        impl $module {
            /// The policy this module evaluates.
            pub const POLICY: $crate::RegoPolicy = $crate::RegoPolicy {
                name: env!("CARGO_PKG_NAME"),
                version: env!("CARGO_PKG_VERSION"),
                file: $file,
                source: include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/", $file)),
            };
        }

        impl $crate::sdk::RuleModule for $module {
            fn describe() -> $crate::sdk::ModuleInfo {
                $crate::describe(&Self::POLICY)
            }
            fn decide(
                e: &$crate::sdk::Evaluation,
            ) -> ::core::result::Result<$crate::sdk::Decision, $crate::sdk::RuleError> {
                $crate::decide(&Self::POLICY, e)
            }
        }

        $crate::sdk::export_rule_module!($module);
    };
}

/// The policy as the interpreter holds it, with what was made of the current batch's parameters.
struct Loaded {
    engine: Engine,
    /// `data.<package>.decision`.
    decision_rule: String,
    /// describe()'s rule ids, leaked once so a decision can cite them as `&'static str`.
    rule_ids: Vec<&'static str>,
    /// The parameters last converted and their Rego value, or why they do not match the
    /// declarations (one batch shares them).
    params: Option<(Params, Result<Value, String>)>,
    /// describe(), read from the same parse: the SDK asks for it once per batch too.
    info: ModuleInfo,
}

thread_local! {
    /// One loaded policy per module of the process (natively several modules share a process;
    /// in the sandbox an instance holds one, for one batch).
    static LOADED: RefCell<Vec<(usize, Rc<RefCell<Loaded>>)>> = const { RefCell::new(Vec::new()) };
}

fn internal(policy: &RegoPolicy, what: impl core::fmt::Display) -> RuleError {
    RuleError::Internal(format!("{}: {what}", policy.file))
}

/// Parse the policy (once per instance: the parse is most of a fresh sandbox's fuel) and read
/// its declarations.
fn load(policy: &RegoPolicy) -> Result<Loaded, RuleError> {
    let mut engine = Engine::new();
    let package = engine
        .add_policy(policy.file.to_string(), policy.source.to_string())
        .map_err(|e| internal(policy, format_args!("does not parse: {e}")))?;
    // Cached whole even when the SDK's decide glue asks for the rule ids alone.
    let info = with_declarations(|| declarations(policy, &mut engine, &package))
        .map_err(|e| internal(policy, e))?;
    Ok(Loaded {
        engine,
        decision_rule: format!("{package}.decision"),
        rule_ids: info
            .rules
            .iter()
            .map(|r| &*Box::leak(r.id.clone().into_boxed_str()))
            .collect(),
        params: None,
        info,
    })
}

/// The policy's `rules`: an array of `{"id": string, "text": string}`.
fn rule_table(v: &Value) -> Result<Vec<(String, String)>, String> {
    let items = v
        .as_array()
        .map_err(|_| "must be an array of {\"id\": …, \"text\": …}".to_string())?;
    items
        .iter()
        .map(|r| {
            let field = |k: &str| {
                r[k].as_string()
                    .map(|s| s.to_string())
                    .map_err(|_| format!("an entry without a string \"{k}\": {r}"))
            };
            Ok((field("id")?, field("text")?))
        })
        .collect()
}

fn with_loaded<T>(
    policy: &RegoPolicy,
    f: impl FnOnce(&mut Loaded) -> Result<T, RuleError>,
) -> Result<T, RuleError> {
    let key = policy.source.as_ptr() as usize;
    let found = LOADED.with(|l| {
        l.borrow()
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v.clone())
    });
    let loaded = match found {
        Some(l) => l,
        None => {
            let l = Rc::new(RefCell::new(load(policy)?));
            LOADED.with(|all| all.borrow_mut().push((key, l.clone())));
            l
        }
    };
    let mut loaded = loaded.borrow_mut();
    f(&mut loaded)
}

/// describe(): the crate's name and version, and from the policy its rule table (`rules`), the
/// parameters it reads (`parameters`) and the aspects it decides and reads (`decides`, `reads`).
/// A policy that does not parse or declares them wrongly panics with the reason naming the file:
/// `cargo test` in the module's crate shows it, and in the sandbox the module traps in describe()
/// and powerdesk refuses it at load.
pub fn describe(policy: &RegoPolicy) -> ModuleInfo {
    with_loaded(policy, |l| Ok(l.info.clone())).unwrap_or_else(|e| panic!("{e}"))
}

fn declarations(
    policy: &RegoPolicy,
    engine: &mut Engine,
    package: &str,
) -> Result<ModuleInfo, String> {
    let mut eval = |name: &str| {
        engine
            .eval_rule(format!("{package}.{name}"))
            .map_err(|e| format!("{package}.{name}: {e}"))
    };
    let rules = rule_table(&eval("rules")?).map_err(|e| format!("{package}.rules: {e}"))?;
    let params = eval("parameters")?;
    let decides = eval("decides")?;
    let reads = eval("reads")?;
    let mut info = rules.iter().fold(
        ModuleInfo::new(policy.name, policy.version),
        |m, (id, text)| m.rule(id, text),
    );
    if params != Value::Undefined {
        let list = params.as_array().map_err(|_| {
            format!("{package}.parameters: must be an array of {{\"name\", \"kind\", …}}")
        })?;
        for p in list.iter() {
            info = info.param(param_info(p).map_err(|e| format!("{package}.parameters: {e}"))?);
        }
    }
    info = info.decides(&aspects(&decides).map_err(|e| format!("{package}.decides: {e}"))?);
    if reads != Value::Undefined {
        info = info.reads(&aspects(&reads).map_err(|e| format!("{package}.reads: {e}"))?);
    }
    Ok(info)
}

/// One `{"name", "kind", "min", "max", "one_of", "optional", "doc"}` of `parameters`; `kind` names
/// the SDK's `ParamInfo` constructor: integer, days, number, text, flag, texts, date, classes,
/// voltages, park_levels, high_voltage.
fn param_info(p: &Value) -> Result<ParamInfo, String> {
    let text = |k: &str| p[k].as_string().map(|s| s.to_string());
    let name = text("name").map_err(|_| format!("an entry without a string \"name\": {p}"))?;
    let kind = text("kind").map_err(|_| format!("{name}: no string \"kind\""))?;
    let mut info = match kind.as_str() {
        "integer" => ParamInfo::int(&name),
        "days" => ParamInfo::days(&name),
        "number" => ParamInfo::number(&name),
        "text" => ParamInfo::text(&name),
        "flag" => ParamInfo::flag(&name),
        "texts" => ParamInfo::texts(&name),
        "date" => ParamInfo::date(&name),
        "classes" => ParamInfo::classes(&name),
        "voltages" => ParamInfo::voltages(&name),
        "park_levels" => ParamInfo::park_levels(&name),
        "high_voltage" => ParamInfo::high_voltage(&name),
        other => {
            return Err(format!(
                "{name}: kind {other:?} is not one of integer, days, number, text, flag, texts, \
                 date, classes, voltages, park_levels, high_voltage"
            ))
        }
    };
    match (&p["min"], &p["max"]) {
        (Value::Undefined, Value::Undefined) => {}
        (min, max) => match (min.as_f64(), max.as_f64()) {
            (Ok(min), Ok(max)) => info = info.range(min, max),
            _ => return Err(format!("{name}: give both \"min\" and \"max\" as numbers")),
        },
    }
    if let Value::Array(values) = &p["one_of"] {
        let values: Vec<String> = values
            .iter()
            .map(|v| v.as_string().map(|s| s.to_string()))
            .collect::<Result<_, _>>()
            .map_err(|_| format!("{name}: \"one_of\" must be an array of strings"))?;
        info = info.one_of(&values.iter().map(String::as_str).collect::<Vec<_>>());
    }
    if p["optional"] == Value::from(true) {
        info = info.optional();
    }
    if let Ok(doc) = text("doc") {
        info = info.doc(&doc);
    }
    Ok(info)
}

/// An array or set of aspect ids (access, programs, investment_boundary, external_line_payer,
/// steps, grid_total, tariff_cut, free_efficiency_service).
fn aspects(v: &Value) -> Result<Vec<Aspect>, String> {
    let all = Aspect::ALL.map(Aspect::id).join(", ");
    items(v)
        .ok_or_else(|| format!("must be an array of aspect ids ({all})"))?
        .into_iter()
        .map(|a| {
            a.as_string()
                .ok()
                .and_then(|s| Aspect::ALL.into_iter().find(|x| x.id() == &**s))
                .ok_or_else(|| format!("{a} is not one of {all}"))
        })
        .collect()
}

/// decide(): evaluate `data.<package>.decision` with the evaluation as input and fill in the
/// draft.
pub fn decide(policy: &RegoPolicy, e: &Evaluation) -> Result<Decision, RuleError> {
    with_loaded(policy, |l| {
        let params = match &l.params {
            Some((p, v)) if *p == e.params => v.clone(),
            _ => {
                let v = check_params(&l.info, &e.params).map(|()| params_value(&e.params));
                l.params = Some((e.params.clone(), v.clone()));
                v
            }
        }
        .map_err(RuleError::BadParameter)?;
        let input = obj([
            ("application", application_value(&e.application)),
            ("params", params),
            (
                "evaluation_date",
                Value::from(e.evaluation_date.to_string()),
            ),
            ("draft", decision_value(&e.draft)),
        ]);
        l.engine.set_input(input);
        let out = l
            .engine
            .eval_rule(l.decision_rule.clone())
            .map_err(|err| internal(policy, err))?;
        apply_output(policy, &l.rule_ids, &l.decision_rule, &e.draft, &out)
    })
}

fn obj<const N: usize>(fields: [(&str, Value); N]) -> Value {
    let mut v = Value::new_object();
    let o = v.as_object_mut().expect("a new object");
    for (k, x) in fields {
        if x != Value::Undefined {
            o.insert(Value::from(k), x);
        }
    }
    v
}

fn opt<T>(x: Option<T>, f: impl FnOnce(T) -> Value) -> Value {
    x.map(f).unwrap_or(Value::Undefined)
}

fn strings<'a>(items: impl IntoIterator<Item = &'a str>) -> Value {
    Value::from(items.into_iter().map(Value::from).collect::<Vec<_>>())
}

/// The parameters checked against the policy's declarations, as the SDK's accessors check them
/// for a Rust module: a required one present, each of its declared kind, within its range and
/// among its allowed values. The policy then reads `input.params` without checking them itself.
fn check_params(info: &ModuleInfo, p: &Params) -> Result<(), String> {
    for d in &info.params {
        let name = &d.name;
        let Some(v) = p.get(name) else {
            if d.required {
                return Err(format!(
                    "{name}: missing (a {}); add it to the bundle's [parameters]",
                    d.kind.id()
                ));
            }
            continue;
        };
        let number = match v {
            ParamValue::Integer(i) => Some(*i as f64),
            ParamValue::Number(n) => Some(*n),
            _ => None,
        };
        let fits = match (d.kind, v) {
            (ParamKind::Integer, ParamValue::Integer(_))
            | (ParamKind::Number, ParamValue::Integer(_) | ParamValue::Number(_))
            | (ParamKind::Text, ParamValue::Text(_))
            | (ParamKind::Flag, ParamValue::Flag(_))
            | (ParamKind::Texts, ParamValue::Texts(_)) => true,
            (ParamKind::Date, ParamValue::Text(t)) => Date::parse(t).is_some(),
            _ => false,
        };
        if !fits {
            return Err(format!("{name}: expected a {}, found {v:?}", d.kind.id()));
        }
        if let Some(x) = number {
            let below = d.min.is_some_and(|m| x < m);
            let above = d.max.is_some_and(|m| x > m);
            if below || above || !x.is_finite() {
                return Err(format!(
                    "{name}: {x} is outside {} ..= {}",
                    d.min.map_or("-inf".into(), |m| m.to_string()),
                    d.max.map_or("inf".into(), |m| m.to_string())
                ));
            }
        }
        let texts: &[String] = match v {
            ParamValue::Text(t) => core::slice::from_ref(t),
            ParamValue::Texts(t) => t,
            _ => &[],
        };
        if let Some(t) = texts
            .iter()
            .find(|t| !d.one_of.is_empty() && !d.one_of.contains(t))
        {
            return Err(format!(
                "{name}: {t:?} is not one of {}",
                d.one_of.join(", ")
            ));
        }
    }
    Ok(())
}

fn params_value(p: &Params) -> Value {
    let mut v = Value::new_object();
    let o = v.as_object_mut().expect("a new object");
    for (name, value) in p.iter() {
        let x = match value {
            ParamValue::Integer(i) => Value::from(*i),
            ParamValue::Number(n) => Value::from(*n),
            ParamValue::Text(s) => Value::from(s.as_str()),
            ParamValue::Flag(b) => Value::from(*b),
            ParamValue::Texts(t) => strings(t.iter().map(String::as_str)),
        };
        o.insert(Value::from(name), x);
    }
    v
}

fn request_kind(k: RequestKind) -> &'static str {
    match k {
        RequestKind::New => "new",
        RequestKind::CapacityIncrease => "capacity_increase",
        RequestKind::Transfer => "transfer",
        RequestKind::Temporary => "temporary",
    }
}

fn application_value(a: &Application) -> Value {
    let r = &a.request;
    obj([
        (
            "customer",
            obj([
                ("class", Value::from(a.customer.class.id())),
                (
                    "star_rating",
                    Value::from(u32::from(a.customer.star_rating)),
                ),
            ]),
        ),
        (
            "site",
            obj([
                ("county", Value::from(a.site.county.as_str())),
                ("rural", Value::from(a.site.rural)),
                ("park_name", opt(a.site.park_name.as_deref(), Value::from)),
                (
                    "park_level",
                    opt(a.site.park_level, |l| Value::from(l.id())),
                ),
                ("kinetic_library", Value::from(a.site.kinetic_library)),
            ]),
        ),
        (
            "request",
            obj([
                ("kind", Value::from(request_kind(r.kind))),
                ("voltage", Value::from(r.voltage.id())),
                ("capacity_kw", opt(r.capacity_kw, Value::from)),
                ("capacity_kva", opt(r.capacity_kva, Value::from)),
                ("permanent", Value::from(r.permanent)),
                ("direct_meter", Value::from(r.direct_meter)),
                ("simple_line", Value::from(r.simple_line)),
                (
                    "grid_project_need_date",
                    opt(r.grid_project_need_date, |d| Value::from(d.to_string())),
                ),
                ("important", Value::from(r.important)),
                ("dual_supply", Value::from(r.dual_supply)),
                (
                    "existing_capacity_kw",
                    opt(r.existing_capacity_kw, Value::from),
                ),
                (
                    "existing_capacity_kva",
                    opt(r.existing_capacity_kva, Value::from),
                ),
            ]),
        ),
        ("received", Value::from(a.received.to_string())),
    ])
}

const ACCESS_CLASSES: [(AccessClass, &str); 3] = [
    (AccessClass::LowVoltage, "low_voltage"),
    (AccessClass::HvOrdinary, "hv_ordinary"),
    (AccessClass::HvStandard, "hv_standard"),
];
const PROGRAMS: [(Program, &str); 2] = [
    (Program::ThreeZero, "three_zero"),
    (Program::ThreeSave, "three_save"),
];
const BOUNDARIES: [(InvestmentBoundary, &str); 3] = [
    (InvestmentBoundary::Meter, "meter"),
    (InvestmentBoundary::PlanningRedLine, "planning_red_line"),
    (InvestmentBoundary::PropertyBoundary, "property_boundary"),
];
const PAYERS: [(LinePayer, &str); 3] = [
    (LinePayer::Utility, "utility"),
    (LinePayer::CountyGovernment, "county_government"),
    (LinePayer::Customer, "customer"),
];

fn ids<T>(table: &[(T, &'static str)]) -> Vec<&'static str> {
    table.iter().map(|(_, s)| *s).collect()
}

fn id_of<T: PartialEq + Copy>(table: &[(T, &'static str)], x: T) -> &'static str {
    table
        .iter()
        .find(|(t, _)| *t == x)
        .map(|(_, s)| *s)
        .unwrap_or("?")
}

fn decision_value(d: &Decision) -> Value {
    let access = match (d.access_class, d.access_voltage) {
        (Some(c), Some(v)) => obj([
            ("class", Value::from(id_of(&ACCESS_CLASSES, c))),
            ("voltage", Value::from(v.id())),
        ]),
        _ => Value::Undefined,
    };
    obj([
        ("access", access),
        (
            "programs",
            strings(d.programs.iter().map(|p| id_of(&PROGRAMS, *p))),
        ),
        (
            "investment_boundary",
            opt(d.investment_boundary, |b| {
                Value::from(id_of(&BOUNDARIES, b))
            }),
        ),
        (
            "external_line_payer",
            opt(d.external_line_payer, |p| Value::from(id_of(&PAYERS, p))),
        ),
        (
            "steps",
            Value::from(
                d.steps
                    .iter()
                    .map(|s| {
                        obj([
                            ("id", Value::from(s.step.id())),
                            ("limit_working_days", Value::from(s.limit_working_days)),
                            ("from", Value::from(s.from.id())),
                        ])
                    })
                    .collect::<Vec<_>>(),
            ),
        ),
        (
            "grid_total_limit_working_days",
            opt(d.grid_total_limit_working_days, Value::from),
        ),
        (
            "tariff_cut_yuan_per_kwh",
            opt(d.tariff_cut_yuan_per_kwh, Value::from),
        ),
        (
            "free_efficiency_service",
            opt(d.free_efficiency_service, Value::from),
        ),
        ("rules", strings(d.rules.iter().copied())),
    ])
}

/// The items of an array or a set.
fn items(v: &Value) -> Option<Vec<&Value>> {
    match v {
        Value::Array(a) => Some(a.iter().collect()),
        Value::Set(s) => Some(s.iter().collect()),
        _ => None,
    }
}

/// Map the policy's `decision` onto the draft; every problem names the part and the value.
fn apply_output(
    policy: &RegoPolicy,
    rule_ids: &[&'static str],
    rule: &str,
    draft: &Decision,
    out: &Value,
) -> Result<Decision, RuleError> {
    let bad = |part: &str, what: &dyn core::fmt::Display| {
        internal(policy, format_args!("{rule}.{part}: {what}"))
    };
    if *out == Value::Undefined {
        return Err(internal(
            policy,
            format_args!(
                "{rule} is undefined for this application: a rule body failed (a missing parameter or \
                 input field?); give `decision` a value for every application, or refuse it with \
                 `unsupported`"
            ),
        ));
    }
    let o = out.as_object().map_err(|_| {
        internal(
            policy,
            format_args!("{rule} must be an object, found {out}"),
        )
    })?;
    let get = |k: &str| o.get(&Value::from(k));
    let text = |part: &str| -> Result<Option<String>, RuleError> {
        match get(part) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.to_string())),
            Some(v) => Err(bad(part, &format_args!("expected a string, found {v}"))),
        }
    };
    if let Some(m) = text("bad_parameter")? {
        return Err(RuleError::BadParameter(m));
    }
    if let Some(m) = text("unsupported")? {
        return Err(RuleError::Unsupported(m));
    }
    let known: &[&str] = &[
        "access",
        "programs",
        "investment_boundary",
        "external_line_payer",
        "steps",
        "grid_total_limit_working_days",
        "tariff_cut_yuan_per_kwh",
        "free_efficiency_service",
        "rules",
    ];
    for k in o.keys() {
        if !k.as_string().is_ok_and(|s| known.contains(&&**s)) {
            return Err(bad(
                &k.to_string(),
                &format_args!("not a part of a decision (one of {})", known.join(", ")),
            ));
        }
    }
    let pick = |part: &str, v: &Value, table: &[&'static str]| -> Result<usize, RuleError> {
        v.as_string()
            .ok()
            .and_then(|s| table.iter().position(|t| **t == **s))
            .ok_or_else(|| {
                bad(
                    part,
                    &format_args!("{v} is not one of {}", table.join(", ")),
                )
            })
    };
    let days = |part: &str, v: &Value| -> Result<u32, RuleError> {
        v.as_f64()
            .ok()
            .filter(|d| d.fract() == 0.0 && *d >= 0.0 && *d <= f64::from(u32::MAX))
            .map(|d| d as u32)
            .ok_or_else(|| {
                bad(
                    part,
                    &format_args!("{v} is not a whole number of working days"),
                )
            })
    };

    let mut d = draft.clone();
    if let Some(a) = get("access") {
        let class = pick("access.class", &a["class"], &ids(&ACCESS_CLASSES))?;
        let voltage = pick(
            "access.voltage",
            &a["voltage"],
            &Voltage::ALL.map(Voltage::id),
        )?;
        d.access_class = Some(ACCESS_CLASSES[class].0);
        d.access_voltage = Some(Voltage::ALL[voltage]);
    }
    if let Some(v) = get("programs") {
        let list = items(v).ok_or_else(|| bad("programs", &"expected an array or a set"))?;
        let mut found = Vec::new();
        for p in list {
            found.push(pick("programs", p, &ids(&PROGRAMS))?);
        }
        found.sort_unstable();
        for i in found {
            d.add_program(PROGRAMS[i].0);
        }
    }
    if let Some(v) = get("investment_boundary") {
        d.investment_boundary =
            Some(BOUNDARIES[pick("investment_boundary", v, &ids(&BOUNDARIES))?].0);
    }
    if let Some(v) = get("external_line_payer") {
        d.external_line_payer = Some(PAYERS[pick("external_line_payer", v, &ids(&PAYERS))?].0);
    }
    if let Some(v) = get("steps") {
        let list = items(v).ok_or_else(|| bad("steps", &"expected an array or a set"))?;
        let mut found = Vec::new();
        for s in list {
            let step = pick("steps[].id", &s["id"], &Step::ALL.map(Step::id))?;
            let from = pick("steps[].from", &s["from"], &Event::ALL.map(Event::id))?;
            let limit = days("steps[].limit_working_days", &s["limit_working_days"])?;
            found.push((step, limit, from));
        }
        // In process order, whatever order the policy listed them in.
        found.sort_unstable();
        for (step, limit, from) in found {
            d.set_step(Step::ALL[step], limit, Event::ALL[from]);
        }
    }
    if let Some(v) = get("grid_total_limit_working_days") {
        d.grid_total_limit_working_days = match v {
            Value::Null => None,
            v => Some(days("grid_total_limit_working_days", v)?),
        };
    }
    if let Some(v) = get("tariff_cut_yuan_per_kwh") {
        d.tariff_cut_yuan_per_kwh = Some(v.as_f64().map_err(|_| {
            bad(
                "tariff_cut_yuan_per_kwh",
                &format_args!("{v} is not a number"),
            )
        })?);
    }
    if let Some(v) = get("free_efficiency_service") {
        d.free_efficiency_service = Some(*v.as_bool().map_err(|_| {
            bad(
                "free_efficiency_service",
                &format_args!("{v} is not a boolean"),
            )
        })?);
    }
    if let Some(v) = get("rules") {
        let list =
            items(v).ok_or_else(|| bad("rules", &"expected an array or a set of rule ids"))?;
        let mut found = Vec::new();
        for r in list {
            let i = pick("rules", r, rule_ids)?;
            found.push(i);
        }
        // Cited in the rule table's order.
        found.sort_unstable();
        for i in found {
            d.apply(rule_ids[i]);
        }
    }
    Ok(d)
}
