//! `--redact`: the snapshot (and a plan laid over it) anonymized before the engine or any
//! writer sees it, so every output format and the snapshot file carry placeholders only. The
//! mapping is `ecr_pathcheck_checks::snapshot::anonymize`'s; here it is applied, and its result
//! goes through the loader's validation like any snapshot.

use std::path::Path;

use anyhow::Context;
use ecr_pathcheck_checks::plan::Plan;
use ecr_pathcheck_checks::snapshot::{self, Snapshot, anonymize};

/// The snapshot anonymized when `redact`, else as it is.
pub fn when(redact: bool, snapshot: Snapshot) -> anyhow::Result<Snapshot> {
    if !redact {
        return Ok(snapshot);
    }
    validated(anonymize::anonymize(&snapshot))
}

/// The plan and the account anonymized with one mapping when `redact`, so the plan's ids,
/// ARNs and names still meet the account's.
pub fn plan_when(
    redact: bool,
    plan: Plan,
    bytes: &[u8],
    account: Snapshot,
) -> anyhow::Result<(Plan, Snapshot)> {
    if !redact {
        return Ok((plan, account));
    }
    let mut document: serde_json::Value =
        serde_json::from_slice(bytes).context("cannot redact the plan: it is not JSON")?;
    let account = validated(anonymize::anonymize_with(&account, &mut [&mut document]))?;
    let bytes = serde_json::to_vec(&document)?;
    let plan = Plan::from_json(&bytes, "(redacted)")
        .map_err(|error| anyhow::anyhow!("cannot redact the plan: {error}"))?;
    Ok((plan, account))
}

/// The anonymized snapshot through the loader, as a file would go: a placeholder that broke a
/// shape is a one-line error, never a wrong diagnosis.
fn validated(redacted: Snapshot) -> anyhow::Result<Snapshot> {
    let bytes = serde_json::to_vec(&redacted)?;
    snapshot::from_json(&bytes, Path::new("(redacted)"))
        .map_err(|error| anyhow::anyhow!("cannot redact this snapshot: {error}"))
}

/// A sweep's accounts and regions anonymized with one mapping when `redact` (an account, id or
/// address shared by two of them gets the same placeholder in both, and two accounts never
/// share one), and what could not be read rewritten with it too; `names`: the names the sweep
/// was given (`--cluster`, `--service`), which its messages may hold.
pub fn scopes_when(
    redact: bool,
    scopes: Vec<crate::report::sweep::SweepScope>,
    names: &[(&'static str, &str)],
) -> anyhow::Result<Vec<crate::report::sweep::SweepScope>> {
    use crate::report::sweep::SweepScope;
    if !redact {
        return Ok(scopes);
    }
    let (read, failed): (Vec<SweepScope>, Vec<SweepScope>) =
        scopes.into_iter().partition(|scope| scope.outcome.is_ok());
    let snapshots: Vec<Snapshot> = read
        .into_iter()
        .filter_map(|scope| scope.outcome.ok())
        .collect();
    // What could not be read: its account and its message, mapped with the snapshots' mapping;
    // the region and the message's own words stay.
    let mut texts: Vec<(String, String)> = failed
        .iter()
        .map(|scope| {
            (
                scope.account_id.clone(),
                scope.outcome.as_ref().err().cloned().unwrap_or_default(),
            )
        })
        .collect();
    let mut messages: Vec<&mut String> = texts
        .iter_mut()
        .flat_map(|(account, error)| [account, error])
        .collect();
    let redacted =
        anonymize::anonymize_all_with_messages(&snapshots, &mut [], &mut messages, names);
    let mut scopes = Vec::new();
    for snapshot in redacted {
        scopes.push(SweepScope::read(validated(snapshot)?));
    }
    for (scope, (account_id, error)) in failed.into_iter().zip(texts) {
        scopes.push(SweepScope {
            account_id,
            region: scope.region,
            outcome: Err(error),
        });
    }
    Ok(scopes)
}
