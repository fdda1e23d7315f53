//! 搜索索引: the search index, one sled tree (`search`) kept in the same transaction as the
//! records, so an acknowledged application is in it. A bulk load (`demo`, through
//! `Repository::begin_bulk`) leaves it behind and builds it once at the end, in key order.
//!
//! Each application is indexed under a few terms, each `kind letter + normalized text`. A key
//! holds a term's first characters only (its head: the kind and [`head_chars`] characters) and
//! a bucket of 1,000 ids: key `head 0x00 bucket`; its value lists, sorted, an element per
//! application and term: the rest of the term, `0x00`, the id's last [`SEARCH_TAIL`]
//! characters. So a key is shared by the applications of a bucket whose terms start alike
//! (about 0.26 keys an application), and a term's applications are one range of keys, newest
//! bucket last. A key per term and application (the first design) made the 1M demo 3.59 GB;
//! writing this one batch by batch during a demo (keys all over the tree) 1.9 GB; built once
//! at the end the 1M demo store is 1.36 GB.
//!
//! | kind | term | key holds | found by |
//! |---|---|---|---|
//! | `k` | ID number (letters and digits only) | 6 characters (the region) | exact, then prefix |
//! | `t` | phone (digits only) | 3 characters (the network) | exact, then prefix |
//! | `q`, `p` | pinyin initials (`zw`), full pinyin (`zhangwei`) of the name | 1, 2 | prefix |
//! | `m` | every two characters of the name but the first two | 1 | substring (2+ characters) |
//! | `a` | every two characters of the address after its divisions | 1 | substring (2+ characters) |
//!
//! An address's leading divisions (`济宁市任城区`) are in nearly every address of an office and
//! are not indexed; a search naming or beginning a county walks the county index instead.
//! The application number is the records tree's key and the name has its own index
//! (`by_name`): their prefixes are found there.
//!
//! Meta `search_index` holds [`SEARCH_FORMAT`] and the chain sequence number the index is in step
//! with; every write that keeps the index advances it with the chain head, but only if it was in
//! step. So a store written by a powerdesk without this index (or with another format of it) is
//! found stale, and [`SledStore::ensure_search_index`] rebuilds it at open; a read-only open
//! cannot, and refuses searches until the store is opened writable once.

use std::collections::{BTreeSet, HashMap, HashSet};

use pinyin::ToPinyin;

use super::bulk::BucketEdits;
use super::keys::*;
use super::{io, SledStore, META, RECORDS};
use crate::domain::ports::{Query, SearchHits, SearchMatch, StoreError};
use crate::domain::{AppId, Application};

pub const SEARCH_TREE: &str = "search";

/// Version of the terms: an index built with another is rebuilt at open.
pub const SEARCH_FORMAT: u64 = 2;

/// Meta key: [`SEARCH_FORMAT`] and the chain seq the index is in step with (both u64 BE).
pub const META_SEARCH: &[u8] = b"search_index";

const K_IDENT: char = 'k';
const K_PHONE: char = 't';
const K_INITIALS: char = 'q';
const K_PINYIN: char = 'p';
const K_NAME_GRAM: char = 'm';
const K_ADDRESS_GRAM: char = 'a';

/// Longest term text kept, in bytes (prefixes longer than this still match, on the record).
const MAX_TERM: usize = 48;

/// Candidates a search looks at (index entries walked, records read) before it stops and says
/// its hits may not be all.
const MAX_EXAMINED: usize = 5_000;

/// Characters of an id that are its tail within a search bucket (1,000 ids a bucket, half a
/// bulk batch: a load writes each bucket's keys once).
const SEARCH_TAIL: usize = 3;

/// An id's search bucket and its tail in it.
pub fn split(id: &AppId) -> (&[u8], &[u8]) {
    let b = id.0.as_bytes();
    let at = b.len().saturating_sub(SEARCH_TAIL);
    (&b[..at], &b[at..])
}

/// Characters of a term's text in its key, by kind; the rest of the text is in the entry.
fn head_chars(kind: char) -> usize {
    match kind {
        K_IDENT => 6, // the region of an ID number
        K_PHONE => 3, // the network of a mobile number
        K_PINYIN => 2,
        _ => 1,
    }
}

/// A term as its key part (kind and the first characters) and the rest; whether the text
/// reaches past the key part (or ends with it).
fn split_term(term: &str) -> (&str, &str, bool) {
    let mut chars = term.char_indices();
    let kind = chars.next().map(|(_, c)| c).unwrap_or(K_IDENT);
    match chars.nth(head_chars(kind)) {
        Some((at, _)) => (&term[..at], &term[at..], true),
        None => (term, "", term.chars().count() == head_chars(kind) + 1),
    }
}

fn key_in(bucket: &[u8], head: &str) -> Vec<u8> {
    let mut k = head_prefix(head);
    k.extend_from_slice(bucket);
    k
}

