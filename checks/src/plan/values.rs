//! Reading planned attribute values: known ones from `after`, unknown ones resolved through the
//! configuration's `references` where possible (a new security group's id, a new role's ARN).

use std::collections::HashMap;

use serde_json::Value;

use super::model::{Action, Instance, Mode, Plan};

/// An attribute after apply.
#[derive(Debug, Clone, PartialEq)]
pub enum V {
    Set(Value),
    /// Null or absent: not set.
    Unset,
    /// Known only after apply, and the configuration does not tell it.
    Unknown,
}

/// How deep a chain of references is followed (`var` → module call → resource → ...).
const MAX_DEPTH: usize = 12;

pub struct Values<'p> {
    pub plan: &'p Plan,
    /// The id (or ARN) each instance has after apply: known, kept, or a placeholder.
    pub ids: HashMap<String, String>,
    /// The region's S3 prefix list id, for a new S3 gateway endpoint's `prefix_list_id`.
    pub s3_prefix_list: Option<String>,
}

fn step<'v>(value: &'v Value, key: &str) -> Option<&'v Value> {
    match value {
        Value::Object(map) => map.get(key),
        Value::Array(items) => key.parse::<usize>().ok().and_then(|at| items.get(at)),
        _ => None,
    }
}

pub fn lookup<'v>(value: &'v Value, path: &[&str]) -> Option<&'v Value> {
    path.iter().try_fold(value, |value, key| step(value, key))
}

fn any_true(value: &Value) -> bool {
    match value {
        Value::Bool(b) => *b,
        Value::Array(items) => items.iter().any(any_true),
        Value::Object(map) => map.values().any(any_true),
        _ => false,
    }
}

/// Whether `after_unknown` marks the value at `path`, or part of it, as known after apply.
pub fn unknown_at(after_unknown: &Value, path: &[&str]) -> bool {
    let mut current = after_unknown;
    for key in path {
        if current == &Value::Bool(true) {
            return true;
        }
        match step(current, key) {
            Some(next) => current = next,
            None => return false,
        }
    }
    any_true(current)
}

impl<'p> Values<'p> {
    pub fn get(&self, instance: &Instance, path: &[&str]) -> V {
        self.get_depth(instance, path, 0)
    }

    fn get_depth(&self, instance: &Instance, path: &[&str], depth: usize) -> V {
        let Some(after) = &instance.after else {
            return V::Unset;
        };
        if unknown_at(&instance.after_unknown, path) {
            return self.resolve(instance, path, depth);
        }
        match lookup(after, path) {
            None | Some(Value::Null) => V::Unset,
            Some(value) => V::Set(value.clone()),
        }
    }

    /// A string attribute; a one-element list resolved from references counts.
    pub fn string(&self, instance: &Instance, path: &[&str]) -> V {
        match self.get(instance, path) {
            V::Set(Value::String(text)) if text.is_empty() => V::Unset,
            V::Set(Value::Array(items)) if items.len() == 1 => match &items[0] {
                Value::String(text) => V::Set(Value::String(text.clone())),
                _ => V::Unknown,
            },
            V::Set(Value::String(text)) => V::Set(Value::String(text)),
            V::Set(Value::Number(n)) => V::Set(Value::String(n.to_string())),
            V::Set(Value::Bool(b)) => V::Set(Value::String(b.to_string())),
            V::Set(_) => V::Unknown,
            other => other,
        }
    }

    /// `Some(text)` when known and set, `None` when unset; `Err(())` when unknown.
    pub fn text(&self, instance: &Instance, path: &[&str]) -> Result<Option<String>, ()> {
        match self.string(instance, path) {
            V::Set(Value::String(text)) => Ok(Some(text)),
            V::Set(_) | V::Unknown => Err(()),
            V::Unset => Ok(None),
        }
    }

    /// A list (or set) of strings: the known elements and those resolved from references.
    pub fn strings(&self, instance: &Instance, path: &[&str]) -> Result<Vec<String>, ()> {
        let flatten = |value: &Value, out: &mut Vec<String>| -> bool {
            match value {
                Value::String(text) if !text.is_empty() => {
                    out.push(text.clone());
                    true
                }
                Value::Array(items) => items.iter().all(|item| match item {
                    Value::String(text) => {
                        if !text.is_empty() {
                            out.push(text.clone());
                        }
                        true
                    }
                    Value::Null => true,
                    _ => false,
                }),
                Value::Null => true,
                _ => false,
            }
        };
        let mut out = Vec::new();
        match self.get(instance, path) {
            V::Set(value) => {
                if !flatten(&value, &mut out) {
                    return Err(());
                }
            }
            V::Unset => {}
            V::Unknown => return Err(()),
        }
        // Known elements beside resolved ones (a set with some unknown members).
        if unknown_at(&instance.after_unknown, path)
            && let Some(known) = instance.after.as_ref().and_then(|a| lookup(a, path))
        {
            let mut known_items = Vec::new();
            flatten(known, &mut known_items);
            out.extend(known_items);
        }
        out.sort();
        out.dedup();
        Ok(out)
    }

