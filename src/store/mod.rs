//! 存储: the sled-backed repository (implements `domain::ports::Repository`).
//!
//! Trees (schema 8): `applications` (id → the keys of its event groups + the application's JSON,
//! its field names compacted: see `keys::encode_record`), `event_groups` (first seq big-endian →
//! the consecutive events of one application written by one commit, the id and one hash per
//! group, seals raw: see `keys::encode_group`), one tree per index (status, process class, customer class, county, deadline,
//! customer name: `value 0x00 bucket → sorted id tails`, see `keys`), `settings` and `meta`
//! (schema version, chain head, id counters, per-index-value counts). So an application costs
//! about three sled keys, which is what sled's in-memory page table grows with. Every commit is
//! ONE multi-tree transaction followed by `flush`, which returns only after an `fdatasync` of
//! sled's log (concurrent commits share one: group commit), so an acknowledged command is durable
//! against a power cut and whole; bulk loads are all-or-nothing through an undo journal (`bulk`). No sled type leaves
//! this module.

mod audit;
mod bulk;
mod keys;
mod migrate;
mod query;
mod search;

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use sled::transaction::{ConflictableTransactionError, TransactionError, TransactionalTree};
use sled::Transactional;

use crate::domain::application::StoredForm;
use crate::domain::event::{record_hash, record_hash_of_json, Event, EventDraft, GENESIS_HASH};
use crate::domain::ports::{AuditReport, Change, Page, Query, Repository, SearchHits, StoreError};
use crate::domain::{AppId, Application};

pub use audit::ConsistencyReport;
pub use bulk::BackupSummary;
use keys::*;

/// Positions of the trees in a transaction.
const RECORDS: usize = 0;
const GROUPS: usize = 1;
const SETTINGS: usize = 2;
const META: usize = 3;
const FIRST_INDEX: usize = 4;

const LOCK_FILE: &str = "powerdesk.lock";
const DB_DIR: &str = "db";

/// The application JSON of a stored record value, in any record format (for tests and tools
/// that read the raw trees).
#[doc(hidden)]
pub fn stored_record_json(value: &[u8]) -> Result<Vec<u8>, StoreError> {
    record_json(value).map(std::borrow::Cow::into_owned)
}

/// How a store is opened; `Default` is what `SledStore::open` uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoreOptions {
    /// Bytes of decoded pages sled may keep cached (its page table of locations comes on top).
    pub cache_bytes: u64,
    /// Account page accesses at once, so the cache stays near `cache_bytes` (a scan of the whole
    /// store otherwise leaves up to ~16,000 pages beyond it); costs bulk writes ~25 % (see
    /// vendor/sled/PATCHED.md). For long-running readers such as the console.
    pub prompt_accounting: bool,
    /// Open an existing store without writing anything to its directory (a full disk): reads,
    /// export and backup work; every write fails. A store that needs recovery or a migration
    /// first is refused.
    pub read_only: bool,
    /// zstd level (1-22) for the pages and snapshots of a store this open creates; `None` keeps
    /// them uncompressed. An existing store keeps the setting it was created with (sled cannot
    /// change it), so this only matters for new stores, `restore` into a new directory included.
    pub compression: Option<i32>,
}

/// The zstd level of new stores (BENCHMARKS.md, "Footprint").
pub const COMPRESSION_LEVEL: i32 = 1;

/// How much smaller a demo store's pages are compressed (4.3x at 200,000 applications).
const COMPRESSION_RATIO: u64 = 4;

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions {
            cache_bytes: 256 * 1024 * 1024,
            prompt_accounting: false,
            read_only: false,
            compression: Some(COMPRESSION_LEVEL),
        }
    }
}

/// 数据库: a powerdesk store directory, opened exclusively by one process.
pub struct SledStore {
    db: sled::Db,
    trees: Vec<sled::Tree>,
    /// One writer at a time: transactions never conflict and the chain stays linear.
    writer: Mutex<()>,
    /// Test hook: abort after this many more writes, counted across transactions (usize::MAX: never).
    fault_after: AtomicUsize,
    /// Held for the life of the store: the exclusive lock on `powerdesk.lock`.
    lock: StoreLock,
    /// What the open recovered from, for the owner (see [`SledStore::open_notices`]).
    notices: Vec<String>,
    /// A bulk load is under way: the search index waits for its end (see `search.rs`).
    bulk: std::sync::atomic::AtomicBool,
}

/// 目录锁: the exclusive lock on a store directory (`powerdesk.lock`), taken before sled opens the
/// store and released when dropped. While it is held no other process can open the store, so
/// two [`StoreLock::fingerprint`]s taken under locks that are equal mean the store is unchanged.
/// The lock file names its holder (`pid 4242: console`) for whoever finds the store locked.
pub struct StoreLock {
    dir: PathBuf,
    file: File,
}

/// The local endpoint a store's holder may serve in the store directory (see `cli::endpoint`).
/// Whoever takes the lock removes a socket left there: its process no longer holds the store.
pub const ENDPOINT_SOCKET: &str = "powerdesk.sock";

/// The longest pause between two tries of a locked store.
const MAX_LOCK_PAUSE: std::time::Duration = std::time::Duration::from_millis(250);

