//! Test support shared by integration tests.
#![allow(dead_code)]

pub mod fake_vault;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

pub fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples")
}

/// The project's shared reference material (kustomize conformance cases, ESO CRDs, Argo CD manifests): next to
/// the repository as `../shared`, or where ARGOCD_ESO_PLUGIN_SHARED points (for a clone elsewhere). Never
/// skipped when missing: the tests that read it are the parity and schema guarantees.
pub fn shared_dir() -> PathBuf {
    let dir = std::env::var_os("ARGOCD_ESO_PLUGIN_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared"));
    assert!(
        dir.join("kustomize-conformance").is_dir() && dir.join("reference").is_dir(),
        "shared reference material not found at {}: clone next to it or set ARGOCD_ESO_PLUGIN_SHARED",
        dir.display()
    );
    dir
}

/// Write `text` to `path` under `root`, creating its folders.
pub fn write(root: &Path, path: &str, text: &str) {
    let p = root.join(path);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

/// A namespaced azurekv SecretStore (managed identity) named `name` in `namespace`, reading `https://<vault>.vault.azure.net/`.
pub fn secret_store(name: &str, namespace: &str, vault: &str) -> String {
    format!(
        "apiVersion: external-secrets.io/v1\nkind: SecretStore\nmetadata:\n  name: {name}\n  namespace: {namespace}\nspec:\n  provider:\n    azurekv:\n      authType: ManagedIdentity\n      tenantId: 9b05fdb9-40c0-4f4a-a654-386013ae7d6a\n      vaultUrl: https://{vault}.vault.azure.net/\n"
    )
}

/// Copy a directory tree.
pub fn copy_tree(from: &Path, to: &Path) {
    for e in walkdir::WalkDir::new(from).into_iter().filter_map(Result::ok) {
        let dest = to.join(e.path().strip_prefix(from).unwrap());
        if e.file_type().is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
        } else {
            std::fs::copy(e.path(), &dest).unwrap();
        }
    }
}

/// The bundled example repo, copied into a temp dir to be changed.
pub fn copy_examples() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    copy_tree(&examples(), tmp.path());
    tmp
}

/// The (code, file, line) of every `# expect: CODE` marker under `repo`.
pub fn marked(repo: &Path) -> BTreeSet<(String, String, u32)> {
    let mut out = BTreeSet::new();
    for e in walkdir::WalkDir::new(repo).into_iter().filter_map(Result::ok).filter(|e| e.file_type().is_file()) {
        let rel = e.path().strip_prefix(repo).unwrap().display().to_string();
        for (i, line) in std::fs::read_to_string(e.path()).unwrap().lines().enumerate() {
            if let Some((_, code)) = line.split_once("# expect: ") {
                out.insert((code.trim().to_string(), rel.clone(), i as u32 + 1));
            }
        }
    }
    out
}

/// Documents of a YAML stream, empty ones left out.
pub fn docs(text: &str) -> Vec<serde_yaml::Value> {
    argocd_eso_plugin::kustomize::loader::split_documents(text)
        .iter()
        .map(|d| serde_yaml::from_str(d.text).unwrap())
        .filter(|v: &serde_yaml::Value| !v.is_null())
        .collect()
}
