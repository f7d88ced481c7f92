use std::io::Read;
use std::process::ExitCode;

use anyhow::{Context, bail};
use ecr_pathcheck_checks::reason::classify;

use crate::cli::OutputFormat;
use crate::output;

/// A stopped reason is at most 1024 characters and a container reason 255 (ECS API reference);
/// this leaves room for service events and pasted logs while bounding the read.
const MAX_REASON_BYTES: u64 = 1 << 20;

pub fn run(text: &str, format: OutputFormat) -> anyhow::Result<ExitCode> {
    let text = if text == "-" {
        let mut buffer = String::new();
        std::io::stdin()
            .take(MAX_REASON_BYTES + 1)
            .read_to_string(&mut buffer)
            .context("cannot read the reason from standard input")?;
        if buffer.len() as u64 > MAX_REASON_BYTES {
            bail!(
                "the reason on standard input is longer than {MAX_REASON_BYTES} bytes; a stopped reason is at most a few KB"
            );
        }
        buffer
    } else {
        text.to_string()
    };
    if text.trim().is_empty() {
        bail!(
            "the reason text is empty: pass the stoppedReason or container reason, e.g. ecr-pathcheck explain \"CannotPullContainerError: ...\""
        );
    }
    let classification = classify(&text);
    let rendered = match format {
        OutputFormat::Sarif | OutputFormat::Junit => {
            bail!(
                "--output sarif and junit are for `diagnose` and `plan`; explain writes table, json or markdown"
            )
        }
        OutputFormat::Json => serde_json::to_string_pretty(&classification)? + "\n",
        OutputFormat::Jsonl => serde_json::to_string(&classification)? + "\n",
        OutputFormat::Table | OutputFormat::Markdown => {
            crate::report::explain_text(&classification, format)
        }
    };
    output::print(&rendered).context("cannot write the explanation")?;
    Ok(ExitCode::SUCCESS)
}
