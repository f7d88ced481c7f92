use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use ecr_pathcheck_checks::facts::Selection;
use ecr_pathcheck_checks::snapshot::{self, Snapshot};
use sha2::Digest as _;

use super::{Globals, live};
use crate::cli::{DiagnoseArgs, OutputFormat};
use crate::output::{self, EXIT_FAILURE, EXIT_FINDINGS, EXIT_UNDECIDED};
use crate::report;
use crate::report::sweep::{JsonlSweep, SweepScope, SweepSummary};

/// The classic failure: the task's security group lacks the S3 prefix-list egress rule.
const DEMO_SNAPSHOT: &str = include_str!("../../mocks/s3-prefix-list-egress-missing/snapshot.json");

/// What `snapshot --out-dir` writes beside the snapshots: the accounts and regions not read.
pub const SWEEP_FILE: &str = "sweep.json";

pub fn run(args: &DiagnoseArgs, globals: &Globals) -> anyhow::Result<ExitCode> {
    // A bad --select/--ignore is refused before any AWS call.
    let selection = args.checks.selection()?;
    let mut connection = globals.connection.clone();
    if let Some(sweep) = live::sweep(&args.target, &mut connection)? {
        return sweep_live(&sweep, &connection, args, globals, &selection);
    }
    if args.snapshot.len() > 1 || args.snapshot.first().is_some_and(|path| path.is_dir()) {
        return sweep_offline(args, globals, &selection);
    }
    let snapshot = match live::scope(&args.target, &mut connection)? {
        Some(scope) => live::collect(&scope, &connection, &args.target, globals.debug)?,
        None => {
            let snapshot = load(args)?;
            check_region(globals, &snapshot)?;
            snapshot
        }
    };
    let snapshot = crate::redact::when(globals.redact, snapshot)?;
    // Written as it is diagnosed, a target at a time: a large account's report is never held.
    let summary = report::write_diagnosis(
        &snapshot,
        &selection,
        globals.format,
        globals.colour,
        &mut output::report_writer(),
    )
    .context("cannot write the report")?;
    // Checks left out by --select/--ignore judge nothing: with reads that failed, the hops they
    // would have judged may be the undecided ones, so no clean bill of health.
    let partial_with_gaps = selection.is_partial() && !snapshot.gaps.is_empty();
    Ok(if summary.has_errors() {
        ExitCode::from(EXIT_FINDINGS)
    } else if summary.is_undecided() || partial_with_gaps {
        ExitCode::from(EXIT_UNDECIDED)
    } else {
        ExitCode::SUCCESS
    })
}

/// An offline diagnosis reads no region: a --region that disagrees is a mistake.
fn check_region(globals: &Globals, snapshot: &Snapshot) -> anyhow::Result<()> {
    if let Some(region) = globals.connection.region.as_deref()
        && region != snapshot.region
    {
        anyhow::bail!(
            "the snapshot is of region {} but --region says {region}; drop --region to replay it",
            snapshot.region
        );
    }
    Ok(())
}

/// A live sweep: JSON Lines are written as each account and region is done; every other
/// format once all are, in account and region order.
fn sweep_live(
    sweep: &crate::collect::sweep::Sweep,
    connection: &crate::collect::Connection,
    args: &DiagnoseArgs,
    globals: &Globals,
    selection: &Selection,
) -> anyhow::Result<ExitCode> {
    let mut out = output::report_writer();
    let mut partial_with_gaps = false;
    // Redacted, the accounts and regions share one mapping, made once all are read: JSON Lines
    // are then written at the end, not as each is done.
    if globals.format == OutputFormat::Jsonl && !globals.redact {
        let mut writer = JsonlSweep::default();
        live::run_sweep(sweep, connection, &args.target, globals.debug, |scope| {
            partial_with_gaps |= has_gaps(&scope) && selection.is_partial();
            writer
                .scope(&scope, selection, &mut out)
                .context("cannot write the report")
        })?;
        let summary = writer.finish(&mut out).context("cannot write the report")?;
        return Ok(sweep_exit(
            &summary,
            partial_with_gaps,
            named_cluster(sweep),
        ));
    }
    let mut scopes = Vec::new();
    live::run_sweep(sweep, connection, &args.target, globals.debug, |scope| {
        scopes.push(scope);
        Ok(())
    })?;
    let (summary, partial_with_gaps) =
        write_sweep(scopes, &sweep_names(sweep), globals, selection, &mut out)?;
    Ok(sweep_exit(
        &summary,
        partial_with_gaps,
        named_cluster(sweep),
    ))
}

