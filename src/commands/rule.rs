use std::process::ExitCode;

use anyhow::{Context, anyhow};
use ecr_pathcheck_checks::rules;

use super::Globals;
use crate::output;

pub fn run(id: Option<&str>, globals: &Globals) -> anyhow::Result<ExitCode> {
    let text = match id {
        Some(id) => {
            let check = rules::lookup(id)
                .ok_or_else(|| anyhow!("no check `{id}`; `ecr-pathcheck rule` lists them"))?;
            match globals.format {
                crate::cli::OutputFormat::Json => {
                    serde_json::to_string_pretty(&serde_json::json!({
                        "id": check.id,
                        "name": check.name,
                        "severity": check.severity,
                        "documentation": check.markdown(),
                    }))? + "\n"
                }
                _ => check.markdown(),
            }
        }
        None => crate::report::check_list(rules::all(), globals.format, globals.colour),
    };
    output::print(&text).context("cannot write the documentation")?;
    Ok(ExitCode::SUCCESS)
}