impl StoreLock {
    /// Lock `dir` (created if missing); another process holding it gives `Locked`.
    ///
    /// It waits out a short grace: a store just closed in this process can keep its lock for a
    /// moment, while sled's background threads end or while a child process being spawned still
    /// holds a copy of the lock's file descriptor (until it execs). The command line never
    /// relies on this: it takes the lock through `acquire_as` with the operator's `--wait`.
    pub fn acquire(dir: &Path) -> Result<StoreLock, StoreError> {
        Self::acquire_as(dir, "powerdesk", std::time::Duration::from_secs(2))
    }

    /// Lock `dir` as `what` (the command: "console", "app new", …), retrying with backoff for up
    /// to `wait` while another process holds it; then `Locked`, naming that holder.
    pub fn acquire_as(
        dir: &Path,
        what: &str,
        wait: std::time::Duration,
    ) -> Result<StoreLock, StoreError> {
        let deadline = std::time::Instant::now() + wait;
        let mut pause = std::time::Duration::from_millis(10);
        loop {
            let holder = match Self::try_acquire_as(dir, what)? {
                Ok(lock) => return Ok(lock),
                Err(holder) => holder,
            };
            let now = std::time::Instant::now();
            if now >= deadline {
                return Err(StoreError::Locked {
                    dir: dir.display().to_string(),
                    holder,
                });
            }
            std::thread::sleep(pause.min(deadline - now));
            pause = (pause * 2).min(MAX_LOCK_PAUSE);
        }
    }

    /// One try: the lock, or what the lock file says of the process holding it (None if it
    /// does not say).
    pub fn try_acquire_as(
        dir: &Path,
        what: &str,
    ) -> Result<Result<StoreLock, Option<String>>, StoreError> {
        std::fs::create_dir_all(dir).map_err(|e| io(&format!("creating {}", dir.display()), e))?;
        let path = dir.join(LOCK_FILE);
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(&path)
            .map_err(|e| io(&format!("opening the lock file in {}", dir.display()), e))?;
        let locked = fs4::fs_std::FileExt::try_lock_exclusive(&file)
            .map_err(|e| io(&format!("locking {}", dir.display()), e))?;
        if !locked {
            return Ok(Err(read_holder(&path)));
        }
        // Ours now: say who holds it, and drop an endpoint socket its last holder left behind.
        use std::os::unix::fs::FileExt;
        // Best effort: on a full disk the holder's note cannot be written, and the store must
        // still open (read-only) so its owner can copy the data away; others then see no note.
        let note = format!("pid {}: {}\n", std::process::id(), one_line(what));
        if file
            .set_len(0)
            .and_then(|_| file.write_all_at(note.as_bytes(), 0))
            .is_err()
        {
            let _ = file.set_len(0);
        }
        match std::fs::remove_file(dir.join(ENDPOINT_SOCKET)) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(io(
                    &format!("removing the stale {ENDPOINT_SOCKET} in {}", dir.display()),
                    e,
                ))
            }
        }
        Ok(Ok(StoreLock {
            dir: dir.to_path_buf(),
            file,
        }))
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The name, size, inode and modification and change times (ns) of every file sled keeps
    /// for this store, one per line, sorted. Any write sled makes changes the size or the times
    /// of the file written; a store that does not exist yet has an empty fingerprint.
    pub fn fingerprint(&self) -> Result<String, StoreError> {
        use std::os::unix::fs::MetadataExt;
        let mut lines = Vec::new();
        let mut dirs = vec![self.dir.join(DB_DIR)];
        while let Some(dir) = dirs.pop() {
            let entries = match std::fs::read_dir(&dir) {
                Ok(e) => e,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(io(&format!("listing {}", dir.display()), e)),
            };
            for entry in entries {
                let entry = entry.map_err(|e| io(&format!("listing {}", dir.display()), e))?;
                let meta = entry
                    .metadata()
                    .map_err(|e| io(&format!("reading {}", entry.path().display()), e))?;
                if meta.is_dir() {
                    dirs.push(entry.path());
                    continue;
                }
                lines.push(format!(
                    "{} {} {} {}.{:09} {}.{:09}",
                    entry.path().display(),
                    meta.len(),
                    meta.ino(),
                    meta.mtime(),
                    meta.mtime_nsec(),
                    meta.ctime(),
                    meta.ctime_nsec()
                ));
            }
        }
        lines.sort();
        Ok(lines.join("\n"))
    }
}

impl Drop for StoreLock {
    /// The lock file no longer names a holder once released (the lock itself goes with the file).
    fn drop(&mut self) {
        let _ = self.file.set_len(0);
    }
}

/// The holder named in a lock file, if it names one.
fn read_holder(path: &Path) -> Option<String> {
    let text = std::fs::read_to_string(path).ok()?;
    let line = text.lines().next()?.trim();
    (!line.is_empty()).then(|| one_line(line).chars().take(200).collect())
}

/// `text` on one line, without control characters (it ends up in an error message).
fn one_line(text: &str) -> String {
    text.chars().filter(|c| !c.is_control()).collect()
}

type TxResult<T> = Result<T, ConflictableTransactionError<StoreError>>;

/// fsync a directory, so the files created or renamed in it are there after a power cut.
fn sync_dir(dir: &Path) -> Result<(), StoreError> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| io(&format!("syncing the directory {}", dir.display()), e))
}

