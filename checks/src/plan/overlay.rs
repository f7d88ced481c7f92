//! Laying a plan over the account: created and updated resources replace or join what is there,
//! deleted ones disappear, the rest comes from the account. What is known only after apply
//! becomes a gap the engine already reads as "unknown" (docs/snapshot.md, "Gaps"), with
//! `error_code` [`KNOWN_AFTER_APPLY`] and the resource address in its message.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::Serialize;
use serde_json::Value;

use super::model::{Action, Instance, Mode, Plan};
use super::values::{V, Values};
use crate::net::{Ipv4Cidr, PortRange, Protocol};
use crate::snapshot::*;

pub use crate::snapshot::KNOWN_AFTER_APPLY;

/// The resource types mapped onto the snapshot, most important first.
pub const MAPPED_TYPES: &[&str] = &[
    "aws_security_group",
    "aws_security_group_rule",
    "aws_vpc_security_group_egress_rule",
    "aws_vpc_security_group_ingress_rule",
    "aws_vpc_endpoint",
    "aws_vpc_endpoint_route_table_association",
    "aws_vpc_endpoint_subnet_association",
    "aws_vpc_endpoint_security_group_association",
    "aws_vpc_endpoint_policy",
    "aws_route_table",
    "aws_route",
    "aws_route_table_association",
    "aws_main_route_table_association",
    "aws_subnet",
    "aws_vpc",
    "aws_network_acl",
    "aws_network_acl_rule",
    "aws_network_acl_association",
    "aws_default_network_acl",
    "aws_nat_gateway",
    "aws_internet_gateway",
    "aws_internet_gateway_attachment",
    "aws_ecs_service",
    "aws_ecs_task_definition",
    "aws_iam_role",
    "aws_iam_role_policy",
    "aws_iam_role_policy_attachment",
    "aws_iam_policy",
    "aws_ecr_repository",
    "aws_ecr_repository_policy",
    "data.aws_prefix_list",
];

/// One resource instance of the plan and what it became.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlannedResource {
    pub address: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub mode: Mode,
    pub action: Action,
    /// The AWS id or ARN after apply: known, kept, or a placeholder (`sg-planned-…`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Whether the type decides the pull path and was laid over the account.
    pub mapped: bool,
    /// The module's directory relative to the root module, when its `source` is local.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub module_dir: Option<String>,
}

/// A value the plan knows only after apply that decides a hop.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct UnknownValue {
    pub address: String,
    pub attribute: String,
    /// What the diagnosis does without it.
    pub effect: String,
}

#[derive(Debug, Clone)]
pub struct Overlay {
    pub snapshot: Snapshot,
    pub resources: Vec<PlannedResource>,
    pub unknowns: Vec<UnknownValue>,
}

/// The id prefix of the kinds whose id AWS assigns.
fn id_prefix(kind: &str) -> Option<&'static str> {
    Some(match kind {
        "aws_security_group" => "sg",
        "aws_vpc" => "vpc",
        "aws_subnet" => "subnet",
        "aws_route_table" => "rtb",
        "aws_network_acl" => "acl",
        "aws_vpc_endpoint" => "vpce",
        "aws_nat_gateway" => "nat",
        "aws_internet_gateway" => "igw",
        "aws_vpc_security_group_egress_rule" | "aws_vpc_security_group_ingress_rule" => "sgr",
        _ => return None,
    })
}

/// `module.app.aws_security_group.tasks[0]` → `app-tasks-0`.
fn slug(instance: &Instance) -> String {
    let text = format!(
        "{}.{}{}",
        instance.module.replace("module.", ""),
        instance.name,
        instance
            .index
            .as_ref()
            .map(|index| match index {
                Value::String(key) => format!("-{key}"),
                other => format!("-{other}"),
            })
            .unwrap_or_default()
    );
    let mut out = String::new();
    for c in text.chars() {
        let c = c.to_ascii_lowercase();
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    let out = out.trim_matches('-').to_string();
    if out.is_empty() { "x".into() } else { out }
}

struct Builder<'p> {
    values: Values<'p>,
    snapshot: Snapshot,
    unknowns: BTreeSet<UnknownValue>,
    gaps: Vec<CollectionGap>,
    /// Security groups whose rules are not all known: removed at the end, with a gap.
    tainted_groups: BTreeMap<String, String>,
    /// Services the plan changes: their tasks in the account ran the old configuration.
    changed_services: Vec<(String, String)>,
}

