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

/// The search index follows every write: a bulk load (the demo), a submission, a record
/// rewritten with another name, a bulk load undone after a failure; a store whose index is
/// missing or behind (written by a powerdesk without it) gets it rebuilt at open, with a notice.
#[test]
fn search_follows_writes_bulk_loads_and_rebuilds_at_open() {
    use powerdesk::domain::event::{EventDraft, EventKind};
    use powerdesk::domain::ports::{Change, SearchMatch};
    use powerdesk::store::SledStore;

    let dir = tempfile::tempdir().unwrap();
    let hits = |desk: &powerdesk::service::Desk, text: &str| -> Vec<(AppId, SearchMatch)> {
        desk.search_ids(text, &Query::default(), 0).unwrap().hits
    };
    let (zhang, demo_ids) = {
        let desk = store_support::desk(dir.path());
        demo::generate(&desk, 300, 7).unwrap();
        let mut apps = Vec::new();
        desk.scan(&mut |a| {
            apps.push(a);
            true
        })
        .unwrap();
        // Every application of the bulk load by its ID number and phone, exactly.
        for a in &apps {
            let c = &a.form.customer;
            for text in [&c.id_number, &c.phone] {
                assert!(
                    hits(&desk, text).contains(&(a.id.clone(), SearchMatch::Exact)),
                    "{} by {text}",
                    a.id
                );
            }
            assert_eq!(hits(&desk, &a.id.0)[0], (a.id.clone(), SearchMatch::Exact));
        }
        // Within a firm's name and within an address (a street, without the city before it).
        let firm = apps
            .iter()
            .find(|a| a.form.customer.name.chars().count() >= 8)
            .expect("the demo has firms");
        let middle: String = firm.form.customer.name.chars().skip(3).take(4).collect();
        assert!(
            hits(&desk, &middle).contains(&(firm.id.clone(), SearchMatch::NameContains)),
            "{middle} within {}",
            firm.form.customer.name
        );
        let street: String = firm.form.site.address.chars().skip(6).take(4).collect();
        let found = hits(&desk, &street);
        assert!(found.iter().any(|(id, _)| *id == firm.id), "{street}");
        for (id, m) in &found {
            let a = desk.repository().get(id).unwrap().unwrap();
            assert!(
                a.form.site.address.contains(&street) || a.form.customer.name.contains(&street),
                "{street}: {id} ({m:?}) does not hold it"
            );
        }

        // A submission: its name, pinyin initials, full pinyin and a mix of both.
        let mut form = store_support::forms(99, 1).remove(0);
        form.customer.name = "张伟".into();
        form.customer.phone = "13912345678".into();
        let zhang = desk.submit(form, "clerk").unwrap();
        for text in [
            "张伟",
            "zw",
            "ZW",
            "zhangwei",
            "zhang wei",
            "张w",
            "zhangw",
            "1391234",
        ] {
            assert!(
                hits(&desk, text).iter().any(|(id, _)| *id == zhang.id),
                "{text} finds 张伟"
            );
        }
        let ranked = hits(&desk, "zw");
        let at = ranked.iter().position(|(id, _)| *id == zhang.id).unwrap();
        assert_eq!(ranked[at].1, SearchMatch::Pinyin);
        // Tiers come in order.
        assert!(ranked.windows(2).all(|w| w[0].1 <= w[1].1), "{ranked:?}");

        // Rewritten under another name: found by the new one only.
        let mut renamed = zhang.clone();
        renamed.form.customer.name = "欧阳娜娜".into();
        desk.repository()
            .commit(Change {
                applications: vec![renamed.clone()],
                events: vec![EventDraft {
                    app_id: zhang.id.clone(),
                    at: zhang.updated_at,
                    actor: "clerk".into(),
                    kind: EventKind::Noted,
                    note: Some("name corrected".into()),
                    record: None,
                }],
                settings: vec![],
            })
            .unwrap();
        assert!(hits(&desk, "张伟").iter().all(|(id, _)| *id != zhang.id));
        assert!(hits(&desk, "oyn").iter().any(|(id, _)| *id == zhang.id));
        assert!(hits(&desk, "阳娜").iter().any(|(id, _)| *id == zhang.id));

        let ids: Vec<AppId> = apps.iter().map(|a| a.id.clone()).collect();
        (zhang.id, ids)
    };
    {
        let store = std::sync::Arc::new(SledStore::open(dir.path()).unwrap());
        assert!(
            store.open_notices().is_empty(),
            "{:?}",
            store.open_notices()
        );
        assert_eq!(store.check_search_index().unwrap(), Vec::<String>::new());
        // Two batches of the load: the first is written (its search entries too), the second
        // fails (a demo application writes ~5.4: its record and its events).
        store.inject_fault_after(Some(12_000));
        let desk = powerdesk::service::Desk::new(
            store.clone(),
            std::sync::Arc::new(powerdesk::cli::bundled_calendar().unwrap()),
        );
        assert!(demo::generate(&desk, 2_500, 8).is_err());
        // The demo writes its batches as loads of their own: the failed one is undone whole.
        let total = desk.list(&Query::default()).unwrap().total;
        let before = demo_ids.len() as u64 + 1;
        assert!(
            total < before + 2_500,
            "the failed load was undone: {total}"
        );
        assert_eq!((total - before) % 2_000, 0, "{total}");
        assert_eq!(store.check_search_index().unwrap(), Vec::<String>::new());
    }
    // A bulk load that fails part-way is undone above, its search entries with it. The index
    // missing (a store from before it), then behind the chain (written meanwhile by
    // a powerdesk without it): rebuilt at open, said in a notice.
    for (round, edit) in ["missing", "behind"].into_iter().enumerate() {
        {
            let db = store_support::open_sled(&dir.path().join("db"));
            let meta = db.open_tree("meta").unwrap();
            let search = db.open_tree("search").unwrap();
            match edit {
                "missing" => {
                    meta.remove("search_index").unwrap();
                    search.clear().unwrap();
                }
                _ => {
                    // An older powerdesk's write: the chain head moves, the index does not.
                    let mut marker = meta.get("search_index").unwrap().unwrap().to_vec();
                    marker[15] = marker[15].wrapping_sub(1);
                    meta.insert("search_index", marker).unwrap();
                    search.clear().unwrap();
                }
            }
            db.flush().unwrap();
        }
        let store = SledStore::open(dir.path()).unwrap();
        let notices = store.open_notices().join(" ");
        assert!(
            notices.contains("search index was") && notices.contains(edit),
            "round {round}: {notices}"
        );
        assert_eq!(store.check_search_index().unwrap(), Vec::<String>::new());
        let desk = powerdesk::service::Desk::new(
            std::sync::Arc::new(store),
            std::sync::Arc::new(powerdesk::cli::bundled_calendar().unwrap()),
        );
        assert!(hits(&desk, "oyn").iter().any(|(id, _)| *id == zhang));
        assert_eq!(hits(&desk, &demo_ids[5].0)[0].0, demo_ids[5]);
    }
}

