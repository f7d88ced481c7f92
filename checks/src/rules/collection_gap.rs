use super::fixes::{hcl, json_str, note, sh};
use crate::declare_check;
use crate::facts::{Index, PathContext};
use crate::finding::Finding;

declare_check! {
    /// ## What it does
    /// Reports each API call the collector could not make, whatever the failure: refused
    /// (AccessDenied, UnauthorizedOperation), not available at this endpoint
    /// (UnknownOperationException, InvalidAction), a server error still failing after a short
    /// retry, throttling beyond every retry, a timeout, an answer that did not parse, or the run's
    /// `--timeout` (DeadlineExceeded), or another account's (CrossAccount: a VPC reached
    /// beyond the targets', or the VPC of a subnet another account shares with this one through
    /// AWS RAM, whose endpoints a participant does not see); and every hop that therefore could
    /// not be decided.
    ///
    /// ## Why is this bad
    /// A hop the tool cannot see is reported as unknown rather than guessed. The diagnosis is
    /// complete only when the caller may make every read-only call in `docs/iam-policy.json`.
    ///
    /// ## Example
    /// `ec2:DescribeNetworkAcls` refused with `UnauthorizedOperation`: every ACL hop is unknown.
    ///
    /// ## Fix
    /// Refused: grant the missing read-only permission to the identity running ecr-pathcheck.
    /// Not available: nothing to grant; check the region and `AWS_ENDPOINT_URL`. A server error,
    /// throttling or the deadline: run again, with a longer `--timeout` if it cut the run. A
    /// shared subnet's VPC: pass `--network-role OWNER=ROLE_ARN`, a role of the owner account
    /// (Amazon VPC User Guide, "Share your VPC with other accounts": participants describe the
    /// VPC, its subnets, security groups, route tables, network ACLs and gateways, not the
    /// owner's endpoints).
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
            let failure = failure(gap, index);
            let title = match &failure {
                Failure::OtherAccount(Some(owner)) => format!("Could not read {}{about} as its owner, account {owner}: the VPC is shared with this account, whose credentials do not show it", gap.api),
                _ => format!("Could not call {}{about}: {}", gap.api, gap.error_code),
            };
            let finding = CHECK.finding(title).resources(gap.resource.clone());
            let (what, fix) = match failure {
                Failure::Refused => ("was refused", refused_fix(gap)),
                Failure::Unavailable => (
                    "does not exist at this endpoint (an emulator, a partition or a region without it); there is nothing to grant",
                    (
                        format!("# {} is not available here: check --region and AWS_ENDPOINT_URL; the hops that need it stay unknown", note(&gap.api)),
                        "# nothing to change in Terraform".to_string(),
                    ),
                ),
                Failure::NotShown => (
                    "answered \"not found\", which another account's registry also answers to callers it does not let see the resource",
                    (
                        format!("# read that registry as its owner: ecr-pathcheck ... --registry-role {}=arn:aws:iam::{}:role/<reader role>", note(account_of(gap)), note(account_of(gap))),
                        "# nothing to change in Terraform".to_string(),
                    ),
                ),
                Failure::OtherAccount(Some(owner)) => (
                    "was not made as the VPC's owner",
                    (
                        format!("# read the shared VPC as its owner: ecr-pathcheck ... --network-role {}=arn:aws:iam::{}:role/<reader role>", note(&owner), note(&owner)),
                        "# nothing to change in Terraform".to_string(),
                    ),
                ),
                Failure::OtherAccount(None) => (
                    "was not made: the resource is another account's (or region's), which this account's credentials do not read",
                    (
                        "# diagnose from that account, or check the far side of the route there".to_string(),
                        "# nothing to change in Terraform".to_string(),
                    ),
                ),
                Failure::Transient => (
                    "failed after its retries or ran out of time (a server error, throttling, a timeout or the run's --timeout)",
                    (
                        "# run the diagnosis again, with a longer --timeout if the deadline cut it".to_string(),
                        "# nothing to change in Terraform".to_string(),
                    ),
                ),
            };
            finding
                .detail(format!("{} {what}: {} ({}). Hops that need this data are reported as unknown, never as absent.", gap.api, gap.message.trim_end_matches('.'), gap.error_code))
                .fix(fix.0, fix.1)
        })
        .collect()
}

