//! Every rendered object keeps where it came from (file, document index, first line) through the transformers, and
//! the patch files applied to it: later findings point at source lines through this.

use argocd_eso_plugin::kustomize::{self, BuildOptions};
use std::path::{Path, PathBuf};

#[test]
fn origins_survive_prefix_namespace_and_patches() {
    let t = tempfile::tempdir().unwrap();
    let w = |p: &str, s: &str| {
        let f = t.path().join(p);
        std::fs::create_dir_all(f.parent().unwrap()).unwrap();
        std::fs::write(f, s).unwrap();
    };
    w("base/kustomization.yaml", "resources:\n- objects.yaml\n");
    w(
        "base/objects.yaml",
        "# leading comment\napiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: sa\n---\n\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n      - name: c\n        image: nginx\n",
    );
    w(
        "prod/kustomization.yaml",
        "namespace: prod\nnamePrefix: p-\nresources:\n- ../base\npatches:\n- path: patch.yaml\nconfigMapGenerator:\n- name: settings\n  literals:\n  - a=b\n",
    );
    w("prod/patch.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 3\n");
    let opts = BuildOptions { repo_root: Some(t.path().to_path_buf()), ..Default::default() };
    let out = kustomize::build(&t.path().join("prod"), &opts).unwrap();
    let find = |kind: &str| out.iter().find(|r| r.kind() == kind).unwrap();

    let sa = find("ServiceAccount");
    assert_eq!(sa.name(), "p-sa");
    assert_eq!(sa.origin.file, Path::new("base/objects.yaml"));
    assert_eq!((sa.origin.doc, sa.origin.line), (0, 2));

    let dep = find("Deployment");
    assert_eq!(dep.name(), "p-web");
    assert_eq!((dep.origin.doc, dep.origin.line), (1, 8));
    assert_eq!(dep.origin.patched_by, vec![PathBuf::from("prod/patch.yaml")]);

    let cm = find("ConfigMap");
    assert_eq!(cm.origin.file, Path::new("prod/kustomization.yaml"));
    assert_eq!(cm.origin.generated_by.as_deref(), Some("ConfigMapGenerator"));
}
