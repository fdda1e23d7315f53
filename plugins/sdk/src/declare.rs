//! What a module declares in describe() besides its rules: the parameters it reads (with their
//! kind and range) and the aspects of the decision it decides and reads from earlier modules.
//! powerdesk's `policy check` validates bundle.toml and the modules' order against them.

use std::cell::Cell;

thread_local! {
    /// Set while [`rule_ids`] runs describe(): the builders then keep the rule ids alone.
    static RULES_ONLY: Cell<bool> = const { Cell::new(false) };
}

/// Whether describe() is being run for its rule ids alone (see [`rule_ids`]).
pub(crate) fn rules_only() -> bool {
    RULES_ONLY.with(Cell::get)
}

/// The ids of the rules `M::describe()` declares, in its order, without building its parameter
/// and aspect declarations or copying the rule texts: what the decide glue needs in every fresh
/// instance to send cited rules as indexes. The host's describe() call still gets everything.
pub fn rule_ids<M: crate::RuleModule>() -> Vec<String> {
    struct Reset;
    impl Drop for Reset {
        fn drop(&mut self) {
            RULES_ONLY.with(|r| r.set(false));
        }
    }
    RULES_ONLY.with(|r| r.set(true));
    let _reset = Reset;
    M::describe().rules.into_iter().map(|r| r.id).collect()
}

/// Run `f` with describe()'s builders keeping everything even inside [`rule_ids`]: for a module
/// that caches its whole describe() on first use (the Rego glue), so that the cache is never the
/// rule ids alone.
pub fn with_declarations<T>(f: impl FnOnce() -> T) -> T {
    struct Restore(bool);
    impl Drop for Restore {
        fn drop(&mut self) {
            RULES_ONLY.with(|r| r.set(self.0));
        }
    }
    let _restore = Restore(RULES_ONLY.with(|r| r.replace(false)));
    f()
}

/// The longest limit, in working days, a `days` parameter may set (a year of working days is
/// about 250; anything longer is a typo, not a policy).
pub const MAX_LIMIT_WORKING_DAYS: u32 = 365;

/// The kind of a parameter's value, as bundle.toml writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamKind {
    Integer,
    /// A number; an integer is accepted too.
    Number,
    Text,
    Flag,
    Texts,
    /// A string "YYYY-MM-DD" (or a TOML date).
    Date,
}

impl ParamKind {
    /// The kind's name in messages (`policy check`, docs).
    pub fn id(self) -> &'static str {
        match self {
            ParamKind::Integer => "integer",
            ParamKind::Number => "number",
            ParamKind::Text => "text",
            ParamKind::Flag => "flag",
            ParamKind::Texts => "texts",
            ParamKind::Date => "date",
        }
    }
}

/// A parameter a module reads. Build one with the constructor of the `Params` accessor the
/// module reads it with (`ParamInfo::days("lv_total_wd")` for `p.days("lv_total_wd")`).
#[derive(Debug, Clone, PartialEq)]
pub struct ParamInfo {
    pub name: String,
    pub kind: ParamKind,
    /// False for a parameter read only when another enables it.
    pub required: bool,
    /// Inclusive bounds of an integer or a number.
    pub min: Option<f64>,
    pub max: Option<f64>,
    /// The values a text, or each entry of texts, may take (empty: any).
    pub one_of: Vec<String>,
    pub doc: String,
}

const CLASS_IDS: [&str; 3] = ["resident", "small_micro", "enterprise"];
const VOLTAGE_IDS: [&str; 6] = ["220V", "380V", "10kV", "35kV", "110kV", "220kV"];
const HIGH_VOLTAGE_IDS: [&str; 4] = ["10kV", "35kV", "110kV", "220kV"];
const PARK_LEVEL_IDS: [&str; 3] = ["national", "provincial", "municipal"];

impl ParamInfo {
    pub fn new(name: &str, kind: ParamKind) -> ParamInfo {
        ParamInfo {
            // Only the rule ids are wanted: nothing is copied (the declaration is dropped).
            name: if rules_only() {
                String::new()
            } else {
                name.into()
            },
            kind,
            required: true,
            min: None,
            max: None,
            one_of: Vec::new(),
            doc: String::new(),
        }
    }

    /// Read with `p.int(name)`: bound it with [`ParamInfo::range`].
    pub fn int(name: &str) -> ParamInfo {
        ParamInfo::new(name, ParamKind::Integer)
    }

    /// Read with `p.days(name)`: 0 ..= [`MAX_LIMIT_WORKING_DAYS`].
    pub fn days(name: &str) -> ParamInfo {
        ParamInfo::int(name).range(0.0, f64::from(MAX_LIMIT_WORKING_DAYS))
    }

    /// Read with `p.number(name)` (or `p.positive(name)`: give it a range above 0).
    pub fn number(name: &str) -> ParamInfo {
        ParamInfo::new(name, ParamKind::Number)
    }

    pub fn text(name: &str) -> ParamInfo {
        ParamInfo::new(name, ParamKind::Text)
    }

    pub fn flag(name: &str) -> ParamInfo {
        ParamInfo::new(name, ParamKind::Flag)
    }

    /// Read with `p.texts(name)` or `p.documented(name)`.
    pub fn texts(name: &str) -> ParamInfo {
        ParamInfo::new(name, ParamKind::Texts)
    }

    pub fn date(name: &str) -> ParamInfo {
        ParamInfo::new(name, ParamKind::Date)
    }

