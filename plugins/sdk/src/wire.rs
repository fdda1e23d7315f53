//! The parameters' wire form: `decide` receives the bundle's parameters as one byte string, so
//! they cross into the sandbox with one copy instead of one guest allocation per name and text
//! (which cost more than the rules themselves for a single decision).
//!
//! Format 2, little-endian: `u8 format (=2)`, `u32 count`, an index of `count` entries
//! `(u32 name offset, u32 name length, u32 value offset)` (offsets from the first byte), the
//! lookup table (`u32 slots`, a power of two, then per slot `u32` entry + 1 or 0: open addressing
//! on the SDK's name hash, so a sandbox does not hash every name), then the names (UTF-8) and
//! values. A value is `u8 tag` and: 0 integer `i64`; 1 number `f64`; 2 text `u32 length` +
//! UTF-8; 3 flag `u8` (0 or 1); 4 texts `u32 count`, each a text. powerdesk encodes them once per
//! bundle load, sorted by name. [`decode`] only checks the index and table against the length (a
//! fresh sandbox reads them without walking the values); a value is decoded, bounds-checked and
//! its text checked as UTF-8 the first time a rule reads it, and any fault says at which byte.

use crate::params::{slots_for, Entry, ParamValue, Params, Table};

/// The format byte this SDK writes and reads.
pub const FORMAT: u8 = 2;

const INTEGER: u8 = 0;
const NUMBER: u8 = 1;
const TEXT: u8 = 2;
const FLAG: u8 = 3;
const TEXTS: u8 = 4;

/// Bytes of one index entry.
const ENTRY: usize = 12;

/// Encode (name, value) pairs in the wire form.
pub fn encode<'a, I>(params: I) -> Vec<u8>
where
    I: IntoIterator<Item = (&'a str, &'a ParamValue)>,
{
    let params: Vec<_> = params.into_iter().collect();
    let names: Vec<&[u8]> = params.iter().map(|(n, _)| n.as_bytes()).collect();
    let slots = slots_for(&names);
    let header = 5 + ENTRY * params.len() + 4 + 4 * slots.len();
    let mut body = Vec::with_capacity(params.len() * 32);
    let mut index = Vec::with_capacity(params.len());
    for (name, value) in params {
        let name_at = header + body.len();
        body.extend_from_slice(name.as_bytes());
        let value_at = header + body.len();
        index.push((name_at, name.len(), value_at));
        match value {
            ParamValue::Integer(i) => {
                body.push(INTEGER);
                body.extend_from_slice(&i.to_le_bytes());
            }
            ParamValue::Number(x) => {
                body.push(NUMBER);
                body.extend_from_slice(&x.to_le_bytes());
            }
            ParamValue::Text(s) => {
                body.push(TEXT);
                put_text(&mut body, s);
            }
            ParamValue::Flag(b) => {
                body.push(FLAG);
                body.push(u8::from(*b));
            }
            ParamValue::Texts(v) => {
                body.push(TEXTS);
                put_len(&mut body, v.len());
                for s in v {
                    put_text(&mut body, s);
                }
            }
        }
    }
    let mut out = Vec::with_capacity(header + body.len());
    out.push(FORMAT);
    put_len(&mut out, index.len());
    for (name_at, name_len, value_at) in index {
        put_len(&mut out, name_at);
        put_len(&mut out, name_len);
        put_len(&mut out, value_at);
    }
    put_len(&mut out, slots.len());
    for slot in slots {
        out.extend_from_slice(&slot.to_le_bytes());
    }
    out.extend_from_slice(&body);
    out
}

