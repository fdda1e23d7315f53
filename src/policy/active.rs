//! 启用政策包: which bundle a store decides new applications with, kept in the store itself.
//!
//! `policy activate` loads and verifies a bundle, proves it (`policy check` and its fixture cases,
//! [`super::verify::prove`]), then in one change stores a copy of it by content (bundle.toml, its
//! calendar files and modules, each a setting `policy.blob.<sha256>`, listed in
//! `policy.active.files`), its directory and digest, a line of `policy.history`, and a
//! `PolicyActivated` event; a bundle that fails is refused and the previous one stays. The active
//! bundle is loaded from the stored copy, so moving or editing the folder it came from changes
//! nothing; its digest is checked again on every load. A store activated before copies were kept
//! (no `policy.active.files`) loads from the folder as before, and notices a bundle edited in place.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, FixedOffset};

use super::bundle::{load_calendar, Bundle, BundleError};
use super::host::PolicyHost;
use super::manifest::Manifest;
use crate::domain::application::AppId;
use crate::domain::calendar::WorkingCalendar;
use crate::domain::event::{EventDraft, EventKind};
use crate::domain::ports::{Change, Repository, StoreError};

/// Setting: the active bundle's directory (absolute).
pub const SETTING_DIR: &str = "policy.active.dir";
/// Setting: the active bundle's digest when it was activated.
pub const SETTING_DIGEST: &str = "policy.active.digest";
/// Setting: the active bundle's files (JSON `[{ "path", "sha256" }]`), stored by content.
pub const SETTING_FILES: &str = "policy.active.files";
/// Settings `policy.blob.<sha256>`: a stored file's bytes, in hex.
pub const BLOB_PREFIX: &str = "policy.blob.";
/// Setting: every activation, oldest first (JSON array of [`Activation`]).
pub const SETTING_HISTORY: &str = "policy.history";

/// One activation, as `policy list` shows it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Activation {
    pub region: String,
    pub name: String,
    pub version: String,
    pub digest: String,
    /// When (RFC 3339) and by whom.
    pub at: String,
    pub actor: String,
    /// The folder it was activated from.
    pub dir: String,
}

/// A file of a stored bundle: its path inside the bundle and the sha256 of its bytes.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StoredFile {
    pub path: String,
    pub sha256: String,
}

