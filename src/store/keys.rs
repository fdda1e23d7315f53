//! Key and value layout of the sled trees (schema 6).
//!
//! Index entries are kept in buckets: key `value 0x00 bucket`, where the bucket is the id without
//! its last [`BUCKET_TAIL`] characters, and the value lists the tails of the bucket's ids with that
//! value, sorted. So one index value's entries are a contiguous, id-ordered run of keys, and an
//! application costs a fraction of a sled key per index instead of one. Values start with a
//! format-version byte.

use crate::domain::application::StoredForm;
use crate::domain::event::Event;
use crate::domain::ports::StoreError;
use crate::domain::{AppId, Application};

/// Format version of every stored value.
pub const VALUE_FORMAT: u8 = 1;
/// Format version of an application record: the event groups it owns, then its JSON.
pub const RECORD_FORMAT: u8 = 2;
/// The schema this build writes and reads. 2: pair counters; 3: open applications per deadline
/// day; 4: bucketed indexes, events grouped per commit and application, each record listing its
/// groups; 5: event groups written in their compact form ([`GROUP_FORMAT`]; groups of a schema-4
/// store stay as they are and read as before); 6: deadlines counted in China time and marked when
/// provisional (`deadline_provisional`, `missing_calendar_years`): opening an older store drops
/// its calendar fingerprint setting, so the desk recounts every open deadline when it opens it
/// (`service::recount`); 7: events seal the record they leave (`EventDraft::record`, see
/// `seal_drafts`), and opening an older store seals each application's current record with one
/// `sealed` event of actor `migration`. Older stores are migrated on open.
pub const SCHEMA_VERSION: u32 = 7;

/// Characters cut from an id to name its index bucket: ≤ 100 ids of `JN-YYYY-NNNNNN` per bucket.
pub const BUCKET_TAIL: usize = 2;

/// Trees of the schema-4 layout (the tree names are new, so a migration can write them beside
/// the old ones).
pub const RECORDS_TREE: &str = "applications";
pub const GROUPS_TREE: &str = "event_groups";
/// Trees of the schema ≤ 3 layout, dropped once a store is migrated.
pub const OLD_APPS_TREE: &str = "apps";
pub const OLD_EVENTS_TREE: &str = "events";
pub const OLD_APP_EVENTS_TREE: &str = "app_events";

pub const SEP: u8 = 0;

/// Deadline index value of applications without a running deadline: after every date.
pub const NO_DEADLINE: &str = "~";

pub const META_SCHEMA: &[u8] = b"schema_version";
pub const META_CHAIN_HEAD: &[u8] = b"chain_head";
pub const META_IMPORT_PENDING: &[u8] = b"import_pending";
/// Set while a store from before schema 7 still has records to seal (see `seal_records`).
pub const META_SEAL_PENDING: &[u8] = b"seal_pending";

/// The indexes kept for every application.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Index {
    Status,
    Process,
    Class,
    County,
    /// Every application by grid deadline, key `YYYY-MM-DD 0x00 id`; closed applications and
    /// those without a running grid clock sort last under [`NO_DEADLINE`].
    Deadline,
    /// Customer name, for prefix search.
    Name,
}

impl Index {
    pub const ALL: [Index; 6] = [
        Self::Status,
        Self::Process,
        Self::Class,
        Self::County,
        Self::Deadline,
        Self::Name,
    ];

