use super::fixes::{PeerKind, https_rule, rules_summary};
use crate::declare_check;
use crate::facts::PeerSpec;
use crate::facts::{PathContext, Site, Verdict};
use crate::net::{AddressSet, Direction};
use crate::snapshot::RouteDestination;

declare_check! {
    /// ## What it does
    /// Checks that the task's security groups allow outbound TCP 443 to the S3 managed prefix
    /// list (`com.amazonaws.<region>.s3`) when layers go through the S3 gateway endpoint: a rule
    /// naming the `pl-…` id, CIDR rules covering every entry of the list, or `0.0.0.0/0`.
    ///
    /// ## Why is this bad
    /// The gateway endpoint leaves S3's addresses public, so egress rules that allow only the
    /// VPC CIDR (enough for the interface endpoints) drop every layer download. ECR
    /// authentication and the manifest succeed, then the pull hangs on the first layer and fails
    /// with `failed to copy: httpReadSeeker ... dial tcp 52.216.x.x:443: i/o timeout`. This is
    /// the step most guides omit and the commonest cause in field reports.
    ///
    /// ## Example
    /// Task security group egress: `tcp 443 → 10.0.0.0/16` only.
    ///
    /// ## Fix
    /// Add an egress rule for TCP 443 to the S3 prefix list.
    pub static CHECK = ("PC401", "s3-prefix-list-egress", Error);
}

pub fn check(context: &PathContext, site: Site) -> Option<Verdict> {
    match site {
        Site::GatewayEndpoint(_) => Some(judge(context)),
        _ => None,
    }
}

fn judge(context: &PathContext) -> Verdict {
    let list = context.s3_prefix_list();
    let list_id = list.map(|list| list.id.clone()).or_else(|| {
        let table = context.placement.route_table?;
        table
            .routes
            .iter()
            .find_map(|route| match &route.destination {
                RouteDestination::PrefixList(id) if route.target.starts_with("vpce-") => {
                    Some(id.clone())
                }
                _ => None,
            })
    });
    let addresses = match list.filter(|list| !list.cidrs.is_empty()) {
        Some(list) => list.cidrs.iter().copied().map(AddressSet::Block).collect(),
        None => vec![AddressSet::Public],
    };
    let peer = PeerSpec {
        addresses,
        groups: &[],
        prefix_list: list_id.as_deref(),
    };
    let (groups, missing) = context.task_groups();
    if let Some(rules) = super::fixes::https_allowed_by(context, &groups, Direction::Egress, &peer)
    {
        return Verdict::Pass(format!("egress to the S3 prefix list allowed by {rules}"));
    }
    let list_reads = [
        "ec2:DescribeManagedPrefixLists",
        "ec2:GetManagedPrefixListEntries",
    ];
    if list.is_none_or(|list| list.cidrs.is_empty())
        && let Some(gap) = context
            .index
            .gap_about(&list_reads, list_id.as_deref().unwrap_or_default())
    {
        return Verdict::Unknown(
            CHECK
                .finding("Whether the task's security groups allow TCP 443 to S3 is unknown: the S3 prefix list could not be read")
                .resources(list_id.as_deref())
                .detail(super::collection_gap::because(gap)),
        );
    }
    let list_id = list_id
        .unwrap_or_else(|| format!("<prefix list of com.amazonaws.{}.s3>", context.flow.region));
    if !missing.is_empty() {
        return Verdict::Unknown(super::collection_gap::missing_groups(context, &missing));
    }
    let Some(first) = groups.first() else {
        return Verdict::Unknown(super::collection_gap::missing_groups(context, &[]));
    };
    let (cli, terraform) = https_rule(
        &first.id,
        Direction::Egress,
        PeerKind::PrefixList,
        &list_id,
        "S3 gateway endpoint (ECR image layers)",
    );
    let group_ids: Vec<&str> = groups.iter().map(|group| group.id.as_str()).collect();
    Verdict::Block(
        CHECK
            .finding(format!("{} security group {} does not allow TCP 443 to the S3 prefix list {list_id}", context.source_kind(), group_ids.join(", ")))
            .resources(group_ids.iter().copied())
            .resource(list_id.as_str())
            .detail(format!(
                "Image layers come from {} through the S3 gateway endpoint, at S3's public addresses (prefix list {list_id}). No egress rule allows them. Egress rules: {}.",
                context.flow.host,
                rules_summary(&groups, Direction::Egress)
            ))
            .fix(cli, terraform),
    )
}

#[cfg(test)]
mod tests {
    use crate::finding::Severity;
    use crate::rules::test_support::{findings_of, scenario};
    use crate::snapshot::{CollectionGap, Snapshot};

    /// The healthy endpoints without the task group's egress rule to the S3 prefix list.
    fn without_s3_rule() -> Snapshot {
        let mut snapshot = scenario("healthy-endpoints");
        let app = snapshot
            .security_groups
            .iter_mut()
            .find(|g| g.id == "sg-app")
            .unwrap();
        app.egress
            .retain(|rule| rule.rule_id.as_deref() != Some("sgr-app-s3"));
        snapshot
    }

    #[test]
    fn a_task_group_allowing_the_s3_prefix_list_passes() {
        assert!(findings_of(&scenario("healthy-endpoints"), "PC401").is_empty());
    }

    #[test]
    fn a_task_group_without_the_s3_prefix_list_blocks_the_layers() {
        let findings = findings_of(&without_s3_rule(), "PC401");
        assert!(!findings.is_empty());
        for finding in &findings {
            assert_eq!(finding.severity, Severity::Error);
            assert_eq!(finding.resources, ["sg-app", "pl-63a5400a"]);
        }
    }

    #[test]
    fn an_unread_prefix_list_is_unknown_not_missing() {
        let mut snapshot = without_s3_rule();
        snapshot.prefix_lists.clear();
        snapshot.gaps.push(CollectionGap {
            api: "ec2:DescribeManagedPrefixLists".into(),
            resource: None,
            error_code: "UnauthorizedOperation".into(),
            message: "no".into(),
        });
        let findings = findings_of(&snapshot, "PC401");
        assert!(!findings.is_empty());
        for finding in &findings {
            assert_eq!(finding.severity, Severity::Warning);
            assert_eq!(finding.resources, ["pl-63a5400a"]);
        }
    }
}
