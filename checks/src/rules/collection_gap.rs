use super::fixes::{hcl, json_str, sh};
use crate::declare_check;
use crate::engine::{Index, PathContext};
use crate::finding::Finding;

declare_check! {
    /// ## What it does
    /// Reports each API call the collector could not make (AccessDenied, UnauthorizedOperation,
    /// not implemented, a resource shared from another account), and every hop that therefore
    /// could not be decided.
    ///
    /// ## Why is this bad
    /// A hop the tool cannot see is reported as unknown rather than guessed. The diagnosis is
    /// complete only when the caller may make every read-only call in `docs/iam-policy.json`.
    ///
    /// ## Example
    /// `ec2:DescribeNetworkAcls` refused with `UnauthorizedOperation`: every ACL hop is unknown.
    ///
    /// ## Fix
    /// Grant the missing read-only permission to the identity running ecr-pathcheck.
    pub static CHECK = ("PC901", "collection-gap", Warning);
}

pub fn account_findings(index: &Index) -> Vec<Finding> {
    index
        .snapshot
        .gaps
        .iter()
        .filter(|gap| !proves_absence(gap, index.snapshot))
        .map(|gap| {
            let about = gap.resource.as_deref().map(|resource| format!(" for {resource}")).unwrap_or_default();
            CHECK
                .finding(format!("Could not call {}{about}: {}", gap.api, gap.error_code))
                .resources(gap.resource.clone())
                .detail(format!("{} answered {}: {}. Hops that need this data are reported as unknown.", gap.api, gap.error_code, gap.message.trim_end_matches('.')))
                .fix(
                    format!(
                        "aws iam put-role-policy --role-name <role running ecr-pathcheck> --policy-name ecr-pathcheck-read --policy-document {}",
                        sh(&format!("{{\"Version\":\"2012-10-17\",\"Statement\":[{{\"Effect\":\"Allow\",\"Action\":{},\"Resource\":\"*\"}}]}}", json_str(&gap.api)))
                    ),
                    format!(
                        "data \"aws_iam_policy_document\" \"ecr_pathcheck_read\" {{\n  statement {{\n    actions   = [\"{}\"]\n    resources = [\"*\"]\n  }}\n}}",
                        hcl(&gap.api)
                    ),
                )
        })
        .collect()
}

/// "Not found" from the snapshot's own account (or a registry read with its owner's role) is a
/// fact the checks use (the repository does not exist), not data that is missing; another
/// account's "not found" to the caller may be a refusal.
fn proves_absence(gap: &crate::snapshot::CollectionGap, snapshot: &crate::Snapshot) -> bool {
    gap.error_code.ends_with("NotFoundException")
        && gap
            .resource
            .as_deref()
            .and_then(|arn| arn.split(':').nth(4))
            .is_some_and(|account| snapshot.registry_read_as_owner(account))
}

fn unseen(api: &str, what: String, resources: Vec<String>, index: &Index) -> Finding {
    let cause = match index.gap(api) {
        Some(gap) => format!("{} was refused ({}), so", api, gap.error_code),
        None => "The snapshot does not contain it, so".to_string(),
    };
    CHECK
        .finding(format!("{what} not in the snapshot: hop unknown"))
        .resources(resources)
        .detail(format!("{cause} this hop cannot be decided."))
}

pub fn missing_groups(context: &PathContext, missing: &[&str]) -> Finding {
    let what = if missing.is_empty() {
        "The task's security groups are".to_string()
    } else {
        format!("Security groups {} are", missing.join(", "))
    };
    unseen(
        "ec2:DescribeSecurityGroups",
        what,
        missing.iter().map(|id| id.to_string()).collect(),
        context.index,
    )
}

pub fn missing_nacl(context: &PathContext, subnet_id: &str) -> Finding {
    unseen(
        "ec2:DescribeNetworkAcls",
        format!("The network ACL of {subnet_id} is"),
        vec![subnet_id.to_string()],
        context.index,
    )
}
