//! Turning target options into a live collection: scope, region, credentials, runtime.

use std::io::IsTerminal;

use anyhow::{Context, bail};
use ecr_pathcheck_checks::Snapshot;

use crate::cli::TargetArgs;
use crate::collect::arn::{RegistryRole, TaskArn, check_ecs_target, check_region, is_account};
use crate::collect::sweep::{Accounts, Limits, Regions, Sweep, Workload};
use crate::collect::{self, Connection, Options, Scope};
use crate::report::sweep::SweepScope;

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

/// The sweep the options ask for (`--all-clusters`, `--regions`, `--accounts`,
/// `--organization`), checked before any call; `None` when they ask for none.
pub fn sweep(target: &TargetArgs, connection: &mut Connection) -> anyhow::Result<Option<Sweep>> {
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
    if !target.is_sweep() {
        if target.role_name.is_some() || !target.exclude_accounts.is_empty() {
            bail!(
                "--role-name and --exclude-accounts are for sweeps: add --accounts ACCOUNT,... or --organization"
            );
        }
        return Ok(None);
    }
    let regions = match &target.regions[..] {
        [] => Regions::Home,
        [all] if all == "all" => Regions::Enabled,
        listed => {
            let mut regions = Vec::new();
            for region in listed {
                if region == "all" {
                    bail!("--regions all stands alone: every region each account has enabled");
                }
                check_region(region).map_err(|error| anyhow::anyhow!("--regions {error}"))?;
                if !regions.contains(region) {
                    regions.push(region.clone());
                }
            }
            connection.fallback_region = regions.first().cloned();
            Regions::Listed(regions)
        }
    };
    let account_list = |flag: &str, listed: &[String]| -> anyhow::Result<Vec<String>> {
        listed
            .iter()
            .map(|account| {
                if is_account(account) {
                    Ok(account.clone())
                } else {
                    bail!("{flag} {account:?} is not a 12-digit account id")
                }
            })
            .collect()
    };
    let accounts = if target.organization {
        Accounts::Organization
    } else if target.accounts.is_empty() {
        Accounts::Caller
    } else {
        Accounts::Listed(account_list("--accounts", &target.accounts)?)
    };
    if accounts != Accounts::Caller && target.role_name.is_none() {
        bail!(
            "--accounts and --organization need --role-name NAME: the role to assume in each account (docs/sweep-role.md)"
        );
    }
    if let Some(name) = &target.role_name {
        let valid = (1..=64).contains(&name.len())
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"+=,.@_-".contains(&b));
        if !valid {
            bail!(
                "--role-name {name:?} is not an IAM role name (1 to 64 letters, digits and +=,.@_-; the name, not the ARN)"
            );
        }
    }
    let exclude = account_list("--exclude-accounts", &target.exclude_accounts)?
        .into_iter()
        .collect();
    for (flag, given) in [
        ("--cluster", &target.cluster),
        ("--service", &target.service),
    ] {
        if let Some(text) = given
            && check_ecs_target(flag.trim_start_matches('-'), text)?.is_some()
        {
            bail!(
                "{flag} takes a name in a sweep, not an ARN: the same name is looked up in every account and region"
            );
        }
    }
    let workload = match (&target.cluster, &target.service, target.all_clusters) {
        (_, _, true) => Workload::AllClusters,
        (Some(cluster), Some(service), false) => Workload::Service {
            cluster: cluster.clone(),
            service: service.clone(),
        },
        (Some(cluster), None, false) => Workload::Cluster(cluster.clone()),
        (None, _, false) => {
            bail!("a sweep needs --all-clusters, or --cluster NAME [--service NAME]")
        }
    };
    Ok(Some(Sweep {
        accounts,
        regions,
        workload,
        role_name: target.role_name.clone(),
        exclude,
        registry_roles: connection.registry_roles.clone(),
        network_roles: connection.network_roles.clone(),
    }))
}

/// Runs the sweep, handing each account and region to `each` as soon as it is done (on this
/// thread, so the report is written as the sweep goes).
pub fn run_sweep(
    sweep: &Sweep,
    connection: &Connection,
    target: &TargetArgs,
    debug: bool,
    mut each: impl FnMut(SweepScope) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        // The collection's futures run on the workers here, not on the main thread's stack as
        // `block_on` runs them: a debug build's unoptimised futures need more than the 2 MiB
        // default.
        .thread_stack_size(16 << 20)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let limits = Limits {
        per_scope: usize::from(target.max_concurrency),
        total: usize::from(target.max_total_concurrency),
        timeout: std::time::Duration::from_secs(target.timeout.into()),
        // The progress line would garble the --debug log on the same stream.
        show_progress: !debug && std::io::stderr().is_terminal(),
    };
    let (sender, mut receiver) = tokio::sync::mpsc::unbounded_channel();
    let (sweep, connection) = (sweep.clone(), connection.clone());
    let running = runtime
        .spawn(async move { collect::sweep::sweep(&connection, &sweep, &limits, sender).await });
    while let Some(result) = runtime.block_on(receiver.recv()) {
        each(SweepScope {
            account_id: result.account_id,
            region: result.region,
            outcome: result.outcome,
        })?;
    }
    runtime
        .block_on(running)
        .context("the sweep stopped unexpectedly")?
}
