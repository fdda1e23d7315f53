//! 启用政策包: which bundle a store decides new applications with, kept as store settings.
//!
//! `policy activate` loads and verifies a bundle, proves it (`policy check` and its fixture cases,
//! [`super::verify::prove`]), then stores its directory and digest and
//! records a `PolicyActivated` event in one change; a bundle that fails to load is refused and
//! the previous one stays. Loading the active bundle checks that its digest is still the one
//! activated, so a bundle edited in place is noticed instead of silently deciding differently.

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
        source: super::verify::VerifyError,
    },
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
    let dir = PathBuf::from(dir);
    let bundle = Bundle::load(host, &dir).map_err(|source| ActiveError::Load {
        dir: dir.clone(),
        source,
    })?;
    if let Some(activated) = repo.setting(SETTING_DIGEST)? {
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
    let dir = PathBuf::from(dir);
    let load = |dir: &Path| -> Result<(Manifest, String), BundleError> {
        let manifest = Manifest::load(dir)?;
        let digest = manifest.digest()?;
        Ok((manifest, digest))
    };
    let (manifest, digest) = load(&dir).map_err(|source| ActiveError::Load {
        dir: dir.clone(),
        source,
    })?;
    if let Some(activated) = repo.setting(SETTING_DIGEST)? {
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
        source,
    })?;
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
        settings: vec![
            (SETTING_DIR.to_string(), Some(abs.display().to_string())),
            (
                SETTING_DIGEST.to_string(),
                Some(bundle.digest().to_string()),
            ),
        ],
    })?;
    Ok(bundle)
}
