//! A fake Azure Key Vault and Entra token endpoint on 127.0.0.1, over HTTPS with a certificate made at start-up.
//! It speaks the REST shapes the real services use (see ../shared/reference/FACTS.md §4 and AZURE_SDK.md):
//! the 401 bearer challenge, client-credential and federated token requests, `GET /secrets` with `maxresults` and
//! `nextLink` paging (`$skiptoken`), `GET /secrets/{name}/versions`, 404 `SecretNotFound`, 429 `Throttled` (without
//! Retry-After, as Key Vault sends it) and 5xx, with injectable latency and faults and a log of every request.
//! Every secret has a canary value; the tests assert that none ever leaves the fake.

#![allow(dead_code)]

use argocd_eso_plugin::vault::live::{AuthChoice, LiveOptions};
use bytes::Bytes;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full, StreamBody};
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls;

pub const TOKEN: &str = "fake-access-token";
/// A tenant id for credentials pointed at the fake (its token endpoint accepts any tenant).
pub const TENANT: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";

#[derive(Clone, Debug)]
pub struct Version {
    pub id: String,
    pub value: String,
    pub enabled: bool,
    pub created: i64,
    pub updated: i64,
    pub expires: Option<i64>,
    pub not_before: Option<i64>,
    pub tags: BTreeMap<String, String>,
}

#[derive(Clone, Debug, Default)]
pub struct Faults {
    pub latency: Duration,
    /// Answer the next N authorised vault requests with 429 Throttled (no Retry-After).
    pub throttle_next: usize,
    /// Answer every vault request with this status (403, 500, 503...).
    pub vault_status: Option<u16>,
    /// Send the same nextLink on every page.
    pub repeat_next_link: bool,
    /// Refuse token requests (invalid_client).
    pub reject_tokens: bool,
    /// Point every nextLink at this `host:port` instead of the vault (a hostile or broken vault response).
    pub next_link_host: Option<String>,
    /// Send vault response bodies in 1-byte chunks this far apart, after the headers.
    pub slow_body: Option<Duration>,
    /// Answer vault requests with a 200 whose body is this many bytes.
    pub oversized_body: Option<usize>,
}

/// Response bodies: whole, or streamed (slow and oversized faults).
pub type Body = BoxBody<Bytes, std::convert::Infallible>;

#[derive(Default)]
pub struct State {
    /// By lower-cased name; versions oldest first.
    pub secrets: BTreeMap<String, (String, Vec<Version>)>,
    pub faults: Faults,
    /// "METHOD path?query" of every request, tokens and challenges included.
    pub requests: Vec<String>,
    /// Form bodies of token requests.
    pub token_requests: Vec<String>,
    /// The Host header of every request and whether it carried an Authorization header.
    pub hosts: Vec<(String, bool)>,
}

pub struct FakeVault {
    pub addr: SocketAddr,
    pub ca_pem: String,
    pub state: Arc<Mutex<State>>,
    _shutdown: tokio::sync::oneshot::Sender<()>,
    _runtime_thread: std::thread::JoinHandle<()>,
}

pub fn canary(name: &str, version: usize) -> String {
    format!("CANARY-VALUE-{name}-{version}-do-not-leak")
}

