#!/usr/bin/env python3
"""Builds the scenario snapshots under mocks/<name>/snapshot.json.

Every scenario is the same healthy, endpoint-only account with one thing broken, so each
golden file shows exactly what that one fault produces. Run it after changing a scenario, then
bless the goldens: `BLESS=1 cargo test -p ecr-pathcheck-checks --test scenarios`.
"""
import copy
import json
import pathlib

ACCOUNT = "111122223333"
REGION = "us-east-1"
CLUSTER = f"arn:aws:ecs:{REGION}:{ACCOUNT}:cluster/prod"
TASK_DEF = f"arn:aws:ecs:{REGION}:{ACCOUNT}:task-definition/web:7"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/ecsTaskExecutionRole"
IMAGE = f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/web:1.4.2"
S3_PL = "pl-63a5400a"
TASK_ARN = f"arn:aws:ecs:{REGION}:{ACCOUNT}:task/prod/0f1e2d3c4b5a69788796a5b4c3d2e1f0"
LAYER_TIMEOUT = (
    f"CannotPullContainerError: The task cannot pull {IMAGE} from the registry {IMAGE}. There is a connection "
    "issue between the task and the registry. Check your task network configuration. : failed to copy: "
    f"httpReadSeeker: failed open: failed to do request: Get \"https://prod-{REGION}-starport-layer-bucket.s3.{REGION}"
    ".amazonaws.com/abc\": dial tcp 52.216.8.10:443: i/o timeout"
)


def auth_timeout(ip):
    return (
        "ResourceInitializationError: unable to pull secrets or registry auth: The task cannot pull registry auth "
        "from Amazon ECR: There is a connection issue between the task and Amazon ECR. Check your task network "
        f"configuration. RequestError: send request failed caused by: Post \"https://api.ecr.{REGION}.amazonaws.com/\": "
        f"dial tcp {ip}:443: i/o timeout"
    )


def registry_timeout(ip):
    return (
        f"CannotPullContainerError: The task cannot pull {IMAGE} from the registry. There is a connection issue between "
        f"the task and the registry. Check your task network configuration. : failed to do request: Head "
        f"\"https://{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/v2/web/manifests/1.4.2\": dial tcp {ip}:443: i/o timeout"
    )


def allow_all_entries():
    return [
        {"rule_number": 100, "egress": egress, "protocol": "all", "action": "allow", "cidr": "0.0.0.0/0"}
        for egress in (False, True)
    ]


def interface_endpoint(service, last_octet):
    return {
        "id": f"vpce-{service.replace('.', '')}",
        "vpc_id": "vpc-0a1",
        "service_name": f"com.amazonaws.{REGION}.{service}",
        "endpoint_type": "Interface",
        "state": "available",
        "private_dns_enabled": True,
        "subnet_ids": ["subnet-endpoints-a", "subnet-endpoints-b"],
        "network_interfaces": [
            {"id": f"eni-{service.replace('.', '')}-a", "subnet_id": "subnet-endpoints-a", "availability_zone": f"{REGION}a", "private_ip": f"10.0.10.{last_octet}"},
            {"id": f"eni-{service.replace('.', '')}-b", "subnet_id": "subnet-endpoints-b", "availability_zone": f"{REGION}b", "private_ip": f"10.0.11.{last_octet}"},
        ],
        "security_group_ids": ["sg-endpoints"],
    }


def healthy():
    subnet = lambda id, cidr, az: {"id": id, "vpc_id": "vpc-0a1", "availability_zone": f"{REGION}{az}", "cidr_block": cidr}
    return {
        "schema_version": 2,
        "account_id": ACCOUNT,
        "region": REGION,
        "vpcs": [{"id": "vpc-0a1", "cidr_blocks": ["10.0.0.0/16"], "enable_dns_support": True, "enable_dns_hostnames": True, "dhcp_options_id": "dopt-amazon"}],
        "dhcp_options": [{"id": "dopt-amazon", "domain_name_servers": ["AmazonProvidedDNS"]}],
        "subnets": [
            subnet("subnet-private-a", "10.0.1.0/24", "a"),
            subnet("subnet-private-b", "10.0.2.0/24", "b"),
            subnet("subnet-endpoints-a", "10.0.10.0/24", "a"),
            subnet("subnet-endpoints-b", "10.0.11.0/24", "b"),
            {**subnet("subnet-public-a", "10.0.100.0/24", "a"), "map_public_ip_on_launch": True},
        ],
        "route_tables": [
            {"id": "rtb-main", "vpc_id": "vpc-0a1", "main": True, "routes": [{"destination": "10.0.0.0/16", "target": "local"}]},
            {
                "id": "rtb-private",
                "vpc_id": "vpc-0a1",
                "subnet_ids": ["subnet-private-a", "subnet-private-b", "subnet-endpoints-a", "subnet-endpoints-b"],
                "routes": [{"destination": "10.0.0.0/16", "target": "local"}, {"destination": S3_PL, "target": "vpce-s3"}],
            },
            {
                "id": "rtb-public",
                "vpc_id": "vpc-0a1",
                "subnet_ids": ["subnet-public-a"],
                "routes": [{"destination": "10.0.0.0/16", "target": "local"}, {"destination": "0.0.0.0/0", "target": "igw-0a1"}],
            },
        ],
        "network_acls": [{"id": "acl-default", "vpc_id": "vpc-0a1", "is_default": True, "entries": allow_all_entries()}],
        "security_groups": [
            {
                "id": "sg-app",
                "name": "web-tasks",
                "vpc_id": "vpc-0a1",
                "egress": [
                    {"rule_id": "sgr-app-endpoints", "protocol": "tcp", "port_range": {"from": 443, "to": 443}, "peer": "sg-endpoints"},
                    {"rule_id": "sgr-app-s3", "protocol": "tcp", "port_range": {"from": 443, "to": 443}, "peer": S3_PL},
                ],
            },
            {
                "id": "sg-endpoints",
                "name": "vpc-endpoints",
                "vpc_id": "vpc-0a1",
                "ingress": [{"rule_id": "sgr-endpoints-app", "protocol": "tcp", "port_range": {"from": 443, "to": 443}, "peer": "sg-app"}],
            },
        ],
        "prefix_lists": [{"id": S3_PL, "name": f"com.amazonaws.{REGION}.s3", "cidrs": ["52.216.0.0/15", "54.231.0.0/16", "3.5.0.0/19"]}],
        "vpc_endpoints": [
            interface_endpoint("ecr.api", 5),
            interface_endpoint("ecr.dkr", 6),
            interface_endpoint("logs", 7),
            {
                "id": "vpce-s3",
                "vpc_id": "vpc-0a1",
                "service_name": f"com.amazonaws.{REGION}.s3",
                "endpoint_type": "Gateway",
                "state": "available",
                "route_table_ids": ["rtb-private"],
            },
        ],
        "internet_gateways": [{"id": "igw-0a1", "attached_vpc_ids": ["vpc-0a1"]}],
        "services": [
            {
                "arn": f"arn:aws:ecs:{REGION}:{ACCOUNT}:service/prod/web",
                "name": "web",
                "cluster_arn": CLUSTER,
                "task_definition_arn": TASK_DEF,
                "launch_type": "FARGATE",
                "platform_version": "1.4.0",
                "network": {"subnet_ids": ["subnet-private-a", "subnet-private-b"], "security_group_ids": ["sg-app"], "assign_public_ip": False},
            }
        ],
        "task_definitions": [
            {
                "arn": TASK_DEF,
                "execution_role_arn": ROLE,
                "containers": [
                    {
                        "name": "web",
                        "image": IMAGE,
                        "log_driver": "awslogs",
                        "log_options": {"awslogs-group": "/ecs/web", "awslogs-region": REGION, "awslogs-stream-prefix": "web"},
                    }
                ],
            }
        ],
        "iam_roles": [
            {
                "arn": ROLE,
                "trust_policy": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}]},
                "attached_policies": [
                    {
                        "name": "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy",
                        "document": {
                            "Version": "2012-10-17",
                            "Statement": [
                                {
                                    "Effect": "Allow",
                                    "Action": ["ecr:GetAuthorizationToken", "ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage", "logs:CreateLogStream", "logs:PutLogEvents"],
                                    "Resource": "*",
                                }
                            ],
                        },
                    }
                ],
            }
        ],
        "ecr_repositories": [
            {
                "arn": f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/web",
                "name": "web",
                "uri": f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/web",
                "encryption_type": "AES256",
                "images": [{"digest": "sha256:" + "a" * 64, "tags": ["1.4.2", "latest"], "platforms": ["linux/amd64"], "size_bytes": 48_318_382}],
            }
        ],
        "log_groups": [{"name": "/ecs/web"}],
    }


