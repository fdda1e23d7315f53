//! Bundle parameters (`[parameters]` of bundle.toml) with typed getters whose errors name the
//! parameter.

use std::marker::PhantomData;
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
/// hash table over the names' bytes (compared a word at a time: `memcmp` is byte by byte in
/// WebAssembly), and its value is decoded the first time a rule reads it, lists of class, voltage
/// and park level ids and dates parsed with it once; so a fresh sandbox pays for the parameters its
/// rules use, not for all of them.
#[derive(Clone)]
pub struct Params(Arc<Table>);

pub(crate) struct Table {
    wire: Vec<u8>,
    /// One per name (the last of duplicates), in wire order.
    entries: Vec<Entry>,
    values: Vec<OnceLock<Result<Value, String>>>,
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

/// A decoded value and what it parses to.
struct Value {
    raw: ParamValue,
    parsed: Parsed,
}

/// A value read as the getters would read it; `None` where it does not parse (the getter then
/// reads the value again to say what is wrong).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
struct Parsed {
    classes: Option<u8>,
    voltages: Option<u8>,
    park_levels: Option<u8>,
    date: Option<Date>,
    voltage: Option<Voltage>,
    /// Every entry of a list is `item|document` (see [`Params::documented`]).
    documented: bool,
}

impl Parsed {
    fn of(value: &ParamValue) -> Parsed {
        match value {
            ParamValue::Texts(v) => Parsed {
                classes: IdSet::parse(v, CustomerClass::from_id).map(|s| s.bits),
                voltages: IdSet::parse(v, Voltage::from_id).map(|s| s.bits),
                park_levels: IdSet::parse(v, ParkLevel::from_id).map(|s| s.bits),
                documented: v.iter().all(|e| split_documented(e).is_some()),
                ..Parsed::default()
            },
            ParamValue::Text(t) => Parsed {
                date: Date::parse(t),
                voltage: Voltage::from_id(t),
                ..Parsed::default()
            },
            _ => Parsed::default(),
        }
    }
}

/// A contract enum a list parameter can name (at most 8 values).
pub trait ContractId: Copy {
    /// Its position among the enum's values.
    fn index(self) -> u32;
}

impl ContractId for CustomerClass {
    fn index(self) -> u32 {
        self as u32
    }
}

impl ContractId for Voltage {
    fn index(self) -> u32 {
        self as u32
    }
}

impl ContractId for ParkLevel {
    fn index(self) -> u32 {
        self as u32
    }
}

/// A set of customer classes, voltages or park levels read from a list parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IdSet<T> {
    bits: u8,
    _of: PhantomData<T>,
}

impl<T: ContractId> IdSet<T> {
    fn from_bits(bits: u8) -> Self {
        IdSet {
            bits,
            _of: PhantomData,
        }
    }

    fn parse(ids: &[String], parse: impl Fn(&str) -> Option<T>) -> Option<Self> {
        let mut bits = 0u8;
        for id in ids {
            bits |= 1 << parse(id)?.index();
        }
        Some(Self::from_bits(bits))
    }

    /// Whether the list names `value`.
    pub fn contains(&self, value: &T) -> bool {
        self.bits & (1 << value.index()) != 0
    }

    pub fn is_empty(&self) -> bool {
        self.bits == 0
    }

    /// How many distinct values the list names.
    pub fn len(&self) -> usize {
        self.bits.count_ones() as usize
    }
}

/// A hash of a parameter name from its length and its first and last 8 bytes: O(1) whatever the
/// name (names sharing both ends only cost an extra probe).
#[inline]
fn name_hash(b: &[u8]) -> usize {
    let n = b.len();
    let (head, tail) = if n >= 8 {
        (load8(b, 0), load8(b, n - 8))
    } else {
        let w = short_word(b);
        (w, w)
    };
    let h = (head ^ tail.rotate_left(29) ^ n as u64).wrapping_mul(0x517c_c1b7_2722_0a95);
    (h ^ (h >> 32)) as usize
}

