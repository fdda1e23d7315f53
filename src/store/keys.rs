//! Key and value layout of the sled trees (schema 8).
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
use sha2::{Digest, Sha256};

/// Format version of every stored value.
pub const VALUE_FORMAT: u8 = 1;
/// Format version of an application record as schema 4 to 7 wrote it: the event groups it owns,
/// then its JSON. Still read.
pub const RECORD_FORMAT_JSON: u8 = 2;
/// Format version of an application record (schema 8): the event groups it owns, then its JSON
/// with the field-name runs of [`RECORD_RUNS`] each written as one byte (see [`compact_json`]).
pub const RECORD_FORMAT: u8 = 3;

/// Runs of an application's JSON (field names and the punctuation between them, in the order
/// the Application type writes them) that a record of [`RECORD_FORMAT`] stores as one byte each:
/// run `i` as the byte `i + 1`. JSON as serde_json writes it never holds a byte below 0x20 (it
/// escapes them inside strings), so the bytes 0x01-0x1F are free and the JSON is rebuilt exactly.
/// The table is part of the format: never change it; a new table is a new format.
pub const RECORD_RUNS: [&[u8]; 31] = [
    b",\"park_name\":null,\"park_level\":null,\"kinetic_library\":false},\"request\":{\"kind\":\"",
    b",\"deadline_provisional\":false,\"missing_calendar_years\":[],\"side_flows\":{",
    b",\"grid_project_need_date\":null},\"received_at\":\"",
    b"\",\"decision\":{\"bundle\":{\"region\":\"",
    b",\"grid_total_limit_working_days\":",
    b",\"free_efficiency_service\":",
    b",\"tariff_cut_yuan_per_kwh\":",
    b"\",\"external_line_payer\":\"",
    b"],\"investment_boundary\":\"",
    b"\",\"limit_working_days\":",
    b"\",\"customer\":{\"name\":\"",
    b"\"},\"access\":{\"class\":\"",
    b"\",\"digest\":\"sha256:",
    b"},\"site\":{\"county\":\"",
    b",\"from\":\"",
    b"\",\"steps\":[{\"id\":\"",
    b"},\"updated_at\":\"",
    b"\",\"id_number\":\"",
    b",\"direct_meter\":",
    b"\",\"star_rating\":",
    b",\"capacity_kva\":",
    b"\",\"capacity_kw\":",
    b",\"simple_line\":",
    b"\"},\"programs\":[",
    b",\"rules\":[\"",
    b"\",\"address\":\"",
    b",\"permanent\":",
    b"\",\"voltage\":\"",
    b"\",\"process\":\"",
    b"\",\"status\":\"",
    b"},\"deadline\":",
];

/// Append `json` (as serde_json writes it) to `out` with each run of [`RECORD_RUNS`] as its byte.
pub fn compact_json(json: &[u8], out: &mut Vec<u8>) {
    let mut i = 0;
    'bytes: while i < json.len() {
        let b = json[i];
        if matches!(b, b',' | b'"' | b']' | b'}') {
            for (code, run) in RECORD_RUNS.iter().enumerate() {
                if json[i..].starts_with(run) {
                    out.push(code as u8 + 1);
                    i += run.len();
                    continue 'bytes;
                }
            }
        }
        out.push(b);
        i += 1;
    }
}

/// Feed the JSON a [`compact_json`] stands for to `out`, piece by piece; false when it holds a
/// byte that is no run's (it was not written by `compact_json`).
pub fn feed_json(compact: &[u8], mut out: impl FnMut(&[u8])) -> bool {
    let mut plain = 0;
    for (i, &b) in compact.iter().enumerate() {
        if b < 0x20 {
            let Some(run) = RECORD_RUNS.get(usize::from(b).wrapping_sub(1)) else {
                return false;
            };
            out(&compact[plain..i]);
            out(run);
            plain = i + 1;
        }
    }
    out(&compact[plain..]);
    true
}

