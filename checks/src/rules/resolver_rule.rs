use super::fixes::{hcl, label, sh};
use crate::declare_check;
use crate::facts::dns::Answer;
use crate::facts::{PathContext, Site, Verdict};
use crate::net::Ipv4Cidr;

declare_check! {
    /// ## What it does
    /// Checks whether a Route 53 Resolver FORWARD rule associated with the task's VPC takes the
    /// name of an interface endpoint's service (`amazonaws.com`, `us-east-1.amazonaws.com`, or
    /// `.`), which sends the query to other DNS servers instead of the VPC resolver that knows
    /// the endpoint's private DNS.
    ///
    /// ## Why is this bad
    /// The most specific Resolver rule wins; a FORWARD rule for a parent domain of
    /// `api.ecr.<region>.amazonaws.com` bypasses the endpoint's private DNS unless a SYSTEM
    /// rule for the service's name overrides it (Amazon Route 53 Developer Guide, "Forwarding
    /// outbound DNS queries to your network"). Servers that answer public addresses leave a
    /// private subnet dialling them until it times out. When the stopped reason shows a public
    /// address was dialled for the flow, that is proof; without it the hop is unknown.
    ///
    /// ## Example
    /// Rule `amazonaws.com` FORWARD to on-premises DNS `192.168.0.2`, associated with the VPC,
    /// and `ResourceInitializationError: ... dial tcp 52.94.0.10:443: i/o timeout`.
    ///
    /// ## Fix
    /// A SYSTEM rule for the service's name (`api.ecr.<region>.amazonaws.com`, and the others
    /// the tasks dial), associated with the VPC, so the VPC resolver answers them.
    pub static CHECK = ("PC105", "resolver-rule-forwards", Error);
}

pub fn check(context: &PathContext, site: Site) -> Option<Verdict> {
    let Site::InterfaceEndpoint(endpoint) = site else {
        return None;
    };
    let Answer::Forwarded(rule) = context.dns_answer() else {
        return None;
    };
    let vpc = &context.placement.vpc.id;
    let host = &context.flow.host;
    let name = host.to_string();
    let targets = if rule.target_ips.is_empty() {
        "its targets".to_string()
    } else {
        rule.target_ips.join(", ")
    };
    let finding = CHECK
        .finding(format!(
            "Resolver rule {} forwards {} to {targets}: {host} bypasses {}'s private DNS",
            rule.id, rule.domain_name, endpoint.id
        ))
        .resources([rule.id.as_str(), vpc.as_str(), endpoint.id.as_str()])
        .fix(
            format!(
                "RULE_ID=$(aws route53resolver create-resolver-rule --rule-type SYSTEM --domain-name {} --creator-request-id {} --query ResolverRule.Id --output text)\naws route53resolver associate-resolver-rule --resolver-rule-id \"$RULE_ID\" --vpc-id {}",
                sh(&name),
                sh(&format!("system-{name}")),
                sh(vpc)
            ),
            format!(
                "resource \"aws_route53_resolver_rule\" \"{0}\" {{\n  domain_name = \"{1}\"\n  rule_type   = \"SYSTEM\"\n}}\n\nresource \"aws_route53_resolver_rule_association\" \"{0}\" {{\n  resolver_rule_id = aws_route53_resolver_rule.{0}.id\n  vpc_id           = \"{2}\"\n}}",
                format!("system_{}", label(&name)),
                hcl(&name),
                hcl(vpc)
            ),
        );
    let public_dialled = context
        .dialled
        .filter(|ip| !Ipv4Cidr::host(*ip).is_non_public());
    Some(match public_dialled {
        Some(ip) => Verdict::Block(finding.detail(format!(
            "{} is associated with {vpc} and is the most specific rule for {host}, so the query goes to {targets}. The stopped reason shows the task dialled {ip}, a public address: those servers answered ECR's public name, not {}'s interfaces.",
            rule.id, endpoint.id
        ))),
        None => Verdict::Unknown(finding.detail(format!(
            "{} is associated with {vpc} and is the most specific rule for {host}, so the query goes to {targets}. Whether they answer {}'s private addresses is unknown (no stopped reason shows what was dialled).",
            rule.id, endpoint.id
        ))),
    })
}

#[cfg(test)]
mod tests {
    use crate::finding::Severity;
    use crate::rules::test_support::{findings_of, scenario};
    use crate::snapshot::ResolverRuleType;

    #[test]
    fn without_rules_or_with_a_system_rule_nothing_is_forwarded() {
        assert!(findings_of(&scenario("healthy-endpoints"), "PC105").is_empty());
        let mut system = scenario("resolver-forward-rule");
        system.resolver_rules[0].rule_type = ResolverRuleType::System;
        assert!(findings_of(&system, "PC105").is_empty());
    }

    #[test]
    fn a_forward_rule_with_a_public_address_dialled_is_an_error_naming_the_rule() {
        let findings = findings_of(&scenario("resolver-forward-rule"), "PC105");
        let errors: Vec<_> = findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .collect();
        assert!(!errors.is_empty(), "{findings:#?}");
        assert!(
            errors
                .iter()
                .all(|f| f.resources[0] == "rslvr-rr-onprem" && f.detail.contains("52.94.0.10"))
        );
        // The flows with no dialled address are unknown, not errors.
        assert!(findings.iter().any(|f| f.severity == Severity::Warning));
    }

    #[test]
    fn a_more_specific_system_rule_overrides_the_forward_rule() {
        let mut snapshot = scenario("resolver-forward-rule");
        let mut system = snapshot.resolver_rules[0].clone();
        system.id = "rslvr-rr-system".into();
        system.domain_name = "api.ecr.us-east-1.amazonaws.com".into();
        system.rule_type = ResolverRuleType::System;
        snapshot.resolver_rules.push(system);
        let findings = findings_of(&snapshot, "PC105");
        assert!(
            findings.iter().all(|f| f.severity != Severity::Error),
            "{findings:#?}"
        );
    }
}
