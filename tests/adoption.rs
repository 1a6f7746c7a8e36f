//! Adoption paths: the pre-commit hook as pre-commit runs it, the GitHub Action and CI examples (their YAML and the
//! commands they call), completions, the man page and --version.

mod support;

use serde_yaml::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn yaml(path: &Path) -> Value {
    serde_yaml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_argocd-eso-plugin"))
}

fn sh(dir: &Path, args: &[&str]) {
    let out = Command::new(args[0]).args(&args[1..]).current_dir(dir).output().unwrap();
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn the_pre_commit_hook_fails_on_a_staged_defect() {
    let hooks = yaml(&root().join(".pre-commit-hooks.yaml"));
    let hook = hooks.as_sequence().unwrap().iter().find(|h| h["id"] == "argocd-eso-plugin-lint").expect("the hook");
    assert_eq!(hook["language"], "rust");
    assert_eq!(hook["pass_filenames"], false);
    let files = regex::Regex::new(hook["files"].as_str().unwrap()).unwrap();
    for f in [
        "apps/x/kustomization.yaml",
        "apps/x/base/external-secrets.yaml.j2",
        "inventories/prod.json",
        "Kustomization",
        "a.yml",
    ] {
        assert!(files.is_match(f), "{f} should trigger the hook");
    }
    assert!(!files.is_match("README.md"));
    let mut entry: Vec<String> = hook["entry"].as_str().unwrap().split_whitespace().map(String::from).collect();
    assert_eq!(entry[0], "argocd-eso-plugin");
    entry[0] = env!("CARGO_BIN_EXE_argocd-eso-plugin").to_string();
    entry.extend(hook["args"].as_sequence().unwrap().iter().map(|a| a.as_str().unwrap().to_string()));

    // A GitOps repo (the examples), committed; then a defect staged.
    let tmp = support::copy_examples();
    let d = tmp.path();
    sh(d, &["git", "init", "-q"]);
    sh(d, &["git", "add", "-A"]);
    sh(d, &["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "gitops"]);
    let run = || Command::new(&entry[0]).args(&entry[1..]).current_dir(d).output().unwrap();
    assert!(run().status.success(), "clean repo: {}", String::from_utf8_lossy(&run().stdout));
    let f = d.join("apps/payments/base/external-secrets.yaml");
    let text = std::fs::read_to_string(&f).unwrap().replacen("name: azure-kv\n", "name: azure-kvv\n", 1);
    std::fs::write(&f, text).unwrap();
    sh(d, &["git", "add", "apps/payments/base/external-secrets.yaml"]);
    let staged = String::from_utf8(
        Command::new("git").args(["diff", "--cached", "--name-only"]).current_dir(d).output().unwrap().stdout,
    )
    .unwrap();
    assert!(staged.lines().any(|l| files.is_match(l)), "pre-commit would run the hook for {staged}");
    let out = run();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("error[REF001]"));
}

/// `argocd-eso-plugin <sub>` in a text: the subcommands it calls.
fn subcommands(text: &str) -> Vec<String> {
    let re =
        regex::Regex::new(r"argocd-eso-plugin (lint|diff|render|generate|discover|graph|explain|completions|man)\b")
            .unwrap();
    let mut out: Vec<String> = re.captures_iter(text).map(|c| c[1].to_string()).collect();
    out.sort();
    out.dedup();
    out
}

#[test]
fn the_action_and_ci_examples_parse_and_call_existing_commands() {
    let action = yaml(&root().join("action.yml"));
    assert!(action["name"].is_string() && action["description"].is_string());
    for input in ["path", "vault-inventory", "offline", "fail-on", "environments"] {
        assert!(action["inputs"][input].is_mapping(), "input {input}");
    }
    assert_eq!(action["runs"]["using"], "composite");
    let steps = action["runs"]["steps"].as_sequence().unwrap();
    assert!(
        steps.iter().any(|s| s["uses"].as_str().is_some_and(|u| u.starts_with("github/codeql-action/upload-sarif")))
    );
    let workflow = yaml(&root().join("examples/ci/github-workflow.yml"));
    assert!(
        workflow["jobs"]["lint"]["steps"]
            .as_sequence()
            .unwrap()
            .iter()
            .any(|s| s["uses"].as_str().is_some_and(|u| u.starts_with("azure/login")))
    );
    assert_eq!(workflow["permissions"]["id-token"], "write");
    let gitlab = yaml(&root().join("examples/ci/gitlab-ci.yml"));
    assert!(gitlab["eso-lint"]["artifacts"]["reports"]["junit"].is_string());
    let precommit = yaml(&root().join("examples/.pre-commit-config.yaml"));
    assert_eq!(precommit["repos"][0]["hooks"][0]["id"], "argocd-eso-plugin-lint");

    let mut all = Vec::new();
    for f in [
        "action.yml",
        "examples/ci/github-workflow.yml",
        "examples/ci/gitlab-ci.yml",
        ".pre-commit-hooks.yaml",
        "plugin.yaml",
        "README.md",
    ] {
        let text = std::fs::read_to_string(root().join(f)).unwrap();
        all.extend(subcommands(&text));
        // plugin.yaml writes [argocd-eso-plugin, generate]
        all.extend(subcommands(&text.replace("argocd-eso-plugin, ", "argocd-eso-plugin ")));
    }
    all.sort();
    all.dedup();
    assert!(
        all.contains(&"lint".to_string()) && all.contains(&"diff".to_string()) && all.contains(&"generate".to_string())
    );
    for sub in all {
        let out = bin().args([sub.as_str(), "--help"]).output().unwrap();
        assert!(out.status.success(), "`argocd-eso-plugin {sub} --help` fails");
    }
}

#[test]
fn version_completions_and_man_page() {
    let v = String::from_utf8(bin().arg("--version").output().unwrap().stdout).unwrap();
    assert!(v.starts_with(&format!("argocd-eso-plugin {} (", env!("CARGO_PKG_VERSION"))), "{v}");
    for shell in ["bash", "zsh", "fish"] {
        let out = bin().args(["completions", shell]).output().unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(out.status.success() && text.contains("lint") && text.contains("generate"), "{shell}");
    }
    let man = String::from_utf8(bin().arg("man").output().unwrap().stdout).unwrap();
    assert!(man.contains(".SH NAME") && man.contains("lint"));
}

/// Every sub-page the main man page points at exists when the pages are written out.
#[test]
fn man_pages_exist_for_every_subcommand() {
    let dir = tempfile::tempdir().unwrap();
    let out = bin().args(["man", "--out-dir"]).arg(dir.path()).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let main = std::fs::read_to_string(dir.path().join("argocd-eso-plugin.1")).unwrap();
    let referenced: Vec<String> = regex::Regex::new(r"argocd\\?-eso\\?-plugin\\?-([a-z]+(?:\\?-[a-z]+)*)\(1\)")
        .unwrap()
        .captures_iter(&main)
        .map(|c| c[1].replace('\\', ""))
        .collect();
    assert!(referenced.len() >= 8, "sub-pages referenced: {referenced:?}");
    for sub in &referenced {
        let page = dir.path().join(format!("argocd-eso-plugin-{sub}.1"));
        assert!(page.exists(), "{} is referenced but not written", page.display());
    }
}

/// The bash script completes subcommand flags when sourced by bash (`lint --` offers lint's flags).
#[test]
fn bash_completion_completes_subcommand_flags() {
    let script = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(script.path(), bin().args(["completions", "bash"]).output().unwrap().stdout).unwrap();
    let probe = format!(
        "source {}; COMP_WORDS=(argocd-eso-plugin lint --); COMP_CWORD=2; \
         $(complete -p argocd-eso-plugin | sed -E 's/.*-F ([^ ]+).*/\\1/') argocd-eso-plugin -- lint; \
         echo \"${{COMPREPLY[@]}}\"",
        script.path().display()
    );
    let out = std::process::Command::new("bash").args(["-c", &probe]).output().unwrap();
    let offered = String::from_utf8_lossy(&out.stdout);
    for flag in ["--output", "--fail-on", "--offline", "--vault-inventory"] {
        assert!(offered.split_whitespace().any(|w| w == flag), "`lint --` does not offer {flag}: {offered:?}");
    }
}

#[test]
fn quiet_silences_notes() {
    let dir = root().join("examples/apps/orders-api/overlays/prod");
    let tmp = tempfile::tempdir().unwrap();
    let _ = tmp;
    let loud =
        bin().args(["render", "--offline", "--vault-inventory", "/nonexistent.json"]).arg(&dir).output().unwrap();
    assert!(!loud.status.success(), "a missing inventory file is an error");
    let normal = bin().args(["render", "-v"]).arg(&dir).output().unwrap();
    assert!(String::from_utf8_lossy(&normal.stderr).contains("environment prod; stamped"));
    let quiet = bin().args(["render", "-q"]).arg(&dir).output().unwrap();
    assert!(quiet.status.success() && quiet.stderr.is_empty());
}

/// fish completes `lint --` with lint's flags (the script sourced by fish and asked with `complete -C`); zsh loads
/// the script under compinit, registers it for the command, and its `lint` case offers lint's flags. (.ci/run
/// installs both shells.)
#[test]
fn fish_and_zsh_completions_offer_subcommand_flags() {
    let dir = tempfile::tempdir().unwrap();
    let fish = dir.path().join("argocd-eso-plugin.fish");
    std::fs::write(&fish, bin().args(["completions", "fish"]).output().unwrap().stdout).unwrap();
    let out = std::process::Command::new("fish")
        .args(["-c", &format!("source {}; complete -C 'argocd-eso-plugin lint --'", fish.display())])
        .output()
        .expect("fish is installed (.ci/run installs it)");
    let offered: Vec<String> =
        String::from_utf8_lossy(&out.stdout).lines().map(|l| l.split('\t').next().unwrap_or("").to_string()).collect();
    for flag in ["--output", "--fail-on", "--offline", "--vault-inventory"] {
        assert!(offered.iter().any(|w| w == flag), "fish: `lint --` does not offer {flag}: {offered:?}");
    }
    assert!(!offered.iter().any(|w| w == "--allow-unstamped"), "a generate-only flag offered for lint: {offered:?}");

    let zsh = dir.path().join("_argocd-eso-plugin");
    let script = String::from_utf8(bin().args(["completions", "zsh"]).output().unwrap().stdout).unwrap();
    std::fs::write(&zsh, &script).unwrap();
    let out = std::process::Command::new("zsh")
        .args([
            "-fc",
            &format!(
                "autoload -U compinit; compinit -u -d {}/zcompdump; source {}; print -r -- ${{_comps[argocd-eso-plugin]}}",
                dir.path().display(),
                zsh.display()
            ),
        ])
        .output()
        .expect("zsh is installed (.ci/run installs it)");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "_argocd-eso-plugin",
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lint_case = script.split("\n(lint)\n").nth(1).expect("a lint case").split("\n;;\n").next().unwrap();
    for flag in ["--output=", "--fail-on=", "--offline[", "--vault-inventory="] {
        assert!(lint_case.contains(flag), "zsh: the lint case lacks {flag}");
    }
}

/// A real-repo pattern: the overlay's objects carry no namespace (Argo CD applies them to the Application's
/// destination), except a SecretStore written with its namespace. lint checks the namespace-less ExternalSecret and
/// workload in that namespace, as Argo CD would apply them, instead of in no namespace (a false REF001/REF003 before),
/// and says so. A typo in the store's name is still found.
#[test]
fn lint_checks_namespace_less_objects_in_the_overlays_only_namespace() {
    let dir = tempfile::tempdir().unwrap();
    let app = dir.path().join("apps/orders/overlays/prod");
    std::fs::create_dir_all(&app).unwrap();
    std::fs::write(app.join("kustomization.yaml"), "resources:\n- store.yaml\n- objects.yaml\n").unwrap();
    std::fs::write(
        app.join("store.yaml"),
        "apiVersion: external-secrets.io/v1\nkind: SecretStore\nmetadata:\n  name: orders-kv\n  namespace: orders\nspec:\n  provider:\n    azurekv:\n      authType: WorkloadIdentity\n      tenantId: 9b05fdb9-40c0-4f4a-a654-386013ae7d6a\n      vaultUrl: https://kv-orders.vault.azure.net/\n      serviceAccountRef: {name: orders}\n---\napiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: orders\n  namespace: orders\n  annotations: {azure.workload.identity/client-id: 4a1d5c4f-903c-4166-b83f-6a262386c0de}\n",
    )
    .unwrap();
    let objects = |store: &str| {
        format!(
            "apiVersion: external-secrets.io/v1\nkind: ExternalSecret\nmetadata:\n  name: orders-db\nspec:\n  refreshInterval: 1h\n  secretStoreRef: {{name: {store}, kind: SecretStore}}\n  data:\n  - secretKey: PASSWORD\n    remoteRef: {{key: orders-db-password}}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: orders\nspec:\n  selector:\n    matchLabels: {{app: orders}}\n  template:\n    metadata:\n      labels: {{app: orders}}\n    spec:\n      containers:\n      - name: orders\n        image: orders:1\n        envFrom:\n        - secretRef: {{name: orders-db}}\n"
        )
    };
    std::fs::write(app.join("objects.yaml"), objects("orders-kv")).unwrap();
    let lint = |extra: &[&str]| bin().args(["lint", "--offline"]).args(extra).arg(dir.path()).output().unwrap();
    let out = lint(&["-o", "json"]);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let codes: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .filter(|c| *c != "KV000")
        .collect();
    assert!(codes.is_empty(), "{codes:?}\n{}", String::from_utf8_lossy(&out.stderr));
    let said = String::from_utf8_lossy(&lint(&["-v"]).stderr).to_string();
    assert!(said.contains("apps/orders/overlays/prod: 2 object(s) without a namespace checked in 'orders'"), "{said}");

    std::fs::write(app.join("objects.yaml"), objects("orders-kvv")).unwrap();
    let report: serde_json::Value = serde_json::from_slice(&lint(&["-o", "json"]).stdout).unwrap();
    let codes: Vec<&str> = report["findings"].as_array().unwrap().iter().map(|f| f["code"].as_str().unwrap()).collect();
    assert!(codes.contains(&"REF001"), "{codes:?}");
}

/// `lint --suggest-config` prints the externalStores block for stores rendered nowhere; pasted into the config
/// (with the vault filled in), it turns the REF003 warnings into checked references.
#[test]
fn the_suggested_config_silences_ref003_once_pasted() {
    let tmp = tempfile::tempdir().unwrap();
    let src = root().join("testdata/rules/REF003/fail");
    for e in walkdir::WalkDir::new(&src).into_iter().filter_map(Result::ok).filter(|e| e.file_type().is_file()) {
        let to = tmp.path().join(e.path().strip_prefix(&src).unwrap());
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(e.path(), to).unwrap();
    }
    let codes = |dir: &Path| {
        let out = bin().args(["lint", "--offline", "-o", "json"]).arg(dir).output().unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        v["findings"].as_array().unwrap().iter().map(|f| f["code"].as_str().unwrap().to_string()).collect::<Vec<_>>()
    };
    assert!(codes(tmp.path()).contains(&"REF003".to_string()));
    let out = bin().args(["lint", "--offline", "--suggest-config"]).arg(tmp.path()).output().unwrap();
    assert!(out.status.success());
    let suggestion = String::from_utf8(out.stdout).unwrap();
    assert!(suggestion.contains("externalStores:\n- name: platform-kv\n  kind: ClusterSecretStore\n"), "{suggestion}");
    let config = tmp.path().join(".argocd-eso-plugin.yaml");
    let before = std::fs::read_to_string(&config).unwrap_or_default();
    let filled = suggestion.replace("https://<vault>.vault.azure.net/", "https://kv-platform.vault.azure.net/");
    std::fs::write(&config, format!("{before}{filled}")).unwrap();
    let after = codes(tmp.path());
    assert!(!after.contains(&"REF003".to_string()), "{after:?}");
}

/// The Argo CD Application that deploys an overlay says where its namespace-less objects go: lint reads it (the
/// repository's Applications: `spec.source.path` and `spec.destination.namespace`) and checks them there.
#[test]
fn lint_checks_an_apps_objects_in_its_applications_destination() {
    let dir = tempfile::tempdir().unwrap();
    let write = |path: &str, text: &str| support::write(dir.path(), path, text);
    write("platform/stores/overlays/prod/kustomization.yaml", "resources:\n- store.yaml\n");
    write("platform/stores/overlays/prod/store.yaml", &support::secret_store("orders-kv", "orders", "kv-orders"));
    write("apps/orders/overlays/prod/kustomization.yaml", "resources:\n- external-secret.yaml\n");
    write(
        "apps/orders/overlays/prod/external-secret.yaml",
        "apiVersion: external-secrets.io/v1\nkind: ExternalSecret\nmetadata:\n  name: orders-db\nspec:\n  refreshInterval: 1h\n  secretStoreRef: {name: orders-kv, kind: SecretStore}\n  data:\n  - secretKey: PASSWORD\n    remoteRef: {key: orders-db-password}\n",
    );
    let codes = || {
        let out = bin().args(["lint", "--offline", "-o", "json"]).arg(dir.path()).output().unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["code"].as_str().unwrap().to_string())
            .filter(|c| c != "KV000")
            .collect::<Vec<_>>()
    };
    // No Application, no namespace anywhere in the overlay: nothing to go by, and the store is in 'orders'.
    assert_eq!(codes(), ["REF001"]);
    write(
        "argocd/apps/orders-prod.yaml",
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: orders-prod\n  namespace: argocd\nspec:\n  project: default\n  source:\n    repoURL: https://github.com/example/gitops.git\n    path: apps/orders/overlays/prod\n    targetRevision: main\n  destination:\n    server: https://kubernetes.default.svc\n    namespace: orders\n",
    );
    assert_eq!(codes(), Vec::<String>::new());
}

/// Argo CD builds an Application's directory with its `spec.source.kustomize` options applied (`kustomize edit
/// set namespace`, `set nameprefix`, ...): lint checks the overlay as Argo CD builds it. Here the overlay's own
/// `namespace: staging` is replaced by the Application's `shop`, where its store is: checked without the option,
/// the ExternalSecret would look for the store in 'staging' (a false REF001).
#[test]
fn lint_builds_an_overlay_with_its_applications_kustomize_options() {
    let dir = tempfile::tempdir().unwrap();
    let write = |path: &str, text: &str| support::write(dir.path(), path, text);
    write("platform/stores/kustomization.yaml", "resources:\n- store.yaml\n");
    write("platform/stores/store.yaml", &support::secret_store("orders-kv", "shop", "kv-orders"));
    write("apps/orders/kustomization.yaml", "namespace: staging\nresources:\n- external-secret.yaml\n");
    write(
        "apps/orders/external-secret.yaml",
        "apiVersion: external-secrets.io/v1\nkind: ExternalSecret\nmetadata:\n  name: orders-db\nspec:\n  refreshInterval: 1h\n  secretStoreRef: {name: orders-kv, kind: SecretStore}\n  data:\n  - secretKey: PASSWORD\n    remoteRef: {key: orders-db-password}\n",
    );
    let application = |name: &str, path: &str, kustomize: &str| {
        format!(
            "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: {name}\n  namespace: argocd\nspec:\n  project: default\n  source:\n    repoURL: https://github.com/example/gitops.git\n    path: {path}\n    targetRevision: main\n{kustomize}  destination:\n    name: prod\n    namespace: shop\n"
        )
    };
    write("argocd/apps/stores.yaml", &application("stores", "platform/stores", ""));
    let lint = || {
        let out = bin().args(["lint", "--offline", "-o", "json", "-v"]).arg(dir.path()).output().unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let codes: Vec<String> = v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["code"].as_str().unwrap().to_string())
            .filter(|c| c != "KV000")
            .collect();
        (codes, String::from_utf8_lossy(&out.stderr).to_string())
    };
    write("argocd/apps/orders.yaml", &application("orders", "apps/orders", ""));
    assert_eq!(lint().0, ["REF001"]);
    write(
        "argocd/apps/orders.yaml",
        &application("orders", "apps/orders", "    kustomize:\n      namespace: shop\n      namePrefix: eu-\n"),
    );
    let (codes, said) = lint();
    assert_eq!(codes, Vec::<String>::new(), "{said}");
    assert!(
        said.contains("apps/orders (argocd/apps/orders.yaml: Application 'orders' -> cluster prod; with its kustomize options (namePrefix, namespace), namespace shop)"),
        "{said}"
    );
    // An option kustomize refuses fails the build in Argo CD: lint reports the overlay as not rendering.
    write(
        "argocd/apps/orders.yaml",
        &application("orders", "apps/orders", "    kustomize:\n      components: [../missing]\n"),
    );
    let (codes, said) = lint();
    assert_eq!(codes, ["KUS001"], "{said}");
}

