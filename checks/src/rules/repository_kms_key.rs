use super::fixes::{hcl, sh};
use crate::declare_check;
use crate::facts::{Carrier, PathContext, Verdict};
use crate::flows::ImageRef;

use crate::facts::FlowImage;

declare_check! {
    /// ## What it does
    /// For a repository encrypted with a KMS key (`encryptionType: KMS`), checks that the key
    /// exists and is enabled.
    ///
    /// ## Why is this bad
    /// ECR decrypts image layers with the repository's key on every pull. A disabled key, or one
    /// pending deletion or deleted, fails every pull of every image in the repository, with a
    /// perfect network and perfect permissions.
    ///
    /// ## Example
    /// Repository `web` encrypted with `arn:aws:kms:us-east-1:111122223333:key/…`, which someone
    /// disabled.
    ///
    /// ## Fix
    /// Enable the key (`aws kms enable-key`), or cancel its deletion first. A deleted key cannot
    /// come back: create a new repository and push the images again.
    pub static CHECK = ("PC704", "repository-kms-key", Error);
}

pub fn check(context: &PathContext, carrier: &Carrier) -> Vec<Verdict> {
    let images = carrier.images;
    images
        .iter()
        .filter_map(|image| verdict(context, image))
        .collect()
}

fn verdict(context: &PathContext, image: &FlowImage) -> Option<Verdict> {
    let repository = image.repository?;
    if !repository
        .encryption_type
        .as_deref()?
        .eq_ignore_ascii_case("KMS")
    {
        return None;
    }
    let ImageRef::PrivateEcr {
        repository: name, ..
    } = &image.image
    else {
        return None;
    };
    let Some(key_reference) = repository.kms_key.as_deref() else {
        return Some(Verdict::Pass(format!(
            "{name} is encrypted with the AWS managed key for ECR"
        )));
    };
    let snapshot = context.index.snapshot;
    let Some(key) = snapshot.kms_keys.iter().find(|key| key.is(key_reference)) else {
        let gap = snapshot.gaps.iter().find(|gap| {
            gap.api == "kms:DescribeKey" && gap.resource.as_deref() == Some(key_reference)
        });
        return Some(match gap {
            Some(gap) if gap.error_code == "NotFoundException" => Verdict::Block(
                CHECK
                    .finding(format!("The KMS key of repository {name} does not exist"))
                    .resource(repository.arn.as_str())
                    .resource(key_reference)
                    .detail(format!("{} is encrypted with {key_reference}; KMS answered NotFoundException, so no image of it can be decrypted.", repository.arn))
                    .fix(
                        format!("aws ecr create-repository --repository-name {} --encryption-configuration encryptionType=KMS  # then push the images and point the task definition at it", sh(&format!("{name}-v2"))),
                        format!("resource \"aws_ecr_repository\" \"{}_v2\" {{\n  name = \"{}-v2\"\n  encryption_configuration {{\n    encryption_type = \"KMS\"\n  }}\n}}", super::fixes::label(name), hcl(name)),
                    ),
            ),
            _ => Verdict::Unknown(
                CHECK
                    .finding(format!("The KMS key of repository {name} cannot be checked"))
                    .resource(key_reference)
                    .detail(format!("{key_reference} is not in the snapshot ({}); whether it is enabled is unknown.", gap.map(|gap| format!("kms:DescribeKey answered {}", gap.error_code)).unwrap_or_else(|| "not collected".to_string()))),
            ),
        });
    };
    if key.key_state == "Enabled" {
        return Some(Verdict::Pass(format!(
            "{name}'s KMS key {} is enabled",
            key.arn
        )));
    }
    let (cli, terraform) = if key.key_state == "PendingDeletion" {
        (
            format!(
                "aws kms cancel-key-deletion --key-id {0}\naws kms enable-key --key-id {0}",
                sh(&key.arn)
            ),
            "# remove the deletion from the aws_kms_key, then:\nis_enabled = true".to_string(),
        )
    } else {
        (
            format!("aws kms enable-key --key-id {}", sh(&key.arn)),
            "# on the aws_kms_key\nis_enabled = true".to_string(),
        )
    };
    Some(Verdict::Block(
        CHECK
            .finding(format!("The KMS key of repository {name} is {}", key.key_state))
            .resource(repository.arn.as_str())
            .resource(key.arn.as_str())
            .detail(format!("{} is encrypted with {} ({} managed), whose state is {}: ECR cannot decrypt the image layers.", repository.arn, key.arn, key.key_manager.to_ascii_lowercase(), key.key_state))
            .fix(cli, terraform),
    ))
}

#[cfg(test)]
mod tests {
    use crate::finding::Severity;
    use crate::rules::test_support::{findings_of, scenario};
    use crate::snapshot::{CollectionGap, KmsKey, Snapshot};

    const KEY: &str = "arn:aws:kms:us-east-1:111122223333:key/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0";
    const REPOSITORY: &str = "arn:aws:ecr:us-east-1:111122223333:repository/web";

    /// The healthy repository encrypted with `KEY`: in the snapshot in `state`, or else unread
    /// with `error_code`.
    fn encrypted(state: Option<&str>, error_code: Option<&str>) -> Snapshot {
        let mut snapshot = scenario("healthy-endpoints");
        snapshot.ecr_repositories[0].encryption_type = Some("KMS".into());
        snapshot.ecr_repositories[0].kms_key = Some(KEY.into());
        if let Some(state) = state {
            snapshot.kms_keys.push(KmsKey {
                arn: KEY.into(),
                key_state: state.into(),
                key_manager: "CUSTOMER".into(),
                policy: None,
            });
        }
        if let Some(code) = error_code {
            snapshot.gaps.push(CollectionGap {
                api: "kms:DescribeKey".into(),
                resource: Some(KEY.into()),
                error_code: code.into(),
                message: "no".into(),
            });
        }
        snapshot
    }

    #[test]
    fn an_enabled_key_or_ecr_managed_encryption_passes() {
        assert!(findings_of(&scenario("healthy-endpoints"), "PC704").is_empty());
        assert!(findings_of(&encrypted(Some("Enabled"), None), "PC704").is_empty());
    }

    #[test]
    fn a_disabled_or_deleted_key_fails_every_pull() {
        let findings = findings_of(&encrypted(Some("Disabled"), None), "PC704");
        assert_eq!(findings.len(), 1, "{findings:#?}");
        assert_eq!(findings[0].severity, Severity::Error);
        assert_eq!(findings[0].resources, [REPOSITORY, KEY]);
        assert!(findings[0].title.contains("repository web is Disabled"));
        let gone = findings_of(&encrypted(None, Some("NotFoundException")), "PC704");
        assert_eq!(gone.len(), 1);
        assert_eq!(gone[0].severity, Severity::Error);
        assert_eq!(gone[0].resources, [REPOSITORY, KEY]);
    }

    #[test]
    fn a_key_that_could_not_be_described_is_unknown() {
        let findings = findings_of(&encrypted(None, Some("AccessDeniedException")), "PC704");
        assert_eq!(findings.len(), 1, "{findings:#?}");
        assert_eq!(findings[0].severity, Severity::Warning);
        assert_eq!(findings[0].resources, [KEY]);
        assert!(
            findings[0]
                .detail
                .contains("kms:DescribeKey answered AccessDeniedException")
        );
    }
}
