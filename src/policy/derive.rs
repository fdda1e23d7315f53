//! 派生政策包: `powerdesk policy new --from SRC NAME` makes a self-contained bundle for another
//! region from a working one: its calendar files and built modules copied (modules pinned by their
//! digest, without `source`), bundle.toml with the new region, name and version (the parameters
//! and their comments kept, to edit), and the fixture cases rewritten for the new region (the
//! bundle they expect, the city and county names of the applications). As made it passes
//! `policy check` and `policy test`; then the author edits parameters and blesses the fixtures.

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::fixtures::fixture_dir;
use super::manifest::{Manifest, ManifestError};

/// The version a derived bundle starts at.
pub const DERIVED_VERSION: &str = "0.1.0";

/// How to name places in the rewritten fixtures.
#[derive(Debug, Clone, Default)]
pub struct Places {
    /// The new region's city (菏泽), replacing the source's (济宁, from its `[bundle] name` up to
    /// 市) in customer names and addresses; default: the region id.
    pub city: Option<String>,
    /// The county (区县) the fixtures' applications are in; default `<city>示例区`.
    pub county: Option<String>,
}

/// Why a bundle could not be derived; nothing is written then.
#[derive(Debug, thiserror::Error)]
pub enum DeriveError {
    #[error("region id {name:?}: {problem}")]
    BadName { name: String, problem: &'static str },
    #[error("{path} already exists; choose another name or directory")]
    Exists { path: PathBuf },
    #[error("source bundle: {0}")]
    Source(#[from] ManifestError),
    #[error("{path}: {problem}")]
    Fixture { path: PathBuf, problem: String },
    #[error("{path}: cannot write: {source}")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Derive bundle `DIR/NAME` from the bundle in `src`; returns the new bundle's directory.
pub fn derive(src: &Path, name: &str, dir: &Path, places: &Places) -> Result<PathBuf, DeriveError> {
    check_region(name)?;
    let source = Manifest::load(src)?;
    source.verify_modules()?;
    let root = dir.join(name);
    if root.exists() {
        return Err(DeriveError::Exists { path: root });
    }
    let tmp = dir.join(format!(".{name}.derive-tmp"));
    let _ = std::fs::remove_dir_all(&tmp);
    let result = write_bundle(&source, name, places, &tmp).and_then(|()| {
        std::fs::rename(&tmp, &root).map_err(|source| DeriveError::Write {
            path: root.clone(),
            source,
        })
    });
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&tmp);
    }
    result.map(|()| root)
}

fn check_region(name: &str) -> Result<(), DeriveError> {
    let bad = |problem| {
        Err(DeriveError::BadName {
            name: name.into(),
            problem,
        })
    };
    if name.is_empty() || name.len() > 64 {
        return bad("use 1 to 64 characters");
    }
    if !name.starts_with(|c: char| c.is_ascii_lowercase())
        || !name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        return bad("start with a lowercase ASCII letter and use only lowercase letters, digits and '-' (it is the bundle's directory and region id)");
    }
    Ok(())
}

fn file_name(path: &str) -> String {
    Path::new(path)
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.to_string())
}

fn write_bundle(
    source: &Manifest,
    name: &str,
    places: &Places,
    root: &Path,
) -> Result<(), DeriveError> {
    let write_err = |path: &Path| {
        let path = path.to_path_buf();
        move |source| DeriveError::Write { path, source }
    };
    for sub in ["calendar", "modules", "fixtures"] {
        std::fs::create_dir_all(root.join(sub)).map_err(write_err(&root.join(sub)))?;
    }
    let mut calendar = Vec::new();
    for (listed, path) in source.bundle.calendar.iter().zip(source.calendar_paths()) {
        let to = format!("calendar/{}", file_name(listed));
        std::fs::copy(&path, root.join(&to)).map_err(write_err(&root.join(&to)))?;
        calendar.push(to);
    }
    let mut files = Vec::new();
    for m in &source.modules {
        let to = format!("modules/{}", file_name(&m.file));
        std::fs::copy(source.module_path(m), root.join(&to)).map_err(write_err(&root.join(&to)))?;
        files.push(to);
    }
    let manifest_text = std::fs::read_to_string(source.path()).map_err(|e| {
        DeriveError::Source(ManifestError::Io {
            path: source.path(),
            source: e,
        })
    })?;
    let text = rewrite_manifest(&manifest_text, source, name, &calendar, &files);
    std::fs::write(root.join("bundle.toml"), text).map_err(write_err(&root.join("bundle.toml")))?;

    // Fixtures: every case rewritten for the new region.
    let src_city = source
        .bundle
        .name
        .split_once('市')
        .map(|(city, _)| city.to_string())
        .filter(|c| !c.is_empty());
    let city = places.city.clone().unwrap_or_else(|| name.to_string());
    let county = places
        .county
        .clone()
        .unwrap_or_else(|| format!("{city}示例区"));
    let src_fixtures = fixture_dir(&source.dir);
    let mut entries: Vec<PathBuf> = std::fs::read_dir(&src_fixtures)
        .map_err(|e| DeriveError::Fixture {
            path: src_fixtures.clone(),
            problem: format!("cannot read: {e}"),
        })?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    entries.sort();
    for path in entries {
        let fixture_err = |problem: String| DeriveError::Fixture {
            path: path.clone(),
            problem,
        };
        let text = std::fs::read_to_string(&path).map_err(|e| fixture_err(e.to_string()))?;
        let mut value: Value =
            serde_json::from_str(&text).map_err(|e| fixture_err(e.to_string()))?;
        let rewrite = Rewrite {
            src_region: &source.bundle.region,
            region: name,
            src_city: src_city.as_deref(),
            city: &city,
            county: &county,
        };
        match &mut value {
            Value::Array(cases) => cases.iter_mut().for_each(|c| rewrite.case(c)),
            case => rewrite.case(case),
        }
        let to = root
            .join("fixtures")
            .join(path.file_name().expect("a file"));
        let mut out = serde_json::to_string_pretty(&value).expect("JSON serializes");
        out.push('\n');
        std::fs::write(&to, out).map_err(write_err(&to))?;
    }
    Ok(())
}

