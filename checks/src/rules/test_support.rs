//! What the checks' own tests share: a scenario of `mocks/` loaded as `diagnose --snapshot`
//! loads it, a task of its service to add to it, and one check's findings.

use crate::engine::diagnose;
use crate::finding::Finding;
use crate::snapshot::{ContainerState, LaunchType, Snapshot, Task};

/// `mocks/NAME/snapshot.json`, validated and migrated by the loader.
pub fn scenario(name: &str) -> Snapshot {
    let path = format!(
        "{}/../mocks/{name}/snapshot.json",
        env!("CARGO_MANIFEST_DIR")
    );
    crate::snapshot::load_file(std::path::Path::new(&path))
        .unwrap_or_else(|error| panic!("{error}"))
}

/// A Fargate task of the scenario's service `web` running its first task definition: stopped
/// with `stopped_reason` when one is given, else running.
pub fn task(
    snapshot: &Snapshot,
    stopped_reason: Option<&str>,
    containers: Vec<ContainerState>,
) -> Task {
    Task {
        arn: "arn:aws:ecs:us-east-1:111122223333:task/prod/abc".into(),
        cluster_arn: "arn:aws:ecs:us-east-1:111122223333:cluster/prod".into(),
        task_definition_arn: snapshot.task_definitions[0].arn.clone(),
        group: Some("service:web".into()),
        launch_type: LaunchType::Fargate,
        platform_version: None,
        last_status: if stopped_reason.is_some() {
            "STOPPED"
        } else {
            "RUNNING"
        }
        .into(),
        stop_code: None,
        stopped_reason: stopped_reason.map(str::to_string),
        containers,
        network: None,
        container_instance_arn: None,
    }
}

/// The findings of check `id` in the diagnosis of `snapshot`.
pub fn findings_of(snapshot: &Snapshot, id: &str) -> Vec<Finding> {
    diagnose(snapshot)
        .findings
        .into_iter()
        .filter(|finding| finding.check == id)
        .collect()
}
