use super::fixes::{hcl, hcl_json, json_str, note, sh};
use std::collections::BTreeMap;

use crate::declare_check;
use crate::facts::{PathContext, Site, Verdict};
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
    ///
    /// Who makes each request matters. Layer downloads are presigned S3 URLs that ECR's own
    /// service signs, not the task's role: an S3 endpoint policy that allows only the caller's
    /// account, organization or role (`aws:PrincipalAccount`, `aws:PrincipalOrgID`,
    /// `aws:PrincipalArn`) or only the account's own buckets (`aws:ResourceAccount`; the layer
    /// bucket belongs to AWS) denies every layer. AWS documents the minimal S3 endpoint policy
    /// for ECR as `s3:GetObject` on `arn:aws:s3:::prod-<region>-starport-layer-bucket/*` for any
    /// principal ("Minimum Amazon S3 bucket permissions for Amazon ECR",
    /// <https://docs.aws.amazon.com/AmazonECR/latest/userguide/vpc-endpoints.html>). Such a
    /// condition is an error when it names only the snapshot's own account, its roles or an
    /// organization; a condition naming any other principal stays unknown.
    ///
    /// ## Example
    /// An S3 gateway endpoint policy allowing `arn:aws:s3:::prod-us-east-1-starport-layer-buckets/*`
    /// (note the extra `s`): every layer download is denied. Or one whose only statement allows
    /// `s3:*` when `aws:PrincipalAccount` is the account itself.
    ///
    /// ## Fix
    /// Add a statement allowing the listed actions on the listed resources, or reset the policy
    /// to the default.
    pub static CHECK = ("PC204", "endpoint-policy-denies", Error);
}

pub fn check(context: &PathContext, site: Site) -> Option<Verdict> {
    match site {
        Site::InterfaceEndpoint(endpoint) | Site::GatewayEndpoint(endpoint) => {
            Some(judge(context, endpoint))
        }
        _ => None,
    }
}

