//! Bundle parameters (`[parameters]` of bundle.toml) with typed getters whose errors name the
//! parameter.

use std::sync::{Arc, OnceLock};

use crate::types::{CustomerClass, Date, ParkLevel, Voltage};
use crate::RuleError;

/// A parameter value (the WIT `param-value`).
#[derive(Debug, Clone, PartialEq)]
pub enum ParamValue {
    Integer(i64),
    Number(f64),
    Text(String),
    Flag(bool),
    Texts(Vec<String>),
}

impl Default for Params {
    fn default() -> Self {
        Params::new(Vec::<(String, ParamValue)>::new())
    }
}

impl PartialEq for Params {
    fn eq(&self, other: &Self) -> bool {
        self.iter().eq(other.iter())
    }
}

impl std::fmt::Debug for Params {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl ParamValue {
    fn kind(&self) -> &'static str {
        match self {
            Self::Integer(_) => "an integer",
            Self::Number(_) => "a number",
            Self::Text(_) => "a string",
            Self::Flag(_) => "a boolean",
            Self::Texts(_) => "a list of strings",
        }
    }
}

/// The bundle's parameters, kept in their wire form (`crate::wire`) and shared, not copied:
/// every evaluation of a batch reads the same ones. A parameter is found by name through a small
/// hash table over the names' bytes, and its value is decoded the first time a rule reads it, so a
/// fresh sandbox pays for the parameters its rules use, not for all of them.
#[derive(Clone)]
pub struct Params(Arc<Table>);

pub(crate) struct Table {
    wire: Vec<u8>,
    /// One per name (the last of duplicates), in wire order.
    entries: Vec<Entry>,
    values: Vec<OnceLock<Result<ParamValue, String>>>,
    /// Open addressing: index + 1 into `entries`, 0 for an empty slot; length a power of two.
    slots: Vec<u32>,
}

/// Where one parameter's name and value lie in the wire bytes.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Entry {
    pub name_at: u32,
    pub name_len: u32,
    pub value_at: u32,
}

/// A hash of a parameter name from its length and its first and last 8 bytes: O(1) whatever the
/// name (names sharing both ends only cost an extra probe).
fn name_hash(b: &[u8]) -> usize {
    let word = |part: &[u8]| {
        let mut w = [0u8; 8];
        w[..part.len()].copy_from_slice(part);
        u64::from_le_bytes(w)
    };
    let n = b.len();
    let head = word(&b[..n.min(8)]);
    let tail = word(&b[n.saturating_sub(8)..]);
    let h = (head ^ tail.rotate_left(29) ^ n as u64).wrapping_mul(0x517c_c1b7_2722_0a95);
    (h ^ (h >> 32)) as usize
}

impl Table {
    /// `entries` as found by `wire::decode`, in wire order; a later name replaces an earlier one.
    pub(crate) fn new(wire: Vec<u8>, found: Vec<Entry>) -> Table {
        let size = (found.len() * 2).next_power_of_two().max(8);
        let mut table = Table {
            wire,
            entries: Vec::with_capacity(found.len()),
            values: Vec::new(),
            slots: vec![0u32; size],
        };
        for e in found {
            let name = table.name_bytes(&e);
            let mut at = name_hash(name) & (size - 1);
            loop {
                match table.slots[at] {
                    0 => {
                        table.entries.push(e);
                        table.slots[at] = table.entries.len() as u32;
                        break;
                    }
                    i if table.name_bytes(&table.entries[i as usize - 1]) == name => {
                        table.entries[i as usize - 1] = e;
                        break;
                    }
                    _ => at = (at + 1) & (size - 1),
                }
            }
        }
        table.values = table.entries.iter().map(|_| OnceLock::new()).collect();
        table
    }

    fn name_bytes(&self, e: &Entry) -> &[u8] {
        &self.wire[e.name_at as usize..(e.name_at + e.name_len) as usize]
    }

