//! The Argo CD Config Management Plugin: plugin.yaml against the schema of ../shared/reference/FACTS.md §1, the
//! sidecar kustomization over Argo CD's own repo-server Deployment, and `generate` run the way argocd-cmp-server
//! runs it.

mod support;

use serde::Deserialize;
use serde_yaml::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use support::fake_vault::SidecarVaults;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

// The ConfigManagementPlugin fields of FACTS.md §1, strictly: an unknown or misplaced field fails the parse.
#[derive(Deserialize, Debug, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Plugin {
    api_version: String,
    kind: String,
    metadata: Metadata,
    spec: PluginSpec,
}
#[derive(Deserialize, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
struct Metadata {
    name: String,
}
#[derive(Deserialize, Debug, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct PluginSpec {
    version: Option<String>,
    init: Option<CommandSpec>,
    generate: CommandSpec,
    discover: Option<Discover>,
    parameters: Option<Parameters>,
    preserve_file_mode: Option<bool>,
    provide_git_creds: Option<bool>,
}
#[derive(Deserialize, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
struct CommandSpec {
    command: Vec<String>,
    args: Option<Vec<String>>,
}
#[derive(Deserialize, Debug, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Discover {
    file_name: Option<String>,
    find: Option<Find>,
}
#[derive(Deserialize, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
struct Find {
    glob: Option<String>,
    command: Option<Vec<String>>,
}
#[derive(Deserialize, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
struct Parameters {
    #[serde(rename = "static")]
    static_: Option<Vec<Parameter>>,
    dynamic: Option<CommandSpec>,
}
#[derive(Deserialize, Debug, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Parameter {
    name: String,
    title: Option<String>,
    tooltip: Option<String>,
    required: Option<bool>,
    item_type: Option<String>,
    collection_type: Option<String>,
    string: Option<String>,
    array: Option<Vec<String>>,
    map: Option<std::collections::BTreeMap<String, String>>,
}

#[test]
fn plugin_yaml_matches_the_cmp_schema() {
    let p: Plugin = serde_yaml::from_str(&std::fs::read_to_string(root().join("plugin.yaml")).unwrap())
        .expect("plugin.yaml parses strictly");
    assert_eq!((p.api_version.as_str(), p.kind.as_str()), ("argoproj.io/v1alpha1", "ConfigManagementPlugin"));
    assert_eq!(p.spec.generate.command, vec!["argocd-eso-plugin", "generate"]);
    let find = p.spec.discover.as_ref().unwrap().find.as_ref().unwrap();
    assert_eq!(find.command.as_deref(), Some(&["argocd-eso-plugin".to_string(), "discover".to_string()][..]));
    let names: Vec<&str> =
        p.spec.parameters.as_ref().unwrap().static_.as_ref().unwrap().iter().map(|x| x.name.as_str()).collect();
    assert_eq!(names, vec!["environment", "fail-on", "expiry-warning-days"]);
    // The copy the sidecar mounts says the same.
    let cm: Value =
        serde_yaml::from_str(&std::fs::read_to_string(root().join("examples/argocd/cmp-plugin.yaml")).unwrap())
            .unwrap();
    // Byte-equal, so the copy cannot drift (the file's header says how to regenerate it).
    let mounted = cm["data"]["plugin.yaml"].as_str().unwrap();
    assert_eq!(
        mounted,
        std::fs::read_to_string(root().join("plugin.yaml")).unwrap(),
        "examples/argocd/cmp-plugin.yaml is not plugin.yaml: regenerate it with the command in its header"
    );
}

