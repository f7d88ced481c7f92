use std::io::Write;
use std::process::ExitCode;

use anyhow::{Context, bail};

use super::{Globals, live};
use crate::cli::SnapshotArgs;

pub fn run(args: &SnapshotArgs, globals: &Globals) -> anyhow::Result<ExitCode> {
    let mut connection = globals.connection.clone();
    let Some(scope) = live::scope(&args.target, &mut connection)? else {
        bail!("give --task-arn ARN, --cluster C --service S, or --cluster C");
    };
    // Rust's stdout silently swallows writes to a closed fd 1: check before collecting.
    if args.out.as_os_str() == "-" && !standard_output_is_open() {
        bail!("standard output is closed, so the snapshot cannot be written; pass -o FILE");
    }
    let snapshot = live::collect(&scope, &connection, &args.target, globals.debug)?;
    let snapshot = crate::redact::when(globals.redact, snapshot)?;
    let mut text = serde_json::to_string_pretty(&snapshot)?;
    text.push('\n');
    if args.out.as_os_str() == "-" {
        // Unlike a report, a snapshot that does not arrive is lost work: a reader that went
        // away is an error.
        let mut stdout = std::io::stdout().lock();
        stdout
            .write_all(text.as_bytes())
            .and_then(|()| stdout.flush())
            .context("cannot write the snapshot to standard output")?;
    } else {
        let mut file = std::fs::File::create(&args.out)
            .with_context(|| format!("cannot create {}", args.out.display()))?;
        file.write_all(text.as_bytes())
            .and_then(|()| file.sync_all())
            .with_context(|| format!("cannot write {}", args.out.display()))?;
        eprintln!(
            "wrote {} ({} gaps); replay it with: ecr-pathcheck diagnose --snapshot {}",
            args.out.display(),
            snapshot.gaps.len(),
            args.out.display()
        );
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
