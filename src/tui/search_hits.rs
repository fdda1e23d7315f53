//! The matches of a search, kept compactly while the operator pages through them: the worker
//! pushes the search index's hits (best first, `service::CONSOLE_LIMIT` of them at most) with
//! their rank as the key, or their deadline when the listing is sorted by deadline.
//!
//! Each match is one `u64`, its sort key above its position, sorted in place; equal keys keep
//! id order. The ids are front-coded (each id as the bytes it does not share with the one
//! before, a full id every [`RESTART`] ids). It was made for the whole-store scan the index
//! replaced (1M matches in ~12 MB) and costs nothing at the sizes kept now.

use chrono::{Datelike, NaiveDate};

use crate::domain::ports::SortBy;
use crate::domain::AppId;

/// Ids between two full ones.
const RESTART: usize = 16;

/// The sort key of a match, lower first: the score descending (the default listing), or the
/// deadline ascending with applications without one last. Scores are at most 10 per needle
/// character (`fuzzy_score`), so they fit.
pub fn sort_key(sort: SortBy, score: i64, deadline: Option<NaiveDate>) -> u32 {
    match sort {
        SortBy::Id => u32::MAX - u32::try_from(score.max(0)).unwrap_or(u32::MAX),
        // Days from the common era, order kept from i32 to u32; no date reaches u32::MAX.
        SortBy::Deadline => {
            deadline.map_or(u32::MAX, |d| (d.num_days_from_ce() as u32) ^ 0x8000_0000)
        }
    }
}

/// Matches as the scan finds them; [`HitsBuilder::finish`] sorts them.
#[derive(Default)]
pub struct HitsBuilder {
    /// `key << 32 | position`.
    entries: Vec<u64>,
    ids: FrontCoded,
    /// Whether every id was greater than the one before (the scan's id order).
    ascending: bool,
}

impl HitsBuilder {
    pub fn new() -> HitsBuilder {
        HitsBuilder {
            ascending: true,
            ..HitsBuilder::default()
        }
    }

    pub fn push(&mut self, id: &str, key: u32) -> Result<(), String> {
        let position = u32::try_from(self.entries.len())
            .map_err(|_| "too many matches to keep".to_string())?;
        self.ascending &= self.ids.push(id.as_bytes());
        self.entries
            .push(u64::from(key) << 32 | u64::from(position));
        Ok(())
    }

    /// The matches by key, then id.
    pub fn finish(mut self) -> SearchHits {
        if self.ascending {
            self.entries.sort_unstable();
        } else {
            // Not expected (the store scans in id order), but then the position is no tie-break.
            let ids = &self.ids;
            self.entries.sort_unstable_by(|a, b| {
                (a >> 32).cmp(&(b >> 32)).then_with(|| {
                    ids.get(*a as u32 as usize)
                        .cmp(&ids.get(*b as u32 as usize))
                })
            });
        }
        self.entries.shrink_to_fit();
        self.ids.shrink_to_fit();
        SearchHits {
            order: self.entries,
            ids: self.ids,
        }
    }
}

/// A finished search: its matches in listing order.
pub struct SearchHits {
    /// Sorted `key << 32 | position`; the low half is the position in `ids`.
    order: Vec<u64>,
    ids: FrontCoded,
}

impl SearchHits {
    pub fn len(&self) -> usize {
        self.order.len()
    }

    /// The ids of the matches `offset..offset + limit` in listing order.
    pub fn page(&self, offset: usize, limit: usize) -> Vec<AppId> {
        self.order
            .iter()
            .skip(offset)
            .take(limit)
            .map(|e| AppId(String::from_utf8_lossy(&self.ids.get(*e as u32 as usize)).into_owned()))
            .collect()
    }
}

/// Byte strings in one buffer, each stored as the length of the prefix it shares with the one
/// before, its remaining length (both LEB128) and those bytes; every [`RESTART`]th shares nothing.
#[derive(Default)]
struct FrontCoded {
    bytes: Vec<u8>,
    /// Where each run of [`RESTART`] ids starts in `bytes`.
    restarts: Vec<usize>,
    len: usize,
    last: Vec<u8>,
}

impl FrontCoded {
    /// Append; true when `id` is greater than the one before (or the first).
    fn push(&mut self, id: &[u8]) -> bool {
        let shared = if self.len.is_multiple_of(RESTART) {
            self.restarts.push(self.bytes.len());
            0
        } else {
            self.last.iter().zip(id).take_while(|(a, b)| a == b).count()
        };
        let ascending = self.len == 0 || self.last.as_slice() < id;
        put_varint(&mut self.bytes, shared);
        put_varint(&mut self.bytes, id.len() - shared);
        self.bytes.extend_from_slice(&id[shared..]);
        self.last.clear();
        self.last.extend_from_slice(id);
        self.len += 1;
        ascending
    }

    fn get(&self, index: usize) -> Vec<u8> {
        let mut at = self.restarts[index / RESTART];
        let mut id = Vec::new();
        for _ in 0..=index % RESTART {
            let shared = get_varint(&self.bytes, &mut at);
            let rest = get_varint(&self.bytes, &mut at);
            id.truncate(shared);
            id.extend_from_slice(&self.bytes[at..at + rest]);
            at += rest;
        }
        id
    }