#[test]
fn sidecar_kustomization_applies_over_argocds_repo_server() {
    let tmp = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(root().join("examples/argocd")).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), tmp.path().join(entry.file_name())).unwrap();
    }
    // Argo CD's own repo-server Deployment stands in for the installation the kustomization points at, with the
    // argocd-cm its install.yaml ships (labels, no data).
    std::fs::copy(
        support::shared_dir().join("reference/argocd/argocd-repo-server-deployment.yaml"),
        tmp.path().join("argocd-repo-server-deployment.yaml"),
    )
    .unwrap();
    std::fs::write(
        tmp.path().join("argocd-cm.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: argocd-cm\n  labels:\n    app.kubernetes.io/name: argocd-cm\n    app.kubernetes.io/part-of: argocd\n",
    )
    .unwrap();
    let k = tmp.path().join("kustomization.yaml");
    let text = std::fs::read_to_string(&k).unwrap();
    let local = text.replace(
        "- https://raw.githubusercontent.com/argoproj/argo-cd/v3.5.1/manifests/install.yaml",
        "- argocd-repo-server-deployment.yaml\n- argocd-cm.yaml",
    );
    assert_ne!(text, local);
    std::fs::write(&k, local).unwrap();
    let out = Command::new("kubectl").arg("kustomize").arg(tmp.path()).output().expect("kubectl");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let docs: Vec<Value> =
        argocd_eso_plugin::kustomize::loader::split_documents(&String::from_utf8(out.stdout).unwrap())
            .iter()
            .map(|d| serde_yaml::from_str(d.text).unwrap())
            .filter(|v: &Value| !v.is_null())
            .collect();
    let deploy =
        docs.iter().find(|d| d["kind"] == "Deployment" && d["metadata"]["name"] == "argocd-repo-server").unwrap();
    let pod = &deploy["spec"]["template"];
    assert_eq!(pod["metadata"]["labels"]["azure.workload.identity/use"], "true");
    let containers = pod["spec"]["containers"].as_sequence().unwrap();
    assert!(containers.iter().any(|c| c["name"] == "argocd-repo-server"), "the repo server itself is kept");
    let sidecar = containers.iter().find(|c| c["name"] == "argocd-eso-plugin").expect("the sidecar");
    assert_eq!(sidecar["command"][0], "/var/run/argocd/argocd-cmp-server");
    assert_eq!(sidecar["securityContext"]["runAsUser"], 999);
    assert_eq!(sidecar["securityContext"]["runAsNonRoot"], true);
    let mounts: Vec<(String, String)> = sidecar["volumeMounts"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|m| (m["name"].as_str().unwrap().to_string(), m["mountPath"].as_str().unwrap().to_string()))
        .collect();
    for (name, path) in [
        ("var-files", "/var/run/argocd"),
        ("plugins", "/home/argocd/cmp-server/plugins"),
        ("argocd-eso-plugin-config", "/home/argocd/cmp-server/config/plugin.yaml"),
        ("argocd-eso-plugin-tmp", "/tmp"),
    ] {
        assert!(mounts.contains(&(name.to_string(), path.to_string())), "mount {name} at {path}: {mounts:?}");
    }
    let volumes = pod["spec"]["volumes"].as_sequence().unwrap();
    let vol = |n: &str| volumes.iter().find(|v| v["name"] == n).unwrap_or_else(|| panic!("volume {n}"));
    assert_eq!(vol("argocd-eso-plugin-config")["configMap"]["name"], "argocd-eso-plugin");
    assert!(vol("argocd-eso-plugin-tmp")["emptyDir"].is_mapping());
    assert!(vol("var-files")["emptyDir"].is_mapping(), "Argo CD's own volumes are kept");
    let cm = docs.iter().find(|d| d["kind"] == "ConfigMap" && d["metadata"]["name"] == "argocd-eso-plugin").unwrap();
    assert_eq!(cm["metadata"]["namespace"], "argocd");
    // The ExternalSecret health check lands in Argo CD's own argocd-cm, whose labels stay.
    let argocd_cm = docs.iter().find(|d| d["kind"] == "ConfigMap" && d["metadata"]["name"] == "argocd-cm").unwrap();
    assert_eq!(argocd_cm["metadata"]["labels"]["app.kubernetes.io/part-of"], "argocd");
    let patch: Value =
        serde_yaml::from_str(&std::fs::read_to_string(root().join("examples/argocd/argocd-cm-health.yaml")).unwrap())
            .unwrap();
    let key = "resource.customizations.health.external-secrets.io_ExternalSecret";
    assert!(argocd_cm["data"][key].as_str().is_some_and(|lua| lua.contains("syncedResourceVersion")));
    assert_eq!(argocd_cm["data"][key], patch["data"][key]);
}

/// Copy the examples somewhere user 999 can read, as argocd-cmp-server receives a copy of the repo.
fn repo_copy() -> tempfile::TempDir {
    let tmp = support::copy_examples();
    make_world_readable(tmp.path());
    tmp
}

