//! Rollout on rotation: each workload that reads a Secret an ExternalSecret writes gets, on its pod template, a
//! hash of the Key Vault secret versions behind it. A rotation in Key Vault changes the hash at the next render, so
//! the workload rolls with no controller in the cluster. Each ExternalSecret gets the hash of its own keys (ESO
//! re-syncs when its annotations change, so the new value is in the Secret before the pods roll) and a sync wave
//! ahead of its consumers. The hash covers (vault, key, version) only: never a value.

use crate::eso::ExternalSecretView;
use crate::eso::consumers::{pod_template_path, secret_uses};
use crate::resource::{Resource, get_path, set_path};
use crate::rules::{EnvView, same_ns};
use crate::vault::{Completeness, normalize_vault_url, split_key};
use serde_yaml::{Mapping, Value};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};

/// The annotation on pod templates and ExternalSecrets: `sha256:<hex>` of the Key Vault versions they depend on.
pub const VERSIONS_ANNOTATION: &str = "argocd-eso-plugin.io/secret-versions";
pub const SYNC_WAVE_ANNOTATION: &str = "argocd.argoproj.io/sync-wave";

#[derive(Debug, Clone, Copy)]
pub struct StampOptions {
    /// Annotate ExternalSecrets with the hash of their own keys.
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

/// What an ExternalSecret's keys resolve to; Err names the keys whose version is not known.
pub fn dependencies(env: &EnvView, es: &ExternalSecretView) -> Result<BTreeSet<Dependency>, Vec<String>> {
    let mut deps = BTreeSet::new();
    let mut unknown = Vec::new();
    let add = |deps: &mut BTreeSet<Dependency>, unknown: &mut Vec<String>, vault: &str, name: &str| match env
        .inventory(vault)
        .and_then(|inv| inv.get(name))
    {
        Some(meta) => {
            deps.insert(Dependency {
                vault: vault.to_string(),
                key: meta.name.to_lowercase(),
                revision: meta.revision(),
            });
        }
        None => unknown.push(format!("{vault}{name}")),
    };
    for d in es.data() {
        let Some(store) = env.store_of(es, d.store.as_ref()).filter(|s| s.is_azurekv()) else { continue };
        let Some(url) = store.vault_url() else { continue };
        let (_, name) = split_key(&d.key);
        match &d.version {
            // A pinned version is the dependency itself: it only changes when the manifest does.
            Some(v) => {
                deps.insert(Dependency {
                    vault: normalize_vault_url(url),
                    key: name.to_lowercase(),
                    revision: v.clone(),
                });
            }
            None => add(&mut deps, &mut unknown, &normalize_vault_url(url), name),
        }
    }
    for f in es.data_from() {
        let Some(store) = env.store_of(es, f.store.as_ref()).filter(|s| s.is_azurekv()) else { continue };
        let Some(url) = store.vault_url() else { continue };
        let vault = normalize_vault_url(url);
        if let Some(key) = &f.extract_key {
            add(&mut deps, &mut unknown, &vault, split_key(key).1);
        } else if f.is_find {
            match env.inventory(&vault).filter(|i| i.completeness == Completeness::Full) {
                Some(inv) => {
                    let re = f.find_name_regexp.as_deref().and_then(|r| regex::Regex::new(r).ok());
                    for m in inv.secrets.values() {
                        let name_ok = re.as_ref().is_none_or(|r| r.is_match(&m.name));
                        let tags_ok = f.find_tags.iter().all(|(k, v)| m.tags.get(k) == Some(v));
                        if m.enabled && name_ok && tags_ok {
                            deps.insert(Dependency {
                                vault: vault.clone(),
                                key: m.name.to_lowercase(),
                                revision: m.revision(),
                            });
                        }
                    }
                }
                None => unknown.push(format!("{vault} dataFrom[{}].find", f.index)),
            }
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
pub fn stamp(env: &EnvView, targets: &mut [Resource], target_offset: usize, opts: StampOptions) -> StampReport {
    let mut report = StampReport::default();
    // Secret (namespace, name) -> dependencies of the ExternalSecrets writing it, and their indexes among targets.
    let mut by_secret: BTreeMap<(String, String), BTreeSet<Dependency>> = BTreeMap::new();
    let mut es_hashes: Vec<(usize, String)> = Vec::new();
    let mut unknown_secrets: BTreeSet<(String, String)> = BTreeSet::new();
    // Only the output's own ExternalSecrets: the context's belong to other apps, whose versions were not asked for.
    for (i, r) in env.resources.iter().enumerate().skip(target_offset).take(targets.len()) {
        let Some(es) = ExternalSecretView::new(r) else { continue };
        if r.kind() != "ExternalSecret" {
            continue;
        }
        let key = (
            if r.namespace().is_empty() { "default".to_string() } else { r.namespace().to_string() },
            es.target_name(),
        );
        match dependencies(env, &es) {
            Ok(deps) if !deps.is_empty() => {
                es_hashes.push((i - target_offset, hash(&deps)));
                by_secret.entry(key).or_default().extend(deps);
            }
            Ok(_) => {}
            Err(_) => {
                report.unknown.push(crate::rules::object_label(r));
                unknown_secrets.insert(key);
            }
        }
    }
    // Workloads: the union of the dependencies of every Secret they read.
    let mut consumer_waves: BTreeMap<(String, String), i64> = BTreeMap::new();
    for r in targets.iter_mut() {
        let Some(template) = pod_template_path(r) else { continue };
        let ns = if r.namespace().is_empty() { "default".to_string() } else { r.namespace().to_string() };
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
        report.workloads.push(crate::rules::object_label(r));
        report.dependencies.insert(crate::rules::object_label(r), deps);
    }
    for (idx, h) in es_hashes {
        let r = &mut targets[idx];
        if let Some(es) = ExternalSecretView::new(r)
            && let Ok(deps) = dependencies(env, &es)
        {
            report.dependencies.insert(crate::rules::object_label(r), deps);
        }
        if opts.external_secrets {
            annotate(&mut r.value, &["metadata"], VERSIONS_ANNOTATION, &h);
            report.external_secrets.push(crate::rules::object_label(r));
        }
        if opts.sync_waves && sync_wave(r).is_none() {
            let es_ns = r.namespace().to_string();
            let target = ExternalSecretView::new(r).map(|v| v.target_name()).unwrap_or_default();
            let wave = consumer_waves.iter().find(|((ns, s), _)| same_ns(ns, &es_ns) && *s == target).map(|(_, w)| *w);
            if let Some(w) = wave {
                annotate(&mut r.value, &["metadata"], SYNC_WAVE_ANNOTATION, &(w - 1).to_string());
            }
        }
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
