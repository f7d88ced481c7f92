//! Parsing the ECS ARNs users paste: the task ARN decides the cluster, region and account.

use std::fmt;

pub use ecr_pathcheck_checks::arn::{
    account_of, is_account, is_ecs_name, is_partition, is_region, name_of, partition_of,
};

/// `arn:aws:ecs:REGION:ACCOUNT:task/CLUSTER/ID` (or the old `task/ID` form, which names no cluster).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskArn {
    pub arn: String,
    pub partition: String,
    pub region: String,
    pub account: String,
    pub cluster: Option<String>,
    pub task_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArnError(String);

impl fmt::Display for ArnError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ArnError {}

impl TaskArn {
    pub fn parse(text: &str) -> Result<TaskArn, ArnError> {
        let malformed = |why: &str| {
            ArnError(format!(
                "malformed task ARN {text:?}: {why}; expected arn:aws:ecs:REGION:ACCOUNT:task/CLUSTER/TASK_ID"
            ))
        };
        let parts: Vec<&str> = text.trim().splitn(6, ':').collect();
        let [prefix, partition, service, region, account, resource] = parts[..] else {
            return Err(malformed("it does not have six ':'-separated parts"));
        };
        if prefix != "arn" {
            return Err(malformed("it does not start with arn:"));
        }
        if !is_partition(partition) {
            return Err(malformed(&format!(
                "{partition:?} is not a partition (aws, aws-cn or aws-us-gov)"
            )));
        }
        if service != "ecs" {
            return Err(malformed(&format!("it is an ARN of {service}, not ecs")));
        }
        check_location(partition, region, account).map_err(|why| malformed(&why))?;
        let segments: Vec<&str> = resource.split('/').collect();
        let (cluster, task_id) = match segments[..] {
            ["task", id] => (None, id),
            ["task", cluster, id] => (Some(cluster.to_string()), id),
            _ => return Err(malformed("the resource is not task/CLUSTER/TASK_ID")),
        };
        let valid_id = !task_id.is_empty()
            && task_id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-');
        if !valid_id || cluster.as_deref().is_some_and(str::is_empty) {
            return Err(malformed(
                "the cluster or task id is empty or has invalid characters",
            ));
        }
        Ok(TaskArn {
            arn: text.trim().to_string(),
            partition: partition.to_string(),
            region: region.to_string(),
            account: account.to_string(),
            cluster,
            task_id: task_id.to_string(),
        })
    }
}

/// A cluster or service as `--cluster` / `--service` name it: a name of up to 255 letters,
/// digits, hyphens and underscores (ECS API reference, CreateCluster and CreateService), or its
/// ARN, `arn:PARTITION:ecs:REGION:ACCOUNT:KIND/…`, whose region is returned.
pub fn check_ecs_target(kind: &str, text: &str) -> Result<Option<String>, ArnError> {
    let name_ok = is_ecs_name;
    if name_ok(text) {
        return Ok(None);
    }
    let refuse = |why: String| {
        ArnError(format!(
            "--{kind} {text:?} is not an ECS {kind} name or ARN: {why}"
        ))
    };
    let parts: Vec<&str> = text.splitn(6, ':').collect();
    let ["arn", partition, "ecs", region, account, resource] = parts[..] else {
        return Err(refuse(
            "a name has up to 255 letters, digits, hyphens and underscores".into(),
        ));
    };
    check_location(partition, region, account).map_err(refuse)?;
    let name = resource
        .strip_prefix(&format!("{kind}/"))
        .map(|rest| rest.rsplit('/').next().unwrap_or(rest));
    if !name.is_some_and(name_ok) {
        return Err(refuse(format!("the resource is not {kind}/NAME")));
    }
    Ok(Some(region.to_string()))
}

/// An ARN's partition, region and account: a region of AWS's shape, in that partition, and a
/// 12-digit account.
fn check_location(partition: &str, region: &str, account: &str) -> Result<(), String> {
    check_region(region).map_err(|why| why.0)?;
    if partition_of(region) != partition {
        return Err(format!(
            "region {region} is in partition {}, not {partition}",
            partition_of(region)
        ));
    }
    if !is_account(account) {
        return Err(format!("{account:?} is not a 12-digit account id"));
    }
    Ok(())
}

/// A region name, or a one-line reason it is not one (with the lowercase spelling when that is
/// one: `US-EAST-1` → `did you mean us-east-1?`).
pub fn check_region(text: &str) -> Result<(), ArnError> {
    if is_region(text) {
        return Ok(());
    }
    let lower = text.trim().to_ascii_lowercase();
    let hint = if is_region(&lower) {
        format!("; did you mean {lower}? (region names are lowercase)")
    } else {
        "; expected a region name like us-east-1".to_string()
    };
    Err(ArnError(format!("{text:?} is not an AWS region{hint}")))
}