fn io(context: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Io(format!("{context}: {e}"))
}

/// sled's error for a write that found no space left on the device.
fn is_disk_full(e: &sled::Error) -> bool {
    matches!(e, sled::Error::Io(e) if e.raw_os_error() == Some(libc::ENOSPC)
        || e.kind() == std::io::ErrorKind::StorageFull)
}

fn tx_error(e: TransactionError<StoreError>) -> StoreError {
    match e {
        TransactionError::Abort(e) => e,
        TransactionError::Storage(e) => io("transaction", e),
    }
}

fn abort(e: StoreError) -> ConflictableTransactionError<StoreError> {
    ConflictableTransactionError::Abort(e)
}

/// Open sled in `path`. We hold the store's lock file, so no other process has it; sled's own
/// file lock can still be held for a moment by the background threads of a `SledStore` this
/// process just dropped, so that one conflict is waited out (up to 2 s).
fn open_db(path: &Path, options: StoreOptions) -> sled::Result<sled::Db> {
    let mut waited = 0;
    let config = sled::Config::new().path(path);
    // An existing store keeps the compression it was created with.
    let compression = match config.stored_use_compression()? {
        Some(false) => None,
        Some(true) => Some(options.compression.unwrap_or(COMPRESSION_LEVEL)),
        None => options.compression,
    };
    // sled accounts a cached page by its size in the log, compressed: decoded, a page of a
    // compressed store is ~4x that (BENCHMARKS.md, "Footprint"), so its budget is a quarter.
    let cache_bytes = match compression {
        Some(_) => options.cache_bytes / COMPRESSION_RATIO,
        None => options.cache_bytes,
    };
    let config = config
        .cache_capacity(cache_bytes)
        .prompt_cache_accounting(options.prompt_accounting)
        .read_only(options.read_only)
        .use_compression(compression.is_some())
        .compression_factor(compression.unwrap_or(COMPRESSION_LEVEL));
    loop {
        let result = config.open();
        match result {
            // sled reports it as ErrorKind::Other with this text.
            Err(sled::Error::Io(e))
                if e.to_string().starts_with("could not acquire lock") && waited < 40 =>
            {
                std::thread::sleep(std::time::Duration::from_millis(50));
                waited += 1;
            }
            other => return other,
        }
    }
}

impl SledStore {
    /// Open (or create) the store in `dir`. Another process holding it gives `Locked`; a store
    /// written by a newer schema gives `NewerSchema`. An import interrupted by a crash is rolled
    /// back here.
    pub fn open(dir: &Path) -> Result<SledStore, StoreError> {
        Self::open_with(dir, StoreOptions::default())
    }

    /// [`SledStore::open`] with `options` (e.g. a smaller cache for the console).
    pub fn open_with(dir: &Path, options: StoreOptions) -> Result<SledStore, StoreError> {
        Self::open_locked(StoreLock::acquire(dir)?, options)
    }

