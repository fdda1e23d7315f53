//! Compiled modules are cached by digest: a warm start loads the artifact, and a corrupt entry is
//! recompiled and replaced instead of failing. An entry that does not verify (copied over another
//! module's, or planted) is never loaded, and a cache directory others can write is not used.

#[path = "fixtures/rule_modules.rs"]
mod rule_modules;

use std::os::unix::fs::PermissionsExt;
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

/// Two modules that decide differently: one answers, the other refuses every application.
fn two_modules(dir: &Path) -> [(String, String); 2] {
    use rule_modules::{Behaviour, Draft, Spec};
    let a = Spec::new(
        "answers",
        Behaviour::Returns(Draft::low_voltage_three_zero()),
    );
    let b = Spec::new("refuses", Behaviour::RefusesUnsupported("不受理".into()));
    [("answers", a), ("refuses", b)].map(|(name, spec)| {
        let file = format!("{name}.wasm");
        let sha = rule_modules::write(dir, &file, &spec);
        (dir.join(file).display().to_string(), sha)
    })
}

/// Load a module file through `host` and decide one sample application: Ok if it answered.
fn decides(host: &PolicyHost, file: &str, sha: &str) -> bool {
    use powerdesk::policy::convert::{empty_draft, to_wit_application, to_wit_date, Texts};
    use powerdesk::policy::host::{wit, ModuleSpec};
    let module = host
        .load(&ModuleSpec {
            name: "m".into(),
            version: "0.1.0".into(),
            file: file.into(),
            expected_digest: Some(sha.into()),
        })
        .unwrap();
    let form = &powerdesk::policy::sample::Sampler::new(1).forms(1)[0];
    let mut texts = Texts::default();
    let e = wit::Evaluation {
        application: to_wit_application(form, &mut texts),
        evaluation_date: to_wit_date(form.received_at.date_naive()),
        draft: empty_draft(),
    };
    host.decide(&module, &[], texts.as_slice(), &[e]).unwrap()[0].is_ok()
}

#[test]
fn an_entry_copied_over_another_modules_entry_is_recompiled_not_loaded() {
    let modules = tempfile::tempdir().unwrap();
    let [(a_file, a_sha), (b_file, b_sha)] = two_modules(modules.path());
    let dir = tempfile::tempdir().unwrap();
    let host = PolicyHost::with_cache_dir(SandboxLimits::default(), dir.path());
    assert!(decides(&host, &a_file, &a_sha));
    assert!(!decides(&host, &b_file, &b_sha));
    let cache = ModuleCache::at(dir.path().to_path_buf());
    let a_entry = cache.entry_path(engine(), &a_sha);
    let b_entry = cache.entry_path(engine(), &b_sha);
    assert!(a_entry.exists() && b_entry.exists());
    // The refusing module's entry now holds the answering module's code.
    std::fs::copy(&a_entry, &b_entry).unwrap();
    assert!(
        !decides(&host, &b_file, &b_sha),
        "the copied entry was loaded: the refusing module answered"
    );
    let b_bytes = std::fs::read(&b_file).unwrap();
    std::fs::copy(&a_entry, &b_entry).unwrap();
    let (_, outcome) = cache
        .compile_traced(engine(), &b_bytes, &format!("sha256:{b_sha}"))
        .unwrap();
    assert_eq!(outcome, CacheOutcome::Replaced);
    // The key is the owner's alone.
    let key = std::fs::metadata(dir.path().join("key")).unwrap();
    assert_eq!(key.permissions().mode() & 0o777, 0o600);
}

#[test]
fn a_cache_directory_others_can_write_is_not_used() {
    let modules = tempfile::tempdir().unwrap();
    let [(a_file, a_sha), (b_file, b_sha)] = two_modules(modules.path());
    let dir = tempfile::tempdir().unwrap();
    let host = PolicyHost::with_cache_dir(SandboxLimits::default(), dir.path());
    assert!(decides(&host, &a_file, &a_sha));
    assert!(!decides(&host, &b_file, &b_sha));
    let cache = ModuleCache::at(dir.path().to_path_buf());
    let b_entry = cache.entry_path(engine(), &b_sha);
    std::fs::copy(cache.entry_path(engine(), &a_sha), &b_entry).unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
    let reason = cache.check_dir().unwrap_err();
    assert!(
        reason.contains("mode 777") && reason.contains("not used"),
        "{reason}"
    );
    let b_bytes = std::fs::read(&b_file).unwrap();
    let (_, outcome) = cache
        .compile_traced(engine(), &b_bytes, &format!("sha256:{b_sha}"))
        .unwrap();
    assert_eq!(outcome, CacheOutcome::Untrusted);
    assert!(!decides(&host, &b_file, &b_sha));
    // Nothing was written into it either: the copied entry is still there as it was.
    assert_eq!(
        std::fs::read(&b_entry).unwrap(),
        std::fs::read(cache.entry_path(engine(), &a_sha)).unwrap()
    );
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
}