/// The 8 bytes of `b` at `at` as a little-endian word.
#[inline(always)]
fn load8(b: &[u8], at: usize) -> u64 {
    // (`copy_from_slice` would be a call in a size-optimised module; this is one load.)
    let w: [u8; 8] = b[at..at + 8].try_into().expect("8 bytes");
    u64::from_le_bytes(w)
}

/// Fewer than 8 bytes as a little-endian word.
#[inline]
fn short_word(b: &[u8]) -> u64 {
    b.iter()
        .rev()
        .fold(0u64, |w, &byte| (w << 8) | u64::from(byte))
}

/// Byte equality a word at a time (in WebAssembly `memcmp` compares byte by byte).
#[inline]
fn same_name(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    if n < 8 {
        return a == b;
    }
    let mut at = 0;
    while at + 8 < n {
        if load8(a, at) != load8(b, at) {
            return false;
        }
        at += 8;
    }
    // The last word (overlapping the one before if the length is not a multiple of 8).
    load8(a, n - 8) == load8(b, n - 8)
}

/// The open-addressing lookup table over parameter `names` (in wire order): entry index + 1 per
/// slot, 0 for empty, length a power of two; a later name replaces an earlier one. Computed once by
/// the encoder, so a fresh sandbox does not hash every name.
pub(crate) fn slots_for(names: &[&[u8]]) -> Vec<u32> {
    let size = (names.len() * 2).next_power_of_two().max(8);
    let mut slots = vec![0u32; size];
    for (i, name) in names.iter().enumerate() {
        let mut at = name_hash(name) & (size - 1);
        loop {
            match slots[at] {
                0 => break,
                j if same_name(names[j as usize - 1], name) => break,
                _ => at = (at + 1) & (size - 1),
            }
        }
        slots[at] = i as u32 + 1;
    }
    slots
}

