//! The parameters' wire form: `decide` receives the bundle's parameters as one byte string, so
//! they cross into the sandbox with one copy instead of one guest allocation per name and text
//! (which cost more than the rules themselves for a single decision).
//!
//! Format 1, little-endian: `u8 format (=1)`, `u32 count`, then per parameter `u32 name length`,
//! the name (UTF-8), `u8 tag` and the value: 0 integer `i64`; 1 number `f64`; 2 text `u32 length`
//! + UTF-8; 3 flag `u8` (0 or 1); 4 texts `u32 count` then each as a text. powerdesk encodes them
//! once per bundle load, sorted by name; [`decode`] refuses anything else with the byte offset.
//! Decoding checks the structure and indexes it; a value is decoded (and its text checked as
//! UTF-8) only when a rule first reads it.

use crate::params::{Entry, ParamValue, Params, Table};

/// The format byte this SDK writes and reads.
pub const FORMAT: u8 = 1;

const INTEGER: u8 = 0;
const NUMBER: u8 = 1;
const TEXT: u8 = 2;
const FLAG: u8 = 3;
const TEXTS: u8 = 4;

/// Encode (name, value) pairs in the wire form.
pub fn encode<'a, I>(params: I) -> Vec<u8>
where
    I: IntoIterator<Item = (&'a str, &'a ParamValue)>,
{
    let params: Vec<_> = params.into_iter().collect();
    let mut out = Vec::with_capacity(16 + params.len() * 32);
    out.push(FORMAT);
    put_len(&mut out, params.len());
    for (name, value) in params {
        put_text(&mut out, name);
        match value {
            ParamValue::Integer(i) => {
                out.push(INTEGER);
                out.extend_from_slice(&i.to_le_bytes());
            }
            ParamValue::Number(x) => {
                out.push(NUMBER);
                out.extend_from_slice(&x.to_le_bytes());
            }
            ParamValue::Text(s) => {
                out.push(TEXT);
                put_text(&mut out, s);
            }
            ParamValue::Flag(b) => {
                out.push(FLAG);
                out.push(u8::from(*b));
            }
            ParamValue::Texts(v) => {
                out.push(TEXTS);
                put_len(&mut out, v.len());
                for s in v {
                    put_text(&mut out, s);
                }
            }
        }
    }
    out
}

/// Check the wire form's structure and index it; the error says what is wrong and at which byte.
/// Nothing is copied or validated as text yet: a name is compared as bytes, and a value is decoded
/// (its text checked as UTF-8) the first time a rule reads it.
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
    let mut entries = Vec::with_capacity(count.min(bytes.len()));
    for n in 0..count {
        let name_len = r.len("a parameter name")?;
        let name_at = r.at;
        r.skip(name_len, "a parameter name")?;
        let value_at = r.at;
        match r.u8("a value tag")? {
            INTEGER | NUMBER => r.skip(8, "a number")?,
            TEXT => r.skip_text("a text value")?,
            FLAG => match r.u8("a flag")? {
                0 | 1 => {}
                b => return Err(r.error(&format!("flag of parameter {n} is {b}, not 0 or 1"))),
            },
            TEXTS => {
                for _ in 0..r.len("a list length")? {
                    r.skip_text("a list item")?;
                }
            }
            tag => return Err(r.error(&format!("parameter {n} has unknown tag {tag}"))),
        }
        entries.push(Entry {
            name_at: name_at as u32,
            name_len: name_len as u32,
            value_at: value_at as u32,
        });
    }
    if r.at != bytes.len() {
        return Err(r.error("trailing bytes after the last parameter"));
    }
    Ok(Params::from_table(Table::new(bytes, entries)))
}

/// The value at `at` of wire bytes whose structure [`decode`] checked; a text that is not UTF-8
/// is the error.
pub(crate) fn value_at(bytes: &[u8], at: u32) -> Result<ParamValue, String> {
    let mut r = Reader {
        bytes,
        at: at as usize,
    };
    let checked = "structure checked by wire::decode";
    Ok(match r.u8("").expect(checked) {
        INTEGER => ParamValue::Integer(i64::from_le_bytes(r.array("").expect(checked))),
        NUMBER => ParamValue::Number(f64::from_le_bytes(r.array("").expect(checked))),
        TEXT => ParamValue::Text(r.text("its text")?.to_string()),
        FLAG => ParamValue::Flag(r.u8("").expect(checked) == 1),
        _ => {
            let n = r.len("").expect(checked);
            let mut v = Vec::with_capacity(n);
            for _ in 0..n {
                v.push(r.text("a list item")?.to_string());
            }
            ParamValue::Texts(v)
        }
    })
}

fn put_len(out: &mut Vec<u8>, n: usize) {
    let n = u32::try_from(n).expect("a parameter field longer than 4 GiB");
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
        format!("parameters: {what} (at byte {})", self.at)
    }

    fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8], String> {
        let end = self
            .at
            .checked_add(n)
            .filter(|end| *end <= self.bytes.len())
            .ok_or_else(|| self.error(&format!("truncated in {what}")))?;
        let part = &self.bytes[self.at..end];
        self.at = end;
        Ok(part)
    }

    fn array<const N: usize>(&mut self, what: &str) -> Result<[u8; N], String> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.take(N, what)?);
        Ok(a)
    }

    fn u8(&mut self, what: &str) -> Result<u8, String> {
        Ok(self.take(1, what)?[0])
    }

    fn len(&mut self, what: &str) -> Result<usize, String> {
        Ok(u32::from_le_bytes(self.array(what)?) as usize)
    }

    fn skip(&mut self, n: usize, what: &str) -> Result<(), String> {
        self.take(n, what).map(|_| ())
    }

    fn skip_text(&mut self, what: &str) -> Result<(), String> {
        let n = self.len(what)?;
        self.skip(n, what)
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

    #[test]
    fn every_truncation_is_refused_with_its_offset() {
        let entries = sample();
        let bytes = encode(entries.iter().map(|(n, v)| (n.as_str(), v)));
        for cut in 0..bytes.len() {
            let e = decode(bytes[..cut].to_vec()).unwrap_err();
            assert!(e.starts_with("parameters: "), "{e}");
            assert!(e.contains("at byte"), "{e}");
        }
    }

    #[test]
    fn bad_bytes_are_named() {
        let one = [("flag", &ParamValue::Flag(true))];
        let mut bytes = encode(one);
        *bytes.last_mut().unwrap() = 7;
        assert!(decode(bytes.clone())
            .unwrap_err()
            .contains("flag of parameter 0 is 7"));
        bytes[0] = 9;
        assert!(decode(bytes.clone()).unwrap_err().contains("wire format 9"));
        let mut long = encode(one);
        long.push(0);
        assert!(decode(long).unwrap_err().contains("trailing bytes"));
        let text = [("t", &ParamValue::Text("é".into()))];
        let mut bad = encode(text);
        let n = bad.len();
        bad[n - 1] = 0xff;
        let params = decode(bad).expect("the structure is whole");
        let e = params.text("t").unwrap_err();
        assert!(
            matches!(&e, crate::RuleError::BadParameter(m) if m.starts_with("t: its text is not UTF-8")),
            "{e}"
        );
    }
}
