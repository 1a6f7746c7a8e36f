//! KV003: a referenced secret has expired.

use super::{RawFinding, Rule, Severity};

pub const RULE: Rule = Rule {
    code: "KV003",
    name: "key-expired",
    severity: Severity::Error,
    summary: "a referenced secret is past its expiry date",
    explanation: "Key Vault refuses to return a secret after its `exp` date, so the ExternalSecret stops syncing \
and pods started after that read an empty or stale Secret.\n\n\
Example:\n\n\
\x20   # orders-db-password expired on 2026-10-01: set a new version, or extend the expiry\n",
    check,
};

pub fn date(unix: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|d| d.format(&time::format_description::well_known::Rfc3339).ok())
        .unwrap_or_else(|| unix.to_string())
}

fn check<'a>(env: &super::EnvView<'a>) -> Vec<RawFinding<'a>> {
    let Some(vd) = env.vault else { return Vec::new() };
    let mut out = Vec::new();
    for (k, inv) in env.key_refs() {
        let Some(m) = inv.get(&k.name) else { continue };
        if let Some(exp) = m.expires.filter(|e| *e <= vd.now) {
            out.push(RawFinding::at(
                k.external_secret,
                k.path.clone(),
                format!("secret '{}' in {} expired on {}", m.name, k.vault, date(exp)),
                "set a new version of the secret with a later expiry (az keyvault secret set --expires ...)",
            ));
        }
    }
    out
}
