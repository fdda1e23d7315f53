//! The `powerdesk` binary: parse the command line, run it, print any error on one line.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = powerdesk::cli::Cli::parse();
    match powerdesk::cli::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let message = format!("{e:#}").replace('\n', " ");
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}
