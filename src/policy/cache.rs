//! 编译缓存: compiled rule modules kept on disk so a warm start skips Cranelift.
//!
//! Loading an entry uses wasmtime's unsafe `Component::deserialize`, which runs the native code
//! it is given: an entry must be one this cache wrote for this module under this engine. So:
//! - an entry's file name holds the module's sha256, the wasmtime version and a fingerprint of
//!   the engine's configuration (compiler, target, tunables, NaN canonicalization, …);
//! - an entry holds an HMAC-SHA256 over the module digest, the fingerprint and the artifact,
//!   under a key only the cache's owner holds (`key`, 32 random bytes, mode 0600, created on
//!   first use): a file copied over another entry, edited, or planted by someone else does not
//!   verify, and is recompiled and replaced, never deserialized;
//! - the directory must belong to the user and be writable by nobody else (no group or other
//!   write bit); otherwise it is not used at all: modules are compiled afresh and nothing is
//!   read from or written to it ([`CacheOutcome::Untrusted`], [`ModuleCache::check_dir`]).
//!
//! A missing, corrupt, forged or incompatible entry is recompiled, never fatal.

use std::hash::{Hash, Hasher};
use std::io::Write;
use std::path::{Path, PathBuf};

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use wasmtime::component::Component;
use wasmtime::Engine;

use super::files::read_regular;

/// The wasmtime major version in the cache key (Cargo.toml pins wasmtime 48).
const WASMTIME_VERSION: &str = "wasmtime48";
/// The first bytes of an entry (format 2: MAC-authenticated).
const MAGIC: &[u8; 8] = b"pdcwasm2";
/// The key file in the cache directory.
pub const KEY_FILE: &str = "key";
/// Largest entry read (a compiled 8 MiB module is far smaller).
const MAX_ENTRY_BYTES: u64 = 512 << 20;

type HmacSha256 = Hmac<Sha256>;

/// Where compiled rule modules are kept.
#[derive(Debug, Clone)]
pub struct ModuleCache {
    dir: PathBuf,
}

/// What happened when a module was looked up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheOutcome {
    /// Loaded a compiled artifact whose MAC verified.
    Hit,
    /// Compiled and stored.
    Miss,
    /// Found an entry that did not verify (corrupt, copied from another module, written by
    /// someone else or another engine): recompiled and replaced it without loading it.
    Replaced,
    /// The cache directory (or its key) is not private to this user: compiled afresh, nothing
    /// read or written.
    Untrusted,
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
        let hex = digest.strip_prefix("sha256:").unwrap_or(digest);
        self.dir.join(format!(
            "{hex}-{WASMTIME_VERSION}-{}.cwasm",
            &fingerprint(engine)[..16]
        ))
    }

    /// Why the cache directory may not be used (created, private to this user, if missing).
    pub fn check_dir(&self) -> Result<(), String> {
        if !self.dir.exists() {
            create_private_dir(&self.dir)
                .map_err(|e| format!("{}: cannot create: {e}", self.dir.display()))?;
        }
        check_private(&self.dir, true)
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
        self.compile_with(engine, digest, || {
            Component::new(engine, bytes).map_err(|e| format!("{e:#}"))
        })
    }

    /// As [`compile_traced`](Self::compile_traced), compiling with `compile` on a miss.
    pub fn compile_with(
        &self,
        engine: &Engine,
        digest: &str,
        compile: impl FnOnce() -> Result<Component, String>,
    ) -> Result<(Component, CacheOutcome), String> {
        let key = match self.check_dir().and_then(|()| self.key()) {
            Ok(key) => key,
            Err(_) => return compile().map(|c| (c, CacheOutcome::Untrusted)),
        };
        let path = self.entry_path(engine, digest);
        let print = fingerprint(engine);
        let mut outcome = CacheOutcome::Miss;
        if path.exists() {
            let verified = read_regular(&path, MAX_ENTRY_BYTES)
                .ok()
                .and_then(|entry| verify(&key, digest, &print, &entry).map(<[u8]>::to_vec));
            if let Some(artifact) = verified {
                // SAFETY: the artifact's MAC verified under this user's private key over this
                // module's digest and this engine's fingerprint: this cache wrote it with
                // `Component::serialize` for this module under this engine configuration.
                if let Ok(component) = unsafe { Component::deserialize(engine, &artifact) } {
                    return Ok((component, CacheOutcome::Hit));
                }
            }
            outcome = CacheOutcome::Replaced;
        }
        let component = compile()?;
        // A cache that cannot be written only costs time on the next start.
        if let Ok(artifact) = component.serialize() {
            let _ = write_entry(&path, &seal(&key, digest, &print, &artifact));
        }
        Ok((component, outcome))
    }

    /// The MAC key: read from `key` if it is this user's private regular file of 32 bytes;
    /// created (0600, exclusively) if there is none.
    fn key(&self) -> Result<[u8; 32], String> {
        let path = self.dir.join(KEY_FILE);
        if !path.exists() {
            let mut key = [0u8; 32];
            getrandom(&mut key)?;
            match create_private_file(&path) {
                Ok(mut f) => {
                    f.write_all(&key)
                        .and_then(|()| f.sync_all())
                        .map_err(|e| format!("{}: cannot write: {e}", path.display()))?;
                    return Ok(key);
                }
                // Another process made it first: read theirs.
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(format!("{}: cannot create: {e}", path.display())),
            }
        }
        check_private(&path, false)?;
        let bytes =
            read_regular(&path, 32).map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
        bytes
            .try_into()
            .map_err(|_| format!("{}: not a 32-byte key", path.display()))
    }
}

