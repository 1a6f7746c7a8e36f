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
