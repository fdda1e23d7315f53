//! 声明: what a module declares in describe() besides its rules (contract 5): the parameters it
//! reads, with kind and range, and the aspects of the decision it decides and reads from the
//! modules before it. Checked on their own when a module loads, against the modules' order when a
//! bundle loads, against bundle.toml's `[parameters]` by `policy check` (and so before
//! activation); rule texts are shown with the bundle's values of the parameters they name.

use super::host::{wit, RuleModule};
use super::manifest::ParamValue;

/// The aspect's id (the Decision JSON's field it covers; `access` is class and voltage).
pub fn aspect_id(a: wit::Aspect) -> &'static str {
    match a {
        wit::Aspect::Access => "access",
        wit::Aspect::Programs => "programs",
        wit::Aspect::InvestmentBoundary => "investment_boundary",
        wit::Aspect::ExternalLinePayer => "external_line_payer",
        wit::Aspect::Steps => "steps",
        wit::Aspect::GridTotal => "grid_total",
        wit::Aspect::TariffCut => "tariff_cut",
        wit::Aspect::FreeEfficiencyService => "free_efficiency_service",
    }
}

/// The kind's name, as the SDK's `ParamKind::id` writes it.
pub fn kind_id(k: wit::ParamKind) -> &'static str {
    match k {
        wit::ParamKind::Integer => "integer",
        wit::ParamKind::Number => "number",
        wit::ParamKind::Text => "text",
        wit::ParamKind::Flag => "flag",
        wit::ParamKind::Texts => "texts",
        wit::ParamKind::Date => "date",
    }
}

/// What a declaration expects, for messages: `integer in 0..=365`, `texts, each one of a, b`.
pub fn expectation(p: &wit::ParamInfo) -> String {
    let mut s = kind_id(p.kind).to_string();
    match (p.min, p.max) {
        (Some(lo), Some(hi)) => s.push_str(&format!(" in {lo}..={hi}")),
        (Some(lo), None) => s.push_str(&format!(" ≥ {lo}")),
        (None, Some(hi)) => s.push_str(&format!(" ≤ {hi}")),
        (None, None) => {}
    }
    if !p.one_of.is_empty() {
        let each = if p.kind == wit::ParamKind::Texts {
            ", each"
        } else {
            ","
        };
        s.push_str(&format!("{each} one of {}", p.one_of.join(", ")));
    }
    s
}

