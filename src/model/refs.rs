//! Which Key Vault secrets an environment reads: every ExternalSecret key (data and dataFrom) whose store resolves
//! to an azurekv store, with the vault it reads from. Resolved once, when the model is built; the vault stage,
//! the rules, rollout and graph all read these lists.

use super::{EnvModel, StoreTarget};
use crate::eso::ExternalSecretView;
use crate::eso::azure::{AzureCloud, KeyObject, normalize_vault_url, split_key, vault_url_problem};
use crate::resource::Resource;

/// One `remoteRef.key` (data) or `extract.key` (dataFrom) read from an Azure Key Vault.
#[derive(Debug, Clone)]
pub struct KeyRef<'a> {
    pub vault: String,
    pub object: KeyObject,
    pub name: String,
    /// A pinned `remoteRef.version`.
    pub version: Option<String>,
    pub external_secret: &'a Resource,
    /// Path of the key in the ExternalSecret.
    pub path: String,
    /// The rendered store, when it is rendered (not declared in the config file).
    pub store: Option<&'a Resource>,
    /// The store's cloud (its azurekv environmentType): which Entra authority issues its tokens.
    pub cloud: AzureCloud,
}

/// A `dataFrom.find` against an Azure Key Vault.
#[derive(Debug, Clone)]
pub struct FindRef<'a> {
    pub vault: String,
    pub name_regexp: Option<String>,
    /// `name_regexp` compiled once; Err when it is no valid regexp (ESO's `find.New` then fails the sync).
    pub matcher: Option<Result<regex::Regex, String>>,
    pub tags: Vec<(String, String)>,
    pub external_secret: &'a Resource,
    pub path: String,
    pub cloud: AzureCloud,
}

impl FindRef<'_> {
    /// Whether ESO's azurekv `find` takes a secret of this name, state and tags: enabled, every tag equal, the
    /// name matching the regexp. None when the regexp is invalid (ESO then takes nothing and reports an error).
    pub fn takes(&self, name: &str, enabled: bool, tags: &std::collections::BTreeMap<String, String>) -> Option<bool> {
        let name_ok = match &self.matcher {
            Some(Ok(re)) => re.is_match(name),
            Some(Err(_)) => return None,
            None => true,
        };
        Some(enabled && name_ok && self.tags.iter().all(|(k, v)| tags.get(k) == Some(v)))
    }
}

/// The vault an azurekv store target reads, its rendered store and cloud; None for other providers, and for a
/// vaultUrl that is no Key Vault URL (STO001's finding: there is no vault to ask).
fn vault_of<'a>(target: Option<StoreTarget<'a>>) -> Option<(String, Option<&'a Resource>, AzureCloud)> {
    let t = target?;
    if !t.is_azurekv() {
        return None;
    }
    let url = t.vault_url()?;
    let (store, env_type) = match t {
        StoreTarget::Rendered(s) => {
            let env_type =
                s.azurekv().and_then(|a| a.get("environmentType")).and_then(serde_yaml::Value::as_str).unwrap_or("");
            (Some(s.resource), env_type)
        }
        StoreTarget::External(_) => (None, ""),
    };
    if vault_url_problem(url, env_type).is_some() {
        return None;
    }
    // A value ESO does not accept is the schema rule's finding; the vault is asked as a public-cloud one.
    Some((normalize_vault_url(url), store, AzureCloud::parse(env_type).unwrap_or_default()))
}

/// The Key Vault references of one ExternalSecret (or ClusterExternalSecret template), appended to `keys` and
/// `finds`.
pub(super) fn collect<'a>(
    model: &EnvModel<'a>,
    es: &ExternalSecretView<'a>,
    keys: &mut Vec<KeyRef<'a>>,
    finds: &mut Vec<FindRef<'a>>,
) {
    for d in es.data() {
        let Some((vault, store, cloud)) = vault_of(model.store_of(es, d.store.as_ref())) else {
            continue;
        };
        // A Flux post-build substitution names no key until Flux fills it in.
        if d.key.is_empty() || crate::eso::has_substitution(&d.key) {
            continue;
        }
        let (object, name) = split_key(&d.key);
        keys.push(KeyRef {
            vault,
            object,
            name: name.to_string(),
            version: d.version.clone(),
            external_secret: es.resource,
            path: es.path(&format!("data[{}].remoteRef.key", d.index)),
            store,
            cloud,
        });
    }
    for f in es.data_from() {
        let Some((vault, store, cloud)) = vault_of(model.store_of(es, f.store.as_ref())) else {
            continue;
        };
        if let Some(key) = &f.extract_key {
            if crate::eso::has_substitution(key) {
                continue;
            }
            let (object, name) = split_key(key);
            keys.push(KeyRef {
                vault,
                object,
                name: name.to_string(),
                version: None,
                external_secret: es.resource,
                path: es.path(&format!("dataFrom[{}].extract.key", f.index)),
                store,
                cloud,
            });
        } else if f.is_find {
            finds.push(FindRef {
                vault,
                matcher: f.find_name_regexp.as_deref().map(|r| regex::Regex::new(r).map_err(|e| e.to_string())),
                name_regexp: f.find_name_regexp.clone(),
                tags: f.find_tags.clone(),
                external_secret: es.resource,
                path: es.path(&format!("dataFrom[{}].find", f.index)),
                cloud,
            });
        }
    }
}
