//! 搜索: the search the console and `powerdesk search` run, through the store's search index
//! (`store::search`): application number, ID number or phone exactly, then the start of the
//! name, of its pinyin (`zw`, `zhangwei`, `张w`), of an ID number, phone or application number,
//! then two characters or more within the name, then within the address.

use serde::Serialize;

use crate::domain::ports::{Query, SearchHits, SearchMatch};
use crate::domain::Application;

use super::{Desk, DeskError};

/// Hits the console keeps for one search: the operator narrows it by typing more.
pub const CONSOLE_LIMIT: usize = 200;

/// Longest search text taken (characters); the rest is ignored.
pub const MAX_SEARCH_CHARS: usize = 200;

/// A search's applications, best first.
#[derive(Debug, Clone, Serialize)]
pub struct Found {
    pub hits: Vec<FoundApplication>,
    /// False when more applications may match than are listed.
    pub complete: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct FoundApplication {
    /// What the search matched it on.
    pub matched: SearchMatch,
    pub application: Application,
}

impl Desk {
    /// The ids matching `text` that pass `filter`'s filters (its paging and sort are not used),
    /// best first, at most `limit` (0: as many as the search looks at).
    pub fn search_ids(
        &self,
        text: &str,
        filter: &Query,
        limit: usize,
    ) -> Result<SearchHits, DeskError> {
        let text: String = text.chars().take(MAX_SEARCH_CHARS).collect();
        Ok(self.repo.search(&text, filter, limit)?)
    }

    /// [`Desk::search_ids`] with the applications read.
    pub fn search(&self, text: &str, filter: &Query, limit: usize) -> Result<Found, DeskError> {
        let found = self.search_ids(text, filter, limit)?;
        let mut hits = Vec::with_capacity(found.hits.len());
        for (id, matched) in found.hits {
            if let Some(application) = self.repo.get(&id)? {
                hits.push(FoundApplication {
                    matched,
                    application,
                });
            }
        }
        Ok(Found {
            hits,
            complete: found.complete,
        })
    }
}
