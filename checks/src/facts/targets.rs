//! Turns tasks and services into targets: what runs where, with which definition and reasons.

use serde::Serialize;

use super::Index;
use crate::net::{AddressSet, Ipv4Cidr};
use crate::snapshot::{
    ContainerInstance, LaunchType, RouteTable, Subnet, Task, TaskDefinition, TaskNetwork, Vpc,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TargetKind {
    Task,
    Service,
}

/// Where a target's ENI sits: one per subnet a service may place tasks in.
#[derive(Debug, Clone)]
pub struct Placement<'a> {
    pub subnet: &'a Subnet,
    pub vpc: &'a Vpc,
    pub route_table: Option<&'a RouteTable>,
    /// The task's private IP when known, else the whole subnet (any task of the service).
    pub source: AddressSet,
    pub security_group_ids: Vec<String>,
    pub public_ip: bool,
    /// For the EC2 launch type: the container instance whose network interface this is.
    pub instance: Option<&'a ContainerInstance>,
    /// Whether the task's interface has an IPv6 address.
    pub ipv6: Ipv6Address,
}

/// Whether a placement's interface has an IPv6 address: what the IPv6 path of a dual-stack host
/// starts from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ipv6Address {
    /// The task's interface has one (recorded on the task), or the subnet is IPv6-only.
    Yes,
    /// The subnet has no IPv6 block, or the task's interface was read without one.
    No,
    /// The snapshot does not say: the subnet's IPv6 blocks were not recorded (schema 3 or
    /// earlier), or no task shows whether ECS gives this service's tasks an IPv6 address (its
    /// `dualStackIPv6` account setting).
    Unknown,
}

impl Placement<'_> {
    /// Whether the interface has an IPv4 address (not in an IPv6-only subnet).
    pub fn has_ipv4(&self) -> bool {
        self.subnet.has_ipv4()
    }
}

/// What the subnet and the interfaces seen in it say about an IPv6 address: `seen` is, for an
/// interface read in that subnet, whether it had an IPv6 address.
fn ipv6_address(subnet: &Subnet, seen: Option<bool>) -> Ipv6Address {
    match subnet.ipv6_cidr_blocks.as_deref() {
        None => Ipv6Address::Unknown,
        Some([]) => Ipv6Address::No,
        Some(_) if subnet.ipv6_native => Ipv6Address::Yes,
        Some(_) => match seen {
            Some(true) => Ipv6Address::Yes,
            Some(false) => Ipv6Address::No,
            None => Ipv6Address::Unknown,
        },
    }
}

#[derive(Debug)]
pub struct TargetInput<'a> {
    pub id: String,
    pub kind: TargetKind,
    pub name: String,
    pub launch_type: Option<LaunchType>,
    pub platform_version: Option<String>,
    pub definition: Option<&'a TaskDefinition>,
    pub task_definition_arn: String,
    pub placements: Vec<Placement<'a>>,
    /// Subnets named by the target but missing from the snapshot.
    pub unknown_subnets: Vec<String>,
    /// EC2 container instances named by the target whose network the snapshot lacks.
    pub unknown_instances: Vec<String>,
    /// Stopped reasons, container reasons and failure events, newest first.
    pub reasons: Vec<String>,
    /// The target's tasks in the snapshot (a service's, or the task itself): the evidence they
    /// carry, such as each container's resolved image digest.
    pub tasks: Vec<&'a Task>,
}

impl TargetInput<'_> {
    /// Fargate before 1.4.0 fetched registry auth and secrets through an AWS-managed ENI.
    pub fn legacy_platform(&self) -> bool {
        self.launch_type == Some(LaunchType::Fargate)
            && self.platform_version.as_deref().is_some_and(|version| {
                version.starts_with("1.3")
                    || version.starts_with("1.2")
                    || version.starts_with("1.1")
                    || version.starts_with("1.0")
            })
    }
}

