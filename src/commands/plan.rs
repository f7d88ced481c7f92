//! `ecr-pathcheck plan PLAN.json`: a Terraform plan checked against the pull path before apply.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use ecr_pathcheck_checks::plan::{self, MAX_PLAN_BYTES, Plan};
use ecr_pathcheck_checks::snapshot::{self, Snapshot};

use super::{Globals, live};
use crate::cli::PlanArgs;
use crate::output::{self, EXIT_FINDINGS, EXIT_UNDECIDED};
use crate::report::{self, Locations};

pub fn run(args: &PlanArgs, globals: &Globals) -> anyhow::Result<ExitCode> {
    // The plan first: a bad plan is refused before any AWS call.
    let bytes = read_plan(&args.plan)?;
    let plan = Plan::from_json(&bytes, &args.plan.display().to_string())?;
    let selection = args.checks.selection()?;
    if args.target.is_sweep()
        || args.target.role_name.is_some()
        || !args.target.exclude_accounts.is_empty()
    {
        bail!(
            "a plan applies to one account and region: drop --all-clusters, --regions, --accounts, --organization, --role-name and --exclude-accounts"
        );
    }
    let account = account(args, globals)?;
    let (plan, account) = crate::redact::plan_when(globals.redact, plan, &bytes, account)?;
    // As for `diagnose`: checks left out with failed reads in the account are no clean bill.
    let partial_with_gaps = selection.is_partial() && !account.gaps.is_empty();
    let checked = plan::check_with(&plan, &account, &selection)?;
    let config_dir = args
        .config_dir
        .clone()
        .unwrap_or_else(|| match args.plan.parent() {
            Some(parent) if args.plan.as_os_str() != "-" => parent.to_path_buf(),
            _ => PathBuf::new(),
        });
    let locations = locate(&checked.plan.resources, &config_dir);
    output::print(&report::render_plan(
        &checked,
        globals.format,
        &locations,
        globals.colour,
    ))
    .context("cannot write the report")?;
    let report = &checked.report;
    Ok(if report.has_errors() {
        ExitCode::from(EXIT_FINDINGS)
    } else if report.is_undecided() || partial_with_gaps {
        ExitCode::from(EXIT_UNDECIDED)
    } else {
        ExitCode::SUCCESS
    })
}

fn account(args: &PlanArgs, globals: &Globals) -> anyhow::Result<Snapshot> {
    if let Some(path) = &args.snapshot {
        return Ok(snapshot::load_file(path)?);
    }
    let mut connection = globals.connection.clone();
    match live::scope(&args.target, &mut connection)? {
        Some(scope) => live::collect(&scope, &connection, &args.target, globals.debug),
        None => bail!(
            "give the account the plan applies to: --snapshot FILE, or --cluster C [--service S] or --task-arn ARN to read it live"
        ),
    }
}

/// At most [`MAX_PLAN_BYTES`] of a regular file, or of standard input for `-`.
fn read_plan(path: &Path) -> anyhow::Result<Vec<u8>> {
    let shown = path.display();
    let reader: Box<dyn Read> = if path.as_os_str() == "-" {
        Box::new(std::io::stdin().lock())
    } else {
        let metadata = std::fs::metadata(path).map_err(|error| match error.kind() {
            std::io::ErrorKind::NotFound => anyhow::anyhow!("plan file {shown} does not exist"),
            _ => anyhow::anyhow!("cannot read plan file {shown}: {error}"),
        })?;
        if !metadata.is_file() {
            bail!("cannot read plan file {shown}: it is not a regular file");
        }
        if metadata.len() > MAX_PLAN_BYTES {
            bail!(
                "plan file {shown} is too large: {} bytes, the limit is {MAX_PLAN_BYTES} bytes",
                metadata.len()
            );
        }
        Box::new(
            std::fs::File::open(path).with_context(|| format!("cannot read plan file {shown}"))?,
        )
    };
    let mut bytes = Vec::new();
    reader
        .take(MAX_PLAN_BYTES + 1)
        .read_to_end(&mut bytes)
        .with_context(|| format!("cannot read plan file {shown}"))?;
    if bytes.len() as u64 > MAX_PLAN_BYTES {
        bail!("plan file {shown} is too large: the limit is {MAX_PLAN_BYTES} bytes");
    }
    Ok(bytes)
}

/// Each planned resource's declaration: the `.tf` file of its module's directory (when the
/// module's `source` is local) that holds `resource "TYPE" "NAME"`, and the line. A file that
/// cannot be read is simply not a location.
fn locate(resources: &[plan::PlannedResource], config_dir: &Path) -> Locations {
    let mut files: std::collections::BTreeMap<PathBuf, Vec<(PathBuf, String)>> = Default::default();
    resources
        .iter()
        .map(|resource| {
            let location = resource.module_dir.as_ref().and_then(|dir| {
                let dir = if dir.is_empty() {
                    config_dir.to_path_buf()
                } else {
                    config_dir.join(dir)
                };
                let sources = files.entry(dir.clone()).or_insert_with(|| tf_files(&dir));
                let name = resource
                    .address
                    .rsplit_once('.')
                    .map(|(_, name)| name.split('[').next().unwrap_or(name))?;
                sources.iter().find_map(|(path, text)| {
                    let line = plan::declaration_line(text, resource.mode, &resource.kind, name)?;
                    Some((uri(path), line))
                })
            });
            (resource.address.clone(), location)
        })
        .collect()
}

fn tf_files(dir: &Path) -> Vec<(PathBuf, String)> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "tf") && path.is_file())
        .collect();
    paths.sort();
    paths
        .into_iter()
        .filter(|path| std::fs::metadata(path).is_ok_and(|m| m.len() <= 4 * 1024 * 1024))
        .filter_map(|path| Some((path.clone(), std::fs::read_to_string(&path).ok()?)))
        .collect()
}

/// A relative path with `/` separators and no `./`, as SARIF's artifact URIs want it.
fn uri(path: &Path) -> String {
    path.components()
        .filter(|c| !matches!(c, std::path::Component::CurDir))
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}