/// Every key of a term's key part starts with this.
fn head_prefix(head: &str) -> Vec<u8> {
    let mut k = Vec::with_capacity(head.len() + 1 + 12);
    k.extend_from_slice(head.as_bytes());
    k.push(SEP);
    k
}

/// The key of `term`'s entry for `id` and the element to add to or remove from it: the rest of
/// the term, `0x00`, `id`'s tail.
pub fn entry(term: &str, id: &AppId) -> (Vec<u8>, Vec<u8>) {
    let (bucket, tail) = split(id);
    let (head, rest, _) = split_term(term);
    let mut element = Vec::with_capacity(rest.len() + 1 + tail.len());
    element.extend_from_slice(rest.as_bytes());
    element.push(SEP);
    element.extend_from_slice(tail);
    (key_in(bucket, head), element)
}

/// An element's rest of the term and its id tail.
fn parse_element(element: &[u8]) -> (&[u8], &[u8]) {
    let at = element.iter().position(|b| *b == SEP).unwrap_or(0);
    (&element[..at], &element[(at + 1).min(element.len())..])
}

/// Visit the elements of a stored value (`keys::Bucket`'s encoding) without copying them.
fn for_each_element(value: &[u8], mut visit: impl FnMut(&[u8])) -> Result<(), StoreError> {
    let corrupt = || StoreError::Corrupt("search index: unreadable value".into());
    let (&format, mut rest) = value.split_first().ok_or_else(corrupt)?;
    if format != VALUE_FORMAT {
        return Err(corrupt());
    }
    while let Some((&n, after)) = rest.split_first() {
        let n = n as usize;
        if after.len() < n {
            return Err(corrupt());
        }
        visit(&after[..n]);
        rest = &after[n..];
    }
    Ok(())
}

/// The tails of a stored value's elements whose rest of the term is `rest` (or, not `exact`,
/// starts with it), sorted.
fn matching_tails(value: &[u8], rest: &[u8], exact: bool) -> Result<Vec<Vec<u8>>, StoreError> {
    let mut tails = Vec::new();
    for_each_element(value, |element| {
        let (r, tail) = parse_element(element);
        if (exact && r == rest) || (!exact && r.starts_with(rest)) {
            tails.push(tail.to_vec());
        }
    })?;
    // Elements are sorted by the rest of their term, then by tail: one rest gives sorted tails.
    if !exact {
        tails.sort_unstable();
        tails.dedup();
    }
    Ok(tails)
}

/// The bucket a search key is in.
pub fn key_bucket(key: &[u8]) -> &[u8] {
    let at = key
        .iter()
        .position(|b| *b == SEP)
        .map_or(key.len(), |at| at + 1);
    &key[at..]
}

fn id_in(bucket: &[u8], tail: &[u8]) -> Result<AppId, StoreError> {
    let mut id = bucket.to_vec();
    id.extend_from_slice(tail);
    String::from_utf8(id)
        .map(AppId)
        .map_err(|_| StoreError::Corrupt("search entry id is not UTF-8".into()))
}

/// Keys per batch when the index is rebuilt.
const REBUILD_CHUNK: usize = 20_000;

/// Lower case, full-width letters and digits as ASCII (an IME types `１３８`), `ü` as `v` (how
/// pinyin is typed), without whitespace, control characters or punctuation other than `-`.
pub fn normalize(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            'ü' | 'Ü' => 'v',
            _ => c,
        })
        .filter(|c| !c.is_whitespace() && !c.is_control())
        .filter(|c| c.is_alphanumeric() || *c == '-')
        .flat_map(char::to_lowercase)
        .collect()
}

/// Letters and digits of an ID number or phone, lower case; empty for text with other than
/// ASCII in it (a street and its number is no phone).
fn ident(text: &str) -> String {
    let n = normalize(text);
    if !n.is_ascii() {
        return String::new();
    }
    n.chars().filter(char::is_ascii_alphanumeric).collect()
}

/// Full pinyin (`zhangwei`) and initials (`zw`) of normalized text: Chinese characters by their
/// most common reading, letters and digits as they are, anything else dropped.
pub fn pinyin_of(normalized: &str) -> (String, String) {
    let mut full = String::new();
    let mut initials = String::new();
    for (c, p) in normalized.chars().zip(normalized.to_pinyin()) {
        match p {
            Some(p) => {
                let plain = p.plain().replace('ü', "v");
                initials.push_str(&plain[..1]);
                full.push_str(&plain);
            }
            None if c.is_ascii_alphanumeric() => {
                full.push(c);
                initials.push(c);
            }
            None => {}
        }
    }
    (full, initials)
}

