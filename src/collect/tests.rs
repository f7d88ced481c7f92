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
    let network = network::collect(&client, &calls, "us-east-1", placement)
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
