//! KV010: `metadataPolicy: Fetch` reads a tag the Key Vault secret does not have.

use super::{RawFinding, Rule, Severity};
use serde_yaml::Value;

pub const RULE: Rule = Rule {
    code: "KV010",
    name: "tag-not-found",
    severity: Severity::Error,
    summary: "a data entry with metadataPolicy Fetch names a property that is not a tag of the Key Vault secret",
    explanation: "With `remoteRef.metadataPolicy: Fetch`, the azurekv provider reads the secret's tags instead of \
its value, and `property` names the tag (`getSecretTag`, providers/v1/azure/keyvault/keyvault.go): the tag itself, \
or `tag.json.path` into a tag holding JSON. A property naming no tag fails the sync with \"tag %s does not exist\". \
The inventory's tags are the vault's, so the check is as good as the inventory.\n\n\
Example:\n\n\
\x20   data:\n    - secretKey: OWNER\n      remoteRef: {key: orders-db-password, metadataPolicy: Fetch, property: owner}   # KV010: tags are team, env\n",
    check,
};

fn check<'a>(env: &super::EnvView<'a>) -> Vec<RawFinding<'a>> {
    let mut out = Vec::new();
    let refs = env.key_refs();
    for es in env.external_secrets() {
        let items = es.spec().get("data").and_then(Value::as_sequence).map(Vec::as_slice).unwrap_or(&[]);
        for (i, item) in items.iter().enumerate() {
            let remote = item.get("remoteRef");
            let fetch = remote.and_then(|r| r.get("metadataPolicy")).and_then(Value::as_str) == Some("Fetch");
            let property = remote.and_then(|r| r.get("property")).and_then(Value::as_str).unwrap_or("");
            if !fetch || property.is_empty() {
                continue;
            }
            let key_path = es.path(&format!("data[{i}].remoteRef.key"));
            let Some((k, inv)) =
                refs.iter().find(|(k, _)| std::ptr::eq(k.external_secret, es.resource) && k.path == key_path)
            else {
                continue;
            };
            // A secret missing from the vault is KV001's finding.
            let Some(meta) = inv.get(&k.name) else { continue };
            let tag = property.split_once('.').map_or(property, |(tag, _)| tag);
            if meta.tags.contains_key(property) || (!tag.is_empty() && meta.tags.contains_key(tag)) {
                continue;
            }
            let tags: Vec<&str> = meta.tags.keys().map(String::as_str).collect();
            out.push(RawFinding::at(
                es.resource,
                es.path(&format!("data[{i}].remoteRef.property")),
                format!("secret '{}' in {} has no tag '{property}' (environment '{}')", k.name, k.vault, env.name),
                if tags.is_empty() {
                    "the secret has no tags".to_string()
                } else {
                    format!("its tags: {}", tags.join(", "))
                },
            ));
        }
    }
    out
}