/// Check the index and lookup table against the bytes; the error says what is wrong and at which
/// byte.
pub fn decode(bytes: Vec<u8>) -> Result<Params, String> {
    let mut r = Reader {
        bytes: &bytes,
        at: 0,
    };
    let format = r.u8("the format byte")?;
    if format != FORMAT {
        return Err(format!(
            "parameters: wire format {format} is not known to this SDK (reads {FORMAT})"
        ));
    }
    let count = r.len("the parameter count")?;
    let index = r.take(
        count
            .checked_mul(ENTRY)
            .ok_or_else(|| r.error("parameters: the index is too long"))?,
        "the index",
    )?;
    let word = |e: &[u8], i: usize| u32::from_le_bytes(e[i..i + 4].try_into().expect("4 bytes"));
    let len = bytes.len() as u64;
    let mut entries = Vec::with_capacity(count);
    for (n, e) in index.chunks_exact(ENTRY).enumerate() {
        let (name_at, name_len, value_at) = (word(e, 0), word(e, 4), word(e, 8));
        if u64::from(name_at) + u64::from(name_len) > len || u64::from(value_at) >= len {
            return Err(format!(
                "parameters: index entry {n} points past the end (at byte {})",
                5 + n * ENTRY
            ));
        }
        entries.push(Entry {
            name_at,
            name_len,
            value_at,
        });
    }
    let size = r.len("the lookup table size")?;
    let at = r.at;
    let table = r.take(
        size.checked_mul(4)
            .ok_or_else(|| r.error("parameters: the lookup table is too long"))?,
        "the lookup table",
    )?;
    let slots = table.chunks_exact(4).map(|s| word(s, 0)).collect();
    let table = Table::new(bytes, entries, slots).map_err(|e| format!("{e} (at byte {at})"))?;
    Ok(Params::from_table(table))
}

/// The value at `at`; a value that runs past the end, has an unknown tag or a text that is not
/// UTF-8 is the error.
pub(crate) fn value_at(bytes: &[u8], at: u32) -> Result<ParamValue, String> {
    let mut r = Reader {
        bytes,
        at: at as usize,
    };
    Ok(match r.u8("a value tag")? {
        INTEGER => ParamValue::Integer(i64::from_le_bytes(r.array("an integer")?)),
        NUMBER => ParamValue::Number(f64::from_le_bytes(r.array("a number")?)),
        TEXT => ParamValue::Text(r.text("its text")?.to_string()),
        FLAG => match r.u8("a flag")? {
            0 => ParamValue::Flag(false),
            1 => ParamValue::Flag(true),
            b => return Err(r.error(&format!("flag is {b}, not 0 or 1"))),
        },
        TEXTS => {
            let n = r.len("a list length")?;
            let mut v = Vec::with_capacity(n.min(bytes.len()));
            for _ in 0..n {
                v.push(r.text("a list item")?.to_string());
            }
            ParamValue::Texts(v)
        }
        tag => return Err(r.error(&format!("unknown value tag {tag}"))),
    })
}

fn put_len(out: &mut Vec<u8>, n: usize) {
    let n = u32::try_from(n).expect("parameters longer than 4 GiB");
    out.extend_from_slice(&n.to_le_bytes());
}