impl Table {
    /// A table over `entries` (as `wire::decode` read them) with the lookup `slots` the encoder
    /// computed ([`slots_for`]); each slot is checked to name an entry. A wrong table can only make
    /// a lookup miss: a hit always compares the name's bytes.
    pub(crate) fn new(
        wire: Vec<u8>,
        entries: Vec<Entry>,
        slots: Vec<u32>,
    ) -> Result<Table, String> {
        if !slots.len().is_power_of_two() || slots.iter().any(|s| *s as usize > entries.len()) {
            return Err("parameters: the lookup table names no parameter".into());
        }
        let values = entries.iter().map(|_| OnceLock::new()).collect();
        Ok(Table {
            wire,
            entries,
            values,
            slots,
        })
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
                i if same_name(
                    self.name_bytes(&self.entries[i as usize - 1]),
                    name.as_bytes(),
                ) =>
                {
                    return Some(i as usize - 1)
                }
                _ => at = (at + 1) & mask,
            }
        }
    }

    /// Entry `i`'s value, decoded (and parsed) the first time it is read.
    fn value(&self, i: usize) -> Result<&Value, &str> {
        self.values[i]
            .get_or_init(|| {
                crate::wire::value_at(&self.wire, self.entries[i].value_at).map(|raw| Value {
                    parsed: Parsed::of(&raw),
                    raw,
                })
            })
            .as_ref()
            .map_err(String::as_str)
    }

    /// What entry `i` parses to (nothing if its value is unreadable: the getter then says why).
    fn parsed(&self, i: usize) -> Parsed {
        self.value(i).map(|v| v.parsed).unwrap_or_default()
    }
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
        self.0
            .find(name)
            .and_then(|i| self.0.value(i).ok())
            .map(|v| &v.raw)
    }

    /// (name, value) pairs, sorted by name; a parameter whose name or text is not UTF-8 (which
    /// powerdesk never sends) is left out.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &ParamValue)> {
        let t = &self.0;
        let mut named: Vec<(&str, &ParamValue)> = (t.slots.iter())
            .filter(|s| **s != 0)
            .map(|s| *s as usize - 1)
            .filter_map(|i| {
                let name = std::str::from_utf8(t.name_bytes(&t.entries[i])).ok()?;
                Some((name, &t.value(i).ok()?.raw))
            })
            .collect();
        named.sort_by(|a, b| a.0.cmp(b.0));
        named.into_iter()
    }

    /// The entry's position; an error naming the parameter if it is missing.
    fn position(&self, name: &str, expected: &str) -> Result<usize, RuleError> {
        self.0.find(name).ok_or_else(|| {
            RuleError::BadParameter(format!(
                "{name}: missing; add `{name} = <{expected}>` under [parameters] in bundle.toml"
            ))
        })
    }

    pub(crate) fn require(&self, name: &str, expected: &str) -> Result<&ParamValue, RuleError> {
        let i = self.position(name, expected)?;
        self.0
            .value(i)
            .map(|v| &v.raw)
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
        if let Some(d) = self
            .position(name, "string")
            .ok()
            .and_then(|i| self.0.parsed(i).date)
        {
            return Ok(d);
        }
        let s = self.text(name)?;
        Date::parse(s).ok_or_else(|| {
            RuleError::BadParameter(format!(
                "{name}: expected a date \"YYYY-MM-DD\", found {s:?}"
            ))
        })
    }

    /// A high voltage id (`10kV`, `35kV`, `110kV`, `220kV`).
    pub fn high_voltage(&self, name: &str) -> Result<Voltage, RuleError> {
        let parsed = self
            .position(name, "string")
            .ok()
            .and_then(|i| self.0.parsed(i).voltage);
        if let Some(v) = parsed.filter(|v| !v.is_low()) {
            return Ok(v);
        }
        let s = self.text(name)?;
        match Voltage::from_id(s) {
            Some(v) if !v.is_low() => Ok(v),
            _ => Err(RuleError::BadParameter(format!(
                "{name}: expected a high voltage (10kV, 35kV, 110kV, 220kV), found {s:?}"
            ))),
        }
    }

    /// A list of customer class ids (`resident`, `small_micro`, `enterprise`).
    pub fn classes(&self, name: &str) -> Result<IdSet<CustomerClass>, RuleError> {
        self.ids(
            name,
            |p| p.classes,
            CustomerClass::from_id,
            "resident, small_micro, enterprise",
        )
    }

    /// A list of voltage ids (`220V`, `380V`, `10kV`, `35kV`, `110kV`, `220kV`).
    pub fn voltages(&self, name: &str) -> Result<IdSet<Voltage>, RuleError> {
        self.ids(
            name,
            |p| p.voltages,
            Voltage::from_id,
            "220V, 380V, 10kV, 35kV, 110kV, 220kV",
        )
    }

    /// A list of park level ids (`national`, `provincial`, `municipal`).
    pub fn park_levels(&self, name: &str) -> Result<IdSet<ParkLevel>, RuleError> {
        self.ids(
            name,
            |p| p.park_levels,
            ParkLevel::from_id,
            "national, provincial, municipal",
        )
    }

    /// A list of `"item|document"` entries, each an item and the document that decided it (a fee
    /// and the notice that abolished it, 《…》〔year〕n号): (item, document) pairs in list order. An
    /// entry without a document, or with an empty item, is a bad parameter naming the entry.
    pub fn documented(
        &self,
        name: &str,
    ) -> Result<impl Iterator<Item = (&str, &str)> + '_, RuleError> {
        let at = self.position(name, "[\"item|document\", …]")?;
        let entries = self.texts(name)?;
        if !self.0.parsed(at).documented {
            if let Some((i, e)) = entries
                .iter()
                .enumerate()
                .find(|(_, e)| split_documented(e).is_none())
            {
                return Err(RuleError::BadParameter(format!(
                    "{name}[{i}]: {e:?} names no document; write \"item|the document that decided it\", e.g. \"临时接电费|发改价格〔2017〕1895号\""
                )));
            }
        }
        Ok(entries.iter().filter_map(|e| split_documented(e)))
    }

    fn ids<T: ContractId>(
        &self,
        name: &str,
        parsed: impl Fn(&Parsed) -> Option<u8>,
        parse: impl Fn(&str) -> Option<T>,
        legal: &str,
    ) -> Result<IdSet<T>, RuleError> {
        let at = self.position(name, "[\"…\"]")?;
        if let Some(bits) = parsed(&self.0.parsed(at)) {
            return Ok(IdSet::from_bits(bits));
        }
        // Not a list, or a value that is not an id: say which.
        let ids = self.texts(name)?;
        match ids.iter().find(|s| parse(s).is_none()) {
            Some(s) => Err(RuleError::BadParameter(format!(
                "{name}: unknown value {s:?}; expected one of {legal}"
            ))),
            None => IdSet::parse(ids, parse).ok_or_else(|| {
                RuleError::Internal(format!("{name}: a list that parses only once"))
            }),
        }
    }
}

