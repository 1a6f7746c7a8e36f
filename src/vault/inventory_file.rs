//! Offline inventories: exactly the JSON `az keyvault secret list --vault-name X -o json` prints. The vault is
//! inferred from the secrets' ids. Entries of `az keyvault secret list-versions` (ids ending in a version) may be
//! added for a secret: its versions are then known, and the newest is current. A value field, if someone pastes
//! `az keyvault secret show` output, is never read.

use super::{Completeness, Inventory, SecretMeta};
use crate::eso::azure::normalize_vault_url;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AzSecret {
    id: String,
    name: Option<String>,
    #[serde(default)]
    attributes: AzAttributes,
    content_type: Option<String>,
    managed: Option<bool>,
    #[serde(default)]
    tags: Option<BTreeMap<String, String>>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct AzAttributes {
    enabled: Option<bool>,
    created: Option<String>,
    updated: Option<String>,
    expires: Option<String>,
    not_before: Option<String>,
}

/// az prints ISO 8601 times (`2025-04-24T09:20:15+00:00`).
fn parse_time(s: &Option<String>) -> Result<Option<i64>, String> {
    match s {
        None => Ok(None),
        Some(t) => time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339)
            .map(|d| Some(d.unix_timestamp()))
            .map_err(|e| format!("invalid time '{t}': {e}")),
    }
}

/// `https://kv.vault.azure.net/secrets/name[/version]` -> (vault URL, name, version).
fn parse_id(id: &str) -> Option<(String, String, Option<String>)> {
    let (base, rest) = id.split_once("/secrets/")?;
    let mut parts = rest.trim_end_matches('/').split('/');
    let name = parts.next()?.to_string();
    let version = parts.next().map(str::to_string).filter(|v| !v.is_empty());
    Some((normalize_vault_url(base), name, version))
}

pub fn parse(text: &str, source: &str) -> Result<Inventory, String> {
    let items: Vec<AzSecret> = serde_json::from_str(text).map_err(|e| {
        let e = crate::files::redact_serde_message(&e.to_string());
        format!("{source}: not the JSON of `az keyvault secret list -o json`: {e}")
    })?;
    let mut vault: Option<String> = None;
    let mut secrets = BTreeMap::new();
    for (index, item) in items.into_iter().enumerate() {
        let (v, id_name, version) = parse_id(&item.id)
            .ok_or_else(|| format!("{source}: entry {index}: its id is not a Key Vault secret id"))?;
        match &vault {
            None => vault = Some(v),
            Some(existing) if *existing != v => {
                return Err(format!("{source}: secrets of two vaults ({existing} and {v}); use one file per vault"));
            }
            _ => {}
        }
        let name = item.name.unwrap_or(id_name);
        let meta = SecretMeta {
            name: name.clone(),
            enabled: item.attributes.enabled.unwrap_or(true),
            created: parse_time(&item.attributes.created).map_err(|e| format!("{source}: {name}: {e}"))?,
            updated: parse_time(&item.attributes.updated).map_err(|e| format!("{source}: {name}: {e}"))?,
            expires: parse_time(&item.attributes.expires).map_err(|e| format!("{source}: {name}: {e}"))?,
            not_before: parse_time(&item.attributes.not_before).map_err(|e| format!("{source}: {name}: {e}"))?,
            version,
            versions: None,
            content_type: item.content_type,
            managed: item.managed.unwrap_or(false),
            tags: item.tags.unwrap_or_default(),
        };
        let key = name.to_lowercase();
        match secrets.remove(&key) {
            None => {
                let mut meta = meta;
                meta.versions = meta.version.clone().map(|v| vec![v]);
                secrets.insert(key, meta);
            }
            Some(previous) => {
                // Several entries for one name: its versions. The newest (by creation) is the current one.
                let mut versions: Vec<String> = previous.versions.clone().unwrap_or_default();
                versions.extend(meta.version.clone());
                let mut current =
                    if (meta.created, meta.updated) >= (previous.created, previous.updated) { meta } else { previous };
                current.versions = Some(versions);
                secrets.insert(key, current);
            }
        }
    }
    let vault = vault
        .ok_or_else(|| format!("{source}: an empty list names no vault; add at least one secret, or drop the file"))?;
    Ok(Inventory { vault, secrets, completeness: Completeness::Full, missing: Vec::new(), source: source.to_string() })
}

/// Read an inventory file; one a repository names stays inside `root`. Capped like every repository file.
pub fn load(root: Option<&Path>, path: &Path) -> Result<Inventory, String> {
    let text = crate::files::read_text(root, path, crate::files::MAX_FILE_BYTES).map_err(|e| e.to_string())?;
    parse(&text, &path.display().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const AZ: &str = r#"[
      {"attributes": {"created": "2025-04-24T09:20:15+00:00", "enabled": true, "expires": null, "notBefore": null,
        "recoverableDays": 90, "recoveryLevel": "Recoverable+Purgeable", "updated": "2025-04-24T09:20:15+00:00"},
       "contentType": null, "id": "https://mysecretskv.vault.azure.net/secrets/demo-secret-key", "managed": null,
       "name": "demo-secret-key", "tags": {"file-encoding": "utf-8"}},
      {"attributes": {"enabled": false, "expires": "2026-01-01T00:00:00+00:00"},
       "id": "https://mysecretskv.vault.azure.net/secrets/Old-Key", "name": "Old-Key"}
    ]"#;

    #[test]
    fn reads_az_list_output() {
        let inv = parse(AZ, "t.json").unwrap();
        assert_eq!(inv.vault, "https://mysecretskv.vault.azure.net/");
        let demo = inv.get("demo-secret-key").unwrap();
        assert!(demo.enabled);
        assert_eq!(demo.created, Some(1745486415));
        assert_eq!(demo.tags.get("file-encoding").map(String::as_str), Some("utf-8"));
        assert_eq!(demo.revision(), "updated:1745486415");
        let old = inv.get("old-key").unwrap();
        assert!(!old.enabled);
        assert!(inv.known_missing("nope"));
    }

    #[test]
    fn version_listings_give_versions_and_the_newest_is_current() {
        let text = r#"[
          {"id": "https://kv.vault.azure.net/secrets/db/aaaa", "name": "db", "attributes": {"created": "2026-01-01T00:00:00+00:00", "enabled": true}},
          {"id": "https://kv.vault.azure.net/secrets/db/bbbb", "name": "db", "attributes": {"created": "2026-02-01T00:00:00+00:00", "enabled": false}}
        ]"#;
        let inv = parse(text, "v.json").unwrap();
        let db = inv.get("db").unwrap();
        assert_eq!(db.version.as_deref(), Some("bbbb"));
        assert!(!db.enabled);
        assert_eq!(db.versions.as_deref(), Some(&["aaaa".to_string(), "bbbb".to_string()][..]));
    }

    #[test]
    fn rejects_other_shapes() {
        assert!(parse("{}", "x").is_err());
        assert!(parse("[]", "x").is_err());
        assert!(
            parse(
                r#"[{"id": "https://a.vault.azure.net/secrets/x"}, {"id": "https://b.vault.azure.net/secrets/y"}]"#,
                "x"
            )
            .is_err()
        );
    }
}
