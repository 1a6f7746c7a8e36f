//! `lint` and `explain` as CI runs them: exit codes, --fail-on, each output format read back by a parser of that
//! format, the config file's severities and ignores, and the per-object ignore annotation.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn bin(args: &[&str]) -> Output {
    // Lint runs offline here: tests never reach Azure (the fake vault's tests cover live access).
    let mut full: Vec<&str> = args.to_vec();
    if args.first() == Some(&"lint") {
        full.push("--offline");
    }
    Command::new(env!("CARGO_BIN_EXE_argocd-eso-plugin")).args(&full).env("NO_COLOR", "1").output().unwrap()
}

fn case(code: &str, kind: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/rules").join(code).join(kind)
}

fn write_file(root: &Path, name: &str, text: &str) {
    let p = root.join(name);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn exit_codes_follow_fail_on() {
    let clean = bin(&["lint", s(&Path::new(env!("CARGO_MANIFEST_DIR")).join("examples"))]);
    assert_eq!(clean.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&clean.stdout).contains("no findings in 3 environment(s), 12 overlay(s)"));

    let error = bin(&["lint", s(&case("REF001", "fail"))]);
    assert_eq!(error.status.code(), Some(1));
    let text = String::from_utf8_lossy(&error.stdout);
    assert!(
        text.contains("error[REF001]: ClusterSecretStore 'azure-kvv' does not resolve in environment 'test'"),
        "{text}"
    );
    assert!(text.contains("--> overlays/test/objects.yaml:7:11"), "{text}");
    assert!(text.contains("help: did you mean 'azure-kv'?"), "{text}");

    // A warning fails only when asked to.
    let warning = case("WRK001", "fail");
    assert_eq!(bin(&["lint", s(&warning)]).status.code(), Some(0));
    assert_eq!(bin(&["lint", s(&warning), "--fail-on", "warning"]).status.code(), Some(1));
}

