use crate::declare_check;
use crate::finding::Finding;
use crate::reason::Classification;
use crate::report::FlowReport;

declare_check! {
    /// ## What it does
    /// Warns when a stopped reason says a flow failed on the network, yet the snapshot shows a
    /// complete path for that flow.
    ///
    /// ## Why is this bad
    /// Either the configuration changed after the task stopped (someone already fixed it, or a
    /// deployment is mid-way), or the cause is outside what the AWS APIs describe: a DNS
    /// forwarder, a firewall appliance, an AWS-side incident, a transient throttle. Retrying the
    /// task tells which.
    ///
    /// ## Example
    /// The task stopped with `api.ecr ... i/o timeout` an hour ago; the `ecr.api` endpoint was
    /// created ten minutes ago.
    ///
    /// ## Fix
    /// Start a new task; if it fails the same way, check the path beyond the VPC (DNS forwarders,
    /// inspection appliances).
    pub static CHECK = ("PC802", "reason-unexplained", Warning);
}

pub fn finding(classification: &Classification, text: &str, flows: &[&FlowReport]) -> Finding {
    let flow = classification
        .flow
        .map(|flow| flow.id())
        .unwrap_or("the pull");
    let paths: Vec<String> = flows
        .iter()
        .map(|flow| format!("{} via {}", flow.subnet, flow.path))
        .collect();
    let mut finding = CHECK
        .finding(format!("The stopped reason says {flow} failed, but its path is complete now"))
        .detail(format!(
            "Reason: \"{}\". The snapshot shows a working path ({}). The configuration may have changed since the task stopped, or the cause lies outside the AWS APIs (DNS forwarders, appliances).",
            text.chars().take(200).collect::<String>(),
            paths.join("; ")
        ));
    if let Some(flow) = classification.flow {
        finding = finding.flow(flow);
    }
    finding
}

#[cfg(test)]
mod tests {
    use crate::finding::Severity;
    use crate::rules::test_support::{findings_of, scenario, task};
    use crate::snapshot::Snapshot;

    const AUTH_TIMEOUT: &str = "ResourceInitializationError: unable to pull secrets or registry auth: The task cannot pull registry auth from Amazon ECR: There is a connection issue between the task and Amazon ECR. Check your task network configuration. RequestError: send request failed caused by: Post \"https://api.ecr.us-east-1.amazonaws.com/\": dial tcp 10.0.10.5:443: i/o timeout";

    fn stopped(reason: Option<&str>) -> Snapshot {
        let mut snapshot = scenario("healthy-endpoints");
        snapshot.tasks = vec![task(&snapshot, reason, Vec::new())];
        snapshot
    }

    #[test]
    fn a_running_task_or_a_failure_the_snapshot_explains_is_not_flagged() {
        assert!(findings_of(&stopped(None), "PC802").is_empty());
        // The task group lost its egress to the endpoints: the timeout is explained (PC402).
        let mut snapshot = stopped(Some(AUTH_TIMEOUT));
        let app = snapshot
            .security_groups
            .iter_mut()
            .find(|g| g.id == "sg-app")
            .unwrap();
        app.egress
            .retain(|rule| rule.rule_id.as_deref() != Some("sgr-app-endpoints"));
        assert!(findings_of(&snapshot, "PC802").is_empty());
        assert!(!findings_of(&snapshot, "PC402").is_empty());
    }

    #[test]
    fn a_network_failure_on_a_path_that_is_complete_now_is_unexplained() {
        let findings = findings_of(&stopped(Some(AUTH_TIMEOUT)), "PC802");
        assert_eq!(findings.len(), 1, "{findings:#?}");
        let finding = &findings[0];
        assert_eq!(finding.severity, Severity::Warning);
        assert!(
            finding.title.contains("ecr-auth failed"),
            "{}",
            finding.title
        );
        assert!(
            finding
                .detail
                .contains("subnet-private-a via interface endpoint vpce-ecrapi"),
            "{}",
            finding.detail
        );
    }
}
