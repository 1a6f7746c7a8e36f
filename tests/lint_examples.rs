//! `lint` of the bundled examples is clean; planting one defect of each class in a copy of them yields exactly
//! that finding, once (one root cause, whatever the number of environments it reaches).

mod support;

use argocd_eso_plugin::config::Config;
use argocd_eso_plugin::lint::{LintOptions, lint};
use argocd_eso_plugin::vault::stage::VaultOptions;
use std::path::{Path, PathBuf};

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples")
}

fn copy_dir(from: &Path, to: &Path) {
    support::copy_tree(from, to)
}

fn codes(repo: &Path) -> Vec<(String, String)> {
    // Offline: the examples carry an inventory for each environment's vault.
    let opts = LintOptions::new(
        repo.to_path_buf(),
        Config::load(repo).unwrap(),
        vec![],
        VaultOptions { offline: true, ..Default::default() },
    );
    lint(&opts).unwrap().findings.into_iter().map(|f| (f.code.to_string(), f.file.display().to_string())).collect()
}

#[test]
fn examples_are_clean() {
    assert_eq!(codes(&examples()), vec![]);
}

/// (expected code, file, text to replace, replacement)
const DEFECTS: &[(&str, &str, &str, &str)] = &[
    (
        "ESO001",
        "apps/orders-api/base/external-secrets.yaml",
        "  refreshInterval: 1h\n  secretStoreRef:\n    name: azure-kv\n    kind: ClusterSecretStore\n  target:\n    name: orders-db\n",
        "  refreshInterval: 1h\n  secretStoreRef:\n    name: azure-kv\n    kind: ClusterSecretStore\n  target:\n    nam: orders-db\n",
    ),
    (
        "ESO002",
        "apps/payments/base/external-secrets.yaml",
        "apiVersion: external-secrets.io/v1\nkind: ExternalSecret\nmetadata:\n  name: ledger-signing",
        "apiVersion: external-secrets.io/v1beta1\nkind: ExternalSecret\nmetadata:\n  name: ledger-signing",
    ),
    (
        "ESO004",
        "apps/orders-api/base/external-secrets.yaml",
        "  - secretKey: POSTGRES_HOST",
        "  - secretKey: POSTGRES_USER",
    ),
    ("ESO006", "apps/payments/base/external-secrets.yaml", "refreshInterval: 30m", "refreshInterval: 30 minutes"),
    ("ESO007", "apps/orders-api/base/external-secrets.yaml", "key: orders-db-host", "key: orders_db_host"),
    (
        "GIT001",
        "apps/orders-api/base/service.yaml",
        "",
        "---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: debug-credentials\nstringData:\n  password: hunter2\n",
    ),
    (
        "REF001",
        "apps/payments/base/external-secrets.yaml",
        "    name: azure-kv\n    kind: ClusterSecretStore\n  target:\n    name: ledger-tls",
        "    name: azure-kvv\n    kind: ClusterSecretStore\n  target:\n    name: ledger-tls",
    ),
    (
        "REF002",
        "apps/orders-api/base/external-secrets.yaml",
        "",
        "---\napiVersion: external-secrets.io/v1\nkind: ExternalSecret\nmetadata:\n  name: orders-db-legacy\nspec:\n  secretStoreRef:\n    name: azure-kv\n    kind: ClusterSecretStore\n  target:\n    name: orders-db\n  data:\n  - secretKey: LEGACY_DSN\n    remoteRef:\n      key: orders-db-password\n",
    ),
    (
        "STO001",
        "platform/cluster-secret-stores/overlays/prod/kustomization.yaml",
        "https://kv-contoso-prod.vault.azure.net/",
        "https://<KV_NAME>.vault.azure.net/",
    ),
    (
        "STO002",
        "platform/cluster-secret-stores/base/cluster-secret-store.yaml",
        "tenantId: 9b05fdb9-40c0-4f4a-a654-386013ae7d6a",
        "tenantId: contoso.onmicrosoft.com",
    ),
    (
        "WRK001",
        "apps/orders-api/base/deployment.yaml",
        "            name: orders-db\n",
        "            name: orders-dbb\n",
    ),
    ("WRK002", "apps/payments/base/statefulset.yaml", "key: signing-key", "key: signing_key"),
];

