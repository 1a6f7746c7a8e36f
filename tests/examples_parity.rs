//! Every overlay of the bundled example repo renders natively exactly as `kubectl kustomize` renders it.

use argocd_eso_plugin::kustomize::{self, loader, BuildOptions};
use serde_yaml::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

fn overlays(root: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = walkdir::WalkDir::new(root)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_name() == "kustomization.yaml")
        .map(|e| e.path().parent().unwrap().to_path_buf())
        .filter(|d| d.components().any(|c| c.as_os_str() == "overlays"))
        .collect();
    out.sort();
    out
}

fn docs(text: &str) -> Vec<Value> {
    loader::split_documents(text)
        .iter()
        .map(|d| serde_yaml::from_str::<Value>(d.text).unwrap())
        .filter(|v| !v.is_null())
        .collect()
}

#[test]
fn every_example_overlay_equals_kubectl_kustomize() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let dirs = overlays(&root);
    assert!(dirs.len() >= 9, "expected the example apps' overlays, found {}", dirs.len());
    for dir in dirs {
        let oracle = Command::new("kubectl").arg("kustomize").arg(&dir).output().expect("kubectl is installed (the oracle)");
        assert!(oracle.status.success(), "kubectl kustomize {} failed: {}", dir.display(), String::from_utf8_lossy(&oracle.stderr));
        let expected = docs(&String::from_utf8(oracle.stdout).unwrap());
        let ours: Vec<Value> = kustomize::build(&dir, &BuildOptions::default()).unwrap().into_iter().map(|r| r.value).collect();
        assert_eq!(ours, expected, "native render of {} differs from kubectl kustomize", dir.display());
    }
}
