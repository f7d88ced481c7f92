use std::net::Ipv4Addr;

use crate::declare_check;
use crate::facts::{Index, Status, TargetFacts, TargetInput};
use crate::finding::Finding;
use crate::net::Ipv4Cidr;
use crate::reason::{Category, Classification};
use crate::report::{FlowReport, FlowVerdict};

declare_check! {
    /// ## What it does
    /// Classifies the target's stopped reason, container reasons and failure events (family,
    /// flow, host, dialled IP) and ties them to the snapshot: a dialled IP is located in the S3
    /// prefix list, on an endpoint's network interface, inside the VPC, or in public space, and
    /// the finding names the hops the engine found blocking on that flow.
    ///
    /// ## Why is this bad
    /// It is evidence, not a fault: it tells which flow actually failed when the task stopped, so
    /// the fix can be confirmed against what the task saw.
    ///
    /// ## Example
    /// `dial tcp 52.216.8.10:443: i/o timeout` on the layer bucket: 52.216.8.10 is in
    /// `pl-63a5400a`, so the S3 gateway path was taken and the prefix-list egress rule is the
    /// block.
    ///
    /// ## Fix
    /// Apply the fixes of the findings it points to.
    pub static CHECK = ("PC801", "stopped-reason", Info);
}

pub fn correlate(facts: &TargetFacts, flows: &[FlowReport]) -> Vec<Finding> {
    judge(facts.index, facts.target, facts.classifications, flows)
}

fn judge(
    index: &Index,
    target: &TargetInput,
    classifications: &[Classification],
    flows: &[FlowReport],
) -> Vec<Finding> {
    let mut seen: Vec<(Category, Option<crate::flows::FlowKind>, Option<Ipv4Addr>)> = Vec::new();
    let mut findings = Vec::new();
    for (classification, text) in classifications.iter().zip(&target.reasons) {
        let key = (
            classification.category,
            classification.flow,
            classification.ip,
        );
        if classification.category == Category::Unknown || seen.contains(&key) {
            continue;
        }
        seen.push(key);
        let mut resources = Vec::new();
        let mut evidence = vec![
            format!("Reason: \"{}\".", shorten(text)),
            classification.summary.clone(),
        ];
        if let Some(ip) = classification.ip {
            let (place, ids) = locate(index, ip);
            evidence.push(format!("{ip} is {place}."));
            resources.extend(ids);
        }
        let same_flow: Vec<&FlowReport> = flows
            .iter()
            .filter(|flow| Some(flow.flow) == classification.flow)
            .collect();
        let blocking: Vec<String> = same_flow
            .iter()
            .flat_map(|flow| {
                flow.hops
                    .iter()
                    .filter(|hop| hop.status != Status::Ok)
                    .filter_map(|hop| hop.check.map(|check| format!("{check} ({})", flow.subnet)))
            })
            .collect();
        if !blocking.is_empty() {
            evidence.push(format!(
                "The snapshot shows this flow blocked or unverifiable at: {}.",
                blocking.join(", ")
            ));
        }
        let network_family = matches!(
            classification.category,
            Category::Network | Category::Logs | Category::Secrets | Category::Timeout
        );
        if network_family
            && !same_flow.is_empty()
            && same_flow.iter().all(|flow| flow.verdict == FlowVerdict::Ok)
        {
            findings.push(super::reason_unexplained::finding(
                classification,
                text,
                &same_flow,
            ));
        }
        let flow_name = classification
            .flow
            .map(|flow| format!(" on {}", flow.id()))
            .unwrap_or_default();
        let dialled = classification
            .ip
            .map(|ip| format!(", dialled {ip}"))
            .unwrap_or_default();
        let mut finding = CHECK
            .finding(format!(
                "Stopped reason: {}{flow_name}{dialled}",
                category_name(classification.category)
            ))
            .resources(resources)
            .detail(evidence.join(" "));
        if let Some(flow) = classification.flow {
            finding = finding.flow(flow);
        }
        findings.push(finding);
    }
    findings
}

fn category_name(category: Category) -> &'static str {
    match category {
        Category::Network => "network failure",
        Category::Permission => "permission refused",
        Category::ImageNotFound => "image not found",
        Category::Platform => "platform mismatch",
        Category::RateLimit => "registry rate limit",
        Category::Disk => "disk full",
        Category::Timeout => "start timeout",
        Category::Logs => "log setup failure",
        Category::Secrets => "secret retrieval failure",
        Category::SecretKey => "secret JSON key missing",
        Category::Efs => "EFS mount failure",
        Category::Unknown => "unclassified",
    }
}

