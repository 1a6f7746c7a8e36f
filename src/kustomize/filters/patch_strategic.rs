//! Strategic merge patches, with kustomize's (kyaml merge2) rules: maps merge by field, scalars and lists are
//! replaced, except lists whose Kubernetes type merges them by key (containers by name, ...: see `specs`).
//! `null` deletes a field; `$patch: delete|replace|merge` directives apply to maps and list elements.

use crate::kustomize::KustomizeError;
use crate::kustomize::specs::{self, ListStrategy, SchemaType};
use serde_yaml::{Mapping, Value};
use std::collections::HashMap;

/// A custom OpenAPI document (kustomization `openapi: {path: ...}`): definitions and the GVKs they describe.
#[derive(Debug, Default)]
pub struct CustomSchema {
    definitions: serde_json::Map<String, serde_json::Value>,
    by_gvk: HashMap<(String, String, String), String>,
}

impl CustomSchema {
    pub fn parse(doc: serde_json::Value) -> Result<CustomSchema, String> {
        let definitions = doc
            .get("definitions")
            .and_then(|d| d.as_object())
            .cloned()
            .ok_or("no 'definitions' in the OpenAPI document")?;
        let mut by_gvk = HashMap::new();
        for (name, def) in &definitions {
            for gvk in def.get("x-kubernetes-group-version-kind").and_then(|g| g.as_array()).into_iter().flatten() {
                let get = |k: &str| gvk.get(k).and_then(|v| v.as_str()).unwrap_or("").to_string();
                by_gvk.insert((get("group"), get("version"), get("kind")), name.clone());
            }
        }
        Ok(CustomSchema { definitions, by_gvk })
    }

    /// A node's schema: its own definition, or, for a `$ref` into Kubernetes types the document does not define,
    /// kustomize's built-in schema (a custom document adds to the built-in one).
    fn schema_of<'a>(&'a self, node: &'a serde_json::Value) -> Schema<'a> {
        let resolved = self.resolve(node);
        match resolved.get("$ref").and_then(|r| r.as_str()).and_then(|r| r.strip_prefix("#/definitions/")) {
            Some(name) => builtin_definition(name).map(Schema::Builtin).unwrap_or(Schema::Unknown),
            None => Schema::Custom(self, resolved),
        }
    }

    fn resolve<'a>(&'a self, node: &'a serde_json::Value) -> &'a serde_json::Value {
        let mut cur = node;
        for _ in 0..32 {
            match cur.get("$ref").and_then(|r| r.as_str()).and_then(|r| r.strip_prefix("#/definitions/")) {
                Some(name) => match self.definitions.get(name) {
                    Some(d) => cur = d,
                    None => return cur,
                },
                None => return cur,
            }
        }
        cur
    }
}

fn builtin_definition(name: &str) -> Option<SchemaType> {
    Some(match name.rsplit('.').next()? {
        "ObjectMeta" => SchemaType::ObjectMeta,
        "PodTemplateSpec" => SchemaType::PodTemplateSpec,
        "PodSpec" => SchemaType::PodSpec,
        "Container" => SchemaType::Container,
        "JobTemplateSpec" => SchemaType::JobTemplateSpec,
        "JobSpec" => SchemaType::JobSpec,
        "ServiceSpec" => SchemaType::ServiceSpec,
        _ => return None,
    })
}

/// Where a node sits in the schema: the built-in Kubernetes table, a custom OpenAPI node, or nowhere.
#[derive(Clone, Copy)]
pub enum Schema<'a> {
    Builtin(SchemaType),
    Custom(&'a CustomSchema, &'a serde_json::Value),
    Unknown,
}