#[test]
fn usage_errors_exit_2_with_nothing_on_stdout() {
    let out = bin(&["lint", "/nonexistent/repo"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let out = bin(&["lint", s(&case("REF001", "fail")), "--env", "nope"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let out = bin(&["explain", "XYZ999"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn json_output() {
    let out = bin(&["lint", s(&case("WRK002", "fail")), "-o", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let f = v["findings"].as_array().unwrap().iter().find(|f| f["code"] == "WRK002").unwrap();
    assert_eq!(f["code"], "WRK002");
    assert_eq!(f["severity"], "error");
    assert_eq!(f["file"], "overlays/test/objects.yaml");
    assert_eq!(f["line"], 36);
    assert_eq!(f["environments"], serde_json::json!(["test"]));
    assert!(f["hint"].as_str().unwrap().contains("did you mean 'PASSWORD'"));
}

#[test]
fn sarif_output_reads_back_as_sarif_2_1_0() {
    let out = bin(&["lint", s(&case("ESO006", "fail")), "-o", "sarif"]);
    let sarif: serde_sarif::sarif::Sarif = serde_json::from_slice(&out.stdout).expect("valid SARIF");
    assert_eq!(sarif.version, serde_json::json!("2.1.0"));
    let run = &sarif.runs[0];
    let rules = run.tool.driver.rules.as_ref().unwrap();
    assert_eq!(rules.len(), argocd_eso_plugin::rules::all().len());
    let results: Vec<_> =
        run.results.as_ref().unwrap().iter().filter(|r| r.rule_id.as_deref() != Some("KV000")).collect();
    assert_eq!(results.len(), 1);
    assert_eq!(results[0].rule_id.as_deref(), Some("ESO006"));
    let region = results[0].locations.as_ref().unwrap()[0].physical_location.as_ref().unwrap().region.as_ref().unwrap();
    assert_eq!(region.start_line, Some(6));
}

#[test]
fn junit_output_reads_back() {
    let out = bin(&["lint", s(&case("ESO004", "fail")), "-o", "junit"]);
    let xml = String::from_utf8(out.stdout).unwrap();
    let report = quick_junit::Report::deserialize_from_str(&xml).expect("valid JUnit XML");
    assert_eq!(report.test_suites.len(), 1);
    assert_eq!(report.test_suites[0].failures, 1);
    let clean = bin(&["lint", s(&case("ESO004", "pass")), "-o", "junit"]);
    let report = quick_junit::Report::deserialize_from_str(&String::from_utf8(clean.stdout).unwrap()).unwrap();
    assert_eq!(report.test_suites[0].failures, 0);
    assert_eq!(report.test_suites[0].tests, 1);
}

#[test]
fn github_output_is_workflow_commands() {
    let out = bin(&["lint", s(&case("GIT001", "fail")), "-o", "github"]);
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().filter(|l| l.starts_with("::error")).collect();
    assert_eq!(lines.len(), 3);
    assert!(
        lines
            .iter()
            .all(|l| l.starts_with("::error file=overlays/test/") && l.contains(",title=GIT001 secret-in-git::")),
        "{text}"
    );
}

#[test]
fn explain_lists_and_documents_rules() {
    let list = String::from_utf8(bin(&["explain"]).stdout).unwrap();
    assert_eq!(list.lines().count(), argocd_eso_plugin::rules::all().len());
    let one = String::from_utf8(bin(&["explain", "ref001"]).stdout).unwrap();
    assert!(one.starts_with("REF001 store-ref (default severity: error)"));
    assert!(one.contains("Example"));
}

#[test]
fn config_severities_ignores_and_the_ignore_annotation() {
    let tmp = tempfile::tempdir().unwrap();
    support::copy_tree(&case("REF001", "fail"), tmp.path());
    let cfg = tmp.path().join(".argocd-eso-plugin.yaml");
    std::fs::write(&cfg, "rules:\n  REF001: warning\n").unwrap();
    let out = bin(&["lint", s(tmp.path()), "-o", "json"]);
    assert_eq!(out.status.code(), Some(0), "downgraded to a warning");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let f = v["findings"].as_array().unwrap().iter().find(|f| f["code"] == "REF001").unwrap();
    assert_eq!(f["severity"], "warning");

    std::fs::write(&cfg, "ignore:\n- code: REF001\n  path: overlays/**\n").unwrap();
    assert_eq!(bin(&["lint", s(tmp.path())]).status.code(), Some(0));

    std::fs::write(&cfg, "rules:\n  NOPE01: off\n").unwrap();
    let out = bin(&["lint", s(tmp.path())]);
    assert_eq!(out.status.code(), Some(2), "an unknown code in the config is an error");

    std::fs::remove_file(&cfg).unwrap();
    let objects = tmp.path().join("overlays/test/objects.yaml");
    let text = std::fs::read_to_string(&objects).unwrap();
    std::fs::write(
        &objects,
        text.replacen(
            "  name: app-db\n",
            "  name: app-db\n  annotations:\n    argocd-eso-plugin.io/ignore: REF001\n",
            1,
        ),
    )
    .unwrap();
    assert_eq!(bin(&["lint", s(tmp.path())]).status.code(), Some(0), "suppressed by annotation");
}

#[test]
fn offline_without_inventories_says_the_vault_stage_was_skipped_once() {
    let tmp = tempfile::tempdir().unwrap();
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    support::copy_tree(&examples, tmp.path());
    std::fs::remove_file(tmp.path().join(".argocd-eso-plugin.yaml")).unwrap();
    let out = bin(&["lint", s(tmp.path()), "-o", "json"]);
    assert_eq!(out.status.code(), Some(0), "an info finding does not fail the lint");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let findings = v["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert_eq!(findings[0]["code"], "KV000");
    assert_eq!(findings[0]["severity"], "info");
    let msg = findings[0]["message"].as_str().unwrap();
    assert!(msg.contains("37 reference(s) to 3 vault(s) not checked"), "{msg}");
}

/// Flux post-build substitutions (`${name}`) are filled in when Flux applies the manifests: a tenantId, vaultUrl or
/// key name holding one is no literal to validate or look up. A placeholder in Key Vault's own notation is still
/// flagged.
#[test]
fn flux_substitutions_are_placeholders() {
    let t = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| write_file(t.path(), name, text);
    write("overlays/test/kustomization.yaml", "resources: [objects.yaml]\n");
    let store = |name: &str, tenant: &str, url: &str| {
        format!(
            "apiVersion: external-secrets.io/v1\nkind: ClusterSecretStore\nmetadata:\n  name: {name}\nspec:\n  provider:\n    azurekv:\n      authType: WorkloadIdentity\n      tenantId: \"{tenant}\"\n      vaultUrl: \"{url}\"\n"
        )
    };
    let objects = [
        store("flux", "${azureTenantId}", "https://${kv_name}.vault.azure.net/"),
        store("literal", "<AZURE_TENANT_ID>", "https://kv-literal.vault.azure.net/"),
        "apiVersion: external-secrets.io/v1\nkind: ExternalSecret\nmetadata:\n  name: app\nspec:\n  secretStoreRef: {kind: ClusterSecretStore, name: literal}\n  target: {name: app}\n  data:\n  - secretKey: password\n    remoteRef: {key: \"${app}_db_password\"}\n".to_string(),
    ]
    .join("---\n");
    write("overlays/test/objects.yaml", &objects);
    let out = bin(&["lint", "-o", "json", s(t.path())]);
    let text = String::from_utf8_lossy(&out.stdout);
    let findings: serde_json::Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
    let codes: Vec<(String, String)> = findings["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["code"].as_str().unwrap().to_string(), f["message"].as_str().unwrap_or("").to_string()))
        .collect();
    assert!(
        codes.iter().any(|(c, m)| c == "STO002" && m.contains("<AZURE_TENANT_ID>")),
        "the literal placeholder is flagged: {codes:?}"
    );
    for (code, message) in &codes {
        assert!(!message.contains("${"), "{code} on a Flux substitution: {message}");
    }
}

/// Environments without configuration: `envs/<env>/<app>` is environment `<env>` (when `envs/<env>` is no
/// kustomization itself); a repo that matches no convention lints every kustomization no other one lists, each on
/// its own, instead of a silent "0 environments"; `-v` says how environments were found and which overlays they hold.
#[test]
fn environments_are_found_or_said() {
    let t = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| write_file(t.path(), name, text);
    write("apps/web/base/kustomization.yaml", "resources: [es.yaml]\n");
    write(
        "apps/web/base/es.yaml",
        "apiVersion: external-secrets.io/v1\nkind: ExternalSecret\nmetadata:\n  name: web\nspec:\n  secretStoreRef: {kind: ClusterSecretStore, name: kv}\n  target: {name: web}\n  data:\n  - secretKey: k\n    remoteRef: {key: web-key}\n",
    );
    write("apps/api/kustomization.yaml", "resources: [../web/base]\n");
    let verbose = |args: &[&str]| {
        let mut full = vec!["-v"];
        full.extend_from_slice(args);
        full.push("--offline");
        Command::new(env!("CARGO_BIN_EXE_argocd-eso-plugin")).args(&full).env("NO_COLOR", "1").output().unwrap()
    };
    // Bases only: the one root (apps/api; apps/web/base is listed by it) is checked.
    let out = verbose(&["lint", s(t.path())]);
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("in 1 environment(s), 1 overlay(s)") && stdout.contains("REF003"), "{stdout}");
    assert!(
        stderr.contains("every kustomization no other one lists")
            && stderr.contains("  apps/api:\n")
            && stderr.contains("    apps/api (a kustomization root"),
        "{stderr}"
    );

    // envs/<env>/<app>: the convention, environment by the folder.
    write("envs/prod/web/kustomization.yaml", "resources: [../../../apps/web/base]\n");
    let out = verbose(&["lint", s(t.path())]);
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("environment 'prod'") && stdout.contains("in 1 environment(s), 1 overlay(s)"), "{stdout}");
    assert!(
        stderr.contains("convention")
            && stderr.contains("  prod:\n")
            && stderr.contains("    envs/prod/web (the overlays|envs|environments"),
        "{stderr}"
    );
}