fn shorten(text: &str) -> String {
    const LIMIT: usize = 240;
    match text.char_indices().nth(LIMIT) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_string(),
    }
}

/// Where an address sits in the account: an S3 prefix list, an endpoint interface, the VPC.
fn locate(index: &Index, ip: Ipv4Addr) -> (String, Vec<String>) {
    let host = Ipv4Cidr::host(ip);
    for list in &index.snapshot.prefix_lists {
        if let Some(cidr) = list.cidrs.iter().find(|cidr| cidr.contains(&host)) {
            return (
                format!(
                    "in prefix list {} ({}, entry {cidr}): the task took the S3 path",
                    list.id, list.name
                ),
                vec![list.id.clone()],
            );
        }
    }
    for endpoint in &index.snapshot.vpc_endpoints {
        if let Some(eni) = endpoint
            .network_interfaces
            .iter()
            .find(|eni| eni.private_ip == ip)
        {
            return (
                format!(
                    "interface {} of endpoint {} ({}): DNS worked, a security group or network ACL dropped the connection",
                    eni.id,
                    endpoint.id,
                    endpoint.short_service()
                ),
                vec![endpoint.id.clone(), eni.id.clone()],
            );
        }
    }
    if let Some(vpc) = index
        .snapshot
        .vpcs
        .iter()
        .find(|vpc| vpc.cidr_blocks.iter().any(|cidr| cidr.contains(&host)))
    {
        return (
            format!(
                "inside {} but on no endpoint in the snapshot (the endpoint may have changed since)",
                vpc.id
            ),
            vec![vpc.id.clone()],
        );
    }
    if host.is_non_public() {
        (
            "a private address outside the VPCs in the snapshot".into(),
            Vec::new(),
        )
    } else {
        (
            "a public address: the name did not resolve to a VPC endpoint".into(),
            Vec::new(),
        )
    }
}

#[cfg(test)]
mod tests {
    use crate::finding::Severity;
    use crate::rules::test_support::{findings_of, scenario, task};
    use crate::snapshot::Snapshot;

    const LAYER_TIMEOUT: &str = "CannotPullContainerError: failed to copy: httpReadSeeker: failed open: failed to do request: Get \"https://prod-us-east-1-starport-layer-bucket.s3.us-east-1.amazonaws.com/abc\": dial tcp 52.216.8.10:443: i/o timeout";
    const AUTH_TIMEOUT: &str = "ResourceInitializationError: unable to pull secrets or registry auth: RequestError: send request failed caused by: Post \"https://api.ecr.us-east-1.amazonaws.com/\": dial tcp 10.0.10.5:443: i/o timeout";

    /// The healthy endpoints without the task group's egress to the S3 prefix list (PC401).
    fn stopped(reason: Option<&str>) -> Snapshot {
        let mut snapshot = scenario("healthy-endpoints");
        let app = snapshot
            .security_groups
            .iter_mut()
            .find(|g| g.id == "sg-app")
            .unwrap();
        app.egress
            .retain(|rule| rule.rule_id.as_deref() != Some("sgr-app-s3"));
        snapshot.tasks = vec![task(&snapshot, reason, Vec::new())];
        snapshot
    }

    #[test]
    fn a_running_task_has_no_stopped_reason_to_explain() {
        assert!(findings_of(&stopped(None), "PC801").is_empty());
    }

    #[test]
    fn a_layer_timeout_is_located_in_the_s3_prefix_list_and_tied_to_its_block() {
        let findings = findings_of(&stopped(Some(LAYER_TIMEOUT)), "PC801");
        assert_eq!(findings.len(), 1, "{findings:#?}");
        let finding = &findings[0];
        assert_eq!(finding.severity, Severity::Info);
        assert_eq!(
            finding.title,
            "Stopped reason: network failure on s3-layers, dialled 52.216.8.10"
        );
        assert_eq!(finding.resources, ["pl-63a5400a"]);
        assert!(
            finding
                .detail
                .contains("blocked or unverifiable at: PC401 (subnet-private-a)"),
            "{}",
            finding.detail
        );
    }

    #[test]
    fn an_endpoint_address_names_its_endpoint_and_interface() {
        let findings = findings_of(&stopped(Some(AUTH_TIMEOUT)), "PC801");
        assert_eq!(findings.len(), 1, "{findings:#?}");
        assert_eq!(findings[0].severity, Severity::Info);
        assert_eq!(findings[0].resources, ["vpce-ecrapi", "eni-ecrapi-a"]);
    }
}
