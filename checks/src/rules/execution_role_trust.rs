use super::fixes::{note, sh};
use serde_json::Value;

use crate::declare_check;
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

pub fn check(role: &IamRole) -> Option<Finding> {
    let trust = role.trust_policy.as_ref()?;
    let denied = match trusts(trust, super::execution_role::TASK_PRINCIPAL) {
        Trust::Allowed => return None,
        Trust::Denied => true,
        Trust::NotAllowed => false,
    };
    let name = role.arn.rsplit('/').next().unwrap_or(&role.arn);
    let document = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
    Some(
        CHECK
            .finding(format!("Execution role {name} does not trust ecs-tasks.amazonaws.com"))
            .resource(role.arn.as_str())
            .detail(format!(
                "The trust policy of {} {}. ECS cannot assume the role, so the task gets no credentials to pull with. Trust policy: {trust}",
                role.arn,
                if denied { "denies sts:AssumeRole to ecs-tasks.amazonaws.com" } else { "has no unconditional Allow of sts:AssumeRole for ecs-tasks.amazonaws.com" }
            ))
            .fix(
                format!("aws iam update-assume-role-policy --role-name {} --policy-document {}", sh(name), sh(document)),
                format!("# on the aws_iam_role {}\nassume_role_policy = jsonencode({document})", note(name)),
            ),
    )
}

/// What a trust policy says about a service principal assuming the role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Trust {
    Allowed,
    Denied,
    /// No unconditional `Allow` of `sts:AssumeRole` for the service.
    NotAllowed,
}

pub(crate) fn trusts(trust: &Value, service: &str) -> Trust {
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
    if statements
        .iter()
        .any(|statement| effect(statement) == "Deny" && names_service(statement))
    {
        return Trust::Denied;
    }
    let allowed = statements.iter().any(|statement| {
        effect(statement) == "Allow"
            && names_service(statement)
            && statement.get("Condition").is_none()
    });
    if allowed {
        Trust::Allowed
    } else {
        Trust::NotAllowed
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
        assert!(findings[0].detail.contains("has no unconditional Allow"));
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
