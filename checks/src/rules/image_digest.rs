use serde_json::Value;

use super::fixes::{hcl, hcl_json, json_str, note, sh};
use crate::declare_check;
use crate::facts::{Carrier, PathContext, TargetKind, Verdict};
use crate::flows::ImageRef;

declare_check! {
    /// ## What it does
    /// Checks the digest each task's container was resolved to (`DescribeTasks`
    /// `containers[].imageDigest`), not only the tag: ECS resolves a tag to a digest when a
    /// deployment starts, and every task of that deployment asks for that digest. When the
    /// repository (read with `DescribeImages`) no longer holds it, new tasks of the deployment
    /// fail even though the tag exists.
    ///
    /// ## Why is this bad
    /// A lifecycle policy (`imageCountMoreThan`, `sinceImagePushed`) or a cleanup job expires
    /// the old image after the tag moved on; a service scaling out or replacing a task stops with
    /// `CannotPullContainerError: ... not found` although `describe-images` shows the tag.
    /// The repository's lifecycle policy (`ecr:GetLifecyclePolicy`) is read: the finding names the
    /// expiring rule that could have selected the image (its `rulePriority`, description,
    /// `tagStatus`, `countType` and `countNumber`; an `untagged` rule when the tag has moved on,
    /// else a `tagged` rule whose prefix or pattern matches the tag, or an `any` rule).
    ///
    /// ## Example
    /// The service's tasks resolved `web:1.4.2` to `sha256:aaa…`; the tag now points at
    /// `sha256:bbb…` and `sha256:aaa…` was expired.
    ///
    /// ## Fix
    /// Force a new deployment (ECS resolves the tag again), and keep deployed images out of the
    /// rule that expired it: the policy with that rule's `countNumber` raised (for example), or
    /// a rule of a lower `rulePriority` keeping the deployed tag prefix, or immutable tags so a
    /// deployed tag never leaves its image untagged.
    pub static CHECK = ("PC705", "image-digest-missing", Error);
}