/// Services, then the tasks that do not belong to a service in the snapshot (whose stopped
/// reasons are attached to their service instead).
pub fn targets<'a>(index: &Index<'a>) -> Vec<TargetInput<'a>> {
    let snapshot = index.snapshot;
    let mut targets = Vec::new();
    for service in &snapshot.services {
        let tasks: Vec<&Task> = snapshot
            .tasks
            .iter()
            .filter(|task| is_service_task(task, service))
            .collect();
        let mut reasons: Vec<String> = tasks.iter().flat_map(|task| task_reasons(task)).collect();
        reasons.extend(
            service
                .events
                .iter()
                .filter(|event| is_failure_event(&event.message))
                .map(|event| event.message.clone()),
        );
        let (placements, unknown_subnets, unknown_instances) =
            if service.launch_type == Some(LaunchType::Ec2) {
                let mut instance_arns: Vec<&str> = tasks
                    .iter()
                    .filter_map(|task| task.container_instance_arn.as_deref())
                    .collect();
                if instance_arns.is_empty() {
                    // No task placed yet: any of the cluster's instances may get one.
                    instance_arns = snapshot
                        .container_instances
                        .iter()
                        .filter(|instance| instance.cluster_arn == service.cluster_arn)
                        .map(|instance| instance.arn.as_str())
                        .collect();
                }
                place_on_instances(index, &instance_arns, false)
            } else {
                match &service.network {
                    Some(network) => {
                        let (mut placements, unknown) = place(
                            index,
                            &network.subnet_ids,
                            None,
                            &network.security_group_ids,
                            network.assign_public_ip,
                        );
                        // The service's tasks show whether ECS gives its tasks IPv6 addresses.
                        for placement in &mut placements {
                            let seen = tasks
                                .iter()
                                .filter_map(|task| task.network.as_ref())
                                .filter(|n| n.subnet_id == placement.subnet.id)
                                .filter(|n| n.private_ip.is_some() || n.ipv6_address.is_some())
                                .map(|n| n.ipv6_address.is_some())
                                .max();
                            placement.ipv6 = ipv6_address(placement.subnet, seen);
                        }
                        (placements, unknown, Vec::new())
                    }
                    None => (Vec::new(), Vec::new(), Vec::new()),
                }
            };
        targets.push(TargetInput {
            id: service.arn.clone(),
            kind: TargetKind::Service,
            name: service.name.clone(),
            launch_type: service.launch_type,
            platform_version: service.platform_version.clone(),
            definition: index.task_definition(&service.task_definition_arn),
            task_definition_arn: service.task_definition_arn.clone(),
            placements,
            unknown_subnets,
            unknown_instances,
            reasons,
            tasks,
        });
    }
    for task in &snapshot.tasks {
        let owned_by_service = snapshot
            .services
            .iter()
            .any(|service| is_service_task(task, service));
        if owned_by_service {
            continue;
        }
        let (placements, unknown_subnets, unknown_instances) =
            match (&task.container_instance_arn, task.launch_type) {
                (Some(instance), LaunchType::Ec2) => place_on_instances(index, &[instance], true),
                _ => match &task.network {
                    Some(network) => {
                        let (placements, unknown) = place_on_interface(index, network);
                        (placements, unknown, Vec::new())
                    }
                    None => (Vec::new(), Vec::new(), Vec::new()),
                },
            };
        targets.push(TargetInput {
            id: task.arn.clone(),
            kind: TargetKind::Task,
            name: task.arn.rsplit('/').next().unwrap_or(&task.arn).to_string(),
            launch_type: Some(task.launch_type),
            platform_version: task.platform_version.clone(),
            definition: index.task_definition(&task.task_definition_arn),
            task_definition_arn: task.task_definition_arn.clone(),
            placements,
            unknown_subnets,
            unknown_instances,
            reasons: task_reasons(task).collect(),
            tasks: vec![task],
        });
    }
    targets
}

fn is_service_task(task: &Task, service: &crate::snapshot::Service) -> bool {
    task.group.as_deref() == Some(&format!("service:{}", service.name))
        && task.cluster_arn == service.cluster_arn
}

