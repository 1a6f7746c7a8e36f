//! Live inventories through the Azure SDK (azure_identity + azure_security_keyvault_secrets): secret properties
//! and version listings only, which carry no values. Bounded: connect and overall timeouts, a few retries with
//! exponential backoff (Key Vault may send 429 without Retry-After), and a guard against a nextLink that repeats
//! (the SDK's pager would follow it forever).

use super::{Completeness, FailureKind, Inventory, SecretMeta, VaultFailure};
use crate::eso::azure::{AzureCloud, normalize_vault_url};
use azure_core::credentials::{Secret, TokenCredential};
use azure_core::http::{ClientOptions, ExponentialRetryOptions, RetryOptions, Transport};
use azure_identity::{
    AzureCliCredential, ClientAssertionCredentialOptions, ClientSecretCredential, ClientSecretCredentialOptions,
    ManagedIdentityCredential, ManagedIdentityCredentialOptions, WorkloadIdentityCredential,
    WorkloadIdentityCredentialOptions,
};
use azure_security_keyvault_secrets::models::{SecretClientListSecretPropertiesOptions, SecretProperties};
use azure_security_keyvault_secrets::{SecretClient, SecretClientOptions};
use futures::{StreamExt, TryStreamExt};
use std::collections::{BTreeMap, HashSet};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum AuthChoice {
    /// Workload identity when AZURE_FEDERATED_TOKEN_FILE, AZURE_CLIENT_ID and AZURE_TENANT_ID are set; else a client
    /// secret when AZURE_CLIENT_SECRET is set; else managed identity when its endpoint variables are set; else az CLI.
    #[default]
    Auto,
    WorkloadIdentity,
    ClientSecret,
    ManagedIdentity,
    AzureCli,
}

#[derive(Debug, Clone)]
pub struct LiveOptions {
    pub auth: AuthChoice,
    pub connect_timeout: Duration,
    /// For a whole vault's inventory, retries included.
    pub timeout: Duration,
    pub max_retries: u32,
    /// Version listings in flight per vault.
    pub concurrency: usize,
    /// `host:port` -> address, like curl's --resolve (split-horizon DNS, private endpoints, tests).
    pub resolve: Vec<(String, SocketAddr)>,
    /// PEM certificates to trust in addition to the system's.
    pub extra_ca_pem: Option<Vec<u8>>,
    /// Check that the 401 challenge's resource matches the vault's domain (the SDK's default).
    pub verify_challenge_resource: bool,
    /// Values for the AZURE_* variables, looked up before the process environment (embedding, parallel tests).
    pub env: std::collections::BTreeMap<String, String>,
}

impl Default for LiveOptions {
    fn default() -> LiveOptions {
        LiveOptions {
            auth: AuthChoice::Auto,
            connect_timeout: Duration::from_secs(5),
            timeout: Duration::from_secs(30),
            max_retries: 3,
            concurrency: 8,
            resolve: Vec::new(),
            extra_ca_pem: None,
            verify_challenge_resource: true,
            env: Default::default(),
        }
    }
}

/// What to ask a vault for.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Plan {
    /// One paged listing of every secret's properties: cheapest when many names are referenced.
    ListAll,
    /// One version listing per name: cheapest when few are, and it yields version ids.
    Names(Vec<String>),
}

/// Listing costs one request per 25 secrets of the vault, version listings one per referenced name. The vault's
/// size is unknown before listing, so few names (or wanting version ids) pick version listings.
pub fn choose_plan(names: &[String], needs_listing: bool, want_versions: bool) -> Plan {
    const FEW: usize = 10;
    if needs_listing || (!want_versions && names.len() > FEW) {
        Plan::ListAll
    } else {
        let mut n: Vec<String> = names.iter().map(|s| s.to_lowercase()).collect();
        n.sort();
        n.dedup();
        Plan::Names(n)
    }
}

fn env_in(overrides: &std::collections::BTreeMap<String, String>, name: &str) -> Option<String> {
    overrides.get(name).cloned().or_else(|| std::env::var(name).ok()).filter(|v| !v.is_empty())
}

/// The largest response body read from Key Vault or Entra: a page of 25 secrets' properties is a few KB, a token
/// response smaller. Anything larger is refused while it is read, before it fills memory.
pub const MAX_RESPONSE_BYTES: usize = 4 * 1024 * 1024;

