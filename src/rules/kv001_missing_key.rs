//! KV001: a referenced secret does not exist in the environment's Key Vault.

use super::{RawFinding, Rule, Severity, did_you_mean};

pub const RULE: Rule = Rule {
    code: "KV001",
    name: "key-missing",
    severity: Severity::Error,
    summary: "a referenced secret does not exist in the environment's Key Vault",
    explanation: "The ExternalSecret reads a secret (or a certificate's secret) that the vault of its store does not \
have, in that environment: ESO reports SecretSyncedError and the app stays Degraded. The classic case is a key \
created in the dev vault and forgotten in prod. The hint suggests the closest existing name when the whole vault \
was listed.\n\n\
Example (prod's vault has `orders-db-password`):\n\n\
    remoteRef:\n      key: orders-db-pasword     # KV001: did you mean 'orders-db-password'?\n",
    check,
};

fn check<'a>(env: &super::EnvView<'a>) -> Vec<RawFinding<'a>> {
    let mut out = Vec::new();
    for (k, inv) in env.key_refs() {
        // An invalid name cannot exist in any vault: that root cause is ESO007's.
        if k.object == crate::eso::azure::KeyObject::Key
            || !inv.known_missing(&k.name)
            || !super::eso007_remote_key_name::valid_key(&k.name)
        {
            continue;
        }
        let names: Vec<String> = inv.secrets.values().map(|m| m.name.clone()).collect();
        let hint = match did_you_mean(&k.name, &names) {
            Some(s) => format!("did you mean '{s}'?"),
            None => format!(
                "create it: az keyvault secret set --vault-name {} --name {} --file <value-file>",
                vault_name(&k.vault),
                k.name
            ),
        };
        out.push(RawFinding::at(
            k.external_secret,
            k.path.clone(),
            format!("secret '{}' does not exist in {} (environment '{}')", k.name, k.vault, env.name),
            hint,
        ));
    }
    out
}

pub fn vault_name(url: &str) -> &str {
    url.trim_start_matches("https://").split('.').next().unwrap_or(url)
}