    fn shrink_to_fit(&mut self) {
        self.bytes.shrink_to_fit();
        self.restarts.shrink_to_fit();
        self.last = Vec::new();
    }
}

fn put_varint(out: &mut Vec<u8>, mut n: usize) {
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

fn get_varint(bytes: &[u8], at: &mut usize) -> usize {
    let mut n = 0usize;
    let mut shift = 0;
    loop {
        let b = bytes[*at];
        *at += 1;
        n |= usize::from(b & 0x7f) << shift;
        if b < 0x80 {
            return n;
        }
        shift += 7;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Generated ids, scores and deadlines; the straightforward ordering the worker used before.
    fn straightforward(sort: SortBy, hits: &[(i64, Option<NaiveDate>, String)]) -> Vec<String> {
        let mut hits = hits.to_vec();
        match sort {
            SortBy::Id => hits.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.2.cmp(&b.2))),
            SortBy::Deadline => {
                hits.sort_by(|a, b| (a.1.is_none(), a.1, &a.2).cmp(&(b.1.is_none(), b.1, &b.2)))
            }
        }
        hits.into_iter().map(|h| h.2).collect()
    }

    fn compact(sort: SortBy, hits: &[(i64, Option<NaiveDate>, String)]) -> Vec<String> {
        let mut builder = HitsBuilder::new();
        for (score, deadline, id) in hits {
            builder.push(id, sort_key(sort, *score, *deadline)).unwrap();
        }
        let hits = builder.finish();
        hits.page(0, usize::MAX)
            .into_iter()
            .map(|id| id.0)
            .collect()
    }

    /// A small deterministic generator (xorshift), so failures repeat.
    struct Gen(u64);
    impl Gen {
        fn next(&mut self, n: u64) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0 % n
        }
    }

    fn generated(
        g: &mut Gen,
        n: usize,
        in_id_order: bool,
    ) -> Vec<(i64, Option<NaiveDate>, String)> {
        let base = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
        let mut ids: Vec<String> = (0..n)
            .map(|_| match g.next(5) {
                0 => format!("JN-2026-{:06}", g.next(1_000_000)),
                1 => format!("JN-2025-{:06}", g.next(1_000)),
                2 => format!("济宁-{}", g.next(100_000)),
                3 => format!("IMPORTED-2026-{:020}", g.next(u64::MAX)),
                _ => format!("X{}", "9".repeat(g.next(300) as usize)),
            })
            .collect();
        ids.sort();
        ids.dedup();
        if !in_id_order {
            for i in 0..ids.len() {
                let j = g.next(ids.len() as u64) as usize;
                ids.swap(i, j);
            }
        }
        ids.into_iter()
            .map(|id| {
                let score = g.next(40) as i64;
                let deadline = match g.next(10) {
                    0 => None,
                    1 => NaiveDate::from_ymd_opt(1, 1, 1),
                    2 => Some(NaiveDate::MAX),
                    3 => Some(NaiveDate::MIN),
                    _ => base.checked_add_days(chrono::Days::new(g.next(2_000))),
                };
                (score, deadline, id)
            })
            .collect()
    }

    #[test]
    fn the_compact_order_is_the_straightforward_one() {
        let mut g = Gen(0x9e37_79b9_7f4a_7c15);
        for (n, in_order) in [
            (0, true),
            (1, true),
            (17, true),
            (5_000, true),
            (3_000, false),
        ] {
            let hits = generated(&mut g, n, in_order);
            for sort in [SortBy::Id, SortBy::Deadline] {
                assert_eq!(
                    compact(sort, &hits),
                    straightforward(sort, &hits),
                    "{n} matches, {sort:?}, in id order: {in_order}"
                );
            }
        }
    }

    #[test]
    fn pages_are_slices_of_the_order() {
        let mut g = Gen(42);
        let hits = generated(&mut g, 1_000, true);
        let all = straightforward(SortBy::Id, &hits);
        let mut builder = HitsBuilder::new();
        for (score, deadline, id) in &hits {
            builder
                .push(id, sort_key(SortBy::Id, *score, *deadline))
                .unwrap();
        }
        let kept = builder.finish();
        assert_eq!(kept.len(), all.len());
        for (offset, limit) in [(0, 50), (950, 50), (990, 50), (1_000, 50), (123, 0)] {
            let page: Vec<String> = kept
                .page(offset, limit)
                .into_iter()
                .map(|id| id.0)
                .collect();
            let want: Vec<String> = all.iter().skip(offset).take(limit).cloned().collect();
            assert_eq!(page, want, "{offset} {limit}");
        }
    }

    #[test]
    fn sort_keys_keep_the_order_of_scores_and_deadlines() {
        assert!(sort_key(SortBy::Id, 30, None) < sort_key(SortBy::Id, 3, None));
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d);
        let keys: Vec<u32> = [
            NaiveDate::MIN.into(),
            day(-1, 12, 31),
            day(1, 1, 1),
            day(2026, 11, 27),
            NaiveDate::MAX.into(),
            None,
        ]
        .into_iter()
        .map(|d| sort_key(SortBy::Deadline, 0, d))
        .collect();
        assert!(keys.windows(2).all(|w| w[0] < w[1]), "{keys:?}");
    }
}