/// `item|document`, both parts non-empty once trimmed.
fn split_documented(entry: &str) -> Option<(&str, &str)> {
    let (item, document) = entry.split_once('|')?;
    let (item, document) = (item.trim(), document.trim());
    (!item.is_empty() && !document.is_empty()).then_some((item, document))
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
    fn names_compare_and_hash_by_every_byte_whatever_their_length() {
        let names = [
            "a",
            "ab",
            "abcdefg",
            "abcdefgh",
            "abcdefgx",
            "abcdefghi",
            "xbcdefghi",
            "tariff_cut_10kV",
            "tariff_cut_35kV",
            "tariff_cut_110kV",
            "abcdefgh_mid_1_abcdefgh",
            "abcdefgh_mid_2_abcdefgh",
        ];
        for a in names {
            for b in names {
                assert_eq!(same_name(a.as_bytes(), b.as_bytes()), a == b, "{a} {b}");
            }
        }
        let p = Params::new(
            names
                .iter()
                .enumerate()
                .map(|(i, n)| (*n, ParamValue::Integer(i as i64))),
        );
        for (i, n) in names.iter().enumerate() {
            assert_eq!(p.int(n), Ok(i as i64), "{n}");
        }
        assert!(p.get("abcdefgh_mid_3_abcdefgh").is_none());
        assert_eq!(short_word(b"ab"), u64::from_le_bytes(*b"ab\0\0\0\0\0\0"));
    }

    #[test]
    fn a_documented_list_names_each_items_document_and_refuses_an_entry_without_one() {
        let p = Params::new([
            (
                "fees",
                ParamValue::Texts(vec![
                    "临时接电费|发改价格〔2017〕1895号".into(),
                    " 移表费 | 国办函〔2020〕129号 ".into(),
                ]),
            ),
            (
                "bare",
                ParamValue::Texts(vec![
                    "临时接电费|发改价格〔2017〕1895号".into(),
                    "明确互备用费".into(),
                ]),
            ),
            ("empty_doc", ParamValue::Texts(vec!["移表费|".into()])),
        ]);
        let fees: Vec<(&str, &str)> = p.documented("fees").unwrap().collect();
        assert_eq!(
            fees,
            [
                ("临时接电费", "发改价格〔2017〕1895号"),
                ("移表费", "国办函〔2020〕129号")
            ]
        );
        let e = p.documented("bare").err().unwrap();
        assert!(
            matches!(&e, RuleError::BadParameter(m) if m.starts_with("bare[1]: \"明确互备用费\" names no document")),
            "{e}"
        );
        assert!(p.documented("empty_doc").is_err());
        assert!(
            matches!(p.documented("nothing"), Err(RuleError::BadParameter(m)) if m.starts_with("nothing: missing"))
        );
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
