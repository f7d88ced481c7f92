//! Route 53 Resolver rules associated with the targets' VPCs: a FORWARD rule sends a name to
//! other DNS servers, a SYSTEM rule keeps it with the VPC resolver.
//!
//! Reads (Route 53 Resolver API Reference): `ListResolverRuleAssociations` filtered by each VPC
//! (`VPCId`), in the round that lists the VPCs' resources; then `GetResolverRule` for each rule
//! associated (a rule shared through AWS RAM included). Associations that are not in effect
//! (`FAILED`, `DELETING`, `OVERRIDDEN`) are left out, and so are Resolver's own autodefined
//! rules (`rslvr-autodefined-rr-…`, the default behaviour: they are not `rslvr-rr-` rules). Every
//! failure is a gap naming the action and the VPC or the rule.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_route53resolver::Client;
use aws_sdk_route53resolver::types::{Filter, ResolverRuleAssociationStatus, RuleTypeOption};
use ecr_pathcheck_checks::snapshot::{ResolverRule, ResolverRuleType};
use futures::future::try_join_all;

use super::normalize_name;
use crate::collect::call::{Calls, Outcome};

/// The Resolver rules in effect in each VPC: rule id to the VPCs it is associated with.
pub type Associations = BTreeMap<String, BTreeSet<String>>;

/// `ListResolverRuleAssociations` for each of `vpc_ids`.
pub async fn associations(
    client: &Client,
    calls: &Calls,
    vpc_ids: &BTreeSet<String>,
) -> anyhow::Result<Associations> {
    let per_vpc = vpc_ids.iter().map(|vpc| async move {
        let pages = client
            .list_resolver_rule_associations()
            .filters(Filter::builder().name("VPCId").values(vpc).build())
            .into_paginator()
            .items()
            .send();
        let found = calls
            .run(
                "route53resolver:ListResolverRuleAssociations",
                Some(vpc),
                &[],
                pages.collect::<Result<Vec<_>, _>>(),
            )
            .await?
            .found()
            .unwrap_or_default();
        Ok::<_, anyhow::Error>(
            found
                .iter()
                .filter(|association| {
                    matches!(
                        association.status(),
                        Some(
                            ResolverRuleAssociationStatus::Complete
                                | ResolverRuleAssociationStatus::Creating
                        )
                    )
                })
                .filter(|association| association.vpc_id() == Some(vpc.as_str()))
                .filter_map(|association| association.resolver_rule_id())
                .filter(|rule| is_rule_id(rule))
                .map(|rule| (rule.to_string(), vpc.clone()))
                .collect::<Vec<_>>(),
        )
    });
    let mut associations = Associations::new();
    for (rule, vpc) in try_join_all(per_vpc).await?.into_iter().flatten() {
        associations.entry(rule).or_default().insert(vpc);
    }
    Ok(associations)
}

/// A rule id of the snapshot's shape: `rslvr-rr-` and lowercase letters, digits and hyphens.
fn is_rule_id(id: &str) -> bool {
    id.strip_prefix("rslvr-rr-").is_some_and(|rest| {
        !rest.is_empty()
            && rest
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    })
}

/// `GetResolverRule` for each associated rule, with the VPCs it is associated with. A rule
/// deleted since (`ResourceNotFoundException`) is left out; one of a type the snapshot cannot
/// hold (`DELEGATE`) is a gap about it, so the names it may take stay unknown.
pub async fn rules(
    client: &Client,
    calls: &Calls,
    associations: &Associations,
) -> anyhow::Result<Vec<ResolverRule>> {
    let reads = associations.iter().map(|(id, vpcs)| async move {
        let request = client.get_resolver_rule().resolver_rule_id(id).send();
        let Outcome::Found(output) = calls
            .run(
                "route53resolver:GetResolverRule",
                Some(id),
                &["ResourceNotFoundException"],
                request,
            )
            .await?
        else {
            return Ok::<_, anyhow::Error>(None);
        };
        let Some(rule) = output.resolver_rule() else {
            return Ok(None);
        };
        let rule_type = match rule.rule_type() {
            Some(RuleTypeOption::Forward) => ResolverRuleType::Forward,
            Some(RuleTypeOption::System) => ResolverRuleType::System,
            Some(RuleTypeOption::Recursive) => ResolverRuleType::Recursive,
            other => {
                calls.record_gap(
                    "route53resolver:GetResolverRule",
                    Some(id),
                    "UnsupportedRuleType",
                    &format!(
                        "rule type {} is not one the diagnosis models (FORWARD, SYSTEM, RECURSIVE)",
                        other.map_or("(none)", |kind| kind.as_str())
                    ),
                );
                return Ok(None);
            }
        };
        let Some(domain_name) = rule.domain_name().and_then(normalize_name) else {
            calls.record_gap(
                "route53resolver:GetResolverRule",
                Some(id),
                "InvalidResponse",
                "the rule's domain name is not a DNS name",
            );
            return Ok(None);
        };
        Ok(Some(ResolverRule {
            id: id.clone(),
            domain_name,
            rule_type,
            target_ips: rule
                .target_ips()
                .iter()
                .filter_map(|target| {
                    // IPv4 targets only (the snapshot's shape); port 53 is written bare.
                    let ip: std::net::Ipv4Addr = target.ip()?.parse().ok()?;
                    Some(match target.port().map(u16::try_from) {
                        None | Some(Ok(53)) => ip.to_string(),
                        Some(Ok(port)) => format!("{ip}:{port}"),
                        Some(Err(_)) => return None,
                    })
                })
                .collect(),
            vpc_ids: vpcs.iter().cloned().collect(),
        }))
    });
    Ok(try_join_all(reads).await?.into_iter().flatten().collect())
}