    /// Open the store whose directory `lock` holds.
    pub fn open_locked(lock: StoreLock, options: StoreOptions) -> Result<SledStore, StoreError> {
        let db = open_db(&lock.dir.join(DB_DIR), options).map_err(|e| {
            if is_disk_full(&e) {
                StoreError::DiskFull {
                    dir: lock.dir.display().to_string(),
                }
            } else {
                io(&format!("opening the store in {}", lock.dir.display()), e)
            }
        })?;
        let mut names = vec![RECORDS_TREE, GROUPS_TREE, "settings", "meta"];
        names.extend(Index::ALL.iter().map(|ix| ix.bucket_tree()));
        // Last, at `search::SEARCH`: a write transaction covers it like the other indexes.
        names.push(search::SEARCH_TREE);
        let trees = names
            .iter()
            .map(|n| db.open_tree(n))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| io("opening trees", e))?;
        let notices = db.recovery_notices();
        let mut store = SledStore {
            db,
            trees,
            writer: Mutex::new(()),
            fault_after: AtomicUsize::new(usize::MAX),
            lock,
            notices,
            bulk: std::sync::atomic::AtomicBool::new(false),
        };
        if options.read_only {
            store.check_read_only()?;
        } else {
            store.check_schema()?;
            store.recover_import()?;
            store.ensure_search_index()?;
            // sled created its log, config and snapshot files (or renamed a snapshot into place)
            // while opening; fsync the directories so the entries survive a power cut, as every
            // flush's fdatasync makes the log's contents and size survive it.
            let db_dir = store.dir().join(DB_DIR);
            for dir in [db_dir.as_path(), store.dir()] {
                sync_dir(dir)?;
            }
            if let Some(parent) = store.dir().parent().filter(|p| !p.as_os_str().is_empty()) {
                sync_dir(parent)?;
            }
        }
        Ok(store)
    }

    /// How many `fdatasync`s of the log this store's commits have made since it opened; commits
    /// racing each other share one (group commit), so this can be lower than the commits.
    pub fn durable_syncs(&self) -> u64 {
        self.db.durable_syncs()
    }

    pub fn dir(&self) -> &Path {
        self.lock.dir()
    }

    /// What opening the store did to recover that its owner should be told, one sentence each
    /// (e.g. a corrupt snapshot set aside as `db/snap.<lsn>.corrupt` and every page recovered
    /// from the log instead). Empty after an ordinary open.
    pub fn open_notices(&self) -> &[String] {
        &self.notices
    }

    /// Close sled (everything written is flushed) and keep the directory locked.
    pub fn close(self) -> Result<StoreLock, StoreError> {
        self.flush()?;
        let SledStore {
            db, trees, lock, ..
        } = self;
        drop(trees);
        drop(db);
        Ok(lock)
    }

    /// A read-only open writes nothing: the store must be in this schema with no import to
    /// roll back.
    fn check_read_only(&self) -> Result<(), StoreError> {
        let meta = &self.trees[META];
        let schema = meta
            .get(META_SCHEMA)
            .map_err(|e| io("reading meta", e))?
            .map(|v| u64_be(&v) as u32);
        let pending = meta
            .get(META_IMPORT_PENDING)
            .map_err(|e| io("reading meta", e))?
            .is_some();
        // A schema-7 store reads as it is: schema 8 only adds a format of event group.
        let current = schema.is_some_and(|s| (SEALS_SCHEMA..=SCHEMA_VERSION).contains(&s));
        if !current || pending {
            return Err(StoreError::Io(format!(
                "store {} cannot be read without writing to it first ({}); free space on its disk and run the command again",
                self.dir().display(),
                if pending {
                    "an interrupted import is rolled back at open".to_string()
                } else {
                    format!("schema {schema:?} is upgraded to {SCHEMA_VERSION} at open")
                }
            )));
        }
        Ok(())
    }

    fn check_schema(&self) -> Result<(), StoreError> {
        let meta = &self.trees[META];
        match meta.get(META_SCHEMA).map_err(|e| io("reading meta", e))? {
            Some(v) => {
                let found = u64_be(&v) as u32;
                if found > SCHEMA_VERSION {
                    return Err(StoreError::NewerSchema {
                        dir: self.dir().display().to_string(),
                        found,
                        supported: SCHEMA_VERSION,
                    });
                }
                if found < SEALS_SCHEMA {
                    // Schema 7: the records are sealed once the layout is current (below); the
                    // mark survives a crash in between.
                    meta.insert(META_SEAL_PENDING, &[])
                        .map_err(|e| io("writing meta", e))?;
                }
                if found < 6 {
                    // Schema 6: deadlines counted before it are recounted by the desk.
                    self.forget_calendar_fingerprint()?;
                }
                if found < SCHEMA_VERSION && self.has_old_layout() {
                    self.migrate()?;
                } else if (4..SCHEMA_VERSION).contains(&found) {
                    // Schemas 5 and 8 only add a format of event group, schema 6 the recount
                    // above, schema 7 the seals below: nothing to rewrite.
                    meta.insert(META_SCHEMA, &u64::from(SCHEMA_VERSION).to_be_bytes())
                        .map_err(|e| io("writing meta", e))?;
                    self.flush()?;
                } else if found < SCHEMA_VERSION {
                    self.recount()?;
                } else {
                    // A migration that flipped the schema but died before dropping the old trees.
                    self.drop_old_layout()?;
                }
            }
            None => {
                meta.insert(META_SCHEMA, &u64::from(SCHEMA_VERSION).to_be_bytes())
                    .map_err(|e| io("writing meta", e))?;
                meta.insert(META_CHAIN_HEAD, encode_head(0, GENESIS_HASH))
                    .map_err(|e| io("writing meta", e))?;
                self.flush()?;
            }
        }
        if meta
            .contains_key(META_SEAL_PENDING)
            .map_err(|e| io("reading meta", e))?
        {
            self.seal_records()?;
        }
        Ok(())
    }

    /// Drop the fingerprint of the calendar the stored deadlines were counted on, durably, so the
    /// next desk over the store recounts every open deadline (a crash before the schema is
    /// recorded only repeats this).
    fn forget_calendar_fingerprint(&self) -> Result<(), StoreError> {
        self.trees[SETTINGS]
            .remove(crate::domain::calendar::SETTING_CALENDAR_FINGERPRINT)
            .map_err(|e| io("writing settings", e))?;
        self.flush()
    }

    /// An older schema already in this layout: rebuild every counter from the records, then
    /// record the schema.
    fn recount(&self) -> Result<(), StoreError> {
        let mut counts: HashMap<Vec<u8>, u64> = HashMap::new();
        for entry in self.trees[RECORDS].iter() {
            let (_, bytes) = entry.map_err(|e| io("scanning applications", e))?;
            let (app, _) = decode_record(&bytes)?;
            for key in counter_keys(&app) {
                *counts.entry(key).or_default() += 1;
            }
        }
        self.write_counts_and_schema(counts)
    }

    /// Replace every counter by `counts` and record the schema, in one atomic batch.
    fn write_counts_and_schema(&self, counts: HashMap<Vec<u8>, u64>) -> Result<(), StoreError> {
        let mut batch = sled::Batch::default();
        for entry in self.trees[META].scan_prefix(b"n/") {
            let (key, _) = entry.map_err(|e| io("reading meta", e))?;
            batch.remove(key);
        }
        for (key, n) in counts {
            batch.insert(key, &n.to_be_bytes());
        }
        batch.insert(META_SCHEMA, &u64::from(SCHEMA_VERSION).to_be_bytes());
        // One atomic batch: counters and the new schema version together.
        self.trees[META]
            .apply_batch(batch)
            .map_err(|e| io("migrating the store", e))?;
        self.flush()
    }

    /// Record a schema version (tests of the newer-schema refusal use it).
    #[doc(hidden)]
    pub fn force_schema_version(&self, version: u32) -> Result<(), StoreError> {
        self.trees[META]
            .insert(META_SCHEMA, &u64::from(version).to_be_bytes())
            .map_err(|e| io("writing meta", e))?;
        self.flush()
    }

    /// Test hook: abort the transaction in which the next `writes` writes run out (None: never).
    #[doc(hidden)]
    pub fn inject_fault_after(&self, writes: Option<usize>) {
        self.fault_after
            .store(writes.unwrap_or(usize::MAX), Ordering::SeqCst);
    }

    fn flush(&self) -> Result<(), StoreError> {
        self.db.flush().map(|_| ()).map_err(|e| {
            if is_disk_full(&e) {
                StoreError::DiskFull {
                    dir: self.dir().display().to_string(),
                }
            } else {
                io("flushing to disk", e)
            }
        })
    }

    fn tree_refs(&self) -> Vec<&sled::Tree> {
        self.trees.iter().collect()
    }

    /// Apply `changes` in one transaction (no flush); returns the chained events.
    fn apply(&self, changes: &[Change]) -> Result<Vec<Event>, StoreError> {
        let refs = self.tree_refs();
        let fault_after = self.fault_after.load(Ordering::SeqCst);
        let used = std::cell::Cell::new(0usize);
        let result = refs[..]
            .transaction(|t| {
                let mut writes = 0usize;
                let mut wrote = |n: usize| -> TxResult<()> {
                    writes += n;
                    used.set(writes);
                    if writes > fault_after {
                        return Err(abort(StoreError::Io(format!(
                            "injected fault after {fault_after} writes"
                        ))));
                    }
                    Ok(())
                };
                let head = t[META]
                    .get(META_CHAIN_HEAD)?
                    .ok_or_else(|| abort(StoreError::Corrupt("meta has no chain head".into())))?;
                let (mut seq, mut hash) = decode_head(&head).map_err(abort)?;
                // The search index stays marked in step only if it was before.
                let search_in_step =
                    search::marker_seq(t[META].get(search::META_SEARCH)?.as_deref()) == Some(seq);
                let mut counts: HashMap<Vec<u8>, i64> = HashMap::new();
                let mut chained = Vec::new();
                for change in changes {
                    // Applications with events but not rewritten keep their stored record.
                    let mut kept: HashMap<&AppId, String> = HashMap::new();
                    for d in &change.events {
                        if d.app_id.0.is_empty()
                            || kept.contains_key(&d.app_id)
                            || change.applications.iter().any(|a| a.id == d.app_id)
                        {
                            continue;
                        }
                        if let Some(bytes) = t[RECORDS].get(d.app_id.0.as_bytes())? {
                            let json = record_json(&bytes).map_err(abort)?;
                            kept.insert(&d.app_id, record_hash_of_json(&json));
                        }
                    }
                    let drafts = seal_drafts(change, |id| kept.get(id).cloned()).map_err(abort)?;
                    let groups = chain_groups(&drafts, &mut seq, &mut hash);
                    let mut new_groups = groups_by_app(&groups);
                    let accepted = accepted_ids(change);
                    for app in &change.applications {
                        let old = match t[RECORDS].get(app.id.0.as_bytes())? {
                            Some(bytes) => Some(decode_record(&bytes).map_err(abort)?),
                            None => None,
                        };
                        if old.is_some() && accepted.contains(&app.id) {
                            // An acceptance inserts: it never replaces a stored application.
                            return Err(abort(StoreError::Duplicate(app.id.clone())));
                        }
                        if old.is_none() {
                            bump_id_counter(&t[META], &app.id)?;
                        }
                        let (old, mut list) = match old {
                            Some((a, l)) => (Some(a), l),
                            None => (None, Vec::new()),
                        };
                        list.extend(new_groups.remove(&app.id).unwrap_or_default());
                        put_app(t, old.as_ref(), app, &list, &mut counts)?;
                        wrote(1)?;
                    }
                    // Events of an application the change does not rewrite: add the group to its record.
                    for (id, seqs) in new_groups {
                        let bytes = t[RECORDS].get(id.0.as_bytes())?.ok_or_else(|| {
                            abort(StoreError::Corrupt(format!(
                                "events name application {id}, which is not stored"
                            )))
                        })?;
                        let (app, mut list) = decode_record(&bytes).map_err(abort)?;
                        list.extend(seqs);
                        t[RECORDS].insert(id.0.as_bytes(), encode_record(&app, &list))?;
                    }
                    for (first, events) in groups {
                        t[GROUPS].insert(&first.to_be_bytes(), encode_group(&events))?;
                        for event in events {
                            chained.push(event);
                            wrote(1)?;
                        }
                    }
                    for (key, value) in &change.settings {
                        match value {
                            Some(v) => t[SETTINGS].insert(key.as_bytes(), v.as_bytes())?,
                            None => t[SETTINGS].remove(key.as_bytes())?,
                        };
                        wrote(1)?;
                    }
                }
                add_counts(&t[META], &counts)?;
                t[META].insert(META_CHAIN_HEAD, encode_head(seq, &hash))?;
                if search_in_step {
                    t[META].insert(search::META_SEARCH, search::encode_marker(seq))?;
                }
                Ok(chained)
            })
            .map_err(tx_error);
        if result.is_ok() && fault_after != usize::MAX {
            // The fault budget spans transactions, so a bulk load can fail in a later batch.
            self.fault_after
                .store(fault_after - used.get(), Ordering::SeqCst);
        }
        result
    }

    fn writer(&self) -> std::sync::MutexGuard<'_, ()> {
        self.writer.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn read_app(&self, id: &AppId) -> Result<Option<Application>, StoreError> {
        Ok(self.read_record(id)?.map(|(app, _)| app))
    }

    /// An application with the keys of its event groups.
    fn read_record(&self, id: &AppId) -> Result<Option<(Application, Vec<u64>)>, StoreError> {
        match self.trees[RECORDS]
            .get(id.0.as_bytes())
            .map_err(|e| io("reading an application", e))?
        {
            Some(bytes) => decode_record(&bytes).map(Some),
            None => Ok(None),
        }
    }

    /// One stored event group.
    fn read_group(&self, first: u64) -> Result<Option<Vec<Event>>, StoreError> {
        match self.trees[GROUPS]
            .get(first.to_be_bytes())
            .map_err(|e| io("reading events", e))?
        {
            Some(bytes) => decode_group(&bytes).map(Some),
            None => Ok(None),
        }
    }

    fn count(&self, key: &[u8]) -> Result<u64, StoreError> {
        Ok(self.trees[META]
            .get(key)
            .map_err(|e| io("reading meta", e))?
            .map(|v| u64_be(&v))
            .unwrap_or(0))
    }
}

