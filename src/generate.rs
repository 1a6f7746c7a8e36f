//! `generate`: the Argo CD Config Management Plugin contract (../shared/reference/FACTS.md §1). argocd-cmp-server
//! runs it in a copy of the repo, in the app's path, as user 999, and applies whatever it prints: so it prints the
//! manifests only when everything succeeded, and otherwise nothing, with the reason on stderr and a non-zero exit
//! (an empty output with auto-prune would delete the app's resources).

use crate::error::Error;
use crate::rollout::StampOptions;
use crate::rules::Severity;
use crate::session::Session;
use crate::vault::stage::VaultOptions;
use std::path::{Path, PathBuf};

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// A plugin parameter: PARAM_<NAME> (Argo CD upper-cases names and turns other characters into '_'), else the
/// plugin env ARGOCD_ENV_<NAME>.
pub fn parameter(name: &str) -> Option<String> {
    let upper: String =
        name.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_uppercase() } else { '_' }).collect();
    var(&format!("PARAM_{upper}")).or_else(|| var(&format!("ARGOCD_ENV_{upper}")))
}

/// The repo root: the working directory minus ARGOCD_APP_SOURCE_PATH, else the nearest directory with `.git` or a
/// config file, else the app path itself.
pub fn repo_root(app: &Path) -> PathBuf {
    if let Some(source) = var("ARGOCD_APP_SOURCE_PATH") {
        let source = source.trim_matches('/');
        if source.is_empty() || source == "." {
            return app.to_path_buf();
        }
        let depth = Path::new(source).components().count();
        if app.ends_with(source)
            && let Some(root) = app.ancestors().nth(depth)
        {
            return root.to_path_buf();
        }
    }
    crate::scan::find_repo_root(app).unwrap_or_else(|| app.to_path_buf())
}

/// Argo CD's app variables for templates: name, namespace, revision, and the plugin's parameters.
fn argocd_context() -> std::collections::BTreeMap<String, serde_json::Value> {
    let mut out = std::collections::BTreeMap::new();
    for (key, var_name) in [
        ("name", "ARGOCD_APP_NAME"),
        ("namespace", "ARGOCD_APP_NAMESPACE"),
        ("revision", "ARGOCD_APP_REVISION"),
        ("project", "ARGOCD_APP_PROJECT_NAME"),
    ] {
        if let Some(v) = var(var_name) {
            out.insert(key.to_string(), serde_json::Value::String(v));
        }
    }
    let mut params = serde_json::Map::new();
    for (k, v) in std::env::vars() {
        if let Some(name) = k.strip_prefix("ARGOCD_ENV_") {
            params.insert(name.to_lowercase(), serde_json::Value::String(v));
        }
    }
    if let Some(json) = var("ARGOCD_APP_PARAMETERS")
        && let Ok(serde_json::Value::Array(items)) = serde_json::from_str::<serde_json::Value>(&json)
    {
        for p in items {
            let Some(name) = p.get("name").and_then(|n| n.as_str()) else { continue };
            let value = p
                .get("string")
                .or_else(|| p.get("array"))
                .or_else(|| p.get("map"))
                .cloned()
                .unwrap_or(serde_json::Value::Null);
            params.insert(name.to_string(), value);
        }
    }
    if !params.is_empty() {
        out.insert("parameters".into(), serde_json::Value::Object(params));
    }
    out
}

/// The line that says where a vault's version data came from.
fn version_source(vault: &str, source: &str) -> String {
    if source == "live" {
        format!("versions for {vault}: live, from Key Vault")
    } else {
        format!(
            "versions for {vault}: inventory file {source} (a snapshot: a secret rotated in Key Vault after it was \
             taken rolls nothing until the file is refreshed)"
        )
    }
}

/// One explicit source of version data per run: Key Vault, unless inventories are asked for (`--offline`,
/// `--vault-inventory`, or `generate: {versions: inventory}`, which never contacts Key Vault). Applies the choice to
/// `vault` and returns the stderr line that says it; the per-vault lines after the run say which vault's versions
/// came from where.
fn choose_version_source(vault: &mut VaultOptions, repo: &Path, config: &crate::config::Config) -> &'static str {
    let pinned = config.generate.versions == crate::config::VersionSource::Inventory;
    let line = if vault.offline {
        "version data: inventory files only (--offline: Key Vault is not contacted)"
    } else if !vault.inventory_files.is_empty() {
        "version data: the --vault-inventory files and the config's vaultInventory files; Key Vault for any vault \
         they do not cover"
    } else if pinned {
        "version data: inventory files only (`generate: {versions: inventory}` in .argocd-eso-plugin.yaml: Key Vault \
         is not contacted, and a rotation rolls nothing until the files are refreshed)"
    } else if config.environments.iter().any(|e| !e.vault_inventory.is_empty()) {
        "version data: live from Key Vault (the config's vaultInventory files are for lint; generate reads them only \
         with --offline, --vault-inventory or `generate: {versions: inventory}` in .argocd-eso-plugin.yaml)"
    } else {
        "version data: live from Key Vault"
    };
    if vault.offline || !vault.inventory_files.is_empty() || pinned {
        vault.add_config_inventories(repo, config);
    }
    vault.offline |= pinned;
    line
}