/// `text` cut to at most [`MAX_TERM`] bytes at a character boundary.
fn capped(text: &str) -> &str {
    if text.len() <= MAX_TERM {
        return text;
    }
    let mut end = MAX_TERM;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

fn term(kind: char, text: &str) -> String {
    let mut t = String::with_capacity(1 + text.len());
    t.push(kind);
    t.push_str(capped(text));
    t
}

/// Every two consecutive characters of `text` from the `skip`th on.
fn bigrams(text: &str, skip: usize) -> impl Iterator<Item = String> + '_ {
    let chars: Vec<char> = text.chars().collect();
    (skip..chars.len().saturating_sub(1)).map(move |i| chars[i..i + 2].iter().collect::<String>())
}

/// Characters ending an administrative division at the start of an address (province, city,
/// county, district, banner, prefecture, league).
const DIVISION_ENDS: &[char] = &['省', '市', '县', '区', '旗', '州', '盟'];

/// Normalized text without the administrative divisions it starts with (`济宁市任城区古槐路`
/// gives `古槐路`): those pairs are in nearly every address of an office, so they are not
/// indexed (the county is a filter of its own); the text of a search is cut the same way.
pub fn after_divisions(normalized: &str) -> &str {
    split_divisions(normalized).1
}

/// The divisions `normalized` starts with (`济宁市`, `任城区`) and the text after them.
fn split_divisions(normalized: &str) -> (Vec<&str>, &str) {
    let mut divisions = Vec::new();
    let mut rest = normalized;
    for _ in 0..4 {
        let end = rest
            .char_indices()
            .take(8)
            .skip(1)
            .find(|(_, c)| DIVISION_ENDS.contains(c));
        match end {
            Some((at, c)) => {
                divisions.push(&rest[..at + c.len_utf8()]);
                rest = &rest[at + c.len_utf8()..];
            }
            None => break,
        }
    }
    (divisions, rest)
}

/// The terms `app` is indexed under, sorted, no duplicates.
pub fn terms(app: &Application) -> BTreeSet<String> {
    let c = &app.form.customer;
    let mut out = BTreeSet::new();
    for (kind, id) in [(K_IDENT, ident(&c.id_number)), (K_PHONE, ident(&c.phone))] {
        if !id.is_empty() {
            out.insert(term(kind, &id));
        }
    }
    let name = normalize(&c.name);
    if !name.is_empty() {
        let (full, initials) = pinyin_of(&name);
        if !full.is_empty() {
            out.insert(term(K_PINYIN, &full));
            out.insert(term(K_INITIALS, &initials));
        }
        // The first two characters are a prefix of the name: found by `by_name`.
        out.extend(bigrams(&name, 1).map(|g| term(K_NAME_GRAM, &g)));
    }
    let address = normalize(&app.form.site.address);
    out.extend(bigrams(after_divisions(&address), 0).map(|g| term(K_ADDRESS_GRAM, &g)));
    out
}

/// The bucket edits that move `id`'s entries from `old`'s terms to `new`'s.
pub fn term_changes(
    old: Option<&Application>,
    new: Option<&Application>,
) -> (Vec<String>, Vec<String>) {
    let before = old.map(terms).unwrap_or_default();
    let after = new.map(terms).unwrap_or_default();
    (
        before.difference(&after).cloned().collect(),
        after.difference(&before).cloned().collect(),
    )
}

/// Add `id`'s term changes from `old` to `new` to a batch's edits.
pub fn plan_edits(
    edits: &mut BucketEdits,
    old: Option<&Application>,
    new: Option<&Application>,
    id: &AppId,
) {
    let (removed, added) = term_changes(old, new);
    for (terms, add) in [(removed, false), (added, true)] {
        for t in terms {
            let (key, element) = entry(&t, id);
            edits.entry(key).or_default().push((element, add));
        }
    }
}

pub fn encode_marker(seq: u64) -> Vec<u8> {
    let mut v = SEARCH_FORMAT.to_be_bytes().to_vec();
    v.extend_from_slice(&seq.to_be_bytes());
    v
}

/// The chain seq a marker says the index is in step with, if it is of this format.
pub fn marker_seq(marker: Option<&[u8]>) -> Option<u64> {
    let m = marker?;
    (m.len() == 16 && u64_be(&m[..8]) == SEARCH_FORMAT).then(|| u64_be(&m[8..]))
}

/// A search as typed: the part that drives it and the others, all normalized.
struct Parsed {
    /// The longest part: its matches are walked.
    drive: String,
    /// The text of `drive` before normalization (application numbers keep their case).
    drive_raw: String,
    /// Every other part must match the application too.
    others: Vec<String>,
}

