use super::fixes::{note, sh};
use crate::declare_check;
use crate::facts::{PathContext, Site, TargetKind, Verdict};
use crate::snapshot::{Route, RouteTargetKind};

declare_check! {
    /// ## What it does
    /// Checks that a task whose subnet routes to an internet gateway has a public IP
    /// (`assignPublicIp: ENABLED`).
    ///
    /// ## Why is this bad
    /// An internet gateway translates only addresses that have a public IP. A Fargate task in a
    /// public subnet without one can send nothing to the internet: the subnet looks public, the
    /// pull times out, and it is a dead end.
    ///
    /// ## Example
    /// A service in public subnets with `assignPublicIp: DISABLED` and no endpoints.
    ///
    /// ## Fix
    /// Enable `assignPublicIp`, or move the tasks to private subnets with a NAT gateway route.
    pub static CHECK = ("PC305", "public-ip-missing", Error);
}

pub fn check(context: &PathContext, site: Site) -> Option<Verdict> {
    site.usable_route(RouteTargetKind::InternetGateway)
        .map(|route| judge(context, route))
}

fn judge(context: &PathContext, route: &Route) -> Verdict {
    if context.placement.public_ip {
        return Verdict::Pass("the task has a public IP".into());
    }
    let target = context.target;
    let subnets: Vec<&str> = vec![context.subnet_id()];
    let configuration =
        super::fixes::network_configuration(&subnets, &context.placement.security_group_ids, true);
    let (cli, terraform) = match target.kind {
        TargetKind::Service => (
            format!(
                "aws ecs update-service --cluster {} --service {} --network-configuration {}",
                sh(cluster_of(&target.id)),
                sh(&target.name),
                sh(&configuration)
            ),
            format!(
                "# in the aws_ecs_service {}:\nnetwork_configuration {{\n  assign_public_ip = true\n}}",
                note(&target.name)
            ),
        ),
        TargetKind::Task => (
            format!(
                "aws ecs run-task --cluster {} --task-definition {} --launch-type FARGATE --network-configuration {}",
                sh(cluster_of(&target.id)),
                sh(&target.task_definition_arn),
                sh(&configuration)
            ),
            "# wherever the task is run: network_configuration { assign_public_ip = true }"
                .to_string(),
        ),
    };
    Verdict::Block(
        CHECK
            .finding(format!("{} routes to internet gateway {} but the task has no public IP", context.subnet_id(), route.target))
            .resources([context.subnet_id(), route.target.as_str(), target.id.as_str()])
            .detail(format!(
                "The default route of {} goes to {}; without assignPublicIp the task's traffic cannot leave through it, so {} is unreachable.",
                context.subnet_id(),
                route.target,
                context.flow.host
            ))
            .fix(cli, terraform),
    )
}

/// `arn:aws:ecs:r:a:service/cluster/name` and `.../task/cluster/id` → `cluster`.
fn cluster_of(arn: &str) -> &str {
    arn.split('/').nth(1).unwrap_or("<cluster>")
}

#[cfg(test)]
mod tests {
    use crate::finding::Severity;
    use crate::rules::test_support::{findings_of, scenario};
    use crate::snapshot::Snapshot;

    /// The NAT scenario's service moved to the public subnet, whose default route is igw-0a1.
    fn in_public_subnet(assign_public_ip: bool) -> Snapshot {
        let mut snapshot = scenario("nat-path-healthy");
        let network = snapshot.services[0].network.as_mut().unwrap();
        network.subnet_ids = vec!["subnet-public-a".into()];
        network.assign_public_ip = assign_public_ip;
        snapshot
    }

    #[test]
    fn a_task_with_a_public_ip_leaves_through_the_internet_gateway() {
        assert!(findings_of(&in_public_subnet(true), "PC305").is_empty());
        // A private subnet routes to a NAT gateway: no public IP is needed.
        assert!(findings_of(&scenario("nat-path-healthy"), "PC305").is_empty());
    }

    #[test]
    fn a_task_without_a_public_ip_cannot_use_the_internet_gateway() {
        let findings = findings_of(&in_public_subnet(false), "PC305");
        assert!(!findings.is_empty());
        let service = "arn:aws:ecs:us-east-1:111122223333:service/prod/web";
        for finding in &findings {
            assert_eq!(finding.severity, Severity::Error);
            assert_eq!(finding.resources, ["subnet-public-a", "igw-0a1", service]);
            let cli = &finding.fix.as_ref().unwrap().aws_cli;
            assert!(
                cli.contains("--service web") && cli.contains("assignPublicIp=ENABLED"),
                "{cli}"
            );
        }
    }
}
