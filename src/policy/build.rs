//! 政策包构建: `powerdesk policy build DIR`: compile each module's source crate for
//! `wasm32-unknown-unknown`, turn the core module into a component (wit-component), write it into
//! the bundle, rewrite the sha256 lines of bundle.toml and recompute the bundle digest.
//!
//! Builds are reproducible for a given toolchain and Cargo.lock: the module is built with fixed
//! profile settings, and local paths (module source, SDK, cargo registry) are
//! remapped so they do not leak into the binary.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::manifest::{self, Manifest, ManifestError, ModuleEntry};

/// The target modules are built for: plain WebAssembly, importing nothing.
pub const WASM_TARGET: &str = "wasm32-unknown-unknown";

/// Profile settings for fast, reproducible modules (override the crate's own release profile).
/// opt-level 3 rather than "s": a module of ~115 KB instead of ~95 KB, but inlined parameter
/// lookups and conversions; it decides a batch about a fifth faster (BENCHMARKS.md).
const PROFILE: &[&str] = &[
    "profile.release.opt-level=3",
    "profile.release.lto=true",
    "profile.release.codegen-units=1",
    "profile.release.panic=\"abort\"",
    "profile.release.debug=false",
    "profile.release.strip=true",
    "profile.release.incremental=false",
];

/// A module's stack (the toolchain's default is 1 MiB): rules need little, and a smaller stack
/// keeps the memory a fresh instance touches small. Overflowing it traps.
const STACK_BYTES: usize = 128 << 10;

/// How to build.
#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    /// Cargo's target directory for the module builds; default `$CARGO_TARGET_DIR`, else
    /// `<temp>/powerdesk-policy-build`.
    pub target_dir: Option<PathBuf>,
    /// Pass `--offline` to cargo.
    pub offline: bool,
}

/// One module as built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuiltModule {
    pub name: String,
    /// The component file written into the bundle.
    pub file: PathBuf,
    /// sha256 of the component, lowercase hex.
    pub sha256: String,
    /// Size of the component in bytes.
    pub size: u64,
}

/// What a build produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildReport {
    pub modules: Vec<BuiltModule>,
    /// Modules without a `source`: kept as they are (pinned by their digest).
    pub pinned: Vec<String>,
    /// The new bundle digest (`sha256:<hex>`).
    pub digest: String,
}

/// Why a bundle could not be built; nothing of the bundle is changed unless every module built.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error(transparent)]
    Manifest(#[from] ManifestError),
    #[error("{dir}: no [[modules]] entry has a `source`, so there is nothing to build; add source = \"<path to the module's crate>\" to an entry to build it")]
    NothingToBuild { dir: PathBuf },
    #[error("module {module}: {path}: cannot read the crate's Cargo.toml ({problem})")]
    BadCrate {
        module: String,
        path: PathBuf,
        problem: String,
    },
    #[error("module {module}: cannot run cargo: {source}; is cargo on PATH?")]
    CargoSpawn {
        module: String,
        #[source]
        source: std::io::Error,
    },
    #[error("module {module}: cargo build failed ({status}); is the target installed (`rustup target add {WASM_TARGET}`)?\n{stderr}")]
    Cargo {
        module: String,
        status: String,
        stderr: String,
    },
    #[error("module {module}: cargo succeeded but {path} is missing; does the crate have crate-type = [\"cdylib\"]?")]
    NoArtifact { module: String, path: PathBuf },
    #[error("module {module}: cannot make a component of {path}: {problem}; does the crate call powerdesk_policy_sdk::export_rule_module!?")]
    Componentize {
        module: String,
        path: PathBuf,
        problem: String,
    },
    #[error("{path}: cannot write: {source}")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Build every module of the bundle in `dir` that has a `source` and update bundle.toml; a
/// module without one is left as it is (pinned by its digest). A bundle with no `source` at all
/// is an error.
pub fn build_bundle(dir: &Path, opts: &BuildOptions) -> Result<BuildReport, BuildError> {
    let manifest = Manifest::load(dir)?;
    // Fail before building anything if the digest could not be computed afterwards.
    for path in manifest.calendar_paths() {
        std::fs::metadata(&path).map_err(|source| ManifestError::Io {
            path: path.clone(),
            source,
        })?;
    }
    let target_dir = opts
        .target_dir
        .clone()
        .or_else(|| std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from))
        .unwrap_or_else(|| std::env::temp_dir().join("powerdesk-policy-build"));

    if manifest.modules.iter().all(|m| m.source.is_none()) {
        return Err(BuildError::NothingToBuild {
            dir: dir.to_path_buf(),
        });
    }
    // Build all components first; write nothing until every module built.
    let mut built = Vec::new();
    let mut pinned = Vec::new();
    for m in &manifest.modules {
        match &m.source {
            Some(source) => built.push((m, build_module(&manifest, m, source, &target_dir, opts)?)),
            None => pinned.push(m.name.clone()),
        }
    }

    let mut report = Vec::new();
    let mut digests = Vec::new();
    for (m, component) in built {
        let path = manifest.module_path(m);
        write_atomically(&path, &component)?;
        let sha = manifest::sha256_hex(&component);
        digests.push((m.name.clone(), sha.clone()));
        report.push(BuiltModule {
            name: m.name.clone(),
            file: path,
            sha256: sha,
            size: component.len() as u64,
        });
    }
    manifest::write_module_digests(dir, &digests)?;

    let updated = Manifest::load(dir)?;
    updated.verify_modules()?;
    Ok(BuildReport {
        modules: report,
        pinned,
        digest: updated.digest()?,
    })
}