    /// Read with `p.classes(name)`.
    pub fn classes(name: &str) -> ParamInfo {
        ParamInfo::texts(name).one_of(&CLASS_IDS)
    }

    /// Read with `p.voltages(name)`.
    pub fn voltages(name: &str) -> ParamInfo {
        ParamInfo::texts(name).one_of(&VOLTAGE_IDS)
    }

    /// Read with `p.park_levels(name)`.
    pub fn park_levels(name: &str) -> ParamInfo {
        ParamInfo::texts(name).one_of(&PARK_LEVEL_IDS)
    }

    /// Read with `p.high_voltage(name)`.
    pub fn high_voltage(name: &str) -> ParamInfo {
        ParamInfo::text(name).one_of(&HIGH_VOLTAGE_IDS)
    }

    /// Inclusive bounds of an integer or a number.
    pub fn range(mut self, min: f64, max: f64) -> ParamInfo {
        self.min = Some(min);
        self.max = Some(max);
        self
    }

    /// The values a text, or each entry of texts, may take.
    pub fn one_of(mut self, values: &[&str]) -> ParamInfo {
        if rules_only() {
            return self;
        }
        self.one_of = values.iter().map(|v| v.to_string()).collect();
        self
    }

    /// Read only when another parameter enables it: may be left out of bundle.toml.
    pub fn optional(mut self) -> ParamInfo {
        self.required = false;
        self
    }

    /// What the parameter means.
    pub fn doc(mut self, doc: &str) -> ParamInfo {
        if !rules_only() {
            self.doc = doc.into();
        }
        self
    }
}

/// An aspect of a decision: the decision's fields, `Access` being class and voltage together.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Aspect {
    Access,
    Programs,
    InvestmentBoundary,
    ExternalLinePayer,
    Steps,
    GridTotal,
    TariffCut,
    FreeEfficiencyService,
}

impl Aspect {
    pub const ALL: [Aspect; 8] = [
        Aspect::Access,
        Aspect::Programs,
        Aspect::InvestmentBoundary,
        Aspect::ExternalLinePayer,
        Aspect::Steps,
        Aspect::GridTotal,
        Aspect::TariffCut,
        Aspect::FreeEfficiencyService,
    ];

    /// The aspect's id (the Decision JSON's field it covers).
    pub fn id(self) -> &'static str {
        match self {
            Aspect::Access => "access",
            Aspect::Programs => "programs",
            Aspect::InvestmentBoundary => "investment_boundary",
            Aspect::ExternalLinePayer => "external_line_payer",
            Aspect::Steps => "steps",
            Aspect::GridTotal => "grid_total",
            Aspect::TariffCut => "tariff_cut",
            Aspect::FreeEfficiencyService => "free_efficiency_service",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::*;

    /// A module declaring rules, its own parameters, a shared block's and aspects.
    struct Declares;
    impl RuleModule for Declares {
        fn describe() -> ModuleInfo {
            ModuleInfo::new("declares", "0.1.0")
                .rule("X-1", "up to {lv_max_kw} kW")
                .param(ParamInfo::number("lv_max_kw").range(1.0, 10.0).doc("kW"))
                .params(cost_params())
                .rule("X-2", "second")
                .param(ParamInfo::classes("lv_classes"))
                .decides(&[Aspect::Access])
                .reads(&[Aspect::Programs])
        }
        fn decide(e: &Evaluation) -> Result<Decision, RuleError> {
            Ok(e.draft.clone())
        }
    }

    #[test]
    fn rule_ids_are_describes_ids_without_the_declarations_being_built() {
        let full = Declares::describe();
        assert_eq!(rule_ids::<Declares>(), ["X-1", "X-2"]);
        assert_eq!(
            full.rules.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(),
            ["X-1", "X-2"]
        );
        // While the ids are read nothing else is kept ...
        RULES_ONLY.with(|r| r.set(true));
        let bare = Declares::describe();
        RULES_ONLY.with(|r| r.set(false));
        assert!(bare.params.is_empty() && bare.decides.is_empty() && bare.reads.is_empty());
        assert!(bare.rules.iter().all(|r| r.text.is_empty()));
        // ... and afterwards describe() declares everything again.
        let again = Declares::describe();
        assert_eq!(again, full);
        assert_eq!(again.rules[0].text, "up to {lv_max_kw} kW");
        assert!(again.params.len() > 20 && again.params[0].doc == "kW");
        assert_eq!(again.reads, [Aspect::Programs]);
    }

    #[test]
    fn with_declarations_keeps_everything_inside_rule_ids() {
        thread_local! {
            /// (parameters declared inside with_declarations, rules_only() after it)
            static SEEN: Cell<(usize, bool)> = const { Cell::new((0, false)) };
        }
        struct Caches;
        impl RuleModule for Caches {
            fn describe() -> ModuleInfo {
                let full = with_declarations(Declares::describe);
                SEEN.with(|s| s.set((full.params.len(), rules_only())));
                full
            }
            fn decide(e: &Evaluation) -> Result<Decision, RuleError> {
                Ok(e.draft.clone())
            }
        }
        assert_eq!(rule_ids::<Caches>(), ["X-1", "X-2"]);
        let (declared, still_rules_only) = SEEN.with(Cell::get);
        assert_eq!(declared, Declares::describe().params.len());
        assert!(
            still_rules_only,
            "with_declarations restores the mode it found"
        );
        assert!(!rules_only(), "rule_ids leaves the mode off");
    }
}
