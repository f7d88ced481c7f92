//! Turning target options into a live collection: scope, region, credentials, runtime.

use std::io::IsTerminal;

use anyhow::{Context, bail};
use ecr_pathcheck_checks::Snapshot;

use crate::cli::TargetArgs;
use crate::collect::arn::{RegistryRole, TaskArn, check_ecs_target};
use crate::collect::{self, Connection, Options, Scope};

/// `None` when the options name no live target.
pub fn scope(target: &TargetArgs, connection: &mut Connection) -> anyhow::Result<Option<Scope>> {
    connection.registry_roles = target
        .registry_roles
        .iter()
        .map(|text| RegistryRole::parse(text))
        .collect::<Result<_, _>>()?;
    connection.network_roles = target
        .network_roles
        .iter()
        .map(|text| RegistryRole::parse_network(text))
        .collect::<Result<_, _>>()?;
    if let Some(text) = &target.task_arn {
        let arn = TaskArn::parse(text)?;
        let cluster = match (&arn.cluster, &target.cluster) {
            (Some(from_arn), Some(given))
                if from_arn != given && !given.ends_with(&format!("/{from_arn}")) =>
            {
                bail!(
                    "the task ARN is in cluster {from_arn} but --cluster says {given}; drop --cluster"
                )
            }
            (Some(from_arn), _) => from_arn.clone(),
            (None, Some(given)) => given.clone(),
            (None, None) => "default".to_string(),
        };
        connection.arn_region = Some(arn.region.clone());
        return Ok(Some(Scope::Task { arn, cluster }));
    }
    for (kind, given) in [("cluster", &target.cluster), ("service", &target.service)] {
        if let Some(text) = given
            && let Some(region) = check_ecs_target(kind, text)?
        {
            // An ARN of another region than the configured one is refused as a task ARN's is.
            match &connection.arn_region {
                Some(other) if *other != region => {
                    bail!("--cluster and --service name different regions ({other}, {region})")
                }
                _ => connection.arn_region = Some(region),
            }
        }
    }
    Ok(match (&target.cluster, &target.service) {
        (Some(cluster), Some(service)) => Some(Scope::Service {
            cluster: cluster.clone(),
            service: service.clone(),
        }),
        (Some(cluster), None) => Some(Scope::Cluster {
            cluster: cluster.clone(),
        }),
        _ => None,
    })
}

pub fn collect(
    scope: &Scope,
    connection: &Connection,
    target: &TargetArgs,
    debug: bool,
) -> anyhow::Result<Snapshot> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async {
        let deadline =
            tokio::time::Instant::now() + std::time::Duration::from_secs(target.timeout.into());
        let clients = collect::client::connect(connection).await?;
        let options = Options {
            max_in_flight: usize::from(target.max_concurrency),
            // The progress line would garble the --debug log on the same stream.
            show_progress: !debug && std::io::stderr().is_terminal(),
            deadline: Some(deadline),
        };
        collect::collect(&clients, scope, &options).await
    })
}