/// The change's event drafts, each application's last one sealing the record the change leaves
/// (`EventDraft::record`): the rewritten application, else what `stored_hash` gives for its
/// stored record. A draft that already seals a record (an imported history) must seal that one;
/// an application rewritten without an event of its own is refused (the chain would not cover it).
fn seal_drafts(
    change: &Change,
    stored_hash: impl Fn(&AppId) -> Option<String>,
) -> Result<Vec<EventDraft>, StoreError> {
    let mut drafts = change.events.clone();
    let mut last: HashMap<&AppId, usize> = HashMap::new();
    for (i, d) in change.events.iter().enumerate() {
        if !d.app_id.0.is_empty() {
            last.insert(&d.app_id, i);
        }
    }
    for app in &change.applications {
        if !last.contains_key(&app.id) {
            return Err(StoreError::Corrupt(format!(
                "refused to rewrite application {} without an event: the audit chain would not cover the new record; nothing was written",
                app.id
            )));
        }
    }
    for (id, i) in last {
        let hash = match change.applications.iter().rev().find(|a| a.id == *id) {
            Some(app) => Some(record_hash(app)),
            None => stored_hash(id),
        };
        let Some(hash) = hash else { continue };
        match &drafts[i].record {
            Some(sealed) if *sealed != hash => {
                return Err(StoreError::Corrupt(format!(
                    "the last event of application {id} seals a different record than the one written (record {sealed}, written {hash}); nothing was written"
                )))
            }
            _ => drafts[i].record = Some(hash),
        }
    }
    Ok(drafts)
}