/// Lays `plan` over `account`. Never fails on unknown values; the caller validates the result
/// as any snapshot (`snapshot::from_json`).
pub fn overlay(plan: &Plan, account: &Snapshot) -> Overlay {
    let s3_name = format!("com.amazonaws.{}.s3", account.region);
    let s3_prefix_list = account
        .prefix_lists
        .iter()
        .find(|list| list.name == s3_name)
        .map(|list| list.id.clone())
        .or_else(|| {
            plan.instances
                .iter()
                .filter(|i| i.mode == Mode::Data && i.kind == "aws_prefix_list")
                .find(|i| {
                    i.after
                        .as_ref()
                        .and_then(|a| a.get("name"))
                        .and_then(Value::as_str)
                        == Some(&s3_name)
                })
                .and_then(|i| i.after.as_ref()?.get("id")?.as_str().map(str::to_string))
        });
    let mut builder = Builder {
        values: Values {
            plan,
            ids: HashMap::new(),
            s3_prefix_list,
        },
        snapshot: account.clone(),
        unknowns: BTreeSet::new(),
        gaps: Vec::new(),
        tainted_groups: BTreeMap::new(),
        changed_services: Vec::new(),
    };
    builder.assign_ids();
    let live: Vec<&Instance> = plan.instances.iter().collect();
    // Containers go first, then what hangs off them, so a rule or association resource always
    // finds its group, table or endpoint; deletions of each phase before its upserts.
    for phase in [Phase::Containers, Phase::Members] {
        for instance in &live {
            if matches!(instance.action, Action::Delete | Action::Replace)
                && instance.mode == Mode::Managed
                && phase_of(&instance.kind) == phase
            {
                builder.delete(instance);
            }
        }
        for instance in &live {
            if instance.action.keeps() && phase_of(&instance.kind) == phase {
                builder.upsert(instance);
            }
        }
    }
    builder.finish();
    let resources = plan
        .instances
        .iter()
        .map(|instance| {
            let type_key = match instance.mode {
                Mode::Managed => instance.kind.clone(),
                Mode::Data => format!("data.{}", instance.kind),
            };
            PlannedResource {
                address: instance.address.clone(),
                kind: instance.kind.clone(),
                mode: instance.mode,
                action: instance.action,
                id: builder
                    .values
                    .ids
                    .get(&instance.address)
                    .cloned()
                    .or_else(|| {
                        instance
                            .after
                            .as_ref()
                            .and_then(|a| a.get("id"))
                            .and_then(Value::as_str)
                            .map(str::to_string)
                    }),
                mapped: MAPPED_TYPES.contains(&type_key.as_str()),
                module_dir: plan.module_dir(&instance.module),
            }
        })
        .collect();
    let Builder {
        mut snapshot,
        unknowns,
        gaps,
        ..
    } = builder;
    snapshot.gaps.extend(gaps);
    snapshot.normalize();
    Overlay {
        snapshot,
        resources,
        unknowns: unknowns.into_iter().collect(),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Containers,
    Members,
}

fn phase_of(kind: &str) -> Phase {
    match kind {
        "aws_security_group_rule"
        | "aws_vpc_security_group_egress_rule"
        | "aws_vpc_security_group_ingress_rule"
        | "aws_vpc_endpoint_route_table_association"
        | "aws_vpc_endpoint_subnet_association"
        | "aws_vpc_endpoint_security_group_association"
        | "aws_vpc_endpoint_policy"
        | "aws_route"
        | "aws_route_table_association"
        | "aws_main_route_table_association"
        | "aws_network_acl_rule"
        | "aws_network_acl_association"
        | "aws_internet_gateway_attachment"
        | "aws_iam_role_policy"
        | "aws_iam_role_policy_attachment"
        | "aws_ecr_repository_policy"
        | "aws_ecs_service" => Phase::Members,
        _ => Phase::Containers,
    }
}

fn text_of(value: Option<&Value>) -> Option<String> {
    value
        .and_then(Value::as_str)
        .filter(|text| !text.is_empty())
        .map(str::to_string)
}

fn json_document(text: &str) -> Option<Value> {
    serde_json::from_str(text).ok()
}

impl<'p> Builder<'p> {
    fn plan(&self) -> &'p Plan {
        self.values.plan
    }

    fn unknown(&mut self, instance: &Instance, attribute: &str, effect: impl Into<String>) {
        self.unknowns.insert(UnknownValue {
            address: instance.address.clone(),
            attribute: attribute.to_string(),
            effect: effect.into(),
        });
    }

    /// A gap the engine reads as "this data is missing", about `resource`.
    fn gap(&mut self, api: &str, resource: Option<&str>, instance: &Instance, attribute: &str) {
        let gap = CollectionGap {
            api: api.to_string(),
            resource: resource.map(str::to_string),
            error_code: KNOWN_AFTER_APPLY.to_string(),
            message: format!(
                "{}: {attribute} is known only after apply (Terraform plan)",
                instance.address
            ),
        };
        if !self.gaps.contains(&gap) {
            self.gaps.push(gap);
        }
    }

    fn account(&self) -> &str {
        &self.snapshot.account_id
    }

    fn region(&self) -> &str {
        &self.snapshot.region
    }

    // ---------------------------------------------------------------- ids

    fn assign_ids(&mut self) {
        let plan = self.plan();
        let mut taken: BTreeSet<String> = BTreeSet::new();
        for instance in &plan.instances {
            if instance.mode != Mode::Managed || !instance.action.keeps() {
                continue;
            }
            let known = |key: &str| text_of(instance.after.as_ref().and_then(|a| a.get(key)));
            let kept = |key: &str| {
                if matches!(instance.action, Action::Update | Action::NoOp) {
                    text_of(instance.before.as_ref().and_then(|b| b.get(key)))
                } else {
                    None
                }
            };
            let id = if let Some(prefix) = id_prefix(&instance.kind) {
                known("id").or_else(|| kept("id")).or_else(|| {
                    let mut id = format!("{prefix}-planned-{}", slug(instance));
                    let mut n = 2;
                    while taken.contains(&id) {
                        id = format!("{prefix}-planned-{}-{n}", slug(instance));
                        n += 1;
                    }
                    Some(id)
                })
            } else {
                match instance.kind.as_str() {
                    "aws_iam_role" => known("arn").or_else(|| kept("arn")).or_else(|| {
                        let name = self.values.text(instance, &["name"]).ok().flatten()?;
                        let path = self
                            .values
                            .text(instance, &["path"])
                            .ok()
                            .flatten()
                            .unwrap_or_else(|| "/".into());
                        Some(format!("arn:aws:iam::{}:role{path}{name}", self.account()))
                    }),
                    "aws_iam_policy" => known("arn").or_else(|| kept("arn")).or_else(|| {
                        let name = self.values.text(instance, &["name"]).ok().flatten()?;
                        let path = self
                            .values
                            .text(instance, &["path"])
                            .ok()
                            .flatten()
                            .unwrap_or_else(|| "/".into());
                        Some(format!(
                            "arn:aws:iam::{}:policy{path}{name}",
                            self.account()
                        ))
                    }),
                    "aws_ecr_repository" => known("arn").or_else(|| kept("arn")).or_else(|| {
                        let name = self.values.text(instance, &["name"]).ok().flatten()?;
                        Some(format!(
                            "arn:aws:ecr:{}:{}:repository/{name}",
                            self.region(),
                            self.account()
                        ))
                    }),
                    "aws_ecs_cluster" => known("arn").or_else(|| kept("arn")).or_else(|| {
                        let name = self.values.text(instance, &["name"]).ok().flatten()?;
                        Some(format!(
                            "arn:aws:ecs:{}:{}:cluster/{name}",
                            self.region(),
                            self.account()
                        ))
                    }),
                    "aws_ecs_task_definition" => known("arn").or_else(|| {
                        let family = self.values.text(instance, &["family"]).ok().flatten()?;
                        let latest = self
                            .snapshot
                            .task_definitions
                            .iter()
                            .filter_map(|td| {
                                let (_, rest) = td.arn.split_once(":task-definition/")?;
                                let (f, revision) = rest.rsplit_once(':')?;
                                (f == family).then(|| revision.parse::<u32>().ok())?
                            })
                            .chain(
                                instance
                                    .before
                                    .as_ref()
                                    .and_then(|b| b.get("revision"))
                                    .and_then(Value::as_u64)
                                    .map(|r| r as u32),
                            )
                            .max()
                            .unwrap_or(0);
                        Some(format!(
                            "arn:aws:ecs:{}:{}:task-definition/{family}:{}",
                            self.region(),
                            self.account(),
                            latest + 1
                        ))
                    }),
                    _ => None,
                }
            };
            if let Some(id) = id {
                taken.insert(id.clone());
                self.values.ids.insert(instance.address.clone(), id);
            }
        }
        // Services need their cluster's ARN, which may come from a planned cluster.
        for instance in &plan.instances {
            if instance.kind != "aws_ecs_service"
                || instance.mode != Mode::Managed
                || !instance.action.keeps()
            {
                continue;
            }
            let id = text_of(instance.after.as_ref().and_then(|a| a.get("id")))
                .filter(|id| id.starts_with("arn:"))
                .or_else(|| {
                    let name = self.values.text(instance, &["name"]).ok().flatten()?;
                    let cluster = self.cluster_arn(instance)?;
                    let cluster_name = cluster.rsplit('/').next()?.to_string();
                    Some(format!(
                        "arn:aws:ecs:{}:{}:service/{cluster_name}/{name}",
                        self.region(),
                        self.account()
                    ))
                });
            if let Some(id) = id {
                self.values.ids.insert(instance.address.clone(), id);
            }
        }
    }

    fn cluster_arn(&self, instance: &Instance) -> Option<String> {
        let cluster = self.values.text(instance, &["cluster"]).ok().flatten()?;
        Some(if cluster.starts_with("arn:") {
            cluster
        } else {
            format!(
                "arn:aws:ecs:{}:{}:cluster/{cluster}",
                self.region(),
                self.account()
            )
        })
    }

    fn id(&self, instance: &Instance) -> Option<String> {
        self.values.ids.get(&instance.address).cloned()
    }

    fn old_id(&self, instance: &Instance) -> Option<String> {
        let before = instance.before.as_ref()?;
        match instance.kind.as_str() {
            "aws_iam_role" | "aws_ecr_repository" | "aws_iam_policy" => text_of(before.get("arn")),
            _ => text_of(before.get("id")),
        }
    }

    // ---------------------------------------------------------------- deletions

    fn delete(&mut self, instance: &Instance) {
        let before = instance.before.clone().unwrap_or(Value::Null);
        let field = |key: &str| text_of(before.get(key));
        let old_id = self.old_id(instance);
        let snapshot = &mut self.snapshot;
        match instance.kind.as_str() {
            "aws_security_group" => {
                if let Some(id) = old_id {
                    snapshot.security_groups.retain(|g| g.id != id);
                }
            }
            "aws_vpc" => {
                if let Some(id) = old_id {
                    snapshot.vpcs.retain(|v| v.id != id);
                }
            }
            "aws_subnet" => {
                if let Some(id) = old_id {
                    snapshot.subnets.retain(|s| s.id != id);
                }
            }
            "aws_route_table" => {
                if let Some(id) = old_id {
                    snapshot.route_tables.retain(|t| t.id != id);
                }
            }
            "aws_network_acl" => {
                if let Some(id) = old_id {
                    snapshot.network_acls.retain(|a| a.id != id);
                }
            }
            "aws_vpc_endpoint" => {
                if let Some(id) = old_id {
                    snapshot.vpc_endpoints.retain(|e| e.id != id);
                    for table in &mut snapshot.route_tables {
                        table.routes.retain(|route| route.target != id);
                    }
                }
            }
            "aws_nat_gateway" => {
                if let Some(id) = old_id {
                    snapshot.nat_gateways.retain(|n| n.id != id);
                }
            }
            "aws_internet_gateway" => {
                if let Some(id) = old_id {
                    snapshot.internet_gateways.retain(|g| g.id != id);
                }
            }
            "aws_iam_role" => {
                if let Some(arn) = old_id {
                    snapshot.iam_roles.retain(|r| r.arn != arn);
                }
            }
            "aws_ecr_repository" => {
                if let Some(arn) = old_id {
                    snapshot.ecr_repositories.retain(|r| r.arn != arn);
                }
            }
            "aws_ecs_service" => {
                if let Some(arn) = old_id {
                    snapshot.services.retain(|s| s.arn != arn);
                }
            }
            // Members: the before object says what to take away.
            "aws_security_group_rule"
            | "aws_vpc_security_group_egress_rule"
            | "aws_vpc_security_group_ingress_rule" => {
                if let Some((group, egress, rules)) =
                    rules_of_rule_resource(&before, &instance.kind)
                    && let Some(sg) = snapshot.security_groups.iter_mut().find(|g| g.id == group)
                {
                    let list = if egress {
                        &mut sg.egress
                    } else {
                        &mut sg.ingress
                    };
                    list.retain(|have| !rules.iter().any(|gone| same_rule(have, gone)));
                }
            }
            "aws_route" => {
                if let (Some(table), Some(route)) = (field("route_table_id"), route_of(&before))
                    && let Some(t) = snapshot.route_tables.iter_mut().find(|t| t.id == table)
                {
                    t.routes.retain(|r| r.destination != route.destination);
                }
            }
            "aws_route_table_association" => {
                if let (Some(table), Some(subnet)) = (field("route_table_id"), field("subnet_id"))
                    && let Some(t) = snapshot.route_tables.iter_mut().find(|t| t.id == table)
                {
                    t.subnet_ids.retain(|s| *s != subnet);
                }
            }
            "aws_network_acl_rule" => {
                if let (Some(acl), Some(number)) = (
                    field("network_acl_id"),
                    before.get("rule_number").and_then(Value::as_u64),
                ) {
                    let egress = before
                        .get("egress")
                        .and_then(Value::as_bool)
                        .unwrap_or(false);
                    if let Some(a) = snapshot.network_acls.iter_mut().find(|a| a.id == acl) {
                        a.entries.retain(|e| {
                            !(e.egress == egress && u64::from(e.rule_number) == number)
                        });
                    }
                }
            }
            "aws_network_acl_association" => {
                // The subnet falls back to the VPC's default ACL.
                if let (Some(acl), Some(subnet)) = (field("network_acl_id"), field("subnet_id")) {
                    if let Some(a) = snapshot.network_acls.iter_mut().find(|a| a.id == acl) {
                        a.subnet_ids.retain(|s| *s != subnet);
                    }
                    move_subnet_to_default_acl(snapshot, &subnet);
                }
            }
            "aws_vpc_endpoint_route_table_association" => {
                if let (Some(endpoint), Some(table)) =
                    (field("vpc_endpoint_id"), field("route_table_id"))
                {
                    if let Some(e) = snapshot.vpc_endpoints.iter_mut().find(|e| e.id == endpoint) {
                        e.route_table_ids.retain(|t| *t != table);
                    }
                    if let Some(t) = snapshot.route_tables.iter_mut().find(|t| t.id == table) {
                        t.routes.retain(|r| r.target != endpoint);
                    }
                }
            }
            "aws_vpc_endpoint_subnet_association" => {
                if let (Some(endpoint), Some(subnet)) =
                    (field("vpc_endpoint_id"), field("subnet_id"))
                    && let Some(e) = snapshot.vpc_endpoints.iter_mut().find(|e| e.id == endpoint)
                {
                    e.subnet_ids.retain(|s| *s != subnet);
                    e.network_interfaces.retain(|n| n.subnet_id != subnet);
                }
            }
            "aws_vpc_endpoint_security_group_association" => {
                if let (Some(endpoint), Some(group)) =
                    (field("vpc_endpoint_id"), field("security_group_id"))
                    && let Some(e) = snapshot.vpc_endpoints.iter_mut().find(|e| e.id == endpoint)
                {
                    e.security_group_ids.retain(|g| *g != group);
                }
            }
            "aws_vpc_endpoint_policy" => {
                if let Some(endpoint) = field("vpc_endpoint_id")
                    && let Some(e) = snapshot.vpc_endpoints.iter_mut().find(|e| e.id == endpoint)
                {
                    e.policy = None;
                }
            }
            "aws_iam_role_policy" => {
                if let (Some(role), Some(name)) = (field("role"), field("name")) {
                    let role = role.split(':').next().unwrap_or(&role).to_string();
                    if let Some(r) = role_named(snapshot, &role) {
                        r.inline_policies.retain(|p| p.name != name);
                    }
                }
            }
            "aws_iam_role_policy_attachment" => {
                if let (Some(role), Some(arn)) = (field("role"), field("policy_arn"))
                    && let Some(r) = role_named(snapshot, &role)
                {
                    r.attached_policies.retain(|p| p.name != arn);
                }
            }
            "aws_ecr_repository_policy" => {
                if let Some(name) = field("repository")
                    && let Some(r) = snapshot
                        .ecr_repositories
                        .iter_mut()
                        .find(|r| r.name == name)
                {
                    r.policy = None;
                }
            }
            "aws_internet_gateway_attachment" => {
                if let (Some(gateway), Some(vpc)) = (field("internet_gateway_id"), field("vpc_id"))
                    && let Some(g) = snapshot
                        .internet_gateways
                        .iter_mut()
                        .find(|g| g.id == gateway)
                {
                    g.attached_vpc_ids.retain(|v| *v != vpc);
                }
            }
            _ => {}
        }
    }

    // ---------------------------------------------------------------- upserts

    fn upsert(&mut self, instance: &Instance) {
        let kind = instance.kind.as_str();
        if instance.mode == Mode::Data {
            if kind == "aws_prefix_list" {
                self.data_prefix_list(instance);
            }
            return;
        }
        // A resource Terraform leaves alone: the account (or the collection) already says
        // what it is, unless the collection lacks it.
        if instance.action == Action::NoOp && self.in_account(instance) {
            return;
        }
        match kind {
            "aws_security_group" => self.security_group(instance),
            "aws_security_group_rule"
            | "aws_vpc_security_group_egress_rule"
            | "aws_vpc_security_group_ingress_rule" => self.security_group_rule(instance),
            "aws_vpc" => self.vpc(instance),
            "aws_subnet" => self.subnet(instance),
            "aws_route_table" => self.route_table(instance),
            "aws_route" => self.route(instance),
            "aws_route_table_association" => self.route_table_association(instance),
            "aws_main_route_table_association" => self.main_route_table_association(instance),
            "aws_network_acl" | "aws_default_network_acl" => self.network_acl(instance),
            "aws_network_acl_rule" => self.network_acl_rule(instance),
            "aws_network_acl_association" => self.network_acl_association(instance),
            "aws_vpc_endpoint" => self.vpc_endpoint(instance),
            "aws_vpc_endpoint_route_table_association"
            | "aws_vpc_endpoint_subnet_association"
            | "aws_vpc_endpoint_security_group_association"
            | "aws_vpc_endpoint_policy" => self.endpoint_member(instance),
            "aws_nat_gateway" => self.nat_gateway(instance),
            "aws_internet_gateway" | "aws_internet_gateway_attachment" => {
                self.internet_gateway(instance)
            }
            "aws_iam_role" => self.iam_role(instance),
            "aws_iam_role_policy" => self.iam_role_policy(instance),
            "aws_iam_role_policy_attachment" => self.iam_role_policy_attachment(instance),
            "aws_ecr_repository" => self.ecr_repository(instance),
            "aws_ecr_repository_policy" => self.ecr_repository_policy(instance),
            "aws_ecs_task_definition" => self.task_definition(instance),
            "aws_ecs_service" => self.service(instance),
            _ => {}
        }
    }

    fn in_account(&self, instance: &Instance) -> bool {
        let Some(id) = self.id(instance) else {
            // Members (rules, associations) have no id of ours: the account has them if the
            // account was read; Terraform's no-op says they exist and are unchanged.
            return true;
        };
        let s = &self.snapshot;
        match instance.kind.as_str() {
            "aws_security_group" => s.security_groups.iter().any(|g| g.id == id),
            "aws_vpc" => s.vpcs.iter().any(|v| v.id == id),
            "aws_subnet" => s.subnets.iter().any(|x| x.id == id),
            "aws_route_table" => s.route_tables.iter().any(|t| t.id == id),
            "aws_network_acl" => s.network_acls.iter().any(|a| a.id == id),
            "aws_vpc_endpoint" => s.vpc_endpoints.iter().any(|e| e.id == id),
            "aws_nat_gateway" => s.nat_gateways.iter().any(|n| n.id == id),
            "aws_internet_gateway" => s.internet_gateways.iter().any(|g| g.id == id),
            "aws_iam_role" => s.iam_roles.iter().any(|r| r.arn == id),
            "aws_ecr_repository" => s.ecr_repositories.iter().any(|r| r.arn == id),
            "aws_ecs_task_definition" => s.task_definitions.iter().any(|t| t.arn == id),
            "aws_ecs_service" => s.services.iter().any(|x| x.arn == id),
            // Rule resources with an sgr- id: present if some group has the rule id.
            "aws_vpc_security_group_egress_rule" | "aws_vpc_security_group_ingress_rule" => s
                .security_groups
                .iter()
                .flat_map(|g| g.ingress.iter().chain(&g.egress))
                .any(|r| r.rule_id.as_deref() == Some(id.as_str())),
            _ => true,
        }
    }

    /// A required string attribute; unknown or absent records the unknown and gives `None`.
    fn required(&mut self, instance: &Instance, key: &str, effect: &str) -> Option<String> {
        match self.values.text(instance, &[key]) {
            Ok(Some(text)) => Some(text),
            Ok(None) => None,
            Err(()) => {
                self.unknown(instance, key, effect);
                None
            }
        }
    }

    fn data_prefix_list(&mut self, instance: &Instance) {
        let Some(after) = &instance.after else { return };
        let (Some(id), Some(name)) = (text_of(after.get("id")), text_of(after.get("name"))) else {
            return;
        };
        let cidrs: Vec<Ipv4Cidr> = after
            .get("cidr_blocks")
            .and_then(Value::as_array)
            .map(|items| {
                items
                    .iter()
                    .filter_map(|c| c.as_str()?.parse().ok())
                    .collect()
            })
            .unwrap_or_default();
        match self.snapshot.prefix_lists.iter_mut().find(|l| l.id == id) {
            Some(list) => {
                if list.cidrs.is_empty() {
                    list.cidrs = cidrs;
                }
            }
            None => self
                .snapshot
                .prefix_lists
                .push(PrefixList { id, name, cidrs }),
        }
    }

    // ---- security groups

    fn security_group(&mut self, instance: &Instance) {
        let Some(id) = self.id(instance) else { return };
        let existing = self
            .snapshot
            .security_groups
            .iter()
            .find(|g| g.id == id)
            .cloned();
        let vpc_id = match self.values.text(instance, &["vpc_id"]) {
            Ok(Some(vpc)) => Some(vpc),
            Ok(None) => existing.as_ref().map(|g| g.vpc_id.clone()),
            Err(()) => None,
        };
        let Some(vpc_id) = vpc_id else {
            self.unknown(
                instance,
                "vpc_id",
                "the group's VPC is unknown: its hops are unknown",
            );
            self.tainted_groups.insert(id, instance.address.clone());
            return;
        };
        let name = self
            .values
            .text(instance, &["name"])
            .ok()
            .flatten()
            .or_else(|| existing.as_ref().map(|g| g.name.clone()))
            .unwrap_or_default();
        let mut group = SecurityGroup {
            id: id.clone(),
            name,
            vpc_id,
            ingress: Vec::new(),
            egress: Vec::new(),
        };
        for egress in [false, true] {
            let key = if egress { "egress" } else { "ingress" };
            let rules = match self.inline_rules(instance, key, &id) {
                Ok(Some(rules)) => rules,
                // Not configured: a new group has no rule (Terraform removes the default
                // egress rule AWS adds, per the aws_security_group docs); an existing one keeps
                // its rules, which separate rule resources manage.
                Ok(None) => existing
                    .as_ref()
                    .map(|g| {
                        if egress {
                            g.egress.clone()
                        } else {
                            g.ingress.clone()
                        }
                    })
                    .unwrap_or_default(),
                Err(()) => {
                    self.unknown(
                        instance,
                        key,
                        "the group's rules are unknown until apply: its hops are unknown",
                    );
                    self.tainted_groups
                        .insert(id.clone(), instance.address.clone());
                    Vec::new()
                }
            };
            if egress {
                group.egress = rules;
            } else {
                group.ingress = rules;
            }
        }
        self.snapshot.security_groups.retain(|g| g.id != id);
        self.snapshot.security_groups.push(group);
    }

    /// Inline `ingress`/`egress` blocks: `Ok(None)` when the configuration leaves them to
    /// other resources, `Err` when they depend on values known only after apply.
    fn inline_rules(
        &self,
        instance: &Instance,
        key: &str,
        own_id: &str,
    ) -> Result<Option<Vec<SgRule>>, ()> {
        let configured = self.values.configured(instance, key);
        match self.values.get(instance, &[key]) {
            V::Set(Value::Array(blocks)) => {
                let mut rules = Vec::new();
                for (at, block) in blocks.iter().enumerate() {
                    let at = at.to_string();
                    // A block with a value known after apply (a new group as peer): read its
                    // fields through the configuration.
                    let field = |name: &str| -> Result<Vec<String>, ()> {
                        self.values.strings(instance, &[key, &at, name])
                    };
                    let scalar = |name: &str| block.get(name).cloned().unwrap_or(Value::Null);
                    let mut peers = Vec::new();
                    for cidr in field("cidr_blocks")? {
                        peers.push(cidr.parse::<Peer>().map_err(|_| ())?);
                    }
                    for cidr in field("ipv6_cidr_blocks")? {
                        peers.push(Peer::Ipv6(cidr));
                    }
                    for list in field("prefix_list_ids")? {
                        peers.push(Peer::PrefixList(list));
                    }
                    for group in field("security_groups")? {
                        if group.starts_with("sg-") {
                            peers.push(Peer::SecurityGroup(group));
                        }
                    }
                    if block.get("self") == Some(&Value::Bool(true)) {
                        peers.push(Peer::SecurityGroup(own_id.to_string()));
                    }
                    let protocol = scalar("protocol");
                    let (protocol, ports) =
                        protocol_ports(&protocol, &scalar("from_port"), &scalar("to_port"))
                            .ok_or(())?;
                    for peer in peers {
                        rules.push(SgRule {
                            rule_id: None,
                            protocol,
                            port_range: ports,
                            peer,
                        });
                    }
                }
                Ok(Some(rules))
            }
            V::Set(_) => Err(()),
            V::Unset if configured => Ok(Some(Vec::new())),
            V::Unset => Ok(None),
            V::Unknown if !configured => Ok(None),
            V::Unknown => Err(()),
        }
    }

    fn security_group_rule(&mut self, instance: &Instance) {
        let kind = instance.kind.as_str();
        let group = match self.values.text(instance, &["security_group_id"]) {
            Ok(Some(group)) => group,
            Ok(None) => return,
            Err(()) => {
                // The rule joins a group we cannot name: every group hop is unknown.
                self.unknown(
                    instance,
                    "security_group_id",
                    "the group this rule joins is unknown: every security group hop is unknown",
                );
                self.gap(
                    "ec2:DescribeSecurityGroups",
                    None,
                    instance,
                    "security_group_id",
                );
                return;
            }
        };
        let egress = match kind {
            "aws_vpc_security_group_egress_rule" => true,
            "aws_vpc_security_group_ingress_rule" => false,
            _ => {
                self.values
                    .text(instance, &["type"])
                    .ok()
                    .flatten()
                    .as_deref()
                    == Some("egress")
            }
        };
        let rules = self.rule_resource_rules(instance, &group);
        let Some(rules) = rules else {
            self.unknown(
                instance,
                "peer",
                format!("a rule of {group} is known only after apply: its hops are unknown"),
            );
            self.tainted_groups.insert(group, instance.address.clone());
            return;
        };
        let Some(sg) = self
            .snapshot
            .security_groups
            .iter_mut()
            .find(|g| g.id == group)
        else {
            // A group of another account or not collected: nothing to add to.
            return;
        };
        let list = if egress {
            &mut sg.egress
        } else {
            &mut sg.ingress
        };
        for rule in rules {
            if !list.iter().any(|have| same_rule(have, &rule)) {
                list.push(rule);
            }
        }
    }

    /// The rules a rule resource stands for, `None` when a value is known only after apply.
    fn rule_resource_rules(&self, instance: &Instance, group: &str) -> Option<Vec<SgRule>> {
        let v = &self.values;
        let get = |key: &str| match v.get(instance, &[key]) {
            V::Set(value) => Some(value),
            V::Unset => Some(Value::Null),
            V::Unknown => None,
        };
        let mut peers = Vec::new();
        let (protocol, ports);
        if instance.kind == "aws_security_group_rule" {
            for cidr in v.strings(instance, &["cidr_blocks"]).ok()? {
                peers.push(cidr.parse::<Peer>().ok()?);
            }
            for cidr in v.strings(instance, &["ipv6_cidr_blocks"]).ok()? {
                peers.push(Peer::Ipv6(cidr));
            }
            for list in v.strings(instance, &["prefix_list_ids"]).ok()? {
                peers.push(Peer::PrefixList(list));
            }
            if let Some(source) = v.text(instance, &["source_security_group_id"]).ok()? {
                peers.push(Peer::SecurityGroup(source));
            }
            if v.boolean(instance, &["self"]).ok()?.unwrap_or(false) {
                peers.push(Peer::SecurityGroup(group.to_string()));
            }
            (protocol, ports) =
                protocol_ports(&get("protocol")?, &get("from_port")?, &get("to_port")?)?;
        } else {
            if let Some(cidr) = v.text(instance, &["cidr_ipv4"]).ok()? {
                peers.push(cidr.parse::<Peer>().ok()?);
            }
            if let Some(cidr) = v.text(instance, &["cidr_ipv6"]).ok()? {
                peers.push(Peer::Ipv6(cidr));
            }
            if let Some(list) = v.text(instance, &["prefix_list_id"]).ok()? {
                peers.push(Peer::PrefixList(list));
            }
            if let Some(source) = v.text(instance, &["referenced_security_group_id"]).ok()? {
                peers.push(Peer::SecurityGroup(source));
            }
            (protocol, ports) =
                protocol_ports(&get("ip_protocol")?, &get("from_port")?, &get("to_port")?)?;
        }
        let rule_id = self
            .id(instance)
            .filter(|id| id.starts_with("sgr-") && !id.starts_with("sgr-planned-"));
        Some(
            peers
                .into_iter()
                .map(|peer| SgRule {
                    rule_id: rule_id.clone(),
                    protocol,
                    port_range: ports,
                    peer,
                })
                .collect(),
        )
    }

    // ---- VPC, subnets, routes, ACLs, gateways

    fn vpc(&mut self, instance: &Instance) {
        let Some(id) = self.id(instance) else { return };
        let existing = self.snapshot.vpcs.iter().find(|v| v.id == id).cloned();
        let cidr = match self.values.text(instance, &["cidr_block"]) {
            Ok(Some(cidr)) => cidr.parse::<Ipv4Cidr>().ok(),
            _ => None,
        };
        let mut cidr_blocks = existing
            .as_ref()
            .map(|v| v.cidr_blocks.clone())
            .unwrap_or_default();
        if let Some(cidr) = cidr
            && !cidr_blocks.contains(&cidr)
        {
            cidr_blocks.insert(0, cidr);
        }
        if cidr_blocks.is_empty() {
            self.unknown(
                instance,
                "cidr_block",
                "the VPC's addresses are unknown: its targets are unknown",
            );
            self.gap("ec2:DescribeVpcs", Some(&id), instance, "cidr_block");
            return;
        }
        let flag = |this: &Self, key: &str, default: bool| -> bool {
            this.values
                .boolean(instance, &[key])
                .ok()
                .flatten()
                .unwrap_or(default)
        };
        let vpc = Vpc {
            id: id.clone(),
            cidr_blocks: cidr_blocks.clone(),
            enable_dns_support: flag(self, "enable_dns_support", true),
            enable_dns_hostnames: flag(
                self,
                "enable_dns_hostnames",
                existing.as_ref().is_some_and(|v| v.enable_dns_hostnames),
            ),
            dhcp_options_id: existing.as_ref().and_then(|v| v.dhcp_options_id.clone()),
            owner_id: existing.as_ref().and_then(|v| v.owner_id.clone()),
        };
        self.snapshot.vpcs.retain(|v| v.id != id);
        self.snapshot.vpcs.push(vpc);
        if existing.is_none() {
            // A new VPC comes with a main route table (local route only) and a default
            // network ACL that allows everything, both created by EC2.
            let slug = id.trim_start_matches("vpc-");
            if !self
                .snapshot
                .route_tables
                .iter()
                .any(|t| t.vpc_id == id && t.main)
            {
                self.snapshot.route_tables.push(RouteTable {
                    id: format!("rtb-{slug}-main"),
                    vpc_id: id.clone(),
                    main: true,
                    subnet_ids: Vec::new(),
                    routes: cidr_blocks
                        .iter()
                        .map(|cidr| Route {
                            destination: RouteDestination::Cidr(*cidr),
                            target: "local".into(),
                            state: RouteState::Active,
                        })
                        .collect(),
                });
            }
            if !self
                .snapshot
                .network_acls
                .iter()
                .any(|a| a.vpc_id == id && a.is_default)
            {
                let all = |egress| NaclEntry {
                    rule_number: 100,
                    egress,
                    protocol: Protocol::All,
                    action: RuleAction::Allow,
                    cidr: Some(Ipv4Cidr::ANY),
                    ipv6_cidr: None,
                    port_range: None,
                };
                self.snapshot.network_acls.push(NetworkAcl {
                    id: format!("acl-{slug}-default"),
                    vpc_id: id,
                    is_default: true,
                    subnet_ids: Vec::new(),
                    entries: vec![all(false), all(true)],
                });
            }
        }
    }

    fn subnet(&mut self, instance: &Instance) {
        let Some(id) = self.id(instance) else { return };
        let vpc_id = self.required(
            instance,
            "vpc_id",
            "the subnet's VPC is unknown: targets in it are unknown",
        );
        let zone = self.required(
            instance,
            "availability_zone",
            "the subnet's zone is unknown: targets in it are unknown",
        );
        let cidr = self
            .values
            .text(instance, &["cidr_block"])
            .ok()
            .flatten()
            .and_then(|c| c.parse::<Ipv4Cidr>().ok());
        let (Some(vpc_id), Some(availability_zone), Some(cidr_block)) = (vpc_id, zone, cidr) else {
            self.snapshot.subnets.retain(|s| s.id != id);
            self.gap(
                "ec2:DescribeSubnets",
                Some(&id),
                instance,
                "availability_zone",
            );
            return;
        };
        let public = self
            .values
            .boolean(instance, &["map_public_ip_on_launch"])
            .ok()
            .flatten()
            .unwrap_or(false);
        // A subnet the plan changes keeps its owner; one it creates is the planning account's.
        let owner_id = self
            .snapshot
            .subnets
            .iter()
            .find(|s| s.id == id)
            .and_then(|s| s.owner_id.clone());
        self.snapshot.subnets.retain(|s| s.id != id);
        self.snapshot.subnets.push(Subnet {
            id,
            vpc_id,
            availability_zone,
            cidr_block: Some(cidr_block),
            map_public_ip_on_launch: public,
            // The plan's IPv6 attributes are not read: unknown, as in a schema 3 snapshot.
            ipv6_cidr_blocks: None,
            ipv6_native: false,
            enable_dns64: false,
            owner_id,
        });
    }

    fn vpc_cidrs(&self, vpc_id: &str) -> Vec<Ipv4Cidr> {
        self.snapshot
            .vpcs
            .iter()
            .find(|v| v.id == vpc_id)
            .map(|v| v.cidr_blocks.clone())
            .unwrap_or_default()
    }

    fn route_table(&mut self, instance: &Instance) {
        let Some(id) = self.id(instance) else { return };
        let existing = self
            .snapshot
            .route_tables
            .iter()
            .find(|t| t.id == id)
            .cloned();
        let Some(vpc_id) = self
            .values
            .text(instance, &["vpc_id"])
            .ok()
            .flatten()
            .or_else(|| existing.as_ref().map(|t| t.vpc_id.clone()))
        else {
            self.unknown(
                instance,
                "vpc_id",
                "the table's VPC is unknown: routes through it are unknown",
            );
            self.gap("ec2:DescribeRouteTables", Some(&id), instance, "vpc_id");
            return;
        };
        // The local routes and the gateway endpoints' routes are not in Terraform's list.
        let mut routes: Vec<Route> = match &existing {
            Some(table) => table
                .routes
                .iter()
                .filter(|r| r.target == "local" || r.target.starts_with("vpce-"))
                .cloned()
                .collect(),
            None => self
                .vpc_cidrs(&vpc_id)
                .into_iter()
                .map(|cidr| Route {
                    destination: RouteDestination::Cidr(cidr),
                    target: "local".into(),
                    state: RouteState::Active,
                })
                .collect(),
        };
        let configured = self.values.configured(instance, "route");
        match self.values.get(instance, &["route"]) {
            V::Set(Value::Array(list)) => {
                for (at, _) in list.iter().enumerate() {
                    match self.route_at(instance, &["route", &at.to_string()]) {
                        Some(route) => {
                            routes.retain(|r| r.destination != route.destination);
                            routes.push(route);
                        }
                        None => {
                            self.unknown(
                                instance,
                                "route",
                                "a route is known only after apply: the table's routes are unknown",
                            );
                            self.snapshot.route_tables.retain(|t| t.id != id);
                            self.gap("ec2:DescribeRouteTables", Some(&id), instance, "route");
                            return;
                        }
                    }
                }
            }
            V::Unknown if configured => {
                self.unknown(
                    instance,
                    "route",
                    "the routes are known only after apply: the table's routes are unknown",
                );
                self.snapshot.route_tables.retain(|t| t.id != id);
                self.gap("ec2:DescribeRouteTables", Some(&id), instance, "route");
                return;
            }
            _ => {
                if let Some(table) = &existing {
                    for route in &table.routes {
                        if !routes.contains(route) {
                            routes.push(route.clone());
                        }
                    }
                }
            }
        }
        let table = RouteTable {
            id: id.clone(),
            vpc_id,
            main: existing.as_ref().is_some_and(|t| t.main),
            subnet_ids: existing.map(|t| t.subnet_ids).unwrap_or_default(),
            routes,
        };
        self.snapshot.route_tables.retain(|t| t.id != id);
        self.snapshot.route_tables.push(table);
    }

    /// A route from an inline `route` block or an `aws_route`, `None` when unknown.
    fn route_at(&self, instance: &Instance, path: &[&str]) -> Option<Route> {
        let field = |key: &str| -> Result<Option<String>, ()> {
            let mut full: Vec<&str> = path.to_vec();
            full.push(key);
            self.values.text(instance, &full)
        };
        let destination = if let Some(cidr) = field("cidr_block")
            .ok()?
            .or(field("destination_cidr_block").ok()?)
        {
            RouteDestination::Cidr(cidr.parse().ok()?)
        } else if let Some(list) = field("destination_prefix_list_id").ok()? {
            RouteDestination::PrefixList(list)
        } else if let Some(v6) = field("ipv6_cidr_block")
            .ok()?
            .or(field("destination_ipv6_cidr_block").ok()?)
        {
            RouteDestination::Ipv6(v6)
        } else {
            return None;
        };
        let mut target = None;
        for key in [
            "gateway_id",
            "nat_gateway_id",
            "vpc_endpoint_id",
            "transit_gateway_id",
            "vpc_peering_connection_id",
            "network_interface_id",
            "egress_only_gateway_id",
            "local_gateway_id",
            "carrier_gateway_id",
        ] {
            if let Some(value) = field(key).ok()? {
                target = Some(value);
                break;
            }
        }
        Some(Route {
            destination,
            target: target?,
            state: RouteState::Active,
        })
    }

    fn route(&mut self, instance: &Instance) {
        let table = match self.values.text(instance, &["route_table_id"]) {
            Ok(Some(table)) => table,
            Ok(None) => return,
            Err(()) => {
                self.unknown(
                    instance,
                    "route_table_id",
                    "the table this route joins is unknown: routes are unknown",
                );
                self.gap("ec2:DescribeRouteTables", None, instance, "route_table_id");
                return;
            }
        };
        match self.route_at(instance, &[]) {
            Some(route) => {
                if let Some(t) = self
                    .snapshot
                    .route_tables
                    .iter_mut()
                    .find(|t| t.id == table)
                {
                    t.routes.retain(|r| r.destination != route.destination);
                    t.routes.push(route);
                }
            }
            None => {
                self.unknown(
                    instance,
                    "target",
                    "the route's target is known only after apply: the table's routes are unknown",
                );
                self.snapshot.route_tables.retain(|t| t.id != table);
                self.gap("ec2:DescribeRouteTables", Some(&table), instance, "target");
            }
        }
    }

    fn route_table_association(&mut self, instance: &Instance) {
        let subnet = self.values.text(instance, &["subnet_id"]);
        let table = self.values.text(instance, &["route_table_id"]);
        match (subnet, table) {
            (Ok(Some(subnet)), Ok(Some(table))) => {
                for t in &mut self.snapshot.route_tables {
                    t.subnet_ids.retain(|s| *s != subnet);
                }
                if let Some(t) = self
                    .snapshot
                    .route_tables
                    .iter_mut()
                    .find(|t| t.id == table)
                {
                    t.subnet_ids.push(subnet);
                }
            }
            (Ok(None), _) => {}
            (Ok(Some(subnet)), _) => {
                self.unknown(
                    instance,
                    "route_table_id",
                    "the subnet's route table is unknown: its routes are unknown",
                );
                for t in &mut self.snapshot.route_tables {
                    t.subnet_ids.retain(|s| *s != subnet);
                }
                let vpc = self
                    .snapshot
                    .subnets
                    .iter()
                    .find(|s| s.id == subnet)
                    .map(|s| s.vpc_id.clone());
                self.forget_main_table(vpc.as_deref());
                self.gap(
                    "ec2:DescribeRouteTables",
                    Some(&subnet),
                    instance,
                    "route_table_id",
                );
            }
            (Err(()), table) => {
                self.unknown(
                    instance,
                    "subnet_id",
                    "which subnet this table serves is unknown: routes are unknown",
                );
                let vpc = table.ok().flatten().and_then(|table| {
                    self.snapshot
                        .route_tables
                        .iter()
                        .find(|t| t.id == table)
                        .map(|t| t.vpc_id.clone())
                });
                self.forget_main_table(vpc.as_deref());
                self.gap("ec2:DescribeRouteTables", None, instance, "subnet_id");
            }
        }
    }

    /// Which table serves the subnets without an association is no longer known: they must
    /// not fall back to the main table (a wrong verdict), so their route table is unknown.
    fn forget_main_table(&mut self, vpc: Option<&str>) {
        for table in &mut self.snapshot.route_tables {
            if vpc.is_none_or(|vpc| table.vpc_id == vpc) {
                table.main = false;
            }
        }
    }

    fn main_route_table_association(&mut self, instance: &Instance) {
        let (Ok(Some(vpc)), Ok(Some(table))) = (
            self.values.text(instance, &["vpc_id"]),
            self.values.text(instance, &["route_table_id"]),
        ) else {
            self.unknown(
                instance,
                "route_table_id",
                "the main route table is unknown: routes are unknown",
            );
            self.gap("ec2:DescribeRouteTables", None, instance, "route_table_id");
            return;
        };
        for t in &mut self.snapshot.route_tables {
            if t.vpc_id == vpc {
                t.main = t.id == table;
            }
        }
    }

    fn network_acl(&mut self, instance: &Instance) {
        let id = if instance.kind == "aws_default_network_acl" {
            match self.values.text(instance, &["default_network_acl_id"]) {
                Ok(Some(id)) => id,
                _ => return,
            }
        } else {
            let Some(id) = self.id(instance) else { return };
            id
        };
        let existing = self
            .snapshot
            .network_acls
            .iter()
            .find(|a| a.id == id)
            .cloned();
        let vpc_id = self
            .values
            .text(instance, &["vpc_id"])
            .ok()
            .flatten()
            .or_else(|| existing.as_ref().map(|a| a.vpc_id.clone()));
        let mut entries = Vec::new();
        let mut known = vpc_id.is_some();
        for egress in [false, true] {
            let key = if egress { "egress" } else { "ingress" };
            match self.values.get(instance, &[key]) {
                V::Set(Value::Array(blocks)) => {
                    for block in &blocks {
                        let number = block.get("rule_no").and_then(Value::as_u64);
                        let action = match block.get("action").and_then(Value::as_str) {
                            Some(a) if a.eq_ignore_ascii_case("allow") => Some(RuleAction::Allow),
                            Some(a) if a.eq_ignore_ascii_case("deny") => Some(RuleAction::Deny),
                            _ => None,
                        };
                        let ports = protocol_ports(
                            block.get("protocol").unwrap_or(&Value::Null),
                            block.get("from_port").unwrap_or(&Value::Null),
                            block.get("to_port").unwrap_or(&Value::Null),
                        );
                        let cidr = text_of(block.get("cidr_block")).and_then(|c| c.parse().ok());
                        match (number, action, ports) {
                            (Some(number), Some(action), Some((protocol, port_range))) => entries
                                .push(NaclEntry {
                                    rule_number: number.min(u64::from(u16::MAX)) as u16,
                                    egress,
                                    protocol,
                                    action,
                                    cidr,
                                    ipv6_cidr: None,
                                    port_range,
                                }),
                            _ => known = false,
                        }
                    }
                }
                V::Unknown if self.values.configured(instance, key) => known = false,
                _ => {
                    if let Some(acl) = &existing {
                        entries.extend(acl.entries.iter().filter(|e| e.egress == egress).cloned());
                    }
                }
            }
        }
        let subnet_ids = match self.values.strings(instance, &["subnet_ids"]) {
            Ok(ids) if !ids.is_empty() || self.values.configured(instance, "subnet_ids") => ids,
            Ok(_) => existing
                .as_ref()
                .map(|a| a.subnet_ids.clone())
                .unwrap_or_default(),
            Err(()) => {
                known = false;
                Vec::new()
            }
        };
        self.snapshot.network_acls.retain(|a| a.id != id);
        let Some(vpc_id) = vpc_id.filter(|_| known) else {
            self.unknown(
                instance,
                "ingress/egress",
                "the ACL's rules or subnets are known only after apply: ACL hops are unknown",
            );
            self.gap("ec2:DescribeNetworkAcls", None, instance, "ingress/egress");
            return;
        };
        for acl in &mut self.snapshot.network_acls {
            acl.subnet_ids.retain(|s| !subnet_ids.contains(s));
        }
        self.snapshot.network_acls.push(NetworkAcl {
            id,
            vpc_id,
            is_default: existing.as_ref().is_some_and(|a| a.is_default)
                || instance.kind == "aws_default_network_acl",
            subnet_ids,
            entries,
        });
    }

    fn network_acl_rule(&mut self, instance: &Instance) {
        let v = &self.values;
        let acl = v.text(instance, &["network_acl_id"]);
        let number = v.number(instance, &["rule_number"]);
        let egress = v.boolean(instance, &["egress"]);
        let action = v.text(instance, &["rule_action"]);
        let get = |key: &str| match v.get(instance, &[key]) {
            V::Set(value) => Some(value),
            V::Unset => Some(Value::Null),
            V::Unknown => None,
        };
        let ports = match (get("protocol"), get("from_port"), get("to_port")) {
            (Some(p), Some(f), Some(t)) => protocol_ports(&p, &f, &t),
            _ => None,
        };
        let cidr = v.text(instance, &["cidr_block"]);
        match (acl, number, egress, action, ports, cidr) {
            (
                Ok(Some(acl)),
                Ok(Some(number)),
                Ok(egress),
                Ok(Some(action)),
                Some((protocol, port_range)),
                Ok(cidr),
            ) => {
                let entry = NaclEntry {
                    rule_number: number.clamp(0, i64::from(u16::MAX)) as u16,
                    egress: egress.unwrap_or(false),
                    protocol,
                    action: if action.eq_ignore_ascii_case("deny") {
                        RuleAction::Deny
                    } else {
                        RuleAction::Allow
                    },
                    cidr: cidr.and_then(|c| c.parse().ok()),
                    ipv6_cidr: None,
                    port_range,
                };
                if let Some(a) = self.snapshot.network_acls.iter_mut().find(|a| a.id == acl) {
                    a.entries.retain(|e| {
                        !(e.egress == entry.egress && e.rule_number == entry.rule_number)
                    });
                    a.entries.push(entry);
                }
            }
            (Ok(Some(acl)), ..) => {
                self.unknown(
                    instance,
                    "rule",
                    "an ACL rule is known only after apply: ACL hops are unknown",
                );
                self.snapshot.network_acls.retain(|a| a.id != acl);
                self.gap("ec2:DescribeNetworkAcls", None, instance, "rule");
            }
            _ => {
                self.unknown(
                    instance,
                    "network_acl_id",
                    "an ACL rule joins an ACL known only after apply: ACL hops are unknown",
                );
                self.gap("ec2:DescribeNetworkAcls", None, instance, "network_acl_id");
            }
        }
    }

    fn network_acl_association(&mut self, instance: &Instance) {
        match (
            self.values.text(instance, &["network_acl_id"]),
            self.values.text(instance, &["subnet_id"]),
        ) {
            (Ok(Some(acl)), Ok(Some(subnet))) => {
                for a in &mut self.snapshot.network_acls {
                    a.subnet_ids.retain(|s| *s != subnet);
                }
                if let Some(a) = self.snapshot.network_acls.iter_mut().find(|a| a.id == acl) {
                    a.subnet_ids.push(subnet);
                }
            }
            _ => {
                self.unknown(
                    instance,
                    "network_acl_id",
                    "which ACL guards the subnet is known only after apply: ACL hops are unknown",
                );
                self.gap("ec2:DescribeNetworkAcls", None, instance, "network_acl_id");
            }
        }
    }

    fn nat_gateway(&mut self, instance: &Instance) {
        let Some(id) = self.id(instance) else { return };
        let Some(subnet_id) = self.required(
            instance,
            "subnet_id",
            "the NAT gateway's subnet is unknown: paths through it are unknown",
        ) else {
            return;
        };
        let Some(vpc_id) = self
            .snapshot
            .subnets
            .iter()
            .find(|s| s.id == subnet_id)
            .map(|s| s.vpc_id.clone())
        else {
            return;
        };
        let connectivity_type = self
            .values
            .text(instance, &["connectivity_type"])
            .ok()
            .flatten()
            .unwrap_or_else(|| "public".into());
        self.snapshot.nat_gateways.retain(|n| n.id != id);
        self.snapshot.nat_gateways.push(NatGateway {
            id,
            vpc_id,
            subnet_id,
            state: "available".into(),
            connectivity_type,
        });
    }

    fn internet_gateway(&mut self, instance: &Instance) {
        let id = if instance.kind == "aws_internet_gateway_attachment" {
            match self.values.text(instance, &["internet_gateway_id"]) {
                Ok(Some(id)) => id,
                _ => {
                    self.unknown(
                        instance,
                        "internet_gateway_id",
                        "the gateway attached is unknown: internet paths are unknown",
                    );
                    self.gap(
                        "ec2:DescribeInternetGateways",
                        None,
                        instance,
                        "internet_gateway_id",
                    );
                    return;
                }
            }
        } else {
            let Some(id) = self.id(instance) else { return };
            id
        };
        let vpc = match self.values.text(instance, &["vpc_id"]) {
            Ok(vpc) => vpc,
            Err(()) => {
                self.unknown(
                    instance,
                    "vpc_id",
                    "the gateway's VPC is unknown: internet paths are unknown",
                );
                self.gap(
                    "ec2:DescribeInternetGateways",
                    Some(&id),
                    instance,
                    "vpc_id",
                );
                return;
            }
        };
        match self
            .snapshot
            .internet_gateways
            .iter_mut()
            .find(|g| g.id == id)
        {
            Some(gateway) => {
                if let Some(vpc) = vpc
                    && !gateway.attached_vpc_ids.contains(&vpc)
                {
                    gateway.attached_vpc_ids.push(vpc);
                }
            }
            None => self.snapshot.internet_gateways.push(InternetGateway {
                id,
                attached_vpc_ids: vpc.into_iter().collect(),
            }),
        }
    }

    // ---- VPC endpoints

    fn vpc_endpoint(&mut self, instance: &Instance) {
        let Some(id) = self.id(instance) else { return };
        let existing = self
            .snapshot
            .vpc_endpoints
            .iter()
            .find(|e| e.id == id)
            .cloned();
        let vpc_id = self.required(
            instance,
            "vpc_id",
            "the endpoint's VPC is unknown: it is left out",
        );
        let service_name = self.required(
            instance,
            "service_name",
            "the endpoint's service is unknown: it is left out",
        );
        let (Some(vpc_id), Some(service_name)) = (vpc_id, service_name) else {
            self.snapshot.vpc_endpoints.retain(|e| e.id != id);
            self.gap("ec2:DescribeVpcEndpoints", None, instance, "vpc_id");
            return;
        };
        let endpoint_type = match self
            .values
            .text(instance, &["vpc_endpoint_type"])
            .ok()
            .flatten()
            .as_deref()
        {
            Some("Interface") => EndpointType::Interface,
            Some("GatewayLoadBalancer") => EndpointType::GatewayLoadBalancer,
            _ => EndpointType::Gateway,
        };
        // An endpoint to an AWS service is accepted at once (`available`).
        let state = self
            .values
            .text(instance, &["state"])
            .ok()
            .flatten()
            .unwrap_or_else(|| "available".into());
        let private_dns_enabled = self
            .values
            .boolean(instance, &["private_dns_enabled"])
            .ok()
            .flatten()
            .unwrap_or(false);
        let list = |this: &mut Self, key: &str| -> Option<Vec<String>> {
            this.values.strings(instance, &[key]).ok()
        };
        let subnet_ids = match list(self, "subnet_ids") {
            Some(list) => list,
            None if endpoint_type == EndpointType::Gateway => Vec::new(),
            None => {
                self.unknown(
                    instance,
                    "subnet_ids",
                    "the endpoint's subnets are known only after apply: its interfaces are unknown",
                );
                Vec::new()
            }
        };
        let security_group_ids = match list(self, "security_group_ids") {
            Some(list) if !list.is_empty() || endpoint_type != EndpointType::Interface => list,
            None if endpoint_type != EndpointType::Interface => Vec::new(),
            _ => {
                // Without groups AWS gives an interface endpoint the VPC's default group,
                // which the plan does not show: the endpoint's group hop is unknown.
                let placeholder = format!(
                    "sg-planned-{}-default",
                    id.trim_start_matches("vpce-")
                        .trim_start_matches("planned-")
                );
                self.unknown(instance, "security_group_ids", "the endpoint's security groups are known only after apply: its group hops are unknown");
                self.gap(
                    "ec2:DescribeSecurityGroups",
                    Some(&placeholder),
                    instance,
                    "security_group_ids",
                );
                vec![placeholder]
            }
        };
        let route_table_ids = match list(self, "route_table_ids") {
            Some(list) => list,
            None if endpoint_type != EndpointType::Gateway => Vec::new(),
            None => {
                self.unknown(
                    instance,
                    "route_table_ids",
                    "the endpoint's route tables are known only after apply: S3 routes are unknown",
                );
                self.gap("ec2:DescribeRouteTables", None, instance, "route_table_ids");
                Vec::new()
            }
        };
        let policy = match self.values.text(instance, &["policy"]) {
            Ok(Some(text)) => json_document(&text),
            Ok(None) => None,
            Err(()) => {
                if self.values.configured(instance, "policy") {
                    self.unknown(
                        instance,
                        "policy",
                        "the endpoint policy is known only after apply: its hops are unknown",
                    );
                    self.gap("ec2:DescribeVpcEndpoints", Some(&id), instance, "policy");
                }
                existing.as_ref().and_then(|e| e.policy.clone())
            }
        };
        let mut network_interfaces: Vec<EndpointInterface> = existing
            .as_ref()
            .map(|e| e.network_interfaces.clone())
            .unwrap_or_default();
        network_interfaces.retain(|eni| subnet_ids.contains(&eni.subnet_id));
        if endpoint_type == EndpointType::Interface
            && subnet_ids
                .iter()
                .any(|s| !network_interfaces.iter().any(|eni| &eni.subnet_id == s))
        {
            self.unknown(
                instance,
                "network_interface_ids",
                "the endpoint's interfaces (and their addresses) exist only after apply",
            );
            self.gap(
                "ec2:DescribeNetworkInterfaces",
                Some(&id),
                instance,
                "network_interface_ids",
            );
        }
        let endpoint = VpcEndpoint {
            id: id.clone(),
            vpc_id,
            service_name,
            endpoint_type,
            state,
            private_dns_enabled,
            subnet_ids,
            network_interfaces,
            security_group_ids,
            route_table_ids: route_table_ids.clone(),
            policy,
            dns_names: Vec::new(),
        };
        let s3 = endpoint.short_service() == "s3" && endpoint_type == EndpointType::Gateway;
        self.snapshot.vpc_endpoints.retain(|e| e.id != id);
        self.snapshot.vpc_endpoints.push(endpoint);
        if s3 {
            self.gateway_routes(&id, &route_table_ids);
        }
    }

    /// A gateway endpoint adds a route to its prefix list in each associated table.
    fn gateway_routes(&mut self, endpoint: &str, tables: &[String]) {
        let list = self.values.s3_prefix_list.clone();
        for table in &mut self.snapshot.route_tables {
            table.routes.retain(|r| r.target != endpoint);
            if tables.contains(&table.id)
                && let Some(list) = &list
            {
                table.routes.push(Route {
                    destination: RouteDestination::PrefixList(list.clone()),
                    target: endpoint.to_string(),
                    state: RouteState::Active,
                });
            }
        }
    }

    fn endpoint_member(&mut self, instance: &Instance) {
        let endpoint = match self.values.text(instance, &["vpc_endpoint_id"]) {
            Ok(Some(endpoint)) => endpoint,
            Ok(None) => return,
            Err(()) => {
                self.unknown(
                    instance,
                    "vpc_endpoint_id",
                    "the endpoint is known only after apply: endpoint hops are unknown",
                );
                self.gap(
                    "ec2:DescribeVpcEndpoints",
                    None,
                    instance,
                    "vpc_endpoint_id",
                );
                return;
            }
        };
        let (key, attribute) = match instance.kind.as_str() {
            "aws_vpc_endpoint_route_table_association" => ("route_table_id", "route_table_id"),
            "aws_vpc_endpoint_subnet_association" => ("subnet_id", "subnet_id"),
            "aws_vpc_endpoint_security_group_association" => {
                ("security_group_id", "security_group_id")
            }
            _ => ("policy", "policy"),
        };
        let value = match self.values.text(instance, &[key]) {
            Ok(Some(value)) => value,
            Ok(None) => return,
            Err(()) => {
                self.unknown(
                    instance,
                    attribute,
                    "an endpoint association is known only after apply: endpoint hops are unknown",
                );
                self.gap("ec2:DescribeVpcEndpoints", None, instance, attribute);
                return;
            }
        };
        let Some(e) = self
            .snapshot
            .vpc_endpoints
            .iter_mut()
            .find(|e| e.id == endpoint)
        else {
            return;
        };
        match instance.kind.as_str() {
            "aws_vpc_endpoint_route_table_association" => {
                if !e.route_table_ids.contains(&value) {
                    e.route_table_ids.push(value);
                }
                let tables = e.route_table_ids.clone();
                if e.short_service() == "s3" {
                    self.gateway_routes(&endpoint, &tables);
                }
            }
            "aws_vpc_endpoint_subnet_association" => {
                if !e.subnet_ids.contains(&value) {
                    e.subnet_ids.push(value);
                    let no_interfaces = e.network_interfaces.is_empty();
                    self.unknown(
                        instance,
                        "network_interface_ids",
                        "the endpoint's new interface exists only after apply",
                    );
                    if no_interfaces {
                        self.gap(
                            "ec2:DescribeNetworkInterfaces",
                            Some(&endpoint),
                            instance,
                            "network_interface_ids",
                        );
                    }
                }
            }
            "aws_vpc_endpoint_security_group_association" => {
                // The association takes the place of the VPC's default group placeholder.
                e.security_group_ids
                    .retain(|g| !(g.starts_with("sg-planned-") && g.ends_with("-default")));
                if !e.security_group_ids.contains(&value) {
                    e.security_group_ids.push(value);
                }
            }
            _ => e.policy = json_document(&value),
        }
    }

    // ---- IAM, ECR

    fn iam_role(&mut self, instance: &Instance) {
        let Some(arn) = self.id(instance) else { return };
        let existing = self
            .snapshot
            .iam_roles
            .iter()
            .find(|r| r.arn == arn)
            .cloned();
        let trust_policy = match self.values.text(instance, &["assume_role_policy"]) {
            Ok(Some(text)) => json_document(&text),
            Ok(None) => None,
            Err(()) => {
                self.unknown(
                    instance,
                    "assume_role_policy",
                    "the trust policy is known only after apply: the role's hops are unknown",
                );
                self.gap("iam:GetRole", Some(&arn), instance, "assume_role_policy");
                None
            }
        };
        let mut role = existing.clone().unwrap_or(IamRole {
            arn: arn.clone(),
            trust_policy: None,
            inline_policies: Vec::new(),
            attached_policies: Vec::new(),
            permissions_boundary: None,
            simulation: None,
        });
        role.trust_policy = trust_policy.or(role.trust_policy);
        // The simulator answered for the role as it is, not as planned.
        role.simulation = None;
        if self.values.configured(instance, "inline_policy") {
            if let V::Set(Value::Array(blocks)) = self.values.get(instance, &["inline_policy"]) {
                role.inline_policies = blocks
                    .iter()
                    .filter_map(|b| {
                        Some(NamedPolicy {
                            name: text_of(b.get("name"))?,
                            document: json_document(b.get("policy")?.as_str()?)?,
                        })
                    })
                    .collect();
            } else {
                self.unknown(
                    instance,
                    "inline_policy",
                    "the role's inline policies are known only after apply",
                );
                self.gap("iam:GetRolePolicy", Some(&arn), instance, "inline_policy");
            }
        }
        if self.values.configured(instance, "managed_policy_arns") {
            match self.values.strings(instance, &["managed_policy_arns"]) {
                Ok(arns) => {
                    role.attached_policies = arns
                        .iter()
                        .filter_map(|policy| self.managed_policy(instance, policy))
                        .collect();
                }
                Err(()) => {
                    self.unknown(
                        instance,
                        "managed_policy_arns",
                        "the role's managed policies are known only after apply",
                    );
                    self.gap(
                        "iam:ListAttachedRolePolicies",
                        Some(&arn),
                        instance,
                        "managed_policy_arns",
                    );
                }
            }
        }
        if existing.is_none()
            && self
                .values
                .text(instance, &["permissions_boundary"])
                .ok()
                .flatten()
                .is_some()
        {
            self.unknown(
                instance,
                "permissions_boundary",
                "the permissions boundary's document is not in the plan",
            );
            self.gap(
                "iam:GetPolicyVersion",
                Some(&arn),
                instance,
                "permissions_boundary",
            );
        }
        self.snapshot.iam_roles.retain(|r| r.arn != arn);
        self.snapshot.iam_roles.push(role);
    }

    /// A managed policy's document: from the account (any role that has it), from the plan
    /// (`aws_iam_policy`), or the AWS managed policy ECS documents; else a gap.
    fn managed_policy(&mut self, instance: &Instance, arn: &str) -> Option<NamedPolicy> {
        if let Some(known) = self
            .snapshot
            .iam_roles
            .iter()
            .flat_map(|r| &r.attached_policies)
            .find(|p| p.name == arn)
        {
            return Some(known.clone());
        }
        let plan = self.plan();
        for policy in plan
            .instances
            .iter()
            .filter(|i| i.kind == "aws_iam_policy" && i.action.keeps())
        {
            if self.values.ids.get(&policy.address).map(String::as_str) == Some(arn)
                && let Ok(Some(text)) = self.values.text(policy, &["policy"])
                && let Some(document) = json_document(&text)
            {
                return Some(NamedPolicy {
                    name: arn.to_string(),
                    document,
                });
            }
        }
        if let Some(document) = aws_managed_policy(arn) {
            return Some(NamedPolicy {
                name: arn.to_string(),
                document,
            });
        }
        self.unknown(instance, "policy_arn", format!("the document of {arn} is not in the plan nor the account: the role's permissions are unknown"));
        self.gap("iam:GetPolicyVersion", Some(arn), instance, "policy_arn");
        None
    }

    fn iam_role_policy(&mut self, instance: &Instance) {
        let role = self.values.text(instance, &["role"]).ok().flatten();
        let name = self.values.text(instance, &["name"]).ok().flatten();
        let document = match self.values.text(instance, &["policy"]) {
            Ok(Some(text)) => json_document(&text),
            _ => None,
        };
        let (Some(role), Some(name)) = (role, name) else {
            self.unknown(
                instance,
                "role",
                "the role this policy joins is known only after apply",
            );
            self.gap("iam:GetRolePolicy", None, instance, "role");
            return;
        };
        let role_name = role.split(':').next().unwrap_or(&role).to_string();
        let Some(document) = document else {
            self.unknown(
                instance,
                "policy",
                "the inline policy is known only after apply: the role's permissions are unknown",
            );
            if let Some(arn) = role_named(&mut self.snapshot, &role_name).map(|r| r.arn.clone()) {
                self.gap("iam:GetRolePolicy", Some(&arn), instance, "policy");
            }
            return;
        };
        if let Some(r) = role_named(&mut self.snapshot, &role_name) {
            r.inline_policies.retain(|p| p.name != name);
            r.inline_policies.push(NamedPolicy { name, document });
        }
    }

    fn iam_role_policy_attachment(&mut self, instance: &Instance) {
        let (Ok(Some(role)), Ok(Some(arn))) = (
            self.values.text(instance, &["role"]),
            self.values.text(instance, &["policy_arn"]),
        ) else {
            self.unknown(
                instance,
                "policy_arn",
                "the attachment is known only after apply: role permissions are unknown",
            );
            self.gap("iam:ListAttachedRolePolicies", None, instance, "policy_arn");
            return;
        };
        let Some(policy) = self.managed_policy(instance, &arn) else {
            return;
        };
        if let Some(r) = role_named(&mut self.snapshot, &role) {
            r.attached_policies.retain(|p| p.name != arn);
            r.attached_policies.push(policy);
        }
    }

    fn ecr_repository(&mut self, instance: &Instance) {
        let Some(arn) = self.id(instance) else { return };
        let Some(name) = self.values.text(instance, &["name"]).ok().flatten() else {
            return;
        };
        let existing = self
            .snapshot
            .ecr_repositories
            .iter()
            .find(|r| r.arn == arn)
            .cloned();
        let encryption_type = self
            .values
            .text(
                instance,
                &["encryption_configuration", "0", "encryption_type"],
            )
            .ok()
            .flatten()
            .or_else(|| existing.as_ref().and_then(|r| r.encryption_type.clone()))
            .or_else(|| Some("AES256".into()));
        let kms_key = self
            .values
            .text(instance, &["encryption_configuration", "0", "kms_key"])
            .ok()
            .flatten()
            .or_else(|| existing.as_ref().and_then(|r| r.kms_key.clone()));
        if existing.is_none() {
            // A new repository holds no image until one is pushed, which the plan cannot show.
            self.unknown(instance, "images", "the repository is new: whether the image is pushed before the tasks start is unknown");
            self.gap("ecr:DescribeImages", Some(&arn), instance, "images");
        }
        let uri = format!(
            "{}.dkr.ecr.{}.amazonaws.com/{name}",
            arn.split(':').nth(4).unwrap_or_default(),
            arn.split(':').nth(3).unwrap_or_default()
        );
        let repository = EcrRepository {
            arn: arn.clone(),
            name,
            uri,
            policy: existing.as_ref().and_then(|r| r.policy.clone()),
            encryption_type,
            kms_key: kms_key.filter(|k| !k.is_empty()),
            lifecycle_policy: existing.as_ref().and_then(|r| r.lifecycle_policy.clone()),
            images: existing.map(|r| r.images).unwrap_or_default(),
        };
        self.snapshot.ecr_repositories.retain(|r| r.arn != arn);
        self.snapshot.ecr_repositories.push(repository);
    }

    fn ecr_repository_policy(&mut self, instance: &Instance) {
        let name = self.values.text(instance, &["repository"]).ok().flatten();
        let document = match self.values.text(instance, &["policy"]) {
            Ok(Some(text)) => json_document(&text),
            _ => None,
        };
        let Some(name) = name else { return };
        let Some(repository) = self
            .snapshot
            .ecr_repositories
            .iter()
            .find(|r| r.name == name)
        else {
            return;
        };
        let arn = repository.arn.clone();
        match document {
            Some(document) => {
                if let Some(r) = self
                    .snapshot
                    .ecr_repositories
                    .iter_mut()
                    .find(|r| r.arn == arn)
                {
                    r.policy = Some(document);
                }
            }
            None => {
                self.unknown(
                    instance,
                    "policy",
                    "the repository policy is known only after apply: PC604 is unknown",
                );
                self.gap("ecr:GetRepositoryPolicy", Some(&arn), instance, "policy");
            }
        }
    }

    // ---- ECS

    fn task_definition(&mut self, instance: &Instance) {
        let Some(arn) = self.id(instance) else { return };
        let definitions = match self.values.text(instance, &["container_definitions"]) {
            Ok(Some(text)) => json_document(&text),
            _ => None,
        };
        let containers: Option<Vec<ContainerDefinition>> = definitions
            .as_ref()
            .and_then(Value::as_array)
            .map(|list| list.iter().filter_map(container).collect());
        let Some(containers) = containers.filter(|c| !c.is_empty()) else {
            self.unknown(instance, "container_definitions", "the containers are known only after apply: the targets running this revision are unknown");
            self.gap(
                "ecs:DescribeTaskDefinition",
                Some(&arn),
                instance,
                "container_definitions",
            );
            return;
        };
        let text = |this: &mut Self, key: &str| -> Option<String> {
            match this.values.text(instance, &[key]) {
                Ok(value) => value,
                Err(()) => {
                    this.unknown(instance, key, "known only after apply");
                    None
                }
            }
        };
        let execution_role_arn = text(self, "execution_role_arn");
        let task_role_arn = text(self, "task_role_arn");
        let network_mode = text(self, "network_mode").unwrap_or_else(|| "bridge".into());
        let runtime_platform = RuntimePlatform {
            cpu_architecture: self
                .values
                .text(instance, &["runtime_platform", "0", "cpu_architecture"])
                .ok()
                .flatten()
                .unwrap_or_else(|| "X86_64".into()),
            operating_system_family: self
                .values
                .text(
                    instance,
                    &["runtime_platform", "0", "operating_system_family"],
                )
                .ok()
                .flatten()
                .unwrap_or_else(|| "LINUX".into()),
        };
        self.snapshot.task_definitions.retain(|t| t.arn != arn);
        self.snapshot.task_definitions.push(TaskDefinition {
            arn,
            execution_role_arn,
            task_role_arn,
            network_mode,
            runtime_platform,
            ephemeral_storage_gib: self
                .values
                .number(instance, &["ephemeral_storage", "0", "size_in_gib"])
                .ok()
                .flatten()
                .and_then(|size| u32::try_from(size).ok()),
            containers,
        });
    }

    fn service(&mut self, instance: &Instance) {
        let Some(arn) = self.id(instance) else {
            self.unknown(
                instance,
                "id",
                "the service's name or cluster is known only after apply: it is not diagnosed",
            );
            return;
        };
        let existing = self
            .snapshot
            .services
            .iter()
            .find(|s| s.arn == arn)
            .cloned();
        let Some(cluster_arn) = self.cluster_arn(instance) else {
            return;
        };
        let name = arn.rsplit('/').next().unwrap_or_default().to_string();
        let task_definition_arn = match self.values.text(instance, &["task_definition"]) {
            Ok(Some(td)) => self.task_definition_arn(&td),
            Ok(None) => None,
            Err(()) => None,
        };
        let Some(task_definition_arn) = task_definition_arn
            .or_else(|| existing.as_ref().map(|s| s.task_definition_arn.clone()))
        else {
            self.unknown(
                instance,
                "task_definition",
                "the task definition is known only after apply: the service is not diagnosed",
            );
            return;
        };
        let launch_type = match self
            .values
            .text(instance, &["launch_type"])
            .ok()
            .flatten()
            .as_deref()
        {
            Some("FARGATE") => Some(LaunchType::Fargate),
            Some("EC2") => Some(LaunchType::Ec2),
            Some("EXTERNAL") => Some(LaunchType::External),
            _ => existing.as_ref().and_then(|s| s.launch_type),
        };
        let platform_version = self
            .values
            .text(instance, &["platform_version"])
            .ok()
            .flatten()
            .or_else(|| existing.as_ref().and_then(|s| s.platform_version.clone()))
            .or_else(|| (launch_type == Some(LaunchType::Fargate)).then(|| "LATEST".into()));
        let network = if self.values.configured(instance, "network_configuration")
            || instance
                .after
                .as_ref()
                .and_then(|a| a.get("network_configuration"))
                .is_some_and(|n| n.as_array().is_some_and(|a| !a.is_empty()))
        {
            let path = ["network_configuration", "0"];
            let subnet_ids = match self
                .values
                .strings(instance, &[path[0], path[1], "subnets"])
            {
                Ok(list) => list,
                Err(()) => {
                    let placeholder = format!("subnet-planned-{}", slug(instance));
                    self.unknown(instance, "network_configuration.subnets", "the service's subnets are known only after apply: its placement is unknown");
                    self.gap(
                        "ec2:DescribeSubnets",
                        Some(&placeholder),
                        instance,
                        "network_configuration.subnets",
                    );
                    vec![placeholder]
                }
            };
            let security_group_ids = match self
                .values
                .strings(instance, &[path[0], path[1], "security_groups"])
            {
                Ok(list) => list,
                Err(()) => {
                    let placeholder = format!("sg-planned-{}-groups", slug(instance));
                    self.unknown(instance, "network_configuration.security_groups", "the service's security groups are known only after apply: its group hops are unknown");
                    self.gap(
                        "ec2:DescribeSecurityGroups",
                        Some(&placeholder),
                        instance,
                        "network_configuration.security_groups",
                    );
                    vec![placeholder]
                }
            };
            let assign_public_ip = self
                .values
                .boolean(instance, &[path[0], path[1], "assign_public_ip"])
                .ok()
                .flatten()
                .unwrap_or(false);
            Some(AwsvpcConfiguration {
                subnet_ids,
                security_group_ids,
                assign_public_ip,
            })
        } else {
            existing.as_ref().and_then(|s| s.network.clone())
        };
        self.snapshot.services.retain(|s| s.arn != arn);
        self.snapshot.services.push(Service {
            arn,
            name: name.clone(),
            cluster_arn: cluster_arn.clone(),
            task_definition_arn,
            launch_type,
            platform_version,
            network,
            events: existing.map(|s| s.events).unwrap_or_default(),
        });
        if instance.action != Action::NoOp {
            self.changed_services.push((cluster_arn, name));
        }
    }

    /// `family`, `family:revision` or an ARN, as the ARN the service will run.
    fn task_definition_arn(&self, reference: &str) -> Option<String> {
        if reference.starts_with("arn:") {
            return Some(reference.to_string());
        }
        let prefix = format!(
            "arn:aws:ecs:{}:{}:task-definition/",
            self.region(),
            self.account()
        );
        if reference.contains(':') {
            return Some(format!("{prefix}{reference}"));
        }
        // A bare family runs its latest active revision.
        let planned = self
            .values
            .ids
            .values()
            .filter(|arn| arn.starts_with(&format!("{prefix}{reference}:")))
            .cloned();
        let known = self
            .snapshot
            .task_definitions
            .iter()
            .map(|t| t.arn.clone())
            .filter(|arn| arn.starts_with(&format!("{prefix}{reference}:")));
        planned.chain(known).max_by_key(|arn| {
            arn.rsplit(':')
                .next()
                .and_then(|r| r.parse::<u32>().ok())
                .unwrap_or(0)
        })
    }

    // ---------------------------------------------------------------- end

    fn finish(&mut self) {
        let tainted = std::mem::take(&mut self.tainted_groups);
        for (group, address) in tainted {
            self.snapshot.security_groups.retain(|g| g.id != group);
            self.gaps.push(CollectionGap {
                api: "ec2:DescribeSecurityGroups".into(),
                resource: Some(group),
                error_code: KNOWN_AFTER_APPLY.into(),
                message: format!(
                    "{address}: the group's rules are known only after apply (Terraform plan)"
                ),
            });
        }
        // The tasks of a changed service ran its old configuration; after apply new tasks
        // start from the service, which the engine walks as the target.
        let changed = std::mem::take(&mut self.changed_services);
        self.snapshot.tasks.retain(|task| {
            !changed.iter().any(|(cluster, name)| {
                task.cluster_arn == *cluster
                    && task.group.as_deref() == Some(&format!("service:{name}"))
            })
        });
    }
}

