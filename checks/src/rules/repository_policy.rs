use super::fixes::{account_of, hcl, hcl_json, json_str, name_of, note, sh};
use std::collections::BTreeMap;

use crate::declare_check;
use crate::facts::{Carrier, PathContext, Verdict};
use crate::finding::Finding;
use crate::flows::FlowKind;
use crate::policy::{Decision, PolicyKind, Request, evaluate, explicit_deny};
use crate::reason::{Category, classify};
use crate::snapshot::EcrRepository;

declare_check! {
    /// ## What it does
    /// Evaluates the ECR repository policy against the execution role's pull actions
    /// (`ecr:BatchCheckLayerAvailability`, `ecr:GetDownloadUrlForLayer`, `ecr:BatchGetImage`).
    /// For an image in another account the policy must allow the role or its account (no policy
    /// at all grants nothing); in the same account only a `Deny` matters.
    ///
    /// Another account's repository policy is only read with `--registry-role` (as its owner).
    /// Without it, when the task stopped because that registry refused the pull (`403
    /// Forbidden`, `denied: ... is not authorized to perform: ecr:BatchGetImage`) and the role's
    /// own policies allow the pull (PC603 passes), the repository policy is the likely cause: a
    /// warning names the repository, the role and the statement to add in the owner account.
    /// With the policy read, it is evaluated instead, and decides.
    ///
    /// ## Why is this bad
    /// A repository policy `Deny` (for example on `aws:SourceVpce` of another endpoint) blocks
    /// same-account pulls despite a perfect execution role; a cross-account image without a grant
    /// is refused with a 403 that the stopped reason words as a permissions problem of the role.
    ///
    /// ## Example
    /// Repository in account A, task in account B, repository policy granting only account A.
    ///
    /// ## Fix
    /// Add a statement allowing the pull actions to the role (or its account), or narrow the
    /// denying statement. Across accounts the owner account sets the policy; run again with
    /// `--registry-role OWNER=ROLE_ARN` to confirm it.
    pub static CHECK = ("PC604", "repository-policy-denies", Error);
}

pub fn check(context: &PathContext, carrier: &Carrier) -> Vec<Verdict> {
    judge(context, carrier.source_vpce)
}

fn judge(context: &PathContext, source_vpce: Option<&str>) -> Vec<Verdict> {
    if context.flow.kind != FlowKind::EcrRegistry {
        return Vec::new();
    }
    let Some(role) = context.pulling_role() else {
        return Vec::new();
    };
    let role_account = account_of(role);
    let mut known = BTreeMap::new();
    known.insert("aws:PrincipalArn".to_string(), vec![role.to_string()]);
    known.insert(
        "aws:PrincipalAccount".to_string(),
        vec![role_account.to_string()],
    );
    known.insert(
        "aws:SourceVpce".to_string(),
        source_vpce.map(str::to_string).into_iter().collect(),
    );
    let mut verdicts = Vec::new();
    for arn in context
        .flow
        .resources
        .iter()
        .filter(|resource| resource.starts_with("arn:") && resource.contains(":repository/"))
    {
        let owner = account_of(arn);
        let cross_account = owner != role_account;
        // Another account's repository policy is only seen when that registry is read as its owner.
        let unseen = cross_account && !context.index.snapshot.registry_read_as_owner(owner);
        let Some(repository) = context
            .index
            .snapshot
            .ecr_repositories
            .iter()
            .find(|repository| &repository.arn == arn)
        else {
            // Not collected: PC701 reports the repository; a refusal the task saw still points here.
            if unseen {
                let why = format!(
                    "{arn} itself was not collected: account {owner}'s registry was read with the caller's credentials, which it may not show its repositories to"
                );
                verdicts.extend(likely_refusal(context, arn, role, source_vpce, &why));
            }
            continue;
        };
        let Some(policy) = &repository.policy else {
            let gap = context
                .index
                .gap_about(&["ecr:GetRepositoryPolicy"], &repository.arn);
            if unseen {
                let why = match gap {
                    Some(gap) => super::collection_gap::because(gap),
                    None => format!(
                        "No policy of {arn} was shown: account {owner}'s registry was read with the caller's credentials, not as its owner"
                    ),
                };
                verdicts.push(
                    likely_refusal(context, arn, role, source_vpce, &why).unwrap_or_else(|| {
                        Verdict::Unknown(
                            CHECK
                                .finding(format!("Whether the repository policy of {} (account {owner}) grants {} the pull is unknown: it could not be read", repository.name, name_of(role)))
                                .resources([repository.arn.as_str(), role])
                                .detail(format!("An image in another account needs a statement of its repository policy granting the role or its account. {why}. Read that registry with --registry-role {owner}=arn:aws:iam::{owner}:role/<reader role> to decide.")),
                        )
                    }),
                );
                continue;
            }
            if let Some(gap) = gap {
                verdicts.push(Verdict::Unknown(
                    CHECK
                        .finding(format!("Whether the repository policy of {} allows the pull is unknown: it could not be read", repository.name))
                        .resource(repository.arn.as_str())
                        .detail(super::collection_gap::because(gap)),
                ));
                continue;
            }
            if cross_account {
                // Read as its owner: the repository has no policy, and across accounts only a
                // statement of it can grant the pull.
                verdicts.push(Verdict::Block(refusal(
                    repository,
                    role,
                    "ecr:BatchGetImage",
                    "the image is in another account and the repository has no policy, so nothing grants the role or its account",
                )));
                continue;
            }
            verdicts.push(Verdict::Pass(format!(
                "{} has no repository policy",
                repository.name
            )));
            continue;
        };
        let mut verdict = None;
        for action in PULL_ACTIONS {
            let request = Request {
                principal_arn: Some(role),
                action,
                resource: &repository.arn,
                context: known.clone(),
            };
            // Across accounts the policy must grant the pull; within the account it can only
            // take access away, so only its denies matter there.
            let decision = if cross_account {
                Some(evaluate(policy, PolicyKind::Resource, &request))
            } else {
                explicit_deny(policy, PolicyKind::Resource, &request)
            };
            let why = match decision {
                None | Some(Decision::Allowed { .. }) => continue,
                Some(Decision::ExplicitDeny { statement }) => format!("{statement} denies it"),
                Some(Decision::ImplicitDeny) => "the image is in another account and no statement grants the role or its account".to_string(),
                Some(Decision::Unknown { reason }) => {
                    verdict = Some(Verdict::Unknown(
                        CHECK.finding(format!("Cannot tell whether repository {}'s policy lets {} pull", repository.name, role)).resources([repository.arn.as_str(), role]).detail(reason),
                    ));
                    break;
                }
            };
            verdict = Some(Verdict::Block(refusal(repository, role, action, &why)));
            break;
        }
        verdicts.push(verdict.unwrap_or_else(|| {
            Verdict::Pass(format!("{}'s policy lets the role pull", repository.name))
        }));
    }
    verdicts
}

