//! ecr-pathcheck: why an ECS task cannot pull its private ECR image, and what to change.
//!
//! Exit codes: 0 no error finding, 1 at least one error finding, 2 bad input or failure.

mod cli;
mod collect;
mod commands;
mod output;
mod report;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    match commands::run(cli) {
        Ok(code) => code,
        Err(error) => {
            let message = format!("{error:#}").replace('\n', " ");
            output::error_line(&message);
            ExitCode::from(output::EXIT_FAILURE)
        }
    }
}
