//! Lint rules: one file per rule, each with a stable code, a default severity, its documentation (printed by
//! `explain CODE`) and a check over one rendered environment. Rules report a path inside an object; the pipeline
//! turns it into file:line:column of the source that wrote it.

use crate::model::EnvModel;
use crate::model::refs::KeyRef;
pub use crate::model::same_ns;
use crate::resource::Resource;
use serde::Serialize;
use std::path::PathBuf;

mod eso001_schema;
mod eso002_api_version;
mod eso003_data_required;
mod eso004_duplicate_secret_key;
mod eso005_policy_combination;
mod eso006_refresh_interval;
mod eso007_remote_key_name;
mod eso008_cluster_scoped_namespace;
mod eso009_data_from_source;
mod eso010_template_rejected;
mod eso011_invalid_regexp;
mod git001_secret_in_git;
mod git002_argocd_cluster_config;
pub mod keyset;
mod kus001_render;
mod kus002_not_rendered;
mod kv000_offline;
mod kv001_missing_key;
mod kv002_disabled;
mod kv003_expired;
mod kv004_expiring;
mod kv005_not_yet_valid;
mod kv006_pinned_version;
mod kv007_find_no_match;
mod kv008_unchecked_object;
mod kv009_vault_unavailable;
mod kv010_tag_not_found;
mod ref001_store_ref;
mod ref002_target_conflict;
mod ref003_store_not_in_repo;
mod rlo001_rotation_unreachable;
pub(crate) mod sto001_vault_url;
mod sto002_tenant_id;
mod sto003_service_principal;
mod sto004_workload_identity_sa;
mod sto005_cluster_store_auth_namespace;
mod sto006_store_auth_namespace;
mod sto007_workload_identity_twice;
mod sto008_cloud_config;
mod wrk001_unprovided_secret;
mod wrk002_missing_secret_key;
mod wrk003_unknown_secret_keys;

pub use crate::severity::Severity;

/// What a finding points at: a field of a rendered object, or a place in a file.
pub enum Subject<'a> {
    Field { resource: &'a Resource, path: String, at_key: bool },
    File { file: PathBuf, line: u32, column: u32, object: String },
}

pub struct RawFinding<'a> {
    pub subject: Subject<'a>,
    pub message: String,
    pub hint: String,
}

impl<'a> RawFinding<'a> {
    pub fn at(
        resource: &'a Resource,
        path: impl Into<String>,
        message: impl Into<String>,
        hint: impl Into<String>,
    ) -> RawFinding<'a> {
        RawFinding {
            subject: Subject::Field { resource, path: path.into(), at_key: false },
            message: message.into(),
            hint: hint.into(),
        }
    }
    /// Points at the field's key rather than its value (unknown or missing fields).
    pub fn at_key(
        resource: &'a Resource,
        path: impl Into<String>,
        message: impl Into<String>,
        hint: impl Into<String>,
    ) -> RawFinding<'a> {
        RawFinding {
            subject: Subject::Field { resource, path: path.into(), at_key: true },
            message: message.into(),
            hint: hint.into(),
        }
    }
}

/// A finding as formatters print it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub code: &'static str,
    pub rule: &'static str,
    pub severity: Severity,
    pub environments: Vec<String>,
    /// `Kind/namespace/name` of the rendered object.
    pub object: String,
    pub file: PathBuf,
    pub line: u32,
    pub column: u32,
    pub message: String,
    pub hint: String,
}

impl Finding {
    /// The finding on one line, as `generate` says it on stderr and `diff` shows it beside a change.
    pub fn one_line(&self) -> String {
        format!(
            "{}[{}] {}:{}:{}: {} ({}). {}",
            self.severity.as_str(),
            self.code,
            self.file.display(),
            self.line,
            self.column,
            self.message,
            self.object,
            self.hint
        )
    }
}

pub struct Rule {
    pub code: &'static str,
    pub name: &'static str,
    pub severity: Severity,
    pub summary: &'static str,
    /// What the rule checks, why, and an example that triggers it.
    pub explanation: &'static str,
    pub check: for<'a> fn(&EnvView<'a>) -> Vec<RawFinding<'a>>,
}

/// Every rule, in code order.
pub fn all() -> &'static [&'static Rule] {
    &[
        &eso001_schema::RULE,
        &eso002_api_version::RULE,
        &eso003_data_required::RULE,
        &eso004_duplicate_secret_key::RULE,
        &eso005_policy_combination::RULE,
        &eso006_refresh_interval::RULE,
        &eso007_remote_key_name::RULE,
        &eso008_cluster_scoped_namespace::RULE,
        &eso009_data_from_source::RULE,
        &eso010_template_rejected::RULE,
        &eso011_invalid_regexp::RULE,
        &git001_secret_in_git::RULE,
        &git002_argocd_cluster_config::RULE,
        &kus001_render::RULE,
        &kus002_not_rendered::RULE,
        &kv000_offline::RULE,
        &kv001_missing_key::RULE,
        &kv002_disabled::RULE,
        &kv003_expired::RULE,
        &kv004_expiring::RULE,
        &kv005_not_yet_valid::RULE,
        &kv006_pinned_version::RULE,
        &kv007_find_no_match::RULE,
        &kv008_unchecked_object::RULE,
        &kv009_vault_unavailable::RULE,
        &kv010_tag_not_found::RULE,
        &ref001_store_ref::RULE,
        &ref002_target_conflict::RULE,
        &ref003_store_not_in_repo::RULE,
        &rlo001_rotation_unreachable::RULE,
        &sto001_vault_url::RULE,
        &sto002_tenant_id::RULE,
        &sto003_service_principal::RULE,
        &sto004_workload_identity_sa::RULE,
        &sto005_cluster_store_auth_namespace::RULE,
        &sto006_store_auth_namespace::RULE,
        &sto007_workload_identity_twice::RULE,
        &sto008_cloud_config::RULE,
        &wrk001_unprovided_secret::RULE,
        &wrk002_missing_secret_key::RULE,
        &wrk003_unknown_secret_keys::RULE,
    ]
}