fn judge(context: &PathContext, endpoint: &VpcEndpoint) -> Verdict {
    let Some(document) = &endpoint.policy else {
        // No policy read: the default, unless the endpoint's own description failed (a plan's
        // policy known only after apply); then what it allows is unknown.
        if let Some(gap) = context.index.snapshot.gaps.iter().find(|gap| {
            gap.api == "ec2:DescribeVpcEndpoints"
                && gap.resource.as_deref() == Some(endpoint.id.as_str())
        }) {
            return Verdict::Unknown(
                CHECK
                    .finding(format!(
                        "What the policy of endpoint {} allows is unknown",
                        endpoint.id
                    ))
                    .resource(&endpoint.id)
                    .detail(super::collection_gap::because(gap)),
            );
        }
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
            vec![super::fixes::account_of(role).to_string()],
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
                if flow.kind == FlowKind::S3Layers
                    && let Some(verdict) =
                        layer_principal(context, endpoint, document, action, resource, &known)
                {
                    return verdict;
                }
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
            candidate_bucket != bucket && strsim::levenshtein(candidate_bucket, bucket) <= 3
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

/// The condition keys that describe who signs a request or whose bucket it reads.
const PRINCIPAL_KEYS: [&str; 5] = [
    "aws:PrincipalAccount",
    "aws:PrincipalOrgID",
    "aws:PrincipalOrgPaths",
    "aws:PrincipalArn",
    "aws:ResourceAccount",
];

/// An S3 layer request left undecided by a principal or resource-account condition. Layer URLs
/// are presigned by ECR's service, and the layer bucket is AWS's: when every such condition names
/// only the snapshot's own account, its ARNs or an organization, the request is evaluated as ECR
/// makes it (another account's principal, no organization, an AWS-owned bucket). `None` when a
/// condition names anything else (it stays unknown).
fn layer_principal(
    context: &PathContext,
    endpoint: &VpcEndpoint,
    document: &serde_json::Value,
    action: &str,
    resource: &str,
    known: &BTreeMap<String, Vec<String>>,
) -> Option<Verdict> {
    let account = &context.index.snapshot.account_id;
    let conditions = principal_conditions(document);
    if conditions.is_empty() {
        return None;
    }
    let own = |value: &str| {
        value == account
            || value.contains(&format!(":{account}:"))
            || value.starts_with("o-")
            || value.starts_with("${")
    };
    if !conditions
        .iter()
        .all(|(_, _, values)| values.iter().all(|value| own(value)))
    {
        return None;
    }
    let mut as_ecr = known.clone();
    as_ecr.insert(
        "aws:PrincipalAccount".into(),
        vec!["ecr-service-account".into()],
    );
    as_ecr.insert(
        "aws:PrincipalArn".into(),
        vec!["arn:aws:iam::ecr-service-account:root".into()],
    );
    as_ecr.insert("aws:PrincipalOrgID".into(), Vec::new());
    as_ecr.insert("aws:PrincipalOrgPaths".into(), Vec::new());
    as_ecr.insert(
        "aws:ResourceAccount".into(),
        vec!["aws-starport-account".into()],
    );
    let request = Request {
        principal_arn: None,
        action,
        resource,
        context: as_ecr,
    };
    let statements: Vec<String> = conditions
        .iter()
        .map(|(statement, key, values)| format!("{statement} ({key} = {})", values.join(", ")))
        .collect();
    let why = match evaluate(document, PolicyKind::Resource, &request) {
        Decision::Allowed { .. } => return None,
        Decision::Unknown { .. } => return None,
        Decision::ExplicitDeny { statement } => format!("{statement} explicitly denies it"),
        Decision::ImplicitDeny => "no statement allows it".to_string(),
    };
    let bucket = format!(
        "arn:aws:s3:::prod-{}-starport-layer-bucket/*",
        context.flow.region
    );
    let statement = serde_json::json!({
        "Sid": "AllowEcrLayers",
        "Effect": "Allow",
        "Principal": "*",
        "Action": ["s3:GetObject"],
        "Resource": [bucket],
    });
    let mut merged = document.clone();
    match merged.get_mut("Statement") {
        Some(serde_json::Value::Array(items)) => items.push(statement),
        Some(single) => *single = serde_json::Value::Array(vec![single.clone(), statement]),
        None => merged["Statement"] = serde_json::Value::Array(vec![statement]),
    }
    let merged = serde_json::to_string(&merged).unwrap_or_default();
    Some(Verdict::Block(
        CHECK
            .finding(format!(
                "Endpoint {}'s policy denies every image layer: {} allows only this account's principals, but ECR's service signs layer URLs",
                endpoint.id, statements.join("; ")
            ))
            .resource(&endpoint.id)
            .detail(format!(
                "Image layers go through {} ({}). Layer downloads are presigned URLs that ECR's own service signs, so S3 sees ECR's principal, not {account}'s, and the layer bucket is AWS's own: the statement(s) {} never match a layer request. Evaluated as ECR makes it, s3:GetObject on {resource}: {why}. AWS's minimal S3 endpoint policy for ECR allows s3:GetObject on {bucket} to any principal (https://docs.aws.amazon.com/AmazonECR/latest/userguide/vpc-endpoints.html); the fix keeps your statements and adds it.",
                endpoint.id,
                endpoint.service_name,
                statements.join("; ")
            ))
            .fix(
                format!(
                    "aws ec2 modify-vpc-endpoint --vpc-endpoint-id {} --policy-document {}",
                    sh(&endpoint.id),
                    sh(&merged)
                ),
                format!(
                    "resource \"aws_vpc_endpoint_policy\" \"{}\" {{\n  vpc_endpoint_id = \"{}\"\n  policy          = jsonencode({})\n}}",
                    super::fixes::label(&endpoint.id),
                    hcl(&endpoint.id),
                    hcl_json(&merged)
                ),
            ),
    ))
}

/// Each (statement label, condition key, values) of the policy that tests a principal or
/// resource-account key.
fn principal_conditions(document: &serde_json::Value) -> Vec<(String, String, Vec<String>)> {
    let statements: Vec<&serde_json::Value> = match document.get("Statement") {
        Some(serde_json::Value::Array(items)) => items.iter().collect(),
        Some(single) => vec![single],
        None => Vec::new(),
    };
    let mut found = Vec::new();
    for (at, statement) in statements.iter().enumerate() {
        let label = match statement.get("Sid").and_then(|sid| sid.as_str()) {
            Some(sid) => format!("statement `{sid}`"),
            None => format!("statement #{}", at + 1),
        };
        let Some(serde_json::Value::Object(operators)) = statement.get("Condition") else {
            continue;
        };
        for keys in operators.values() {
            let serde_json::Value::Object(keys) = keys else {
                continue;
            };
            for (key, values) in keys {
                if !PRINCIPAL_KEYS
                    .iter()
                    .any(|known| known.eq_ignore_ascii_case(key))
                {
                    continue;
                }
                let mut strings = Vec::new();
                collect_strings(values, &mut strings);
                found.push((label.clone(), key.clone(), strings));
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use crate::finding::{Finding, Severity};
    use crate::rules::test_support::{findings_of, scenario};
    use crate::snapshot::{CollectionGap, Snapshot};

    const BUCKET: &str = "arn:aws:s3:::prod-us-east-1-starport-layer-bucket/*";

    /// The healthy account with `policy` on endpoint `id`.
    fn with_policy(id: &str, policy: Option<Value>) -> Snapshot {
        let mut snapshot = scenario("healthy-endpoints");
        let endpoint = snapshot.vpc_endpoints.iter_mut().find(|ep| ep.id == id);
        endpoint.unwrap().policy = policy;
        snapshot
    }

    /// An S3 endpoint policy allowing `s3:GetObject` on `resource` to anyone, under `condition`.
    fn layers(resource: &str, condition: Value) -> Snapshot {
        let statement = json!({"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": resource, "Condition": condition});
        with_policy("vpce-s3", Some(json!({"Statement": [statement]})))
    }

    fn one(snapshot: &Snapshot, severity: Severity) -> Finding {
        let findings = findings_of(snapshot, "PC204");
        assert_eq!(findings.len(), 1, "{findings:#?}");
        assert_eq!(findings[0].severity, severity);
        findings[0].clone()
    }

    #[test]
    fn default_and_minimal_endpoint_policies_allow_the_pull() {
        assert!(findings_of(&scenario("healthy-endpoints"), "PC204").is_empty());
        assert!(findings_of(&layers(BUCKET, json!({})), "PC204").is_empty());
    }

    #[test]
    fn a_misspelt_layer_bucket_denies_every_layer() {
        let finding = one(
            &layers(&BUCKET.replace("bucket", "buckets"), json!({})),
            Severity::Error,
        );
        assert_eq!(finding.resources, ["vpce-s3"]);
        assert!(
            finding.detail.contains("starport-layer-buckets/*"),
            "{}",
            finding.detail
        );
    }

    #[test]
    fn an_explicit_deny_on_ecr_dkr_names_the_role_it_refuses() {
        let deny = json!({"Statement": [
            {"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"},
            {"Sid": "NoPulls", "Effect": "Deny", "Principal": "*", "Action": "ecr:BatchGetImage", "Resource": "*"}]});
        let finding = one(&with_policy("vpce-ecrdkr", Some(deny)), Severity::Error);
        let role = "arn:aws:iam::111122223333:role/ecsTaskExecutionRole";
        assert_eq!(finding.resources, ["vpce-ecrdkr", role]);
        assert!(
            finding
                .detail
                .contains("statement `NoPulls` explicitly denies it")
        );
    }

    #[test]
    fn an_unreadable_policy_or_condition_is_unknown_not_an_error() {
        let source_ip = json!({"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}});
        one(&layers(BUCKET, source_ip), Severity::Warning);

        let mut snapshot = with_policy("vpce-s3", None);
        snapshot.gaps.push(CollectionGap {
            api: "ec2:DescribeVpcEndpoints".into(),
            resource: Some("vpce-s3".into()),
            error_code: "UnauthorizedOperation".into(),
            message: "denied".into(),
        });
        assert_eq!(one(&snapshot, Severity::Warning).resources, ["vpce-s3"]);
    }
}
