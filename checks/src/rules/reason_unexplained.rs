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
