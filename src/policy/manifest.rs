//! 政策包清单: the `bundle.toml` of a regional policy bundle: parsing with field-level errors, the
//! canonical bundle digest, the check of each module's sha256, and writing digests back after a
//! build (comments and layout kept: only the sha256 lines change).
//!
//! ```toml
//! [bundle]
//! region = "jining"
//! name = "济宁市获得电力十七条"
//! version = "2021.1"
//! effective = "2021-08-25"
//! contract = "5"
//! calendar = ["calendar/2021.toml", "calendar/2026.toml"]
//!
//! [parameters]
//! lv_max_kw = 160
//!
//! [[modules]]
//! name = "jn-access"
//! file = "modules/jn-access.wasm"
//! source = "../../plugins/modules/jn-access"
//! sha256 = "…"
//! ```

use std::fmt;
use std::path::{Component, Path, PathBuf};

use chrono::NaiveDate;
use sha2::{Digest, Sha256};

/// The contract major version this powerdesk supports (`contract = "5"` in bundle.toml; the WIT
/// package `powerdesk:policy@5.x`).
pub const CONTRACT_MAJOR: &str = "5";

/// The file name of a bundle's manifest.
pub const MANIFEST_FILE: &str = "bundle.toml";

/// A bundle parameter value (the WIT `param-value`).
#[derive(Debug, Clone, PartialEq)]
pub enum ParamValue {
    Integer(i64),
    Number(f64),
    Text(String),
    Flag(bool),
    Texts(Vec<String>),
}

impl fmt::Display for ParamValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Integer(i) => write!(f, "{i}"),
            Self::Number(x) => write!(f, "{x}"),
            Self::Text(s) => write!(f, "{s:?}"),
            Self::Flag(b) => write!(f, "{b}"),
            Self::Texts(v) => write!(f, "{v:?}"),
        }
    }
}

/// `[bundle]`: who the bundle is for and what it is.
#[derive(Debug, Clone, PartialEq)]
pub struct BundleHeader {
    /// Region id, e.g. `jining`.
    pub region: String,
    /// Human name, e.g. 济宁市获得电力十七条.
    pub name: String,
    pub version: String,
    /// The date the policy takes effect.
    pub effective: NaiveDate,
    /// Contract major version (`"4"`).
    pub contract: String,
    /// Working-day calendar files, relative to the bundle directory and inside it (a copied
    /// bundle keeps its calendar); docs/calendar.md.
    pub calendar: Vec<String>,
}

/// `[[modules]]`: one rule module, run in the order listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleEntry {
    pub name: String,
    /// The component file, relative to the bundle directory.
    pub file: String,
    /// The module's source crate, relative to the bundle directory (for `policy build`).
    pub source: Option<String>,
    /// sha256 of the component file, lowercase hex.
    pub sha256: String,
}

/// A parsed bundle.toml and the directory it lives in.
#[derive(Debug, Clone, PartialEq)]
pub struct Manifest {
    /// The bundle directory.
    pub dir: PathBuf,
    pub bundle: BundleHeader,
    /// Parameters sorted by name.
    pub parameters: Vec<(String, ParamValue)>,
    pub modules: Vec<ModuleEntry>,
}

