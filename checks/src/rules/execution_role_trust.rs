use super::fixes::{note, sh};
use serde_json::Value;

use crate::declare_check;
use crate::facts::{Index, TargetInput};
use crate::finding::Finding;
use crate::snapshot::IamRole;

declare_check! {
    /// ## What it does
    /// Checks that the task execution role's trust policy lets `ecs-tasks.amazonaws.com` assume
    /// it (`sts:AssumeRole`), and that no statement of the trust policy denies it.
    ///
    /// ## Why is this bad
    /// A role copied from an EC2 instance profile or a Lambda function trusts `ec2.amazonaws.com`
    /// or `lambda.amazonaws.com`. ECS cannot assume it, gets no credentials, and every
    /// authenticated step of the pull fails.
    ///
    /// ## Example
    /// Trust policy principal `{"Service": "ec2.amazonaws.com"}` on `ecsTaskExecutionRole`.
    ///
    /// ## Fix
    /// Add `ecs-tasks.amazonaws.com` to the trust policy's service principals.
    pub static CHECK = ("PC602", "execution-role-trust", Error);
}

/// PC602 for the target's execution role: `source` is what ECS asks to assume it for.
pub(crate) fn check(role: &IamRole, source: &AssumeSource) -> Option<Finding> {
    let name = role.arn.rsplit('/').next().unwrap_or(&role.arn);
    let Some(trust) = role.trust_policy.as_ref() else {
        // A role read without its trust policy (a plan's role known only after apply): unknown.
        return Some(
            CHECK
                .finding(format!("Whether ECS may assume execution role {name} is unknown: its trust policy was not read"))
                .severity(crate::finding::Severity::Warning)
                .resource(role.arn.as_str())
                .detail("The role is in the snapshot without its trust policy, so whether ecs-tasks.amazonaws.com may assume it cannot be decided."),
        );
    };
    let why = match trusts(trust, super::execution_role::TASK_PRINCIPAL, source) {
        Trust::Allowed => return None,
        Trust::Undecided(why) => {
            return Some(
                CHECK
                    .finding(format!("Whether ECS may assume execution role {name} is unknown: its trust policy's conditions cannot be decided offline"))
                    .severity(crate::finding::Severity::Warning)
                    .resource(role.arn.as_str())
                    .detail(format!("The trust policy of {} allows ecs-tasks.amazonaws.com only under conditions: {why}. Trust policy: {trust}", role.arn)),
            );
        }
        Trust::Denied => "denies sts:AssumeRole to ecs-tasks.amazonaws.com".to_string(),
        Trust::NotAllowed(why) => why,
    };
    let document = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"Service":"ecs-tasks.amazonaws.com"}},"Action":"sts:AssumeRole","Condition":{{"ArnLike":{{"aws:SourceArn":"arn:{}:ecs:{}:{}:*"}},"StringEquals":{{"aws:SourceAccount":"{}"}}}}}}]}}"#,
        source.partition, source.region, source.account, source.account
    );
    Some(
        CHECK
            .finding(format!("Execution role {name} does not trust ecs-tasks.amazonaws.com"))
            .resource(role.arn.as_str())
            .detail(format!(
                "The trust policy of {} {why}. ECS cannot assume the role, so the task gets no credentials to pull with. Trust policy: {trust}",
                role.arn,
            ))
            .fix(
                format!("aws iam update-assume-role-policy --role-name {} --policy-document {}", sh(name), sh(&document)),
                format!("# on the aws_iam_role {}\nassume_role_policy = jsonencode({document})", note(name)),
            ),
    )
}

/// What the service asks to assume a role for: the account and region of the target, and the
/// ARNs ECS may send as `aws:SourceArn` (the cluster's and the task's). AWS documents
/// `aws:SourceAccount` and `aws:SourceArn` conditions on these trust policies against the
/// confused deputy problem (Amazon ECS Developer Guide, "Amazon ECS task execution IAM role").
pub(crate) struct AssumeSource<'a> {
    pub partition: &'a str,
    pub region: &'a str,
    pub account: &'a str,
    pub source_arns: Vec<&'a str>,
}