/// The names a sweep looks for in every account and region.
pub fn sweep_names(sweep: &crate::collect::sweep::Sweep) -> Vec<(&'static str, &str)> {
    use crate::collect::sweep::Workload;
    match &sweep.workload {
        Workload::Cluster(cluster) => vec![("cluster", cluster.as_str())],
        Workload::Service { cluster, service } => {
            vec![("cluster", cluster.as_str()), ("service", service.as_str())]
        }
        Workload::AllClusters => Vec::new(),
    }
}

/// The cluster a sweep was told to look for in every account and region, if one.
fn named_cluster(sweep: &crate::collect::sweep::Sweep) -> Option<&str> {
    use crate::collect::sweep::Workload;
    match &sweep.workload {
        Workload::Cluster(cluster) | Workload::Service { cluster, .. } => Some(cluster),
        Workload::AllClusters => None,
    }
}

/// Several snapshots (or a directory of them) diagnosed as one sweep.
fn sweep_offline(
    args: &DiagnoseArgs,
    globals: &Globals,
    selection: &Selection,
) -> anyhow::Result<ExitCode> {
    let mut scopes = Vec::new();
    for path in &args.snapshot {
        if path.is_dir() {
            scopes.extend(load_directory(path)?);
        } else {
            scopes.push(SweepScope::read(load_path(path)?));
        }
    }
    for scope in &scopes {
        if let Ok(snapshot) = &scope.outcome {
            check_region(globals, snapshot)?;
        }
    }
    let (summary, partial_with_gaps) = write_sweep(
        scopes,
        &[],
        globals,
        selection,
        &mut output::report_writer(),
    )?;
    Ok(sweep_exit(&summary, partial_with_gaps, None))
}

/// The same snapshot given twice (the same file, or a copy under another name) is read once,
/// so nothing is counted twice; two snapshots of one account and region (two clusters) are
/// both kept. A failure for an account and region a snapshot holds is a contradiction.
/// Bytes written into a SHA-256.
struct Digest(sha2::Sha256);

