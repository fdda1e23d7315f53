//! Bulk writes: all-or-nothing `commit_all`, crash recovery of an interrupted one, backup and
//! restore.
//!
//! How `commit_all` stays all-or-nothing when the changes are too many for one transaction:
//! 1. the undo journal (`bulk_undo` tree) gets the previous record of every application the load
//!    touches, the ids it creates and every counter in meta; 2. a marker with the chain head before
//!    the load is written to meta and flushed; 3. the changes are written in batches of [`BATCH`];
//!    4. everything is flushed, then the marker is removed and flushed. If a batch fails, or the
//!    process dies before step 4, the undo runs (at once, or when the store is next opened):
//!    touched applications get their previous record back (index entries follow), created ones
//!    are removed, event groups after the recorded head are removed, the counters and the head are
//!    restored. Every undo step is idempotent, so a crash during undo is undone again on open.
//!
//! A batch is written tree by tree with plain inserts (records and event groups side by side,
//! then index buckets, each read and written once per batch, then meta), not in one multi-tree
//! transaction: the journal already makes the load whole. The undo finds a touched application's
//! index entries from its current record, which is why records go first, and why a load that
//! touches an application twice, rewrites settings, or adds events to an application it does not
//! rewrite falls back to one transaction per batch.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::{BufRead, Write};
use std::sync::atomic::Ordering;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sled::Transactional;

use super::keys::*;
use super::{
    abort, bucket_edit, bucket_entry, chain_groups, groups_by_app, id_counter_of, io, put_app,
    tx_error, SledStore, FIRST_INDEX, GROUPS, META, RECORDS, SETTINGS,
};
use crate::domain::event::{Event, EventDraft};
use crate::domain::ports::{Change, StoreError};
use crate::domain::{AppId, Application};

/// Changes per batch in a bulk load.
pub const BATCH: usize = 2_000;

/// Loads of at most this many changes go in one transaction, without the journal.
const SMALL_LOAD: usize = 64;

const UNDO_TREE: &str = "bulk_undo";
/// Undo journal keys: `o` id → the record before the load; `n` u64 → ids the load creates
/// (JSON list); `c` → every counter before the load (JSON).
const UNDO_OLD: u8 = b'o';
const UNDO_NEW: u8 = b'n';
const UNDO_COUNTS: &[u8] = b"c";

/// One line of a backup file.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum BackupLine {
    Header { format: String, schema: u32 },
    Counter { key: String, value: u64 },
    Setting { key: String, value: String },
    Application(Box<Application>),
    Event(Box<Event>),
    End(BackupSummary),
}

pub use crate::domain::ports::BackupSummary;

const BACKUP_FORMAT: &str = "powerdesk-backup";

/// Keys to write (`Some`) or remove (`None`) in one tree.
pub(super) type Writes = Vec<(Vec<u8>, Option<Vec<u8>>)>;

/// Write `writes` into `tree` key by key. Plain inserts, not `apply_batch`: sled 0.34's batches
/// take a process-wide write lock (so trees cannot be written side by side) and cost more per
/// key; the undo journal, not sled, makes a load all-or-nothing.
pub(super) fn write_each(tree: &sled::Tree, writes: Writes, what: &str) -> Result<(), StoreError> {
    for (key, value) in writes {
        match value {
            Some(v) => tree.insert(key, v).map(|_| ()),
            None => tree.remove(key).map(|_| ()),
        }
        .map_err(|e| io(what, e))?;
    }
    Ok(())
}

/// The id part of an index bucket key (`value SEP bucket`).
fn index_key_bucket(key: &[u8]) -> &[u8] {
    key.rsplit(|b| *b == SEP).next().unwrap_or_default()
}

/// What one part of a batch writes.
#[derive(Default)]
struct Plan {
    records: Writes,
    groups: Writes,
    edits: Vec<BucketEdits>,
    counts: HashMap<Vec<u8>, i64>,
    id_tops: BTreeMap<Vec<u8>, u64>,
    writes: usize,
}

/// One batch's index edits of one index: bucket key → (tail, add?) in order.
pub(super) type BucketEdits = BTreeMap<Vec<u8>, Vec<(Vec<u8>, bool)>>;

impl SledStore {
    fn undo_tree(&self) -> Result<sled::Tree, StoreError> {
        self.db
            .open_tree(UNDO_TREE)
            .map_err(|e| io("opening the undo tree", e))
    }