fn role_named<'s>(snapshot: &'s mut Snapshot, name: &str) -> Option<&'s mut IamRole> {
    snapshot
        .iam_roles
        .iter_mut()
        .find(|r| r.arn == name || r.arn.rsplit('/').next() == Some(name))
}

fn move_subnet_to_default_acl(snapshot: &mut Snapshot, subnet: &str) {
    let Some(vpc) = snapshot
        .subnets
        .iter()
        .find(|s| s.id == subnet)
        .map(|s| s.vpc_id.clone())
    else {
        return;
    };
    if let Some(default) = snapshot
        .network_acls
        .iter_mut()
        .find(|a| a.vpc_id == vpc && a.is_default)
        && !default.subnet_ids.iter().any(|s| s == subnet)
    {
        default.subnet_ids.push(subnet.to_string());
    }
}

/// Protocol and ports as Terraform writes them (`"-1"` with 0–0 for all traffic).
fn protocol_ports(
    protocol: &Value,
    from: &Value,
    to: &Value,
) -> Option<(Protocol, Option<PortRange>)> {
    let text = match protocol {
        Value::String(text) => text.clone(),
        Value::Number(n) => n.to_string(),
        _ => return None,
    };
    let protocol: Protocol = text.parse().ok()?;
    if protocol == Protocol::All || !matches!(protocol, Protocol::Tcp | Protocol::Udp) {
        return Some((protocol, None));
    }
    let number = |v: &Value| match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    };
    match (number(from), number(to)) {
        (Some(from), Some(to))
            if (0..=65535).contains(&from) && (0..=65535).contains(&to) && from <= to =>
        {
            Some((
                protocol,
                Some(PortRange {
                    from: from as u16,
                    to: to as u16,
                }),
            ))
        }
        (None, None) => Some((protocol, None)),
        _ => None,
    }
}

