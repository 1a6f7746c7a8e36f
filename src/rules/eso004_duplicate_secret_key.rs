//! ESO004: each `data[].secretKey` of an ExternalSecret is unique.

use super::{RawFinding, Rule, Severity};

pub const RULE: Rule = Rule {
    code: "ESO004",
    name: "duplicate-secret-key",
    severity: Severity::Error,
    summary: "two data entries of an ExternalSecret write the same secretKey",
    explanation: "Two `data` entries with the same `secretKey` write the same key of the target Secret: the webhook \
rejects it under the default deletionPolicy (Retain), and otherwise one value silently wins. (The key's format, \
`^[-._a-zA-Z0-9]+$`, is checked by ESO001.)\n\n\
Example:\n\n\
\x20   data:\n    - secretKey: PASSWORD\n      remoteRef: {key: db-password}\n    - secretKey: PASSWORD      # ESO004: duplicate secretKey\n      remoteRef: {key: db-password-old}\n",
    check,
};

fn check<'a>(env: &super::EnvView<'a>) -> Vec<RawFinding<'a>> {
    let mut out = Vec::new();
    for es in env.external_secrets() {
        let data = es.data();
        for (i, d) in data.iter().enumerate() {
            if d.secret_key.is_empty() {
                continue;
            }
            if let Some(first) = data[..i].iter().find(|x| x.secret_key == d.secret_key) {
                out.push(RawFinding::at(
                    es.resource,
                    es.path(&format!("data[{}].secretKey", d.index)),
                    format!("secretKey '{}' is already written by data[{}]", d.secret_key, first.index),
                    "give each data entry its own secretKey",
                ));
            }
        }
    }
    out
}