/// How a read failed, from its error code: a refusal is fixed by a grant, the rest are not.
enum Failure {
    Refused,
    /// Another account's "not found": maybe absent, maybe hidden from the caller.
    NotShown,
    /// Another account's resource (`CrossAccount`, `CrossRegion`), with the owner of the VPC
    /// when it is a subnet shared with the snapshot's account (read with `--network-role`).
    OtherAccount(Option<String>),
    Unavailable,
    Transient,
}

fn failure(gap: &crate::snapshot::CollectionGap, index: &Index) -> Failure {
    const UNAVAILABLE: [&str; 5] = [
        "InvalidAction",
        "UnknownOperationException",
        "UnknownOperation",
        "NotImplemented",
        "InvalidOperation",
    ];
    let code = gap.error_code.as_str();
    if code == "CrossAccount" || code == "CrossRegion" {
        let owner = gap
            .resource
            .as_deref()
            .and_then(|vpc| shared_vpc_owner(index, vpc));
        return Failure::OtherAccount(owner.map(str::to_string));
    }
    if code.contains("Denied") || code.contains("Unauthorized") || code == "OptInRequired" {
        Failure::Refused
    } else if code.ends_with("NotFoundException") {
        Failure::NotShown
    } else if UNAVAILABLE.contains(&code) {
        Failure::Unavailable
    } else {
        Failure::Transient
    }
}

fn account_of(gap: &crate::snapshot::CollectionGap) -> &str {
    gap.resource
        .as_deref()
        .and_then(crate::arn::account_of)
        .unwrap_or("<account>")
}

fn refused_fix(gap: &crate::snapshot::CollectionGap) -> (String, String) {
    (
        format!(
            "aws iam put-role-policy --role-name <role running ecr-pathcheck> --policy-name ecr-pathcheck-read --policy-document {}",
            sh(&format!(
                "{{\"Version\":\"2012-10-17\",\"Statement\":[{{\"Effect\":\"Allow\",\"Action\":{},\"Resource\":\"*\"}}]}}",
                json_str(&gap.api)
            ))
        ),
        format!(
            "data \"aws_iam_policy_document\" \"ecr_pathcheck_read\" {{\n  statement {{\n    actions   = [\"{}\"]\n    resources = [\"*\"]\n  }}\n}}",
            hcl(&gap.api)
        ),
    )
}

/// "Not found" from the snapshot's own account (or a registry read with its owner's role) is a
/// fact the checks use (the repository does not exist), not data that is missing; another
/// account's "not found" to the caller may be a refusal.
fn proves_absence(gap: &crate::snapshot::CollectionGap, snapshot: &crate::Snapshot) -> bool {
    gap.error_code.ends_with("NotFoundException")
        && gap
            .resource
            .as_deref()
            .and_then(crate::arn::account_of)
            .is_some_and(|account| snapshot.registry_read_as_owner(account))
}

/// The account that owns `vpc` when it is not the snapshot's own: a VPC whose subnets another
/// account shares with this one through AWS RAM (the subnets' or the VPC's `owner_id`).
pub fn shared_vpc_owner<'a>(index: &Index<'a>, vpc: &str) -> Option<&'a str> {
    let snapshot = index.snapshot;
    snapshot
        .subnets
        .iter()
        .filter(|subnet| subnet.vpc_id == vpc)
        .filter_map(|subnet| subnet.owner_id.as_deref())
        .chain(
            snapshot
                .vpcs
                .iter()
                .filter(|candidate| candidate.id == vpc)
                .filter_map(|candidate| candidate.owner_id.as_deref()),
        )
        .find(|owner| *owner != snapshot.account_id)
}