    /// The bucketed index tree (schema 4).
    pub fn bucket_tree(self) -> &'static str {
        match self {
            Self::Status => "by_status",
            Self::Process => "by_process",
            Self::Class => "by_class",
            Self::County => "by_county",
            Self::Deadline => "by_deadline",
            Self::Name => "by_name",
        }
    }

    /// The name of the index in counter keys (and of its tree in schema ≤ 3).
    pub fn tree_name(self) -> &'static str {
        match self {
            Self::Status => "ix_status",
            Self::Process => "ix_process",
            Self::Class => "ix_class",
            Self::County => "ix_county",
            Self::Deadline => "ix_deadline",
            Self::Name => "ix_name",
        }
    }

    /// Whether a per-value counter is kept in meta (the total of a listing filtered by it).
    pub fn counted(self) -> bool {
        matches!(
            self,
            Self::Status | Self::Process | Self::Class | Self::County
        )
    }

    /// The value an application is indexed under, if any.
    pub fn value(self, app: &Application) -> Option<String> {
        match self {
            Self::Status => Some(app.status.id().to_string()),
            Self::Process => Some(app.process.id().to_string()),
            Self::Class => Some(app.form.customer.class.id().to_string()),
            Self::County => Some(app.form.site.county.clone()),
            Self::Deadline => Some(
                app.deadline
                    .filter(|_| !app.status.is_terminal())
                    .map(|d| d.to_string())
                    .unwrap_or_else(|| NO_DEADLINE.to_string()),
            ),
            Self::Name => Some(app.form.customer.name.clone()),
        }
    }
}

/// An id cut into its bucket (the key part) and its tail (the part listed in the bucket).
pub fn split_id(id: &AppId) -> (&[u8], &[u8]) {
    let b = id.0.as_bytes();
    let at = b.len().saturating_sub(BUCKET_TAIL);
    (&b[..at], &b[at..])
}

/// Bucket key of `id` under an index value: `value 0x00 bucket`.
pub fn bucket_key(value: &str, id: &AppId) -> Vec<u8> {
    let (bucket, _) = split_id(id);
    let mut k = Vec::with_capacity(value.len() + 1 + bucket.len());
    k.extend_from_slice(value.as_bytes());
    k.push(SEP);
    k.extend_from_slice(bucket);
    k
}

/// Every bucket key of one index value starts with this.
pub fn index_prefix(value: &str) -> Vec<u8> {
    let mut k = value.as_bytes().to_vec();
    k.push(SEP);
    k
}

/// The sorted id tails of one bucket.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Bucket(pub Vec<Vec<u8>>);

impl Bucket {
    pub fn decode(bytes: &[u8]) -> Result<Bucket, StoreError> {
        let corrupt = || StoreError::Corrupt("index bucket: unreadable value".into());
        let (&format, mut rest) = bytes.split_first().ok_or_else(corrupt)?;
        if format != VALUE_FORMAT {
            return Err(StoreError::Corrupt(format!(
                "index bucket: value format {format} is not known to this powerdesk"
            )));
        }
        let mut tails = Vec::with_capacity(rest.len() / 3);
        while let Some((&n, after)) = rest.split_first() {
            let n = n as usize;
            if after.len() < n {
                return Err(corrupt());
            }
            tails.push(after[..n].to_vec());
            rest = &after[n..];
        }
        Ok(Bucket(tails))
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(1 + self.0.len() * (1 + BUCKET_TAIL));
        out.push(VALUE_FORMAT);
        for t in &self.0 {
            out.push(t.len() as u8);
            out.extend_from_slice(t);
        }
        out
    }

    pub fn contains(&self, tail: &[u8]) -> bool {
        self.0.binary_search_by(|t| t.as_slice().cmp(tail)).is_ok()
    }

    pub fn insert(&mut self, tail: &[u8]) {
        if let Err(at) = self.0.binary_search_by(|t| t.as_slice().cmp(tail)) {
            self.0.insert(at, tail.to_vec());
        }
    }

