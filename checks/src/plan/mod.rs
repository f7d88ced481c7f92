//! Checking a Terraform plan against the pull path, before apply.
//!
//! `check(&Plan, &Snapshot) -> PlanReport`: the plan (`terraform show -json PLANFILE`, format
//! 1.x, see [`model`]) is laid over the account as it is ([`overlay`]): created and updated
//! resources replace or join what is there, deleted ones disappear, the rest comes from the
//! account. The result is validated as any snapshot (`snapshot::from_json`) and diagnosed by
//! the engine ([`crate::diagnose`]); the findings then name the plan's resource addresses
//! beside the AWS ids, and their Terraform fixes refer to those resources.
//!
//! What the plan knows only after apply and the configuration's references cannot resolve is a
//! gap with `error_code` `KnownAfterApply` (docs/snapshot.md, "Gaps"): its hops are unknown,
//! never an error.

pub mod model;
pub mod overlay;
mod values;

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;

pub use model::{Action, Instance, MAX_PLAN_BYTES, Mode, Plan, PlanError};
pub use overlay::{KNOWN_AFTER_APPLY, MAPPED_TYPES, PlannedResource, UnknownValue};

use crate::finding::Finding;
use crate::report::Report;
use crate::snapshot::Snapshot;

/// The engine's report on the account after apply, and what the plan contributed.
///
/// JSON: the fields of [`Report`] (`schema_version`, `summary`, `targets`, `findings`: each
/// finding's `resources` holds the plan addresses it concerns after the AWS ids), plus `plan`.
#[derive(Debug, Clone, Serialize)]
pub struct PlanReport {
    #[serde(flatten)]
    pub report: Report,
    pub plan: PlanSummary,
}

#[derive(Debug, Clone, Serialize)]
pub struct PlanSummary {
    pub format_version: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub terraform_version: Option<String>,
    /// Every resource instance of the plan, with its action and id after apply.
    pub resources: Vec<PlannedResource>,
    /// Values known only after apply that decide hops, and what the diagnosis did without them.
    pub unknown: Vec<UnknownValue>,
}

impl PlanReport {
    /// The plan resources a finding names (addresses among its `resources`).
    pub fn addresses_of<'r>(&'r self, finding: &'r Finding) -> Vec<&'r PlannedResource> {
        finding
            .resources
            .iter()
            .filter_map(|resource| {
                self.plan
                    .resources
                    .iter()
                    .find(|planned| &planned.address == resource)
            })
            .collect()
    }
}

/// Lays `plan` over `account` and diagnoses the result.
pub fn check(plan: &Plan, account: &Snapshot) -> Result<PlanReport, PlanError> {
    check_with(plan, account, &crate::facts::Selection::default())
}

/// As [`check`], with only the selected checks (`--select` / `--ignore`).
pub fn check_with(
    plan: &Plan,
    account: &Snapshot,
    selection: &crate::facts::Selection,
) -> Result<PlanReport, PlanError> {
    let overlay = overlay::overlay(plan, account);
    let bytes = serde_json::to_vec(&overlay.snapshot)
        .map_err(|error| PlanError(format!("cannot lay the plan over the account: {error}")))?;
    let snapshot = crate::snapshot::from_json(&bytes, Path::new("<account after the plan>"))
        .map_err(|error| {
            PlanError(format!(
                "the plan's values do not form a valid account: {error}"
            ))
        })?;
    let mut report = crate::engine::diagnose_with(&snapshot, selection);
    annotate(&mut report, plan, &overlay);
    Ok(PlanReport {
        report,
        plan: PlanSummary {
            format_version: plan.format_version.clone(),
            terraform_version: plan.terraform_version.clone(),
            resources: overlay.resources,
            unknown: overlay.unknowns,
        },
    })
}

