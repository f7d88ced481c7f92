//! KMS: the customer-managed keys the repositories are encrypted with.

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
            Outcome::Refused => None,
        })
    });
    Ok(try_join_all(requests)
        .await?
        .into_iter()
        .flatten()
        .collect())
}