    fn find(&self, name: &str) -> Option<usize> {
        let mask = self.slots.len() - 1;
        let mut at = name_hash(name.as_bytes()) & mask;
        loop {
            match self.slots[at] {
                0 => return None,
                i if self.name_bytes(&self.entries[i as usize - 1]) == name.as_bytes() => {
                    return Some(i as usize - 1)
                }
                _ => at = (at + 1) & mask,
            }
        }
    }

    /// The value of entry `i`, decoded the first time it is read.
    fn value(&self, i: usize) -> Result<&ParamValue, &str> {
        self.values[i]
            .get_or_init(|| crate::wire::value_at(&self.wire, self.entries[i].value_at))
            .as_ref()
            .map_err(String::as_str)
    }
}

impl Params {
    /// Build from (name, value) pairs; a later pair with the same name replaces an earlier one.
    pub fn new<I: IntoIterator<Item = (S, ParamValue)>, S: Into<String>>(items: I) -> Params {
        let pairs: Vec<(String, ParamValue)> =
            items.into_iter().map(|(n, v)| (n.into(), v)).collect();
        let wire = crate::wire::encode(pairs.iter().map(|(n, v)| (n.as_str(), v)));
        crate::wire::decode(wire).expect("what wire::encode writes decodes")
    }

    pub(crate) fn from_table(table: Table) -> Params {
        Params(Arc::new(table))
    }

    fn pairs(&self) -> Vec<(String, ParamValue)> {
        self.iter()
            .map(|(n, v)| (n.to_string(), v.clone()))
            .collect()
    }

    /// Set (or replace) one parameter; handy in tests.
    pub fn set(&mut self, name: &str, value: ParamValue) {
        let mut pairs = self.pairs();
        pairs.push((name.into(), value));
        *self = Params::new(pairs);
    }

    /// Remove one parameter; handy in tests of the "missing parameter" error.
    pub fn remove(&mut self, name: &str) {
        let mut pairs = self.pairs();
        pairs.retain(|(n, _)| n != name);
        *self = Params::new(pairs);
    }

    /// The raw value, if present (and readable: see [`Params::iter`]).
    pub fn get(&self, name: &str) -> Option<&ParamValue> {
        self.0.find(name).and_then(|i| self.0.value(i).ok())
    }

