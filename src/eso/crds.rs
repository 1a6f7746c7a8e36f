//! The ESO CRD schemas (v2.9.0), carried in the binary as compact JSON extracted from the CRDs
//! (`descriptions` dropped). `extract` regenerates them; a test keeps them equal to the reference CRDs.

use serde_json::{Map, Value};
use std::sync::OnceLock;

pub struct CrdVersion {
    pub name: String,
    pub served: bool,
    pub schema: Option<Value>,
    /// `schema` compiled for validation, on first use.
    compiled: OnceLock<Option<super::schema::Compiled>>,
}

impl CrdVersion {
    pub fn compiled(&self) -> Option<&super::schema::Compiled> {
        self.compiled.get_or_init(|| self.schema.as_ref().map(super::schema::Compiled::new)).as_ref()
    }
}

pub struct Crd {
    pub group: String,
    pub kind: String,
    pub scope: String,
    pub versions: Vec<CrdVersion>,
}

const EMBEDDED: &[(&str, &str)] = &[
    ("externalsecrets", include_str!("../../schemas/eso/externalsecrets.json")),
    ("secretstores", include_str!("../../schemas/eso/secretstores.json")),
    ("clustersecretstores", include_str!("../../schemas/eso/clustersecretstores.json")),
    ("clusterexternalsecrets", include_str!("../../schemas/eso/clusterexternalsecrets.json")),
    ("pushsecrets", include_str!("../../schemas/eso/pushsecrets.json")),
];

pub const CRD_FILES: &[&str] =
    &["externalsecrets", "secretstores", "clustersecretstores", "clusterexternalsecrets", "pushsecrets"];

fn strip_descriptions(v: &mut Value) {
    match v {
        Value::Object(m) => {
            m.remove("description");
            m.values_mut().for_each(strip_descriptions);
        }
        Value::Array(a) => a.iter_mut().for_each(strip_descriptions),
        _ => {}
    }
}

/// Turn a CRD manifest into the compact form embedded here: group, kind, scope and each version's schema.
pub fn extract(crd: &Value) -> Value {
    let spec = &crd["spec"];
    let mut versions = Vec::new();
    for v in spec["versions"].as_array().into_iter().flatten() {
        let served = v["served"].as_bool().unwrap_or(false);
        let mut out = Map::new();
        out.insert("name".into(), v["name"].clone());
        out.insert("served".into(), Value::Bool(served));
        // Unserved versions keep their schema too: an older ESO release serves them (`eso::release`).
        if v["schema"]["openAPIV3Schema"].is_object() {
            let mut schema = v["schema"]["openAPIV3Schema"].clone();
            strip_descriptions(&mut schema);
            out.insert("schema".into(), schema);
        }
        versions.push(Value::Object(out));
    }
    serde_json::json!({
        "group": spec["group"],
        "kind": spec["names"]["kind"],
        "scope": spec["scope"],
        "versions": versions,
    })
}

fn parse(text: &str) -> Crd {
    let v: Value = serde_json::from_str(text).expect("embedded CRD schema is valid JSON");
    Crd {
        group: v["group"].as_str().unwrap_or_default().to_string(),
        kind: v["kind"].as_str().unwrap_or_default().to_string(),
        scope: v["scope"].as_str().unwrap_or_default().to_string(),
        versions: v["versions"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|x| CrdVersion {
                name: x["name"].as_str().unwrap_or_default().to_string(),
                served: x["served"].as_bool().unwrap_or(false),
                schema: x.get("schema").cloned(),
                compiled: OnceLock::new(),
            })
            .collect(),
    }
}

const KINDS: &[(&str, &str)] = &[
    ("ExternalSecret", "externalsecrets"),
    ("SecretStore", "secretstores"),
    ("ClusterSecretStore", "clustersecretstores"),
    ("ClusterExternalSecret", "clusterexternalsecrets"),
    ("PushSecret", "pushsecrets"),
];

/// The CRD for an ESO kind, parsed on first use of that kind only (the store schemas are large, and a short-lived
/// `generate` process should not pay for kinds it does not see).
pub fn crd_for(kind: &str) -> Option<&'static Crd> {
    static CRDS: [OnceLock<Crd>; 5] = [const { OnceLock::new() }; 5];
    let i = KINDS.iter().position(|(k, _)| *k == kind)?;
    let file = KINDS[i].1;
    Some(CRDS[i].get_or_init(|| parse(embedded_json(file).expect("embedded"))))
}

pub fn embedded_json(name: &str) -> Option<&'static str> {
    EMBEDDED.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
}