/// What is wrong with a bundle, naming the file and the key.
#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    #[error("{path}: cannot read: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: not valid TOML: {message}")]
    Syntax { path: PathBuf, message: String },
    #[error("{path}: {key}: {problem}")]
    Field {
        path: PathBuf,
        key: String,
        problem: String,
    },
    #[error("{path}: module {module}: sha256 mismatch: bundle.toml says {expected}, the file has {actual}; rebuild with `powerdesk policy build` or restore the file")]
    ModuleDigest {
        path: PathBuf,
        module: String,
        expected: String,
        actual: String,
    },
    #[error("{path}: cannot write: {source}")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl Manifest {
    /// Read and check `DIR/bundle.toml` (not the module files: see [`Manifest::verify_modules`]).
    pub fn load(dir: &Path) -> Result<Manifest, ManifestError> {
        let path = dir.join(MANIFEST_FILE);
        let text = std::fs::read_to_string(&path).map_err(|source| ManifestError::Io {
            path: path.clone(),
            source,
        })?;
        Self::parse(dir, &text)
    }

    /// Parse the text of `DIR/bundle.toml`.
    pub fn parse(dir: &Path, text: &str) -> Result<Manifest, ManifestError> {
        let path = dir.join(MANIFEST_FILE);
        let table: toml::Table =
            text.parse()
                .map_err(|e: toml::de::Error| ManifestError::Syntax {
                    path: path.clone(),
                    message: e.to_string().trim_end().replace('\n', " "),
                })?;
        let f = Fields { path: &path };

        let b = f.table(&table, "bundle", "")?;
        let header = BundleHeader {
            region: f.string(b, "region", "bundle.")?,
            name: f.string(b, "name", "bundle.")?,
            version: f.string(b, "version", "bundle.")?,
            effective: {
                let key = "bundle.effective";
                match b.get("effective") {
                    Some(toml::Value::Datetime(dt)) => dt.to_string().parse::<NaiveDate>().ok(),
                    Some(toml::Value::String(s)) => s.parse::<NaiveDate>().ok(),
                    None => return Err(f.err(key, "missing; add the date the policy takes effect, e.g. effective = 2021-08-25")),
                    _ => None,
                }
                .ok_or_else(|| f.err(key, "expected a date YYYY-MM-DD"))?
            },
            contract: f.string(b, "contract", "bundle.")?,
            calendar: f.strings(b, "calendar", "bundle.")?,
        };
        if header.contract != CONTRACT_MAJOR {
            return Err(f.err(
                "bundle.contract",
                &format!("contract {:?} is not supported; this powerdesk supports contract {CONTRACT_MAJOR:?}: set contract = {CONTRACT_MAJOR:?} and rebuild the modules against SDK {CONTRACT_MAJOR} with `powerdesk policy build {}`", header.contract, dir.display()),
            ));
        }
        if header.calendar.is_empty() {
            return Err(f.err(
                "bundle.calendar",
                "empty; list the working-day calendar files, e.g. [\"calendar/2026.toml\"]",
            ));
        }
        for (i, file) in header.calendar.iter().enumerate() {
            if let Err(problem) = inside_bundle(file) {
                return Err(f.err(&format!("bundle.calendar[{i}]"), &problem));
            }
        }
        for key in b.keys() {
            if ![
                "region",
                "name",
                "version",
                "effective",
                "contract",
                "calendar",
            ]
            .contains(&key.as_str())
            {
                return Err(f.err(
                    &format!("bundle.{key}"),
                    "unknown key; expected region, name, version, effective, contract, calendar",
                ));
            }
        }

        for key in table.keys() {
            if !["bundle", "parameters", "modules"].contains(&key.as_str()) {
                return Err(f.err(
                    key,
                    "unknown table; expected [bundle], [parameters] and [[modules]]",
                ));
            }
        }

        let mut parameters = Vec::new();
        if let Some(v) = table.get("parameters") {
            let t = v
                .as_table()
                .ok_or_else(|| f.err("parameters", "expected a table [parameters]"))?;
            for (name, value) in t {
                parameters.push((name.clone(), f.param(name, value)?));
            }
        }
        parameters.sort_by(|a, b| a.0.cmp(&b.0));

        let list = match table.get("modules") {
            Some(toml::Value::Array(a)) if !a.is_empty() => a,
            Some(toml::Value::Array(_)) | None => {
                return Err(f.err("modules", "no modules; add at least one [[modules]] entry"))
            }
            Some(_) => return Err(f.err("modules", "expected an array of tables [[modules]]")),
        };
        let mut modules = Vec::new();
        for (i, m) in list.iter().enumerate() {
            let prefix = format!("modules[{i}].");
            let m = m
                .as_table()
                .ok_or_else(|| f.err(&format!("modules[{i}]"), "expected a table [[modules]]"))?;
            for key in m.keys() {
                if !["name", "file", "source", "sha256"].contains(&key.as_str()) {
                    return Err(f.err(
                        &format!("{prefix}{key}"),
                        "unknown key; expected name, file, source, sha256",
                    ));
                }
            }
            let entry = ModuleEntry {
                name: f.string(m, "name", &prefix)?,
                file: f.string(m, "file", &prefix)?,
                source: match m.get("source") {
                    None => None,
                    Some(_) => Some(f.string(m, "source", &prefix)?),
                },
                sha256: f.string(m, "sha256", &prefix)?,
            };
            if !is_hex_digest(&entry.sha256) && !entry.sha256.is_empty() {
                return Err(f.err(
                    &format!("{prefix}sha256"),
                    "expected 64 lowercase hex digits (or \"\" before the first build)",
                ));
            }
            if modules.iter().any(|e: &ModuleEntry| e.name == entry.name) {
                return Err(f.err(
                    &format!("{prefix}name"),
                    &format!("module {:?} is listed twice", entry.name),
                ));
            }
            modules.push(entry);
        }
        Ok(Manifest {
            dir: dir.to_path_buf(),
            bundle: header,
            parameters,
            modules,
        })
    }

    /// The manifest's path.
    pub fn path(&self) -> PathBuf {
        self.dir.join(MANIFEST_FILE)
    }

    /// A parameter by name.
    pub fn parameter(&self, name: &str) -> Option<&ParamValue> {
        self.parameters
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v)
    }

    /// The path of a module's component file.
    pub fn module_path(&self, m: &ModuleEntry) -> PathBuf {
        self.dir.join(&m.file)
    }

    /// Calendar file paths, in the order listed.
    pub fn calendar_paths(&self) -> Vec<PathBuf> {
        self.bundle
            .calendar
            .iter()
            .map(|c| self.dir.join(c))
            .collect()
    }

    /// Check that every module file exists and matches its sha256; returns the files' bytes in
    /// module order.
    pub fn verify_modules(&self) -> Result<Vec<Vec<u8>>, ManifestError> {
        self.modules
            .iter()
            .map(|m| {
                let path = self.module_path(m);
                let bytes = std::fs::read(&path).map_err(|source| ManifestError::Io {
                    path: path.clone(),
                    source,
                })?;
                let actual = sha256_hex(&bytes);
                if actual != m.sha256 {
                    return Err(ManifestError::ModuleDigest {
                        path,
                        module: m.name.clone(),
                        expected: m.sha256.clone(),
                        actual,
                    });
                }
                Ok(bytes)
            })
            .collect()
    }

    /// The bundle digest `sha256:<hex>` over a canonical encoding of the header, the parameters
    /// (by name), each calendar file's bytes and each module's name and digest. Any edit to any
    /// of them changes it; comments and layout of bundle.toml do not.
    pub fn digest(&self) -> Result<String, ManifestError> {
        let mut calendars = Vec::new();
        for path in self.calendar_paths() {
            calendars
                .push(std::fs::read(&path).map_err(|source| ManifestError::Io { path, source })?);
        }
        Ok(self.digest_with(&calendars))
    }

    /// [`Manifest::digest`] with the calendar files' bytes given (in the order listed).
    pub fn digest_with(&self, calendars: &[Vec<u8>]) -> String {
        let mut h = Canonical(Sha256::new());
        h.bytes(b"powerdesk-bundle/1");
        let b = &self.bundle;
        for s in [
            &b.region,
            &b.name,
            &b.version,
            &b.effective.to_string(),
            &b.contract,
        ] {
            h.bytes(s.as_bytes());
        }
        h.count(self.parameters.len());
        for (name, value) in &self.parameters {
            h.bytes(name.as_bytes());
            match value {
                ParamValue::Integer(i) => {
                    h.tag(b'i');
                    h.bytes(&i.to_le_bytes());
                }
                ParamValue::Number(x) => {
                    h.tag(b'n');
                    h.bytes(&x.to_bits().to_le_bytes());
                }
                ParamValue::Text(s) => {
                    h.tag(b's');
                    h.bytes(s.as_bytes());
                }
                ParamValue::Flag(v) => {
                    h.tag(b'b');
                    h.bytes(&[*v as u8]);
                }
                ParamValue::Texts(v) => {
                    h.tag(b'l');
                    h.count(v.len());
                    for s in v {
                        h.bytes(s.as_bytes());
                    }
                }
            }
        }
        h.count(calendars.len());
        for c in calendars {
            h.bytes(c);
        }
        h.count(self.modules.len());
        for m in &self.modules {
            h.bytes(m.name.as_bytes());
            h.bytes(m.sha256.as_bytes());
        }
        format!("sha256:{}", hex::encode(h.0.finalize()))
    }
}

