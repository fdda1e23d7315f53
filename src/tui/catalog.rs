//! 政策包目录: the Policies screen's view of the bundles under `policies/`, over the policy host.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::domain::ports::Decider;
use crate::policy::active::{self, SETTING_DIR};
use crate::policy::bundle::Bundle;
use crate::policy::host::PolicyHost;
use crate::service::Desk;

use super::action::BundleRow;
use super::worker::PolicyCatalog;

/// The bundles found in one directory (each subdirectory with a bundle.toml).
pub struct BundleCatalog {
    root: PathBuf,
    host: PolicyHost,
    desk: Arc<Desk>,
}

impl BundleCatalog {
    pub fn new(root: &Path, host: PolicyHost, desk: Arc<Desk>) -> BundleCatalog {
        BundleCatalog {
            root: root.to_path_buf(),
            host,
            desk,
        }
    }

    fn dirs(&self) -> Vec<PathBuf> {
        let mut dirs: Vec<PathBuf> = std::fs::read_dir(&self.root)
            .map(|rd| {
                rd.filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| p.join("bundle.toml").is_file())
                    .collect()
            })
            .unwrap_or_default();
        dirs.sort();
        dirs
    }

    fn active_dir(&self) -> Option<PathBuf> {
        self.desk
            .setting(SETTING_DIR)
            .ok()
            .flatten()
            .map(PathBuf::from)
    }
}

fn same(a: &Path, b: &Path) -> bool {
    let canon = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    canon(a) == canon(b)
}

fn row(dir: &Path, bundle: &Bundle, active: bool) -> BundleRow {
    let table = bundle.module_table();
    BundleRow {
        dir: dir.display().to_string(),
        region: bundle.region().to_string(),
        version: bundle.version().to_string(),
        digest: bundle.digest().to_string(),
        modules: table
            .iter()
            .map(|m| (format!("{} {}", m.name, m.version), Ok(())))
            .collect(),
        rules: table
            .iter()
            .flat_map(|m| m.rules.iter().map(|r| (r.id.clone(), r.text.clone())))
            .collect(),
        active,
        error: None,
    }
}

impl PolicyCatalog for BundleCatalog {
    fn bundles(&self) -> Vec<BundleRow> {
        let active = self.active_dir();
        let mut dirs = self.dirs();
        if let Some(a) = &active {
            if !dirs.iter().any(|d| same(d, a)) {
                dirs.insert(0, a.clone());
            }
        }
        dirs.iter()
            .map(|dir| {
                let is_active = active.as_deref().is_some_and(|a| same(a, dir));
                match Bundle::load(&self.host, dir) {
                    Ok(b) => row(dir, &b, is_active),
                    Err(e) => BundleRow {
                        dir: dir.display().to_string(),
                        region: String::new(),
                        version: String::new(),
                        digest: String::new(),
                        modules: Vec::new(),
                        rules: Vec::new(),
                        active: is_active,
                        error: Some(e.to_string()),
                    },
                }
            })
            .collect()
    }

    fn open(&self, dir: &str) -> Result<Arc<dyn Decider>, String> {
        Bundle::load(&self.host, Path::new(dir))
            .map(|b| Arc::new(b) as Arc<dyn Decider>)
            .map_err(|e| format!("{dir}: {e}"))
    }

    fn activate(&self, desk: &Desk, dir: &str) -> Result<String, String> {
        let bundle = active::activate(
            desk.repository().as_ref(),
            &self.host,
            Path::new(dir),
            &super::operator(),
            desk.now(),
        )
        .map_err(|e| e.to_string())?;
        Ok(format!(
            "{} {} {}",
            bundle.region(),
            bundle.version(),
            bundle.digest()
        ))
    }
}
