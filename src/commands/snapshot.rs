use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, bail};

use super::{Globals, live};
use crate::cli::SnapshotArgs;
use crate::report::sweep::SweepScope;

pub fn run(args: &SnapshotArgs, globals: &Globals) -> anyhow::Result<ExitCode> {
    let mut connection = globals.connection.clone();
    if let Some(sweep) = live::sweep(&args.target, &mut connection)? {
        let Some(directory) = &args.out_dir else {
            bail!("a sweep writes one snapshot per account and region: pass --out-dir DIR");
        };
        return write_sweep(&sweep, &connection, args, globals, directory);
    }
    let Some(scope) = live::scope(&args.target, &mut connection)? else {
        bail!("give --task-arn ARN, --cluster C --service S, or --cluster C");
    };
    let out = match (&args.out, &args.out_dir) {
        (Some(out), _) => out.clone(),
        (None, Some(directory)) => {
            prepare_directory(directory)?;
            directory.join("snapshot.json")
        }
        (None, None) => bail!("pass -o FILE (or -o - for standard output)"),
    };
    // Rust's stdout silently swallows writes to a closed fd 1: check before collecting.
    if out.as_os_str() == "-" && !standard_output_is_open() {
        bail!("standard output is closed, so the snapshot cannot be written; pass -o FILE");
    }
    let snapshot = live::collect(&scope, &connection, &args.target, globals.debug)?;
    let snapshot = crate::redact::when(globals.redact, snapshot)?;
    let out = match &args.out_dir {
        Some(directory) => directory.join(file_name(&snapshot.account_id, &snapshot.region)),
        None => out,
    };
    let mut text = serde_json::to_string_pretty(&snapshot)?;
    text.push('\n');
    if out.as_os_str() == "-" {
        // Unlike a report, a snapshot that does not arrive is lost work: a reader that went
        // away is an error.
        let mut stdout = std::io::stdout().lock();
        stdout
            .write_all(text.as_bytes())
            .and_then(|()| stdout.flush())
            .context("cannot write the snapshot to standard output")?;
    } else {
        write_file(&out, &text)?;
        eprintln!(
            "wrote {} ({} gaps); replay it with: ecr-pathcheck diagnose --snapshot {}",
            out.display(),
            snapshot.gaps.len(),
            out.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn write_file(path: &Path, text: &str) -> anyhow::Result<()> {
    let mut file =
        std::fs::File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
    file.write_all(text.as_bytes())
        .and_then(|()| file.sync_all())
        .with_context(|| format!("cannot write {}", path.display()))
}

/// `ACCOUNT-REGION.json`.
fn file_name(account_id: &str, region: &str) -> String {
    format!("{account_id}-{region}.json")
}

/// Creates the directory if needed; refuses one that already holds snapshots, which a replay
/// of the directory would mix with these.
fn prepare_directory(directory: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(directory)
        .with_context(|| format!("cannot create the directory {}", directory.display()))?;
    let holds_json = std::fs::read_dir(directory)
        .with_context(|| format!("cannot read the directory {}", directory.display()))?
        .filter_map(Result::ok)
        .any(|entry| entry.path().extension().is_some_and(|ext| ext == "json"));
    if holds_json {
        bail!(
            "{} already holds .json files; give an empty or new directory",
            directory.display()
        );
    }
    Ok(())
}

/// A sweep's snapshots, one file per account and region read, written as each is done; the
/// accounts and regions not read go to `sweep.json`. Exit 2 when none could be read.
fn write_sweep(
    sweep: &crate::collect::sweep::Sweep,
    connection: &crate::collect::Connection,
    args: &SnapshotArgs,
    globals: &Globals,
    directory: &Path,
) -> anyhow::Result<ExitCode> {
    prepare_directory(directory)?;
    let (mut written, mut failures) = (0, Vec::new());
    let mut write_scope = |scope: SweepScope| -> anyhow::Result<()> {
        match scope.outcome {
            Ok(snapshot) => {
                let mut text = serde_json::to_string_pretty(&snapshot)?;
                text.push('\n');
                write_file(
                    &directory.join(file_name(&snapshot.account_id, &snapshot.region)),
                    &text,
                )?;
                written += 1;
            }
            Err(error) => failures.push(serde_json::json!({
                "account_id": scope.account_id,
                "region": scope.region,
                "error": error,
            })),
        }
        Ok(())
    };
    if globals.redact {
        // One mapping for every account and region: written once all are read.
        let mut scopes = Vec::new();
        live::run_sweep(sweep, connection, &args.target, globals.debug, |scope| {
            scopes.push(scope);
            Ok(())
        })?;
        crate::report::sweep::sort(&mut scopes);
        let names = super::diagnose::sweep_names(sweep);
        for scope in crate::redact::scopes_when(true, scopes, &names)? {
            write_scope(scope)?;
        }
    } else {
        live::run_sweep(sweep, connection, &args.target, globals.debug, write_scope)?;
    }
    failures.sort_by_key(|failure| failure.to_string());
    let mut text = serde_json::to_string_pretty(&serde_json::json!({ "failures": failures }))?;
    text.push('\n');
    write_file(&directory.join(super::diagnose::SWEEP_FILE), &text)?;
    eprintln!(
        "wrote {written} snapshot(s) to {}; {} account-region(s) not read (listed in {}); replay them with: ecr-pathcheck diagnose --snapshot {}",
        directory.display(),
        failures.len(),
        super::diagnose::SWEEP_FILE,
        directory.display()
    );
    if written == 0 {
        crate::output::error_line("no account and region could be read; sweep.json says why");
        return Ok(ExitCode::from(crate::output::EXIT_FAILURE));
    }
    Ok(ExitCode::SUCCESS)
}

/// Whether standard output was open when the program started. Rust's runtime reopens a closed
/// fd 1 on `/dev/null` read-write before `main` (std's `sanitize_standard_fds`), so writes to it
/// vanish; a shell's `> /dev/null` opens it write-only. Linux only (`/proc/self/fdinfo`);
/// elsewhere assumed open.
fn standard_output_is_open() -> bool {
    let Ok(target) = std::fs::read_link("/proc/self/fd/1") else {
        return !std::path::Path::new("/proc/self/fd").exists();
    };
    if target != std::path::Path::new("/dev/null") {
        return true;
    }
    const O_ACCMODE: u32 = 0o3;
    const O_RDWR: u32 = 0o2;
    let flags = std::fs::read_to_string("/proc/self/fdinfo/1")
        .ok()
        .and_then(|info| {
            info.lines()
                .find_map(|line| line.strip_prefix("flags:"))
                .and_then(|value| u32::from_str_radix(value.trim(), 8).ok())
        });
    flags.is_none_or(|flags| flags & O_ACCMODE != O_RDWR)
}
