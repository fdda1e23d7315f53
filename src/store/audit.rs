//! 审计: the event chain walk and the consistency check of records, events and indexes.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::keys::*;
use super::{io, SledStore, FIRST_INDEX, GROUPS, META, RECORDS, SETTINGS};
use sha2::{Digest, Sha256};

use crate::domain::event::{record_hash, Event, EventKind};
use crate::domain::office::record::KEY_PREFIX as SERVICE_PREFIX;
use crate::domain::ports::{AuditReport, StoreError};
use crate::domain::{AppId, Application};

/// What `check_consistency` found: every disagreement between records, events and indexes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsistencyReport {
    pub applications: u64,
    pub events: u64,
    pub problems: Vec<String>,
}

impl ConsistencyReport {
    pub fn is_consistent(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Every record's id and the sha256 of its stored JSON (None: unreadable), in id order.
type RecordHashes = Vec<(sled::IVec, Option<[u8; 32]>)>;

/// Per application id: its last event and the record hash that event sealed, if any.
type Sealed = HashMap<String, (u64, Option<[u8; 32]>)>;

fn seal(sealed: &mut Sealed, id: &str, seq: u64, record: Option<[u8; 32]>) {
    match sealed.get_mut(id) {
        Some(last) => *last = (seq, record),
        None => {
            sealed.insert(id.to_string(), (seq, record));
        }
    }
}

/// What the audit reads of a service record's event: its key.
#[derive(Deserialize)]
struct ServiceHead {
    kind: ServiceKindHead,
}

#[derive(Deserialize)]
struct ServiceKindHead {
    #[serde(rename = "type")]
    ty: String,
    #[serde(default)]
    key: Option<String>,
}

/// The key of the service record a stored draft seals (`service/…`), if it is a service event.
fn service_key_raw(draft: &RawDraft<'_>) -> Option<String> {
    let mut json = Vec::new();
    draft.write_json(&mut json);
    let head: ServiceHead = serde_json::from_slice(&json).ok()?;
    let key = head.kind.key?;
    (head.kind.ty == "service" && key.starts_with(SERVICE_PREFIX)).then_some(key)
}

/// What the fast path reads of a draft.
#[derive(Deserialize)]
struct DraftHead<'a> {
    #[serde(borrow)]
    app_id: &'a str,
    #[serde(default, borrow)]
    record: Option<&'a str>,
}

/// Check a compact or split group's stored events against their hashes and links (each hash
/// covers the seq, the draft's JSON exactly as stored, or as rebuilt from its stored parts, and
/// the previous hash in hex) and note what they seal; the number of events, or the first event
/// that is off and what is wrong with it. The stored bytes themselves are checked, not a
/// re-serialization of what they decode to, so no edit passes for being read back the same.
fn walk_raw(
    first: u64,
    group: &RawGroup<'_>,
    prev: &mut [u8; 32],
    sealed: &mut Sealed,
) -> Result<u64, (u64, String)> {
    let events = &group.events;
    if group.prev != *prev {
        return Err((
            first,
            format!(
                "event {first} does not link to event {}: events were removed or reordered",
                first.saturating_sub(1)
            ),
        ));
    }
    let mut link = *prev;
    let mut hex_link = [0u8; 64];
    let mut seals = Vec::with_capacity(events.len());
    for (i, event) in events.iter().enumerate() {
        let at = first + i as u64;
        let seq = event.seq;
        if seq != at {
            return Err((
                at,
                format!("event stored at {at} says it is {seq}: events were reordered"),
            ));
        }
        hex::encode_to_slice(link, &mut hex_link).expect("64 hex digits");
        let mut h = Sha256::new();
        h.update(seq.to_be_bytes());
        event.draft.feed(|part| h.update(part));
        h.update(hex_link);
        let edited = |what: &str| Err((seq, format!("event {seq} {what}: it was edited")));
        let (app_id, record) = match event.draft {
            RawDraft::Split { app_id, record, .. } => match std::str::from_utf8(app_id) {
                Ok(id) => (id, record),
                Err(_) => return edited("names an application id that is not UTF-8"),
            },
            RawDraft::Json(json) => match serde_json::from_slice::<DraftHead>(json) {
                Ok(head) => match head.record.map(raw_hash) {
                    Some(None) => return edited("seals a record hash that is not a sha256"),
                    record => (head.app_id, record.flatten()),
                },
                Err(_) => return edited("is unreadable"),
            },
        };
        let hash: [u8; 32] = h.finalize().into();
        if event.hash.is_some_and(|stored| stored != hash) {
            return Err((
                seq,
                format!("event {seq} of {app_id} does not match its hash: it was edited"),
            ));
        }
        if !app_id.is_empty() {
            seals.push((std::borrow::Cow::Borrowed(app_id), seq, record));
        } else if record.is_some() {
            if let Some(key) = service_key_raw(&event.draft) {
                seals.push((std::borrow::Cow::Owned(key), seq, record));
            }
        }
        link = hash;
    }
    if group.last.is_some_and(|stored| stored != link) {
        // A split group stores its last hash only: the edit is somewhere in it.
        let last = first + events.len() as u64 - 1;
        let app = seals.first().map(|s| s.0.clone()).unwrap_or_default();
        let what = if last == first {
            format!("event {first} of {app} does not match its hash: it was edited")
        } else {
            format!("events {first} to {last} of {app} do not match the hash stored for them: one was edited")
        };
        return Err((first, what));
    }
    for (id, seq, record) in seals {
        seal(sealed, &id, seq, record);
    }
    *prev = link;
    Ok(events.len() as u64)
}

impl SledStore {
    /// Walk the chain in sequence order; the first broken link is named: an edited event (its
    /// hash no longer matches), a removed one (a gap in the sequence or a dangling `prev_hash`),
    /// reordered ones (the `prev_hash` does not name the event before), or a missing tail.
    ///
    /// Then every record is checked against the record hash its application's last event
    /// sealed (`EventDraft::record`): a record edited, added or removed outside powerdesk is named
    /// with the event that sealed it. The records are hashed on a second thread while the chain
    /// is walked.
    pub(super) fn walk_chain(&self) -> Result<AuditReport, StoreError> {
        let (chain, records) = std::thread::scope(|scope| {
            let records = scope.spawn(|| self.hash_records());
            let chain = self.walk_events();
            (
                chain,
                records.join().expect("the record hasher does not panic"),
            )
        });
        let (mut report, mut sealed) = chain?;
        if report.first_broken.is_some() {
            return Ok(report);
        }
        report.first_broken =
            self.check_service_records(&mut sealed, &mut report.records_checked)?;
        if report.first_broken.is_none() {
            report.first_broken =
                self.check_records(records?, &mut sealed, &mut report.records_checked)?;
        }
        Ok(report)
    }

