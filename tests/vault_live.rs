//! The vault stage with the real Azure SDK client against the fake Key Vault and token endpoint on 127.0.0.1.

mod support;

use argocd_eso_plugin::config::Config;
use argocd_eso_plugin::lint::{LintOptions, lint};
use argocd_eso_plugin::vault::live::{AuthChoice, Connection, LiveOptions, Plan, choose_plan};
use argocd_eso_plugin::vault::stage::VaultOptions;
use argocd_eso_plugin::vault::{FailureKind, VaultFailure};
use std::path::Path;
use std::time::{Duration, Instant};
use support::fake_vault::{FakeVault, TENANT};

const VAULT_HOST: &str = "kv-live.vault.azure.net";

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

fn live(fake: &FakeVault) -> LiveOptions {
    fake.client_secret_options(VAULT_HOST, Duration::from_secs(10))
}

fn inventory(opts: &LiveOptions, plan: &Plan) -> Result<argocd_eso_plugin::vault::Inventory, VaultFailure> {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let c = Connection::new(opts, Default::default()).map_err(|e| VaultFailure::new(FailureKind::Credential, e))?;
        c.inventory(&format!("https://{VAULT_HOST}/"), plan).await
    })
}

/// The failure of `r`, checked to be of `kind` and to say `says`.
fn failed(r: Result<argocd_eso_plugin::vault::Inventory, VaultFailure>, kind: FailureKind, says: &str) -> String {
    let e = r.unwrap_err();
    assert_eq!(e.kind, kind, "{e}");
    assert!(e.message.contains(says), "{says} not in: {e}");
    e.message
}

fn names(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("secret-{i:05}")).collect()
}

#[test]
fn request_economy_of_both_plans() {
    let fake = FakeVault::start(&[VAULT_HOST, "login.fake.test"]);
    for n in names(10_000) {
        fake.add(&n, &[1_700_000_000]);
    }
    let mut opts = live(&fake);
    opts.timeout = Duration::from_secs(120); // 400 pages, unoptimised test build

    // 5,000 of 10,000 referenced: one paged listing. 400 pages of 25, plus the one unauthenticated request the
    // SDK sends first to receive the bearer challenge.
    let plan = choose_plan(&names(5_000), false, false);
    assert_eq!(plan, Plan::ListAll);
    let inv = inventory(&opts, &plan).unwrap();
    assert_eq!(inv.secrets.len(), 10_000);
    assert_eq!(fake.vault_requests(), 400 + 1, "pages + the challenge");
    assert_eq!(fake.token_requests().len(), 1);

    // 5 referenced: one version listing each.
    fake.clear_log();
    let plan = choose_plan(&names(5), false, false);
    assert!(matches!(plan, Plan::Names(ref n) if n.len() == 5));
    let inv = inventory(&opts, &plan).unwrap();
    assert_eq!(inv.secrets.len(), 5);
    assert_eq!(fake.vault_requests(), 5 + 1, "one version listing per name, and the challenge");
    assert!(
        fake.requests().iter().all(|r| !r.contains("/secrets/secret-") || r.contains("/versions")),
        "never a value read"
    );
}

fn repo_with_references(dir: &Path, keys: &[(&str, Option<&str>)]) {
    let mut data = String::new();
    for (i, (key, version)) in keys.iter().enumerate() {
        data.push_str(&format!("  - secretKey: K{i}\n    remoteRef:\n      key: {key}\n"));
        if let Some(v) = version {
            data.push_str(&format!("      version: {v}\n"));
        }
    }
    let files = [
        ("platform/overlays/live/kustomization.yaml", "resources:\n- store.yaml\n".to_string()),
        (
            "platform/overlays/live/store.yaml",
            format!(
                "apiVersion: external-secrets.io/v1\nkind: ClusterSecretStore\nmetadata:\n  name: azure-kv\nspec:\n  provider:\n    azurekv:\n      authType: WorkloadIdentity\n      tenantId: {TENANT}\n      vaultUrl: https://{VAULT_HOST}/\n"
            ),
        ),
        ("app/overlays/live/kustomization.yaml", "namespace: app\nresources:\n- es.yaml\n".to_string()),
        (
            "app/overlays/live/es.yaml",
            format!(
                "apiVersion: external-secrets.io/v1\nkind: ExternalSecret\nmetadata:\n  name: app\nspec:\n  secretStoreRef: {{name: azure-kv, kind: ClusterSecretStore}}\n  data:\n{data}"
            ),
        ),
    ];
    for (p, text) in files {
        let f = dir.join(p);
        std::fs::create_dir_all(f.parent().unwrap()).unwrap();
        std::fs::write(f, text).unwrap();
    }
}

