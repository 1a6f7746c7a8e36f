//! The content-hash suffix kustomize appends to generated ConfigMap and Secret names, computed exactly as
//! kustomize does (Go's json.Marshal of a few fields, sha256, ten characters with a vowel-free alphabet), so that
//! names match `kubectl kustomize` byte for byte.

use serde_yaml::Value;
use sha2::{Digest, Sha256};

/// Go's json.Marshal for the values that occur here: maps with sorted keys, HTML-safe string escaping.
fn go_json(v: &Value, out: &mut String) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(s) => go_json_string(s, out),
        Value::Sequence(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                go_json(item, out);
            }
            out.push(']');
        }
        Value::Mapping(m) => {
            let mut entries: Vec<(String, &Value)> =
                m.iter().map(|(k, v)| (crate::resource::scalar_string(k).unwrap_or_default(), v)).collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            out.push('{');
            for (i, (k, v)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                go_json_string(k, out);
                out.push(':');
                go_json(v, out);
            }
            out.push('}');
        }
        Value::Tagged(t) => go_json(&t.value, out),
    }
}

fn go_json_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => out.push_str(&format!("\\u{:04x}", c as u32)),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

fn field_or_empty(obj: &Value, key: &str) -> Value {
    match obj.get(key) {
        None | Some(Value::Null) => Value::String(String::new()),
        Some(v) => v.clone(),
    }
}

/// The suffix for a generated ConfigMap or Secret, from its final name and content.
pub fn suffix(obj: &Value) -> String {
    let kind = obj.get("kind").and_then(Value::as_str).unwrap_or("");
    // kustomize looks the name up as the single key "metadata/name", which never exists: the name is always
    // empty in the hash. Reproduced on purpose, or every generated name would differ from kubectl kustomize.
    let name = Value::String(String::new());
    let mut m = serde_yaml::Mapping::new();
    m.insert("kind".into(), Value::String(kind.to_string()));
    m.insert("name".into(), name);
    match kind {
        "ConfigMap" => {
            m.insert("data".into(), field_or_empty(obj, "data"));
            if let Some(b @ Value::Mapping(_)) = obj.get("binaryData") {
                m.insert("binaryData".into(), b.clone());
            }
        }
        "Secret" => {
            m.insert("type".into(), field_or_empty(obj, "type"));
            m.insert("data".into(), field_or_empty(obj, "data"));
            if let Some(s @ Value::Mapping(_)) = obj.get("stringData") {
                m.insert("stringData".into(), s.clone());
            }
        }
        _ => return encode(&Sha256::digest(serde_json::to_vec(&obj).unwrap_or_default())),
    }
    let mut text = String::new();
    go_json(&Value::Mapping(m), &mut text);
    encode(&Sha256::digest(text.as_bytes()))
}

fn encode(digest: &[u8]) -> String {
    let hex: String = digest.iter().take(5).map(|b| format!("{b:02x}")).collect();
    hex.chars()
        .map(|c| match c {
            '0' => 'g',
            '1' => 'h',
            '3' => 'k',
            'a' => 'm',
            'e' => 't',
            c => c,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_json_escapes_html_like_go() {
        let mut s = String::new();
        go_json(&Value::String("a<b>&c".into()), &mut s);
        assert_eq!(s, "\"a\\u003cb\\u003e\\u0026c\"");
    }
}