    /// Every record's id and the sha256 of its JSON as stored (None: unreadable), in id order.
    fn hash_records(&self) -> Result<RecordHashes, StoreError> {
        let mut out = Vec::with_capacity(self.trees[RECORDS].len());
        for entry in self.trees[RECORDS].iter() {
            let (key, bytes) = entry.map_err(|e| io("scanning applications", e))?;
            out.push((key, record_json_hash(&bytes)));
        }
        Ok(out)
    }

    /// The chain walk: events checked, the first broken link, and per application its last event
    /// and the record hash that event sealed.
    fn walk_events(&self) -> Result<(AuditReport, Sealed), StoreError> {
        let mut expected_seq = 1u64;
        let mut prev = [0u8; 32]; // GENESIS_HASH
        let mut checked = 0u64;
        let mut sealed = Sealed::new();
        let broken = |seq: u64, what: String, checked: u64, sealed: Sealed| {
            Ok((
                AuditReport {
                    events_checked: checked,
                    records_checked: 0,
                    first_broken: Some((seq, what)),
                },
                sealed,
            ))
        };
        for entry in self.trees[GROUPS].iter() {
            let (key, bytes) = entry.map_err(|e| io("reading events", e))?;
            let first = u64_be(&key);
            if first == expected_seq {
                // A compact or split group (every group but those of schema 4): its stored bytes.
                if let Some(group) = raw_group(&bytes) {
                    match walk_raw(first, &group, &mut prev, &mut sealed) {
                        Ok(n) => {
                            checked += n;
                            expected_seq += n;
                            continue;
                        }
                        Err((seq, what)) => {
                            return broken(seq, what, checked + seq - first + 1, sealed)
                        }
                    }
                }
            }
            let group: Vec<Event> = match decode_group(&bytes) {
                Ok(g) => g,
                Err(e) => {
                    return broken(
                        first,
                        format!("event {first} is unreadable ({e}): it was edited"),
                        checked,
                        sealed,
                    )
                }
            };
            if first != expected_seq {
                return broken(
                    expected_seq,
                    format!(
                        "event {expected_seq} is missing (next stored is {first}): it was removed"
                    ),
                    checked,
                    sealed,
                );
            }
            for (i, event) in group.into_iter().enumerate() {
                let seq = first + i as u64;
                checked += 1;
                if event.seq != seq {
                    return broken(
                        seq,
                        format!(
                            "event stored at {seq} says it is {}: events were reordered",
                            event.seq
                        ),
                        checked,
                        sealed,
                    );
                }
                if !event.is_intact() {
                    return broken(
                        seq,
                        format!(
                            "event {seq} of {} does not match its hash: it was edited",
                            event.draft.app_id
                        ),
                        checked,
                        sealed,
                    );
                }
                if raw_hash(&event.prev_hash) != Some(prev) {
                    return broken(
                        seq,
                        format!(
                            "event {seq} does not link to event {}: events were removed or reordered",
                            seq - 1
                        ),
                        checked,
                        sealed,
                    );
                }
                let Some(hash) = raw_hash(&event.hash) else {
                    return broken(
                        seq,
                        format!("event {seq}'s hash is not a sha256: it was edited"),
                        checked,
                        sealed,
                    );
                };
                if !event.draft.app_id.0.is_empty() {
                    let mut raw = None;
                    if let Some(record) = &event.draft.record {
                        let Some(bytes) = raw_hash(record) else {
                            return broken(
                                seq,
                                format!("event {seq} seals a record hash that is not a sha256 ({record})"),
                                checked,
                                sealed,
                            );
                        };
                        raw = Some(bytes);
                    }
                    seal(&mut sealed, &event.draft.app_id.0, seq, raw);
                } else if let (EventKind::Service { key, .. }, Some(record)) =
                    (&event.draft.kind, &event.draft.record)
                {
                    if key.starts_with(SERVICE_PREFIX) {
                        seal(&mut sealed, key, seq, raw_hash(record));
                    }
                }
                prev = hash;
                expected_seq += 1;
            }
        }
        let head = self.trees[META]
            .get(META_CHAIN_HEAD)
            .map_err(|e| io("reading meta", e))?;
        let (head_seq, head_hash) = match head {
            Some(h) => decode_head(&h)?,
            None => return Err(StoreError::Corrupt("meta has no chain head".into())),
        };
        if head_seq != expected_seq - 1 || raw_hash(&head_hash) != Some(prev) {
            return broken(
                expected_seq,
                format!("the chain head names event {head_seq} but the chain ends at {}: the last events were removed", expected_seq - 1),
                checked,
                sealed,
            );
        }
        let report = AuditReport {
            events_checked: checked,
            records_checked: 0,
            first_broken: None,
        };
        Ok((report, sealed))
    }

