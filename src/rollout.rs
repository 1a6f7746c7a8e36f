//! Rollout on rotation: each workload that reads a Secret an ExternalSecret writes gets, on its pod template, a
//! hash of the Key Vault secret versions behind it. A rotation in Key Vault changes the hash at the next render, so
//! the workload rolls with no controller in the cluster. Each ExternalSecret gets the hash of its own keys in
//! `spec.target.template.metadata.annotations` and a sync wave ahead of its consumers. A spec change bumps the
//! ExternalSecret's `metadata.generation`; ESO re-syncs on it and records it in `status.syncedResourceVersion`
//! (`GetResourceVersion` in ESO's pkg/controllers/util/util.go), which is what the health check shipped in
//! `examples/argocd/argocd-cm-health.yaml` waits for, so the consumers' wave starts only after the Secret holds
//! the new value. The hash covers (vault, key, version) only: never a value.

use crate::eso::ExternalSecretView;
use crate::eso::consumers::{pod_template_path, secret_uses};
use crate::model::EnvModel;
use crate::resource::{Resource, effective_ns, get_path, set_path};
use crate::vault::stage::{Taken, VaultData};
use serde_yaml::{Mapping, Value};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};

/// The annotation on pod templates and on ExternalSecrets' target templates: `sha256:<hex>` of the Key Vault versions
/// they depend on.
pub const VERSIONS_ANNOTATION: &str = "argocd-eso-plugin.io/secret-versions";
pub const SYNC_WAVE_ANNOTATION: &str = "argocd.argoproj.io/sync-wave";

#[derive(Debug, Clone, Copy)]
pub struct StampOptions {
    /// Stamp ExternalSecrets' target templates with the hash of their own keys.
    pub external_secrets: bool,
    /// Give ExternalSecrets a sync wave one lower than their consumers' (unless set).
    pub sync_waves: bool,
}

impl Default for StampOptions {
    fn default() -> StampOptions {
        StampOptions { external_secrets: true, sync_waves: true }
    }
}

/// One Key Vault secret version an object depends on.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Dependency {
    pub vault: String,
    pub key: String,
    pub revision: String,
}

/// The versions the ExternalSecret at `position` of the model depends on, from the references the model resolved
/// for it; Err names the keys whose version is not known (no inventory, or a `find` that cannot be evaluated).
pub fn dependencies(model: &EnvModel, vault: &VaultData, position: usize) -> Result<BTreeSet<Dependency>, Vec<String>> {
    let mut deps = BTreeSet::new();
    let mut unknown = Vec::new();
    let (keys, finds) = model.refs_at(position);
    // A Key Vault *key* (`key/<name>`) is not listed by the secrets API, so it has no version here; the stamp covers
    // the ExternalSecret's other references, and KV008 says its rotation is not tracked.
    for k in keys.iter().filter(|k| k.object != crate::eso::azure::KeyObject::Key) {
        match (&k.version, vault.inventory(&k.vault).and_then(|inv| inv.get(&k.name))) {
            // A pinned version is the dependency itself: it only changes when the manifest does.
            (Some(v), _) => {
                deps.insert(Dependency { vault: k.vault.clone(), key: k.name.to_lowercase(), revision: v.clone() });
            }
            (None, Some(meta)) => {
                deps.insert(Dependency {
                    vault: k.vault.clone(),
                    key: meta.name.to_lowercase(),
                    revision: meta.revision(),
                });
            }
            (None, None) => unknown.push(format!("{}{}", k.vault, k.name)),
        }
    }
    for f in finds {
        match vault.taken_by(f) {
            Taken::Secrets(taken) => deps.extend(taken.into_iter().map(|m| Dependency {
                vault: f.vault.clone(),
                key: m.name.to_lowercase(),
                revision: m.revision(),
            })),
            Taken::NotListed => unknown.push(format!("{} {}", f.vault, f.path)),
            // ESO syncs nothing, so no version can be named.
            Taken::InvalidRegexp => unknown.push(format!("{} {} (invalid name regexp)", f.vault, f.path)),
        }
    }
    if unknown.is_empty() { Ok(deps) } else { Err(unknown) }
}