    pub fn remove(&mut self, tail: &[u8]) {
        if let Ok(at) = self.0.binary_search_by(|t| t.as_slice().cmp(tail)) {
            self.0.remove(at);
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// The ids listed by a bucket stored under `key`, in id order.
pub fn bucket_ids(key: &[u8], value: &[u8]) -> Result<Vec<AppId>, StoreError> {
    let at = key
        .iter()
        .rposition(|b| *b == SEP)
        .ok_or_else(|| StoreError::Corrupt("index key without separator".into()))?;
    let bucket = &key[at + 1..];
    Bucket::decode(value)?
        .0
        .into_iter()
        .map(|tail| {
            let mut id = bucket.to_vec();
            id.extend_from_slice(&tail);
            String::from_utf8(id)
                .map(AppId)
                .map_err(|_| StoreError::Corrupt("index entry id is not UTF-8".into()))
        })
        .collect()
}

/// An application record: `RECORD_FORMAT`, the number of its event groups (u32), their keys
/// (first seq, u64, big-endian), then the application as JSON.
pub fn encode_record(app: &Application, groups: &[u64]) -> Vec<u8> {
    let mut out = Vec::with_capacity(1 + 4 + 8 * groups.len() + 1024);
    out.push(RECORD_FORMAT);
    out.extend_from_slice(&(groups.len() as u32).to_be_bytes());
    for g in groups {
        out.extend_from_slice(&g.to_be_bytes());
    }
    serde_json::to_writer(&mut out, app).expect("stored types always serialize");
    out
}

pub fn decode_record(bytes: &[u8]) -> Result<(Application, Vec<u64>), StoreError> {
    let (groups, json) = split_record(bytes)?;
    let app = serde_json::from_slice(json)
        .map_err(|e| StoreError::Corrupt(format!("application: unreadable value: {e}")))?;
    Ok((app, groups.chunks_exact(8).map(u64_be).collect()))
}

/// Only the id and form of a record (what re-deciding needs), skipping the rest of its JSON.
pub fn decode_record_form(bytes: &[u8]) -> Result<StoredForm, StoreError> {
    let (_, json) = split_record(bytes)?;
    serde_json::from_slice(json)
        .map_err(|e| StoreError::Corrupt(format!("application: unreadable value: {e}")))
}

/// The application JSON of a stored record (canonical: written by `encode_record`).
pub fn record_json(bytes: &[u8]) -> Result<&[u8], StoreError> {
    split_record(bytes).map(|(_, json)| json)
}

/// A record's event group keys (8 bytes each) and its application JSON.
fn split_record(bytes: &[u8]) -> Result<(&[u8], &[u8]), StoreError> {
    let corrupt = |what: &str| StoreError::Corrupt(format!("application: {what}"));
    match bytes.split_first() {
        Some((&RECORD_FORMAT, rest)) => {
            if rest.len() < 4 {
                return Err(corrupt("truncated record"));
            }
            let n = u32::from_be_bytes(rest[..4].try_into().expect("4 bytes")) as usize;
            let rest = &rest[4..];
            if rest.len() < 8 * n {
                return Err(corrupt("truncated event group list"));
            }
            Ok(rest.split_at(8 * n))
        }
        Some((v, _)) => Err(StoreError::Corrupt(format!(
            "application: record format {v} is not known to this powerdesk (reads {RECORD_FORMAT})"
        ))),
        None => Err(corrupt("empty value")),
    }
}

/// Counter key in meta: `n/<index>/<value>`; `n/all` counts every application.
pub fn counter_key(index: Option<Index>, value: &str) -> Vec<u8> {
    match index {
        None => b"n/all".to_vec(),
        Some(ix) => format!("n/{}/{}", ix.tree_name(), value).into_bytes(),
    }
}

/// Counter key of a pair of counted index values (`n/pair/ix_a=va/ix_b=vb`, in `Index::ALL`
/// order), so a listing filtered by two of them knows its total without walking it.
pub fn pair_counter_key(a: (Index, &str), b: (Index, &str)) -> Vec<u8> {
    let pos = |ix: Index| {
        Index::ALL
            .iter()
            .position(|x| *x == ix)
            .unwrap_or(usize::MAX)
    };
    let (a, b) = if pos(a.0) <= pos(b.0) { (a, b) } else { (b, a) };
    format!(
        "n/pair/{}={}/{}={}",
        a.0.tree_name(),
        a.1,
        b.0.tree_name(),
        b.1
    )
    .into_bytes()
}

/// Every pair counter an application counts in.
pub fn pair_counter_keys(app: &Application) -> Vec<Vec<u8>> {
    let values: Vec<(Index, String)> = Index::ALL
        .iter()
        .filter(|ix| ix.counted())
        .filter_map(|ix| ix.value(app).map(|v| (*ix, v)))
        .collect();
    let mut keys = Vec::with_capacity(6);
    for (i, a) in values.iter().enumerate() {
        for b in &values[i + 1..] {
            keys.push(pair_counter_key((a.0, &a.1), (b.0, &b.1)));
        }
    }
    keys
}

/// Counter key of open applications whose grid deadline is `day` (`n/day/YYYY-MM-DD`): an
/// overdue listing's total is the sum over the days before its date.
pub fn deadline_day_key(day: &str) -> Vec<u8> {
    format!("{DEADLINE_DAY_PREFIX}{day}").into_bytes()
}

pub const DEADLINE_DAY_PREFIX: &str = "n/day/";

/// Every counter an application counts in: all, per counted index value, pairs, and its deadline
/// day while it is open with a running grid clock.
pub fn counter_keys(app: &Application) -> Vec<Vec<u8>> {
    let mut keys = vec![counter_key(None, "")];
    for ix in Index::ALL.iter().filter(|ix| ix.counted()) {
        if let Some(v) = ix.value(app) {
            keys.push(counter_key(Some(*ix), &v));
        }
    }
    keys.extend(pair_counter_keys(app));
    if let Some(day) = Index::Deadline.value(app).filter(|d| d != NO_DEADLINE) {
        keys.push(deadline_day_key(&day));
    }
    keys
}

pub fn id_counter_key(year: i32) -> Vec<u8> {
    format!("next_id/{year}").into_bytes()
}

pub fn encode<T: serde::Serialize + ?Sized>(value: &T) -> Vec<u8> {
    let mut out = vec![VALUE_FORMAT];
    serde_json::to_writer(&mut out, value).expect("stored types always serialize");
    out
}

pub fn decode<T: serde::de::DeserializeOwned>(what: &str, bytes: &[u8]) -> Result<T, StoreError> {
    match bytes.split_first() {
        Some((&VALUE_FORMAT, rest)) => serde_json::from_slice(rest)
            .map_err(|e| StoreError::Corrupt(format!("{what}: unreadable value: {e}"))),
        Some((v, _)) => Err(StoreError::Corrupt(format!(
            "{what}: value format {v} is not known to this powerdesk (reads {VALUE_FORMAT})"
        ))),
        None => Err(StoreError::Corrupt(format!("{what}: empty value"))),
    }
}

/// Format of an event group in its compact form (format 1 is the JSON list of events): the first
/// event's `prev_hash` (32 bytes), the number of events (u32), then per event its seq (u64), its
/// hash (32 bytes) and its draft as JSON (u32 length first). Each later event's `prev_hash` is
/// the hash before it, so it is not stored; the hashes are kept raw rather than as hex text.
pub const GROUP_FORMAT: u8 = 2;

/// An event group's stored value: compact when the group is a chain of well-formed hashes (as
/// groups always are), else JSON.
pub fn encode_group(events: &[Event]) -> Vec<u8> {
    let chained = events
        .windows(2)
        .all(|pair| pair[1].prev_hash == pair[0].hash);
    let (Some(first), true) = (events.first(), chained) else {
        return encode(events);
    };
    let (Some(prev), Some(hashes)) = (
        raw_hash(&first.prev_hash),
        events
            .iter()
            .map(|e| raw_hash(&e.hash))
            .collect::<Option<Vec<[u8; 32]>>>(),
    ) else {
        return encode(events);
    };
    let mut out = Vec::with_capacity(1 + 32 + 4 + events.len() * 300);
    out.push(GROUP_FORMAT);
    out.extend_from_slice(&prev);
    out.extend_from_slice(&(events.len() as u32).to_be_bytes());
    for (event, hash) in events.iter().zip(hashes) {
        out.extend_from_slice(&event.seq.to_be_bytes());
        out.extend_from_slice(&hash);
        let at = out.len();
        out.extend_from_slice(&[0; 4]);
        serde_json::to_writer(&mut out, &event.draft).expect("event drafts always serialize");
        let len = (out.len() - at - 4) as u32;
        out[at..at + 4].copy_from_slice(&len.to_be_bytes());
    }
    out
}

/// The events of a stored group, in either format.
pub fn decode_group(bytes: &[u8]) -> Result<Vec<Event>, StoreError> {
    let Some((&GROUP_FORMAT, mut rest)) = bytes.split_first() else {
        return match bytes.first() {
            Some(&VALUE_FORMAT) | None => decode("event group", bytes),
            Some(v) => Err(StoreError::Corrupt(format!(
                "event group: format {v} is not known to this powerdesk (reads {VALUE_FORMAT} and {GROUP_FORMAT})"
            ))),
        };
    };
    let corrupt = |what: &str| StoreError::Corrupt(format!("event group: {what}"));
    let mut take = |n: usize, what: &str| -> Result<&[u8], StoreError> {
        if rest.len() < n {
            return Err(corrupt(&format!("truncated {what}")));
        }
        let (head, tail) = rest.split_at(n);
        rest = tail;
        Ok(head)
    };
    let mut prev_hash = hex::encode(take(32, "first previous hash")?);
    let count = u64_be(take(4, "event count")?) as usize;
    let mut events = Vec::with_capacity(count.min(1024));
    for _ in 0..count {
        let seq = u64_be(take(8, "event seq")?);
        let hash = hex::encode(take(32, "event hash")?);
        let len = u64_be(take(4, "event length")?) as usize;
        let draft = serde_json::from_slice(take(len, "event")?)
            .map_err(|e| corrupt(&format!("unreadable event {seq}: {e}")))?;
        let next_prev = hash.clone();
        events.push(Event {
            seq,
            draft,
            prev_hash: std::mem::replace(&mut prev_hash, next_prev),
            hash,
        });
    }
    if !rest.is_empty() {
        return Err(corrupt("bytes after the last event"));
    }
    Ok(events)
}

/// One event of a compact group as stored: its seq, its hash and its draft's JSON (the bytes its
/// hash covers).
pub type RawEvent<'a> = (u64, [u8; 32], &'a [u8]);

/// A compact event group read without decoding its drafts: the first event's `prev_hash` and its
/// events as stored. None for a group in the JSON format or one that does not parse (read it
/// with [`decode_group`]).
pub fn raw_group(bytes: &[u8]) -> Option<([u8; 32], Vec<RawEvent<'_>>)> {
    let rest = match bytes.split_first() {
        Some((&GROUP_FORMAT, rest)) => rest,
        _ => return None,
    };
    fn take<'a>(rest: &mut &'a [u8], n: usize) -> Option<&'a [u8]> {
        if rest.len() < n {
            return None;
        }
        let (head, tail) = rest.split_at(n);
        *rest = tail;
        Some(head)
    }
    let mut rest = rest;
    let prev: [u8; 32] = take(&mut rest, 32)?.try_into().ok()?;
    let count = u64_be(take(&mut rest, 4)?) as usize;
    let mut events = Vec::with_capacity(count.min(1024));
    for _ in 0..count {
        let seq = u64_be(take(&mut rest, 8)?);
        let hash: [u8; 32] = take(&mut rest, 32)?.try_into().ok()?;
        let len = u64_be(take(&mut rest, 4)?) as usize;
        events.push((seq, hash, take(&mut rest, len)?));
    }
    rest.is_empty().then_some((prev, events))
}

