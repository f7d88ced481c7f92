//! IAM: the execution roles of the task definitions, with every policy that decides them.

use std::collections::{BTreeMap, BTreeSet};

use aws_config::retry::RetryConfig;
use aws_sdk_iam::Client;
use ecr_pathcheck_checks::snapshot::{IamRole, NamedPolicy, RoleSimulation, SimulatedDecision};
use futures::future::try_join_all;

use super::arn::name_of;
use super::call::Calls;

/// What `GetRole` and the two list calls say about one role, before the documents are fetched.
struct RoleOutline {
    arn: String,
    name: String,
    trust_policy: Option<serde_json::Value>,
    inline_names: Vec<String>,
    attached: Vec<String>,
    boundary: Option<String>,
}

/// The (action, resource) requests each role's tasks make, as the engine derives them.
pub type Requests = BTreeMap<String, BTreeSet<(String, String)>>;

pub async fn roles(
    client: &Client,
    calls: &Calls,
    requests: &Requests,
) -> anyhow::Result<Vec<IamRole>> {
    let (outlines, simulations) = tokio::join!(
        try_join_all(requests.keys().map(|arn| outline(client, calls, arn))),
        futures::future::join_all(
            requests
                .iter()
                .map(|(arn, wanted)| simulate(client, calls, arn, wanted))
        ),
    );
    let mut simulations: BTreeMap<String, RoleSimulation> =
        requests.keys().cloned().zip(simulations).collect();
    let outlines = outlines?;
    let outlines: Vec<RoleOutline> = outlines.into_iter().flatten().collect();

    let managed: BTreeSet<String> = outlines
        .iter()
        .flat_map(|role| role.attached.iter().chain(role.boundary.iter()).cloned())
        .collect();
    let inline = outlines.iter().flat_map(|role| {
        role.inline_names
            .iter()
            .map(move |policy| (role.name.as_str(), policy.as_str()))
    });
    let (managed_documents, inline_documents) = tokio::try_join!(
        try_join_all(managed.iter().map(|arn| managed_policy(client, calls, arn))),
        try_join_all(inline.map(|(role, policy)| inline_policy(client, calls, role, policy))),
    )?;
    let managed_documents: BTreeMap<String, serde_json::Value> = managed
        .iter()
        .cloned()
        .zip(managed_documents)
        .filter_map(|(arn, document)| Some((arn, document?)))
        .collect();
    let inline_documents: BTreeMap<(String, String), serde_json::Value> =
        inline_documents.into_iter().flatten().collect();

    Ok(outlines
        .into_iter()
        .map(|role| {
            let named = |arn: &String| {
                managed_documents.get(arn).map(|document| NamedPolicy {
                    name: arn.clone(),
                    document: document.clone(),
                })
            };
            IamRole {
                inline_policies: role
                    .inline_names
                    .iter()
                    .filter_map(|policy| {
                        let document =
                            inline_documents.get(&(role.name.clone(), policy.clone()))?;
                        Some(NamedPolicy {
                            name: policy.clone(),
                            document: document.clone(),
                        })
                    })
                    .collect(),
                attached_policies: role.attached.iter().filter_map(named).collect(),
                permissions_boundary: role.boundary.as_ref().and_then(named),
                simulation: simulations.remove(&role.arn),
                trust_policy: role.trust_policy,
                arn: role.arn,
            }
        })
        .collect())
}

async fn outline(client: &Client, calls: &Calls, arn: &str) -> anyhow::Result<Option<RoleOutline>> {
    let name = name_of(arn);
    let inline_pages = client
        .list_role_policies()
        .role_name(name)
        .into_paginator()
        .items()
        .send();
    let attached_pages = client
        .list_attached_role_policies()
        .role_name(name)
        .into_paginator()
        .items()
        .send();
    let (role, inline_names, attached) = tokio::try_join!(
        calls.run(
            "iam:GetRole",
            Some(arn),
            &["NoSuchEntity"],
            client.get_role().role_name(name).send()
        ),
        calls.run(
            "iam:ListRolePolicies",
            Some(arn),
            &["NoSuchEntity"],
            inline_pages.collect::<Result<Vec<_>, _>>()
        ),
        calls.run(
            "iam:ListAttachedRolePolicies",
            Some(arn),
            &["NoSuchEntity"],
            attached_pages.collect::<Result<Vec<_>, _>>()
        ),
    )?;
    let Some(role) = role.found().and_then(|output| output.role().cloned()) else {
        return Ok(None);
    };
    // A role of the same name in another account is not this role.
    if role.arn() != arn {
        return Ok(None);
    }
    Ok(Some(RoleOutline {
        arn: arn.to_string(),
        name: name.to_string(),
        trust_policy: role.assume_role_policy_document().and_then(decode_document),
        inline_names: inline_names.found().unwrap_or_default(),
        attached: attached
            .found()
            .unwrap_or_default()
            .iter()
            .filter_map(|policy| policy.policy_arn().map(str::to_string))
            .collect(),
        boundary: role
            .permissions_boundary()
            .and_then(|boundary| boundary.permissions_boundary_arn())
            .map(str::to_string),
    }))
}

