//! ESO004: each `data[].secretKey` of an ExternalSecret is unique.

use super::{RawFinding, Rule, Severity};

pub const RULE: Rule = Rule {
    code: "ESO004",
    name: "duplicate-secret-key",
    severity: Severity::Error,
    summary: "two data entries of an ExternalSecret write the same secretKey",
    explanation: "Two `data` entries with the same `secretKey` write the same key of the target Secret. ESO's webhook \
rejects that only under deletionPolicy Retain, the default (`validateDuplicateKeys` in \
apis/externalsecrets/v1/externalsecret_validator.go); with Delete or Merge it is accepted and the last entry wins, \
so it is not reported. (The key's format, `^[-._a-zA-Z0-9]+$`, is checked by ESO001.)\n\n\
Example:\n\n\
\x20   data:\n    - secretKey: PASSWORD\n      remoteRef: {key: db-password}\n    - secretKey: PASSWORD      # ESO004: duplicate secretKey\n      remoteRef: {key: db-password-old}\n",
    check,
};

fn check<'a>(env: &super::EnvView<'a>) -> Vec<RawFinding<'a>> {
    let mut out = Vec::new();
    for es in env.external_secrets() {
        let policy =
            crate::resource::get_path(es.spec(), &["target", "deletionPolicy"]).and_then(serde_yaml::Value::as_str);
        if policy.is_some_and(|p| p != "Retain") {
            continue;
        }
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
