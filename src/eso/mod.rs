//! The External Secrets Operator objects of a rendered environment, as typed read-only views over resources,
//! and the workloads that consume the Secrets they produce.

pub mod azure;
pub mod consumers;
pub mod crds;
pub mod release;
pub mod schema;

use crate::resource::{Resource, get_path};
use serde_yaml::Value;

pub const GROUP: &str = "external-secrets.io";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EsoKind {
    ExternalSecret,
    SecretStore,
    ClusterSecretStore,
    ClusterExternalSecret,
    PushSecret,
}

impl EsoKind {
    pub fn of(r: &Resource) -> Option<EsoKind> {
        if r.gvk().group != GROUP {
            return None;
        }
        Some(match r.kind() {
            "ExternalSecret" => EsoKind::ExternalSecret,
            "SecretStore" => EsoKind::SecretStore,
            "ClusterSecretStore" => EsoKind::ClusterSecretStore,
            "ClusterExternalSecret" => EsoKind::ClusterExternalSecret,
            "PushSecret" => EsoKind::PushSecret,
            _ => return None,
        })
    }

    pub fn is_cluster_scoped(self) -> bool {
        matches!(self, EsoKind::ClusterSecretStore | EsoKind::ClusterExternalSecret)
    }
}

fn str_at<'a>(v: &'a Value, path: &[&str]) -> Option<&'a str> {
    get_path(v, path).and_then(Value::as_str)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreRef {
    pub name: String,
    /// `SecretStore` or `ClusterSecretStore`.
    pub kind: String,
    /// Where the reference is written, for positions.
    pub path: String,
}

/// One `spec.data[]` entry.
#[derive(Debug, Clone)]
pub struct DataEntry {
    pub index: usize,
    pub secret_key: String,
    pub key: String,
    pub version: Option<String>,
    pub property: Option<String>,
    /// A per-entry `sourceRef.storeRef`, overriding the ExternalSecret's store.
    pub store: Option<StoreRef>,
}

/// One `spec.dataFrom[]` entry.
#[derive(Debug, Clone)]
pub struct DataFromEntry {
    pub index: usize,
    pub extract_key: Option<String>,
    pub find_name_regexp: Option<String>,
    pub find_tags: Vec<(String, String)>,
    pub is_find: bool,
    pub store: Option<StoreRef>,
}

/// An ExternalSecret (or the spec template inside a ClusterExternalSecret, with `prefix` "spec.externalSecretSpec").
#[derive(Clone, Copy)]
pub struct ExternalSecretView<'a> {
    pub resource: &'a Resource,
    spec: &'a Value,
    prefix: &'static str,
}

fn store_ref_at(v: &Value, path: &str) -> Option<StoreRef> {
    let m = v.as_mapping()?;
    Some(StoreRef {
        name: m.get("name").and_then(Value::as_str).unwrap_or("").to_string(),
        kind: m.get("kind").and_then(Value::as_str).unwrap_or("SecretStore").to_string(),
        path: path.to_string(),
    })
}

impl<'a> ExternalSecretView<'a> {
    pub fn new(resource: &'a Resource) -> Option<ExternalSecretView<'a>> {
        match EsoKind::of(resource)? {
            EsoKind::ExternalSecret => {
                Some(ExternalSecretView { resource, spec: get_path(&resource.value, &["spec"])?, prefix: "spec" })
            }
            EsoKind::ClusterExternalSecret => Some(ExternalSecretView {
                resource,
                spec: get_path(&resource.value, &["spec", "externalSecretSpec"])?,
                prefix: "spec.externalSecretSpec",
            }),
            _ => None,
        }
    }

    pub fn path(&self, rest: &str) -> String {
        if rest.is_empty() { self.prefix.to_string() } else { format!("{}.{rest}", self.prefix) }
    }

    pub fn spec(&self) -> &'a Value {
        self.spec
    }

    pub fn store_ref(&self) -> Option<StoreRef> {
        store_ref_at(self.spec.get("secretStoreRef")?, &self.path("secretStoreRef.name"))
    }

    /// The Secret this ExternalSecret writes: `spec.target.name`, defaulting to its own name.
    /// The Secret the ExternalSecret writes: `target.name`, else the ExternalSecret's own name. A
    /// ClusterExternalSecret's ExternalSecrets are named `spec.externalSecretName`, else after it
    /// (pkg/controllers/clusterexternalsecret/clusterexternalsecret_controller.go, Reconcile), so that name is the
    /// Secret's default.
    pub fn target_name(&self) -> String {
        if let Some(name) = str_at(self.spec, &["target", "name"]).filter(|n| !n.is_empty()) {
            return name.to_string();
        }
        let es_name = (EsoKind::of(self.resource) == Some(EsoKind::ClusterExternalSecret))
            .then(|| str_at(&self.resource.value, &["spec", "externalSecretName"]))
            .flatten()
            .filter(|n| !n.is_empty());
        es_name.unwrap_or_else(|| self.resource.name()).to_string()
    }

