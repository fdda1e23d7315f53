//! Compiled modules are cached by digest: a warm start loads the artifact, and a corrupt entry is
//! recompiled and replaced instead of failing.

use std::path::Path;

use powerdesk::policy::bundle::Bundle;
use powerdesk::policy::cache::{CacheOutcome, ModuleCache};
use powerdesk::policy::host::{engine, sha256_digest, PolicyHost, SandboxLimits};

#[test]
fn a_cached_module_is_reused_and_a_corrupt_entry_is_recompiled() {
    let dir = tempfile::tempdir().unwrap();
    let cache = ModuleCache::at(dir.path().to_path_buf());
    let bytes = std::fs::read("policies/jining/modules/jn-access.wasm").unwrap();
    let digest = sha256_digest(&bytes);

    let (_, first) = cache.compile_traced(engine(), &bytes, &digest).unwrap();
    assert_eq!(first, CacheOutcome::Miss);
    let (_, second) = cache.compile_traced(engine(), &bytes, &digest).unwrap();
    assert_eq!(second, CacheOutcome::Hit);

    let entry = cache.entry_path(engine(), &digest);
    let mut data = std::fs::read(&entry).unwrap();
    let mid = data.len() / 2;
    data[mid] ^= 0xff;
    std::fs::write(&entry, &data).unwrap();
    let (_, third) = cache.compile_traced(engine(), &bytes, &digest).unwrap();
    assert_eq!(third, CacheOutcome::Replaced);
    let (_, fourth) = cache.compile_traced(engine(), &bytes, &digest).unwrap();
    assert_eq!(fourth, CacheOutcome::Hit);

    std::fs::write(&entry, b"garbage").unwrap();
    assert_eq!(
        cache.compile_traced(engine(), &bytes, &digest).unwrap().1,
        CacheOutcome::Replaced
    );
}

#[test]
fn a_bundle_loaded_from_the_cache_decides_like_a_fresh_one() {
    let dir = tempfile::tempdir().unwrap();
    let cached = PolicyHost::with_cache_dir(SandboxLimits::default(), dir.path());
    let fresh = PolicyHost::without_cache(SandboxLimits::default());
    let cold = Bundle::load(&cached, Path::new("policies/jining")).unwrap();
    let warm = Bundle::load(&cached, Path::new("policies/jining")).unwrap();
    let plain = Bundle::load(&fresh, Path::new("policies/jining")).unwrap();
    assert!(std::fs::read_dir(dir.path()).unwrap().count() >= 2);
    for form in powerdesk::policy::sample::Sampler::new(5).forms(200) {
        let on = form.received_at.date_naive();
        let a = plain.evaluate(&form, on).map_err(|e| e.to_string());
        assert_eq!(cold.evaluate(&form, on).map_err(|e| e.to_string()), a);
        assert_eq!(warm.evaluate(&form, on).map_err(|e| e.to_string()), a);
    }
}