const PULL_ACTIONS: [&str; 3] = [
    "ecr:BatchCheckLayerAvailability",
    "ecr:GetDownloadUrlForLayer",
    "ecr:BatchGetImage",
];

fn refusal(repository: &EcrRepository, role: &str, action: &str, why: &str) -> Finding {
    let (cli, tf) = grant_fix(&repository.name, account_of(&repository.arn), role, false);
    CHECK
        .finding(format!(
            "Repository {}'s policy refuses {action} to {}",
            repository.name,
            name_of(role)
        ))
        .resources([repository.arn.as_str(), role])
        .detail(format!(
            "Evaluated {action} on {} by {role}: {why}.",
            repository.arn
        ))
        .fix(cli, tf)
}

/// The statement that grants `role` the pull, as `set-repository-policy` and Terraform; written
/// for the repository's owner when the diagnosis runs in another account.
fn grant_fix(name: &str, owner: &str, role: &str, for_owner: bool) -> (String, String) {
    let grant = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"AllowEcsPull","Effect":"Allow","Principal":{{"AWS":{}}},"Action":["ecr:BatchCheckLayerAvailability","ecr:GetDownloadUrlForLayer","ecr:BatchGetImage"]}}]}}"#,
        json_str(role)
    );
    let (cli_lead, tf_lead) = if for_owner {
        (
            format!(
                "# run in account {} (the repository's owner), with its credentials; ",
                note(owner)
            ),
            format!("# in account {} (the repository's owner)\n", note(owner)),
        )
    } else {
        ("# ".to_string(), String::new())
    };
    (
        format!(
            "{cli_lead}merge with the current policy (aws ecr get-repository-policy --repository-name {}), then:\naws ecr set-repository-policy --repository-name {} --policy-text {}",
            note(&sh(name)),
            sh(name),
            sh(&grant)
        ),
        format!(
            "{tf_lead}resource \"aws_ecr_repository_policy\" \"{}\" {{\n  repository = \"{}\"\n  policy     = jsonencode({})\n}}",
            super::fixes::label(name),
            hcl(name),
            hcl_json(&grant)
        ),
    )
}

