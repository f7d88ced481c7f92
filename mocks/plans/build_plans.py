#!/usr/bin/env python3
"""Builds the plan fixtures under mocks/plans/<scenario>/plan.json.

Each is what `terraform show -json PLANFILE` (format 1.2) writes for a small configuration
(kept beside it as main.tf and modules/*/main.tf) against the account of
mocks/healthy-endpoints/snapshot.json: planned_values (root and child modules),
resource_changes (actions, before, after, after_unknown), configuration (expressions with
constant_value or references, module_calls) and prior_state. Run it after changing a scenario;
`BLESS=1 cargo test --test plan` then rewrites the goldens.
"""

import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
ACCOUNT = "111122223333"
REGION = "us-east-1"
S3_LIST = "pl-63a5400a"
PROVIDER = "registry.terraform.io/hashicorp/aws"

EXEC_POLICY = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"


def ref(*refs):
    return {"references": list(refs)}


def const(value):
    return {"constant_value": value}


class Res:
    def __init__(self, address, kind, name, action, before=None, after=None, unknown=None,
                 expressions=None, mode="managed", module="", index=None):
        self.address, self.kind, self.name, self.action = address, kind, name, action
        self.before, self.after = before, after
        self.unknown = unknown or {}
        self.expressions = expressions or {}
        self.mode, self.module, self.index = mode, module, index

    def header(self):
        out = {"address": self.address, "mode": self.mode, "type": self.kind, "name": self.name}
        if self.module:
            out["module_address"] = self.module
        if self.index is not None:
            out["index"] = self.index
        out["provider_name"] = PROVIDER
        return out


def module_tree(resources, values_of):
    """planned_values-style module tree: resources of a module, then child_modules."""
    def build(prefix):
        node = {"resources": []}
        for r in resources:
            if r.module == prefix and values_of(r) is not None:
                entry = r.header()
                entry.pop("module_address", None)
                entry["schema_version"] = 0
                entry["values"] = values_of(r)
                entry["sensitive_values"] = {}
                node["resources"].append(entry)
        children = sorted({r.module for r in resources
                           if r.module.startswith(prefix + "." if prefix else "module.")
                           and r.module != prefix
                           and r.module.count("module.") == prefix.count("module.") + 1})
        if children:
            node["child_modules"] = [dict(build(c), address=c) for c in children]
        if not node["resources"]:
            del node["resources"]
        return node
    return build("")


def config_module(resources, modules, prefix=""):
    """configuration.root_module-style tree. `modules` maps a module address to
    {"source": ..., "expressions": {...}, "variables": [...], "outputs": {...}}."""
    node = {"resources": []}
    for r in resources:
        if r.module == prefix:
            local = r.address[len(prefix) + 1:] if prefix else r.address
            local = local.split("[")[0]
            if any(c["address"] == local for c in node["resources"]):
                continue
            node["resources"].append({
                "address": local, "mode": r.mode, "type": r.kind, "name": r.name,
                "provider_config_key": "aws", "expressions": r.expressions, "schema_version": 0,
            })
    calls = {}
    for address, call in modules.items():
        parent = address.rsplit(".module.", 1)[0] if ".module." in address else ""
        if parent != prefix:
            continue
        name = address.rsplit("module.", 1)[1]
        child = config_module(resources, modules, address)
        if call.get("variables"):
            child["variables"] = {v: {} for v in call["variables"]}
        if call.get("outputs"):
            child["outputs"] = {k: {"expression": v} for k, v in call["outputs"].items()}
        calls[name] = {"source": call["source"], "expressions": call.get("expressions", {}),
                       "module": child}
    if calls:
        node["module_calls"] = calls
    if not node["resources"]:
        del node["resources"]
    return node