impl std::io::Write for Digest {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        sha2::Digest::update(&mut self.0, bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn unique_scopes(scopes: Vec<SweepScope>) -> anyhow::Result<Vec<SweepScope>> {
    let mut seen = std::collections::HashSet::new();
    let mut kept = Vec::new();
    for scope in scopes {
        // A digest of the snapshot's JSON, not the text: a sweep of large accounts would hold
        // a second copy of every one.
        let identity: [u8; 32] = match &scope.outcome {
            Ok(snapshot) => {
                let mut digest = Digest(sha2::Sha256::new());
                serde_json::to_writer(&mut digest, snapshot)?;
                digest.0.finalize().into()
            }
            Err(why) => sha2::Sha256::digest(
                format!("{}\n{:?}\n{why}", scope.account_id, scope.region).as_bytes(),
            )
            .into(),
        };
        if seen.insert(identity) {
            kept.push(scope);
        } else {
            eprintln!(
                "note: account {} region {} is given twice, identically; it is read once",
                scope.account_id,
                scope.region.as_deref().unwrap_or("(every region)")
            );
        }
    }
    let mut read: std::collections::BTreeMap<(&str, Option<&str>), Vec<&str>> = Default::default();
    for scope in &kept {
        if let Ok(snapshot) = &scope.outcome {
            read.entry((scope.account_id.as_str(), scope.region.as_deref()))
                .or_default()
                .push(
                    snapshot
                        .collected_at
                        .as_deref()
                        .unwrap_or("an unknown time"),
                );
        }
    }
    for ((account, region), times) in read.iter().filter(|(_, times)| times.len() > 1) {
        eprintln!(
            "note: account {account} region {} has {} different snapshots (collected at {}); each is diagnosed, so a target in several is listed in each",
            region.unwrap_or("(every region)"),
            times.len(),
            times.join(", ")
        );
    }
    for failed in kept.iter().filter(|scope| scope.outcome.is_err()) {
        let contradicted = kept.iter().any(|read| {
            read.outcome.is_ok()
                && read.account_id == failed.account_id
                && (failed.region.is_none() || failed.region == read.region)
        });
        if contradicted {
            anyhow::bail!(
                "sweep.json says account {} region {} could not be read, but a snapshot of it is given",
                failed.account_id,
                failed.region.as_deref().unwrap_or("(every region)")
            );
        }
    }
    Ok(kept)
}

/// `names`: what the sweep was given to look for (`--cluster`, `--service`), for `--redact`.
/// Returns the report's summary, and whether checks left out meet failed reads.
fn write_sweep(
    scopes: Vec<SweepScope>,
    names: &[(&'static str, &str)],
    globals: &Globals,
    selection: &Selection,
    out: &mut impl std::io::Write,
) -> anyhow::Result<(SweepSummary, bool)> {
    let mut scopes = unique_scopes(scopes)?;
    // Sorted before the redaction too, so its placeholders follow the accounts' order, not the
    // order the collections ended in.
    report::sweep::sort(&mut scopes);
    let mut scopes = crate::redact::scopes_when(globals.redact, scopes, names)?;
    report::sweep::sort(&mut scopes);
    let partial_with_gaps = selection.is_partial() && scopes.iter().any(has_gaps);
    let summary = report::sweep::write(&scopes, selection, globals.format, globals.colour, out)
        .context("cannot write the report")?;
    Ok((summary, partial_with_gaps))
}

fn has_gaps(scope: &SweepScope) -> bool {
    scope
        .outcome
        .as_ref()
        .is_ok_and(|snapshot| !snapshot.gaps.is_empty())
}

/// 2 when nothing at all could be read, or when the cluster the sweep was told to look for
/// (`named`) is in none of the accounts and regions, all read (a typo, not a clean bill); else
/// as for one account, with an account or region not read counting as undecided (3).
fn sweep_exit(summary: &SweepSummary, partial_with_gaps: bool, named: Option<&str>) -> ExitCode {
    if let Some(cluster) = named
        && summary.totals.targets == 0
        && summary.account_regions_failed == 0
        && !summary.read_nothing()
    {
        output::error_line(&format!(
            "cluster {cluster} is in none of the accounts and regions swept; check --cluster, --regions and --accounts"
        ));
        return ExitCode::from(EXIT_FAILURE);
    }
    if summary.read_nothing() {
        output::error_line(
            "no account and region could be read; the report says why for each (fix the first, or narrow --accounts/--regions)",
        );
        ExitCode::from(EXIT_FAILURE)
    } else if summary.totals.has_errors() {
        ExitCode::from(EXIT_FINDINGS)
    } else if summary.totals.unknown > 0 || summary.account_regions_failed > 0 || partial_with_gaps
    {
        ExitCode::from(EXIT_UNDECIDED)
    } else {
        ExitCode::SUCCESS
    }
}

/// The snapshots of a directory `snapshot --out-dir` wrote (every `*.json` but
/// [`SWEEP_FILE`]), and the accounts and regions its [`SWEEP_FILE`] lists as not read.
fn load_directory(directory: &Path) -> anyhow::Result<Vec<SweepScope>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(directory)
        .with_context(|| format!("cannot read the directory {}", directory.display()))?
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| {
            path.extension()
                .is_some_and(|ext| ext.eq_ignore_ascii_case("json"))
                && path.file_name().is_some_and(|name| name != SWEEP_FILE)
        })
        .collect();
    files.sort();
    let mut scopes = Vec::new();
    for file in &files {
        scopes.push(SweepScope::read(load_path(file)?));
    }
    let sweep_file = directory.join(SWEEP_FILE);
    if sweep_file.is_file() {
        scopes.extend(not_read(&sweep_file)?);
    }
    if scopes.is_empty() {
        anyhow::bail!(
            "{} holds no snapshot (*.json); write them with `ecr-pathcheck snapshot --out-dir`",
            directory.display()
        );
    }
    Ok(scopes)
}

/// The `failures` of a [`SWEEP_FILE`]: `[{account_id, region, error}]`.
fn not_read(path: &Path) -> anyhow::Result<Vec<SweepScope>> {
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct SweepFile {
        failures: Vec<Failure>,
    }
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Failure {
        account_id: String,
        region: Option<String>,
        error: String,
    }
    // A list of failures, kilobytes: a file far larger is not one.
    const MAX_SWEEP_FILE: u64 = 16 << 20;
    let size = std::fs::metadata(path)
        .with_context(|| format!("cannot read {}", path.display()))?
        .len();
    if size > MAX_SWEEP_FILE {
        anyhow::bail!(
            "{} is {size} bytes; a sweep file lists failures and is at most 16 MiB",
            path.display()
        );
    }
    let text = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let file: SweepFile = serde_json::from_slice(&text).map_err(|error| {
        anyhow::anyhow!(
            "{} is not a sweep file (failures: [{{account_id, region, error}}]): {error}",
            path.display()
        )
    })?;
    file.failures
        .into_iter()
        .map(|failure| {
            if !crate::collect::arn::is_account(&failure.account_id) {
                anyhow::bail!(
                    "{}: failures[].account_id {:?} is not a 12-digit account id",
                    path.display(),
                    failure.account_id
                );
            }
            if let Some(region) = failure.region.as_deref()
                && !crate::collect::arn::is_region(region)
            {
                anyhow::bail!(
                    "{}: failures[].region {region:?} is not a region name (like us-east-1), nor null for the whole account",
                    path.display()
                );
            }
            // Someone else's file: its text is masked and made inert as a snapshot's is.
            let error = ecr_pathcheck_checks::snapshot::redact::cleaned(&failure.error)
                .unwrap_or(failure.error);
            Ok(SweepScope {
                account_id: failure.account_id,
                region: failure.region,
                outcome: Err(ecr_pathcheck_checks::text::line(&error).into_owned()),
            })
        })
        .collect()
}

fn load(args: &DiagnoseArgs) -> anyhow::Result<Snapshot> {
    if args.demo {
        return Ok(snapshot::from_json(
            DEMO_SNAPSHOT.as_bytes(),
            Path::new("<demo>"),
        )?);
    }
    let path = args
        .snapshot
        .first()
        .context("give --task-arn ARN, --cluster C [--service S], --snapshot FILE or --demo")?;
    load_path(path)
}

/// A snapshot file, migrated on load from an older schema version (and saying so).
fn load_path(path: &Path) -> anyhow::Result<Snapshot> {
    let loaded = snapshot::load_file_versioned(path)?;
    if loaded.read_version != snapshot::SCHEMA_VERSION {
        eprintln!(
            "note: {} has snapshot schema_version {}; it was migrated on load to version {}",
            crate::output::safe_message(&path.display().to_string()),
            loaded.read_version,
            snapshot::SCHEMA_VERSION
        );
    }
    Ok(loaded.snapshot)
}