impl FakeVault {
    /// Start on 127.0.0.1 with a certificate for `hosts` (vault hosts and the token host), on its own runtime so
    /// that blocking tests and async ones can both use it.
    pub fn start(hosts: &[&str]) -> FakeVault {
        let mut names: Vec<String> = hosts.iter().map(|h| h.to_string()).collect();
        names.push("localhost".into());
        names.push("127.0.0.1".into());
        let ck = rcgen::generate_simple_self_signed(names).expect("certificate");
        let ca_pem = ck.cert.pem();
        let key = rustls::pki_types::PrivateKeyDer::Pkcs8(rustls::pki_types::PrivatePkcs8KeyDer::from(
            ck.signing_key.serialize_der(),
        ));
        let mut cfg =
            rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::aws_lc_rs::default_provider()))
                .with_safe_default_protocol_versions()
                .unwrap()
                .with_no_client_auth()
                .with_single_cert(vec![ck.cert.der().clone()], key)
                .unwrap();
        cfg.alpn_protocols = vec![b"http/1.1".to_vec()];
        let acceptor = TlsAcceptor::from(Arc::new(cfg));
        let state = Arc::new(Mutex::new(State::default()));
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        let st = state.clone();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                addr_tx.send(listener.local_addr().unwrap()).unwrap();
                let serve = async {
                    loop {
                        let Ok((tcp, _)) = listener.accept().await else { continue };
                        let acc = acceptor.clone();
                        let st = st.clone();
                        tokio::spawn(async move {
                            if let Ok(tls) = acc.accept(tcp).await {
                                let svc = service_fn(move |req| handle(st.clone(), req));
                                let _ = hyper::server::conn::http1::Builder::new()
                                    .serve_connection(TokioIo::new(tls), svc)
                                    .await;
                            }
                        });
                    }
                };
                tokio::select! {
                    _ = serve => {}
                    _ = rx => {}
                }
            });
        });
        let addr = addr_rx.recv().unwrap();
        FakeVault { addr, ca_pem, state, _shutdown: tx, _runtime_thread: thread }
    }

    /// Add a secret with one version per entry of `versions` (created times), all enabled.
    pub fn add(&self, name: &str, versions: &[i64]) {
        let mut st = self.state.lock().unwrap();
        let list = versions
            .iter()
            .enumerate()
            .map(|(i, created)| Version {
                id: format!(
                    "{:032x}",
                    (name.len() as u128) << 64
                        | (i as u128 + 1) << 8
                        | (name.bytes().map(u128::from).sum::<u128>() & 0xff)
                ),
                value: canary(name, i),
                enabled: true,
                created: *created,
                updated: *created,
                expires: None,
                not_before: None,
                tags: BTreeMap::new(),
            })
            .collect();
        st.secrets.insert(name.to_lowercase(), (name.to_string(), list));
    }

    /// Hold what an `az keyvault secret list -o json` file lists: each secret with one version created at its
    /// `updated` time, and its enabled flag, dates and tags.
    pub fn seed_from_inventory(&self, file: &std::path::Path) {
        let items: Vec<serde_json::Value> = serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
        let time = |v: &serde_json::Value| {
            v.as_str().map(|t| {
                time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339).unwrap().unix_timestamp()
            })
        };
        for item in items {
            let name = item["name"].as_str().unwrap();
            let attributes = &item["attributes"];
            self.add(name, &[time(&attributes["updated"]).unwrap()]);
            self.edit(name, |v| {
                v.enabled = attributes["enabled"].as_bool().unwrap_or(true);
                v.expires = time(&attributes["expires"]);
                v.not_before = time(&attributes["notBefore"]);
                v.tags = item["tags"]
                    .as_object()
                    .into_iter()
                    .flatten()
                    .map(|(k, t)| (k.clone(), t.as_str().unwrap_or_default().to_string()))
                    .collect();
            });
        }
    }

    /// Change the newest version of a secret.
    pub fn edit(&self, name: &str, f: impl FnOnce(&mut Version)) {
        let mut st = self.state.lock().unwrap();
        let (_, versions) = st.secrets.get_mut(&name.to_lowercase()).expect("secret exists");
        f(versions.last_mut().expect("a version"));
    }

    /// Add a version to an existing secret (a rotation).
    pub fn rotate(&self, name: &str, created: i64) {
        let mut st = self.state.lock().unwrap();
        let (_, versions) = st.secrets.get_mut(&name.to_lowercase()).expect("secret exists");
        let n = versions.len();
        let mut v = versions.last().cloned().expect("a version");
        v.id = format!("{:032x}", 0xfeed_0000_0000u128 + (created as u128) * 16 + n as u128);
        v.value = canary(name, n);
        v.created = created;
        v.updated = created;
        versions.push(v);
    }

    pub fn faults(&self, f: impl FnOnce(&mut Faults)) {
        f(&mut self.state.lock().unwrap().faults);
    }

    pub fn requests(&self) -> Vec<String> {
        self.state.lock().unwrap().requests.clone()
    }

    /// Requests that reached the vault API (challenges included), not the token endpoint.
    pub fn vault_requests(&self) -> usize {
        self.requests().iter().filter(|r| r.starts_with("GET /secrets")).count()
    }

    /// (Host header, carried Authorization) of every request, in order.
    pub fn hosts(&self) -> Vec<(String, bool)> {
        self.state.lock().unwrap().hosts.clone()
    }

    pub fn token_requests(&self) -> Vec<String> {
        self.state.lock().unwrap().token_requests.clone()
    }

    pub fn clear_log(&self) {
        let mut st = self.state.lock().unwrap();
        st.requests.clear();
        st.token_requests.clear();
    }

    pub fn authority(&self) -> String {
        format!("https://login.fake.test:{}", self.addr.port())
    }

    /// Live options that reach this fake: `vault_host` and the token host resolve to it, its CA is trusted, and a
    /// client secret credential signs in at its token endpoint.
    pub fn client_secret_options(&self, vault_host: &str, timeout: Duration) -> LiveOptions {
        let mut o = LiveOptions {
            auth: AuthChoice::ClientSecret,
            timeout,
            resolve: vec![(vault_host.into(), self.addr), ("login.fake.test".into(), self.addr)],
            extra_ca_pem: Some(self.ca_pem.clone().into_bytes()),
            ..Default::default()
        };
        for (k, v) in [
            ("AZURE_TENANT_ID", TENANT),
            ("AZURE_CLIENT_ID", "4a1d5c4f-903c-4166-b83f-6a262386c0de"),
            ("AZURE_CLIENT_SECRET", "client-secret-for-the-fake"),
        ] {
            o.env.insert(k.into(), v.into());
        }
        o.env.insert("AZURE_AUTHORITY_HOST".into(), self.authority());
        o
    }
}

