//! What a module declares in describe() besides its rules: the parameters it reads (with their
//! kind and range) and the aspects of the decision it decides and reads from earlier modules.
//! powerdesk's `policy check` validates bundle.toml and the modules' order against them.

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
            name: name.into(),
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
        self.doc = doc.into();
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
