//! What the emulator cannot produce, against SDK clients whose answers are scripted
//! (aws-smithy-mocks): many pages, batches, one refused call, throttling, stop codes.

use std::collections::BTreeSet;
use std::time::Duration;

use aws_sdk_ec2::error::ErrorMetadata;
use aws_smithy_mocks::{RuleMode, mock, mock_client};

use super::call::Calls;
use super::progress::Progress;
use super::{ecs, identity, keys, network};

fn calls() -> Calls {
    Calls::new(8, Progress::hidden(), None)
}

/// Throttling retried quickly, four attempts in all.
fn fast_retries(builder: aws_sdk_ecs::config::Builder) -> aws_sdk_ecs::config::Builder {
    builder.retry_config(
        aws_config::retry::RetryConfig::standard()
            .with_max_attempts(4)
            .with_initial_backoff(Duration::from_millis(1)),
    )
}

#[tokio::test]
async fn list_services_follows_every_page() {
    use aws_sdk_ecs::operation::list_services::ListServicesOutput;
    let page = |from: usize, to: usize, next: Option<&str>| {
        let arns: Vec<String> = (from..to)
            .map(|n| format!("arn:aws:ecs:us-east-1:111122223333:service/prod/s{n}"))
            .collect();
        let next = next.map(str::to_string);
        move || {
            ListServicesOutput::builder()
                .set_service_arns(Some(arns.clone()))
                .set_next_token(next.clone())
                .build()
        }
    };
    let pages = mock!(aws_sdk_ecs::Client::list_services)
        .sequence()
        .output(page(0, 100, Some("page-2")))
        .output(page(100, 200, Some("page-3")))
        .output(page(200, 250, None))
        .build();
    let client = mock_client!(aws_sdk_ecs, RuleMode::Sequential, [&pages]);
    let services = ecs::list_services(&client, &calls(), "prod").await.unwrap();
    assert_eq!(services.len(), 250);
    assert_eq!(pages.num_calls(), 3);
    assert_eq!(
        services.iter().collect::<BTreeSet<_>>().len(),
        250,
        "no page read twice"
    );
}

#[tokio::test]
async fn services_are_described_ten_per_call() {
    use aws_sdk_ecs::operation::describe_services::DescribeServicesOutput;
    use aws_sdk_ecs::types::Service;
    let describe = mock!(aws_sdk_ecs::Client::describe_services)
        .match_requests(|request| request.services().len() <= 10)
        .then_compute_output(|request| {
            let services = request
                .services()
                .iter()
                .map(|name| {
                    Service::builder()
                        .service_name(name)
                        .service_arn(format!(
                            "arn:aws:ecs:us-east-1:111122223333:service/prod/{name}"
                        ))
                        .task_definition("arn:aws:ecs:us-east-1:111122223333:task-definition/web:1")
                        .build()
                })
                .collect();
            DescribeServicesOutput::builder()
                .set_services(Some(services))
                .build()
        });
    let client = mock_client!(aws_sdk_ecs, RuleMode::MatchAny, [&describe]);
    let names: Vec<String> = (0..25).map(|n| format!("s{n}")).collect();
    let (services, missing) =
        ecs::describe_services(&client, &calls(), "prod", &names, ecs::Role::Target)
            .await
            .unwrap();
    assert_eq!(services.len(), 25);
    assert!(missing.is_empty());
    assert_eq!(describe.num_calls(), 3);
}

fn stopped_task() -> aws_sdk_ecs::types::Task {
    use aws_sdk_ecs::types::{Attachment, Container, KeyValuePair, LaunchType, Task, TaskStopCode};
    let detail = |name: &str, value: &str| KeyValuePair::builder().name(name).value(value).build();
    Task::builder()
        .task_arn("arn:aws:ecs:us-east-1:111122223333:task/prod/abc")
        .cluster_arn("arn:aws:ecs:us-east-1:111122223333:cluster/prod")
        .task_definition_arn("arn:aws:ecs:us-east-1:111122223333:task-definition/web:7")
        .group("family:web")
        .launch_type(LaunchType::Fargate)
        .platform_version("1.4.0")
        .last_status("STOPPED")
        .stop_code(TaskStopCode::TaskFailedToStart)
        .stopped_reason("Task failed to start")
        .containers(
            Container::builder()
                .name("web")
                .image("111122223333.dkr.ecr.us-east-1.amazonaws.com/web:1.4.2")
                .reason("CannotPullContainerError: pull image manifest has been retried 5 time(s): dial tcp 52.216.8.10:443: i/o timeout")
                .build(),
        )
        .attachments(
            Attachment::builder()
                .r#type("ElasticNetworkInterface")
                .details(detail("subnetId", "subnet-0a"))
                .details(detail("networkInterfaceId", "eni-0a"))
                .details(detail("privateIPv4Address", "10.0.1.25"))
                .build(),
        )
        .build()
}

#[tokio::test]
async fn throttled_calls_are_retried_and_stop_codes_and_container_reasons_are_kept() {
    use aws_sdk_ecs::operation::describe_tasks::{DescribeTasksError, DescribeTasksOutput};
    let throttled = || {
        DescribeTasksError::generic(
            ErrorMetadata::builder()
                .code("ThrottlingException")
                .message("Rate exceeded")
                .build(),
        )
    };
    let describe = mock!(aws_sdk_ecs::Client::describe_tasks)
        .sequence()
        .error(throttled)
        .times(2)
        .output(|| DescribeTasksOutput::builder().tasks(stopped_task()).build())
        .build();
    let client = mock_client!(aws_sdk_ecs, RuleMode::Sequential, [&describe], fast_retries);
    let arns = vec!["arn:aws:ecs:us-east-1:111122223333:task/prod/abc".to_string()];
    let (tasks, missing) = ecs::describe_tasks(&client, &calls(), "prod", &arns, ecs::Role::Target)
        .await
        .unwrap();
    assert_eq!(
        describe.num_calls(),
        3,
        "two throttled attempts, then the answer"
    );
    assert!(missing.is_empty());
    let (task, eni) = &tasks[0];
    assert_eq!(eni.as_deref(), Some("eni-0a"));
    assert_eq!(task.stop_code.as_deref(), Some("TaskFailedToStart"));
    assert!(
        task.containers[0]
            .reason
            .as_deref()
            .unwrap()
            .contains("52.216.8.10")
    );
    let network = task.network.as_ref().unwrap();
    assert_eq!(
        (network.subnet_id.as_str(), network.private_ip),
        ("subnet-0a", Some("10.0.1.25".parse().unwrap()))
    );
    assert!(ecs::failed_to_start(task));
}

#[tokio::test]
async fn throttling_beyond_every_retry_is_one_line_fatal_error() {
    use aws_sdk_ecs::operation::describe_tasks::DescribeTasksError;
    let describe = mock!(aws_sdk_ecs::Client::describe_tasks)
        .sequence()
        .error(|| {
            DescribeTasksError::generic(
                ErrorMetadata::builder()
                    .code("ThrottlingException")
                    .message("Rate exceeded")
                    .build(),
            )
        })
        .repeatedly()
        .build();
    let client = mock_client!(aws_sdk_ecs, RuleMode::Sequential, [&describe], fast_retries);
    let arns = vec!["arn:aws:ecs:us-east-1:111122223333:task/prod/abc".to_string()];
    let error = ecs::describe_tasks(&client, &calls(), "prod", &arns, ecs::Role::Target)
        .await
        .unwrap_err()
        .to_string();
    assert_eq!(describe.num_calls(), 4);
    assert!(
        error.starts_with("ecs:DescribeTasks for prod was still throttled (ThrottlingException)"),
        "{error}"
    );
    assert!(!error.contains('\n'));
}

#[tokio::test]
async fn a_refused_call_becomes_a_gap_and_the_rest_is_still_read() {
    use aws_sdk_ec2::operation::describe_network_acls::DescribeNetworkAclsError;
    use aws_sdk_ec2::operation::describe_subnets::DescribeSubnetsOutput;
    use aws_sdk_ec2::operation::describe_vpcs::DescribeVpcsOutput;
    use aws_sdk_ec2::types::{Subnet, Vpc};
    let subnets = mock!(aws_sdk_ec2::Client::describe_subnets).then_output(|| {
        DescribeSubnetsOutput::builder()
            .subnets(
                Subnet::builder()
                    .subnet_id("subnet-0a")
                    .vpc_id("vpc-0a")
                    .availability_zone("us-east-1a")
                    .cidr_block("10.0.1.0/24")
                    .build(),
            )
            .build()
    });
    let vpcs = mock!(aws_sdk_ec2::Client::describe_vpcs).then_output(|| {
        DescribeVpcsOutput::builder()
            .vpcs(
                Vpc::builder()
                    .vpc_id("vpc-0a")
                    .cidr_block("10.0.0.0/16")
                    .build(),
            )
            .build()
    });
    let refused = mock!(aws_sdk_ec2::Client::describe_network_acls).then_error(|| {
        DescribeNetworkAclsError::generic(
            ErrorMetadata::builder()
                .code("UnauthorizedOperation")
                .message("You are not authorized to perform this operation.")
                .build(),
        )
    });
    // Everything else answers with an empty list.
    let empty = [
        mock!(aws_sdk_ec2::Client::describe_network_interfaces).then_output(|| aws_sdk_ec2::operation::describe_network_interfaces::DescribeNetworkInterfacesOutput::builder().build()),
        mock!(aws_sdk_ec2::Client::describe_vpc_attribute).then_output(|| aws_sdk_ec2::operation::describe_vpc_attribute::DescribeVpcAttributeOutput::builder().build()),
        mock!(aws_sdk_ec2::Client::describe_route_tables).then_output(|| aws_sdk_ec2::operation::describe_route_tables::DescribeRouteTablesOutput::builder().build()),
        mock!(aws_sdk_ec2::Client::describe_security_groups).then_output(|| aws_sdk_ec2::operation::describe_security_groups::DescribeSecurityGroupsOutput::builder().build()),
        mock!(aws_sdk_ec2::Client::describe_vpc_endpoints).then_output(|| aws_sdk_ec2::operation::describe_vpc_endpoints::DescribeVpcEndpointsOutput::builder().build()),
        mock!(aws_sdk_ec2::Client::describe_nat_gateways).then_output(|| aws_sdk_ec2::operation::describe_nat_gateways::DescribeNatGatewaysOutput::builder().build()),
        mock!(aws_sdk_ec2::Client::describe_internet_gateways).then_output(|| aws_sdk_ec2::operation::describe_internet_gateways::DescribeInternetGatewaysOutput::builder().build()),
        mock!(aws_sdk_ec2::Client::describe_managed_prefix_lists).then_output(|| aws_sdk_ec2::operation::describe_managed_prefix_lists::DescribeManagedPrefixListsOutput::builder().build()),
        mock!(aws_sdk_ec2::Client::describe_security_group_rules).then_output(|| aws_sdk_ec2::operation::describe_security_group_rules::DescribeSecurityGroupRulesOutput::builder().build()),
    ];
    let mut rules = vec![&subnets, &vpcs, &refused];
    rules.extend(empty.iter());
    let client = mock_client!(aws_sdk_ec2, RuleMode::MatchAny, rules);
    let calls = calls();
    let subnet_ids = BTreeSet::from(["subnet-0a".to_string()]);
    let placement = network::placement(&client, &calls, &subnet_ids, &BTreeSet::new())
        .await
        .unwrap();
    let no_rules = mock!(aws_sdk_route53resolver::Client::list_resolver_rule_associations)
        .then_output(|| aws_sdk_route53resolver::operation::list_resolver_rule_associations::ListResolverRuleAssociationsOutput::builder().build());
    let route53 = mock_client!(
        aws_sdk_route53,
        RuleMode::MatchAny,
        Vec::<&aws_smithy_mocks::Rule>::new()
    );
    let resolver = mock_client!(aws_sdk_route53resolver, RuleMode::MatchAny, [&no_rules]);
    let clients = network::NetworkClients {
        ec2: &client,
        route53: &route53,
        resolver: &resolver,
    };
    let scope = network::Scope {
        account_id: "111122223333",
        region: "us-east-1",
        dialled: &BTreeSet::new(),
    };
    let network = network::collect(&clients, &calls, &scope, placement)
        .await
        .unwrap();
    assert_eq!(network.vpcs.len(), 1);
    assert_eq!(network.subnets.len(), 1);
    assert!(network.network_acls.is_empty());
    let gaps = calls.take_gaps();
    assert_eq!(gaps.len(), 1, "{gaps:?}");
    assert_eq!(gaps[0].api, "ec2:DescribeNetworkAcls");
    assert_eq!(gaps[0].error_code, "UnauthorizedOperation");
    assert_eq!(refused.num_calls(), 1, "a refusal is not retried");
}

