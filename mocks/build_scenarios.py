#!/usr/bin/env python3
"""Builds the scenarios under mocks/<name>/: snapshot.json, scenario.json and mocks/README.md.

Every scenario is the same healthy, endpoint-only account with one thing broken, so each
golden file shows exactly what that one fault produces. Each is declared once, by the
@scenario(...) above its function (see `scenario` below): its one-line summary, the error checks
its report must have, the other checks that must appear, the causes its findings must name and,
if the live tests cannot seed it, why. Run it after changing a scenario, then bless the goldens:
`BLESS=1 cargo test -p ecr-pathcheck-checks --test scenarios`.
"""
import copy
import json
import pathlib
import re
import sys

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
        "schema_version": 4,
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


# The scenarios. Each is declared once, by the @scenario(...) just above the function that breaks
# one thing in a copy of healthy(). main() writes, for each: mocks/NAME/snapshot.json,
# mocks/NAME/scenario.json (the declaration, which the tests read: checks/tests/scenarios.rs for
# the expectations and named causes, tests/live.rs for the skip reason) and its row of
# mocks/README.md. A new scenario is one more block like this one, at the end of the list:
#
#     @scenario(
#         "image-tag-missing",          # its folder under mocks/
#         summary="The task definition names a tag that was never pushed.",  # one line (README)
#         errors=["PC701"],             # the error checks its report has: exactly these
#         also=["PC801"],               # other checks that must appear, at any severity
#         causes=[("PC701", "words")],  # a finding of that check whose detail contains the words
#         live_skip="why moto cannot hold it",  # only if tests/live.rs cannot seed it
#     )
#     def image_tag_missing(s):
#         s["task_definitions"][0]["containers"][0]["image"] = ...
SCENARIOS = {}
CHECK_ID = re.compile(r"PC\d{3}")


def scenario(name, *, summary, errors=(), also=(), causes=(), live_skip=None):
    """Declares the scenario `name` and registers the function it decorates as its mutation."""
    def refuse(why):
        raise ValueError(f"@scenario({name!r}): {why}")

    if not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", name):
        refuse("the name is a folder name in kebab case")
    if name in SCENARIOS:
        refuse("declared twice")
    for field, text in (("summary", summary), ("live_skip", live_skip)):
        if field == "live_skip" and text is None:
            continue
        if not isinstance(text, str) or not text.strip() or "\n" in text or "|" in text:
            refuse(f"{field} is one non-empty line without `|` (it is a cell of mocks/README.md)")
    for field, checks in (("errors", errors), ("also", also)):
        if any(not CHECK_ID.fullmatch(check) for check in checks) or len(set(checks)) != len(checks):
            refuse(f"{field} lists distinct check ids (PC123)")
    if set(errors) & set(also):
        refuse("a check is in errors or in also, not both")
    for check, words in causes:
        if check not in errors and check not in also:
            refuse(f"cause {check} is not among the checks it declares (errors or also)")
        if not words.strip():
            refuse(f"cause {check} names no words")
    declaration = {
        "name": name,
        "summary": summary,
        "errors": list(errors),
        "also": list(also),
        "causes": [{"check": check, "words": words} for check, words in causes],
        "live_skip": live_skip,
    }

    def register(mutate):
        SCENARIOS[name] = (mutate, declaration)
        return mutate

    return register


@scenario(
    "healthy-endpoints",
    summary="The healthy endpoint-only account.",
)
def healthy_endpoints(s):
    pass


@scenario(
    "s3-prefix-list-egress-missing",
    summary="The task group allows 443 to the endpoints' group but not to the S3 prefix list.",
    errors=["PC401"],
    also=["PC801"],
)
def s3_prefix_list_egress_missing(s):
    app = by_id(s["security_groups"], "sg-app")
    app["egress"] = [rule for rule in app["egress"] if rule["peer"] != S3_PL]
    stopped_task(s, LAYER_TIMEOUT)


@scenario(
    "s3-gateway-endpoint-missing",
    summary="No S3 gateway endpoint at all, and no NAT.",
    errors=["PC201"],
    also=["PC801"],
)
def s3_gateway_endpoint_missing(s):
    remove_endpoint(s, "vpce-s3")
    by_id(s["route_tables"], "rtb-private")["routes"] = [{"destination": "10.0.0.0/16", "target": "local"}]
    stopped_task(s, LAYER_TIMEOUT)


@scenario(
    "s3-gateway-not-associated",
    summary="subnet-private-b has its own route table, which the S3 gateway endpoint does not know.",
    errors=["PC301"],
    also=["PC801"],
)
def s3_gateway_not_associated(s):
    by_id(s["route_tables"], "rtb-private")["subnet_ids"].remove("subnet-private-b")
    s["route_tables"].append({"id": "rtb-private-b", "vpc_id": "vpc-0a1", "subnet_ids": ["subnet-private-b"], "routes": [{"destination": "10.0.0.0/16", "target": "local"}]})
    stopped_task(s, LAYER_TIMEOUT, subnet="subnet-private-b", ip="10.0.2.40")


@scenario(
    "ecr-api-endpoint-missing",
    summary="Platform 1.4.0 fetches the registry token through the task ENI: ecr.api is needed.",
    errors=["PC201"],
    also=["PC801"],
)
def ecr_api_endpoint_missing(s):
    remove_endpoint(s, "vpce-ecrapi")
    stopped_task(s, auth_timeout("54.239.28.85"))


@scenario(
    "private-dns-disabled",
    summary="The ecr.dkr endpoint exists but its private DNS is off.",
    errors=["PC103"],
    also=["PC801"],
)
def private_dns_disabled(s):
    by_id(s["vpc_endpoints"], "vpce-ecrdkr")["private_dns_enabled"] = False
    stopped_task(s, registry_timeout("3.227.250.141"))


@scenario(
    "endpoint-sg-no-ingress",
    summary="The endpoints carry a default-style group that accepts traffic only from itself.",
    errors=["PC403"],
    also=["PC801"],
)
def endpoint_sg_no_ingress(s):
    by_id(s["security_groups"], "sg-endpoints")["ingress"] = [{"rule_id": "sgr-endpoints-self", "protocol": "all", "peer": "sg-endpoints"}]
    stopped_task(s, auth_timeout("10.0.10.5"))


def corporate_dns(s, servers):
    """DHCP options naming on-premises resolvers, reachable over a transit gateway (route and port 53)."""
    s["dhcp_options"] = [{"id": "dopt-corp", "domain_name_servers": servers}]
    s["vpcs"][0]["dhcp_options_id"] = "dopt-corp"
    by_id(s["route_tables"], "rtb-private")["routes"].append({"destination": "10.20.0.0/16", "target": "tgw-0corp"})
    by_id(s["security_groups"], "sg-app")["egress"].append(
        {"rule_id": "sgr-app-dns", "protocol": "udp", "port_range": {"from": 53, "to": 53}, "peer": "10.20.0.0/16"}
    )


@scenario(
    "custom-dns",
    summary="DHCP options point at on-premises resolvers that do not forward amazonaws.com.",
    errors=["PC104"],
    also=["PC801"],
)
def custom_dns(s):
    corporate_dns(s, ["10.20.0.10", "10.20.0.11"])
    stopped_task(s, auth_timeout("54.239.28.85"))


@scenario(
    "custom-dns-no-evidence",
    summary="Custom resolvers and no stopped task: the DNS hop cannot be decided.",
    also=["PC104"],
)
def custom_dns_no_evidence(s):
    corporate_dns(s, ["10.20.0.10"])


@scenario(
    "dns-support-disabled",
    summary="The VPC's enableDnsSupport is off: no name resolves, the endpoints' included.",
    errors=["PC101"],
)
def dns_support_disabled(s):
    s["vpcs"][0]["enable_dns_support"] = False


@scenario(
    "dns-hostnames-disabled",
    summary="The VPC's enableDnsHostnames is off, so the interface endpoints' private DNS does not apply.",
    errors=["PC102"],
)
def dns_hostnames_disabled(s):
    s["vpcs"][0]["enable_dns_hostnames"] = False


@scenario(
    "logs-endpoint-missing",
    summary="awslogs needs the logs endpoint.",
    errors=["PC201"],
    also=["PC801"],
)
def logs_endpoint_missing(s):
    remove_endpoint(s, "vpce-logs")
    stopped_task(s, "ResourceInitializationError: failed to validate logger args: The task cannot find the Amazon CloudWatch log group defined in the task definition. There is a connection issue between the task and Amazon CloudWatch. Check your network configuration. : signal: killed")


def custom_nacl(s, entries):
    s["network_acls"][0]["subnet_ids"] = ["subnet-endpoints-a", "subnet-endpoints-b", "subnet-public-a"]
    s["network_acls"].append({"id": "acl-private", "vpc_id": "vpc-0a1", "subnet_ids": ["subnet-private-a", "subnet-private-b"], "entries": entries})