fn is_param_name(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// The parameter names a rule text uses, `{name}` each (other braces are text).
pub fn placeholders(text: &str) -> impl Iterator<Item = &str> {
    text.split('{').skip(1).filter_map(|rest| {
        let name = rest.split_once('}')?.0;
        is_param_name(name).then_some(name)
    })
}

/// A rule text with each `{name}` of a bundle parameter replaced by its value (a list as its
/// entries joined by `、`); a name the bundle does not set stays as written.
pub fn render_rule_text(text: &str, params: &[(String, ParamValue)]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let value = after.split_once('}').and_then(|(name, _)| {
            let v = params.iter().find(|(n, _)| n == name).map(|(_, v)| v)?;
            Some((name.len(), v))
        });
        match value {
            Some((len, v)) => {
                out.push_str(&value_text(v));
                rest = &after[len + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// A parameter's value as a rule text shows it.
pub fn value_text(v: &ParamValue) -> String {
    match v {
        ParamValue::Integer(i) => i.to_string(),
        ParamValue::Number(x) => x.to_string(),
        ParamValue::Text(s) => s.clone(),
        ParamValue::Flag(b) => b.to_string(),
        ParamValue::Texts(v) => v.join("、"),
    }
}

/// A cited rule as `evaluate --explain` shows it: its module, its text with the bundle's values
/// and the parameters the text names with those values.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ExplainedRule {
    pub rule: String,
    pub module: String,
    pub text: String,
    pub parameters: std::collections::BTreeMap<String, serde_json::Value>,
}

/// Each of `rules` (a decision's cited ids, in order) with the first module that declares it.
pub fn explain_rules(
    modules: &[RuleModule],
    params: &[(String, ParamValue)],
    rules: &[String],
) -> Vec<ExplainedRule> {
    rules
        .iter()
        .filter_map(|id| {
            let (m, r) = modules
                .iter()
                .find_map(|m| m.rules.iter().find(|r| r.id == *id).map(|r| (m, r)))?;
            let parameters = placeholders(&r.text)
                .filter_map(|name| {
                    let v = params.iter().find(|(n, _)| n == name)?;
                    Some((name.to_string(), param_json(&v.1)))
                })
                .collect();
            Some(ExplainedRule {
                rule: id.clone(),
                module: m.name.clone(),
                text: render_rule_text(&r.text, params),
                parameters,
            })
        })
        .collect()
}

fn param_json(v: &ParamValue) -> serde_json::Value {
    match v {
        ParamValue::Integer(i) => (*i).into(),
        ParamValue::Number(x) => (*x).into(),
        ParamValue::Text(s) => s.clone().into(),
        ParamValue::Flag(b) => (*b).into(),
        ParamValue::Texts(v) => v.clone().into(),
    }
}

/// A module's declarations on their own (checked when it loads): parameter names well formed and
/// declared once, ranges on numbers only and not empty, allowed values on texts only, each aspect
/// named once, at least one aspect decided, and every `{name}` of a rule text a declared parameter.
pub fn check_module_info(info: &wit::ModuleInfo) -> Result<(), String> {
    for (i, p) in info.params.iter().enumerate() {
        if !is_param_name(&p.name) {
            return Err(format!(
                "describe() declares parameter {:?}: a name is ASCII letters, digits and _",
                p.name
            ));
        }
        if info.params[..i].iter().any(|q| q.name == p.name) {
            return Err(format!("describe() declares parameter `{}` twice", p.name));
        }
        let numeric = matches!(p.kind, wit::ParamKind::Integer | wit::ParamKind::Number);
        if !numeric && (p.min.is_some() || p.max.is_some()) {
            return Err(format!(
                "describe() gives parameter `{}` ({}) a range: only an integer or a number has one",
                p.name,
                kind_id(p.kind)
            ));
        }
        let bad_bound = |b: Option<f64>| b.is_some_and(|x| !x.is_finite());
        if bad_bound(p.min)
            || bad_bound(p.max)
            || matches!((p.min, p.max), (Some(lo), Some(hi)) if lo > hi)
        {
            return Err(format!(
                "describe() gives parameter `{}` an empty or non-finite range ({:?}..={:?})",
                p.name, p.min, p.max
            ));
        }
        if !p.one_of.is_empty() && !matches!(p.kind, wit::ParamKind::Text | wit::ParamKind::Texts) {
            return Err(format!(
                "describe() gives parameter `{}` ({}) allowed values: only a text or texts has them",
                p.name,
                kind_id(p.kind)
            ));
        }
    }
    for (what, list) in [("decides", &info.decides), ("reads", &info.reads)] {
        if let Some(a) = list
            .iter()
            .enumerate()
            .find(|(i, a)| list[..*i].contains(a))
        {
            return Err(format!("describe() {what} `{}` twice", aspect_id(*a.1)));
        }
    }
    if info.decides.is_empty() {
        return Err("describe() decides no aspect of the decision: declare what its part sets (`.decides(&[Aspect::…])`)".into());
    }
    for r in &info.rules {
        if let Some(name) =
            placeholders(&r.text).find(|n| !info.params.iter().any(|p| p.name == *n))
        {
            return Err(format!(
                "rule {}'s text names {{{name}}}, which describe() does not declare as a parameter; declare it or write the text without braces",
                r.id
            ));
        }
    }
    Ok(())
}

/// The first aspect `part` sets that `decides` does not declare.
pub fn undeclared_aspect(decides: &[wit::Aspect], part: &wit::Decision) -> Option<wit::Aspect> {
    let sets = [
        (
            wit::Aspect::Access,
            part.access_class.is_some() || part.access_voltage.is_some(),
        ),
        (wit::Aspect::Programs, !part.programs.is_empty()),
        (
            wit::Aspect::InvestmentBoundary,
            part.investment_boundary.is_some(),
        ),
        (
            wit::Aspect::ExternalLinePayer,
            part.external_line_payer.is_some(),
        ),
        (wit::Aspect::Steps, !part.steps.is_empty()),
        (
            wit::Aspect::GridTotal,
            part.grid_total_limit_working_days.is_some(),
        ),
        (
            wit::Aspect::TariffCut,
            part.tariff_cut_yuan_per_kwh.is_some(),
        ),
        (
            wit::Aspect::FreeEfficiencyService,
            part.free_efficiency_service.is_some(),
        ),
    ];
    sets.into_iter()
        .find(|(a, set)| *set && !decides.contains(a))
        .map(|(a, _)| a)
}

/// The modules' order: every aspect a module reads must be decided by a module before it. A
/// module placed before the one that decides what it reads is refused, naming both.
pub fn check_order(modules: &[RuleModule]) -> Result<(), String> {
    for (i, m) in modules.iter().enumerate() {
        for &a in &m.reads {
            if modules[..i].iter().any(|e| e.decides.contains(&a)) {
                continue;
            }
            return Err(match modules[i + 1..].iter().find(|l| l.decides.contains(&a)) {
                Some(later) => format!(
                    "module {} reads `{}`, which module {} decides, but runs before it: list {} before {} in bundle.toml's [[modules]]",
                    m.name,
                    aspect_id(a),
                    later.name,
                    later.name,
                    m.name
                ),
                None => format!(
                    "module {} reads `{}`, which no module of the bundle decides: add a module that decides it before {}",
                    m.name,
                    aspect_id(a),
                    m.name
                ),
            });
        }
    }
    Ok(())
}

/// A bundle parameter that does not fit what the modules declare.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ParamProblem {
    /// The module whose declaration it breaks (empty for a parameter no module declares).
    pub module: String,
    pub parameter: String,
    pub problem: String,
}

impl std::fmt::Display for ParamProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.module.is_empty() {
            write!(f, "parameters.{}: {}", self.parameter, self.problem)
        } else {
            write!(
                f,
                "parameters.{}: {} (module {})",
                self.parameter, self.problem, self.module
            )
        }
    }
}

/// bundle.toml's `[parameters]` against the modules' declarations: a required parameter missing,
/// a value of the wrong kind, out of range or not among the allowed values, two modules declaring
/// one name as different kinds, and a parameter no module declares (a typo, or a leftover). Every
/// problem, in module and declaration order, then the undeclared ones by name.
pub fn check_parameters(
    modules: &[RuleModule],
    params: &[(String, ParamValue)],
) -> Vec<ParamProblem> {
    let mut problems = Vec::new();
    for (i, m) in modules.iter().enumerate() {
        for p in &m.params {
            let problem = |problem: String| ParamProblem {
                module: m.name.clone(),
                parameter: p.name.clone(),
                problem,
            };
            if let Some(other) = modules[..i]
                .iter()
                .find_map(|o| o.params.iter().find(|q| q.name == p.name).map(|q| (o, q)))
                .filter(|(_, q)| q.kind != p.kind)
            {
                problems.push(problem(format!(
                    "declared as {}, but module {} declares it as {}",
                    kind_id(p.kind),
                    other.0.name,
                    kind_id(other.1.kind)
                )));
                continue;
            }
            match params.iter().find(|(n, _)| *n == p.name) {
                None if p.required => problems.push(problem(format!(
                    "missing: the module reads it as {}; add `{} = …` to [parameters]",
                    expectation(p),
                    p.name
                ))),
                None => {}
                Some((_, v)) => {
                    if let Err(e) = check_value(p, v) {
                        problems.push(problem(e));
                    }
                }
            }
        }
    }
    for (name, _) in params {
        if !modules
            .iter()
            .any(|m| m.params.iter().any(|p| p.name == *name))
        {
            problems.push(ParamProblem {
                module: String::new(),
                parameter: name.clone(),
                problem: format!(
                    "no module declares it (modules: {}); remove it, or check its spelling",
                    modules
                        .iter()
                        .map(|m| m.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            });
        }
    }
    problems
}

/// Whether `v` fits declaration `p`; otherwise what is wrong, with the value found.
fn check_value(p: &wit::ParamInfo, v: &ParamValue) -> Result<(), String> {
    let wrong = || {
        format!(
            "expected {}, found {} {v}",
            expectation(p),
            match v {
                ParamValue::Integer(_) => "the integer",
                ParamValue::Number(_) => "the number",
                ParamValue::Text(_) => "the text",
                ParamValue::Flag(_) => "the flag",
                ParamValue::Texts(_) => "the list",
            }
        )
    };
    let number = match (p.kind, v) {
        (wit::ParamKind::Integer, ParamValue::Integer(i)) => Some(*i as f64),
        (wit::ParamKind::Number, ParamValue::Integer(i)) => Some(*i as f64),
        (wit::ParamKind::Number, ParamValue::Number(x)) => Some(*x),
        (wit::ParamKind::Text, ParamValue::Text(s)) => {
            allowed(p, s)?;
            None
        }
        (wit::ParamKind::Texts, ParamValue::Texts(v)) => {
            for (i, s) in v.iter().enumerate() {
                allowed(p, s).map_err(|e| format!("[{i}]: {e}"))?;
            }
            None
        }
        (wit::ParamKind::Date, ParamValue::Text(s)) => {
            chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .map_err(|_| format!("expected a date YYYY-MM-DD, found {s:?}"))?;
            None
        }
        (wit::ParamKind::Flag, ParamValue::Flag(_)) => None,
        _ => return Err(wrong()),
    };
    if let Some(x) = number {
        if p.min.is_some_and(|lo| x < lo) || p.max.is_some_and(|hi| x > hi) {
            return Err(format!("{x} is out of range: expected {}", expectation(p)));
        }
    }
    Ok(())
}

fn allowed(p: &wit::ParamInfo, s: &str) -> Result<(), String> {
    if p.one_of.is_empty() || p.one_of.iter().any(|a| a == s) {
        Ok(())
    } else {
        Err(format!(
            "{s:?} is not allowed: expected one of {}",
            p.one_of.join(", ")
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rule_text_shows_the_values_of_the_parameters_it_names() {
        let params = vec![
            ("lv_max_kw".to_string(), ParamValue::Integer(200)),
            ("cut".to_string(), ParamValue::Number(0.011)),
            (
                "classes".to_string(),
                ParamValue::Texts(vec!["resident".into(), "small_micro".into()]),
            ),
        ];
        assert_eq!(
            render_rule_text(
                "低压接入容量提升至{lv_max_kw}千瓦，降价{cut}元，{classes}",
                &params
            ),
            "低压接入容量提升至200千瓦，降价0.011元，resident、small_micro"
        );
        // Unknown names and stray braces stay as written.
        assert_eq!(
            render_rule_text("{unknown} {不是} { x", &params),
            "{unknown} {不是} { x"
        );
        assert_eq!(
            placeholders("a {lv_max_kw} b {cut} {不是}").collect::<Vec<_>>(),
            ["lv_max_kw", "cut"]
        );
    }
}