fn make_world_readable(p: &Path) {
    use std::os::unix::fs::PermissionsExt;
    for e in walkdir::WalkDir::new(p).into_iter().filter_map(Result::ok) {
        let mode = if e.file_type().is_dir() { 0o755 } else { 0o644 };
        std::fs::set_permissions(e.path(), std::fs::Permissions::from_mode(mode)).unwrap();
    }
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0").unwrap_or(false)
}

/// The commit Argo CD would name for the repository at `root` as it is now: a hash of its files, as a commit is.
/// (A fixed SHA over a repository that the tests change would be a commit whose content changes, which Argo CD
/// never produces, and the context cache keyed by it would rightly be stale.)
fn commit_of(root: &Path) -> String {
    use sha2::Digest as _;
    let mut files: Vec<PathBuf> = walkdir::WalkDir::new(root)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| e.path().to_path_buf())
        .collect();
    files.sort();
    let mut h = sha2::Sha256::new();
    for f in files {
        h.update(f.strip_prefix(root).unwrap().as_os_str().as_encoded_bytes());
        h.update(std::fs::read(&f).unwrap_or_default());
    }
    h.finalize().iter().take(20).map(|b| format!("{b:02x}")).collect()
}

/// The context cache every generate of this test process shares, as generate processes share one in the sidecar
/// (writable by user 999).
fn shared_cache() -> &'static Path {
    static DIR: std::sync::OnceLock<tempfile::TempDir> = std::sync::OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
        dir
    })
    .path()
}

/// Run the plugin binary in `cwd` with Argo CD's environment, as user 999 when this test runs as root, in a sidecar
/// whose Key Vaults are `vaults` (workload identity and the vaults' addresses in the container's environment).
fn in_sidecar(
    vaults: &SidecarVaults,
    cwd: &Path,
    args: &[&str],
    source_path: &str,
    extra_env: &[(&str, &str)],
) -> Output {
    let mut env: Vec<(&str, &str)> = vaults.env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    env.extend_from_slice(extra_env);
    as_cmp_server(cwd, args, source_path, &env)
}