def plan(resources, modules=None, variables=None, prior=True):
    modules = modules or {}
    doc = {
        "format_version": "1.2",
        "terraform_version": "1.9.8",
        "variables": {k: {"value": v} for k, v in (variables or {}).items()},
        "planned_values": {"root_module": module_tree(
            resources, lambda r: None if r.action == ["delete"] else r.after)},
        "resource_changes": [],
        "configuration": {
            "provider_config": {"aws": {"name": "aws", "full_name": PROVIDER}},
            "root_module": config_module(resources, modules),
        },
        "timestamp": "2026-11-29T12:00:00Z",
        "applyable": True,
        "complete": True,
        "errored": False,
    }
    for r in resources:
        if r.mode == "data":
            continue
        change = r.header()
        change["change"] = {
            "actions": r.action,
            "before": r.before,
            "after": None if r.action == ["delete"] else r.after,
            "after_unknown": r.unknown,
            "before_sensitive": {} if r.before is not None else False,
            "after_sensitive": {} if r.action != ["delete"] else False,
        }
        doc["resource_changes"].append(change)
    if prior:
        doc["prior_state"] = {
            "format_version": "1.0",
            "terraform_version": "1.9.8",
            "values": {"root_module": module_tree(
                resources, lambda r: r.after if r.mode == "data" else r.before)},
        }
    return doc


# ---------------------------------------------------------------- shared pieces

def sg_rule_block(ports=443, cidrs=(), lists=(), groups=(), description=""):
    return {"cidr_blocks": list(cidrs), "description": description, "from_port": ports,
            "ipv6_cidr_blocks": [], "prefix_list_ids": list(lists), "protocol": "tcp",
            "security_groups": list(groups), "self": False, "to_port": ports}


def prefix_list_data(module=""):
    address = (module + "." if module else "") + "data.aws_prefix_list.s3"
    return Res(address, "aws_prefix_list", "s3", ["read"], mode="data", module=module,
               after={"id": S3_LIST, "name": f"com.amazonaws.{REGION}.s3",
                      "cidr_blocks": ["52.216.0.0/15", "54.231.0.0/16", "3.5.0.0/19"],
                      "filter": [], "prefix_list_id": None, "timeouts": None},
               expressions={"name": const(f"com.amazonaws.{REGION}.s3")})


def endpoints_sg(action=None):
    value = {"id": "sg-endpoints", "arn": f"arn:aws:ec2:{REGION}:{ACCOUNT}:security-group/sg-endpoints",
             "name": "vpc-endpoints", "description": "VPC endpoints", "vpc_id": "vpc-0a1",
             "ingress": [sg_rule_block(groups=["sg-app"])], "egress": [],
             "revoke_rules_on_delete": False, "tags": {}, "tags_all": {}, "timeouts": None,
             "name_prefix": "", "owner_id": ACCOUNT}
    return Res("aws_security_group.endpoints", "aws_security_group", "endpoints",
               action or ["no-op"], before=value, after=value,
               expressions={"name": const("vpc-endpoints"), "vpc_id": const("vpc-0a1"),
                            "ingress": [{"from_port": const(443), "to_port": const(443),
                                         "protocol": const("tcp"),
                                         "security_groups": ref("aws_security_group.tasks.id",
                                                                "aws_security_group.tasks")}]})


def tasks_sg(egress_after, egress_expressions, action=("update",)):
    base = {"id": "sg-app", "arn": f"arn:aws:ec2:{REGION}:{ACCOUNT}:security-group/sg-app",
            "name": "web-tasks", "description": "web tasks", "vpc_id": "vpc-0a1",
            "ingress": [], "revoke_rules_on_delete": False, "tags": {}, "tags_all": {},
            "timeouts": None, "name_prefix": "", "owner_id": ACCOUNT}
    before = dict(base, egress=[sg_rule_block(groups=["sg-endpoints"]),
                                sg_rule_block(lists=[S3_LIST])])
    after = dict(base, egress=egress_after)
    return Res("aws_security_group.tasks", "aws_security_group", "tasks", list(action),
               before=before, after=after,
               expressions={"name": const("web-tasks"), "vpc_id": const("vpc-0a1"),
                            "egress": egress_expressions})


EGRESS_TO_ENDPOINTS = {"from_port": const(443), "to_port": const(443), "protocol": const("tcp"),
                       "security_groups": ref("aws_security_group.endpoints.id",
                                              "aws_security_group.endpoints"),
                       "description": const("HTTPS to the VPC endpoints")}
