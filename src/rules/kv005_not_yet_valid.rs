//! KV005: a referenced secret is not valid yet.

use super::{RawFinding, Rule, Severity};

pub const RULE: Rule = Rule {
    code: "KV005",
    name: "key-not-yet-valid",
    severity: Severity::Error,
    summary: "a referenced secret's not-before date is in the future",
    explanation: "Key Vault refuses to return a secret before its `nbf` date, so the ExternalSecret cannot sync until \
then. Usually a version staged for a planned rotation that was made current too early.\n\n\
Example:\n\n\
\x20   # orders-api-key is valid from 2027-01-01\n",
    check,
};

fn check<'a>(env: &super::EnvView<'a>) -> Vec<RawFinding<'a>> {
    let Some(vd) = env.vault else { return Vec::new() };
    let mut out = Vec::new();
    for (k, inv) in env.key_refs() {
        let Some(m) = inv.get(&k.name) else { continue };
        if let Some(nbf) = m.not_before.filter(|n| *n > vd.now) {
            out.push(RawFinding::at(
                k.external_secret,
                k.path.clone(),
                format!("secret '{}' in {} is not valid before {}", m.name, k.vault, super::kv003_expired::date(nbf)),
                "clear or move the not-before date, or keep the previous version current",
            ));
        }
    }
    out
}
