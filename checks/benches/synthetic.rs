//! A synthetic account for the engine benchmark: 20 VPCs, each with 5 endpoints (100 in all),
//! 50 services per VPC (1,000), one task security group of 5 egress rules per service (5,000
//! rules), 10 shared task definitions.

use ecr_pathcheck_checks::snapshot::Snapshot;
use serde_json::{Value, json};

pub const VPCS: usize = 20;
pub const SERVICES_PER_VPC: usize = 50;

pub fn account() -> Snapshot {
    let region = "us-east-1";
    let account = "111122223333";
    let mut vpcs = Vec::new();
    let mut subnets = Vec::new();
    let mut route_tables = Vec::new();
    let mut acls = Vec::new();
    let mut groups = Vec::new();
    let mut endpoints = Vec::new();
    let mut services = Vec::new();
    for v in 0..VPCS {
        let vpc = format!("vpc-{v:04}");
        vpcs.push(json!({"id": vpc, "cidr_blocks": [format!("10.{v}.0.0/16")], "enable_dns_support": true, "enable_dns_hostnames": true}));
        let names = ["private-a", "private-b", "endpoints-a", "endpoints-b"];
        for (i, name) in names.iter().enumerate() {
            subnets.push(json!({"id": format!("subnet-{v}-{name}"), "vpc_id": vpc, "availability_zone": format!("{region}{}", if i % 2 == 0 { "a" } else { "b" }), "cidr_block": format!("10.{v}.{i}.0/24")}));
        }
        route_tables.push(json!({"id": format!("rtb-{v}"), "vpc_id": vpc, "main": true, "routes": [{"destination": format!("10.{v}.0.0/16"), "target": "local"}, {"destination": "pl-63a5400a", "target": format!("vpce-{v}-s3")}]}));
        acls.push(json!({"id": format!("acl-{v}"), "vpc_id": vpc, "is_default": true, "entries": [
            {"rule_number": 100, "egress": true, "protocol": "all", "action": "allow", "cidr": "0.0.0.0/0"},
            {"rule_number": 100, "egress": false, "protocol": "all", "action": "allow", "cidr": "0.0.0.0/0"}]}));
        let endpoint_group = format!("sg-{v}-endpoints");
        groups.push(json!({"id": endpoint_group, "vpc_id": vpc, "ingress": [{"protocol": "tcp", "port_range": {"from": 443, "to": 443}, "peer": format!("10.{v}.0.0/16")}]}));
        for (e, service) in ["ecr.api", "ecr.dkr", "logs", "secretsmanager"]
            .iter()
            .enumerate()
        {
            endpoints.push(json!({"id": format!("vpce-{v}-{e}"), "vpc_id": vpc, "service_name": format!("com.amazonaws.{region}.{service}"), "endpoint_type": "Interface", "state": "available", "private_dns_enabled": true,
                "network_interfaces": [
                    {"id": format!("eni-{v}-{e}-a"), "subnet_id": format!("subnet-{v}-endpoints-a"), "availability_zone": format!("{region}a"), "private_ip": format!("10.{v}.2.{}", 10 + e)},
                    {"id": format!("eni-{v}-{e}-b"), "subnet_id": format!("subnet-{v}-endpoints-b"), "availability_zone": format!("{region}b"), "private_ip": format!("10.{v}.3.{}", 10 + e)}],
                "security_group_ids": [endpoint_group]}));
        }
        endpoints.push(json!({"id": format!("vpce-{v}-s3"), "vpc_id": vpc, "service_name": format!("com.amazonaws.{region}.s3"), "endpoint_type": "Gateway", "state": "available", "route_table_ids": [format!("rtb-{v}")]}));
        for s in 0..SERVICES_PER_VPC {
            let group = format!("sg-{v}-svc-{s}");
            // Every tenth service misses the S3 prefix-list rule, so the engine has findings to build.
            let s3_peer = if s % 10 == 0 {
                format!("10.{v}.0.0/16")
            } else {
                "pl-63a5400a".to_string()
            };
            groups.push(json!({"id": group, "vpc_id": vpc, "egress": [
                {"protocol": "tcp", "port_range": {"from": 5432, "to": 5432}, "peer": format!("10.{v}.0.0/16")},
                {"protocol": "tcp", "port_range": {"from": 6379, "to": 6379}, "peer": format!("10.{v}.0.0/16")},
                {"protocol": "udp", "port_range": {"from": 53, "to": 53}, "peer": format!("10.{v}.0.2/32")},
                {"protocol": "tcp", "port_range": {"from": 443, "to": 443}, "peer": s3_peer},
                {"protocol": "tcp", "port_range": {"from": 443, "to": 443}, "peer": endpoint_group}]}));
            services.push(json!({"arn": format!("arn:aws:ecs:{region}:{account}:service/prod/svc-{v}-{s}"), "name": format!("svc-{v}-{s}"), "cluster_arn": format!("arn:aws:ecs:{region}:{account}:cluster/prod"),
                "task_definition_arn": format!("arn:aws:ecs:{region}:{account}:task-definition/app-{}:1", s % 10), "launch_type": "FARGATE", "platform_version": "1.4.0",
                "network": {"subnet_ids": [format!("subnet-{v}-private-a"), format!("subnet-{v}-private-b")], "security_group_ids": [group]}}));
        }
    }
    let definitions: Vec<Value> = (0..10).map(|d| json!({"arn": format!("arn:aws:ecs:{region}:{account}:task-definition/app-{d}:1"), "execution_role_arn": format!("arn:aws:iam::{account}:role/exec"),
        "containers": [{"name": "app", "image": format!("{account}.dkr.ecr.{region}.amazonaws.com/app-{d}:1"), "log_driver": "awslogs", "log_options": {"awslogs-group": format!("/ecs/app-{d}")},
            "secrets": [{"name": "DB", "value_from": format!("arn:aws:secretsmanager:{region}:{account}:secret:db-{d}-AbCdEf")}]}]})).collect();
    let role = json!({"arn": format!("arn:aws:iam::{account}:role/exec"),
        "trust_policy": {"Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}]},
        "attached_policies": [{"name": "AmazonECSTaskExecutionRolePolicy", "document": {"Statement": [{"Effect": "Allow", "Action": ["ecr:GetAuthorizationToken", "ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage", "logs:CreateLogStream", "logs:PutLogEvents"], "Resource": "*"}]}}],
        "inline_policies": [{"name": "secrets", "document": {"Statement": [{"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": format!("arn:aws:secretsmanager:{region}:{account}:secret:*")}]}}]});
    let repositories: Vec<Value> = (0..10).map(|d| json!({"arn": format!("arn:aws:ecr:{region}:{account}:repository/app-{d}"), "name": format!("app-{d}"), "uri": format!("{account}.dkr.ecr.{region}.amazonaws.com/app-{d}"),
        "images": [{"digest": format!("sha256:{d:064}"), "tags": ["1"], "platforms": ["linux/amd64"]}]})).collect();
    let document = json!({"schema_version": 1, "account_id": account, "region": region, "vpcs": vpcs, "subnets": subnets, "route_tables": route_tables, "network_acls": acls,
        "security_groups": groups, "vpc_endpoints": endpoints, "services": services, "task_definitions": definitions, "iam_roles": [role], "ecr_repositories": repositories,
        "prefix_lists": [{"id": "pl-63a5400a", "name": format!("com.amazonaws.{region}.s3"), "cidrs": ["52.216.0.0/15", "54.231.0.0/16", "3.5.0.0/19"]}]});
    serde_json::from_value(document).expect("the synthetic account is a valid snapshot")
}