pub fn run(
    path: Option<PathBuf>,
    env: Option<String>,
    fail_on: Option<Severity>,
    allow_unstamped: bool,
    stamp: StampOptions,
    mut vault: VaultOptions,
) -> Result<(String, i32), Error> {
    let app_path = match path {
        Some(p) => p,
        None => std::env::current_dir().map_err(|e| Error::Io(format!("working directory: {e}")))?,
    };
    let app_path =
        std::fs::canonicalize(&app_path).map_err(|e| Error::Usage(format!("{}: {e}", app_path.display())))?;
    let repo = repo_root(&app_path);
    let config = crate::rules::load_config(&repo)?;
    let env = env.or_else(|| parameter("environment"));
    let fail_on = match fail_on {
        Some(f) => f,
        None => match parameter("fail-on").as_deref() {
            None => Severity::Error,
            Some("error") => Severity::Error,
            Some("warning") => Severity::Warning,
            Some("info") => Severity::Info,
            Some(other) => {
                return Err(Error::Usage(format!("parameter fail-on: '{other}' is not error, warning or info")));
            }
        },
    };
    if let Some(days) = parameter("expiry-warning-days") {
        vault.expiry_warning_days = days
            .parse()
            .map_err(|_| Error::Usage(format!("parameter expiry-warning-days: '{days}' is not a number")))?;
    }
    tracing::info!("{}", choose_version_source(&mut vault, &repo, &config));
    let app_name = var("ARGOCD_APP_NAME").unwrap_or_else(|| "(not run by Argo CD)".into());
    let app = crate::app::render_app(&crate::app::AppOptions {
        dir: app_path.clone(),
        bounded: repo != app_path || crate::scan::find_repo_root(&app_path).is_some(),
        session: Session::new(repo.clone(), config, vault),
        env,
        stamp,
        load_restrictor: Default::default(),
        argocd: argocd_context(),
        destination_namespace: var("ARGOCD_APP_NAMESPACE"),
        context: crate::app::ContextOptions {
            fingerprint: crate::context::Fingerprint::from_argocd(
                var("ARGOCD_APP_SOURCE_REPO_URL").as_deref(),
                var("ARGOCD_APP_REVISION").as_deref(),
            ),
            ..Default::default()
        },
    })?;
    app.vault.failures()?;
    let env_name = app.env.clone().unwrap_or_else(|| "default".into());
    tracing::info!(
        "app {app_name} at revision {}: environment {env_name}, {} object(s), {} workload(s) stamped",
        var("ARGOCD_APP_REVISION_SHORT").or_else(|| var("ARGOCD_APP_REVISION")).unwrap_or_else(|| "-".into()),
        app.resources.len(),
        app.stamp.workloads.len()
    );
    // Where the version data came from, every run: a committed inventory is a snapshot, and a rotation made in Key
    // Vault after it was taken does not roll the pods until the file is refreshed (issue 16).
    for (vault, inventory) in &app.vault.inventories {
        if let Ok(inv) = inventory {
            let source = std::path::Path::new(&inv.source);
            let source = source.strip_prefix(&repo).unwrap_or(source).display().to_string();
            tracing::info!("{}", version_source(vault, &source));
        }
    }
    for n in &app.notes {
        tracing::info!("{n}");
    }
    if let Some(c) = &app.context {
        tracing::debug!("{c}");
    }
    for f in &app.findings {
        // Findings are said even with -q: in Argo CD they are why an app does not sync.
        tracing::warn!(raw = true, "{}", f.one_line());
    }
    if app.findings.iter().any(|f| f.severity >= fail_on) {
        tracing::warn!("findings at or above '{}': no manifests emitted", fail_on.as_str());
        return Ok((String::new(), 1));
    }
    if !app.stamp.unknown.is_empty() && !allow_unstamped {
        return Err(Error::Refused(format!(
            "no Key Vault version data for {}: emitting manifests without their rollout annotations would roll every stamped workload once; \
             give the sidecar access to the vault (or an inventory), or set --allow-unstamped",
            app.stamp.unknown.join(", ")
        )));
    }
    if app.resources.is_empty() {
        // Argo CD with auto-prune deletes every resource of an app whose plugin prints nothing.
        return Err(Error::Refused(format!(
            "{} renders no objects: refusing to emit an empty manifest set, which Argo CD would apply by pruning \
             every resource of the app",
            app_path.display()
        )));
    }
    let out = crate::output::manifests::to_yaml_stream(&app.resources).map_err(|e| Error::Output(e.to_string()))?;
    Ok((out, 0))
}