@scenario(
    "nacl-blocks-https",
    summary="The private subnets' ACL lets out only PostgreSQL.",
    errors=["PC501"],
    also=["PC801"],
)
def nacl_blocks_https(s):
    custom_nacl(s, [
        {"rule_number": 100, "egress": True, "protocol": "tcp", "action": "allow", "cidr": "10.0.0.0/16", "port_range": {"from": 5432, "to": 5432}},
        {"rule_number": 100, "egress": False, "protocol": "tcp", "action": "allow", "cidr": "0.0.0.0/0", "port_range": {"from": 1024, "to": 65535}},
    ])
    stopped_task(s, auth_timeout("10.0.10.5"))


@scenario(
    "nacl-blocks-ephemeral",
    summary="The private subnets' ACL allows 443 out but only the Windows ephemeral range back in.",
    errors=["PC502"],
    also=["PC801"],
)
def nacl_blocks_ephemeral(s):
    custom_nacl(s, [
        {"rule_number": 100, "egress": True, "protocol": "tcp", "action": "allow", "cidr": "0.0.0.0/0", "port_range": {"from": 443, "to": 443}},
        {"rule_number": 100, "egress": False, "protocol": "tcp", "action": "allow", "cidr": "0.0.0.0/0", "port_range": {"from": 49152, "to": 65535}},
    ])
    stopped_task(s, auth_timeout("10.0.10.5"))


@scenario(
    "nat-path-healthy",
    summary="No endpoints; a healthy NAT gateway path carries everything.",
)
def nat_path_healthy(s):
    no_endpoints_nat(s)


@scenario(
    "nat-without-internet-route",
    summary="The NAT gateway's public subnet lost its internet gateway route.",
    errors=["PC304"],
    also=["PC801"],
)
def nat_without_internet_route(s):
    no_endpoints_nat(s)
    by_id(s["route_tables"], "rtb-public")["routes"] = [{"destination": "10.0.0.0/16", "target": "local"}]
    stopped_task(s, "CannotPullContainerError: context canceled")


@scenario(
    "public-subnet-no-public-ip",
    summary="The service runs in the public subnet without assignPublicIp.",
    errors=["PC305"],
)
def public_subnet_no_public_ip(s):
    s["vpc_endpoints"] = []
    by_id(s["security_groups"], "sg-app")["egress"] = [{"rule_id": "sgr-app-https", "protocol": "tcp", "port_range": {"from": 443, "to": 443}, "peer": "0.0.0.0/0"}]
    s["services"][0]["network"]["subnet_ids"] = ["subnet-public-a"]