fn parse(text: &str) -> Option<Parsed> {
    let mut parts: Vec<(String, String)> = text
        .split_whitespace()
        .map(|p| (normalize(p), p.to_string()))
        .filter(|(n, _)| !n.is_empty())
        .collect();
    // Pinyin typed with spaces between syllables (`zhang wei`) is one part.
    if parts.len() > 1
        && parts
            .iter()
            .all(|(n, _)| n.chars().all(|c| c.is_ascii_alphabetic()))
    {
        let joined: String = parts.iter().map(|(n, _)| n.as_str()).collect();
        parts = vec![(joined.clone(), joined)];
    }
    let longest = (0..parts.len()).max_by_key(|i| (parts[*i].0.chars().count(), usize::MAX - i))?;
    let (drive, drive_raw) = parts.remove(longest);
    Some(Parsed {
        drive,
        drive_raw,
        others: parts.into_iter().map(|p| p.0).collect(),
    })
}

/// Whether normalized `part` matches `app` in any field: within its name, address, ID number,
/// phone or number, or at the start of its name's pinyin or initials.
pub fn part_matches(app: &Application, part: &str) -> bool {
    let c = &app.form.customer;
    let name = normalize(&c.name);
    if name.contains(part)
        || normalize(&app.form.site.address).contains(part)
        || normalize(&app.id.0).contains(part)
    {
        return true;
    }
    let id = ident(part);
    if !id.is_empty() && (ident(&c.id_number).contains(&id) || ident(&c.phone).contains(&id)) {
        return true;
    }
    let (full, initials) = pinyin_of(&name);
    let (p_full, p_initials) = pinyin_of(part);
    (!p_full.is_empty() && full.starts_with(&p_full))
        || (!p_initials.is_empty() && initials.starts_with(&p_initials))
}

/// Whether `app` passes the listing's filters (the search ignores paging and sort).
pub fn passes(app: &Application, q: &Query) -> bool {
    !(q.status.is_some_and(|s| s != app.status)
        || q.process.is_some_and(|p| p != app.process)
        || q.class.is_some_and(|c| c != app.form.customer.class)
        || q.county
            .as_ref()
            .is_some_and(|c| *c != app.form.site.county)
        || q.overdue_on
            .is_some_and(|d| app.status.is_terminal() || app.deadline.is_none_or(|dl| dl >= d))
        || q.name_prefix
            .as_ref()
            .is_some_and(|p| !app.form.customer.name.starts_with(p.as_str())))
}

fn has_filters(q: &Query) -> bool {
    q.status.is_some()
        || q.process.is_some()
        || q.class.is_some()
        || q.county.is_some()
        || q.overdue_on.is_some()
        || q.name_prefix.as_ref().is_some_and(|p| !p.is_empty())
}

/// The hits as they are collected, best tier first, each application once.
struct Collector<'a> {
    store: &'a SledStore,
    filter: &'a Query,
    others: &'a [String],
    read_all: bool,
    limit: usize,
    seen: HashSet<AppId>,
    hits: Vec<(AppId, SearchMatch)>,
    examined: usize,
    complete: bool,
}

impl Collector<'_> {
    fn full(&self) -> bool {
        self.hits.len() >= self.limit || !self.complete
    }

    /// Offer a candidate; `check` (if any) must hold for its record. False once the search
    /// has enough or looked at enough.
    fn offer(
        &mut self,
        id: AppId,
        tier: SearchMatch,
        check: Option<&dyn Fn(&Application) -> bool>,
    ) -> Result<bool, StoreError> {
        if self.full() {
            return Ok(false);
        }
        self.examined += 1;
        if self.examined > MAX_EXAMINED {
            self.complete = false;
            return Ok(false);
        }
        if self.seen.contains(&id) {
            return Ok(true);
        }
        if self.read_all || check.is_some() {
            let Some(app) = self.store.read_app(&id)? else {
                return Ok(true);
            };
            if !check.is_none_or(|c| c(&app))
                || !passes(&app, self.filter)
                || !self.others.iter().all(|p| part_matches(&app, p))
            {
                return Ok(true);
            }
        }
        self.seen.insert(id.clone());
        self.hits.push((id, tier));
        Ok(!self.full())
    }
}

impl SledStore {
    pub(super) fn search_tree(&self) -> &sled::Tree {
        &self.trees[SEARCH]
    }

    /// Whether the index is in step with the chain head.
    pub(super) fn search_in_step(&self) -> Result<bool, StoreError> {
        let meta = &self.trees[META];
        let marker = meta.get(META_SEARCH).map_err(|e| io("reading meta", e))?;
        let head = meta
            .get(META_CHAIN_HEAD)
            .map_err(|e| io("reading meta", e))?
            .ok_or_else(|| StoreError::Corrupt("meta has no chain head".into()))?;
        let (seq, _) = decode_head(&head)?;
        Ok(marker_seq(marker.as_deref()) == Some(seq))
    }

