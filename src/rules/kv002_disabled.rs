//! KV002: a referenced secret is disabled.

use super::{RawFinding, Rule, Severity};

pub const RULE: Rule = Rule {
    code: "KV002",
    name: "key-disabled",
    severity: Severity::Error,
    summary: "a referenced secret is disabled in Key Vault",
    explanation: "Key Vault refuses to return a disabled secret (403, \"Operation get is not allowed on a disabled \
secret\"), so the ExternalSecret cannot sync. Often a rotation left the new version disabled.\n\n\
Example:\n\n\
\x20   az keyvault secret set-attributes --vault-name kv-contoso-prod --name orders-db-password --enabled true\n",
    check,
};

fn check<'a>(env: &super::EnvView<'a>) -> Vec<RawFinding<'a>> {
    let mut out = Vec::new();
    for (k, inv) in env.key_refs() {
        if let Some(m) = inv.get(&k.name).filter(|m| !m.enabled) {
            out.push(RawFinding::at(
                k.external_secret,
                k.path.clone(),
                format!("secret '{}' is disabled in {}", m.name, k.vault),
                format!(
                    "enable it: az keyvault secret set-attributes --vault-name {} --name {} --enabled true",
                    super::kv001_missing_key::vault_name(&k.vault),
                    m.name
                ),
            ));
        }
    }
    out
}