/// The JSON a [`compact_json`] stands for.
pub fn expand_json(compact: &[u8]) -> Result<Vec<u8>, StoreError> {
    let mut json = Vec::with_capacity(compact.len() * 2 + 256);
    if feed_json(compact, |part| json.extend_from_slice(part)) {
        Ok(json)
    } else {
        Err(StoreError::Corrupt(
            "application: the record holds a byte that is not JSON".into(),
        ))
    }
}
/// The schema this build writes and reads. 2: pair counters; 3: open applications per deadline
/// day; 4: bucketed indexes, events grouped per commit and application, each record listing its
/// groups; 5: event groups written in their compact form ([`GROUP_FORMAT`]; groups of a schema-4
/// store stay as they are and read as before); 6: deadlines counted in China time and marked when
/// provisional (`deadline_provisional`, `missing_calendar_years`): opening an older store drops
/// its calendar fingerprint setting, so the desk recounts every open deadline when it opens it
/// (`service::recount`); 7: events seal the record they leave (`EventDraft::record`, see
/// `seal_drafts`), and opening an older store seals each application's current record with one
/// `sealed` event of actor `migration`; 8: event groups written in their split form
/// ([`GROUP_FORMAT_SPLIT`]: the id once, seals as raw bytes; older groups stay as they are and
/// read as before). Older stores are migrated on open.
pub const SCHEMA_VERSION: u32 = 8;

/// The first schema whose events seal their records (and whose backups end with a digest).
pub const SEALS_SCHEMA: u32 = 7;

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
/// (first seq, u64, big-endian), then the application as JSON, its field-name runs compacted
/// ([`compact_json`]).
pub fn encode_record(app: &Application, groups: &[u64]) -> Vec<u8> {
    let mut out = Vec::with_capacity(1 + 4 + 8 * groups.len() + 1024);
    out.push(RECORD_FORMAT);
    out.extend_from_slice(&(groups.len() as u32).to_be_bytes());
    for g in groups {
        out.extend_from_slice(&g.to_be_bytes());
    }
    let json = serde_json::to_vec(app).expect("stored types always serialize");
    compact_json(&json, &mut out);
    out
}

pub fn decode_record(bytes: &[u8]) -> Result<(Application, Vec<u64>), StoreError> {
    let (groups, json) = split_record(bytes)?;
    let app = serde_json::from_slice(&json)
        .map_err(|e| StoreError::Corrupt(format!("application: unreadable value: {e}")))?;
    Ok((app, groups.chunks_exact(8).map(u64_be).collect()))
}

/// Only the id and form of a record (what re-deciding needs), skipping the rest of its JSON.
pub fn decode_record_form(bytes: &[u8]) -> Result<StoredForm, StoreError> {
    let (_, json) = split_record(bytes)?;
    serde_json::from_slice(&json)
        .map_err(|e| StoreError::Corrupt(format!("application: unreadable value: {e}")))
}

/// The application JSON of a stored record (canonical: written by `encode_record`).
pub fn record_json(bytes: &[u8]) -> Result<std::borrow::Cow<'_, [u8]>, StoreError> {
    split_record(bytes).map(|(_, json)| json)
}

/// sha256 of a stored record's application JSON (what its last event seals), without
/// rebuilding the JSON; None when the record is unreadable.
pub fn record_json_hash(bytes: &[u8]) -> Option<[u8; 32]> {
    let (&format, _) = bytes.split_first()?;
    let (_, stored) = split_record_raw(bytes).ok()?;
    let mut h = Sha256::new();
    if format == RECORD_FORMAT {
        feed_json(stored, |part| h.update(part)).then_some(())?;
    } else {
        h.update(stored);
    }
    Some(h.finalize().into())
}

/// A record's event group keys (8 bytes each) and its application JSON.
fn split_record(bytes: &[u8]) -> Result<(&[u8], std::borrow::Cow<'_, [u8]>), StoreError> {
    let (groups, stored) = split_record_raw(bytes)?;
    let json = match bytes[0] {
        RECORD_FORMAT => std::borrow::Cow::Owned(expand_json(stored)?),
        _ => std::borrow::Cow::Borrowed(stored),
    };
    Ok((groups, json))
}

