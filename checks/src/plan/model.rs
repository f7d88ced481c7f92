//! Reading `terraform show -json PLANFILE` (OpenTofu writes the same): the resource instances
//! with their planned values, actions and unknowns, and the configuration's expressions, which
//! link resources whose ids are not known yet.
//!
//! Format: <https://developer.hashicorp.com/terraform/internals/json-format> ("Plan
//! Representation", "Values Representation", "Change Representation", "Configuration
//! Representation", "Expression Representation"). Unknown keys are ignored, as that page asks
//! of consumers; a `format_version` whose major is not 1 is refused.

use std::collections::BTreeMap;

use serde_json::Value;

/// The largest plan read, as for snapshots.
pub const MAX_PLAN_BYTES: u64 = crate::snapshot::MAX_SNAPSHOT_BYTES;

/// Why a plan could not be read: one line, naming the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanError(pub String);

impl std::fmt::Display for PlanError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for PlanError {}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    Managed,
    Data,
}

/// What the plan does to one resource instance, from its `change.actions`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    NoOp,
    Create,
    Read,
    Update,
    /// `["delete", "create"]` or `["create", "delete"]`: a new object replaces the old one.
    Replace,
    Delete,
}

impl Action {
    fn from_actions(actions: &[String]) -> Option<Action> {
        let actions: Vec<&str> = actions.iter().map(String::as_str).collect();
        Some(match actions.as_slice() {
            ["no-op"] | [] => Action::NoOp,
            ["create"] => Action::Create,
            ["read"] => Action::Read,
            ["update"] => Action::Update,
            ["delete"] | ["forget"] => Action::Delete,
            ["delete", "create"] | ["create", "delete"] => Action::Replace,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Action::NoOp => "no-op",
            Action::Create => "create",
            Action::Read => "read",
            Action::Update => "update",
            Action::Replace => "replace",
            Action::Delete => "delete",
        }
    }

    /// Whether the object exists after apply.
    pub fn keeps(self) -> bool {
        self != Action::Delete
    }
}

/// One resource instance of the plan.
#[derive(Debug, Clone, PartialEq)]
pub struct Instance {
    /// `module.app.aws_security_group.tasks[0]`.
    pub address: String,
    /// `module.app` (instance keys included, `module.app["a"]`); empty for the root module.
    pub module: String,
    pub mode: Mode,
    pub kind: String,
    pub name: String,
    /// `index` of a `count` (number) or `for_each` (string) instance.
    pub index: Option<Value>,
    pub action: Action,
    /// The object before the change (from `change.before`, or the prior state).
    pub before: Option<Value>,
    /// The object after apply, its unknown values absent; `None` when it is deleted.
    pub after: Option<Value>,
    /// `change.after_unknown`: `true` where a value is known only after apply.
    pub after_unknown: Value,
}

impl Instance {
    /// `aws_security_group.tasks` (with `data.` for data sources), without module or index.
    pub fn local_base(&self) -> String {
        match self.mode {
            Mode::Managed => format!("{}.{}", self.kind, self.name),
            Mode::Data => format!("data.{}.{}", self.kind, self.name),
        }
    }