/// Run the plugin binary in `cwd` with Argo CD's environment, as user 999 when this test runs as root.
fn as_cmp_server(cwd: &Path, args: &[&str], source_path: &str, extra_env: &[(&str, &str)]) -> Output {
    let depth = Path::new(source_path.trim_matches('/')).components().filter(|c| c.as_os_str() != ".").count();
    let root = cwd.ancestors().nth(depth).unwrap();
    let commit = commit_of(root);
    let cache = shared_cache().display().to_string();
    let bin = env!("CARGO_BIN_EXE_argocd-eso-plugin");
    let mut cmd = if is_root() && Path::new("/usr/bin/setpriv").exists() {
        let mut c = Command::new("/usr/bin/setpriv");
        c.args(["--reuid=999", "--regid=999", "--clear-groups", bin]);
        c
    } else {
        Command::new(bin)
    };
    cmd.args(args).current_dir(cwd).env_clear();
    for (k, v) in [
        ("PATH", "/usr/local/bin:/usr/bin:/bin"),
        ("HOME", "/tmp"),
        ("ARGOCD_APP_NAME", "orders-api-prod"),
        ("ARGOCD_APP_NAMESPACE", "orders-prod"),
        ("ARGOCD_APP_PROJECT_NAME", "default"),
        ("ARGOCD_APP_REVISION", commit.as_str()),
        ("ARGOCD_APP_REVISION_SHORT", &commit[..7]),
        ("ARGOCD_ESO_PLUGIN_CACHE_DIR", cache.as_str()),
        ("ARGOCD_APP_SOURCE_REPO_URL", "https://github.com/your-org/gitops.git"),
        ("ARGOCD_APP_SOURCE_PATH", source_path),
        ("ARGOCD_APP_SOURCE_TARGET_REVISION", "main"),
        ("KUBE_VERSION", "1.32"),
        ("KUBE_API_VERSIONS", "v1,apps/v1,external-secrets.io/v1"),
    ] {
        cmd.env(k, v);
    }
    for (k, v) in extra_env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

fn app_dirs(repo: &Path) -> Vec<String> {
    argocd_eso_plugin::scan::kustomization_dirs(repo)
        .into_iter()
        .map(|d| d.display().to_string())
        .filter(|d| d.contains("overlays"))
        .collect()
}

#[test]
fn generate_as_argocd_cmp_server_runs_it() {
    let repo = repo_copy();
    // Discovery: every overlay of the examples renders ESO objects (apps: ExternalSecrets; platform: stores).
    let mut claimed = Vec::new();
    for app in app_dirs(repo.path()) {
        let out = as_cmp_server(&repo.path().join(&app), &["discover"], &app, &[]);
        assert!(out.status.success());
        if !out.stdout.is_empty() {
            claimed.push(app);
        }
    }
    assert_eq!(claimed.len(), 12, "{claimed:?}");
    let not_eso = as_cmp_server(repo.path(), &["discover", "argocd"], ".", &[]);
    assert!(not_eso.status.success() && not_eso.stdout.is_empty(), "the Argo CD install itself is not claimed");

    let vaults = SidecarVaults::start(repo.path());
    for app in &claimed {
        let dir = repo.path().join(app);
        let first = in_sidecar(&vaults, &dir, &["generate"], app, &[]);
        let stderr = String::from_utf8_lossy(&first.stderr);
        assert!(first.status.success(), "{app}: {stderr}");
        let text = String::from_utf8(first.stdout.clone()).unwrap();
        let docs: Vec<Value> = argocd_eso_plugin::kustomize::loader::split_documents(&text)
            .iter()
            .map(|d| serde_yaml::from_str(d.text).unwrap())
            .filter(|v: &Value| !v.is_null())
            .collect();
        assert!(!docs.is_empty());
        for d in &docs {
            assert!(
                d["apiVersion"].is_string() && d["kind"].is_string() && d["metadata"]["name"].is_string(),
                "{app}: not a Kubernetes object: {d:?}"
            );
        }
        // Again, at the same commit: the environment's index comes from the cache the first run wrote, and the
        // output is byte for byte the same.
        let again = in_sidecar(&vaults, &dir, &["generate", "-v"], app, &[]);
        assert_eq!(again.stdout, first.stdout, "{app}: identical across runs");
        let said = String::from_utf8_lossy(&again.stderr);
        assert!(said.contains("(index from the cache)"), "{app}: the second run read the cached index: {said}");
        if app.starts_with("apps/") {
            assert!(text.contains("argocd-eso-plugin.io/secret-versions"), "{app}: stamped");
            // Where the versions came from is said on every run: Key Vault, generate's default, though the
            // config names inventory files (those are for lint).
            assert!(
                stderr.contains("versions for https://kv-contoso-") && stderr.contains(": live, from Key Vault"),
                "{app}: {stderr}"
            );
            assert!(!stderr.contains("inventory file"), "{app}: {stderr}");
        }
        for text in [&text, &stderr.to_string()] {
            assert!(!text.contains("CANARY-VALUE"), "{app}: a secret value left the vault: {text}");
        }
        let short = &commit_of(repo.path())[..7];
        assert!(stderr.contains(&format!("app orders-api-prod at revision {short}")), "{stderr}");
    }
    // Nothing was written into the repo copy.
    let files = walkdir::WalkDir::new(repo.path())
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .count();
    let originals = walkdir::WalkDir::new(root().join("examples"))
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .count();
    assert_eq!(files, originals);
}

fn assert_failed_closed(out: &Output, exit: i32, reason: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.stdout.is_empty(), "nothing on stdout when failing, got {}", String::from_utf8_lossy(&out.stdout));
    assert_eq!(out.status.code(), Some(exit), "{stderr}");
    assert!(stderr.contains(reason), "stderr should explain ({reason}): {stderr}");
}

