use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "ecr-pathcheck",
    version,
    about = "Explains why an ECS task cannot pull its private ECR image, hop by hop, and what to change"
)]
#[command(
    after_help = "Exit codes: 0 no error finding and every hop decided, 1 at least one error finding (something blocks the pull), 2 bad input or failure, 3 no error finding but hops that matter could not be decided (a failed read, custom DNS, a route beyond the VPC): not a clean bill of health."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// Output format.
    #[arg(long, global = true, value_enum, default_value_t = OutputFormat::Table)]
    pub output: OutputFormat,
    /// AWS region (default: AWS_REGION, the profile's region, or the task ARN's).
    #[arg(long, global = true, value_name = "REGION")]
    pub region: Option<String>,
    /// Named profile from ~/.aws/config (SSO profiles included).
    #[arg(long, global = true, value_name = "NAME")]
    pub profile: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Table,
    Json,
    Markdown,
    /// SARIF 2.1.0, for code scanning (GitHub, GitLab).
    Sarif,
    /// JUnit XML, for GitLab and Jenkins test reports.
    Junit,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Diagnose a task, a service or a whole cluster (live), or a snapshot (offline), and print
    /// every blocking hop with its fix.
    Diagnose(DiagnoseArgs),
    /// Collect what a diagnosis needs into a snapshot file, to replay with `diagnose --snapshot`.
    Snapshot(SnapshotArgs),
    /// Classify a stopped reason or container reason without any AWS access.
    Explain {
        /// The reason text; `-` reads it from standard input.
        text: String,
    },
    /// Check a Terraform plan against the pull path before apply: the plan
    /// (`terraform show -json PLANFILE`, or OpenTofu's) laid over the account as it is (a
    /// snapshot, or read live), diagnosed, findings named by resource address.
    Plan(PlanArgs),
    /// List the checks, or print one check's documentation.
    Rule {
        /// A check id (PC401) or name (s3-prefix-list-egress).
        id: Option<String>,
    },
}

#[derive(Debug, Args)]
pub struct DiagnoseArgs {
    /// A snapshot written by `ecr-pathcheck snapshot` (or a file under mocks/).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["demo", "task_arn", "cluster"])]
    pub snapshot: Option<PathBuf>,
    /// Diagnose the bundled example account (a task missing its S3 prefix-list egress rule).
    #[arg(long, conflicts_with_all = ["task_arn", "cluster"])]
    pub demo: bool,
    #[command(flatten)]
    pub target: TargetArgs,
}

/// Which live workload to read: one task, one service, or every service of a cluster.
#[derive(Debug, Args, Clone)]
pub struct TargetArgs {
    /// A running, pending or recently stopped task (its ARN names the cluster and region).
    #[arg(long, value_name = "ARN")]
    pub task_arn: Option<String>,
    /// The cluster: alone, every service of it and its failed standalone tasks.
    #[arg(long, value_name = "CLUSTER")]
    pub cluster: Option<String>,
    /// One service of --cluster, before or after deployment.
    #[arg(
        long,
        value_name = "SERVICE",
        requires = "cluster",
        conflicts_with = "task_arn"
    )]
    pub service: Option<String>,
    /// Read another account's registry (its repositories, policies and images) with a role of
    /// that account instead of the caller's credentials. Repeatable.
    #[arg(long = "registry-role", value_name = "ACCOUNT=ROLE_ARN")]
    pub registry_roles: Vec<String>,
    /// AWS calls in flight at once.
    #[arg(long, value_name = "N", default_value_t = 32, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub max_concurrency: u16,
    /// Seconds the whole collection may take: calls still pending then are reported as gaps
    /// (their hops unknown) and the diagnosis completes with what was read.
    #[arg(long, value_name = "SECONDS", default_value_t = 60, value_parser = clap::value_parser!(u16).range(1..=3600))]
    pub timeout: u16,
}

#[derive(Debug, Args)]
pub struct SnapshotArgs {
    #[command(flatten)]
    pub target: TargetArgs,
    /// Where to write the snapshot (`-` for standard output).
    #[arg(short = 'o', long = "out", value_name = "FILE")]
    pub out: PathBuf,
}

#[derive(Debug, Args)]
pub struct PlanArgs {
    /// The JSON of `terraform show -json PLANFILE` (OpenTofu: `tofu show -json`); `-` reads it
    /// from standard input.
    #[arg(value_name = "PLAN.json")]
    pub plan: PathBuf,
    /// The account as it is, from a snapshot (`ecr-pathcheck snapshot`), instead of reading it
    /// live with --task-arn / --cluster [--service].
    #[arg(long, value_name = "FILE", conflicts_with_all = ["task_arn", "cluster"])]
    pub snapshot: Option<PathBuf>,
    /// The root module's directory, where the `.tf` files that findings point at are looked
    /// up (default: the plan file's directory).
    #[arg(long, value_name = "DIR")]
    pub config_dir: Option<PathBuf>,
    #[command(flatten)]
    pub target: TargetArgs,
}