/// A record's event group keys and its JSON as stored (compact or not, as its format says).
fn split_record_raw(bytes: &[u8]) -> Result<(&[u8], &[u8]), StoreError> {
    let corrupt = |what: &str| StoreError::Corrupt(format!("application: {what}"));
    match bytes.split_first() {
        Some((&RECORD_FORMAT | &RECORD_FORMAT_JSON, rest)) => {
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
            "application: record format {v} is not known to this powerdesk (reads {RECORD_FORMAT_JSON} and {RECORD_FORMAT})"
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
/// Written by schema 5 and 6 stores; still read.
pub const GROUP_FORMAT: u8 = 2;

/// Format of an event group of one application (schema 8): the first event's `prev_hash` (32
/// bytes), the first seq (u64; the others follow it), the number of events (varint), the
/// application id (varint length, bytes), then per event a flag (1: it seals a record, then the
/// record hash, 32 bytes raw; 0: it does not) and the middle of its draft's JSON (varint length
/// first), and last the hash of the group's last event (32 bytes). A draft's JSON is rebuilt
/// exactly from these parts (`{"app_id":"ID",` + middle + `,"record":"HEX"}` or `}`), so each
/// hash covers the very bytes it covered; the hashes before the last are recomputed from the
/// chain (each covers its seq, its draft and the hash before it), so an edit anywhere in the
/// group still fails the stored last hash. The id is kept once per group, the seal as 32 raw
/// bytes instead of 76 characters of JSON, and one hash per group instead of one per event
/// (hashes do not compress).
pub const GROUP_FORMAT_SPLIT: u8 = 3;

const DRAFT_HEAD: &[u8] = b"{\"app_id\":\"";
const DRAFT_HEAD_END: &[u8] = b"\",";
const DRAFT_SEAL: &[u8] = b",\"record\":\"";
const DRAFT_SEAL_END: &[u8] = b"\"}";

/// An event group's stored value: split when every event names one application whose id needs
/// no escaping in JSON and whose drafts serialize as expected (as groups written by powerdesk
/// always do), else compact, else JSON.
pub fn encode_group(events: &[Event]) -> Vec<u8> {
    encode_group_split(events).unwrap_or_else(|| encode_group_compact(events))
}

fn encode_group_split(events: &[Event]) -> Option<Vec<u8>> {
    let first = events.first()?;
    let id = first.draft.app_id.0.as_bytes();
    let plain_id = id.iter().all(|b| *b >= 0x20 && *b != b'"' && *b != b'\\');
    if !plain_id || !id.is_ascii() {
        return None;
    }
    let mut out = Vec::with_capacity(64 + events.len() * 200);
    out.push(GROUP_FORMAT_SPLIT);
    out.extend_from_slice(&raw_hash(&first.prev_hash)?);
    out.extend_from_slice(&first.seq.to_be_bytes());
    put_varint(&mut out, events.len() as u64);
    put_varint(&mut out, id.len() as u64);
    out.extend_from_slice(id);
    let mut json = Vec::with_capacity(256);
    let mut prev = &first.prev_hash;
    for (i, event) in events.iter().enumerate() {
        if event.seq != first.seq.checked_add(i as u64)?
            || event.prev_hash != *prev
            || event.draft.app_id != first.draft.app_id
        {
            return None;
        }
        prev = &event.hash;
        json.clear();
        serde_json::to_writer(&mut json, &event.draft).expect("event drafts always serialize");
        // Only the last hash is stored: every other one must be what the chain recomputes (an
        // event restored from outside with another hash is kept in the compact form, as it is).
        if link_hash(event.seq, &json, &raw_hash(&event.prev_hash)?) != raw_hash(&event.hash)? {
            return None;
        }
        let body = json.strip_prefix(DRAFT_HEAD)?.strip_prefix(id)?;
        let body = body.strip_prefix(DRAFT_HEAD_END)?;
        let body = match &event.draft.record {
            Some(record) => {
                let raw = raw_hash(record)?;
                let body = body.strip_suffix(DRAFT_SEAL_END)?;
                let body = body.strip_suffix(record.as_bytes())?;
                out.push(1);
                out.extend_from_slice(&raw);
                body.strip_suffix(DRAFT_SEAL)?
            }
            None => {
                out.push(0);
                body.strip_suffix(b"}")?
            }
        };
        put_varint(&mut out, body.len() as u64);
        out.extend_from_slice(body);
    }
    out.extend_from_slice(&raw_hash(prev)?);
    Some(out)
}

/// An event's hash: sha256 over its seq, its draft's JSON and the previous hash in hex (as
/// `Event::chain` computes it).
pub fn link_hash(seq: u64, draft_json: &[u8], prev: &[u8; 32]) -> [u8; 32] {
    let mut hex_prev = [0u8; 64];
    hex::encode_to_slice(prev, &mut hex_prev).expect("64 hex digits");
    let mut h = Sha256::new();
    h.update(seq.to_be_bytes());
    h.update(draft_json);
    h.update(hex_prev);
    h.finalize().into()
}

/// The compact form ([`GROUP_FORMAT`]) when the group is a chain of well-formed hashes, else JSON.
fn encode_group_compact(events: &[Event]) -> Vec<u8> {
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

/// The events of a stored group, in any format.
pub fn decode_group(bytes: &[u8]) -> Result<Vec<Event>, StoreError> {
    let corrupt = |what: &str| StoreError::Corrupt(format!("event group: {what}"));
    match bytes.first() {
        Some(&GROUP_FORMAT) | Some(&GROUP_FORMAT_SPLIT) => {}
        Some(&VALUE_FORMAT) | None => return decode("event group", bytes),
        Some(v) => {
            return Err(StoreError::Corrupt(format!(
                "event group: format {v} is not known to this powerdesk (reads {VALUE_FORMAT}, {GROUP_FORMAT} and {GROUP_FORMAT_SPLIT})"
            )))
        }
    }
    let group = read_raw_group(bytes).map_err(|what| corrupt(&what))?;
    let mut link = group.prev;
    let mut prev_hash = hex::encode(link);
    let mut events = Vec::with_capacity(group.events.len());
    let mut json = Vec::with_capacity(256);
    for event in &group.events {
        json.clear();
        event.draft.write_json(&mut json);
        let draft = serde_json::from_slice(&json)
            .map_err(|e| corrupt(&format!("unreadable event {}: {e}", event.seq)))?;
        // A split group stores only its last hash: the others are the chain's.
        link = event
            .hash
            .unwrap_or_else(|| link_hash(event.seq, &json, &link));
        let hash = hex::encode(link);
        let next_prev = hash.clone();
        events.push(Event {
            seq: event.seq,
            draft,
            prev_hash: std::mem::replace(&mut prev_hash, next_prev),
            hash,
        });
    }
    if let (Some(last), Some(event)) = (group.last, events.last_mut()) {
        // Stored as it was: `audit verify` names the group when the chain does not reach it.
        event.hash = hex::encode(last);
    }
    Ok(events)
}

/// An event's draft as stored: its whole JSON (format 2) or the parts it is rebuilt from
/// (format 3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RawDraft<'a> {
    Json(&'a [u8]),
    Split {
        app_id: &'a [u8],
        middle: &'a [u8],
        record: Option<[u8; 32]>,
    },
}

impl RawDraft<'_> {
    /// Feed the draft's JSON, exactly the bytes its event's hash covers, to `out`.
    pub fn feed(&self, mut out: impl FnMut(&[u8])) {
        match *self {
            RawDraft::Json(json) => out(json),
            RawDraft::Split {
                app_id,
                middle,
                record,
            } => {
                out(DRAFT_HEAD);
                out(app_id);
                out(DRAFT_HEAD_END);
                out(middle);
                match record {
                    Some(raw) => {
                        let mut hex_record = [0u8; 64];
                        hex::encode_to_slice(raw, &mut hex_record).expect("64 hex digits");
                        out(DRAFT_SEAL);
                        out(&hex_record);
                        out(DRAFT_SEAL_END);
                    }
                    None => out(b"}"),
                }
            }
        }
    }

    pub fn write_json(&self, json: &mut Vec<u8>) {
        self.feed(|part| json.extend_from_slice(part));
    }
}

/// One event of a compact or split group as stored: its seq, its hash (stored in the compact
/// form only) and its draft.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawEvent<'a> {
    pub seq: u64,
    pub hash: Option<[u8; 32]>,
    pub draft: RawDraft<'a>,
}

/// A compact or split event group as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawGroup<'a> {
    /// The first event's `prev_hash`.
    pub prev: [u8; 32],
    pub events: Vec<RawEvent<'a>>,
    /// The last event's hash, stored once for a split group (None: each event has its own).
    pub last: Option<[u8; 32]>,
}

/// A compact or split event group read without decoding its drafts. None for a group in the
/// JSON format or one that does not parse (read it with [`decode_group`]).
pub fn raw_group(bytes: &[u8]) -> Option<RawGroup<'_>> {
    match bytes.first() {
        Some(&GROUP_FORMAT) | Some(&GROUP_FORMAT_SPLIT) => read_raw_group(bytes).ok(),
        _ => None,
    }
}

