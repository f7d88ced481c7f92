use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// `-h`: one example and where the rest are.
const AFTER_HELP: &str =
    "Try: ecr-pathcheck diagnose --demo. Examples and exit codes: ecr-pathcheck --help.";

/// `--help` (and the man page, which shows each block as a section): real command lines, then
/// the exit codes. Blocks start with a `Title:` line; lines are kept under 100 columns.
const AFTER_LONG_HELP: &str = "\
Examples:
  ecr-pathcheck diagnose --demo
  ecr-pathcheck diagnose --task-arn arn:aws:ecs:us-east-1:111122223333:task/prod/0123456789abcdef0
  ecr-pathcheck diagnose --cluster prod --service web --region eu-west-1 --profile ops
  ecr-pathcheck diagnose --cluster prod --output json > report.json
  ecr-pathcheck snapshot --cluster prod --service web -o web.json
  ecr-pathcheck diagnose --snapshot web.json --output markdown
  ecr-pathcheck plan plan.json --snapshot web.json --output sarif > ecr-pathcheck.sarif
  ecr-pathcheck explain \"CannotPullContainerError: ... dial tcp 52.216.8.10:443: i/o timeout\"
  ecr-pathcheck rule PC401
  ecr-pathcheck diagnose --cluster prod --endpoint-url http://127.0.0.1:5000 --debug
  ecr-pathcheck completions bash > ~/.local/share/bash-completion/completions/ecr-pathcheck

Exit codes:
  0  no error finding, and every hop that matters was decided
  1  at least one error finding: something blocks the pull
  2  bad input or failure (bad arguments, unreadable snapshot, no credentials, unknown target)
  3  no error finding, but hops that matter could not be decided (a failed read, custom DNS,
     a route beyond the VPC, a launch type not analysed): not a clean bill of health";

const DIAGNOSE_EXAMPLES: &str = "\
Examples:
  ecr-pathcheck diagnose --demo
  ecr-pathcheck diagnose --task-arn arn:aws:ecs:us-east-1:111122223333:task/prod/0123456789abcdef0
  ecr-pathcheck diagnose --cluster prod --service web
  ecr-pathcheck diagnose --cluster prod --output json > report.json
  ecr-pathcheck diagnose --cluster prod --output jsonl | jq -c 'select(.verdict == \"blocked\")'
  ecr-pathcheck diagnose --snapshot web.json --output markdown
  ecr-pathcheck diagnose --cluster prod --registry-role 444455556666=arn:aws:iam::444455556666:role/reader
  ecr-pathcheck diagnose --cluster prod --ignore PC404,legacy-platform-version
  ecr-pathcheck diagnose --all-clusters --regions all --organization \\
    --role-name ecr-pathcheck-reader
  ecr-pathcheck diagnose --cluster prod --regions us-east-1,eu-west-1 --accounts 444455556666 \\
    --role-name ecr-pathcheck-reader --output markdown
  ecr-pathcheck diagnose --snapshot sweep/ --redact --output jsonl";

const SNAPSHOT_EXAMPLES: &str = "\
Examples:
  ecr-pathcheck snapshot --cluster prod --service web -o web.json
  ecr-pathcheck snapshot --task-arn arn:aws:ecs:us-east-1:111122223333:task/prod/0123456789abcdef0 -o -
  ecr-pathcheck snapshot --all-clusters --regions all --organization --role-name ecr-pathcheck-reader \\
    --out-dir sweep/";

const EXPLAIN_EXAMPLES: &str = "\
Examples:
  ecr-pathcheck explain \"CannotPullContainerError: ... dial tcp 52.216.8.10:443: i/o timeout\"
  aws ecs describe-tasks --cluster prod --tasks ID --query 'tasks[0].stoppedReason' --output text \\
    | ecr-pathcheck explain - --output json";