/// The HTTP client under the SDK: every response body is read here, whole, within the request timeout and the
/// size cap; and when `origin` is set (a vault's client), a request to any other scheme, host or port is refused
/// before it is sent, so a `nextLink` that points elsewhere never receives the bearer token (the SDK's pager follows
/// nextLink wherever it points, and its bearer policy signs every request).
#[derive(Debug, Clone)]
struct GuardedClient {
    client: reqwest::Client,
    origin: Option<(String, String, Option<u16>)>,
}

fn origin_of(url: &azure_core::http::Url) -> (String, String, Option<u16>) {
    (url.scheme().to_string(), url.host_str().unwrap_or("").to_ascii_lowercase(), url.port_or_known_default())
}

#[async_trait::async_trait]
impl azure_core::http::HttpClient for GuardedClient {
    async fn execute_request(
        &self,
        request: &azure_core::http::Request,
    ) -> azure_core::Result<azure_core::http::AsyncRawResponse> {
        use azure_core::error::{Error, ErrorKind};
        if let Some(origin) = &self.origin
            && origin_of(request.url()) != *origin
        {
            let (scheme, host, port) = origin_of(request.url());
            return Err(Error::with_message(
                ErrorKind::Other,
                format!(
                    "refused to follow a link to {scheme}://{host}:{} (only the vault's own origin {}://{}:{} is asked)",
                    port.unwrap_or_default(),
                    origin.0,
                    origin.1,
                    origin.2.unwrap_or_default()
                ),
            ));
        }
        let response = azure_core::http::HttpClient::execute_request(&self.client, request).await?;
        let (status, headers, mut body) = response.deconstruct();
        let mut bytes = Vec::new();
        while let Some(chunk) = body.next().await {
            let chunk = chunk?;
            if bytes.len() + chunk.len() > MAX_RESPONSE_BYTES {
                return Err(Error::with_message(
                    ErrorKind::Other,
                    format!("the response is larger than {MAX_RESPONSE_BYTES} bytes; refused"),
                ));
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(azure_core::http::AsyncRawResponse::from_bytes(status, headers, bytes))
    }
}

fn guarded_client(opts: &LiveOptions, origin: Option<(String, String, Option<u16>)>) -> Result<GuardedClient, String> {
    // `timeout` bounds each whole exchange, the body included (a read timeout alone lets a slow body trickle on).
    let mut b = reqwest::Client::builder()
        .connect_timeout(opts.connect_timeout)
        .timeout(opts.timeout)
        .redirect(reqwest::redirect::Policy::none());
    for (host, addr) in &opts.resolve {
        b = b.resolve(host, *addr);
    }
    if let Some(pem) = &opts.extra_ca_pem {
        let certs = reqwest::Certificate::from_pem_bundle(pem).map_err(|e| format!("extra CA certificates: {e}"))?;
        b = b.tls_certs_merge(certs);
    }
    let client = b.build().map_err(|e| format!("HTTP client: {e}"))?;
    Ok(GuardedClient { client, origin })
}

/// AZURE_AUTHORITY_HOST wins (Azure Stack, tests); otherwise the store's environmentType picks the cloud.
fn cloud_for(opts: &LiveOptions, cloud: AzureCloud) -> Option<Arc<azure_core::cloud::CloudConfiguration>> {
    use azure_core::cloud::{CloudConfiguration, CustomConfiguration};
    if let Some(host) = env_in(&opts.env, "AZURE_AUTHORITY_HOST") {
        let mut c = CustomConfiguration::default();
        c.authority_host = host;
        return Some(Arc::new(CloudConfiguration::Custom(c)));
    }
    match cloud {
        AzureCloud::UsGovernment => Some(Arc::new(CloudConfiguration::AzureGovernment)),
        AzureCloud::China => Some(Arc::new(CloudConfiguration::AzureChina)),
        // The SDK knows no German cloud any more, and Azure Stack's authority comes from AZURE_AUTHORITY_HOST.
        AzureCloud::Public | AzureCloud::German | AzureCloud::AzureStack => None,
    }
}

fn client_options(opts: &LiveOptions, t: &Transport, cloud: AzureCloud) -> ClientOptions {
    let cloud = cloud_for(opts, cloud);
    let retry = ExponentialRetryOptions {
        max_retries: opts.max_retries,
        initial_delay: azure_core::time::Duration::milliseconds(200),
        max_delay: azure_core::time::Duration::seconds(4),
        max_total_elapsed: azure_core::time::Duration::seconds(opts.timeout.as_secs() as i64),
    };
    ClientOptions { transport: Some(t.clone()), retry: RetryOptions::exponential(retry), cloud, ..Default::default() }
}

/// The credential `choice` selects, and a description of it for stderr (never a secret).
pub fn credential(
    choice: AuthChoice,
    opts: &ClientOptions,
    vars: &std::collections::BTreeMap<String, String>,
) -> Result<(Arc<dyn TokenCredential>, String), String> {
    let env = |name: &str| env_in(vars, name);
    let choice = match choice {
        AuthChoice::Auto => {
            if env("AZURE_FEDERATED_TOKEN_FILE").is_some()
                && env("AZURE_CLIENT_ID").is_some()
                && env("AZURE_TENANT_ID").is_some()
            {
                AuthChoice::WorkloadIdentity
            } else if env("AZURE_CLIENT_SECRET").is_some() {
                AuthChoice::ClientSecret
            } else if ["IDENTITY_ENDPOINT", "MSI_ENDPOINT", "IMDS_ENDPOINT"].iter().any(|v| env(v).is_some()) {
                AuthChoice::ManagedIdentity
            } else {
                AuthChoice::AzureCli
            }
        }
        other => other,
    };
    let fail = |what: &str, e: azure_core::Error| format!("{what} credential: {}", error_text(&e));
    match choice {
        AuthChoice::WorkloadIdentity => {
            let o = WorkloadIdentityCredentialOptions {
                credential_options: ClientAssertionCredentialOptions { client_options: opts.clone() },
                client_id: env("AZURE_CLIENT_ID"),
                tenant_id: env("AZURE_TENANT_ID"),
                token_file_path: env("AZURE_FEDERATED_TOKEN_FILE").map(std::path::PathBuf::from),
            };
            let c = WorkloadIdentityCredential::new(Some(o)).map_err(|e| fail("workload identity", e))?;
            let desc = format!(
                "workload identity (client {}, tenant {})",
                env("AZURE_CLIENT_ID").unwrap_or_default(),
                env("AZURE_TENANT_ID").unwrap_or_default()
            );
            Ok((c, desc))
        }
        AuthChoice::ClientSecret => {
            let tenant = env("AZURE_TENANT_ID").ok_or("client secret credential: AZURE_TENANT_ID is not set")?;
            let client = env("AZURE_CLIENT_ID").ok_or("client secret credential: AZURE_CLIENT_ID is not set")?;
            let secret =
                env("AZURE_CLIENT_SECRET").ok_or("client secret credential: AZURE_CLIENT_SECRET is not set")?;
            let o = ClientSecretCredentialOptions { client_options: opts.clone() };
            let c = ClientSecretCredential::new(&tenant, client.clone(), Secret::new(secret), Some(o))
                .map_err(|e| fail("client secret", e))?;
            Ok((c, format!("client secret (client {client}, tenant {tenant})")))
        }
        AuthChoice::ManagedIdentity => {
            let o = ManagedIdentityCredentialOptions { client_options: opts.clone(), ..Default::default() };
            let c = ManagedIdentityCredential::new(Some(o)).map_err(|e| fail("managed identity", e))?;
            Ok((c, "managed identity".to_string()))
        }
        AuthChoice::AzureCli | AuthChoice::Auto => {
            let c = AzureCliCredential::new(None).map_err(|e| fail("Azure CLI", e))?;
            Ok((c, "Azure CLI (az login)".to_string()))
        }
    }
}

/// An SDK error as one line: the useful cause is often several `source()`s down.
pub fn error_text(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![e.to_string()];
    let mut cur = e.source();
    while let Some(s) = cur {
        let t = s.to_string();
        if !parts.iter().any(|p| p.contains(&t)) {
            parts.push(t);
        }
        cur = s.source();
    }
    parts.join(": ").replace('\n', " ")
}

/// A 404 that says the secret does not exist. Any other 404 (`VaultNotFound`, a wrong path) is about the vault, and
/// reporting it as "every key is missing" would send the user to create keys in a vault that is not there.
fn is_secret_not_found(e: &azure_core::Error) -> bool {
    matches!(e.kind(), azure_core::error::ErrorKind::HttpResponse { status, error_code: Some(code), .. }
        if u16::from(*status) == 404 && code == "SecretNotFound")
}

/// The class of a failure below HTTP, from the SDK's kind and the transport's text (hyper and rustls say DNS and
/// certificate problems only in words).
fn transport_failure(kind: &azure_core::error::ErrorKind, chain: &str) -> FailureKind {
    let lower = chain.to_ascii_lowercase();
    if lower.contains("dns error") || lower.contains("failed to lookup address") {
        FailureKind::UnknownHost
    } else if lower.contains("certificate") || lower.contains("tls handshake") || lower.contains("unknownissuer") {
        FailureKind::Tls
    } else if matches!(kind, azure_core::error::ErrorKind::Connection | azure_core::error::ErrorKind::Io) {
        FailureKind::Unreachable
    } else {
        FailureKind::Other
    }
}

fn describe(e: &azure_core::Error, vault: &str) -> VaultFailure {
    use azure_core::error::ErrorKind;
    if let ErrorKind::HttpResponse { status, error_code, .. } = e.kind()
        && u16::from(*status) == 404
    {
        return VaultFailure::new(
            FailureKind::NoSuchVault,
            format!(
                "{vault} answered 404 ({}): the vault does not exist or has been deleted; check the store's vaultUrl",
                error_code.as_deref().unwrap_or("no error code")
            ),
        );
    }
    if matches!(e.kind(), ErrorKind::Credential) {
        return VaultFailure::new(FailureKind::Credential, format!("no token for {vault}: {}", error_text(e)));
    }
    match e.http_status().map(u16::from) {
        Some(401) | Some(403) => VaultFailure::new(
            FailureKind::Denied,
            format!(
                "access to {vault} was denied ({}): the identity needs permission to list secrets (the 'Key Vault Reader' role, or an access policy with List)",
                u16::from(e.http_status().expect("matched"))
            ),
        ),
        Some(429) => VaultFailure::new(FailureKind::Throttled, format!("{vault} answered HTTP 429: {}", error_text(e))),
        Some(status) => {
            VaultFailure::new(FailureKind::Other, format!("{vault} answered HTTP {status}: {}", error_text(e)))
        }
        None => {
            // The SDK wraps the transport's error in retry and request layers; the cause is the innermost one.
            let chain = error_text(e);
            tracing::debug!("{vault}: {chain}");
            let kind = transport_failure(e.kind(), &chain);
            // The last two parts: "failed to lookup address information: Name or service not known", "invalid
            // peer certificate: UnknownIssuer", "tcp connect error: Connection refused (os error 111)".
            let parts: Vec<&str> = chain.split(": ").collect();
            let cause = parts[parts.len().saturating_sub(2)..].join(": ");
            VaultFailure::new(kind, format!("cannot query {vault}: {cause}"))
        }
    }
}

fn meta_of(p: &SecretProperties) -> Option<(String, Option<String>, SecretMeta)> {
    let id = p.id.as_deref()?;
    let rest = id.split_once("/secrets/")?.1;
    let mut parts = rest.trim_end_matches('/').split('/');
    let name = parts.next()?.to_string();
    let version = parts.next().map(str::to_string).filter(|v| !v.is_empty());
    let a = p.attributes.clone().unwrap_or_default();
    let meta = SecretMeta {
        name: name.clone(),
        enabled: a.enabled.unwrap_or(true),
        created: a.created.map(|t| t.unix_timestamp()),
        updated: a.updated.map(|t| t.unix_timestamp()),
        expires: a.expires.map(|t| t.unix_timestamp()),
        not_before: a.not_before.map(|t| t.unix_timestamp()),
        version: version.clone(),
        versions: None,
        content_type: p.content_type.clone(),
        managed: p.managed.unwrap_or(false),
        tags: p.tags.clone().unwrap_or_default().into_iter().collect(),
    };
    Some((name, version, meta))
}

const MAX_PAGES: usize = 100_000;

async fn list_all(client: &SecretClient, vault: &str) -> Result<BTreeMap<String, SecretMeta>, VaultFailure> {
    let options = SecretClientListSecretPropertiesOptions { maxresults: Some(25), ..Default::default() };
    let mut pages = client.list_secret_properties(Some(options)).map_err(|e| describe(&e, vault))?.into_pages();
    let mut seen_links = HashSet::new();
    let mut out = BTreeMap::new();
    let mut count = 0;
    while let Some(page) = pages.try_next().await.map_err(|e| describe(&e, vault))? {
        let model = page.into_model().map_err(|e| describe(&e, vault))?;
        for p in &model.value {
            if let Some((name, _, meta)) = meta_of(p) {
                out.insert(name.to_lowercase(), meta);
            }
        }
        count += 1;
        match model.next_link.as_deref().filter(|l| !l.is_empty()) {
            None => break,
            Some(link) if !seen_links.insert(link.to_string()) => {
                return Err(VaultFailure::new(
                    FailureKind::Other,
                    format!("{vault} returned the same nextLink twice ({link}); stopped listing"),
                ));
            }
            Some(_) if count >= MAX_PAGES => {
                return Err(VaultFailure::new(
                    FailureKind::Other,
                    format!("{vault}: more than {MAX_PAGES} pages; stopped listing"),
                ));
            }
            Some(_) => {}
        }
    }
    Ok(out)
}

/// All versions of one secret; None when the vault has no secret of that name.
async fn versions_of(client: &SecretClient, vault: &str, name: &str) -> Result<Option<SecretMeta>, VaultFailure> {
    let pager = match client.list_secret_properties_versions(name, None) {
        Ok(p) => p,
        Err(e) => return Err(describe(&e, vault)),
    };
    let mut pages = pager.into_pages();
    let mut seen_links = HashSet::new();
    let mut versions: Vec<SecretMeta> = Vec::new();
    loop {
        let page = match pages.try_next().await {
            Ok(Some(p)) => p,
            Ok(None) => break,
            Err(e) if is_secret_not_found(&e) => return Ok(None),
            Err(e) => return Err(describe(&e, vault)),
        };
        let model = page.into_model().map_err(|e| describe(&e, vault))?;
        versions.extend(model.value.iter().filter_map(meta_of).map(|(_, _, m)| m));
        match model.next_link.as_deref().filter(|l| !l.is_empty()) {
            None => break,
            Some(link) if !seen_links.insert(link.to_string()) => {
                return Err(VaultFailure::new(
                    FailureKind::Other,
                    format!("{vault} returned the same nextLink twice listing versions of '{name}'; stopped"),
                ));
            }
            Some(_) => {}
        }
    }
    if versions.is_empty() {
        return Ok(None);
    }
    // The current version is the newest one: what a read without a version returns.
    versions.sort_by_key(|m| (m.created, m.updated, m.version.clone()));
    let ids: Vec<String> = versions.iter().filter_map(|m| m.version.clone()).collect();
    let mut current = versions.pop().expect("non-empty");
    current.versions = Some(ids);
    Ok(Some(current))
}

/// Everything needed to talk to vaults of one cloud.
pub struct Connection {
    /// Shared by the credential (any origin: the token endpoint) and, confined to one origin each, the vaults.
    http: GuardedClient,
    credential: Arc<dyn TokenCredential>,
    pub credential_description: String,
    opts: LiveOptions,
    cloud: AzureCloud,
}

impl Connection {
    /// A connection for vaults of one cloud (the azurekv store's environmentType).
    pub fn new(opts: &LiveOptions, cloud: AzureCloud) -> Result<Connection, String> {
        let http = guarded_client(opts, None)?;
        let t = Transport::new(Arc::new(http.clone()));
        let (credential, credential_description) = credential(opts.auth, &client_options(opts, &t, cloud), &opts.env)?;
        Ok(Connection { http, credential, credential_description, opts: opts.clone(), cloud })
    }

    /// The inventory of one vault under `plan`, within the configured overall timeout.
    pub async fn inventory(&self, vault_url: &str, plan: &Plan) -> Result<Inventory, VaultFailure> {
        let vault = normalize_vault_url(vault_url);
        let url = azure_core::http::Url::parse(&vault)
            .map_err(|e| VaultFailure::new(FailureKind::Other, format!("{vault}: not a vault URL: {e}")))?;
        let confined = GuardedClient { client: self.http.client.clone(), origin: Some(origin_of(&url)) };
        let options = SecretClientOptions {
            client_options: client_options(&self.opts, &Transport::new(Arc::new(confined)), self.cloud),
            verify_challenge_resource: Some(self.opts.verify_challenge_resource),
            ..Default::default()
        };
        let client =
            SecretClient::new(&vault, self.credential.clone(), Some(options)).map_err(|e| describe(&e, &vault))?;
        let work = async {
            match plan {
                Plan::ListAll => Ok(Inventory {
                    vault: vault.clone(),
                    secrets: list_all(&client, &vault).await?,
                    completeness: Completeness::Full,
                    missing: Vec::new(),
                    source: "live".into(),
                }),
                Plan::Names(names) => {
                    // The first listing alone: it receives the bearer challenge and the token the others then reuse;
                    // sent together, each would be challenged.
                    let mut results: Vec<(String, Result<Option<SecretMeta>, VaultFailure>)> = Vec::new();
                    if let Some(first) = names.first() {
                        // A vault that fails its first listing (access, network) fails the others too: stop here.
                        let r = versions_of(&client, &vault, first).await;
                        if let Err(e) = r {
                            return Err(e);
                        }
                        results.push((first.clone(), r));
                    }
                    let rest: Vec<(String, Result<Option<SecretMeta>, VaultFailure>)> =
                        futures::stream::iter(names.iter().skip(1).cloned())
                            .map(|n| {
                                let client = &client;
                                let vault = &vault;
                                async move {
                                    let r = versions_of(client, vault, &n).await;
                                    (n, r)
                                }
                            })
                            .buffer_unordered(self.opts.concurrency.max(1))
                            .collect()
                            .await;
                    results.extend(rest);
                    let mut inv = Inventory {
                        vault: vault.clone(),
                        secrets: BTreeMap::new(),
                        completeness: Completeness::Partial,
                        missing: Vec::new(),
                        source: "live".into(),
                    };
                    for (name, r) in results {
                        match r? {
                            Some(meta) => {
                                inv.secrets.insert(name.to_lowercase(), meta);
                            }
                            None => inv.missing.push(name),
                        }
                    }
                    inv.missing.sort();
                    Ok(inv)
                }
            }
        };
        match tokio::time::timeout(self.opts.timeout, work).await {
            Ok(r) => r,
            Err(_) => Err(VaultFailure::new(
                FailureKind::Timeout,
                format!("{vault} did not answer within {} s", self.opts.timeout.as_secs()),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use azure_core::cloud::CloudConfiguration;

    /// The chains below are what the SDK printed on this machine for a vault whose name does not resolve, and for a
    /// private endpoint whose certificate is not trusted; DNS cannot be failed on purpose in a test without network.
    #[test]
    fn transport_failures_are_classed_from_the_chain() {
        use azure_core::error::ErrorKind;
        let dns = "retry policy expired and the request will no longer be retried: failed to execute `reqwest` request: \
                   error sending request for url (https://kv-contoso-prod.vault.azure.net/secrets/a/versions): client \
                   error (Connect): dns error: error resolving DNS: failed to lookup address information: Name or \
                   service not known";
        assert_eq!(transport_failure(&ErrorKind::Io, dns), FailureKind::UnknownHost);
        let tls = "error sending request: client error (Connect): invalid peer certificate: UnknownIssuer";
        assert_eq!(transport_failure(&ErrorKind::Io, tls), FailureKind::Tls);
        let refused =
            "error sending request: client error (Connect): tcp connect error: Connection refused (os error 111)";
        assert_eq!(transport_failure(&ErrorKind::Io, refused), FailureKind::Unreachable);
        assert_eq!(transport_failure(&ErrorKind::Other, "something else"), FailureKind::Other);
    }

    #[test]
    fn store_environment_type_picks_the_cloud() {
        if std::env::var_os("AZURE_AUTHORITY_HOST").is_some() {
            return; // the variable wins over environmentType by design
        }
        let o = LiveOptions::default();
        let cloud = |t: &str| cloud_for(&o, AzureCloud::parse(t).expect("an environmentType ESO accepts"));
        assert!(matches!(cloud("USGovernmentCloud").as_deref(), Some(CloudConfiguration::AzureGovernment)));
        assert!(matches!(cloud("ChinaCloud").as_deref(), Some(CloudConfiguration::AzureChina)));
        assert!(cloud("PublicCloud").is_none() && cloud("").is_none());
        let mut custom = LiveOptions::default();
        custom.env.insert("AZURE_AUTHORITY_HOST".into(), "https://login.example.test".into());
        assert!(matches!(cloud_for(&custom, AzureCloud::China).as_deref(), Some(CloudConfiguration::Custom(_))));
    }

    #[test]
    fn plans() {
        let few: Vec<String> = (0..5).map(|i| format!("k{i}")).collect();
        let many: Vec<String> = (0..50).map(|i| format!("k{i}")).collect();
        assert!(matches!(choose_plan(&few, false, false), Plan::Names(_)));
        assert_eq!(choose_plan(&many, false, false), Plan::ListAll);
        assert!(matches!(choose_plan(&many, false, true), Plan::Names(_)), "rollout stamping wants version ids");
        assert_eq!(choose_plan(&few, true, false), Plan::ListAll, "dataFrom.find needs the listing");
    }
}
