//! A small IAM policy evaluator: enough of the language to decide ECR pulls.
//!
//! It follows the documented evaluation logic: an explicit `Deny` wins, then any `Allow`,
//! otherwise the request is implicitly denied. Anything it cannot decide (an unknown condition
//! operator, a condition key whose value is not known offline) makes the answer `Unknown`
//! rather than a guess.

use std::collections::BTreeMap;

use serde_json::Value;

/// The request a policy is asked about.
#[derive(Debug, Clone, Default)]
pub struct Request<'a> {
    /// The calling principal's ARN (`arn:aws:iam::111122223333:role/x`), `None` for "anyone".
    pub principal_arn: Option<&'a str>,
    pub action: &'a str,
    pub resource: &'a str,
    /// Condition keys whose values are known. A key listed with an empty vector is known to be
    /// absent from the request; a key not listed at all is unknown.
    pub context: BTreeMap<String, Vec<String>>,
}

impl Request<'_> {
    pub fn principal_account(&self) -> Option<&str> {
        self.principal_arn.and_then(crate::arn::account_of)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Allowed { statement: String },
    ExplicitDeny { statement: String },
    ImplicitDeny,
    Unknown { reason: String },
}

impl Decision {
    pub fn is_allowed(&self) -> bool {
        matches!(self, Decision::Allowed { .. })
    }
}

/// Whether a policy is a resource-based one (endpoint, repository, bucket), whose statements
/// must name a matching `Principal`, or an identity-based one, whose statements have none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyKind {
    Identity,
    Resource,
    /// A resource-based policy read for grants to the principal itself: a statement naming only
    /// its account does not match. A KMS key policy's account principal does not grant, it lets
    /// the account's IAM policies decide, so the two kinds of grant must be told apart.
    ResourceNamingPrincipal,
}

impl PolicyKind {
    fn is_resource(self) -> bool {
        self != PolicyKind::Identity
    }
}

#[derive(Debug, PartialEq, Eq)]
enum Applies {
    Yes,
    No,
    Unknown(String),
}

pub fn evaluate(document: &Value, kind: PolicyKind, request: &Request) -> Decision {
    evaluate_set(&[("", document)], kind, request)
}

/// Evaluates several policies that apply together (a role's inline and attached policies) as
/// one: a deny in any of them wins, an allow in any of them allows. Labels name the policy.
pub fn evaluate_set(policies: &[(&str, &Value)], kind: PolicyKind, request: &Request) -> Decision {
    let statements = match assess(policies, kind, request) {
        Ok(statements) => statements,
        Err(decided) => return decided,
    };
    match (
        statements.allowed_by,
        statements.undecided_deny,
        statements.undecided_allow,
    ) {
        (Some(_), Some(reason), _) => Decision::Unknown { reason },
        (Some(statement), None, _) => Decision::Allowed { statement },
        (None, _, Some(reason)) => Decision::Unknown { reason },
        (None, _, None) => Decision::ImplicitDeny,
    }
}

/// Whether a `Deny` of the policy applies to the request, whatever its `Allow`s say: `None` when
/// none does, `ExplicitDeny` when one does, `Unknown` when one may. A same-account resource policy
/// can only take access away, so this, not `evaluate`, is the question to ask of it.
pub fn explicit_deny(document: &Value, kind: PolicyKind, request: &Request) -> Option<Decision> {
    match assess(&[("", document)], kind, request) {
        Err(decided) => Some(decided),
        Ok(statements) => statements
            .undecided_deny
            .map(|reason| Decision::Unknown { reason }),
    }
}

/// What the statements of a set of policies say about a request, before resolution.
struct Assessment {
    allowed_by: Option<String>,
    undecided_allow: Option<String>,
    undecided_deny: Option<String>,
}