/// The repo's config (`Config::load`), with every rule code it names checked against the registry: a typo must not
/// silently leave a rule at its default.
pub fn load_config(repo: &std::path::Path) -> Result<crate::config::Config, crate::error::Error> {
    let config = crate::config::Config::load(repo)?;
    if let Some(code) = config.rules.keys().find(|c| by_code(c).is_none()) {
        return Err(crate::error::Error::Config(format!(
            "{}: rules: unknown rule code '{code}' (see `argocd-eso-plugin explain`)",
            repo.join(crate::config::FILE_NAME).display()
        )));
    }
    Ok(config)
}

pub fn by_code(code: &str) -> Option<&'static Rule> {
    all().iter().copied().find(|r| r.code.eq_ignore_ascii_case(code))
}

pub use kus001_render::CODE as RENDER_FAILED;
pub use kus002_not_rendered::CODE as NOT_RENDERED;
pub use kv000_offline::CODE as VAULT_SKIPPED;
pub use ref003_store_not_in_repo::missing_stores;

/// What a rule reads: the environment model, and the vault stage's inventories (None when the stage did not run).
/// It dereferences to the model, so a rule writes `env.stores()` or `env.resolve_store(..)`.
#[derive(Clone, Copy)]
pub struct EnvView<'a> {
    pub model: &'a EnvModel<'a>,
    pub vault: Option<&'a crate::vault::stage::VaultData>,
    /// The ESO release the clusters run, when known (else the latest).
    pub eso: Option<&'a crate::eso::release::EsoRelease>,
}

impl<'a> std::ops::Deref for EnvView<'a> {
    type Target = EnvModel<'a>;
    fn deref(&self) -> &EnvModel<'a> {
        self.model
    }
}

impl<'a> EnvView<'a> {
    /// The inventory of a vault, when the stage got one.
    pub fn inventory(&self, vault: &str) -> Option<&'a crate::vault::Inventory> {
        self.vault?.inventory(vault)
    }

    /// Each Key Vault secret reference of the environment with the inventory of its vault, when there is one.
    pub fn key_refs(&self) -> Vec<(&'a KeyRef<'a>, &'a crate::vault::Inventory)> {
        let model: &'a EnvModel<'a> = self.model;
        model.key_refs().iter().filter_map(|k| self.inventory(&k.vault).map(|i| (k, i))).collect()
    }
}

/// `Kind/namespace/name` (namespace left out when empty).
pub fn object_label(r: &Resource) -> String {
    r.cur_id().to_string()
}

/// The closest candidate, for a "did you mean" hint.
pub fn did_you_mean(name: &str, candidates: &[String]) -> Option<String> {
    candidates
        .iter()
        .map(|c| (strsim::damerau_levenshtein(&name.to_lowercase(), &c.to_lowercase()), c))
        .filter(|(d, c)| *d <= 3.max(c.len() / 3))
        .min_by_key(|(d, c)| (*d, (*c).clone()))
        .map(|(_, c)| c.clone())
}

/// Go's time.ParseDuration syntax ("1h", "30m", "1h30m", "0").
pub fn is_go_duration(s: &str) -> bool {
    static RE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let re =
        RE.get_or_init(|| regex::Regex::new(r"^[-+]?(0|([0-9]*(\.[0-9]*)?(ns|us|µs|μs|ms|s|m|h))+)$").expect("valid"));
    re.is_match(s) && s.chars().any(|c| c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every rule's example (the indented block after "Example:") is YAML that parses: `explain` prints it for
    /// users to copy.
    #[test]
    fn every_example_is_valid_yaml() {
        for rule in all() {
            let Some((_, example)) = rule.explanation.split_once("Example:\n\n") else { continue };
            let block: Vec<&str> = example.lines().take_while(|l| l.is_empty() || l.starts_with("    ")).collect();
            assert!(
                !block.is_empty() && !block[0].is_empty(),
                "{}: the example's first line is not indented",
                rule.code
            );
            let text: String = block.iter().map(|l| format!("{}\n", l.strip_prefix("    ").unwrap_or(l))).collect();
            for doc in crate::kustomize::loader::split_documents(&text) {
                let parsed = crate::yaml::parse::parse_document(doc.text, true, true);
                assert!(parsed.is_ok(), "{}: example does not parse: {parsed:?}\n{text}", rule.code);
            }
        }
    }

    #[test]
    fn go_durations() {
        for ok in ["1h", "30m", "1h30m", "0", "1.5h", "300ms", "10s"] {
            assert!(is_go_duration(ok), "{ok}");
        }
        for bad in ["1 hour", "1d", "h", "", "1hour", "60"] {
            assert!(!is_go_duration(bad), "{bad}");
        }
    }

    #[test]
    fn suggestions() {
        let c = vec!["azure-kv".to_string(), "vault-backend".to_string()];
        assert_eq!(did_you_mean("azure-kvv", &c).as_deref(), Some("azure-kv"));
        assert_eq!(did_you_mean("completely-else", &c), None);
    }

    #[test]
    fn codes_are_unique_and_documented() {
        let mut codes: Vec<&str> = all().iter().map(|r| r.code).collect();
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), all().len());
        for r in all() {
            assert!(r.explanation.contains("Example"), "{} has no example", r.code);
        }
    }
}