/// Why a hop is unknown, as a detail sentence: which read failed, about what, and how.
pub fn because(gap: &crate::snapshot::CollectionGap) -> String {
    let about = gap
        .resource
        .as_deref()
        .map(|resource| format!(" for {resource}"))
        .unwrap_or_default();
    if gap.error_code == crate::snapshot::KNOWN_AFTER_APPLY {
        return format!(
            "{}, so the data this hop needs is not in the plan; the hop is unknown until apply.",
            gap.message.trim_end_matches('.')
        );
    }
    if gap.error_code == "CrossAccount" || gap.error_code == "CrossRegion" {
        return format!(
            "{}{about} was not read with this account's credentials ({}: {}), so the data this hop needs is missing from the snapshot; it is not taken as absent.",
            gap.api,
            gap.error_code,
            gap.message.trim_end_matches('.')
        );
    }
    format!(
        "{}{about} failed ({}: {}), so the data this hop needs is missing from the snapshot; it is not taken as absent. Grant or retry the read to decide it.",
        gap.api,
        gap.error_code,
        gap.message.trim_end_matches('.')
    )
}

/// When the subnet's route table is missing because the route tables could not be read, a check
/// that would blame a missing route (or a path that needs one) is unknown instead.
pub fn unread_route_table(
    context: &PathContext,
    check: &'static crate::catalog::CheckInfo,
) -> Option<crate::facts::Verdict> {
    if context.placement.route_table.is_some() {
        return None;
    }
    let subnet = context.subnet_id();
    let gap = context
        .index
        .gap_about(&["ec2:DescribeRouteTables"], subnet)?;
    Some(crate::facts::Verdict::Unknown(
        check
            .finding(format!(
                "The routes of {subnet} are unknown: its route table could not be read"
            ))
            .resource(subnet)
            .detail(because(gap)),
    ))
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

/// The execution role could not be read: its trust policy and permissions are unknown.
pub fn unread_role(
    role_arn: &str,
    target_name: &str,
    gap: &crate::snapshot::CollectionGap,
) -> Finding {
    CHECK
        .finding(format!(
            "Execution role {role_arn} of {target_name} could not be read: its trust and permissions are unknown"
        ))
        .resource(role_arn)
        .detail(because(gap))
}

/// How the VPC resolves the flow's host is unknown: its Resolver rules or private hosted zones
/// could not be read.
pub fn unread_dns(context: &PathContext, gap: &crate::snapshot::CollectionGap) -> Finding {
    let vpc = &context.placement.vpc.id;
    let title = match shared_vpc_owner(context.index, vpc) {
        Some(owner) if gap.error_code == "CrossAccount" => format!(
            "How {} resolves in {vpc} is unknown: the VPC is account {owner}'s, shared with this one, and its {} were not read as the owner (--network-role)",
            context.flow.host,
            if gap.api.starts_with("route53resolver") {
                "Resolver rules"
            } else {
                "private hosted zones"
            }
        ),
        _ => format!(
            "How {} resolves in {vpc} is unknown: {} failed",
            context.flow.host, gap.api
        ),
    };
    CHECK
        .finding(title)
        .resource(vpc.as_str())
        .detail(because(gap))
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

#[cfg(test)]
mod tests {
    use crate::finding::{Finding, Severity};
    use crate::rules::test_support::{findings_of, scenario};
    use crate::snapshot::CollectionGap;

    #[test]
    fn a_shared_vpc_read_without_its_owners_role_names_the_owner_and_the_flag() {
        let findings = findings_of(&scenario("shared-subnet-without-owner-role"), "PC901");
        let endpoints = findings
            .iter()
            .find(|f| f.title.contains("ec2:DescribeVpcEndpoints for vpc-0a1"))
            .expect("the endpoint listing's gap");
        assert_eq!(endpoints.severity, Severity::Warning);
        assert!(
            endpoints.title.contains("account 444455556666"),
            "{}",
            endpoints.title
        );
        assert!(
            endpoints.fix.as_ref().unwrap().aws_cli.contains(
                "--network-role 444455556666=arn:aws:iam::444455556666:role/<reader role>"
            )
        );
        // Every flow's name is unknown (the owner's zones and rules are not seen), never blocked.
        assert!(findings.iter().any(|f| {
            f.title
                .contains("resolves in vpc-0a1 is unknown: the VPC is account 444455556666's")
        }));
        assert!(findings.iter().all(|f| f.severity == Severity::Warning));
        // Another account's hub (no shared subnet of it) is not a --network-role matter.
        let mut snapshot = scenario("healthy-endpoints");
        snapshot.gaps.push(CollectionGap {
            api: "ec2:DescribeVpcs".into(),
            resource: Some("vpc-0hub".into()),
            error_code: "CrossAccount".into(),
            message: "vpc-0hub, reached through tgw-attach-hub, belongs to account 444455556666"
                .into(),
        });
        let findings = findings_of(&snapshot, "PC901");
        assert!(!findings.is_empty());
        assert!(
            findings
                .iter()
                .all(|f| !f.fix.as_ref().unwrap().aws_cli.contains("--network-role"))
        );
    }

    /// PC901's findings for the healthy account whose collector could not read `api`.
    fn gap(api: &str, resource: Option<&str>, error_code: &str) -> Vec<Finding> {
        let mut snapshot = scenario("healthy-endpoints");
        snapshot.gaps.push(CollectionGap {
            api: api.into(),
            resource: resource.map(str::to_string),
            error_code: error_code.into(),
            message: "no".into(),
        });
        findings_of(&snapshot, "PC901")
    }

    fn cli(finding: &Finding) -> &str {
        &finding.fix.as_ref().unwrap().aws_cli
    }

    #[test]
    fn a_complete_collection_reports_no_gap() {
        assert!(findings_of(&scenario("healthy-endpoints"), "PC901").is_empty());
        // The account's own registry saying "not found" is a fact, not a gap.
        let own = "arn:aws:ecr:us-east-1:111122223333:repository/gone";
        assert!(
            gap(
                "ecr:DescribeRepositories",
                Some(own),
                "RepositoryNotFoundException"
            )
            .is_empty()
        );
    }

    #[test]
    fn a_refused_read_is_a_warning_with_the_permission_to_grant() {
        let findings = gap("ec2:DescribeNetworkAcls", None, "UnauthorizedOperation");
        let title = "Could not call ec2:DescribeNetworkAcls: UnauthorizedOperation";
        let finding = findings.iter().find(|f| f.title == title);
        let finding = finding.unwrap_or_else(|| panic!("{findings:#?}"));
        assert_eq!(finding.severity, Severity::Warning);
        assert!(cli(finding).contains("ec2:DescribeNetworkAcls"));
    }

    #[test]
    fn another_accounts_not_found_asks_for_its_owners_role() {
        let repository = "arn:aws:ecr:us-east-1:444455556666:repository/shared";
        let findings = gap(
            "ecr:DescribeRepositories",
            Some(repository),
            "RepositoryNotFoundException",
        );
        assert_eq!(findings.len(), 1, "{findings:#?}");
        assert_eq!(findings[0].severity, Severity::Warning);
        assert_eq!(findings[0].resources, [repository]);
        assert!(cli(&findings[0]).contains("--registry-role 444455556666="));
    }

    #[test]
    fn a_task_group_missing_from_the_snapshot_leaves_its_hops_unknown() {
        let mut snapshot = scenario("healthy-endpoints");
        snapshot
            .security_groups
            .retain(|group| group.id != "sg-app");
        let findings = findings_of(&snapshot, "PC901");
        assert!(!findings.is_empty());
        for finding in &findings {
            assert_eq!(finding.severity, Severity::Warning, "{finding:#?}");
            assert!(finding.title.ends_with("not in the snapshot: hop unknown"));
            assert_eq!(finding.resources, ["sg-app"]);
        }
    }
}
