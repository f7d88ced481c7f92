//! Sweeps: every account, region and cluster asked for, in one run (`--accounts`,
//! `--organization`, `--regions`, `--all-clusters`).
//!
//! Accounts are read in parallel, each with its own credentials (the caller's for its own
//! account, else the role `--role-name` names in it, assumed once); each account's regions in
//! parallel too, each account and region a collection of its own ([`super::collect_with`]) with
//! its own bound on calls in flight, all under one bound for the whole sweep. What fails for an
//! account (its role cannot be assumed, its regions cannot be listed) or for a region (it is not
//! enabled, its clusters cannot be listed, a cluster named is not there) becomes one
//! [`ScopeResult`] saying why; the sweep goes on. Only what names the sweep itself ends it: the
//! caller's identity, and the organisation's accounts for `--organization`.
//!
//! Sources for the calls: `sts:GetCallerIdentity`, `sts:AssumeRole`,
//! `organizations:ListAccounts` (from the organisation's management account or a delegated
//! administrator: <https://docs.aws.amazon.com/organizations/latest/APIReference/API_ListAccounts.html>),
//! `ec2:DescribeRegions` (without `AllRegions`, only the regions enabled for the account:
//! <https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeRegions.html>),
//! `ecs:ListClusters`.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::{Context, bail};
use aws_credential_types::provider::SharedCredentialsProvider;
use ecr_pathcheck_checks::Snapshot;
use tokio::sync::{Semaphore, mpsc};

use super::arn::{NetworkRole, RegistryRole, partition_of};
use super::call::Calls;
use super::client::{self, Connection};
use super::progress::Progress;
use super::{Scope, collect_with};

/// Which accounts a sweep reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Accounts {
    /// The caller's own.
    Caller,
    /// These, besides the caller's own.
    Listed(Vec<String>),
    /// Every active account of the caller's organisation.
    Organization,
}

/// Which regions of each account a sweep reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Regions {
    /// The configured region (`--region`, the environment, the profile).
    Home,
    Listed(Vec<String>),
    /// Every region the account has enabled.
    Enabled,
}

/// What a sweep diagnoses in each account and region.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Workload {
    Cluster(String),
    Service { cluster: String, service: String },
    AllClusters,
}

#[derive(Debug, Clone)]
pub struct Sweep {
    pub accounts: Accounts,
    pub regions: Regions,
    pub workload: Workload,
    /// The role assumed in every account but the caller's (`--role-name`).
    pub role_name: Option<String>,
    /// Accounts left out (`--exclude-accounts`), the caller's own included.
    pub exclude: BTreeSet<String>,
    pub registry_roles: Vec<RegistryRole>,
    /// `--network-role`: the owners of subnets shared with the swept accounts.
    pub network_roles: Vec<NetworkRole>,
}

#[derive(Debug, Clone)]
pub struct Limits {
    /// Calls in flight at once in one account and region (`--max-concurrency`).
    pub per_scope: usize,
    /// Calls in flight at once over the whole sweep (`--max-total-concurrency`).
    pub total: usize,
    /// How long each account and region's collection may take (`--timeout`).
    pub timeout: std::time::Duration,
    pub show_progress: bool,
}

/// One account and region of a sweep: its snapshot, or why it could not be read. `region` is
/// `None` when the account itself failed (its role, its list of regions).
#[derive(Debug)]
pub struct ScopeResult {
    pub account_id: String,
    pub region: Option<String>,
    pub outcome: Result<Snapshot, String>,
}

/// Runs the sweep, sending each account and region's result to `done` as soon as it is known.
/// Fails only when the sweep cannot start: no credentials, the caller's identity unknown, the
/// organisation's accounts not listed, no account left.
pub async fn sweep(
    connection: &Connection,
    sweep: &Sweep,
    limits: &Limits,
    done: mpsc::UnboundedSender<ScopeResult>,
) -> anyhow::Result<()> {
    let config = client::load_config(connection).await?;
    let home = config
        .region()
        .map(ToString::to_string)
        .context("no AWS region configured")?;
    let shared = Arc::new(Semaphore::new(limits.total.max(1)));
    // The sweep's own calls: who the caller is, and the organisation's accounts.
    let calls = Calls::new(limits.per_scope, Progress::hidden(), None).sharing(shared.clone());
    let caller = caller_account(&config, &calls).await?;
    // The roles given for other registries and shared networks are assumed once here: one
    // that cannot be is one line before the sweep, as for one account, not a failure of every
    // account and region.
    client::clients_for(
        &config,
        &config,
        &sweep.registry_roles,
        &sweep.network_roles,
    )
    .await?;
    let accounts = accounts(&config, &calls, sweep, &caller).await?;
    let progress = SweepProgress::new(limits.show_progress);
    let context = Shared {
        config: &config,
        home: &home,
        caller: &caller,
        sweep,
        limits,
        shared: &shared,
        progress: &progress,
        done: &done,
    };
    futures::future::join_all(accounts.iter().map(|account| context.account(account))).await;
    progress.clear();
    Ok(())
}

