//! Test support shared by integration tests.
#![allow(dead_code)]

pub mod fake_vault;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

pub fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples")
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