const PLAN_EXAMPLES: &str = "\
Examples:
  terraform show -json tfplan > plan.json
  ecr-pathcheck plan plan.json --snapshot account.json
  ecr-pathcheck plan plan.json --cluster prod --service web --output markdown > comment.md
  ecr-pathcheck plan plan.json --snapshot account.json --output sarif > ecr-pathcheck.sarif";

const RULE_EXAMPLES: &str = "\
Examples:
  ecr-pathcheck rule
  ecr-pathcheck rule PC401
  ecr-pathcheck rule s3-prefix-list-egress";

const COMPLETIONS_EXAMPLES: &str = "\
Examples:
  ecr-pathcheck completions bash > ~/.local/share/bash-completion/completions/ecr-pathcheck
  ecr-pathcheck completions zsh > \"${fpath[1]}/_ecr-pathcheck\"
  ecr-pathcheck completions fish > ~/.config/fish/completions/ecr-pathcheck.fish
  ecr-pathcheck completions powershell >> $PROFILE";

const MAN_EXAMPLES: &str = "\
Examples:
  ecr-pathcheck man | man -l -
  ecr-pathcheck man > ~/.local/share/man/man1/ecr-pathcheck.1
  ecr-pathcheck man --out-dir ~/.local/share/man/man1";

#[derive(Debug, Parser)]
#[command(
    name = "ecr-pathcheck",
    version,
    about = "Explains why an ECS task cannot pull its private ECR image, hop by hop, and what to change",
    after_help = AFTER_HELP,
    after_long_help = AFTER_LONG_HELP
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
    /// Send every AWS call to this endpoint instead of the service's own (an emulator, a
    /// proxy); overrides AWS_ENDPOINT_URL.
    #[arg(long, global = true, value_name = "URL", value_parser = endpoint_url)]
    pub endpoint_url: Option<String>,
    /// Colour the table output: auto (only when standard output is a terminal and NO_COLOR is
    /// unset or empty), always, never. JSON, markdown, SARIF and JUnit are never coloured.
    #[arg(long, global = true, value_enum, value_name = "WHEN", default_value_t = ColorWhen::Auto)]
    pub color: ColorWhen,
    /// Log the AWS SDK's calls (operation, attempts, retries, endpoints) to standard error.
    #[arg(long, global = true)]
    pub debug: bool,
    /// Replace identities before anything is written, for reports and snapshots that leave the
    /// company (diagnose, snapshot, plan): account ids, resource ids, resource names and
    /// private addresses become consistent placeholders (000000000001, vpc-00000000000000001, repo1,
    /// 10.2.0.0/16), so the verdicts are the same. Check ids, flows, regions, AWS service
    /// names and public AWS ranges stay. See docs/snapshot.md.
    #[arg(long, global = true)]
    pub redact: bool,
}

/// When to colour the table output (`--color`); `on` and `off` as the AWS CLI spells them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorWhen {
    Auto,
    #[value(alias = "on")]
    Always,
    #[value(alias = "off")]
    Never,
}