    pub fn creation_policy(&self) -> &'a str {
        str_at(self.spec, &["target", "creationPolicy"]).unwrap_or("Owner")
    }

    pub fn deletion_policy(&self) -> &'a str {
        str_at(self.spec, &["target", "deletionPolicy"]).unwrap_or("Retain")
    }

    pub fn refresh_interval(&self) -> Option<&'a Value> {
        self.spec.get("refreshInterval")
    }

    pub fn refresh_policy(&self) -> Option<&'a str> {
        str_at(self.spec, &["refreshPolicy"])
    }

    pub fn data(&self) -> Vec<DataEntry> {
        let items = self.spec.get("data").and_then(Value::as_sequence).map(Vec::as_slice).unwrap_or(&[]);
        items
            .iter()
            .enumerate()
            .map(|(index, item)| DataEntry {
                index,
                secret_key: str_at(item, &["secretKey"]).unwrap_or("").to_string(),
                key: str_at(item, &["remoteRef", "key"]).unwrap_or("").to_string(),
                version: str_at(item, &["remoteRef", "version"]).map(str::to_string),
                property: str_at(item, &["remoteRef", "property"]).map(str::to_string),
                store: get_path(item, &["sourceRef", "storeRef"])
                    .and_then(|s| store_ref_at(s, &self.path(&format!("data[{index}].sourceRef.storeRef.name")))),
            })
            .collect()
    }

    pub fn data_from(&self) -> Vec<DataFromEntry> {
        let items = self.spec.get("dataFrom").and_then(Value::as_sequence).map(Vec::as_slice).unwrap_or(&[]);
        items
            .iter()
            .enumerate()
            .map(|(index, item)| DataFromEntry {
                index,
                extract_key: str_at(item, &["extract", "key"]).map(str::to_string),
                find_name_regexp: str_at(item, &["find", "name", "regexp"]).map(str::to_string),
                find_tags: get_path(item, &["find", "tags"])
                    .and_then(Value::as_mapping)
                    .map(|m| {
                        m.iter()
                            .filter_map(|(k, v)| Some((k.as_str()?.to_string(), crate::resource::scalar_string(v)?)))
                            .collect()
                    })
                    .unwrap_or_default(),
                is_find: item.get("find").is_some(),
                store: get_path(item, &["sourceRef", "storeRef"])
                    .and_then(|s| store_ref_at(s, &self.path(&format!("dataFrom[{index}].sourceRef.storeRef.name")))),
            })
            .collect()
    }
}

/// A SecretStore or ClusterSecretStore.
#[derive(Clone, Copy)]
pub struct StoreView<'a> {
    pub resource: &'a Resource,
    pub kind: EsoKind,
}

impl<'a> StoreView<'a> {
    pub fn new(resource: &'a Resource) -> Option<StoreView<'a>> {
        let kind = EsoKind::of(resource)?;
        matches!(kind, EsoKind::SecretStore | EsoKind::ClusterSecretStore).then_some(StoreView { resource, kind })
    }

    pub fn azurekv(&self) -> Option<&'a Value> {
        get_path(&self.resource.value, &["spec", "provider", "azurekv"])
    }