    pub fn number(&self, instance: &Instance, path: &[&str]) -> Result<Option<i64>, ()> {
        match self.get(instance, path) {
            V::Set(Value::Number(n)) => n.as_i64().map(Some).ok_or(()),
            V::Set(Value::String(text)) => text.parse().map(Some).map_err(|_| ()),
            V::Set(_) | V::Unknown => Err(()),
            V::Unset => Ok(None),
        }
    }

    pub fn boolean(&self, instance: &Instance, path: &[&str]) -> Result<Option<bool>, ()> {
        match self.get(instance, path) {
            V::Set(Value::Bool(b)) => Ok(Some(b)),
            V::Set(Value::String(text)) => text.parse().map(Some).map_err(|_| ()),
            V::Set(_) | V::Unknown => Err(()),
            V::Unset => Ok(None),
        }
    }

    /// The configuration expression of an attribute (a block's attribute: its first block).
    pub fn expression(&self, instance: &Instance, path: &[&str]) -> Option<&'p Value> {
        let mut current = self.plan.config_resource(instance)?.get("expressions")?;
        for key in path {
            current = match step(current, key) {
                Some(next) => next,
                None if key.parse::<usize>().is_ok() => continue,
                None => return None,
            };
            if let Value::Array(blocks) = current
                && blocks.len() == 1
                && blocks[0].is_object()
                && blocks[0].get("references").is_none()
                && blocks[0].get("constant_value").is_none()
            {
                current = &blocks[0];
            }
        }
        Some(current)
    }

    /// Whether the configuration sets the attribute or block at all.
    pub fn configured(&self, instance: &Instance, key: &str) -> bool {
        self.plan
            .config_resource(instance)
            .and_then(|resource| resource.get("expressions"))
            .and_then(|expressions| expressions.get(key))
            .is_some()
    }

    fn resolve(&self, instance: &Instance, path: &[&str], depth: usize) -> V {
        let Some(expression) = self.expression(instance, path) else {
            return V::Unknown;
        };
        self.evaluate(expression, &instance.module, instance.index.as_ref(), depth)
    }

    /// An expression (`constant_value` or `references`) as a value, in `module`.
    fn evaluate(&self, expression: &Value, module: &str, index: Option<&Value>, depth: usize) -> V {
        if depth > MAX_DEPTH {
            return V::Unknown;
        }
        if let Some(constant) = expression.get("constant_value") {
            return if constant.is_null() {
                V::Unset
            } else {
                V::Set(constant.clone())
            };
        }
        let Some(references) = expression.get("references").and_then(Value::as_array) else {
            return V::Unknown;
        };
        let references: Vec<&str> = references.iter().filter_map(Value::as_str).collect();
        // `aws_security_group.tasks.id` and `aws_security_group.tasks` both appear: keep the
        // most precise of each.
        let precise: Vec<&str> = references
            .iter()
            .copied()
            .filter(|reference| {
                !references.iter().any(|other| {
                    other.len() > reference.len()
                        && other.starts_with(reference)
                        && matches!(other.as_bytes()[reference.len()], b'.' | b'[')
                })
            })
            .collect();
        if precise.is_empty() {
            return V::Unknown;
        }
        let mut values = Vec::new();
        // `count.index`, `each.key`: the instance's key, which picks among the others.
        let precise: Vec<&str> = precise
            .into_iter()
            .filter(|reference| {
                !["count.", "each.", "self.", "path.", "terraform."]
                    .iter()
                    .any(|prefix| reference.starts_with(prefix))
            })
            .collect();
        if precise.is_empty() {
            return V::Unknown;
        }
        for reference in precise {
            match self.reference(reference, module, index, depth + 1) {
                Some(Value::Array(items)) => values.extend(items),
                Some(value) => values.push(value),
                None => return V::Unknown,
            }
        }
        if values.len() == 1 {
            V::Set(values.remove(0))
        } else {
            V::Set(Value::Array(values))
        }
    }

    /// One reference (`var.x`, `module.m.out`, `aws_x.y.attr`, `data.aws_x.y.attr`) in `module`.
    fn reference(
        &self,
        reference: &str,
        module: &str,
        index: Option<&Value>,
        depth: usize,
    ) -> Option<Value> {
        let parts = segments(reference);
        let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
        match parts.as_slice() {
            ["var", name, ..] => {
                let name = name.split('[').next()?;
                if module.is_empty() {
                    return self.plan.variables.get(name).cloned();
                }
                let (parent, call) = split_last_call(module)?;
                let expression = self
                    .plan
                    .config_module(parent)?
                    .get("module_calls")?
                    .get(call)?
                    .get("expressions")?
                    .get(name)?;
                match self.evaluate(expression, parent, None, depth) {
                    V::Set(value) => Some(value),
                    _ => None,
                }
            }
            ["module", call, output, ..] => {
                let call = call.split('[').next()?;
                let child = if module.is_empty() {
                    format!("module.{call}")
                } else {
                    format!("{module}.module.{call}")
                };
                let expression = self
                    .plan
                    .config_module(&child)?
                    .get("outputs")?
                    .get(*output)?
                    .get("expression")?;
                match self.evaluate(expression, &child, None, depth) {
                    V::Set(value) => Some(value),
                    _ => None,
                }
            }
            ["data", kind, name, rest @ ..] => {
                self.resource_reference(module, &format!("data.{kind}"), name, rest, index, depth)
            }
            [first, ..]
                if matches!(
                    *first,
                    "local" | "each" | "count" | "path" | "terraform" | "self"
                ) =>
            {
                None
            }
            [kind, name, rest @ ..] => {
                self.resource_reference(module, kind, name, rest, index, depth)
            }
            _ => None,
        }
    }

    fn resource_reference(
        &self,
        module: &str,
        kind: &str,
        name_and_key: &str,
        attributes: &[&str],
        index: Option<&Value>,
        depth: usize,
    ) -> Option<Value> {
        let (name, key) = match name_and_key.split_once('[') {
            Some((name, key)) => (name, Some(key.trim_end_matches(']'))),
            None => (name_and_key, None),
        };
        // `[count.index]`, `[each.key]`: the referring instance's own key.
        let own_key;
        let key = match key {
            Some("count.index" | "each.key") => {
                own_key = match index? {
                    Value::String(text) => format!("{text:?}"),
                    other => other.to_string(),
                };
                Some(own_key.as_str())
            }
            Some(key) if key.contains('.') || key.contains('(') => return None,
            other => other,
        };
        let base = format!("{kind}.{name}");
        let candidates: Vec<&Instance> = self
            .plan
            .instances
            .iter()
            .filter(|instance| instance.module == module && instance.local_base() == base)
            .collect();
        let target = match key {
            Some(key) => candidates
                .iter()
                .find(|instance| instance.address.ends_with(&format!("[{key}]")))
                .copied(),
            None if candidates.len() == 1 => Some(candidates[0]),
            None => {
                if let Some(same) = candidates
                    .iter()
                    .find(|instance| index.is_some() && instance.index.as_ref() == index)
                {
                    Some(*same)
                } else if candidates.len() > 1 {
                    // The whole `count`/`for_each` resource (`aws_subnet.private[*].id`).
                    let values: Option<Vec<Value>> = candidates
                        .iter()
                        .map(|instance| self.attribute(instance, attributes, depth))
                        .collect();
                    return values.map(Value::Array);
                } else {
                    None
                }
            }
        }?;
        self.attribute(target, attributes, depth)
    }

    /// An attribute of another instance, as a reference reads it.
    fn attribute(&self, target: &Instance, attributes: &[&str], depth: usize) -> Option<Value> {
        if target.action == Action::Delete {
            return None;
        }
        let attributes: Vec<&str> = attributes
            .iter()
            .map(|a| a.split('[').next().unwrap_or(a))
            .collect();
        let first = attributes.first().copied().unwrap_or("id");
        let by_id = first == "id"
            || (first == "arn"
                && matches!(
                    target.kind.as_str(),
                    "aws_iam_role"
                        | "aws_ecr_repository"
                        | "aws_ecs_task_definition"
                        | "aws_iam_policy"
                        | "aws_ecs_cluster"
                ));
        if by_id && attributes.len() <= 1 && target.mode == Mode::Managed {
            return self.ids.get(&target.address).cloned().map(Value::String);
        }
        match self.get_depth(target, &attributes, depth) {
            V::Set(value) => Some(value),
            V::Unset => None,
            V::Unknown => match (target.kind.as_str(), first) {
                ("aws_vpc_endpoint", "prefix_list_id") => {
                    self.s3_prefix_list.clone().map(Value::String)
                }
                ("aws_ecr_repository", "repository_url") => {
                    let arn = self.ids.get(&target.address)?;
                    let (_, rest) = arn.split_once(":repository/")?;
                    let parts: Vec<&str> = arn.split(':').collect();
                    Some(Value::String(format!(
                        "{}.dkr.ecr.{}.amazonaws.com/{rest}",
                        parts.get(4)?,
                        parts.get(3)?
                    )))
                }
                ("aws_iam_role" | "aws_ecs_cluster", "name") => {
                    let arn = self.ids.get(&target.address)?;
                    Some(Value::String(arn.rsplit('/').next()?.to_string()))
                }
                _ => None,
            },
        }
    }
}

/// `module.a.module.b[0]` → (`module.a`, `b`).
fn split_last_call(module: &str) -> Option<(&str, &str)> {
    let at = module.rfind("module.")?;
    let parent = module[..at].trim_end_matches('.');
    let call = &module[at + "module.".len()..];
    Some((parent, call.split('[').next()?))
}

/// `aws_subnet.private[count.index].id` → `aws_subnet`, `private[count.index]`, `id`: dots
/// inside brackets do not split.
fn segments(reference: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut depth = 0usize;
    let mut quoted = false;
    for c in reference.chars() {
        match c {
            '"' => quoted = !quoted,
            '[' if !quoted => depth += 1,
            ']' if !quoted => depth = depth.saturating_sub(1),
            '.' if depth == 0 && !quoted => {
                out.push(std::mem::take(&mut current));
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    out.push(current);
    out
}
