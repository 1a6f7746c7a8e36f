//! The environment model: one environment's rendered objects with ESO resolved once. Stores are indexed by
//! (kind, name), Namespaces by name, each ExternalSecret carries its Key Vault references (resolved through its
//! store), each Secret its providers, and each Secret its consumers. Rules, the vault stage, rollout, graph and diff
//! read the model; none of them resolves ESO again, and every lookup is by index, so an environment of thousands of
//! overlays costs what its objects cost, not their square.

pub mod operators;
pub mod refs;

use crate::config::ExternalStore;
use crate::eso::consumers::{SecretUse, secret_uses};
use crate::eso::{EsoKind, ExternalSecretView, StoreRef, StoreView};
use crate::resource::{Resource, effective_ns};
use refs::{FindRef, KeyRef};
use std::collections::{HashMap, HashSet};
use std::ops::Range;

/// Namespaces compare as Kubernetes applies them: no namespace is the default one.
pub fn same_ns(a: &str, b: &str) -> bool {
    effective_ns(a) == effective_ns(b)
}

/// Where a secretStoreRef leads.
#[derive(Clone, Copy)]
pub enum StoreTarget<'a> {
    Rendered(StoreView<'a>),
    External(&'a ExternalStore),
}

impl<'a> StoreTarget<'a> {
    /// The vault URL of an azurekv store.
    pub fn vault_url(&self) -> Option<&'a str> {
        match self {
            StoreTarget::Rendered(s) => s.vault_url(),
            StoreTarget::External(e) => Some(e.vault_url.as_str()).filter(|u| !u.is_empty()),
        }
    }
    pub fn is_azurekv(&self) -> bool {
        match self {
            StoreTarget::Rendered(s) => s.azurekv().is_some(),
            StoreTarget::External(e) => !e.vault_url.is_empty(),
        }
    }
}

/// What writes a Secret of the environment.
#[derive(Clone, Copy)]
pub enum Provider<'a> {
    /// An ExternalSecret whose target it is.
    ExternalSecret(ExternalSecretView<'a>),
    /// A Secret rendered from Git.
    Secret(&'a Resource),
    /// An object another controller makes a Secret from (a cert-manager Certificate, ...), and which controller.
    Controller(&'a Resource, &'static str),
}

/// One ExternalSecret (or ClusterExternalSecret) and where its references sit in the model's lists.
struct EsEntry<'a> {
    view: ExternalSecretView<'a>,
    keys: Range<usize>,
    finds: Range<usize>,
}

/// A workload (any object whose pods read Secrets) and what it reads.
pub struct Consumer<'a> {
    pub resource: &'a Resource,
    pub uses: Vec<SecretUse>,
}

pub struct EnvModel<'a> {
    pub name: &'a str,
    pub resources: &'a [Resource],
    pub external_stores: &'a [ExternalStore],
    stores: Vec<StoreView<'a>>,
    /// (is a ClusterSecretStore, name) -> positions in `stores`, in render order.
    stores_by_name: HashMap<(bool, &'a str), Vec<usize>>,
    /// The labels of the first rendered Namespace of each name.
    namespace_labels: HashMap<&'a str, Vec<(String, String)>>,
    external_secrets: Vec<EsEntry<'a>>,
    /// Resource position -> position in `external_secrets`.
    es_at: HashMap<usize, usize>,
    key_refs: Vec<KeyRef<'a>>,
    find_refs: Vec<FindRef<'a>>,
    /// (effective namespace, Secret name) -> what writes it.
    providers: HashMap<(String, String), Vec<Provider<'a>>>,
    /// Target names of ClusterExternalSecrets: their Secrets land in namespaces chosen in the cluster.
    cluster_targets: HashSet<String>,
    consumers: Vec<Consumer<'a>>,
    /// (effective namespace, Secret name) -> positions in `consumers`.
    consumers_of: HashMap<(String, String), Vec<usize>>,
}