fn place_on_interface<'a>(
    index: &Index<'a>,
    network: &TaskNetwork,
) -> (Vec<Placement<'a>>, Vec<String>) {
    let (mut placements, unknown) = place(
        index,
        std::slice::from_ref(&network.subnet_id),
        network.private_ip,
        &network.security_group_ids,
        network.assign_public_ip || network.public_ip.is_some(),
    );
    let seen = (network.private_ip.is_some() || network.ipv6_address.is_some())
        .then_some(network.ipv6_address.is_some());
    for placement in &mut placements {
        placement.ipv6 = ipv6_address(placement.subnet, seen);
    }
    (placements, unknown)
}

/// EC2 tasks pull through their container instance's own interface, whatever the task's network
/// mode: the agent and Docker run in the instance's network namespace. A task is placed on its
/// instance's address; a service on the subnet of each distinct instance configuration.
fn place_on_instances<'a>(
    index: &Index<'a>,
    instance_arns: &[&str],
    exact_address: bool,
) -> (Vec<Placement<'a>>, Vec<String>, Vec<String>) {
    let mut placements: Vec<Placement<'a>> = Vec::new();
    let mut unknown_subnets = Vec::new();
    let mut unknown_instances = Vec::new();
    for arn in instance_arns {
        let Some((instance, network)) = index
            .container_instance(arn)
            .and_then(|instance| Some((instance, instance.network.as_ref()?)))
        else {
            if !unknown_instances.iter().any(|known| known == arn) {
                unknown_instances.push(arn.to_string());
            }
            continue;
        };
        let (found, unknown) = if exact_address {
            place_on_interface(index, network)
        } else {
            let mut anywhere = network.clone();
            anywhere.private_ip = None;
            place_on_interface(index, &anywhere)
        };
        unknown_subnets.extend(unknown);
        for mut placement in found {
            let duplicate = placements.iter().any(|known| {
                known.subnet.id == placement.subnet.id
                    && known.security_group_ids == placement.security_group_ids
                    && known.public_ip == placement.public_ip
                    && known.instance.and_then(|i| i.role_arn.as_ref())
                        == instance.role_arn.as_ref()
            });
            if !duplicate {
                // The collector does not read an instance's IPv6 addresses: only one recorded
                // says yes, and their absence says nothing.
                placement.ipv6 = ipv6_address(placement.subnet, network.ipv6_address.map(|_| true));
                placement.instance = Some(instance);
                placements.push(placement);
            }
        }
    }
    unknown_subnets.dedup();
    (placements, unknown_subnets, unknown_instances)
}

fn task_reasons(task: &crate::snapshot::Task) -> impl Iterator<Item = String> + '_ {
    task.reasons().cloned()
}

fn is_failure_event(message: &str) -> bool {
    let message = message.to_ascii_lowercase();
    [
        "cannotpullcontainer",
        "resourceinitializationerror",
        "failed to start",
        "unable to",
    ]
    .iter()
    .any(|needle| message.contains(needle))
}

fn place<'a>(
    index: &Index<'a>,
    subnet_ids: &[String],
    private_ip: Option<std::net::Ipv4Addr>,
    security_group_ids: &[String],
    public_ip: bool,
) -> (Vec<Placement<'a>>, Vec<String>) {
    let mut placements = Vec::new();
    let mut unknown = Vec::new();
    for subnet_id in subnet_ids {
        let Some((subnet, vpc)) = index
            .subnet(subnet_id)
            .and_then(|subnet| Some((subnet, index.vpc(&subnet.vpc_id)?)))
        else {
            unknown.push(subnet_id.clone());
            continue;
        };
        placements.push(Placement {
            subnet,
            vpc,
            route_table: index.route_table_for(subnet),
            // An IPv6-only subnet gives no IPv4 address: 0.0.0.0/32 matches no rule, and the
            // walker asks no IPv4 hop of such a placement (see `Placement::has_ipv4`).
            source: AddressSet::Block(
                private_ip
                    .map(Ipv4Cidr::host)
                    .or(subnet.cidr_block)
                    .unwrap_or(Ipv4Cidr::host(std::net::Ipv4Addr::UNSPECIFIED)),
            ),
            security_group_ids: security_group_ids.to_vec(),
            public_ip,
            instance: None,
            ipv6: ipv6_address(subnet, None),
        });
    }
    (placements, unknown)
}
