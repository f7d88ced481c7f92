mod diagnose;
mod explain;
mod live;
mod manual;
mod plan;
mod rule;
mod snapshot;

use std::process::ExitCode;

use crate::cli::{Cli, Command, OutputFormat};
use crate::collect::Connection;
use crate::report::Colour;

/// What every command gets from the global options, decided once here: renderers and the
/// collector are told, they do not look at the terminal or the environment themselves.
pub struct Globals {
    pub connection: Connection,
    pub format: OutputFormat,
    /// Whether the table output is coloured (`--color`, `NO_COLOR`, standard output a terminal).
    pub colour: Colour,
    /// `--debug`: the SDK's calls are logged to standard error, so no progress line there.
    pub debug: bool,
    /// `--redact`: the snapshot is anonymized as soon as it is obtained.
    pub redact: bool,
}

impl Globals {
    fn new(cli: &Cli, colour: Colour) -> Globals {
        Globals {
            connection: Connection {
                region: cli.region.clone(),
                profile: cli.profile.clone(),
                endpoint_url: cli.endpoint_url.clone(),
                arn_region: None,
                fallback_region: None,
                registry_roles: Vec::new(),
                network_roles: Vec::new(),
            },
            format: cli.output,
            colour,
            debug: cli.debug,
            redact: cli.redact,
        }
    }
}

pub fn run(cli: Cli, colour: Colour) -> anyhow::Result<ExitCode> {
    let globals = Globals::new(&cli, colour);
    match cli.command {
        Command::Diagnose(args) => diagnose::run(&args, &globals),
        Command::Snapshot(args) => snapshot::run(&args, &globals),
        Command::Explain { text } => explain::run(&text, globals.format),
        Command::Plan(args) => plan::run(&args, &globals),
        Command::Rule { id } => rule::run(id.as_deref(), &globals),
        Command::Completions { shell } => manual::completions(shell),
        Command::Man { out_dir } => manual::man(out_dir.as_deref()),
    }
}