/// Chain `drafts` after (`seq`, `hash`) and group them: one group per run of consecutive events
/// of the same application, keyed by its first seq.
fn chain_groups(drafts: &[EventDraft], seq: &mut u64, hash: &mut String) -> Vec<(u64, Vec<Event>)> {
    let mut groups: Vec<(u64, Vec<Event>)> = Vec::new();
    for draft in drafts {
        *seq += 1;
        let event = Event::chain(*seq, draft.clone(), hash);
        *hash = event.hash.clone();
        match groups.last_mut() {
            Some((_, g)) if g[0].draft.app_id == event.draft.app_id => g.push(event),
            _ => groups.push((*seq, vec![event])),
        }
    }
    groups
}

/// The new group keys of each application named by `groups` (events without one have none).
fn groups_by_app(groups: &[(u64, Vec<Event>)]) -> HashMap<AppId, Vec<u64>> {
    let mut by_app: HashMap<AppId, Vec<u64>> = HashMap::new();
    for (first, events) in groups {
        let id = &events[0].draft.app_id;
        if !id.0.is_empty() {
            by_app.entry(id.clone()).or_default().push(*first);
        }
    }
    by_app
}

/// Add (`add`) or remove `id` in its bucket under an index value, inside a transaction.
fn bucket_edit_tx(tree: &TransactionalTree, value: &str, id: &AppId, add: bool) -> TxResult<()> {
    let (_, tail) = split_id(id);
    bucket_entry_tx(tree, bucket_key(value, id), tail, add)
}

/// Add `tail` to (or remove it from) the bucket stored under `key`, in a transaction.
fn bucket_entry_tx(tree: &TransactionalTree, key: Vec<u8>, tail: &[u8], add: bool) -> TxResult<()> {
    let mut bucket = match tree.get(&key)? {
        Some(v) => Bucket::decode(&v).map_err(abort)?,
        None => Bucket::default(),
    };
    if add {
        bucket.insert(tail);
    } else {
        bucket.remove(tail);
    }
    if bucket.is_empty() {
        tree.remove(key)?;
    } else {
        tree.insert(key, bucket.encode())?;
    }
    Ok(())
}