EGRESS_TO_S3 = {"from_port": const(443), "to_port": const(443), "protocol": const("tcp"),
                "prefix_list_ids": ref("data.aws_prefix_list.s3.id", "data.aws_prefix_list.s3"),
                "description": const("HTTPS to S3 (image layers)")}


def s3_endpoint(action):
    value = {"id": "vpce-s3", "arn": f"arn:aws:ec2:{REGION}:{ACCOUNT}:vpc-endpoint/vpce-s3",
             "vpc_id": "vpc-0a1", "service_name": f"com.amazonaws.{REGION}.s3",
             "vpc_endpoint_type": "Gateway", "route_table_ids": ["rtb-private"],
             "subnet_ids": [], "security_group_ids": [], "private_dns_enabled": False,
             "policy": json.dumps({"Version": "2008-10-17", "Statement": [
                 {"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}]}),
             "prefix_list_id": S3_LIST, "state": "available", "auto_accept": None,
             "cidr_blocks": ["52.216.0.0/15", "54.231.0.0/16", "3.5.0.0/19"],
             "dns_entry": [], "network_interface_ids": [], "owner_id": ACCOUNT,
             "requester_managed": False, "tags": {}, "tags_all": {}, "timeouts": None,
             "ip_address_type": "", "dns_options": [], "subnet_configuration": []}
    return Res("aws_vpc_endpoint.s3", "aws_vpc_endpoint", "s3", action, before=value,
               after=value,
               expressions={"vpc_id": const("vpc-0a1"),
                            "service_name": const(f"com.amazonaws.{REGION}.s3"),
                            "vpc_endpoint_type": const("Gateway"),
                            "route_table_ids": const(["rtb-private"])})


# ---------------------------------------------------------------- scenarios

def narrow_egress():
    """The classic: the task group's egress narrowed to the endpoints' group only."""
    return plan([
        prefix_list_data(),
        endpoints_sg(),
        tasks_sg([sg_rule_block(groups=["sg-endpoints"], description="HTTPS to the VPC endpoints")],
                 [EGRESS_TO_ENDPOINTS]),
    ])


def narrow_egress_with_prefix_list():
    """The same change, keeping an egress rule to the S3 prefix list: passes."""
    return plan([
        prefix_list_data(),
        endpoints_sg(),
        tasks_sg([sg_rule_block(groups=["sg-endpoints"], description="HTTPS to the VPC endpoints"),
                  sg_rule_block(lists=[S3_LIST], description="HTTPS to S3 (image layers)")],
                 [EGRESS_TO_ENDPOINTS, EGRESS_TO_S3]),
    ])


def delete_s3_endpoint():
    """The S3 gateway endpoint is destroyed: layers have no path."""
    return plan([s3_endpoint(["delete"])])


def keep_s3_endpoint():
    """The twin: the endpoint's tags change, nothing else."""
    endpoint = s3_endpoint(["update"])
    endpoint.after = dict(endpoint.after, tags={"team": "platform"}, tags_all={"team": "platform"})
    return plan([endpoint])


def module_nested(delete_rule):
    """module.app manages the task group with separate rule resources; the S3 rule is deleted
    (or kept, for the twin). The prefix list id reaches the module as a variable."""
    m = "module.app"
    sg = {"id": "sg-app", "arn": f"arn:aws:ec2:{REGION}:{ACCOUNT}:security-group/sg-app",
          "name": "web-tasks", "description": "web tasks", "vpc_id": "vpc-0a1", "ingress": [],
          "egress": [sg_rule_block(groups=["sg-endpoints"]), sg_rule_block(lists=[S3_LIST])],
          "revoke_rules_on_delete": False, "tags": {"team": "web"}, "tags_all": {"team": "web"},
          "timeouts": None, "name_prefix": "", "owner_id": ACCOUNT}
    sg_after = dict(sg, tags={"team": "web", "env": "prod"}, tags_all={"team": "web", "env": "prod"})

    def rule(name, rule_id, peer_key, peer, expression, action):
        value = {"id": rule_id, "security_group_rule_id": rule_id,
                 "arn": f"arn:aws:ec2:{REGION}:{ACCOUNT}:security-group-rule/{rule_id}",
                 "security_group_id": "sg-app", "ip_protocol": "tcp", "from_port": 443,
                 "to_port": 443, "cidr_ipv4": None, "cidr_ipv6": None, "prefix_list_id": None,
                 "referenced_security_group_id": None, "description": None, "tags": None,
                 "tags_all": {}}
        value[peer_key] = peer
        return Res(f"{m}.aws_vpc_security_group_egress_rule.{name}",
                   "aws_vpc_security_group_egress_rule", name, action, before=value,
                   after=value, module=m,
                   expressions={"security_group_id": ref("aws_security_group.tasks.id",
                                                         "aws_security_group.tasks"),
                                "ip_protocol": const("tcp"), "from_port": const(443),
                                "to_port": const(443), peer_key: expression})

    resources = [
        prefix_list_data(),
        Res(f"{m}.aws_security_group.tasks", "aws_security_group", "tasks", ["update"],
            before=sg, after=sg_after, module=m,
            expressions={"name": const("web-tasks"), "vpc_id": ref("var.vpc_id"),
                         "tags": const({"team": "web", "env": "prod"})}),
        rule("endpoints", "sgr-app-endpoints", "referenced_security_group_id", "sg-endpoints",
             ref("var.endpoints_sg_id"), ["no-op"]),
        rule("s3", "sgr-app-s3", "prefix_list_id", S3_LIST, ref("var.s3_prefix_list_id"),
             ["delete"] if delete_rule else ["no-op"]),
    ]
    modules = {m: {"source": "./modules/app",
                   "expressions": {"vpc_id": const("vpc-0a1"),
                                   "endpoints_sg_id": const("sg-endpoints"),
                                   "s3_prefix_list_id": ref("data.aws_prefix_list.s3.id",
                                                            "data.aws_prefix_list.s3")},
                   "variables": ["vpc_id", "endpoints_sg_id", "s3_prefix_list_id"]}}
    return plan(resources, modules)


def first_apply():
    """A new service with everything new: VPC, subnets, routes, endpoints, groups, role,
    repository, task definition. No prior state; most ids are known only after apply."""
    n = "module.network"
    a = "module.app"
    unknown_id = {"id": True, "arn": True, "owner_id": True, "tags_all": True}
    res = []
    res.append(Res(f"{n}.aws_vpc.main", "aws_vpc", "main", ["create"], module=n,
                   after={"cidr_block": "10.20.0.0/16", "enable_dns_support": True,
                          "enable_dns_hostnames": True, "instance_tenancy": "default",
                          "tags": {"Name": "api"}},
                   unknown=dict(unknown_id, default_network_acl_id=True,
                                default_route_table_id=True, main_route_table_id=True,
                                default_security_group_id=True, dhcp_options_id=True),
                   expressions={"cidr_block": const("10.20.0.0/16"),
                                "enable_dns_support": const(True),
                                "enable_dns_hostnames": const(True)}))
    for i, (zone, cidr) in enumerate([("us-east-1a", "10.20.1.0/24"), ("us-east-1b", "10.20.2.0/24")]):
        res.append(Res(f"{n}.aws_subnet.private[{i}]", "aws_subnet", "private", ["create"],
                       module=n, index=i,
                       after={"availability_zone": zone, "cidr_block": cidr,
                              "map_public_ip_on_launch": False, "tags": None},
                       unknown=dict(unknown_id, vpc_id=True, availability_zone_id=True),
                       expressions={"vpc_id": ref("aws_vpc.main.id", "aws_vpc.main"),
                                    "availability_zone": ref("var.zones", "count.index"),
                                    "cidr_block": ref("aws_vpc.main.cidr_block", "aws_vpc.main",
                                                      "count.index")}))
        res.append(Res(f"{n}.aws_route_table_association.private[{i}]",
                       "aws_route_table_association", "private", ["create"], module=n, index=i,
                       after={"gateway_id": None, "timeouts": None},
                       unknown={"id": True, "route_table_id": True, "subnet_id": True},
                       expressions={"route_table_id": ref("aws_route_table.private.id",
                                                          "aws_route_table.private"),
                                    "subnet_id": ref("aws_subnet.private[count.index].id",
                                                     "aws_subnet.private", "count.index")}))
    res.append(Res(f"{n}.aws_route_table.private", "aws_route_table", "private", ["create"],
                   module=n, after={"tags": None, "timeouts": None},
                   unknown=dict(unknown_id, route=True, propagating_vgws=True, vpc_id=True),
                   expressions={"vpc_id": ref("aws_vpc.main.id", "aws_vpc.main")}))
    res.append(Res(f"{n}.aws_vpc_endpoint.s3", "aws_vpc_endpoint", "s3", ["create"], module=n,
                   after={"service_name": f"com.amazonaws.{REGION}.s3",
                          "vpc_endpoint_type": "Gateway", "auto_accept": None, "tags": None,
                          "timeouts": None},
                   unknown=dict(unknown_id, vpc_id=True, route_table_ids=True, policy=True,
                                prefix_list_id=True, cidr_blocks=True, state=True,
                                dns_entry=True, network_interface_ids=True, subnet_ids=True,
                                security_group_ids=True, private_dns_enabled=True,
                                requester_managed=True),
                   expressions={"vpc_id": ref("aws_vpc.main.id", "aws_vpc.main"),
                                "service_name": const(f"com.amazonaws.{REGION}.s3"),
                                "vpc_endpoint_type": const("Gateway"),
                                "route_table_ids": ref("aws_route_table.private.id",
                                                       "aws_route_table.private")}))
    for service in ["ecr.api", "ecr.dkr", "logs"]:
        name = service.replace(".", "_")
        res.append(Res(f'{n}.aws_vpc_endpoint.interface["{service}"]', "aws_vpc_endpoint",
                       "interface", ["create"], module=n, index=service,
                       after={"service_name": f"com.amazonaws.{REGION}.{service}",
                              "vpc_endpoint_type": "Interface", "private_dns_enabled": True,
                              "auto_accept": None, "tags": None, "timeouts": None},
                       unknown=dict(unknown_id, vpc_id=True, subnet_ids=True,
                                    security_group_ids=True, route_table_ids=True, policy=True,
                                    state=True, dns_entry=True, network_interface_ids=True,
                                    prefix_list_id=True, cidr_blocks=True,
                                    requester_managed=True),
                       expressions={"vpc_id": ref("aws_vpc.main.id", "aws_vpc.main"),
                                    "service_name": ref("each.value"),
                                    "vpc_endpoint_type": const("Interface"),
                                    "private_dns_enabled": const(True),
                                    "subnet_ids": ref("aws_subnet.private"),
                                    "security_group_ids": ref("aws_security_group.endpoints.id",
                                                              "aws_security_group.endpoints")}))
    res.append(Res(f"{n}.aws_security_group.endpoints", "aws_security_group", "endpoints",
                   ["create"], module=n,
                   after={"name": "api-endpoints", "description": "endpoints",
                          "revoke_rules_on_delete": False, "tags": None, "timeouts": None},
                   unknown=dict(unknown_id, vpc_id=True, ingress=True, egress=True),
                   expressions={"name": const("api-endpoints"),
                                "vpc_id": ref("aws_vpc.main.id", "aws_vpc.main")}))
    res.append(Res(f"{n}.aws_vpc_security_group_ingress_rule.endpoints_https",
                   "aws_vpc_security_group_ingress_rule", "endpoints_https", ["create"], module=n,
                   after={"ip_protocol": "tcp", "from_port": 443, "to_port": 443,
                          "cidr_ipv4": "10.20.0.0/16", "cidr_ipv6": None,
                          "prefix_list_id": None, "referenced_security_group_id": None,
                          "description": None, "tags": None},
                   unknown={"id": True, "arn": True, "security_group_id": True,
                            "security_group_rule_id": True, "tags_all": True},
                   expressions={"security_group_id": ref("aws_security_group.endpoints.id",
                                                         "aws_security_group.endpoints"),
                                "ip_protocol": const("tcp"), "from_port": const(443),
                                "to_port": const(443), "cidr_ipv4": const("10.20.0.0/16")}))
    res.append(Res(f"{a}.aws_security_group.tasks", "aws_security_group", "tasks", ["create"],
                   module=a,
                   after={"name": "api-tasks", "description": "api tasks",
                          "revoke_rules_on_delete": False, "tags": None, "timeouts": None},
                   unknown=dict(unknown_id, vpc_id=True, ingress=True, egress=True),
                   expressions={"name": const("api-tasks"), "vpc_id": ref("var.vpc_id")}))
    for name, key, expression, after in [
        ("https_vpc", "cidr_ipv4", const("10.20.0.0/16"), "10.20.0.0/16"),
        ("https_s3", "prefix_list_id", ref("var.s3_prefix_list_id"), None),
    ]:
        values = {"ip_protocol": "tcp", "from_port": 443, "to_port": 443, "cidr_ipv4": None,
                  "cidr_ipv6": None, "prefix_list_id": None,
                  "referenced_security_group_id": None, "description": None, "tags": None}
        unknown = {"id": True, "arn": True, "security_group_id": True,
                   "security_group_rule_id": True, "tags_all": True}
        if after:
            values[key] = after
        else:
            del values[key]
            unknown[key] = True
        res.append(Res(f"{a}.aws_vpc_security_group_egress_rule.{name}",
                       "aws_vpc_security_group_egress_rule", name, ["create"], module=a,
                       after=values, unknown=unknown,
                       expressions={"security_group_id": ref("aws_security_group.tasks.id",
                                                             "aws_security_group.tasks"),
                                    "ip_protocol": const("tcp"), "from_port": const(443),
                                    "to_port": const(443), key: expression}))
    res.append(Res(f"{a}.aws_iam_role.execution", "aws_iam_role", "execution", ["create"],
                   module=a,
                   after={"name": "api-execution", "path": "/",
                          "assume_role_policy": json.dumps({
                              "Version": "2012-10-17", "Statement": [{
                                  "Effect": "Allow", "Action": "sts:AssumeRole",
                                  "Principal": {"Service": "ecs-tasks.amazonaws.com"}}]}),
                          "description": None, "force_detach_policies": False,
                          "max_session_duration": 3600, "permissions_boundary": None,
                          "tags": None},
                   unknown={"arn": True, "id": True, "unique_id": True, "create_date": True,
                            "inline_policy": True, "managed_policy_arns": True,
                            "name_prefix": True, "tags_all": True},
                   expressions={"name": const("api-execution"),
                                "assume_role_policy": ref("data.aws_iam_policy_document.assume.json",
                                                          "data.aws_iam_policy_document.assume")}))
    res.append(Res(f"{a}.aws_iam_role_policy_attachment.execution",
                   "aws_iam_role_policy_attachment", "execution", ["create"], module=a,
                   after={"policy_arn": EXEC_POLICY, "role": "api-execution"},
                   unknown={"id": True},
                   expressions={"policy_arn": const(EXEC_POLICY),
                                "role": ref("aws_iam_role.execution.name",
                                            "aws_iam_role.execution")}))
    res.append(Res(f"{a}.aws_ecr_repository.api", "aws_ecr_repository", "api", ["create"],
                   module=a,
                   after={"name": "api", "image_tag_mutability": "MUTABLE", "force_delete": None,
                          "encryption_configuration": [{"encryption_type": "AES256", "kms_key": ""}],
                          "image_scanning_configuration": [], "tags": None, "timeouts": None},
                   unknown={"arn": True, "id": True, "registry_id": True,
                            "repository_url": True, "tags_all": True,
                            "encryption_configuration": [{}]},
                   expressions={"name": const("api")}))
    containers = json.dumps([{
        "name": "api", "image": f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/api:1.0.0",
        "essential": True,
        "logConfiguration": {"logDriver": "awslogs", "options": {
            "awslogs-group": "/ecs/web", "awslogs-region": REGION,
            "awslogs-stream-prefix": "api"}}}])
    res.append(Res(f"{a}.aws_ecs_task_definition.api", "aws_ecs_task_definition", "api",
                   ["create"], module=a,
                   after={"family": "api", "container_definitions": containers,
                          "network_mode": "awsvpc", "requires_compatibilities": ["FARGATE"],
                          "cpu": "256", "memory": "512", "runtime_platform": [],
                          "task_role_arn": None, "tags": None},
                   unknown={"arn": True, "arn_without_revision": True, "id": True,
                            "revision": True, "execution_role_arn": True, "tags_all": True},
                   expressions={"family": const("api"), "network_mode": const("awsvpc"),
                                "execution_role_arn": ref("aws_iam_role.execution.arn",
                                                          "aws_iam_role.execution"),
                                "container_definitions": {}}))
    res.append(Res(f"{a}.aws_ecs_service.api", "aws_ecs_service", "api", ["create"], module=a,
                   after={"name": "api",
                          "cluster": f"arn:aws:ecs:{REGION}:{ACCOUNT}:cluster/prod",
                          "launch_type": "FARGATE", "platform_version": "1.4.0",
                          "desired_count": 2,
                          "network_configuration": [{"assign_public_ip": False}],
                          "tags": None},
                   unknown={"id": True, "task_definition": True, "iam_role": True,
                            "network_configuration": [{"security_groups": True, "subnets": True}],
                            "tags_all": True},
                   expressions={"name": const("api"),
                                "cluster": const(f"arn:aws:ecs:{REGION}:{ACCOUNT}:cluster/prod"),
                                "launch_type": const("FARGATE"),
                                "platform_version": const("1.4.0"),
                                "task_definition": ref("aws_ecs_task_definition.api.arn",
                                                       "aws_ecs_task_definition.api"),
                                "network_configuration": [{
                                    "subnets": ref("var.subnet_ids"),
                                    "security_groups": ref("aws_security_group.tasks.id",
                                                           "aws_security_group.tasks"),
                                    "assign_public_ip": const(False)}]}))
    modules = {
        n: {"source": "./modules/network", "expressions": {"zones": const(["us-east-1a", "us-east-1b"])},
            "variables": ["zones"],
            "outputs": {"vpc_id": ref("aws_vpc.main.id", "aws_vpc.main"),
                        "subnet_ids": ref("aws_subnet.private")}},
        a: {"source": "./modules/app",
            "expressions": {"vpc_id": ref("module.network.vpc_id", "module.network"),
                            "subnet_ids": ref("module.network.subnet_ids", "module.network"),
                            "s3_prefix_list_id": ref("data.aws_prefix_list.s3.id",
                                                     "data.aws_prefix_list.s3")},
            "variables": ["vpc_id", "subnet_ids", "s3_prefix_list_id"]},
    }
    # The execution role's trust policy comes from a data source read during planning.
    res.append(Res(f"{a}.data.aws_iam_policy_document.assume", "aws_iam_policy_document",
                   "assume", ["read"], mode="data", module=a,
                   after={"id": "1234567890", "json": next(
                       r for r in res if r.kind == "aws_iam_role").after["assume_role_policy"]}))
    res.append(prefix_list_data())
    return plan(res, modules, prior=False)


SCENARIOS = {
    "narrow-egress": narrow_egress,
    "narrow-egress-with-prefix-list": narrow_egress_with_prefix_list,
    "delete-s3-endpoint": delete_s3_endpoint,
    "keep-s3-endpoint": keep_s3_endpoint,
    "module-nested": lambda: module_nested(True),
    "module-nested-healthy": lambda: module_nested(False),
    "first-apply": first_apply,
}


if __name__ == "__main__":
    for name, build in SCENARIOS.items():
        folder = os.path.join(HERE, name)
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, "plan.json"), "w") as out:
            json.dump(build(), out, indent=2, sort_keys=False)
            out.write("\n")
        print(f"wrote {name}/plan.json")