/// An ESO app that cannot be rendered natively (here: helmCharts beside a local ExternalSecret) is still claimed by
/// discover, so generate fails with the reason instead of Argo CD rendering it, unchecked, with its own kustomize. An
/// app without ESO objects that cannot be rendered is not claimed.
#[test]
fn an_unrenderable_eso_app_is_claimed_and_fails_closed() {
    let repo = repo_copy();
    let app = "apps/charted/overlays/prod";
    let dir = repo.path().join(app);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("kustomization.yaml"),
        "resources:\n- external-secret.yaml\nhelmCharts:\n- name: redis\n  repo: https://charts.example.test\n  version: 1.0.0\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("external-secret.yaml"),
        "apiVersion: external-secrets.io/v1\nkind: ExternalSecret\nmetadata:\n  name: redis\nspec:\n  secretStoreRef: {name: azure-kv, kind: ClusterSecretStore}\n  data:\n  - secretKey: PASSWORD\n    remoteRef: {key: redis-password}\n",
    )
    .unwrap();
    let plain = repo.path().join("apps/plain/overlays/prod");
    std::fs::create_dir_all(&plain).unwrap();
    std::fs::write(
        plain.join("kustomization.yaml"),
        "helmCharts:\n- name: redis\n  repo: https://charts.example.test\n",
    )
    .unwrap();
    make_world_readable(repo.path());

    let claimed = as_cmp_server(&dir, &["discover"], app, &[]);
    assert!(claimed.status.success());
    assert_eq!(String::from_utf8_lossy(&claimed.stdout), "ExternalSecret\n");
    let out = as_cmp_server(&dir, &["generate"], app, &[]);
    assert_failed_closed(&out, 2, "helmCharts");
    let not_eso = as_cmp_server(&plain, &["discover"], "apps/plain/overlays/prod", &[]);
    assert!(not_eso.status.success() && not_eso.stdout.is_empty(), "{}", String::from_utf8_lossy(&not_eso.stdout));
}

#[test]
fn generate_fails_closed() {
    let app = "apps/orders-api/overlays/prod";

    // A key missing from the prod vault.
    let repo = repo_copy();
    let inv = repo.path().join("inventories/prod.json");
    let mut items: Vec<serde_json::Value> = serde_json::from_str(&std::fs::read_to_string(&inv).unwrap()).unwrap();
    items.retain(|i| i["name"] != "orders-db-password");
    std::fs::write(&inv, serde_json::to_string(&items).unwrap()).unwrap();
    make_world_readable(repo.path());
    let vaults = SidecarVaults::start(repo.path());
    let out = in_sidecar(&vaults, &repo.path().join(app), &["generate"], app, &[]);
    assert_failed_closed(&out, 1, "error[KV001]");

    // An environment the repository does not have (a typo in the `environment` parameter): named, with the known
    // ones, instead of rendering without the environment's stores and stamping nothing.
    let repo = repo_copy();
    make_world_readable(repo.path());
    let out = in_sidecar(&vaults, &repo.path().join(app), &["generate"], app, &[("PARAM_ENVIRONMENT", "prd")]);
    assert_failed_closed(&out, 2, "unknown environment 'prd' (this repository has: dev, prod, staging)");

    // A broken overlay.
    let repo = repo_copy();
    std::fs::write(repo.path().join(app).join("kustomization.yaml"), "resources:\n- ../../base\n- missing.yaml\n")
        .unwrap();
    make_world_readable(repo.path());
    let out = in_sidecar(&vaults, &repo.path().join(app), &["generate"], app, &[]);
    assert_failed_closed(&out, 2, "missing.yaml");

    // An unreachable vault (no inventory, nothing listening where the vault resolves).
    let repo = repo_copy();
    std::fs::remove_file(repo.path().join(".argocd-eso-plugin.yaml")).unwrap();
    std::fs::create_dir(repo.path().join(".git")).unwrap();
    make_world_readable(repo.path());
    let out = as_cmp_server(
        &repo.path().join(app),
        &[
            "generate",
            "--connect-to",
            "kv-contoso-prod.vault.azure.net=127.0.0.1:9",
            "--azure-auth",
            "client-secret",
            "--vault-timeout",
            "5",
        ],
        app,
        &[("AZURE_TENANT_ID", support::fake_vault::TENANT), ("AZURE_CLIENT_ID", "x"), ("AZURE_CLIENT_SECRET", "y")],
    );
    assert_failed_closed(&out, 2, "cannot query https://kv-contoso-prod.vault.azure.net/");

    // Offline without version data: refused unless allowed, since the annotations would vanish.
    let out = as_cmp_server(&repo.path().join(app), &["generate", "--offline"], app, &[]);
    assert_failed_closed(&out, 2, "no Key Vault version data");
    let allowed = as_cmp_server(&repo.path().join(app), &["generate", "--offline", "--allow-unstamped"], app, &[]);
    assert!(allowed.status.success() && !allowed.stdout.is_empty());
}

