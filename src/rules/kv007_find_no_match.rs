//! KV007: a dataFrom.find matches no secret.

use super::{RawFinding, Rule, Severity};

pub const RULE: Rule = Rule {
    code: "KV007",
    name: "find-matches-nothing",
    severity: Severity::Warning,
    summary: "a dataFrom.find (name regexp and/or tags) matches no enabled secret of the vault",
    explanation: "ESO's azurekv `find` lists the vault, keeps enabled secrets whose tags all match and whose name \
matches `name.regexp`, and writes them into the Secret. Matching nothing produces an empty Secret: usually a \
regexp or a tag that differs between environments.\n\n\
Example:\n\n\
\x20   dataFrom:\n    - find:\n        name: {regexp: \"^orders-\"}\n        tags: {app: order}     # KV007: the vault tags its secrets app=orders\n",
    check,
};

fn check<'a>(env: &super::EnvView<'a>) -> Vec<RawFinding<'a>> {
    let mut out = Vec::new();
    for f in crate::vault::references::collect(env).1 {
        let Some(inv) = env.inventory(&f.vault) else { continue };
        if inv.completeness != crate::vault::Completeness::Full {
            continue;
        }
        let re = match f.name_regexp.as_deref().map(regex::Regex::new) {
            Some(Ok(re)) => Some(re),
            Some(Err(_)) => continue, // an invalid regexp is ESO001's (pattern) or ESO's own error
            None => None,
        };
        let matched = inv.secrets.values().any(|m| {
            m.enabled
                && re.as_ref().is_none_or(|r| r.is_match(&m.name))
                && f.tags.iter().all(|(k, v)| m.tags.get(k) == Some(v))
        });
        if !matched {
            out.push(RawFinding::at(
                f.external_secret,
                f.path,
                format!("dataFrom.find matches no enabled secret of {} (environment '{}')", f.vault, env.name),
                "check the name regexp and tags against `az keyvault secret list` of this environment's vault",
            ));
        }
    }
    out
}