/// Rewrite the `sha256` of the named modules in `DIR/bundle.toml`, keeping everything else of
/// the file (comments, order, layout) as it was: only the `sha256 = "…"` line of each
/// `[[modules]]` entry changes. Written to a temporary file and renamed, so the manifest is never
/// half-written.
pub fn write_module_digests(dir: &Path, digests: &[(String, String)]) -> Result<(), ManifestError> {
    let path = dir.join(MANIFEST_FILE);
    let text = std::fs::read_to_string(&path).map_err(|source| ManifestError::Io {
        path: path.clone(),
        source,
    })?;
    let manifest = Manifest::parse(dir, &text)?;
    let updated =
        rewrite_digests(&text, &manifest, digests).map_err(|problem| ManifestError::Field {
            path: path.clone(),
            key: "modules".into(),
            problem,
        })?;
    let tmp = path.with_extension("toml.tmp");
    std::fs::write(&tmp, updated).map_err(|source| ManifestError::Write {
        path: tmp.clone(),
        source,
    })?;
    std::fs::rename(&tmp, &path).map_err(|source| ManifestError::Write {
        path: path.clone(),
        source,
    })
}

/// Replace the `sha256` line of each `[[modules]]` entry named in `digests`; the entries are
/// found in file order, which is `manifest.modules` order.
fn rewrite_digests(
    text: &str,
    manifest: &Manifest,
    digests: &[(String, String)],
) -> Result<String, String> {
    for (name, _) in digests {
        if !manifest.modules.iter().any(|m| &m.name == name) {
            return Err(format!("no module named {name:?}"));
        }
    }
    let mut out = String::with_capacity(text.len());
    let mut entry: Option<usize> = None;
    let mut seen = 0;
    let mut replaced = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start();
        if trimmed.starts_with('[') {
            entry = if trimmed.starts_with("[[modules]]") {
                seen += 1;
                Some(seen - 1)
            } else {
                None
            };
        }
        let key = trimmed.split('=').next().unwrap_or("").trim();
        if let (Some(i), "sha256") = (entry, key) {
            let name = &manifest
                .modules
                .get(i)
                .ok_or("more [[modules]] headers than entries")?
                .name;
            if let Some((_, digest)) = digests.iter().find(|(n, _)| n == name) {
                let indent = &line[..line.len() - trimmed.len()];
                let newline = if line.ends_with('\n') { "\n" } else { "" };
                out.push_str(&format!("{indent}sha256 = \"{digest}\"{newline}"));
                replaced += 1;
                continue;
            }
        }
        out.push_str(line);
    }
    if replaced != digests.len() {
        return Err(format!("found {replaced} sha256 lines for {} modules; write each [[modules]] entry's keys one per line", digests.len()));
    }
    Ok(out)
}