    pub fn vault_url(&self) -> Option<&'a str> {
        self.azurekv().and_then(|a| a.get("vaultUrl")).and_then(Value::as_str)
    }

    /// Whether a ClusterSecretStore serves ExternalSecrets in `namespace`, as ESO's `shouldProcessSecret`
    /// (pkg/controllers/secretstore/client_manager.go) decides: no conditions admit every namespace; else any
    /// condition whose `namespaceSelector` (a full label selector: `{}` matches every namespace), `namespaces` (by
    /// the `kubernetes.io/metadata.name` label every namespace has) or `namespaceRegexes` (unanchored) matches.
    /// `namespace_labels` are the rendered Namespace's labels, None when it is not rendered: then only the name is
    /// known, and a selector on other labels cannot be decided here, so it admits (never a false REF001). An empty
    /// `namespace` (an object that names none, destination unknown) is admitted for the same reason.
    pub fn admits_namespace(&self, namespace: &str, namespace_labels: Option<&[(String, String)]>) -> bool {
        let Some(conditions) = get_path(&self.resource.value, &["spec", "conditions"]).and_then(Value::as_sequence)
        else {
            return true;
        };
        if conditions.is_empty() || namespace.is_empty() {
            return true;
        }
        let mut labels: Vec<(String, String)> = namespace_labels.map(<[_]>::to_vec).unwrap_or_default();
        labels.push(("kubernetes.io/metadata.name".into(), namespace.into()));
        conditions.iter().any(|c| {
            let listed = c
                .get("namespaces")
                .and_then(Value::as_sequence)
                .is_some_and(|ns| ns.iter().any(|n| n.as_str() == Some(namespace)));
            let regex = c.get("namespaceRegexes").and_then(Value::as_sequence).is_some_and(|rs| {
                rs.iter().filter_map(Value::as_str).any(|r| regex::Regex::new(r).is_ok_and(|re| re.is_match(namespace)))
            });
            let selector = c.get("namespaceSelector").filter(|s| !s.is_null()).is_some_and(|s| {
                match selector_matches(s, &labels) {
                    Some(matched) => matched,
                    // Only labels the Namespace object would tell: unknown when it is not rendered.
                    None => namespace_labels.is_none(),
                }
            });
            listed || regex || selector
        })
    }
}

/// A Kubernetes label selector (`matchLabels` and `matchExpressions`, ANDed; `{}` matches everything) over `labels`,
/// as apimachinery's `LabelSelectorAsSelector(...).Matches`. None when it does not match for want of a label other
/// than the name, which the Namespace object would have told (see `admits_namespace`).
fn selector_matches(selector: &Value, labels: &[(String, String)]) -> Option<bool> {
    let get = |k: &str| labels.iter().find(|(lk, _)| lk == k).map(|(_, v)| v.as_str());
    let mut unknown = false;
    let mut check = |key: &str, ok: bool| {
        if !ok && key != "kubernetes.io/metadata.name" && get(key).is_none() {
            unknown = true;
        }
        ok
    };
    let mut all = true;
    if let Some(m) = selector.get("matchLabels").and_then(Value::as_mapping) {
        for (k, v) in m {
            let (Some(k), Some(v)) = (k.as_str(), crate::resource::scalar_string(v)) else { return Some(false) };
            all &= check(k, get(k) == Some(v.as_str()));
        }
    }
    for e in selector.get("matchExpressions").and_then(Value::as_sequence).into_iter().flatten() {
        let key = e.get("key").and_then(Value::as_str).unwrap_or("");
        let values: Vec<String> = e
            .get("values")
            .and_then(Value::as_sequence)
            .into_iter()
            .flatten()
            .filter_map(crate::resource::scalar_string)
            .collect();
        let have = get(key);
        let ok = match e.get("operator").and_then(Value::as_str).unwrap_or("") {
            "In" => have.is_some_and(|h| values.iter().any(|v| v == h)),
            "NotIn" => have.is_none_or(|h| values.iter().all(|v| v != h)),
            "Exists" => have.is_some(),
            "DoesNotExist" => have.is_none(),
            // An operator the API server rejects: the store is invalid, never matches.
            _ => return Some(false),
        };
        all &= check(key, ok);
    }
    if all {
        Some(true)
    } else if unknown {
        None
    } else {
        Some(false)
    }
}

/// Whether `s` holds a Flux post-build substitution (`${name}`, `${name:=default}`, `${name:-default}`): a value Flux
/// fills in when it applies the manifests (kustomize-controller's `postBuild.substitute`), so its text is a
/// placeholder and no literal to validate or to look up in a vault.
pub fn has_substitution(s: &str) -> bool {
    let mut rest = s;
    while let Some(i) = rest.find("${") {
        let after = &rest[i + 2..];
        let Some(end) = after.find('}') else { return false };
        let var = &after[..end];
        let name = var.split([':', '=', '-']).next().unwrap_or("");
        let mut chars = name.chars();
        if chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            return true;
        }
        rest = &after[end..];
    }
    false
}

#[cfg(test)]
mod substitution_tests {
    use super::has_substitution;

    #[test]
    fn flux_substitutions_are_recognised() {
        for s in ["${azureTenantId}", "https://${kv_name}.vault.azure.net/", "${ENV:=dev}-db", "${X:-y}"] {
            assert!(has_substitution(s), "{s}");
        }
        for s in ["plain", "$(VAR)", "${}", "${1abc}", "{{ .name }}", "$x", "${unterminated"] {
            assert!(!has_substitution(s), "{s}");
        }
    }
}

#[cfg(test)]
mod namespace_condition_tests {
    use super::StoreView;
    use crate::resource::{Origin, Resource};

