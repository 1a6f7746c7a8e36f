//! The one data type that flows through the pipeline: a Kubernetes object with the place it came from.

use serde_yaml::{Mapping, Value};
use std::fmt;
use std::path::PathBuf;

/// Where an object was written in the repository. Survives every transformation, so that a finding
/// about a rendered object can point at the source line that introduced it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Origin {
    /// Path of the source file, relative to the render root (the repo root when known).
    pub file: PathBuf,
    /// Index of the YAML document in that file (0-based).
    pub doc: usize,
    /// 1-based line of the document's first line.
    pub line: u32,
    /// Patch files applied to this object, in the order applied.
    pub patched_by: Vec<PathBuf>,
    /// Fields set by JSON patches, with where each operation is written (inline patches included), in order.
    pub patched_fields: Vec<PatchedField>,
    /// For an object from a template (`*.yaml.j2`): the rendered text of the file, to map positions back.
    pub rendered: Option<std::sync::Arc<str>>,
    /// Set when the object was produced by a generator (configMapGenerator, ...) rather than read from a file:
    /// the generator's kind, and its name when it was configured by a plugin config object.
    pub generated_by: Option<String>,
    pub generator_name: Option<String>,
}

/// A field a JSON patch operation set, and the place in a file (patch file or kustomization) that wrote it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatchedField {
    /// Dotted path in the object (`spec.provider.azurekv.vaultUrl`).
    pub path: String,
    pub file: PathBuf,
    pub line: u32,
    pub column: u32,
}

/// group/version/kind. An empty group is the core group.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Gvk {
    pub group: String,
    pub version: String,
    pub kind: String,
}

impl Gvk {
    pub fn from_api_version(api_version: &str, kind: &str) -> Gvk {
        let (group, version) = match api_version.rsplit_once('/') {
            Some((g, v)) => (g.to_string(), v.to_string()),
            None => (String::new(), api_version.to_string()),
        };
        Gvk { group, version, kind: kind.to_string() }
    }

    pub fn api_version(&self) -> String {
        if self.group.is_empty() { self.version.clone() } else { format!("{}/{}", self.group, self.version) }
    }

    /// kustomize's `Gvk.IsSelected`: every non-empty field of the selector must match.
    pub fn is_selected_by(&self, selector: &Gvk) -> bool {
        (selector.group.is_empty() || selector.group == self.group)
            && (selector.version.is_empty() || selector.version == self.version)
            && (selector.kind.is_empty() || selector.kind == self.kind)
    }

    /// The string kustomize's legacy sort compares kinds by (`group_version_kind`, `~G` for the core group).
    pub fn sort_string(&self) -> String {
        let blank = |s: &str, d: &'static str| if s.is_empty() { d.to_string() } else { s.to_string() };
        format!("{}_{}_{}", blank(&self.group, "~G"), blank(&self.version, "~V"), blank(&self.kind, "~K"))
    }

    pub fn is_cluster_scoped(&self) -> bool {
        crate::kustomize::specs::is_cluster_scoped(&self.group, &self.kind)
    }
}

/// The identity kustomize uses for merges and patches, and that diff and the consumer graph use too.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct ResId {
    pub gvk: Gvk,
    pub name: String,
    pub namespace: String,
}

impl ResId {
    /// "" and "default" are the same namespace for a namespaced object.
    pub fn ns_equals(&self, other: &ResId) -> bool {
        effective_ns(&self.namespace) == effective_ns(&other.namespace)
    }

    /// kustomize's `ResId.Equals`.
    pub fn same_as(&self, other: &ResId) -> bool {
        self.gvk == other.gvk && self.name == other.name && self.ns_equals(other)
    }

    /// A hashable key that is equal for two ids exactly when `same_as` holds.
    pub fn equality_key(&self) -> (Gvk, String, String) {
        (self.gvk.clone(), self.name.clone(), effective_ns(&self.namespace).to_string())
    }

    pub fn is_cluster_scoped(&self) -> bool {
        self.gvk.is_cluster_scoped()
    }

    /// kustomize's `ResId.String()`, used for the legacy sort and in messages.
    pub fn sort_string(&self) -> String {
        let ns = if self.namespace.is_empty() { "[noNs]" } else { &self.namespace };
        let name = if self.name.is_empty() { "[noName]" } else { &self.name };
        format!("{}/{}.{}", self.gvk.sort_string(), name, ns)
    }
}

/// A namespace as Kubernetes applies it: none is the default one.
pub fn effective_ns(ns: &str) -> &str {
    if ns.is_empty() { "default" } else { ns }
}

impl fmt::Display for ResId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.gvk.kind)?;
        if !self.namespace.is_empty() {
            write!(f, "/{}", self.namespace)?;
        }
        write!(f, "/{}", self.name)
    }
}

/// What a generator asked the accumulator to do with an object of the same id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Behavior {
    #[default]
    Create,
    Merge,
    Replace,
}

/// kustomize keeps this bookkeeping in internal annotations; here it is plain data next to the object.
#[derive(Debug, Clone, Default)]
pub struct BuildState {
    /// Earlier (kind, name, namespace) of the object, oldest first; group/version are the current ones.
    pub prev: Vec<(String, String, String)>,
    pub prefixes: Vec<String>,
    pub suffixes: Vec<String>,
    pub needs_hash_suffix: bool,
    pub behavior: Behavior,
    pub allow_name_change: bool,
    pub allow_kind_change: bool,
    /// Names of vars referenced by this object (kustomize's refVarNames).
    pub ref_var_names: Vec<String>,
    /// Fields that are one YAML node in kustomize (see `kustomize::linked`).
    pub linked: Vec<crate::kustomize::linked::LinkedScalar>,
    /// Texts of number and boolean fields as written, where they print another way (a replacement copies the
    /// text into a string field: kubectl prints `"0x1F"`, not `"31"`).
    pub scalar_texts: crate::yaml::ScalarTexts,
    /// Fields a replacement created whose text reads as another value (a number, a boolean, a timestamp), with the
    /// text written: kustomize's node has no tag, so its vars filter (api/filters/refvar, `IsYNodeString`) takes it
    /// for a string and writes it back as one ("123", not 123) when the build has vars.
    pub untagged: crate::yaml::ScalarTexts,
}