/// Refuse a path that could name a file outside the bundle folder (absolute, or with `..`).
fn inside_bundle(file: &str) -> Result<(), String> {
    let path = Path::new(file);
    let escapes = path.components().any(|c| {
        matches!(
            c,
            Component::ParentDir | Component::RootDir | Component::Prefix(_)
        )
    });
    if file.trim().is_empty() {
        return Err(
            "is empty; name a calendar file inside the bundle, e.g. \"calendar/2026.toml\"".into(),
        );
    }
    if escapes || path.is_absolute() {
        return Err(format!(
            "{file:?} leaves the bundle folder; keep the calendar files inside the bundle (e.g. \"calendar/2026.toml\") so a copied bundle takes its calendar along"
        ));
    }
    Ok(())
}

/// sha256 of `bytes`, lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn is_hex_digest(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Length-prefixed, tagged encoding so that no two different manifests hash alike.
struct Canonical(Sha256);

impl Canonical {
    fn bytes(&mut self, b: &[u8]) {
        self.0.update((b.len() as u64).to_le_bytes());
        self.0.update(b);
    }
    fn count(&mut self, n: usize) {
        self.0.update((n as u64).to_le_bytes());
    }
    fn tag(&mut self, t: u8) {
        self.0.update([t]);
    }
}

/// Field-level error helpers for one manifest file.
struct Fields<'a> {
    path: &'a Path,
}