def by_id(items, id):
    return next(item for item in items if item.get("id") == id)


def stopped_task(snapshot, reason, subnet="subnet-private-a", ip="10.0.1.25"):
    snapshot["tasks"] = [
        {
            "arn": TASK_ARN,
            "cluster_arn": CLUSTER,
            "task_definition_arn": TASK_DEF,
            "group": "service:web",
            "launch_type": "FARGATE",
            "platform_version": "1.4.0",
            "last_status": "STOPPED",
            "stop_code": "TaskFailedToStart",
            "stopped_reason": reason,
            "containers": [{"name": "web", "image": IMAGE}],
            "network": {"subnet_id": subnet, "private_ip": ip, "security_group_ids": ["sg-app"]},
        }
    ]


def remove_endpoint(snapshot, id):
    snapshot["vpc_endpoints"] = [ep for ep in snapshot["vpc_endpoints"] if ep["id"] != id]


def no_endpoints_nat(snapshot):
    """Endpoints replaced by a NAT gateway in the public subnet."""
    snapshot["vpc_endpoints"] = []
    snapshot["nat_gateways"] = [{"id": "nat-0a1", "vpc_id": "vpc-0a1", "subnet_id": "subnet-public-a", "state": "available", "connectivity_type": "public"}]
    by_id(snapshot["route_tables"], "rtb-private")["routes"] = [
        {"destination": "10.0.0.0/16", "target": "local"},
        {"destination": "0.0.0.0/0", "target": "nat-0a1"},
    ]
    by_id(snapshot["security_groups"], "sg-app")["egress"] = [
        {"rule_id": "sgr-app-https", "protocol": "tcp", "port_range": {"from": 443, "to": 443}, "peer": "0.0.0.0/0"}
    ]


def s3_prefix_list_egress_missing(s):
    """The task group allows 443 to the endpoints' group but not to the S3 prefix list."""
    app = by_id(s["security_groups"], "sg-app")
    app["egress"] = [rule for rule in app["egress"] if rule["peer"] != S3_PL]
    stopped_task(s, LAYER_TIMEOUT)


def s3_gateway_endpoint_missing(s):
    """No S3 gateway endpoint at all, and no NAT."""
    remove_endpoint(s, "vpce-s3")
    by_id(s["route_tables"], "rtb-private")["routes"] = [{"destination": "10.0.0.0/16", "target": "local"}]
    stopped_task(s, LAYER_TIMEOUT)


def s3_gateway_not_associated(s):
    """subnet-private-b has its own route table, which the S3 gateway endpoint does not know."""
    by_id(s["route_tables"], "rtb-private")["subnet_ids"].remove("subnet-private-b")
    s["route_tables"].append({"id": "rtb-private-b", "vpc_id": "vpc-0a1", "subnet_ids": ["subnet-private-b"], "routes": [{"destination": "10.0.0.0/16", "target": "local"}]})
    stopped_task(s, LAYER_TIMEOUT, subnet="subnet-private-b", ip="10.0.2.40")


def ecr_api_endpoint_missing(s):
    """Platform 1.4.0 fetches the registry token through the task ENI: ecr.api is needed."""
    remove_endpoint(s, "vpce-ecrapi")
    stopped_task(s, auth_timeout("54.239.28.85"))


def private_dns_disabled(s):
    """The ecr.dkr endpoint exists but its private DNS is off."""
    by_id(s["vpc_endpoints"], "vpce-ecrdkr")["private_dns_enabled"] = False
    stopped_task(s, registry_timeout("3.227.250.141"))


