//! ESO007: an Azure Key Vault remoteRef.key is a valid Key Vault object name.

use super::{RawFinding, Rule, Severity};

pub const RULE: Rule = Rule {
    code: "ESO007",
    name: "key-vault-name",
    severity: Severity::Error,
    summary: "dataFrom.extract of a cert/ or key/ object, or a remoteRef.key is not a valid Azure Key Vault name",
    explanation: "`dataFrom.extract` of a `cert/` or `key/` object is refused by the provider's `GetSecretMap` \
(errDataFromCert, errDataFromKey). The azurekv provider splits the prefix off in `getObjType` and reads `secret` by default (providers/v1/azure/keyvault/keyvault.go). \
For a store with the azurekv provider, `remoteRef.key` is `[secret/|key/|cert/]name`, and Key \
Vault names are 1 to 127 characters of `0-9a-zA-Z-`. Underscores and dots, common in names copied from \
environment variables, never resolve.\n\n\
Example:\n\n\
\x20   data:\n    - secretKey: DB_PASSWORD\n      remoteRef:\n        key: orders_db_password    # ESO007: use orders-db-password\n",
    check,
};

pub fn valid_key(key: &str) -> bool {
    let name = key
        .strip_prefix("secret/")
        .or_else(|| key.strip_prefix("key/"))
        .or_else(|| key.strip_prefix("cert/"))
        .unwrap_or(key);
    !name.is_empty() && name.len() <= 127 && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}

fn check<'a>(env: &super::EnvView<'a>) -> Vec<RawFinding<'a>> {
    let mut out = Vec::new();
    for es in env.external_secrets() {
        for d in es.data() {
            let azure = env.store_of(&es, d.store.as_ref()).is_some_and(|s| s.is_azurekv());
            if azure && !valid_key(&d.key) && !crate::eso::has_substitution(&d.key) {
                out.push(RawFinding::at(
                    es.resource,
                    es.path(&format!("data[{}].remoteRef.key", d.index)),
                    format!("'{}' is not a valid Key Vault name", d.key),
                    format!(
                        "Key Vault names use only 0-9, a-z, A-Z and '-' (1-127 characters); try '{}'",
                        d.key.replace(['_', '.'], "-")
                    ),
                ));
            }
        }
        for f in es.data_from() {
            let Some(key) = &f.extract_key else { continue };
            let azure = env.store_of(&es, f.store.as_ref()).is_some_and(|s| s.is_azurekv());
            if azure && !valid_key(key) && !crate::eso::has_substitution(key) {
                out.push(RawFinding::at(
                    es.resource,
                    es.path(&format!("dataFrom[{}].extract.key", f.index)),
                    format!("'{key}' is not a valid Key Vault name"),
                    "Key Vault names use only 0-9, a-z, A-Z and '-' (1-127 characters)",
                ));
            } else if azure && let Some(kind) = ["cert/", "key/"].into_iter().find(|p| key.starts_with(p)) {
                // GetSecretMap refuses them: errDataFromCert, errDataFromKey.
                out.push(RawFinding::at(
                    es.resource,
                    es.path(&format!("dataFrom[{}].extract.key", f.index)),
                    format!(
                        "dataFrom.extract cannot read a Key Vault {} ('{key}'): ESO refuses it",
                        kind.trim_end_matches('/')
                    ),
                    "read it with a data entry (remoteRef.key) instead",
                ));
            }
        }
    }
    out
}