@scenario(
    "endpoint-policy-denies",
    summary="The S3 gateway endpoint policy misspells the layer bucket.",
    errors=["PC204"],
)
def endpoint_policy_denies(s):
    by_id(s["vpc_endpoints"], "vpce-s3")["policy"] = {
        "Version": "2012-10-17",
        "Statement": [{"Sid": "EcrLayers", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::prod-{REGION}-starport-layer-buckets/*"}],
    }


@scenario(
    "endpoint-sg-open-to-world",
    summary="Works, but the endpoints accept 443 from anywhere (a warning).",
    also=["PC404"],
)
def endpoint_sg_open_to_world(s):
    by_id(s["security_groups"], "sg-endpoints")["ingress"] = [{"rule_id": "sgr-endpoints-any", "protocol": "tcp", "port_range": {"from": 443, "to": 443}, "peer": "0.0.0.0/0"}]


@scenario(
    "transit-gateway-egress",
    summary="No endpoints for ECR; the default route goes to a transit gateway the snapshot holds no attachment of: unknown beyond it.",
    also=["PC308"],
)
def transit_gateway_egress(s):
    s["vpc_endpoints"] = [ep for ep in s["vpc_endpoints"] if ep["id"] in ("vpce-s3", "vpce-logs")]
    by_id(s["route_tables"], "rtb-private")["routes"].append({"destination": "0.0.0.0/0", "target": "tgw-0egress"})
    by_id(s["security_groups"], "sg-app")["egress"].append({"rule_id": "sgr-app-https", "protocol": "tcp", "port_range": {"from": 443, "to": 443}, "peer": "0.0.0.0/0"})


@scenario(
    "image-in-other-region",
    summary=(
        "The image lives in eu-west-1 only, whose registry replicates nothing; us-east-1 endpoints "
        "cannot serve it."
    ),
    errors=["PC205", "PC302", "PC402"],
    causes=[
        ("PC205", "has 0 rule(s), none with destination us-east-1 that covers web"),
        ("PC205", "eu-west-1"),
    ],
)
def image_in_other_region(s):
    s["task_definitions"][0]["containers"][0]["image"] = f"{ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com/web:1.4.2"
    s["ecr_repositories"] = []
    s["ecr_replication"] = [{"region": "eu-west-1", "registry_id": ACCOUNT, "rules": []}]


@scenario(
    "image-in-other-region-replicated-late",
    summary=(
        "The image lives in eu-west-1, whose registry has a rule replicating `web` to us-east-1, but "
        "the tag was pushed before the rule existed: it was never copied, so it must be pushed again."
    ),
    errors=["PC205", "PC302", "PC402"],
    causes=[
        ("PC205", "ECR replicates only images pushed after the rule was created"),
    ],
)
def image_in_other_region_replicated_late(s):
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


@scenario(
    "image-in-other-region-replicated",
    summary=(
        "The task definition names the eu-west-1 image, but the same tag is already in us-east-1 "
        "(replicated): the fix is to point the task definition at the local copy."
    ),
    errors=["PC205", "PC302", "PC402"],
)
def image_in_other_region_replicated(s):
    s["task_definitions"][0]["containers"][0]["image"] = f"{ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com/web:1.4.2"


@scenario(
    "network-acls-refused",
    summary="The collector was refused ec2:DescribeNetworkAcls: ACL hops are unknown, not guessed.",
    also=["PC901"],
    live_skip="moto never refuses a call (AccessDenied is an SDK mock test)",
)
def network_acls_refused(s):
    s["network_acls"] = []
    s["gaps"] = [{"api": "ec2:DescribeNetworkAcls", "error_code": "UnauthorizedOperation", "message": "You are not authorized to perform this operation."}]


@scenario(
    "endpoint-pending",
    summary="The ecr.dkr endpoint is still pendingAcceptance.",
    errors=["PC202"],
    live_skip="moto's endpoints are always `available`",
)
def endpoint_pending(s):
    by_id(s["vpc_endpoints"], "vpce-ecrdkr")["state"] = "pendingAcceptance"


@scenario(
    "endpoint-single-az",
    summary="Works, but the ecr.api endpoint has an interface only in us-east-1a (a warning for zone b).",
    also=["PC203"],
)
def endpoint_single_az(s):
    endpoint = by_id(s["vpc_endpoints"], "vpce-ecrapi")
    endpoint["subnet_ids"] = ["subnet-endpoints-a"]
    endpoint["network_interfaces"] = endpoint["network_interfaces"][:1]


@scenario(
    "nat-route-blackhole",
    summary="The default route still names a deleted NAT gateway.",
    errors=["PC303"],
    live_skip="moto cannot make a blackhole route",
)
def nat_route_blackhole(s):
    no_endpoints_nat(s)
    s["nat_gateways"] = []
    for route in by_id(s["route_tables"], "rtb-private")["routes"]:
        if route["target"] == "nat-0a1":
            route["target"], route["state"] = "nat-0deleted", "blackhole"


@scenario(
    "external-launch-type",
    summary="An EXTERNAL (ECS Anywhere) service: pulls go through a server outside AWS, not analysed.",
    also=["PC902"],
    live_skip="moto's CreateService rejects the EXTERNAL launch type",
)
def external_launch_type(s):
    s["services"][0]["launch_type"] = "EXTERNAL"
    del s["services"][0]["platform_version"]


INSTANCE_ROLE = f"arn:aws:iam::{ACCOUNT}:role/ecsInstanceRole"
CONTAINER_INSTANCE = f"arn:aws:ecs:{REGION}:{ACCOUNT}:container-instance/prod/6c1a2b3c4d5e6f708192a3b4c5d6e7f8"
EC2_AGENT_ACTIONS = [
    "ec2:DescribeTags", "ecs:CreateCluster", "ecs:DeregisterContainerInstance", "ecs:DiscoverPollEndpoint",
    "ecs:Poll", "ecs:RegisterContainerInstance", "ecs:StartTelemetrySession", "ecs:UpdateContainerInstancesState",
    "ecs:Submit*",
]


@scenario(
    "ec2-instance-healthy",
    summary=(
        "An EC2 launch type service without an execution role: the agent on the container instance "
        "pulls over the instance's own interface (its subnet and security group) with the instance "
        "profile's role, which carries AmazonEC2ContainerServiceforEC2Role; the ecs, ecs-agent and "
        "ecs-telemetry endpoints serve the agent."
    ),
)
def ec2_instance_healthy(s):
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


@scenario(
    "ec2-instance-role-denies",
    summary=(
        "EC2 launch type without an execution role: the container instance role has only the agent's "
        "own actions (a hand-written policy), so the agent cannot fetch an ECR token."
    ),
    errors=["PC603"],
    also=["PC801"],
    causes=[
        ("PC603", "for role arn:aws:iam::111122223333:role/ecsInstanceRole, no statement"),
    ],
)
def ec2_instance_role_denies(s):
    ec2_instance_healthy(s)
    role = s["iam_roles"][1]
    role["attached_policies"] = []
    role["inline_policies"] = [{"name": "ecs-agent", "document": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": EC2_AGENT_ACTIONS, "Resource": "*"}]}}]
    ec2_task(s, f"CannotPullContainerError: Error response from daemon: pull access denied for {IMAGE.rsplit(':', 1)[0]}, repository does not exist or may require 'docker login': denied: no basic auth credentials")


@scenario(
    "ec2-instance-no-profile",
    summary=(
        "EC2 launch type without an execution role, on a container instance launched without an "
        "instance profile: the agent has no credentials to pull with."
    ),
    errors=["PC606"],
    causes=[
        ("PC606", "the instance has no IAM instance profile"),
    ],
)
def ec2_instance_no_profile(s):
    ec2_instance_healthy(s)
    instance = s["container_instances"][0]
    del instance["instance_profile_arn"]
    del instance["role_arn"]
    s["iam_roles"] = s["iam_roles"][:1]


@scenario(
    "ec2-instance-sg-no-s3-egress",
    summary=(
        "EC2 launch type: the task's awsvpc security group allows S3, but the pull leaves through the "
        "container instance's interface, whose security group has no egress to the S3 prefix list."
    ),
    errors=["PC401"],
    also=["PC801"],
    causes=[
        ("PC401", "sg-instances"),
    ],
)
def ec2_instance_sg_no_s3_egress(s):
    ec2_instance_healthy(s)
    group = by_id(s["security_groups"], "sg-instances")
    group["egress"] = [rule for rule in group["egress"] if rule["peer"] != S3_PL]
    ec2_task(s, LAYER_TIMEOUT)


@scenario(
    "legacy-platform",
    summary="Fargate 1.3.0 without an ecr.api endpoint: works today, breaks on upgrade (info).",
    also=["PC903"],
)
def legacy_platform(s):
    s["services"][0]["platform_version"] = "1.3.0"
    remove_endpoint(s, "vpce-ecrapi")


@scenario(
    "task-definition-missing",
    summary="The snapshot lacks the service's task definition: flows unknown, not guessed.",
    also=["PC904"],
    live_skip="moto will not create a service whose task definition does not exist",
)
def task_definition_missing(s):
    s["task_definitions"] = []


@scenario(
    "secrets-endpoint-missing",
    summary="The container reads a Secrets Manager secret; the VPC has no secretsmanager endpoint.",
    errors=["PC201", "PC603"],
    also=["PC801"],
)
def secrets_endpoint_missing(s):
    s["task_definitions"][0]["containers"][0]["secrets"] = [
        {"name": "DB_PASSWORD", "value_from": f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:prod/db-AbCdEf:password::"}
    ]
    stopped_task(s, "ResourceInitializationError: unable to pull secrets or registry auth: unable to retrieve secret from asm: There is a connection issue between the task and AWS Secrets Manager. Check your task network configuration. failed to fetch secret arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db-AbCdEf")


@scenario(
    "secret-kms-decrypt-denied",
    summary=(
        "The secret is encrypted with a customer-managed key; the role may read the secret but not "
        "decrypt with the key. The network to Secrets Manager is fine."
    ),
    errors=["PC605"],
    causes=[
        ("PC605", "statement `Enable IAM User Permissions` of the key policy"),
    ],
)
def secret_kms_decrypt_denied(s):
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


@scenario(
    "secret-kms-key-policy-excludes-role",
    summary=(
        "The role's own policy allows kms:Decrypt on the secret's key, but the key policy names "
        "only an administrator role: it neither grants the execution role nor lets IAM policies grant it."
    ),
    errors=["PC605"],
    also=["PC801"],
    causes=[
        ("PC605", "names neither the role nor its account (arn:aws:iam::111122223333:root)"),
    ],
)
def secret_kms_key_policy_excludes_role(s):
    secret_kms_decrypt_denied(s)
    key = s["kms_keys"][0]["arn"]
    s["iam_roles"][0]["inline_policies"][0]["document"]["Statement"].append(
        {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": key})
    s["kms_keys"][0]["policy"] = {"Version": "2012-10-17", "Statement": [{
        "Sid": "KeyAdministrators", "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:role/kms-admin"}, "Action": "kms:*", "Resource": "*",
    }]}
    stopped_task(s, "ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve secret from asm: service call has been retried 1 time(s): AccessDeniedException: Access to KMS is not allowed")


@scenario(
    "secret-kms-key-policy-grants-role",
    summary=(
        "The role has no kms:Decrypt of its own, but the key policy names the execution role: "
        "the key policy alone grants it, so the secret decrypts."
    ),
)
def secret_kms_key_policy_grants_role(s):
    secret_kms_decrypt_denied(s)
    key = s["kms_keys"][0]
    key["policy"]["Statement"].append({
        "Sid": "TaskSecrets", "Effect": "Allow",
        "Principal": {"AWS": s["iam_roles"][0]["arn"]}, "Action": "kms:Decrypt", "Resource": "*",
        "Condition": {"StringEquals": {"kms:ViaService": f"secretsmanager.{REGION}.amazonaws.com"}},
    })


@scenario(
    "logs-create-group-denied",
    summary=(
        "The container sets awslogs-create-group, so the log driver calls logs:CreateLogGroup at "
        "every start; the execution role has only AmazonECSTaskExecutionRolePolicy, which lacks it."
    ),
    errors=["PC603"],
    also=["PC801"],
    causes=[
        ("PC603", "CloudWatch Logs needs logs:CreateLogGroup on arn:aws:logs:us-east-1:111122223333:log-group:/ecs/web:*"),
    ],
)
def logs_create_group_denied(s):
    s["task_definitions"][0]["containers"][0]["log_options"]["awslogs-create-group"] = "true"
    stopped_task(s, "ResourceInitializationError: failed to validate logger args: create stream has been retried 1 times: failed to create Cloudwatch log group: AccessDeniedException: User: arn:aws:sts::111122223333:assumed-role/ecsTaskExecutionRole/0f1e2d3c is not authorized to perform: logs:CreateLogGroup on resource: arn:aws:logs:us-east-1:111122223333:log-group:/ecs/web:log-stream: because no identity-based policy allows the logs:CreateLogGroup action : exit status 1")


@scenario(
    "execution-role-boundary-denies",
    summary=(
        "The execution role carries AmazonECSTaskExecutionRolePolicy, but its permissions boundary "
        "allows only CloudWatch Logs: every ECR action is refused."
    ),
    errors=["PC603"],
    also=["PC801"],
    causes=[
        ("PC603", "the permissions boundary arn:aws:iam::111122223333:policy/logs-only-boundary (it does not allow the action) denies it"),
    ],
)
def execution_role_boundary_denies(s):
    s["iam_roles"][0]["permissions_boundary"] = {
        "name": f"arn:aws:iam::{ACCOUNT}:policy/logs-only-boundary",
        "document": {"Version": "2012-10-17", "Statement": [{"Sid": "LogsOnly", "Effect": "Allow", "Action": "logs:*", "Resource": "*"}]},
    }
    stopped_task(s, "CannotPullContainerError: The task can\u2019t pull the image. Check that the role has the permissions to pull images from the registry. AccessDeniedException: User: arn:aws:sts::111122223333:assumed-role/ecsTaskExecutionRole/0f1e2d3c is not authorized to perform: ecr:GetAuthorizationToken on resource: * with an explicit deny in a permissions boundary")


@scenario(
    "external-registry-private-subnet",
    summary=(
        "The container runs a ghcr.io image with repositoryCredentials from Secrets Manager, from a "
        "private subnet with only AWS endpoints: no PrivateLink reaches ghcr.io, and the credentials "
        "secret needs a secretsmanager endpoint the VPC lacks."
    ),
    errors=["PC201", "PC205", "PC302", "PC402"],
    causes=[
        ("PC201", "reads secret arn:aws:secretsmanager:us-east-1:111122223333:secret:ghcr-token-Q1w2E3"),
    ],
)
def external_registry_private_subnet(s):
    secret = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:ghcr-token-Q1w2E3"
    container = s["task_definitions"][0]["containers"][0]
    container["image"] = "ghcr.io/example/web:1.4.2"
    container["repository_credentials"] = secret
    s["secret_keys"] = [{"resource": secret}]
    s["iam_roles"][0]["inline_policies"] = [{
        "name": "read-registry-credentials",
        "document": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": secret}]},
    }]


@scenario(
    "execution-role-missing",
    summary="The task definition has no execution role.",
    errors=["PC601"],
    also=["PC801"],
)
def execution_role_missing(s):
    del s["task_definitions"][0]["execution_role_arn"]
    stopped_task(s, "CannotPullContainerError: The task can\u2019t pull the image. Check that the role has the permissions to pull images from the registry.")


@scenario(
    "execution-role-trust",
    summary="The execution role trusts ec2.amazonaws.com, not ecs-tasks.amazonaws.com.",
    errors=["PC602"],
)
def execution_role_trust(s):
    s["iam_roles"][0]["trust_policy"]["Statement"][0]["Principal"] = {"Service": "ec2.amazonaws.com"}


@scenario(
    "execution-role-denies",
    summary="A guardrail denies ECR pulls that do not come through another VPC's endpoint.",
    errors=["PC603"],
    also=["PC801"],
)
def execution_role_denies(s):
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


@scenario(
    "simulator-disagrees",
    summary=(
        "Our evaluator allows GetAuthorizationToken, IAM's policy simulator does not (something the "
        "snapshot cannot show decides it): reported as unknown, not as fine."
    ),
    also=["PC603"],
    live_skip="moto does not implement iam:SimulatePrincipalPolicy (HTTP 500)",
)
def simulator_disagrees(s):
    pull = ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"]
    repository = f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/web"
    s["iam_roles"][0]["simulation"] = {"decisions": [
        {"action": "ecr:GetAuthorizationToken", "resource": "*", "decision": "implicitDeny"},
        *({"action": action, "resource": repository, "decision": "allowed"} for action in pull),
    ]}


@scenario(
    "repository-policy-denies",
    summary="The image is in another account whose repository policy does not grant this account.",
    errors=["PC604"],
)
def repository_policy_denies(s):
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


@scenario(
    "cross-account-repository-unseen",
    summary=(
        "The image is in another account's registry, which answered \"not found\" to the collector: "
        "that may only mean the caller may not see it, so the repository is unknown, not missing."
    ),
    also=["PC701", "PC901"],
)
def cross_account_repository_unseen(s):
    other = "444455556666"
    s["task_definitions"][0]["containers"][0]["image"] = f"{other}.dkr.ecr.{REGION}.amazonaws.com/shared-web:1.4.2"
    s["gaps"] = [{
        "api": "ecr:DescribeRepositories",
        "resource": f"arn:aws:ecr:{REGION}:{other}:repository/shared-web",
        "error_code": "RepositoryNotFoundException",
        "message": f"The repository with name 'shared-web' does not exist in the registry with id '{other}'",
    }]


@scenario(
    "cross-account-repository-missing",
    summary=(
        "The image is in another account's registry, read with a role of that account "
        "(--registry-role): its \"not found\" is the owner's answer, so the repository is missing."
    ),
    errors=["PC701"],
    causes=[
        ("PC701", "ECR answered RepositoryNotFoundException for arn:aws:ecr:us-east-1:444455556666:repository/shared-web"),
    ],
)
def cross_account_repository_missing(s):
    cross_account_repository_unseen(s)
    s["ecr_read_as_owner"] = ["444455556666"]


@scenario(
    "cross-account-repository-policy-403",
    summary=(
        "The image is in another account's registry, not read as its owner; the task stopped on a 403 "
        "from that registry while the execution role's own policies allow the pull: the repository "
        "policy, which the caller cannot read, likely grants nothing to this account."
    ),
    also=["PC604", "PC701", "PC801", "PC901"],
    causes=[
        ("PC604", "own policies allow ecr:BatchCheckLayerAvailability, ecr:GetDownloadUrlForLayer, ecr:BatchGetImage on arn:aws:ecr:us-east-1:444455556666:repository/shared-web, so the refusal comes from the repository's side"),
    ],
)
def cross_account_repository_policy_403(s):
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


@scenario(
    "pull-through-cache-import-denied",
    summary=(
        "A pull-through cache image not cached yet: the first pull must import it, and the "
        "execution role (AmazonECSTaskExecutionRolePolicy only) may neither import nor create the repository."
    ),
    errors=["PC703"],
)
def pull_through_cache_import_denied(s):
    pull_through_cache(s)


@scenario(
    "pull-through-cache-ready",
    summary="The same first pull, with the role allowed to import and to create the cache repository.",
)
def pull_through_cache_ready(s):
    pull_through_cache(s)
    s["iam_roles"][0]["inline_policies"] = [{
        "name": "pull-through-cache",
        "document": {"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Action": ["ecr:BatchImportUpstreamImage", "ecr:CreateRepository"],
            "Resource": f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/docker-hub/*",
        }]},
    }]


@scenario(
    "repository-kms-key-disabled",
    summary="The repository is encrypted with a customer-managed KMS key that was disabled.",
    errors=["PC704"],
)
def repository_kms_key_disabled(s):
    key = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0"
    s["ecr_repositories"][0]["encryption_type"] = "KMS"
    s["ecr_repositories"][0]["kms_key"] = key
    s["kms_keys"] = [{"arn": key, "key_state": "Disabled", "key_manager": "CUSTOMER"}]


@scenario(
    "image-tag-missing",
    summary="The task definition names a tag that was never pushed.",
    errors=["PC701"],
    also=["PC801"],
)
def image_tag_missing(s):
    s["task_definitions"][0]["containers"][0]["image"] = f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/web:1.4.3"
    stopped_task(s, f"CannotPullContainerError: failed to resolve ref {ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/web:1.4.3: {ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/web:1.4.3: not found")


@scenario(
    "image-platform-mismatch",
    summary="The image was built for arm64 only; the task runs on x86_64.",
    errors=["PC702"],
    also=["PC801"],
)
def image_platform_mismatch(s):
    s["ecr_repositories"][0]["images"][0]["platforms"] = ["linux/arm64"]
    stopped_task(s, "CannotPullContainerError: pull image manifest has been retried 5 time(s): image Manifest does not contain descriptor matching platform 'linux/amd64'")


@scenario(
    "reason-already-fixed",
    summary="The task stopped on an ecr.api timeout, but the path is complete now.",
    also=["PC802", "PC801"],
)
def reason_already_fixed(s):
    stopped_task(s, auth_timeout("10.0.10.5"))


@scenario(
    "registry-rate-limit-sidecar",
    summary=(
        "A sidecar pulled anonymously from Docker Hub hit its pull rate limit (429 toomanyrequests); "
        "the NAT path to Docker Hub works."
    ),
    errors=["PC707"],
    also=["PC801"],
    causes=[
        ("PC707", "container `datadog-agent`, image datadog/agent:7"),
    ],
)
def registry_rate_limit_sidecar(s):
    no_endpoints_nat(s)
    s["task_definitions"][0]["containers"].append({"name": "datadog-agent", "image": "datadog/agent:7"})
    reason = (
        "CannotPullContainerError: inspect image has been retried 5 time(s): httpReaderSeeker: failed open: unexpected status code "
        "https://registry-1.docker.io/v2/datadog/agent/manifests/sha256:6e3a: 429 Too Many Requests - Server message: toomanyrequests: "
        "You have reached your pull rate limit. You may increase the limit by authenticating and upgrading: https://www.docker.com/increase-rate-limit"
    )
    stopped_task(s, reason)
    s["tasks"][0]["containers"].append({"name": "datadog-agent", "image": "datadog/agent:7", "reason": reason})


@scenario(
    "secret-json-key-missing",
    summary=(
        "The container asks for JSON key DB_HOST of a secret that has no such key; the secretsmanager "
        "endpoint and the role's permission are fine."
    ),
    errors=["PC607"],
    also=["PC801"],
    causes=[
        ("PC607", "container `web` sets DB_HOST from valueFrom arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/web/db-oDuwul:DB_HOST::"),
    ],
)
def secret_json_key_missing(s):
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


@scenario(
    "image-digest-expired",
    summary=(
        "The deployment resolved web:1.4.2 to a digest that a lifecycle rule expired since (rule 1: "
        "untagged images after 7 days); the tag now points at a newer image."
    ),
    errors=["PC705"],
    also=["PC801"],
    causes=[
        ("PC705", "none with that digest"),
        ("PC705", "The repository's lifecycle policy expires it: rulePriority 1 (\"Expire untagged images after 7 days\"), tagStatus untagged, sinceImagePushed 7 days, action expire"),
    ],
)
def image_digest_expired(s):
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


@scenario(
    "image-bare-name-own-repository",
    summary=(
        "The task definition says web:1.4.2 (no registry: docker.io/library/web); the account's ECR "
        "repository web has that tag. The NAT path reaches Docker Hub, which has no such image."
    ),
    errors=["PC706"],
    also=["PC801"],
    causes=[
        ("PC706", "the account's ECR repository arn:aws:ecr:us-east-1:111122223333:repository/web holds 1.4.2"),
    ],
)
def image_bare_name_own_repository(s):
    no_endpoints_nat(s)
    s["task_definitions"][0]["containers"][0]["image"] = "web:1.4.2"
    stopped_task(s, "CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref docker.io/library/web:1.4.2: pull access denied, repository does not exist or may require authorization: server message: insufficient_scope: authorization failed")
    s["tasks"][0]["containers"][0]["image"] = "web:1.4.2"


@scenario(
    "exec-format-error-platform-unknown",
    summary=(
        "The image pulled, then the container exited with exec format error; the image is "
        "single-architecture and reading its config blob was refused, so its architecture is "
        "unknown: a warning naming the refused read, not an error."
    ),
    also=["PC702", "PC901"],
    causes=[
        ("PC702", "its binaries are for another architecture than linux/amd64"),
        ("PC702", f"ecr:GetDownloadUrlForLayer for arn:aws:ecr:{REGION}:{ACCOUNT}:repository/web failed (AccessDeniedException"),
    ],
    live_skip="moto never refuses a call (a refused config blob read is an SDK mock test)",
)
def exec_format_error_platform_unknown(s):
    s["ecr_repositories"][0]["images"][0]["platforms"] = []
    stopped_task(s, "Essential container in task exited")
    s["tasks"][0]["stop_code"] = "EssentialContainerExited"
    s["tasks"][0]["containers"][0].update({"exit_code": 255, "reason": "exec /app/server: exec format error"})
    # The collector's policy predates ecr:GetDownloadUrlForLayer (the schema 3 read).
    s["gaps"] = [{
        "api": "ecr:GetDownloadUrlForLayer",
        "resource": f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/web",
        "error_code": "AccessDeniedException",
        "message": f"User: arn:aws:sts::{ACCOUNT}:assumed-role/oncall/jane is not authorized to perform: ecr:GetDownloadUrlForLayer on resource: arn:aws:ecr:{REGION}:{ACCOUNT}:repository/web because no identity-based policy allows the ecr:GetDownloadUrlForLayer action",
    }]


@scenario(
    "ephemeral-storage-too-small",
    summary=(
        "An 8 GiB (compressed) image on Fargate's default 20 GiB of ephemeral storage: extracting "
        "it fills the disk."
    ),
    errors=["PC708"],
    also=["PC801"],
    causes=[
        ("PC708", "more than the 20 GiB of Fargate's default ephemeral storage"),
    ],
    live_skip="moto computes imageSizeInBytes from the pushed manifest; an 8 GiB image cannot be seeded",
)
def ephemeral_storage_too_small(s):
    s["ecr_repositories"][0]["images"][0]["size_bytes"] = 8 * 2**30
    stopped_task(s, "CannotPullContainerError: failed to extract layer sha256:0b1c: write /var/lib/containerd/io.containerd.snapshotter.v1.overlayfs/snapshots/12/fs/usr/lib/libx.so: no space left on device")


@scenario(
    "dualstack-registry-ipv6-only-egress",
    summary=(
        "The image uses ECR's dual-stack host; the subnet has only an IPv6 egress path (egress-only "
        "internet gateway) and no endpoints: registry auth dials the IPv4-only api.ecr host."
    ),
    errors=["PC201"],
    also=["PC302", "PC801"],
    causes=[
        ("PC201", "Registry auth needs IPv4 even for a dual-stack image"),
    ],
    live_skip=(
        "the snapshot records no IPv6 facts (as a schema 3 file: whether the task has IPv6 is unknown); "
        "a live collector records the subnets' (no IPv6 block), so live rightly differs"
    ),
)
def dualstack_registry_ipv6_only_egress(s):
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


@scenario(
    "s3-endpoint-policy-principal-account",
    summary=(
        "The S3 gateway endpoint's policy allows s3:GetObject only when aws:PrincipalAccount is the "
        "account itself; ECR's service signs layer URLs, so S3 refuses every layer with 403."
    ),
    errors=["PC204"],
    also=["PC801"],
    causes=[
        ("PC204", "Layer downloads are presigned URLs that ECR's own service signs"),
    ],
)
def s3_endpoint_policy_principal_account(s):
    by_id(s["vpc_endpoints"], "vpce-s3")["policy"] = {"Version": "2012-10-17", "Statement": [{
        "Sid": "SameAccountOnly", "Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "*",
        "Condition": {"StringEquals": {"aws:PrincipalAccount": ACCOUNT}},
    }]}
    stopped_task(s, f"CannotPullContainerError: ref pull has been retried 1 time(s): failed to copy: httpReadSeeker: failed open: unexpected status code https://prod-{REGION}-starport-layer-bucket.s3.{REGION}.amazonaws.com/...: 403 Forbidden")


@scenario(
    "image-platform-single-arch-mismatch",
    summary=(
        "A single-architecture image whose config blob says linux/arm64/v8 on an x86_64 task: the "
        "container exits 255 with no reason; the config blob read decides it."
    ),
    errors=["PC702"],
    causes=[
        ("PC702", "its config blob says linux/arm64/v8: a single-architecture image"),
    ],
)
def image_platform_single_arch_mismatch(s):
    image = s["ecr_repositories"][0]["images"][0]
    image["platforms"] = []
    image["config_platform"] = "linux/arm64/v8"
    stopped_task(s, "Essential container in task exited")
    s["tasks"][0]["stop_code"] = "EssentialContainerExited"
    s["tasks"][0]["containers"][0]["exit_code"] = 255

# Hub and spoke (issue 11): the tasks' VPC (the spoke, vpc-0a1, 10.0.0.0/16) keeps its S3 gateway
# endpoint but has no interface endpoint; ecr.api, ecr.dkr and logs are interface endpoints in a
# hub VPC (vpc-0hub, 10.1.0.0/16) with private DNS off, answered in the spoke by private hosted
# zones whose alias records point at the hub endpoints' DNS names. The spoke's default route goes
# to transit gateway tgw-0hub; its route tables send 10.1.0.0/16 to the hub attachment and
# 10.0.0.0/16 back to the spoke's.
HUB_CIDR = "10.1.0.0/16"
HUB_ZONES = {
    "ecr.api": ("Z0HUBAPI000000000000", f"api.ecr.{REGION}.amazonaws.com", [f"api.ecr.{REGION}.amazonaws.com"]),
    "ecr.dkr": ("Z0HUBDKR000000000000", f"dkr.ecr.{REGION}.amazonaws.com", [f"dkr.ecr.{REGION}.amazonaws.com", f"*.dkr.ecr.{REGION}.amazonaws.com"]),
    "logs": ("Z0HUBLOGS00000000000", f"logs.{REGION}.amazonaws.com", [f"logs.{REGION}.amazonaws.com"]),
}


def hub_endpoint(service, last_octet):
    short = service.replace(".", "")
    return {
        "id": f"vpce-hub{short}",
        "vpc_id": "vpc-0hub",
        "service_name": f"com.amazonaws.{REGION}.{service}",
        "endpoint_type": "Interface",
        "state": "available",
        "private_dns_enabled": False,
        "subnet_ids": ["subnet-hub-a", "subnet-hub-b"],
        "network_interfaces": [
            {"id": f"eni-hub{short}-a", "subnet_id": "subnet-hub-a", "availability_zone": f"{REGION}a", "private_ip": f"10.1.10.{last_octet}"},
            {"id": f"eni-hub{short}-b", "subnet_id": "subnet-hub-b", "availability_zone": f"{REGION}b", "private_ip": f"10.1.11.{last_octet}"},
        ],
        "security_group_ids": ["sg-hub-endpoints"],
        "dns_names": [f"vpce-hub{short}-0abc.{service.split('.')[-1] if service != 'ecr.api' else 'api'}.{'ecr.' if service.startswith('ecr') else ''}{REGION}.vpce.amazonaws.com"],
    }


def hub_spoke(s):
    """The healthy hub-and-spoke account (see the comment above)."""
    remove_endpoint(s, "vpce-ecrapi")
    remove_endpoint(s, "vpce-ecrdkr")
    remove_endpoint(s, "vpce-logs")
    s["security_groups"] = [g for g in s["security_groups"] if g["id"] != "sg-endpoints"]
    by_id(s["security_groups"], "sg-app")["egress"] = [
        {"rule_id": "sgr-app-hub", "protocol": "tcp", "port_range": {"from": 443, "to": 443}, "peer": HUB_CIDR},
        {"rule_id": "sgr-app-s3", "protocol": "tcp", "port_range": {"from": 443, "to": 443}, "peer": S3_PL},
    ]
    by_id(s["route_tables"], "rtb-private")["routes"].append({"destination": "0.0.0.0/0", "target": "tgw-0hub"})
    s["vpcs"].append({"id": "vpc-0hub", "cidr_blocks": [HUB_CIDR], "enable_dns_support": True, "enable_dns_hostnames": True, "dhcp_options_id": "dopt-amazon"})
    s["subnets"] += [
        {"id": "subnet-hub-a", "vpc_id": "vpc-0hub", "availability_zone": f"{REGION}a", "cidr_block": "10.1.10.0/24"},
        {"id": "subnet-hub-b", "vpc_id": "vpc-0hub", "availability_zone": f"{REGION}b", "cidr_block": "10.1.11.0/24"},
    ]
    s["route_tables"].append({
        "id": "rtb-hub",
        "vpc_id": "vpc-0hub",
        "main": True,
        "subnet_ids": ["subnet-hub-a", "subnet-hub-b"],
        "routes": [{"destination": HUB_CIDR, "target": "local"}, {"destination": "10.0.0.0/16", "target": "tgw-0hub"}],
    })
    s["network_acls"].append({"id": "acl-hub", "vpc_id": "vpc-0hub", "is_default": True, "entries": allow_all_entries()})
    s["security_groups"].append({
        "id": "sg-hub-endpoints",
        "name": "shared-endpoints",
        "vpc_id": "vpc-0hub",
        "ingress": [{"rule_id": "sgr-hub-spokes", "protocol": "tcp", "port_range": {"from": 443, "to": 443}, "peer": "10.0.0.0/8"}],
    })
    s["vpc_endpoints"] += [hub_endpoint("ecr.api", 5), hub_endpoint("ecr.dkr", 6), hub_endpoint("logs", 7)]
    s["hosted_zones"] = []
    for service, (zone_id, name, records) in HUB_ZONES.items():
        target = by_id(s["vpc_endpoints"], f"vpce-hub{service.replace('.', '')}")["dns_names"][0]
        s["hosted_zones"].append({
            "id": zone_id,
            "name": name,
            "private": True,
            "vpc_ids": ["vpc-0a1", "vpc-0hub"],
            "records": [{"name": record, "type": "A", "alias_target": target} for record in records],
        })
    s["transit_gateway_attachments"] = [
        {"id": "tgw-attach-spoke", "transit_gateway_id": "tgw-0hub", "resource_type": "vpc", "resource_id": "vpc-0a1", "state": "available", "association_route_table_id": "tgw-rtb-spokes", "subnet_ids": ["subnet-private-a", "subnet-private-b"]},
        {"id": "tgw-attach-hub", "transit_gateway_id": "tgw-0hub", "resource_type": "vpc", "resource_id": "vpc-0hub", "state": "available", "association_route_table_id": "tgw-rtb-hub", "subnet_ids": ["subnet-hub-a", "subnet-hub-b"]},
    ]
    s["transit_gateway_route_tables"] = [
        {"id": "tgw-rtb-spokes", "transit_gateway_id": "tgw-0hub", "routes": [
            {"destination": HUB_CIDR, "attachment_ids": ["tgw-attach-hub"], "state": "active", "route_type": "propagated"},
        ]},
        {"id": "tgw-rtb-hub", "transit_gateway_id": "tgw-0hub", "routes": [
            {"destination": "10.0.0.0/16", "attachment_ids": ["tgw-attach-spoke"], "state": "active", "route_type": "propagated"},
        ]},
    ]


@scenario(
    "hub-spoke-healthy",
    summary="Interface endpoints in a hub VPC reached over a transit gateway, answered in the spoke by private hosted zones: healthy.",
)
def hub_spoke_healthy(s):
    hub_spoke(s)


@scenario(
    "hub-zone-misnamed",
    summary="The zone for the registry API is named ecr.api.us-east-1.amazonaws.com instead of api.ecr.us-east-1.amazonaws.com.",
    errors=["PC107"],
    also=["PC801"],
    causes=[("PC107", "ecr.api.us-east-1.amazonaws.com")],
)
def hub_zone_misnamed(s):
    hub_spoke(s)
    zone = by_id(s["hosted_zones"], "Z0HUBAPI000000000000")
    zone["name"] = f"ecr.api.{REGION}.amazonaws.com"
    zone["records"][0]["name"] = f"ecr.api.{REGION}.amazonaws.com"
    stopped_task(s, auth_timeout("52.94.0.10"))


@scenario(
    "hub-wildcard-record-missing",
    summary="The dkr.ecr zone holds only its apex record: the registry name ACCOUNT.dkr.ecr… gets NXDOMAIN.",
    errors=["PC106"],
    also=["PC801"],
    causes=[("PC106", "*.dkr.ecr.us-east-1.amazonaws.com")],
)
def hub_wildcard_record_missing(s):
    hub_spoke(s)
    zone = by_id(s["hosted_zones"], "Z0HUBDKR000000000000")
    zone["records"] = [record for record in zone["records"] if not record["name"].startswith("*.")]
    stopped_task(s, f"CannotPullContainerError: pull image manifest has been retried 1 time(s): failed to resolve ref {IMAGE}: failed to do request: Head \"https://{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/v2/web/manifests/1.4.2\": dial tcp: lookup {ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com: no such host")


@scenario(
    "hub-zone-not-associated",
    summary="The logs zone is associated with the hub only, not with the spoke the tasks run in.",
    errors=["PC108"],
    causes=[("PC108", "Z0HUBLOGS00000000000")],
)
def hub_zone_not_associated(s):
    hub_spoke(s)
    by_id(s["hosted_zones"], "Z0HUBLOGS00000000000")["vpc_ids"] = ["vpc-0hub"]


@scenario(
    "hub-spoke-route-missing",
    summary="The spoke's route table has no route to the hub (no default route, no 10.1.0.0/16).",
    errors=["PC307"],
    causes=[("PC307", "rtb-private")],
)
def hub_spoke_route_missing(s):
    hub_spoke(s)
    table = by_id(s["route_tables"], "rtb-private")
    table["routes"] = [route for route in table["routes"] if route["target"] != "tgw-0hub"]


@scenario(
    "hub-tgw-return-route-missing",
    summary="The transit gateway route table of the hub attachment has no route back to the spoke.",
    errors=["PC308"],
    causes=[("PC308", "tgw-rtb-hub")],
)
def hub_tgw_return_route_missing(s):
    hub_spoke(s)
    by_id(s["transit_gateway_route_tables"], "tgw-rtb-hub")["routes"] = []


@scenario(
    "hub-endpoint-sg-hub-cidr-only",
    summary="The hub endpoints' security group accepts 443 only from the hub's own CIDR, not from the spoke.",
    errors=["PC403"],
    causes=[("PC403", "sg-hub-endpoints")],
)
def hub_endpoint_sg_hub_cidr_only(s):
    hub_spoke(s)
    by_id(s["security_groups"], "sg-hub-endpoints")["ingress"][0]["peer"] = HUB_CIDR


@scenario(
    "resolver-forward-rule",
    summary="A Resolver FORWARD rule sends amazonaws.com to on-premises DNS, which answers ECR's public addresses: the endpoints' private DNS is bypassed.",
    errors=["PC105"],
    also=["PC801"],
    causes=[("PC105", "rslvr-rr-onprem")],
)
def resolver_forward_rule(s):
    s["resolver_rules"] = [{
        "id": "rslvr-rr-onprem",
        "domain_name": "amazonaws.com",
        "rule_type": "FORWARD",
        "target_ips": ["192.168.0.2"],
        "vpc_ids": ["vpc-0a1"],
    }]
    stopped_task(s, auth_timeout("52.94.0.10"))


@scenario(
    "nat-instance-source-dest-check",
    summary="The private subnets' default route goes to a NAT instance whose source/destination check is on: it drops what it should forward.",
    errors=["PC310"],
    causes=[("PC310", "i-0nat")],
)
def nat_instance_source_dest_check(s):
    nat_instance(s)
    by_id(s["ec2_instances"], "i-0nat")["source_dest_check"] = True


def nat_instance(s):
    """No endpoints; a NAT instance in the public subnet carries everything."""
    no_endpoints_nat(s)
    s["nat_gateways"] = []
    by_id(s["route_tables"], "rtb-private")["routes"][1]["target"] = "i-0nat"
    s["ec2_instances"] = [{
        "id": "i-0nat",
        "subnet_id": "subnet-public-a",
        "state": "running",
        "source_dest_check": False,
        "public_ip": "3.80.0.10",
        "network_interface_ids": ["eni-0nat"],
    }]


@scenario(
    "nat-instance-healthy",
    summary="No endpoints; a NAT instance (source/destination check off, public address, internet route) carries everything.",
)
def nat_instance_healthy(s):
    nat_instance(s)


@scenario(
    "custom-dns-unreachable",
    summary="The DHCP options name a DNS server at 192.168.0.2 that the task can neither route to nor send port 53 to.",
    errors=["PC109"],
    causes=[("PC109", "192.168.0.2")],
)
def custom_dns_unreachable(s):
    s["dhcp_options"].append({"id": "dopt-onprem", "domain_name_servers": ["192.168.0.2"]})
    s["vpcs"][0]["dhcp_options_id"] = "dopt-onprem"



@scenario(
    "hub-peering-return-route-missing",
    summary="The hub is reached over VPC peering instead of a transit gateway, and the hub's route table has no route back to the spoke.",
    errors=["PC309"],
    causes=[("PC309", "rtb-hub")],
)
def hub_peering_return_route_missing(s):
    hub_spoke(s)
    del s["transit_gateway_attachments"]
    del s["transit_gateway_route_tables"]
    by_id(s["route_tables"], "rtb-private")["routes"][-1] = {"destination": HUB_CIDR, "target": "pcx-0hub"}
    hub = by_id(s["route_tables"], "rtb-hub")
    hub["routes"] = [route for route in hub["routes"] if route["target"] != "tgw-0hub"]
    s["vpc_peering_connections"] = [{"id": "pcx-0hub", "requester_vpc_id": "vpc-0a1", "accepter_vpc_id": "vpc-0hub", "status": "active"}]


# Centralized egress: the spoke (vpc-0a1) has no endpoints and no NAT gateway of its own; its
# default route goes to a transit gateway whose route table sends 0.0.0.0/0 to the egress VPC's
# attachment; the attachment subnets route 0.0.0.0/0 to a NAT gateway in the egress VPC's public
# subnet, which routes 0.0.0.0/0 to its internet gateway and the spokes (10.0.0.0/8) back to the
# transit gateway. The transit gateway route table of the egress attachment routes the spoke back.
EGRESS_CIDR = "10.2.0.0/16"


def centralized_egress(s):
    """The healthy centralized egress account (see the comment above)."""
    no_endpoints_nat(s)
    s["nat_gateways"] = []
    s["subnets"] = [subnet for subnet in s["subnets"] if subnet["id"] != "subnet-public-a"]
    s["route_tables"] = [table for table in s["route_tables"] if table["id"] != "rtb-public"]
    s["internet_gateways"] = []
    by_id(s["route_tables"], "rtb-private")["routes"][1]["target"] = "tgw-0egress"
    s["vpcs"].append({"id": "vpc-0egress", "cidr_blocks": [EGRESS_CIDR], "enable_dns_support": True, "enable_dns_hostnames": True, "dhcp_options_id": "dopt-amazon"})
    s["subnets"] += [
        {"id": "subnet-egress-tgw-a", "vpc_id": "vpc-0egress", "availability_zone": f"{REGION}a", "cidr_block": "10.2.0.0/24"},
        {"id": "subnet-egress-tgw-b", "vpc_id": "vpc-0egress", "availability_zone": f"{REGION}b", "cidr_block": "10.2.1.0/24"},
        {"id": "subnet-egress-public-a", "vpc_id": "vpc-0egress", "availability_zone": f"{REGION}a", "cidr_block": "10.2.100.0/24", "map_public_ip_on_launch": True},
    ]
    s["route_tables"] += [
        {
            "id": "rtb-egress-tgw",
            "vpc_id": "vpc-0egress",
            "main": True,
            "subnet_ids": ["subnet-egress-tgw-a", "subnet-egress-tgw-b"],
            "routes": [{"destination": EGRESS_CIDR, "target": "local"}, {"destination": "0.0.0.0/0", "target": "nat-0egress"}],
        },
        {
            "id": "rtb-egress-public",
            "vpc_id": "vpc-0egress",
            "subnet_ids": ["subnet-egress-public-a"],
            "routes": [
                {"destination": EGRESS_CIDR, "target": "local"},
                {"destination": "0.0.0.0/0", "target": "igw-0egress"},
                {"destination": "10.0.0.0/8", "target": "tgw-0egress"},
            ],
        },
    ]
    s["network_acls"].append({"id": "acl-egress", "vpc_id": "vpc-0egress", "is_default": True, "entries": allow_all_entries()})
    s["nat_gateways"] = [{"id": "nat-0egress", "vpc_id": "vpc-0egress", "subnet_id": "subnet-egress-public-a", "state": "available", "connectivity_type": "public"}]
    s["internet_gateways"] = [{"id": "igw-0egress", "attached_vpc_ids": ["vpc-0egress"]}]
    s["transit_gateway_attachments"] = [
        {"id": "tgw-attach-egress", "transit_gateway_id": "tgw-0egress", "resource_type": "vpc", "resource_id": "vpc-0egress", "state": "available", "association_route_table_id": "tgw-rtb-egress", "subnet_ids": ["subnet-egress-tgw-a", "subnet-egress-tgw-b"]},
        {"id": "tgw-attach-spoke", "transit_gateway_id": "tgw-0egress", "resource_type": "vpc", "resource_id": "vpc-0a1", "state": "available", "association_route_table_id": "tgw-rtb-spokes", "subnet_ids": ["subnet-private-a", "subnet-private-b"]},
    ]
    s["transit_gateway_route_tables"] = [
        {"id": "tgw-rtb-egress", "transit_gateway_id": "tgw-0egress", "routes": [
            {"destination": "10.0.0.0/16", "attachment_ids": ["tgw-attach-spoke"], "state": "active", "route_type": "propagated"},
        ]},
        {"id": "tgw-rtb-spokes", "transit_gateway_id": "tgw-0egress", "routes": [
            {"destination": "0.0.0.0/0", "attachment_ids": ["tgw-attach-egress"], "state": "active", "route_type": "static"},
        ]},
    ]


@scenario(
    "centralized-egress-healthy",
    summary="No endpoints: the spoke's default route goes to a transit gateway, on to an egress VPC's NAT gateway and internet gateway, with the routes back: healthy.",
)
def centralized_egress_healthy(s):
    centralized_egress(s)


@scenario(
    "centralized-egress-tgw-return-route-missing",
    summary="Centralized egress: the transit gateway route table of the egress VPC's attachment has no route back to the spoke.",
    errors=["PC308"],
    causes=[("PC308", "tgw-rtb-egress")],
)
def centralized_egress_tgw_return_route_missing(s):
    centralized_egress(s)
    by_id(s["transit_gateway_route_tables"], "tgw-rtb-egress")["routes"] = []


@scenario(
    "centralized-egress-hub-no-nat-route",
    summary="Centralized egress: the egress VPC's transit gateway attachment subnets have no default route to its NAT gateway.",
    errors=["PC311"],
    causes=[("PC311", "rtb-egress-tgw")],
)
def centralized_egress_hub_no_nat_route(s):
    centralized_egress(s)
    table = by_id(s["route_tables"], "rtb-egress-tgw")
    table["routes"] = [route for route in table["routes"] if route["target"] != "nat-0egress"]


@scenario(
    "centralized-egress-nat-return-route-missing",
    summary="Centralized egress: the NAT gateway's public subnet in the egress VPC has no route back to the spokes through the transit gateway.",
    errors=["PC311"],
    causes=[("PC311", "rtb-egress-public")],
)
def centralized_egress_nat_return_route_missing(s):
    centralized_egress(s)
    table = by_id(s["route_tables"], "rtb-egress-public")
    table["routes"] = [route for route in table["routes"] if route["target"] != "tgw-0egress"]


def firewall_endpoint(vpc, subnet):
    """A Gateway Load Balancer endpoint (AWS Network Firewall's kind) in `subnet`."""
    return {
        "id": "vpce-0firewall",
        "vpc_id": vpc,
        "service_name": f"com.amazonaws.vpce.{REGION}.vpce-svc-0firewall",
        "endpoint_type": "GatewayLoadBalancer",
        "state": "available",
        "subnet_ids": [subnet],
    }


@scenario(
    "firewall-endpoint-egress",
    summary="No endpoints; the private subnets' default route goes to a Gateway Load Balancer endpoint (an inspection appliance such as AWS Network Firewall): unknown beyond it, named.",
    also=["PC306"],
    causes=[("PC306", "vpce-0firewall")],
    live_skip="the seeder does not build Gateway Load Balancer endpoints nor routes to them",
)
def firewall_endpoint_egress(s):
    no_endpoints_nat(s)
    s["vpc_endpoints"] = [firewall_endpoint("vpc-0a1", "subnet-public-a")]
    by_id(s["route_tables"], "rtb-private")["routes"][1]["target"] = "vpce-0firewall"


@scenario(
    "centralized-egress-firewall",
    summary="Centralized egress whose attachment subnets send the internet to a Gateway Load Balancer endpoint (AWS Network Firewall) before the NAT gateway: unknown beyond it, named.",
    also=["PC311"],
    causes=[("PC311", "vpce-0firewall")],
    live_skip="the seeder does not build Gateway Load Balancer endpoints nor routes to them",
)
def centralized_egress_firewall(s):
    centralized_egress(s)
    s["vpc_endpoints"] = [firewall_endpoint("vpc-0egress", "subnet-egress-public-a")]
    by_id(s["route_tables"], "rtb-egress-tgw")["routes"][1]["target"] = "vpce-0firewall"


# Shared subnets: the VPC vpc-0a1 belongs to a network account that shares its subnets with the
# workload account (the snapshot's) through AWS RAM; the tasks and their security group sg-app
# are the workload account's. A participant describes the VPC, its subnets, security groups,
# route tables and network ACLs, not the owner's endpoints, transit gateway attachments, or the
# zones and Resolver rules associated with the VPC.
NETWORK_ACCOUNT = "444455556666"
SHARED_SKIP = (
    "moto 5.2.1 keeps accounts apart even for a subnet shared through AWS RAM (the share is ACTIVE, "
    "the participant's DescribeSubnets answers InvalidSubnetID.NotFound), so no task can run in another account's subnet"
)


def shared_vpc(s):
    """The VPC and its subnets owned by the network account."""
    for vpc in s["vpcs"]:
        vpc["owner_id"] = NETWORK_ACCOUNT
    for subnet in s["subnets"]:
        subnet["owner_id"] = NETWORK_ACCOUNT


@scenario(
    "shared-subnet-without-owner-role",
    summary="The tasks run in subnets another account shares through AWS RAM, read without --network-role: its endpoints and DNS are unknown, naming the owner and the flag.",
    also=["PC901"],
    causes=[("PC901", "--network-role 444455556666=")],
    live_skip=SHARED_SKIP,
)
def shared_subnet_without_owner_role(s):
    shared_vpc(s)
    s["vpc_endpoints"] = []
    for api in ("ec2:DescribeTransitGatewayAttachments", "ec2:DescribeVpcEndpoints", "route53:ListHostedZonesByVPC", "route53resolver:ListResolverRuleAssociations"):
        s["gaps"] = s.get("gaps", []) + [{
            "api": api,
            "resource": "vpc-0a1",
            "error_code": "CrossAccount",
            "message": (
                f"vpc-0a1 belongs to account {NETWORK_ACCOUNT}, which shares its subnets with this account through AWS RAM: "
                "a participant does not see the VPC's endpoints, transit gateway attachments, or the private hosted zones and "
                f"Resolver rules associated with it; pass --network-role {NETWORK_ACCOUNT}=arn:aws:iam::{NETWORK_ACCOUNT}:role/<reader role> "
                "to read them as the owner"
            ),
        }]


@scenario(
    "shared-subnet-with-owner-role-healthy",
    summary="The tasks run in subnets another account shares through AWS RAM, read with --network-role as the owner: healthy.",
    live_skip=SHARED_SKIP,
)
def shared_subnet_with_owner_role_healthy(s):
    shared_vpc(s)


@scenario(
    "shared-subnet-owner-endpoint-sg-blocks",
    summary="Read with --network-role: the owner's endpoint security group accepts 443 only from the endpoint subnets, not from the tasks' shared subnets.",
    errors=["PC403"],
    causes=[("PC403", "sg-endpoints")],
    live_skip=SHARED_SKIP,
)
def shared_subnet_owner_endpoint_sg_blocks(s):
    shared_vpc(s)
    by_id(s["security_groups"], "sg-endpoints")["ingress"][0]["peer"] = "10.0.10.0/23"




# IPv6 and dual-stack (issue 11): the VPC's Amazon-provided IPv6 block, one /64 per subnet, an
# egress-only internet gateway, the image on ECR's dual-stack host.
VPC_IPV6 = "2600:1f18:4a3:6f00::/56"
DUAL_STACK_IMAGE = f"{ACCOUNT}.dkr-ecr.{REGION}.on.aws/web:1.4.2"
NO_IPV6_TASKS = (
    "moto 5.2.1's ECS gives a task no IPv6 address (its ENI attachment has no privateIPv6Address), so the "
    "dual-stack tasks this scenario records cannot be run there"
)


def ipv6_subnets(snapshot, native=False):
    """The private subnets get an IPv6 /64 each (IPv6-only when `native`: no IPv4 block)."""
    for at, id in enumerate(["subnet-private-a", "subnet-private-b"]):
        subnet = by_id(snapshot["subnets"], id)
        subnet["ipv6_cidr_blocks"] = [f"2600:1f18:4a3:6f0{at + 1}::/64"]
        if native:
            del subnet["cidr_block"]
            subnet["ipv6_native"] = True


def dual_stack(snapshot, native=False):
    """The image on ECR's dual-stack host; the private subnets routed to an egress-only internet
    gateway for IPv6 (::/0), the task group allowing 443 to ::/0, the ACL allowing IPv6 both ways."""
    snapshot["task_definitions"][0]["containers"][0]["image"] = DUAL_STACK_IMAGE
    ipv6_subnets(snapshot, native)
    by_id(snapshot["route_tables"], "rtb-private")["routes"] += [
        {"destination": VPC_IPV6, "target": "local"},
        {"destination": "::/0", "target": "eigw-0a1"},
    ]
    by_id(snapshot["security_groups"], "sg-app")["egress"].append(
        {"rule_id": "sgr-app-https6", "protocol": "tcp", "port_range": {"from": 443, "to": 443}, "peer": "::/0"}
    )
    by_id(snapshot["network_acls"], "acl-default")["entries"] += [
        {"rule_number": 101, "egress": egress, "protocol": "all", "action": "allow", "ipv6_cidr": "::/0"}
        for egress in (False, True)
    ]


def running_dual_stack_tasks(snapshot):
    """A running task of the service in each private subnet, each with an IPv6 address: what shows
    that ECS gives this service's tasks one (its dualStackIPv6 account setting)."""
    snapshot["tasks"] = [
        {
            "arn": f"arn:aws:ecs:{REGION}:{ACCOUNT}:task/prod/{suffix * 32}",
            "cluster_arn": CLUSTER,
            "task_definition_arn": TASK_DEF,
            "group": "service:web",
            "launch_type": "FARGATE",
            "platform_version": "1.4.0",
            "last_status": "RUNNING",
            "containers": [{"name": "web", "image": DUAL_STACK_IMAGE}],
            "network": {"subnet_id": subnet, "private_ip": ip, "ipv6_address": ipv6, "security_group_ids": ["sg-app"]},
        }
        for suffix, subnet, ip, ipv6 in [
            ("a", "subnet-private-a", "10.0.1.25", "2600:1f18:4a3:6f01::25"),
            ("b", "subnet-private-b", "10.0.2.25", "2600:1f18:4a3:6f02::25"),
        ]
    ]


@scenario(
    "dual-stack-healthy",
    summary=(
        "The image is on ECR's dual-stack host: registry auth, layers and logs use the IPv4 endpoints, "
        "the registry goes out over IPv6 (::/0 to an egress-only internet gateway); nothing blocks."
    ),
    live_skip=NO_IPV6_TASKS,
)
def dual_stack_healthy(s):
    dual_stack(s)
    running_dual_stack_tasks(s)


@scenario(
    "ipv6-only-dual-stack-image",
    summary=(
        "IPv6-only private subnets (no IPv4 block) routing ::/0 to an egress-only internet gateway, no "
        "endpoints: the dual-stack image host is reachable, but registry auth (api.ecr), layers and logs are IPv4-only."
    ),
    errors=["PC302"],
    causes=[
        ("PC302", "Registry auth needs IPv4; the image host 111122223333.dkr-ecr.us-east-1.on.aws itself would have been reachable over IPv6"),
        ("PC302", "subnet-private-a is IPv6-only: the task has no IPv4 address"),
        ("PC302", "64:ff9b::/96"),
    ],
)
def ipv6_only_dual_stack_image(s):
    dual_stack(s, native=True)
    s["vpc_endpoints"] = []
    table = by_id(s["route_tables"], "rtb-private")
    table["routes"] = [route for route in table["routes"] if route["target"] != "vpce-s3"]


@scenario(
    "dual-stack-sg-egress-no-ipv6",
    summary=(
        "Dual-stack tasks pull from ECR's dual-stack host over IPv6, but the task group allows 443 to "
        "0.0.0.0/0 and the endpoints only, not to ::/0."
    ),
    errors=["PC402"],
    causes=[("PC402", "111122223333.dkr-ecr.us-east-1.on.aws at public IPv6 addresses. No egress rule")],
    live_skip=NO_IPV6_TASKS,
)
def dual_stack_sg_egress_no_ipv6(s):
    dual_stack(s)
    running_dual_stack_tasks(s)
    by_id(s["security_groups"], "sg-app")["egress"] = [
        rule for rule in by_id(s["security_groups"], "sg-app")["egress"] if rule["rule_id"] != "sgr-app-https6"
    ]


@scenario(
    "dual-stack-nacl-blocks-ipv6-return",
    summary=(
        "Dual-stack tasks pull from ECR's dual-stack host over IPv6, but the subnets' network ACL lets "
        "IPv6 in only on 443, so the replies to the task's ephemeral ports are dropped."
    ),
    errors=["PC502"],
    causes=[("PC502", "replies on ephemeral ports 32768-60999 from public IPv6 addresses")],
    live_skip=NO_IPV6_TASKS,
)
def dual_stack_nacl_blocks_ipv6_return(s):
    dual_stack(s)
    running_dual_stack_tasks(s)
    for entry in by_id(s["network_acls"], "acl-default")["entries"]:
        if entry.get("ipv6_cidr") and not entry["egress"]:
            entry.update({"protocol": "tcp", "port_range": {"from": 443, "to": 443}})


@scenario(
    "dual-stack-no-ipv6-route",
    summary=(
        "Dual-stack tasks whose image is on ECR's dual-stack host, but the route table has no IPv6 "
        "route (::/0) and no NAT route: the registry is unreachable."
    ),
    errors=["PC302", "PC205"],
    causes=[
        ("PC302", "has no IPv6 route (::/0) to an egress-only or internet gateway"),
        ("PC205", "give the subnet an IPv6 or NAT path"),
    ],
    live_skip=NO_IPV6_TASKS,
)
def dual_stack_no_ipv6_route(s):
    dual_stack(s)
    running_dual_stack_tasks(s)
    table = by_id(s["route_tables"], "rtb-private")
    table["routes"] = [route for route in table["routes"] if route["destination"] != "::/0"]


def main():
    root = pathlib.Path(__file__).parent
    stale = sorted(path.parent.name for path in root.glob("*/scenario.json") if path.parent.name not in SCENARIOS)
    if stale:
        sys.exit(f"no @scenario declares {', '.join(stale)} any more: delete the folder(s) under mocks/ (git rm -r)")
    for name, (mutate, declaration) in SCENARIOS.items():
        snapshot = copy.deepcopy(healthy())
        mutate(snapshot)
        folder = root / name
        folder.mkdir(exist_ok=True)
        (folder / "snapshot.json").write_text(json.dumps(snapshot, indent=2) + "\n")
        (folder / "scenario.json").write_text(json.dumps(declaration, indent=2, ensure_ascii=False) + "\n")
    lines = [
        "# Scenarios",
        "",
        "Generated by `build_scenarios.py` from the `@scenario(...)` declarations; each folder holds",
        "`snapshot.json`, `scenario.json` (its declaration, read by the tests) and the golden `expected.json`.",
        "",
        "| scenario | what is broken | error checks | not run live because |",
        "|---|---|---|---|",
    ]
    for name, (_, declaration) in SCENARIOS.items():
        errors = ", ".join(declaration["errors"]) or "none"
        lines.append(f"| `{name}` | {declaration['summary']} | {errors} | {declaration['live_skip'] or ''} |")
    (root / "README.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
