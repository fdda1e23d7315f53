//! A bulk load (`demo`, 2,000 applications per all-or-nothing load, written tree by tree under
//! the undo journal) killed with SIGKILL at random moments: on the next open the interrupted load
//! is undone, so the store holds whole loads only, and records, events, indexes, counters and
//! the chain agree.

use std::process::{Command, Stdio};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use powerdesk::domain::ports::Repository;
use powerdesk::service::demo::Prng;
use powerdesk::store::SledStore;

#[test]
fn a_killed_bulk_load_leaves_whole_loads_only() {
    let seed = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64;
    eprintln!("bulk crash test seed {seed}");
    let mut rng = Prng::new(seed);
    let dir = tempfile::tempdir().unwrap();
    for round in 0..5 {
        let mut child = Command::new(env!("CARGO_BIN_EXE_powerdesk"))
            .arg("--store")
            .arg(dir.path())
            .args(["demo", "--count", "20000"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(200 + rng.below(1500)));
        child.kill().unwrap(); // SIGKILL on Unix
        child.wait().unwrap();

        let store = SledStore::open(dir.path())
            .unwrap_or_else(|e| panic!("round {round}: reopening failed: {e}"));
        let report = store.check_consistency().unwrap();
        assert!(
            report.is_consistent(),
            "round {round} (seed {seed}): {:?}",
            report.problems
        );
        assert_eq!(
            report.applications % 2_000,
            0,
            "round {round} (seed {seed}): a load was left half written"
        );
        let audit = store.verify_audit().unwrap();
        assert_eq!(audit.first_broken, None, "round {round} (seed {seed})");
        assert_eq!(audit.events_checked, report.events);
        eprintln!("round {round}: {} applications", report.applications);
    }
}