#[tokio::test]
async fn the_policy_simulator_is_asked_once_per_resource_and_its_refusal_is_only_a_note() {
    use aws_sdk_iam::operation::simulate_principal_policy::{
        SimulatePrincipalPolicyError, SimulatePrincipalPolicyOutput,
    };
    use aws_sdk_iam::types::{EvaluationResult, PolicyEvaluationDecisionType};
    let role = "arn:aws:iam::111122223333:role/ecsTaskExecutionRole";
    let repository = "arn:aws:ecr:us-east-1:111122223333:repository/web";
    let answer = mock!(aws_sdk_iam::Client::simulate_principal_policy)
        .match_requests(|request| request.resource_arns() == ["*".to_string()])
        .then_compute_output(|request| {
            let results = request
                .action_names()
                .iter()
                .map(|action| {
                    EvaluationResult::builder()
                        .eval_action_name(action)
                        .eval_resource_name("*")
                        .eval_decision(PolicyEvaluationDecisionType::ImplicitDeny)
                        .build()
                        .unwrap()
                })
                .collect();
            SimulatePrincipalPolicyOutput::builder()
                .set_evaluation_results(Some(results))
                .build()
        });
    let refused = mock!(aws_sdk_iam::Client::simulate_principal_policy).then_error(|| {
        SimulatePrincipalPolicyError::generic(
            ErrorMetadata::builder()
                .code("AccessDenied")
                .message("no")
                .build(),
        )
    });
    let client = mock_client!(aws_sdk_iam, RuleMode::MatchAny, [&answer, &refused]);
    let wanted: BTreeSet<(String, String)> = [
        ("ecr:GetAuthorizationToken", "*"),
        ("ecr:BatchGetImage", repository),
        ("ecr:GetDownloadUrlForLayer", repository),
    ]
    .into_iter()
    .map(|(action, resource)| (action.to_string(), resource.to_string()))
    .collect();
    let calls = calls();
    let simulation = identity::simulate(&client, &calls, role, &wanted).await;
    assert_eq!(
        answer.num_calls() + refused.num_calls(),
        2,
        "one call per resource"
    );
    assert_eq!(simulation.decisions.len(), 1);
    assert_eq!(simulation.decisions[0].decision, "implicitDeny");
    assert_eq!(
        simulation.unavailable.as_deref(),
        Some("was refused (AccessDenied)")
    );
    assert!(
        calls.take_gaps().is_empty(),
        "a cross-check refused is not a collection gap"
    );
}

#[tokio::test]
async fn a_deleted_repository_key_is_recorded_as_not_found_and_a_disabled_one_keeps_its_state() {
    use aws_sdk_kms::operation::describe_key::{DescribeKeyError, DescribeKeyOutput};
    use aws_sdk_kms::types::{KeyManagerType, KeyMetadata, KeyState};
    let deleted = "arn:aws:kms:us-east-1:111122223333:key/deleted";
    let disabled = "arn:aws:kms:us-east-1:111122223333:key/disabled";
    let gone = mock!(aws_sdk_kms::Client::describe_key)
        .match_requests(move |request| request.key_id() == Some(deleted))
        .then_error(|| {
            DescribeKeyError::generic(
                ErrorMetadata::builder()
                    .code("NotFoundException")
                    .message("Key does not exist")
                    .build(),
            )
        });
    let off = mock!(aws_sdk_kms::Client::describe_key)
        .match_requests(move |request| request.key_id() == Some(disabled))
        .then_output(move || {
            DescribeKeyOutput::builder()
                .key_metadata(
                    KeyMetadata::builder()
                        .key_id("disabled")
                        .arn(disabled)
                        .key_state(KeyState::Disabled)
                        .key_manager(KeyManagerType::Customer)
                        .build()
                        .unwrap(),
                )
                .build()
        });
    let client = mock_client!(aws_sdk_kms, RuleMode::MatchAny, [&gone, &off]);
    let calls = calls();
    let references = BTreeSet::from([deleted.to_string(), disabled.to_string()]);
    let found = keys::describe(&client, &calls, &references).await.unwrap();
    assert_eq!(found.len(), 1);
    let (reference, key) = &found[0];
    assert_eq!(reference, disabled);
    assert_eq!(
        (key.key_state.as_str(), key.key_manager.as_str()),
        ("Disabled", "CUSTOMER")
    );
    let gaps = calls.take_gaps();
    assert_eq!(gaps.len(), 1);
    assert_eq!(
        (
            gaps[0].api.as_str(),
            gaps[0].resource.as_deref(),
            gaps[0].error_code.as_str()
        ),
        ("kms:DescribeKey", Some(deleted), "NotFoundException")
    );
}

#[tokio::test]
async fn key_policies_are_parsed_and_a_refused_one_is_a_gap() {
    use aws_sdk_kms::operation::get_key_policy::{GetKeyPolicyError, GetKeyPolicyOutput};
    let readable = "arn:aws:kms:us-east-1:111122223333:key/readable";
    let guarded = "arn:aws:kms:us-east-1:111122223333:key/guarded";
    let policy = mock!(aws_sdk_kms::Client::get_key_policy)
        .match_requests(move |request| {
            request.key_id() == Some(readable) && request.policy_name() == Some("default")
        })
        .then_output(|| {
            GetKeyPolicyOutput::builder()
                .policy(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"}]}"#)
                .build()
        });
    let refused = mock!(aws_sdk_kms::Client::get_key_policy)
        .match_requests(move |request| request.key_id() == Some(guarded))
        .then_error(|| {
            GetKeyPolicyError::generic(
                ErrorMetadata::builder()
                    .code("AccessDeniedException")
                    .message("not authorized to perform kms:GetKeyPolicy")
                    .build(),
            )
        });
    let client = mock_client!(aws_sdk_kms, RuleMode::MatchAny, [&policy, &refused]);
    let calls = calls();
    let arns = BTreeSet::from([readable.to_string(), guarded.to_string()]);
    let found = keys::policies(&client, &calls, &arns).await.unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].0, readable);
    assert_eq!(
        found[0].1["Statement"][0]["Principal"]["AWS"],
        "arn:aws:iam::111122223333:root"
    );
    let gaps = calls.take_gaps();
    assert_eq!(
        gaps.iter()
            .map(|gap| (gap.api.as_str(), gap.resource.as_deref()))
            .collect::<Vec<_>>(),
        vec![("kms:GetKeyPolicy", Some(guarded))]
    );
}

#[tokio::test]
async fn container_instances_join_their_ec2_instance_and_profile_role() {
    use aws_sdk_ecs::types::ContainerInstance;
    use aws_sdk_iam::types::{InstanceProfile, Role};
    let cluster = "arn:aws:ecs:us-east-1:111122223333:cluster/prod";
    let profiled = "arn:aws:ecs:us-east-1:111122223333:container-instance/prod/aaa";
    let unreadable = "arn:aws:ecs:us-east-1:111122223333:container-instance/prod/bbb";
    let listed = mock!(aws_sdk_ecs::Client::list_container_instances).then_output(move || {
        aws_sdk_ecs::operation::list_container_instances::ListContainerInstancesOutput::builder()
            .container_instance_arns(profiled)
            .container_instance_arns(unreadable)
            .build()
    });
    let described = mock!(aws_sdk_ecs::Client::describe_container_instances)
        .match_requests(|request| request.container_instances().len() == 2)
        .then_output(move || {
            aws_sdk_ecs::operation::describe_container_instances::DescribeContainerInstancesOutput::builder()
                .container_instances(ContainerInstance::builder().container_instance_arn(profiled).ec2_instance_id("i-aaa").build())
                .container_instances(ContainerInstance::builder().container_instance_arn(unreadable).ec2_instance_id("i-bbb").build())
                .build()
        });
    let ecs_client = mock_client!(aws_sdk_ecs, RuleMode::MatchAny, [&listed, &described]);
    let instances = mock!(aws_sdk_ec2::Client::describe_instances).then_output(|| {
        use aws_sdk_ec2::types::{GroupIdentifier, IamInstanceProfile, Instance, Reservation};
        aws_sdk_ec2::operation::describe_instances::DescribeInstancesOutput::builder()
            .reservations(
                Reservation::builder()
                    .instances(
                        Instance::builder()
                            .instance_id("i-aaa")
                            .subnet_id("subnet-a")
                            .private_ip_address("10.0.1.50")
                            .security_groups(GroupIdentifier::builder().group_id("sg-instances").build())
                            .iam_instance_profile(
                                IamInstanceProfile::builder()
                                    .arn("arn:aws:iam::111122223333:instance-profile/ecsInstanceRole")
                                    .build(),
                            )
                            .build(),
                    )
                    .build(),
            )
            .build()
    });
    let ec2_client = mock_client!(aws_sdk_ec2, RuleMode::MatchAny, [&instances]);
    let profile = mock!(aws_sdk_iam::Client::get_instance_profile)
        .match_requests(|request| request.instance_profile_name() == Some("ecsInstanceRole"))
        .then_output(|| {
            aws_sdk_iam::operation::get_instance_profile::GetInstanceProfileOutput::builder()
                .instance_profile(
                    InstanceProfile::builder()
                        .path("/")
                        .instance_profile_name("ecsInstanceRole")
                        .instance_profile_id("AIPA")
                        .arn("arn:aws:iam::111122223333:instance-profile/ecsInstanceRole")
                        .create_date(aws_smithy_types::DateTime::from_secs(0))
                        .roles(
                            Role::builder()
                                .path("/")
                                .role_name("ecsInstanceRole")
                                .role_id("AROA")
                                .arn("arn:aws:iam::111122223333:role/ecsInstanceRole")
                                .create_date(aws_smithy_types::DateTime::from_secs(0))
                                .build()
                                .unwrap(),
                        )
                        .build()
                        .unwrap(),
                )
                .build()
        });
    let iam_client = mock_client!(aws_sdk_iam, RuleMode::MatchAny, [&profile]);
    let clients = super::instances::InstanceClients {
        ecs: &ecs_client,
        ec2: &ec2_client,
        iam: &iam_client,
    };
    let calls = calls();
    let found = super::instances::collect(&clients, &calls, cluster, &BTreeSet::new(), true)
        .await
        .unwrap();
    assert_eq!(found.len(), 2);
    let first = &found[0];
    assert_eq!(first.cluster_arn, cluster);
    let network = first.network.as_ref().unwrap();
    assert_eq!(
        (
            network.subnet_id.as_str(),
            network.security_group_ids.clone()
        ),
        ("subnet-a", vec!["sg-instances".to_string()])
    );
    assert_eq!(network.private_ip, Some("10.0.1.50".parse().unwrap()));
    assert_eq!(
        first.role_arn.as_deref(),
        Some("arn:aws:iam::111122223333:role/ecsInstanceRole")
    );
    // i-bbb was not in DescribeInstances' answer: its network stays unknown (PC904 names it).
    assert_eq!(found[1].ec2_instance_id, "i-bbb");
    assert!(found[1].network.is_none());
    assert!(calls.take_gaps().is_empty());
}

/// Ten attempts in all, with the interceptor that gives server errors three.
fn budgeted_retries(builder: aws_sdk_ecs::config::Builder) -> aws_sdk_ecs::config::Builder {
    builder
        .retry_config(
            aws_config::retry::RetryConfig::standard()
                .with_max_attempts(10)
                .with_initial_backoff(Duration::from_millis(1)),
        )
        .interceptor(super::client::ServerErrorBudget)
}

fn task_definition_error(
    code: &'static str,
) -> impl Fn() -> aws_sdk_ecs::operation::describe_task_definition::DescribeTaskDefinitionError {
    move || {
        aws_sdk_ecs::operation::describe_task_definition::DescribeTaskDefinitionError::generic(
            ErrorMetadata::builder()
                .code(code)
                .message("injected")
                .build(),
        )
    }
}

