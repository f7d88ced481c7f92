use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "ecr-pathcheck",
    version,
    about = "Explains why an ECS task cannot pull its private ECR image, hop by hop, and what to change"
)]
#[command(
    after_help = "Exit codes: 0 no error finding, 1 at least one error finding, 2 bad input or failure."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// Output format.
    #[arg(long, short = 'o', global = true, value_enum, default_value_t = OutputFormat::Table)]
    pub output: OutputFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Table,
    Json,
    Markdown,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Diagnose a snapshot (offline) and print every blocking hop with its fix.
    Diagnose(DiagnoseArgs),
    /// Classify a stopped reason or container reason without any AWS access.
    Explain {
        /// The reason text; `-` reads it from standard input.
        text: String,
    },
    /// List the checks, or print one check's documentation.
    Rule {
        /// A check id (PC401) or name (s3-prefix-list-egress).
        id: Option<String>,
    },
}

#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
pub struct DiagnoseArgs {
    /// A snapshot written by `ecr-pathcheck snapshot` (or a file under mocks/).
    #[arg(long, value_name = "FILE")]
    pub snapshot: Option<PathBuf>,
    /// Diagnose the bundled example account (a task missing its S3 prefix-list egress rule).
    #[arg(long)]
    pub demo: bool,
}