#[test]
fn plugin_parameters_reach_generate() {
    let repo = repo_copy();
    let app = "apps/orders-api/overlays/prod";
    // fail-on=warning through the parameter: the expiring registry credential now blocks.
    let inv = repo.path().join("inventories/prod.json");
    let mut items: Vec<serde_json::Value> = serde_json::from_str(&std::fs::read_to_string(&inv).unwrap()).unwrap();
    let soon = (time::OffsetDateTime::now_utc() + time::Duration::days(20))
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    items.iter_mut().find(|i| i["name"] == "acr-pull-auth").unwrap()["attributes"]["expires"] = soon.into();
    std::fs::write(&inv, serde_json::to_string(&items).unwrap()).unwrap();
    make_world_readable(repo.path());
    let dir = repo.path().join(app);
    let vaults = SidecarVaults::start(repo.path());
    let warn_only = in_sidecar(&vaults, &dir, &["generate"], app, &[]);
    assert!(warn_only.status.success(), "a warning does not block by default");
    assert!(String::from_utf8_lossy(&warn_only.stderr).contains("warning[KV004]"));
    let blocked = in_sidecar(&vaults, &dir, &["generate"], app, &[("PARAM_FAIL_ON", "warning")]);
    assert_failed_closed(&blocked, 1, "warning[KV004]");
    // expiry-warning-days=10: 20 days away is no longer a warning.
    let relaxed = in_sidecar(
        &vaults,
        &dir,
        &["generate"],
        app,
        &[("PARAM_FAIL_ON", "warning"), ("PARAM_EXPIRY_WARNING_DAYS", "10")],
    );
    assert!(relaxed.status.success(), "{}", String::from_utf8_lossy(&relaxed.stderr));
    // The environment parameter overrides the path: prod's overlay rendered against dev's vault.
    let as_dev = in_sidecar(&vaults, &dir, &["generate"], app, &[("ARGOCD_ENV_ENVIRONMENT", "dev")]);
    assert!(
        String::from_utf8_lossy(&as_dev.stderr).contains("environment dev"),
        "{}",
        String::from_utf8_lossy(&as_dev.stderr)
    );
}

/// An app whose overlay names no namespace is applied by Argo CD into the Application's destination namespace
/// (ARGOCD_APP_NAMESPACE): its ExternalSecrets resolve a namespaced SecretStore there. Without it the store is not
/// found (REF001, fail closed); with it `generate` succeeds and still prints the objects without a namespace.
#[test]
fn generate_resolves_references_in_the_destination_namespace() {
    let repo = repo_copy();
    let app = "apps/orders-api/overlays/prod";
    let k = repo.path().join(app).join("kustomization.yaml");
    let text = std::fs::read_to_string(&k).unwrap().replace("namespace: orders-prod\n", "");
    std::fs::write(&k, text).unwrap();
    let es = repo.path().join("apps/orders-api/base/external-secrets.yaml");
    let text = std::fs::read_to_string(&es)
        .unwrap()
        .replace("name: azure-kv\n    kind: ClusterSecretStore", "name: orders-kv\n    kind: SecretStore");
    std::fs::write(&es, text).unwrap();
    let platform = repo.path().join("platform/cluster-secret-stores/overlays/prod");
    std::fs::write(
        platform.join("orders-store.yaml"),
        "apiVersion: external-secrets.io/v1\nkind: SecretStore\nmetadata:\n  name: orders-kv\n  namespace: orders-prod\nspec:\n  provider:\n    azurekv:\n      authType: WorkloadIdentity\n      tenantId: 9b05fdb9-40c0-4f4a-a654-386013ae7d6a\n      vaultUrl: https://kv-contoso-prod.vault.azure.net/\n      serviceAccountRef:\n        name: orders-api\n",
    )
    .unwrap();
    let pk = platform.join("kustomization.yaml");
    let text = std::fs::read_to_string(&pk).unwrap().replace("- ../../base\n", "- ../../base\n- orders-store.yaml\n");
    std::fs::write(&pk, text).unwrap();
    make_world_readable(repo.path());

    let dir = repo.path().join(app);
    let vaults = SidecarVaults::start(repo.path());
    let elsewhere = in_sidecar(&vaults, &dir, &["generate"], app, &[("ARGOCD_APP_NAMESPACE", "")]);
    assert_failed_closed(&elsewhere, 1, "REF001");

    let placed = in_sidecar(&vaults, &dir, &["generate"], app, &[]);
    assert!(placed.status.success(), "{}", String::from_utf8_lossy(&placed.stderr));
    let text = String::from_utf8(placed.stdout).unwrap();
    assert!(text.contains("kind: ExternalSecret") && text.contains("argocd-eso-plugin.io/secret-versions"), "{text}");
    assert!(!text.contains("namespace: orders-prod"), "the printed manifests keep no namespace:\n{text}");
}