/// Every failure of a call that does not name the target is a gap with AWS's code, never an
/// error: refused, unknown operation, a 4xx the tool does not expect, a server error, throttling
/// beyond every retry.
#[tokio::test]
async fn every_kind_of_failure_of_a_context_call_is_a_gap() {
    for code in [
        "AccessDeniedException",
        "UnknownOperationException",
        "ValidationException",
        "InternalFailure",
        "ThrottlingException",
    ] {
        let refused = mock!(aws_sdk_ecs::Client::describe_task_definition)
            .sequence()
            .error(task_definition_error(code))
            .repeatedly()
            .build();
        let client = mock_client!(
            aws_sdk_ecs,
            RuleMode::Sequential,
            [&refused],
            budgeted_retries
        );
        let calls = calls();
        let arns =
            BTreeSet::from(
                ["arn:aws:ecs:us-east-1:111122223333:task-definition/web:7".to_string()],
            );
        let definitions = ecs::task_definitions(&client, &calls, &arns).await.unwrap();
        assert!(definitions.is_empty());
        let gaps = calls.take_gaps();
        assert_eq!(gaps.len(), 1, "{code}: {gaps:?}");
        assert_eq!(gaps[0].api, "ecs:DescribeTaskDefinition");
        assert_eq!(gaps[0].error_code, code);
        assert_eq!(
            gaps[0].resource.as_deref(),
            arns.first().map(String::as_str)
        );
    }
}

/// A server error is retried three times in all, throttling up to the configured ten.
#[tokio::test]
async fn server_errors_get_a_short_retry_budget_and_throttling_the_full_one() {
    let arns =
        BTreeSet::from(["arn:aws:ecs:us-east-1:111122223333:task-definition/web:7".to_string()]);
    for (status, code) in [(500, "InternalFailure"), (503, "ServiceUnavailable")] {
        let body = format!(r#"{{"__type":"{code}","message":"injected"}}"#);
        let failing = mock!(aws_sdk_ecs::Client::describe_task_definition)
            .sequence()
            .http_status(status, Some(body))
            .repeatedly()
            .build();
        let client = mock_client!(
            aws_sdk_ecs,
            RuleMode::Sequential,
            [&failing],
            budgeted_retries
        );
        let calls = calls();
        ecs::task_definitions(&client, &calls, &arns).await.unwrap();
        assert_eq!(
            failing.num_calls(),
            super::client::SERVER_ERROR_ATTEMPTS as usize,
            "{code}"
        );
        assert_eq!(calls.take_gaps()[0].error_code, code);
    }
    let throttled = mock!(aws_sdk_ecs::Client::describe_task_definition)
        .sequence()
        .error(task_definition_error("ThrottlingException"))
        .repeatedly()
        .build();
    let client = mock_client!(
        aws_sdk_ecs,
        RuleMode::Sequential,
        [&throttled],
        budgeted_retries
    );
    let calls = calls();
    ecs::task_definitions(&client, &calls, &arns).await.unwrap();
    assert_eq!(throttled.num_calls(), 10);
    assert_eq!(calls.take_gaps()[0].error_code, "ThrottlingException");
}

/// Calls still pending when the run's deadline passes become gaps named `DeadlineExceeded`.
#[tokio::test]
async fn calls_pending_at_the_deadline_become_gaps() {
    let calls = Calls::new(
        8,
        Progress::hidden(),
        Some(tokio::time::Instant::now() + Duration::from_millis(50)),
    );
    let slow = async {
        tokio::time::sleep(Duration::from_secs(30)).await;
        Ok::<
            (),
            aws_sdk_ecs::error::SdkError<
                aws_sdk_ecs::operation::describe_task_definition::DescribeTaskDefinitionError,
                aws_smithy_runtime_api::client::orchestrator::HttpResponse,
            >,
        >(())
    };
    let started = std::time::Instant::now();
    let outcome = calls
        .run("ecs:DescribeTaskDefinition", Some("web:7"), &[], slow)
        .await
        .unwrap();
    assert!(matches!(outcome, super::call::Outcome::Gap));
    assert!(started.elapsed() < Duration::from_secs(5));
    let gaps = calls.take_gaps();
    assert_eq!(gaps[0].error_code, "DeadlineExceeded");
}

/// `ecr:GetLifecyclePolicy`: a policy is parsed onto the repository, "no policy" is an answer
/// (no gap), any other failure a gap about the repository.
#[tokio::test]
async fn a_repositorys_lifecycle_policy_is_read_and_its_failure_is_a_gap() {
    use aws_sdk_ecr::operation::get_lifecycle_policy::{
        GetLifecyclePolicyError, GetLifecyclePolicyOutput,
    };
    use aws_sdk_ecr::operation::get_repository_policy::GetRepositoryPolicyError;
    use aws_sdk_ecr::types::Repository;
    const ARN: &str = "arn:aws:ecr:us-east-1:111122223333:repository/web";
    let lifecycle_error = |code: &'static str| {
        move || {
            GetLifecyclePolicyError::generic(
                ErrorMetadata::builder()
                    .code(code)
                    .message("injected")
                    .build(),
            )
        }
    };
    let text = r#"{"rules":[{"rulePriority":1,"selection":{"tagStatus":"untagged","countType":"sinceImagePushed","countUnit":"days","countNumber":7},"action":{"type":"expire"}}]}"#;
    for (answer, policy, gap) in [
        (Ok(text), true, None),
        (Err("LifecyclePolicyNotFoundException"), false, None),
        (
            Err("AccessDeniedException"),
            false,
            Some("AccessDeniedException"),
        ),
    ] {
        let described = mock!(aws_sdk_ecr::Client::describe_repositories).then_output(|| {
            aws_sdk_ecr::operation::describe_repositories::DescribeRepositoriesOutput::builder()
                .repositories(
                    Repository::builder()
                        .repository_arn(ARN)
                        .repository_name("web")
                        .repository_uri("111122223333.dkr.ecr.us-east-1.amazonaws.com/web")
                        .build(),
                )
                .build()
        });
        let no_policy = mock!(aws_sdk_ecr::Client::get_repository_policy).then_error(|| {
            GetRepositoryPolicyError::generic(
                ErrorMetadata::builder()
                    .code("RepositoryPolicyNotFoundException")
                    .build(),
            )
        });
        let images = mock!(aws_sdk_ecr::Client::describe_images).then_output(|| {
            aws_sdk_ecr::operation::describe_images::DescribeImagesOutput::builder().build()
        });
        let manifests = mock!(aws_sdk_ecr::Client::batch_get_image).then_output(|| {
            aws_sdk_ecr::operation::batch_get_image::BatchGetImageOutput::builder().build()
        });
        let lifecycle = match answer {
            Ok(text) => mock!(aws_sdk_ecr::Client::get_lifecycle_policy).then_output(move || {
                GetLifecyclePolicyOutput::builder()
                    .lifecycle_policy_text(text)
                    .build()
            }),
            Err(code) => {
                mock!(aws_sdk_ecr::Client::get_lifecycle_policy).then_error(lifecycle_error(code))
            }
        };
        let client = mock_client!(
            aws_sdk_ecr,
            RuleMode::MatchAny,
            [&described, &no_policy, &images, &manifests, &lifecycle]
        );
        let calls = calls();
        let images =
            BTreeSet::from(["111122223333.dkr.ecr.us-east-1.amazonaws.com/web:1.4.2".to_string()]);
        let repositories = super::registry::repositories(
            &client,
            &Default::default(),
            &calls,
            &Default::default(),
            "us-east-1",
            "111122223333",
            &images,
        )
        .await
        .unwrap();
        assert_eq!(repositories.len(), 1);
        assert_eq!(
            repositories[0].lifecycle_policy.is_some(),
            policy,
            "{answer:?}"
        );
        if policy {
            assert_eq!(
                repositories[0].lifecycle_policy.as_ref().unwrap()["rules"][0]["rulePriority"],
                1
            );
        }
        let gaps: Vec<_> = calls
            .take_gaps()
            .into_iter()
            .filter(|gap| gap.api == "ecr:GetLifecyclePolicy")
            .collect();
        assert_eq!(
            gaps.first().map(|gap| gap.error_code.as_str()),
            gap,
            "{answer:?}"
        );
        if gap.is_some() {
            assert_eq!(gaps[0].resource.as_deref(), Some(ARN));
        }
    }
}

/// A successful answer with an empty body is no answer (the SDK would read an empty list): it is
/// an `InvalidResponse` gap, at once.
#[tokio::test]
async fn an_empty_answer_is_a_gap_not_an_empty_list() {
    let empty = mock!(aws_sdk_ecs::Client::describe_task_definition)
        .sequence()
        .http_status(200, Some(String::new()))
        .repeatedly()
        .build();
    let client = mock_client!(
        aws_sdk_ecs,
        RuleMode::Sequential,
        [&empty],
        budgeted_retries
    );
    let calls = calls();
    let arns =
        BTreeSet::from(["arn:aws:ecs:us-east-1:111122223333:task-definition/web:7".to_string()]);
    assert!(
        ecs::task_definitions(&client, &calls, &arns)
            .await
            .unwrap()
            .is_empty()
    );
    let gaps = calls.take_gaps();
    assert_eq!(gaps.len(), 1, "{gaps:?}");
    assert_eq!(gaps[0].error_code, "InvalidResponse");
    assert_eq!(empty.num_calls(), 1);
}

/// A scripted answer to the GET of attempt N (from 1): a status and a body, or a network error.
type BlobAnswer = fn(usize) -> Result<(u16, Vec<u8>), &'static str>;

/// A scripted HTTP server for config blob GETs: each request gets `answer(attempt)`, and the
/// requested URLs are kept.
#[derive(Debug, Clone)]
struct BlobServer {
    answer: BlobAnswer,
    requests: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl BlobServer {
    fn new(answer: BlobAnswer) -> BlobServer {
        BlobServer {
            answer,
            requests: Default::default(),
        }
    }

    fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }
}

impl aws_smithy_runtime_api::client::http::HttpConnector for BlobServer {
    fn call(
        &self,
        request: aws_smithy_runtime_api::client::orchestrator::HttpRequest,
    ) -> aws_smithy_runtime_api::client::http::HttpConnectorFuture {
        use aws_smithy_runtime_api::client::http::HttpConnectorFuture;
        use aws_smithy_runtime_api::client::result::ConnectorError;
        let attempt = {
            let mut requests = self.requests.lock().unwrap();
            requests.push(request.uri().to_string());
            requests.len()
        };
        HttpConnectorFuture::ready(match (self.answer)(attempt) {
            Ok((status, body)) => Ok(aws_smithy_runtime_api::http::Response::new(
                status.try_into().unwrap(),
                aws_smithy_types::body::SdkBody::from(body),
            )),
            Err(error) => Err(ConnectorError::io(error.into())),
        })
    }
}

const ARM64_CONFIG: &str = r#"{"architecture":"arm64","variant":"v8","os":"linux","config":{"Entrypoint":["/app/server"]},"rootfs":{"type":"layers","diff_ids":["sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef"]}}"#;
const PRESIGNED: &str = "https://prod-us-east-1-starport-layer-bucket.s3.us-east-1.amazonaws.com/e8a5-111122223333-1c2f/sha256:cfg?X-Amz-Security-Token=FwoCanaryToken&X-Amz-Signature=canarysignature";

fn sha256(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    let hex: String = Sha256::digest(bytes)
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect();
    format!("sha256:{hex}")
}

fn single_manifest(config: &str) -> String {
    format!(
        r#"{{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json","config":{{"mediaType":"application/vnd.docker.container.image.v1+json","size":{},"digest":"{config}"}},"layers":[{{"mediaType":"application/vnd.docker.image.rootfs.diff.tar.gzip","size":1000,"digest":"sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef"}}]}}"#,
        ARM64_CONFIG.len()
    )
}

