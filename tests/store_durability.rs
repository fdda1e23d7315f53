//! Acknowledged applications survive kill -9: a child process writes in a loop and is killed at
//! random moments; every id it printed must be in the store, and records, events and indexes
//! must agree. POWERDESK_CRASH_ITERATIONS sets the number of kills (default 50).

mod store_support;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use powerdesk::domain::ports::Repository;
use powerdesk::domain::AppId;
use powerdesk::service::demo::Prng;
use powerdesk::store::SledStore;

#[test]
fn acknowledged_applications_survive_kill_9() {
    let iterations: usize = std::env::var("POWERDESK_CRASH_ITERATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(50);
    let seed = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64;
    eprintln!("crash test seed {seed}, {iterations} kills");
    let mut rng = Prng::new(seed);
    let dir = tempfile::tempdir().unwrap();
    let mut acknowledged: Vec<AppId> = Vec::new();
    for round in 0..iterations {
        let mut child = Command::new(env!("CARGO_BIN_EXE_powerdesk"))
            .args(["__crash-writer", "--store"])
            .arg(dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let reader = std::thread::spawn(move || {
            BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
                .map(AppId)
                .collect::<Vec<_>>()
        });
        std::thread::sleep(Duration::from_millis(20 + rng.below(200)));
        child.kill().unwrap(); // SIGKILL on Unix
        child.wait().unwrap();
        let ids = reader.join().unwrap();
        acknowledged.extend(ids);

        let store = SledStore::open(dir.path())
            .unwrap_or_else(|e| panic!("round {round}: reopening failed: {e}"));
        for id in &acknowledged {
            assert!(
                store.get(id).unwrap().is_some(),
                "round {round}: acknowledged {id} is missing (seed {seed})"
            );
            assert!(
                !store.events(id).unwrap().is_empty(),
                "round {round}: {id} lost its events"
            );
        }
        if round % 10 == 9 || round + 1 == iterations {
            let report = store.check_consistency().unwrap();
            assert!(
                report.is_consistent(),
                "round {round} (seed {seed}): {:?}",
                report.problems
            );
        }
    }
    assert!(
        acknowledged.len() >= iterations,
        "the writer acknowledged only {} applications",
        acknowledged.len()
    );
}