async fn caller_account(config: &aws_config::SdkConfig, calls: &Calls) -> anyhow::Result<String> {
    let identity = calls
        .target(
            "sts:GetCallerIdentity",
            None,
            &[],
            client::sts(config).get_caller_identity().send(),
        )
        .await?
        .found()
        .and_then(|identity| identity.account().map(str::to_string));
    identity.context("sts:GetCallerIdentity answered without an account")
}

/// The accounts to read, in order: the caller's first (unless excluded), then the others as
/// listed or as the organisation lists them; each once.
async fn accounts(
    config: &aws_config::SdkConfig,
    calls: &Calls,
    sweep: &Sweep,
    caller: &str,
) -> anyhow::Result<Vec<String>> {
    let mut accounts = vec![caller.to_string()];
    match &sweep.accounts {
        Accounts::Caller => {}
        Accounts::Listed(listed) => accounts.extend(listed.iter().cloned()),
        Accounts::Organization => accounts.extend(organization_accounts(config, calls).await?),
    }
    let mut seen = BTreeSet::new();
    accounts.retain(|account| !sweep.exclude.contains(account) && seen.insert(account.clone()));
    if accounts.is_empty() {
        bail!("--exclude-accounts leaves no account to sweep");
    }
    Ok(accounts)
}

/// The organisation's active accounts (`organizations:ListAccounts`, every page).
async fn organization_accounts(
    config: &aws_config::SdkConfig,
    calls: &Calls,
) -> anyhow::Result<Vec<String>> {
    let organizations = client::organizations(config);
    let pages = async {
        let mut accounts = Vec::new();
        let mut pages = organizations.list_accounts().into_paginator().send();
        while let Some(page) = pages.next().await {
            for account in page?.accounts() {
                let active = account.status().map(|status| status.as_str()) == Some("ACTIVE")
                    || account.state().map(|state| state.as_str()) == Some("ACTIVE");
                if let (true, Some(id)) = (active, account.id()) {
                    accounts.push(id.to_string());
                }
            }
        }
        Ok(accounts)
    };
    let listed = calls
        .target("organizations:ListAccounts", None, &[], pages)
        .await
        .map_err(|error| {
            anyhow::anyhow!(
                "{error:#}; --organization reads the accounts from the management account or a delegated administrator: run from there, or name them with --accounts"
            )
        })?;
    let accounts = listed.found().unwrap_or_default();
    if accounts.is_empty() {
        eprintln!(
            "warning: organizations:ListAccounts listed no active account: only the caller's own is swept"
        );
    }
    Ok(accounts)
}

/// What every account's and region's collection shares.
struct Shared<'a> {
    config: &'a aws_config::SdkConfig,
    home: &'a str,
    caller: &'a str,
    sweep: &'a Sweep,
    limits: &'a Limits,
    shared: &'a Arc<Semaphore>,
    progress: &'a SweepProgress,
    done: &'a mpsc::UnboundedSender<ScopeResult>,
}