fn same_rule(a: &SgRule, b: &SgRule) -> bool {
    a.protocol == b.protocol && a.port_range == b.port_range && a.peer == b.peer
}

/// The rules a rule resource's before object held: (group, egress, rules).
fn rules_of_rule_resource(before: &Value, kind: &str) -> Option<(String, bool, Vec<SgRule>)> {
    let group = text_of(before.get("security_group_id"))?;
    let null = Value::Null;
    let get = |key: &str| before.get(key).unwrap_or(&null);
    let strings = |key: &str| -> Vec<String> {
        get(key)
            .as_array()
            .map(|a| a.iter().filter_map(|v| text_of(Some(v))).collect())
            .unwrap_or_default()
    };
    let mut peers = Vec::new();
    let (egress, protocol, ports);
    if kind == "aws_security_group_rule" {
        egress = get("type").as_str() == Some("egress");
        peers.extend(
            strings("cidr_blocks")
                .iter()
                .filter_map(|c| c.parse::<Peer>().ok()),
        );
        peers.extend(strings("ipv6_cidr_blocks").into_iter().map(Peer::Ipv6));
        peers.extend(strings("prefix_list_ids").into_iter().map(Peer::PrefixList));
        if let Some(source) = text_of(before.get("source_security_group_id")) {
            peers.push(Peer::SecurityGroup(source));
        }
        if get("self") == &Value::Bool(true) {
            peers.push(Peer::SecurityGroup(group.clone()));
        }
        (protocol, ports) = protocol_ports(get("protocol"), get("from_port"), get("to_port"))?;
    } else {
        egress = kind == "aws_vpc_security_group_egress_rule";
        if let Some(cidr) = text_of(before.get("cidr_ipv4")) {
            peers.push(cidr.parse::<Peer>().ok()?);
        }
        if let Some(cidr) = text_of(before.get("cidr_ipv6")) {
            peers.push(Peer::Ipv6(cidr));
        }
        if let Some(list) = text_of(before.get("prefix_list_id")) {
            peers.push(Peer::PrefixList(list));
        }
        if let Some(source) = text_of(before.get("referenced_security_group_id")) {
            peers.push(Peer::SecurityGroup(source));
        }
        (protocol, ports) = protocol_ports(get("ip_protocol"), get("from_port"), get("to_port"))?;
    }
    Some((
        group,
        egress,
        peers
            .into_iter()
            .map(|peer| SgRule {
                rule_id: None,
                protocol,
                port_range: ports,
                peer,
            })
            .collect(),
    ))
}