impl Fields<'_> {
    fn err(&self, key: &str, problem: &str) -> ManifestError {
        ManifestError::Field {
            path: self.path.to_path_buf(),
            key: key.into(),
            problem: problem.into(),
        }
    }

    fn table<'t>(
        &self,
        t: &'t toml::Table,
        key: &str,
        prefix: &str,
    ) -> Result<&'t toml::Table, ManifestError> {
        match t.get(key) {
            Some(toml::Value::Table(t)) => Ok(t),
            Some(_) => Err(self.err(&format!("{prefix}{key}"), "expected a table")),
            None => Err(self.err(
                &format!("{prefix}{key}"),
                &format!("missing; add a [{key}] table"),
            )),
        }
    }

    fn string(&self, t: &toml::Table, key: &str, prefix: &str) -> Result<String, ManifestError> {
        match t.get(key) {
            Some(toml::Value::String(s)) => Ok(s.clone()),
            Some(v) => Err(self.err(
                &format!("{prefix}{key}"),
                &format!("expected a string, found {}", v.type_str()),
            )),
            None => Err(self.err(&format!("{prefix}{key}"), "missing")),
        }
    }

    fn strings(
        &self,
        t: &toml::Table,
        key: &str,
        prefix: &str,
    ) -> Result<Vec<String>, ManifestError> {
        let k = format!("{prefix}{key}");
        match t.get(key) {
            Some(toml::Value::Array(a)) => a
                .iter()
                .enumerate()
                .map(|(i, v)| {
                    v.as_str().map(str::to_string).ok_or_else(|| {
                        self.err(
                            &format!("{k}[{i}]"),
                            &format!("expected a string, found {}", v.type_str()),
                        )
                    })
                })
                .collect(),
            Some(v) => Err(self.err(
                &k,
                &format!("expected an array of strings, found {}", v.type_str()),
            )),
            None => Err(self.err(&k, "missing")),
        }
    }

    fn param(&self, name: &str, v: &toml::Value) -> Result<ParamValue, ManifestError> {
        let key = format!("parameters.{name}");
        Ok(match v {
            toml::Value::Integer(i) => ParamValue::Integer(*i),
            toml::Value::Float(x) if x.is_finite() => ParamValue::Number(*x),
            toml::Value::Float(_) => return Err(self.err(&key, "expected a finite number")),
            toml::Value::String(s) => ParamValue::Text(s.clone()),
            toml::Value::Boolean(b) => ParamValue::Flag(*b),
            // A date is passed to modules as text `YYYY-MM-DD`.
            toml::Value::Datetime(dt) if dt.time.is_none() && dt.offset.is_none() => ParamValue::Text(dt.to_string()),
            toml::Value::Array(a) => ParamValue::Texts(
                a.iter()
                    .enumerate()
                    .map(|(i, v)| {
                        v.as_str().map(str::to_string).ok_or_else(|| {
                            self.err(&format!("{key}[{i}]"), &format!("expected a string (lists hold strings only), found {}", v.type_str()))
                        })
                    })
                    .collect::<Result<_, _>>()?,
            ),
            other => {
                return Err(self.err(&key, &format!("unsupported {}; use an integer, number, string, boolean, date or list of strings", other.type_str())))
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
# comment kept
[bundle]
region = "jining"
name = "济宁"
version = "2021.1"
effective = 2021-08-25
contract = "5"
calendar = ["calendar/2026.toml"]

[parameters]
lv_max_kw = 160
power_factor = 0.9
lv_classes = ["resident", "small_micro"]
tariff_cut_from = 2021-01-01
county_line_enabled = true

[[modules]]
name = "jn-access"
file = "modules/jn-access.wasm"
sha256 = ""
"#;

    fn parse(text: &str) -> Result<Manifest, ManifestError> {
        Manifest::parse(Path::new("/b"), text)
    }

    #[test]
    fn a_good_manifest_parses_with_typed_parameters() {
        let m = parse(GOOD).unwrap();
        assert_eq!(m.bundle.region, "jining");
        assert_eq!(
            m.bundle.effective,
            NaiveDate::from_ymd_opt(2021, 8, 25).unwrap()
        );
        assert_eq!(m.parameter("lv_max_kw"), Some(&ParamValue::Integer(160)));
        assert_eq!(m.parameter("power_factor"), Some(&ParamValue::Number(0.9)));
        assert_eq!(
            m.parameter("tariff_cut_from"),
            Some(&ParamValue::Text("2021-01-01".into()))
        );
        assert_eq!(
            m.parameter("lv_classes"),
            Some(&ParamValue::Texts(vec![
                "resident".into(),
                "small_micro".into()
            ]))
        );
        assert_eq!(m.modules[0].source, None);
    }

    #[test]
    fn errors_name_the_file_and_the_key() {
        let e = parse(&GOOD.replace("version = \"2021.1\"\n", ""))
            .unwrap_err()
            .to_string();
        assert_eq!(e, "/b/bundle.toml: bundle.version: missing");
        let e = parse(&GOOD.replace("lv_max_kw = 160", "lv_max_kw = { kw = 160 }"))
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("/b/bundle.toml: parameters.lv_max_kw: unsupported table"),
            "{e}"
        );
        let e = parse(&GOOD.replace("[\"resident\", \"small_micro\"]", "[\"resident\", 3]"))
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("/b/bundle.toml: parameters.lv_classes[1]: expected a string"),
            "{e}"
        );
        let e = parse(&GOOD.replace("contract = \"5\"", "contract = \"3\""))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("bundle.contract: contract \"3\" is not supported")
                && e.contains("rebuild the modules against SDK 5 with `powerdesk policy build"),
            "{e}"
        );
        let e = parse(&GOOD.replace("sha256 = \"\"", "sha256 = \"abc\""))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("modules[0].sha256: expected 64 lowercase hex digits"),
            "{e}"
        );
        let e = parse(&GOOD.replace("[parameters]", "[parameter]"))
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("/b/bundle.toml: parameter: unknown table"),
            "{e}"
        );
        let e = parse(&GOOD.replace("file = ", "path = "))
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("/b/bundle.toml: modules[0].path: unknown key"),
            "{e}"
        );
        let e = parse("[bundle\n").unwrap_err().to_string();
        assert!(e.starts_with("/b/bundle.toml: not valid TOML"), "{e}");
    }

    #[test]
    fn the_digest_follows_content_not_layout() {
        let m = parse(GOOD).unwrap();
        let cal = vec![b"2026".to_vec()];
        let d = m.digest_with(&cal);
        assert!(d.starts_with("sha256:") && d.len() == 71);
        let relaid = parse(
            &GOOD
                .replace("# comment kept", "# another comment")
                .replace("lv_max_kw = 160", "lv_max_kw   =   160"),
        )
        .unwrap();
        assert_eq!(relaid.digest_with(&cal), d);
        assert_ne!(
            parse(&GOOD.replace("lv_max_kw = 160", "lv_max_kw = 100"))
                .unwrap()
                .digest_with(&cal),
            d
        );
        assert_ne!(
            parse(&GOOD.replace("power_factor = 0.9", "power_factor = 0.95"))
                .unwrap()
                .digest_with(&cal),
            d
        );
        assert_ne!(m.digest_with(&[b"2026 edited".to_vec()]), d);
        assert_ne!(
            parse(&GOOD.replace("sha256 = \"\"", &format!("sha256 = \"{}\"", "a".repeat(64))))
                .unwrap()
                .digest_with(&cal),
            d
        );
    }

    #[test]
    fn digests_are_rewritten_in_place_keeping_comments() {
        let text = format!("{GOOD}\n[[modules]]\nname = \"jn-cost\" # the cost rules\nfile = \"modules/jn-cost.wasm\"\n  sha256 = \"\"\n");
        let m = parse(&text).unwrap();
        let a = "a".repeat(64);
        let out = rewrite_digests(&text, &m, &[("jn-cost".into(), a.clone())]).unwrap();
        let again = parse(&out).unwrap();
        assert_eq!(again.modules[0].sha256, "");
        assert_eq!(again.modules[1].sha256, a);
        assert!(
            out.contains("# comment kept")
                && out.contains("# the cost rules")
                && out.contains(&format!("  sha256 = \"{a}\"\n"))
        );
        assert_eq!(out.lines().count(), text.lines().count());
        assert!(rewrite_digests(&text, &m, &[("nope".into(), a)])
            .unwrap_err()
            .contains("no module named \"nope\""));
    }
}