    pub(super) fn commit_all_locked(&self, changes: Vec<Change>) -> Result<(), StoreError> {
        if changes.len() <= SMALL_LOAD {
            self.apply(&changes)?;
            return self.flush();
        }
        let undo = self.undo_tree()?;
        undo.clear().map_err(|e| io("clearing the undo tree", e))?;
        let mut journal = sled::Batch::default();
        let mut touched: HashSet<&AppId> = HashSet::new();
        let mut batched = true;
        for change in &changes {
            let rewritten: HashSet<&AppId> = change.applications.iter().map(|a| &a.id).collect();
            batched &= change.settings.is_empty();
            for app in &change.applications {
                // The same application twice in the load.
                batched &= touched.insert(&app.id);
            }
            for draft in &change.events {
                let id = &draft.app_id;
                if !id.0.is_empty() && !rewritten.contains(id) {
                    batched = false; // events of an application the change does not rewrite
                    touched.insert(id);
                }
            }
        }
        let mut ids: Vec<&AppId> = touched.into_iter().collect();
        ids.sort();
        let mut created: Vec<String> = Vec::new();
        for (id, old) in self.stored_records(&ids)? {
            match old {
                Some(old) => journal.insert([&[UNDO_OLD], id.0.as_bytes()].concat(), old),
                None => created.push(id.0.clone()),
            }
        }
        for (n, ids) in created.chunks(BATCH).enumerate() {
            let key = [&[UNDO_NEW][..], &(n as u64).to_be_bytes()].concat();
            journal.insert(key, serde_json::to_vec(ids).expect("ids serialize"));
        }
        let mut counters: Vec<(String, u64)> = Vec::new();
        for entry in self.trees[META].scan_prefix(b"n/") {
            let (key, value) = entry.map_err(|e| io("reading meta", e))?;
            counters.push((String::from_utf8_lossy(&key).into_owned(), u64_be(&value)));
        }
        journal.insert(
            UNDO_COUNTS,
            serde_json::to_vec(&counters).expect("counters serialize"),
        );
        undo.apply_batch(journal)
            .map_err(|e| io("writing the undo journal", e))?;
        let head = self.trees[META]
            .get(META_CHAIN_HEAD)
            .map_err(|e| io("reading meta", e))?
            .ok_or_else(|| StoreError::Corrupt("meta has no chain head".into()))?;
        self.trees[META]
            .insert(META_IMPORT_PENDING, head)
            .map_err(|e| io("writing meta", e))?;
        self.flush()?;
        let new: HashSet<&str> = created.iter().map(String::as_str).collect();
        for batch in changes.chunks(BATCH) {
            let written = if batched {
                self.write_batch(batch, &new)
            } else {
                self.apply(batch).map(|_| ())
            };
            if let Err(e) = written {
                self.recover_import()?;
                return Err(e);
            }
        }
        self.flush()?;
        self.trees[META]
            .remove(META_IMPORT_PENDING)
            .map_err(|e| io("writing meta", e))?;
        self.flush()?;
        undo.clear().map_err(|e| io("clearing the undo tree", e))?;
        Ok(())
    }

    /// What `changes` (with their chained event groups) write: records, groups, bucket edits,
    /// counter deltas.
    fn plan(
        &self,
        changes: &[Change],
        chained: &[Vec<(u64, Vec<Event>)>],
        new: &HashSet<&str>,
    ) -> Result<Plan, StoreError> {
        let mut plan = Plan {
            // The indexes, then the search index.
            edits: vec![BTreeMap::new(); Index::ALL.len() + 1],
            ..Plan::default()
        };
        for (change, groups) in changes.iter().zip(chained) {
            let mut new_groups = groups_by_app(groups);
            let accepted = super::accepted_ids(change);
            for app in &change.applications {
                let stored = if new.contains(app.id.0.as_str()) {
                    None
                } else {
                    self.read_record(&app.id)?
                };
                if stored.is_some() && accepted.contains(&app.id) {
                    // An acceptance inserts: it never replaces a stored application.
                    return Err(StoreError::Duplicate(app.id.clone()));
                }
                let (old, mut list) = match stored {
                    Some((a, l)) => (Some(a), l),
                    None => {
                        if let Some((key, n)) = id_counter_of(&app.id) {
                            let top = plan.id_tops.entry(key).or_default();
                            *top = (*top).max(n);
                        }
                        (None, Vec::new())
                    }
                };
                list.extend(new_groups.remove(&app.id).unwrap_or_default());
                let tail = split_id(&app.id).1;
                for (i, ix) in Index::ALL.iter().enumerate() {
                    let before = old.as_ref().and_then(|o| ix.value(o));
                    let after = ix.value(app);
                    if before == after {
                        continue;
                    }
                    for (v, add) in [(before, false), (after, true)] {
                        if let Some(v) = v {
                            plan.edits[i]
                                .entry(bucket_key(&v, &app.id))
                                .or_default()
                                .push((tail.to_vec(), add));
                        }
                    }
                }
                if !self.search_deferred() {
                    let search = plan.edits.last_mut().expect("the search index's edits");
                    super::search::plan_edits(search, old.as_ref(), Some(app), &app.id);
                }
                for key in old.as_ref().map(counter_keys).unwrap_or_default() {
                    *plan.counts.entry(key).or_default() -= 1;
                }
                for key in counter_keys(app) {
                    *plan.counts.entry(key).or_default() += 1;
                }
                plan.records.push((
                    app.id.0.as_bytes().to_vec(),
                    Some(encode_record(app, &list)),
                ));
                plan.writes += 1;
            }
            if let Some(id) = new_groups.keys().next() {
                return Err(StoreError::Corrupt(format!(
                    "events name application {id}, which the change does not hold"
                )));
            }
            for (first, events) in groups {
                plan.groups
                    .push((first.to_be_bytes().to_vec(), Some(encode_group(events))));
                plan.writes += events.len();
            }
        }
        Ok(plan)
    }

