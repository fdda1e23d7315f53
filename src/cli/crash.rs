//! `__crash-writer`: the child process of the kill -9 test. It submits applications in a loop
//! and prints each id once the store acknowledged it (committed and flushed).

use std::io::Write;
use std::path::Path;

use anyhow::Result;

use super::open_desk;
use crate::service::demo::DemoGenerator;

pub fn run(dir: &Path, count: u64) -> Result<()> {
    let desk = open_desk(dir)?;
    let mut generator = DemoGenerator::new(std::process::id() as u64);
    let stdout = std::io::stdout();
    for _ in 0..count {
        let form = generator.form();
        let app = desk.submit(form, "crash-writer")?;
        let mut out = stdout.lock();
        writeln!(out, "{}", app.id)?;
        out.flush()?;
    }
    Ok(())
}