/// An absolute http(s) URL with a host, as the SDK needs it: anything else is a usage error
/// before any call, not a gap per call.
fn endpoint_url(text: &str) -> Result<String, String> {
    let rest = text
        .strip_prefix("https://")
        .or_else(|| text.strip_prefix("http://"))
        .ok_or("the endpoint URL must start with http:// or https://")?;
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if host.is_empty() || text.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("the endpoint URL needs a host, like https://ecs.example.internal".into());
    }
    Ok(text.to_string())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Table,
    Json,
    /// JSON Lines: `diagnose` writes one object per line, each target's as soon as it is done.
    Jsonl,
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
    #[command(after_help = DIAGNOSE_EXAMPLES)]
    Diagnose(DiagnoseArgs),
    /// Collect what a diagnosis needs into a snapshot file, to replay with `diagnose --snapshot`.
    #[command(after_help = SNAPSHOT_EXAMPLES)]
    Snapshot(SnapshotArgs),
    /// Classify a stopped reason or container reason without any AWS access.
    #[command(after_help = EXPLAIN_EXAMPLES)]
    Explain {
        /// The reason text; `-` reads it from standard input.
        text: String,
    },
    /// Check a Terraform plan against the pull path before apply: the plan
    /// (`terraform show -json PLANFILE`, or OpenTofu's) laid over the account as it is (a
    /// snapshot, or read live), diagnosed, findings named by resource address.
    #[command(after_help = PLAN_EXAMPLES)]
    Plan(PlanArgs),
    /// List the checks, or print one check's documentation.
    #[command(after_help = RULE_EXAMPLES)]
    Rule {
        /// A check id (PC401) or name (s3-prefix-list-egress).
        id: Option<String>,
    },
    /// Print the shell completion script for bash, zsh, fish, elvish or PowerShell.
    #[command(after_help = COMPLETIONS_EXAMPLES)]
    Completions {
        /// The shell to complete for.
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff) to standard output, or write one page per command.
    #[command(after_help = MAN_EXAMPLES)]
    Man {
        /// Write ecr-pathcheck.1 and one ecr-pathcheck-COMMAND.1 per command into this
        /// directory instead.
        #[arg(long, value_name = "DIR")]
        out_dir: Option<PathBuf>,
    },
}

#[derive(Debug, Args)]
pub struct DiagnoseArgs {
    /// A snapshot written by `ecr-pathcheck snapshot` (or a file under mocks/). Repeat it, or
    /// give a directory written by `snapshot --out-dir`, to diagnose several accounts and
    /// regions as one sweep.
    #[arg(long, value_name = "FILE|DIR", conflicts_with_all = LIVE_ONLY, conflicts_with = "demo")]
    pub snapshot: Vec<PathBuf>,
    /// Diagnose the bundled example account (a task missing its S3 prefix-list egress rule).
    #[arg(long, conflicts_with_all = LIVE_ONLY)]
    pub demo: bool,
    #[command(flatten)]
    pub target: TargetArgs,
    #[command(flatten)]
    pub checks: CheckSelectionArgs,
}

/// The options that only a live read takes (`--snapshot` and `--demo` refuse them).
const LIVE_ONLY: [&str; 11] = [
    "task_arn",
    "cluster",
    "service",
    "registry_roles",
    "network_roles",
    "all_clusters",
    "regions",
    "accounts",
    "organization",
    "role_name",
    "exclude_accounts",
];

/// Which checks run (ruff's `--select` / `--ignore`): a check left out does not run, so its
/// hop is not judged and its findings are not reported.
#[derive(Debug, Args, Clone, Default)]
pub struct CheckSelectionArgs {
    /// Run only these checks: ids (PC401), names (s3-prefix-list-egress) or id prefixes (PC4),
    /// comma-separated or repeated.
    #[arg(long, value_name = "CHECKS")]
    pub select: Vec<String>,
    /// Do not run these checks (same forms as --select); wins over --select.
    #[arg(long, value_name = "CHECKS")]
    pub ignore: Vec<String>,
}

