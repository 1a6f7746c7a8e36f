//! `diff` on temporary git repositories made from the examples, and snapshots of its outputs and of `graph`.

mod support;

use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

fn sh(dir: &Path, args: &[&str]) {
    let out = Command::new(args[0]).args(&args[1..]).current_dir(dir).output().unwrap();
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

/// The examples as the only commit of a new repository on branch main.
fn repo() -> tempfile::TempDir {
    let tmp = support::copy_examples();
    let d = tmp.path();
    sh(d, &["git", "init", "-q", "-b", "main"]);
    sh(d, &["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "add", "-A"]);
    sh(d, &["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "examples"]);
    tmp
}

fn diff(dir: &Path, extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_argocd-eso-plugin"))
        .arg("diff")
        .arg(dir)
        .args(["--offline"])
        .args(extra)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

/// environment -> [(change, object)]
fn changes(dir: &Path) -> Vec<(String, Vec<(String, String)>)> {
    let out = diff(dir, &["-o", "json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    v["environments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let list = e["changes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| (c["change"].as_str().unwrap().to_string(), c["object"].as_str().unwrap().to_string()))
                .collect();
            (e["environment"].as_str().unwrap().to_string(), list)
        })
        .collect()
}

fn edit(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{from} not in {}", path.display());
    std::fs::write(path, text.replacen(from, to, 1)).unwrap();
}

fn only(envs: &[(String, Vec<(String, String)>)]) -> Vec<(String, Vec<(String, String)>)> {
    envs.iter().filter(|(_, c)| !c.is_empty()).cloned().collect()
}

#[test]
fn no_change_no_diff_and_exit_code() {
    let r = repo();
    assert!(only(&changes(r.path())).is_empty());
    assert_eq!(diff(r.path(), &["--exit-code"]).status.code(), Some(0));
    edit(&r.path().join("apps/orders-api/overlays/prod/kustomization.yaml"), "count: 4", "count: 6");
    assert_eq!(diff(r.path(), &["--exit-code"]).status.code(), Some(1));
}

#[test]
fn an_overlay_change_shows_in_that_environment_only() {
    let r = repo();
    edit(&r.path().join("apps/orders-api/overlays/prod/kustomization.yaml"), "count: 4", "count: 6");
    assert_eq!(
        only(&changes(r.path())),
        vec![("prod".to_string(), vec![("changed".to_string(), "Deployment/orders-prod/orders-api".to_string())])]
    );
}

#[test]
fn a_base_change_shows_in_every_environment() {
    let r = repo();
    edit(
        &r.path().join("apps/payments/base/statefulset.yaml"),
        "image: contoso.azurecr.io/ledger:2.0.0",
        "image: contoso.azurecr.io/ledger:2.1.0",
    );
    let got = only(&changes(r.path()));
    let envs: Vec<&str> = got.iter().map(|(e, _)| e.as_str()).collect();
    assert_eq!(envs, vec!["dev", "prod", "staging"]);
    for (env, c) in &got {
        assert_eq!(c, &vec![("changed".to_string(), format!("StatefulSet/payments/{env}-ledger"))]);
    }
}

#[test]
fn a_rename_is_a_removal_and_an_addition() {
    let r = repo();
    edit(&r.path().join("apps/orders-api/base/service.yaml"), "name: orders-api", "name: orders-api-v2");
    let got = only(&changes(r.path()));
    assert_eq!(got.len(), 3);
    for (env, c) in &got {
        assert_eq!(
            c,
            &vec![
                ("removed".to_string(), format!("Service/orders-{env}/orders-api")),
                ("added".to_string(), format!("Service/orders-{env}/orders-api-v2"))
            ]
        );
    }
}

#[test]
fn an_uncommitted_new_file_is_included() {
    let r = repo();
    let base = r.path().join("apps/orders-api/base");
    std::fs::write(
        base.join("pdb.yaml"),
        "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: orders-api\nspec:\n  minAvailable: 1\n",
    )
    .unwrap();
    edit(&base.join("kustomization.yaml"), "- service.yaml\n", "- service.yaml\n- pdb.yaml\n");
    let got = only(&changes(r.path()));
    assert_eq!(got.len(), 3);
    assert!(
        got.iter()
            .all(|(env, c)| c == &vec![("added".to_string(), format!("PodDisruptionBudget/orders-{env}/orders-api"))])
    );
}

#[test]
fn a_rotation_is_explained() {
    let r = repo();
    let inv = r.path().join("inventories/prod.json");
    edit(&inv, "\"name\": \"orders-db-password\"", "\"name\": \"orders-db-password\"");
    let mut items: Vec<Value> = serde_json::from_str(&std::fs::read_to_string(&inv).unwrap()).unwrap();
    items.iter_mut().find(|i| i["name"] == "orders-db-password").unwrap()["attributes"]["updated"] =
        "2026-11-20T09:00:00+00:00".into();
    std::fs::write(&inv, serde_json::to_string_pretty(&items).unwrap()).unwrap();
    let out = diff(r.path(), &[]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("orders-api will roll: orders-db-password has a new version"), "{text}");
    assert!(text.contains("orders-db re-syncs: orders-db-password has a new version"), "{text}");
    assert!(text.contains("== prod: 0 added, 0 removed, 2 changed") && text.contains("== dev: no changes"), "{text}");
}

#[test]
fn secret_values_are_masked() {
    let r = repo();
    std::fs::write(
        r.path().join("apps/orders-api/base/debug.yaml"),
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: debug\nstringData:\n  password: hunter2\n",
    )
    .unwrap();
    edit(
        &r.path().join("apps/orders-api/base/kustomization.yaml"),
        "- service.yaml\n",
        "- service.yaml\n- debug.yaml\n",
    );
    let out = diff(r.path(), &[]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("+  password: '***'"), "{text}");
    assert!(!text.contains("hunter2"));
}

/// Compare with a committed snapshot; `UPDATE_SNAPSHOTS=1` rewrites it.
fn snapshot(name: &str, actual: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/snapshots").join(name);
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected =
        std::fs::read_to_string(&path).unwrap_or_else(|_| panic!("no snapshot {name}; run with UPDATE_SNAPSHOTS=1"));
    assert_eq!(actual, expected, "snapshot {name} differs (UPDATE_SNAPSHOTS=1 to accept)");
}

#[test]
fn snapshots_of_a_sample_change() {
    let r = repo();
    // The sample change: prod scales orders-api to 6 and its database password rotates.
    edit(&r.path().join("apps/orders-api/overlays/prod/kustomization.yaml"), "count: 4", "count: 6");
    let inv = r.path().join("inventories/prod.json");
    let mut items: Vec<Value> = serde_json::from_str(&std::fs::read_to_string(&inv).unwrap()).unwrap();
    items.iter_mut().find(|i| i["name"] == "orders-db-password").unwrap()["attributes"]["updated"] =
        "2026-11-20T09:00:00+00:00".into();
    std::fs::write(&inv, serde_json::to_string_pretty(&items).unwrap()).unwrap();
    let base_rev = String::from_utf8(
        Command::new("git").args(["rev-parse", "HEAD"]).current_dir(r.path()).output().unwrap().stdout,
    )
    .unwrap();
    let clean = |s: String| s.replace(&base_rev.trim()[..12], "BASEREV0000");
    snapshot("diff.txt", &clean(String::from_utf8(diff(r.path(), &["--env", "prod"]).stdout).unwrap()));
    snapshot(
        "diff.md",
        &clean(String::from_utf8(diff(r.path(), &["--env", "prod", "-o", "markdown"]).stdout).unwrap()),
    );
    let graph = Command::new(env!("CARGO_BIN_EXE_argocd-eso-plugin"))
        .args(["graph", r.path().to_str().unwrap(), "--env", "prod", "--offline"])
        .output()
        .unwrap();
    snapshot("graph-prod.mmd", &String::from_utf8(graph.stdout).unwrap());
}

#[test]
fn graph_flags_what_is_missing() {
    let r = repo();
    let inv = r.path().join("inventories/dev.json");
    let mut items: Vec<Value> = serde_json::from_str(&std::fs::read_to_string(&inv).unwrap()).unwrap();
    items.retain(|i| i["name"] != "acr-pull-auth");
    std::fs::write(&inv, serde_json::to_string_pretty(&items).unwrap()).unwrap();
    edit(&r.path().join("apps/payments/base/statefulset.yaml"), "secretName: ledger-tls", "secretName: ledger-tls-old");
    let out = Command::new(env!("CARGO_BIN_EXE_argocd-eso-plugin"))
        .args(["graph", r.path().to_str().unwrap(), "--env", "dev", "--offline", "-o", "dot"])
        .output()
        .unwrap();
    let dot = String::from_utf8(out.stdout).unwrap();
    let red: Vec<&str> = dot.lines().filter(|l| l.contains("color=red")).collect();
    assert_eq!(red.len(), 2, "{dot}");
    assert!(red.iter().any(|l| l.contains("kv-contoso-dev/acr-pull-auth")));
    assert!(red.iter().any(|l| l.contains("Secret payments/ledger-tls-old")));
}

#[test]
fn both_sides_share_one_live_answer_per_vault_and_plan() {
    use support::fake_vault::{FakeVault, TENANT};
    const HOST: &str = "kv-contoso-prod.vault.azure.net";
    let fake = FakeVault::start(&[HOST, "login.fake.test"]);
    let inventory: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(support::examples().join("inventories/prod.json")).unwrap())
            .unwrap();
    for item in &inventory {
        fake.add(item["name"].as_str().unwrap(), &[1_760_000_000]);
    }
    // Without the config, no inventory file stands in for the vault: both sides ask the fake.
    let r = repo();
    sh(r.path(), &["git", "rm", "-q", ".argocd-eso-plugin.yaml"]);
    sh(r.path(), &["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "no config"]);
    std::fs::create_dir_all(r.path().join("tls")).unwrap();
    let ca = r.path().join("tls/ca.pem");
    std::fs::write(&ca, &fake.ca_pem).unwrap();
    edit(&r.path().join("apps/orders-api/overlays/prod/kustomization.yaml"), "count: 4", "count: 6");
    let out = Command::new(env!("CARGO_BIN_EXE_argocd-eso-plugin"))
        .arg("diff")
        .arg(r.path())
        .args(["--env", "prod", "-o", "json"])
        .args([
            "--connect-to",
            &format!("{HOST}={}", fake.addr),
            "--connect-to",
            &format!("login.fake.test={}", fake.addr),
        ])
        .args(["--ca-file", ca.to_str().unwrap(), "--azure-auth", "client-secret"])
        .env("AZURE_TENANT_ID", TENANT)
        .env("AZURE_CLIENT_ID", "diff")
        .env("AZURE_CLIENT_SECRET", "diff-secret")
        .env("AZURE_AUTHORITY_HOST", fake.authority())
        .output()
        .unwrap();
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{stderr}");
    assert!(!stdout.contains("CANARY") && !stderr.contains("CANARY"), "a secret value leaked");
    let v: Value = serde_json::from_str(&stdout).unwrap();
    let changed: Vec<&str> =
        v["environments"][0]["changes"].as_array().unwrap().iter().map(|c| c["object"].as_str().unwrap()).collect();
    assert_eq!(changed, vec!["Deployment/orders-prod/orders-api"]);
    // Each stage run that goes live signs in once and is challenged once; beyond that, no request repeats: what the
    // base side asked, the head side reads from the memo.
    let requests: Vec<String> = fake.requests().into_iter().filter(|r| r.starts_with("GET /secrets")).collect();
    let distinct: std::collections::BTreeSet<&String> = requests.iter().collect();
    let sign_ins = fake.token_requests().len();
    assert!(sign_ins > 0, "the vault was asked");
    assert_eq!(requests.len(), distinct.len() + sign_ins, "{requests:#?}");
}

/// The base checkout holds whatever the repository committed (Secrets included): private while it exists, and gone
/// when `diff` is interrupted, not left in /tmp.
#[test]
fn the_base_checkout_is_private_and_removed_on_a_signal() {
    let r = repo();
    // No inventories: the vault stage goes live, to a listener that accepts and never answers, so `diff` waits
    // with its checkout in place.
    let config = r.path().join(".argocd-eso-plugin.yaml");
    let text = std::fs::read_to_string(&config).unwrap();
    let kept: Vec<&str> = text.lines().filter(|l| !l.contains("vaultInventory")).collect();
    std::fs::write(&config, kept.join("\n") + "\n").unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let tmp = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_argocd-eso-plugin"));
    cmd.arg("diff").arg(r.path()).env("TMPDIR", tmp.path()).env("NO_COLOR", "1");
    for env in ["dev", "staging", "prod"] {
        cmd.args(["--connect-to", &format!("kv-contoso-{env}.vault.azure.net=127.0.0.1:{port}")]);
    }
    let mut child = cmd.stdout(std::process::Stdio::null()).stderr(std::process::Stdio::null()).spawn().unwrap();
    let checkout = {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
        loop {
            let found = std::fs::read_dir(tmp.path())
                .unwrap()
                .filter_map(Result::ok)
                .find(|e| e.file_name().to_string_lossy().starts_with("argocd-eso-plugin-diff-"));
            if let Some(e) = found {
                break e.path();
            }
            assert!(std::time::Instant::now() < deadline, "no checkout appeared");
            assert!(child.try_wait().unwrap().is_none(), "diff ended before its checkout was seen");
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    };
    // Let the vault stage start, then interrupt.
    let (_conn, _) = listener.accept().unwrap();
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(std::fs::metadata(&checkout).unwrap().permissions().mode() & 0o777, 0o700);
    sh(r.path(), &["kill", "-TERM", &child.id().to_string()]);
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130));
    assert!(!checkout.exists(), "the checkout was left behind: {}", checkout.display());
}

/// An overlay none of whose files changed is rendered once and taken for both sides. For each kind of change,
/// the report equals the one that renders every overlay on both sides. (Without the templated app: a repo with
/// templates is rendered on both sides, their values files and includes being read outside the build.)
#[test]
fn overlays_rendered_once_give_what_rendering_both_sides_gives() {
    type Change = fn(&Path);
    let cases: Vec<(&str, Change)> = vec![
        ("an overlay's kustomization", |d| {
            edit(&d.join("apps/orders-api/overlays/prod/kustomization.yaml"), "count: 4", "count: 6")
        }),
        ("a base file", |d| {
            let base = d.join("apps/orders-api/base");
            let file = std::fs::read_dir(&base)
                .unwrap()
                .map(|e| e.unwrap().path())
                .find(|p| std::fs::read_to_string(p).unwrap().contains("kind: Deployment"))
                .unwrap();
            let text = std::fs::read_to_string(&file).unwrap();
            std::fs::write(&file, text.replacen("metadata:\n", "metadata:\n  labels: {tier: api}\n", 1)).unwrap();
        }),
        ("a store overlay (the context of every app)", |d| {
            let k = d.join("platform/cluster-secret-stores/overlays/prod/kustomization.yaml");
            edit(&k, "kv-contoso-prod", "kv-contoso-prod2");
        }),
        ("a new overlay", |d| {
            let src = d.join("apps/orders-api/overlays/prod");
            let dst = d.join("apps/orders-api/overlays/prod-eu");
            std::fs::create_dir_all(&dst).unwrap();
            for e in std::fs::read_dir(&src).unwrap() {
                let e = e.unwrap();
                std::fs::copy(e.path(), dst.join(e.file_name())).unwrap();
            }
        }),
        ("a committed change and an untracked file", |d| {
            edit(&d.join("apps/orders-api/overlays/prod/kustomization.yaml"), "count: 4", "count: 5");
            sh(d, &["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qam", "five"]);
            std::fs::write(d.join("apps/notes.txt"), "untracked\n").unwrap();
            edit(&d.join("apps/payments/overlays/dev/kustomization.yaml"), "resources:", "resources:\n# touched");
        }),
    ];
    for (what, change) in cases {
        let r = repo();
        sh(r.path(), &["git", "rm", "-rq", "apps/notifications"]);
        sh(r.path(), &["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "no templates"]);
        change(r.path());
        let once = diff(r.path(), &["-o", "json", "--base", "main"]);
        let both = diff(r.path(), &["-o", "json", "--base", "main", "--render-both-sides"]);
        assert_eq!(
            String::from_utf8_lossy(&once.stdout),
            String::from_utf8_lossy(&both.stdout),
            "{what}: {}",
            String::from_utf8_lossy(&once.stderr)
        );
        assert_eq!(once.status.code(), both.status.code(), "{what}");
        assert!(!once.stdout.is_empty() || !once.status.success(), "{what}: a report");
    }
}

/// The defect: a misspelt key made the rollout hashes vanish in the diff without the KV001 that `generate` refuses
/// on. diff now runs generate's checks on the apps a change touches and shows the finding beside the change, in
/// every format; apps the change does not touch are not checked (their findings belong to lint).
#[test]
fn a_misspelt_key_shows_its_kv001_beside_the_change() {
    let r = repo();
    edit(
        &r.path().join("apps/orders-api/base/external-secrets.yaml"),
        "key: orders-db-password",
        "key: orders-db-pasword",
    );
    let text = String::from_utf8(diff(r.path(), &[]).stdout).unwrap();
    let dev = text.split("\n== ").find(|s| s.starts_with("dev:")).expect("dev section");
    assert!(dev.contains("error(s): generate would refuse them"), "{dev}");
    assert!(dev.contains("orders-api will roll: its versions annotation is gone"), "{dev}");
    let beside = dev.split("~ ExternalSecret/orders-dev/orders-db\n").nth(1).expect("the ExternalSecret's change");
    let first_lines: Vec<&str> = beside.lines().take_while(|l| !l.starts_with("---")).collect();
    assert!(
        first_lines.iter().any(|l| l.contains("error[KV001]")
            && l.contains("apps/orders-api/base/external-secrets.yaml:")
            && l.contains("orders-db-pasword")),
        "KV001 beside the change: {first_lines:?}"
    );
    let json: Value = serde_json::from_slice(&diff(r.path(), &["-o", "json"]).stdout).unwrap();
    for env in json["environments"].as_array().unwrap() {
        let codes: Vec<&str> =
            env["findings"].as_array().unwrap().iter().map(|f| f["code"].as_str().unwrap()).collect();
        assert_eq!(codes, ["KV001"], "{}: {codes:?}", env["environment"]);
        assert_eq!(
            env["findings"][0]["object"],
            format!("ExternalSecret/orders-{}/orders-db", env["environment"].as_str().unwrap())
        );
    }
    let markdown = String::from_utf8(diff(r.path(), &["-o", "markdown"]).stdout).unwrap();
    assert!(markdown.contains("- **error** `KV001` apps/orders-api/base/external-secrets.yaml:"), "{markdown}");

    // A change elsewhere only: the payments app is not touched, so nothing is checked or said about it, and the
    // orders-api findings are gone with the fix.
    edit(
        &r.path().join("apps/orders-api/base/external-secrets.yaml"),
        "key: orders-db-pasword",
        "key: orders-db-password",
    );
    edit(&r.path().join("apps/orders-api/overlays/prod/kustomization.yaml"), "count: 4", "count: 6");
    let json: Value = serde_json::from_slice(&diff(r.path(), &["-o", "json"]).stdout).unwrap();
    for env in json["environments"].as_array().unwrap() {
        assert_eq!(env["findings"], serde_json::json!([]), "{}", env["environment"]);
    }
}

/// The secrets a `dataFrom.find` takes are drawn as its keys (before, the graph left them out).
#[test]
fn graph_draws_the_secrets_a_find_takes() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/rules/WRK002/pass");
    let out = Command::new(env!("CARGO_BIN_EXE_argocd-eso-plugin"))
        .args(["graph", repo.to_str().unwrap(), "--env", "test", "--offline", "-o", "mermaid"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    let id_of = |label: &str| {
        text.lines()
            .find(|l| l.contains(label))
            .and_then(|l| l.split_whitespace().next())
            .map(|s| s.split(['[', '(']).next().unwrap().to_string())
    };
    let es = id_of("ExternalSecret team/orders-db").expect("the find's ExternalSecret");
    for taken in ["kv-rules-test/orders-db-host", "kv-rules-test/orders-db-user"] {
        let key = id_of(taken).unwrap_or_else(|| panic!("{taken} drawn:\n{text}"));
        assert!(text.contains(&format!("{key} --> {es}")), "{taken} -> orders-db:\n{text}");
    }
    assert!(id_of("kv-rules-test/billing-token").is_none(), "a secret the find does not take is not drawn:\n{text}");
}

/// diff names environments as lint does: here the destination cluster of the repository's ApplicationSet, not a
/// directory convention. An overlay that installs a chart (helmCharts, not rendered natively) is not compared, and
/// said, instead of failing the diff.
#[test]
fn environments_come_from_the_applications_and_charts_are_not_compared() {
    let tmp = tempfile::tempdir().unwrap();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/realworld/per-cluster-projects/repo");
    for e in walkdir::WalkDir::new(&src).into_iter().filter_map(Result::ok).filter(|e| e.file_type().is_file()) {
        let to = tmp.path().join(e.path().strip_prefix(&src).unwrap());
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(e.path(), to).unwrap();
    }
    let d = tmp.path();
    let eso = d.join("projects/amiya/src/infrastructure/kubernetes/external-secrets/kustomization.yaml");
    assert!(std::fs::read_to_string(&eso).unwrap().contains("helmCharts:"));
    sh(d, &["git", "init", "-q", "-b", "main"]);
    sh(d, &["git", "add", "-A"]);
    sh(d, &["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "homelab"]);
    edit(
        &d.join("projects/amiya/src/apps/linkding/linkding.database.externalsecret.yaml"),
        "key: linkding-db-password",
        "key: linkding-database-password",
    );
    let out = diff(d, &["-o", "json"]);
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{said}");
    assert!(said.contains("not compared: 'helmCharts' is not rendered natively"), "{said}");
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let changed: Vec<(String, String)> = v["environments"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|e| {
            e["changes"].as_array().unwrap().iter().map(move |c| {
                (e["environment"].as_str().unwrap().to_string(), c["object"].as_str().unwrap().to_string())
            })
        })
        .collect();
    assert_eq!(changed.len(), 1, "{changed:?}");
    assert_eq!(changed[0].0, "in-cluster@projects/amiya/src");
    assert!(changed[0].1.contains("linkding-database"), "{changed:?}");
}

/// Objects without a namespace are checked and stamped where the Argo CD Application applies them (its destination
/// namespace), as lint and generate place them, and still printed as kustomize renders them. Before, diff built its
/// model with them in no namespace: the ExternalSecret's store (in the destination) did not resolve, the change
/// carried a false REF001, and the Deployment went unstamped.
#[test]
fn namespace_less_objects_are_checked_and_stamped_in_the_applications_destination() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let write = |path: &str, text: &str| support::write(d, path, text);
    write("platform/stores/kustomization.yaml", "resources:\n- store.yaml\n");
    write("platform/stores/store.yaml", &support::secret_store("kv", "shop", "kv-contoso-prod"));
    write("apps/web/kustomization.yaml", "resources:\n- external-secret.yaml\n- deployment.yaml\n");
    write(
        "apps/web/external-secret.yaml",
        "apiVersion: external-secrets.io/v1\nkind: ExternalSecret\nmetadata:\n  name: web-db\nspec:\n  refreshInterval: 1h\n  secretStoreRef: {name: kv, kind: SecretStore}\n  target: {name: web-db}\n  data:\n  - secretKey: PASSWORD\n    remoteRef: {key: orders-db-password}\n",
    );
    write(
        "apps/web/deployment.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 1\n  template:\n    spec:\n      containers:\n      - name: web\n        image: nginx\n        env:\n        - name: PASSWORD\n          valueFrom:\n            secretKeyRef: {name: web-db, key: PASSWORD}\n",
    );
    let application = |name: &str, path: &str| {
        format!(
            "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: {name}\nspec:\n  source:\n    repoURL: https://github.com/example/shop.git\n    path: {path}\n  destination:\n    name: prod\n    namespace: shop\n"
        )
    };
    write("argocd/apps/web.yaml", &application("web", "apps/web"));
    write("argocd/apps/stores.yaml", &application("stores", "platform/stores"));
    sh(d, &["git", "init", "-q", "-b", "main"]);
    sh(d, &["git", "add", "-A"]);
    sh(d, &["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "shop"]);
    // Another key: the ExternalSecret changes, and so does the Deployment's stamp of the versions it reads.
    edit(&d.join("apps/web/external-secret.yaml"), "key: orders-db-password", "key: orders-db-username");
    let inventory = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/inventories/prod.json");
    let out = diff(d, &["-o", "json", "--vault-inventory", inventory.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let prod = v["environments"].as_array().unwrap().iter().find(|e| e["environment"] == "prod").expect("prod");
    assert_eq!(prod["findings"], serde_json::json!([]), "{prod}");
    let changes = prod["changes"].as_array().unwrap();
    let objects: Vec<&str> = changes.iter().map(|c| c["object"].as_str().unwrap()).collect();
    assert_eq!(objects, ["Deployment/shop/web", "ExternalSecret/shop/web-db"], "{changes:?}");
    let text = changes[0]["diff"].as_str().unwrap();
    assert!(text.contains("+        argocd-eso-plugin.io/secret-versions: sha256:"), "stamped: {text}");
    for c in changes {
        let text = c["diff"].as_str().unwrap();
        assert!(!text.contains("namespace: shop"), "printed as kustomize renders it: {text}");
    }
}
