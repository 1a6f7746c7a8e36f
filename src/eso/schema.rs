//! ESO001's validation: an object against its CRD version's schema, as the API server checks it.
//!
//! - The OpenAPI v3 schema is converted to JSON Schema, as kubeconform converts CRDs (`openapi2jsonschema`): the
//!   `x-kubernetes-*` extensions become what they mean (`int-or-string` an `anyOf` of integer and string,
//!   `preserve-unknown-fields` no `additionalProperties: false`), and an object with declared properties refuses
//!   others, as the API server's strict field validation does. The jsonschema crate then checks every keyword
//!   (types, enums, patterns, lengths, `minProperties`/`maxProperties`, `anyOf`/`oneOf`, `format: date-time`, ...).
//! - The CRD's CEL rules (`x-kubernetes-validations`) run with cel-interpreter, with `self` bound to the value at
//!   the rule's place, as the API server's CEL admission does.
//!
//! Each violation carries the dotted path of the field (`spec.data[1].remoteRef.key`), so that a finding points at
//! its line. Explicit nulls are dropped first: Kubernetes treats them like absent fields.

use serde_json::{Map, Value as Json};
use serde_yaml::Value;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// Dotted path of the field (for a missing field: the path it should have).
    pub path: String,
    pub message: String,
}

/// A CRD version's schema, compiled once.
pub struct Compiled {
    validator: Option<jsonschema::Validator>,
    /// The OpenAPI schema, walked for the CEL rules.
    openapi: Json,
}

impl Compiled {
    pub fn new(openapi: &Json) -> Compiled {
        let validator = jsonschema::options().should_validate_formats(true).build(&to_json_schema(openapi)).ok();
        Compiled { validator, openapi: openapi.clone() }
    }

    pub fn validate(&self, value: &Value) -> Vec<Violation> {
        let instance = without_nulls(serde_json::to_value(value).unwrap_or(Json::Null));
        let mut out = Vec::new();
        if let Some(v) = &self.validator {
            for e in v.iter_errors(&instance) {
                out.extend(violations(&e));
            }
        }
        check_cel(&instance, &self.openapi, "", &mut out);
        out.sort_by(|a, b| (&a.path, &a.message).cmp(&(&b.path, &b.message)));
        out.dedup();
        out
    }
}

/// OpenAPI v3 (structural, as in CRDs) to JSON Schema.
pub fn to_json_schema(s: &Json) -> Json {
    let Json::Object(m) = s else { return s.clone() };
    let mut out = Map::new();
    for (k, v) in m {
        match k.as_str() {
            "properties" | "patternProperties" => {
                let props = v.as_object().map(|p| p.iter().map(|(n, x)| (n.clone(), to_json_schema(x))).collect());
                out.insert(k.clone(), Json::Object(props.unwrap_or_default()));
            }
            "items" | "not" => {
                out.insert(k.clone(), to_json_schema(v));
            }
            "additionalProperties" if v.is_object() => {
                out.insert(k.clone(), to_json_schema(v));
            }
            "allOf" | "anyOf" | "oneOf" => {
                let list = v.as_array().map(|l| l.iter().map(to_json_schema).collect()).unwrap_or_default();
                out.insert(k.clone(), Json::Array(list));
            }
            // Meaning handled below or not a validation keyword of JSON Schema.
            _ if k.starts_with("x-kubernetes-") || k == "nullable" || k == "description" => {}
            _ => {
                out.insert(k.clone(), v.clone());
            }
        }
    }
    let flag = |name: &str| m.get(name).and_then(Json::as_bool) == Some(true);
    if flag("x-kubernetes-int-or-string") {
        out.remove("type");
        let either = serde_json::json!([{"type": "integer"}, {"type": "string"}]);
        match out.remove("anyOf") {
            Some(existing) => {
                out.insert("allOf".into(), serde_json::json!([{"anyOf": either}, {"anyOf": existing}]));
            }
            None => {
                out.insert("anyOf".into(), either);
            }
        }
    }
    if !flag("x-kubernetes-preserve-unknown-fields")
        && out.contains_key("properties")
        && !out.contains_key("additionalProperties")
    {
        out.insert("additionalProperties".into(), Json::Bool(false));
    }
    Json::Object(out)
}

fn without_nulls(v: Json) -> Json {
    match v {
        Json::Object(m) => {
            Json::Object(m.into_iter().filter(|(_, x)| !x.is_null()).map(|(k, x)| (k, without_nulls(x))).collect())
        }
        Json::Array(a) => Json::Array(a.into_iter().map(without_nulls).collect()),
        other => other,
    }
}