    /// The address as a reference from inside its own module: `aws_security_group.tasks`,
    /// `aws_security_group.tasks[0]`.
    pub fn local_address(&self) -> &str {
        if self.module.is_empty() {
            &self.address
        } else {
            self.address
                .strip_prefix(&self.module)
                .and_then(|rest| rest.strip_prefix('.'))
                .unwrap_or(&self.address)
        }
    }
}

/// A parsed plan.
#[derive(Debug, Clone)]
pub struct Plan {
    pub format_version: String,
    pub terraform_version: Option<String>,
    /// Every instance: managed ones from `resource_changes` (or `planned_values` for a plan
    /// that lists no change for them), data sources from `planned_values`, `prior_state` and
    /// `resource_changes`. Sorted by address.
    pub instances: Vec<Instance>,
    /// Root module input variables (`variables.NAME.value`).
    pub variables: BTreeMap<String, Value>,
    /// `configuration.root_module`, or `Null`.
    pub configuration: Value,
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

impl Plan {
    /// Parses the JSON of `terraform show -json PLANFILE`. `name` is how errors call the file.
    pub fn from_json(bytes: &[u8], name: &str) -> Result<Plan, PlanError> {
        let fail = |what: String| PlanError(format!("plan file {name} {what}"));
        let root: Value = serde_json::from_slice(bytes)
            .map_err(|error| fail(format!("is not valid JSON: {error}")))?;
        let Value::Object(top) = &root else {
            return Err(fail(format!(
                "is {}, not the JSON object of `terraform show -json PLANFILE`",
                type_name(&root)
            )));
        };
        let format_version = match top.get("format_version") {
            Some(Value::String(version)) => version.clone(),
            Some(other) => {
                return Err(fail(format!(
                    "has a format_version that is {}; expected a string such as \"1.2\"",
                    type_name(other)
                )));
            }
            None => {
                return Err(fail(
                    "has no format_version: write it with `terraform show -json PLANFILE`"
                        .to_string(),
                ));
            }
        };
        if format_version.split('.').next() != Some("1") {
            return Err(fail(format!(
                "has format_version {:?}; this build reads major version 1 (Terraform 0.15 and later, OpenTofu)",
                crate::text::truncate(&format_version, 20)
            )));
        }
        if top.get("planned_values").is_none() && top.get("resource_changes").is_none() {
            return Err(fail(
                "has neither planned_values nor resource_changes: is it `terraform show -json` of a state rather than of a plan?".to_string(),
            ));
        }
        if top.get("errored") == Some(&Value::Bool(true)) {
            return Err(fail(
                "is the plan of a run that errored: it is incomplete; fix the plan first"
                    .to_string(),
            ));
        }
        let terraform_version = top
            .get("terraform_version")
            .and_then(Value::as_str)
            .map(str::to_string);
        let mut by_address: BTreeMap<String, Instance> = BTreeMap::new();
        // planned_values: the state after apply, unknown values omitted.
        if let Some(module) = top.get("planned_values").and_then(|v| v.get("root_module")) {
            let mut values = Vec::new();
            collect_module(module, "planned_values.root_module", &mut values).map_err(&fail)?;
            for (resource, values) in values {
                let action = if resource.mode == Mode::Data {
                    Action::Read
                } else {
                    Action::NoOp
                };
                by_address.insert(
                    resource.address.clone(),
                    Instance {
                        action,
                        before: Some(values.clone()),
                        after: Some(values),
                        after_unknown: Value::Object(Default::default()),
                        ..resource
                    },
                );
            }
        }
        // prior_state: data sources read during planning, and the objects before the change.
        if let Some(module) = top
            .get("prior_state")
            .and_then(|v| v.get("values"))
            .and_then(|v| v.get("root_module"))
        {
            let mut values = Vec::new();
            collect_module(module, "prior_state.values.root_module", &mut values).map_err(&fail)?;
            for (resource, values) in values {
                match by_address.get_mut(&resource.address) {
                    Some(known) => {
                        known.before = Some(values);
                    }
                    None if resource.mode == Mode::Data => {
                        by_address.insert(
                            resource.address.clone(),
                            Instance {
                                action: Action::Read,
                                before: Some(values.clone()),
                                after: Some(values),
                                after_unknown: Value::Object(Default::default()),
                                ..resource
                            },
                        );
                    }
                    // A managed object in the prior state that planned_values lacks is being
                    // deleted; resource_changes says so below.
                    None => {}
                }
            }
        }
        // resource_changes: the authority on actions and unknowns.
        if let Some(changes) = top.get("resource_changes") {
            let Value::Array(changes) = changes else {
                return Err(fail(format!(
                    "has resource_changes that is {}, not an array",
                    type_name(changes)
                )));
            };
            for (at, change) in changes.iter().enumerate() {
                let path = format!("resource_changes[{at}]");
                // A deposed object is an old copy being destroyed; the current one is separate.
                if change.get("deposed").is_some_and(|d| !d.is_null()) {
                    continue;
                }
                let resource = header(change, &path)?;
                let body = change
                    .get("change")
                    .and_then(Value::as_object)
                    .ok_or_else(|| fail(format!("has no change object at {path}")))?;
                let actions: Vec<String> = match body.get("actions") {
                    Some(Value::Array(actions)) => actions
                        .iter()
                        .map(|a| a.as_str().map(str::to_string))
                        .collect::<Option<_>>()
                        .ok_or_else(|| fail(format!("has a non-string action at {path}")))?,
                    _ => return Err(fail(format!("has no change.actions array at {path}"))),
                };
                let action = Action::from_actions(&actions).ok_or_else(|| {
                    fail(format!(
                        "has unknown actions {:?} at {path} ({})",
                        actions, resource.address
                    ))
                })?;
                let object = |key: &str| body.get(key).filter(|v| v.is_object()).cloned();
                let after = if action == Action::Delete {
                    None
                } else {
                    object("after").or_else(|| {
                        by_address
                            .get(&resource.address)
                            .and_then(|known| known.after.clone())
                    })
                };
                let before = object("before").or_else(|| {
                    by_address
                        .get(&resource.address)
                        .and_then(|known| known.before.clone())
                });
                let after_unknown = body
                    .get("after_unknown")
                    .cloned()
                    .unwrap_or(Value::Object(Default::default()));
                by_address.insert(
                    resource.address.clone(),
                    Instance {
                        action,
                        before,
                        after,
                        after_unknown,
                        ..resource
                    },
                );
            }
        }
        let variables = top
            .get("variables")
            .and_then(Value::as_object)
            .map(|vars| {
                vars.iter()
                    .filter_map(|(name, var)| Some((name.clone(), var.get("value")?.clone())))
                    .collect()
            })
            .unwrap_or_default();
        let configuration = top
            .get("configuration")
            .and_then(|c| c.get("root_module"))
            .cloned()
            .unwrap_or(Value::Null);
        Ok(Plan {
            format_version,
            terraform_version,
            instances: by_address.into_values().collect(),
            variables,
            configuration,
        })
    }