/// An Application whose path holds plain manifests (no kustomization, no chart) is a directory source: Argo CD
/// applies the YAML and JSON files in it (`directory.recurse` for subfolders, `include`/`exclude` globs). lint
/// checks them as one overlay, where they used to be passed over as "no kustomization directory".
#[test]
fn lint_checks_the_manifests_of_a_directory_source() {
    let dir = tempfile::tempdir().unwrap();
    let write = |path: &str, text: &str| support::write(dir.path(), path, text);
    write(
        "manifests/web/store.yaml",
        "apiVersion: external-secrets.io/v1\nkind: SecretStore\nmetadata:\n  name: web-kv\nspec:\n  provider:\n    azurekv:\n      authType: ManagedIdentity\n      tenantId: 9b05fdb9-40c0-4f4a-a654-386013ae7d6a\n      vaultUrl: https://kv-web.vault.azure.net/\n",
    );
    // A values file beside the manifests is no manifest: Argo CD passes over it, and so does lint.
    write("manifests/web/values.yaml", "replicas: [1\n");
    write(
        "manifests/web/secrets/external-secret.yaml",
        "apiVersion: external-secrets.io/v1\nkind: ExternalSecret\nmetadata:\n  name: web-db\nspec:\n  refreshInterval: 1h\n  secretStoreRef: {name: web-kvv, kind: SecretStore}\n  data:\n  - secretKey: PASSWORD\n    remoteRef: {key: web-db-password}\n",
    );
    let application = |directory: &str| {
        format!(
            "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: web\n  namespace: argocd\nspec:\n  project: default\n  source:\n    repoURL: https://github.com/example/gitops.git\n    path: manifests/web\n    targetRevision: main\n{directory}  destination:\n    name: prod\n    namespace: web\n"
        )
    };
    let lint = || {
        let out = bin().args(["lint", "--offline", "-o", "json", "-v"]).arg(dir.path()).output().unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let findings: Vec<(String, String)> = v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["code"] != "KV000")
            .map(|f| (f["code"].as_str().unwrap().to_string(), f["file"].as_str().unwrap().to_string()))
            .collect();
        (findings, String::from_utf8_lossy(&out.stderr).to_string())
    };
    // Without recurse, the ExternalSecret in the subfolder is not deployed, and not checked.
    write("argocd/web.yaml", &application(""));
    let (findings, said) = lint();
    assert_eq!(findings, Vec::<(String, String)>::new(), "{said}");
    assert!(said.contains("manifests/web (argocd/web.yaml: Application 'web' -> cluster prod; a directory source: its plain manifests, namespace web)"), "{said}");
    // With it, the typo in the store name is found, in the file that has it; the namespace-less objects meet in the
    // Application's destination namespace.
    write("argocd/web.yaml", &application("    directory:\n      recurse: true\n"));
    let (findings, said) = lint();
    assert_eq!(findings, [("REF001".to_string(), "manifests/web/secrets/external-secret.yaml".to_string())], "{said}");
    // Excluded, it is not deployed again.
    write("argocd/web.yaml", &application("    directory:\n      recurse: true\n      exclude: 'secrets/*'\n"));
    assert_eq!(lint().0, Vec::<(String, String)>::new());
    // A source of another repository: its path '.' is that repository's root, not this one's (whose top-level files
    // are no manifests Argo CD would apply from here).
    write("package.json", "{\"name\": \"not a manifest\"}");
    write(
        "argocd/vault.yaml",
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: vault\nspec:\n  source:\n    repoURL: https://github.com/example/vault.kubernetes.git\n    path: .\n  destination:\n    name: prod\n    namespace: vault\n",
    );
    let (findings, said) = lint();
    assert_eq!(findings, Vec::<(String, String)>::new(), "{said}");
    assert!(said.contains("its repoURL 'github.com/example/vault.kubernetes' is another repository"), "{said}");
}