    /// Rebuild the index from the records if it is missing, of another format or behind the
    /// chain (a store written by a powerdesk without it); a notice says so. Called at open.
    pub(super) fn ensure_search_index(&mut self) -> Result<(), StoreError> {
        if self.search_in_step()? {
            return Ok(());
        }
        let was = self.trees[META]
            .get(META_SEARCH)
            .map_err(|e| io("reading meta", e))?;
        let started = std::time::Instant::now();
        let n = self.rebuild_search_index()?;
        if n == 0 {
            return Ok(()); // a new store: nothing to tell
        }
        self.notices.push(format!(
            "the search index was {} and was built anew from the {n} applications ({:.1} s); nothing else changed",
            match was {
                None => "missing",
                Some(m) if marker_seq(Some(&m)).is_none() => "of another format",
                Some(_) => "behind the store (written by a powerdesk without it)",
            },
            started.elapsed().as_secs_f64()
        ));
        Ok(())
    }

    /// Clear the index and index every application again; returns how many. The marker is
    /// written last, so a crash meanwhile only repeats this at the next open.
    pub(super) fn rebuild_search_index(&self) -> Result<u64, StoreError> {
        let _w = self.writer();
        let tree = self.search_tree();
        self.trees[META]
            .remove(META_SEARCH)
            .map_err(|e| io("writing meta", e))?;
        tree.clear()
            .map_err(|e| io("clearing the search index", e))?;
        // Every key's elements in memory (about 150 bytes an application), then the keys
        // written once each in key order: sled appends them instead of rewriting pages.
        // Elements as they come, each after its length (the encoding of `Bucket`, unsorted).
        let mut keys: HashMap<Vec<u8>, Vec<u8>> = HashMap::new();
        let mut n = 0u64;
        for record in self.trees[RECORDS].iter() {
            let (key, bytes) = record.map_err(|e| io("scanning applications", e))?;
            let (app, _) = decode_record(&bytes)?;
            debug_assert_eq!(&key[..], app.id.0.as_bytes());
            for t in terms(&app) {
                let (key, element) = entry(&t, &app.id);
                let listed = keys.entry(key).or_default();
                listed.push(element.len() as u8);
                listed.extend_from_slice(&element);
            }
            n += 1;
        }
        let mut sorted: Vec<(Vec<u8>, Vec<u8>)> = keys.into_iter().collect();
        sorted.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        for chunk in sorted.chunks_mut(REBUILD_CHUNK) {
            let mut batch = sled::Batch::default();
            for (key, listed) in chunk.iter_mut() {
                let listed = std::mem::take(listed);
                let mut elements: Vec<&[u8]> = Vec::new();
                let mut rest = listed.as_slice();
                while let Some((&n, after)) = rest.split_first() {
                    elements.push(&after[..n as usize]);
                    rest = &after[n as usize..];
                }
                elements.sort_unstable();
                elements.dedup();
                let bucket = Bucket(elements.into_iter().map(<[u8]>::to_vec).collect());
                batch.insert(std::mem::take(key), bucket.encode());
            }
            tree.apply_batch(batch)
                .map_err(|e| io("writing the search index", e))?;
        }
        let head = self.trees[META]
            .get(META_CHAIN_HEAD)
            .map_err(|e| io("reading meta", e))?
            .ok_or_else(|| StoreError::Corrupt("meta has no chain head".into()))?;
        let (seq, _) = decode_head(&head)?;
        self.trees[META]
            .insert(META_SEARCH, encode_marker(seq))
            .map_err(|e| io("writing meta", e))?;
        self.flush()?;
        Ok(n)
    }

    /// A bulk load begins: the index is marked behind (rebuilt at the next open if the load is
    /// cut short) and not kept by its batches, whose terms would land all over the tree.
    pub(super) fn begin_bulk_search(&self) -> Result<(), StoreError> {
        let _w = self.writer();
        self.bulk.store(true, std::sync::atomic::Ordering::SeqCst);
        self.trees[META]
            .remove(META_SEARCH)
            .map_err(|e| io("writing meta", e))?;
        Ok(())
    }

    /// The bulk load is over: the index is built anew, once, in key order.
    pub(super) fn end_bulk_search(&self) -> Result<(), StoreError> {
        self.bulk.store(false, std::sync::atomic::Ordering::SeqCst);
        self.rebuild_search_index().map(|_| ())
    }

