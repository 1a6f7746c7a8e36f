//! ESO010: a target template ESO refuses to render into a Secret.

use super::{RawFinding, Rule, Severity};
use serde_yaml::Value;

pub const RULE: Rule = Rule {
    code: "ESO010",
    name: "template-rejected",
    severity: Severity::Error,
    summary: "a target template ESO rejects: a bootstrap token, a service-account token naming its account, or a templateFrom target outside Data, Annotations and Labels",
    explanation: "ESO's webhook and controller (`validatePrivilegedTemplate` and `ValidateSecretTemplateFromTargets` \
in apis/externalsecrets/v1/externalsecret_validator.go, called by `validateExternalSecret` and by the controller's \
`ApplyTemplate`) refuse templates that would mint long-lived credentials or write privileged fields: \
`type: bootstrap.kubernetes.io/token`; `type: kubernetes.io/service-account-token` with the \
`kubernetes.io/service-account.name` annotation or a `templateFrom` target `Annotations`; and, when the target is a \
Secret, a `templateFrom` target other than Data, Annotations or Labels (compared case-insensitively).\n\n\
Example:\n\n\
\x20   target:\n      template:\n        type: bootstrap.kubernetes.io/token   # ESO010\n",
    check,
};

fn check<'a>(env: &super::EnvView<'a>) -> Vec<RawFinding<'a>> {
    let mut out = Vec::new();
    for es in env.external_secrets() {
        let Some(template) = es.spec().get("target").and_then(|t| t.get("template")).filter(|t| !t.is_null()) else {
            continue;
        };
        let kind = template.get("type").and_then(Value::as_str).unwrap_or("");
        let template_from = template.get("templateFrom").and_then(Value::as_sequence).map(Vec::as_slice).unwrap_or(&[]);
        let target_of = |tf: &Value| tf.get("target").and_then(Value::as_str).unwrap_or("").to_string();
        let path = |rest: &str| es.path(&format!("target.template.{rest}"));
        match kind {
            "bootstrap.kubernetes.io/token" => out.push(RawFinding::at(
                es.resource,
                path("type"),
                "template.type bootstrap.kubernetes.io/token is not allowed",
                "ESO refuses to mint bootstrap tokens; create them another way",
            )),
            "kubernetes.io/service-account-token" => {
                let names_account = template
                    .get("metadata")
                    .and_then(|m| m.get("annotations"))
                    .and_then(Value::as_mapping)
                    .is_some_and(|a| a.contains_key("kubernetes.io/service-account.name"));
                if names_account {
                    out.push(RawFinding::at_key(
                        es.resource,
                        path("metadata.annotations.kubernetes.io/service-account.name"),
                        "template.type kubernetes.io/service-account-token with the kubernetes.io/service-account.name annotation is not allowed",
                        "ESO refuses to mint service-account tokens beyond its RBAC; use a projected token volume",
                    ));
                }
                for (i, tf) in template_from.iter().enumerate() {
                    if target_of(tf).eq_ignore_ascii_case("Annotations") {
                        out.push(RawFinding::at(
                            es.resource,
                            path(&format!("templateFrom[{i}].target")),
                            "template.type kubernetes.io/service-account-token with a templateFrom target Annotations is not allowed",
                            "write the annotations another way, or use another Secret type",
                        ));
                    }
                }
            }
            _ => {}
        }
        // The Secret-target rule applies when the ExternalSecret renders into a core/v1 Secret (the default).
        let manifest = es.spec().get("target").and_then(|t| t.get("manifest")).filter(|m| !m.is_null());
        let secret_target = manifest.is_none_or(|m| {
            m.get("apiVersion").and_then(Value::as_str) == Some("v1")
                && m.get("kind").and_then(Value::as_str) == Some("Secret")
        });
        if !secret_target {
            continue;
        }
        for (i, tf) in template_from.iter().enumerate() {
            let target = target_of(tf);
            if !(target.is_empty() || ["Data", "Annotations", "Labels"].iter().any(|t| target.eq_ignore_ascii_case(t)))
            {
                out.push(RawFinding::at(
                    es.resource,
                    path(&format!("templateFrom[{i}].target")),
                    format!("templateFrom target {target:?} is not allowed when targeting a Secret"),
                    "use Data, Annotations or Labels",
                ));
            }
        }
    }
    out
}
