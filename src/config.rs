//! `.argocd-eso-plugin.yaml` at the repo root: environments, stores managed outside the repo, rule severities and
//! ignores. Every field is optional; unknown fields are errors, so that a typo does not silently disable a check.

use crate::severity::Severity;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub const FILE_NAME: &str = ".argocd-eso-plugin.yaml";

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Config {
    /// Explicit environments; when absent, environments come from the `overlays/<env>` convention.
    #[serde(default)]
    pub environments: Vec<EnvironmentConfig>,
    /// Stores that exist in the clusters but are not rendered from this repo.
    #[serde(default)]
    pub external_stores: Vec<ExternalStore>,
    /// Per-rule severity: error, warning, info, or off.
    #[serde(default)]
    pub rules: BTreeMap<String, RuleSetting>,
    #[serde(default)]
    pub ignore: Vec<Ignore>,
    /// How `generate` (the Argo CD plugin) behaves.
    #[serde(default)]
    pub generate: GenerateConfig,
    /// The External Secrets Operator release the clusters run (`0.9.11`): which API versions it serves. Else it is
    /// detected from the repository (the external-secrets chart in an Application, HelmRelease or helmCharts),
    /// else the latest is assumed.
    #[serde(default)]
    pub eso_version: Option<EsoVersion>,
    /// The clusters Argo CD knows (its cluster Secrets, which hold credentials and are not read from Git): what an
    /// ApplicationSet's `clusters` generator yields. Without them that generator yields only `in-cluster`, as
    /// Argo CD does with no cluster Secret.
    #[serde(default)]
    pub argocd_clusters: Vec<ArgoCluster>,
}

/// A cluster registered in Argo CD, as a `clusters` generator sees it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ArgoCluster {
    pub name: String,
    #[serde(default)]
    pub server: String,
    /// The cluster Secret's labels, which a generator's `selector.matchLabels` selects by.
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
}

/// An ESO release number, `major.minor.patch` (a leading `v` allowed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EsoVersion(pub u32, pub u32, pub u32);

impl EsoVersion {
    pub fn parse(text: &str) -> Option<EsoVersion> {
        let t = text.trim().trim_start_matches('v');
        let mut parts = t.split('.');
        let major = parts.next()?.parse().ok()?;
        let minor = parts.next()?.parse().ok()?;
        // A patch may carry a pre-release or build suffix (0.10.0-rc1).
        let patch = match parts.next() {
            Some(p) => p.split(['-', '+']).next()?.parse().ok()?,
            None => 0,
        };
        parts.next().is_none().then_some(EsoVersion(major, minor, patch))
    }
}

impl std::fmt::Display for EsoVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}.{}", self.0, self.1, self.2)
    }
}

/// Written as it is read: `"0.9.11"` (the context index stores it).
impl serde::Serialize for EsoVersion {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for EsoVersion {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<EsoVersion, D::Error> {
        let v = serde_yaml::Value::deserialize(d)?;
        let text = match &v {
            serde_yaml::Value::String(s) => s.clone(),
            serde_yaml::Value::Number(n) => n.to_string(),
            _ => String::new(),
        };
        EsoVersion::parse(&text)
            .ok_or_else(|| serde::de::Error::custom("esoVersion: expected a release such as \"0.9.11\""))
    }
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct GenerateConfig {
    /// Where `generate` takes Key Vault versions from.
    #[serde(default)]
    pub versions: VersionSource,
}

/// The source of Key Vault version data for `generate`. Live by default: the `vaultInventory` files are snapshots
/// for offline lint, and a rotation made after a snapshot would roll nothing.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum VersionSource {
    #[default]
    Live,
    /// The environments' `vaultInventory` files, said on stderr at every run.
    Inventory,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct EnvironmentConfig {
    pub name: String,
    /// Globs of kustomization directories, relative to the repo root (`apps/*/overlays/prod`).
    #[serde(default)]
    pub overlays: Vec<String>,
    /// `az keyvault secret list -o json` outputs for this environment's vaults.
    #[serde(default)]
    pub vault_inventory: Vec<PathBuf>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ExternalStore {
    pub name: String,
    /// `ClusterSecretStore` (default) or `SecretStore`.
    #[serde(default = "cluster_store")]
    pub kind: String,
    /// For a SecretStore: its namespace.
    pub namespace: Option<String>,
    #[serde(default)]
    pub vault_url: String,
    /// Environments the store exists in; all when empty.
    #[serde(default)]
    pub environments: Vec<String>,
}

fn cluster_store() -> String {
    "ClusterSecretStore".into()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RuleSetting {
    Error,
    Warning,
    Info,
    Off,
}

impl RuleSetting {
    pub fn severity(self) -> Option<Severity> {
        match self {
            RuleSetting::Error => Some(Severity::Error),
            RuleSetting::Warning => Some(Severity::Warning),
            RuleSetting::Info => Some(Severity::Info),
            RuleSetting::Off => None,
        }
    }
}

/// Drop findings of `code` (or every code, when absent) in files matching `path` and/or objects `Kind/ns/name`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ignore {
    pub code: Option<String>,
    pub path: Option<String>,
    pub object: Option<String>,
}

impl Config {
    /// The repo's config file, or defaults when it has none. Its rule codes are checked against the registry by
    /// `rules::load_config`, which commands call (the rules come later in the pipeline than the config).
    pub fn load(repo: &Path) -> Result<Config, crate::error::Error> {
        let file = repo.join(FILE_NAME);
        // Through the repository's file layer: a symlink out of the repo is refused, errors never quote contents.
        let text = match crate::files::read_text(Some(repo), &file, crate::files::MAX_FILE_BYTES) {
            Ok(text) => text,
            Err(crate::files::FileError::NotFound { .. }) => return Ok(Config::default()),
            Err(e) => return Err(crate::error::Error::Config(e.to_string())),
        };
        if text.trim().is_empty() {
            return Ok(Config::default());
        }
        serde_yaml::from_str(&text).map_err(|e| {
            crate::error::Error::Config(format!(
                "{}: {}",
                file.display(),
                crate::files::redact_serde_message(&e.to_string())
            ))
        })
    }
}