/// What `registry::repositories` made of repository `web`, whose tags `1.4.2` and `stable` are one
/// single-architecture image, `multi` a manifest list and `unused` an image no target names;
/// `download` is the scripted `GetDownloadUrlForLayer`.
async fn read_web(
    download: aws_smithy_mocks::Rule,
    blobs: &super::blob::ConfigBlobs,
    calls: &Calls,
) -> ecr_pathcheck_checks::snapshot::EcrRepository {
    use aws_sdk_ecr::operation::batch_get_image::BatchGetImageOutput;
    use aws_sdk_ecr::operation::describe_images::DescribeImagesOutput;
    use aws_sdk_ecr::operation::describe_repositories::DescribeRepositoriesOutput;
    use aws_sdk_ecr::operation::get_lifecycle_policy::GetLifecyclePolicyError;
    use aws_sdk_ecr::operation::get_repository_policy::GetRepositoryPolicyError;
    use aws_sdk_ecr::types::{Image, ImageDetail, ImageIdentifier, Repository};
    const SINGLE: &str = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
    const MULTI: &str = "sha256:2222222222222222222222222222222222222222222222222222222222222222";
    const UNUSED: &str = "sha256:3333333333333333333333333333333333333333333333333333333333333333";
    let described = mock!(aws_sdk_ecr::Client::describe_repositories).then_output(|| {
        DescribeRepositoriesOutput::builder()
            .repositories(
                Repository::builder()
                    .repository_arn("arn:aws:ecr:us-east-1:111122223333:repository/web")
                    .repository_name("web")
                    .repository_uri("111122223333.dkr.ecr.us-east-1.amazonaws.com/web")
                    .build(),
            )
            .build()
    });
    let no_policy = mock!(aws_sdk_ecr::Client::get_repository_policy).then_error(|| {
        GetRepositoryPolicyError::generic(
            ErrorMetadata::builder()
                .code("RepositoryPolicyNotFoundException")
                .build(),
        )
    });
    let no_lifecycle = mock!(aws_sdk_ecr::Client::get_lifecycle_policy).then_error(|| {
        GetLifecyclePolicyError::generic(
            ErrorMetadata::builder()
                .code("LifecyclePolicyNotFoundException")
                .build(),
        )
    });
    let images = mock!(aws_sdk_ecr::Client::describe_images).then_output(|| {
        let image = |digest: &str, tags: &[&str]| {
            ImageDetail::builder()
                .image_digest(digest)
                .set_image_tags(Some(tags.iter().map(|tag| tag.to_string()).collect()))
                .build()
        };
        DescribeImagesOutput::builder()
            .image_details(image(SINGLE, &["1.4.2", "stable"]))
            .image_details(image(MULTI, &["multi"]))
            .image_details(image(UNUSED, &["unused"]))
            .build()
    });
    let manifests = mock!(aws_sdk_ecr::Client::batch_get_image).then_compute_output(|request| {
        let tag = request.image_ids()[0].image_tag().unwrap_or_default();
        let (digest, manifest) = match tag {
            "1.4.2" | "stable" => (SINGLE, single_manifest(&sha256(ARM64_CONFIG.as_bytes()))),
            "multi" => (
                MULTI,
                r#"{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.list.v2+json","manifests":[{"digest":"sha256:a","platform":{"os":"linux","architecture":"amd64"}}]}"#.to_string(),
            ),
            other => panic!("the manifest of {other} was read"),
        };
        BatchGetImageOutput::builder()
            .images(
                Image::builder()
                    .image_id(ImageIdentifier::builder().image_digest(digest).image_tag(tag).build())
                    .image_manifest(manifest)
                    .build(),
            )
            .build()
    });
    let client = mock_client!(
        aws_sdk_ecr,
        RuleMode::MatchAny,
        [
            &described,
            &no_policy,
            &no_lifecycle,
            &images,
            &manifests,
            &download
        ]
    );
    let wanted = BTreeSet::from(
        ["1.4.2", "stable", "multi"]
            .map(|tag| format!("111122223333.dkr.ecr.us-east-1.amazonaws.com/web:{tag}")),
    );
    let mut repositories = super::registry::repositories(
        &client,
        &Default::default(),
        calls,
        blobs,
        "us-east-1",
        "111122223333",
        &wanted,
    )
    .await
    .unwrap();
    assert_eq!(repositories.len(), 1);
    assert_eq!(manifests.num_calls(), 3, "only the tags the targets name");
    let mut repository = repositories.remove(0);
    repository.images.sort_by(|a, b| a.digest.cmp(&b.digest));
    assert_eq!(repository.images[1].platforms, ["linux/amd64"]);
    assert_eq!(repository.images[1].config_platform, None, "a list");
    assert_eq!(repository.images[2].config_platform, None, "unused");
    repository
}

fn download_url() -> aws_smithy_mocks::Rule {
    mock!(aws_sdk_ecr::Client::get_download_url_for_layer)
        .match_requests(|request| {
            request.layer_digest() == Some(sha256(ARM64_CONFIG.as_bytes()).as_str())
                && request.repository_name() == Some("web")
                && request.registry_id() == Some("111122223333")
        })
        .then_output(|| {
            aws_sdk_ecr::operation::get_download_url_for_layer::GetDownloadUrlForLayerOutput::builder()
                .download_url(PRESIGNED)
                .layer_digest(sha256(ARM64_CONFIG.as_bytes()))
                .build()
        })
}

/// A single-architecture image's platform comes from its config blob: the manifest's config
/// digest, `GetDownloadUrlForLayer`, one GET of the URL, once for two tags of the same image,
/// and not for a manifest list or an image no target names.
#[tokio::test]
async fn a_single_architecture_images_platform_is_read_from_its_config_blob() {
    let server = BlobServer::new(|_| Ok((200, ARM64_CONFIG.as_bytes().to_vec())));
    let blobs = super::blob::ConfigBlobs::with_connector(server.clone());
    let calls = calls();
    let download = download_url();
    let repository = read_web(download.clone(), &blobs, &calls).await;
    assert_eq!(
        repository.images[0].config_platform.as_deref(),
        Some("linux/arm64/v8")
    );
    assert!(repository.images[0].platforms.is_empty());
    assert_eq!(download.num_calls(), 1, "one config, two tags");
    assert_eq!(server.requests(), [PRESIGNED]);
    assert_eq!(calls.take_gaps(), []);
}