/// `/spec/data/1/remoteRef/key` -> `spec.data[1].remoteRef.key`.
fn dotted(pointer: &str) -> String {
    let mut out = String::new();
    for raw in pointer.split('/').skip(1) {
        let seg = raw.replace("~1", "/").replace("~0", "~");
        if !seg.is_empty() && seg.bytes().all(|b| b.is_ascii_digit()) {
            out.push_str(&format!("[{seg}]"));
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(&seg);
        }
    }
    out
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() { key.to_string() } else { format!("{path}.{key}") }
}

fn type_name(v: &Json) -> &'static str {
    match v {
        Json::Null => "null",
        Json::Bool(_) => "boolean",
        Json::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Json::Number(_) => "number",
        Json::String(_) => "string",
        Json::Array(_) => "array",
        Json::Object(_) => "object",
    }
}

fn short(v: &Json) -> String {
    let text = v.to_string();
    if text.len() > 60 {
        format!("{}...", &text[..text.char_indices().nth(57).map_or(text.len(), |(i, _)| i)])
    } else {
        text
    }
}

/// The crate's error in the words the other rules use, at the field it is about.
fn violations(e: &jsonschema::ValidationError<'_>) -> Vec<Violation> {
    use jsonschema::error::ValidationErrorKind as K;
    let path = dotted(&e.instance_path().to_string());
    let instance: &Json = e.instance();
    let one = |message: String| vec![Violation { path: path.clone(), message }];
    match e.kind() {
        K::AdditionalProperties { unexpected } => unexpected
            .iter()
            .map(|name| Violation { path: join(&path, name), message: format!("unknown field '{name}'") })
            .collect(),
        K::Required { property } => {
            let name = property.as_str().unwrap_or_default();
            vec![Violation { path: join(&path, name), message: format!("required field '{name}' is missing") }]
        }
        K::Enum { options } => {
            let list: Vec<String> = options
                .as_array()
                .into_iter()
                .flatten()
                .map(|o| o.as_str().map_or_else(|| o.to_string(), str::to_string))
                .collect();
            one(format!("{} is not one of: {}", short(instance), list.join(", ")))
        }
        K::Type { kind } => {
            one(format!("must be {}, not {} ({})", expected_type(kind), type_name(instance), short(instance)))
        }
        K::Pattern { pattern } => one(format!("{} does not match the pattern {pattern}", short(instance))),
        K::MinLength { limit } => one(format!("must be at least {limit} character(s) long")),
        K::MaxLength { limit } => one(format!("must be at most {limit} characters long")),
        K::MinItems { limit } => one(format!("must have at least {limit} item(s)")),
        K::MaxItems { limit } => one(format!("must have at most {limit} item(s)")),
        K::MinProperties { limit } => one(format!("must have at least {limit} field(s)")),
        K::MaxProperties { limit } => one(format!("must have at most {limit} field(s) (set one of them)")),
        K::Format { format } => one(format!("{} is not a valid {format}", short(instance))),
        _ => one(e.to_string()),
    }
}

/// "a string", "an integer", "a list": the type the schema wanted (CRD schemas name one).
fn expected_type(kind: &jsonschema::error::TypeKind) -> String {
    use jsonschema::JsonType as T;
    let wanted = match kind {
        jsonschema::error::TypeKind::Single(t) => Some(*t),
        jsonschema::error::TypeKind::Multiple(set) => set.iter().last(),
    };
    match wanted {
        Some(T::Object) => "an object".into(),
        Some(T::Array) => "a list".into(),
        Some(T::Integer) => "an integer".into(),
        Some(t) => format!("a {t}"),
        None => "of another type".into(),
    }
}

/// Walk `v` along the OpenAPI schema `s` and run the CEL rules found on the way.
fn check_cel(v: &Json, s: &Json, path: &str, out: &mut Vec<Violation>) {
    if let Some(rules) = s.get("x-kubernetes-validations").and_then(Json::as_array) {
        for rule in rules {
            let Some(expr) = rule.get("rule").and_then(Json::as_str) else { continue };
            if let Some(false) = evaluate(expr, v) {
                let message = rule
                    .get("message")
                    .and_then(Json::as_str)
                    .map_or_else(|| format!("failed rule: {expr}"), str::to_string);
                out.push(Violation { path: path.to_string(), message });
            }
        }
    }
    match v {
        Json::Object(m) => {
            let props = s.get("properties").and_then(Json::as_object);
            let extra = s.get("additionalProperties").filter(|a| a.is_object());
            for (k, x) in m {
                if let Some(sub) = props.and_then(|p| p.get(k)).or(extra) {
                    check_cel(x, sub, &join(path, k), out);
                }
            }
        }
        Json::Array(items) => {
            if let Some(sub) = s.get("items") {
                for (i, x) in items.iter().enumerate() {
                    check_cel(x, sub, &format!("{path}[{i}]"), out);
                }
            }
        }
        _ => {}
    }
}