pub fn check(context: &PathContext, carrier: &Carrier) -> Vec<Verdict> {
    let images = carrier.images;
    let Some(definition) = context.target.definition else {
        return Vec::new();
    };
    let mut verdicts = Vec::new();
    for container in &definition.containers {
        let image = ImageRef::parse(&container.image);
        let Some(flow_image) = images.iter().find(|candidate| candidate.image == image) else {
            continue;
        };
        let (Some(repository), ImageRef::PrivateEcr { reference, .. }) =
            (flow_image.repository, &flow_image.image)
        else {
            continue;
        };
        let mut digests: Vec<&str> = context
            .target
            .tasks
            .iter()
            .filter(|task| task.task_definition_arn == definition.arn)
            .flat_map(|task| &task.containers)
            .filter(|state| state.name == container.name)
            .filter_map(|state| state.image_digest.as_deref())
            .filter(|digest| digest != reference)
            .collect();
        digests.sort();
        digests.dedup();
        for digest in digests {
            if repository.images.iter().any(|image| image.digest == digest) {
                verdicts.push(Verdict::Pass(format!(
                    "{}@{digest} (resolved from {reference}) exists",
                    repository.name
                )));
                continue;
            }
            if let Some(gap) = context
                .index
                .gap_about(&["ecr:DescribeImages"], &repository.arn)
            {
                verdicts.push(Verdict::Unknown(
                    CHECK
                        .finding(format!("Whether {}@{digest} still exists is unknown: the repository's images could not be listed", repository.name))
                        .resource(repository.arn.as_str())
                        .detail(super::collection_gap::because(gap)),
                ));
                continue;
            }
            let tag_moved = flow_image.found.is_some();
            let now = flow_image
                .found
                .map(|image| format!(" {reference} now points at {}.", image.digest))
                .unwrap_or_default();
            let (cli, tf) = match (
                context.target.kind,
                context.target.id.split('/').collect::<Vec<_>>().as_slice(),
            ) {
                (TargetKind::Service, [_, cluster, service]) => (
                    format!(
                        "aws ecs update-service --cluster {} --service {} --force-new-deployment",
                        sh(cluster),
                        sh(service)
                    ),
                    format!(
                        "# in the aws_ecs_service of {}\nforce_new_deployment = true",
                        note(&context.target.id)
                    ),
                ),
                _ => (
                    format!(
                        "aws ecs run-task --task-definition {}  # plus your network configuration; a new task resolves {} again",
                        sh(&definition.arn),
                        note(reference)
                    ),
                    format!(
                        "# a new task of {} resolves the tag again; no change to the aws_ecs_task_definition",
                        note(&definition.arn)
                    ),
                ),
            };
            let mut resources = vec![repository.arn.clone(), context.target.id.clone()];
            let (cause, keep_cli, keep_tf) = match lifecycle(
                context, repository, reference, tag_moved,
            ) {
                Lifecycle::Rule {
                    rule,
                    others,
                    policy,
                } => {
                    resources.push(format!("{}#rulePriority={}", repository.arn, rule.priority));
                    let also = if others.is_empty() {
                        String::new()
                    } else {
                        format!(" (rules {} may have selected it too)", others.join(", "))
                    };
                    let (how, raised) = keep(&rule, policy, reference);
                    let text = raised.to_string();
                    (
                        format!(
                            "The repository's lifecycle policy expires it: {}{also}.",
                            rule.describe()
                        ),
                        format!(
                            "# and keep deployed images out of lifecycle rule {} of {}: {how}\naws ecr put-lifecycle-policy --repository-name {} --lifecycle-policy-text {}",
                            rule.priority,
                            note(&repository.name),
                            sh(&repository.name),
                            sh(&text)
                        ),
                        format!(
                            "# and keep deployed images out of lifecycle rule {}: {how}\nresource \"aws_ecr_lifecycle_policy\" \"{}\" {{\n  repository = \"{}\"\n  policy     = jsonencode({})\n}}",
                            rule.priority,
                            super::fixes::label(&repository.name),
                            hcl(&repository.name),
                            hcl_json(&text)
                        ),
                    )
                }
                other => {
                    let cause = match other {
                        Lifecycle::Unread(gap) => format!(
                            "Whether a lifecycle rule expired it is unknown: the lifecycle policy could not be read. {}",
                            super::collection_gap::because(gap)
                        ),
                        Lifecycle::NoExpiringRule => format!(
                            "No rule of the repository's lifecycle policy expires images, so it was deleted otherwise (aws ecr batch-delete-image, a cleanup job: see CloudTrail for {})",
                            repository.arn
                        ),
                        _ => format!(
                            "No lifecycle policy is recorded for {} (none, or the snapshot predates its collection): it was deleted or expired (aws ecr get-lifecycle-policy --repository-name {}; CloudTrail for batch-delete-image).",
                            repository.name, repository.name
                        ),
                    };
                    (
                        cause,
                        format!(
                            "# and keep deployed images out of the repository's lifecycle rule (aws ecr get-lifecycle-policy --repository-name {})",
                            note(&repository.name)
                        ),
                        format!(
                            "# and in the aws_ecr_lifecycle_policy of {}, keep deployed images (e.g. a tagPrefixList rule)",
                            note(&repository.name)
                        ),
                    )
                }
            };
            verdicts.push(Verdict::Block(
                CHECK
                    .finding(format!("Container `{}` of the deployed tasks asks for {}@{digest}, which the repository no longer holds", container.name, repository.name))
                    .resources(resources)
                    .detail(format!(
                        "ECS resolved {}:{reference} to {digest} when the deployment started, and its tasks pull that digest; {} holds {} image(s), none with that digest.{now} {} A new deployment resolves the tag again.",
                        repository.uri, repository.arn, repository.images.len(), cause.trim_end_matches('.').to_string() + "."
                    ))
                    .fix(format!("{cli}\n{keep_cli}"), format!("{tf}\n{keep_tf}")),
            ));
        }
    }
    verdicts
}

