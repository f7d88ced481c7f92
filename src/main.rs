//! ecr-pathcheck: why an ECS task cannot pull its private ECR image, and what to change.
//!
//! Exit codes: 0 no error finding, 1 at least one error finding, 2 bad input or failure.

mod cli;
mod collect;
mod commands;
mod output;
mod redact;
mod report;

use std::ffi::OsString;
use std::io::IsTerminal;
use std::process::ExitCode;

use clap::error::ErrorKind;
use clap::{CommandFactory, FromArgMatches};

fn main() -> ExitCode {
    let args: Vec<OsString> = std::env::args_os().collect();
    let command = cli::Cli::command().color(help_colour(&args));
    let cli = match command
        .try_get_matches_from(&args)
        .and_then(|mut matches| cli::Cli::from_arg_matches_mut(&mut matches))
    {
        Ok(cli) => cli,
        Err(error) => return usage_error(&error),
    };
    if cli.debug {
        start_debug_log();
    }
    let colour = output::colour(
        cli.color,
        std::env::var_os("NO_COLOR").as_deref(),
        std::env::var_os("TERM").as_deref(),
        std::io::stdout().is_terminal(),
    );
    if let Some(region) = &cli.region
        && let Err(error) = collect::arn::check_region(region)
    {
        output::error_line(&format!("--region {error}"));
        return ExitCode::from(output::EXIT_FAILURE);
    }
    match commands::run(cli, colour) {
        Ok(code) => code,
        Err(error) => {
            let message = format!("{error:#}").replace('\n', " ");
            output::error_line(&message);
            ExitCode::from(output::EXIT_FAILURE)
        }
    }
}

/// `--color` for clap's own help, read before parsing (the help is printed while parsing);
/// `auto` is clap's, which honours `NO_COLOR` too.
fn help_colour(args: &[OsString]) -> clap::ColorChoice {
    let mut when = None;
    let mut args = args.iter().skip(1).filter_map(|arg| arg.to_str());
    while let Some(arg) = args.next() {
        if arg == "--" {
            break;
        }
        if arg == "--color" {
            when = args.next();
        } else if let Some(value) = arg.strip_prefix("--color=") {
            when = Some(value);
        }
    }
    match when {
        Some("always" | "on") => clap::ColorChoice::Always,
        Some("never" | "off") => clap::ColorChoice::Never,
        _ => clap::ColorChoice::Auto,
    }
}

/// `--debug`: the AWS SDK's own tracing (each operation, its attempts, retries, endpoint
/// resolution, errors) on standard error. Signing is left out: aws-sigv4 logs the canonical
/// request, which holds the session token.
fn start_debug_log() {
    use tracing_subscriber::filter::{LevelFilter, Targets};
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    let targets = Targets::new()
        .with_target("aws", LevelFilter::DEBUG)
        .with_target("aws_sigv4", LevelFilter::INFO)
        .with_target("ecr_pathcheck", LevelFilter::DEBUG);
    let _ = tracing_subscriber::registry()
        .with(tracing_subscriber::fmt::layer().with_writer(std::io::stderr))
        .with(targets)
        .try_init();
}

/// `--help` and `--version` print as clap prints them; a usage error is clap's first line and
/// where to look: `error: unexpected argument '--foo' found` then
/// `try 'ecr-pathcheck diagnose --help'`, exit 2.
fn usage_error(error: &clap::Error) -> ExitCode {
    if matches!(
        error.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        let _ = error.print();
        return ExitCode::from(u8::try_from(error.exit_code()).unwrap_or(output::EXIT_FAILURE));
    }
    // Rendered without colour; the first paragraph is the message (with the missing
    // arguments, when clap lists them below it), the usage and tips are left out.
    let rendered = error.render().to_string();
    let paragraph: Vec<&str> = rendered
        .lines()
        .map(str::trim)
        .skip_while(|line| line.is_empty())
        .take_while(|line| !line.is_empty())
        .collect();
    let message = paragraph.join(" ");
    let message = message.strip_prefix("error: ").unwrap_or(&message);
    output::error_line(if message.is_empty() {
        "invalid arguments"
    } else {
        message
    });
    eprintln!("try '{}'", help_command(std::env::args_os().skip(1)));
    ExitCode::from(output::EXIT_FAILURE)
}

/// `ecr-pathcheck SUBCOMMAND --help` for the subcommand the arguments name, else the top level.
fn help_command(args: impl Iterator<Item = std::ffi::OsString>) -> String {
    let command = cli::Cli::command();
    let names: Vec<&str> = command
        .get_subcommands()
        .map(clap::Command::get_name)
        .collect();
    let args: Vec<std::ffi::OsString> = args.collect();
    match args
        .iter()
        .filter_map(|arg| arg.to_str())
        .find(|arg| names.contains(arg))
    {
        Some(subcommand) => format!("ecr-pathcheck {subcommand} --help"),
        None => "ecr-pathcheck --help".to_string(),
    }
}
