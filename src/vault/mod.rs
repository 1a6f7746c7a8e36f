//! The Key Vault stage: for every vault an environment references, an inventory of secret *properties* (names,
//! versions, dates, enabled, tags), from `az keyvault secret list` output or live through the Azure SDK.
//! There is no field for a secret value anywhere in this module: values are never read.

pub mod inventory_file;
pub mod live;
pub mod stage;

use std::collections::BTreeMap;

/// The properties of one secret (its current version).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SecretMeta {
    pub name: String,
    pub enabled: bool,
    /// Unix seconds.
    pub created: Option<i64>,
    pub updated: Option<i64>,
    pub expires: Option<i64>,
    pub not_before: Option<i64>,
    /// The current version's id, when the source gives it (version listings do; `az keyvault secret list` does not).
    pub version: Option<String>,
    /// Every known version id, when listed.
    pub versions: Option<Vec<String>>,
    pub content_type: Option<String>,
    /// Set for a certificate's backing secret.
    pub managed: bool,
    pub tags: BTreeMap<String, String>,
}

impl SecretMeta {
    /// What identifies the current value without reading it: the version id, else the last update time.
    pub fn revision(&self) -> String {
        match (&self.version, self.updated) {
            (Some(v), _) => v.clone(),
            (None, Some(u)) => format!("updated:{u}"),
            (None, None) => "unknown".to_string(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Completeness {
    /// Every secret of the vault is listed: a name that is absent does not exist.
    Full,
    /// Only the asked-for names were looked up; `missing` lists those the vault does not have.
    Partial,
}

#[derive(Debug, Clone)]
pub struct Inventory {
    /// Normalised vault URL: `https://<host>/`.
    pub vault: String,
    /// Keyed by lower-cased name: Key Vault names are case-insensitive.
    pub secrets: BTreeMap<String, SecretMeta>,
    pub completeness: Completeness,
    /// Names looked up and not found (Partial inventories).
    pub missing: Vec<String>,
    /// Where it came from, for messages: a file path or "live".
    pub source: String,
}

impl Inventory {
    pub fn get(&self, name: &str) -> Option<&SecretMeta> {
        self.secrets.get(&name.to_lowercase())
    }

    /// Whether the absence of `name` is known (rather than not looked up).
    pub fn known_missing(&self, name: &str) -> bool {
        self.get(name).is_none()
            && (self.completeness == Completeness::Full || self.missing.iter().any(|m| m.eq_ignore_ascii_case(name)))
    }
}

/// Why a vault could not be inventoried, typed by what the user does about it; `message` is the sentence shown.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct VaultFailure {
    pub kind: FailureKind,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureKind {
    /// 401 or 403 from the vault: the identity may not list secrets.
    Denied,
    /// 404 about the vault itself: no such vault, or it was deleted.
    NoSuchVault,
    /// No token: the credential could not be made or Entra refused it.
    Credential,
    /// The vault's host name does not resolve (DNS).
    UnknownHost,
    /// The host did not take the connection: refused, no route, reset.
    Unreachable,
    /// The TLS handshake failed: an untrusted or mismatched certificate (a proxy, a private endpoint's CA).
    Tls,
    /// No answer within the stage's timeout.
    Timeout,
    /// Key Vault throttled the requests (429).
    Throttled,
    /// Anything else: another HTTP status, a paging loop, an answer too large.
    Other,
}

/// The way out that every kind shares: the committed snapshots instead of Key Vault.
const OR_OFFLINE: &str = "or run with --offline and inventory files";

impl FailureKind {
    /// The cause class, as the failure line names it.
    pub fn class(self) -> &'static str {
        match self {
            FailureKind::Denied => "access denied (HTTP 401/403)",
            FailureKind::NoSuchVault => "no such vault (HTTP 404)",
            FailureKind::Credential => "no token from Entra ID",
            FailureKind::UnknownHost => "unknown host (DNS)",
            FailureKind::Unreachable => "connection failed (refused, no route, reset)",
            FailureKind::Tls => "TLS handshake failed",
            FailureKind::Timeout => "timeout",
            FailureKind::Throttled => "throttled (HTTP 429)",
            FailureKind::Other => "unexpected answer",
        }
    }

    /// What to do about it: the flag, variable or role. KV009's hint and the last part of the failure line.
    pub fn hint(self) -> String {
        let next = match self {
            FailureKind::Denied => {
                "grant the identity the 'Key Vault Reader' role on the vault (metadata only: it cannot read values), \
                 or on an access-policy vault a policy with secret permission List"
            }
            FailureKind::NoSuchVault => {
                "check the store's vaultUrl against `az keyvault list --query [].properties.vaultUri`"
            }
            FailureKind::Credential => {
                "give the process a credential: workload identity (AZURE_FEDERATED_TOKEN_FILE, AZURE_CLIENT_ID, \
                 AZURE_TENANT_ID; in Argo CD the repo-server pod label azure.workload.identity/use=true and the \
                 ServiceAccount annotation azure.workload.identity/client-id), a client secret (AZURE_CLIENT_SECRET), \
                 a managed identity, or `az login`; --azure-auth picks one"
            }
            FailureKind::UnknownHost => {
                "check the vaultUrl's host name, and that this machine resolves it (a private endpoint's DNS zone; \
                 else ARGOCD_ESO_PLUGIN_CONNECT_TO or --connect-to HOST=IP:PORT)"
            }
            FailureKind::Unreachable => {
                "check the network path to the vault: egress, proxy (HTTPS_PROXY), the vault's firewall, a private \
                 endpoint (ARGOCD_ESO_PLUGIN_CONNECT_TO or --connect-to HOST=IP:PORT)"
            }
            FailureKind::Tls => {
                "trust the CA that signs the vault's (or the proxy's) certificate: ARGOCD_ESO_PLUGIN_CA_FILE or \
                 --ca-file PEM"
            }
            FailureKind::Timeout => "retry, or raise --vault-timeout (Argo CD gives a plugin 60 s in all)",
            FailureKind::Throttled => "retry later; Key Vault allows 4,000 requests per 10 s per vault",
            FailureKind::Other => "check the vaultUrl and the identity's access",
        };
        format!("{next}; {OR_OFFLINE}")
    }
}

impl VaultFailure {
    pub fn new(kind: FailureKind, message: impl Into<String>) -> VaultFailure {
        VaultFailure { kind, message: message.into() }
    }

    /// The one line a failed run ends with: what happened (naming the vault), the cause class, the credential tried,
    /// and the next step.
    pub fn line(&self, credential: Option<&str>) -> String {
        format!(
            "Key Vault: {} [{}; credential: {}]. Next: {}",
            self.message,
            self.kind.class(),
            credential.unwrap_or("none could be made"),
            self.kind.hint()
        )
    }
}
