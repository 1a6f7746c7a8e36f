//! Rollout stamping on the example repo: deterministic, independent of input order, and a rotation changes exactly
//! the workloads reading the rotated key and that key's ExternalSecret, nothing else.

mod support;

use serde_yaml::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

const ANNOTATION: &str = "argocd-eso-plugin.io/secret-versions";

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples")
}

fn copy_examples() -> tempfile::TempDir {
    support::copy_examples()
}

fn render(dir: &Path, extra: &[&str]) -> String {
    let out =
        Command::new(env!("CARGO_BIN_EXE_argocd-eso-plugin")).arg("render").arg(dir).args(extra).output().unwrap();
    assert!(out.status.success(), "render {}: {}", dir.display(), String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

fn docs(text: &str) -> Vec<Value> {
    argocd_eso_plugin::kustomize::loader::split_documents(text)
        .iter()
        .map(|d| serde_yaml::from_str(d.text).unwrap())
        .filter(|v: &Value| !v.is_null())
        .collect()
}

fn label(v: &Value) -> String {
    format!("{}/{}", v["kind"].as_str().unwrap(), v["metadata"]["name"].as_str().unwrap())
}

/// Remove the versions annotation wherever it is, to compare everything else.
fn strip(v: &Value) -> Value {
    match v {
        Value::Mapping(m) => Value::Mapping(
            m.iter().filter(|(k, _)| k.as_str() != Some(ANNOTATION)).map(|(k, x)| (k.clone(), strip(x))).collect(),
        ),
        Value::Sequence(s) => Value::Sequence(s.iter().map(strip).collect()),
        other => other.clone(),
    }
}

/// The objects whose versions annotation differs between two renders; asserts nothing else differs.
fn changed(before: &str, after: &str) -> Vec<String> {
    let (a, b) = (docs(before), docs(after));
    assert_eq!(a.len(), b.len());
    let mut out = Vec::new();
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(strip(x), strip(y), "{} changed beyond its versions annotation", label(x));
        if x != y {
            out.push(label(x));
        }
    }
    out
}

fn bump(inventory: &Path, name: &str) {
    let mut items: Vec<serde_json::Value> = serde_json::from_str(&std::fs::read_to_string(inventory).unwrap()).unwrap();
    let item = items.iter_mut().find(|i| i["name"] == name).unwrap();
    item["attributes"]["updated"] = "2026-11-20T09:00:00+00:00".into();
    std::fs::write(inventory, serde_json::to_string_pretty(&items).unwrap()).unwrap();
}

#[test]
fn stamps_workloads_and_external_secrets_deterministically() {
    let dir = examples().join("apps/orders-api/overlays/prod");
    let first = render(&dir, &[]);
    assert_eq!(first, render(&dir, &[]), "byte-identical across runs");
    let d = docs(&first);
    let deploy = d.iter().find(|v| v["kind"] == "Deployment").unwrap();
    let hash = deploy["spec"]["template"]["metadata"]["annotations"][ANNOTATION].as_str().unwrap();
    assert!(hash.starts_with("sha256:") && hash.len() == 71, "{hash}");
    let plain = docs(&render(&dir, &["--plain"]));
    for es in d.iter().filter(|v| v["kind"] == "ExternalSecret") {
        // In the spec, so that a rotation bumps metadata.generation, which the health check compares with ESO's
        // status.syncedResourceVersion.
        let template = &es["spec"]["target"]["template"];
        assert!(template["metadata"]["annotations"][ANNOTATION].as_str().unwrap().starts_with("sha256:"));
        assert!(es["metadata"]["annotations"].get(ANNOTATION).is_none(), "not on the object's own metadata");
        // With no template in Git, ESO copies the ExternalSecret's labels and annotations to the Secret; the added
        // template carries them, so the Secret keeps them.
        let unstamped = plain
            .iter()
            .find(|p| p["kind"] == "ExternalSecret" && p["metadata"]["name"] == es["metadata"]["name"])
            .unwrap();
        if unstamped["spec"]["target"].get("template").is_none() {
            assert_eq!(template["metadata"]["labels"], unstamped["metadata"]["labels"]);
            for (k, v) in unstamped["metadata"]["annotations"].as_mapping().into_iter().flatten() {
                assert_eq!(&template["metadata"]["annotations"][k.as_str().unwrap()], v, "{k:?}");
            }
        }
        assert_eq!(
            es["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"], "-1",
            "one wave ahead of its consumer"
        );
    }
    // The Service reads no Secret: it is exactly what kustomize renders.
    let svc = |v: &Vec<Value>| v.iter().find(|x| x["kind"] == "Service").cloned().unwrap();
    assert_eq!(svc(&d), svc(&plain));
}

#[test]
fn input_order_does_not_change_the_output() {
    let tmp = copy_examples();
    let k = tmp.path().join("apps/orders-api/base/kustomization.yaml");
    let before = render(&tmp.path().join("apps/orders-api/overlays/prod"), &[]);
    let text = std::fs::read_to_string(&k).unwrap();
    let reordered = text.replace(
        "- deployment.yaml\n- service.yaml\n- external-secrets.yaml\n",
        "- external-secrets.yaml\n- service.yaml\n- deployment.yaml\n",
    );
    assert_ne!(text, reordered);
    std::fs::write(&k, reordered).unwrap();
    // The documents of external-secrets.yaml reversed, too.
    let es = tmp.path().join("apps/orders-api/base/external-secrets.yaml");
    let mut parts: Vec<String> = std::fs::read_to_string(&es).unwrap().split("\n---\n").map(str::to_string).collect();
    parts.reverse();
    std::fs::write(&es, parts.join("\n---\n")).unwrap();
    assert_eq!(render(&tmp.path().join("apps/orders-api/overlays/prod"), &[]), before);
}

#[test]
fn a_rotation_changes_exactly_its_consumers_and_its_external_secret() {
    let tmp = copy_examples();
    let prod = tmp.path().join("inventories/prod.json");
    let orders = tmp.path().join("apps/orders-api/overlays/prod");
    let payments = tmp.path().join("apps/payments/overlays/prod");
    let (orders_before, payments_before) = (render(&orders, &[]), render(&payments, &[]));

    // envFrom (and secretKeyRef's Secret is another one): the Deployment and the orders-db ExternalSecret.
    bump(&prod, "orders-db-password");
    let orders_after = render(&orders, &[]);
    assert_eq!(changed(&orders_before, &orders_after), vec!["Deployment/orders-api", "ExternalSecret/orders-db"]);
    // The ExternalSecret's change is a spec change: the API server bumps its generation and ESO re-syncs.
    let spec_of = |text: &str| {
        docs(text).into_iter().find(|v| label(v) == "ExternalSecret/orders-db").map(|v| v["spec"].clone()).unwrap()
    };
    assert_ne!(spec_of(&orders_before), spec_of(&orders_after));
    assert_eq!(render(&payments, &[]), payments_before, "another app is untouched");

    // imagePullSecrets.
    bump(&prod, "acr-pull-auth");
    assert_eq!(changed(&orders_after, &render(&orders, &[])), vec!["Deployment/orders-api", "ExternalSecret/acr-pull"]);

    // A secret volume, in another app.
    bump(&prod, "ledger-tls-crt");
    assert_eq!(
        changed(&payments_before, &render(&payments, &[])),
        vec!["StatefulSet/prod-ledger", "ExternalSecret/prod-ledger-tls"]
    );

    // Other environments do not move.
    let dev = tmp.path().join("apps/orders-api/overlays/dev");
    let fresh = copy_examples();
    assert_eq!(render(&dev, &[]), render(&fresh.path().join("apps/orders-api/overlays/dev"), &[]));
}

#[test]
fn offline_without_versions_render_leaves_annotations_out_and_says_so() {
    let tmp = copy_examples();
    std::fs::remove_file(tmp.path().join(".argocd-eso-plugin.yaml")).unwrap();
    std::fs::create_dir(tmp.path().join(".git")).unwrap();
    let dir = tmp.path().join("apps/orders-api/overlays/prod");
    let out =
        Command::new(env!("CARGO_BIN_EXE_argocd-eso-plugin")).args(["render", "--offline"]).arg(&dir).output().unwrap();
    assert!(out.status.success());
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(!stdout.contains(ANNOTATION));
    assert_eq!(docs(&stdout), docs(&render(&dir, &["--plain"])), "exactly the kustomize output");
    assert!(String::from_utf8_lossy(&out.stderr).contains("rollout annotations left out"));
}

#[test]
fn live_versions_stamp_and_a_new_version_rolls() {
    use support::fake_vault::FakeVault;
    const HOST: &str = "kv-contoso-prod.vault.azure.net";
    let fake = FakeVault::start(&[HOST, "login.fake.test"]);
    for name in
        ["orders-db-username", "orders-db-password", "orders-db-host", "orders-payments-api-key", "acr-pull-auth"]
    {
        fake.add(name, &[1_760_000_000]);
    }
    let tmp = copy_examples();
    std::fs::remove_file(tmp.path().join(".argocd-eso-plugin.yaml")).unwrap();
    std::fs::create_dir(tmp.path().join(".git")).unwrap();
    let ca = tmp.path().join("ca.pem");
    std::fs::write(&ca, &fake.ca_pem).unwrap();
    let dir = tmp.path().join("apps/orders-api/overlays/prod");
    let run = || {
        let out = Command::new(env!("CARGO_BIN_EXE_argocd-eso-plugin"))
            .arg("render")
            .arg(&dir)
            .args([
                "--connect-to",
                &format!("{HOST}={}", fake.addr),
                "--connect-to",
                &format!("login.fake.test={}", fake.addr),
            ])
            .args(["--ca-file", ca.to_str().unwrap(), "--azure-auth", "client-secret"])
            .env("AZURE_TENANT_ID", support::fake_vault::TENANT)
            .env("AZURE_CLIENT_ID", "render")
            .env("AZURE_CLIENT_SECRET", "render-secret")
            .env("AZURE_AUTHORITY_HOST", fake.authority())
            .output()
            .unwrap();
        let (stdout, stderr) = (String::from_utf8(out.stdout).unwrap(), String::from_utf8(out.stderr).unwrap());
        assert!(out.status.success(), "{stderr}");
        for t in [&stdout, &stderr] {
            assert!(!t.contains("CANARY-VALUE"), "a secret value leaked");
        }
        stdout
    };
    let before = run();
    assert!(before.contains(ANNOTATION));
    assert!(
        fake.requests().iter().all(|r| !r.starts_with("GET /secrets/") || r.contains("/versions?")),
        "only version listings, never a value"
    );
    fake.rotate("orders-payments-api-key", 1_770_000_000);
    let after = run();
    assert_eq!(changed(&before, &after), vec!["Deployment/orders-api", "ExternalSecret/orders-api-keys"]);
}
