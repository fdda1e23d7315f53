//! The `powerdesk` binary: parse the command line, run it, print any error on one line.

use std::process::ExitCode;

use clap::error::ErrorKind;
use clap::Parser;

fn main() -> ExitCode {
    let cli = match powerdesk::cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) => {
            e.exit()
        }
        Err(e) => {
            // clap explains over several lines; scripts get one.
            let text = e.render().to_string();
            let cause: Vec<&str> = text
                .lines()
                .take_while(|l| !l.starts_with("Usage:"))
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .collect();
            eprintln!("{} (see powerdesk --help)", cause.join(" "));
            return ExitCode::from(2);
        }
    };
    if cli.command.is_some() {
        // A command's output may be piped into `head`: end quietly when the reader goes away,
        // as other Unix tools do, instead of reporting "Broken pipe".
        // SAFETY: resetting a signal's disposition before any other thread exists.
        unsafe {
            libc::signal(libc::SIGPIPE, libc::SIG_DFL);
        }
    }
    match powerdesk::cli::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // One line, with any stored text in it escaped for the terminal.
            let message = format!("{e:#}").replace('\n', " ");
            let message = powerdesk::domain::text::escape_for_terminal(&message);
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}