fn json(status: StatusCode, v: serde_json::Value) -> Response<Body> {
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(v.to_string())).boxed())
        .unwrap()
}

/// A 200 whose body arrives as `chunks`, `gap` apart.
fn streamed(chunks: impl Iterator<Item = Bytes> + Send + Sync + 'static, gap: Duration) -> Response<Body> {
    let stream = futures::stream::unfold(chunks, move |mut chunks| async move {
        let chunk = chunks.next()?;
        if !gap.is_zero() {
            tokio::time::sleep(gap).await;
        }
        Some((Ok(hyper::body::Frame::data(chunk)), chunks))
    });
    Response::builder()
        .status(StatusCode::OK)
        .header("content-type", "application/json")
        .body(BodyExt::boxed(StreamBody::new(stream)))
        .unwrap()
}

fn kv_error(status: StatusCode, code: &str, message: &str) -> Response<Body> {
    json(status, serde_json::json!({"error": {"code": code, "message": message}}))
}

fn item(host: &str, name: &str, v: &Version, with_version: bool) -> serde_json::Value {
    let id = if with_version {
        format!("https://{host}/secrets/{name}/{}", v.id)
    } else {
        format!("https://{host}/secrets/{name}")
    };
    let mut attributes = serde_json::json!({
        "enabled": v.enabled, "created": v.created, "updated": v.updated,
        "recoveryLevel": "Recoverable+Purgeable", "recoverableDays": 90
    });
    if let Some(e) = v.expires {
        attributes["exp"] = e.into();
    }
    if let Some(n) = v.not_before {
        attributes["nbf"] = n.into();
    }
    serde_json::json!({"id": id, "attributes": attributes, "tags": v.tags, "contentType": "text/plain"})
}

fn query_param(query: &str, key: &str) -> Option<String> {
    query.split('&').find_map(|kv| {
        let (k, v) = kv.split_once('=')?;
        let k = k.replace("%24", "$");
        (k == key).then(|| v.to_string())
    })
}

/// A page of `total` items starting at `skip` (built by `make` for that slice only), with a nextLink when more remain.
fn page(
    host: &str,
    path: &str,
    total: usize,
    make: impl Fn(std::ops::Range<usize>) -> Vec<serde_json::Value>,
    skip: usize,
    max: usize,
    faults: &Faults,
) -> Response<Body> {
    let end = (skip + max).min(total);
    let value = make(skip.min(total)..end);
    let next = if end < total {
        let token = if faults.repeat_next_link { 1 } else { end };
        serde_json::Value::String(format!(
            "https://{}{path}?api-version=2025-07-01&$skiptoken={token}&maxresults={max}",
            faults.next_link_host.as_deref().unwrap_or(host)
        ))
    } else {
        serde_json::Value::Null
    };
    json(StatusCode::OK, serde_json::json!({"value": value, "nextLink": next}))
}