impl<'a> EnvModel<'a> {
    /// Index `resources` (one environment's rendered objects) once.
    pub fn build(name: &'a str, resources: &'a [Resource], external_stores: &'a [ExternalStore]) -> EnvModel<'a> {
        let mut m = EnvModel {
            name,
            resources,
            external_stores,
            stores: Vec::new(),
            stores_by_name: HashMap::new(),
            namespace_labels: HashMap::new(),
            external_secrets: Vec::new(),
            es_at: HashMap::new(),
            key_refs: Vec::new(),
            find_refs: Vec::new(),
            providers: HashMap::new(),
            cluster_targets: HashSet::new(),
            consumers: Vec::new(),
            consumers_of: HashMap::new(),
        };
        let mut es_positions = Vec::new();
        for (i, r) in resources.iter().enumerate() {
            let gvk = r.gvk();
            let core = gvk.group.is_empty();
            if core && r.kind() == "Namespace" {
                m.namespace_labels.entry(r.name()).or_insert_with(|| r.labels());
            }
            if core && r.kind() == "Secret" {
                m.providers
                    .entry((effective_ns(r.namespace()).to_string(), r.name().to_string()))
                    .or_default()
                    .push(Provider::Secret(r));
            }
            for (ns, secret, by) in operators::secrets_created_by(r) {
                m.providers
                    .entry((effective_ns(&ns).to_string(), secret))
                    .or_default()
                    .push(Provider::Controller(r, by));
            }
            if let Some(s) = StoreView::new(r) {
                m.stores_by_name
                    .entry((s.kind == EsoKind::ClusterSecretStore, r.name()))
                    .or_default()
                    .push(m.stores.len());
                m.stores.push(s);
            }
            if let Some(es) = ExternalSecretView::new(r) {
                if r.kind() == "ExternalSecret" {
                    m.providers
                        .entry((effective_ns(r.namespace()).to_string(), es.target_name()))
                        .or_default()
                        .push(Provider::ExternalSecret(es));
                } else {
                    m.cluster_targets.insert(es.target_name());
                }
                es_positions.push((i, es));
            }
            let uses = secret_uses(r);
            if !uses.is_empty() {
                for u in &uses {
                    m.consumers_of
                        .entry((effective_ns(r.namespace()).to_string(), u.secret.clone()))
                        .or_default()
                        .push(m.consumers.len());
                }
                m.consumers.push(Consumer { resource: r, uses });
            }
        }
        // References last: they resolve stores, which must all be indexed first.
        for (i, es) in es_positions {
            let (mut keys, mut finds) = (Vec::new(), Vec::new());
            refs::collect(&m, &es, &mut keys, &mut finds);
            let k0 = m.key_refs.len();
            let f0 = m.find_refs.len();
            m.key_refs.extend(keys);
            m.find_refs.extend(finds);
            m.es_at.insert(i, m.external_secrets.len());
            m.external_secrets.push(EsEntry { view: es, keys: k0..m.key_refs.len(), finds: f0..m.find_refs.len() });
        }
        m
    }

    /// Every ExternalSecret and ClusterExternalSecret, in render order.
    pub fn external_secrets(&self) -> impl Iterator<Item = ExternalSecretView<'a>> + '_ {
        self.external_secrets.iter().map(|e| e.view)
    }

    /// Every SecretStore and ClusterSecretStore, in render order.
    pub fn stores(&self) -> impl Iterator<Item = StoreView<'a>> + '_ {
        self.stores.iter().copied()
    }

    /// Every Key Vault key the environment's ExternalSecrets read.
    pub fn key_refs(&self) -> &[KeyRef<'a>] {
        &self.key_refs
    }

    /// Every `dataFrom.find` against a Key Vault.
    pub fn find_refs(&self) -> &[FindRef<'a>] {
        &self.find_refs
    }

    /// The Key Vault references of the ExternalSecret at `position` in `resources`.
    pub fn refs_at(&self, position: usize) -> (&[KeyRef<'a>], &[FindRef<'a>]) {
        match self.es_at.get(&position).map(|&i| &self.external_secrets[i]) {
            Some(e) => (&self.key_refs[e.keys.clone()], &self.find_refs[e.finds.clone()]),
            None => (&[], &[]),
        }
    }

    /// What writes Secret `name` in `namespace`: ExternalSecrets targeting it and Secrets rendered from Git.
    pub fn providers(&self, namespace: &str, name: &str) -> &[Provider<'a>] {
        self.providers.get(&(effective_ns(namespace).to_string(), name.to_string())).map_or(&[], Vec::as_slice)
    }

    /// Secret names written in `namespace` (for a did-you-mean).
    pub fn provided_in(&self, namespace: &str) -> Vec<String> {
        let ns = effective_ns(namespace);
        let mut names: Vec<String> = self.providers.keys().filter(|(n, _)| n == ns).map(|(_, s)| s.clone()).collect();
        names.sort();
        names
    }

    /// Whether a ClusterExternalSecret writes a Secret of this name (in namespaces the cluster decides).
    pub fn provided_by_cluster_external_secret(&self, name: &str) -> bool {
        self.cluster_targets.contains(name)
    }

    /// Every object whose pods read Secrets, in render order.
    pub fn consumers(&self) -> &[Consumer<'a>] {
        &self.consumers
    }

    /// The objects whose pods read Secret `name` in `namespace`, in render order.
    pub fn consumers_of(&self, namespace: &str, name: &str) -> impl Iterator<Item = &Consumer<'a>> + '_ {
        self.consumers_of
            .get(&(effective_ns(namespace).to_string(), name.to_string()))
            .into_iter()
            .flatten()
            .map(|&i| &self.consumers[i])
    }

    /// The labels of the rendered Namespace `ns`; None when it is not rendered (then its labels are the cluster's).
    fn namespace_labels(&self, ns: &str) -> Option<&[(String, String)]> {
        self.namespace_labels.get(ns).map(Vec::as_slice)
    }

    fn in_scope(&self, s: &StoreView<'a>, cluster: bool, namespace: &str, labels: Option<&[(String, String)]>) -> bool {
        if cluster { s.admits_namespace(namespace, labels) } else { same_ns(s.resource.namespace(), namespace) }
    }

    /// Resolve a store reference made from `namespace`: a SecretStore must be in that namespace, a
    /// ClusterSecretStore must admit it; the first rendered one in render order, else a config-declared one. Err
    /// holds the names of stores of that kind that would be visible, for a did-you-mean.
    pub fn resolve_store(&self, namespace: &str, r: &StoreRef) -> Result<StoreTarget<'a>, Vec<String>> {
        let cluster = r.kind == "ClusterSecretStore";
        let labels = self.namespace_labels(namespace);
        let kind_ok = |e: &ExternalStore| e.kind == r.kind;
        let env_ok = |e: &ExternalStore| e.environments.is_empty() || e.environments.iter().any(|x| x == self.name);
        let scope_ok = |e: &ExternalStore| cluster || e.namespace.as_deref().is_some_and(|n| same_ns(n, namespace));
        if let Some(candidates) = self.stores_by_name.get(&(cluster, r.name.as_str())) {
            for &i in candidates {
                if self.in_scope(&self.stores[i], cluster, namespace, labels) {
                    return Ok(StoreTarget::Rendered(self.stores[i]));
                }
            }
        }
        if let Some(e) =
            self.external_stores.iter().find(|e| kind_ok(e) && env_ok(e) && scope_ok(e) && e.name == r.name)
        {
            return Ok(StoreTarget::External(e));
        }
        // Not found: what would have been visible, for the hint.
        let want = if cluster { EsoKind::ClusterSecretStore } else { EsoKind::SecretStore };
        let mut visible: Vec<String> = self
            .stores
            .iter()
            .filter(|s| s.kind == want && self.in_scope(s, cluster, namespace, labels))
            .map(|s| s.resource.name().to_string())
            .collect();
        visible.extend(
            self.external_stores.iter().filter(|e| kind_ok(e) && env_ok(e) && scope_ok(e)).map(|e| e.name.clone()),
        );
        Err(visible)
    }