fn put_text(out: &mut Vec<u8>, s: &str) {
    put_len(out, s.len());
    out.extend_from_slice(s.as_bytes());
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn error(&self, what: &str) -> String {
        format!("{what} (at byte {})", self.at)
    }

    fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8], String> {
        let end = self
            .at
            .checked_add(n)
            .filter(|end| *end <= self.bytes.len())
            .ok_or_else(|| self.error(&format!("parameters: truncated in {what}")))?;
        let part = &self.bytes[self.at..end];
        self.at = end;
        Ok(part)
    }

    fn array<const N: usize>(&mut self, what: &str) -> Result<[u8; N], String> {
        Ok(self.take(N, what)?.try_into().expect("N bytes"))
    }

    fn u8(&mut self, what: &str) -> Result<u8, String> {
        Ok(self.take(1, what)?[0])
    }

    fn len(&mut self, what: &str) -> Result<usize, String> {
        Ok(u32::from_le_bytes(self.array(what)?) as usize)
    }

    fn text(&mut self, what: &str) -> Result<&'a str, String> {
        let n = self.len(what)?;
        let at = self.at;
        let bytes = self.take(n, what)?;
        std::str::from_utf8(bytes).map_err(|_| format!("{what} is not UTF-8 (at byte {at})"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Vec<(String, ParamValue)> {
        vec![
            (
                "abolished_fees".into(),
                ParamValue::Texts(vec!["临时接电费".into(), "明确互备用费".into()]),
            ),
            ("county_line_enabled".into(), ParamValue::Flag(true)),
            ("lv_max_kw".into(), ParamValue::Integer(160)),
            (
                "lv_overflow_voltage".into(),
                ParamValue::Text("10kV".into()),
            ),
            ("power_factor".into(), ParamValue::Number(0.9)),
        ]
    }

    #[test]
    fn round_trip() {
        let entries = sample();
        let bytes = encode(entries.iter().map(|(n, v)| (n.as_str(), v)));
        let params = decode(bytes).unwrap();
        assert_eq!(params, Params::new(entries));
        assert_eq!(params.int("lv_max_kw").unwrap(), 160);
        assert_eq!(params.texts("abolished_fees").unwrap()[1], "明确互备用费");
    }

    /// A parameter's value as a getter reads it, or the getter's error.
    fn read_all(p: &Params, names: &[(String, ParamValue)]) -> Result<(), String> {
        for (name, _) in names {
            p.require(name, "any").map_err(|e| e.to_string())?;
        }
        Ok(())
    }

    #[test]
    fn every_truncation_is_refused_with_its_offset() {
        // Cut anywhere: the index is refused at once, or the value that runs past the end is
        // refused when a rule reads it; either way the error names the byte.
        let entries = sample();
        let bytes = encode(entries.iter().map(|(n, v)| (n.as_str(), v)));
        for cut in 0..bytes.len() {
            let e = match decode(bytes[..cut].to_vec()) {
                Err(e) => e,
                Ok(p) => read_all(&p, &entries).expect_err("a truncated value is refused"),
            };
            assert!(e.contains("parameters") || e.contains("truncated"), "{e}");
            assert!(e.contains("at byte"), "{e}");
        }
    }

    #[test]
    fn a_later_name_replaces_an_earlier_one_and_a_bad_lookup_table_is_refused() {
        let twice = [
            ("a", &ParamValue::Integer(1)),
            ("b", &ParamValue::Integer(2)),
            ("a", &ParamValue::Integer(3)),
        ];
        let p = decode(encode(twice)).unwrap();
        assert_eq!(p.int("a"), Ok(3));
        assert_eq!(p.iter().count(), 2, "the shadowed a is not listed");
        let mut bad = encode([("a", &ParamValue::Integer(1))]);
        bad[5 + ENTRY + 4] = 9; // the first slot names entry 8 of 1
        assert!(decode(bad)
            .unwrap_err()
            .contains("lookup table names no parameter"));
    }

    #[test]
    fn bad_bytes_are_named() {
        let one = [("flag", &ParamValue::Flag(true))];
        let mut bytes = encode(one);
        *bytes.last_mut().unwrap() = 7;
        let p = decode(bytes.clone()).expect("the index is whole");
        let e = p.flag("flag").unwrap_err().to_string();
        assert!(e.contains("flag: flag is 7, not 0 or 1"), "{e}");
        bytes[0] = 9;
        assert!(decode(bytes.clone()).unwrap_err().contains("wire format 9"));
        let mut past = encode(one);
        past[13] = 200; // the value offset of entry 0
        assert!(decode(past)
            .unwrap_err()
            .contains("index entry 0 points past the end"));
        let text = [("t", &ParamValue::Text("é".into()))];
        let mut bad = encode(text);
        let n = bad.len();
        bad[n - 1] = 0xff;
        let params = decode(bad).expect("the index is whole");
        let e = params.text("t").unwrap_err();
        assert!(
            matches!(&e, crate::RuleError::BadParameter(m) if m.starts_with("t: its text is not UTF-8")),
            "{e}"
        );
    }
}
