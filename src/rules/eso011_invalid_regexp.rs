//! ESO011: a dataFrom regexp that does not compile, so the ExternalSecret never syncs.

use super::{RawFinding, Rule, Severity};
use serde_yaml::Value;

pub const RULE: Rule = Rule {
    code: "ESO011",
    name: "invalid-regexp",
    severity: Severity::Error,
    summary: "a dataFrom find.name.regexp or rewrite regexp.source is no valid regular expression",
    explanation: "ESO compiles `dataFrom[].find.name.regexp` when it lists the vault (`find.New`, used by the azurekv \
provider's `GetAllSecrets`) and `dataFrom[].rewrite[].regexp.source` when it renames the keys (`RewriteRegexp` in \
runtime/esutils/utils.go, \"regexp failed with failed to compile\"). Either error fails every sync of the \
ExternalSecret (SecretSyncedError). Both use Go's RE2 syntax, which this check shares (no look-around, no \
backreferences).\n\n\
Example:\n\n\
\x20   dataFrom:\n    - find:\n        name: {regexp: '^orders-(?!test)'}   # ESO011: look-ahead is not RE2\n",
    check,
};

fn check<'a>(env: &super::EnvView<'a>) -> Vec<RawFinding<'a>> {
    let mut out = Vec::new();
    for es in env.external_secrets() {
        let items = es.spec().get("dataFrom").and_then(Value::as_sequence).map(Vec::as_slice).unwrap_or(&[]);
        for (i, item) in items.iter().enumerate() {
            let mut candidates = Vec::new();
            if let Some(re) = crate::resource::get_path(item, &["find", "name", "regexp"]).and_then(Value::as_str) {
                candidates.push((format!("dataFrom[{i}].find.name.regexp"), re));
            }
            let rewrites = item.get("rewrite").and_then(Value::as_sequence).map(Vec::as_slice).unwrap_or(&[]);
            for (n, op) in rewrites.iter().enumerate() {
                if let Some(re) = crate::resource::get_path(op, &["regexp", "source"]).and_then(Value::as_str) {
                    candidates.push((format!("dataFrom[{i}].rewrite[{n}].regexp.source"), re));
                }
            }
            for (path, re) in candidates {
                if let Err(e) = regex::Regex::new(re) {
                    let first = e.to_string().lines().last().unwrap_or("").trim().to_string();
                    out.push(RawFinding::at(
                        es.resource,
                        es.path(&path),
                        format!("{re:?} is no valid regular expression: {first}"),
                        "write it in Go's RE2 syntax (no look-around, no backreferences)",
                    ));
                }
            }
        }
    }
    out
}