    /// Whether a bulk load leaves the index to [`Self::end_bulk_search`].
    pub(super) fn search_deferred(&self) -> bool {
        self.bulk.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Applications matching `text`, best first (see [`SearchMatch`]), with the listing's
    /// filters; at most `limit` (0: no limit besides what is looked at).
    pub(super) fn run_search(
        &self,
        text: &str,
        filter: &Query,
        limit: usize,
    ) -> Result<SearchHits, StoreError> {
        if !self.search_in_step()? {
            return Err(StoreError::Io(format!(
                "the search index of store {} is not in step with its applications (the store was opened read-only after a powerdesk without the index wrote to it); open it once without --read-only to rebuild the index",
                self.dir().display()
            )));
        }
        let Some(parsed) = parse(text) else {
            return Ok(SearchHits {
                hits: Vec::new(),
                complete: true,
            });
        };
        let mut c = Collector {
            store: self,
            filter,
            others: &parsed.others,
            read_all: has_filters(filter) || !parsed.others.is_empty(),
            // One more than asked: whether more match than are returned.
            limit: if limit == 0 { usize::MAX } else { limit + 1 },
            seen: HashSet::new(),
            hits: Vec::new(),
            examined: 0,
            complete: true,
        };
        let q = &parsed.drive;
        let id_like =
            parsed.drive_raw.is_ascii() && parsed.drive_raw.chars().any(|ch| ch.is_ascii_digit());
        let number = parsed.drive_raw.trim().to_ascii_uppercase();
        let q_ident = ident(q);

        // 1. Exactly an application number, ID number or phone.
        if id_like
            && self.trees[RECORDS]
                .contains_key(number.as_bytes())
                .map_err(|e| io("reading an application", e))?
        {
            c.offer(AppId(number.clone()), SearchMatch::Exact, None)?;
        }
        for kind in [K_IDENT, K_PHONE] {
            if !q_ident.is_empty() {
                let t = term(kind, &q_ident);
                self.walk(&t, true, &mut c, SearchMatch::Exact)?;
            }
        }
        // 2. The name's start, as typed (the name index keeps names as they are).
        if !c.full() {
            let name = self.index_tree(Index::Name);
            'names: for entry in name.scan_prefix(parsed.drive_raw.as_bytes()) {
                let (key, value) = entry.map_err(|e| io("reading the name index", e))?;
                for id in bucket_ids(&key, &value)? {
                    if !c.offer(id, SearchMatch::NamePrefix, None)? {
                        break 'names;
                    }
                }
            }
        }
        // 3. Pinyin: initials, then the full reading (Chinese characters typed are read too).
        if q.chars().any(|ch| ch.is_ascii_alphabetic()) {
            let (full, initials) = pinyin_of(q);
            for t in [term(K_INITIALS, &initials), term(K_PINYIN, &full)] {
                self.walk(&t, false, &mut c, SearchMatch::Pinyin)?;
            }
        }
        // 4. The start of an ID number, phone or application number.
        for kind in [K_IDENT, K_PHONE] {
            if !q_ident.is_empty() {
                let t = term(kind, &q_ident);
                self.walk(&t, false, &mut c, SearchMatch::Identifier)?;
            }
        }
        if id_like && !c.full() {
            for key in self.trees[RECORDS].scan_prefix(number.as_bytes()).keys() {
                let key = key.map_err(|e| io("reading applications", e))?;
                let id = String::from_utf8_lossy(&key).into_owned();
                if !c.offer(AppId(id), SearchMatch::Identifier, None)? {
                    break;
                }
            }
        }
        // 5, 6. Within the name, then within the address (two characters or more).
        if q.chars().count() >= 2 {
            let within_name =
                |app: &Application| normalize(&app.form.customer.name).contains(q.as_str());
            self.walk_grams(
                q,
                K_NAME_GRAM,
                &mut c,
                SearchMatch::NameContains,
                &within_name,
            )?;
            let within_address =
                |app: &Application| normalize(&app.form.site.address).contains(q.as_str());
            let (divisions, street) = split_divisions(q);
            if street.chars().count() >= 2 {
                self.walk_grams(
                    street,
                    K_ADDRESS_GRAM,
                    &mut c,
                    SearchMatch::AddressContains,
                    &within_address,
                )?;
            }
            // Divisions are not in the index: a county named (`济宁市任城区`) or begun (`任城`)
            // is walked through the county index.
            let county = if divisions.is_empty() {
                Some(q.as_str())
            } else if street.chars().count() < 2 {
                divisions.last().copied()
            } else {
                None
            };
            if let Some(county) = county {
                self.walk_county(county, &mut c, &within_address)?;
            }
        }
        let mut hits = c.hits;
        let mut complete = c.complete;
        if limit > 0 && hits.len() > limit {
            hits.truncate(limit);
            complete = false;
        }
        Ok(SearchHits { hits, complete })
    }