/// One rule of a repository's lifecycle policy, as ECR documents its JSON.
struct LifecycleRule {
    priority: i64,
    description: Option<String>,
    tag_status: String,
    prefixes: Vec<String>,
    patterns: Vec<String>,
    count_type: String,
    count_unit: Option<String>,
    count_number: i64,
}

impl LifecycleRule {
    fn parse(rule: &Value) -> Option<LifecycleRule> {
        // Only `expire` deletes an image (`transition` archives it, and the digest stays).
        if rule["action"]["type"].as_str().unwrap_or("expire") != "expire" {
            return None;
        }
        let selection = &rule["selection"];
        let strings = |field: &str| -> Vec<String> {
            selection[field]
                .as_array()
                .map(|items| {
                    items
                        .iter()
                        .filter_map(|item| item.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default()
        };
        Some(LifecycleRule {
            priority: rule["rulePriority"].as_i64()?,
            description: rule["description"].as_str().map(str::to_string),
            tag_status: selection["tagStatus"].as_str()?.to_string(),
            prefixes: strings("tagPrefixList"),
            patterns: strings("tagPatternList"),
            count_type: selection["countType"].as_str()?.to_string(),
            count_unit: selection["countUnit"].as_str().map(str::to_string),
            count_number: selection["countNumber"].as_i64()?,
        })
    }

    /// Whether the rule could have selected an image last tagged `tag`: once the tag moved on the
    /// image is untagged; before, a `tagged` rule selects it by prefix or pattern.
    fn could_select(&self, tag: &str, tag_moved: bool) -> bool {
        match self.tag_status.as_str() {
            "any" => true,
            "untagged" => tag_moved,
            "tagged" => {
                !tag_moved
                    && (self
                        .prefixes
                        .iter()
                        .any(|prefix| tag.starts_with(prefix.as_str()))
                        || self.patterns.iter().any(|pattern| wildcard(pattern, tag)))
            }
            _ => false,
        }
    }

    fn describe(&self) -> String {
        let description = self
            .description
            .as_deref()
            .map(|text| format!(" (\"{text}\")"))
            .unwrap_or_default();
        let tags = match (self.prefixes.is_empty(), self.patterns.is_empty()) {
            (false, _) => format!(", tagPrefixList {}", self.prefixes.join(", ")),
            (true, false) => format!(", tagPatternList {}", self.patterns.join(", ")),
            (true, true) => String::new(),
        };
        let unit = self
            .count_unit
            .as_deref()
            .map(|unit| format!(" {unit}"))
            .unwrap_or_default();
        format!(
            "rulePriority {}{description}, tagStatus {}{tags}, {} {}{unit}, action expire",
            self.priority, self.tag_status, self.count_type, self.count_number
        )
    }
}

/// `*` matches any run of characters, as ECR's `tagPatternList` does.
fn wildcard(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    let [first, middle @ .., last] = parts.as_slice() else {
        return pattern == text;
    };
    let Some(mut rest) = text.strip_prefix(first) else {
        return false;
    };
    for part in middle {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

enum Lifecycle<'a> {
    /// The expiring rule of the lowest `rulePriority` that could have selected the image, the
    /// priorities of the others, and the policy they are in.
    Rule {
        rule: LifecycleRule,
        others: Vec<String>,
        policy: &'a Value,
    },
    /// The policy has no rule that expires images.
    NoExpiringRule,
    Unread(&'a crate::snapshot::CollectionGap),
    NotRecorded,
}

fn lifecycle<'a>(
    context: &PathContext<'a, '_>,
    repository: &'a crate::snapshot::EcrRepository,
    tag: &str,
    tag_moved: bool,
) -> Lifecycle<'a> {
    let Some(policy) = &repository.lifecycle_policy else {
        return match context
            .index
            .gap_about(&["ecr:GetLifecyclePolicy"], &repository.arn)
        {
            Some(gap) => Lifecycle::Unread(gap),
            None => Lifecycle::NotRecorded,
        };
    };
    let mut expiring: Vec<LifecycleRule> = policy["rules"]
        .as_array()
        .map(|rules| rules.iter().filter_map(LifecycleRule::parse).collect())
        .unwrap_or_default();
    expiring.sort_by_key(|rule| rule.priority);
    // The image may have carried other tags than the one the task definition names: when no
    // rule matches what is known, every expiring rule is a candidate.
    let (mut candidates, rest): (Vec<LifecycleRule>, Vec<LifecycleRule>) = expiring
        .into_iter()
        .partition(|rule| rule.could_select(tag, tag_moved));
    if candidates.is_empty() {
        candidates = rest;
    }
    if candidates.is_empty() {
        return Lifecycle::NoExpiringRule;
    }
    let rule = candidates.remove(0);
    Lifecycle::Rule {
        rule,
        others: candidates
            .iter()
            .map(|rule| rule.priority.to_string())
            .collect(),
        policy,
    }
}

/// How to keep deployed images from `rule`, and the policy with its `countNumber` raised (four
/// times, as an example: the right number is how long a deployment may still need its image).
fn keep(rule: &LifecycleRule, policy: &Value, tag: &str) -> (String, Value) {
    let raised = rule.count_number.saturating_mul(4);
    let mut policy = policy.clone();
    if let Some(rules) = policy["rules"].as_array_mut() {
        for candidate in rules {
            if candidate["rulePriority"].as_i64() == Some(rule.priority) {
                candidate["selection"]["countNumber"] = Value::from(raised);
            }
        }
    }
    let what = if rule.count_type == "sinceImagePushed" {
        format!(
            "an image expires {} {} after its push, while a deployment may still pull it",
            rule.count_number,
            rule.count_unit.as_deref().unwrap_or("days")
        )
    } else {
        format!(
            "only the newest {} selected images are kept, while a deployment may still pull an older one",
            rule.count_number
        )
    };
    let alternative = match rule.tag_status.as_str() {
        "untagged" => format!(
            "or make the repository's tags immutable so that {} never leaves its image untagged",
            note(tag)
        ),
        _ => format!(
            "or add a rule of a lower rulePriority that keeps the deployed tags (tagPrefixList [{}])",
            note(&json_str(tag))
        ),
    };
    (
        format!(
            "{what}; e.g. raise its countNumber from {} to {raised} (below), {alternative}",
            rule.count_number
        ),
        policy,
    )
}

#[cfg(test)]
mod tests {
    use crate::engine::diagnose;
    use crate::finding::Severity;
    use crate::rules::test_support::{scenario, task};
    use crate::snapshot::{ContainerState, Snapshot};

    fn snapshot(digest: &str) -> Snapshot {
        let mut snapshot = scenario("healthy-endpoints");
        let web = ContainerState {
            name: "web".into(),
            image: snapshot.task_definitions[0].containers[0].image.clone(),
            image_digest: Some(digest.into()),
            exit_code: None,
            reason: None,
        };
        snapshot.tasks = vec![task(&snapshot, None, vec![web])];
        snapshot
    }

    #[test]
    fn an_expired_digest_blocks_and_a_present_one_passes() {
        let expired = diagnose(&snapshot(&format!("sha256:{}", "c".repeat(64))));
        let finding = expired
            .findings
            .iter()
            .find(|f| f.check == "PC705")
            .unwrap();
        assert_eq!(finding.severity, Severity::Error);
        assert!(
            finding
                .fix
                .as_ref()
                .unwrap()
                .aws_cli
                .contains("--force-new-deployment")
        );
        let present = diagnose(&snapshot(&format!("sha256:{}", "a".repeat(64))));
        assert!(present.findings.iter().all(|f| f.check != "PC705"));
    }

    fn expired_with(lifecycle: Option<serde_json::Value>, gap: bool) -> crate::finding::Finding {
        let mut snapshot = snapshot(&format!("sha256:{}", "c".repeat(64)));
        snapshot.ecr_repositories[0].lifecycle_policy = lifecycle;
        if gap {
            snapshot.gaps.push(crate::snapshot::CollectionGap {
                api: "ecr:GetLifecyclePolicy".into(),
                resource: Some(snapshot.ecr_repositories[0].arn.clone()),
                error_code: "AccessDeniedException".into(),
                message: "no".into(),
            });
        }
        diagnose(&snapshot)
            .findings
            .into_iter()
            .find(|f| f.check == "PC705")
            .unwrap()
    }

    #[test]
    fn the_lifecycle_rule_that_expired_the_digest_is_named_with_its_fix() {
        let policy = serde_json::json!({"rules": [
            {"rulePriority": 2, "description": "Keep 30 releases", "selection": {"tagStatus": "tagged", "tagPrefixList": ["1."], "countType": "imageCountMoreThan", "countNumber": 30}, "action": {"type": "expire"}},
            {"rulePriority": 1, "description": "Expire untagged after 7 days", "selection": {"tagStatus": "untagged", "countType": "sinceImagePushed", "countUnit": "days", "countNumber": 7}, "action": {"type": "expire"}},
        ]});
        let finding = expired_with(Some(policy), false);
        assert_eq!(finding.severity, Severity::Error);
        let repository = "arn:aws:ecr:us-east-1:111122223333:repository/web";
        assert!(
            finding
                .resources
                .contains(&format!("{repository}#rulePriority=1")),
            "{:?}",
            finding.resources
        );
        assert!(
            finding.detail.contains("rulePriority 1 (\"Expire untagged after 7 days\"), tagStatus untagged, sinceImagePushed 7 days, action expire"),
            "{}",
            finding.detail
        );
        let fix = finding.fix.unwrap();
        assert!(fix.aws_cli.contains("--force-new-deployment"));
        assert!(
            fix.aws_cli
                .contains("aws ecr put-lifecycle-policy --repository-name web")
        );
        assert!(
            fix.aws_cli.contains("\"countNumber\":28"),
            "{}",
            fix.aws_cli
        );
        assert!(fix.aws_cli.contains("immutable"));
        assert!(
            fix.terraform
                .contains("resource \"aws_ecr_lifecycle_policy\" \"web\"")
        );

        // A tagged rule cannot select an image whose tag moved on; with no other, it is still named.
        let tagged = serde_json::json!({"rules": [
            {"rulePriority": 3, "selection": {"tagStatus": "tagged", "tagPatternList": ["1.*"], "countType": "imageCountMoreThan", "countNumber": 5}, "action": {"type": "expire"}},
        ]});
        let finding = expired_with(Some(tagged), false);
        assert!(
            finding
                .detail
                .contains("rulePriority 3, tagStatus tagged, tagPatternList 1.*")
        );
        assert!(
            finding
                .fix
                .unwrap()
                .aws_cli
                .contains("lower rulePriority that keeps the deployed tags")
        );
    }

    #[test]
    fn without_an_expiring_rule_or_an_unread_policy_the_digest_still_blocks() {
        let archive = serde_json::json!({"rules": [
            {"rulePriority": 1, "selection": {"tagStatus": "any", "countType": "sinceImagePulled", "countUnit": "days", "countNumber": 90}, "action": {"type": "transition", "targetStorageClass": "archive"}},
        ]});
        let finding = expired_with(Some(archive), false);
        assert_eq!(finding.severity, Severity::Error);
        assert!(
            finding
                .detail
                .contains("No rule of the repository's lifecycle policy expires images")
        );
        assert_eq!(finding.resources.len(), 2);
        let unread = expired_with(None, true);
        assert_eq!(unread.severity, Severity::Error);
        assert!(unread.detail.contains("lifecycle policy could not be read"));
        assert!(unread.detail.contains("AccessDeniedException"));
        let none = expired_with(None, false);
        assert!(none.detail.contains("No lifecycle policy is recorded"));
    }

    #[test]
    fn tag_patterns_match_as_ecr_does() {
        assert!(super::wildcard("1.*", "1.4.2"));
        assert!(super::wildcard("*-prod", "web-prod"));
        assert!(super::wildcard("v*-*", "v1-rc"));
        assert!(!super::wildcard("v*-*", "v1"));
        assert!(super::wildcard("latest", "latest"));
        assert!(!super::wildcard("1.*", "2.0"));
    }
}