    /// The stored record of each of the sorted `ids`, if any: walks the records tree from each
    /// id while the stored keys stay near the next ids (a fresh block of ids is one short range
    /// read instead of a lookup each), starting over at the next id otherwise.
    fn stored_records<'a>(
        &self,
        ids: &[&'a AppId],
    ) -> Result<Vec<(&'a AppId, Option<sled::IVec>)>, StoreError> {
        let mut out = Vec::with_capacity(ids.len());
        let mut j = 0;
        while j < ids.len() {
            let mut walked = 0;
            let mut stored = self.trees[RECORDS].range(ids[j].0.as_bytes()..);
            while j < ids.len() {
                let Some(entry) = stored.next() else {
                    // Past the last stored key: the remaining ids are new.
                    out.extend(ids[j..].iter().map(|id| (*id, None)));
                    j = ids.len();
                    break;
                };
                let (key, value) = entry.map_err(|e| io("reading", e))?;
                while j < ids.len() && ids[j].0.as_bytes() < &key[..] {
                    out.push((ids[j], None));
                    j += 1;
                }
                if j < ids.len() && ids[j].0.as_bytes() == &key[..] {
                    out.push((ids[j], Some(value)));
                    j += 1;
                }
                walked += 1;
                if walked > 64 {
                    break;
                }
            }
        }
        Ok(out)
    }