pub fn hash(deps: &BTreeSet<Dependency>) -> String {
    let mut h = Sha256::new();
    for d in deps {
        h.update(format!("{}\t{}\t{}\n", d.vault, d.key, d.revision).as_bytes());
    }
    let hex: String = h.finalize().iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

fn annotate(v: &mut Value, meta_path: &[&str], key: &str, value: &str) {
    let mut path: Vec<&str> = meta_path.to_vec();
    path.push("annotations");
    let mut anns = get_path(v, &path).and_then(Value::as_mapping).cloned().unwrap_or_else(Mapping::new);
    anns.insert(Value::String(key.to_string()), Value::String(value.to_string()));
    set_path(v, &path, Value::Mapping(anns));
}

/// Puts the stamp in the ExternalSecret's `spec.target.template.metadata.annotations`, so that a new version is a
/// spec change. ESO's `setMetadata` (pkg/controllers/externalsecret/externalsecret_controller_template.go) gives the
/// Secret the ExternalSecret's own labels and annotations when there is no template, and the template's metadata
/// when there is one; a template this adds therefore starts with those labels and annotations, so the Secret's
/// metadata stays what it was, plus the stamp. With no `data` or `templateFrom`, ESO's `ApplyTemplate` passes the
/// fetched data through unchanged.
fn stamp_external_secret(v: &mut Value, hash: &str) {
    const TEMPLATE_METADATA: [&str; 4] = ["spec", "target", "template", "metadata"];
    let has_template = get_path(v, &TEMPLATE_METADATA[..3]).is_some_and(|t| !t.is_null());
    if !has_template {
        let mut metadata = Mapping::new();
        for field in ["labels", "annotations"] {
            if let Some(own) =
                get_path(v, &["metadata", field]).filter(|m| m.as_mapping().is_some_and(|m| !m.is_empty()))
            {
                metadata.insert(Value::String(field.to_string()), own.clone());
            }
        }
        set_path(v, &TEMPLATE_METADATA, Value::Mapping(metadata));
    }
    annotate(v, &TEMPLATE_METADATA, VERSIONS_ANNOTATION, hash);
}

fn sync_wave(r: &Resource) -> Option<i64> {
    r.annotations().into_iter().find(|(k, _)| k == SYNC_WAVE_ANNOTATION).and_then(|(_, v)| v.trim().parse().ok())
}

/// What stamping did, for stderr and for diff explanations.
#[derive(Debug, Default)]
pub struct StampReport {
    /// `Kind/ns/name` of each stamped workload.
    pub workloads: Vec<String>,
    /// What each stamped object (workload or ExternalSecret) depends on, by `Kind/ns/name`: diff explains with it.
    pub dependencies: BTreeMap<String, BTreeSet<Dependency>>,
    pub external_secrets: Vec<String>,
    /// ExternalSecrets whose versions are unknown (no inventory): nothing stamped for them or their consumers.
    pub unknown: Vec<String>,
}

/// Stamp `targets` (the objects to output) using `env`, whose resources include them at `target_offset` and their
/// context (stores, other apps of the environment).
pub fn stamp(
    model: &EnvModel,
    vault: &VaultData,
    targets: &mut [Resource],
    target_offset: usize,
    opts: StampOptions,
) -> StampReport {
    let mut report = StampReport::default();
    // Secret (namespace, name) -> dependencies of the ExternalSecrets writing it, and their indexes among targets.
    let mut by_secret: BTreeMap<(String, String), BTreeSet<Dependency>> = BTreeMap::new();
    let mut es_hashes: Vec<(usize, BTreeSet<Dependency>)> = Vec::new();
    let mut unknown_secrets: BTreeSet<(String, String)> = BTreeSet::new();
    // Only the output's own ExternalSecrets: the context's belong to other apps, whose versions were not asked for.
    for (i, r) in model.resources.iter().enumerate().skip(target_offset).take(targets.len()) {
        let Some(es) = ExternalSecretView::new(r) else { continue };
        if r.kind() != "ExternalSecret" {
            continue;
        }
        let key = (effective_ns(r.namespace()).to_string(), es.target_name());
        match dependencies(model, vault, i) {
            Ok(deps) if !deps.is_empty() => {
                by_secret.entry(key).or_default().extend(deps.iter().cloned());
                es_hashes.push((i - target_offset, deps));
            }
            Ok(_) => {}
            Err(_) => {
                report.unknown.push(r.cur_id().to_string());
                unknown_secrets.insert(key);
            }
        }
    }
    // Workloads: the union of the dependencies of every Secret they read.
    let mut consumer_waves: BTreeMap<(String, String), i64> = BTreeMap::new();
    for r in targets.iter_mut() {
        let Some(template) = pod_template_path(r) else { continue };
        let ns = effective_ns(r.namespace()).to_string();
        let mut deps = BTreeSet::new();
        let mut blocked = false;
        for u in secret_uses(r) {
            let k = (ns.clone(), u.secret.clone());
            if unknown_secrets.contains(&k) {
                blocked = true;
            }
            if let Some(d) = by_secret.get(&k) {
                deps.extend(d.iter().cloned());
                let wave = sync_wave(r).unwrap_or(0);
                consumer_waves.entry(k).and_modify(|w| *w = (*w).min(wave)).or_insert(wave);
            }
        }
        // A workload some of whose versions are unknown is not stamped: a partial hash would roll it for nothing.
        if deps.is_empty() || blocked {
            continue;
        }
        let mut meta: Vec<&str> = template.to_vec();
        meta.push("metadata");
        annotate(&mut r.value, &meta, VERSIONS_ANNOTATION, &hash(&deps));
        report.workloads.push(r.cur_id().to_string());
        report.dependencies.insert(r.cur_id().to_string(), deps);
    }
    for (idx, deps) in es_hashes {
        let r = &mut targets[idx];
        let label = r.cur_id().to_string();
        let h = hash(&deps);
        report.dependencies.insert(label.clone(), deps);
        if opts.external_secrets {
            stamp_external_secret(&mut r.value, &h);
            report.external_secrets.push(label);
        }
        if opts.sync_waves && sync_wave(r).is_none() {
            let target = ExternalSecretView::new(r).map(|v| v.target_name()).unwrap_or_default();
            if let Some(&w) = consumer_waves.get(&(effective_ns(r.namespace()).to_string(), target)) {
                annotate(&mut r.value, &["metadata"], SYNC_WAVE_ANNOTATION, &(w - 1).to_string());
            }
        }
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vault::Completeness;

    /// Vault data for https://kv-a.vault.azure.net/ holding `names`, each enabled at version `<name>-v1`.
    fn vault_of(names: &[&str]) -> VaultData {
        let meta = |name: &str| crate::vault::SecretMeta {
            name: name.into(),
            enabled: true,
            version: Some(format!("{name}-v1")),
            ..Default::default()
        };
        let inventory = crate::vault::Inventory {
            vault: "https://kv-a.vault.azure.net/".into(),
            secrets: names.iter().map(|n| (n.to_string(), meta(n))).collect(),
            completeness: Completeness::Full,
            missing: vec![],
            source: "test".into(),
        };
        VaultData {
            inventories: [("https://kv-a.vault.azure.net/".to_string(), Ok(inventory))].into(),
            ..Default::default()
        }
    }

    #[test]
    fn hash_is_order_independent_and_moves_with_a_version() {
        let a = Dependency { vault: "https://kv.vault.azure.net/".into(), key: "a".into(), revision: "v1".into() };
        let b = Dependency { vault: "https://kv.vault.azure.net/".into(), key: "b".into(), revision: "v1".into() };
        let one: BTreeSet<_> = [a.clone(), b.clone()].into();
        let other: BTreeSet<_> = [b.clone(), a.clone()].into();
        assert_eq!(hash(&one), hash(&other));
        let rotated: BTreeSet<_> = [Dependency { revision: "v2".into(), ..a }, b].into();
        assert_ne!(hash(&one), hash(&rotated));
        assert!(hash(&one).starts_with("sha256:") && hash(&one).len() == 7 + 64);
    }

    /// A `key/` reference has no version in the secrets inventory; before, it left the ExternalSecret and every
    /// consumer unstamped. Now the stamp covers the other references.
    #[test]
    fn a_key_object_does_not_block_the_stamp() {
        let yaml = "apiVersion: external-secrets.io/v1\nkind: ClusterSecretStore\nmetadata: {name: kv}\nspec: {provider: {azurekv: {vaultUrl: 'https://kv-a.vault.azure.net/'}}}\n---\napiVersion: external-secrets.io/v1\nkind: ExternalSecret\nmetadata: {name: signer, namespace: app}\nspec:\n  secretStoreRef: {name: kv, kind: ClusterSecretStore}\n  data:\n  - {secretKey: jwk, remoteRef: {key: key/signing}}\n  - {secretKey: token, remoteRef: {key: api-token}}\n";
        let rs: Vec<Resource> = yaml
            .split("\n---\n")
            .map(|d| Resource::new(serde_yaml::from_str(d).unwrap(), Default::default()))
            .collect();
        let vault = vault_of(&["api-token"]);
        let model = EnvModel::build("prod", &rs, &[]);
        let deps = dependencies(&model, &vault, 1).expect("the key object does not make the versions unknown");
        assert_eq!(deps.iter().map(|d| d.key.as_str()).collect::<Vec<_>>(), ["api-token"]);
    }

    fn stamped(yaml: &str) -> Value {
        let mut v: Value = serde_yaml::from_str(yaml).unwrap();
        stamp_external_secret(&mut v, "sha256:x");
        v
    }

    #[test]
    fn an_added_template_keeps_the_metadata_eso_would_copy() {
        let v = stamped(
            "metadata: {name: db, labels: {app: orders}, annotations: {team: core}}\nspec: {target: {name: db-secret}}",
        );
        let meta = &v["spec"]["target"]["template"]["metadata"];
        assert_eq!(meta["labels"]["app"], "orders");
        assert_eq!(meta["annotations"]["team"], "core");
        assert_eq!(meta["annotations"][VERSIONS_ANNOTATION], "sha256:x");
        assert_eq!(v["spec"]["target"]["name"], "db-secret");
        assert!(v["metadata"]["annotations"].get(VERSIONS_ANNOTATION).is_none());
        // `template: null` is no template to ESO either.
        let v = stamped("metadata: {name: db, labels: {app: orders}}\nspec: {target: {template: null}}");
        assert_eq!(v["spec"]["target"]["template"]["metadata"]["labels"]["app"], "orders");
        // No spec.target at all.
        let v = stamped("metadata: {name: db}\nspec: {data: []}");
        assert_eq!(v["spec"]["target"]["template"]["metadata"]["annotations"][VERSIONS_ANNOTATION], "sha256:x");
        assert!(v["spec"]["target"]["template"]["metadata"].get("labels").is_none());
    }

    #[test]
    fn an_existing_template_only_gains_the_stamp() {
        let v = stamped(
            "metadata: {name: db, labels: {app: orders}}\nspec: {target: {template: {type: kubernetes.io/tls, metadata: {annotations: {a: b}}}}}",
        );
        let template = &v["spec"]["target"]["template"];
        assert_eq!(template["type"], "kubernetes.io/tls");
        assert_eq!(template["metadata"]["annotations"]["a"], "b");
        assert_eq!(template["metadata"]["annotations"][VERSIONS_ANNOTATION], "sha256:x");
        // ESO gives a templated Secret the template's metadata only, so the object's labels are not copied in.
        assert!(template["metadata"].get("labels").is_none());
    }

    /// The versions behind a `dataFrom.find` are the secrets ESO's azurekv provider would take; with an invalid
    /// name regexp it takes none and fails the sync, so no version can be named (before the model, rollout took
    /// every secret of the vault for an invalid regexp and stamped a hash of them).
    #[test]
    fn find_dependencies_follow_the_matcher() {
        let yaml = |regexp: &str| {
            format!(
                "apiVersion: external-secrets.io/v1\nkind: ClusterSecretStore\nmetadata: {{name: kv}}\nspec: {{provider: {{azurekv: {{vaultUrl: 'https://kv-a.vault.azure.net/'}}}}}}\n---\napiVersion: external-secrets.io/v1\nkind: ExternalSecret\nmetadata: {{name: all, namespace: app}}\nspec:\n  secretStoreRef: {{name: kv, kind: ClusterSecretStore}}\n  dataFrom:\n  - find: {{name: {{regexp: '{regexp}'}}}}\n"
            )
        };
        let vault = vault_of(&["db-a", "web"]);
        let resources = |regexp: &str| -> Vec<Resource> {
            yaml(regexp)
                .split("\n---\n")
                .map(|d| Resource::new(serde_yaml::from_str(d).unwrap(), Default::default()))
                .collect()
        };
        let rs = resources("^db-");
        let model = EnvModel::build("prod", &rs, &[]);
        let deps = dependencies(&model, &vault, 1).expect("known");
        assert_eq!(deps.iter().map(|d| d.key.as_str()).collect::<Vec<_>>(), ["db-a"]);
        let rs = resources("(");
        let model = EnvModel::build("prod", &rs, &[]);
        assert!(dependencies(&model, &vault, 1).is_err());
    }
}