/// Walks every statement. `Err` carries a decision that needs no resolution: an applicable
/// `Deny`, or a policy that cannot be read.
fn assess(
    policies: &[(&str, &Value)],
    kind: PolicyKind,
    request: &Request,
) -> Result<Assessment, Decision> {
    let mut allowed_by = None;
    let mut undecided_allow = None;
    let mut undecided_deny = None;
    for (name, document) in policies {
        let of = if name.is_empty() {
            String::new()
        } else {
            format!(" of {name}")
        };
        let statements: Vec<&Value> = match document.get("Statement") {
            Some(Value::Array(items)) => items.iter().collect(),
            Some(single @ Value::Object(_)) => vec![single],
            _ => {
                return Err(Decision::Unknown {
                    reason: format!("the policy{of} has no Statement"),
                });
            }
        };
        for (index, statement) in statements.iter().enumerate() {
            let label = format!("{}{of}", statement_label(statement, index));
            let applies = statement_applies(statement, kind, request);
            let effect = statement
                .get("Effect")
                .and_then(Value::as_str)
                .unwrap_or_default();
            match (effect, applies) {
                ("Deny", Applies::Yes) => return Err(Decision::ExplicitDeny { statement: label }),
                ("Deny", Applies::Unknown(why)) => {
                    undecided_deny.get_or_insert(format!("{label} may deny: {why}"));
                }
                ("Allow", Applies::Yes) => {
                    allowed_by.get_or_insert(label);
                }
                ("Allow", Applies::Unknown(why)) => {
                    undecided_allow.get_or_insert(format!("{label} may allow: {why}"));
                }
                (_, Applies::No) => {}
                (other, _) => {
                    return Err(Decision::Unknown {
                        reason: format!("{label} has an unknown Effect `{other}`"),
                    });
                }
            }
        }
    }
    Ok(Assessment {
        allowed_by,
        undecided_allow,
        undecided_deny,
    })
}

fn statement_label(statement: &Value, index: usize) -> String {
    match statement.get("Sid").and_then(Value::as_str) {
        Some(sid) if !sid.is_empty() => format!("statement `{sid}`"),
        _ => format!("statement #{}", index + 1),
    }
}

fn statement_applies(statement: &Value, kind: PolicyKind, request: &Request) -> Applies {
    let action_matches = match (statement.get("Action"), statement.get("NotAction")) {
        (Some(actions), _) => any_matches(actions, request.action, action_pattern_matches),
        (None, Some(not_actions)) => {
            !any_matches(not_actions, request.action, action_pattern_matches)
        }
        (None, None) => false,
    };
    if !action_matches {
        return Applies::No;
    }
    let resource_matches = match (statement.get("Resource"), statement.get("NotResource")) {
        (Some(resources), _) => any_matches(resources, request.resource, resource_pattern_matches),
        (None, Some(not_resources)) => {
            !any_matches(not_resources, request.resource, resource_pattern_matches)
        }
        // Resource-based policies may omit Resource: the resource is the one the policy is attached to.
        (None, None) => kind.is_resource(),
    };
    if !resource_matches {
        return Applies::No;
    }
    if kind.is_resource() {
        match principal_applies(statement, kind, request) {
            Applies::Yes => {}
            other => return other,
        }
    }
    match statement.get("Condition") {
        None => Applies::Yes,
        Some(conditions) => conditions_apply(conditions, request),
    }
}