/// The task saw another account's registry refuse the pull (403, `denied`, `not authorized to
/// perform: ecr:BatchGetImage`) while the role's own policies allow it: the repository policy,
/// which the snapshot does not hold, is the likely cause. `None` without that evidence.
fn likely_refusal(
    context: &PathContext,
    arn: &str,
    role: &str,
    source_vpce: Option<&str>,
    unread: &str,
) -> Option<Verdict> {
    let reason = refused_pull_reason(context, arn)?;
    // Only when the role's side is known to allow it: else PC603 is the finding to read.
    let Some(Verdict::Pass(_)) = super::role_permissions::verdict(context, source_vpce) else {
        return None;
    };
    let owner = account_of(arn);
    let name = arn.split_once(":repository/").map_or(arn, |(_, name)| name);
    let (cli, tf) = grant_fix(name, owner, role, true);
    let confirm = format!(
        "# to confirm first, read that registry as its owner:\n# ecr-pathcheck diagnose ... --registry-role {}=arn:aws:iam::{}:role/<reader role>",
        note(owner),
        note(owner)
    );
    Some(Verdict::Unknown(
        CHECK
            .finding(format!(
                "The registry of account {owner} refused the pull, and {} may pull: the repository policy of {name} likely does not grant it",
                name_of(role)
            ))
            .resources([arn, role])
            .detail(format!(
                "The task saw the registry refuse the pull: \"{}\". The {} {role}'s own policies allow {} on {arn}, so the refusal comes from the repository's side: an image in account {owner} is pulled only when a statement of its repository policy grants the role (or account {}). That policy cannot be checked here: {}. Add the statement in account {owner}, or run with --registry-role {owner}=<a role of that account> to confirm.",
                shorten(reason),
                context.pulling_role_kind(),
                PULL_ACTIONS.join(", "),
                account_of(role),
                unread.trim_end_matches('.'),
            ))
            .fix(format!("{cli}\n{confirm}"), tf),
    ))
}

/// A reason of the target in which the registry serving `arn` refused the pull: classified as a
/// permission failure on the registry flow, naming that registry (or no host at all) and no
/// other repository.
fn refused_pull_reason<'b>(context: &PathContext<'_, 'b>, arn: &str) -> Option<&'b str> {
    context
        .target
        .reasons
        .iter()
        .map(String::as_str)
        .find(|text| {
            let classification = classify(text);
            let lower = text.to_lowercase();
            let names_other_repository = lower
                .match_indices("arn:aws")
                .map(|(at, _)| {
                    let rest = &lower[at..];
                    let end = rest
                        .find(|c: char| c.is_whitespace() || "\"',;".contains(c))
                        .unwrap_or(rest.len());
                    &rest[..end]
                })
                .any(|named| named.contains(":repository/") && named != arn.to_lowercase());
            classification.category == Category::Permission
                && classification.flow == Some(FlowKind::EcrRegistry)
                && classification
                    .host
                    .as_deref()
                    .is_none_or(|host| host == context.flow.host)
                && !names_other_repository
        })
}