def endpoint_sg_no_ingress(s):
    """The endpoints carry a default-style group that accepts traffic only from itself."""
    by_id(s["security_groups"], "sg-endpoints")["ingress"] = [{"rule_id": "sgr-endpoints-self", "protocol": "all", "peer": "sg-endpoints"}]
    stopped_task(s, auth_timeout("10.0.10.5"))


def custom_dns(s):
    """DHCP options point at on-premises resolvers that do not forward amazonaws.com."""
    s["dhcp_options"] = [{"id": "dopt-corp", "domain_name_servers": ["10.20.0.10", "10.20.0.11"]}]
    s["vpcs"][0]["dhcp_options_id"] = "dopt-corp"
    stopped_task(s, auth_timeout("54.239.28.85"))


def custom_dns_no_evidence(s):
    """Custom resolvers and no stopped task: the DNS hop cannot be decided."""
    s["dhcp_options"] = [{"id": "dopt-corp", "domain_name_servers": ["10.20.0.10"]}]
    s["vpcs"][0]["dhcp_options_id"] = "dopt-corp"


def dns_support_disabled(s):
    """The VPC's enableDnsSupport is off: no name resolves, the endpoints' included."""
    s["vpcs"][0]["enable_dns_support"] = False


def dns_hostnames_disabled(s):
    """The VPC's enableDnsHostnames is off, so the interface endpoints' private DNS does not apply."""
    s["vpcs"][0]["enable_dns_hostnames"] = False


def logs_endpoint_missing(s):
    """awslogs needs the logs endpoint."""
    remove_endpoint(s, "vpce-logs")
    stopped_task(s, "ResourceInitializationError: failed to validate logger args: The task cannot find the Amazon CloudWatch log group defined in the task definition. There is a connection issue between the task and Amazon CloudWatch. Check your network configuration. : signal: killed")


def custom_nacl(s, entries):
    s["network_acls"][0]["subnet_ids"] = ["subnet-endpoints-a", "subnet-endpoints-b", "subnet-public-a"]
    s["network_acls"].append({"id": "acl-private", "vpc_id": "vpc-0a1", "subnet_ids": ["subnet-private-a", "subnet-private-b"], "entries": entries})


def nacl_blocks_https(s):
    """The private subnets' ACL lets out only PostgreSQL."""
    custom_nacl(s, [
        {"rule_number": 100, "egress": True, "protocol": "tcp", "action": "allow", "cidr": "10.0.0.0/16", "port_range": {"from": 5432, "to": 5432}},
        {"rule_number": 100, "egress": False, "protocol": "tcp", "action": "allow", "cidr": "0.0.0.0/0", "port_range": {"from": 1024, "to": 65535}},
    ])
    stopped_task(s, auth_timeout("10.0.10.5"))


def nacl_blocks_ephemeral(s):
    """The private subnets' ACL allows 443 out but only the Windows ephemeral range back in."""
    custom_nacl(s, [
        {"rule_number": 100, "egress": True, "protocol": "tcp", "action": "allow", "cidr": "0.0.0.0/0", "port_range": {"from": 443, "to": 443}},
        {"rule_number": 100, "egress": False, "protocol": "tcp", "action": "allow", "cidr": "0.0.0.0/0", "port_range": {"from": 49152, "to": 65535}},
    ])
    stopped_task(s, auth_timeout("10.0.10.5"))


def nat_path_healthy(s):
    """No endpoints; a healthy NAT gateway path carries everything."""
    no_endpoints_nat(s)


def nat_without_internet_route(s):
    """The NAT gateway's public subnet lost its internet gateway route."""
    no_endpoints_nat(s)
    by_id(s["route_tables"], "rtb-public")["routes"] = [{"destination": "10.0.0.0/16", "target": "local"}]
    stopped_task(s, "CannotPullContainerError: context canceled")


def public_subnet_no_public_ip(s):
    """The service runs in the public subnet without assignPublicIp."""
    s["vpc_endpoints"] = []
    by_id(s["security_groups"], "sg-app")["egress"] = [{"rule_id": "sgr-app-https", "protocol": "tcp", "port_range": {"from": 443, "to": 443}, "peer": "0.0.0.0/0"}]
    s["services"][0]["network"]["subnet_ids"] = ["subnet-public-a"]