/// bundle.toml for the derived bundle: the source's text (parameters and comments kept) with the
/// new region, name and version, the calendar and module files inside the bundle, and no
/// `source` (the modules are pinned by digest).
fn rewrite_manifest(
    text: &str,
    source: &Manifest,
    name: &str,
    calendar: &[String],
    files: &[String],
) -> String {
    let mut out = format!(
        "# {name}: made from the bundle {:?} ({} {}) by `powerdesk policy new --from`.\n\
         # Edit the parameters below for the region, then `powerdesk policy check` and\n\
         # `powerdesk policy test --bless` (review the differences, and reword the names and notes\n\
         # of the cases it lists) before `policy activate`.\n\
         # `effective` is the first day this bundle decides: every fixture's received_at must be on\n\
         # or after it (`policy check` says which are not).\n\
         # The modules are pinned by digest (no source): `policy build` rebuilds only an entry\n\
         # given a `source = \"<path to the module's crate>\"`. Rule ids (e.g. in decisions and\n\
         # `evaluate --explain`) are the modules': their texts follow the parameters; new ids take\n\
         # a module of the region's own. Application ids (JN-YYYY-NNNNNN) are the store's, not the\n\
         # bundle's.\n\n",
        source.bundle.name, source.bundle.region, source.bundle.version
    );
    // The source's own header comment (up to its first line that is not a comment) was about the
    // source: the header above replaces it.
    let header = text
        .split_inclusive('\n')
        .take_while(|l| l.trim_start().starts_with('#') || l.trim().is_empty())
        .map(str::len)
        .sum::<usize>();
    let text = &text[header..];
    let mut section = String::new();
    let mut module = 0usize;
    let mut in_calendar = false;
    for line in text.split_inclusive('\n') {
        let t = line.trim_start();
        if in_calendar {
            if t.trim_end().ends_with(']') || t.starts_with(']') {
                in_calendar = false;
            }
            continue;
        }
        if t.starts_with('[') && !t.starts_with("[\"") {
            section = t.trim_end().to_string();
            if section == "[[modules]]" {
                module += 1;
            }
            out.push_str(line);
            continue;
        }
        let key = t.split('=').next().unwrap_or("").trim();
        match (section.as_str(), key) {
            ("[bundle]", "region") => out.push_str(&format!("region = {name:?}\n")),
            ("[bundle]", "name") => out.push_str(&format!(
                "name = {:?}\n",
                format!("{name}（自{}）", source.bundle.name)
            )),
            ("[bundle]", "version") => out.push_str(&format!("version = {DERIVED_VERSION:?}\n")),
            ("[bundle]", "calendar") => {
                out.push_str("calendar = [\n");
                for c in calendar {
                    out.push_str(&format!("    {c:?},\n"));
                }
                out.push_str("]\n");
                in_calendar = !t.trim_end().ends_with(']');
            }
            ("[[modules]]", "file") if module >= 1 => {
                out.push_str(&format!("file = {:?}\n", files[module - 1]));
            }
            ("[[modules]]", "source") => {
                out.push_str(&format!("# was: {}", t));
                if !t.ends_with('\n') {
                    out.push('\n');
                }
            }
            _ => out.push_str(line),
        }
    }
    out
}

struct Rewrite<'a> {
    src_region: &'a str,
    region: &'a str,
    src_city: Option<&'a str>,
    city: &'a str,
    county: &'a str,
}

impl Rewrite<'_> {
    fn case(&self, case: &mut Value) {
        if let Some(app) = case.get_mut("application") {
            let county = app
                .pointer("/site/county")
                .and_then(Value::as_str)
                .map(str::to_string);
            if let Some(site) = app.get_mut("site").and_then(Value::as_object_mut) {
                site.insert("county".into(), Value::String(self.county.to_string()));
            }
            self.strings(app, county.as_deref());
        }
        for key in ["expected", "expect"] {
            let Some(expect) = case.get_mut(key) else {
                continue;
            };
            if let Some(bundle) = expect.get_mut("bundle").and_then(Value::as_object_mut) {
                if bundle.contains_key("region") {
                    bundle.insert("region".into(), Value::String(self.region.to_string()));
                }
                if bundle.contains_key("version") {
                    bundle.insert("version".into(), DERIVED_VERSION.into());
                }
            }
            if let Some(Value::String(e)) = expect.get_mut("error") {
                *e = e.replace(self.src_region, self.region);
            }
        }
    }

    /// Replace the source city and county in every string of the application (names, addresses,
    /// parks).
    fn strings(&self, v: &mut Value, county: Option<&str>) {
        match v {
            Value::String(s) => {
                if let Some(c) = county.filter(|c| !c.is_empty()) {
                    *s = s.replace(c, self.county);
                }
                if let Some(c) = self.src_city {
                    *s = s.replace(c, self.city);
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|i| self.strings(i, county)),
            Value::Object(map) => map.values_mut().for_each(|i| self.strings(i, county)),
            _ => {}
        }
    }
}