async fn handle(st: Arc<Mutex<State>>, req: Request<hyper::body::Incoming>) -> Result<Response<Body>, hyper::Error> {
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let query = req.uri().query().unwrap_or("").to_string();
    let host = req.headers().get("host").and_then(|h| h.to_str().ok()).unwrap_or("vault").to_string();
    let auth = req.headers().get("authorization").and_then(|h| h.to_str().ok()).unwrap_or("").to_string();
    let faults = {
        let mut s = st.lock().unwrap();
        s.requests.push(format!("{method} {path}?{query}"));
        s.hosts.push((host.clone(), !auth.is_empty()));
        s.faults.clone()
    };
    if !faults.latency.is_zero() {
        tokio::time::sleep(faults.latency).await;
    }
    if method == hyper::Method::POST && path.ends_with("/oauth2/v2.0/token") {
        let body = req.into_body().collect().await?.to_bytes();
        let form = String::from_utf8_lossy(&body).to_string();
        st.lock().unwrap().token_requests.push(form);
        if faults.reject_tokens {
            return Ok(json(
                StatusCode::UNAUTHORIZED,
                serde_json::json!({
                    "error": "invalid_client", "error_description": "AADSTS7000215: Invalid client secret provided.",
                    "error_codes": [7000215]
                }),
            ));
        }
        return Ok(json(
            StatusCode::OK,
            serde_json::json!({"token_type": "Bearer", "expires_in": 3600, "ext_expires_in": 3600, "access_token": TOKEN}),
        ));
    }
    if !path.starts_with("/secrets") {
        return Ok(kv_error(StatusCode::NOT_FOUND, "NotFound", "no such endpoint"));
    }
    if auth != format!("Bearer {TOKEN}") {
        let mut r =
            kv_error(StatusCode::UNAUTHORIZED, "Unauthorized", "AKV10000: Request is missing a Bearer or PoP token.");
        r.headers_mut().insert(
            "www-authenticate",
            "Bearer authorization=\"https://login.fake.test/72f988bf-86f1-41af-91ab-2d7cd011db47\", resource=\"https://vault.azure.net\"".parse().unwrap(),
        );
        return Ok(r);
    }
    if let Some(status) = faults.vault_status {
        let code = StatusCode::from_u16(status).unwrap();
        let name = match status {
            403 => "Forbidden",
            404 => "VaultNotFound",
            _ => "ServiceUnavailable",
        };
        return Ok(kv_error(code, name, "injected fault"));
    }
    if let Some(gap) = faults.slow_body {
        let body = b"{\"value\": []}".to_vec();
        return Ok(streamed(body.into_iter().map(|b| Bytes::from(vec![b])), gap));
    }
    if let Some(size) = faults.oversized_body {
        let chunk = Bytes::from(vec![b' '; 64 * 1024]);
        let head = std::iter::once(Bytes::from_static(b"{\"value\": ["));
        return Ok(streamed(head.chain(std::iter::repeat_n(chunk, size / (64 * 1024))), Duration::ZERO));
    }
    {
        let mut s = st.lock().unwrap();
        if s.faults.throttle_next > 0 {
            s.faults.throttle_next -= 1;
            return Ok(kv_error(
                StatusCode::TOO_MANY_REQUESTS,
                "Throttled",
                "Request was not processed because too many requests were received. Reason: VaultRequestTypeLimitReached",
            ));
        }
    }
    let max = query_param(&query, "maxresults").and_then(|m| m.parse().ok()).unwrap_or(25usize).clamp(1, 25);
    let skip = query_param(&query, "$skiptoken").and_then(|s| s.parse().ok()).unwrap_or(0usize);
    let s = st.lock().unwrap();
    let parts: Vec<&str> =
        path.trim_start_matches("/secrets").trim_matches('/').split('/').filter(|p| !p.is_empty()).collect();
    match parts.as_slice() {
        [] => {
            let make = |r: std::ops::Range<usize>| {
                s.secrets
                    .values()
                    .skip(r.start)
                    .take(r.len())
                    .map(|(name, versions)| item(&host, name, versions.last().unwrap(), false))
                    .collect()
            };
            Ok(page(&host, "/secrets", s.secrets.len(), make, skip, max, &faults))
        }
        [name, "versions"] => match s.secrets.get(&name.to_lowercase()) {
            None => Ok(not_found(name)),
            Some((real, versions)) => {
                let make = |r: std::ops::Range<usize>| versions[r].iter().map(|v| item(&host, real, v, true)).collect();
                Ok(page(&host, &format!("/secrets/{real}/versions"), versions.len(), make, skip, max, &faults))
            }
        },
        [name] | [name, _] => match s.secrets.get(&name.to_lowercase()) {
            None => Ok(not_found(name)),
            Some((real, versions)) => {
                let v = match parts.get(1) {
                    Some(id) => versions.iter().find(|v| v.id == *id),
                    None => versions.last(),
                };
                match v {
                    None => Ok(not_found(name)),
                    Some(v) => {
                        let mut body = item(&host, real, v, true);
                        body["value"] = serde_json::Value::String(v.value.clone());
                        Ok(json(StatusCode::OK, body))
                    }
                }
            }
        },
        _ => Ok(kv_error(StatusCode::NOT_FOUND, "NotFound", "no such endpoint")),
    }
}