    pub fn instance(&self, address: &str) -> Option<&Instance> {
        self.instances
            .binary_search_by(|instance| instance.address.as_str().cmp(address))
            .ok()
            .map(|at| &self.instances[at])
    }

    /// The configuration block of a module (`module.app["x"].module.db` → the `db` call
    /// inside the `app` call), or `None` when the configuration does not show it.
    pub fn config_module(&self, module: &str) -> Option<&Value> {
        let mut current = &self.configuration;
        if current.is_null() {
            return None;
        }
        for call in module_calls(module) {
            current = current.get("module_calls")?.get(call)?.get("module")?;
        }
        Some(current)
    }

    /// The configuration of one resource: its `expressions` and the rest.
    pub fn config_resource(&self, instance: &Instance) -> Option<&Value> {
        let module = self.config_module(&instance.module)?;
        let wanted = instance.local_base();
        module
            .get("resources")?
            .as_array()?
            .iter()
            .find(|resource| resource.get("address").and_then(Value::as_str) == Some(&wanted))
    }

    /// The directory of a module's `.tf` files relative to the root module, when every call on
    /// the way has a local `source` (`./modules/app`); `""` for the root module.
    pub fn module_dir(&self, module: &str) -> Option<String> {
        let mut current = &self.configuration;
        let mut dir: Vec<String> = Vec::new();
        for call in module_calls(module) {
            let call_config = current.get("module_calls")?.get(call)?;
            let source = call_config.get("source")?.as_str()?;
            if !(source.starts_with("./") || source.starts_with("../")) {
                return None;
            }
            for part in source.split('/') {
                match part {
                    "." | "" => {}
                    ".." => {
                        if dir.pop().is_none() {
                            dir.push("..".into());
                        }
                    }
                    other => dir.push(other.to_string()),
                }
            }
            current = call_config.get("module")?;
        }
        Some(dir.join("/"))
    }
}

/// The call names of a module address: `module.a[0].module.b` → `a`, `b`.
pub fn module_calls(module: &str) -> Vec<&str> {
    let mut calls = Vec::new();
    let mut rest = module;
    while let Some(after) = rest.strip_prefix("module.") {
        let end = after.find(['.', '[']).unwrap_or(after.len());
        calls.push(&after[..end]);
        rest = &after[end..];
        if rest.starts_with('[') {
            let close = matching_bracket(rest).unwrap_or(rest.len() - 1);
            rest = &rest[close + 1..];
        }
        rest = rest.strip_prefix('.').unwrap_or(rest);
    }
    calls
}

/// The index of the `]` closing the `[` at the start of `text`, skipping quoted strings.
pub fn matching_bracket(text: &str) -> Option<usize> {
    let mut quoted = false;
    let mut escaped = false;
    for (at, c) in text.char_indices().skip(1) {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            ']' if !quoted => return Some(at),
            _ => {}
        }
    }
    None
}

fn header(value: &Value, path: &str) -> Result<Instance, PlanError> {
    let text = |key: &str| -> Result<String, PlanError> {
        value
            .get(key)
            .and_then(Value::as_str)
            .map(str::to_string)
            .ok_or_else(|| PlanError(format!("has no string `{key}` at {path}")))
    };
    let address = text("address")?;
    let mode = match value.get("mode").and_then(Value::as_str) {
        Some("data") => Mode::Data,
        Some("managed") => Mode::Managed,
        None if address.starts_with("data.") || address.contains(".data.") => Mode::Data,
        None => Mode::Managed,
        Some(other) => {
            return Err(PlanError(format!(
                "has an unknown mode {:?} at {path}",
                crate::text::truncate(other, 20)
            )));
        }
    };
    let module = value
        .get("module_address")
        .and_then(Value::as_str)
        .map(str::to_string)
        .unwrap_or_else(|| module_of(&address));
    Ok(Instance {
        kind: text("type")?,
        name: text("name")?,
        index: value.get("index").cloned().filter(|v| !v.is_null()),
        address,
        module,
        mode,
        action: Action::NoOp,
        before: None,
        after: None,
        after_unknown: Value::Null,
    })
}

/// `module.a.aws_x.y[0]` → `module.a`.
fn module_of(address: &str) -> String {
    let calls = module_calls(address);
    if calls.is_empty() {
        return String::new();
    }
    // Walk the same way as module_calls, keeping the consumed prefix.
    let mut rest = address;
    let mut consumed = 0;
    while let Some(after) = rest.strip_prefix("module.") {
        let end = after.find(['.', '[']).unwrap_or(after.len());
        let mut used = "module.".len() + end;
        let mut tail = &after[end..];
        if tail.starts_with('[') {
            let close = matching_bracket(tail).unwrap_or(tail.len() - 1);
            used += close + 1;
            tail = &tail[close + 1..];
        }
        consumed += used;
        match tail.strip_prefix('.') {
            Some(next) if next.starts_with("module.") => {
                consumed += 1;
                rest = next;
            }
            _ => break,
        }
    }
    address[..consumed].to_string()
}

type Collected = Vec<(Instance, Value)>;

fn collect_module(module: &Value, path: &str, out: &mut Collected) -> Result<(), String> {
    if let Some(resources) = module.get("resources") {
        let Value::Array(resources) = resources else {
            return Err(format!("has {path}.resources that is not an array"));
        };
        for (at, resource) in resources.iter().enumerate() {
            let here = format!("{path}.resources[{at}]");
            let instance = header(resource, &here).map_err(|e| e.0)?;
            let values = resource
                .get("values")
                .filter(|v| v.is_object())
                .cloned()
                .unwrap_or(Value::Object(Default::default()));
            out.push((instance, values));
        }
    }
    if let Some(children) = module.get("child_modules") {
        let Value::Array(children) = children else {
            return Err(format!("has {path}.child_modules that is not an array"));
        };
        for (at, child) in children.iter().enumerate() {
            collect_module(child, &format!("{path}.child_modules[{at}]"), out)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn module_addresses_split_into_calls() {
        assert_eq!(module_calls("module.a[0].module.b"), vec!["a", "b"]);
        assert_eq!(module_calls("module.a[\"x.y]\"].module.b"), vec!["a", "b"]);
        assert!(module_calls("").is_empty());
        assert_eq!(module_of("module.a.aws_x.y[0]"), "module.a");
        assert_eq!(
            module_of("module.a[\"k\"].module.b.aws_x.y"),
            "module.a[\"k\"].module.b"
        );
        assert_eq!(module_of("aws_x.y"), "");
    }

    #[test]
    fn format_versions_other_than_1_are_refused() {
        let error = Plan::from_json(br#"{"format_version":"0.1","planned_values":{}}"#, "p.json")
            .unwrap_err();
        assert!(error.0.contains("format_version \"0.1\""), "{error}");
        let error = Plan::from_json(br#"{"format_version":"2.0","planned_values":{}}"#, "p.json")
            .unwrap_err();
        assert!(error.0.contains("major version 1"), "{error}");
        assert!(
            Plan::from_json(br#"[]"#, "p.json")
                .unwrap_err()
                .0
                .contains("an array")
        );
        assert!(
            Plan::from_json(br#"{"format_version":"1.0","values":{}}"#, "p.json")
                .unwrap_err()
                .0
                .contains("state rather than")
        );
        let plan = Plan::from_json(
            br#"{"format_version":"1.2","planned_values":{},"future_key":{"x":1}}"#,
            "p.json",
        )
        .unwrap();
        assert!(plan.instances.is_empty());
    }
}