impl<'a> Schema<'a> {
    fn field(self, key: &Value) -> (Schema<'a>, Option<ListStrategy<'a>>) {
        let Some(k) = key.as_str() else { return (Schema::Unknown, None) };
        match self {
            Schema::Builtin(t) => {
                let (child, list) = specs::field_schema(t, k);
                (Schema::Builtin(child), list)
            }
            Schema::Custom(cs, node) => {
                let Some(prop) = cs.resolve(node).get("properties").and_then(|p| p.get(k)) else {
                    return (Schema::Unknown, None);
                };
                let prop = cs.resolve(prop);
                let merge = prop
                    .get("x-kubernetes-patch-strategy")
                    .and_then(|v| v.as_str())
                    .is_some_and(|s| s.split(',').any(|x| x == "merge"));
                let list = merge.then(|| match prop.get("x-kubernetes-patch-merge-key").and_then(|v| v.as_str()) {
                    Some(key) => ListStrategy::MergeByKey(key),
                    None => ListStrategy::MergeScalars,
                });
                let child = prop.get("items").unwrap_or(prop);
                (cs.schema_of(child), list)
            }
            Schema::Unknown => (Schema::Unknown, None),
        }
    }
}

const DIRECTIVE: &str = "$patch";

#[derive(Debug, PartialEq)]
enum Directive {
    Merge,
    Replace,
    Delete,
}

fn map_directive(m: &mut Mapping) -> Result<Directive, String> {
    let Some(v) = m.remove(DIRECTIVE) else { return Ok(Directive::Merge) };
    match v.as_str() {
        Some("delete") => Ok(Directive::Delete),
        Some("replace") => Ok(Directive::Replace),
        Some("merge") => Ok(Directive::Merge),
        _ => Err(format!("unknown patch strategy '{}'", serde_yaml::to_string(&v).unwrap_or_default().trim())),
    }
}

/// A list-level directive is an element that holds only `$patch`.
fn list_directive(items: &mut Vec<Value>) -> Result<Directive, String> {
    let pos = items.iter().position(|i| i.as_mapping().is_some_and(|m| m.len() == 1 && m.contains_key(DIRECTIVE)));
    let Some(pos) = pos else { return Ok(Directive::Merge) };
    let mut m = items.remove(pos).as_mapping().cloned().unwrap_or_default();
    map_directive(&mut m)
}

/// Merge `patch` into `target` (a whole object). Returns None when the patch deletes the object.
/// A custom OpenAPI document adds its definitions to kustomize's built-in schema for the whole build.
pub fn merge_object(
    target: &Value,
    patch: &Value,
    custom: Option<&CustomSchema>,
) -> Result<Option<Value>, KustomizeError> {
    let api = target.get("apiVersion").and_then(Value::as_str).unwrap_or("");
    let (group, version) = api.rsplit_once('/').unwrap_or(("", api));
    let kind = target.get("kind").and_then(Value::as_str).unwrap_or("");
    let schema = match custom {
        None => Schema::Builtin(specs::root_schema(group, kind)),
        Some(cs) => match cs
            .by_gvk
            .get(&(group.to_string(), version.to_string(), kind.to_string()))
            .and_then(|n| cs.definitions.get(n))
        {
            Some(def) => Schema::Custom(cs, def),
            None => Schema::Builtin(specs::root_schema(group, kind)),
        },
    };
    merge_map_value(Some(target.clone()), patch.clone(), schema, "")
        .map_err(|message| KustomizeError::Transform { message: format!("strategic merge patch: {message}") })
}

fn kind_name(v: &Value) -> &'static str {
    match v {
        Value::Mapping(_) => "map",
        Value::Sequence(_) => "list",
        Value::Null => "null",
        _ => "scalar",
    }
}