#[test]
fn each_planted_defect_yields_exactly_its_finding() {
    for (code, file, from, to) in DEFECTS {
        let tmp = tempfile::tempdir().unwrap();
        copy_dir(&examples(), tmp.path());
        let path = tmp.path().join(file);
        let text = std::fs::read_to_string(&path).unwrap();
        let planted = if from.is_empty() { format!("{text}{to}") } else { text.replacen(from, to, 1) };
        assert_ne!(planted, text, "{code}: the defect was not planted in {file}");
        std::fs::write(&path, planted).unwrap();
        let got = codes(tmp.path());
        // Exactly that finding, located in the file the defect was planted in.
        assert_eq!(got, vec![(code.to_string(), file.to_string())], "{code} planted in {file}");
    }
}

fn lint_codes_at(repo: &Path) -> Vec<(String, String, u32)> {
    let opts = LintOptions::new(
        repo.to_path_buf(),
        Config::load(repo).unwrap(),
        vec![],
        VaultOptions { offline: true, ..Default::default() },
    );
    lint(&opts)
        .unwrap()
        .findings
        .into_iter()
        .map(|f| (f.code.to_string(), f.file.display().to_string(), f.line))
        .collect()
}

/// Edit one secret's entry in an `az keyvault secret list` inventory.
fn edit_inventory(file: &Path, name: &str, edit: impl Fn(&mut serde_json::Value)) {
    let mut items: Vec<serde_json::Value> = serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
    match items.iter_mut().find(|i| i["name"] == name) {
        Some(item) => edit(item),
        None => panic!("{name} not in {}", file.display()),
    }
    std::fs::write(file, serde_json::to_string_pretty(&items).unwrap()).unwrap();
}

#[test]
fn planted_vault_defects_yield_exactly_those_findings() {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&examples(), tmp.path());
    let prod = tmp.path().join("inventories/prod.json");
    // Missing in prod only: a key created in dev and forgotten in prod.
    let mut items: Vec<serde_json::Value> = serde_json::from_str(&std::fs::read_to_string(&prod).unwrap()).unwrap();
    items.retain(|i| i["name"] != "orders-payments-api-key");
    std::fs::write(&prod, serde_json::to_string_pretty(&items).unwrap()).unwrap();
    // Disabled in staging.
    edit_inventory(&tmp.path().join("inventories/staging.json"), "ledger-signing-key", |i| {
        i["attributes"]["enabled"] = false.into()
    });
    // Seed 002's scenario: the registry credential expires in ten days, in every environment.
    let soon = time::OffsetDateTime::now_utc() + time::Duration::days(10);
    let soon = soon.format(&time::format_description::well_known::Rfc3339).unwrap();
    for env in ["dev", "staging", "prod"] {
        edit_inventory(&tmp.path().join(format!("inventories/{env}.json")), "acr-pull-auth", |i| {
            i["attributes"]["expires"] = soon.clone().into()
        });
    }
    let got = lint_codes_at(tmp.path());
    assert_eq!(
        got,
        vec![
            ("KV001".to_string(), "apps/orders-api/base/external-secrets.yaml".to_string(), 39),
            ("KV004".to_string(), "apps/orders-api/base/external-secrets.yaml".to_string(), 60),
            ("KV002".to_string(), "apps/payments/base/external-secrets.yaml".to_string(), 36),
        ]
    );
    let opts = LintOptions::new(
        tmp.path().to_path_buf(),
        Config::load(tmp.path()).unwrap(),
        vec![],
        VaultOptions { offline: true, ..Default::default() },
    );
    let report = lint(&opts).unwrap();
    let envs: Vec<Vec<String>> = report.findings.iter().map(|f| f.environments.clone()).collect();
    assert_eq!(
        envs,
        vec![
            vec!["prod".to_string()],
            vec!["dev".into(), "prod".into(), "staging".into()],
            vec!["staging".to_string()]
        ]
    );
}
