//! KMS: the customer-managed keys of the repositories, secrets and parameters, and the key
//! policies of the latter.

use std::collections::BTreeSet;

use aws_sdk_kms::Client;
use ecr_pathcheck_checks::snapshot::KmsKey;
use futures::future::try_join_all;

use super::call::{Calls, Outcome};

/// Each reference (key ARN, id or alias) described, paired with the key it names.
pub async fn describe(
    client: &Client,
    calls: &Calls,
    references: &BTreeSet<String>,
) -> anyhow::Result<Vec<(String, KmsKey)>> {
    let requests = references.iter().map(|reference| async move {
        let request = client.describe_key().key_id(reference).send();
        let answer = calls
            .run(
                "kms:DescribeKey",
                Some(reference),
                &["NotFoundException"],
                request,
            )
            .await?;
        Ok::<_, anyhow::Error>(match answer {
            Outcome::Found(output) => output.key_metadata().map(|metadata| {
                (
                    reference.clone(),
                    KmsKey {
                        arn: metadata.arn().unwrap_or(reference).to_string(),
                        key_state: metadata
                            .key_state()
                            .map(|state| state.as_str().to_string())
                            .unwrap_or_else(|| "Unknown".into()),
                        key_manager: metadata
                            .key_manager()
                            .map(|manager| manager.as_str().to_string())
                            .unwrap_or_else(|| "CUSTOMER".into()),
                        policy: None,
                    },
                )
            }),
            Outcome::Absent(code) => {
                // The convention PC704 reads: this key does not exist.
                calls.record_gap(
                    "kms:DescribeKey",
                    Some(reference),
                    &code,
                    &format!("Key '{reference}' does not exist"),
                );
                None
            }
            Outcome::Gap => None,
        })
    });
    Ok(try_join_all(requests)
        .await?
        .into_iter()
        .flatten()
        .collect())
}

/// The key policy (`default`, the only name KMS allows) of each key, by key ARN. A refusal is a
/// gap, which the engine reports as unknown.
pub async fn policies(
    client: &Client,
    calls: &Calls,
    key_arns: &BTreeSet<String>,
) -> anyhow::Result<Vec<(String, serde_json::Value)>> {
    let requests = key_arns.iter().map(|arn| async move {
        let request = client
            .get_key_policy()
            .key_id(arn)
            .policy_name("default")
            .send();
        let answer = calls
            .run(
                "kms:GetKeyPolicy",
                Some(arn),
                &["NotFoundException"],
                request,
            )
            .await?;
        Ok::<_, anyhow::Error>(
            answer
                .found()
                .and_then(|output| output.policy().map(str::to_string))
                .and_then(|text| serde_json::from_str(&text).ok())
                .map(|policy| (arn.clone(), policy)),
        )
    });
    Ok(try_join_all(requests)
        .await?
        .into_iter()
        .flatten()
        .collect())
}
