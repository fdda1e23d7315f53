//! Shared setup for the store, service and command-line tests.
#![allow(dead_code)]

use std::path::Path;
use std::sync::Arc;

use powerdesk::domain::ApplicationForm;
use powerdesk::service::demo::DemoGenerator;
use powerdesk::service::Desk;
use powerdesk::store::SledStore;

/// sled opened directly on a store's `db` directory (as a test that edits the raw trees does),
/// with the compression the store was created with (none for a new one, as powerdesk's stores
/// before compression), waiting out the file lock that the background threads of a just-dropped
/// store may still hold for a moment (as `SledStore::open` does).
pub fn open_sled(db_dir: &Path) -> sled::Db {
    let config = sled::Config::new().path(db_dir);
    let compressed = config.stored_use_compression().expect("read sled's conf");
    let config = config.use_compression(compressed.unwrap_or(false));
    for _ in 0..40 {
        match config.open() {
            Err(sled::Error::Io(e)) if e.to_string().starts_with("could not acquire lock") => {
                std::thread::sleep(std::time::Duration::from_millis(50))
            }
            other => return other.expect("open sled"),
        }
    }
    panic!("sled's lock on {} was not released", db_dir.display());
}

pub fn desk(dir: &Path) -> Desk {
    let store = SledStore::open(dir).expect("open store");
    Desk::new(
        Arc::new(store),
        Arc::new(powerdesk::cli::bundled_calendar().expect("calendar")),
    )
}

pub fn forms(seed: u64, n: usize) -> Vec<ApplicationForm> {
    let mut g = DemoGenerator::new(seed);
    (0..n).map(|_| g.form()).collect()
}

/// The small/micro shop of docs/contracts.md, with a valid credit code.
pub fn shop_json() -> String {
    let code = powerdesk::domain::validation::credit_code_with_check("91370811MA3C5XXXX");
    format!(
        r#"{{
  "customer": {{ "name": "济宁市任城区惠民商贸有限公司", "class": "small_micro", "id_number": "{code}",
                "phone": "13800000000", "star_rating": 0 }},
  "site": {{ "county": "任城区", "address": "济宁市任城区某某路 18 号", "rural": false,
            "park_name": null, "park_level": null, "kinetic_library": false }},
  "request": {{ "kind": "new", "voltage": "380V", "capacity_kw": 150, "capacity_kva": null,
               "permanent": true, "direct_meter": true, "simple_line": false,
               "grid_project_need_date": null }},
  "received_at": "2026-03-02T09:00:00+08:00"
}}"#
    )
}