/// A CEL rule's verdict on `value` (`self`); None when the rule cannot be run here (a function this interpreter
/// lacks): then nothing is claimed.
fn evaluate(expr: &str, value: &Json) -> Option<bool> {
    let program = cel_interpreter::Program::compile(expr).ok()?;
    let mut context = cel_interpreter::Context::default();
    context.add_variable_from_value("self", cel_interpreter::to_value(value).ok()?);
    match program.execute(&context).ok()? {
        cel_interpreter::Value::Bool(b) => Some(b),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(schema: Json, yaml: &str) -> Vec<(String, String)> {
        Compiled::new(&schema)
            .validate(&serde_yaml::from_str(yaml).unwrap())
            .into_iter()
            .map(|v| (v.path, v.message))
            .collect()
    }

    /// The constructs the hand-written validator skipped (issue 14): minProperties/maxProperties, format, anyOf, and
    /// CEL rules, with the shapes ESO's CRDs use them in.
    #[test]
    fn keywords_the_subset_skipped() {
        let one_of_two = serde_json::json!({"type": "object", "properties": {"ref": {"type": "object", "maxProperties": 1, "minProperties": 1, "properties": {"a": {"type": "string"}, "b": {"type": "string"}}}}});
        assert_eq!(check(one_of_two.clone(), "ref: {a: x}"), vec![]);
        assert_eq!(check(one_of_two.clone(), "ref: {a: x, b: y}")[0].0, "ref");
        assert!(check(one_of_two, "ref: {}")[0].1.contains("at least 1"));
        let date =
            serde_json::json!({"type": "object", "properties": {"at": {"type": "string", "format": "date-time"}}});
        assert_eq!(check(date.clone(), "at: '2026-12-03T01:00:00Z'"), vec![]);
        assert_eq!(check(date, "at: yesterday"), vec![("at".into(), "\"yesterday\" is not a valid date-time".into())]);
        let int_or_string =
            serde_json::json!({"type": "object", "properties": {"port": {"x-kubernetes-int-or-string": true}}});
        assert_eq!(check(int_or_string.clone(), "port: 8080"), vec![]);
        assert_eq!(check(int_or_string.clone(), "port: http"), vec![]);
        assert_eq!(check(int_or_string, "port: [1]").len(), 1);
        // ESO's SecretStore CRD: `crd` needs auth or authRef, at most one.
        let cel = serde_json::json!({"type": "object", "properties": {"crd": {"type": "object", "properties": {"auth": {"type": "object"}, "authRef": {"type": "object"}},
            "x-kubernetes-validations": [
                {"rule": "has(self.auth) || has(self.authRef)", "message": "one of auth or authRef is required"},
                {"rule": "[has(self.auth),has(self.authRef)].filter(x,x==true).size() <= 1", "message": "at most one of the fields in [auth authRef] may be set"}]}}});
        assert_eq!(check(cel.clone(), "crd: {auth: {}}"), vec![]);
        assert_eq!(check(cel.clone(), "crd: {}"), vec![("crd".into(), "one of auth or authRef is required".into())]);
        assert_eq!(
            check(cel, "crd: {auth: {}, authRef: {}}"),
            vec![("crd".into(), "at most one of the fields in [auth authRef] may be set".into())]
        );
    }

    #[test]
    fn unknown_required_and_typed_fields_read_as_before() {
        let s = serde_json::json!({"type": "object", "required": ["spec"], "properties": {"spec": {"type": "object", "properties": {
            "refreshInterval": {"type": "string"}, "target": {"type": "object", "properties": {"creationPolicy": {"type": "string", "enum": ["Owner", "Orphan"]}}},
            "data": {"type": "array", "items": {"type": "object", "required": ["secretKey"], "properties": {"secretKey": {"type": "string"}}}}}}}});
        assert_eq!(
            check(s.clone(), "spec: {refreshIntervall: 1h}"),
            vec![("spec.refreshIntervall".into(), "unknown field 'refreshIntervall'".into())]
        );
        assert_eq!(
            check(s.clone(), "other: 1"),
            vec![
                ("other".into(), "unknown field 'other'".into()),
                ("spec".into(), "required field 'spec' is missing".into())
            ]
        );
        assert_eq!(
            check(s.clone(), "spec: {target: {creationPolicy: Own}}"),
            vec![("spec.target.creationPolicy".into(), "\"Own\" is not one of: Owner, Orphan".into())]
        );
        assert_eq!(
            check(s.clone(), "spec: {data: [{secretKey: a}, {}]}"),
            vec![("spec.data[1].secretKey".into(), "required field 'secretKey' is missing".into())]
        );
        assert_eq!(
            check(s.clone(), "spec: {refreshInterval: 60}"),
            vec![("spec.refreshInterval".into(), "must be a string, not integer (60)".into())]
        );
        assert_eq!(check(s, "spec: {refreshInterval: null}"), vec![], "null is absent");
    }
}