fn route_of(before: &Value) -> Option<Route> {
    let field = |key: &str| text_of(before.get(key));
    let destination = if let Some(cidr) = field("destination_cidr_block") {
        RouteDestination::Cidr(cidr.parse().ok()?)
    } else if let Some(list) = field("destination_prefix_list_id") {
        RouteDestination::PrefixList(list)
    } else {
        RouteDestination::Ipv6(field("destination_ipv6_cidr_block")?)
    };
    Some(Route {
        destination,
        target: "local".into(),
        state: RouteState::Active,
    })
}

/// One entry of `container_definitions` (ECS `RegisterTaskDefinition` JSON).
fn container(value: &Value) -> Option<ContainerDefinition> {
    let log = value.get("logConfiguration");
    Some(ContainerDefinition {
        name: text_of(value.get("name"))?,
        image: text_of(value.get("image"))?,
        essential: value
            .get("essential")
            .and_then(Value::as_bool)
            .unwrap_or(true),
        log_driver: log.and_then(|l| text_of(l.get("logDriver"))),
        log_options: log
            .and_then(|l| l.get("options"))
            .and_then(Value::as_object)
            .map(|options| {
                options
                    .iter()
                    .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                    .collect()
            })
            .unwrap_or_default(),
        secrets: value
            .get("secrets")
            .and_then(Value::as_array)
            .map(|list| {
                list.iter()
                    .filter_map(|s| {
                        Some(SecretReference {
                            name: text_of(s.get("name"))?,
                            value_from: text_of(s.get("valueFrom"))?,
                        })
                    })
                    .collect()
            })
            .unwrap_or_default(),
        repository_credentials: value
            .get("repositoryCredentials")
            .and_then(|c| text_of(c.get("credentialsParameter"))),
    })
}

