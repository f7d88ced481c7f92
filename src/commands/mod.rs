mod diagnose;
mod explain;
mod live;
mod plan;
mod rule;
mod snapshot;

use std::process::ExitCode;

use crate::cli::{Cli, Command};

fn connection(cli: &Cli) -> crate::collect::Connection {
    crate::collect::Connection {
        region: cli.region.clone(),
        profile: cli.profile.clone(),
        arn_region: None,
        registry_roles: Vec::new(),
    }
}

pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let connection = connection(&cli);
    match cli.command {
        Command::Diagnose(args) => diagnose::run(&args, &connection, cli.output),
        Command::Snapshot(args) => snapshot::run(&args, &connection),
        Command::Explain { text } => explain::run(&text, cli.output),
        Command::Plan(args) => plan::run(&args, &connection, cli.output),
        Command::Rule { id } => rule::run(id.as_deref(), cli.output),
    }
}
