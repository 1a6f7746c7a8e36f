//! Validation of an object against a CRD's OpenAPI v3 schema, for the constructs ESO's CRDs use. Each violation
//! carries the path of the offending field (`spec.data[1].remoteRef.key`), so that a finding can point at its line.

use serde_json::Value as Json;
use serde_yaml::Value;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// Dotted path of the field (for a missing field: the path it should have).
    pub path: String,
    pub message: String,
}

pub fn validate(value: &Value, schema: &Json) -> Vec<Violation> {
    let mut out = Vec::new();
    check(value, schema, "", &mut out);
    out
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() { key.to_string() } else { format!("{path}.{key}") }
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Sequence(_) => "array",
        Value::Mapping(_) => "object",
        Value::Tagged(_) => "tagged value",
    }
}

fn short(v: &Value) -> String {
    match v {
        Value::String(s) => format!("{s:?}"),
        other => serde_yaml::to_string(other).unwrap_or_default().trim().to_string(),
    }
}

fn check(v: &Value, s: &Json, path: &str, out: &mut Vec<Violation>) {
    // Kubernetes treats an explicit null like an absent optional field.
    if v.is_null() {
        return;
    }
    if s.get("x-kubernetes-int-or-string").and_then(Json::as_bool) == Some(true) {
        if !matches!(type_name(v), "integer" | "string") {
            out.push(Violation {
                path: path.into(),
                message: format!("must be an integer or a string, not {}", type_name(v)),
            });
        }
        return;
    }
    if let Some(allowed) = s.get("enum").and_then(Json::as_array) {
        let ok = allowed.iter().any(|a| match (a, v) {
            (Json::String(x), Value::String(y)) => x == y,
            (Json::Bool(x), Value::Bool(y)) => x == y,
            (Json::Number(x), Value::Number(y)) => x.to_string() == y.to_string(),
            _ => false,
        });
        if !ok {
            let list: Vec<String> =
                allowed.iter().map(|a| a.as_str().map(str::to_string).unwrap_or_else(|| a.to_string())).collect();
            out.push(Violation {
                path: path.into(),
                message: format!("{} is not one of: {}", short(v), list.join(", ")),
            });
            return;
        }
    }
    let want = s.get("type").and_then(Json::as_str).unwrap_or("");
    match want {
        "object" => {
            let Value::Mapping(m) = v else {
                out.push(Violation { path: path.into(), message: format!("must be an object, not {}", type_name(v)) });
                return;
            };
            let props = s.get("properties").and_then(Json::as_object);
            let preserve = s.get("x-kubernetes-preserve-unknown-fields").and_then(Json::as_bool) == Some(true);
            let additional = s.get("additionalProperties");
            for (k, child) in m {
                let key = k.as_str().map(str::to_string).unwrap_or_else(|| short(k));
                let child_path = join(path, &key);
                match props.and_then(|p| p.get(&key)) {
                    Some(cs) => check(child, cs, &child_path, out),
                    None => match additional {
                        Some(Json::Object(_)) => check(child, additional.expect("matched"), &child_path, out),
                        Some(Json::Bool(true)) => {}
                        _ if preserve || (props.is_none() && additional.is_none()) => {}
                        _ => out.push(Violation { path: child_path, message: format!("unknown field '{key}'") }),
                    },
                }
            }
            for r in s.get("required").and_then(Json::as_array).into_iter().flatten().filter_map(Json::as_str) {
                if !m.contains_key(r) {
                    out.push(Violation { path: join(path, r), message: format!("required field '{r}' is missing") });
                }
            }
        }
        "array" => {
            let Value::Sequence(items) = v else {
                out.push(Violation { path: path.into(), message: format!("must be a list, not {}", type_name(v)) });
                return;
            };
            if let Some(min) = s.get("minItems").and_then(Json::as_u64)
                && (items.len() as u64) < min
            {
                out.push(Violation { path: path.into(), message: format!("must have at least {min} item(s)") });
            }
            if let Some(is) = s.get("items") {
                for (i, item) in items.iter().enumerate() {
                    check(item, is, &format!("{path}[{i}]"), out);
                }
            }
        }
        "string" => {
            let Value::String(text) = v else {
                out.push(Violation {
                    path: path.into(),
                    message: format!("must be a string, not {} ({})", type_name(v), short(v)),
                });
                return;
            };
            let len = text.chars().count() as u64;
            if let Some(min) = s.get("minLength").and_then(Json::as_u64)
                && len < min
            {
                out.push(Violation { path: path.into(), message: format!("must be at least {min} character(s) long") });
            }
            if let Some(max) = s.get("maxLength").and_then(Json::as_u64)
                && len > max
            {
                out.push(Violation { path: path.into(), message: format!("must be at most {max} characters long") });
            }
            if let Some(p) = s.get("pattern").and_then(Json::as_str)
                && let Ok(re) = regex::Regex::new(p)
                && !re.is_match(text)
            {
                out.push(Violation { path: path.into(), message: format!("{text:?} does not match the pattern {p}") });
            }
        }
        "integer" if type_name(v) != "integer" => {
            out.push(Violation {
                path: path.into(),
                message: format!("must be an integer, not {} ({})", type_name(v), short(v)),
            });
        }
        "number" if !matches!(type_name(v), "integer" | "number") => {
            out.push(Violation { path: path.into(), message: format!("must be a number, not {}", type_name(v)) });
        }
        "boolean" if type_name(v) != "boolean" => {
            out.push(Violation { path: path.into(), message: format!("must be true or false, not {}", short(v)) });
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema() -> Json {
        serde_json::json!({
            "type": "object",
            "required": ["spec"],
            "properties": {
                "spec": {"type": "object", "properties": {
                    "refreshInterval": {"type": "string"},
                    "policy": {"type": "string", "enum": ["Owner", "Merge"]},
                    "data": {"type": "array", "items": {"type": "object", "required": ["secretKey"], "properties": {
                        "secretKey": {"type": "string", "pattern": "^[-._a-zA-Z0-9]+$"}}}},
                    "labels": {"type": "object", "additionalProperties": {"type": "string"}}
                }}
            }
        })
    }

    #[test]
    fn reports_each_violation_with_its_path() {
        let v: Value = serde_yaml::from_str(
            "spec:\n  refreshInterval: 1\n  policy: Own\n  data:\n  - secretKey: 'bad key'\n  - {}\n  labels: {a: b}\n  typo: x\n",
        )
        .unwrap();
        let got: Vec<(String, String)> = validate(&v, &schema()).into_iter().map(|x| (x.path, x.message)).collect();
        assert_eq!(
            got,
            vec![
                ("spec.refreshInterval".to_string(), "must be a string, not integer (1)".to_string()),
                ("spec.policy".to_string(), "\"Own\" is not one of: Owner, Merge".to_string()),
                (
                    "spec.data[0].secretKey".to_string(),
                    "\"bad key\" does not match the pattern ^[-._a-zA-Z0-9]+$".to_string()
                ),
                ("spec.data[1].secretKey".to_string(), "required field 'secretKey' is missing".to_string()),
                ("spec.typo".to_string(), "unknown field 'typo'".to_string()),
            ]
        );
    }

    #[test]
    fn a_valid_object_has_no_violations() {
        let v: Value =
            serde_yaml::from_str("spec:\n  refreshInterval: 1h\n  data:\n  - secretKey: PASSWORD\n").unwrap();
        assert!(validate(&v, &schema()).is_empty());
    }
}
