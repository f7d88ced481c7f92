use super::fixes::{hcl, label, sh};
use crate::declare_check;
use crate::engine::{PathContext, Verdict};

declare_check! {
    /// ## What it does
    /// Reports a flow that no VPC endpoint serves and for which the task subnet's route table
    /// has no route out of the VPC (no default route to a NAT gateway or internet gateway).
    ///
    /// ## Why is this bad
    /// Without an endpoint, the service's name resolves to public addresses; without a route to
    /// them the connection times out (`dial tcp <public ip>:443: i/o timeout`, or
    /// `context canceled`).
    ///
    /// ## Example
    /// An isolated subnet with only the `local` route, running a task whose image is on Docker
    /// Hub.
    ///
    /// ## Fix
    /// Add the missing VPC endpoint (for AWS services in the task's region), or route
    /// `0.0.0.0/0` through a NAT gateway.
    pub static CHECK = ("PC302", "no-internet-route", Error);
}

pub fn check(context: &PathContext) -> Verdict {
    let subnet = context.subnet_id();
    let vpc = &context.placement.vpc.id;
    if let Some(verdict) = super::collection_gap::unread_route_table(context, &CHECK) {
        return verdict;
    }
    let table = context
        .placement
        .route_table
        .map(|table| table.id.as_str())
        .unwrap_or("<route table>");
    let nat = context
        .index
        .snapshot
        .nat_gateways
        .iter()
        .find(|nat| {
            &nat.vpc_id == vpc && nat.state == "available" && nat.connectivity_type == "public"
        })
        .map(|nat| nat.id.as_str());
    let nat_id = nat.unwrap_or("<nat gateway id>");
    Verdict::Block(
        CHECK
            .finding(format!("Route table {table} of {subnet} has no route to the internet for {}", context.flow.host))
            .resources([table, subnet])
            .resources(nat)
            .detail(format!(
                "{}, so the task needs {} ({}). {table} has no default route to a NAT or internet gateway{}.",
                context.flow.because,
                context.flow.kind.describe(),
                context.flow.host,
                match nat {
                    Some(nat) => format!("; {nat} is available in {vpc}"),
                    None => format!(" and {vpc} has no available public NAT gateway"),
                }
            ))
            .fix(
                // The placeholder stays unquoted, for the engineer to replace.
                format!("aws ec2 create-route --route-table-id {} --destination-cidr-block 0.0.0.0/0 --nat-gateway-id {}", sh(table), nat.map(sh).unwrap_or_else(|| nat_id.to_string())),
                format!(
                    "resource \"aws_route\" \"{}_default\" {{\n  route_table_id         = \"{}\"\n  destination_cidr_block = \"0.0.0.0/0\"\n  nat_gateway_id         = \"{}\"\n}}",
                    label(table),
                    hcl(table),
                    hcl(nat_id)
                ),
            ),
    )
}