fn live_lint(repo: &Path, fake: &FakeVault) -> Vec<(String, u32)> {
    let vault = VaultOptions { live: live(fake), ..Default::default() };
    let opts = LintOptions::new(repo.to_path_buf(), Config::default(), vec![], vault);
    lint(&opts).unwrap().findings.into_iter().map(|f| (f.code.to_string(), f.line)).collect()
}

/// KV009 says what to do by what failed: a 403 is fixed with a role on the vault, a closed host in the network, a
/// 404 in the vaultUrl.
#[test]
fn an_unavailable_vault_is_reported_with_advice_for_its_failure() {
    let fake = FakeVault::start(&[VAULT_HOST, "login.fake.test"]);
    let repo = tempfile::tempdir().unwrap();
    repo_with_references(repo.path(), &[("present", None)]);
    let kv009 = |vault: VaultOptions| {
        let opts = LintOptions::new(repo.path().to_path_buf(), Config::default(), vec![], vault);
        let findings = lint(&opts).unwrap().findings;
        let f = findings.into_iter().find(|f| f.code == "KV009").expect("KV009");
        (f.message, f.hint)
    };
    fake.faults(|f| f.vault_status = Some(403));
    let (message, hint) = kv009(VaultOptions { live: live(&fake), ..Default::default() });
    assert!(message.contains("403") && hint.contains("'Key Vault Reader' role"), "{message} / {hint}");
    fake.faults(|f| f.vault_status = Some(404));
    let (_, hint) = kv009(VaultOptions { live: live(&fake), ..Default::default() });
    assert!(hint.contains("az keyvault list"), "{hint}");
    fake.faults(|f| f.vault_status = None);
    let mut closed = live(&fake);
    closed.resolve = vec![(VAULT_HOST.into(), "127.0.0.1:9".parse().unwrap()), ("login.fake.test".into(), fake.addr)];
    closed.max_retries = 0;
    let (message, hint) = kv009(VaultOptions { live: closed, ..Default::default() });
    assert!(message.contains("cannot query") && message.contains("[connection failed"), "{message}");
    assert!(hint.contains("network path"), "{hint}");
}

#[test]
fn each_vault_finding_from_a_live_vault() {
    let fake = FakeVault::start(&[VAULT_HOST, "login.fake.test"]);
    let t = now();
    for n in ["present", "disabled", "expired", "expiring", "future", "pinned"] {
        fake.add(n, &[t - 86_400 * 30, t - 86_400]);
    }
    fake.edit("disabled", |v| v.enabled = false);
    fake.edit("expired", |v| v.expires = Some(t - 3_600));
    fake.edit("expiring", |v| v.expires = Some(t + 86_400 * 10));
    fake.edit("future", |v| v.not_before = Some(t + 86_400 * 5));
    let repo = tempfile::tempdir().unwrap();
    repo_with_references(
        repo.path(),
        &[
            ("present", None),
            ("absent", None),
            ("disabled", None),
            ("expired", None),
            ("expiring", None),
            ("future", None),
            ("pinned", Some("0123456789abcdef0123456789abcdef")),
        ],
    );
    let got = live_lint(repo.path(), &fake);
    // Lines of each remoteRef.key (and the pinned version) in es.yaml.
    assert_eq!(
        got,
        vec![
            ("KV001".into(), 13),
            ("KV002".into(), 16),
            ("KV003".into(), 19),
            ("KV004".into(), 22),
            ("KV005".into(), 25),
            ("KV006".into(), 29)
        ]
    );
    assert!(
        fake.requests()
            .iter()
            .all(|r| r.ends_with("/versions?api-version=2025-07-01") || !r.starts_with("GET /secrets/")),
        "{:?}",
        fake.requests()
    );
}

#[test]
fn paging_across_more_than_25_secrets() {
    let fake = FakeVault::start(&[VAULT_HOST, "login.fake.test"]);
    for n in names(60) {
        fake.add(&n, &[1_700_000_000]);
    }
    let repo = tempfile::tempdir().unwrap();
    let refs: Vec<String> = names(60).into_iter().step_by(5).collect(); // 12 names: a listing
    let keys: Vec<(&str, Option<&str>)> = refs.iter().map(|n| (n.as_str(), None)).collect();
    repo_with_references(repo.path(), &keys);
    assert_eq!(live_lint(repo.path(), &fake), vec![]);
    assert_eq!(fake.vault_requests(), 3 + 1, "three pages (25, 25, 10) and the challenge");
}