/// The same outside a transaction (undo of a bulk load, which is idempotent).
fn bucket_edit(tree: &sled::Tree, value: &str, id: &AppId, add: bool) -> Result<(), StoreError> {
    let (_, tail) = split_id(id);
    bucket_entry(tree, bucket_key(value, id), tail, add)
}

/// [`bucket_entry_tx`] outside a transaction.
fn bucket_entry(tree: &sled::Tree, key: Vec<u8>, tail: &[u8], add: bool) -> Result<(), StoreError> {
    let mut bucket = match tree.get(&key).map_err(|e| io("reading an index", e))? {
        Some(v) => Bucket::decode(&v)?,
        None => Bucket::default(),
    };
    if add {
        bucket.insert(tail);
    } else {
        bucket.remove(tail);
    }
    let done = if bucket.is_empty() {
        tree.remove(key).map(|_| ())
    } else {
        tree.insert(key, bucket.encode()).map(|_| ())
    };
    done.map_err(|e| io("writing an index", e))
}

/// Write an application (owning event `groups`) and move its index entries and counters from
/// `old` to `app`.
fn put_app(
    t: &[TransactionalTree],
    old: Option<&Application>,
    app: &Application,
    groups: &[u64],
    counts: &mut HashMap<Vec<u8>, i64>,
) -> TxResult<()> {
    for (i, ix) in Index::ALL.iter().enumerate() {
        let before = old.and_then(|o| ix.value(o));
        let after = ix.value(app);
        if before == after {
            continue;
        }
        let tree = &t[FIRST_INDEX + i];
        if let Some(v) = &before {
            bucket_edit_tx(tree, v, &app.id, false)?;
        }
        if let Some(v) = &after {
            bucket_edit_tx(tree, v, &app.id, true)?;
        }
    }
    // Counters move from the old record's keys to the new one's (unchanged ones net to zero).
    for key in old.map(counter_keys).unwrap_or_default() {
        *counts.entry(key).or_default() -= 1;
    }
    for key in counter_keys(app) {
        *counts.entry(key).or_default() += 1;
    }
    let (removed, added) = search::term_changes(old, Some(app));
    for (terms, add) in [(removed, false), (added, true)] {
        for term in terms {
            let (key, element) = search::entry(&term, &app.id);
            bucket_entry_tx(&t[search::SEARCH], key, &element, add)?;
        }
    }
    t[RECORDS].insert(app.id.0.as_bytes(), encode_record(app, groups))?;
    Ok(())
}

fn app_id(year: i32, n: u64) -> AppId {
    AppId::new(year, n)
}

/// The ids a change accepts (an `accepted` event of theirs): applications it inserts.
fn accepted_ids(change: &Change) -> std::collections::HashSet<&AppId> {
    change
        .events
        .iter()
        .filter(|e| matches!(e.kind, crate::domain::event::EventKind::Accepted))
        .map(|e| &e.app_id)
        .collect()
}

/// The id counter an id counts in and its number, if it is in the store's format.
fn id_counter_of(id: &AppId) -> Option<(Vec<u8>, u64)> {
    let (year, n) = id.parse().ok()?;
    Some((id_counter_key(year), n))
}

/// `n` more ids of `year` on top of `old` (the year's counter), unless that passes
/// [`AppId::MAX_NUMBER`].
fn counter_after(old: Option<&[u8]>, n: u64) -> Option<u64> {
    old.map(u64_be)
        .unwrap_or(0)
        .checked_add(n)
        .filter(|last| *last <= AppId::MAX_NUMBER)
}

fn ids_exhausted(year: i32) -> StoreError {
    StoreError::Io(format!(
        "the ids of {year} are used up (numbers up to {} were given); nothing was written",
        AppId::MAX_NUMBER
    ))
}

/// Keep the year's id counter at or past an id written from outside (import of an export), so
/// `allocate_id` never hands it out again.
fn bump_id_counter(meta: &TransactionalTree, id: &AppId) -> TxResult<()> {
    let Some((key, n)) = id_counter_of(id) else {
        return Ok(());
    };
    let current = meta.get(&key)?.map(|v| u64_be(&v)).unwrap_or(0);
    if n > current {
        meta.insert(key, &n.to_be_bytes())?;
    }
    Ok(())
}

fn add_counts(meta: &TransactionalTree, counts: &HashMap<Vec<u8>, i64>) -> TxResult<()> {
    for (key, delta) in counts {
        if *delta == 0 {
            continue;
        }
        let now = meta.get(key)?.map(|v| u64_be(&v)).unwrap_or(0) as i64;
        let next = (now + delta).max(0) as u64;
        if next == 0 {
            meta.remove(key.as_slice())?;
        } else {
            meta.insert(key.as_slice(), &next.to_be_bytes())?;
        }
    }
    Ok(())
}

impl Repository for SledStore {
    fn allocate_id(&self, year: i32) -> Result<AppId, StoreError> {
        Ok(self.allocate_ids(year, 1)?.remove(0))
    }

