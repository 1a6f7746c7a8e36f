//! `render` as a user runs it: manifests on stdout on success; on any error nothing on stdout, a one-line message
//! naming the file on stderr, and a non-zero exit, never a panic or a hang.

use std::path::Path;
use std::process::{Command, Output};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_argocd-eso-plugin"))
}

fn render(dir: &Path) -> Output {
    bin().arg("render").arg(dir).output().unwrap()
}

fn write(dir: &Path, name: &str, text: &str) {
    let p = dir.join(name);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

const CM: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  a: b\n";

/// Asserts the failure contract and returns stderr.
fn assert_fails_cleanly(out: &Output, must_mention: &str) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(!out.status.success(), "expected failure, got success; stdout: {}", String::from_utf8_lossy(&out.stdout));
    assert_eq!(out.status.code(), Some(2), "usage/internal errors exit 2; stderr: {stderr}");
    assert!(out.stdout.is_empty(), "nothing may reach stdout on error, got: {}", String::from_utf8_lossy(&out.stdout));
    assert!(!stderr.contains("panicked"), "panic: {stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "one-line error expected: {stderr}");
    assert!(stderr.contains(must_mention), "stderr should mention {must_mention:?}: {stderr}");
    stderr
}

#[test]
fn renders_an_example_overlay() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/apps/orders-api/overlays/prod");
    let out = render(&dir);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("namespace: orders-prod"));
    assert!(text.contains("image: contoso.azurecr.io/orders-api:1.4.2"));
    // Deterministic: the same input renders byte-identically.
    assert_eq!(text, String::from_utf8(render(&dir).stdout).unwrap());
}

#[test]
fn malformed_yaml_names_file_and_line() {
    let t = tempfile::tempdir().unwrap();
    write(t.path(), "kustomization.yaml", "resources:\n- cm.yaml\n");
    write(t.path(), "cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [unclosed\n");
    assert_fails_cleanly(&render(t.path()), "cm.yaml:");
}

#[test]
fn unknown_kustomization_field_is_named() {
    let t = tempfile::tempdir().unwrap();
    write(t.path(), "kustomization.yaml", "resources:\n- cm.yaml\nnamePrefx: a-\n");
    write(t.path(), "cm.yaml", CM);
    assert_fails_cleanly(&render(t.path()), "namePrefx");
}

#[test]
fn missing_resource_file_is_named() {
    let t = tempfile::tempdir().unwrap();
    write(t.path(), "kustomization.yaml", "resources:\n- nope.yaml\n");
    assert_fails_cleanly(&render(t.path()), "nope.yaml");
}

#[test]
fn cycle_between_bases_is_refused() {
    let t = tempfile::tempdir().unwrap();
    write(t.path(), "a/kustomization.yaml", "resources:\n- ../b\n");
    write(t.path(), "b/kustomization.yaml", "resources:\n- ../a\n");
    assert_fails_cleanly(&render(&t.path().join("a")), "cycle");
}

#[test]
fn huge_file_is_refused_without_reading_it() {
    let t = tempfile::tempdir().unwrap();
    write(t.path(), "kustomization.yaml", "resources:\n- big.yaml\n");
    let f = std::fs::File::create(t.path().join("big.yaml")).unwrap();
    f.set_len(100 * 1024 * 1024).unwrap(); // sparse: 100 MB on paper
    assert_fails_cleanly(&render(t.path()), "big.yaml");
}

#[test]
fn yaml_alias_bomb_is_refused() {
    let t = tempfile::tempdir().unwrap();
    write(t.path(), "kustomization.yaml", "resources:\n- bomb.yaml\n");
    let mut bomb = String::from(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bomb\na0: &a0 [x, x, x, x, x, x, x, x, x, x]\n",
    );
    for i in 1..12 {
        let p = i - 1;
        bomb.push_str(&format!("a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"));
    }
    write(t.path(), "bomb.yaml", &bomb);
    assert_fails_cleanly(&render(t.path()), "bomb.yaml");
}

#[test]
fn file_outside_the_kustomization_root_is_refused_unless_allowed() {
    let t = tempfile::tempdir().unwrap();
    write(t.path(), "app/kustomization.yaml", "resources:\n- ../shared/cm.yaml\n");
    write(t.path(), "shared/cm.yaml", CM);
    assert_fails_cleanly(&render(&t.path().join("app")), "LoadRestrictionsNone");
    let out =
        bin().args(["render", "--load-restrictor", "LoadRestrictionsNone"]).arg(t.path().join("app")).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn symlink_leaving_the_repo_is_refused() {
    let outside = tempfile::tempdir().unwrap();
    write(outside.path(), "cm.yaml", CM);
    let repo = tempfile::tempdir().unwrap();
    std::fs::create_dir(repo.path().join(".git")).unwrap();
    write(repo.path(), "app/kustomization.yaml", "resources:\n- cm.yaml\n");
    std::os::unix::fs::symlink(outside.path().join("cm.yaml"), repo.path().join("app/cm.yaml")).unwrap();
    assert_fails_cleanly(&render(&repo.path().join("app")), "outside the repository");
}

#[test]
fn remote_resources_and_helm_charts_are_refused_by_name() {
    let t = tempfile::tempdir().unwrap();
    write(t.path(), "kustomization.yaml", "resources:\n- https://github.com/org/repo//base?ref=v1\n");
    assert_fails_cleanly(&render(t.path()), "remote reference");
    write(t.path(), "kustomization.yaml", "helmCharts:\n- name: redis\n");
    assert_fails_cleanly(&render(t.path()), "helmCharts");
}
