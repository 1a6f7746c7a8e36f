//! The sidecar's trust boundary (issue 17): a repository's committers must not get anything out of the sidecar
//! through `generate`, `render` or `lint`: no file outside the repository, no process environment, no secret value
//! in any output, no crash or hang from a hostile template. Each test plants a canary and asserts it appears
//! nowhere.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_argocd-eso-plugin"))
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(&p, text).unwrap();
    p
}

/// A repository (a `.git` directory marks its root) with one app at `app/`.
fn repo() -> tempfile::TempDir {
    let t = tempfile::tempdir().unwrap();
    std::fs::create_dir(t.path().join(".git")).unwrap();
    t
}

/// A file outside the repository, whose contents must never be printed.
fn outside_file(name: &str, text: &str) -> (tempfile::TempDir, PathBuf) {
    let t = tempfile::tempdir().unwrap();
    let p = write(t.path(), name, text);
    (t, p)
}

const CANARY: &str = "CANARY-7f3a9c-must-not-leak";
const CM: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  a: b\n";

fn text(out: &Output) -> (String, String) {
    (String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

/// Nothing on stdout, a non-zero exit that is not a crash, the canary nowhere; returns stderr.
fn refused(out: &Output) -> String {
    let (stdout, stderr) = text(out);
    assert!(!out.status.success(), "expected a refusal; stdout: {stdout}");
    assert!(matches!(out.status.code(), Some(1) | Some(2)), "exit {:?} (a crash?); stderr: {stderr}", out.status);
    assert!(stdout.is_empty(), "nothing may reach stdout on error: {stdout}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_no_canary(out);
    stderr
}

fn assert_no_canary(out: &Output) {
    let (stdout, stderr) = text(out);
    assert!(!stdout.contains(CANARY) && !stderr.contains(CANARY), "canary leaked:\n{stdout}\n{stderr}");
}

/// `generate` as argocd-cmp-server runs it: cwd = the app path, Argo CD's variables set.
fn generate(repo: &Path, app: &str, extra_env: &[(&str, &str)]) -> Output {
    let mut c = bin();
    c.arg("generate")
        .current_dir(repo.join(app))
        .env("ARGOCD_APP_NAME", "app")
        .env("ARGOCD_APP_SOURCE_PATH", app)
        .env("ARGOCD_APP_NAMESPACE", "default")
        .arg("--offline");
    for (k, v) in extra_env {
        c.env(k, v);
    }
    c.output().unwrap()
}

#[test]
fn a_symlinked_kustomization_outside_the_repo_is_refused() {
    let (_o, secret) = outside_file("passwd", &format!("root:{CANARY}:0:0:root:/root:/bin/bash\n"));
    let r = repo();
    let app = "apps/a/overlays/prod";
    std::fs::create_dir_all(r.path().join(app)).unwrap();
    std::os::unix::fs::symlink(&secret, r.path().join(app).join("kustomization.yaml")).unwrap();
    let stderr = refused(&bin().arg("render").arg(r.path().join(app)).output().unwrap());
    assert!(stderr.contains("kustomization.yaml"), "{stderr}");
    refused(&generate(r.path(), app, &[]));
    // lint sees the overlay and reports it (KUS001, exit 1) instead of passing over it.
    let out = bin().args(["lint", "--offline"]).arg(r.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out).0);
    assert!(text(&out).0.contains("KUS001"), "{}", text(&out).0);
    assert_no_canary(&out);
}

#[test]
fn a_symlinked_config_file_outside_the_repo_is_refused() {
    let (_o, secret) = outside_file("passwd", &format!("{CANARY}\n"));
    let r = repo();
    write(r.path(), "app/kustomization.yaml", "resources: [cm.yaml]\n");
    write(r.path(), "app/cm.yaml", CM);
    std::os::unix::fs::symlink(&secret, r.path().join(".argocd-eso-plugin.yaml")).unwrap();
    let stderr = refused(&generate(r.path(), "app", &[]));
    assert!(stderr.contains("outside the repository"), "{stderr}");
    refused(&bin().args(["lint", "--offline"]).arg(r.path()).output().unwrap());
}

#[test]
fn config_errors_do_not_quote_the_file() {
    let r = repo();
    write(r.path(), ".argocd-eso-plugin.yaml", &format!("environments: \"{CANARY}\"\n"));
    write(r.path(), "app/kustomization.yaml", "resources: [cm.yaml]\n");
    write(r.path(), "app/cm.yaml", CM);
    let stderr = refused(&bin().args(["lint", "--offline"]).arg(r.path()).output().unwrap());
    assert!(stderr.contains(".argocd-eso-plugin.yaml"), "{stderr}");
}

#[test]
fn a_symlinked_values_file_outside_the_repo_is_refused() {
    let (_o, secret) = outside_file("values.yaml", &format!("leak: {CANARY}\n"));
    let r = repo();
    write(r.path(), "app/kustomization.yaml", "resources: [cm.yaml.j2]\n");
    write(
        r.path(),
        "app/cm.yaml.j2",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  a: {{ leak }}\n",
    );
    std::os::unix::fs::symlink(&secret, r.path().join("app/values.yaml")).unwrap();
    let stderr = refused(&bin().arg("render").arg(r.path().join("app")).output().unwrap());
    assert!(stderr.contains("values.yaml") && stderr.contains("outside the repository"), "{stderr}");
    refused(&generate(r.path(), "app", &[]));
}

#[test]
fn inventories_named_by_the_repo_stay_inside_it_and_are_capped() {
    let (_o, secret) = outside_file("inv.json", &format!("[{{\"id\": \"{CANARY}\"}}]"));
    let outside_rel = format!("../../../../../../../..{}", secret.display());
    for inventory in [secret.display().to_string(), outside_rel, "/dev/zero".into(), "/etc/passwd".into()] {
        let r = repo();
        write(r.path(), "apps/a/overlays/prod/kustomization.yaml", "resources: [cm.yaml]\n");
        write(r.path(), "apps/a/overlays/prod/cm.yaml", CM);
        write(
            r.path(),
            ".argocd-eso-plugin.yaml",
            &format!(
                "environments:\n- name: prod\n  overlays: [apps/*/overlays/prod]\n  vaultInventory: [{inventory:?}]\n"
            ),
        );
        let start = Instant::now();
        let out = bin().args(["lint", "--offline"]).arg(r.path()).output().unwrap();
        assert!(start.elapsed() < Duration::from_secs(20), "{inventory}: took {:?}", start.elapsed());
        let stderr = refused(&out);
        assert!(stderr.contains("outside the repository"), "{inventory}: {stderr}");
        assert!(!stderr.contains("root:"), "{inventory}: {stderr}");
    }
}

#[test]
fn a_bare_key_in_an_env_file_is_empty_not_the_process_environment() {
    let r = repo();
    write(r.path(), "app/kustomization.yaml", "configMapGenerator:\n- name: c\n  envs: [x.env]\n");
    write(r.path(), "app/x.env", "AZURE_CLIENT_SECRET\nA=1\n");
    let out = bin()
        .arg("render")
        .arg("--plain")
        .arg(r.path().join("app"))
        .env("AZURE_CLIENT_SECRET", CANARY)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out).1);
    assert_no_canary(&out);
    // The value kubectl kustomize v5.5 gives it, compared as data with the oracle's.
    let value = |yaml: &str| -> serde_yaml::Value {
        let doc: serde_yaml::Value = serde_yaml::from_str(yaml).unwrap();
        doc["data"]["AZURE_CLIENT_SECRET"].clone()
    };
    assert_eq!(value(&text(&out).0), serde_yaml::Value::String(String::new()));
    let oracle = Command::new("kubectl").arg("kustomize").arg(r.path().join("app")).output().unwrap();
    assert!(oracle.status.success(), "{}", text(&oracle).1);
    assert_eq!(value(&text(&oracle).0), serde_yaml::Value::String(String::new()));
}