/// Walk a node. `dest` is absent when only the patch has the field.
fn merge_value(
    dest: Option<Value>,
    patch: Option<Value>,
    schema: Schema<'_>,
    list: Option<ListStrategy<'_>>,
    path: &str,
) -> Result<Option<Value>, String> {
    // The first present, non-null source decides the kind of node, as in kyaml's walker.
    let lead = [dest.as_ref(), patch.as_ref()].into_iter().flatten().find(|v| !v.is_null()).cloned();
    match lead {
        // A null only the original has stays (kubectl kustomize keeps `key: null` beside a patched field).
        None if patch.is_none() => Ok(dest),
        None => Ok(None), // null in the patch: the field is cleared
        Some(Value::Mapping(_)) => {
            check_kind(&dest, &patch, "map", path)?;
            match patch {
                Some(p) => merge_map_value(dest, p, schema, path),
                None => Ok(Some(clean(dest.expect("lead came from dest"), schema))),
            }
        }
        Some(Value::Sequence(_)) => {
            check_kind(&dest, &patch, "list", path)?;
            merge_list(dest, patch, schema, list, path)
        }
        Some(_) => {
            check_kind(&dest, &patch, "scalar", path)?;
            Ok(match patch {
                Some(Value::Null) => None,
                Some(p) => Some(p),
                None => dest,
            })
        }
    }
}

fn check_kind(dest: &Option<Value>, patch: &Option<Value>, want: &str, path: &str) -> Result<(), String> {
    for v in [dest, patch].into_iter().flatten() {
        if !v.is_null() && kind_name(v) != want {
            return Err(format!("field '{path}': cannot merge a {} with a {want}", kind_name(v)));
        }
    }
    Ok(())
}

/// A dest-only subtree is still walked by kyaml: its directives are dropped (its nulls stay, as kubectl prints them).
fn clean(v: Value, schema: Schema<'_>) -> Value {
    match v {
        Value::Mapping(m) => {
            let mut out = Mapping::new();
            for (k, child) in m {
                let (child_schema, list) = schema.field(&k);
                let child = match child {
                    Value::Sequence(items) if list.is_some() => {
                        Value::Sequence(items.into_iter().map(|i| clean(i, child_schema)).collect())
                    }
                    other @ Value::Mapping(_) => clean(other, child_schema),
                    other => other,
                };
                out.insert(k, child);
            }
            Value::Mapping(out)
        }
        other => other,
    }
}

fn merge_map_value(dest: Option<Value>, patch: Value, schema: Schema<'_>, path: &str) -> Result<Option<Value>, String> {
    let Value::Mapping(mut patch) = patch else {
        return if patch.is_null() { Ok(None) } else { Err(format!("field '{path}': expected a map")) };
    };
    let directive = map_directive(&mut patch)?;
    let dest = dest.filter(|d| !d.is_null());
    let Some(dest) = dest else {
        if directive == Directive::Delete {
            return Ok(None);
        }
        // Added as written, but walked: nested nulls and directives are resolved against nothing.
        return merge_fields(Mapping::new(), patch, schema, path).map(|m| Some(Value::Mapping(m)));
    };
    match directive {
        Directive::Delete => Ok(None),
        Directive::Replace => merge_fields(Mapping::new(), patch, schema, path).map(|m| Some(Value::Mapping(m))),
        Directive::Merge => {
            let Value::Mapping(dest) = dest else { return Err(format!("field '{path}': expected a map")) };
            merge_fields(dest, patch, schema, path).map(|m| Some(Value::Mapping(m)))
        }
    }
}

fn merge_fields(dest: Mapping, mut patch: Mapping, schema: Schema<'_>, path: &str) -> Result<Mapping, String> {
    let mut out = Mapping::new();
    for (k, dv) in dest {
        let pv = patch.remove(&k);
        let (child_schema, list) = schema.field(&k);
        let child_path = child_path(path, &k);
        if let Some(v) = merge_value(Some(dv), pv, child_schema, list, &child_path)? {
            out.insert(k, v);
        }
    }
    // Fields only the patch has, in the (sorted) order kyaml adds them.
    let mut rest: Vec<(Value, Value)> = patch.into_iter().collect();
    rest.sort_by(|a, b| a.0.as_str().unwrap_or("").cmp(b.0.as_str().unwrap_or("")));
    for (k, pv) in rest {
        if k.as_str().is_some_and(|s| {
            s.starts_with("$setElementOrder/")
                || s.starts_with("$retainKeys")
                || s.starts_with("$deleteFromPrimitiveList/")
        }) {
            continue;
        }
        let (child_schema, list) = schema.field(&k);
        let child_path = child_path(path, &k);
        if let Some(v) = merge_value(None, Some(pv), child_schema, list, &child_path)? {
            out.insert(k, v);
        }
    }
    Ok(out)
}