/// The active bundle could not be used, or a bundle could not be activated.
#[derive(Debug, thiserror::Error)]
pub enum ActiveError {
    #[error("active policy bundle {dir}: {source}; fix the bundle or activate another with `powerdesk policy activate DIR`")]
    Load {
        dir: PathBuf,
        #[source]
        source: BundleError,
    },
    #[error("active policy bundle {dir} changed since it was activated (digest {activated}, now {now}); check the change and activate it again with `powerdesk policy activate {dir}`")]
    Changed {
        dir: PathBuf,
        activated: String,
        now: String,
    },
    #[error("policy bundle {dir} not activated: {source}; the previous bundle stays active")]
    Refused {
        dir: PathBuf,
        #[source]
        source: BundleError,
    },
    #[error("policy bundle {dir} not activated: {source}; the previous bundle stays active")]
    Unproven {
        dir: PathBuf,
        #[source]
        source: Box<super::verify::VerifyError>,
    },
    #[error("active policy bundle {digest}: its stored copy is damaged ({problem}); activate the bundle again with `powerdesk policy activate DIR`")]
    Copy { digest: String, problem: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The bundle activated for this store, loaded and verified; `None` when none was activated.
pub fn load_active(
    repo: &dyn Repository,
    host: &PolicyHost,
) -> Result<Option<Arc<Bundle>>, ActiveError> {
    let Some(dir) = repo.setting(SETTING_DIR)? else {
        return Ok(None);
    };
    let activated = repo.setting(SETTING_DIGEST)?;
    let copy = stored_copy(repo, activated.as_deref())?;
    let dir = match &copy {
        Some(c) => c.path.clone(),
        None => PathBuf::from(dir),
    };
    let bundle = Bundle::load(host, &dir).map_err(|source| ActiveError::Load {
        dir: dir.clone(),
        source,
    })?;
    if let Some(activated) = activated {
        if activated != bundle.digest() {
            return Err(ActiveError::Changed {
                dir,
                activated,
                now: bundle.digest().to_string(),
            });
        }
    }
    Ok(Some(Arc::new(bundle)))
}

/// The working-day calendar of the bundle activated for this store (its calendar files only, no
/// module loaded), checked against the digest it was activated with; `None` when none was
/// activated.
#[allow(clippy::result_large_err)] // the errors of load_active, whose callers handle both
pub fn active_calendar(repo: &dyn Repository) -> Result<Option<WorkingCalendar>, ActiveError> {
    let Some(dir) = repo.setting(SETTING_DIR)? else {
        return Ok(None);
    };
    let activated = repo.setting(SETTING_DIGEST)?;
    let copy = stored_copy(repo, activated.as_deref())?;
    let dir = match &copy {
        Some(c) => c.path.clone(),
        None => PathBuf::from(dir),
    };
    let load = |dir: &Path| -> Result<(Manifest, String), BundleError> {
        let manifest = Manifest::load(dir)?;
        let digest = manifest.digest()?;
        Ok((manifest, digest))
    };
    let (manifest, digest) = load(&dir).map_err(|source| ActiveError::Load {
        dir: dir.clone(),
        source,
    })?;
    if let Some(activated) = activated {
        if activated != digest {
            return Err(ActiveError::Changed {
                dir,
                activated,
                now: digest,
            });
        }
    }
    load_calendar(&manifest)
        .map(Some)
        .map_err(|source| ActiveError::Load { dir, source })
}

/// Every activation of this store, oldest first (empty for a store activated before they were
/// recorded), and the active bundle's digest.
#[allow(clippy::result_large_err)] // ActiveError, as load_active's
pub fn history(repo: &dyn Repository) -> Result<(Vec<Activation>, Option<String>), ActiveError> {
    let list = match repo.setting(SETTING_HISTORY)? {
        Some(text) => serde_json::from_str(&text).map_err(|e| ActiveError::Copy {
            digest: String::new(),
            problem: format!("{SETTING_HISTORY}: {e}"),
        })?,
        None => Vec::new(),
    };
    Ok((list, repo.setting(SETTING_DIGEST)?))
}

/// A stored bundle written out to a directory of its own, removed when dropped.
struct Materialized {
    path: PathBuf,
}

impl Drop for Materialized {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// The stored copy of the active bundle, written out to a private temporary directory; `None`
/// for a store without one (activated before copies were kept).
#[allow(clippy::result_large_err)] // ActiveError, as load_active's
fn stored_copy(
    repo: &dyn Repository,
    digest: Option<&str>,
) -> Result<Option<Materialized>, ActiveError> {
    let Some(list) = repo.setting(SETTING_FILES)? else {
        return Ok(None);
    };
    let damaged = |problem: String| ActiveError::Copy {
        digest: digest.unwrap_or("").to_string(),
        problem,
    };
    let files: Vec<StoredFile> =
        serde_json::from_str(&list).map_err(|e| damaged(format!("{SETTING_FILES}: {e}")))?;
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let path = std::env::temp_dir().join(format!(
        "powerdesk-bundle-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&path);
    create_private_dir(&path).map_err(|e| damaged(format!("{}: {e}", path.display())))?;
    let copy = Materialized { path };
    for f in &files {
        let rel = Path::new(&f.path);
        if rel.is_absolute()
            || rel
                .components()
                .any(|c| !matches!(c, std::path::Component::Normal(_)))
        {
            return Err(damaged(format!(
                "file path {:?} is not inside the bundle",
                f.path
            )));
        }
        let hex_bytes = repo
            .setting(&format!("{BLOB_PREFIX}{}", f.sha256))?
            .ok_or_else(|| damaged(format!("{} ({}) is missing", f.path, f.sha256)))?;
        let bytes = hex::decode(hex_bytes).map_err(|e| damaged(format!("{}: {e}", f.path)))?;
        if super::manifest::sha256_hex(&bytes) != f.sha256 {
            return Err(damaged(format!("{} does not match its sha256", f.path)));
        }
        let to = copy.path.join(rel);
        if let Some(parent) = to.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| damaged(format!("{}: {e}", parent.display())))?;
        }
        std::fs::write(&to, bytes).map_err(|e| damaged(format!("{}: {e}", to.display())))?;
    }
    Ok(Some(copy))
}

fn create_private_dir(path: &Path) -> std::io::Result<()> {
    let mut b = std::fs::DirBuilder::new();
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
    b.create(path)
}

/// The files of the bundle in `dir` that deciding needs (bundle.toml, calendar files, modules),
/// as (path inside the bundle, bytes).
fn bundle_files(manifest: &Manifest) -> Result<Vec<(String, Vec<u8>)>, String> {
    let mut paths = vec![super::manifest::MANIFEST_FILE.to_string()];
    paths.extend(manifest.bundle.calendar.iter().cloned());
    paths.extend(manifest.modules.iter().map(|m| m.file.clone()));
    paths
        .into_iter()
        .map(|p| {
            if Path::new(&p)
                .components()
                .any(|c| !matches!(c, std::path::Component::Normal(_)))
            {
                return Err(format!(
                    "{p} is not inside the bundle's folder; copy it into the bundle and list it from there"
                ));
            }
            let bytes = std::fs::read(manifest.dir.join(&p)).map_err(|e| format!("{p}: {e}"))?;
            Ok((p, bytes))
        })
        .collect()
}

/// Load and verify `dir`, then make it the store's active bundle, recording who did it.
pub fn activate(
    repo: &dyn Repository,
    host: &PolicyHost,
    dir: &Path,
    actor: &str,
    at: DateTime<FixedOffset>,
) -> Result<Bundle, ActiveError> {
    let abs = std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf());
    let bundle = Bundle::load(host, &abs).map_err(|source| ActiveError::Refused {
        dir: abs.clone(),
        source,
    })?;
    // Prove it works before it decides anything here: `policy check` and every fixture case.
    super::verify::prove(&bundle).map_err(|source| ActiveError::Unproven {
        dir: abs.clone(),
        source: Box::new(source),
    })?;
    // The copy by content: read again, and proven to be the bundle just loaded.
    let files = bundle_files(bundle.manifest()).map_err(|problem| ActiveError::Copy {
        digest: bundle.digest().to_string(),
        problem,
    })?;
    let mut settings = Vec::new();
    let mut listed = Vec::new();
    for (path, bytes) in &files {
        let sha = super::manifest::sha256_hex(bytes);
        let key = format!("{BLOB_PREFIX}{sha}");
        if repo.setting(&key)?.is_none() && !settings.iter().any(|(k, _)| *k == key) {
            settings.push((key, Some(hex::encode(bytes))));
        }
        listed.push(StoredFile {
            path: path.clone(),
            sha256: sha,
        });
    }
    let copy_dir = std::env::temp_dir().join(format!(
        "powerdesk-activate-{}-{}",
        std::process::id(),
        bundle.digest().trim_start_matches("sha256:")
    ));
    let _ = std::fs::remove_dir_all(&copy_dir);
    let proof = (|| -> Result<String, String> {
        create_private_dir(&copy_dir).map_err(|e| e.to_string())?;
        let guard = Materialized {
            path: copy_dir.clone(),
        };
        for (path, bytes) in &files {
            let to = guard.path.join(path);
            if let Some(parent) = to.parent() {
                std::fs::create_dir_all(parent).map_err(|e| e.to_string())?;
            }
            std::fs::write(&to, bytes).map_err(|e| e.to_string())?;
        }
        Manifest::load(&guard.path)
            .and_then(|m| m.digest())
            .map_err(|e| e.to_string())
    })();
    match proof {
        Ok(d) if d == bundle.digest() => {}
        Ok(d) => {
            return Err(ActiveError::Copy {
                digest: bundle.digest().to_string(),
                problem: format!(
                    "the folder changed while it was activated (now {d}); activate it again"
                ),
            })
        }
        Err(problem) => {
            return Err(ActiveError::Copy {
                digest: bundle.digest().to_string(),
                problem,
            })
        }
    }
    let (mut history, _) = history(repo)?;
    history.push(Activation {
        region: bundle.region().to_string(),
        name: bundle.manifest().bundle.name.clone(),
        version: bundle.version().to_string(),
        digest: bundle.digest().to_string(),
        at: at.to_rfc3339(),
        actor: actor.to_string(),
        dir: abs.display().to_string(),
    });
    settings.push((
        SETTING_FILES.to_string(),
        Some(serde_json::to_string(&listed).expect("file lists serialize")),
    ));
    settings.push((
        SETTING_HISTORY.to_string(),
        Some(serde_json::to_string(&history).expect("activations serialize")),
    ));
    repo.commit(Change {
        applications: Vec::new(),
        events: vec![EventDraft {
            app_id: AppId(String::new()),
            at,
            actor: actor.to_string(),
            kind: EventKind::PolicyActivated {
                region: bundle.region().to_string(),
                version: bundle.version().to_string(),
                digest: bundle.digest().to_string(),
            },
            note: Some(abs.display().to_string()),
            record: None,
        }],
        settings: settings
            .into_iter()
            .chain([
                (SETTING_DIR.to_string(), Some(abs.display().to_string())),
                (
                    SETTING_DIGEST.to_string(),
                    Some(bundle.digest().to_string()),
                ),
            ])
            .collect(),
    })?;
    Ok(bundle)
}