#[test]
fn hostile_templates_end_in_a_named_error_quickly() {
    let cases = [
        ("unary", format!("a: {{{{ {}1 }}}}\n", "- ".repeat(100_000))),
        ("not", format!("a: {{{{ {}true }}}}\n", "not ".repeat(50_000))),
        ("loops", "{% for a in range(100000) %}{% for b in range(100000) %}x{% endfor %}{% endfor %}\n".into()),
        (
            "doubling",
            format!("{{% set s = 'aaaaaaaaaaaaaaaa' %}}\n{}a: {{{{ s }}}}\n", "{% set s = s ~ s %}\n".repeat(40)),
        ),
        (
            "macro",
            "{% macro d(s, n) %}{{ d(s ~ s, n - 1) if n > 0 else s }}{% endmacro %}a: {{ d('aa', 400) }}\n".into(),
        ),
    ];
    for (name, template) in cases {
        let r = repo();
        write(r.path(), "app/kustomization.yaml", "resources: [cm.yaml.j2]\n");
        write(r.path(), "app/cm.yaml.j2", &template);
        let start = Instant::now();
        let out = bin().arg("render").arg("--plain").arg(r.path().join("app")).output().unwrap();
        let took = start.elapsed();
        let stderr = refused(&out);
        assert_eq!(out.status.code(), Some(2), "{name}: {stderr}");
        assert!(stderr.contains("cm.yaml.j2"), "{name}: {stderr}");
        assert!(took < Duration::from_secs(20), "{name}: took {took:?}");
    }
}

