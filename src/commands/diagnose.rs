use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use ecr_pathcheck_checks::snapshot::{self, Snapshot};

use super::{Globals, live};
use crate::cli::DiagnoseArgs;
use crate::output::{self, EXIT_FINDINGS, EXIT_UNDECIDED};
use crate::report;

/// The classic failure: the task's security group lacks the S3 prefix-list egress rule.
const DEMO_SNAPSHOT: &str = include_str!("../../mocks/s3-prefix-list-egress-missing/snapshot.json");

pub fn run(args: &DiagnoseArgs, globals: &Globals) -> anyhow::Result<ExitCode> {
    // A bad --select/--ignore is refused before any AWS call.
    let selection = args.checks.selection()?;
    let mut connection = globals.connection.clone();
    let snapshot = match live::scope(&args.target, &mut connection)? {
        Some(scope) => live::collect(&scope, &connection, &args.target, globals.debug)?,
        None => {
            let snapshot = load(args)?;
            // An offline diagnosis reads no region: a --region that disagrees is a mistake.
            if let Some(region) = connection.region.as_deref()
                && region != snapshot.region
            {
                anyhow::bail!(
                    "the snapshot is of region {} but --region says {region}; drop --region to replay it",
                    snapshot.region
                );
            }
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

fn load(args: &DiagnoseArgs) -> anyhow::Result<Snapshot> {
    if args.demo {
        return Ok(snapshot::from_json(
            DEMO_SNAPSHOT.as_bytes(),
            Path::new("<demo>"),
        )?);
    }
    let path = args
        .snapshot
        .as_deref()
        .context("give --task-arn ARN, --cluster C [--service S], --snapshot FILE or --demo")?;
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
