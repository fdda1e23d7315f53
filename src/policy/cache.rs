//! 编译缓存: compiled rule modules kept on disk so a warm start skips Cranelift.
//!
//! An entry is keyed by the module's sha256, the wasmtime version this powerdesk links and the
//! engine's compatibility hash (compiler, target, tunables). It holds a sha256 of the serialized
//! artifact followed by the artifact. Loading it uses wasmtime's unsafe `Component::deserialize`,
//! which trusts its input: we only ever deserialize files this cache wrote, found by digest and
//! whose checksum matches. A missing, corrupt or incompatible entry is recompiled, never fatal.

use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use wasmtime::component::Component;
use wasmtime::Engine;

/// The wasmtime major version in the cache key (Cargo.toml pins wasmtime 48).
const WASMTIME_VERSION: &str = "wasmtime48";

/// Where compiled rule modules are kept.
#[derive(Debug, Clone)]
pub struct ModuleCache {
    dir: PathBuf,
}

/// What happened when a module was looked up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheOutcome {
    /// Loaded a compiled artifact.
    Hit,
    /// Compiled and stored.
    Miss,
    /// Found an unusable entry, recompiled and replaced it.
    Replaced,
}

impl ModuleCache {
    /// The cache under `POWERDESK_CACHE_DIR`, or the platform cache dir (`~/.cache/powerdesk/modules`).
    pub fn open_default() -> Option<ModuleCache> {
        let dir = match std::env::var_os("POWERDESK_CACHE_DIR") {
            Some(d) if !d.is_empty() => PathBuf::from(d),
            _ => dirs::cache_dir()?.join("powerdesk").join("modules"),
        };
        Some(ModuleCache { dir })
    }

    pub fn at(dir: PathBuf) -> ModuleCache {
        ModuleCache { dir }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The entry file for a module digest under this engine.
    pub fn entry_path(&self, engine: &Engine, digest: &str) -> PathBuf {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        engine.precompile_compatibility_hash().hash(&mut h);
        let hex = digest.strip_prefix("sha256:").unwrap_or(digest);
        self.dir.join(format!(
            "{hex}-{WASMTIME_VERSION}-{:016x}.cwasm",
            h.finish()
        ))
    }

    /// The compiled component for `bytes` (whose digest is `digest`), from the cache when possible.
    pub fn compile(
        &self,
        engine: &Engine,
        bytes: &[u8],
        digest: &str,
    ) -> Result<Component, String> {
        self.compile_traced(engine, bytes, digest).map(|(c, _)| c)
    }

    /// As [`compile`](Self::compile), also saying whether the cache was used.
    pub fn compile_traced(
        &self,
        engine: &Engine,
        bytes: &[u8],
        digest: &str,
    ) -> Result<(Component, CacheOutcome), String> {
        let path = self.entry_path(engine, digest);
        let mut outcome = CacheOutcome::Miss;
        if let Ok(entry) = std::fs::read(&path) {
            if let Some(component) = load_entry(engine, &entry) {
                return Ok((component, CacheOutcome::Hit));
            }
            outcome = CacheOutcome::Replaced;
        }
        let component = Component::new(engine, bytes).map_err(|e| format!("{e:#}"))?;
        // A cache that cannot be written only costs time on the next start.
        if let Ok(artifact) = component.serialize() {
            let _ = write_entry(&path, &artifact);
        }
        Ok((component, outcome))
    }
}

fn load_entry(engine: &Engine, entry: &[u8]) -> Option<Component> {
    if entry.len() < 32 {
        return None;
    }
    let (sum, artifact) = entry.split_at(32);
    if Sha256::digest(artifact).as_slice() != sum {
        return None;
    }
    // SAFETY: `artifact` is a file this cache wrote with `Component::serialize` for this engine
    // configuration (the key holds the compatibility hash) and its checksum matches what we wrote.
    unsafe { Component::deserialize(engine, artifact) }.ok()
}

fn write_entry(path: &Path, artifact: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().expect("cache entries live in a directory");
    std::fs::create_dir_all(dir)?;
    let tmp = dir.join(format!(
        ".{}.{}.tmp",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("entry"),
        std::process::id()
    ));
    let mut data = Vec::with_capacity(32 + artifact.len());
    data.extend_from_slice(&Sha256::digest(artifact));
    data.extend_from_slice(artifact);
    std::fs::write(&tmp, &data)?;
    std::fs::rename(&tmp, path)
}
