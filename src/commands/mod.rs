mod diagnose;
mod explain;
mod rule;

use std::process::ExitCode;

use crate::cli::{Cli, Command};

pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Diagnose(args) => diagnose::run(&args, cli.output),
        Command::Explain { text } => explain::run(&text, cli.output),
        Command::Rule { id } => rule::run(id.as_deref(), cli.output),
    }
}
