//! Lookups over a snapshot, built once so that a sweep of a thousand services stays linear.

use std::cell::RefCell;
use std::collections::HashMap;

use super::path::Verdict;
use crate::flows::FlowKind;
use crate::net::{AddressSet, Direction, PortRange};

use crate::net::Ipv4Cidr;
use crate::snapshot::*;

pub struct Index<'a> {
    pub snapshot: &'a Snapshot,
    vpcs: HashMap<&'a str, &'a Vpc>,
    dhcp: HashMap<&'a str, &'a DhcpOptions>,
    subnets: HashMap<&'a str, &'a Subnet>,
    route_table_of_subnet: HashMap<&'a str, &'a RouteTable>,
    main_route_table: HashMap<&'a str, &'a RouteTable>,
    nacl_of_subnet: HashMap<&'a str, &'a NetworkAcl>,
    security_groups: HashMap<&'a str, &'a SecurityGroup>,
    prefix_lists: HashMap<&'a str, &'a PrefixList>,
    endpoints_by_vpc: HashMap<&'a str, Vec<&'a VpcEndpoint>>,
    nat_gateways: HashMap<&'a str, &'a NatGateway>,
    internet_gateways: HashMap<&'a str, &'a InternetGateway>,
    task_definitions: HashMap<&'a str, &'a TaskDefinition>,
    roles: HashMap<&'a str, &'a IamRole>,
    container_instances: HashMap<&'a str, &'a ContainerInstance>,
    /// Verdicts already reached in this diagnosis: services share subnets, roles and task
    /// definitions, so the same question comes back thousands of times in a cluster sweep.
    verdicts: RefCell<HashMap<Question, Verdict>>,
}

/// Everything a memoized verdict depends on.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Question {
    /// One direction of a subnet's network ACL, asked by a check about a peer and ports.
    NetworkAcl {
        check: &'static str,
        subnet: String,
        direction: Direction,
        peer: AddressSet,
        ports: PortRange,
        flow: FlowKind,
    },
    /// A role's permissions for a flow's requests in a region.
    RolePermissions {
        role: String,
        flow: FlowKind,
        region: String,
        /// The flow's resources (repositories, secrets, log groups).
        resources: Vec<String>,
        /// The endpoint the requests come through (`aws:SourceVpce`).
        source_vpce: Option<String>,
    },
}

fn by_key<'a, T>(items: &'a [T], key: impl Fn(&'a T) -> &'a str) -> HashMap<&'a str, &'a T> {
    items.iter().map(|item| (key(item), item)).collect()
}

impl<'a> Index<'a> {
    pub fn new(snapshot: &'a Snapshot) -> Self {
        let mut route_table_of_subnet = HashMap::new();
        let mut main_route_table = HashMap::new();
        for table in &snapshot.route_tables {
            if table.main {
                main_route_table.insert(table.vpc_id.as_str(), table);
            }
            for subnet in &table.subnet_ids {
                route_table_of_subnet.insert(subnet.as_str(), table);
            }
        }
        let mut nacl_of_subnet = HashMap::new();
        for acl in &snapshot.network_acls {
            for subnet in &acl.subnet_ids {
                nacl_of_subnet.insert(subnet.as_str(), acl);
            }
        }
        let mut endpoints_by_vpc: HashMap<&str, Vec<&VpcEndpoint>> = HashMap::new();
        for endpoint in &snapshot.vpc_endpoints {
            endpoints_by_vpc
                .entry(endpoint.vpc_id.as_str())
                .or_default()
                .push(endpoint);
        }
        Index {
            snapshot,
            vpcs: by_key(&snapshot.vpcs, |v| &v.id),
            dhcp: by_key(&snapshot.dhcp_options, |d| &d.id),
            subnets: by_key(&snapshot.subnets, |s| &s.id),
            route_table_of_subnet,
            main_route_table,
            nacl_of_subnet,
            security_groups: by_key(&snapshot.security_groups, |g| &g.id),
            prefix_lists: by_key(&snapshot.prefix_lists, |p| &p.id),
            endpoints_by_vpc,
            nat_gateways: by_key(&snapshot.nat_gateways, |n| &n.id),
            internet_gateways: by_key(&snapshot.internet_gateways, |i| &i.id),
            task_definitions: by_key(&snapshot.task_definitions, |t| &t.arn),
            roles: by_key(&snapshot.iam_roles, |r| &r.arn),
            container_instances: by_key(&snapshot.container_instances, |c| &c.arn),
            verdicts: RefCell::default(),
        }
    }

