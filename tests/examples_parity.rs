//! Every overlay of the bundled example repo renders natively exactly as `kubectl kustomize` renders it, byte for
//! byte.

use argocd_eso_plugin::kustomize::{self, BuildOptions};
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

/// A copy of the examples where every template is replaced by its expansion for `overlay`, so that kubectl
/// kustomize (which knows no templates) builds the same objects.
fn expanded_copy(root: &Path, overlay: &Path) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    for e in walkdir::WalkDir::new(root).into_iter().filter_map(Result::ok) {
        let dest = tmp.path().join(e.path().strip_prefix(root).unwrap());
        if e.file_type().is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
        } else {
            std::fs::copy(e.path(), &dest).unwrap();
        }
    }
    let env = argocd_eso_plugin::scan::env_of(root, overlay.strip_prefix(root).unwrap());
    for e in walkdir::WalkDir::new(root).into_iter().filter_map(Result::ok) {
        if argocd_eso_plugin::template::is_template(e.path()) {
            let ctx = argocd_eso_plugin::template::TemplateContext {
                env: env.clone(),
                overlay: Some(overlay.to_path_buf()),
                ..Default::default()
            };
            let text = argocd_eso_plugin::template::render(e.path(), e.path().parent().unwrap(), root, &ctx).unwrap();
            std::fs::write(tmp.path().join(e.path().strip_prefix(root).unwrap()), text).unwrap();
        }
    }
    tmp
}

#[test]
fn every_example_overlay_equals_kubectl_kustomize() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let dirs = overlays(&root);
    assert!(dirs.len() >= 12, "expected the example apps' overlays, found {}", dirs.len());
    for dir in dirs {
        let expanded = expanded_copy(&root, &dir);
        let oracle_dir = expanded.path().join(dir.strip_prefix(&root).unwrap());
        let oracle = Command::new("kubectl")
            .arg("kustomize")
            .arg(&oracle_dir)
            .output()
            .expect("kubectl is installed (the oracle)");
        assert!(
            oracle.status.success(),
            "kubectl kustomize {} failed: {}",
            dir.display(),
            String::from_utf8_lossy(&oracle.stderr)
        );
        let expected = String::from_utf8(oracle.stdout).unwrap();
        let env = argocd_eso_plugin::scan::env_of(&root, dir.strip_prefix(&root).unwrap());
        let opts = BuildOptions {
            repo_root: Some(root.clone()),
            preprocessor: argocd_eso_plugin::template::TemplateContext { env, ..Default::default() }.preprocessor(),
            ..Default::default()
        };
        let ours =
            argocd_eso_plugin::output::manifests::to_yaml_stream(&kustomize::build(&dir, &opts).unwrap()).unwrap();
        assert_eq!(ours, expected, "native render of {} differs from kubectl kustomize", dir.display());
    }
}
