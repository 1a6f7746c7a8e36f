//! REF001: a secretStoreRef resolves to a store of that kind in the environment.

use super::{EnvView, RawFinding, Rule, Severity, did_you_mean};
use crate::eso::{EsoKind, StoreRef};

pub const RULE: Rule = Rule {
    code: "REF001",
    name: "store-ref",
    severity: Severity::Error,
    summary: "a secretStoreRef does not resolve to a store in the environment",
    explanation: "ESO looks the store up by kind and name (`resolvers.SecretStore`), a ClusterSecretStore subject to its conditions (`shouldProcessSecret`, pkg/controllers/secretstore/client_manager.go). \
An ExternalSecret's `secretStoreRef` (and any per-entry `sourceRef.storeRef`) must name a store that \
exists where the ExternalSecret lands: a SecretStore in the same namespace, or a ClusterSecretStore whose \
`conditions` admit the namespace. Stores are looked up among everything rendered for the environment, plus the \
`externalStores` of `.argocd-eso-plugin.yaml` for stores managed outside the repo. REF001 is the reference that is \
wrong: a store of a near name, or of that name but another kind or namespace, is there. A name that nothing in the \
environment has is REF003 (a store managed outside the repository, or missing). An unresolved store leaves the \
ExternalSecret in SecretSyncedError and the app Degraded.\n\n\
Example:\n\n\
\x20   secretStoreRef:\n      name: azure-kvv              # REF001: did you mean 'azure-kv'?\n      kind: ClusterSecretStore\n",
    check,
};

/// Why a store reference does not resolve.
pub(crate) enum Unresolved {
    /// A store of a near name is visible: a typo (REF001, with did-you-mean).
    NearName(String),
    /// A store of that name exists, of another kind or in another namespace (REF001).
    Elsewhere(String),
    /// Nothing of that name anywhere in the environment: a store managed outside the repository, or missing
    /// (REF003, a warning that names `externalStores`). The stores that are visible from there.
    NotInRepo(Vec<String>),
}

/// Classify a reference from `namespace` that does not resolve; None when it resolves (or names no store).
pub(crate) fn unresolved(env: &EnvView<'_>, namespace: &str, sr: &StoreRef) -> Option<Unresolved> {
    if sr.name.is_empty() {
        return None;
    }
    let visible = env.resolve_store(namespace, sr).err()?;
    if let Some(near) = did_you_mean(&sr.name, &visible) {
        return Some(Unresolved::NearName(near));
    }
    let rendered = env.stores().into_iter().find(|s| s.resource.name() == sr.name).map(|s| {
        let ns = s.resource.namespace();
        if ns.is_empty() || s.kind == EsoKind::ClusterSecretStore {
            format!("a {:?} '{}' is rendered", s.kind, sr.name)
        } else {
            format!("a {:?} '{}' is rendered in namespace '{ns}'", s.kind, sr.name)
        }
    });
    let external = || {
        env.external_stores
            .iter()
            .find(|e| e.name == sr.name)
            .map(|e| format!("externalStores declares a {} '{}' for other environments or namespaces", e.kind, e.name))
    };
    Some(match rendered.or_else(external) {
        Some(elsewhere) => Unresolved::Elsewhere(elsewhere),
        None => Unresolved::NotInRepo(visible),
    })
}

/// Every store reference of the environment's ExternalSecrets, with the namespace it is resolved from.
pub(crate) fn store_refs<'a>(env: &EnvView<'a>) -> Vec<(&'a crate::resource::Resource, String, StoreRef)> {
    let mut out = Vec::new();
    for es in env.external_secrets() {
        // A ClusterExternalSecret's namespaces are chosen in the cluster: only cluster stores can be checked.
        let cluster_es = EsoKind::of(es.resource) == Some(EsoKind::ClusterExternalSecret);
        let ns = if cluster_es { String::new() } else { es.resource.namespace().to_string() };
        let mut refs: Vec<StoreRef> = es.store_ref().into_iter().collect();
        refs.extend(es.data().into_iter().filter_map(|d| d.store));
        refs.extend(es.data_from().into_iter().filter_map(|d| d.store));
        for sr in refs {
            if cluster_es && sr.kind != "ClusterSecretStore" {
                continue;
            }
            out.push((es.resource, ns.clone(), sr));
        }
    }
    out
}

pub(crate) fn scope(sr: &StoreRef, namespace: &str) -> String {
    if sr.kind == "ClusterSecretStore" { String::new() } else { format!(" in namespace '{namespace}'") }
}

fn check<'a>(env: &EnvView<'a>) -> Vec<RawFinding<'a>> {
    let mut out = Vec::new();
    for (r, namespace, sr) in store_refs(env) {
        let hint = match unresolved(env, &namespace, &sr) {
            None | Some(Unresolved::NotInRepo(_)) => continue,
            Some(Unresolved::NearName(near)) => format!("did you mean '{near}'?"),
            Some(Unresolved::Elsewhere(what)) => what,
        };
        let scope = scope(&sr, &namespace);
        out.push(RawFinding::at(
            r,
            sr.path.clone(),
            format!("{} '{}' does not resolve{scope} in environment '{}'", sr.kind, sr.name, env.name),
            hint,
        ));
    }
    out
}