/// A group of format 2 or 3 (its first byte says which) as stored, or what is wrong with it.
fn read_raw_group(bytes: &[u8]) -> Result<RawGroup<'_>, String> {
    let (&format, mut rest) = bytes.split_first().ok_or("empty value")?;
    fn take<'a>(rest: &mut &'a [u8], n: usize, what: &str) -> Result<&'a [u8], String> {
        if rest.len() < n {
            return Err(format!("truncated {what}"));
        }
        let (head, tail) = rest.split_at(n);
        *rest = tail;
        Ok(head)
    }
    fn hash(rest: &mut &[u8], what: &str) -> Result<[u8; 32], String> {
        Ok(take(rest, 32, what)?.try_into().expect("32 bytes"))
    }
    let prev = hash(&mut rest, "first previous hash")?;
    let mut events = Vec::new();
    let mut last = None;
    if format == GROUP_FORMAT {
        let count = u64_be(take(&mut rest, 4, "event count")?) as usize;
        events.reserve(count.min(1024));
        for _ in 0..count {
            let seq = u64_be(take(&mut rest, 8, "event seq")?);
            let hash = hash(&mut rest, "event hash")?;
            let len = u64_be(take(&mut rest, 4, "event length")?) as usize;
            let json = take(&mut rest, len, "event")?;
            events.push(RawEvent {
                seq,
                hash: Some(hash),
                draft: RawDraft::Json(json),
            });
        }
    } else {
        let first = u64_be(take(&mut rest, 8, "first seq")?);
        let count = get_varint(&mut rest).ok_or("truncated event count")?;
        let id_len = get_varint(&mut rest).ok_or("truncated id length")?;
        let app_id = take(
            &mut rest,
            usize::try_from(id_len).map_err(|_| "id length")?,
            "id",
        )?;
        events.reserve(count.min(1024) as usize);
        for i in 0..count {
            let seq = first.checked_add(i).ok_or("event seq past the largest")?;
            let record = match take(&mut rest, 1, "event flag")?[0] {
                0 => None,
                1 => Some(hash_of(&mut rest)?),
                f => return Err(format!("event {seq} has an unknown flag {f}")),
            };
            let len = get_varint(&mut rest).ok_or("truncated event length")?;
            let middle = take(
                &mut rest,
                usize::try_from(len).map_err(|_| "length")?,
                "event",
            )?;
            events.push(RawEvent {
                seq,
                hash: None,
                draft: RawDraft::Split {
                    app_id,
                    middle,
                    record,
                },
            });
        }
        fn hash_of(rest: &mut &[u8]) -> Result<[u8; 32], String> {
            Ok(take(rest, 32, "record hash")?.try_into().expect("32 bytes"))
        }
        if count == 0 {
            return Err("no events".into());
        }
        last = Some(hash(&mut rest, "last hash")?);
    }
    if !rest.is_empty() {
        return Err("bytes after the last event".into());
    }
    Ok(RawGroup { prev, events, last })
}

