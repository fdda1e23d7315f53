//! `__crash-writer`: the child process of the kill -9 test. It submits applications in a loop
//! (advancing every other one, so index entries move too) and prints each id once the store
//! acknowledged it (committed and flushed).

use std::io::Write;

use anyhow::Result;

use super::{open_desk_on_store_calendar, Locking};
use crate::service::demo::DemoGenerator;

pub fn run(at: &Locking, count: u64) -> Result<()> {
    let (desk, _) = open_desk_on_store_calendar(at)?;
    let mut generator = DemoGenerator::new(u64::from(std::process::id()));
    let stdout = std::io::stdout();
    for i in 0..count {
        let form = generator.form();
        let app = desk.submit(form, "crash-writer")?;
        {
            let mut out = stdout.lock();
            writeln!(out, "{}", app.id)?;
            out.flush()?;
        }
        if i % 2 == 1 {
            let to = crate::domain::workflow::next_states(app.process, app.status)[0];
            let at = app.form.received_at + chrono::Duration::hours(1);
            desk.advance(&app.id, to, Some(at), None, "crash-writer")?;
        }
    }
    Ok(())
}
