use crate::declare_check;
use crate::facts::{AclSide, PathContext, Site, Verdict};
use crate::net::{AddressSet, Direction, PortRange};

declare_check! {
    /// ## What it does
    /// Evaluates the network ACLs on the return direction of each flow: the task subnet's
    /// inbound rules for the replies (TCP to the ephemeral ports 32768-60999 that Fargate and
    /// the ECS-optimised AMIs use), and, for an interface endpoint in another subnet, that
    /// subnet's outbound rules for the same ports back to the task.
    ///
    /// ## Why is this bad
    /// ACLs are stateless: an outbound allow for 443 does not let the answer back in. ACLs that
    /// allow only well-known ports inbound, or the Windows range 49152-65535, drop the replies
    /// and the pull times out after the TCP handshake never completes.
    ///
    /// ## Example
    /// Task subnet ACL inbound: `100 allow tcp 443 0.0.0.0/0`, then `* deny`.
    ///
    /// ## Fix
    /// Allow inbound TCP 1024-65535 from the destination (and outbound on the endpoint subnet).
    pub static CHECK = ("PC502", "nacl-return-blocked", Error);
}

/// The task subnet's ACL (see `PathContext::ask_network_acl` for where it applies).
pub fn task_subnet(context: &PathContext, site: Site) -> Option<Verdict> {
    context.ask_network_acl(site, AclSide::TaskSubnet, |subnet, peer| {
        check(context, subnet, Direction::Ingress, peer)
    })
}

/// The endpoint interface's subnet's ACL, when it is another subnet than the task's.
pub fn endpoint_subnet(context: &PathContext, site: Site) -> Option<Verdict> {
    context.ask_network_acl(site, AclSide::EndpointSubnet, |subnet, peer| {
        check(context, subnet, Direction::Egress, peer)
    })
}

fn check(
    context: &PathContext,
    subnet_id: &str,
    direction: Direction,
    peer: &AddressSet,
) -> Verdict {
    super::nacl_request::AclQuestion {
        check: &CHECK,
        subnet_id,
        direction,
        peer,
        required: PortRange::LINUX_EPHEMERAL,
        fix_ports: PortRange {
            from: 1024,
            to: 65535,
        },
    }
    .answer(context)
}