/// LEB128: 7 bits a byte, low first.
fn put_varint(out: &mut Vec<u8>, mut n: u64) {
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

fn get_varint(rest: &mut &[u8]) -> Option<u64> {
    let mut n = 0u64;
    for (i, b) in rest.iter().enumerate().take(10) {
        n |= u64::from(b & 0x7f) << (7 * i);
        if b & 0x80 == 0 {
            *rest = &rest[i + 1..];
            return Some(n);
        }
    }
    None
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

    /// `chain` with the last event sealing a record, as every commit's last event does.
    fn sealed_chain(prev: &str, first_seq: u64) -> Vec<Event> {
        let mut events = chain(prev, first_seq);
        let last = events.len() - 1;
        let mut draft = events[last].draft.clone();
        draft.record = Some(hex::encode([0xa5u8; 32]));
        events[last] = Event::chain(events[last].seq, draft, &events[last].prev_hash);
        events
    }

    #[test]
    fn an_event_group_round_trips_split_and_verifies() {
        let events = sealed_chain(GENESIS_HASH, 7);
        let split = encode_group(&events);
        assert_eq!(split[0], GROUP_FORMAT_SPLIT);
        let compact = encode_group_compact(&events);
        assert_eq!(compact[0], GROUP_FORMAT);
        let json = encode(&events);
        // Per later event no seq and no hash, per event a 1-byte length instead of 4 and no id
        // (26 bytes of JSON); the seal in 33 bytes instead of 76: 269 bytes less for these four.
        assert!(
            split.len() + 265 <= compact.len(),
            "{} vs {}",
            split.len(),
            compact.len()
        );
        assert!(compact.len() * 10 < json.len() * 7);
        for stored in [&split, &compact, &json] {
            let back = decode_group(stored).unwrap();
            assert_eq!(back, events);
            assert!(back.iter().all(Event::is_intact));
        }
        // The stored parts rebuild exactly the JSON each hash covers.
        let raw = raw_group(&split).unwrap();
        assert_eq!(hex::encode(raw.prev), GENESIS_HASH);
        assert_eq!(raw.last.map(hex::encode), Some(events[3].hash.clone()));
        for (raw, event) in raw.events.iter().zip(&events) {
            assert_eq!(raw.seq, event.seq);
            assert_eq!(raw.hash, None);
            let mut json = Vec::new();
            raw.draft.write_json(&mut json);
            assert_eq!(json, serde_json::to_vec(&event.draft).unwrap());
        }
        // Groups of policy activations (no application) split too.
        let mut store_event = chain(GENESIS_HASH, 1);
        store_event.truncate(1);
        let mut draft = store_event[0].draft.clone();
        draft.app_id = AppId(String::new());
        let store_event = vec![Event::chain(1, draft, GENESIS_HASH)];
        let split = encode_group(&store_event);
        assert_eq!(split[0], GROUP_FORMAT_SPLIT);
        assert_eq!(decode_group(&split).unwrap(), store_event);
    }

    #[test]
    fn a_group_that_cannot_be_rebuilt_from_parts_is_kept_compact() {
        // Two applications in one group, or an id JSON would escape: the whole JSON is kept.
        let mut events = sealed_chain(GENESIS_HASH, 1);
        let mut draft = events[1].draft.clone();
        draft.app_id = AppId("JN-2024-000043".into());
        events[1] = Event::chain(2, draft, &events[0].hash);
        for e in 2..events.len() {
            events[e] = Event::chain(events[e].seq, events[e].draft.clone(), &events[e - 1].hash);
        }
        assert_eq!(encode_group(&events)[0], GROUP_FORMAT);
        assert_eq!(decode_group(&encode_group(&events)).unwrap(), events);
        let mut prev = GENESIS_HASH.to_string();
        let quoted: Vec<Event> = sealed_chain(GENESIS_HASH, 1)
            .into_iter()
            .map(|e| {
                let mut draft = e.draft;
                draft.app_id = AppId("JN-\"2024\"-1".into());
                let event = Event::chain(e.seq, draft, &prev);
                prev = event.hash.clone();
                event
            })
            .collect();
        assert_eq!(encode_group(&quoted)[0], GROUP_FORMAT);
        assert_eq!(decode_group(&encode_group(&quoted)).unwrap(), quoted);
    }

    #[test]
    fn a_record_json_is_stored_compactly_and_rebuilt_exactly() {
        let json = r#"{"id":"JN-2021-000003","customer":{"name":"\u001b[2J\"\u001f","class":"resident","id_number":"370829197111084713","phone":"18633732775","star_rating":0},"site":{"county":"嘉祥县","address":"济宁市嘉祥县红星路12号","rural":false,"park_name":null,"park_level":null,"kinetic_library":false},"request":{"kind":"new","voltage":"380V","capacity_kw":93.0,"capacity_kva":null,"permanent":true,"direct_meter":true,"simple_line":false,"grid_project_need_date":null},"received_at":"2021-11-28T13:21:00+08:00","status":"cancelled","process":"low_voltage","decision":{"bundle":{"region":"jining","version":"2021.1","digest":"sha256:95d081dd13dcbfee4bf6ca77b2de556ec46ab229acb5bc5b11969b8ddecc7e18"},"access":{"class":"low_voltage","voltage":"380V"},"programs":["three_zero"],"investment_boundary":"meter","external_line_payer":"utility","steps":[{"id":"energize","limit_working_days":0,"from":"accepted"}],"grid_total_limit_working_days":2,"tariff_cut_yuan_per_kwh":0.0,"free_efficiency_service":false,"rules":["JN-LV-160","JN-FEES"]},"deadline":null,"deadline_provisional":false,"missing_calendar_years":[],"side_flows":{},"updated_at":"2021-11-30T03:21:00+08:00"}"#.as_bytes();
        let mut compact = Vec::new();
        compact_json(json, &mut compact);
        assert!(
            compact.len() * 10 < json.len() * 7,
            "{} of {}",
            compact.len(),
            json.len()
        );
        assert_eq!(expand_json(&compact).unwrap(), json);
        let mut h = Sha256::new();
        assert!(feed_json(&compact, |part| h.update(part)));
        assert_eq!(h.finalize()[..], Sha256::digest(json)[..]);
        // Plain JSON reads as itself; a byte no run has is refused.
        assert_eq!(expand_json(json).unwrap(), json);
        assert!(expand_json(b"{\"id\":0}\x00").is_err());
        assert!(RECORD_RUNS.iter().all(|run| run.iter().all(|b| *b >= 0x20)));
    }

    #[test]
    fn varints_round_trip() {
        for n in [
            0,
            1,
            127,
            128,
            300,
            16_383,
            16_384,
            u32::MAX as u64,
            u64::MAX,
        ] {
            let mut out = Vec::new();
            put_varint(&mut out, n);
            let mut rest = &out[..];
            assert_eq!(get_varint(&mut rest), Some(n));
            assert!(rest.is_empty());
        }
        assert_eq!(get_varint(&mut &[0x80u8, 0x80][..]), None);
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
        let events = sealed_chain(GENESIS_HASH, 1);
        for compact in [encode_group(&events), encode_group_compact(&events)] {
            for cut in [1, 20, 36, 40, 44, 80, compact.len() - 40, compact.len() - 1] {
                let err = decode_group(&compact[..cut]).unwrap_err().to_string();
                assert!(err.contains("event group"), "{cut}: {err}");
            }
            let mut longer = compact.clone();
            longer.push(0);
            assert!(decode_group(&longer).is_err());
        }
        let err = decode_group(&[9, 1, 2]).unwrap_err().to_string();
        assert!(err.contains("format 9"), "{err}");
    }
}