#[derive(Debug, Clone)]
pub struct Resource {
    pub value: Value,
    pub origin: Origin,
    pub build: BuildState,
}

impl Resource {
    pub fn new(value: Value, origin: Origin) -> Resource {
        Resource { value, origin, build: BuildState::default() }
    }

    pub fn map(&self) -> Option<&Mapping> {
        self.value.as_mapping()
    }

    pub fn str_at(&self, path: &[&str]) -> Option<&str> {
        get_path(&self.value, path).and_then(Value::as_str)
    }

    pub fn kind(&self) -> &str {
        self.str_at(&["kind"]).unwrap_or("")
    }
    pub fn api_version(&self) -> &str {
        self.str_at(&["apiVersion"]).unwrap_or("")
    }
    pub fn name(&self) -> &str {
        self.str_at(&["metadata", "name"]).unwrap_or("")
    }
    pub fn namespace(&self) -> &str {
        self.str_at(&["metadata", "namespace"]).unwrap_or("")
    }
    pub fn gvk(&self) -> Gvk {
        Gvk::from_api_version(self.api_version(), self.kind())
    }
    pub fn cur_id(&self) -> ResId {
        ResId { gvk: self.gvk(), name: self.name().to_string(), namespace: self.namespace().to_string() }
    }

    /// Previous ids, oldest first (kustomize's `PrevIds`).
    pub fn prev_ids(&self) -> Vec<ResId> {
        let gvk = self.gvk();
        self.build
            .prev
            .iter()
            .map(|(kind, name, ns)| ResId {
                gvk: Gvk { kind: kind.clone(), ..gvk.clone() },
                name: name.clone(),
                namespace: ns.clone(),
            })
            .collect()
    }

    /// The id the object had when it was first read (kustomize's `OrgId`).
    pub fn org_id(&self) -> ResId {
        self.prev_ids().into_iter().next().unwrap_or_else(|| self.cur_id())
    }

    /// Current id followed by previous ids.
    pub fn all_ids(&self) -> Vec<ResId> {
        let mut ids = vec![self.cur_id()];
        ids.extend(self.prev_ids());
        ids
    }

    pub fn store_previous_id(&mut self) {
        let entry = (self.kind().to_string(), self.name().to_string(), self.namespace().to_string());
        self.build.prev.push(entry);
    }

    pub fn set_name(&mut self, name: &str) {
        set_path(&mut self.value, &["metadata", "name"], Value::String(name.to_string()));
    }
    pub fn set_namespace(&mut self, ns: &str) {
        set_path(&mut self.value, &["metadata", "namespace"], Value::String(ns.to_string()));
    }
    pub fn set_kind(&mut self, kind: &str) {
        set_path(&mut self.value, &["kind"], Value::String(kind.to_string()));
    }

    pub fn string_map(&self, path: &[&str]) -> Vec<(String, String)> {
        match get_path(&self.value, path).and_then(Value::as_mapping) {
            Some(m) => m.iter().filter_map(|(k, v)| Some((k.as_str()?.to_string(), scalar_string(v)?))).collect(),
            None => Vec::new(),
        }
    }
    pub fn labels(&self) -> Vec<(String, String)> {
        self.string_map(&["metadata", "labels"])
    }
    pub fn annotations(&self) -> Vec<(String, String)> {
        self.string_map(&["metadata", "annotations"])
    }

    /// A patch that deletes every field leaves an empty object behind: kustomize drops it.
    pub fn is_empty(&self) -> bool {
        match &self.value {
            Value::Null => true,
            Value::Mapping(m) => m.is_empty(),
            _ => false,
        }
    }
}

/// A scalar as the string kustomize would see (labels written as `true` or `1` are still label values).
pub fn scalar_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        Value::Null => Some(String::new()),
        _ => None,
    }
}

pub fn get_path<'a>(v: &'a Value, path: &[&str]) -> Option<&'a Value> {
    let mut cur = v;
    for p in path {
        cur = cur.as_mapping()?.get(*p)?;
    }
    Some(cur)
}

/// Sets a value at a path of mapping keys, creating (or replacing non-mapping) intermediate nodes.
pub fn set_path(v: &mut Value, path: &[&str], new: Value) {
    let mut cur = v;
    for (i, p) in path.iter().enumerate() {
        if !cur.is_mapping() {
            *cur = Value::Mapping(Mapping::new());
        }
        let m = cur.as_mapping_mut().expect("just made a mapping");
        if i == path.len() - 1 {
            m.insert(Value::String(p.to_string()), new);
            return;
        }
        let key = Value::String(p.to_string());
        if !m.contains_key(&key) {
            m.insert(key.clone(), Value::Mapping(Mapping::new()));
        }
        cur = m.get_mut(&key).expect("just inserted");
    }
}

pub fn remove_path(v: &mut Value, path: &[&str]) {
    let Some((last, parents)) = path.split_last() else { return };
    let mut cur = v;
    for p in parents {
        match cur.as_mapping_mut().and_then(|m| m.get_mut(*p)) {
            Some(next) => cur = next,
            None => return,
        }
    }
    if let Some(m) = cur.as_mapping_mut() {
        m.remove(*last);
    }
}