    /// The postings under `term` (or, not `exact`, under terms starting with it): bucket and
    /// sorted tails, newest bucket first (for a part of a head, in head order, each newest
    /// first).
    fn postings(
        &self,
        term: &str,
        exact: bool,
    ) -> impl Iterator<Item = Result<(Vec<u8>, Vec<Vec<u8>>), StoreError>> + '_ {
        let (head, rest, whole_head) = split_term(term);
        let rest = rest.as_bytes().to_vec();
        let one_head = exact || whole_head;
        let prefix = if one_head {
            head_prefix(head)
        } else {
            head.as_bytes().to_vec()
        };
        let keys: Box<dyn Iterator<Item = sled::Result<(sled::IVec, sled::IVec)>>> = if one_head {
            Box::new(self.search_tree().scan_prefix(prefix).rev())
        } else {
            Box::new(self.search_tree().scan_prefix(prefix))
        };
        keys.map(move |kv| {
            let (key, value) = kv.map_err(|e| io("reading the search index", e))?;
            Ok((
                key_bucket(&key).to_vec(),
                matching_tails(&value, &rest, exact)?,
            ))
        })
    }

    /// Offer the applications of the county whose name starts with `start` (the first such
    /// county), newest first, that `within` accepts.
    fn walk_county(
        &self,
        start: &str,
        c: &mut Collector,
        within: &dyn Fn(&Application) -> bool,
    ) -> Result<(), StoreError> {
        let counties = self.index_tree(Index::County);
        let Some(first) = counties.scan_prefix(start.as_bytes()).keys().next() else {
            return Ok(());
        };
        let first = first.map_err(|e| io("reading the county index", e))?;
        let at = first.iter().position(|b| *b == SEP).unwrap_or(first.len());
        for entry in counties
            .scan_prefix(&first[..=at.min(first.len() - 1)])
            .rev()
        {
            let (key, value) = entry.map_err(|e| io("reading the county index", e))?;
            for id in bucket_ids(&key, &value)?.into_iter().rev() {
                if !c.offer(id, SearchMatch::AddressContains, Some(within))? {
                    return Ok(());
                }
            }
        }
        Ok(())
    }

    /// The tails in `bucket` under exactly `term`, sorted.
    fn lookup(&self, bucket: &[u8], term: &str) -> Result<Vec<Vec<u8>>, StoreError> {
        let (head, rest, _) = split_term(term);
        let Some(value) = self
            .search_tree()
            .get(key_in(bucket, head))
            .map_err(|e| io("reading the search index", e))?
        else {
            return Ok(Vec::new());
        };
        matching_tails(&value, rest.as_bytes(), true)
    }

    /// Offer every application under `term` (or, not `exact`, a term starting with it), newest
    /// first.
    fn walk(
        &self,
        term: &str,
        exact: bool,
        c: &mut Collector,
        tier: SearchMatch,
    ) -> Result<(), StoreError> {
        for posting in self.postings(term, exact) {
            if c.full() {
                return Ok(());
            }
            let (bucket, tails) = posting?;
            for tail in tails.into_iter().rev() {
                if !c.offer(id_in(&bucket, &tail)?, tier, None)? {
                    return Ok(());
                }
            }
        }
        Ok(())
    }

    /// Offer the applications indexed under every bigram of `q` (kind `kind`) whose record
    /// `within` accepts, newest first: the bigram whose key part has the fewest keys (counted up
    /// to 256) drives, the others are looked up in its buckets.
    fn walk_grams(
        &self,
        q: &str,
        kind: char,
        c: &mut Collector,
        tier: SearchMatch,
        within: &dyn Fn(&Application) -> bool,
    ) -> Result<(), StoreError> {
        let grams: BTreeSet<String> = bigrams(q, 0).map(|g| term(kind, &g)).collect();
        let mut sized: Vec<(usize, String)> = Vec::with_capacity(grams.len());
        for g in grams {
            let head = head_prefix(split_term(&g).0);
            let n = self
                .search_tree()
                .scan_prefix(head)
                .keys()
                .take(256)
                .count();
            if n == 0 {
                return Ok(());
            }
            sized.push((n, g));
        }
        sized.sort();
        let Some(((_, driver), others)) = sized.split_first() else {
            return Ok(());
        };
        for posting in self.postings(driver, true) {
            if c.full() {
                return Ok(());
            }
            let (bucket, mut tails) = posting?;
            for (_, g) in others {
                if tails.is_empty() {
                    break;
                }
                let listed = self.lookup(&bucket, g)?;
                tails.retain(|t| listed.binary_search(t).is_ok());
            }
            for tail in tails.into_iter().rev() {
                if !c.offer(id_in(&bucket, &tail)?, tier, Some(within))? {
                    return Ok(());
                }
            }
        }
        Ok(())
    }
}

impl SledStore {
    /// Problems of the search index (none when consistent): an application missing under one of
    /// its terms, entries no application accounts for, a marker not in step. For tests and
    /// tools; reads the whole store.
    pub fn check_search_index(&self) -> Result<Vec<String>, StoreError> {
        let mut problems = Vec::new();
        let mut expected = 0u64;
        for record in self.trees[RECORDS].iter() {
            let (_, bytes) = record.map_err(|e| io("scanning applications", e))?;
            let (app, _) = decode_record(&bytes)?;
            for t in terms(&app) {
                expected += 1;
                let (key, element) = entry(&t, &app.id);
                let stored = self
                    .search_tree()
                    .get(key)
                    .map_err(|e| io("reading the search index", e))?;
                let listed = match stored {
                    Some(v) => Bucket::decode(&v)?.contains(&element),
                    None => false,
                };
                if !listed && problems.len() < 20 {
                    problems.push(format!("{} is not under the search term {t:?}", app.id));
                }
            }
        }
        let (_, stored) = self.search_index_size()?;
        if stored != expected {
            problems.push(format!(
                "the search index holds {stored} entries, the applications' terms are {expected}"
            ));
        }
        if !self.search_in_step()? {
            problems.push("the search index is not marked in step with the chain head".into());
        }
        Ok(problems)
    }