impl CheckSelectionArgs {
    pub fn selection(&self) -> anyhow::Result<ecr_pathcheck_checks::facts::Selection> {
        ecr_pathcheck_checks::rules::selection(&self.select, &self.ignore)
            .map_err(anyhow::Error::msg)
    }
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
    /// Read the VPC of a subnet another account shares with this one (AWS RAM) with a role of
    /// the owner account: its route tables, network ACLs, endpoints and transit gateway
    /// attachments, which a participant cannot see. Repeatable.
    #[arg(long = "network-role", value_name = "ACCOUNT=ROLE_ARN")]
    pub network_roles: Vec<String>,
    /// Every cluster of each region read (ecs:ListClusters), its services and failed
    /// standalone tasks.
    #[arg(help_heading = "Sweep", long, conflicts_with_all = ["task_arn", "cluster", "service"])]
    pub all_clusters: bool,
    /// These regions (comma-separated), or `all` for every region each account has
    /// enabled (ec2:DescribeRegions). Default: the configured region.
    #[arg(
        help_heading = "Sweep",
        long,
        value_name = "R1,R2|all",
        value_delimiter = ',',
        conflicts_with = "task_arn"
    )]
    pub regions: Vec<String>,
    /// These accounts (comma-separated) besides the caller's own, each read with the
    /// role --role-name names in it.
    #[arg(help_heading = "Sweep", long, value_name = "ACCOUNT,...", value_delimiter = ',', conflicts_with_all = ["task_arn", "organization"])]
    pub accounts: Vec<String>,
    /// Every active account of the organization (organizations:ListAccounts, from the
    /// management account or a delegated administrator), each read with --role-name.
    #[arg(help_heading = "Sweep", long, conflicts_with = "task_arn")]
    pub organization: bool,
    /// The role assumed in each swept account but the caller's:
    /// arn:PARTITION:iam::ACCOUNT:role/NAME (see docs/sweep-role.md).
    #[arg(help_heading = "Sweep", long, value_name = "NAME")]
    pub role_name: Option<String>,
    /// Leave these accounts out (comma-separated); the caller's own too.
    #[arg(
        help_heading = "Sweep",
        long,
        value_name = "ACCOUNT,...",
        value_delimiter = ','
    )]
    pub exclude_accounts: Vec<String>,
    /// AWS calls in flight at once (in a sweep: in each account and region).
    #[arg(long, value_name = "N", default_value_t = 32, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub max_concurrency: u16,
    /// AWS calls in flight at once over every account and region.
    #[arg(help_heading = "Sweep", long, value_name = "N", default_value_t = 128, value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub max_total_concurrency: u16,
    /// Seconds the whole collection may take (in a sweep: each account and region's): calls
    /// still pending then are reported as gaps (their hops unknown) and the diagnosis
    /// completes with what was read.
    #[arg(long, value_name = "SECONDS", default_value_t = 60, value_parser = clap::value_parser!(u16).range(1..=3600))]
    pub timeout: u16,
}

impl TargetArgs {
    /// Whether the options ask for a sweep (several accounts, regions or clusters).
    pub fn is_sweep(&self) -> bool {
        self.all_clusters
            || !self.regions.is_empty()
            || !self.accounts.is_empty()
            || self.organization
    }
}

#[derive(Debug, Args)]
pub struct SnapshotArgs {
    #[command(flatten)]
    pub target: TargetArgs,
    /// Where to write the snapshot (`-` for standard output).
    #[arg(
        short = 'o',
        long = "out",
        value_name = "FILE",
        required_unless_present = "out_dir"
    )]
    pub out: Option<PathBuf>,
    /// A sweep's snapshots: one file per account and region read (ACCOUNT-REGION.json), and
    /// sweep.json listing those that could not be read and why.
    #[arg(long, value_name = "DIR", conflicts_with = "out")]
    pub out_dir: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct PlanArgs {
    /// The JSON of `terraform show -json PLANFILE` (OpenTofu: `tofu show -json`); `-` reads it
    /// from standard input.
    #[arg(value_name = "PLAN.json")]
    pub plan: PathBuf,
    /// The account as it is, from a snapshot (`ecr-pathcheck snapshot`), instead of reading it
    /// live with --task-arn / --cluster [--service].
    #[arg(long, value_name = "FILE", conflicts_with_all = LIVE_ONLY)]
    pub snapshot: Option<PathBuf>,
    /// The root module's directory, where the `.tf` files that findings point at are looked
    /// up (default: the plan file's directory).
    #[arg(long, value_name = "DIR")]
    pub config_dir: Option<PathBuf>,
    #[command(flatten)]
    pub target: TargetArgs,
    #[command(flatten)]
    pub checks: CheckSelectionArgs,
}