/// Every way the config read fails is a gap named `ecr:GetDownloadUrlForLayer` about the
/// repository, with the platform left unrecorded, and never the URL's signature in a message.
#[tokio::test]
async fn every_failure_of_the_config_read_is_a_gap_about_the_repository() {
    use aws_sdk_ecr::operation::get_download_url_for_layer::GetDownloadUrlForLayerError;
    const ARN: &str = "arn:aws:ecr:us-east-1:111122223333:repository/web";
    let refused = |code: &'static str| {
        mock!(aws_sdk_ecr::Client::get_download_url_for_layer).then_error(move || {
            GetDownloadUrlForLayerError::generic(
                ErrorMetadata::builder()
                    .code(code)
                    .message("User: arn:aws:iam::111122223333:user/oncall is not authorized to perform: ecr:GetDownloadUrlForLayer")
                    .build(),
            )
        })
    };
    let cases: Vec<(&str, aws_smithy_mocks::Rule, BlobAnswer, &str, usize)> = vec![
        (
            "refused",
            refused("AccessDeniedException"),
            |_| Ok((200, ARM64_CONFIG.as_bytes().to_vec())),
            "AccessDeniedException",
            0,
        ),
        (
            "unknown operation",
            refused("UnknownOperationException"),
            |_| Ok((200, ARM64_CONFIG.as_bytes().to_vec())),
            "UnknownOperationException",
            0,
        ),
        (
            "blob missing",
            refused("LayersNotFoundException"),
            |_| Ok((200, ARM64_CONFIG.as_bytes().to_vec())),
            "LayersNotFoundException",
            0,
        ),
        (
            "S3 refuses",
            download_url(),
            |_| {
                Ok((403, b"<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>".to_vec()))
            },
            "HTTP 403",
            1,
        ),
        (
            "S3 fails on every attempt",
            download_url(),
            |_| Ok((500, b"<Error><Code>InternalError</Code></Error>".to_vec())),
            "HTTP 500",
            3,
        ),
        (
            "unreachable",
            download_url(),
            |_| Err("connection refused"),
            "Unreachable",
            3,
        ),
        (
            "not JSON",
            download_url(),
            |_| Ok((200, b"<html>captive portal</html>".to_vec())),
            "InvalidResponse",
            1,
        ),
        (
            "another blob",
            download_url(),
            |_| Ok((200, br#"{"architecture":"amd64","os":"linux"}"#.to_vec())),
            "InvalidResponse",
            1,
        ),
        (
            "too large",
            download_url(),
            |_| Ok((200, vec![b' '; super::blob::MAX_CONFIG_BYTES + 1])),
            "InvalidResponse",
            1,
        ),
    ];
    for (case, download, answer, code, gets) in cases {
        let server = BlobServer::new(answer);
        let blobs = super::blob::ConfigBlobs::with_connector(server.clone());
        let calls = calls();
        let repository = read_web(download, &blobs, &calls).await;
        assert_eq!(repository.images[0].config_platform, None, "{case}");
        assert_eq!(server.requests().len(), gets, "{case}: GETs");
        let gaps = calls.take_gaps();
        assert_eq!(gaps.len(), 1, "{case}: {gaps:?}");
        assert_eq!(gaps[0].api, "ecr:GetDownloadUrlForLayer", "{case}");
        assert_eq!(gaps[0].resource.as_deref(), Some(ARN), "{case}");
        assert_eq!(gaps[0].error_code, code, "{case}: {}", gaps[0].message);
        assert!(
            !gaps[0].message.contains("Canary") && !gaps[0].message.contains("canary"),
            "{case}: {}",
            gaps[0].message
        );
    }
}

/// A server error that clears on a later attempt is read; the run's deadline bounds the GET too.
#[tokio::test]
async fn a_config_get_is_retried_after_a_server_error_and_bounded_by_the_deadline() {
    let server = BlobServer::new(|attempt| {
        if attempt == 1 {
            Ok((503, Vec::new()))
        } else {
            Ok((200, ARM64_CONFIG.as_bytes().to_vec()))
        }
    });
    let blobs = super::blob::ConfigBlobs::with_connector(server.clone());
    let calls = calls();
    let repository = read_web(download_url(), &blobs, &calls).await;
    assert_eq!(
        repository.images[0].config_platform.as_deref(),
        Some("linux/arm64/v8")
    );
    assert_eq!(server.requests().len(), 2);
    assert_eq!(calls.take_gaps(), []);

    let calls = Calls::new(8, Progress::hidden(), Some(tokio::time::Instant::now()));
    let pending = calls
        .fetch(
            "ecr:GetDownloadUrlForLayer",
            Some("arn:aws:ecr:us-east-1:111122223333:repository/web"),
            async {
                tokio::time::sleep(Duration::from_secs(30)).await;
                Ok::<(), (String, String)>(())
            },
        )
        .await;
    assert_eq!(pending, None);
    assert_eq!(calls.take_gaps()[0].error_code, "DeadlineExceeded");
}

/// Landing zones (issue 11): private hosted zones, Resolver rules, a transit gateway to a hub,
/// peering and a NAT instance, against scripted EC2, Route 53 and Resolver clients that answer
/// by the request's filters, as the services do.
mod landing_zone {
    use std::collections::{BTreeMap, BTreeSet};

    use aws_sdk_ec2::error::ErrorMetadata;
    use aws_sdk_ec2::types as ec2;
    use aws_smithy_mocks::{MockResponse, Rule, RuleMode, mock, mock_client};
    use ecr_pathcheck_checks::snapshot::{EndpointType, ResolverRuleType, RouteState};

    use super::calls;
    use crate::collect::call::Calls;
    use crate::collect::network::{self, Dialled, Network, NetworkClients, Placement, Scope};

    const ACCOUNT: &str = "111122223333";
    const REGION: &str = "us-east-1";

    fn denied(code: &str) -> ErrorMetadata {
        ErrorMetadata::builder()
            .code(code)
            .message("You are not authorized to perform this operation.")
            .build()
    }

    /// Every value of the filters named `name`.
    fn values(filters: &[ec2::Filter], name: &str) -> Vec<String> {
        filters
            .iter()
            .filter(|filter| filter.name() == Some(name))
            .flat_map(|filter| filter.values().iter().cloned())
            .collect()
    }

    /// A rule answering `$output` (computed from the request), or refusing with `$code` when
    /// `$refuse` names `$api`.
    macro_rules! answer {
        ($refuse:expr, $api:literal, $code:literal, $op:expr, $error:ty, |$request:ident| $output:expr) => {{
            let refused = $refuse == Some($api);
            mock!($op).then_compute_response(move |$request| {
                if refused {
                    MockResponse::Error(<$error>::generic(denied($code)))
                } else {
                    MockResponse::Output($output)
                }
            })
        }};
    }

    /// A spoke VPC routed to a hub over a transit gateway, to a peer over peering, and to a NAT
    /// instance (by instance and by interface); or, `landing_zone` off, the spoke alone with its
    /// own endpoints for every name (the single-VPC account).
    #[derive(Clone, Copy)]
    struct World {
        landing_zone: bool,
        refuse: Option<&'static str>,
    }

    fn vpc_of(id: &str) -> &'static str {
        match id {
            id if id.contains("hub") => "vpc-hub",
            id if id.contains("peer") => "vpc-peer",
            _ => "vpc-spoke",
        }
    }

    fn subnets(world: World) -> Vec<ec2::Subnet> {
        let subnet = |id: &str, cidr: &str| {
            ec2::Subnet::builder()
                .subnet_id(id)
                .vpc_id(vpc_of(id))
                .availability_zone("us-east-1a")
                .cidr_block(cidr)
                .build()
        };
        let mut all = vec![
            subnet("subnet-app", "10.0.1.0/24"),
            subnet("subnet-nat", "10.0.9.0/24"),
        ];
        if world.landing_zone {
            all.push(subnet("subnet-hub", "10.1.1.0/24"));
            all.push(subnet("subnet-peer", "10.2.1.0/24"));
        }
        all
    }

    fn route(destination: &str, target: &str) -> ec2::Route {
        let builder = ec2::Route::builder()
            .destination_cidr_block(destination)
            .state(ec2::RouteState::Active);
        match target.split_once('-').map(|(kind, _)| kind) {
            Some("tgw") => builder.transit_gateway_id(target),
            Some("pcx") => builder.vpc_peering_connection_id(target),
            Some("eni") => builder.network_interface_id(target),
            Some("i") => builder.instance_id(target),
            Some("vpce") => builder.gateway_id(target),
            _ => builder.gateway_id(target),
        }
        .build()
    }

    fn route_tables(world: World) -> Vec<ec2::RouteTable> {
        let table = |id: &str, vpc: &str, subnet: Option<&str>, routes: Vec<ec2::Route>| {
            ec2::RouteTable::builder()
                .route_table_id(id)
                .vpc_id(vpc)
                .associations(match subnet {
                    Some(subnet) => ec2::RouteTableAssociation::builder()
                        .subnet_id(subnet)
                        .build(),
                    None => ec2::RouteTableAssociation::builder().main(true).build(),
                })
                .set_routes(Some(routes))
                .build()
        };
        if !world.landing_zone {
            return vec![table(
                "rtb-app",
                "vpc-spoke",
                Some("subnet-app"),
                vec![route("10.0.0.0/16", "local")],
            )];
        }
        vec![
            table(
                "rtb-app",
                "vpc-spoke",
                Some("subnet-app"),
                vec![
                    route("10.0.0.0/16", "local"),
                    route("0.0.0.0/0", "tgw-1"),
                    route("10.2.0.0/16", "pcx-1"),
                    route("10.3.0.0/16", "eni-nat"),
                    route("10.4.0.0/16", "i-nat"),
                ],
            ),
            table(
                "rtb-hub",
                "vpc-hub",
                None,
                vec![route("10.1.0.0/16", "local"), route("10.0.0.0/16", "tgw-1")],
            ),
            table(
                "rtb-peer",
                "vpc-peer",
                None,
                vec![route("10.2.0.0/16", "local"), route("10.0.0.0/16", "pcx-1")],
            ),
        ]
    }

    fn endpoints(world: World) -> Vec<ec2::VpcEndpoint> {
        let endpoint = |id: &str, service: &str, kind: ec2::VpcEndpointType, dns: bool| {
            ec2::VpcEndpoint::builder()
                .vpc_endpoint_id(id)
                .vpc_id(vpc_of(id))
                .service_name(format!("com.amazonaws.{REGION}.{service}"))
                .vpc_endpoint_type(kind)
                .state(ec2::State::Available)
                .private_dns_enabled(dns)
        };
        if !world.landing_zone {
            return ["ecr.api", "ecr.dkr"]
                .iter()
                .map(|service| {
                    endpoint(
                        &format!("vpce-{}", service.replace('.', "")),
                        service,
                        ec2::VpcEndpointType::Interface,
                        true,
                    )
                    .build()
                })
                .chain([endpoint("vpce-s3", "s3", ec2::VpcEndpointType::Gateway, false).build()])
                .collect();
        }
        vec![
            endpoint(
                "vpce-hubapi",
                "ecr.api",
                ec2::VpcEndpointType::Interface,
                false,
            )
            .subnet_ids("subnet-hub")
            .network_interface_ids("eni-hubapi")
            .groups(
                ec2::SecurityGroupIdentifier::builder()
                    .group_id("sg-hub")
                    .build(),
            )
            .dns_entries(
                ec2::DnsEntry::builder()
                    .dns_name("vpce-hubapi-abc.api.ecr.us-east-1.vpce.amazonaws.com")
                    .build(),
            )
            .build(),
        ]
    }

    fn interfaces() -> Vec<ec2::NetworkInterface> {
        vec![
            ec2::NetworkInterface::builder()
                .network_interface_id("eni-hubapi")
                .subnet_id("subnet-hub")
                .availability_zone("us-east-1a")
                .private_ip_address("10.1.1.10")
                .build(),
            ec2::NetworkInterface::builder()
                .network_interface_id("eni-nat")
                .subnet_id("subnet-nat")
                .availability_zone("us-east-1a")
                .private_ip_address("10.0.9.10")
                .attachment(
                    ec2::NetworkInterfaceAttachment::builder()
                        .instance_id("i-nat")
                        .build(),
                )
                .build(),
        ]
    }

    fn attachment(id: &str, vpc: &str, owner: &str, table: &str) -> ec2::TransitGatewayAttachment {
        ec2::TransitGatewayAttachment::builder()
            .transit_gateway_attachment_id(id)
            .transit_gateway_id("tgw-1")
            .resource_type(ec2::TransitGatewayAttachmentResourceType::Vpc)
            .resource_id(vpc)
            .resource_owner_id(owner)
            .state(ec2::TransitGatewayAttachmentState::Available)
            .association(
                ec2::TransitGatewayAttachmentAssociation::builder()
                    .transit_gateway_route_table_id(table)
                    .state(ec2::TransitGatewayAssociationState::Associated)
                    .build(),
            )
            .build()
    }

    fn tgw_routes(table: &str) -> Vec<ec2::TransitGatewayRoute> {
        let route = |destination: &str, to: Option<&str>, kind: ec2::TransitGatewayRouteType| {
            let builder = ec2::TransitGatewayRoute::builder()
                .destination_cidr_block(destination)
                .r#type(kind);
            match to {
                Some(attachment) => builder
                    .state(ec2::TransitGatewayRouteState::Active)
                    .transit_gateway_attachments(
                        ec2::TransitGatewayRouteAttachment::builder()
                            .transit_gateway_attachment_id(attachment)
                            .build(),
                    ),
                None => builder.state(ec2::TransitGatewayRouteState::Blackhole),
            }
            .build()
        };
        match table {
            "tgw-rtb-spoke" => vec![
                route(
                    "10.1.0.0/16",
                    Some("tgw-attach-hub"),
                    ec2::TransitGatewayRouteType::Propagated,
                ),
                route(
                    "10.5.0.0/16",
                    Some("tgw-attach-other"),
                    ec2::TransitGatewayRouteType::Static,
                ),
                route("10.9.0.0/16", None, ec2::TransitGatewayRouteType::Static),
            ],
            "tgw-rtb-hub" => vec![route(
                "10.0.0.0/16",
                Some("tgw-attach-spoke"),
                ec2::TransitGatewayRouteType::Propagated,
            )],
            _ => Vec::new(),
        }
    }

    fn ec2_rules(world: World) -> Vec<Rule> {
        use aws_sdk_ec2::operation::*;
        let refuse = world.refuse;
        let in_vpcs = |filters: &[ec2::Filter], vpc: &str| {
            let wanted = values(filters, "vpc-id");
            wanted.iter().any(|id| id == vpc)
        };
        vec![
            answer!(
                refuse,
                "ec2:DescribeSubnets",
                "UnauthorizedOperation",
                aws_sdk_ec2::Client::describe_subnets,
                describe_subnets::DescribeSubnetsError,
                |request| {
                    let (ids, vpcs) = (
                        values(request.filters(), "subnet-id"),
                        values(request.filters(), "vpc-id"),
                    );
                    describe_subnets::DescribeSubnetsOutput::builder()
                        .set_subnets(Some(
                            subnets(world)
                                .into_iter()
                                .filter(|s| {
                                    ids.iter().any(|id| Some(id.as_str()) == s.subnet_id())
                                        || vpcs.iter().any(|vpc| Some(vpc.as_str()) == s.vpc_id())
                                })
                                .collect(),
                        ))
                        .build()
                }
            ),
            answer!(
                refuse,
                "ec2:DescribeNetworkInterfaces",
                "UnauthorizedOperation",
                aws_sdk_ec2::Client::describe_network_interfaces,
                describe_network_interfaces::DescribeNetworkInterfacesError,
                |request| {
                    let ids = values(request.filters(), "network-interface-id");
                    describe_network_interfaces::DescribeNetworkInterfacesOutput::builder()
                        .set_network_interfaces(Some(
                            interfaces()
                                .into_iter()
                                .filter(|i| {
                                    ids.iter()
                                        .any(|id| Some(id.as_str()) == i.network_interface_id())
                                })
                                .collect(),
                        ))
                        .build()
                }
            ),
            answer!(
                refuse,
                "ec2:DescribeVpcs",
                "UnauthorizedOperation",
                aws_sdk_ec2::Client::describe_vpcs,
                describe_vpcs::DescribeVpcsError,
                |request| {
                    let ids = values(request.filters(), "vpc-id");
                    describe_vpcs::DescribeVpcsOutput::builder()
                        .set_vpcs(Some(
                            ids.iter()
                                .map(|id| {
                                    let cidr = match id.as_str() {
                                        "vpc-hub" => "10.1.0.0/16",
                                        "vpc-peer" => "10.2.0.0/16",
                                        _ => "10.0.0.0/16",
                                    };
                                    ec2::Vpc::builder().vpc_id(id).cidr_block(cidr).build()
                                })
                                .collect(),
                        ))
                        .build()
                }
            ),
            answer!(
                refuse,
                "ec2:DescribeVpcAttribute",
                "UnauthorizedOperation",
                aws_sdk_ec2::Client::describe_vpc_attribute,
                describe_vpc_attribute::DescribeVpcAttributeError,
                |_request| {
                    describe_vpc_attribute::DescribeVpcAttributeOutput::builder().build()
                }
            ),
            answer!(
                refuse,
                "ec2:DescribeRouteTables",
                "UnauthorizedOperation",
                aws_sdk_ec2::Client::describe_route_tables,
                describe_route_tables::DescribeRouteTablesError,
                |request| {
                    describe_route_tables::DescribeRouteTablesOutput::builder()
                        .set_route_tables(Some(
                            route_tables(world)
                                .into_iter()
                                .filter(|t| {
                                    in_vpcs(request.filters(), t.vpc_id().unwrap_or_default())
                                })
                                .collect(),
                        ))
                        .build()
                }
            ),
            answer!(
                refuse,
                "ec2:DescribeNetworkAcls",
                "UnauthorizedOperation",
                aws_sdk_ec2::Client::describe_network_acls,
                describe_network_acls::DescribeNetworkAclsError,
                |request| {
                    describe_network_acls::DescribeNetworkAclsOutput::builder()
                        .set_network_acls(Some(
                            values(request.filters(), "vpc-id")
                                .iter()
                                .map(|vpc| {
                                    ec2::NetworkAcl::builder()
                                        .network_acl_id(vpc.replace("vpc-", "acl-"))
                                        .vpc_id(vpc)
                                        .is_default(true)
                                        .build()
                                })
                                .collect(),
                        ))
                        .build()
                }
            ),
            answer!(
                refuse,
                "ec2:DescribeSecurityGroups",
                "UnauthorizedOperation",
                aws_sdk_ec2::Client::describe_security_groups,
                describe_security_groups::DescribeSecurityGroupsError,
                |request| {
                    describe_security_groups::DescribeSecurityGroupsOutput::builder()
                        .set_security_groups(Some(
                            values(request.filters(), "vpc-id")
                                .iter()
                                .map(|vpc| {
                                    ec2::SecurityGroup::builder()
                                        .group_id(vpc.replace("vpc-", "sg-"))
                                        .group_name("endpoints")
                                        .vpc_id(vpc)
                                        .build()
                                })
                                .collect(),
                        ))
                        .build()
                }
            ),
            answer!(
                refuse,
                "ec2:DescribeSecurityGroupRules",
                "UnauthorizedOperation",
                aws_sdk_ec2::Client::describe_security_group_rules,
                describe_security_group_rules::DescribeSecurityGroupRulesError,
                |request| {
                    describe_security_group_rules::DescribeSecurityGroupRulesOutput::builder()
                        .set_security_group_rules(Some(
                            values(request.filters(), "group-id")
                                .iter()
                                .filter(|group| *group == "sg-hub")
                                .map(|group| {
                                    ec2::SecurityGroupRule::builder()
                                        .security_group_rule_id("sgr-hub-spokes")
                                        .group_id(group)
                                        .is_egress(false)
                                        .ip_protocol("tcp")
                                        .from_port(443)
                                        .to_port(443)
                                        .cidr_ipv4("10.0.0.0/8")
                                        .build()
                                })
                                .collect(),
                        ))
                        .build()
                }
            ),
            answer!(
                refuse,
                "ec2:DescribeVpcEndpoints",
                "UnauthorizedOperation",
                aws_sdk_ec2::Client::describe_vpc_endpoints,
                describe_vpc_endpoints::DescribeVpcEndpointsError,
                |request| {
                    let (vpcs, ids) = (
                        values(request.filters(), "vpc-id"),
                        values(request.filters(), "vpc-endpoint-id"),
                    );
                    describe_vpc_endpoints::DescribeVpcEndpointsOutput::builder()
                        .set_vpc_endpoints(Some(
                            endpoints(world)
                                .into_iter()
                                .filter(|e| {
                                    vpcs.iter().any(|vpc| Some(vpc.as_str()) == e.vpc_id())
                                        || ids
                                            .iter()
                                            .any(|id| Some(id.as_str()) == e.vpc_endpoint_id())
                                })
                                .collect(),
                        ))
                        .build()
                }
            ),
            answer!(
                refuse,
                "ec2:DescribeNatGateways",
                "UnauthorizedOperation",
                aws_sdk_ec2::Client::describe_nat_gateways,
                describe_nat_gateways::DescribeNatGatewaysError,
                |_request| describe_nat_gateways::DescribeNatGatewaysOutput::builder().build()
            ),
            answer!(
                refuse,
                "ec2:DescribeInternetGateways",
                "UnauthorizedOperation",
                aws_sdk_ec2::Client::describe_internet_gateways,
                describe_internet_gateways::DescribeInternetGatewaysError,
                |_request| {
                    describe_internet_gateways::DescribeInternetGatewaysOutput::builder().build()
                }
            ),
            answer!(
                refuse,
                "ec2:DescribeManagedPrefixLists",
                "UnauthorizedOperation",
                aws_sdk_ec2::Client::describe_managed_prefix_lists,
                describe_managed_prefix_lists::DescribeManagedPrefixListsError,
                |_request| {
                    describe_managed_prefix_lists::DescribeManagedPrefixListsOutput::builder()
                        .build()
                }
            ),
            answer!(
                refuse,
                "ec2:DescribeTransitGatewayAttachments",
                "UnauthorizedOperation",
                aws_sdk_ec2::Client::describe_transit_gateway_attachments,
                describe_transit_gateway_attachments::DescribeTransitGatewayAttachmentsError,
                |request| {
                    assert_eq!(values(request.filters(), "transit-gateway-id"), ["tgw-1"]);
                    describe_transit_gateway_attachments::DescribeTransitGatewayAttachmentsOutput::builder()
                        .transit_gateway_attachments(attachment("tgw-attach-spoke", "vpc-spoke", ACCOUNT, "tgw-rtb-spoke"))
                        .transit_gateway_attachments(attachment("tgw-attach-hub", "vpc-hub", ACCOUNT, "tgw-rtb-hub"))
                        .transit_gateway_attachments(attachment("tgw-attach-other", "vpc-other", "444455556666", "tgw-rtb-hub"))
                        .transit_gateway_attachments(attachment("tgw-attach-unrouted", "vpc-unrouted", ACCOUNT, "tgw-rtb-hub"))
                        .build()
                }
            ),
            answer!(
                refuse,
                "ec2:DescribeTransitGatewayVpcAttachments",
                "UnauthorizedOperation",
                aws_sdk_ec2::Client::describe_transit_gateway_vpc_attachments,
                describe_transit_gateway_vpc_attachments::DescribeTransitGatewayVpcAttachmentsError,
                |_request| {
                    describe_transit_gateway_vpc_attachments::DescribeTransitGatewayVpcAttachmentsOutput::builder()
                        .transit_gateway_vpc_attachments(ec2::TransitGatewayVpcAttachment::builder()
                            .transit_gateway_attachment_id("tgw-attach-spoke").subnet_ids("subnet-app").build())
                        .transit_gateway_vpc_attachments(ec2::TransitGatewayVpcAttachment::builder()
                            .transit_gateway_attachment_id("tgw-attach-hub").subnet_ids("subnet-hub").build())
                        .build()
                }
            ),
            answer!(
                refuse,
                "ec2:SearchTransitGatewayRoutes",
                "UnauthorizedOperation",
                aws_sdk_ec2::Client::search_transit_gateway_routes,
                search_transit_gateway_routes::SearchTransitGatewayRoutesError,
                |request| {
                    assert_eq!(values(request.filters(), "state"), ["active", "blackhole"]);
                    search_transit_gateway_routes::SearchTransitGatewayRoutesOutput::builder()
                        .set_routes(Some(tgw_routes(
                            request.transit_gateway_route_table_id().unwrap_or_default(),
                        )))
                        .build()
                }
            ),
            answer!(
                refuse,
                "ec2:DescribeVpcPeeringConnections",
                "UnauthorizedOperation",
                aws_sdk_ec2::Client::describe_vpc_peering_connections,
                describe_vpc_peering_connections::DescribeVpcPeeringConnectionsError,
                |_request| {
                    let side = |vpc: &str| {
                        ec2::VpcPeeringConnectionVpcInfo::builder()
                            .vpc_id(vpc)
                            .owner_id(ACCOUNT)
                            .region(REGION)
                            .build()
                    };
                    describe_vpc_peering_connections::DescribeVpcPeeringConnectionsOutput::builder()
                        .vpc_peering_connections(
                            ec2::VpcPeeringConnection::builder()
                                .vpc_peering_connection_id("pcx-1")
                                .requester_vpc_info(side("vpc-spoke"))
                                .accepter_vpc_info(side("vpc-peer"))
                                .status(
                                    ec2::VpcPeeringConnectionStateReason::builder()
                                        .code(ec2::VpcPeeringConnectionStateReasonCode::Active)
                                        .build(),
                                )
                                .build(),
                        )
                        .build()
                }
            ),
            answer!(
                refuse,
                "ec2:DescribeInstances",
                "UnauthorizedOperation",
                aws_sdk_ec2::Client::describe_instances,
                describe_instances::DescribeInstancesError,
                |request| {
                    let ids = values(request.filters(), "instance-id");
                    describe_instances::DescribeInstancesOutput::builder()
                        .reservations(
                            ec2::Reservation::builder()
                                .set_instances(Some(
                                    ids.iter()
                                        .filter(|id| *id == "i-nat")
                                        .map(|id| {
                                            ec2::Instance::builder()
                                                .instance_id(id)
                                                .subnet_id("subnet-nat")
                                                .state(
                                                    ec2::InstanceState::builder()
                                                        .name(ec2::InstanceStateName::Running)
                                                        .build(),
                                                )
                                                .source_dest_check(false)
                                                .public_ip_address("3.80.0.10")
                                                .network_interfaces(
                                                    ec2::InstanceNetworkInterface::builder()
                                                        .network_interface_id("eni-nat")
                                                        .build(),
                                                )
                                                .build()
                                        })
                                        .collect(),
                                ))
                                .build(),
                        )
                        .build()
                }
            ),
        ]
    }

    fn zone_summary(id: &str, name: &str) -> aws_sdk_route53::types::HostedZoneSummary {
        aws_sdk_route53::types::HostedZoneSummary::builder()
            .hosted_zone_id(id)
            .name(name)
            .build()
            .unwrap()
    }

    fn zone(id: &str, name: &str, private: bool) -> aws_sdk_route53::types::HostedZone {
        aws_sdk_route53::types::HostedZone::builder()
            .id(format!("/hostedzone/{id}"))
            .name(name)
            .caller_reference("ref")
            .config(
                aws_sdk_route53::types::HostedZoneConfig::builder()
                    .private_zone(private)
                    .build(),
            )
            .build()
            .unwrap()
    }

    fn record(
        name: &str,
        kind: aws_sdk_route53::types::RrType,
    ) -> aws_sdk_route53::types::builders::ResourceRecordSetBuilder {
        aws_sdk_route53::types::ResourceRecordSet::builder()
            .name(name)
            .r#type(kind)
    }

    fn route53_rules(world: World) -> Vec<Rule> {
        use aws_sdk_route53::operation::*;
        use aws_sdk_route53::types::{AliasTarget, ResourceRecord, RrType, Vpc as ZoneVpc};
        let refuse = world.refuse;
        vec![
            answer!(
                refuse,
                "route53:ListHostedZonesByVPC",
                "AccessDenied",
                aws_sdk_route53::Client::list_hosted_zones_by_vpc,
                list_hosted_zones_by_vpc::ListHostedZonesByVPCError,
                |request| {
                    assert_eq!(
                        request.vpc_region().map(|region| region.as_str()),
                        Some(REGION)
                    );
                    let zones = match request.vpc_id() {
                        Some("vpc-spoke") => vec![
                            zone_summary("Z1API", "API.ecr.us-east-1.amazonaws.com."),
                            zone_summary("Z9CORP", "corp.example.com."),
                        ],
                        _ => Vec::new(),
                    };
                    list_hosted_zones_by_vpc::ListHostedZonesByVpcOutput::builder()
                        .set_hosted_zone_summaries(Some(zones))
                        .max_items(100)
                        .build()
                        .unwrap()
                }
            ),
            answer!(
                refuse,
                "route53:ListHostedZonesByName",
                "AccessDenied",
                aws_sdk_route53::Client::list_hosted_zones_by_name,
                list_hosted_zones_by_name::ListHostedZonesByNameError,
                |request| {
                    // As Route 53 does: every zone of the account from the name on, in order.
                    let zones = match request.dns_name() {
                        Some("dkr.ecr.us-east-1.amazonaws.com") => vec![
                            zone("Z2DKR", "dkr.ecr.us-east-1.amazonaws.com.", true),
                            zone("Z3PUBLIC", "dkr.ecr.us-east-1.amazonaws.com.", false),
                            zone("Z8LATER", "logs.us-east-1.amazonaws.com.", true),
                        ],
                        Some("api.ecr.us-east-1.amazonaws.com") => vec![
                            zone("Z1API", "api.ecr.us-east-1.amazonaws.com.", true),
                            zone("Z2DKR", "dkr.ecr.us-east-1.amazonaws.com.", true),
                        ],
                        _ => Vec::new(),
                    };
                    list_hosted_zones_by_name::ListHostedZonesByNameOutput::builder()
                        .set_hosted_zones(Some(zones))
                        .is_truncated(false)
                        .max_items(100)
                        .build()
                        .unwrap()
                }
            ),
            answer!(
                refuse,
                "route53:GetHostedZone",
                "AccessDenied",
                aws_sdk_route53::Client::get_hosted_zone,
                get_hosted_zone::GetHostedZoneError,
                |request| {
                    let vpc = |id: &str| {
                        ZoneVpc::builder()
                            .vpc_id(id)
                            .vpc_region(REGION.into())
                            .build()
                    };
                    let (id, name, vpcs) = match request.id() {
                        Some("Z1API") => (
                            "Z1API",
                            "api.ecr.us-east-1.amazonaws.com.",
                            vec![vpc("vpc-spoke"), vpc("vpc-hub")],
                        ),
                        _ => (
                            "Z2DKR",
                            "dkr.ecr.us-east-1.amazonaws.com.",
                            vec![vpc("vpc-hub")],
                        ),
                    };
                    get_hosted_zone::GetHostedZoneOutput::builder()
                        .hosted_zone(zone(id, name, true))
                        .set_vpcs(Some(vpcs))
                        .build()
                }
            ),
            answer!(
                refuse,
                "route53:ListResourceRecordSets",
                "AccessDenied",
                aws_sdk_route53::Client::list_resource_record_sets,
                list_resource_record_sets::ListResourceRecordSetsError,
                |request| {
                    let output = list_resource_record_sets::ListResourceRecordSetsOutput::builder()
                        .max_items(100);
                    match (request.hosted_zone_id(), request.start_record_name()) {
                        (Some("Z1API"), _) => output
                            .resource_record_sets(record("API.ecr.us-east-1.amazonaws.com.", RrType::A)
                                .alias_target(AliasTarget::builder()
                                    .hosted_zone_id("Z7HUB")
                                    .dns_name("VPCE-HUBAPI-abc.api.ecr.us-east-1.vpce.amazonaws.com.")
                                    .evaluate_target_health(false)
                                    .build().unwrap())
                                .build().unwrap())
                            .resource_record_sets(record("api.ecr.us-east-1.amazonaws.com.", RrType::Ns)
                                .resource_records(ResourceRecord::builder().value("ns-1.awsdns-1.com.").build().unwrap())
                                .build().unwrap())
                            .is_truncated(false),
                        // Two pages: the wildcard record comes on the second.
                        (_, None) => output
                            .resource_record_sets(record("dkr.ecr.us-east-1.amazonaws.com.", RrType::Soa)
                                .resource_records(ResourceRecord::builder().value("ns-1.awsdns-1.com. hostmaster 1 7200 900 1209600 86400").build().unwrap())
                                .build().unwrap())
                            .is_truncated(true)
                            .next_record_name("\\052.dkr.ecr.us-east-1.amazonaws.com.")
                            .next_record_type(RrType::A),
                        (_, Some(_)) => output
                            .resource_record_sets(record("\\052.dkr.ecr.us-east-1.amazonaws.com.", RrType::A)
                                .ttl(60)
                                .resource_records(ResourceRecord::builder().value("10.1.1.11").build().unwrap())
                                .build().unwrap())
                            .is_truncated(false),
                    }
                    .build()
                    .unwrap()
                }
            ),
        ]
    }

    fn resolver_rules(world: World) -> Vec<Rule> {
        use aws_sdk_route53resolver::operation::*;
        use aws_sdk_route53resolver::types::{
            ResolverRule, ResolverRuleAssociation, ResolverRuleAssociationStatus, RuleTypeOption,
            TargetAddress,
        };
        let refuse = world.refuse;
        let landing_zone = world.landing_zone;
        vec![
            answer!(
                refuse,
                "route53resolver:ListResolverRuleAssociations",
                "AccessDeniedException",
                aws_sdk_route53resolver::Client::list_resolver_rule_associations,
                list_resolver_rule_associations::ListResolverRuleAssociationsError,
                |request| {
                    let vpc = request
                        .filters()
                        .first()
                        .and_then(|filter| filter.values().first().cloned())
                        .unwrap_or_default();
                    assert_eq!(request.filters()[0].name(), Some("VPCId"));
                    let association = |rule: &str, status: ResolverRuleAssociationStatus| {
                        ResolverRuleAssociation::builder()
                            .resolver_rule_id(rule)
                            .vpc_id(&vpc)
                            .status(status)
                            .build()
                    };
                    let found = if landing_zone && vpc == "vpc-spoke" {
                        vec![
                            association("rslvr-rr-onprem", ResolverRuleAssociationStatus::Complete),
                            association(
                                "rslvr-autodefined-rr-internet-resolver",
                                ResolverRuleAssociationStatus::Complete,
                            ),
                            association("rslvr-rr-failed", ResolverRuleAssociationStatus::Failed),
                        ]
                    } else {
                        Vec::new()
                    };
                    list_resolver_rule_associations::ListResolverRuleAssociationsOutput::builder()
                        .set_resolver_rule_associations(Some(found))
                        .build()
                }
            ),
            answer!(
                refuse,
                "route53resolver:GetResolverRule",
                "AccessDeniedException",
                aws_sdk_route53resolver::Client::get_resolver_rule,
                get_resolver_rule::GetResolverRuleError,
                |request| {
                    assert_eq!(request.resolver_rule_id(), Some("rslvr-rr-onprem"));
                    get_resolver_rule::GetResolverRuleOutput::builder()
                        .resolver_rule(
                            ResolverRule::builder()
                                .id("rslvr-rr-onprem")
                                .domain_name("AmazonAWS.com.")
                                .rule_type(RuleTypeOption::Forward)
                                .target_ips(
                                    TargetAddress::builder().ip("10.9.0.2").port(53).build(),
                                )
                                .target_ips(
                                    TargetAddress::builder().ip("10.9.0.3").port(5353).build(),
                                )
                                .build(),
                        )
                        .build()
                }
            ),
        ]
    }

    /// The dialled names of an image in the account's registry: auth, registry, layers.
    fn dialled() -> BTreeSet<Dialled> {
        [
            ("api.ecr.us-east-1.amazonaws.com", "ecr.api"),
            ("111122223333.dkr.ecr.us-east-1.amazonaws.com", "ecr.dkr"),
            (
                "prod-us-east-1-starport-layer-bucket.s3.us-east-1.amazonaws.com",
                "s3",
            ),
        ]
        .into_iter()
        .map(|(host, service)| Dialled {
            host: host.into(),
            endpoint_service: Some(format!("com.amazonaws.{REGION}.{service}")),
        })
        .collect()
    }

    struct Run {
        network: Network,
        calls: Calls,
        ec2: Vec<Rule>,
        route53: Vec<Rule>,
        resolver: Vec<Rule>,
    }

    async fn collect(world: World) -> Run {
        let (ec2_rules, route53_rules, resolver_rules) = (
            ec2_rules(world),
            route53_rules(world),
            resolver_rules(world),
        );
        let ec2 = mock_client!(aws_sdk_ec2, RuleMode::MatchAny, &ec2_rules);
        let route53 = mock_client!(aws_sdk_route53, RuleMode::MatchAny, &route53_rules);
        let resolver = mock_client!(aws_sdk_route53resolver, RuleMode::MatchAny, &resolver_rules);
        let calls = calls();
        let clients = NetworkClients {
            ec2: &ec2,
            route53: &route53,
            resolver: &resolver,
        };
        let dialled = dialled();
        let scope = Scope {
            account_id: ACCOUNT,
            region: REGION,
            dialled: &dialled,
        };
        let placement: Placement = network::placement(
            &ec2,
            &calls,
            &BTreeSet::from(["subnet-app".to_string()]),
            &BTreeSet::new(),
        )
        .await
        .unwrap();
        let network = network::collect(&clients, &calls, &scope, placement)
            .await
            .unwrap();
        Run {
            network,
            calls,
            ec2: ec2_rules,
            route53: route53_rules,
            resolver: resolver_rules,
        }
    }

    fn ids<T>(items: &[T], id: impl Fn(&T) -> &str) -> Vec<String> {
        items.iter().map(|item| id(item).to_string()).collect()
    }

    /// A subnet another account shares with the caller through AWS RAM (`OwnerId` is that
    /// account): without the owner's role, what a participant cannot see of its VPC is a gap
    /// about the VPC naming the owner and `--network-role`; with it, the VPC is read with the
    /// owner's clients alone, and no such gap is recorded.
    #[tokio::test]
    async fn a_shared_subnets_vpc_is_read_with_the_owners_role_or_its_unseen_parts_are_gaps() {
        const OWNER: &str = "444455556666";
        let world = World {
            landing_zone: false,
            refuse: None,
        };
        let shared = |placement: Placement| Placement {
            subnets: placement
                .subnets
                .into_iter()
                .map(|mut subnet| {
                    subnet.owner_id = Some(OWNER.into());
                    subnet
                })
                .collect(),
            task_interfaces: placement.task_interfaces,
        };
        let (caller_ec2, caller_route53, caller_resolver) = (
            ec2_rules(world),
            route53_rules(world),
            resolver_rules(world),
        );
        let ec2 = mock_client!(aws_sdk_ec2, RuleMode::MatchAny, &caller_ec2);
        let route53 = mock_client!(aws_sdk_route53, RuleMode::MatchAny, &caller_route53);
        let resolver = mock_client!(
            aws_sdk_route53resolver,
            RuleMode::MatchAny,
            &caller_resolver
        );
        let caller = NetworkClients {
            ec2: &ec2,
            route53: &route53,
            resolver: &resolver,
        };
        let dialled = dialled();
        let scope = Scope {
            account_id: ACCOUNT,
            region: REGION,
            dialled: &dialled,
        };
        let subnets = BTreeSet::from(["subnet-app".to_string()]);

        let participant = calls();
        let placement = network::placement(&ec2, &participant, &subnets, &BTreeSet::new())
            .await
            .unwrap();
        let network = network::collect_shared(
            &caller,
            &BTreeMap::new(),
            &participant,
            &scope,
            shared(placement),
        )
        .await
        .unwrap();
        assert!(
            !network.route_tables.is_empty(),
            "a participant reads route tables"
        );
        let gaps = participant.take_gaps();
        let unseen: BTreeSet<&str> = gaps
            .iter()
            .filter(|gap| gap.error_code == "CrossAccount")
            .inspect(|gap| {
                assert_eq!(gap.resource.as_deref(), Some("vpc-spoke"));
                assert!(
                    gap.message.contains("account 444455556666")
                        && gap.message.contains("--network-role 444455556666="),
                    "{}",
                    gap.message
                );
            })
            .map(|gap| gap.api.as_str())
            .collect();
        assert_eq!(
            unseen,
            BTreeSet::from([
                "ec2:DescribeTransitGatewayAttachments",
                "ec2:DescribeVpcEndpoints",
                "route53:ListHostedZonesByVPC",
                "route53resolver:ListResolverRuleAssociations"
            ])
        );

        let (owner_ec2_rules, owner_route53_rules, owner_resolver_rules) = (
            ec2_rules(world),
            route53_rules(world),
            resolver_rules(world),
        );
        let owner_ec2 = mock_client!(aws_sdk_ec2, RuleMode::MatchAny, &owner_ec2_rules);
        let owner_route53 = mock_client!(aws_sdk_route53, RuleMode::MatchAny, &owner_route53_rules);
        let owner_resolver = mock_client!(
            aws_sdk_route53resolver,
            RuleMode::MatchAny,
            &owner_resolver_rules
        );
        let owners = BTreeMap::from([(
            OWNER.to_string(),
            NetworkClients {
                ec2: &owner_ec2,
                route53: &owner_route53,
                resolver: &owner_resolver,
            },
        )]);
        let calls = calls();
        let placement = network::placement(&ec2, &calls, &subnets, &BTreeSet::new())
            .await
            .unwrap();
        let made = |rules: &[&Vec<Rule>]| -> usize {
            rules
                .iter()
                .flat_map(|rules| rules.iter())
                .map(Rule::num_calls)
                .sum()
        };
        let by_caller = made(&[&caller_ec2, &caller_route53, &caller_resolver]);
        let network = network::collect_shared(&caller, &owners, &calls, &scope, shared(placement))
            .await
            .unwrap();
        assert_eq!(
            made(&[&caller_ec2, &caller_route53, &caller_resolver]),
            by_caller,
            "the caller's credentials read nothing of the owner's VPC"
        );
        assert!(made(&[&owner_ec2_rules]) > 0);
        assert!(
            !network.vpc_endpoints.is_empty(),
            "the owner sees its endpoints"
        );
        let gaps = calls.take_gaps();
        assert!(
            gaps.iter().all(|gap| gap.error_code != "CrossAccount"),
            "{gaps:?}"
        );
    }

    #[tokio::test]
    async fn a_landing_zone_is_read_through_its_zones_rules_transit_gateway_peering_and_nat_instance()
     {
        let run = collect(World {
            landing_zone: true,
            refuse: None,
        })
        .await;
        let network = &run.network;

        // The zone associated with the spoke, and the dkr.ecr zone found by name though it is
        // not associated (its VPCs lack the spoke); neither the public zone nor corp.example.com.
        let zones = &network.hosted_zones;
        assert_eq!(ids(zones, |zone| &zone.id), ["Z1API", "Z2DKR"]);
        assert_eq!(zones[0].name, "api.ecr.us-east-1.amazonaws.com");
        assert_eq!(zones[0].vpc_ids, ["vpc-hub", "vpc-spoke"]);
        assert_eq!(zones[0].records.len(), 1, "A, AAAA and CNAME records only");
        assert_eq!(zones[0].records[0].name, "api.ecr.us-east-1.amazonaws.com");
        assert_eq!(
            zones[0].records[0].alias_target.as_deref(),
            Some("vpce-hubapi-abc.api.ecr.us-east-1.vpce.amazonaws.com")
        );
        assert_eq!(zones[1].vpc_ids, ["vpc-hub"]);
        assert_eq!(zones[1].records.len(), 1, "the second page's record");
        assert_eq!(
            zones[1].records[0].name,
            "*.dkr.ecr.us-east-1.amazonaws.com"
        );
        assert_eq!(zones[1].records[0].values, ["10.1.1.11"]);
        assert!(zones[1].records[0].answers("111122223333.dkr.ecr.us-east-1.amazonaws.com"));

        // The rule in effect, not the autodefined one nor the failed association.
        let rules = &network.resolver_rules;
        assert_eq!(ids(rules, |rule| &rule.id), ["rslvr-rr-onprem"]);
        assert_eq!(rules[0].domain_name, "amazonaws.com");
        assert_eq!(rules[0].rule_type, ResolverRuleType::Forward);
        assert_eq!(rules[0].target_ips, ["10.9.0.2", "10.9.0.3:5353"]);
        assert_eq!(rules[0].vpc_ids, ["vpc-spoke"]);

        // The transit gateway both ways: the spoke's table, then the hub attachment's.
        assert_eq!(
            ids(&network.transit_gateway_attachments, |a| &a.id),
            ["tgw-attach-hub", "tgw-attach-other", "tgw-attach-spoke"],
            "the VPCs read and those the routes name; not the unrouted one"
        );
        let spoke = &network.transit_gateway_attachments[2];
        assert_eq!(
            spoke.association_route_table_id.as_deref(),
            Some("tgw-rtb-spoke")
        );
        assert_eq!(spoke.subnet_ids, ["subnet-app"]);
        let tables = &network.transit_gateway_route_tables;
        assert_eq!(ids(tables, |t| &t.id), ["tgw-rtb-hub", "tgw-rtb-spoke"]);
        assert_eq!(tables[1].routes.len(), 3);
        assert_eq!(tables[1].routes[0].route_type, "propagated");
        assert_eq!(tables[1].routes[0].attachment_ids, ["tgw-attach-hub"]);
        assert_eq!(tables[1].routes[2].state, RouteState::Blackhole);
        assert!(tables[1].routes[2].attachment_ids.is_empty());

        // Peering, and the NAT instance named by its id and by its interface (once).
        assert_eq!(ids(&network.vpc_peering_connections, |p| &p.id), ["pcx-1"]);
        assert_eq!(
            network.vpc_peering_connections[0].accepter_vpc_id,
            "vpc-peer"
        );
        assert_eq!(network.vpc_peering_connections[0].status, "active");
        assert_eq!(ids(&network.ec2_instances, |i| &i.id), ["i-nat"]);
        let nat = &network.ec2_instances[0];
        assert!(!nat.source_dest_check);
        assert_eq!(nat.public_ip, Some("3.80.0.10".parse().unwrap()));
        assert_eq!(nat.network_interface_ids, ["eni-nat"]);

        // The hub and the peer, read like the spoke; the other account's VPC is a gap.
        let mut vpcs = ids(&network.vpcs, |vpc| &vpc.id);
        vpcs.sort();
        assert_eq!(vpcs, ["vpc-hub", "vpc-peer", "vpc-spoke"]);
        let hub_endpoint = network
            .vpc_endpoints
            .iter()
            .find(|e| e.id == "vpce-hubapi")
            .unwrap();
        assert_eq!(hub_endpoint.endpoint_type, EndpointType::Interface);
        assert_eq!(
            hub_endpoint.network_interfaces[0].private_ip,
            "10.1.1.10".parse::<std::net::Ipv4Addr>().unwrap()
        );
        let hub_group = network
            .security_groups
            .iter()
            .find(|g| g.id == "sg-hub")
            .unwrap();
        assert_eq!(hub_group.ingress.len(), 1);
        for id in ["acl-hub", "acl-peer"] {
            assert!(network.network_acls.iter().any(|acl| acl.id == id), "{id}");
        }
        for id in ["rtb-hub", "rtb-peer", "subnet-hub", "subnet-peer"] {
            assert!(
                network.route_tables.iter().any(|t| t.id == id)
                    || network.subnets.iter().any(|s| s.id == id),
                "{id}"
            );
        }
        let gaps = run.calls.take_gaps();
        assert_eq!(gaps.len(), 1, "{gaps:?}");
        assert_eq!(
            (
                gaps[0].api.as_str(),
                gaps[0].resource.as_deref(),
                gaps[0].error_code.as_str()
            ),
            ("ec2:DescribeVpcs", Some("vpc-other"), "CrossAccount")
        );
    }

    #[tokio::test]
    async fn a_single_vpc_with_its_own_endpoints_makes_none_of_the_landing_zone_calls_but_one() {
        let run = collect(World {
            landing_zone: false,
            refuse: None,
        })
        .await;
        assert!(run.calls.take_gaps().is_empty());
        // Route 53 is not asked: the VPC's own endpoints (and S3's gateway) answer every name.
        for rule in &run.route53 {
            assert_eq!(rule.num_calls(), 0);
        }
        // The Resolver is: a FORWARD rule can take names from the VPC's own endpoints too.
        assert_eq!(
            run.resolver.iter().map(Rule::num_calls).collect::<Vec<_>>(),
            [1, 0],
            "one ListResolverRuleAssociations, no GetResolverRule"
        );
        // No route leaves the VPC: no transit gateway, peering or instance read.
        for (rule, name) in run.ec2.iter().zip([
            "DescribeSubnets",
            "DescribeNetworkInterfaces",
            "DescribeVpcs",
            "DescribeVpcAttribute",
            "DescribeRouteTables",
            "DescribeNetworkAcls",
            "DescribeSecurityGroups",
            "DescribeSecurityGroupRules",
            "DescribeVpcEndpoints",
            "DescribeNatGateways",
            "DescribeInternetGateways",
            "DescribeManagedPrefixLists",
            "DescribeTransitGatewayAttachments",
            "DescribeTransitGatewayVpcAttachments",
            "SearchTransitGatewayRoutes",
            "DescribeVpcPeeringConnections",
            "DescribeInstances",
        ]) {
            let expected = match name {
                "DescribeSubnets" | "DescribeVpcAttribute" => 2,
                // Neither task ENIs nor endpoint ENIs to describe.
                "DescribeNetworkInterfaces"
                | "DescribeTransitGatewayAttachments"
                | "DescribeTransitGatewayVpcAttachments"
                | "SearchTransitGatewayRoutes"
                | "DescribeVpcPeeringConnections"
                | "DescribeInstances" => 0,
                _ => 1,
            };
            assert_eq!(rule.num_calls(), expected, "ec2:{name}");
        }
        assert!(
            run.network.hosted_zones.is_empty()
                && run.network.transit_gateway_attachments.is_empty()
        );
    }

    #[tokio::test]
    async fn each_refused_landing_zone_read_is_a_gap_and_the_rest_is_still_read() {
        for api in [
            "route53:ListHostedZonesByVPC",
            "route53:ListHostedZonesByName",
            "route53:GetHostedZone",
            "route53:ListResourceRecordSets",
            "route53resolver:ListResolverRuleAssociations",
            "route53resolver:GetResolverRule",
            "ec2:DescribeTransitGatewayAttachments",
            "ec2:DescribeTransitGatewayVpcAttachments",
            "ec2:SearchTransitGatewayRoutes",
            "ec2:DescribeVpcPeeringConnections",
            "ec2:DescribeInstances",
        ] {
            let run = collect(World {
                landing_zone: true,
                refuse: Some(api),
            })
            .await;
            let gaps = run.calls.take_gaps();
            assert!(
                gaps.iter().any(|gap| gap.api == api
                    && matches!(
                        gap.error_code.as_str(),
                        "AccessDenied" | "AccessDeniedException" | "UnauthorizedOperation"
                    )),
                "{api}: {gaps:?}"
            );
            let network = &run.network;
            // The spoke itself is always read whole.
            assert!(
                network.vpcs.iter().any(|vpc| vpc.id == "vpc-spoke"),
                "{api}"
            );
            assert!(
                network.route_tables.iter().any(|t| t.id == "rtb-app"),
                "{api}"
            );
            // What the refusal hides is absent, never invented; the other reads are made.
            match api {
                "route53resolver:ListResolverRuleAssociations"
                | "route53resolver:GetResolverRule" => {
                    assert!(network.resolver_rules.is_empty(), "{api}");
                    assert_eq!(network.hosted_zones.len(), 2, "{api}");
                }
                "ec2:DescribeTransitGatewayAttachments" | "ec2:SearchTransitGatewayRoutes" => {
                    assert!(network.transit_gateway_route_tables.is_empty(), "{api}");
                    // The hub is still read: the zone's alias record names its endpoint.
                    assert!(network.vpcs.iter().any(|vpc| vpc.id == "vpc-hub"), "{api}");
                    assert!(network.vpcs.iter().any(|vpc| vpc.id == "vpc-peer"), "{api}");
                }
                "ec2:DescribeVpcPeeringConnections" => {
                    assert!(network.vpc_peering_connections.is_empty());
                    assert!(!network.vpcs.iter().any(|vpc| vpc.id == "vpc-peer"));
                    assert!(network.vpcs.iter().any(|vpc| vpc.id == "vpc-hub"));
                }
                "ec2:DescribeInstances" => assert!(network.ec2_instances.is_empty()),
                "route53:GetHostedZone" => {
                    // The associations the VPC listing showed are kept.
                    let api_zone = network
                        .hosted_zones
                        .iter()
                        .find(|z| z.id == "Z1API")
                        .unwrap();
                    assert_eq!(api_zone.vpc_ids, ["vpc-spoke"]);
                    assert_eq!(api_zone.records.len(), 1);
                }
                "route53:ListResourceRecordSets" => {
                    assert!(
                        network
                            .hosted_zones
                            .iter()
                            .all(|zone| zone.records.is_empty())
                    );
                }
                _ => {}
            }
        }
    }
}