    /// Write one batch of a journalled load, tree by tree (see the module comment).
    /// `new`: the ids without a record before the load (the journal read them all already).
    fn write_batch(&self, batch: &[Change], new: &HashSet<&str>) -> Result<(), StoreError> {
        let head = self.trees[META]
            .get(META_CHAIN_HEAD)
            .map_err(|e| io("reading meta", e))?
            .ok_or_else(|| StoreError::Corrupt("meta has no chain head".into()))?;
        let (mut seq, mut hash) = decode_head(&head)?;
        let search_in_step = self.search_in_step()?;
        // The chain is sequential; what each change writes is planned on two threads.
        // Every event of a batched load belongs to an application the change rewrites; the
        // records are hashed into their events on two threads, then chained in order.
        let seal = |changes: &[Change]| -> Result<Vec<Vec<EventDraft>>, StoreError> {
            changes
                .iter()
                .map(|c| super::seal_drafts(c, |_| None))
                .collect()
        };
        let (sealed_first, sealed_second) = std::thread::scope(|scope| {
            let second = scope.spawn(|| seal(&batch[batch.len() / 2..]));
            let first = seal(&batch[..batch.len() / 2]);
            (first, second.join().expect("the sealer does not panic"))
        });
        let chained: Vec<Vec<(u64, Vec<Event>)>> = sealed_first?
            .into_iter()
            .chain(sealed_second?)
            .map(|drafts| chain_groups(&drafts, &mut seq, &mut hash))
            .collect();
        // Bucket parts no stored record has yet (a fresh block of ids): their index buckets do
        // not exist, so they are written without being read (most of a demo's buckets); the
        // same for the search index's larger buckets.
        let fresh = self.fresh_parts(batch, |id| split_id(id).0);
        let fresh_search = if self.search_deferred() {
            HashSet::new() // no search edits to write
        } else {
            self.fresh_parts(batch, |id| super::search::split(id).0)
        };
        let half = batch.len() / 2;
        let (first, second) = std::thread::scope(|scope| {
            let second = scope.spawn(|| self.plan(&batch[half..], &chained[half..], new));
            let first = self.plan(&batch[..half], &chained[..half], new);
            (first, second.join().expect("the planner does not panic"))
        });
        let (first, second) = (first?, second?);
        let writes = first.writes + second.writes;
        let mut edits = first.edits;
        for (mine, theirs) in edits.iter_mut().zip(second.edits) {
            for (key, ops) in theirs {
                mine.entry(key).or_default().extend(ops);
            }
        }
        let mut counts = first.counts;
        for (key, n) in second.counts {
            *counts.entry(key).or_default() += n;
        }
        let mut id_tops = first.id_tops;
        for (key, n) in second.id_tops {
            let top = id_tops.entry(key).or_default();
            *top = (*top).max(n);
        }
        let records = [first.records, second.records];
        let groups_batch = [first.groups, second.groups];
        // Test hook: a fault in this batch leaves it half written (its records only).
        let fault_after = self.fault_after.load(Ordering::SeqCst);
        if writes > fault_after {
            for records in records {
                write_each(&self.trees[RECORDS], records, "writing applications")?;
            }
            return Err(StoreError::Io(format!(
                "injected fault after {fault_after} writes"
            )));
        } else if fault_after != usize::MAX {
            self.fault_after
                .store(fault_after - writes, Ordering::SeqCst);
        }
        // Records and event groups are written by two threads while this one reads the index
        // buckets and counters; the index buckets go after the records (the undo finds an
        // application's index entries from its current record).
        let (index_batches, meta) = std::thread::scope(|scope| {
            let records = scope.spawn(|| {
                records
                    .into_iter()
                    .try_for_each(|w| write_each(&self.trees[RECORDS], w, "writing applications"))
            });
            let groups = scope.spawn(|| {
                groups_batch
                    .into_iter()
                    .try_for_each(|w| write_each(&self.trees[GROUPS], w, "writing events"))
            });
            let read = || -> Result<_, StoreError> {
                let index_batches = edits
                    .iter()
                    .enumerate()
                    .map(|(i, edits)| {
                        if i == Index::ALL.len() {
                            self.bucket_batch(i, edits, &fresh_search, super::search::key_bucket)
                        } else {
                            self.bucket_batch(i, edits, &fresh, index_key_bucket)
                        }
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                let mut meta = sled::Batch::default();
                for (key, delta) in counts {
                    if delta == 0 {
                        continue;
                    }
                    let next = (self.count(&key)? as i64 + delta).max(0) as u64;
                    if next == 0 {
                        meta.remove(key);
                    } else {
                        meta.insert(key, &next.to_be_bytes());
                    }
                }
                for (key, n) in id_tops {
                    if n > self.count(&key)? {
                        meta.insert(key, &n.to_be_bytes());
                    }
                }
                meta.insert(META_CHAIN_HEAD, encode_head(seq, &hash));
                if search_in_step {
                    meta.insert(
                        super::search::META_SEARCH,
                        super::search::encode_marker(seq),
                    );
                }
                Ok((index_batches, meta))
            };
            let read = read();
            let records = records.join().expect("the records writer does not panic");
            let groups = groups.join().expect("the event writer does not panic");
            records.and(groups).and(read)
        })?;
        std::thread::scope(|scope| {
            let mut batches = index_batches.into_iter().enumerate().collect::<Vec<_>>();
            // The name index (one bucket per application, mostly) on its own thread.
            let at = Index::ALL.iter().position(|ix| *ix == Index::Name);
            let name = batches.remove(at.expect("the name index is kept"));
            // The search index (the most keys) after the name index, on the same thread.
            let search = batches.pop().expect("the search index's batch");
            let name = scope.spawn(move || {
                write_each(
                    &self.trees[FIRST_INDEX + name.0],
                    name.1,
                    "writing an index",
                )?;
                write_each(
                    &self.trees[FIRST_INDEX + search.0],
                    search.1,
                    "writing the search index",
                )
            });
            let rest = || -> Result<(), StoreError> {
                for (i, w) in batches {
                    write_each(&self.trees[FIRST_INDEX + i], w, "writing an index")?;
                }
                self.trees[META]
                    .apply_batch(meta)
                    .map_err(|e| io("writing meta", e))
            };
            let rest = rest();
            name.join()
                .expect("the index writer does not panic")
                .and(rest)
        })?;
        Ok(())
    }

    /// The new values of the buckets `edits` touch in index `i`: each bucket read once, edited in
    /// order, written once.
    /// `fresh`: bucket parts (ids without their tails) that no stored record has, so no index
    /// holds a bucket of them and they are not read.
    pub(super) fn bucket_batch(
        &self,
        i: usize,
        edits: &BucketEdits,
        fresh: &HashSet<Vec<u8>>,
        id_part: fn(&[u8]) -> &[u8],
    ) -> Result<Writes, StoreError> {
        let tree = &self.trees[FIRST_INDEX + i];
        let mut batch = Writes::with_capacity(edits.len());
        for (key, ops) in edits {
            let stored = if fresh.contains(id_part(key)) {
                None
            } else {
                tree.get(key).map_err(|e| io("reading an index", e))?
            };
            let mut bucket = match stored {
                Some(v) => Bucket::decode(&v)?,
                None => Bucket::default(),
            };
            for (tail, add) in ops {
                if *add {
                    bucket.insert(tail);
                } else {
                    bucket.remove(tail);
                }
            }
            let value = (!bucket.is_empty()).then(|| bucket.encode());
            batch.push((key.clone(), value));
        }
        Ok(batch)
    }

    /// The id parts (`part` of each application's id) of `batch` that no stored record has.
    fn fresh_parts(&self, batch: &[Change], part: fn(&AppId) -> &[u8]) -> HashSet<Vec<u8>> {
        let mut parts: Vec<&[u8]> = batch
            .iter()
            .flat_map(|c| c.applications.iter().map(|a| part(&a.id)))
            .filter(|p| !p.is_empty())
            .collect();
        parts.sort_unstable();
        parts.dedup();
        let mut fresh = HashSet::new();
        for p in parts {
            let taken = self.trees[RECORDS].scan_prefix(p).keys().next().is_some();
            if !taken {
                fresh.insert(p.to_vec());
            }
        }
        fresh
    }

    /// Undo an interrupted bulk load, if meta records one.
    pub(super) fn recover_import(&self) -> Result<(), StoreError> {
        let Some(head) = self.trees[META]
            .get(META_IMPORT_PENDING)
            .map_err(|e| io("reading meta", e))?
        else {
            return Ok(());
        };
        let (head_seq, _) = decode_head(&head)?;
        // The search index was in step when the load began if its marker is at or past the head
        // before it (each batch advanced both); it is again once the records are back.
        let search_in_step = super::search::marker_seq(
            self.trees[META]
                .get(super::search::META_SEARCH)
                .map_err(|e| io("reading meta", e))?
                .as_deref(),
        )
        .is_some_and(|s| s >= head_seq);
        let undo = self.undo_tree()?;
        for entry in undo.iter() {
            let (key, value) = entry.map_err(|e| io("reading the undo tree", e))?;
            match key.first() {
                Some(&UNDO_OLD) => {
                    let id = String::from_utf8(key[1..].to_vec())
                        .map_err(|_| StoreError::Corrupt("undo journal id".into()))?;
                    self.restore_record(&AppId(id), Some(&value))?;
                }
                Some(&UNDO_NEW) => {
                    let ids: Vec<String> = serde_json::from_slice(&value)
                        .map_err(|e| StoreError::Corrupt(format!("undo journal: {e}")))?;
                    for id in ids {
                        self.restore_record(&AppId(id), None)?;
                    }
                }
                _ if &key[..] == UNDO_COUNTS => {
                    let counters: Vec<(String, u64)> = serde_json::from_slice(&value)
                        .map_err(|e| StoreError::Corrupt(format!("undo journal: {e}")))?;
                    let mut batch = sled::Batch::default();
                    for entry in self.trees[META].scan_prefix(b"n/") {
                        let (key, _) = entry.map_err(|e| io("reading meta", e))?;
                        batch.remove(key);
                    }
                    for (key, n) in counters {
                        batch.insert(key.as_bytes(), &n.to_be_bytes());
                    }
                    self.trees[META]
                        .apply_batch(batch)
                        .map_err(|e| io("restoring counters", e))?;
                }
                _ => {}
            }
        }
        let start = (head_seq + 1).to_be_bytes();
        let mut later = sled::Batch::default();
        for key in self.trees[GROUPS].range(start..).keys() {
            later.remove(key.map_err(|e| io("reading events", e))?);
        }
        self.trees[GROUPS]
            .apply_batch(later)
            .map_err(|e| io("removing events", e))?;
        (&self.trees[META],)
            .transaction(|(meta,)| {
                meta.insert(META_CHAIN_HEAD, head.clone())?;
                if search_in_step {
                    meta.insert(
                        super::search::META_SEARCH,
                        super::search::encode_marker(head_seq),
                    )?;
                }
                meta.remove(META_IMPORT_PENDING)?;
                Ok::<_, sled::transaction::ConflictableTransactionError<StoreError>>(())
            })
            .map_err(tx_error)?;
        self.flush()?;
        undo.clear().map_err(|e| io("clearing the undo tree", e))?;
        Ok(())
    }

    /// Give `id` back its record from before a load (`old`; None: it did not exist), moving its
    /// index entries from its current record. Idempotent.
    fn restore_record(&self, id: &AppId, old: Option<&[u8]>) -> Result<(), StoreError> {
        let current = self.read_record(id)?.map(|(app, _)| app);
        let previous = old.map(decode_record).transpose()?.map(|(app, _)| app);
        let (removed, added) = super::search::term_changes(current.as_ref(), previous.as_ref());
        for (terms, add) in [(removed, false), (added, true)] {
            for term in terms {
                let (key, element) = super::search::entry(&term, id);
                bucket_entry(self.search_tree(), key, &element, add)?;
            }
        }
        if let Some(current) = current {
            for (i, ix) in Index::ALL.iter().enumerate() {
                if let Some(v) = ix.value(&current) {
                    bucket_edit(&self.trees[FIRST_INDEX + i], &v, id, false)?;
                }
            }
        }
        let done = match old {
            Some(bytes) => {
                let (previous, _) = decode_record(bytes)?;
                for (i, ix) in Index::ALL.iter().enumerate() {
                    if let Some(v) = ix.value(&previous) {
                        bucket_edit(&self.trees[FIRST_INDEX + i], &v, id, true)?;
                    }
                }
                self.trees[RECORDS]
                    .insert(id.0.as_bytes(), bytes)
                    .map(|_| ())
            }
            None => self.trees[RECORDS].remove(id.0.as_bytes()).map(|_| ()),
        };
        done.map_err(|e| io("restoring an application", e))
    }

    /// Write the whole store (counters, settings, applications, events with their hashes) as
    /// JSON lines, ending with a summary line.
    pub fn backup(&self, out: &mut dyn Write) -> Result<BackupSummary, StoreError> {
        let _w = self.writer();
        let digest = std::cell::RefCell::new(Sha256::new());
        let w = |out: &mut dyn Write, line: &BackupLine| -> Result<(), StoreError> {
            let mut bytes = serde_json::to_vec(line).expect("backup lines serialize");
            bytes.push(b'\n');
            if !matches!(line, BackupLine::End(_)) {
                digest.borrow_mut().update(&bytes);
            }
            out.write_all(&bytes)
                .map_err(|e| io("writing the backup", e))
        };
        w(
            out,
            &BackupLine::Header {
                format: BACKUP_FORMAT.into(),
                schema: SCHEMA_VERSION,
            },
        )?;
        for entry in self.trees[META].scan_prefix(b"next_id/") {
            let (key, value) = entry.map_err(|e| io("reading meta", e))?;
            w(
                out,
                &BackupLine::Counter {
                    key: String::from_utf8_lossy(&key).into_owned(),
                    value: u64_be(&value),
                },
            )?;
        }
        for entry in self.trees[SETTINGS].iter() {
            let (key, value) = entry.map_err(|e| io("reading settings", e))?;
            w(
                out,
                &BackupLine::Setting {
                    key: String::from_utf8_lossy(&key).into_owned(),
                    value: String::from_utf8_lossy(&value).into_owned(),
                },
            )?;
        }
        let mut summary = BackupSummary::default();
        for entry in self.trees[RECORDS].iter() {
            let (_, bytes) = entry.map_err(|e| io("reading applications", e))?;
            let (app, _) = decode_record(&bytes)?;
            w(out, &BackupLine::Application(Box::new(app)))?;
            summary.applications += 1;
        }
        for entry in self.trees[GROUPS].iter() {
            let (_, bytes) = entry.map_err(|e| io("reading events", e))?;
            let group: Vec<Event> = decode_group(&bytes)?;
            for event in group {
                summary.chain_head = event.hash.clone();
                w(out, &BackupLine::Event(Box::new(event)))?;
                summary.events += 1;
            }
        }
        summary.digest = Some(hex::encode(digest.take().finalize()));
        w(out, &BackupLine::End(summary.clone()))?;
        out.flush().map_err(|e| io("writing the backup", e))?;
        Ok(summary)
    }

    /// Restore a backup into this store, which must hold no application; then verify the chain
    /// and the consistency. A store without applications may still hold what was done before
    /// any (a policy bundle activated: settings and their events): the backup replaces it, as
    /// it replaces everything. On any failure the store is put back as it was and the error
    /// says which line.
    pub fn restore(&self, input: &mut dyn BufRead) -> Result<BackupSummary, StoreError> {
        let _w = self.writer();
        if !self.trees[RECORDS].is_empty() {
            return Err(StoreError::Io(format!(
                "restore needs an empty store (no applications), but {} holds applications; restore into a new --store directory",
                self.dir().display()
            )));
        }
        // Without applications the store is small (settings, a few store events): kept in
        // memory to be put back if the backup is refused.
        let before = self.dump()?;
        self.wipe()?;
        match self.restore_lines(input) {
            Ok(summary) => Ok(summary),
            Err(e) => {
                self.wipe()?;
                self.put_back(&before)?;
                Err(e)
            }
        }
    }

    /// Every entry of every tree, by tree.
    fn dump(&self) -> Result<Vec<Vec<(sled::IVec, sled::IVec)>>, StoreError> {
        self.trees
            .iter()
            .map(|tree| {
                tree.iter()
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|e| io("reading the store", e))
            })
            .collect()
    }

    /// Write back what [`Self::dump`] read (into emptied trees), durably.
    fn put_back(&self, dump: &[Vec<(sled::IVec, sled::IVec)>]) -> Result<(), StoreError> {
        for (tree, entries) in self.trees.iter().zip(dump) {
            let mut batch = sled::Batch::default();
            for (key, value) in entries {
                batch.insert(key.clone(), value.clone());
            }
            tree.apply_batch(batch)
                .map_err(|e| io("putting the store back", e))?;
        }
        self.flush()
    }

    fn restore_lines(&self, input: &mut dyn BufRead) -> Result<BackupSummary, StoreError> {
        let refs = self.tree_refs();
        let mut apps = Vec::new();
        let mut events = Vec::new();
        let mut counters = Vec::new();
        let mut settings = Vec::new();
        let mut end = None;
        let mut header = false;
        let mut backup_schema = SCHEMA_VERSION;
        let mut written = BackupSummary::default();
        // The largest id number restored per year: the year's counter ends at least there.
        let mut id_tops: BTreeMap<i32, u64> = BTreeMap::new();
        let flush_batch =
            |apps: &mut Vec<Application>, events: &mut Vec<Event>| -> Result<(), StoreError> {
                refs[..]
                    .transaction(|t| {
                        let mut counts = HashMap::new();
                        for app in apps.iter() {
                            if t[RECORDS].get(app.id.0.as_bytes())?.is_some() {
                                return Err(abort(StoreError::BadBackup(format!(
                                    "the backup holds application {} twice",
                                    app.id
                                ))));
                            }
                            put_app(t, None, app, &[], &mut counts)?;
                        }
                        // Consecutive events of one application form a group; its record lists it.
                        let mut rest = &events[..];
                        while let Some(first) = rest.first() {
                            let id = &first.draft.app_id;
                            let n = rest
                                .iter()
                                .enumerate()
                                .take_while(|(i, e)| {
                                    e.draft.app_id == *id && e.seq == first.seq + *i as u64
                                })
                                .count();
                            let (group, after) = rest.split_at(n);
                            rest = after;
                            t[GROUPS].insert(&first.seq.to_be_bytes(), encode_group(group))?;
                            if id.0.is_empty() {
                                continue;
                            }
                            let bytes = t[RECORDS].get(id.0.as_bytes())?.ok_or_else(|| {
                                abort(StoreError::BadBackup(format!(
                                    "event {} names {id}, which the backup does not hold",
                                    first.seq
                                )))
                            })?;
                            let (app, mut list) = decode_record(&bytes).map_err(abort)?;
                            list.push(first.seq);
                            t[RECORDS].insert(id.0.as_bytes(), encode_record(&app, &list))?;
                        }
                        if let Some(last) = events.last() {
                            t[META].insert(META_CHAIN_HEAD, encode_head(last.seq, &last.hash))?;
                        }
                        super::add_counts(&t[META], &counts)?;
                        Ok(())
                    })
                    .map_err(tx_error)?;
                apps.clear();
                events.clear();
                Ok(())
            };
        let mut digest = Sha256::new();
        for (index, line) in input.lines().enumerate() {
            let number = index + 1;
            let line = line
                .map_err(|e| StoreError::BadBackup(format!("line {number} cannot be read: {e}")))?;
            if line.trim().is_empty() {
                continue;
            }
            let parsed: BackupLine = serde_json::from_str(&line).map_err(|e| {
                StoreError::BadBackup(format!("line {number} is not a backup record: {e}"))
            })?;
            if !matches!(parsed, BackupLine::End(_)) {
                digest.update(line.as_bytes());
                digest.update(b"\n");
            }
            if end.is_some() {
                return Err(StoreError::BadBackup(format!(
                    "line {number} follows the end line"
                )));
            }
            match parsed {
                BackupLine::Header { format, schema } => {
                    if format != BACKUP_FORMAT {
                        return Err(StoreError::BadBackup(format!(
                            "line {number}: not a powerdesk backup ({format})"
                        )));
                    }
                    if schema > SCHEMA_VERSION {
                        return Err(StoreError::NewerSchema {
                            dir: "the backup".into(),
                            found: schema,
                            supported: SCHEMA_VERSION,
                        });
                    }
                    header = true;
                    backup_schema = schema;
                }
                _ if !header => {
                    return Err(StoreError::BadBackup(
                        "it does not start with its header line".into(),
                    ));
                }
                BackupLine::Counter { key, value } => {
                    if !key.starts_with("next_id/") {
                        return Err(StoreError::BadBackup(format!(
                            "backup line {number}: counter {key:?} is not an id counter (next_id/YYYY)"
                        )));
                    }
                    counters.push((key, value))
                }
                BackupLine::Setting { key, value } => settings.push((key, value)),
                BackupLine::Application(app) => {
                    let (year, n) = app.id.parse().map_err(|e| {
                        StoreError::BadBackup(format!("backup line {number}: id: {e}"))
                    })?;
                    let top = id_tops.entry(year).or_default();
                    *top = (*top).max(n);
                    apps.push(*app);
                    written.applications += 1;
                }
                BackupLine::Event(event) => {
                    written.chain_head = event.hash.clone();
                    events.push(*event);
                    written.events += 1;
                }
                BackupLine::End(summary) => end = Some(summary),
            }
            if apps.len() + events.len() >= BATCH {
                flush_batch(&mut apps, &mut events)?;
            }
        }
        flush_batch(&mut apps, &mut events)?;
        let mut counters: BTreeMap<Vec<u8>, u64> = counters
            .into_iter()
            .map(|(key, value)| (key.into_bytes(), value))
            .collect();
        for (year, top) in id_tops {
            // A counter behind the restored ids (an edited backup) would hand them out again.
            let counter = counters.entry(id_counter_key(year)).or_default();
            *counter = (*counter).max(top);
        }
        for (key, value) in counters {
            if key.starts_with(b"next_id/") && value > AppId::MAX_NUMBER {
                return Err(StoreError::BadBackup(format!(
                    "the backup's id counter {} is {value}, past the largest id number {}",
                    String::from_utf8_lossy(&key),
                    AppId::MAX_NUMBER
                )));
            }
            self.trees[META]
                .insert(key, &value.to_be_bytes())
                .map_err(|e| io("writing meta", e))?;
        }
        for (key, value) in settings {
            self.trees[SETTINGS]
                .insert(key.as_bytes(), value.as_bytes())
                .map_err(|e| io("writing settings", e))?;
        }
        let Some(end) = end else {
            return Err(StoreError::BadBackup(
                "it has no end line: it was truncated".into(),
            ));
        };
        if end.digest.is_none() && backup_schema >= SEALS_SCHEMA {
            return Err(StoreError::BadBackup(
                "the backup's end line has no digest, which every backup of this schema has: it was damaged; restore another backup".into(),
            ));
        }
        if let Some(want) = &end.digest {
            let got = hex::encode(digest.finalize());
            if *want != got {
                return Err(StoreError::BadBackup(format!(
                    "the backup's digest does not match its lines (end line says {want}, the lines give {got}): it was changed or damaged after it was written; restore another backup"
                )));
            }
            written.digest = Some(got);
        }
        if end != written {
            return Err(StoreError::BadBackup(format!(
                "its end line promises {} applications and {} events, the file holds {} and {}",
                end.applications, end.events, written.applications, written.events
            )));
        }
        self.flush()?;
        if backup_schema < SEALS_SCHEMA {
            // A backup from before record hashes: its chain is checked as it was written, then
            // each record is sealed as a store of that schema is when opened (see `seal_records`).
            let audit = self.walk_chain()?;
            if let Some((seq, what)) = audit.first_broken.filter(|_| audit.records_checked == 0) {
                return Err(StoreError::BadBackup(format!(
                    "the restored audit chain is broken at event {seq}: {what}"
                )));
            }
            self.seal_records_locked()?;
        }
        let audit = self.walk_chain()?;
        if let Some((seq, what)) = audit.first_broken {
            return Err(StoreError::BadBackup(format!(
                "the backup does not add up at event {seq}: {what}"
            )));
        }
        let report = self.check_consistency()?;
        if let Some(problem) = report.problems.first() {
            return Err(StoreError::BadBackup(format!(
                "restored, its applications, events and indexes disagree: {problem}"
            )));
        }
        self.check_histories()?;
        Ok(written)
    }

    /// Every application's history adds up (see `check_history`): the first that does not is
    /// named with the reason.
    fn check_histories(&self) -> Result<(), StoreError> {
        use crate::domain::ports::Repository as _;
        for entry in self.trees[RECORDS].iter() {
            let (_, bytes) = entry.map_err(|e| io("reading applications", e))?;
            let (app, _) = decode_record(&bytes)?;
            let events = self.events(&app.id)?;
            crate::domain::event::check_history(&app, events.iter().map(|e| &e.draft)).map_err(
                |e| StoreError::BadBackup(format!("the backup's application {}: {e}", app.id)),
            )?;
        }
        Ok(())
    }

    /// Empty every tree (a failed restore) and start a fresh chain.
    fn wipe(&self) -> Result<(), StoreError> {
        for tree in &self.trees {
            tree.clear().map_err(|e| io("emptying the store", e))?;
        }
        self.trees[META]
            .insert(META_SCHEMA, &u64::from(SCHEMA_VERSION).to_be_bytes())
            .map_err(|e| io("writing meta", e))?;
        self.trees[META]
            .insert(
                META_CHAIN_HEAD,
                encode_head(0, crate::domain::event::GENESIS_HASH),
            )
            .map_err(|e| io("writing meta", e))?;
        self.flush()
    }
}
