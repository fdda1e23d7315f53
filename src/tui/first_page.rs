//! 首页缓存: the listing's first page as the console last saw it, kept beside the store so the
//! next console shows it while sled is still opening the store (on 1M applications sled's open
//! takes 0.3-0.5 s, most of it building its page table).
//!
//! It is current or not shown: the console writes it at exit after closing sled, with a
//! fingerprint of the store's files (names, sizes, inodes, modification and change times), while
//! still holding the store's lock; the next console takes the lock, fingerprints again and shows
//! the page only if nothing changed. Any write to the store (another console, a command line
//! run, even sled rewriting its snapshot) changes the fingerprint, and the page is then not shown.

use std::path::Path;
use std::sync::Arc;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::domain::calendar::WorkingCalendar;
use crate::domain::ports::{Page, Query};
use crate::domain::Application;
use crate::store::{SledStore, StoreLock};

use super::action::{Action, ListRow};
use super::worker::{remaining_working_days, Closer};

/// The file in the store's directory (outside sled's `db/`, so not part of the fingerprint).
pub const FILE: &str = "console-first-page.json";

/// Rows kept: the first page of any terminal up to ~70 rows high (a page is three screens).
pub const ROWS: usize = 200;

#[derive(Serialize, Deserialize)]
struct Stored {
    fingerprint: String,
    total: u64,
    items: Vec<Application>,
}

/// The listing the console opens on: every application by id, from the first.
pub fn query() -> Query {
    Query {
        limit: ROWS,
        ..Query::default()
    }
}

/// The stored first page, if the store under `lock` is unchanged since it was written, as the
/// console's rows on `today`.
pub fn load(lock: &StoreLock, calendar: &WorkingCalendar, today: NaiveDate) -> Option<Action> {
    let bytes = std::fs::read(lock.dir().join(FILE)).ok()?;
    let stored: Stored = serde_json::from_slice(&bytes).ok()?;
    let now = lock.fingerprint().ok()?;
    if stored.fingerprint.is_empty() || stored.fingerprint != now {
        return None;
    }
    let rows = stored
        .items
        .into_iter()
        .map(|app| ListRow {
            remaining_wd: app
                .deadline
                .and_then(|d| remaining_working_days(calendar, today, d)),
            app,
        })
        .collect();
    Some(Action::StoredFirstPage {
        query: query(),
        rows,
        total: stored.total,
    })
}

/// Write `page` (the [`query`] answered just before closing) for the store closed under `lock`.
pub fn save(lock: &StoreLock, page: &Page) -> std::io::Result<()> {
    let fingerprint = lock.fingerprint().map_err(std::io::Error::other)?;
    let stored = Stored {
        fingerprint,
        total: page.total,
        items: page.items.clone(),
    };
    let path = lock.dir().join(FILE);
    let tmp = lock.dir().join(format!("{FILE}.tmp"));
    std::fs::write(&tmp, serde_json::to_vec(&stored)?)?;
    std::fs::rename(&tmp, &path)
}

/// Remove the stored page (e.g. it could not be brought up to date).
pub fn discard(dir: &Path) {
    let _ = std::fs::remove_file(dir.join(FILE));
}

/// What the console's worker runs at exit, once nothing else uses `store`: close sled, then
/// store the first page it answered last (or drop the stored one when there is none).
pub fn closer(store: Arc<SledStore>) -> Closer {
    Box::new(move |page: Option<Page>| {
        let dir = store.dir().to_path_buf();
        let Ok(store) = Arc::try_unwrap(store) else {
            // Still in use elsewhere: it will be closed later, when this page may be stale.
            discard(&dir);
            return;
        };
        match (store.close(), page) {
            (Ok(lock), Some(page)) => {
                if save(&lock, &page).is_err() {
                    discard(&dir);
                }
            }
            _ => discard(&dir),
        }
    })
}
