//! Templates in the render: the example's loop, per-environment values, equality with hand-written objects, strict
//! undefined variables with file:line, and findings pointing at template lines.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples")
}

fn bin(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_argocd-eso-plugin")).args(args).env("NO_COLOR", "1").output().unwrap()
}

fn docs(text: &str) -> Vec<serde_yaml::Value> {
    argocd_eso_plugin::kustomize::loader::split_documents(text)
        .iter()
        .map(|d| serde_yaml::from_str(d.text).unwrap())
        .filter(|v: &serde_yaml::Value| !v.is_null())
        .collect()
}

fn copy_examples() -> tempfile::TempDir {
    support::copy_examples()
}

fn external_secrets(dir: &Path) -> Vec<serde_yaml::Value> {
    let out = bin(&["render", "--plain", dir.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    docs(&String::from_utf8(out.stdout).unwrap()).into_iter().filter(|d| d["kind"] == "ExternalSecret").collect()
}

#[test]
fn one_external_secret_per_channel_with_per_environment_values() {
    let dev = external_secrets(&examples().join("apps/notifications/overlays/dev"));
    let prod = external_secrets(&examples().join("apps/notifications/overlays/prod"));
    let names = |v: &Vec<serde_yaml::Value>| {
        v.iter().map(|d| d["metadata"]["name"].as_str().unwrap().to_string()).collect::<Vec<_>>()
    };
    assert_eq!(names(&dev), vec!["notifications-email", "notifications-push", "notifications-sms"]);
    assert_eq!(
        names(&prod),
        vec!["notifications-email", "notifications-push", "notifications-sms", "notifications-voice"]
    );
    assert!(dev.iter().all(|d| d["spec"]["refreshInterval"] == "1h"), "the base's value");
    assert!(prod.iter().all(|d| d["spec"]["refreshInterval"] == "15m"), "prod's values.yaml overrides it");
}

#[test]
fn templated_objects_equal_the_same_objects_written_by_hand() {
    let tmp = copy_examples();
    let base = tmp.path().join("apps/notifications/base");
    let templated = external_secrets(&tmp.path().join("apps/notifications/overlays/staging"));
    let mut by_hand = String::new();
    for (channel, keys) in [
        ("email", vec!["smtp-username", "smtp-password"]),
        ("sms", vec!["sms-api-token"]),
        ("push", vec!["push-server-key"]),
    ] {
        by_hand.push_str(&format!(
            "---\napiVersion: external-secrets.io/v1\nkind: ExternalSecret\nmetadata:\n  name: notifications-{channel}\n  labels:\n    app.kubernetes.io/part-of: notifications\nspec:\n  refreshInterval: 1h\n  secretStoreRef:\n    name: azure-kv\n    kind: ClusterSecretStore\n  target:\n    name: notifications-{channel}\n  data:\n"
        ));
        for k in keys {
            by_hand.push_str(&format!(
                "  - secretKey: {}\n    remoteRef:\n      key: notifications-{channel}-{k}\n",
                k.to_uppercase().replace('-', "_")
            ));
        }
    }
    std::fs::write(base.join("external-secrets.yaml"), by_hand).unwrap();
    let k = base.join("kustomization.yaml");
    let text = std::fs::read_to_string(&k).unwrap().replace("external-secrets.yaml.j2", "external-secrets.yaml");
    std::fs::write(&k, text).unwrap();
    assert_eq!(external_secrets(&tmp.path().join("apps/notifications/overlays/staging")), templated);
}

#[test]
fn an_undefined_variable_fails_with_file_and_line() {
    let tmp = copy_examples();
    let t = tmp.path().join("apps/notifications/base/external-secrets.yaml.j2");
    let text = std::fs::read_to_string(&t)
        .unwrap()
        .replace("refreshInterval: {{ refreshInterval }}", "refreshInterval: {{ refresh_interval }}");
    std::fs::write(&t, text).unwrap();
    let out = bin(&["render", tmp.path().join("apps/notifications/overlays/dev").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("external-secrets.yaml.j2:11:") && stderr.contains("undefined variable 'refresh_interval'"),
        "{stderr}"
    );
}

#[test]
fn findings_in_templated_objects_point_at_the_template() {
    let tmp = copy_examples();
    // A key typo inside the template's loop: every channel's ExternalSecret, one root cause at one template line.
    let t = tmp.path().join("apps/notifications/base/external-secrets.yaml.j2");
    let text = std::fs::read_to_string(&t)
        .unwrap()
        .replace("    kind: ClusterSecretStore\n", "    kind: ClusterSecretStores\n");
    std::fs::write(&t, text).unwrap();
    let out = bin(&["lint", tmp.path().to_str().unwrap(), "--offline", "-o", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let f: Vec<&serde_json::Value> =
        v["findings"].as_array().unwrap().iter().filter(|f| f["code"] == "ESO001").collect();
    assert_eq!(f.len(), 1, "{:?}", v["findings"]);
    assert_eq!(f[0]["file"], "apps/notifications/base/external-secrets.yaml.j2");
    assert_eq!(f[0]["line"], 14);
    assert_eq!(f[0]["environments"], serde_json::json!(["dev", "prod", "staging"]));
}