/// A fingerprint of everything that makes a compiled artifact valid for `engine`: wasmtime's
/// compatibility hash (version, compiler, target, flags, tunables), as hex.
fn fingerprint(engine: &Engine) -> String {
    struct ShaHasher(Sha256);
    impl Hasher for ShaHasher {
        fn finish(&self) -> u64 {
            0
        }
        fn write(&mut self, bytes: &[u8]) {
            self.0.update(bytes);
        }
    }
    let mut h = ShaHasher(Sha256::new());
    h.write(WASMTIME_VERSION.as_bytes());
    engine.precompile_compatibility_hash().hash(&mut h);
    hex::encode(h.0.finalize())
}

fn mac(key: &[u8; 32], digest: &str, print: &str, artifact: &[u8]) -> HmacSha256 {
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC takes a key of any length");
    for part in [
        b"powerdesk-module-cache/2".as_slice(),
        digest.as_bytes(),
        print.as_bytes(),
    ] {
        mac.update(&(part.len() as u64).to_le_bytes());
        mac.update(part);
    }
    mac.update(artifact);
    mac
}

/// MAGIC, the MAC, the artifact.
fn seal(key: &[u8; 32], digest: &str, print: &str, artifact: &[u8]) -> Vec<u8> {
    let tag = mac(key, digest, print, artifact).finalize().into_bytes();
    let mut data = Vec::with_capacity(MAGIC.len() + tag.len() + artifact.len());
    data.extend_from_slice(MAGIC);
    data.extend_from_slice(&tag);
    data.extend_from_slice(artifact);
    data
}

/// The artifact of `entry` if its MAC verifies (in constant time) for this module and engine.
fn verify<'a>(key: &[u8; 32], digest: &str, print: &str, entry: &'a [u8]) -> Option<&'a [u8]> {
    let rest = entry.strip_prefix(MAGIC.as_slice())?;
    if rest.len() < 32 {
        return None;
    }
    let (tag, artifact) = rest.split_at(32);
    mac(key, digest, print, artifact).verify_slice(tag).ok()?;
    Some(artifact)
}

fn write_entry(path: &Path, data: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().expect("cache entries live in a directory");
    let tmp = dir.join(format!(
        ".{}.{}.tmp",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("entry"),
        std::process::id()
    ));
    let _ = std::fs::remove_file(&tmp);
    let mut f = create_private_file(&tmp)?;
    f.write_all(data)?;
    drop(f);
    std::fs::rename(&tmp, path)
}

#[cfg(unix)]
fn create_private_file(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
}

#[cfg(not(unix))]
fn create_private_file(path: &Path) -> std::io::Result<std::fs::File> {
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
}

#[cfg(unix)]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    if let Some(parent) = dir.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::DirBuilder::new().mode(0o700).create(dir)
}

#[cfg(not(unix))]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)
}

/// A cache directory (or key file) must be this user's and writable by no one else; a key
/// file must not be readable by anyone else either.
#[cfg(unix)]
fn check_private(path: &Path, is_dir: bool) -> Result<(), String> {
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::metadata(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let uid = unsafe { libc::geteuid() };
    if meta.uid() != uid {
        return Err(format!(
            "{} belongs to user {}, not to this user ({uid}): not used; give powerdesk a cache directory of your own (POWERDESK_CACHE_DIR)",
            path.display(),
            meta.uid()
        ));
    }
    let forbidden = if is_dir { 0o022 } else { 0o077 };
    if meta.mode() & forbidden != 0 {
        return Err(format!(
            "{} has mode {:o}: others may {} it, so it is not used; `chmod {} {}`",
            path.display(),
            meta.mode() & 0o777,
            if is_dir {
                "write into"
            } else {
                "read or write"
            },
            if is_dir { "go-w" } else { "600" },
            path.display()
        ));
    }
    if is_dir != meta.is_dir() {
        return Err(format!(
            "{} is not a {}",
            path.display(),
            if is_dir { "directory" } else { "file" }
        ));
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_private(_path: &Path, _is_dir: bool) -> Result<(), String> {
    Ok(())
}

/// Fill `buf` from the kernel's random source.
#[cfg(target_os = "linux")]
fn getrandom(buf: &mut [u8]) -> Result<(), String> {
    let mut filled = 0;
    while filled < buf.len() {
        let n =
            unsafe { libc::getrandom(buf[filled..].as_mut_ptr().cast(), buf.len() - filled, 0) };
        if n < 0 {
            let e = std::io::Error::last_os_error();
            if e.kind() == std::io::ErrorKind::Interrupted {
                continue;
            }
            return Err(format!("no random bytes for the cache key: {e}"));
        }
        filled += n as usize;
    }
    Ok(())
}

#[cfg(not(target_os = "linux"))]
fn getrandom(buf: &mut [u8]) -> Result<(), String> {
    use std::io::Read;
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(buf))
        .map_err(|e| format!("no random bytes for the cache key: {e}"))
}
