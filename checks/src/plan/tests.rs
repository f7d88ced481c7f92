//! The plan scenarios of mocks/plans against the account of mocks/healthy-endpoints.

use serde_json::Value;

use super::*;
use crate::finding::Severity;

const ACCOUNT: &str = include_str!("../../../mocks/healthy-endpoints/snapshot.json");

fn account() -> Snapshot {
    crate::snapshot::from_json(ACCOUNT.as_bytes(), Path::new("healthy-endpoints")).unwrap()
}

fn plan_text(name: &str) -> String {
    let path = format!(
        "{}/../mocks/plans/{name}/plan.json",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn run_text(text: &str) -> PlanReport {
    let plan = Plan::from_json(text.as_bytes(), "plan.json").unwrap();
    check(&plan, &account()).unwrap()
}

fn run(name: &str) -> PlanReport {
    run_text(&plan_text(name))
}

fn errors(report: &PlanReport) -> Vec<&Finding> {
    report
        .report
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .collect()
}

#[test]
fn narrowed_egress_is_caught_at_the_group_address() {
    let report = run("narrow-egress");
    let errors = errors(&report);
    assert!(!errors.is_empty());
    assert!(errors.iter().all(|f| f.check == "PC401"), "{errors:#?}");
    let finding = errors[0];
    assert!(
        finding
            .resources
            .contains(&"aws_security_group.tasks".to_string())
    );
    assert!(finding.resources.contains(&"sg-app".to_string()));
    // The group's rules are inline: the fix is the block to add, naming the data source.
    let terraform = &finding.fix.as_ref().unwrap().terraform;
    assert!(
        terraform.starts_with("# add to aws_security_group.tasks"),
        "{terraform}"
    );
    assert!(terraform.contains("egress {"), "{terraform}");
    assert!(
        terraform.contains("prefix_list_ids = [data.aws_prefix_list.s3.id]"),
        "{terraform}"
    );
    assert!(!terraform.contains("security_group_id"), "{terraform}");
}

#[test]
fn the_same_change_with_the_prefix_list_rule_passes() {
    let report = run("narrow-egress-with-prefix-list");
    assert!(errors(&report).is_empty(), "{:#?}", errors(&report));
    assert!(!report.report.is_undecided());
}

#[test]
fn deleting_the_s3_gateway_endpoint_is_caught_and_named() {
    let report = run("delete-s3-endpoint");
    let errors = errors(&report);
    assert!(!errors.is_empty());
    assert!(errors.iter().all(|f| f.check == "PC201"), "{errors:#?}");
    assert!(
        errors
            .iter()
            .all(|f| f.resources.contains(&"aws_vpc_endpoint.s3".to_string()))
    );
    let twin = run("keep-s3-endpoint");
    assert!(self::errors(&twin).is_empty() && !twin.report.is_undecided());
}

#[test]
fn a_rule_deleted_in_a_module_is_caught_with_both_addresses() {
    let report = run("module-nested");
    let errors = errors(&report);
    assert!(!errors.is_empty());
    let finding = errors[0];
    assert_eq!(finding.check, "PC401");
    for address in [
        "module.app.aws_security_group.tasks",
        "module.app.aws_vpc_security_group_egress_rule.s3",
    ] {
        assert!(
            finding.resources.contains(&address.to_string()),
            "{finding:#?}"
        );
    }
    let terraform = &finding.fix.as_ref().unwrap().terraform;
    assert!(
        terraform
            .starts_with("# for module.app.aws_security_group.tasks in module.app (modules/app/)"),
        "{terraform}"
    );
    assert!(
        terraform.contains("security_group_id            = aws_security_group.tasks.id"),
        "{terraform}"
    );
    let twin = run("module-nested-healthy");
    assert!(self::errors(&twin).is_empty() && !twin.report.is_undecided());
}

#[test]
fn a_first_apply_is_undecided_never_an_error() {
    let report = run("first-apply");
    assert!(errors(&report).is_empty(), "{:#?}", errors(&report));
    assert!(report.report.is_undecided());
    // References resolved: the new service runs in the new subnets with the new group, and
    // layers go through the new gateway endpoint to the prefix list the data source names.
    let target = report
        .report
        .targets
        .iter()
        .find(|t| t.name == "api")
        .expect("the planned service is a target");
    let s3 = target
        .flows
        .iter()
        .find(|f| f.flow.id() == "s3-layers")
        .unwrap();
    assert_eq!(s3.verdict.as_str(), "ok", "{s3:#?}");
    assert!(s3.subnet.starts_with("subnet-planned-network-private-"));
    // Every planned-unknown gap is reported as such, with its address.
    for finding in report.report.findings.iter().filter(|f| f.check == "PC901") {
        assert!(
            finding.title.contains("known only after apply"),
            "{finding:#?}"
        );
        assert!(finding.resources.iter().any(|r| r.starts_with("module.")));
    }
    assert!(!report.plan.unknown.is_empty());
}

/// Every value of every planned change made unknown, one resource at a time and all at once:
/// hops become unknown, never an error the plan does not have.
#[test]
fn unknown_values_never_produce_an_error() {
    for name in [
        "narrow-egress-with-prefix-list",
        "keep-s3-endpoint",
        "module-nested-healthy",
        "first-apply",
    ] {
        let text = plan_text(name);
        let document: Value = serde_json::from_str(&text).unwrap();
        let changes = document["resource_changes"].as_array().unwrap().len();
        for only in (0..changes).map(Some).chain([None]) {
            let mut document = document.clone();
            for (at, change) in document["resource_changes"]
                .as_array_mut()
                .unwrap()
                .iter_mut()
                .enumerate()
            {
                if only.is_some_and(|only| only != at) {
                    continue;
                }
                let body = &mut change["change"];
                if body["after"].is_object() {
                    let keys: Vec<String> =
                        body["after"].as_object().unwrap().keys().cloned().collect();
                    let unknown = body["after_unknown"].as_object_mut().unwrap();
                    for key in keys {
                        unknown.insert(key, Value::Bool(true));
                    }
                    for key in ["id", "arn", "name", "vpc_id", "security_group_id"] {
                        unknown.insert(key.into(), Value::Bool(true));
                    }
                    body["after"] = serde_json::json!({});
                }
            }
            let report = run_text(&document.to_string());
            assert!(
                errors(&report).is_empty(),
                "{name}, change {only:?} unknown: {:#?}",
                errors(&report)
            );
        }
    }
}

#[test]
fn plans_of_other_shapes_parse_or_are_refused_in_one_line() {
    // Nested module calls whose outputs forward references, and no AWS resource: the account's
    // verdict is unchanged.
    let text = include_str!("../../../mocks/plans/shapes/nested-module-outputs.json");
    let plan = Plan::from_json(text.as_bytes(), "nested.json").unwrap();
    assert_eq!(plan.terraform_version.as_deref(), Some("1.9.8"));
    assert_eq!(plan.instances.len(), 1);
    assert_eq!(
        plan.module_dir("module.outer.module.inner").as_deref(),
        Some("outer/inner")
    );
    let report = check(&plan, &account()).unwrap();
    assert!(report.plan.resources.iter().all(|r| !r.mapped));
    assert_eq!(
        serde_json::to_value(&report.report.findings).unwrap(),
        serde_json::to_value(&crate::diagnose(&account()).findings).unwrap()
    );
    // Terraform 0.12's format 0.1 is refused.
    let text = include_str!("../../../mocks/plans/shapes/format-0.1.json");
    let error = Plan::from_json(text.as_bytes(), "old.json").unwrap_err();
    assert!(error.0.contains("format_version \"0.1\""), "{error}");
    assert!(!error.0.contains('\n'));
}

#[test]
fn declarations_are_found_by_type_and_name() {
    let source =
        "data \"aws_prefix_list\" \"s3\" {\n}\n\nresource \"aws_security_group\" \"tasks\" {\n}\n";
    assert_eq!(
        declaration_line(source, Mode::Managed, "aws_security_group", "tasks"),
        Some(4)
    );
    assert_eq!(
        declaration_line(source, Mode::Data, "aws_prefix_list", "s3"),
        Some(1)
    );
    assert_eq!(
        declaration_line(source, Mode::Managed, "aws_prefix_list", "s3"),
        None
    );
}

#[test]
fn inline_blocks_translate_the_rule_resource() {
    let block = inline_rule_block(
        "resource \"aws_vpc_security_group_egress_rule\" \"x\" {\n  security_group_id = aws_security_group.tasks.id\n  ip_protocol = \"tcp\"\n  from_port = 443\n  to_port = 443\n  cidr_ipv4 = \"10.0.0.0/16\"\n}",
    )
    .unwrap();
    assert_eq!(
        block,
        "egress {\n  protocol        = \"tcp\"\n  from_port       = 443\n  to_port         = 443\n  cidr_blocks     = [\"10.0.0.0/16\"]\n}"
    );
}
