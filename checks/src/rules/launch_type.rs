use crate::declare_check;
use crate::engine::TargetInput;
use crate::finding::Finding;

declare_check! {
    /// ## What it does
    /// Notes a target on the EC2 or EXTERNAL launch type, whose images are pulled by the
    /// container instance's agent through the instance's own network interface, not the task's.
    ///
    /// ## Why is this bad
    /// This version walks the network of Fargate tasks (the task ENI). For EC2 the relevant
    /// subnet, security groups and role are the container instance's, which the snapshot does
    /// not model yet, so the network hops are reported as unknown rather than guessed.
    ///
    /// ## Example
    /// A service with `launchType: EC2` in `awsvpc` mode.
    ///
    /// ## Fix
    /// Run the diagnosis against a Fargate task of the same definition, or check the container
    /// instance's subnet, security group and instance role by hand.
    pub static CHECK = ("PC902", "launch-type-not-analysed", Info);
}

pub fn finding(target: &TargetInput) -> Finding {
    let launch_type = target
        .launch_type
        .map(|launch| format!("{launch:?}").to_uppercase())
        .unwrap_or_default();
    CHECK
        .finding(format!("{} uses the {launch_type} launch type: its pulls go through the container instance, not analysed", target.name))
        .resource(target.id.as_str())
        .detail("Images of EC2 and EXTERNAL tasks are pulled by the ECS agent over the container instance's network; its ENI, security groups and instance role are not in the snapshot.")
}
