//! Listings served from the indexes: the most selective index drives (its buckets walked in key
//! order, each bucket's ids in id order), the others are checked by a bucket lookup, pages are cut
//! during the walk; a single-filter total comes from the counters.

use chrono::NaiveDate;

use super::keys::*;
use super::{io, SledStore, FIRST_INDEX, META, RECORDS};
use crate::domain::ports::{Page, Query, SortBy, StoreError};
use crate::domain::{AppId, Application};

/// Where the candidate ids come from.
enum Driver {
    /// One value of an equality index.
    Equal(Index, String),
    /// Applications by deadline, earliest first (none last), optionally only those before a date.
    Deadline(Option<NaiveDate>),
    /// Customer names starting with a prefix.
    Name(String),
    /// Every application, in id order.
    All,
}

impl SledStore {
    pub(super) fn index_tree(&self, ix: Index) -> &sled::Tree {
        let i = Index::ALL
            .iter()
            .position(|x| *x == ix)
            .expect("every index has a tree");
        &self.trees[FIRST_INDEX + i]
    }

    pub(super) fn run_query(&self, q: &Query) -> Result<Page, StoreError> {
        let limit = if q.limit == 0 { usize::MAX } else { q.limit };
        let mut equal: Vec<(Index, String)> = Vec::new();
        if let Some(s) = q.status {
            equal.push((Index::Status, s.id().to_string()));
        }
        if let Some(p) = q.process {
            equal.push((Index::Process, p.id().to_string()));
        }
        if let Some(c) = q.class {
            equal.push((Index::Class, c.id().to_string()));
        }
        if let Some(c) = &q.county {
            equal.push((Index::County, c.clone()));
        }
        let name_prefix = q.name_prefix.clone().filter(|p| !p.is_empty());

        let driver = if q.sort == SortBy::Deadline || q.overdue_on.is_some() {
            Driver::Deadline(q.overdue_on)
        } else if let Some(p) = &name_prefix {
            Driver::Name(p.clone())
        } else if !equal.is_empty() {
            let mut best = 0;
            let mut best_count = u64::MAX;
            for (i, (ix, v)) in equal.iter().enumerate() {
                let n = self.count(&counter_key(Some(*ix), v))?;
                if n < best_count {
                    best = i;
                    best_count = n;
                }
            }
            let (ix, v) = equal.remove(best);
            Driver::Equal(ix, v)
        } else {
            Driver::All
        };

        // A total known from counters lets the walk stop once the page is full.
        let known_total = match (&driver, equal.as_slice(), &name_prefix) {
            (Driver::Equal(ix, v), [], None) => Some(self.count(&counter_key(Some(*ix), v))?),
            (Driver::Equal(ix, v), [(ix2, v2)], None) => {
                Some(self.count(&pair_counter_key((*ix, v), (*ix2, v2)))?)
            }
            (Driver::All | Driver::Deadline(None), [], None) => {
                Some(self.count(&counter_key(None, ""))?)
            }
            (Driver::Deadline(Some(date)), [], None) => Some(self.open_due_before(*date)?),
            _ => None,
        };

        // A page in the second half of a listing whose total is known is found walking from the
        // end, so the last pages cost as little as the first.
        let backwards = known_total
            .filter(|&total| q.offset as u64 > total / 2)
            .map(|total| total as usize);

        let mut page = Page::default();
        let mut matched: u64 = 0;
        let mut visit = |id: AppId, app: Option<Application>| -> Result<bool, StoreError> {
            for (ix, v) in &equal {
                if !self.index_contains(*ix, v, &id)? {
                    return Ok(true);
                }
            }
            let mut app = app;
            if let Some(prefix) = &name_prefix {
                if !matches!(driver, Driver::Name(_)) {
                    let a = match app.take() {
                        Some(a) => a,
                        None => self.must_read(&id)?,
                    };
                    if !a.form.customer.name.starts_with(prefix.as_str()) {
                        return Ok(true);
                    }
                    app = Some(a);
                }
            }
            let position = match backwards {
                Some(total) => match total.checked_sub(matched as usize + 1) {
                    Some(p) => p,
                    None => return Ok(false),
                },
                None => matched as usize,
            };
            matched += 1;
            if position >= q.offset && position - q.offset < limit {
                page.items.push(match app {
                    Some(a) => a,
                    None => self.must_read(&id)?,
                });
            }
            Ok(match backwards {
                Some(_) => position > q.offset,
                None => !(known_total.is_some() && page.items.len() >= limit),
            })
        };

        let (iter, keys_are_ids, what) = match &driver {
            Driver::Equal(ix, v) => (
                self.index_tree(*ix).scan_prefix(index_prefix(v)),
                false,
                "reading an index",
            ),
            Driver::Name(prefix) => (
                self.index_tree(Index::Name).scan_prefix(prefix.as_bytes()),
                false,
                "reading an index",
            ),
            Driver::Deadline(before) => {
                let tree = self.index_tree(Index::Deadline);
                // Dates sort before NO_DEADLINE, so "overdue" is the range below the date's prefix.
                let iter = match before {
                    Some(date) => tree.range(..index_prefix(&date.to_string())),
                    None => tree.range::<&[u8], _>(..),
                };
                (iter, false, "reading an index")
            }
            Driver::All => (self.trees[RECORDS].iter(), true, "scanning applications"),
        };
        let iter: Box<dyn Iterator<Item = sled::Result<(sled::IVec, sled::IVec)>>> = match backwards
        {
            Some(_) => Box::new(iter.rev()),
            None => Box::new(iter),
        };
        'walk: for entry in iter {
            let (key, value) = entry.map_err(|e| io(what, e))?;
            let mut ids = if keys_are_ids {
                vec![AppId(String::from_utf8_lossy(&key).into_owned())]
            } else {
                bucket_ids(&key, &value)?
            };
            if backwards.is_some() {
                ids.reverse();
            }
            for id in ids {
                if !visit(id, None)? {
                    break 'walk;
                }
            }
        }
        if backwards.is_some() {
            page.items.reverse();
        }
        page.total = known_total.unwrap_or(matched);
        Ok(page)
    }

    /// Whether `id` is indexed under `value` of `ix`: one bucket read.
    fn index_contains(&self, ix: Index, value: &str, id: &AppId) -> Result<bool, StoreError> {
        let found = self
            .index_tree(ix)
            .get(bucket_key(value, id))
            .map_err(|e| io("reading an index", e))?;
        match found {
            Some(bytes) => Ok(Bucket::decode(&bytes)?.contains(split_id(id).1)),
            None => Ok(false),
        }
    }

    /// Open applications whose grid deadline is before `date`: the sum of the per-day counters.
    fn open_due_before(&self, date: NaiveDate) -> Result<u64, StoreError> {
        let mut total = 0;
        let end = deadline_day_key(&date.to_string());
        for entry in self.trees[META].range(DEADLINE_DAY_PREFIX.as_bytes()..end.as_slice()) {
            let (_, n) = entry.map_err(|e| io("reading meta", e))?;
            total += u64_be(&n);
        }
        Ok(total)
    }

    fn must_read(&self, id: &AppId) -> Result<Application, StoreError> {
        self.read_app(id)?.ok_or_else(|| {
            StoreError::Corrupt(format!("an index names application {id}, which is missing"))
        })
    }
}
