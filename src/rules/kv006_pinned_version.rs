//! KV006: a pinned remoteRef.version does not exist.

use super::{RawFinding, Rule, Severity};

pub const RULE: Rule = Rule {
    code: "KV006",
    name: "pinned-version-missing",
    severity: Severity::Error,
    summary: "a remoteRef.version that the secret does not have",
    explanation: "`remoteRef.version` pins a secret version by its 32-character id. When the vault has no such \
version (a typo, or a version from another environment's vault), the ExternalSecret cannot sync. Checked when the \
secret's versions were listed (live inventories).\n\n\
Example:\n\n\
\x20   remoteRef:\n      key: orders-db-password\n      version: 0123456789abcdef0123456789abcdef   # KV006\n",
    check,
};

fn check<'a>(env: &super::EnvView<'a>) -> Vec<RawFinding<'a>> {
    let mut out = Vec::new();
    for (k, inv) in env.key_refs() {
        let (Some(pinned), Some(m)) = (&k.version, inv.get(&k.name)) else { continue };
        let Some(versions) = &m.versions else { continue };
        if !versions.iter().any(|v| v.eq_ignore_ascii_case(pinned)) {
            let path = k.path.replace("remoteRef.key", "remoteRef.version");
            out.push(RawFinding::at(
                k.external_secret,
                path,
                format!("secret '{}' in {} has no version '{pinned}'", m.name, k.vault),
                format!(
                    "known versions: {} (az keyvault secret list-versions --vault-name {} --name {})",
                    versions.len(),
                    super::kv001_missing_key::vault_name(&k.vault),
                    m.name
                ),
            ));
        }
    }
    out
}
