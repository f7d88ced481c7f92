use std::io::Write;
use std::process::ExitCode;

use anyhow::{Context, bail};

use super::live;
use crate::cli::SnapshotArgs;
use crate::collect::Connection;

pub fn run(args: &SnapshotArgs, connection: &Connection) -> anyhow::Result<ExitCode> {
    let mut connection = connection.clone();
    let Some(scope) = live::scope(&args.target, &mut connection)? else {
        bail!("give --task-arn ARN, --cluster C --service S, or --cluster C");
    };
    let snapshot = live::collect(&scope, &connection, &args.target)?;
    let mut text = serde_json::to_string_pretty(&snapshot)?;
    text.push('\n');
    if args.out.as_os_str() == "-" {
        crate::output::print(&text).context("cannot write the snapshot")?;
    } else {
        let mut file = std::fs::File::create(&args.out)
            .with_context(|| format!("cannot create {}", args.out.display()))?;
        file.write_all(text.as_bytes())
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
