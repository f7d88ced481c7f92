//! ecr-pathcheck: why an ECS task cannot pull its private ECR image, and what to change.
//!
//! Exit codes: 0 no error finding, 1 at least one error finding, 2 bad input or failure.

mod cli;
mod collect;
mod commands;
mod output;
mod report;

use std::process::ExitCode;

use clap::error::ErrorKind;
use clap::{CommandFactory, Parser};

fn main() -> ExitCode {
    let cli = match cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => return usage_error(&error),
    };
    if let Some(region) = &cli.region
        && let Err(error) = collect::arn::check_region(region)
    {
        output::error_line(&format!("--region {error}"));
        return ExitCode::from(output::EXIT_FAILURE);
    }
    match commands::run(cli) {
        Ok(code) => code,
        Err(error) => {
            let message = format!("{error:#}").replace('\n', " ");
            output::error_line(&message);
            ExitCode::from(output::EXIT_FAILURE)
        }
    }
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