/// The checks a deleted resource of each kind can cause, and the `before` fields naming what
/// the findings then name.
fn deletion_effects(kind: &str) -> (&'static [&'static str], &'static [&'static str]) {
    match kind {
        "aws_security_group_rule"
        | "aws_vpc_security_group_egress_rule"
        | "aws_vpc_security_group_ingress_rule" => {
            (&["PC401", "PC402", "PC403"], &["security_group_id"])
        }
        "aws_vpc_endpoint" => (&["PC201", "PC301", "PC302"], &["vpc_id", "route_table_ids"]),
        "aws_vpc_endpoint_route_table_association" => (&["PC301", "PC201"], &["route_table_id"]),
        "aws_vpc_endpoint_security_group_association" => {
            (&["PC403", "PC402"], &["security_group_id"])
        }
        "aws_route" | "aws_route_table_association" => (
            &["PC301", "PC302", "PC303", "PC304"],
            &["route_table_id", "subnet_id"],
        ),
        "aws_network_acl_rule" | "aws_network_acl_association" => {
            (&["PC501", "PC502"], &["network_acl_id", "subnet_id"])
        }
        "aws_nat_gateway" => (&["PC302", "PC303"], &["subnet_id", "id"]),
        "aws_iam_role_policy" | "aws_iam_role_policy_attachment" => (&["PC603"], &["role"]),
        _ => (&[], &[]),
    }
}

fn annotate(report: &mut Report, plan: &Plan, overlay: &overlay::Overlay) {
    // AWS id or ARN → the instances that have it after apply (managed first).
    let mut by_id: BTreeMap<&str, Vec<&Instance>> = BTreeMap::new();
    for resource in &overlay.resources {
        let Some(id) = resource.id.as_deref() else {
            continue;
        };
        if !resource.action.keeps() {
            continue;
        }
        if let Some(instance) = plan.instance(&resource.address) {
            by_id.entry(id).or_default().push(instance);
        }
    }
    for instances in by_id.values_mut() {
        instances.sort_by_key(|i| (i.mode, i.address.clone()));
    }
    let deleted: Vec<&Instance> = plan
        .instances
        .iter()
        .filter(|i| i.mode == Mode::Managed && matches!(i.action, Action::Delete))
        .collect();
    let mut planned_gaps: Vec<(String, String)> = overlay
        .snapshot
        .gaps
        .iter()
        .filter(|gap| gap.error_code == KNOWN_AFTER_APPLY)
        .map(|gap| {
            (
                format!(
                    "Could not call {}{}: {KNOWN_AFTER_APPLY}",
                    gap.api,
                    gap.resource
                        .as_deref()
                        .map(|r| format!(" for {r}"))
                        .unwrap_or_default()
                ),
                gap.message.clone(),
            )
        })
        .collect();
    for finding in &mut report.findings {
        let mut addresses: Vec<&Instance> = Vec::new();
        for resource in &finding.resources {
            if let Some(instances) = by_id.get(resource.as_str()) {
                for instance in instances {
                    if !addresses.iter().any(|a| a.address == instance.address) {
                        addresses.push(instance);
                    }
                }
            }
        }
        for instance in &deleted {
            let (checks, fields) = deletion_effects(&instance.kind);
            if !checks.contains(&finding.check) {
                continue;
            }
            let before = instance.before.as_ref();
            let named = fields.iter().any(|field| {
                let values: Vec<String> = match before.and_then(|b| b.get(*field)) {
                    Some(serde_json::Value::String(s)) => vec![s.clone()],
                    Some(serde_json::Value::Array(items)) => items
                        .iter()
                        .filter_map(|v| v.as_str().map(str::to_string))
                        .collect(),
                    _ => Vec::new(),
                };
                values.iter().any(|value| {
                    !value.is_empty()
                        && finding.resources.iter().any(|r| {
                            r == value || (*field == "role" && r.ends_with(&format!("/{value}")))
                        })
                })
            });
            let service_matches = instance.kind != "aws_vpc_endpoint"
                || before
                    .and_then(|b| b.get("service_name"))
                    .and_then(|s| s.as_str())
                    .map(crate::snapshot::short_service_name)
                    .is_some_and(|short| {
                        finding.title.contains(&format!("No {short} VPC endpoint"))
                            || (short == "s3" && finding.check != "PC201")
                    });
            if named && service_matches && !addresses.iter().any(|a| a.address == instance.address)
            {
                addresses.push(instance);
            }
        }
        // A gap of ours reads as what it is: a value known after apply, not a refused call.
        if finding.check == "PC901"
            && let Some(at) = planned_gaps
                .iter()
                .position(|(title, _)| *title == finding.title)
        {
            // Gaps with one title come in the snapshot's order, as the engine reports them.
            let (_, message) = planned_gaps.remove(at);
            finding.title = message.trim_end_matches(" (Terraform plan)").to_string();
            finding.detail = format!(
                "{message}. The hops that need this value are reported as unknown; run `ecr-pathcheck diagnose` against the account once the plan is applied to decide them."
            );
            finding.fix = Some(crate::finding::Fix {
                aws_cli: "# nothing to change: decided after apply".into(),
                terraform: "# nothing to change: decided after apply".into(),
            });
            if let Some(address) = message.split(':').next()
                && let Some(instance) = plan.instance(address)
                && !addresses.iter().any(|a| a.address == instance.address)
            {
                addresses.push(instance);
            }
        }
        if let Some(anchor) = addresses.first().copied()
            && let Some(fix) = &mut finding.fix
            && finding.check != "PC901"
        {
            fix.terraform = terraform_for(plan, anchor, &fix.terraform, &by_id);
        }
        for instance in addresses {
            if !finding.resources.contains(&instance.address) {
                finding.resources.push(instance.address.clone());
            }
        }
    }
}

