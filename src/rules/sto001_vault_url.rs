//! STO001: an azurekv vaultUrl is an https URL of a Key Vault host for the store's cloud.

use super::{RawFinding, Rule, Severity};
use crate::eso::azure::{suffix_for, vault_url_problem as problem};

pub const RULE: Rule = Rule {
    code: "STO001",
    name: "vault-url",
    severity: Severity::Error,
    summary: "an azurekv vaultUrl is not an https Key Vault URL for its cloud, or is a placeholder",
    explanation: "`provider.azurekv.vaultUrl` must be `https://<vault-name>.<suffix>/`, where the suffix follows \
`environmentType`: PublicCloud `vault.azure.net`, USGovernmentCloud `vault.usgovcloudapi.net`, ChinaCloud \
`vault.azure.cn`, GermanCloud `vault.microsoftazure.de` (AzureStackCloud hosts are not checked). Leftover \
placeholders from a tutorial (`<VAULT_NAME>`, `${...}`) are a common cause of stores that never become Ready.\n\n\
Example:\n\n\
\x20   azurekv:\n      vaultUrl: https://<VAULT_NAME>.vault.azure.net/   # STO001: placeholder left in\n",
    check,
};

fn check<'a>(env: &super::EnvView<'a>) -> Vec<RawFinding<'a>> {
    let mut out = Vec::new();
    for s in env.stores() {
        let Some(az) = s.azurekv() else { continue };
        let Some(url) = az.get("vaultUrl").and_then(serde_yaml::Value::as_str) else { continue };
        let env_type = az.get("environmentType").and_then(serde_yaml::Value::as_str).unwrap_or("");
        // A Flux post-build substitution is filled in when Flux applies the store (no vault to ask here either).
        if crate::eso::has_substitution(url) {
            continue;
        }
        if let Some(msg) = problem(url, env_type) {
            let suffix = suffix_for(env_type).unwrap_or(".vault.azure.net");
            out.push(RawFinding::at(s.resource, "spec.provider.azurekv.vaultUrl", msg, format!("write the vault's URI, e.g. https://kv-contoso-prod{suffix}/ (az keyvault show --query properties.vaultUri)")));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::problem;

    #[test]
    fn urls() {
        assert_eq!(problem("https://kv-contoso-prod.vault.azure.net/", ""), None);
        assert_eq!(problem("https://kv-gov.vault.usgovcloudapi.net", "USGovernmentCloud"), None);
        assert!(problem("http://kv-contoso.vault.azure.net/", "").is_some());
        assert!(problem("https://<VAULT_NAME>.vault.azure.net/", "").is_some());
        assert!(problem("https://kv-contoso.vault.azure.net/", "ChinaCloud").is_some());
        assert!(problem("https://my.example.com/", "").is_some());
    }
}
