//! The applications listing: its query, paging window and cursor, and fuzzy matching.

use super::*;

impl App {
    /// The listing's query for a page at `offset`.
    pub fn query(&self, offset: usize, limit: usize) -> Query {
        Query {
            status: self.list.status,
            process: self.list.process,
            class: None,
            county: self.list.county.clone(),
            overdue_on: self.list.overdue.then_some(self.today),
            name_prefix: None,
            sort: self.list.sort,
            offset,
            limit,
        }
    }

    /// Filters changed: start again from the top.
    pub(super) fn reload_list(&mut self) -> Vec<Effect> {
        self.list.generation += 1;
        self.list.cursor = 0;
        self.list.scroll = 0;
        self.list.rows.clear();
        self.list.offset = 0;
        self.list.requested = None;
        self.list.loaded = false;
        self.ensure_window()
    }

    pub(super) fn move_cursor(&mut self, delta: i64) -> Vec<Effect> {
        let total = self.list.total as i64;
        if total == 0 {
            return Vec::new();
        }
        let c = (self.list.cursor as i64)
            .saturating_add(delta)
            .clamp(0, total - 1);
        self.list.cursor = c as usize;
        self.clamp_scroll();
        self.ensure_window()
    }

    pub(super) fn clamp_scroll(&mut self) {
        let vh = list_viewport(self.size.1);
        let l = &mut self.list;
        if l.cursor < l.scroll {
            l.scroll = l.cursor;
        } else if l.cursor >= l.scroll + vh {
            l.scroll = l.cursor + 1 - vh;
        }
    }

    /// Show the stored first page while the store opens, if it is what the listing waits for:
    /// its first page, same filters and sort, no search, nothing shown yet, and enough rows for
    /// the window. The answer to the listing's request replaces it when the store is open.
    pub(super) fn show_stored_first_page(&mut self, query: Query, rows: Vec<ListRow>, total: u64) {
        let l = &self.list;
        let waiting = self.opening && !l.loaded && l.requested == Some(0) && l.fuzzy.is_empty();
        let enough = rows.len() >= (list_viewport(self.size.1) * 3).min(total as usize);
        if !waiting || !enough || self.query(0, query.limit) != query {
            return;
        }
        self.list.offset = 0;
        self.list.rows = rows;
        self.list.total = total;
        self.list.loaded = true;
        self.clamp_scroll();
    }

    /// Ask for the page around the visible rows when they are not loaded.
    pub(super) fn ensure_window(&mut self) -> Vec<Effect> {
        let vh = list_viewport(self.size.1);
        let l = &self.list;
        let want_end = if l.loaded {
            (l.scroll + vh).min(l.total as usize)
        } else {
            l.scroll + vh
        };
        let covered = l.loaded && l.scroll >= l.offset && want_end <= l.offset + l.rows.len();
        if covered {
            return Vec::new();
        }
        let offset = l.scroll.saturating_sub(vh);
        if l.requested == Some(offset) {
            return Vec::new();
        }
        let limit = vh * 3;
        self.list.requested = Some(offset);
        let generation = self.list.generation;
        let fuzzy = Some(self.list.fuzzy.clone()).filter(|f| !f.is_empty());
        let query = self.query(offset, limit);
        vec![self.send(Request::List {
            generation,
            query,
            fuzzy,
            today: self.today,
        })]
    }
}

/// A subsequence match of `needle` in `hay` (case-insensitive); a higher score is a tighter match.
pub fn fuzzy_score(needle: &str, hay: &str) -> Option<i64> {
    let mut score = 0i64;
    let mut last: Option<usize> = None;
    let hay: Vec<char> = hay.chars().flat_map(char::to_lowercase).collect();
    let mut i = 0;
    for n in needle.chars().flat_map(char::to_lowercase) {
        if n.is_whitespace() {
            continue;
        }
        let found = hay[i..].iter().position(|h| *h == n)? + i;
        score += match last {
            Some(l) if found == l + 1 => 10,
            _ => 1,
        };
        last = Some(found);
        i = found + 1;
    }
    Some(score)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fuzzy_matches_subsequences_and_prefers_runs() {
        assert!(fuzzy_score("惠民", "济宁市任城区惠民商贸有限公司").is_some());
        assert!(fuzzy_score("济商", "济宁市任城区惠民商贸有限公司").is_some());
        assert!(fuzzy_score("商济", "济宁市任城区惠民商贸有限公司").is_none());
        assert!(fuzzy_score("abc", "xabcx").unwrap() > fuzzy_score("abc", "axbxc").unwrap());
        assert!(fuzzy_score("913708", "91370811MA3C5XXXXX").is_some());
    }
}