/// The search index is a few keys a bucket of 1,000 applications, not a key a term and
/// application (that design made the 1M demo 3.59 GB): each key holds a term's first characters,
/// its entries the rest. Every application is still found by its phone, ID number and street.
#[test]
fn the_search_index_keeps_few_keys_and_finds_every_application() {
    use powerdesk::domain::ports::SearchMatch;
    use powerdesk::store::SledStore;

    let dir = tempfile::tempdir().unwrap();
    {
        // The demo spreads its applications from 2021 to the desk's today: pinned, so the
        // number of id buckets (and keys) does not grow with the years.
        let now = chrono::DateTime::parse_from_rfc3339("2026-12-01T10:00:00+08:00").unwrap();
        let desk = store_support::desk(dir.path())
            .with_clock(std::sync::Arc::new(powerdesk::service::FixedClock(now)));
        demo::generate(&desk, 4_000, 11).unwrap();
    }
    let store = std::sync::Arc::new(SledStore::open(dir.path()).unwrap());
    assert_eq!(store.check_search_index().unwrap(), Vec::<String>::new());
    let (keys, entries) = store.search_index_size().unwrap();
    assert!(keys * 2 < 4_000, "{keys} keys for 4,000 applications");
    assert!(
        entries > 4_000 * 8,
        "{entries} entries: every term of every application"
    );
    let desk = powerdesk::service::Desk::new(
        store.clone(),
        std::sync::Arc::new(powerdesk::cli::bundled_calendar().unwrap()),
    );
    let mut apps = Vec::new();
    desk.scan(&mut |a| {
        apps.push(a);
        true
    })
    .unwrap();
    for a in apps.iter().step_by(97) {
        let c = &a.form.customer;
        for text in [&c.id_number, &c.phone] {
            let hits = desk.search_ids(text, &Query::default(), 0).unwrap().hits;
            assert!(
                hits.contains(&(a.id.clone(), SearchMatch::Exact)),
                "{} by {text}",
                a.id
            );
        }
        // The start of a phone finds it among others; the newest come first.
        let start: String = c.phone.chars().take(7).collect();
        let hits = desk.search_ids(&start, &Query::default(), 0).unwrap().hits;
        assert!(
            hits.iter().any(|(id, _)| *id == a.id),
            "{} by {start}",
            a.id
        );
        let ids: Vec<&AppId> = hits.iter().map(|(id, _)| id).collect();
        assert!(ids.windows(2).all(|w| w[0] > w[1]), "{start}: {ids:?}");
        // A street (the address after its city and county).
        let after: String = a.form.site.address.chars().skip(6).take(3).collect();
        let hits = desk.search_ids(&after, &Query::default(), 0).unwrap().hits;
        assert!(
            hits.iter().any(|(id, _)| *id == a.id),
            "{} by {after}",
            a.id
        );
    }
    // The divisions an address starts with are not indexed as text: a county named, or its
    // start typed, lists that county's applications, newest first.
    let county = apps[0].form.site.county.clone();
    let start: String = county.chars().take(2).collect();
    for text in [format!("济宁市{county}"), start] {
        let found = desk.search_ids(&text, &Query::default(), 0).unwrap();
        // Firms named after the place come first (their names start so).
        let by_address: Vec<&AppId> = found
            .hits
            .iter()
            .filter(|(_, m)| *m == SearchMatch::AddressContains)
            .map(|(id, _)| id)
            .collect();
        assert!(
            by_address.len() >= 25,
            "{text}: {} by address",
            by_address.len()
        );
        for id in &by_address {
            let a = desk.repository().get(id).unwrap().unwrap();
            assert_eq!(a.form.site.county, county, "{text}");
        }
        assert!(
            by_address.windows(2).all(|w| w[0] > w[1]),
            "{text}: {by_address:?}"
        );
    }
}