#[test]
fn client_secret_and_workload_identity_credentials() {
    let fake = FakeVault::start(&[VAULT_HOST, "login.fake.test"]);
    fake.add("present", &[1_700_000_000]);
    let plan = Plan::Names(vec!["present".into()]);

    inventory(&live(&fake), &plan).unwrap();
    let form = fake.token_requests().pop().unwrap();
    assert!(form.contains("grant_type=client_credentials") && form.contains("client_secret="), "{form}");
    assert!(form.contains("scope=https%3A%2F%2Fvault.azure.net%2F.default"), "{form}");

    fake.clear_log();
    let dir = tempfile::tempdir().unwrap();
    let token_file = dir.path().join("token");
    std::fs::write(&token_file, "federated-service-account-token").unwrap();
    let mut opts = live(&fake);
    opts.auth = AuthChoice::WorkloadIdentity;
    opts.env.remove("AZURE_CLIENT_SECRET");
    opts.env.insert("AZURE_FEDERATED_TOKEN_FILE".into(), token_file.display().to_string());
    let inv = inventory(&opts, &plan).unwrap();
    assert!(inv.get("present").is_some());
    let form = fake.token_requests().pop().unwrap();
    assert!(form.contains("client_assertion=federated-service-account-token"), "{form}");
    assert!(
        form.contains("client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer"),
        "{form}"
    );
}

fn timed(opts: &LiveOptions, plan: &Plan) -> (Result<argocd_eso_plugin::vault::Inventory, VaultFailure>, Duration) {
    let start = Instant::now();
    let r = inventory(opts, plan);
    (r, start.elapsed())
}

#[test]
fn faults_end_in_seconds_with_clear_errors() {
    let fake = FakeVault::start(&[VAULT_HOST, "login.fake.test"]);
    for n in names(30) {
        fake.add(&n, &[1_700_000_000]);
    }
    let opts = live(&fake);
    let one = Plan::Names(vec!["secret-00001".into()]);

    // 429 without Retry-After, twice: retried with backoff, then fine.
    fake.faults(|f| f.throttle_next = 2);
    let (r, took) = timed(&opts, &one);
    assert!(r.is_ok(), "{r:?}");
    assert!(took < Duration::from_secs(5), "{took:?}");

    // 503 on every request: bounded retries, then an error naming the vault.
    fake.faults(|f| f.vault_status = Some(503));
    let (r, took) = timed(&opts, &one);
    let e = failed(r, FailureKind::Other, "503");
    assert!(e.contains(VAULT_HOST), "{e}");
    assert!(took < Duration::from_secs(8), "{took:?}");

    // 403: the permission that is missing.
    fake.faults(|f| f.vault_status = Some(403));
    let e = failed(inventory(&opts, &one), FailureKind::Denied, "permission to list secrets");
    assert!(e.contains(&format!("https://{VAULT_HOST}/")), "{e}");
    fake.faults(|f| f.vault_status = None);

    // A nextLink that repeats: stopped, not followed forever.
    fake.faults(|f| f.repeat_next_link = true);
    let (r, took) = timed(&opts, &Plan::ListAll);
    failed(r, FailureKind::Other, "same nextLink");
    assert!(took < Duration::from_secs(5), "{took:?}");
    fake.faults(|f| f.repeat_next_link = false);

    // Too slow: the overall timeout, not the SDK's minute and a half.
    fake.faults(|f| f.latency = Duration::from_secs(3));
    let mut quick = opts.clone();
    quick.timeout = Duration::from_secs(1);
    let (r, took) = timed(&quick, &one);
    failed(r, FailureKind::Timeout, "did not answer within 1 s");
    assert!(took < Duration::from_secs(3), "{took:?}");
    fake.faults(|f| f.latency = Duration::ZERO);

    // A rejected credential.
    fake.faults(|f| f.reject_tokens = true);
    let (r, took) = timed(&opts, &one);
    failed(r, FailureKind::Credential, "AADSTS7000215");
    assert!(took < Duration::from_secs(5), "{took:?}");
    fake.faults(|f| f.reject_tokens = false);

    // Nothing listening.
    let mut closed = opts.clone();
    closed.resolve = vec![(VAULT_HOST.into(), "127.0.0.1:9".parse().unwrap()), ("login.fake.test".into(), fake.addr)];
    let (r, took) = timed(&closed, &one);
    failed(r, FailureKind::Unreachable, "cannot query");
    assert!(took < Duration::from_secs(8), "{took:?}");
}

