//! Secrets that other controllers create from objects rendered in Git. A workload that reads one is provided for:
//! cert-manager writes a Certificate's `spec.secretName`, the Sealed Secrets controller a SealedSecret's own name,
//! CloudNativePG a Cluster's `<name>-app` and `<name>-superuser` (and its CA, server and replication Secrets), the
//! Vault Secrets Operator its `spec.destination.name`, the 1Password operator a OnePasswordItem's own name, and
//! Crossplane any object's `spec.writeConnectionSecretToRef`. Names only: what keys they hold is not known here.

use crate::resource::{Resource, get_path};
use serde_yaml::Value;

/// The (namespace, name) of each Secret a controller creates from `r`, and which controller.
pub fn secrets_created_by(r: &Resource) -> Vec<(String, String, &'static str)> {
    let gvk = r.gvk();
    let text = |path: &[&str]| get_path(&r.value, path).and_then(Value::as_str).filter(|s| !s.is_empty());
    let here = |name: &str, by: &'static str| (r.namespace().to_string(), name.to_string(), by);
    let mut out = Vec::new();
    match (gvk.group.as_str(), r.kind()) {
        ("cert-manager.io", "Certificate") => {
            out.extend(text(&["spec", "secretName"]).map(|n| here(n, "cert-manager")))
        }
        ("bitnami.com", "SealedSecret") => {
            let name = text(&["spec", "template", "metadata", "name"]).unwrap_or(r.name());
            out.push(here(name, "Sealed Secrets"));
        }
        ("postgresql.cnpg.io", "Cluster") => {
            for suffix in ["app", "superuser", "ca", "server", "replication"] {
                out.push(here(&format!("{}-{suffix}", r.name()), "CloudNativePG"));
            }
        }
        ("secrets.hashicorp.com", "VaultStaticSecret" | "VaultDynamicSecret" | "VaultPKISecret") => {
            out.extend(text(&["spec", "destination", "name"]).map(|n| here(n, "the Vault Secrets Operator")));
        }
        ("onepassword.com", "OnePasswordItem") => out.push(here(r.name(), "the 1Password operator")),
        _ => {}
    }
    if let Some(name) = text(&["spec", "writeConnectionSecretToRef", "name"]) {
        let ns = text(&["spec", "writeConnectionSecretToRef", "namespace"]).unwrap_or(r.namespace());
        out.push((ns.to_string(), name.to_string(), "Crossplane"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn created(yaml: &str) -> Vec<(String, String, &'static str)> {
        secrets_created_by(&Resource::new(serde_yaml::from_str(yaml).unwrap(), Default::default()))
    }

    #[test]
    fn secrets_other_controllers_create() {
        let cert = "apiVersion: cert-manager.io/v1\nkind: Certificate\nmetadata: {name: web, namespace: shop}\nspec: {secretName: web-tls}";
        assert_eq!(created(cert), [("shop".into(), "web-tls".into(), "cert-manager")]);
        let pg = "apiVersion: postgresql.cnpg.io/v1\nkind: Cluster\nmetadata: {name: db, namespace: shop}\nspec: {}";
        assert!(created(pg).iter().any(|(_, n, _)| n == "db-app"));
        let xp = "apiVersion: database.example.org/v1alpha1\nkind: PostgreSQLInstance\nmetadata: {name: db, namespace: shop}\nspec:\n  writeConnectionSecretToRef: {name: db-conn}";
        assert_eq!(created(xp), [("shop".into(), "db-conn".into(), "Crossplane")]);
        let other = "apiVersion: example.org/v1\nkind: Certificate\nmetadata: {name: web}\nspec: {secretName: web-tls}";
        assert!(created(other).is_empty());
    }
}