fn shorten(text: &str) -> String {
    const LIMIT: usize = 300;
    match text.char_indices().nth(LIMIT) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use crate::engine::diagnose;
    use crate::finding::{Finding, Severity};

    const OTHER: &str = "444455556666";
    const ARN: &str = "arn:aws:ecr:us-east-1:444455556666:repository/shared-web";
    const REFUSED: &str = "CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref 444455556666.dkr.ecr.us-east-1.amazonaws.com/shared-web:1.4.2: pulling from host 444455556666.dkr.ecr.us-east-1.amazonaws.com failed with status code [manifests 1.4.2]: 403 Forbidden";

    /// The healthy account pulling `shared-web:1.4.2` from account 444455556666, whose
    /// registry did not show the repository to the caller; the task stopped with `reason`.
    fn cross_account(reason: &str) -> Value {
        let text = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../mocks/healthy-endpoints/snapshot.json"
        ))
        .unwrap();
        let mut s: Value = serde_json::from_slice(&text).unwrap();
        let image = format!("{OTHER}.dkr.ecr.us-east-1.amazonaws.com/shared-web:1.4.2");
        s["task_definitions"][0]["containers"][0]["image"] = json!(image);
        s["gaps"] = json!([{"api": "ecr:DescribeRepositories", "resource": ARN, "error_code": "RepositoryNotFoundException", "message": "not found"}]);
        s["tasks"] = json!([{
            "arn": "arn:aws:ecs:us-east-1:111122223333:task/prod/0f1e",
            "cluster_arn": "arn:aws:ecs:us-east-1:111122223333:cluster/prod",
            "task_definition_arn": s["task_definitions"][0]["arn"],
            "group": "service:web", "launch_type": "FARGATE", "last_status": "STOPPED",
            "stopped_reason": reason,
            "containers": [{"name": "web", "image": image}],
            "network": {"subnet_id": "subnet-private-a", "private_ip": "10.0.1.25", "security_group_ids": ["sg-app"]},
        }]);
        s
    }

    /// The repository as its owner shows it, with `policy`.
    fn read_as_owner(s: &mut Value, policy: Option<Value>) {
        s["gaps"] = json!([]);
        s["ecr_read_as_owner"] = json!([OTHER]);
        let mut repository = json!({
            "arn": ARN, "name": "shared-web", "uri": format!("{OTHER}.dkr.ecr.us-east-1.amazonaws.com/shared-web"),
            "images": [{"digest": format!("sha256:{}", "b".repeat(64)), "tags": ["1.4.2"]}],
        });
        if let Some(policy) = policy {
            repository["policy"] = policy;
        }
        s["ecr_repositories"]
            .as_array_mut()
            .unwrap()
            .push(repository);
    }

    fn pc604(s: &Value) -> Vec<Finding> {
        let snapshot = crate::snapshot::from_json(
            &serde_json::to_vec(s).unwrap(),
            std::path::Path::new("s.json"),
        )
        .unwrap();
        diagnose(&snapshot)
            .findings
            .into_iter()
            .filter(|finding| finding.check == "PC604")
            .collect()
    }

    #[test]
    fn a_403_from_another_accounts_registry_points_at_its_repository_policy() {
        let findings = pc604(&cross_account(REFUSED));
        assert_eq!(findings.len(), 1, "{findings:#?}");
        let finding = &findings[0];
        assert_eq!(finding.severity, Severity::Warning);
        assert!(
            finding.title.contains("likely does not grant"),
            "{}",
            finding.title
        );
        assert_eq!(
            finding.resources,
            [ARN, "arn:aws:iam::111122223333:role/ecsTaskExecutionRole"]
        );
        let fix = finding.fix.as_ref().unwrap();
        assert!(fix.aws_cli.contains("run in account 444455556666"));
        assert!(
            fix.aws_cli
                .contains("aws ecr set-repository-policy --repository-name shared-web")
        );
        assert!(fix.aws_cli.contains("--registry-role 444455556666="));
        assert!(
            fix.terraform
                .contains("resource \"aws_ecr_repository_policy\"")
        );

        // The ECR wording of the same refusal, and a policy the caller was refused.
        let mut s = cross_account(
            "CannotPullContainerError: Error response from daemon: pull access denied for 444455556666.dkr.ecr.us-east-1.amazonaws.com/shared-web, repository does not exist or may require 'docker login': denied: User: arn:aws:sts::111122223333:assumed-role/ecsTaskExecutionRole/0f1e is not authorized to perform: ecr:BatchGetImage on resource: arn:aws:ecr:us-east-1:444455556666:repository/shared-web because no resource-based policy allows the ecr:BatchGetImage action",
        );
        read_as_owner(&mut s, None);
        s["ecr_read_as_owner"] = json!([]);
        s["gaps"] = json!([{"api": "ecr:GetRepositoryPolicy", "resource": ARN, "error_code": "AccessDeniedException", "message": "no"}]);
        let findings = pc604(&s);
        assert_eq!(findings.len(), 1, "{findings:#?}");
        assert!(findings[0].title.contains("likely does not grant"));
        assert!(findings[0].detail.contains("AccessDeniedException"));
    }

    #[test]
    fn without_the_refusal_or_with_a_role_that_may_not_pull_it_points_nowhere() {
        // No reason: the repository is only unknown (PC701), not suspected.
        assert!(pc604(&cross_account("Essential container in task exited")).is_empty());
        // Another registry's refusal, a network failure, a layer 403: not this repository's policy.
        assert!(
            pc604(&cross_account(
                &REFUSED.replace("444455556666.dkr", "777788889999.dkr")
            ))
            .is_empty()
        );
        assert!(pc604(&cross_account("CannotPullContainerError: ... unexpected status code 403 Forbidden prod-us-east-1-starport-layer-bucket.s3.us-east-1.amazonaws.com")).is_empty());
        // The role's own policies do not allow the pull: PC603 is the cause, not the repository.
        let mut s = cross_account(REFUSED);
        s["iam_roles"][0]["attached_policies"] = json!([]);
        assert!(pc604(&s).is_empty());
    }

    #[test]
    fn read_as_its_owner_the_policy_decides_and_does_not_contradict_the_403() {
        let grant = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "ecr:BatchGetImage"}]});
        let mut s = cross_account(REFUSED);
        read_as_owner(&mut s, Some(grant));
        let findings = pc604(&s);
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].severity, Severity::Error);
        assert!(
            findings[0]
                .title
                .contains("refuses ecr:BatchCheckLayerAvailability")
        );

        let all = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "ecr:*"}]});
        let mut s = cross_account(REFUSED);
        read_as_owner(&mut s, Some(all));
        assert!(pc604(&s).is_empty());

        // The owner's registry says there is no policy: across accounts nothing grants the pull.
        let mut s = cross_account(REFUSED);
        read_as_owner(&mut s, None);
        let findings = pc604(&s);
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].severity, Severity::Error);
        assert!(findings[0].detail.contains("has no policy"));
    }
}
