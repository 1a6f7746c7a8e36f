//! JSON patches (RFC 6902) over an object: add, remove, replace, move, copy, test.

use crate::kustomize::KustomizeError;
use serde_yaml::Value;

#[derive(Debug, Clone)]
pub struct Operation {
    pub op: String,
    pub path: String,
    pub from: Option<String>,
    pub value: Option<Value>,
}

/// Parse a JSON or YAML list of operations as kustomize does (api/filters/patchjson6902, decodePatch): text that
/// starts with `[` is JSON; anything else goes through sigs.k8s.io/yaml's YAML-to-JSON, which reads with YAML 1.1
/// rules (`value: yes` is `true`, `value: 0755` is 493, a date stays its text).
pub fn parse(text: &str) -> Result<Vec<Operation>, String> {
    let v: Value = if text.starts_with('[') {
        serde_yaml::from_str(text).map_err(|e| e.to_string())?
    } else {
        crate::yaml::parse::parse_yaml_to_json(text).map_err(|e| format!("line {}: {}", e.line, e.message))?
    };
    let Value::Sequence(items) = v else { return Err("a JSON patch is a list of operations".into()) };
    let mut ops = Vec::new();
    for item in items {
        let m = item.as_mapping().ok_or("each JSON patch operation must be a map")?;
        let get = |k: &str| m.get(k).and_then(Value::as_str).map(str::to_string);
        let op = get("op").ok_or("JSON patch operation without 'op'")?;
        let path = get("path").ok_or("JSON patch operation without 'path'")?;
        ops.push(Operation { op, path, from: get("from"), value: m.get("value").cloned() });
    }
    Ok(ops)
}

fn tokens(pointer: &str) -> Result<Vec<String>, String> {
    if pointer.is_empty() {
        return Ok(Vec::new());
    }
    let rest = pointer.strip_prefix('/').ok_or_else(|| format!("invalid JSON pointer '{pointer}'"))?;
    Ok(rest.split('/').map(|t| t.replace("~1", "/").replace("~0", "~")).collect())
}

fn index(items: &[Value], tok: &str, allow_end: bool) -> Result<usize, String> {
    if tok == "-" && allow_end {
        return Ok(items.len());
    }
    let i: usize = tok.parse().map_err(|_| format!("invalid array index '{tok}'"))?;
    let max = if allow_end { items.len() } else { items.len().saturating_sub(1) };
    if i > max || (!allow_end && items.is_empty()) {
        return Err(format!("array index {i} out of range"));
    }
    Ok(i)
}

fn parent_mut<'a>(doc: &'a mut Value, toks: &[String]) -> Result<&'a mut Value, String> {
    let mut cur = doc;
    for t in toks {
        cur = match cur {
            Value::Mapping(m) => m.get_mut(t.as_str()).ok_or_else(|| format!("path element '{t}' not found"))?,
            Value::Sequence(s) => {
                let i = index(s, t, false)?;
                &mut s[i]
            }
            _ => return Err(format!("path element '{t}' is not in a map or list")),
        };
    }
    Ok(cur)
}

fn get(doc: &Value, toks: &[String]) -> Result<Value, String> {
    let mut cur = doc;
    for t in toks {
        cur = match cur {
            Value::Mapping(m) => m.get(t.as_str()).ok_or_else(|| format!("path element '{t}' not found"))?,
            Value::Sequence(s) => &s[index(s, t, false)?],
            _ => return Err(format!("path element '{t}' is not in a map or list")),
        };
    }
    Ok(cur.clone())
}

fn add(doc: &mut Value, toks: &[String], value: Value) -> Result<(), String> {
    let Some((last, parents)) = toks.split_last() else {
        *doc = value;
        return Ok(());
    };
    match parent_mut(doc, parents)? {
        Value::Mapping(m) => {
            m.insert(Value::String(last.clone()), value);
            Ok(())
        }
        Value::Sequence(s) => {
            let i = index(s, last, true)?;
            s.insert(i, value);
            Ok(())
        }
        _ => Err(format!("cannot add '{last}' to a scalar")),
    }
}

fn remove(doc: &mut Value, toks: &[String]) -> Result<Value, String> {
    let (last, parents) = toks.split_last().ok_or("cannot remove the whole document")?;
    match parent_mut(doc, parents)? {
        Value::Mapping(m) => m.remove(last.as_str()).ok_or_else(|| format!("path element '{last}' not found")),
        Value::Sequence(s) => {
            let i = index(s, last, false)?;
            Ok(s.remove(i))
        }
        _ => Err(format!("cannot remove '{last}' from a scalar")),
    }
}

pub fn apply(doc: &mut Value, ops: &[Operation]) -> Result<(), KustomizeError> {
    // kustomize applies the patch to the object's JSON: an object holding NaN or an infinity cannot be patched.
    if let Some(bad) = non_finite(doc) {
        return Err(KustomizeError::Transform { message: format!("json: unsupported value: {bad}") });
    }
    for op in ops {
        apply_one(doc, op).map_err(|e| KustomizeError::Transform {
            message: format!("JSON patch '{}' at '{}': {e}", op.op, op.path),
        })?;
    }
    // The patched JSON comes back through Go's json.Unmarshal (kyaml's RNode.UnmarshalJSON), where every number is
    // a float64: integers beyond 2^53 lose their low digits (9223372036854775808 prints as 9223372036854776000).
    through_float64(doc);
    Ok(())
}

fn through_float64(v: &mut Value) {
    const EXACT: u64 = 1 << 53;
    match v {
        Value::Number(n) => {
            let wide = n.as_i64().map(|i| i.unsigned_abs()).or(n.as_u64()).is_some_and(|m| m > EXACT);
            if wide && let Some(f) = n.as_f64() {
                *n = serde_yaml::Number::from(f);
            }
        }
        Value::Sequence(items) => items.iter_mut().for_each(through_float64),
        Value::Mapping(m) => m.values_mut().for_each(through_float64),
        _ => {}
    }
}

fn non_finite(v: &Value) -> Option<&'static str> {
    match v {
        Value::Number(n) => match n.as_f64() {
            Some(f) if f.is_nan() => Some("NaN"),
            Some(f) if f == f64::INFINITY => Some("+Inf"),
            Some(f) if f == f64::NEG_INFINITY => Some("-Inf"),
            _ => None,
        },
        Value::Sequence(items) => items.iter().find_map(non_finite),
        Value::Mapping(m) => m.values().find_map(non_finite),
        _ => None,
    }
}

fn apply_one(doc: &mut Value, op: &Operation) -> Result<(), String> {
    let toks = tokens(&op.path)?;
    let value = || op.value.clone().ok_or_else(|| "operation needs a 'value'".to_string());
    match op.op.as_str() {
        "add" => add(doc, &toks, value()?),
        "remove" => remove(doc, &toks).map(|_| ()),
        "replace" => {
            let target = parent_mut(doc, &toks)?;
            *target = value()?;
            Ok(())
        }
        "move" => {
            let from = tokens(op.from.as_deref().ok_or("move needs 'from'")?)?;
            let v = remove(doc, &from)?;
            add(doc, &toks, v)
        }
        "copy" => {
            let from = tokens(op.from.as_deref().ok_or("copy needs 'from'")?)?;
            let v = get(doc, &from)?;
            add(doc, &toks, v)
        }
        "test" => {
            if get(doc, &toks)? == value()? {
                Ok(())
            } else {
                Err("test failed".into())
            }
        }
        other => Err(format!("unknown operation '{other}'")),
    }
}
