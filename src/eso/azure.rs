//! Azure Key Vault's naming rules, shared by the model (which vault a reference reads), the vault stage and the
//! rules: vault URLs per cloud, and the `secret/`, `key/`, `cert/` prefixes of a remote key.

/// The Azure cloud of an azurekv store (its `environmentType`): it decides the Entra authority tokens come from and
/// the host suffix of the vaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub enum AzureCloud {
    #[default]
    Public,
    UsGovernment,
    China,
    German,
    /// Azure Stack: hosts and authority are the installation's own.
    AzureStack,
}

impl AzureCloud {
    /// From an azurekv `environmentType` (absent or empty: PublicCloud); None for a value ESO does not accept.
    pub fn parse(environment_type: &str) -> Option<AzureCloud> {
        Some(match environment_type {
            "" | "PublicCloud" => AzureCloud::Public,
            "USGovernmentCloud" => AzureCloud::UsGovernment,
            "ChinaCloud" => AzureCloud::China,
            "GermanCloud" => AzureCloud::German,
            "AzureStackCloud" => AzureCloud::AzureStack,
            _ => return None,
        })
    }

    /// The Key Vault host suffix (None for Azure Stack: any host).
    pub fn vault_suffix(self) -> Option<&'static str> {
        match self {
            AzureCloud::Public => Some(".vault.azure.net"),
            AzureCloud::UsGovernment => Some(".vault.usgovcloudapi.net"),
            AzureCloud::China => Some(".vault.azure.cn"),
            AzureCloud::German => Some(".vault.microsoftazure.de"),
            AzureCloud::AzureStack => None,
        }
    }
}

/// The Key Vault host suffix of an azurekv `environmentType` (None for AzureStackCloud and unknown values: any host).
pub fn suffix_for(environment_type: &str) -> Option<&'static str> {
    AzureCloud::parse(environment_type).and_then(AzureCloud::vault_suffix)
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

    /// The values of the azurekv CRD's environmentType enum (schemas/eso), and nothing else.
    #[test]
    fn clouds_are_the_crds_environment_types() {
        for (text, cloud) in [
            ("", AzureCloud::Public),
            ("PublicCloud", AzureCloud::Public),
            ("USGovernmentCloud", AzureCloud::UsGovernment),
            ("ChinaCloud", AzureCloud::China),
            ("GermanCloud", AzureCloud::German),
            ("AzureStackCloud", AzureCloud::AzureStack),
        ] {
            assert_eq!(AzureCloud::parse(text), Some(cloud), "{text}");
        }
        assert_eq!(AzureCloud::parse("chinacloud"), None);
        assert_eq!(suffix_for("AzureStackCloud"), None);
        assert_eq!(suffix_for("ChinaCloud"), Some(".vault.azure.cn"));
    }

    #[test]
    fn vault_urls_and_keys() {
        assert_eq!(normalize_vault_url("https://KV-Contoso.vault.azure.net"), "https://kv-contoso.vault.azure.net/");
        assert_eq!(normalize_vault_url("https://kv.vault.azure.net/secrets/x"), "https://kv.vault.azure.net/");
        assert_eq!(split_key("cert/tls"), (KeyObject::Cert, "tls"));
        assert_eq!(split_key("key/signing"), (KeyObject::Key, "signing"));
        assert_eq!(split_key("db-password"), (KeyObject::Secret, "db-password"));
    }
}