/// The pod template's versions annotation of the app's Deployment.
fn deployment_stamp(out: &Output) -> String {
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout.clone()).unwrap();
    let docs: Vec<Value> = argocd_eso_plugin::kustomize::loader::split_documents(&text)
        .iter()
        .map(|d| serde_yaml::from_str(d.text).unwrap())
        .filter(|v: &Value| !v.is_null())
        .collect();
    let deploy = docs.iter().find(|d| d["kind"] == "Deployment").expect("the app's Deployment");
    deploy["spec"]["template"]["metadata"]["annotations"]["argocd-eso-plugin.io/secret-versions"]
        .as_str()
        .expect("stamped")
        .to_string()
}

/// The defect: generate read the committed inventories (lint's offline snapshots) and said nothing, so a secret
/// rotated in Key Vault never rolled its pods. Now Key Vault is generate's source unless inventories are asked for
/// (`--offline`, or `generate: {versions: inventory}` in the config), and stderr says which, every run.
#[test]
fn generate_reads_key_vault_and_inventories_only_when_asked() {
    let repo = repo_copy();
    let app = "apps/orders-api/overlays/prod";
    let dir = repo.path().join(app);
    let vaults = SidecarVaults::start(repo.path());

    let before = in_sidecar(&vaults, &dir, &["generate"], app, &[]);
    let stamp = deployment_stamp(&before);
    let said = String::from_utf8_lossy(&before.stderr).to_string();
    assert!(said.contains("version data: live from Key Vault"), "{said}");
    assert!(said.contains("versions for https://kv-contoso-prod.vault.azure.net/: live, from Key Vault"), "{said}");

    let snapshot = deployment_stamp(&in_sidecar(&vaults, &dir, &["generate", "--offline"], app, &[]));

    // A rotation in Key Vault, with the committed inventory untouched: the Deployment rolls.
    vaults.vault("prod").rotate("orders-db-password", time::OffsetDateTime::now_utc().unix_timestamp());
    let rotated = deployment_stamp(&in_sidecar(&vaults, &dir, &["generate"], app, &[]));
    assert_ne!(rotated, stamp, "a rotation in Key Vault rolls the consumers");

    // --offline: the inventories, said so, and Key Vault is not asked.
    let requests = vaults.vault("prod").vault_requests();
    let offline = in_sidecar(&vaults, &dir, &["generate", "--offline"], app, &[]);
    assert_eq!(deployment_stamp(&offline), snapshot, "the snapshot does not see the rotation");
    let said = String::from_utf8_lossy(&offline.stderr).to_string();
    assert!(said.contains("version data: inventory files only (--offline"), "{said}");
    assert!(said.contains(": inventory file inventories/prod.json (a snapshot"), "{said}");
    assert_eq!(vaults.vault("prod").vault_requests(), requests);

    // The config can ask for inventories explicitly; then Key Vault is not contacted either.
    let config = repo.path().join(".argocd-eso-plugin.yaml");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, format!("{text}generate:\n  versions: inventory\n")).unwrap();
    make_world_readable(repo.path());
    let pinned = in_sidecar(&vaults, &dir, &["generate"], app, &[]);
    assert_eq!(deployment_stamp(&pinned), snapshot);
    let said = String::from_utf8_lossy(&pinned.stderr).to_string();
    assert!(said.contains("`generate: {versions: inventory}` in .argocd-eso-plugin.yaml"), "{said}");
    assert_eq!(vaults.vault("prod").vault_requests(), requests);

    // A misspelt value is an error, not a silent default.
    std::fs::write(&config, format!("{text}generate:\n  versions: inventories\n")).unwrap();
    let typo = in_sidecar(&vaults, &dir, &["generate"], app, &[]);
    assert_failed_closed(&typo, 2, "versions");
}