def endpoint_policy_denies(s):
    """The S3 gateway endpoint policy misspells the layer bucket."""
    by_id(s["vpc_endpoints"], "vpce-s3")["policy"] = {
        "Version": "2012-10-17",
        "Statement": [{"Sid": "EcrLayers", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::prod-{REGION}-starport-layer-buckets/*"}],
    }


def endpoint_sg_open_to_world(s):
    """Works, but the endpoints accept 443 from anywhere (a warning)."""
    by_id(s["security_groups"], "sg-endpoints")["ingress"] = [{"rule_id": "sgr-endpoints-any", "protocol": "tcp", "port_range": {"from": 443, "to": 443}, "peer": "0.0.0.0/0"}]


def transit_gateway_egress(s):
    """No endpoints for ECR; the default route goes to a transit gateway: unknown beyond it."""
    s["vpc_endpoints"] = [ep for ep in s["vpc_endpoints"] if ep["id"] in ("vpce-s3", "vpce-logs")]
    by_id(s["route_tables"], "rtb-private")["routes"].append({"destination": "0.0.0.0/0", "target": "tgw-0egress"})
    by_id(s["security_groups"], "sg-app")["egress"].append({"rule_id": "sgr-app-https", "protocol": "tcp", "port_range": {"from": 443, "to": 443}, "peer": "0.0.0.0/0"})


def image_in_other_region(s):
    """The image lives in eu-west-1 only, whose registry replicates nothing; us-east-1 endpoints
    cannot serve it."""
    s["task_definitions"][0]["containers"][0]["image"] = f"{ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com/web:1.4.2"
    s["ecr_repositories"] = []
    s["ecr_replication"] = [{"region": "eu-west-1", "registry_id": ACCOUNT, "rules": []}]


def image_in_other_region_replicated_late(s):
    """The image lives in eu-west-1, whose registry has a rule replicating `web` to us-east-1, but
    the tag was pushed before the rule existed: it was never copied, so it must be pushed again."""
    image_in_other_region(s)
    s["ecr_replication"][0]["rules"] = [{
        "destinations": [{"region": REGION, "registry_id": ACCOUNT}],
        "repository_prefixes": ["web"],
    }]
    s["ecr_repositories"] = [{
        "arn": f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/web",
        "name": "web",
        "uri": f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/web",
        "encryption_type": "AES256",
        "images": [],
    }]


def image_in_other_region_replicated(s):
    """The task definition names the eu-west-1 image, but the same tag is already in us-east-1
    (replicated): the fix is to point the task definition at the local copy."""
    s["task_definitions"][0]["containers"][0]["image"] = f"{ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com/web:1.4.2"


def network_acls_refused(s):
    """The collector was refused ec2:DescribeNetworkAcls: ACL hops are unknown, not guessed."""
    s["network_acls"] = []
    s["gaps"] = [{"api": "ec2:DescribeNetworkAcls", "error_code": "UnauthorizedOperation", "message": "You are not authorized to perform this operation."}]


def endpoint_pending(s):
    """The ecr.dkr endpoint is still pendingAcceptance."""
    by_id(s["vpc_endpoints"], "vpce-ecrdkr")["state"] = "pendingAcceptance"


def endpoint_single_az(s):
    """Works, but the ecr.api endpoint has an interface only in us-east-1a (a warning for zone b)."""
    endpoint = by_id(s["vpc_endpoints"], "vpce-ecrapi")
    endpoint["subnet_ids"] = ["subnet-endpoints-a"]
    endpoint["network_interfaces"] = endpoint["network_interfaces"][:1]


def nat_route_blackhole(s):
    """The default route still names a deleted NAT gateway."""
    no_endpoints_nat(s)
    s["nat_gateways"] = []
    for route in by_id(s["route_tables"], "rtb-private")["routes"]:
        if route["target"] == "nat-0a1":
            route["target"], route["state"] = "nat-0deleted", "blackhole"


def external_launch_type(s):
    """An EXTERNAL (ECS Anywhere) service: pulls go through a server outside AWS, not analysed."""
    s["services"][0]["launch_type"] = "EXTERNAL"
    del s["services"][0]["platform_version"]


INSTANCE_ROLE = f"arn:aws:iam::{ACCOUNT}:role/ecsInstanceRole"
CONTAINER_INSTANCE = f"arn:aws:ecs:{REGION}:{ACCOUNT}:container-instance/prod/6c1a2b3c4d5e6f708192a3b4c5d6e7f8"
EC2_AGENT_ACTIONS = [
    "ec2:DescribeTags", "ecs:CreateCluster", "ecs:DeregisterContainerInstance", "ecs:DiscoverPollEndpoint",
    "ecs:Poll", "ecs:RegisterContainerInstance", "ecs:StartTelemetrySession", "ecs:UpdateContainerInstancesState",
    "ecs:Submit*",
]


def ec2_instance_healthy(s):
    """An EC2 launch type service without an execution role: the agent on the container instance
    pulls over the instance's own interface (its subnet and security group) with the instance
    profile's role, which carries AmazonEC2ContainerServiceforEC2Role; the ecs, ecs-agent and
    ecs-telemetry endpoints serve the agent."""
    service = s["services"][0]
    service["launch_type"] = "EC2"
    del service["platform_version"]
    del s["task_definitions"][0]["execution_role_arn"]
    s["vpc_endpoints"] += [interface_endpoint("ecs", 20), interface_endpoint("ecs-agent", 21), interface_endpoint("ecs-telemetry", 22)]
    s["security_groups"].append({
        "id": "sg-instances",
        "name": "ecs-instances",
        "vpc_id": "vpc-0a1",
        "egress": [
            {"rule_id": "sgr-instances-endpoints", "protocol": "tcp", "port_range": {"from": 443, "to": 443}, "peer": "sg-endpoints"},
            {"rule_id": "sgr-instances-s3", "protocol": "tcp", "port_range": {"from": 443, "to": 443}, "peer": S3_PL},
        ],
    })
    by_id(s["security_groups"], "sg-endpoints")["ingress"].append(
        {"rule_id": "sgr-endpoints-instances", "protocol": "tcp", "port_range": {"from": 443, "to": 443}, "peer": "sg-instances"})
    s["container_instances"] = [{
        "arn": CONTAINER_INSTANCE,
        "cluster_arn": CLUSTER,
        "ec2_instance_id": "i-0abc1234def567890",
        "network": {"subnet_id": "subnet-private-a", "private_ip": "10.0.1.50", "security_group_ids": ["sg-instances"]},
        "instance_profile_arn": f"arn:aws:iam::{ACCOUNT}:instance-profile/ecsInstanceRole",
        "role_arn": INSTANCE_ROLE,
    }]
    s["iam_roles"].append({
        "arn": INSTANCE_ROLE,
        "trust_policy": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]},
        "attached_policies": [{
            "name": "arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role",
            "document": {"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow",
                "Action": EC2_AGENT_ACTIONS + ["ecr:GetAuthorizationToken", "ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage", "logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": "*",
            }]},
        }],
    })


def ec2_task(s, reason):
    """A stopped EC2 task of the service, placed on the container instance."""
    stopped_task(s, reason, ip="10.0.1.77")
    task = s["tasks"][0]
    task["launch_type"] = "EC2"
    del task["platform_version"]
    task["container_instance_arn"] = CONTAINER_INSTANCE


def ec2_instance_role_denies(s):
    """EC2 launch type without an execution role: the container instance role has only the agent's
    own actions (a hand-written policy), so the agent cannot fetch an ECR token."""
    ec2_instance_healthy(s)
    role = s["iam_roles"][1]
    role["attached_policies"] = []
    role["inline_policies"] = [{"name": "ecs-agent", "document": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": EC2_AGENT_ACTIONS, "Resource": "*"}]}}]
    ec2_task(s, f"CannotPullContainerError: Error response from daemon: pull access denied for {IMAGE.rsplit(':', 1)[0]}, repository does not exist or may require 'docker login': denied: no basic auth credentials")


def ec2_instance_no_profile(s):
    """EC2 launch type without an execution role, on a container instance launched without an
    instance profile: the agent has no credentials to pull with."""
    ec2_instance_healthy(s)
    instance = s["container_instances"][0]
    del instance["instance_profile_arn"]
    del instance["role_arn"]
    s["iam_roles"] = s["iam_roles"][:1]


def ec2_instance_sg_no_s3_egress(s):
    """EC2 launch type: the task's awsvpc security group allows S3, but the pull leaves through the
    container instance's interface, whose security group has no egress to the S3 prefix list."""
    ec2_instance_healthy(s)
    group = by_id(s["security_groups"], "sg-instances")
    group["egress"] = [rule for rule in group["egress"] if rule["peer"] != S3_PL]
    ec2_task(s, LAYER_TIMEOUT)


def legacy_platform(s):
    """Fargate 1.3.0 without an ecr.api endpoint: works today, breaks on upgrade (info)."""
    s["services"][0]["platform_version"] = "1.3.0"
    remove_endpoint(s, "vpce-ecrapi")


def task_definition_missing(s):
    """The snapshot lacks the service's task definition: flows unknown, not guessed."""
    s["task_definitions"] = []


def secrets_endpoint_missing(s):
    """The container reads a Secrets Manager secret; the VPC has no secretsmanager endpoint."""
    s["task_definitions"][0]["containers"][0]["secrets"] = [
        {"name": "DB_PASSWORD", "value_from": f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:prod/db-AbCdEf:password::"}
    ]
    stopped_task(s, "ResourceInitializationError: unable to pull secrets or registry auth: unable to retrieve secret from asm: There is a connection issue between the task and AWS Secrets Manager. Check your task network configuration. failed to fetch secret arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db-AbCdEf")


def secret_kms_decrypt_denied(s):
    """The secret is encrypted with a customer-managed key; the role may read the secret but not
    decrypt with the key. The network to Secrets Manager is fine."""
    secret = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:prod/db-AbCdEf"
    key = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"
    s["task_definitions"][0]["containers"][0]["secrets"] = [{"name": "DB_PASSWORD", "value_from": f"{secret}:password::"}]
    s["vpc_endpoints"].append(interface_endpoint("secretsmanager", 8))
    s["iam_roles"][0]["inline_policies"] = [{
        "name": "read-db-secret",
        "document": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": secret}]},
    }]
    s["kms_keys"] = [{"arn": key, "key_state": "Enabled", "key_manager": "CUSTOMER", "policy": default_key_policy()}]
    s["secret_keys"] = [{"resource": secret, "kms_key": key}]


def default_key_policy():
    """What KMS writes when a key is created without a policy: the account's IAM policies decide."""
    return {"Version": "2012-10-17", "Id": "key-default-1", "Statement": [{
        "Sid": "Enable IAM User Permissions", "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "kms:*", "Resource": "*",
    }]}


def secret_kms_key_policy_excludes_role(s):
    """The role's own policy allows kms:Decrypt on the secret's key, but the key policy names
    only an administrator role: it neither grants the execution role nor lets IAM policies grant it."""
    secret_kms_decrypt_denied(s)
    key = s["kms_keys"][0]["arn"]
    s["iam_roles"][0]["inline_policies"][0]["document"]["Statement"].append(
        {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": key})
    s["kms_keys"][0]["policy"] = {"Version": "2012-10-17", "Statement": [{
        "Sid": "KeyAdministrators", "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:role/kms-admin"}, "Action": "kms:*", "Resource": "*",
    }]}
    stopped_task(s, "ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve secret from asm: service call has been retried 1 time(s): AccessDeniedException: Access to KMS is not allowed")


def secret_kms_key_policy_grants_role(s):
    """The role has no kms:Decrypt of its own, but the key policy names the execution role:
    the key policy alone grants it, so the secret decrypts."""
    secret_kms_decrypt_denied(s)
    key = s["kms_keys"][0]
    key["policy"]["Statement"].append({
        "Sid": "TaskSecrets", "Effect": "Allow",
        "Principal": {"AWS": s["iam_roles"][0]["arn"]}, "Action": "kms:Decrypt", "Resource": "*",
        "Condition": {"StringEquals": {"kms:ViaService": f"secretsmanager.{REGION}.amazonaws.com"}},
    })


def logs_create_group_denied(s):
    """The container sets awslogs-create-group, so the log driver calls logs:CreateLogGroup at
    every start; the execution role has only AmazonECSTaskExecutionRolePolicy, which lacks it."""
    s["task_definitions"][0]["containers"][0]["log_options"]["awslogs-create-group"] = "true"
    stopped_task(s, "ResourceInitializationError: failed to validate logger args: create stream has been retried 1 times: failed to create Cloudwatch log group: AccessDeniedException: User: arn:aws:sts::111122223333:assumed-role/ecsTaskExecutionRole/0f1e2d3c is not authorized to perform: logs:CreateLogGroup on resource: arn:aws:logs:us-east-1:111122223333:log-group:/ecs/web:log-stream: because no identity-based policy allows the logs:CreateLogGroup action : exit status 1")


def execution_role_boundary_denies(s):
    """The execution role carries AmazonECSTaskExecutionRolePolicy, but its permissions boundary
    allows only CloudWatch Logs: every ECR action is refused."""
    s["iam_roles"][0]["permissions_boundary"] = {
        "name": f"arn:aws:iam::{ACCOUNT}:policy/logs-only-boundary",
        "document": {"Version": "2012-10-17", "Statement": [{"Sid": "LogsOnly", "Effect": "Allow", "Action": "logs:*", "Resource": "*"}]},
    }
    stopped_task(s, "CannotPullContainerError: The task can\u2019t pull the image. Check that the role has the permissions to pull images from the registry. AccessDeniedException: User: arn:aws:sts::111122223333:assumed-role/ecsTaskExecutionRole/0f1e2d3c is not authorized to perform: ecr:GetAuthorizationToken on resource: * with an explicit deny in a permissions boundary")


def external_registry_private_subnet(s):
    """The container runs a ghcr.io image with repositoryCredentials from Secrets Manager, from a
    private subnet with only AWS endpoints: no PrivateLink reaches ghcr.io, and the credentials
    secret needs a secretsmanager endpoint the VPC lacks."""
    secret = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:ghcr-token-Q1w2E3"
    container = s["task_definitions"][0]["containers"][0]
    container["image"] = "ghcr.io/example/web:1.4.2"
    container["repository_credentials"] = secret
    s["secret_keys"] = [{"resource": secret}]
    s["iam_roles"][0]["inline_policies"] = [{
        "name": "read-registry-credentials",
        "document": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": secret}]},
    }]


def execution_role_missing(s):
    """The task definition has no execution role."""
    del s["task_definitions"][0]["execution_role_arn"]
    stopped_task(s, "CannotPullContainerError: The task can\u2019t pull the image. Check that the role has the permissions to pull images from the registry.")


def execution_role_trust(s):
    """The execution role trusts ec2.amazonaws.com, not ecs-tasks.amazonaws.com."""
    s["iam_roles"][0]["trust_policy"]["Statement"][0]["Principal"] = {"Service": "ec2.amazonaws.com"}


def execution_role_denies(s):
    """A guardrail denies ECR pulls that do not come through another VPC's endpoint."""
    s["iam_roles"][0]["inline_policies"] = [{
        "name": "pull-only-via-shared-endpoint",
        "document": {"Version": "2012-10-17", "Statement": [{
            "Sid": "OnlyViaSharedEndpoint", "Effect": "Deny", "Action": "ecr:BatchGetImage", "Resource": "*",
            "Condition": {"StringNotEquals": {"aws:SourceVpce": "vpce-0shared"}},
        }]},
    }]
    stopped_task(s, "CannotPullContainerError: The task can\u2019t pull the image. Check that the role has the permissions to pull images from the registry.")
    # The collector asked IAM's simulator, which was refused: the verdict is our evaluator's alone.
    s["iam_roles"][0]["simulation"] = {"unavailable": "was refused (AccessDenied)"}


def simulator_disagrees(s):
    """Our evaluator allows GetAuthorizationToken, IAM's policy simulator does not (something the
    snapshot cannot show decides it): reported as unknown, not as fine."""
    pull = ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"]
    repository = f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/web"
    s["iam_roles"][0]["simulation"] = {"decisions": [
        {"action": "ecr:GetAuthorizationToken", "resource": "*", "decision": "implicitDeny"},
        *({"action": action, "resource": repository, "decision": "allowed"} for action in pull),
    ]}


def repository_policy_denies(s):
    """The image is in another account whose repository policy does not grant this account."""
    other = "444455556666"
    image = f"{other}.dkr.ecr.{REGION}.amazonaws.com/shared-web:1.4.2"
    s["task_definitions"][0]["containers"][0]["image"] = image
    s["ecr_repositories"].append({
        "arn": f"arn:aws:ecr:{REGION}:{other}:repository/shared-web",
        "name": "shared-web",
        "uri": f"{other}.dkr.ecr.{REGION}.amazonaws.com/shared-web",
        "policy": {"Version": "2012-10-17", "Statement": [{"Sid": "OwnAccount", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{other}:root"}, "Action": "ecr:*"}]},
        "images": [{"digest": "sha256:" + "b" * 64, "tags": ["1.4.2"], "platforms": ["linux/amd64"]}],
    })


def cross_account_repository_unseen(s):
    """The image is in another account's registry, which answered "not found" to the collector:
    that may only mean the caller may not see it, so the repository is unknown, not missing."""
    other = "444455556666"
    s["task_definitions"][0]["containers"][0]["image"] = f"{other}.dkr.ecr.{REGION}.amazonaws.com/shared-web:1.4.2"
    s["gaps"] = [{
        "api": "ecr:DescribeRepositories",
        "resource": f"arn:aws:ecr:{REGION}:{other}:repository/shared-web",
        "error_code": "RepositoryNotFoundException",
        "message": f"The repository with name 'shared-web' does not exist in the registry with id '{other}'",
    }]


def cross_account_repository_missing(s):
    """The image is in another account's registry, read with a role of that account
    (--registry-role): its "not found" is the owner's answer, so the repository is missing."""
    cross_account_repository_unseen(s)
    s["ecr_read_as_owner"] = ["444455556666"]


def cross_account_repository_policy_403(s):
    """The image is in another account's registry, not read as its owner; the task stopped on a 403
    from that registry while the execution role's own policies allow the pull: the repository
    policy, which the caller cannot read, likely grants nothing to this account."""
    other = "444455556666"
    image = f"{other}.dkr.ecr.{REGION}.amazonaws.com/shared-web:1.4.2"
    cross_account_repository_unseen(s)
    stopped_task(s, (
        f"CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref {image}: "
        f"pulling from host {other}.dkr.ecr.{REGION}.amazonaws.com failed with status code [manifests 1.4.2]: 403 Forbidden"
    ))
    s["tasks"][0]["containers"][0]["image"] = image


def pull_through_cache(s):
    s["ecr_registry"] = {"pull_through_cache_rules": [{"ecr_repository_prefix": "docker-hub", "upstream_registry_url": "registry-1.docker.io"}]}
    s["task_definitions"][0]["containers"][0]["image"] = f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/docker-hub/library/nginx:1.27"


def pull_through_cache_import_denied(s):
    """A pull-through cache image not cached yet: the first pull must import it, and the
    execution role (AmazonECSTaskExecutionRolePolicy only) may neither import nor create the repository."""
    pull_through_cache(s)


def pull_through_cache_ready(s):
    """The same first pull, with the role allowed to import and to create the cache repository."""
    pull_through_cache(s)
    s["iam_roles"][0]["inline_policies"] = [{
        "name": "pull-through-cache",
        "document": {"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Action": ["ecr:BatchImportUpstreamImage", "ecr:CreateRepository"],
            "Resource": f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/docker-hub/*",
        }]},
    }]


def repository_kms_key_disabled(s):
    """The repository is encrypted with a customer-managed KMS key that was disabled."""
    key = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0"
    s["ecr_repositories"][0]["encryption_type"] = "KMS"
    s["ecr_repositories"][0]["kms_key"] = key
    s["kms_keys"] = [{"arn": key, "key_state": "Disabled", "key_manager": "CUSTOMER"}]


def image_tag_missing(s):
    """The task definition names a tag that was never pushed."""
    s["task_definitions"][0]["containers"][0]["image"] = f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/web:1.4.3"
    stopped_task(s, f"CannotPullContainerError: failed to resolve ref {ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/web:1.4.3: {ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/web:1.4.3: not found")


def image_platform_mismatch(s):
    """The image was built for arm64 only; the task runs on x86_64."""
    s["ecr_repositories"][0]["images"][0]["platforms"] = ["linux/arm64"]
    stopped_task(s, "CannotPullContainerError: pull image manifest has been retried 5 time(s): image Manifest does not contain descriptor matching platform 'linux/amd64'")


def reason_already_fixed(s):
    """The task stopped on an ecr.api timeout, but the path is complete now."""
    stopped_task(s, auth_timeout("10.0.10.5"))


def registry_rate_limit_sidecar(s):
    """A sidecar pulled anonymously from Docker Hub hit its pull rate limit (429 toomanyrequests);
    the NAT path to Docker Hub works."""
    no_endpoints_nat(s)
    s["task_definitions"][0]["containers"].append({"name": "datadog-agent", "image": "datadog/agent:7"})
    reason = (
        "CannotPullContainerError: inspect image has been retried 5 time(s): httpReaderSeeker: failed open: unexpected status code "
        "https://registry-1.docker.io/v2/datadog/agent/manifests/sha256:6e3a: 429 Too Many Requests - Server message: toomanyrequests: "
        "You have reached your pull rate limit. You may increase the limit by authenticating and upgrading: https://www.docker.com/increase-rate-limit"
    )
    stopped_task(s, reason)
    s["tasks"][0]["containers"].append({"name": "datadog-agent", "image": "datadog/agent:7", "reason": reason})


def secret_json_key_missing(s):
    """The container asks for JSON key DB_HOST of a secret that has no such key; the secretsmanager
    endpoint and the role's permission are fine."""
    secret = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:prod/web/db-oDuwul"
    s["vpc_endpoints"].append(interface_endpoint("secretsmanager", 8))
    s["task_definitions"][0]["containers"][0]["secrets"] = [
        {"name": "DB_PASSWORD", "value_from": f"{secret}:password::"},
        {"name": "DB_HOST", "value_from": f"{secret}:DB_HOST::"},
    ]
    s["secret_keys"] = [{"resource": secret}]
    s["iam_roles"][0]["inline_policies"] = [{
        "name": "read-db-secret",
        "document": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": secret}]},
    }]
    stopped_task(s, "ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve secret from asm: service call has been retried 1 time(s): retrieved secret from Secrets Manager did not contain json key DB_HOST")


def image_digest_expired(s):
    """The deployment resolved web:1.4.2 to a digest that a lifecycle rule expired since (rule 1:
    untagged images after 7 days); the tag now points at a newer image."""
    stopped_task(s, f"CannotPullContainerError: failed to resolve ref {IMAGE}@sha256:{'c' * 64}: not found")
    s["tasks"][0]["containers"][0]["image_digest"] = "sha256:" + "c" * 64
    s["ecr_repositories"][0]["lifecycle_policy"] = {"rules": [
        {
            "rulePriority": 1,
            "description": "Expire untagged images after 7 days",
            "selection": {"tagStatus": "untagged", "countType": "sinceImagePushed", "countUnit": "days", "countNumber": 7},
            "action": {"type": "expire"},
        },
        {
            "rulePriority": 2,
            "description": "Keep the last 30 releases",
            "selection": {"tagStatus": "tagged", "tagPrefixList": ["1."], "countType": "imageCountMoreThan", "countNumber": 30},
            "action": {"type": "expire"},
        },
    ]}


def image_bare_name_own_repository(s):
    """The task definition says web:1.4.2 (no registry: docker.io/library/web); the account's ECR
    repository web has that tag. The NAT path reaches Docker Hub, which has no such image."""
    no_endpoints_nat(s)
    s["task_definitions"][0]["containers"][0]["image"] = "web:1.4.2"
    stopped_task(s, "CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref docker.io/library/web:1.4.2: pull access denied, repository does not exist or may require authorization: server message: insufficient_scope: authorization failed")
    s["tasks"][0]["containers"][0]["image"] = "web:1.4.2"


def exec_format_error_platform_unknown(s):
    """The image pulled, then the container exited with exec format error; the image is
    single-architecture, so its architecture is not recorded: unknown, not an error."""
    s["ecr_repositories"][0]["images"][0]["platforms"] = []
    stopped_task(s, "Essential container in task exited")
    s["tasks"][0]["stop_code"] = "EssentialContainerExited"
    s["tasks"][0]["containers"][0].update({"exit_code": 255, "reason": "exec /app/server: exec format error"})


def ephemeral_storage_too_small(s):
    """An 8 GiB (compressed) image on Fargate's default 20 GiB of ephemeral storage: extracting
    it fills the disk."""
    s["ecr_repositories"][0]["images"][0]["size_bytes"] = 8 * 2**30
    stopped_task(s, "CannotPullContainerError: failed to extract layer sha256:0b1c: write /var/lib/containerd/io.containerd.snapshotter.v1.overlayfs/snapshots/12/fs/usr/lib/libx.so: no space left on device")


def dualstack_registry_ipv6_only_egress(s):
    """The image uses ECR's dual-stack host; the subnet has only an IPv6 egress path (egress-only
    internet gateway) and no endpoints: registry auth dials the IPv4-only api.ecr host."""
    s["vpc_endpoints"] = []
    s["task_definitions"][0]["containers"][0]["image"] = f"{ACCOUNT}.dkr-ecr.{REGION}.on.aws/web:1.4.2"
    by_id(s["route_tables"], "rtb-private")["routes"] = [
        {"destination": "10.0.0.0/16", "target": "local"},
        {"destination": "::/0", "target": "eigw-0a1"},
    ]
    by_id(s["security_groups"], "sg-app")["egress"] = [
        {"rule_id": "sgr-app-https", "protocol": "tcp", "port_range": {"from": 443, "to": 443}, "peer": "0.0.0.0/0"},
        {"rule_id": "sgr-app-https6", "protocol": "tcp", "port_range": {"from": 443, "to": 443}, "peer": "::/0"},
    ]
    stopped_task(s, auth_timeout("3.227.250.138"))


def s3_endpoint_policy_principal_account(s):
    """The S3 gateway endpoint's policy allows s3:GetObject only when aws:PrincipalAccount is the
    account itself; ECR's service signs layer URLs, so S3 refuses every layer with 403."""
    by_id(s["vpc_endpoints"], "vpce-s3")["policy"] = {"Version": "2012-10-17", "Statement": [{
        "Sid": "SameAccountOnly", "Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "*",
        "Condition": {"StringEquals": {"aws:PrincipalAccount": ACCOUNT}},
    }]}
    stopped_task(s, f"CannotPullContainerError: ref pull has been retried 1 time(s): failed to copy: httpReadSeeker: failed open: unexpected status code https://prod-{REGION}-starport-layer-bucket.s3.{REGION}.amazonaws.com/...: 403 Forbidden")


SCENARIOS = {
    "healthy-endpoints": lambda s: None,
    "s3-prefix-list-egress-missing": s3_prefix_list_egress_missing,
    "s3-gateway-endpoint-missing": s3_gateway_endpoint_missing,
    "s3-gateway-not-associated": s3_gateway_not_associated,
    "ecr-api-endpoint-missing": ecr_api_endpoint_missing,
    "private-dns-disabled": private_dns_disabled,
    "endpoint-sg-no-ingress": endpoint_sg_no_ingress,
    "custom-dns": custom_dns,
    "custom-dns-no-evidence": custom_dns_no_evidence,
    "dns-support-disabled": dns_support_disabled,
    "dns-hostnames-disabled": dns_hostnames_disabled,
    "logs-endpoint-missing": logs_endpoint_missing,
    "nacl-blocks-https": nacl_blocks_https,
    "nacl-blocks-ephemeral": nacl_blocks_ephemeral,
    "nat-path-healthy": nat_path_healthy,
    "nat-without-internet-route": nat_without_internet_route,
    "public-subnet-no-public-ip": public_subnet_no_public_ip,
    "endpoint-policy-denies": endpoint_policy_denies,
    "endpoint-sg-open-to-world": endpoint_sg_open_to_world,
    "transit-gateway-egress": transit_gateway_egress,
    "image-in-other-region": image_in_other_region,
    "network-acls-refused": network_acls_refused,
    "endpoint-pending": endpoint_pending,
    "endpoint-single-az": endpoint_single_az,
    "nat-route-blackhole": nat_route_blackhole,
    "external-launch-type": external_launch_type,
    "ec2-instance-healthy": ec2_instance_healthy,
    "ec2-instance-role-denies": ec2_instance_role_denies,
    "ec2-instance-no-profile": ec2_instance_no_profile,
    "ec2-instance-sg-no-s3-egress": ec2_instance_sg_no_s3_egress,
    "legacy-platform": legacy_platform,
    "task-definition-missing": task_definition_missing,
    "reason-already-fixed": reason_already_fixed,
    "secrets-endpoint-missing": secrets_endpoint_missing,
    "execution-role-missing": execution_role_missing,
    "execution-role-boundary-denies": execution_role_boundary_denies,
    "external-registry-private-subnet": external_registry_private_subnet,
    "logs-create-group-denied": logs_create_group_denied,
    "execution-role-trust": execution_role_trust,
    "execution-role-denies": execution_role_denies,
    "repository-policy-denies": repository_policy_denies,
    "image-tag-missing": image_tag_missing,
    "cross-account-repository-unseen": cross_account_repository_unseen,
    "cross-account-repository-missing": cross_account_repository_missing,
    "cross-account-repository-policy-403": cross_account_repository_policy_403,
    "simulator-disagrees": simulator_disagrees,
    "pull-through-cache-import-denied": pull_through_cache_import_denied,
    "pull-through-cache-ready": pull_through_cache_ready,
    "repository-kms-key-disabled": repository_kms_key_disabled,
    "image-in-other-region-replicated": image_in_other_region_replicated,
    "image-in-other-region-replicated-late": image_in_other_region_replicated_late,
    "secret-kms-decrypt-denied": secret_kms_decrypt_denied,
    "secret-kms-key-policy-excludes-role": secret_kms_key_policy_excludes_role,
    "secret-kms-key-policy-grants-role": secret_kms_key_policy_grants_role,
    "image-platform-mismatch": image_platform_mismatch,
    "registry-rate-limit-sidecar": registry_rate_limit_sidecar,
    "secret-json-key-missing": secret_json_key_missing,
    "image-digest-expired": image_digest_expired,
    "image-bare-name-own-repository": image_bare_name_own_repository,
    "exec-format-error-platform-unknown": exec_format_error_platform_unknown,
    "ephemeral-storage-too-small": ephemeral_storage_too_small,
    "dualstack-registry-ipv6-only-egress": dualstack_registry_ipv6_only_egress,
    "s3-endpoint-policy-principal-account": s3_endpoint_policy_principal_account,
}


def main():
    root = pathlib.Path(__file__).parent
    index = []
    for name, mutate in SCENARIOS.items():
        snapshot = copy.deepcopy(healthy())
        mutate(snapshot)
        folder = root / name
        folder.mkdir(exist_ok=True)
        (folder / "snapshot.json").write_text(json.dumps(snapshot, indent=2) + "\n")
        index.append((name, (mutate.__doc__ or "The healthy endpoint-only account.").strip()))
    lines = ["# Scenarios", "", "Generated by `build_scenarios.py`; each folder holds `snapshot.json` and the golden `expected.json`.", "", "| scenario | what is broken |", "|---|---|"]
    lines += [f"| `{name}` | {doc} |" for name, doc in index]
    (root / "README.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