    fn allocate_ids(&self, year: i32, n: usize) -> Result<Vec<AppId>, StoreError> {
        let exhausted = std::cell::Cell::new(false);
        let last = self.trees[META]
            .update_and_fetch(id_counter_key(year), |old| {
                let next = counter_after(old, n as u64);
                exhausted.set(next.is_none());
                // Used up: the counter stays as it is.
                match next {
                    Some(v) => Some(v.to_be_bytes().to_vec()),
                    None => old.map(<[u8]>::to_vec),
                }
            })
            .map_err(|e| io("allocating ids", e))?
            .map(|v| u64_be(&v))
            .unwrap_or(n as u64);
        if exhausted.get() {
            return Err(ids_exhausted(year));
        }
        Ok((last + 1 - n as u64..=last)
            .map(|i| app_id(year, i))
            .collect())
    }

    fn release_ids(&self, year: i32, unused: &[AppId]) -> Result<(), StoreError> {
        let number = |id: &AppId| id.0.rsplit('-').next().and_then(|n| n.parse::<u64>().ok());
        let numbers: Option<Vec<u64>> = unused.iter().map(number).collect();
        let numbers = numbers.unwrap_or_default();
        let (Some(&first), Some(&last)) = (numbers.iter().min(), numbers.iter().max()) else {
            return Ok(());
        };
        if last - first + 1 != numbers.len() as u64 {
            return Ok(()); // not one tail: keep them unused
        }
        // Only while the counter still ends the block: otherwise the ids simply stay unused.
        let _ = self.trees[META]
            .compare_and_swap(
                id_counter_key(year),
                Some(&last.to_be_bytes()[..]),
                Some(&(first - 1).to_be_bytes()[..]),
            )
            .map_err(|e| io("releasing ids", e))?;
        Ok(())
    }

    fn commit(&self, change: Change) -> Result<Vec<Event>, StoreError> {
        let events = {
            let _w = self.writer();
            self.apply(std::slice::from_ref(&change))?
        };
        // Flushed outside the writer lock: concurrent commits share one fsync (group commit),
        // and each returns only once a flush covering its own writes is done.
        self.flush()?;
        Ok(events)
    }

    fn commit_all(&self, changes: Vec<Change>) -> Result<(), StoreError> {
        let _w = self.writer();
        self.commit_all_locked(changes)
    }

    fn begin_bulk(&self) -> Result<(), StoreError> {
        self.begin_bulk_search()
    }

    fn end_bulk(&self) -> Result<(), StoreError> {
        self.end_bulk_search()
    }

    fn get(&self, id: &AppId) -> Result<Option<Application>, StoreError> {
        self.read_app(id)
    }

    fn events(&self, id: &AppId) -> Result<Vec<Event>, StoreError> {
        let Some((_, groups)) = self.read_record(id)? else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        for first in groups {
            let group = self.read_group(first)?.ok_or_else(|| {
                StoreError::Corrupt(format!("event group {first} of {id} is missing"))
            })?;
            out.extend(group.into_iter().filter(|e| e.draft.app_id == *id));
        }
        Ok(out)
    }

    fn query(&self, query: &Query) -> Result<Page, StoreError> {
        self.run_query(query)
    }

    fn search(&self, text: &str, filter: &Query, limit: usize) -> Result<SearchHits, StoreError> {
        self.run_search(text, filter, limit)
    }

    fn setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        match self.trees[SETTINGS]
            .get(key.as_bytes())
            .map_err(|e| io("reading settings", e))?
        {
            Some(v) => String::from_utf8(v.to_vec())
                .map(Some)
                .map_err(|_| StoreError::Corrupt(format!("setting {key} is not UTF-8"))),
            None => Ok(None),
        }
    }

    fn settings_under(
        &self,
        prefix: &str,
        visit: &mut dyn FnMut(&str, &str) -> bool,
    ) -> Result<(), StoreError> {
        for entry in self.trees[SETTINGS].scan_prefix(prefix.as_bytes()) {
            let (key, value) = entry.map_err(|e| io("reading settings", e))?;
            let (Ok(key), Ok(value)) = (std::str::from_utf8(&key), std::str::from_utf8(&value))
            else {
                return Err(StoreError::Corrupt(format!(
                    "a setting under {prefix} is not UTF-8"
                )));
            };
            if !visit(key, value) {
                break;
            }
        }
        Ok(())
    }

    fn scan(&self, visit: &mut dyn FnMut(Application) -> bool) -> Result<(), StoreError> {
        for entry in self.trees[RECORDS].iter() {
            let (_, bytes) = entry.map_err(|e| io("scanning applications", e))?;
            if !visit(decode_record(&bytes)?.0) {
                break;
            }
        }
        Ok(())
    }

    fn scan_forms(&self, visit: &mut dyn FnMut(StoredForm) -> bool) -> Result<(), StoreError> {
        for entry in self.trees[RECORDS].iter() {
            let (_, bytes) = entry.map_err(|e| io("scanning applications", e))?;
            if !visit(decode_record_form(&bytes)?) {
                break;
            }
        }
        Ok(())
    }

    fn verify_audit(&self) -> Result<AuditReport, StoreError> {
        self.walk_chain()
    }

    fn backup(&self, out: &mut dyn std::io::Write) -> Result<BackupSummary, StoreError> {
        SledStore::backup(self, out)
    }
}