#[test]
fn generator_literals_and_env_lines_are_never_quoted() {
    let r = repo();
    write(
        r.path(),
        "apps/a/overlays/prod/kustomization.yaml",
        &format!("secretGenerator:\n- name: s\n  literals: [\"{CANARY}\"]\n"),
    );
    write(r.path(), "apps/b/overlays/prod/kustomization.yaml", "configMapGenerator:\n- name: c\n  envs: [x.env]\n");
    write(r.path(), "apps/b/overlays/prod/x.env", &format!("not a key {CANARY}=1\n"));
    for format in ["text", "json", "sarif", "github", "junit"] {
        let out = bin().args(["lint", "--offline", "-o", format]).arg(r.path()).output().unwrap();
        assert_no_canary(&out);
        assert!(text(&out).0.contains("KUS001"), "{format}: {}", text(&out).0);
    }
    for app in ["apps/a/overlays/prod", "apps/b/overlays/prod"] {
        refused(&bin().arg("render").arg("--plain").arg(r.path().join(app)).output().unwrap());
        refused(&generate(r.path(), app, &[]));
    }
}

#[test]
fn flow_style_secret_values_are_masked_in_every_format() {
    let r = repo();
    write(r.path(), "apps/a/overlays/prod/kustomization.yaml", "resources: [secret.yaml, json.yaml]\n");
    write(
        r.path(),
        "apps/a/overlays/prod/secret.yaml",
        &format!("apiVersion: v1\nkind: Secret\nmetadata: {{name: s}}\nstringData: {{password: {CANARY}}}\n"),
    );
    write(
        r.path(),
        "apps/a/overlays/prod/json.yaml",
        &format!(
            r#"{{"apiVersion": "v1", "kind": "Secret", "metadata": {{"name": "j"}}, "data": {{"k": "{CANARY}"}}}}"#
        ),
    );
    for format in ["text", "json", "sarif", "github", "junit"] {
        let out = bin().args(["lint", "--offline", "-o", format]).arg(r.path()).output().unwrap();
        assert_no_canary(&out);
        assert!(text(&out).0.contains("GIT001"), "{format}: {}", text(&out).0);
    }
}

#[test]
fn generate_never_emits_an_empty_manifest_set() {
    for kustomization in ["{}\n", "", "null\n", "resources: []\n"] {
        let r = repo();
        write(r.path(), "app/kustomization.yaml", kustomization);
        let stderr = refused(&generate(r.path(), "app", &[]));
        assert!(stderr.contains("renders no objects"), "{kustomization:?}: {stderr}");
    }
}

#[test]
fn generate_reports_only_its_own_app() {
    let r = repo();
    write(r.path(), "apps/a/overlays/prod/kustomization.yaml", "resources: [cm.yaml]\n");
    write(r.path(), "apps/a/overlays/prod/cm.yaml", CM);
    write(
        r.path(),
        "apps/b/overlays/prod/kustomization.yaml",
        &format!("secretGenerator:\n- name: s\n  literals: [\"{CANARY}\"]\n"),
    );
    let out = generate(r.path(), "apps/a/overlays/prod", &[]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.contains("name: cm"), "{stdout}");
    assert!(!stderr.contains("apps/b"), "another app's problems in this app's output: {stderr}");
    assert_no_canary(&out);
}

#[test]
fn a_broken_stderr_pipe_neither_panics_nor_changes_the_result() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/apps/orders-api/overlays/prod");
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader); // every write to stderr now fails with EPIPE
    let out = bin().args(["render", "-v"]).arg(&dir).stderr(writer).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("kind: Deployment"));
    // And an error stays an error.
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let out = bin().args(["render", "/nonexistent-dir"]).stderr(writer).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
}

#[test]
fn a_plugin_config_directory_that_contains_itself_is_a_cycle_not_a_crash() {
    // `transformers: [.]`: the kustomize_build fuzz target's stack overflow.
    for field in ["transformers", "generators"] {
        let r = repo();
        write(r.path(), "app/kustomization.yaml", &format!("resources: [cm.yaml]\n{field}:\n- .\n"));
        write(r.path(), "app/cm.yaml", CM);
        let stderr = refused(&bin().arg("render").arg("--plain").arg(r.path().join("app")).output().unwrap());
        assert!(stderr.contains("cycle"), "{field}: {stderr}");
    }
}