impl<'a> AssumeSource<'a> {
    /// The target's account and region, and as source ARNs the target's own (service or task),
    /// its tasks' and their clusters'.
    pub fn of(index: &Index<'a>, target: &'a TargetInput<'a>) -> Self {
        let snapshot = index.snapshot;
        let mut source_arns = vec![target.id.as_str()];
        for task in &target.tasks {
            source_arns.extend([task.arn.as_str(), task.cluster_arn.as_str()]);
        }
        source_arns.dedup();
        AssumeSource {
            partition: crate::arn::partition_of(&snapshot.region),
            region: &snapshot.region,
            account: &snapshot.account_id,
            source_arns,
        }
    }
}

/// What a trust policy says about a service principal assuming the role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Trust {
    Allowed,
    Denied,
    /// No `Allow` of `sts:AssumeRole` for the service, or one whose conditions are false for
    /// this target: why, in words.
    NotAllowed(String),
    /// An `Allow` whose conditions cannot be decided offline: why.
    Undecided(String),
}

pub(crate) fn trusts(trust: &Value, service: &str, source: &AssumeSource) -> Trust {
    let statements: Vec<&Value> = match trust.get("Statement") {
        Some(Value::Array(items)) => items.iter().collect(),
        Some(single) => vec![single],
        None => Vec::new(),
    };
    let names_service = |statement: &Value| {
        let actions = statement.get("Action").map(strings).unwrap_or_default();
        let services = statement
            .get("Principal")
            .and_then(|principal| principal.get("Service"))
            .map(strings)
            .unwrap_or_default();
        actions.iter().any(|action| {
            crate::policy::wildcard_match(&action.to_ascii_lowercase(), "sts:assumerole")
        }) && services.iter().any(|named| named == service)
    };
    let effect = |statement: &Value| {
        statement
            .get("Effect")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    // The condition as ECS would send it for one of the candidate source ARNs.
    let holds = |conditions: &Value| -> Option<bool> {
        let mut verdicts = source.source_arns.iter().map(|arn| {
            let request = crate::policy::Request {
                context: [
                    (
                        "aws:SourceAccount".to_string(),
                        vec![source.account.to_string()],
                    ),
                    ("aws:SourceArn".to_string(), vec![arn.to_string()]),
                ]
                .into_iter()
                .collect(),
                ..Default::default()
            };
            crate::policy::conditions_hold(conditions, &request)
        });
        let all: Vec<Option<bool>> = verdicts.by_ref().collect();
        if all.contains(&Some(true)) {
            Some(true)
        } else if !all.is_empty() && all.iter().all(|verdict| *verdict == Some(false)) {
            Some(false)
        } else {
            None
        }
    };
    let mut undecided = None;
    let mut conditions_false = false;
    for statement in statements
        .iter()
        .filter(|statement| names_service(statement))
    {
        let applies = match statement.get("Condition") {
            None => Some(true),
            Some(conditions) => holds(conditions),
        };
        match (effect(statement).as_str(), applies) {
            ("Deny", Some(true)) => return Trust::Denied,
            ("Deny", None) => {
                undecided.get_or_insert_with(|| {
                    "a Deny under conditions not decided offline".to_string()
                });
            }
            ("Allow", Some(false)) => conditions_false = true,
            ("Allow", None) => {
                undecided.get_or_insert_with(|| {
                    statement
                        .get("Condition")
                        .map(Value::to_string)
                        .unwrap_or_default()
                });
            }
            _ => {}
        }
    }
    let allowed = statements.iter().any(|statement| {
        effect(statement) == "Allow"
            && names_service(statement)
            && statement
                .get("Condition")
                .is_none_or(|conditions| holds(conditions) == Some(true))
    });
    match (allowed, undecided) {
        (true, None) => Trust::Allowed,
        (_, Some(why)) => Trust::Undecided(why),
        (false, None) if conditions_false => Trust::NotAllowed(format!(
            "allows sts:AssumeRole to {service} only under conditions that are false for account {} in {} (aws:SourceAccount, aws:SourceArn)",
            source.account, source.region
        )),
        (false, None) => Trust::NotAllowed(format!("has no Allow of sts:AssumeRole for {service}")),
    }
}

fn strings(value: &Value) -> Vec<String> {
    match value {
        Value::String(text) => vec![text.clone()],
        Value::Array(items) => items
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use crate::finding::Severity;
    use crate::rules::test_support::{findings_of, scenario};
    use crate::snapshot::Snapshot;

    const ROLE: &str = "arn:aws:iam::111122223333:role/ecsTaskExecutionRole";

    fn trusting(statements: Value) -> Snapshot {
        let mut snapshot = scenario("healthy-endpoints");
        snapshot.iam_roles[0].trust_policy =
            Some(json!({"Version": "2012-10-17", "Statement": statements}));
        snapshot
    }

    fn assume(effect: &str, service: &str) -> Value {
        json!({"Effect": effect, "Principal": {"Service": service}, "Action": "sts:AssumeRole"})
    }

    #[test]
    fn a_role_trusting_ecs_tasks_can_be_assumed() {
        assert!(findings_of(&scenario("healthy-endpoints"), "PC602").is_empty());
        let both = trusting(json!([
            assume("Allow", "ec2.amazonaws.com"),
            assume("Allow", "ecs-tasks.amazonaws.com")
        ]));
        assert!(findings_of(&both, "PC602").is_empty());
    }

    #[test]
    fn a_role_trusting_only_ec2_cannot_be_assumed_by_ecs() {
        let findings = findings_of(
            &trusting(json!([assume("Allow", "ec2.amazonaws.com")])),
            "PC602",
        );
        assert_eq!(findings.len(), 1, "{findings:#?}");
        assert_eq!(findings[0].severity, Severity::Error);
        assert_eq!(findings[0].resources, [ROLE]);
        assert!(
            findings[0]
                .detail
                .contains("has no Allow of sts:AssumeRole")
        );
    }

    fn conditional(conditions: Value) -> Value {
        let mut statement = assume("Allow", "ecs-tasks.amazonaws.com");
        statement["Condition"] = conditions;
        json!([statement])
    }

    #[test]
    fn the_confused_deputy_conditions_aws_recommends_are_honoured() {
        let recommended = conditional(json!({
            "ArnLike": {"aws:SourceArn": "arn:aws:ecs:us-east-1:111122223333:*"},
            "StringEquals": {"aws:SourceAccount": "111122223333"}
        }));
        assert!(findings_of(&trusting(recommended), "PC602").is_empty());
    }

    #[test]
    fn conditions_false_for_this_account_block_and_undecidable_ones_are_unknown() {
        let other_account = conditional(json!({
            "StringEquals": {"aws:SourceAccount": "444455556666"}
        }));
        let findings = findings_of(&trusting(other_account), "PC602");
        assert_eq!(findings.len(), 1, "{findings:#?}");
        assert_eq!(findings[0].severity, Severity::Error);
        assert!(findings[0].detail.contains("conditions that are false"));
        let undecidable = conditional(json!({"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}));
        let findings = findings_of(&trusting(undecidable), "PC602");
        assert_eq!(findings.len(), 1, "{findings:#?}");
        assert_eq!(findings[0].severity, Severity::Warning);
    }

    #[test]
    fn a_trust_policy_that_was_not_read_is_unknown_not_a_pass() {
        let mut snapshot = scenario("healthy-endpoints");
        snapshot.iam_roles[0].trust_policy = None;
        let findings = findings_of(&snapshot, "PC602");
        assert_eq!(findings.len(), 1, "{findings:#?}");
        assert_eq!(findings[0].severity, Severity::Warning);
        assert_eq!(findings[0].resources, [ROLE]);
    }

    #[test]
    fn a_deny_of_ecs_tasks_wins_over_its_allow() {
        let statements = json!([
            assume("Allow", "ecs-tasks.amazonaws.com"),
            assume("Deny", "ecs-tasks.amazonaws.com")
        ]);
        let findings = findings_of(&trusting(statements), "PC602");
        assert_eq!(findings.len(), 1, "{findings:#?}");
        assert_eq!(findings[0].severity, Severity::Error);
        assert!(
            findings[0]
                .detail
                .contains("denies sts:AssumeRole to ecs-tasks.amazonaws.com")
        );
    }
}