/// Container environment variables are never kept: a task definition whose environment holds a
/// plaintext password gives a snapshot (plain or `--redact`) without the value, and without the
/// variable's name either: the snapshot has no field for them.
#[tokio::test]
async fn a_plaintext_password_in_the_environment_is_not_kept() {
    use aws_sdk_ecs::operation::describe_task_definition::DescribeTaskDefinitionOutput;
    use aws_sdk_ecs::types::{ContainerDefinition, KeyValuePair, TaskDefinition};
    const PASSWORD: &str = "hunter2-plaintext-env-password";
    let answer = mock!(aws_sdk_ecs::Client::describe_task_definition).then_output(|| {
        DescribeTaskDefinitionOutput::builder()
            .task_definition(
                TaskDefinition::builder()
                    .task_definition_arn("arn:aws:ecs:us-east-1:111122223333:task-definition/web:7")
                    .container_definitions(
                        ContainerDefinition::builder()
                            .name("web")
                            .image("111122223333.dkr.ecr.us-east-1.amazonaws.com/web:1")
                            .environment(
                                KeyValuePair::builder()
                                    .name("DB_PASSWORD_PLAINTEXT")
                                    .value(PASSWORD)
                                    .build(),
                            )
                            .build(),
                    )
                    .build(),
            )
            .build()
    });
    let client = mock_client!(aws_sdk_ecs, [&answer]);
    let calls = calls();
    let arns =
        BTreeSet::from(["arn:aws:ecs:us-east-1:111122223333:task-definition/web:7".to_string()]);
    let definitions = ecs::task_definitions(&client, &calls, &arns).await.unwrap();
    assert_eq!(definitions.len(), 1, "the definition was read");
    assert_eq!(definitions[0].containers[0].name, "web");
    let mut snapshot = ecr_pathcheck_checks::Snapshot::new("111122223333", "us-east-1");
    snapshot.task_definitions = definitions;
    let redacted = ecr_pathcheck_checks::snapshot::anonymize::anonymize(&snapshot);
    for (what, written) in [
        ("snapshot", serde_json::to_string(&snapshot).unwrap()),
        (
            "redacted snapshot",
            serde_json::to_string(&redacted).unwrap(),
        ),
        ("debug form", format!("{snapshot:?}")),
    ] {
        assert!(!written.contains(PASSWORD), "the {what} keeps the password");
        assert!(
            !written.contains("DB_PASSWORD_PLAINTEXT"),
            "the {what} keeps the variable"
        );
    }
}