    /// Compare every service record (settings under `service/`) with the hash its last event
    /// sealed, and take those seals out of `sealed`; the first mismatch, if any.
    fn check_service_records(
        &self,
        sealed: &mut Sealed,
        checked: &mut u64,
    ) -> Result<Option<(u64, String)>, StoreError> {
        let mut seals: Sealed = HashMap::new();
        sealed.retain(|key, seal| {
            if key.starts_with(SERVICE_PREFIX) {
                seals.insert(key.clone(), *seal);
                false
            } else {
                true
            }
        });
        for entry in self.trees[SETTINGS].scan_prefix(SERVICE_PREFIX.as_bytes()) {
            let (key, value) = entry.map_err(|e| io("reading service records", e))?;
            *checked += 1;
            let key = String::from_utf8_lossy(&key).into_owned();
            let Some((seq, hash)) = seals.remove(&key) else {
                return Ok(Some((
                    0,
                    format!("service record {key} has no event: it was added outside powerdesk"),
                )));
            };
            if hash != Some(Sha256::digest(&value).into()) {
                return Ok(Some((
                    seq,
                    format!("service record {key} differs from the record its event {seq} sealed: it was changed outside powerdesk"),
                )));
            }
        }
        let mut orphans: Vec<(u64, String)> = seals
            .into_iter()
            .map(|(key, (seq, _))| (seq, key))
            .collect();
        orphans.sort();
        Ok(orphans.into_iter().next().map(|(seq, key)| {
            (
                seq,
                format!("events up to {seq} name service record {key}, which is not stored: it was removed"),
            )
        }))
    }