fn child_path(path: &str, k: &Value) -> String {
    let k = k.as_str().unwrap_or("?");
    if path.is_empty() { k.to_string() } else { format!("{path}.{k}") }
}

fn merge_list(
    dest: Option<Value>,
    patch: Option<Value>,
    schema: Schema<'_>,
    list: Option<ListStrategy<'_>>,
    path: &str,
) -> Result<Option<Value>, String> {
    let dest_items = match dest {
        Some(Value::Sequence(s)) => Some(s),
        _ => None,
    };
    let patch_items = match patch {
        Some(Value::Sequence(s)) => Some(s),
        Some(Value::Null) => return Ok(None),
        _ => None,
    };
    let Some(strategy) = list else {
        // Non-associative: the patch's list wins as written.
        return Ok(patch_items.or(dest_items).map(Value::Sequence));
    };
    let Some(mut patch_items) = patch_items else {
        return Ok(dest_items.map(|items| Value::Sequence(items.into_iter().map(|i| clean(i, schema)).collect())));
    };
    let directive = list_directive(&mut patch_items)?;
    let Some(dest_items) = dest_items else {
        if directive == Directive::Delete {
            return Ok(None);
        }
        return Ok(Some(Value::Sequence(patch_items)));
    };
    match directive {
        Directive::Delete => Ok(None),
        Directive::Replace => Ok(Some(Value::Sequence(patch_items))),
        Directive::Merge => match strategy {
            ListStrategy::MergeScalars => {
                let mut out: Vec<Value> = Vec::new();
                for v in patch_items.into_iter().chain(dest_items) {
                    if !out.contains(&v) {
                        out.push(v);
                    }
                }
                Ok(Some(Value::Sequence(out)))
            }
            ListStrategy::MergeByKey(key) => {
                merge_keyed(dest_items, patch_items, key, schema, path).map(|v| Some(Value::Sequence(v)))
            }
        },
    }
}

fn key_of(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(crate::resource::scalar_string)
}

/// kustomize merges with "prepend": the patch's elements come first, in patch order (merged with the target's
/// element of the same key), then the target's other elements in their order. Patch elements without the key are
/// dropped, target elements without it kept at the end, as kyaml does.
fn merge_keyed(
    dest: Vec<Value>,
    patch: Vec<Value>,
    key: &str,
    schema: Schema<'_>,
    path: &str,
) -> Result<Vec<Value>, String> {
    let mut dest: Vec<Option<Value>> = dest.into_iter().map(Some).collect();
    let mut out = Vec::new();
    let mut seen: Vec<String> = Vec::new();
    for p in patch {
        let Some(k) = key_of(&p, key) else { continue };
        if seen.contains(&k) {
            continue;
        }
        seen.push(k.clone());
        let idx = dest.iter().position(|d| d.as_ref().and_then(|d| key_of(d, key)).as_deref() == Some(k.as_str()));
        let elem_path = format!("{path}[{key}={k}]");
        let existing = idx.and_then(|i| dest[i].take());
        if let Some(mut v) = merge_map_value(existing, p, schema, &elem_path)? {
            if v.as_mapping().is_some_and(Mapping::is_empty) {
                continue;
            }
            if let Some(m) = v.as_mapping_mut()
                && !m.contains_key(key)
            {
                m.insert(key.into(), Value::String(k));
            }
            out.push(v);
        }
    }
    let mut keyless = Vec::new();
    for d in dest.into_iter().flatten() {
        match key_of(&d, key) {
            Some(_) => out.push(clean(d, schema)),
            None => keyless.push(clean(d, schema)),
        }
    }
    out.extend(keyless);
    Ok(out)
}