/// Every way the Key Vault stage can fail ends `generate` the same way: nothing on stdout, exit 2, and a last line
/// that names the vault, the cause class, the credential tried and the next step (before: a raw SDK chain such as
/// "retry policy expired and the request will no longer be retried: ... dns error", with no advice).
#[test]
fn every_key_vault_failure_ends_in_one_line_that_says_what_to_do() {
    use std::time::Duration;
    let repo = repo_copy();
    let app = "apps/orders-api/overlays/prod";
    let dir = repo.path().join(app);
    let vault = "https://kv-contoso-prod.vault.azure.net/";
    let credential = "credential: workload identity (client 4a1d5c4f-903c-4166-b83f-6a262386c0de";
    let last_line = |out: &Output| {
        assert!(out.stdout.is_empty(), "nothing on stdout");
        assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stderr).lines().last().unwrap_or_default().to_string()
    };
    let check = |case: &str, line: &str, class: &str, next: &str| {
        eprintln!("{case}: {line}");
        assert!(line.starts_with("error: Key Vault: ") && line.contains(vault), "{case}: {line}");
        assert!(line.contains(&format!("[{class}; {credential}")), "{case}: {line}");
        assert!(line.contains(&format!("Next: {next}")), "{case}: {line}");
        assert!(line.ends_with("or run with --offline and inventory files"), "{case}: {line}");
    };
    type Fault = fn(&mut support::fake_vault::Faults);
    // (case, fault, class, next step); the timeout case gets 2 s, the others the time their retries take.
    let cases: [(&str, Fault, &str, &str); 5] = [
        (
            "403",
            |f| f.vault_status = Some(403),
            "access denied (HTTP 401/403)",
            "grant the identity the 'Key Vault Reader' role",
        ),
        ("404", |f| f.vault_status = Some(404), "no such vault (HTTP 404)", "check the store's vaultUrl"),
        ("429", |f| f.throttle_next = 1000, "throttled (HTTP 429)", "retry later"),
        ("timeout", |f| f.latency = Duration::from_secs(4), "timeout", "retry, or raise --vault-timeout"),
        (
            "token refused",
            |f| f.reject_tokens = true,
            "no token from Entra ID",
            "give the process a credential: workload identity",
        ),
    ];
    for (case, fault, class, next) in cases {
        let vaults = SidecarVaults::start(repo.path());
        vaults.vault("prod").faults(fault);
        let timeout = if case == "timeout" { "2" } else { "20" };
        let out = in_sidecar(&vaults, &dir, &["generate", "--vault-timeout", timeout], app, &[]);
        check(case, &last_line(&out), class, next);
    }

    // The vault's certificate is not trusted (no CA file for the private endpoint, or a TLS-inspecting proxy).
    let vaults = SidecarVaults::start(repo.path());
    let without_ca: Vec<(&str, &str)> = vaults
        .env
        .iter()
        .filter(|(k, _)| k != "ARGOCD_ESO_PLUGIN_CA_FILE")
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let out = as_cmp_server(&dir, &["generate"], app, &without_ca);
    check("tls", &last_line(&out), "TLS handshake failed", "trust the CA");

    // Nothing listens where the vault resolves.
    let connect_to = vaults.env.iter().find(|(k, _)| k == "ARGOCD_ESO_PLUGIN_CONNECT_TO").unwrap().1.clone();
    let closed = connect_to
        .split(',')
        .map(|r| {
            if r.starts_with("kv-contoso-prod.") {
                "kv-contoso-prod.vault.azure.net=127.0.0.1:9".to_string()
            } else {
                r.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(",");
    let out = in_sidecar(&vaults, &dir, &["generate"], app, &[("ARGOCD_ESO_PLUGIN_CONNECT_TO", &closed)]);
    check("closed port", &last_line(&out), "connection failed (refused, no route, reset)", "check the network path");
}
