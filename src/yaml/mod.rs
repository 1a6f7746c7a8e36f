//! The one YAML layer of the renderer: manifests are read with kustomize's rules (go-yaml v3 scalar resolution,
//! [`parse`]) and printed with kustomize's output path (JSON, then go-yaml v2's emitter, [`emit`]), so `render
//! --plain` prints `kubectl kustomize`'s bytes. serde_yaml's `Value` stays the in-memory type (every transformer
//! and rule reads it) and serde_yaml still reads typed files (kustomizations, the config), where its rules are the
//! ones those files are written to.

pub mod emit;
pub mod parse;
pub mod resolve;

/// One step of a concrete path into a document: a map key or a list index.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum PathSeg {
    Key(String),
    Index(usize),
}

/// Scalars whose text is not the one their value prints as (`0x1F`, `1e3`, `FALSE`, `2024-01-01`), by place: kustomize keeps the
/// text while it builds (a replacement copies it into a string field), the value is only read when it prints.
pub type ScalarTexts = Vec<(Vec<PathSeg>, String)>;

/// The texts kustomize's number fields hold after it rebuilt an object from JSON (a JSON 6902 patch): Go's
/// `encoding/json` writes a float `1000` as "1000", where this program's float prints as "1000.0".
pub fn json_round_trip_texts(v: &serde_yaml::Value) -> ScalarTexts {
    fn walk(v: &serde_yaml::Value, at: &mut Vec<PathSeg>, out: &mut ScalarTexts) {
        match v {
            serde_yaml::Value::Number(n) if n.is_f64() => {
                let f = n.as_f64().unwrap_or(0.0);
                if f.is_finite() {
                    let text = emit::go_json_float(f);
                    if crate::resource::scalar_string(v).as_deref() != Some(text.as_str()) {
                        out.push((at.clone(), text));
                    }
                }
            }
            serde_yaml::Value::Mapping(m) => {
                for (k, child) in m {
                    if let Some(k) = k.as_str() {
                        at.push(PathSeg::Key(k.to_string()));
                        walk(child, at, out);
                        at.pop();
                    }
                }
            }
            serde_yaml::Value::Sequence(items) => {
                for (i, child) in items.iter().enumerate() {
                    at.push(PathSeg::Index(i));
                    walk(child, at, out);
                    at.pop();
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(v, &mut Vec::new(), &mut out);
    out
}