    /// (name, value) pairs, sorted by name; a parameter whose name or text is not UTF-8 (which
    /// powerdesk never sends) is left out.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &ParamValue)> {
        let t = &self.0;
        let mut named: Vec<(&str, &ParamValue)> = (0..t.entries.len())
            .filter_map(|i| {
                let name = std::str::from_utf8(t.name_bytes(&t.entries[i])).ok()?;
                Some((name, t.value(i).ok()?))
            })
            .collect();
        named.sort_by(|a, b| a.0.cmp(b.0));
        named.into_iter()
    }

    fn require(&self, name: &str, expected: &str) -> Result<&ParamValue, RuleError> {
        let i = self.0.find(name).ok_or_else(|| {
            RuleError::BadParameter(format!(
                "{name}: missing; add `{name} = <{expected}>` under [parameters] in bundle.toml"
            ))
        })?;
        self.0
            .value(i)
            .map_err(|e| RuleError::BadParameter(format!("{name}: {e}")))
    }

    fn wrong(name: &str, expected: &str, got: &ParamValue) -> RuleError {
        RuleError::BadParameter(format!("{name}: expected {expected}, found {}", got.kind()))
    }

    /// An integer parameter.
    pub fn int(&self, name: &str) -> Result<i64, RuleError> {
        match self.require(name, "integer")? {
            ParamValue::Integer(i) => Ok(*i),
            other => Err(Self::wrong(name, "an integer", other)),
        }
    }

    /// A number of working days (a non-negative integer).
    pub fn days(&self, name: &str) -> Result<u32, RuleError> {
        let i = self.int(name)?;
        u32::try_from(i).map_err(|_| {
            RuleError::BadParameter(format!(
                "{name}: expected a number of working days (0 or more), found {i}"
            ))
        })
    }

    /// A number (an integer is accepted too).
    pub fn number(&self, name: &str) -> Result<f64, RuleError> {
        match self.require(name, "number")? {
            ParamValue::Number(x) => Ok(*x),
            ParamValue::Integer(i) => Ok(*i as f64),
            other => Err(Self::wrong(name, "a number", other)),
        }
    }

    /// A positive number (thresholds, power factors).
    pub fn positive(&self, name: &str) -> Result<f64, RuleError> {
        let x = self.number(name)?;
        if x > 0.0 && x.is_finite() {
            Ok(x)
        } else {
            Err(RuleError::BadParameter(format!(
                "{name}: expected a positive number, found {x}"
            )))
        }
    }

    pub fn text(&self, name: &str) -> Result<&str, RuleError> {
        match self.require(name, "string")? {
            ParamValue::Text(s) => Ok(s),
            other => Err(Self::wrong(name, "a string", other)),
        }
    }

    pub fn flag(&self, name: &str) -> Result<bool, RuleError> {
        match self.require(name, "true|false")? {
            ParamValue::Flag(b) => Ok(*b),
            other => Err(Self::wrong(name, "a boolean", other)),
        }
    }

    pub fn texts(&self, name: &str) -> Result<&[String], RuleError> {
        match self.require(name, "[\"…\"]")? {
            ParamValue::Texts(v) => Ok(v),
            other => Err(Self::wrong(name, "a list of strings", other)),
        }
    }

    /// A date written as a string `YYYY-MM-DD`.
    pub fn date(&self, name: &str) -> Result<Date, RuleError> {
        let s = self.text(name)?;
        Date::parse(s).ok_or_else(|| {
            RuleError::BadParameter(format!(
                "{name}: expected a date \"YYYY-MM-DD\", found {s:?}"
            ))
        })
    }

    /// A high voltage id (`10kV`, `35kV`, `110kV`, `220kV`).
    pub fn high_voltage(&self, name: &str) -> Result<Voltage, RuleError> {
        let s = self.text(name)?;
        match Voltage::from_id(s) {
            Some(v) if !v.is_low() => Ok(v),
            _ => Err(RuleError::BadParameter(format!(
                "{name}: expected a high voltage (10kV, 35kV, 110kV, 220kV), found {s:?}"
            ))),
        }
    }

    /// A list of customer class ids (`resident`, `small_micro`, `enterprise`).
    pub fn classes(&self, name: &str) -> Result<Vec<CustomerClass>, RuleError> {
        self.ids(
            name,
            CustomerClass::from_id,
            "resident, small_micro, enterprise",
        )
    }

    /// A list of voltage ids (`220V`, `380V`, `10kV`, `35kV`, `110kV`, `220kV`).
    pub fn voltages(&self, name: &str) -> Result<Vec<Voltage>, RuleError> {
        self.ids(
            name,
            Voltage::from_id,
            "220V, 380V, 10kV, 35kV, 110kV, 220kV",
        )
    }

    /// A list of park level ids (`national`, `provincial`, `municipal`).
    pub fn park_levels(&self, name: &str) -> Result<Vec<ParkLevel>, RuleError> {
        self.ids(name, ParkLevel::from_id, "national, provincial, municipal")
    }

    fn ids<T>(
        &self,
        name: &str,
        parse: impl Fn(&str) -> Option<T>,
        legal: &str,
    ) -> Result<Vec<T>, RuleError> {
        self.texts(name)?
            .iter()
            .map(|s| {
                parse(s).ok_or_else(|| {
                    RuleError::BadParameter(format!(
                        "{name}: unknown value {s:?}; expected one of {legal}"
                    ))
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params() -> Params {
        Params::new([
            ("lv_max_kw", ParamValue::Integer(160)),
            ("power_factor", ParamValue::Number(0.9)),
            (
                "classes",
                ParamValue::Texts(vec!["resident".into(), "shop".into()]),
            ),
            ("from", ParamValue::Text("2021-01-01".into())),
            ("late", ParamValue::Integer(-1)),
        ])
    }

    #[test]
    fn getters_read_their_type_and_accept_integers_as_numbers() {
        let p = params();
        assert_eq!(p.int("lv_max_kw"), Ok(160));
        assert_eq!(p.number("lv_max_kw"), Ok(160.0));
        assert_eq!(p.positive("power_factor"), Ok(0.9));
        assert_eq!(p.date("from"), Ok(Date::new(2021, 1, 1)));
    }

    #[test]
    fn errors_name_the_parameter_and_what_was_expected() {
        let p = params();
        let e = p.int("missing_one").unwrap_err();
        assert!(
            matches!(&e, RuleError::BadParameter(m) if m.starts_with("missing_one: missing")),
            "{e}"
        );
        let e = p.int("power_factor").unwrap_err();
        assert_eq!(
            e,
            RuleError::BadParameter("power_factor: expected an integer, found a number".into())
        );
        let e = p.classes("classes").unwrap_err();
        assert!(
            matches!(&e, RuleError::BadParameter(m) if m.contains("classes: unknown value \"shop\"")),
            "{e}"
        );
        let e = p.days("late").unwrap_err();
        assert!(
            matches!(&e, RuleError::BadParameter(m) if m.starts_with("late:")),
            "{e}"
        );
        let e = p.date("lv_max_kw").unwrap_err();
        assert!(
            matches!(&e, RuleError::BadParameter(m) if m.starts_with("lv_max_kw: expected a string")),
            "{e}"
        );
    }

    #[test]
    fn a_high_voltage_parameter_refuses_low_voltages_by_name() {
        let p = Params::new([
            ("up", ParamValue::Text("10kV".into())),
            ("down", ParamValue::Text("380V".into())),
        ]);
        assert_eq!(p.high_voltage("up"), Ok(Voltage::Kv10));
        assert_eq!(
            p.high_voltage("down"),
            Err(RuleError::BadParameter(
                "down: expected a high voltage (10kV, 35kV, 110kV, 220kV), found \"380V\"".into()
            ))
        );
    }

    #[test]
    fn lookups_find_every_name_whatever_the_order_given() {
        let mut p = Params::new([
            ("zeta", ParamValue::Integer(1)),
            ("alpha", ParamValue::Integer(2)),
            ("mid", ParamValue::Integer(3)),
            ("alpha", ParamValue::Integer(4)),
        ]);
        assert_eq!(p.int("zeta"), Ok(1));
        assert_eq!(p.int("alpha"), Ok(4), "the later pair wins");
        assert_eq!(p.int("mid"), Ok(3));
        let shared = p.clone();
        p.set("beta", ParamValue::Flag(true));
        p.remove("zeta");
        assert_eq!(p.flag("beta"), Ok(true));
        assert!(p.get("zeta").is_none());
        assert_eq!(
            shared.int("zeta"),
            Ok(1),
            "a clone is not changed by set/remove"
        );
        let names: Vec<&str> = p.iter().map(|(n, _)| n).collect();
        assert_eq!(names, ["alpha", "beta", "mid"]);
    }

    #[test]
    fn dates_parse_strictly() {
        assert_eq!(Date::parse("2026-03-02"), Some(Date::new(2026, 3, 2)));
        assert_eq!(Date::parse("2026-3-2"), None);
        assert_eq!(Date::parse("2026-13-01"), None);
        assert_eq!(Date::parse("2021-02-29"), None);
        assert_eq!(Date::parse("2024-02-29"), Some(Date::new(2024, 2, 29)));
        assert_eq!(Date::parse("2026-04-31"), None);
        assert!(Date::new(2020, 12, 31) < Date::new(2021, 1, 1));
    }
}
