//! The process's allocator: mimalloc instead of glibc malloc.
//!
//! Bulk work (demo, import, `policy diff`) allocates and frees small buffers across threads
//! (sled's pages, records, decisions); glibc's arenas spent about a third of a bulk load's CPU
//! there. mimalloc keeps freed memory for a while to reuse it, which costs resident memory: the
//! console, which runs all day, asks it to return memory at once ([`prefer_small_footprint`]);
//! a command, which runs and exits, to keep it ([`prefer_throughput`]).

use libmimalloc_sys::mi_option_set;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

// Option numbers of mimalloc 3 (`mi_option_e` in its mimalloc.h); the Rust bindings name only
// some of them. `options_are_mimalloc_3s` checks these against their documented defaults.
const ARENA_EAGER_COMMIT: i32 = 4;
const PURGE_DELAY: i32 = 15;
const ALLOW_THP: i32 = 43;

/// Return freed memory to the system at once instead of after a delay, commit arena memory only
/// as it is used, and no transparent huge pages (mimalloc reads its own THP option only at
/// process start, so the process opts out itself). For long-running interactive processes;
/// costs bulk work some speed. On the 1M store the console's first page took 224 MB without it,
/// 130 MB with it (glibc: 121 MB).
pub fn prefer_small_footprint() {
    // SAFETY: mi_option_set only stores the value (each is read at its next use); the prctl
    // only sets a flag on this process.
    unsafe {
        mi_option_set(PURGE_DELAY, 0);
        mi_option_set(ARENA_EAGER_COMMIT, 0);
        mi_option_set(ALLOW_THP, 0);
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}

/// Keep freed memory for reuse instead of returning it to the system after a delay: for
/// commands that run and exit. A bulk load spawns writer threads per batch, whose pages mimalloc
/// otherwise purged and the next threads faulted in again: a 200,000-application demo took 11%
/// less CPU this way.
pub fn prefer_throughput() {
    // SAFETY: as in `prefer_small_footprint`.
    unsafe { mi_option_set(PURGE_DELAY, -1) };
}

/// This process's resident memory now and at its peak (VmRSS and VmHWM of /proc/self/status),
/// in MB; NaN where there is no such file. For the memory benchmarks and probes.
pub fn resident_mb() -> (f64, f64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
            .map_or(f64::NAN, |kb| kb / 1024.0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use libmimalloc_sys::mi_option_get;

    #[test]
    fn resident_memory_is_read() {
        let (rss, hwm) = resident_mb();
        assert!(rss > 1.0 && hwm >= rss, "{rss} {hwm}");
    }

    #[test]
    fn options_are_mimalloc_3s() {
        if std::env::vars().any(|(k, _)| k.starts_with("MIMALLOC_")) {
            return; // the environment set them
        }
        // Their defaults, or what this module sets (another test may have set them already).
        // SAFETY: reading options has no preconditions.
        let (purge, eager, thp) = unsafe {
            (
                mi_option_get(PURGE_DELAY),
                mi_option_get(ARENA_EAGER_COMMIT),
                mi_option_get(ALLOW_THP),
            )
        };
        assert!([1000, 0, -1].contains(&purge), "purge_delay: {purge}");
        assert!([2, 0].contains(&eager), "arena_eager_commit: {eager}");
        assert!([1, 0].contains(&thp), "allow_thp: {thp}");
    }
}