/// Argo CD as the source of truth: the repository's ApplicationSets (a matrix of a git directories generator and a
/// list generator, and a Go-template list generator) say which paths are deployed to which cluster and namespace.
/// lint checks each destination cluster as one environment: a store rendered only on prod-eu does not satisfy an
/// app that is also deployed to dev-eu, and the apps' namespace-less objects are checked in the namespace the
/// ApplicationSet gives them.
#[test]
fn lint_groups_what_the_application_sets_deploy_by_destination_cluster() {
    let dir = tempfile::tempdir().unwrap();
    let write = |path: &str, text: &str| support::write(dir.path(), path, text);
    let store = |kind: &str, name: &str, vault: &str| {
        format!(
            "apiVersion: external-secrets.io/v1\nkind: {kind}\nmetadata:\n  name: {name}\nspec:\n  provider:\n    azurekv:\n      authType: ManagedIdentity\n      tenantId: 9b05fdb9-40c0-4f4a-a654-386013ae7d6a\n      vaultUrl: https://{vault}.vault.azure.net/\n"
        )
    };
    let external_secret = |name: &str, store_kind: &str, store: &str| {
        format!(
            "apiVersion: external-secrets.io/v1\nkind: ExternalSecret\nmetadata:\n  name: {name}\nspec:\n  refreshInterval: 1h\n  secretStoreRef: {{name: {store}, kind: {store_kind}}}\n  data:\n  - secretKey: PASSWORD\n    remoteRef: {{key: {name}-password}}\n"
        )
    };
    write("apps/orders/kustomization.yaml", "resources:\n- store.yaml\n- external-secret.yaml\n");
    write("apps/orders/store.yaml", &store("SecretStore", "orders-kv", "kv-orders"));
    write("apps/orders/external-secret.yaml", &external_secret("orders-db", "SecretStore", "orders-kv"));
    write("apps/payments/kustomization.yaml", "resources:\n- external-secret.yaml\n");
    write("apps/payments/external-secret.yaml", &external_secret("payments-db", "ClusterSecretStore", "prod-only"));
    write("platform/stores/prod-eu/kustomization.yaml", "resources:\n- stores.yaml\n");
    write("platform/stores/prod-eu/stores.yaml", &store("ClusterSecretStore", "prod-only", "kv-prod"));
    write("platform/stores/dev-eu/kustomization.yaml", "resources:\n- stores.yaml\n");
    write("platform/stores/dev-eu/stores.yaml", &store("ClusterSecretStore", "shared", "kv-dev"));
    write(
        "argocd/apps.yaml",
        "apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata:\n  name: apps\n  namespace: argocd\nspec:\n  generators:\n  - matrix:\n      generators:\n      - git:\n          repoURL: https://github.com/example/gitops.git\n          revision: HEAD\n          directories:\n          - path: apps/*\n      - list:\n          elements:\n          - cluster: prod-eu\n          - cluster: dev-eu\n  template:\n    metadata:\n      name: '{{path.basename}}-{{cluster}}'\n    spec:\n      project: default\n      source:\n        repoURL: https://github.com/example/gitops.git\n        targetRevision: HEAD\n        path: '{{path}}'\n      destination:\n        name: '{{cluster}}'\n        namespace: '{{path.basename}}'\n",
    );
    write(
        "argocd/platform.yaml",
        "apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata:\n  name: platform\n  namespace: argocd\nspec:\n  goTemplate: true\n  goTemplateOptions: [\"missingkey=error\"]\n  generators:\n  - list:\n      elements:\n      - cluster: prod-eu\n      - cluster: dev-eu\n  template:\n    metadata:\n      name: 'stores-{{.cluster}}'\n    spec:\n      project: default\n      source:\n        repoURL: https://github.com/example/gitops.git\n        targetRevision: HEAD\n        path: 'platform/stores/{{.cluster}}'\n      destination:\n        name: '{{.cluster}}'\n        namespace: external-secrets\n",
    );
    let out = bin().args(["lint", "--offline", "-o", "json", "-v"]).arg(dir.path()).output().unwrap();
    let said = String::from_utf8_lossy(&out.stderr).to_string();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let findings: Vec<(String, String, Vec<String>)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] != "KV000")
        .map(|f| {
            let envs = f["environments"].as_array().unwrap().iter().map(|e| e.as_str().unwrap().to_string()).collect();
            (f["code"].as_str().unwrap().to_string(), f["file"].as_str().unwrap().to_string(), envs)
        })
        .collect();
    // The one defect: payments is deployed to dev-eu too, where no ClusterSecretStore 'prod-only' exists. orders'
    // namespace-less SecretStore and ExternalSecret meet in 'orders' (no REF001 in either cluster).
    assert_eq!(
        findings,
        vec![("REF003".to_string(), "apps/payments/external-secret.yaml".to_string(), vec!["dev-eu".to_string()])],
        "{said}"
    );
    assert!(
        said.contains("environments from the Argo CD Applications, ApplicationSets and Flux Kustomizations"),
        "{said}"
    );
    assert!(
        said.contains("apps/orders (argocd/apps.yaml: ApplicationSet 'apps' -> cluster prod-eu, namespace orders)"),
        "{said}"
    );
    assert!(said.contains("platform/stores/dev-eu (argocd/platform.yaml: ApplicationSet 'platform' -> cluster dev-eu, namespace external-secrets)"), "{said}");
    assert!(
        !said.contains("platform/stores/prod-eu (argocd/platform.yaml: ApplicationSet 'platform' -> cluster dev-eu"),
        "{said}"
    );

    // generate, as argocd-cmp-server runs it: the Application's name picks the cluster the path is deployed to.
    sh(dir.path(), &["git", "init", "-q"]);
    let generate = |app: &str| {
        let out = bin()
            .args(["generate", "--offline", "--allow-unstamped", "-v"])
            .current_dir(dir.path().join("apps/payments"))
            .env("ARGOCD_APP_NAME", app)
            .env("ARGOCD_APP_NAMESPACE", "payments")
            .env("ARGOCD_APP_SOURCE_PATH", "apps/payments")
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stderr).to_string()
    };
    let dev = generate("payments-dev-eu");
    assert!(dev.contains("environment dev-eu") && dev.contains("REF003"), "{dev}");
    let prod = generate("payments-prod-eu");
    assert!(prod.contains("environment prod-eu") && !prod.contains("REF003"), "{prod}");
}