    /// The store an ExternalSecret data entry reads from (its own sourceRef, else the ExternalSecret's).
    pub fn store_of(&self, es: &ExternalSecretView<'a>, entry_store: Option<&StoreRef>) -> Option<StoreTarget<'a>> {
        let r = entry_store.cloned().or_else(|| es.store_ref())?;
        self.resolve_store(es.resource.namespace(), &r).ok()
    }
}

/// Give every namespaced object without a namespace `ns`, as Argo CD does when it applies them to an Application's
/// destination namespace (cluster-scoped kinds, ESO's ClusterSecretStore and ClusterExternalSecret included, stay
/// without). Which objects were placed, by position.
pub fn place_in_namespace(resources: &mut [Resource], ns: &str) -> Vec<bool> {
    resources
        .iter_mut()
        .map(|r| {
            let cluster_scoped =
                r.gvk().is_cluster_scoped() || crate::eso::EsoKind::of(r).is_some_and(|k| k.is_cluster_scoped());
            let place = r.namespace().is_empty() && !cluster_scoped;
            if place {
                r.set_namespace(ns);
            }
            place
        })
        .collect()
}

/// The namespace Argo CD would most likely apply an overlay's namespace-less objects to when no Application says:
/// the one namespace all its other namespaced objects render into. None when there are none, or several.
pub fn only_namespace(resources: &[Resource]) -> Option<String> {
    let mut found: Option<&str> = None;
    for r in resources.iter().filter(|r| !r.namespace().is_empty()) {
        match found {
            None => found = Some(r.namespace()),
            Some(ns) if ns == r.namespace() => {}
            Some(_) => return None,
        }
    }
    found.map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resources(yaml: &str) -> Vec<Resource> {
        yaml.split("\n---\n")
            .map(|doc| Resource::new(serde_yaml::from_str(doc).expect("valid test YAML"), Default::default()))
            .collect()
    }

    const ENV: &str = "
apiVersion: external-secrets.io/v1
kind: SecretStore
metadata: {name: kv, namespace: team-a}
spec: {provider: {azurekv: {vaultUrl: 'https://kv-a.vault.azure.net/'}}}
---
apiVersion: external-secrets.io/v1
kind: SecretStore
metadata: {name: kv, namespace: team-b}
spec: {provider: {azurekv: {vaultUrl: 'https://kv-b.vault.azure.net/'}}}
---
apiVersion: external-secrets.io/v1
kind: ExternalSecret
metadata: {name: db, namespace: team-b}
spec:
  secretStoreRef: {name: kv}
  target: {name: db-creds}
  data:
  - {secretKey: PASSWORD, remoteRef: {key: db-password}}
  dataFrom:
  - find: {name: {regexp: '('}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: team-b}
spec:
  template:
    spec:
      containers:
      - name: main
        envFrom: [{secretRef: {name: db-creds}}]
";

    /// A SecretStore reference resolves in the ExternalSecret's namespace only, even when a store of the same
    /// name renders earlier in another namespace; the references carry that store's vault.
    #[test]
    fn store_resolution_and_references_follow_the_namespace() {
        let rs = resources(ENV);
        let m = EnvModel::build("prod", &rs, &[]);
        assert_eq!(m.key_refs().len(), 1);
        assert_eq!(m.key_refs()[0].vault, "https://kv-b.vault.azure.net/");
        assert_eq!(m.key_refs()[0].path, "spec.data[0].remoteRef.key");
        let (keys, finds) = m.refs_at(2);
        assert_eq!((keys.len(), finds.len()), (1, 1));
        assert!(matches!(finds[0].matcher, Some(Err(_))), "an invalid regexp is kept as such");
        let missing = StoreRef { name: "kvv".into(), kind: "SecretStore".into(), path: String::new() };
        assert_eq!(m.resolve_store("team-a", &missing).err(), Some(vec!["kv".to_string()]));
    }

    #[test]
    fn providers_and_consumers_are_indexed_by_namespace() {
        let rs = resources(ENV);
        let m = EnvModel::build("prod", &rs, &[]);
        assert_eq!(m.providers("team-b", "db-creds").len(), 1);
        assert!(m.providers("team-a", "db-creds").is_empty());
        let consumers: Vec<&str> = m.consumers_of("team-b", "db-creds").map(|c| c.resource.name()).collect();
        assert_eq!(consumers, ["api"]);
        assert_eq!(m.provided_in("team-b"), ["db-creds"]);
    }
}