/// IAM's own evaluation of the role's identity policies and boundary, one call per resource;
/// never retried or fatal: without it the engine says its verdict is its own evaluator's.
pub(super) async fn simulate(
    client: &Client,
    calls: &Calls,
    role: &str,
    wanted: &BTreeSet<(String, String)>,
) -> RoleSimulation {
    let mut by_resource: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (action, resource) in wanted {
        by_resource.entry(resource).or_default().push(action);
    }
    let answers =
        futures::future::join_all(by_resource.iter().map(|(resource, actions)| async move {
            let request = client
                .simulate_principal_policy()
                .policy_source_arn(role)
                .set_action_names(Some(
                    actions.iter().map(|action| action.to_string()).collect(),
                ))
                .resource_arns(*resource)
                .customize()
                .config_override(
                    aws_sdk_iam::config::Builder::default().retry_config(RetryConfig::disabled()),
                )
                .send();
            calls
                .optional("iam:SimulatePrincipalPolicy", request)
                .await
                .map(|output| {
                    output
                        .evaluation_results()
                        .iter()
                        .map(|result| SimulatedDecision {
                            action: result.eval_action_name().to_string(),
                            resource: result.eval_resource_name().unwrap_or(resource).to_string(),
                            decision: result.eval_decision().as_str().to_string(),
                        })
                        .collect::<Vec<_>>()
                })
        }))
        .await;
    let mut simulation = RoleSimulation::default();
    for answer in answers {
        match answer {
            Ok(decisions) => simulation.decisions.extend(decisions),
            Err(why) => simulation.unavailable = Some(why),
        }
    }
    simulation
}

async fn inline_policy(
    client: &Client,
    calls: &Calls,
    role: &str,
    policy: &str,
) -> anyhow::Result<Option<((String, String), serde_json::Value)>> {
    let request = client
        .get_role_policy()
        .role_name(role)
        .policy_name(policy)
        .send();
    let output = calls
        .run("iam:GetRolePolicy", Some(role), &["NoSuchEntity"], request)
        .await?
        .found();
    Ok(output
        .and_then(|output| decode_document(output.policy_document()))
        .map(|document| ((role.to_string(), policy.to_string()), document)))
}

/// The default version's document (two dependent calls: the policy names its default version).
async fn managed_policy(
    client: &Client,
    calls: &Calls,
    arn: &str,
) -> anyhow::Result<Option<serde_json::Value>> {
    let policy = calls
        .run(
            "iam:GetPolicy",
            Some(arn),
            &["NoSuchEntity"],
            client.get_policy().policy_arn(arn).send(),
        )
        .await?
        .found();
    let Some(version) = policy.and_then(|output| {
        output
            .policy()
            .and_then(|policy| policy.default_version_id().map(str::to_string))
    }) else {
        return Ok(None);
    };
    let request = client
        .get_policy_version()
        .policy_arn(arn)
        .version_id(version)
        .send();
    let output = calls
        .run(
            "iam:GetPolicyVersion",
            Some(arn),
            &["NoSuchEntity"],
            request,
        )
        .await?
        .found();
    Ok(output.and_then(|output| {
        output
            .policy_version()?
            .document()
            .and_then(decode_document)
    }))
}

/// IAM returns policy documents URL-encoded (RFC 3986); some emulators return them plain.
pub fn decode_document(text: &str) -> Option<serde_json::Value> {
    let text = text.trim();
    if text.starts_with('{') {
        return serde_json::from_str(text).ok();
    }
    serde_json::from_str(&percent_decode(text)?).ok()
}

fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        match bytes[index] {
            b'%' => {
                let hex = std::str::from_utf8(bytes.get(index + 1..index + 3)?).ok()?;
                decoded.push(u8::from_str_radix(hex, 16).ok()?);
                index += 3;
            }
            b'+' => {
                decoded.push(b' ');
                index += 1;
            }
            byte => {
                decoded.push(byte);
                index += 1;
            }
        }
    }
    String::from_utf8(decoded).ok()
}

#[cfg(test)]
mod tests {
    use super::decode_document;

    #[test]
    fn policy_documents_decode_from_url_encoding_or_plain_json() {
        let encoded = "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%5D%7D";
        let expected = serde_json::json!({"Version": "2012-10-17", "Statement": []});
        assert_eq!(decode_document(encoded), Some(expected.clone()));
        assert_eq!(
            decode_document(r#"{"Version":"2012-10-17","Statement":[]}"#),
            Some(expected)
        );
        assert_eq!(decode_document("%7B%2"), None);
    }
}