/// Compile one module's crate (`source`, relative to the bundle) and return its component bytes.
pub fn build_module(
    manifest: &Manifest,
    m: &ModuleEntry,
    source: &str,
    target_dir: &Path,
    opts: &BuildOptions,
) -> Result<Vec<u8>, BuildError> {
    let source = manifest.dir.join(source);
    let crate_toml = source.join("Cargo.toml");
    let lib_name = crate_lib_name(&crate_toml).map_err(|problem| BuildError::BadCrate {
        module: m.name.clone(),
        path: crate_toml.clone(),
        problem,
    })?;

    let mut cmd = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    cmd.arg("build")
        .arg("--release")
        .arg("--lib")
        .arg("--target")
        .arg(WASM_TARGET);
    cmd.arg("--manifest-path")
        .arg(&crate_toml)
        .arg("--target-dir")
        .arg(target_dir);
    if opts.offline {
        cmd.arg("--offline");
    }
    for setting in PROFILE {
        cmd.arg("--config").arg(setting);
    }
    // Target-only flags: host tools (proc macros) keep their cache.
    cmd.env(
        "CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS",
        remap_flags(&source),
    );
    cmd.env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS");
    let out = cmd.output().map_err(|source| BuildError::CargoSpawn {
        module: m.name.clone(),
        source,
    })?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let tail: Vec<&str> = stderr.lines().rev().take(30).collect();
        return Err(BuildError::Cargo {
            module: m.name.clone(),
            status: out.status.to_string(),
            stderr: tail.into_iter().rev().collect::<Vec<_>>().join("\n"),
        });
    }

    let artifact = target_dir
        .join(WASM_TARGET)
        .join("release")
        .join(format!("{lib_name}.wasm"));
    let core = std::fs::read(&artifact).map_err(|_| BuildError::NoArtifact {
        module: m.name.clone(),
        path: artifact.clone(),
    })?;
    componentize(&core).map_err(|problem| BuildError::Componentize {
        module: m.name.clone(),
        path: artifact,
        problem,
    })
}

/// Turn a core module built with the SDK (which embeds the contract's component type) into a
/// component.
pub fn componentize(core: &[u8]) -> Result<Vec<u8>, String> {
    wit_component::ComponentEncoder::default()
        .validate(true)
        .module(core)
        .and_then(|e| e.encode())
        .map_err(|e| format!("{e:#}"))
}

/// The SDK's directory (scaffolded modules depend on it by path).
pub fn sdk_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("plugins")
        .join("sdk")
}

/// The Rego glue's directory (scaffolded Rego modules depend on it by path).
pub fn rego_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("plugins")
        .join("rego")
}

/// `--remap-path-prefix` flags hiding local paths (space-separated, so a path containing a space
/// is left as it is).
fn remap_flags(source: &Path) -> String {
    let mut maps: Vec<(PathBuf, &str)> = Vec::new();
    // powerdesk's own tree first (the Rego glue and any crate in it that is not the module or
    // the SDK): rustc applies the last prefix that matches, so the ones below win inside it.
    if let Ok(root) = Path::new(env!("CARGO_MANIFEST_DIR")).canonicalize() {
        maps.push((root, "/powerdesk"));
    }
    if let Ok(src) = source.canonicalize() {
        maps.push((src, "/module"));
    }
    if let Ok(sdk) = sdk_dir().canonicalize() {
        maps.push((sdk, "/sdk"));
    }
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| dirs::home_dir().map(|h| h.join(".cargo")));
    if let Some(home) = cargo_home {
        maps.push((home, "/cargo"));
    }
    maps.into_iter()
        .filter_map(|(from, to)| {
            from.to_str()
                .filter(|s| !s.contains(' '))
                .map(|s| format!("--remap-path-prefix={s}={to}"))
        })
        .chain(std::iter::once(format!(
            "-Clink-arg=-zstack-size={STACK_BYTES}"
        )))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The library target's file stem (`[lib] name`, else the package name with `-` → `_`).
fn crate_lib_name(crate_toml: &Path) -> Result<String, String> {
    let text = std::fs::read_to_string(crate_toml).map_err(|e| e.to_string())?;
    let t: toml::Table = text
        .parse()
        .map_err(|e: toml::de::Error| e.message().to_string())?;
    if let Some(name) = t
        .get("lib")
        .and_then(|l| l.get("name"))
        .and_then(|n| n.as_str())
    {
        return Ok(name.to_string());
    }
    t.get("package")
        .and_then(|p| p.get("name"))
        .and_then(|n| n.as_str())
        .map(|n| n.replace('-', "_"))
        .ok_or_else(|| "no [package] name".to_string())
}

fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), BuildError> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|source| BuildError::Write {
            path: parent.to_path_buf(),
            source,
        })?;
    }
    let tmp = path.with_extension("wasm.tmp");
    std::fs::write(&tmp, bytes).map_err(|source| BuildError::Write {
        path: tmp.clone(),
        source,
    })?;
    std::fs::rename(&tmp, path).map_err(|source| BuildError::Write {
        path: path.to_path_buf(),
        source,
    })
}