#[test]
fn the_cli_never_prints_a_secret_value() {
    let fake = FakeVault::start(&[VAULT_HOST, "login.fake.test"]);
    let t = now();
    for n in ["present", "expiring"] {
        fake.add(n, &[t - 86_400]);
    }
    fake.edit("expiring", |v| v.expires = Some(t + 86_400 * 3));
    let repo = tempfile::tempdir().unwrap();
    repo_with_references(repo.path(), &[("present", None), ("expiring", None), ("missing", None)]);
    let ca = repo.path().join("fake-ca.pem");
    std::fs::write(&ca, &fake.ca_pem).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_argocd-eso-plugin"))
        .args(["lint", repo.path().to_str().unwrap(), "-o", "json"])
        .args([
            "--connect-to",
            &format!("{VAULT_HOST}={}", fake.addr),
            "--connect-to",
            &format!("login.fake.test={}", fake.addr),
        ])
        .args(["--ca-file", ca.to_str().unwrap(), "--azure-auth", "client-secret"])
        .env("AZURE_TENANT_ID", TENANT)
        .env("AZURE_CLIENT_ID", "4a1d5c4f-903c-4166-b83f-6a262386c0de")
        .env("AZURE_CLIENT_SECRET", "client-secret-for-the-fake")
        .env("AZURE_AUTHORITY_HOST", fake.authority())
        .env_remove("HTTPS_PROXY")
        .env_remove("https_proxy")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "stdout: {stdout}\nstderr: {stderr}");
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let codes: Vec<&str> = v["findings"].as_array().unwrap().iter().map(|f| f["code"].as_str().unwrap()).collect();
    assert_eq!(codes, vec!["KV004", "KV001"], "in line order");
    assert!(
        stderr.contains("Key Vault credential: client secret (client 4a1d5c4f-903c-4166-b83f-6a262386c0de"),
        "{stderr}"
    );
    for text in [&stdout, &stderr] {
        assert!(!text.contains("CANARY-VALUE"), "a secret value leaked: {text}");
        assert!(!text.contains("client-secret-for-the-fake"), "the credential's secret leaked: {text}");
    }
    // No file was written in the repo besides what the test put there.
    let files: Vec<String> = walkdir::WalkDir::new(repo.path())
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| e.file_name().to_string_lossy().to_string())
        .collect();
    assert_eq!(files.len(), 5, "{files:?}");
}

#[test]
fn a_hostile_vault_gets_no_token_no_time_and_no_memory() {
    const EVIL: &str = "evil.fake.test";
    let fake = FakeVault::start(&[VAULT_HOST, "login.fake.test", EVIL]);
    for n in names(30) {
        fake.add(&n, &[1_700_000_000]);
    }
    let mut opts = live(&fake);
    opts.resolve.push((EVIL.into(), fake.addr));
    let port = fake.addr.port();

    // A nextLink to another host, or to the vault's host on another port: refused before it is sent, so the token
    // never travels there (the request log shows no request to it at all).
    for target in [format!("{EVIL}:{port}"), format!("{VAULT_HOST}:{}", port + 1)] {
        fake.clear_log();
        fake.state.lock().unwrap().hosts.clear();
        fake.faults(|f| f.next_link_host = Some(target.clone()));
        let e = inventory(&opts, &Plan::ListAll).unwrap_err().message;
        assert!(e.contains("refused to follow a link"), "{target}: {e}");
        let hosts = fake.hosts();
        assert!(hosts.iter().any(|(h, auth)| h.starts_with(VAULT_HOST) && *auth), "{hosts:?}");
        assert!(!hosts.iter().any(|(h, _)| h.starts_with(EVIL)), "{target}: {hosts:?}");
    }
    fake.faults(|f| f.next_link_host = None);

    // A body that trickles: the timeout covers the whole exchange, body included.
    fake.faults(|f| f.slow_body = Some(Duration::from_millis(400)));
    let mut quick = opts.clone();
    quick.timeout = Duration::from_secs(2);
    let (r, took) = timed(&quick, &Plan::ListAll);
    assert!(r.is_err(), "{r:?}");
    assert!(took < Duration::from_secs(4), "{took:?}");
    fake.faults(|f| f.slow_body = None);

    // An oversized body: refused while it is read, not buffered whole.
    fake.faults(|f| f.oversized_body = Some(256 << 20));
    let (r, took) = timed(&opts, &Plan::ListAll);
    let e = r.unwrap_err().message;
    assert!(e.contains("larger than"), "{e}");
    assert!(took < Duration::from_secs(10), "{took:?}");
    fake.faults(|f| f.oversized_body = None);

    // A 404 on the vault itself (VaultNotFound) is a vault error, not "every key is missing".
    fake.faults(|f| f.vault_status = Some(404));
    let names = Plan::Names(vec!["secret-00001".into(), "secret-00002".into()]);
    let e = failed(inventory(&opts, &names), FailureKind::NoSuchVault, "VaultNotFound");
    assert!(e.contains("404") && e.contains("vaultUrl"), "{e}");
    fake.faults(|f| f.vault_status = None);
    // While a 404 SecretNotFound still means that key is missing.
    let inv = inventory(&opts, &Plan::Names(vec!["secret-00001".into(), "nope".into()])).unwrap();
    assert_eq!(inv.missing, vec!["nope".to_string()]);
}