/// The AWS managed policies an execution role typically carries, as AWS publishes them
/// (IAM console, "AWS managed policy" pages; the same document as in the bundled scenarios).
fn aws_managed_policy(arn: &str) -> Option<Value> {
    let actions: &[&str] = match arn.rsplit(':').next()? {
        "policy/service-role/AmazonECSTaskExecutionRolePolicy" => &[
            "ecr:GetAuthorizationToken",
            "ecr:BatchCheckLayerAvailability",
            "ecr:GetDownloadUrlForLayer",
            "ecr:BatchGetImage",
            "logs:CreateLogStream",
            "logs:PutLogEvents",
        ],
        "policy/AmazonEC2ContainerRegistryReadOnly" => &[
            "ecr:GetAuthorizationToken",
            "ecr:BatchCheckLayerAvailability",
            "ecr:GetDownloadUrlForLayer",
            "ecr:GetRepositoryPolicy",
            "ecr:DescribeRepositories",
            "ecr:ListImages",
            "ecr:DescribeImages",
            "ecr:BatchGetImage",
            "ecr:GetLifecyclePolicy",
            "ecr:GetLifecyclePolicyPreview",
            "ecr:ListTagsForResource",
            "ecr:DescribeImageScanFindings",
        ],
        _ => return None,
    };
    if !arn.starts_with("arn:aws:iam::aws:") {
        return None;
    }
    Some(serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}]
    }))
}