    fn store(conditions: &str) -> Resource {
        let text = format!(
            "apiVersion: external-secrets.io/v1\nkind: ClusterSecretStore\nmetadata:\n  name: s\nspec:\n  conditions:\n{conditions}"
        );
        Resource::new(serde_yaml::from_str(&text).unwrap(), Origin::default())
    }

    fn labels(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    /// Cases from ESO's shouldProcessSecret (pkg/controllers/secretstore/client_manager.go) and apimachinery's label
    /// selectors: (conditions, namespace, rendered Namespace labels, admitted).
    #[test]
    fn conditions_admit_namespaces_as_eso_does() {
        let prod = labels(&[("env", "prod")]);
        let dev = labels(&[("env", "dev")]);
        type Case<'a> = (&'a str, &'a str, Option<&'a [(String, String)]>, bool);
        let cases: &[Case] = &[
            ("  - namespaceSelector: {}\n", "team-a", None, true),
            (
                "  - namespaceSelector:\n      matchLabels: {kubernetes.io/metadata.name: team-a}\n",
                "team-a",
                None,
                true,
            ),
            (
                "  - namespaceSelector:\n      matchLabels: {kubernetes.io/metadata.name: team-a}\n",
                "team-b",
                None,
                false,
            ),
            (
                "  - namespaceSelector:\n      matchExpressions:\n      - {key: kubernetes.io/metadata.name, operator: In, values: [team-a, team-b]}\n",
                "team-b",
                None,
                true,
            ),
            (
                "  - namespaceSelector:\n      matchExpressions:\n      - {key: kubernetes.io/metadata.name, operator: NotIn, values: [team-a]}\n",
                "team-a",
                None,
                false,
            ),
            ("  - namespaceSelector:\n      matchLabels: {env: prod}\n", "team-a", Some(&prod), true),
            ("  - namespaceSelector:\n      matchLabels: {env: prod}\n", "team-a", Some(&dev), false),
            // The Namespace is not rendered: its labels are the cluster's, unknown here.
            ("  - namespaceSelector:\n      matchLabels: {env: prod}\n", "team-a", None, true),
            (
                "  - namespaceSelector:\n      matchExpressions:\n      - {key: env, operator: DoesNotExist}\n",
                "team-a",
                Some(&prod),
                false,
            ),
            ("  - namespaces: [team-a]\n", "team-a", None, true),
            ("  - namespaces: [team-a]\n", "team-b", None, false),
            ("  - namespaceRegexes: [\"^team-\"]\n", "team-x", None, true),
            ("  - namespaceRegexes: [\"^team-\"]\n", "ops", None, false),
            ("  - namespaces: [a]\n  - namespaceRegexes: [b]\n", "ab", None, true),
        ];
        for (conditions, ns, ns_labels, admitted) in cases {
            let r = store(conditions);
            let s = StoreView::new(&r).unwrap();
            assert_eq!(s.admits_namespace(ns, *ns_labels), *admitted, "{conditions} for {ns} ({ns_labels:?})");
        }
    }
}

#[cfg(test)]
mod target_name_tests {
    use super::ExternalSecretView;
    use crate::resource::{Origin, Resource};

    fn view_of(text: &str) -> Resource {
        Resource::new(serde_yaml::from_str(text).unwrap(), Origin::default())
    }

    /// The Secret's name as ESO chooses it: target.name, else the ExternalSecret's name; for a ClusterExternalSecret,
    /// the ExternalSecrets it creates are named spec.externalSecretName, else after it.
    #[test]
    fn target_names_follow_eso() {
        let cases = [
            ("kind: ExternalSecret\nmetadata: {name: es}\nspec: {target: {name: s}}", "s"),
            ("kind: ExternalSecret\nmetadata: {name: es}\nspec: {}", "es"),
            ("kind: ClusterExternalSecret\nmetadata: {name: ces}\nspec: {externalSecretSpec: {}}", "ces"),
            (
                "kind: ClusterExternalSecret\nmetadata: {name: ces}\nspec: {externalSecretName: shared, externalSecretSpec: {}}",
                "shared",
            ),
            (
                "kind: ClusterExternalSecret\nmetadata: {name: ces}\nspec: {externalSecretName: shared, externalSecretSpec: {target: {name: t}}}",
                "t",
            ),
        ];
        for (text, want) in cases {
            let r = view_of(&format!("apiVersion: external-secrets.io/v1\n{text}\n"));
            assert_eq!(ExternalSecretView::new(&r).unwrap().target_name(), want, "{text}");
        }
    }
}
