use super::fixes::{hcl, hcl_json, json_str, note, sh};
use std::collections::BTreeMap;

use crate::declare_check;
use crate::engine::{PathContext, Verdict};
use crate::flows::FlowKind;
use crate::policy::{Decision, PolicyKind, Request, evaluate};
use crate::snapshot::VpcEndpoint;

declare_check! {
    /// ## What it does
    /// Evaluates the endpoint policy of each VPC endpoint on the task's path against the
    /// requests the pull makes: the ECR actions by the task execution role on `ecr.api` and
    /// `ecr.dkr`, `s3:GetObject` on `arn:aws:s3:::prod-<region>-starport-layer-bucket/*` on the S3
    /// endpoint, the log, secret and parameter actions on the other endpoints.
    ///
    /// ## Why is this bad
    /// A custom endpoint policy replaces the default full access. A statement that forgets an
    /// action, names another role, or misspells the layer bucket denies the pull with a 403
    /// while every network hop is fine. Explicit denies (including `aws:SourceVpc` or
    /// `aws:PrincipalArn` conditions) win over allows. A condition this tool cannot evaluate
    /// offline makes the result unknown rather than a guess.
    ///
    /// ## Example
    /// An S3 gateway endpoint policy allowing `arn:aws:s3:::prod-us-east-1-starport-layer-buckets/*`
    /// (note the extra `s`): every layer download is denied.
    ///
    /// ## Fix
    /// Add a statement allowing the listed actions on the listed resources, or reset the policy
    /// to the default.
    pub static CHECK = ("PC204", "endpoint-policy-denies", Error);
}

pub fn check(context: &PathContext, endpoint: &VpcEndpoint) -> Verdict {
    let Some(document) = &endpoint.policy else {
        return Verdict::Pass(format!(
            "{} has the default full-access policy",
            endpoint.id
        ));
    };
    let flow = context.flow;
    let role = context
        .pulling_role()
        .filter(|_| flow.kind != FlowKind::S3Layers);
    let mut known = BTreeMap::new();
    known.insert("aws:SourceVpce".to_string(), vec![endpoint.id.clone()]);
    known.insert("aws:SourceVpc".to_string(), vec![endpoint.vpc_id.clone()]);
    known.insert("aws:RequestedRegion".to_string(), vec![flow.region.clone()]);
    if let Some(role) = role {
        known.insert("aws:PrincipalArn".to_string(), vec![role.to_string()]);
        known.insert(
            "aws:PrincipalAccount".to_string(),
            vec![role.split(':').nth(4).unwrap_or_default().to_string()],
        );
    }
    let requests = context.flow.requests();
    for (action, resource) in &requests {
        let request = Request {
            principal_arn: role,
            action,
            resource,
            context: known.clone(),
        };
        match evaluate(document, PolicyKind::Resource, &request) {
            Decision::Allowed { .. } => {}
            Decision::ExplicitDeny { statement } => {
                return Verdict::Block(refusal(
                    context,
                    endpoint,
                    action,
                    resource,
                    &format!("{statement} explicitly denies it"),
                ));
            }
            Decision::ImplicitDeny => {
                let hint = near_miss(document, resource).map(|near| format!(" The policy names `{near}`, which is not `{resource}`: check the spelling.")).unwrap_or_default();
                return Verdict::Block(refusal(
                    context,
                    endpoint,
                    action,
                    resource,
                    &format!("no statement allows it{hint}"),
                ));
            }
            Decision::Unknown { reason } => {
                return Verdict::Unknown(
                    CHECK
                        .finding(format!(
                            "Cannot tell whether {}'s policy allows {action}",
                            endpoint.id
                        ))
                        .resource(&endpoint.id)
                        .resources(role)
                        .detail(format!(
                            "Evaluating {action} on {resource} by {}: {reason}.",
                            role.unwrap_or("the caller")
                        )),
                );
            }
        }
    }
    let actions: Vec<&str> = requests.iter().map(|(action, _)| action.as_str()).collect();
    Verdict::Pass(format!(
        "{}'s policy allows {}",
        endpoint.id,
        actions.join(", ")
    ))
}

fn refusal(
    context: &PathContext,
    endpoint: &VpcEndpoint,
    action: &str,
    resource: &str,
    why: &str,
) -> crate::finding::Finding {
    let role = context
        .pulling_role()
        .filter(|_| context.flow.kind != FlowKind::S3Layers);
    let principal = match role {
        Some(role) => format!("{{\"AWS\":{}}}", json_str(role)),
        None => "\"*\"".to_string(),
    };
    let allowed_resource = if resource.ends_with("/sha256/layer") {
        resource.trim_end_matches("sha256/layer").to_string() + "*"
    } else {
        resource.to_string()
    };
    let statement = format!(
        "{{\"Version\":\"2012-10-17\",\"Statement\":[{{\"Sid\":\"AllowEcsPull\",\"Effect\":\"Allow\",\"Principal\":{principal},\"Action\":[{}],\"Resource\":[{}]}}]}}",
        json_str(action),
        json_str(&allowed_resource)
    );
    CHECK
        .finding(format!("Endpoint {}'s policy denies {action} for {}", endpoint.id, role.unwrap_or("the task")))
        .resource(&endpoint.id)
        .resources(role)
        .detail(format!(
            "{} goes through {} ({}). Its endpoint policy was evaluated for {action} on {resource} by {}: {why}.",
            context.flow.kind.describe(),
            endpoint.id,
            endpoint.service_name,
            role.unwrap_or("any principal")
        ))
        .fix(
            format!(
                "# merge this statement into the endpoint's policy (aws ec2 describe-vpc-endpoints --vpc-endpoint-ids {} --query 'VpcEndpoints[0].PolicyDocument'), then:\naws ec2 modify-vpc-endpoint --vpc-endpoint-id {} --policy-document {}",
                note(&sh(&endpoint.id)),
                sh(&endpoint.id),
                sh(&statement)
            ),
            format!(
                "resource \"aws_vpc_endpoint_policy\" \"{}\" {{\n  vpc_endpoint_id = \"{}\"\n  policy          = jsonencode({})\n}}",
                super::fixes::label(&endpoint.id),
                hcl(&endpoint.id),
                hcl_json(&statement)
            ),
        )
}

/// A resource the policy names that looks like the one asked about but differs: a typo in the
/// layer bucket name denies every layer.
fn near_miss(document: &serde_json::Value, resource: &str) -> Option<String> {
    let bucket = resource.split('/').next()?;
    let mut named = Vec::new();
    collect_strings(document, &mut named);
    named
        .into_iter()
        .filter(|candidate| {
            candidate.starts_with("arn:aws:s3:::") || candidate.starts_with("arn:aws:ecr:")
        })
        .find(|candidate| {
            let candidate_bucket = candidate.split('/').next().unwrap_or(candidate);
            candidate_bucket != bucket && super::fixes::edit_distance(candidate_bucket, bucket) <= 3
        })
}

fn collect_strings(value: &serde_json::Value, into: &mut Vec<String>) {
    match value {
        serde_json::Value::String(text) => into.push(text.clone()),
        serde_json::Value::Array(items) => {
            items.iter().for_each(|item| collect_strings(item, into))
        }
        serde_json::Value::Object(fields) => {
            fields.values().for_each(|item| collect_strings(item, into))
        }
        _ => {}
    }
}