    /// Compare every record with the hash its last event sealed; the first mismatch, if any.
    fn check_records(
        &self,
        records: RecordHashes,
        sealed: &mut Sealed,
        checked: &mut u64,
    ) -> Result<Option<(u64, String)>, StoreError> {
        for (key, stored) in records {
            *checked += 1;
            let id = String::from_utf8_lossy(&key);
            let Some((seq, hash)) = sealed.remove(&*id) else {
                return Ok(Some((
                    0,
                    format!("application {id} has no events: it was added outside powerdesk"),
                )));
            };
            let Some(hash) = hash else {
                return Ok(Some((
                    seq,
                    format!(
                        "event {seq}, the last of application {id}, seals no record: the record is not covered (open the store with this powerdesk to seal it)"
                    ),
                )));
            };
            if stored == Some(hash) {
                continue;
            }
            // Not byte for byte as written: equal only if it reads as the sealed record.
            let bytes = self.trees[RECORDS]
                .get(&key)
                .map_err(|e| io("reading an application", e))?;
            let same = bytes
                .as_deref()
                .and_then(|b| record_json(b).ok())
                .is_some_and(|json| {
                    serde_json::from_slice::<Application>(&json)
                        .is_ok_and(|app| raw_hash(&record_hash(&app)) == Some(hash))
                });
            if !same {
                return Ok(Some((
                    seq,
                    format!(
                        "application {id} differs from the record its event {seq} sealed: it was changed outside powerdesk"
                    ),
                )));
            }
        }
        let mut orphans: Vec<(u64, String)> =
            sealed.drain().map(|(id, (seq, _))| (seq, id)).collect();
        orphans.sort();
        Ok(orphans.into_iter().next().map(|(seq, id)| {
            (
                seq,
                format!(
                    "events up to {seq} name application {id}, which is not stored: it was removed"
                ),
            )
        }))
    }