/// The engine's Terraform fix, rewritten for the plan's resource `anchor`: ids of resources
/// of the same module become references (`aws_security_group.tasks.id`), and a rule resource
/// for a group whose rules are inline becomes the block to add to it.
fn terraform_for(
    plan: &Plan,
    anchor: &Instance,
    terraform: &str,
    by_id: &BTreeMap<&str, Vec<&Instance>>,
) -> String {
    let mut text = terraform.to_string();
    for (id, instances) in by_id {
        let Some(instance) = instances.iter().find(|i| i.module == anchor.module) else {
            continue;
        };
        let attribute = if id.starts_with("arn:") { "arn" } else { "id" };
        let quoted = format!("\"{id}\"");
        if text.contains(&quoted) {
            text = text.replace(
                &quoted,
                &format!("{}.{attribute}", instance.local_address()),
            );
        }
    }
    let inline = anchor.kind == "aws_security_group"
        && ["egress", "ingress"].iter().any(|key| {
            plan.config_resource(anchor)
                .and_then(|r| r.get("expressions"))
                .and_then(|e| e.get(*key))
                .is_some()
        });
    let place = match (anchor.module.as_str(), plan.module_dir(&anchor.module)) {
        ("", _) => String::new(),
        (module, Some(dir)) => format!(" in {module} ({dir}/)"),
        (module, None) => format!(" in {module}"),
    };
    if inline && let Some(block) = inline_rule_block(&text) {
        return format!(
            "# add to {}{place}: its rules are inline, and a separate rule resource would fight them\n{block}",
            anchor.address
        );
    }
    format!("# for {}{place}\n{text}", anchor.address)
}

/// `resource "aws_vpc_security_group_egress_rule" ... { ... }` as the `egress { ... }` block of
/// `aws_security_group` (argument names from the aws provider docs of both resources).
fn inline_rule_block(text: &str) -> Option<String> {
    let first = text.lines().next()?;
    let direction = if first.contains("\"aws_vpc_security_group_egress_rule\"") {
        "egress"
    } else if first.contains("\"aws_vpc_security_group_ingress_rule\"") {
        "ingress"
    } else {
        return None;
    };
    let mut lines = vec![format!("{direction} {{")];
    for line in text.lines().skip(1) {
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let (key, value) = (key.trim(), value.trim());
        let (name, value) = match key {
            "security_group_id" => continue,
            "ip_protocol" => ("protocol", value.to_string()),
            "from_port" | "to_port" | "description" => (key, value.to_string()),
            "cidr_ipv4" => ("cidr_blocks", format!("[{value}]")),
            "cidr_ipv6" => ("ipv6_cidr_blocks", format!("[{value}]")),
            "prefix_list_id" => ("prefix_list_ids", format!("[{value}]")),
            "referenced_security_group_id" => ("security_groups", format!("[{value}]")),
            _ => continue,
        };
        lines.push(format!("  {name:<15} = {value}"));
    }
    lines.push("}".into());
    Some(lines.join("\n"))
}

/// The line of `resource "TYPE" "NAME"` (or `data`) in a `.tf` file's text, 1-based.
pub fn declaration_line(source: &str, mode: Mode, kind: &str, name: &str) -> Option<usize> {
    let keyword = match mode {
        Mode::Managed => "resource",
        Mode::Data => "data",
    };
    source
        .lines()
        .position(|line| {
            let mut words = line.split_whitespace();
            words.next() == Some(keyword)
                && words.next().map(|w| w.trim_matches('"')) == Some(kind)
                && words.next().map(|w| w.trim_matches('"')) == Some(name)
        })
        .map(|at| at + 1)
}
