//! `vars:` (deprecated in kustomize, still common): `$(NAME)` in the var-reference fields is replaced by a field of
//! another object, after all names are final.

use crate::kustomize::KustomizeError;
use crate::kustomize::fieldspec;
use crate::kustomize::types::{FieldSpec, Var};
use crate::resource::Resource;
use crate::yaml::PathSeg;
use serde_yaml::Value;
use std::collections::BTreeMap;

/// Read a field by kustomize's dotted path (`spec.ports[0].port`, `metadata.name`).
pub fn lookup(v: &Value, path: &str) -> Option<Value> {
    lookup_at(v, path).map(|(_, found)| found.clone())
}

/// [`lookup`], with the concrete path of the field found.
pub fn lookup_at<'a>(v: &'a Value, path: &str) -> Option<(Vec<PathSeg>, &'a Value)> {
    let mut cur = v;
    let mut at = Vec::new();
    for part in split_dotted(path) {
        let (name, index) = match part.find('[') {
            Some(i) if part.ends_with(']') => (&part[..i], Some(&part[i + 1..part.len() - 1])),
            _ => (part.as_str(), None),
        };
        if !name.is_empty() {
            cur = match (cur, name.parse::<usize>()) {
                (Value::Sequence(items), Ok(i)) => {
                    at.push(PathSeg::Index(i));
                    items.get(i)?
                }
                (Value::Sequence(items), Err(_)) if name.contains('=') => {
                    let (k, v) = name.trim_start_matches('[').trim_end_matches(']').split_once('=')?;
                    let i = items.iter().position(|x| x.get(k).and_then(scalar_text).as_deref() == Some(v))?;
                    at.push(PathSeg::Index(i));
                    &items[i]
                }
                _ => {
                    at.push(PathSeg::Key(name.to_string()));
                    cur.get(name)?
                }
            };
        }
        if let Some(idx) = index {
            let i = idx.parse::<usize>().ok()?;
            at.push(PathSeg::Index(i));
            cur = cur.get(i)?;
        }
    }
    Some((at, cur))
}

fn split_dotted(path: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut depth = 0;
    for c in path.chars() {
        match c {
            '[' => {
                depth += 1;
                cur.push(c)
            }
            ']' => {
                depth -= 1;
                cur.push(c)
            }
            '.' if depth == 0 => out.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    out.push(cur);
    out
}

fn scalar_text(v: &Value) -> Option<String> {
    crate::resource::scalar_string(v)
}

/// Resolve every var to its value.
pub fn resolve_values(resources: &[Resource], vars: &[Var]) -> Result<BTreeMap<String, Value>, KustomizeError> {
    let mut out = BTreeMap::new();
    for var in vars {
        let r = resources.iter().find(|r| r.build.ref_var_names.contains(&var.name)).ok_or_else(|| {
            KustomizeError::Transform {
                message: format!("var '{}' cannot be mapped to a field in the set of known resources", var.name),
            }
        })?;
        let path = if var.fieldref.field_path.is_empty() { "metadata.name" } else { &var.fieldref.field_path };
        let not_found = || KustomizeError::Transform {
            message: format!("var '{}': field '{path}' not found in {}", var.name, r.cur_id()),
        };
        let (at, found) = lookup_at(&r.value, path).ok_or_else(not_found)?;
        let written = super::replacements::written_text(r, &at, found);
        let value = var_value(found, written).ok_or_else(not_found)?;
        if value.is_null() {
            // kustomize substitutes the text written there (`~`, `null`, nothing), which the parsed value no longer
            // carries: refused rather than substituted differently.
            return Err(KustomizeError::Unsupported {
                field: "vars".into(),
                file: r.origin.file.clone(),
                detail: format!("var '{}' reads '{path}' of {}, which is null", var.name, r.cur_id()),
            });
        }
        out.insert(var.name.clone(), value);
    }
    Ok(out)
}

/// A var's value as kustomize reads it from the field's node (kyaml's `RNode.GetFieldValue`): by the node's tag, from
/// the text written. An int goes through Go's `strconv.Atoi` (`0755` is 755, `0x1F` fails), a float through
/// `ParseFloat` (`.inf` fails), a timestamp stays the text written. `None` where kustomize fails to read it.
fn var_value(v: &Value, written: Option<String>) -> Option<Value> {
    let text = || written.clone().or_else(|| scalar_text(v)).unwrap_or_default();
    match v {
        Value::Number(n) if n.is_f64() => {
            let t = text();
            let decimal = t.trim_start_matches(['+', '-']);
            let special = ["inf", "infinity", "nan"].iter().any(|w| decimal.eq_ignore_ascii_case(w));
            let plain = !decimal.is_empty()
                && decimal.chars().all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '+' | '-'))
                && decimal.chars().next().is_some_and(|c| c.is_ascii_digit() || c == '.');
            if !plain && !special {
                return None;
            }
            t.parse::<f64>().ok().map(Value::from)
        }
        Value::Number(_) => {
            let t = text();
            let digits = t.strip_prefix(['+', '-']).unwrap_or(&t);
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            t.parse::<i64>().ok().map(Value::from)
        }
        Value::String(_) => Some(Value::String(text())),
        other => Some(other.clone()),
    }
}

