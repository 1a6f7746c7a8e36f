//! The README's sample output is what the tool prints: the lint sample is re-run on the example repo with the same
//! misspelt key.

mod support;

#[test]
fn the_readme_lint_sample_is_real_output() {
    let readme = std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let sample = readme
        .split("$ argocd-eso-plugin lint .\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("the README has a lint sample");
    let repo = support::copy_examples();
    let es = repo.path().join("apps/orders-api/base/external-secrets.yaml");
    let text = std::fs::read_to_string(&es).unwrap();
    std::fs::write(&es, text.replace("key: orders-db-password", "key: orders-db-pasword")).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_argocd-eso-plugin"))
        .args(["lint", "."])
        .current_dir(repo.path())
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let printed = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert_eq!(printed.trim(), sample.trim(), "update the README's lint sample");
}