/// `--registry-role ACCOUNT=ROLE_ARN`: another account's registry, read with a role of that
/// account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistryRole {
    pub account: String,
    pub role_arn: String,
}

/// `--network-role ACCOUNT=ROLE_ARN`: the role of the account that owns a VPC whose subnets are
/// shared with the caller through AWS RAM, to read that VPC's route tables, network ACLs,
/// endpoints and the rest as its owner. The same shape as `--registry-role`.
pub type NetworkRole = RegistryRole;

impl RegistryRole {
    pub fn parse(text: &str) -> Result<RegistryRole, ArnError> {
        Self::parse_flag(text, "--registry-role")
    }

    /// A `--network-role` value.
    pub fn parse_network(text: &str) -> Result<NetworkRole, ArnError> {
        Self::parse_flag(text, "--network-role")
    }

    fn parse_flag(text: &str, flag: &str) -> Result<RegistryRole, ArnError> {
        let malformed = |why: String| {
            ArnError(format!(
                "malformed {flag} {text:?}: {why}; expected ACCOUNT=arn:aws:iam::ACCOUNT:role/NAME"
            ))
        };
        let Some((account, role_arn)) = text.trim().split_once('=') else {
            return Err(malformed("there is no '='".into()));
        };
        if !is_account(account) {
            return Err(malformed(format!(
                "{account:?} is not a 12-digit account id"
            )));
        }
        let parts: Vec<&str> = role_arn.splitn(6, ':').collect();
        // A role's path and name: letters, digits and +=,.@_- (IAM's shape), `/` between.
        let valid = matches!(
            parts[..],
            ["arn", partition, "iam", "", _, resource]
                if is_partition(partition)
                    && resource.strip_prefix("role/").is_some_and(|name| {
                        !name.is_empty()
                            && !name.ends_with('/')
                            && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"+=,.@_-/".contains(&b))
                    })
        );
        if !valid {
            return Err(malformed(format!("{role_arn:?} is not an IAM role ARN")));
        }
        if parts[4] != account {
            return Err(malformed(format!(
                "the role is in account {}, not {account}",
                parts[4]
            )));
        }
        Ok(RegistryRole {
            account: account.to_string(),
            role_arn: role_arn.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_current_and_the_old_form() {
        let arn = TaskArn::parse("arn:aws:ecs:eu-west-1:111122223333:task/prod/0123abcd").unwrap();
        assert_eq!(arn.region, "eu-west-1");
        assert_eq!(arn.account, "111122223333");
        assert_eq!(arn.cluster.as_deref(), Some("prod"));
        assert_eq!(arn.task_id, "0123abcd");
        let old = TaskArn::parse("arn:aws:ecs:us-east-1:111122223333:task/0123abcd").unwrap();
        assert_eq!(old.cluster, None);
    }

    #[test]
    fn network_roles_take_the_same_shape_and_name_their_flag() {
        let role = RegistryRole::parse_network(
            "444455556666=arn:aws:iam::444455556666:role/network-reader",
        )
        .unwrap();
        assert_eq!(role.account, "444455556666");
        let error = RegistryRole::parse_network("444455556666=arn:aws:iam::111122223333:role/r")
            .unwrap_err()
            .to_string();
        assert!(
            error.starts_with("malformed --network-role")
                && error.contains("the role is in account 111122223333, not 444455556666"),
            "{error}"
        );
    }

    #[test]
    fn registry_roles_name_an_account_and_a_role_of_it() {
        let role =
            RegistryRole::parse("444455556666=arn:aws:iam::444455556666:role/path/reader").unwrap();
        assert_eq!(role.account, "444455556666");
        assert_eq!(role.role_arn, "arn:aws:iam::444455556666:role/path/reader");
        for (text, why) in [
            ("444455556666", "there is no '='"),
            (
                "4444=arn:aws:iam::444455556666:role/r",
                "not a 12-digit account id",
            ),
            (
                "444455556666=arn:aws:iam::444455556666:user/u",
                "not an IAM role ARN",
            ),
            ("444455556666=arn:aws:s3:::bucket", "not an IAM role ARN"),
            (
                "444455556666=arn:aws:iam::111122223333:role/r",
                "the role is in account 111122223333, not 444455556666",
            ),
        ] {
            let error = RegistryRole::parse(text).unwrap_err().to_string();
            assert!(
                error.starts_with("malformed --registry-role"),
                "{text}: {error}"
            );
            assert!(error.contains(why), "{text}: {error}");
        }
    }

    #[test]
    fn rejects_what_is_not_a_task_arn() {
        for text in [
            "",
            "0123abcd",
            "arn:aws:ecs:us-east-1:111122223333:service/prod/web",
            "arn:aws:iam::111122223333:role/x",
            "arn:aws:ecs:useast1:111122223333:task/prod/1",
            "arn:aws:ecs:us-east-1:1111:task/prod/1",
            "arn:aws:ecs:us-east-1:111122223333:task/prod/",
            "arn:aws:ecs:us-east-1:111122223333:task/prod/a/b",
        ] {
            let error = TaskArn::parse(text).unwrap_err().to_string();
            assert!(error.starts_with("malformed task ARN"), "{text}: {error}");
            assert!(!error.contains('\n'));
        }
    }

    #[test]
    fn names_and_accounts_come_from_any_arn() {
        assert_eq!(
            account_of("arn:aws:iam::111122223333:role/a/b"),
            Some("111122223333")
        );
        assert_eq!(name_of("arn:aws:iam::111122223333:role/a/b"), "b");
        assert!(is_region("us-gov-west-1"));
        assert!(!is_region("us-east"));
    }

    #[test]
    fn regions_have_aws_shape_in_lowercase() {
        for region in [
            "us-east-1",
            "eu-central-2",
            "us-gov-west-1",
            "ap-southeast-4",
            "cn-north-1",
            "us-iso-east-1",
            "il-central-1",
        ] {
            assert!(is_region(region), "{region}");
            assert!(check_region(region).is_ok());
        }
        for region in [
            "US-EAST-1",
            "us-east",
            "us-east-1a",
            "useast1",
            "u-east-1",
            "us-east-123",
            "us--1",
            "us-east-1 ",
            "us-a-b-c-d-1",
            "us-east-1\u{1b}",
        ] {
            assert!(!is_region(region), "{region}");
        }
        let error = check_region("US-EAST-1").unwrap_err().to_string();
        assert!(error.contains("did you mean us-east-1?"), "{error}");
        assert!(!error.contains('\n'));
        let error = check_region("mars-1").unwrap_err().to_string();
        assert!(error.contains("like us-east-1"), "{error}");
        let error = TaskArn::parse("arn:aws:ecs:US-EAST-1:111122223333:task/prod/1")
            .unwrap_err()
            .to_string();
        assert!(error.contains("did you mean us-east-1?"), "{error}");
    }

    #[test]
    fn partitions_are_the_three_aws_ones() {
        for (partition, region) in [
            ("aws", "us-east-1"),
            ("aws-cn", "cn-north-1"),
            ("aws-us-gov", "us-gov-west-1"),
        ] {
            let arn = format!("arn:{partition}:ecs:{region}:111122223333:task/prod/1");
            assert_eq!(TaskArn::parse(&arn).unwrap().partition, partition);
            assert_eq!(partition_of(region), partition);
        }
        assert_eq!(ecr_pathcheck_checks::arn::PARTITIONS.len(), 3);
        for (partition, region) in [("aws-cn", "us-east-1"), ("aws", "cn-north-1")] {
            let arn = format!("arn:{partition}:ecs:{region}:111122223333:task/prod/1");
            let error = TaskArn::parse(&arn).unwrap_err().to_string();
            assert!(error.contains("is in partition"), "{arn}: {error}");
        }
        for partition in ["awsx", "aws-xx", "AWS", "", "aws-us-gov2"] {
            let arn = format!("arn:{partition}:ecs:us-east-1:111122223333:task/prod/1");
            let error = TaskArn::parse(&arn).unwrap_err().to_string();
            assert!(error.contains("is not a partition"), "{arn}: {error}");
            let role = format!("111122223333=arn:{partition}:iam::111122223333:role/r");
            assert!(RegistryRole::parse(&role).is_err(), "{role}");
        }
        assert!(RegistryRole::parse("111122223333=arn:aws-cn:iam::111122223333:role/r").is_ok());
    }

    #[test]
    fn a_role_arn_takes_only_iams_characters() {
        for bad in ["role/r$(id)", "role/", "role/a b", "role/a;b", "role/path/"] {
            let text = format!("444455556666=arn:aws:iam::444455556666:{bad}");
            assert!(RegistryRole::parse(&text).is_err(), "{bad}");
        }
        let sso = "444455556666=arn:aws:iam::444455556666:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Read_0a1b";
        assert!(RegistryRole::parse(sso).is_ok());
    }
}