/// How kustomize writes a var's value into the middle of a string: Go's `%v` (a float as `strconv.FormatFloat(f, 'g',
/// -1, 64)`: 1e-06, 1.0000005e+06).
fn embedded_text(v: &Value) -> String {
    match v {
        Value::Number(n) if n.is_f64() => crate::yaml::emit::go_format_g(n.as_f64().unwrap_or_default()),
        other => scalar_text(other).unwrap_or_default(),
    }
}

/// Expand `$(NAME)` like Kubernetes does: `$$` escapes, unknown names stay as written.
fn expand(s: &str, values: &BTreeMap<String, Value>, used: &mut Vec<String>) -> Value {
    // A string that is exactly one reference takes the var's value with its type (a port stays a number).
    if let Some(name) = s.strip_prefix("$(").and_then(|r| r.strip_suffix(')'))
        && let Some(v) = values.get(name)
    {
        used.push(name.to_string());
        return v.clone();
    }
    let mut out = String::new();
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'$' && i + 1 < bytes.len() {
            if bytes[i + 1] == b'$' {
                out.push('$');
                i += 2;
                continue;
            }
            if bytes[i + 1] == b'('
                && let Some(end) = s[i + 2..].find(')')
            {
                let name = &s[i + 2..i + 2 + end];
                if let Some(v) = values.get(name) {
                    used.push(name.to_string());
                    out.push_str(&embedded_text(v));
                    i += end + 3;
                    continue;
                }
            }
        }
        let ch = s[i..].chars().next().expect("in bounds");
        out.push(ch);
        i += ch.len_utf8();
    }
    Value::String(out)
}

/// A string here that kustomize still holds as a timestamp node (written plain inside a flow list; see
/// `crate::yaml::parse`): not a string to its vars filter.
fn typed_in_kustomize(place: &[PathSeg], texts: &crate::yaml::ScalarTexts) -> bool {
    texts.iter().any(|(p, t)| p == place && crate::yaml::parse::plain_scalar(t) != Value::String(t.clone()))
}

/// kustomize's refvar filter (api/filters/refvar/refvar.go, `set`): a string is expanded, another scalar left
/// alone; a map's string values are expanded (one level); every item of a list must be a string node, else the
/// build fails ("invalid value type expect a string").
fn expand_node(
    v: &mut Value,
    at: &[PathSeg],
    texts: &crate::yaml::ScalarTexts,
    values: &BTreeMap<String, Value>,
    used: &mut Vec<String>,
) -> Result<(), String> {
    match v {
        Value::String(s) => *v = expand(s, values, used),
        Value::Mapping(m) => {
            for (_, x) in m.iter_mut() {
                if let Value::String(s) = x {
                    *x = expand(s, values, used);
                }
            }
        }
        Value::Sequence(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                let Value::String(s) = item else { return Err("invalid value type expect a string".into()) };
                if typed_in_kustomize(&[at, &[PathSeg::Index(i)]].concat(), texts) {
                    return Err("invalid value type expect a string".into());
                }
                *item = expand(s, values, used);
            }
        }
        _ => {}
    }
    Ok(())
}

/// A replacement-created number or boolean is an untagged node in kustomize, which the vars filter reads as a string
/// (see `BuildState::untagged`): the node at `at`, a map's values, a list's items.
fn as_strings_where_untagged(at: &[PathSeg], v: &mut Value, untagged: &crate::yaml::ScalarTexts) {
    if untagged.is_empty() {
        return;
    }
    // Only while the field still holds what the replacement wrote: a later writer gave it a tag.
    let retext = |place: &[PathSeg], x: &mut Value| {
        if let Some((_, text)) = untagged.iter().find(|(p, _)| p == place)
            && crate::yaml::parse::plain_scalar(text) == *x
        {
            *x = Value::String(text.clone());
        }
    };
    let mut place = at.to_vec();
    match v {
        Value::Mapping(m) => {
            for (k, x) in m.iter_mut() {
                let Some(k) = k.as_str() else { continue };
                place.push(PathSeg::Key(k.to_string()));
                retext(&place, x);
                place.pop();
            }
        }
        Value::Sequence(items) => {
            for (i, x) in items.iter_mut().enumerate() {
                place.push(PathSeg::Index(i));
                retext(&place, x);
                place.pop();
            }
        }
        _ => retext(&place, v),
    }
}

pub fn apply(resources: &mut [Resource], vars: &[Var], refs: &[FieldSpec]) -> Result<(), KustomizeError> {
    if vars.is_empty() {
        return Ok(());
    }
    let values = resolve_values(resources, vars)?;
    let mut used = Vec::new();
    for r in resources.iter_mut() {
        let gvk = r.gvk();
        let untagged = std::mem::take(&mut r.build.untagged);
        let texts = std::mem::take(&mut r.build.scalar_texts);
        for fs in refs {
            if fieldspec::selects(fs, &gvk) {
                fieldspec::apply_at(&mut r.value, fs, None, &mut |at, v| {
                    as_strings_where_untagged(at, v, &untagged);
                    expand_node(v, at, &texts, &values, &mut used)
                })?;
            }
        }
        r.build.untagged = untagged;
        r.build.scalar_texts = texts;
    }
    Ok(())
}