    /// Check that records, events, indexes and counters agree (the crash test runs it).
    pub fn check_consistency(&self) -> Result<ConsistencyReport, StoreError> {
        let mut report = ConsistencyReport::default();
        let mut expected: HashMap<Vec<u8>, u64> = HashMap::new();
        // Per index: bucket key → the tails the records say it holds.
        let mut index_entries: Vec<HashMap<Vec<u8>, Bucket>> =
            vec![Default::default(); Index::ALL.len()];
        // Every group a record lists, with its application.
        let mut listed: HashMap<u64, AppId> = HashMap::new();
        for entry in self.trees[RECORDS].iter() {
            let (key, bytes) = entry.map_err(|e| io("scanning applications", e))?;
            report.applications += 1;
            let (app, groups) = match decode_record(&bytes) {
                Ok(r) => r,
                Err(e) => {
                    report
                        .problems
                        .push(format!("{}: {e}", String::from_utf8_lossy(&key)));
                    continue;
                }
            };
            if app.id.0.as_bytes() != &key[..] {
                report.problems.push(format!(
                    "record under {} holds {}",
                    String::from_utf8_lossy(&key),
                    app.id
                ));
            }
            for key in counter_keys(&app) {
                *expected.entry(key).or_default() += 1;
            }
            for (i, ix) in Index::ALL.iter().enumerate() {
                if let Some(v) = ix.value(&app) {
                    index_entries[i]
                        .entry(bucket_key(&v, &app.id))
                        .or_default()
                        .insert(split_id(&app.id).1);
                }
            }
            if groups.is_empty() {
                report.problems.push(format!("{} has no events", app.id));
            }
            for first in groups {
                if let Some(other) = listed.insert(first, app.id.clone()) {
                    report.problems.push(format!(
                        "event group {first} is listed by {other} and {}",
                        app.id
                    ));
                }
            }
        }
        for (i, ix) in Index::ALL.iter().enumerate() {
            let tree = &self.trees[FIRST_INDEX + i];
            for entry in tree.iter() {
                let (key, value) = entry.map_err(|e| io("reading an index", e))?;
                let want = index_entries[i].remove(&key[..]).unwrap_or_default();
                for id in bucket_ids(&key, &value)? {
                    if !want.contains(split_id(&id).1) {
                        report
                            .problems
                            .push(format!("{} has a stale entry for {id}", ix.bucket_tree()));
                    }
                }
                if Bucket::decode(&value)?.0.len() < want.0.len() {
                    report.problems.push(format!(
                        "{} is missing entries of bucket {}",
                        ix.bucket_tree(),
                        String::from_utf8_lossy(&key)
                    ));
                }
            }
            if let Some(key) = index_entries[i].keys().next() {
                report.problems.push(format!(
                    "{} is missing bucket {} ({} more)",
                    ix.bucket_tree(),
                    String::from_utf8_lossy(key),
                    index_entries[i].len() - 1
                ));
            }
        }
        for entry in self.trees[META].scan_prefix(b"n/") {
            let (key, value) = entry.map_err(|e| io("reading meta", e))?;
            let want = expected.remove(&key[..]).unwrap_or(0);
            if u64_be(&value) != want {
                report.problems.push(format!(
                    "counter {} is {}, expected {want}",
                    String::from_utf8_lossy(&key),
                    u64_be(&value)
                ));
            }
        }
        for (key, want) in expected {
            report.problems.push(format!(
                "counter {} is missing, expected {want}",
                String::from_utf8_lossy(&key)
            ));
        }
        for entry in self.trees[GROUPS].iter() {
            let (key, bytes) = entry.map_err(|e| io("reading events", e))?;
            let first = u64_be(&key);
            let group: Vec<Event> = match decode_group(&bytes) {
                Ok(g) => g,
                Err(e) => {
                    report.problems.push(format!("event {first}: {e}"));
                    continue;
                }
            };
            report.events += group.len() as u64;
            let Some(event) = group.first() else {
                report
                    .problems
                    .push(format!("event group {first} is empty"));
                continue;
            };
            let id = &event.draft.app_id;
            if group.iter().any(|e| e.draft.app_id != *id) {
                report
                    .problems
                    .push(format!("event group {first} mixes applications"));
            }
            match listed.remove(&first) {
                Some(owner) if owner == *id => {}
                Some(owner) => report.problems.push(format!(
                    "event group {first} names {id} but {owner} lists it"
                )),
                None if id.0.is_empty() => {}
                None => {
                    if self.read_record(id)?.is_none() {
                        report
                            .problems
                            .push(format!("event {first} names {id}, which is missing"));
                    } else {
                        report
                            .problems
                            .push(format!("event {first} is missing from {id}'s event list"));
                    }
                }
            }
        }
        for (first, id) in listed {
            report
                .problems
                .push(format!("{id} lists event group {first}, which is missing"));
        }
        let audit = self.walk_chain()?;
        if let Some((seq, what)) = audit.first_broken {
            report
                .problems
                .push(format!("audit chain broken at {seq}: {what}"));
        }
        Ok(report)
    }
}
