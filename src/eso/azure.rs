//! Azure Key Vault's naming rules, shared by the model (which vault a reference reads), the vault stage and the
//! rules: vault URLs per cloud, and the `secret/`, `key/`, `cert/` prefixes of a remote key.

/// The Key Vault host suffix of an azurekv `environmentType` (None for AzureStackCloud: any host).
pub fn suffix_for(environment_type: &str) -> Option<&'static str> {
    match environment_type {
        "" | "PublicCloud" => Some(".vault.azure.net"),
        "USGovernmentCloud" => Some(".vault.usgovcloudapi.net"),
        "ChinaCloud" => Some(".vault.azure.cn"),
        "GermanCloud" => Some(".vault.microsoftazure.de"),
        _ => None,
    }
}

/// Why `url` is no Key Vault URL of the cloud `env_type` (empty: PublicCloud); None when it is one.
pub fn vault_url_problem(url: &str, env_type: &str) -> Option<String> {
    if url.contains('<') || url.contains('>') || url.contains("${") || url.contains("{{") {
        return Some(format!("vaultUrl '{url}' still holds a placeholder"));
    }
    let Some(rest) = url.strip_prefix("https://") else {
        return Some(format!("vaultUrl '{url}' is not an https URL"));
    };
    let host = rest.split(['/', ':']).next().unwrap_or("").to_lowercase();
    if let Some(suffix) = suffix_for(env_type) {
        let Some(name) = host.strip_suffix(suffix) else {
            return Some(format!(
                "vaultUrl host '{host}' is not a Key Vault host of {} (*{suffix})",
                if env_type.is_empty() { "PublicCloud" } else { env_type }
            ));
        };
        let valid = (3..=24).contains(&name.len()) && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
        if !valid {
            return Some(format!("'{name}' is not a valid Key Vault name (3-24 characters of a-z, 0-9 and '-')"));
        }
    }
    None
}

/// `https://Name.vault.azure.net` -> `https://name.vault.azure.net/`.
pub fn normalize_vault_url(url: &str) -> String {
    let rest = url.trim().trim_start_matches("https://").trim_start_matches("http://");
    let host = rest.split('/').next().unwrap_or("").to_lowercase();
    format!("https://{host}/")
}

/// The Key Vault object a remote key names (ESO's azurekv provider reads the prefix: `key/`, `cert/`, `secret/`,
/// none meaning a secret).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum KeyObject {
    Secret,
    /// A Key Vault key: its public part, never listed with secrets.
    Key,
    /// A certificate, read through its backing secret.
    Cert,
}

/// The object a remoteRef.key reads and its name: `secret/x`, `key/x`, `cert/x`, or `x`.
pub fn split_key(key: &str) -> (KeyObject, &str) {
    if let Some(n) = key.strip_prefix("key/") {
        (KeyObject::Key, n)
    } else if let Some(n) = key.strip_prefix("cert/") {
        (KeyObject::Cert, n)
    } else if let Some(n) = key.strip_prefix("secret/") {
        (KeyObject::Secret, n)
    } else {
        (KeyObject::Secret, key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vault_urls_and_keys() {
        assert_eq!(normalize_vault_url("https://KV-Contoso.vault.azure.net"), "https://kv-contoso.vault.azure.net/");
        assert_eq!(normalize_vault_url("https://kv.vault.azure.net/secrets/x"), "https://kv.vault.azure.net/");
        assert_eq!(split_key("cert/tls"), (KeyObject::Cert, "tls"));
        assert_eq!(split_key("key/signing"), (KeyObject::Key, "signing"));
        assert_eq!(split_key("db-password"), (KeyObject::Secret, "db-password"));
    }
}
