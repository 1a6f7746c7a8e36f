//! ESO005: target creationPolicy/deletionPolicy combinations that ESO's webhook forbids.

use super::{RawFinding, Rule, Severity};

pub const RULE: Rule = Rule {
    code: "ESO005",
    name: "policy-combination",
    severity: Severity::Error,
    summary: "a creationPolicy/deletionPolicy combination the ESO webhook rejects",
    explanation: "ESO's webhook (`validatePolicies`, apis/externalsecrets/v1/externalsecret_validator.go) forbids `deletionPolicy: Delete` with `creationPolicy` Merge, None or CreateOrMerge \
(ESO would delete a Secret it does not own), and `deletionPolicy: Merge` with `creationPolicy: None`.\n\n\
Example:\n\n\
\x20   target:\n      creationPolicy: Merge\n      deletionPolicy: Delete     # ESO005\n",
    check,
};

fn check<'a>(env: &super::EnvView<'a>) -> Vec<RawFinding<'a>> {
    let mut out = Vec::new();
    for es in env.external_secrets() {
        let (c, d) = (es.creation_policy(), es.deletion_policy());
        let forbidden =
            (d == "Delete" && matches!(c, "Merge" | "None" | "CreateOrMerge")) || (d == "Merge" && c == "None");
        if forbidden {
            out.push(RawFinding::at(
                es.resource,
                es.path("target.deletionPolicy"),
                format!("deletionPolicy {d} is not allowed with creationPolicy {c}"),
                if d == "Delete" {
                    "use deletionPolicy Retain or Merge, or creationPolicy Owner/Orphan"
                } else {
                    "use deletionPolicy Retain with creationPolicy None"
                },
            ));
        }
    }
    out
}
