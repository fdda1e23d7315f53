//! Pages of a listing agree with the whole listing wherever they are cut: pages in the second
//! half (found walking from the end) as well as the first.

mod store_support;

use powerdesk::domain::ports::{Query, SortBy};
use powerdesk::domain::{AppId, State};
use powerdesk::service::demo;

#[test]
fn pages_from_either_end_agree_with_the_whole_listing() {
    let dir = tempfile::tempdir().unwrap();
    let desk = store_support::desk(dir.path());
    demo::generate(&desk, 300, 7).unwrap();

    let county = desk.list(&Query::default()).unwrap().items[0]
        .form
        .site
        .county
        .clone();
    let queries = [
        Query::default(),
        Query {
            status: Some(State::Archived),
            ..Query::default()
        },
        Query {
            county: Some(county.clone()),
            ..Query::default()
        },
        Query {
            status: Some(State::Archived),
            county: Some(county),
            ..Query::default()
        },
        Query {
            sort: SortBy::Deadline,
            ..Query::default()
        },
    ];
    for q in queries {
        let whole: Vec<AppId> = desk
            .list(&q)
            .unwrap()
            .items
            .into_iter()
            .map(|a| a.id)
            .collect();
        let n = whole.len();
        assert!(n > 10, "{q:?} lists {n}");
        for limit in [1, 7, 50] {
            for offset in (0..n + 3).step_by(3).chain([n - 1, n, n / 2, n / 2 + 1]) {
                let page = desk
                    .list(&Query {
                        offset,
                        limit,
                        ..q.clone()
                    })
                    .unwrap();
                assert_eq!(page.total, n as u64, "{q:?} offset {offset}");
                let ids: Vec<AppId> = page.items.into_iter().map(|a| a.id).collect();
                let want = &whole[offset.min(n)..(offset + limit).min(n)];
                assert_eq!(ids, want, "{q:?} offset {offset} limit {limit}");
            }
        }
        // The rest of the listing from an offset past the middle (limit 0: no limit).
        let tail = desk
            .list(&Query {
                offset: n - 5,
                limit: 0,
                ..q.clone()
            })
            .unwrap();
        let ids: Vec<AppId> = tail.items.into_iter().map(|a| a.id).collect();
        assert_eq!(ids, &whole[n - 5..]);
    }
}
