//! Amazon Resource Names and the shapes of the names inside them, shared by the collector (the
//! ARNs users pass) and the snapshot's validation (the ARNs a file holds).
//!
//! Source: AWS General Reference, "Amazon Resource Names (ARNs)" and "AWS service endpoints"
//! (region names); ECS API Reference, `CreateCluster` and `CreateService` (names).

/// An ARN split into its six parts: `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE`. The region
/// and account are empty for global services (IAM, S3 buckets); the resource keeps its own `:`
/// and `/` separators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arn<'a> {
    pub partition: &'a str,
    pub service: &'a str,
    pub region: &'a str,
    pub account: &'a str,
    pub resource: &'a str,
}

impl<'a> Arn<'a> {
    /// The six parts, or `None` when `text` does not start with `arn:` or has fewer parts. The
    /// parts' shapes are not checked here (see `is_partition`, `is_region`, `is_account`).
    pub fn parse(text: &'a str) -> Option<Self> {
        let mut parts = text.splitn(6, ':');
        let (
            Some("arn"),
            Some(partition),
            Some(service),
            Some(region),
            Some(account),
            Some(resource),
        ) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        )
        else {
            return None;
        };
        Some(Arn {
            partition,
            service,
            region,
            account,
            resource,
        })
    }

    /// The last `/` segment of the resource: a role's, cluster's or task definition's name.
    pub fn name(&self) -> &'a str {
        name_of(self.resource)
    }
}

/// The partitions whose ARNs the tool reads.
pub const PARTITIONS: [&str; 3] = ["aws", "aws-cn", "aws-us-gov"];

pub fn is_partition(text: &str) -> bool {
    PARTITIONS.contains(&text)
}

/// The partition a region belongs to: `cn-…` is `aws-cn`, `us-gov-…` is `aws-us-gov`, the
/// others `aws`.
pub fn partition_of(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else {
        "aws"
    }
}

/// AWS's region shape, lowercase: an area of two to four letters, one to three words, a number
/// of one or two digits (`us-east-1`, `eu-central-2`, `us-gov-west-1`, `cn-north-1`,
/// `us-isob-east-1`, `eusc-de-east-1`).
pub fn is_region(text: &str) -> bool {
    let parts: Vec<&str> = text.split('-').collect();
    let letters = |part: &&str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_lowercase());
    match parts[..] {
        [area, .., number] if (3..=5).contains(&parts.len()) => {
            (2..=4).contains(&area.len())
                && letters(&area)
                && parts[1..parts.len() - 1].iter().all(letters)
                && (1..=2).contains(&number.len())
                && number.bytes().all(|b| b.is_ascii_digit())
        }
        _ => false,
    }
}

/// A 12-digit account id.
pub fn is_account(text: &str) -> bool {
    text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit())
}

/// An ECS cluster, service or task definition family name: 1 to 255 letters, digits, hyphens
/// and underscores, not starting with a hyphen (so it never reads as an option).
pub fn is_ecs_name(text: &str) -> bool {
    (1..=255).contains(&text.len())
        && !text.starts_with('-')
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// The account id of an ARN (`arn:aws:ecs:us-east-1:111122223333:cluster/prod` →
/// `111122223333`); `None` when it has none.
pub fn account_of(arn: &str) -> Option<&str> {
    Arn::parse(arn)
        .map(|arn| arn.account)
        .filter(|account| !account.is_empty())
}

/// The last `/` segment of an ARN or path: the name of a cluster, role or service.
pub fn name_of(arn: &str) -> &str {
    arn.rsplit('/').next().unwrap_or(arn)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_arn_splits_into_six_parts_and_keeps_its_resource_whole() {
        let arn = Arn::parse("arn:aws:ecr:us-east-1:111122223333:repository/team/web").unwrap();
        assert_eq!(
            (arn.partition, arn.service, arn.region, arn.account),
            ("aws", "ecr", "us-east-1", "111122223333")
        );
        assert_eq!((arn.resource, arn.name()), ("repository/team/web", "web"));
        let role = Arn::parse("arn:aws:iam::111122223333:role/path/exec").unwrap();
        assert_eq!((role.region, role.name()), ("", "exec"));
        assert_eq!(Arn::parse("arn:aws:ecr:us-east-1"), None);
        assert_eq!(Arn::parse("urn:aws:ecr:us-east-1:1:x"), None);
    }

    #[test]
    fn region_shapes() {
        for region in [
            "us-east-1",
            "us-gov-west-1",
            "cn-north-1",
            "us-isob-east-1",
            "eusc-de-east-1",
            "ap-southeast-4",
        ] {
            assert!(is_region(region), "{region}");
        }
        for text in [
            "US-EAST-1",
            "us-east",
            "useast1",
            "us-east-123",
            "u-east-1",
            "us--1",
            "",
        ] {
            assert!(!is_region(text), "{text}");
        }
    }

    #[test]
    fn accounts_names_and_partitions() {
        assert_eq!(
            account_of("arn:aws:iam::111122223333:role/x"),
            Some("111122223333")
        );
        assert_eq!(account_of("arn:aws:s3:::bucket"), None);
        assert!(is_account("111122223333") && !is_account("11112222333"));
        assert!(is_ecs_name("prod_web-1") && !is_ecs_name("prod web") && !is_ecs_name(""));
        assert!(!is_ecs_name("-prod"));
        assert_eq!(partition_of("us-gov-east-1"), "aws-us-gov");
        assert!(is_partition("aws-cn") && !is_partition("aws-xx"));
    }
}