fn values_of(value: &Value) -> Vec<&str> {
    match value {
        Value::String(text) => vec![text.as_str()],
        Value::Array(items) => items.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

fn any_matches(patterns: &Value, candidate: &str, matcher: fn(&str, &str) -> bool) -> bool {
    values_of(patterns)
        .into_iter()
        .any(|pattern| matcher(pattern, candidate))
}

fn action_pattern_matches(pattern: &str, action: &str) -> bool {
    wildcard_match(&pattern.to_ascii_lowercase(), &action.to_ascii_lowercase())
}

fn resource_pattern_matches(pattern: &str, resource: &str) -> bool {
    wildcard_match(pattern, resource)
}

fn principal_applies(statement: &Value, kind: PolicyKind, request: &Request) -> Applies {
    let (principal, negated) = match (statement.get("Principal"), statement.get("NotPrincipal")) {
        (Some(principal), _) => (principal, false),
        (None, Some(not_principal)) => (not_principal, true),
        (None, None) => return Applies::No,
    };
    let matched = principal_matches(principal, kind, request);
    match (matched, negated) {
        (Applies::Yes, false) | (Applies::No, true) => Applies::Yes,
        (Applies::No, false) | (Applies::Yes, true) => Applies::No,
        (unknown, _) => unknown,
    }
}

fn principal_matches(principal: &Value, kind: PolicyKind, request: &Request) -> Applies {
    if principal.as_str() == Some("*") {
        return Applies::Yes;
    }
    let Some(aws) = principal.get("AWS") else {
        // Service or federated principals never match a role session.
        return Applies::No;
    };
    let names = values_of(aws);
    if names.contains(&"*") {
        return Applies::Yes;
    }
    let Some(caller) = request.principal_arn else {
        return Applies::Unknown(
            "the statement names specific principals and the caller is not known".into(),
        );
    };
    let account = request.principal_account().unwrap_or_default();
    let account_counts = kind != PolicyKind::ResourceNamingPrincipal;
    let matched = names.iter().any(|name| {
        *name == caller
            || (account_counts
                && (*name == account || *name == format!("arn:aws:iam::{account}:root")))
            || same_role(name, caller)
    });
    if matched { Applies::Yes } else { Applies::No }
}

/// A role ARN with a path (`role/service-role/x`) and a role session both denote the role `x`.
fn same_role(named: &str, caller: &str) -> bool {
    let role_name = |arn: &str| arn.rsplit('/').next().map(str::to_string);
    named.contains(":role/")
        && caller.contains(":role/")
        && role_name(named) == role_name(caller)
        && crate::arn::account_of(named) == crate::arn::account_of(caller)
}

/// Whether a `Condition` block holds for the request: `Some(true)` or `Some(false)`, `None` when
/// it names a key or an operator that cannot be decided offline.
pub fn conditions_hold(conditions: &Value, request: &Request) -> Option<bool> {
    match conditions_apply(conditions, request) {
        Applies::Yes => Some(true),
        Applies::No => Some(false),
        Applies::Unknown(_) => None,
    }
}

fn conditions_apply(conditions: &Value, request: &Request) -> Applies {
    let Some(operators) = conditions.as_object() else {
        return Applies::Unknown("the Condition block is not an object".into());
    };
    let mut unknown = None;
    for (operator, keys) in operators {
        let Some(keys) = keys.as_object() else {
            return Applies::Unknown(format!("condition `{operator}` is not an object"));
        };
        for (key, expected) in keys {
            match condition_holds(operator, key, &values_of(expected), request) {
                Applies::Yes => {}
                Applies::No => return Applies::No,
                Applies::Unknown(why) => {
                    unknown.get_or_insert(why);
                }
            }
        }
    }
    unknown.map_or(Applies::Yes, Applies::Unknown)
}

fn condition_holds(operator: &str, key: &str, expected: &[&str], request: &Request) -> Applies {
    let (base, if_exists) = match operator.strip_suffix("IfExists") {
        Some(base) => (base, true),
        None => (operator, false),
    };
    if base.starts_with("ForAnyValue:") || base.starts_with("ForAllValues:") {
        return Applies::Unknown(format!(
            "set operator `{operator}` is not evaluated offline"
        ));
    }
    let actual = match request
        .context
        .iter()
        .find(|(known, _)| known.eq_ignore_ascii_case(key))
    {
        Some((_, values)) => values,
        None => return Applies::Unknown(format!("the value of `{key}` is not known offline")),
    };
    let negated = base.contains("Not");
    if actual.is_empty() {
        // Key absent from the request: IfExists and negated operators hold, the others fail.
        return if if_exists || negated {
            Applies::Yes
        } else {
            Applies::No
        };
    }
    let compare: fn(&str, &str) -> bool = match base {
        "StringEquals" | "StringNotEquals" | "ArnEquals" | "ArnNotEquals" => {
            |pattern, value| pattern == value
        }
        "StringEqualsIgnoreCase" | "StringNotEqualsIgnoreCase" => {
            |pattern, value| pattern.eq_ignore_ascii_case(value)
        }
        "StringLike" | "StringNotLike" | "ArnLike" | "ArnNotLike" => wildcard_match,
        "Bool" => |pattern, value| pattern.eq_ignore_ascii_case(value),
        _ => {
            return Applies::Unknown(format!(
                "condition operator `{operator}` is not evaluated offline"
            ));
        }
    };
    let any_equal = actual
        .iter()
        .any(|value| expected.iter().any(|pattern| compare(pattern, value)));
    if any_equal != negated {
        Applies::Yes
    } else {
        Applies::No
    }
}

/// Glob matching with `*` (any run, including empty) and `?` (one character).
pub fn wildcard_match(pattern: &str, text: &str) -> bool {
    let pattern: Vec<char> = pattern.chars().collect();
    let text: Vec<char> = text.chars().collect();
    let (mut p, mut t) = (0, 0);
    let mut backtrack: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len() && (pattern[p] == '?' || pattern[p] == text[t]) {
            p += 1;
            t += 1;
        } else if p < pattern.len() && pattern[p] == '*' {
            backtrack = Some((p, t));
            p += 1;
        } else if let Some((star, matched)) = backtrack {
            p = star + 1;
            t = matched + 1;
            backtrack = Some((star, matched + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|c| *c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const ROLE: &str = "arn:aws:iam::111122223333:role/ecsTaskExecutionRole";

    fn request<'a>(action: &'a str, resource: &'a str) -> Request<'a> {
        Request {
            principal_arn: Some(ROLE),
            action,
            resource,
            context: BTreeMap::new(),
        }
    }

    #[test]
    fn wildcards() {
        assert!(wildcard_match("ecr:*", "ecr:BatchGetImage"));
        assert!(wildcard_match(
            "arn:aws:s3:::prod-*-starport-layer-bucket/*",
            "arn:aws:s3:::prod-us-east-1-starport-layer-bucket/abc"
        ));
        assert!(wildcard_match("a?c", "abc"));
        assert!(!wildcard_match("a?c", "ac"));
        assert!(wildcard_match("*", ""));
        assert!(!wildcard_match(
            "arn:aws:s3:::prod-us-east-1-starport-layer-bucket/*",
            "arn:aws:s3:::prod-us-east-1-starport-layer-buckt/x"
        ));
    }

    #[test]
    fn table_of_decisions() {
        let cases: Vec<(&str, Value, PolicyKind, &str, &str, Decision)> = vec![
            (
                "allow with action wildcard",
                json!({"Statement":[{"Effect":"Allow","Action":"ecr:*","Resource":"*"}]}),
                PolicyKind::Identity,
                "ecr:BatchGetImage",
                "arn:aws:ecr:us-east-1:111122223333:repository/app",
                Decision::Allowed {
                    statement: "statement #1".into(),
                },
            ),
            (
                "deny beats allow",
                json!({"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},{"Sid":"NoPull","Effect":"Deny","Action":"ecr:BatchGetImage","Resource":"*"}]}),
                PolicyKind::Identity,
                "ecr:BatchGetImage",
                "x",
                Decision::ExplicitDeny {
                    statement: "statement `NoPull`".into(),
                },
            ),
            (
                "NotAction excludes",
                json!({"Statement":[{"Effect":"Allow","NotAction":"ecr:*","Resource":"*"}]}),
                PolicyKind::Identity,
                "ecr:GetAuthorizationToken",
                "*",
                Decision::ImplicitDeny,
            ),
            (
                "NotAction includes the rest",
                json!({"Statement":[{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}]}),
                PolicyKind::Identity,
                "ecr:GetAuthorizationToken",
                "*",
                Decision::Allowed {
                    statement: "statement #1".into(),
                },
            ),
            (
                "NotResource",
                json!({"Statement":[{"Effect":"Deny","Action":"s3:GetObject","NotResource":"arn:aws:s3:::prod-us-east-1-starport-layer-bucket/*"}, {"Effect":"Allow","Action":"*","Resource":"*"}]}),
                PolicyKind::Identity,
                "s3:GetObject",
                "arn:aws:s3:::prod-us-east-1-starport-layer-bucket/layer",
                Decision::Allowed {
                    statement: "statement #2".into(),
                },
            ),
            (
                "wildcard in the middle of an ARN",
                json!({"Statement":[{"Effect":"Allow","Action":"ecr:BatchGetImage","Resource":"arn:aws:ecr:*:111122223333:repository/team-*/app"}]}),
                PolicyKind::Identity,
                "ecr:BatchGetImage",
                "arn:aws:ecr:us-east-1:111122223333:repository/team-a/app",
                Decision::Allowed {
                    statement: "statement #1".into(),
                },
            ),
            (
                "action names are case-insensitive",
                json!({"Statement":{"Effect":"Allow","Action":"ECR:batchgetimage","Resource":"*"}}),
                PolicyKind::Identity,
                "ecr:BatchGetImage",
                "*",
                Decision::Allowed {
                    statement: "statement #1".into(),
                },
            ),
            (
                "unknown condition key is unknown",
                json!({"Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:SourceIp":"1.2.3.4"}}}]}),
                PolicyKind::Identity,
                "ecr:BatchGetImage",
                "*",
                Decision::Unknown {
                    reason:
                        "statement #1 may allow: the value of `aws:SourceIp` is not known offline"
                            .into(),
                },
            ),
            (
                "resource policy needs a matching principal",
                json!({"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::999999999999:root"},"Action":"ecr:*"}]}),
                PolicyKind::Resource,
                "ecr:BatchGetImage",
                "*",
                Decision::ImplicitDeny,
            ),
            (
                "account principal matches its roles",
                json!({"Statement":[{"Effect":"Allow","Principal":{"AWS":["111122223333"]},"Action":"ecr:*"}]}),
                PolicyKind::Resource,
                "ecr:BatchGetImage",
                "*",
                Decision::Allowed {
                    statement: "statement #1".into(),
                },
            ),
            (
                "a key policy's account principal does not name the role itself",
                json!({"Statement":[{"Sid":"EnableIAM","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"}]}),
                PolicyKind::ResourceNamingPrincipal,
                "kms:Decrypt",
                "*",
                Decision::ImplicitDeny,
            ),
            (
                "a key policy naming the role (with a path) grants it directly",
                json!({"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:role/service-role/ecsTaskExecutionRole"},"Action":"kms:Decrypt","Resource":"*"}]}),
                PolicyKind::ResourceNamingPrincipal,
                "kms:Decrypt",
                "*",
                Decision::Allowed {
                    statement: "statement #1".into(),
                },
            ),
            (
                "a deny on the account root applies to the account's roles",
                json!({"Statement":[{"Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*"},{"Sid":"NoDecrypt","Effect":"Deny","Principal":{"AWS":"111122223333"},"Action":"kms:Decrypt","Resource":"*"}]}),
                PolicyKind::Resource,
                "kms:Decrypt",
                "*",
                Decision::ExplicitDeny {
                    statement: "statement `NoDecrypt`".into(),
                },
            ),
            (
                "Service principal does not match a role",
                json!({"Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"ecr:*"}]}),
                PolicyKind::Resource,
                "ecr:BatchGetImage",
                "*",
                Decision::ImplicitDeny,
            ),
            (
                "undecidable deny makes an allow unknown",
                json!({"Statement":[{"Effect":"Allow","Principal":"*","Action":"*"},{"Effect":"Deny","Principal":"*","Action":"*","Condition":{"NumericLessThan":{"s3:max-keys":"10"}}}]}),
                PolicyKind::Resource,
                "s3:GetObject",
                "*",
                Decision::Unknown {
                    reason:
                        "statement #2 may deny: the value of `s3:max-keys` is not known offline"
                            .into(),
                },
            ),
        ];
        for (name, document, kind, action, resource, expected) in cases {
            assert_eq!(
                evaluate(&document, kind, &request(action, resource)),
                expected,
                "{name}"
            );
        }
    }

    #[test]
    fn a_deny_in_one_policy_beats_an_allow_in_another() {
        let allow = json!({"Statement":[{"Effect":"Allow","Action":"ecr:*","Resource":"*"}]});
        let deny = json!({"Statement":[{"Sid":"NoEcr","Effect":"Deny","Action":"ecr:BatchGetImage","Resource":"*"}]});
        let request = request("ecr:BatchGetImage", "*");
        assert_eq!(
            evaluate_set(
                &[("managed", &allow), ("guardrail", &deny)],
                PolicyKind::Identity,
                &request
            ),
            Decision::ExplicitDeny {
                statement: "statement `NoEcr` of guardrail".into()
            }
        );
        assert_eq!(
            evaluate_set(&[("managed", &allow)], PolicyKind::Identity, &request),
            Decision::Allowed {
                statement: "statement #1 of managed".into()
            }
        );
    }

    #[test]
    fn explicit_deny_ignores_allows_and_keeps_undecided_denies() {
        let request = request(
            "ecr:BatchGetImage",
            "arn:aws:ecr:us-east-1:111122223333:repository/web",
        );
        let allow_only = json!({"Statement":[{"Effect":"Allow","Principal":"*","Action":"ecr:*"}]});
        assert_eq!(
            explicit_deny(&allow_only, PolicyKind::Resource, &request),
            None
        );
        let nothing = json!({"Statement":[{"Effect":"Allow","Principal":{"AWS":"999999999999"},"Action":"ecr:*"}]});
        assert_eq!(
            explicit_deny(&nothing, PolicyKind::Resource, &request),
            None,
            "no allow is not a deny"
        );
        let deny = json!({"Statement":[{"Sid":"NoPull","Effect":"Deny","Principal":"*","Action":"ecr:BatchGetImage"}]});
        assert_eq!(
            explicit_deny(&deny, PolicyKind::Resource, &request),
            Some(Decision::ExplicitDeny {
                statement: "statement `NoPull`".into()
            })
        );
        // Alone, an undecidable Deny resolves to ImplicitDeny for `evaluate` (nothing allows), but
        // it may still take access away: `explicit_deny` must say unknown.
        let undecided = json!({"Statement":[{"Effect":"Deny","Principal":"*","Action":"ecr:*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}]});
        assert_eq!(
            evaluate(&undecided, PolicyKind::Resource, &request),
            Decision::ImplicitDeny
        );
        assert!(matches!(
            explicit_deny(&undecided, PolicyKind::Resource, &request),
            Some(Decision::Unknown { .. })
        ));
    }

    #[test]
    fn source_vpce_conditions() {
        let document = json!({"Statement":[{"Effect":"Deny","Principal":"*","Action":"*","Condition":{"StringNotEquals":{"aws:SourceVpce":"vpce-1"}}},{"Effect":"Allow","Principal":"*","Action":"*"}]});
        let mut via = request("ecr:BatchGetImage", "*");
        via.context
            .insert("aws:SourceVpce".into(), vec!["vpce-1".into()]);
        assert!(evaluate(&document, PolicyKind::Resource, &via).is_allowed());
        via.context
            .insert("aws:SourceVpce".into(), vec!["vpce-2".into()]);
        assert!(matches!(
            evaluate(&document, PolicyKind::Resource, &via),
            Decision::ExplicitDeny { .. }
        ));
        via.context.insert("aws:SourceVpce".into(), vec![]);
        assert!(
            matches!(
                evaluate(&document, PolicyKind::Resource, &via),
                Decision::ExplicitDeny { .. }
            ),
            "absent key: negated operator holds"
        );
        let if_exists = json!({"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Condition":{"StringEqualsIfExists":{"aws:SourceVpce":"vpce-1"}}}]});
        assert!(evaluate(&if_exists, PolicyKind::Resource, &via).is_allowed());
        let arn_like = json!({"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Condition":{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::111122223333:role/ecs*"}}}]});
        via.context
            .insert("aws:PrincipalArn".into(), vec![ROLE.into()]);
        assert!(evaluate(&arn_like, PolicyKind::Resource, &via).is_allowed());
    }
}