impl Shared<'_> {
    fn send(&self, account: &str, region: Option<&str>, outcome: Result<Snapshot, String>) {
        self.progress.finished(outcome.is_err());
        let _ = self.done.send(ScopeResult {
            account_id: account.to_string(),
            region: region.map(str::to_string),
            outcome,
        });
    }

    async fn account(&self, account: &str) {
        let credentials = if account == self.caller {
            None
        } else {
            let Some(role_name) = &self.sweep.role_name else {
                self.progress.add(1);
                return self.send(account, None, Err("no --role-name to read it with".into()));
            };
            let role = format!(
                "arn:{}:iam::{account}:role/{role_name}",
                partition_of(self.home)
            );
            match client::assume_role(self.config, &role).await {
                Ok(credentials) => Some(credentials),
                Err(why) => {
                    self.progress.add(1);
                    return self.send(
                        account,
                        None,
                        Err(format!(
                            "cannot assume {role} ({why}); deploy the role (docs/sweep-role.md) or exclude the account with --exclude-accounts"
                        )),
                    );
                }
            }
        };
        let home = client::scoped_config(self.config, self.home, credentials.clone());
        let regions = match self.regions(&home).await {
            Ok(regions) => regions,
            Err(why) => {
                self.progress.add(1);
                return self.send(account, None, Err(why));
            }
        };
        self.progress.add(regions.len());
        let each = regions.iter().map(|region| {
            let credentials = credentials.clone();
            async move {
                let outcome = self.region(account, region, credentials).await;
                self.send(account, Some(region), outcome);
            }
        });
        futures::future::join_all(each).await;
    }

    async fn regions(&self, home: &aws_config::SdkConfig) -> Result<Vec<String>, String> {
        match &self.sweep.regions {
            Regions::Home => Ok(vec![self.home.to_string()]),
            Regions::Listed(regions) => Ok(regions.clone()),
            Regions::Enabled => {
                let calls = Calls::new(self.limits.per_scope, Progress::hidden(), None)
                    .sharing(self.shared.clone());
                let ec2 = aws_sdk_ec2::Client::new(home);
                let answer = calls
                    .target(
                        "ec2:DescribeRegions",
                        None,
                        &[],
                        ec2.describe_regions().send(),
                    )
                    .await
                    .map_err(|error| {
                        format!("{error:#}; name the regions with --regions instead")
                    })?;
                let mut regions: Vec<String> = answer
                    .found()
                    .iter()
                    .flat_map(|answer| answer.regions())
                    .filter_map(|region| region.region_name().map(str::to_string))
                    .collect();
                regions.sort();
                Ok(regions)
            }
        }
    }

    /// One account and region: its clusters, then their collection.
    async fn region(
        &self,
        account: &str,
        region: &str,
        credentials: Option<SharedCredentialsProvider>,
    ) -> Result<Snapshot, String> {
        let config = client::scoped_config(self.config, region, credentials);
        let assume_from = client::scoped_config(self.config, region, None);
        let clients = client::clients_for(
            &config,
            &assume_from,
            &self.sweep.registry_roles,
            &self.sweep.network_roles,
        )
        .await
        .map_err(|error| format!("{error:#}"))?;
        let deadline = tokio::time::Instant::now() + self.limits.timeout;
        let calls = Calls::new(self.limits.per_scope, Progress::hidden(), Some(deadline))
            .sharing(self.shared.clone());
        // A cluster named for the whole sweep is in some accounts and regions only: where it is
        // not, there is nothing to diagnose (no targets), not a failure.
        let named = match &self.sweep.workload {
            Workload::Cluster(cluster) | Workload::Service { cluster, .. } => Some(cluster),
            Workload::AllClusters => None,
        };
        if let Some(cluster) = named {
            let clusters = list_clusters(&clients.ecs, &calls).await?;
            if !clusters
                .iter()
                .any(|arn| arn.rsplit('/').next() == Some(cluster.as_str()))
            {
                return Ok(Snapshot::new(account.to_string(), region.to_string()));
            }
        }
        let scope = match &self.sweep.workload {
            Workload::Cluster(cluster) => Scope::Cluster {
                cluster: cluster.clone(),
            },
            Workload::Service { cluster, service } => Scope::Service {
                cluster: cluster.clone(),
                service: service.clone(),
            },
            Workload::AllClusters => {
                let clusters = list_clusters(&clients.ecs, &calls).await?;
                if clusters.is_empty() {
                    return Ok(Snapshot::new(account.to_string(), region.to_string()));
                }
                Scope::Clusters { clusters }
            }
        };
        let mut snapshot = collect_with(&clients, &scope, &calls)
            .await
            .map_err(|error| format!("{error:#}"))?;
        if snapshot.account_id.is_empty() {
            snapshot.account_id = account.to_string();
        }
        Ok(snapshot)
    }
}

/// Every cluster of the region (`ecs:ListClusters`, every page), by ARN.
async fn list_clusters(ecs: &aws_sdk_ecs::Client, calls: &Calls) -> Result<Vec<String>, String> {
    let pages = async {
        let mut arns = Vec::new();
        let mut pages = ecs.list_clusters().into_paginator().send();
        while let Some(page) = pages.next().await {
            arns.extend(page?.cluster_arns().iter().cloned());
        }
        Ok(arns)
    };
    match calls.target("ecs:ListClusters", None, &[], pages).await {
        Ok(outcome) => Ok(outcome.found().unwrap_or_default()),
        Err(error) => Err(format!("{error:#}")),
    }
}

/// `sweep: 12/40 account-regions done, 1 failed` on standard error, when it is a terminal.
struct SweepProgress {
    enabled: bool,
    total: AtomicUsize,
    done: AtomicUsize,
    failed: AtomicUsize,
}

impl SweepProgress {
    fn new(enabled: bool) -> SweepProgress {
        SweepProgress {
            enabled,
            total: AtomicUsize::new(0),
            done: AtomicUsize::new(0),
            failed: AtomicUsize::new(0),
        }
    }

    /// More account-regions known to read.
    fn add(&self, scopes: usize) {
        self.total.fetch_add(scopes, Ordering::Relaxed);
        self.draw();
    }

    fn finished(&self, failed: bool) {
        self.done.fetch_add(1, Ordering::Relaxed);
        if failed {
            self.failed.fetch_add(1, Ordering::Relaxed);
        }
        self.draw();
    }

    fn draw(&self) {
        if self.enabled {
            use std::io::Write;
            let _ = write!(
                std::io::stderr(),
                "\r\x1b[2Ksweep: {}/{} account-regions done, {} failed",
                self.done.load(Ordering::Relaxed),
                self.total.load(Ordering::Relaxed),
                self.failed.load(Ordering::Relaxed)
            );
        }
    }

    fn clear(&self) {
        if self.enabled {
            use std::io::Write;
            let _ = write!(std::io::stderr(), "\r\x1b[2K");
        }
    }
}