    /// Keys and entries of the search index (for tests and benchmarks).
    pub fn search_index_size(&self) -> Result<(u64, u64), StoreError> {
        let (mut keys, mut stored) = (0u64, 0u64);
        for entry in self.search_tree().iter() {
            let (_, value) = entry.map_err(|e| io("reading the search index", e))?;
            keys += 1;
            stored += Bucket::decode(&value)?.0.len() as u64;
        }
        Ok((keys, stored))
    }
}

/// Position of the search tree among the store's trees.
pub(super) const SEARCH: usize = super::FIRST_INDEX + Index::ALL.len();

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizing_folds_case_width_and_punctuation() {
        assert_eq!(normalize(" Zhang Wei "), "zhangwei");
        assert_eq!(normalize("１３８ ００１３"), "1380013");
        assert_eq!(normalize("0537-2345678"), "0537-2345678");
        assert_eq!(ident("0537-2345678"), "05372345678");
        assert_eq!(ident("南王村1"), "", "a street and its number is no phone");
        assert_eq!(normalize("济宁市，任城区"), "济宁市任城区");
        assert_eq!(normalize("吕\u{7}"), "吕");
    }

    #[test]
    fn pinyin_full_and_initials() {
        assert_eq!(pinyin_of("张伟"), ("zhangwei".into(), "zw".into()));
        assert_eq!(pinyin_of("吕芳"), ("lvfang".into(), "lf".into()));
        // Mixed: letters kept, Chinese read.
        assert_eq!(pinyin_of("张w"), ("zhangw".into(), "zw".into()));
        assert_eq!(pinyin_of("abc公司"), ("abcgongsi".into(), "abcgs".into()));
    }

    #[test]
    fn bigrams_and_caps() {
        assert_eq!(
            bigrams("惠民商贸", 0).collect::<Vec<_>>(),
            ["惠民", "民商", "商贸"]
        );
        assert_eq!(bigrams("张伟明", 1).collect::<Vec<_>>(), ["伟明"]);
        assert_eq!(bigrams("张", 0).count(), 0);
        let long = "济".repeat(40);
        assert!(capped(&long).len() <= MAX_TERM);
        assert!(long.starts_with(capped(&long)));
    }

    #[test]
    fn parsing_drives_by_the_longest_part() {
        let p = parse("张 任城区古槐路").unwrap();
        assert_eq!(p.drive, "任城区古槐路");
        assert_eq!(p.others, vec!["张".to_string()]);
        assert!(parse("  ，").is_none());
        let p = parse("Zhang Wei").unwrap();
        assert_eq!((p.drive.as_str(), p.others.len()), ("zhangwei", 0));
    }

    #[test]
    fn a_term_keeps_its_first_characters_in_the_key_and_the_rest_in_the_entry() {
        assert_eq!(
            split_term("k370811199810040897"),
            ("k370811", "199810040897", true)
        );
        assert_eq!(split_term("t13364027381"), ("t133", "64027381", true));
        assert_eq!(split_term("t133"), ("t133", "", true));
        assert_eq!(split_term("t13"), ("t13", "", false));
        assert_eq!(split_term("pzhangwei"), ("pzh", "angwei", true));
        assert_eq!(split_term("a古槐"), ("a古", "槐", true));
        let id = AppId("JN-2026-012345".into());
        assert_eq!(split(&id), (&b"JN-2026-012"[..], &b"345"[..]));
        let (key, element) = entry("a古槐", &id);
        assert_eq!(key, "a古\0JN-2026-012".as_bytes());
        assert_eq!(key_bucket(&key), b"JN-2026-012");
        assert_eq!(parse_element(&element), ("槐".as_bytes(), &b"345"[..]));
    }

    #[test]
    fn addresses_are_indexed_after_their_divisions() {
        assert_eq!(after_divisions("济宁市任城区古槐路12号"), "古槐路12号");
        assert_eq!(after_divisions("山东省济宁市梁山县东王村3号"), "东王村3号");
        assert_eq!(after_divisions("古槐路12号"), "古槐路12号");
        // A division needs a name before it.
        assert_eq!(after_divisions("县前街8号"), "县前街8号");
    }

    #[test]
    fn markers_name_their_format() {
        assert_eq!(marker_seq(Some(&encode_marker(42))), Some(42));
        let mut other = encode_marker(42);
        other[7] ^= 0xff;
        assert_eq!(marker_seq(Some(&other)), None);
        assert_eq!(marker_seq(None), None);
    }
}