/// A sha256 in lowercase hex as its 32 bytes (None for anything else).
pub fn raw_hash(hex_text: &str) -> Option<[u8; 32]> {
    let canonical = hex_text.len() == 64
        && hex_text
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    let mut raw = [0u8; 32];
    (canonical && hex::decode_to_slice(hex_text, &mut raw).is_ok()).then_some(raw)
}

pub fn u64_be(bytes: &[u8]) -> u64 {
    let mut b = [0u8; 8];
    let n = bytes.len().min(8);
    b[8 - n..].copy_from_slice(&bytes[bytes.len() - n..]);
    u64::from_be_bytes(b)
}

/// The chain head in meta: last seq (0 when empty) and its hash.
pub fn encode_head(seq: u64, hash: &str) -> Vec<u8> {
    let mut v = seq.to_be_bytes().to_vec();
    v.extend_from_slice(hash.as_bytes());
    v
}

pub fn decode_head(bytes: &[u8]) -> Result<(u64, String), StoreError> {
    if bytes.len() != 8 + 64 {
        return Err(StoreError::Corrupt(
            "chain head in meta has the wrong length".into(),
        ));
    }
    let hash = String::from_utf8(bytes[8..].to_vec())
        .map_err(|_| StoreError::Corrupt("chain head hash".into()))?;
    Ok((u64_be(&bytes[..8]), hash))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::event::{EventDraft, EventKind, GENESIS_HASH};
    use crate::domain::State;

    fn chain(prev: &str, first_seq: u64) -> Vec<Event> {
        let at = chrono::DateTime::parse_from_rfc3339("2024-02-09T08:30:00+08:00").unwrap();
        let kinds = [
            EventKind::Accepted,
            EventKind::Advanced {
                from: State::Accepted,
                to: State::PlanReplied,
            },
            EventKind::SideFlow {
                flow: "joint".into(),
                action: "水电气暖讯联办".into(),
            },
            EventKind::Cancelled {
                from: State::PlanReplied,
                reason: "客户申请撤销".into(),
            },
        ];
        let mut prev = prev.to_string();
        let mut seq = first_seq;
        kinds
            .into_iter()
            .map(|kind| {
                let draft = EventDraft {
                    app_id: AppId("JN-2024-000042".into()),
                    at,
                    actor: "张三".into(),
                    kind,
                    note: Some("备注 \"引号\"".into()),
                    record: None,
                };
                let event = Event::chain(seq, draft, &prev);
                prev = event.hash.clone();
                seq += 1;
                event
            })
            .collect()
    }

    #[test]
    fn an_event_group_round_trips_compactly_and_verifies() {
        let events = chain(GENESIS_HASH, 7);
        let compact = encode_group(&events);
        assert_eq!(compact[0], GROUP_FORMAT);
        let json = encode(&events);
        assert!(
            compact.len() * 10 < json.len() * 7,
            "{} vs {}",
            compact.len(),
            json.len()
        );
        let back = decode_group(&compact).unwrap();
        assert_eq!(back, events);
        assert!(back.iter().all(Event::is_intact));
        // The JSON form (format 1, older stores) still reads.
        assert_eq!(decode_group(&json).unwrap(), events);
    }

    #[test]
    fn a_group_that_is_not_a_chain_of_hex_hashes_is_kept_as_json() {
        let mut events = chain(GENESIS_HASH, 1);
        events[2].prev_hash = GENESIS_HASH.into();
        assert_eq!(encode_group(&events)[0], VALUE_FORMAT);
        assert_eq!(decode_group(&encode_group(&events)).unwrap(), events);
        let mut events = chain(GENESIS_HASH, 1);
        events[0].hash = events[0].hash.to_uppercase();
        events[1].prev_hash = events[0].hash.clone();
        assert_eq!(encode_group(&events)[0], VALUE_FORMAT);
        assert_eq!(decode_group(&encode_group(&events)).unwrap(), events);
    }

    #[test]
    fn a_damaged_compact_group_is_refused_not_misread() {
        let compact = encode_group(&chain(GENESIS_HASH, 1));
        for cut in [1, 20, 36, 40, compact.len() - 1] {
            let err = decode_group(&compact[..cut]).unwrap_err().to_string();
            assert!(err.contains("event group"), "{cut}: {err}");
        }
        let mut longer = compact.clone();
        longer.push(0);
        assert!(decode_group(&longer).is_err());
        let err = decode_group(&[9, 1, 2]).unwrap_err().to_string();
        assert!(err.contains("format 9"), "{err}");
    }
}
