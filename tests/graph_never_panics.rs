//! `graph` (Mermaid and DOT) and `diff -o markdown` never panic: over every rule's test data, and over a
//! ClusterExternalSecret that reads Key Vault (an edge to a node never added once crashed both, and with them the
//! GitHub Action's pull-request comment).

use std::path::Path;
use std::process::Command;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_argocd-eso-plugin"))
}

fn assert_no_panic(what: &str, out: &std::process::Output) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_ne!(out.status.code(), Some(101), "{what}: {stderr}");
    assert!(!stderr.contains("panicked"), "{what}: {stderr}");
}

const CES: &str = "apiVersion: external-secrets.io/v1
kind: ClusterSecretStore
metadata:
  name: azure-kv
spec:
  provider:
    azurekv:
      vaultUrl: https://kv-test.vault.azure.net/
      authType: ManagedIdentity
---
apiVersion: external-secrets.io/v1
kind: ClusterExternalSecret
metadata:
  name: shared-db
spec:
  namespaceSelectors:
  - matchLabels:
      team: a
  externalSecretName: db
  externalSecretSpec:
    secretStoreRef:
      kind: ClusterSecretStore
      name: azure-kv
    target:
      name: db
    data:
    - secretKey: password
      remoteRef:
        key: db-password
";

#[test]
fn graph_runs_over_every_rules_test_data_and_cluster_external_secrets() {
    let rules = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/rules");
    let ces = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(ces.path().join("overlays/test")).unwrap();
    std::fs::write(ces.path().join("overlays/test/kustomization.yaml"), "resources: [objects.yaml]\n").unwrap();
    std::fs::write(ces.path().join("overlays/test/objects.yaml"), CES).unwrap();
    let mut repos: Vec<std::path::PathBuf> = vec![ces.path().to_path_buf()];
    for rule in std::fs::read_dir(&rules).unwrap().map(|e| e.unwrap().path()) {
        repos.extend(["fail", "pass"].iter().map(|c| rule.join(c)).filter(|p| p.is_dir()));
    }
    let mut graphs = 0;
    for repo in &repos {
        let config = argocd_eso_plugin::config::Config::load(repo).unwrap_or_default();
        let envs = argocd_eso_plugin::scan::layout(repo, &config).map(|l| l.environments).unwrap_or_default();
        for env in envs.keys() {
            for format in ["mermaid", "dot"] {
                let out =
                    bin().arg("graph").arg(repo).args(["--env", env, "--offline", "-o", format]).output().unwrap();
                assert_no_panic(&format!("graph {} --env {env} -o {format}", repo.display()), &out);
                graphs += 1;
            }
        }
    }
    assert!(graphs > 40, "only {graphs} graphs drawn: the test data moved?");
    // The ClusterExternalSecret's key is in its graph, linked to it.
    let out = bin().arg("graph").arg(ces.path()).args(["--env", "test", "--offline"]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("ClusterExternalSecret shared-db") && text.contains("kv-test/db-password"), "{text}");
    assert!(text.lines().any(|l| l.contains("-->")), "{text}");
}
