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
    /// The host did not answer: an unknown name (DNS), a refused or broken connection.
    Unreachable,
    /// No answer within the stage's timeout.
    Timeout,
    /// Key Vault throttled the requests (429).
    Throttled,
    /// Anything else: another HTTP status, a paging loop, an answer too large.
    Other,
}

impl FailureKind {
    /// What to do about it, for KV009's hint.
    pub fn hint(self) -> &'static str {
        match self {
            FailureKind::Denied => {
                "grant the identity the 'Key Vault Reader' role on the vault (metadata only: it cannot read values), \
                 or on an access-policy vault a policy with secret permission List; or lint with --offline and an \
                 inventory file"
            }
            FailureKind::NoSuchVault => {
                "check the store's vaultUrl against `az keyvault list --query [].properties.vaultUri`"
            }
            FailureKind::Credential => {
                "check the credential (-v names it): workload identity variables, client secret, managed identity or \
                 `az login`; or lint with --offline and an inventory file"
            }
            FailureKind::Unreachable => {
                "check the vaultUrl's host name and the network path to it (DNS, proxy, private endpoint), or lint \
                 with --offline and an inventory file"
            }
            FailureKind::Timeout => "retry, raise the Key Vault timeout, or lint with --offline and an inventory file",
            FailureKind::Throttled => "retry later, or lint with --offline and an inventory file",
            FailureKind::Other => "fix access (or the vaultUrl), or lint with --offline and an inventory file",
        }
    }
}

impl VaultFailure {
    pub fn new(kind: FailureKind, message: impl Into<String>) -> VaultFailure {
        VaultFailure { kind, message: message.into() }
    }
}
