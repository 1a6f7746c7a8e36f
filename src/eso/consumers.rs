//! Workloads and the Secrets their pods read: envFrom, secretKeyRef, secret volumes, projected volumes and
//! imagePullSecrets. Shared by the lint rules and the rollout stamping.

use crate::resource::{Resource, get_path};
use serde_yaml::Value;

/// Where each workload kind keeps its pod template (the part a rollout annotation goes on).
pub fn pod_template_path(r: &Resource) -> Option<&'static [&'static str]> {
    let group = r.gvk().group;
    Some(match (group.as_str(), r.kind()) {
        ("apps" | "extensions", "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet") => &["spec", "template"],
        ("batch", "Job") => &["spec", "template"],
        ("batch", "CronJob") => &["spec", "jobTemplate", "spec", "template"],
        ("argoproj.io", "Rollout") => &["spec", "template"],
        ("", "Pod") => &[],
        _ => return None,
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HowRead {
    EnvFrom,
    SecretKeyRef,
    Volume,
    ProjectedVolume,
    ImagePullSecret,
}

impl HowRead {
    pub fn describe(self) -> &'static str {
        match self {
            HowRead::EnvFrom => "envFrom",
            HowRead::SecretKeyRef => "secretKeyRef",
            HowRead::Volume => "secret volume",
            HowRead::ProjectedVolume => "projected volume",
            HowRead::ImagePullSecret => "imagePullSecrets",
        }
    }
}

/// One reference from a pod to a Secret.
#[derive(Debug, Clone)]
pub struct SecretUse {
    pub secret: String,
    pub how: HowRead,
    /// The key, for secretKeyRef.
    pub key: Option<String>,
    pub optional: bool,
    /// Path of the reference's name field in the object, for positions.
    pub path: String,
}

fn pod_spec_prefix(template: &[&str]) -> String {
    let mut p: Vec<&str> = template.to_vec();
    p.push("spec");
    p.join(".")
}

/// Every Secret the workload's pods read. Empty for objects that are not workloads.
pub fn secret_uses(r: &Resource) -> Vec<SecretUse> {
    let Some(template) = pod_template_path(r) else { return Vec::new() };
    let mut spec_path: Vec<&str> = template.to_vec();
    spec_path.push("spec");
    let Some(spec) = get_path(&r.value, &spec_path) else { return Vec::new() };
    let prefix = pod_spec_prefix(template);
    let mut out = Vec::new();
    let optional = |v: &Value| v.get("optional").and_then(Value::as_bool).unwrap_or(false);
    for list in ["initContainers", "containers"] {
        for (ci, c) in spec.get(list).and_then(Value::as_sequence).into_iter().flatten().enumerate() {
            for (ei, e) in c.get("envFrom").and_then(Value::as_sequence).into_iter().flatten().enumerate() {
                if let Some(s) = e.get("secretRef")
                    && let Some(name) = s.get("name").and_then(Value::as_str)
                {
                    out.push(SecretUse {
                        secret: name.into(),
                        how: HowRead::EnvFrom,
                        key: None,
                        optional: optional(s),
                        path: format!("{prefix}.{list}[{ci}].envFrom[{ei}].secretRef.name"),
                    });
                }
            }
            for (ei, e) in c.get("env").and_then(Value::as_sequence).into_iter().flatten().enumerate() {
                if let Some(s) = get_path(e, &["valueFrom", "secretKeyRef"])
                    && let Some(name) = s.get("name").and_then(Value::as_str)
                {
                    out.push(SecretUse {
                        secret: name.into(),
                        how: HowRead::SecretKeyRef,
                        key: s.get("key").and_then(Value::as_str).map(str::to_string),
                        optional: optional(s),
                        path: format!("{prefix}.{list}[{ci}].env[{ei}].valueFrom.secretKeyRef.name"),
                    });
                }
            }
        }
    }
    for (vi, v) in spec.get("volumes").and_then(Value::as_sequence).into_iter().flatten().enumerate() {
        if let Some(s) = v.get("secret")
            && let Some(name) = s.get("secretName").and_then(Value::as_str)
        {
            out.push(SecretUse {
                secret: name.into(),
                how: HowRead::Volume,
                key: None,
                optional: optional(s),
                path: format!("{prefix}.volumes[{vi}].secret.secretName"),
            });
        }
        for (si, src) in
            get_path(v, &["projected", "sources"]).and_then(Value::as_sequence).into_iter().flatten().enumerate()
        {
            if let Some(s) = src.get("secret")
                && let Some(name) = s.get("name").and_then(Value::as_str)
            {
                out.push(SecretUse {
                    secret: name.into(),
                    how: HowRead::ProjectedVolume,
                    key: None,
                    optional: optional(s),
                    path: format!("{prefix}.volumes[{vi}].projected.sources[{si}].secret.name"),
                });
            }
        }
    }
    for (i, s) in spec.get("imagePullSecrets").and_then(Value::as_sequence).into_iter().flatten().enumerate() {
        if let Some(name) = s.get("name").and_then(Value::as_str) {
            out.push(SecretUse {
                secret: name.into(),
                how: HowRead::ImagePullSecret,
                key: None,
                optional: false,
                path: format!("{prefix}.imagePullSecrets[{i}].name"),
            });
        }
    }
    out
}
