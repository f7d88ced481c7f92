//! Secrets Manager and SSM: which KMS key encrypts each secret or parameter the tasks read.

use std::collections::BTreeSet;

use aws_sdk_ssm::types::{ParameterStringFilter, ParameterType};
use futures::future::try_join_all;

use super::call::Calls;

/// A secret or parameter ARN and the key reference that encrypts it (`None`: the AWS managed default).
pub type Encryption = (String, Option<String>);

/// The default keys need no permission of the task's role beyond reading the secret.
fn customer_key(reference: Option<&str>) -> Option<String> {
    reference
        .filter(|key| !key.ends_with("alias/aws/secretsmanager") && !key.ends_with("alias/aws/ssm"))
        .map(str::to_string)
}

pub async fn encryption(
    secrets_manager: &aws_sdk_secretsmanager::Client,
    ssm: &aws_sdk_ssm::Client,
    calls: &Calls,
    secrets: &BTreeSet<String>,
    parameters: &BTreeSet<String>,
) -> anyhow::Result<Vec<Encryption>> {
    let secret_keys = secrets.iter().map(|arn| async move {
        let request = secrets_manager.describe_secret().secret_id(arn).send();
        let answer = calls
            .run(
                "secretsmanager:DescribeSecret",
                Some(arn),
                &["ResourceNotFoundException"],
                request,
            )
            .await?;
        Ok::<_, anyhow::Error>(
            answer
                .found()
                .map(|output| (arn.clone(), customer_key(output.kms_key_id()))),
        )
    });
    let parameter_keys = parameters.iter().map(|arn| async move {
        // `parameter/prod/db` is the ARN of `/prod/db` (and of `prod/db`, a name without the slash).
        let name = arn
            .split_once(":parameter/")
            .map(|(_, name)| name)
            .unwrap_or(arn);
        let filter = ParameterStringFilter::builder()
            .key("Name")
            .option("Equals")
            .values(format!("/{name}"))
            .values(name)
            .build()?;
        let request = ssm.describe_parameters().parameter_filters(filter).send();
        let answer = calls
            .run("ssm:DescribeParameters", Some(arn), &[], request)
            .await?;
        Ok::<_, anyhow::Error>(answer.found().and_then(|output| {
            let parameter = output.parameters().first()?;
            let key = (parameter.r#type() == Some(&ParameterType::SecureString))
                .then(|| customer_key(parameter.key_id()))
                .flatten();
            Some((arn.clone(), key))
        }))
    });
    let (secret_keys, parameter_keys) =
        tokio::try_join!(try_join_all(secret_keys), try_join_all(parameter_keys))?;
    Ok(secret_keys
        .into_iter()
        .chain(parameter_keys)
        .flatten()
        .collect())
}
