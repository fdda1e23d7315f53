//! Build a policy bundle's modules from source: `cargo run --example build_bundle -- policies/jining`
//! (the same code as `powerdesk policy build DIR`).

use powerdesk::policy::build::{build_bundle, BuildOptions};

fn main() -> anyhow::Result<()> {
    let dir = std::env::args()
        .nth(1)
        .ok_or_else(|| anyhow::anyhow!("usage: build_bundle BUNDLE_DIR"))?;
    let report = build_bundle(dir.as_ref(), &BuildOptions::default())?;
    for m in &report.modules {
        println!(
            "{}  {} bytes  sha256 {}",
            m.file.display(),
            m.size,
            m.sha256
        );
    }
    println!("bundle digest {}", report.digest);
    Ok(())
}