    pub fn vpc(&self, id: &str) -> Option<&'a Vpc> {
        self.vpcs.get(id).copied()
    }

    pub fn dhcp_options(&self, vpc: &Vpc) -> Option<&'a DhcpOptions> {
        vpc.dhcp_options_id
            .as_deref()
            .and_then(|id| self.dhcp.get(id).copied())
    }

    pub fn subnet(&self, id: &str) -> Option<&'a Subnet> {
        self.subnets.get(id).copied()
    }

    /// The subnet's explicitly associated table, else its VPC's main table.
    pub fn route_table_for(&self, subnet: &Subnet) -> Option<&'a RouteTable> {
        self.route_table_of_subnet
            .get(subnet.id.as_str())
            .or_else(|| self.main_route_table.get(subnet.vpc_id.as_str()))
            .copied()
    }

    pub fn nacl_for(&self, subnet_id: &str) -> Option<&'a NetworkAcl> {
        self.nacl_of_subnet.get(subnet_id).copied().or_else(|| {
            let subnet = self.subnet(subnet_id)?;
            self.snapshot
                .network_acls
                .iter()
                .find(|acl| acl.is_default && acl.vpc_id == subnet.vpc_id)
        })
    }

    pub fn security_group(&self, id: &str) -> Option<&'a SecurityGroup> {
        self.security_groups.get(id).copied()
    }

    pub fn prefix_list(&self, id: &str) -> Option<&'a PrefixList> {
        self.prefix_lists.get(id).copied()
    }

    pub fn prefix_list_named(&self, name: &str) -> Option<&'a PrefixList> {
        self.snapshot
            .prefix_lists
            .iter()
            .find(|list| list.name == name)
    }

    pub fn endpoints_in(&self, vpc_id: &str) -> &[&'a VpcEndpoint] {
        self.endpoints_by_vpc
            .get(vpc_id)
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    pub fn nat_gateway(&self, id: &str) -> Option<&'a NatGateway> {
        self.nat_gateways.get(id).copied()
    }

    pub fn internet_gateway(&self, id: &str) -> Option<&'a InternetGateway> {
        self.internet_gateways.get(id).copied()
    }

    pub fn task_definition(&self, arn: &str) -> Option<&'a TaskDefinition> {
        self.task_definitions.get(arn).copied()
    }

    /// The instance a route names, directly (`i-…`) or by one of its network interfaces
    /// (`eni-…`), when the snapshot holds it.
    pub fn instance_for_route(&self, route: &Route) -> Option<&'a Ec2Instance> {
        let instances = &self.snapshot.ec2_instances;
        match route.target_kind() {
            RouteTargetKind::Instance => instances
                .iter()
                .find(|instance| instance.id == route.target),
            RouteTargetKind::NetworkInterface => instances
                .iter()
                .find(|instance| instance.network_interface_ids.contains(&route.target)),
            _ => None,
        }
    }

    /// The cached verdict for a question, computing it on first ask.
    pub fn memo(&self, question: Question, compute: impl FnOnce() -> Verdict) -> Verdict {
        if let Some(verdict) = self.verdicts.borrow().get(&question) {
            return verdict.clone();
        }
        let verdict = compute();
        self.verdicts.borrow_mut().insert(question, verdict.clone());
        verdict
    }

    pub fn container_instance(&self, arn: &str) -> Option<&'a ContainerInstance> {
        self.container_instances.get(arn).copied()
    }

    pub fn role(&self, arn: &str) -> Option<&'a IamRole> {
        self.roles.get(arn).copied()
    }

    /// The collection gap for an API call (`ec2:DescribeNetworkAcls`), if the collector recorded one.
    pub fn gap(&self, api: &str) -> Option<&'a CollectionGap> {
        self.snapshot
            .gaps
            .iter()
            .find(|gap| gap.api.eq_ignore_ascii_case(api))
    }

    /// A failed read of one of `apis` that may have hidden data about `resource`: a gap about that
    /// resource, or one about no resource in particular (a listing). The "not found" conventions
    /// (`…NotFoundException`) are facts, not failed reads, and are never returned. A hop whose
    /// data such a gap may have hidden is unknown: the gap never means "absent".
    pub fn gap_about(&self, apis: &[&str], resource: &str) -> Option<&'a CollectionGap> {
        self.snapshot.gaps.iter().find(|gap| {
            apis.iter().any(|api| gap.api.eq_ignore_ascii_case(api))
                && !gap.error_code.ends_with("NotFoundException")
                && gap
                    .resource
                    .as_deref()
                    .is_none_or(|about| about == resource)
        })
    }

    /// A failed read of the role's policies: its inline or attached policies could not be listed,
    /// or a document could not be read. A managed policy's gap names the policy, not the role,
    /// so any such gap counts for every role.
    pub fn unread_role_policies(&self, role_arn: &str) -> Option<&'a CollectionGap> {
        const POLICY_READS: [&str; 5] = [
            "iam:ListRolePolicies",
            "iam:GetRolePolicy",
            "iam:ListAttachedRolePolicies",
            "iam:GetPolicy",
            "iam:GetPolicyVersion",
        ];
        let role_name = role_arn.rsplit('/').next().unwrap_or(role_arn);
        self.snapshot.gaps.iter().find(|gap| {
            POLICY_READS
                .iter()
                .any(|api| gap.api.eq_ignore_ascii_case(api))
                && gap.resource.as_deref().is_none_or(|about| {
                    about == role_arn || about == role_name || about.contains(":policy/")
                })
        })
    }

    /// The CIDRs a prefix list stands for, or `None` when the list is not in the snapshot.
    pub fn prefix_list_cidrs(&self, id: &str) -> Option<&'a [Ipv4Cidr]> {
        self.prefix_list(id).map(|list| list.cidrs.as_slice())
    }

    /// Does `destination` (a route or rule's prefix list or CIDR) include the block?
    pub fn destination_contains(&self, destination: &RouteDestination, block: &Ipv4Cidr) -> bool {
        match destination {
            RouteDestination::Cidr(cidr) => cidr.contains(block),
            RouteDestination::PrefixList(id) => self
                .prefix_list_cidrs(id)
                .is_some_and(|cidrs| cidrs.iter().any(|cidr| cidr.contains(block))),
            RouteDestination::Ipv6(_) => false,
        }
    }
}
