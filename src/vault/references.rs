//! Which Key Vault secrets an environment reads: every ExternalSecret key (data and dataFrom) whose store resolves
//! to an azurekv store, with the vault it reads from.

use super::{normalize_vault_url, split_key};
use crate::resource::Resource;
use crate::rules::{EnvView, StoreTarget};

/// One `remoteRef.key` (data) or `extract.key` (dataFrom) read from an Azure Key Vault.
pub struct KeyRef<'a> {
    pub vault: String,
    /// `secret`, `key` or `cert`.
    pub object: &'static str,
    pub name: String,
    pub version: Option<String>,
    pub external_secret: &'a Resource,
    /// Path of the key in the ExternalSecret.
    pub path: String,
    /// The rendered store, when it is rendered (not declared in the config file).
    pub store: Option<&'a Resource>,
    /// The store's azurekv environmentType (empty: PublicCloud): which Entra authority issues its tokens.
    pub environment_type: String,
}

/// A `dataFrom.find` against an Azure Key Vault.
pub struct FindRef<'a> {
    pub vault: String,
    pub name_regexp: Option<String>,
    pub tags: Vec<(String, String)>,
    pub external_secret: &'a Resource,
    pub path: String,
    pub environment_type: String,
}

fn vault_of<'a>(target: &Option<StoreTarget<'a>>) -> Option<(String, Option<&'a Resource>, String)> {
    let t = target.as_ref()?;
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
    // A vaultUrl that is no Key Vault URL is STO001's finding; there is no vault to ask.
    if crate::rules::sto001_vault_url::problem(url, env_type).is_some() {
        return None;
    }
    Some((normalize_vault_url(url), store, env_type.to_string()))
}

pub fn collect<'a>(env: &EnvView<'a>) -> (Vec<KeyRef<'a>>, Vec<FindRef<'a>>) {
    let mut keys = Vec::new();
    let mut finds = Vec::new();
    for es in env.external_secrets() {
        for d in es.data() {
            let Some((vault, store, environment_type)) = vault_of(&env.store_of(&es, d.store.as_ref())) else {
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
                environment_type,
            });
        }
        for f in es.data_from() {
            let Some((vault, store, environment_type)) = vault_of(&env.store_of(&es, f.store.as_ref())) else {
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
                    environment_type,
                });
            } else if f.is_find {
                finds.push(FindRef {
                    vault,
                    name_regexp: f.find_name_regexp.clone(),
                    tags: f.find_tags.clone(),
                    external_secret: es.resource,
                    path: es.path(&format!("dataFrom[{}].find", f.index)),
                    environment_type,
                });
            }
        }
    }
    (keys, finds)
}