fn not_found(name: &str) -> Response<Body> {
    kv_error(
        StatusCode::NOT_FOUND,
        "SecretNotFound",
        &format!(
            "A secret with (name/id) {name} was not found in this key vault. If you recently deleted this secret you may be able to recover it using the correct recovery command. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182"
        ),
    )
}

/// The example repo's Key Vaults as the Argo CD sidecar reaches them: one fake per environment's vault
/// (kv-contoso-<env>.vault.azure.net), seeded from the repo's `inventories/<env>.json`, and the environment the
/// sidecar container would carry: workload identity (the federated token file, client and tenant ids, here an
/// authority host that resolves to a fake), and where the vaults are (`ARGOCD_ESO_PLUGIN_CONNECT_TO`,
/// `ARGOCD_ESO_PLUGIN_CA_FILE`, as for a private endpoint). Files are world-readable, for a plugin run as 999.
pub struct SidecarVaults {
    pub vaults: BTreeMap<String, FakeVault>,
    pub env: Vec<(String, String)>,
    _files: tempfile::TempDir,
}

impl SidecarVaults {
    pub fn start(repo: &std::path::Path) -> SidecarVaults {
        use std::os::unix::fs::PermissionsExt;
        let files = tempfile::tempdir().unwrap();
        std::fs::set_permissions(files.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        let mut vaults = BTreeMap::new();
        let mut connect_to = Vec::new();
        let mut bundle = String::new();
        for env in ["dev", "staging", "prod"] {
            let host = format!("kv-contoso-{env}.vault.azure.net");
            let fake = FakeVault::start(&[&host, "login.fake.test"]);
            fake.seed_from_inventory(&repo.join(format!("inventories/{env}.json")));
            connect_to.push(format!("{host}={}", fake.addr));
            bundle.push_str(&fake.ca_pem);
            vaults.insert(env.to_string(), fake);
        }
        let token_host = &vaults["prod"];
        connect_to.push(format!("login.fake.test={}", token_host.addr));
        let ca = files.path().join("ca.pem");
        let token = files.path().join("azure-identity-token");
        std::fs::write(&ca, bundle).unwrap();
        std::fs::write(&token, "federated-service-account-token").unwrap();
        for f in [&ca, &token] {
            std::fs::set_permissions(f, std::fs::Permissions::from_mode(0o644)).unwrap();
        }
        let env = [
            ("AZURE_CLIENT_ID", "4a1d5c4f-903c-4166-b83f-6a262386c0de".to_string()),
            ("AZURE_TENANT_ID", TENANT.to_string()),
            ("AZURE_FEDERATED_TOKEN_FILE", token.display().to_string()),
            ("AZURE_AUTHORITY_HOST", token_host.authority()),
            ("ARGOCD_ESO_PLUGIN_CONNECT_TO", connect_to.join(",")),
            ("ARGOCD_ESO_PLUGIN_CA_FILE", ca.display().to_string()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        SidecarVaults { vaults, env, _files: files }
    }

    pub fn vault(&self, env: &str) -> &FakeVault {
        &self.vaults[env]
    }
}
