//! Running the vault stage for a set of environments: inventories from files first, then live for the vaults left
//! (all in parallel, each asked once, with the cheaper plan), unless offline.

use super::live::{Connection, LiveOptions, Plan, choose_plan};
use super::{FailureKind, Inventory, VaultFailure, inventory_file};
use crate::error::Error;
use crate::eso::azure::AzureCloud;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// Live answers shared by the stage runs of one command (`diff` runs one per app and side): a vault is asked once
/// per plan, and both sides of a diff read the same state of it.
pub type LiveMemo = Arc<Mutex<BTreeMap<(String, Plan), Result<Inventory, VaultFailure>>>>;

#[derive(Debug, Clone)]
pub struct VaultOptions {
    /// Skip live access; inventories from files are still used.
    pub offline: bool,
    /// Inventory files the user named (command line): read wherever they are.
    pub inventory_files: Vec<PathBuf>,
    /// Inventory files a repository's config names, with that repository's root: read only inside it.
    pub repo_inventory_files: Vec<(PathBuf, PathBuf)>,
    pub live: LiveOptions,
    pub expiry_warning_days: i64,
    /// Unix seconds; "now" for expiry checks.
    pub now: i64,
    /// Rollout stamping needs version ids: prefer version listings.
    pub want_versions: bool,
    /// Set by commands that run the stage more than once.
    pub memo: Option<LiveMemo>,
}

impl Default for VaultOptions {
    fn default() -> VaultOptions {
        VaultOptions {
            offline: false,
            inventory_files: Vec::new(),
            repo_inventory_files: Vec::new(),
            live: LiveOptions::default(),
            expiry_warning_days: 30,
            now: time::OffsetDateTime::now_utc().unix_timestamp(),
            want_versions: false,
            memo: None,
        }
    }
}

impl VaultOptions {
    /// Add the inventory files `config` names (relative to `repo`); they are read only inside `repo`.
    pub fn add_config_inventories(&mut self, repo: &std::path::Path, config: &crate::config::Config) {
        for env in &config.environments {
            for f in &env.vault_inventory {
                let entry = (repo.to_path_buf(), repo.join(f));
                if !self.repo_inventory_files.contains(&entry) {
                    self.repo_inventory_files.push(entry);
                }
            }
        }
    }

    /// Every inventory file with the root it must stay in (none for the user's own).
    fn all_inventory_files(&self) -> impl Iterator<Item = (Option<&std::path::Path>, &std::path::Path)> {
        let user = self.inventory_files.iter().map(|f| (None, f.as_path()));
        user.chain(self.repo_inventory_files.iter().map(|(root, f)| (Some(root.as_path()), f.as_path())))
    }
}

/// What one vault is asked for across all environments of a run.
#[derive(Debug, Default, Clone)]
pub struct Demand {
    pub names: BTreeSet<String>,
    pub needs_listing: bool,
    /// The cloud of the stores reading it.
    pub cloud: crate::eso::azure::AzureCloud,
}

/// What a `dataFrom.find` takes ([`VaultData::taken_by`]).
pub enum Taken<'v> {
    /// The vault's full listing is not known (no inventory, a partial one, or the vault could not be read).
    NotListed,
    /// The name regexp does not compile: ESO fails the sync (ESO011).
    InvalidRegexp,
    Secrets(Vec<&'v super::SecretMeta>),
}

#[derive(Debug, Default)]
pub struct VaultData {
    /// Per normalised vault URL: its inventory, or why it could not be had.
    pub inventories: BTreeMap<String, Result<Inventory, VaultFailure>>,
    /// Vaults referenced but not checked (offline, no inventory file).
    pub skipped: Vec<String>,
    pub expiry_warning_days: i64,
    pub now: i64,
    /// The live credential used, for the record.
    pub credential: Option<String>,
}

impl VaultData {
    /// Err naming every vault that could not be read: an app whose versions cannot be known is not output.
    pub fn failures(&self) -> Result<(), Error> {
        let lines: Vec<String> = self
            .inventories
            .values()
            .filter_map(|r| r.as_ref().err().map(|f| f.line(self.credential.as_deref())))
            .collect();
        if lines.is_empty() { Ok(()) } else { Err(Error::Vault(lines.join("\n"))) }
    }

    /// The inventory of a vault, when the stage got one.
    pub fn inventory(&self, vault: &str) -> Option<&Inventory> {
        self.inventories.get(vault)?.as_ref().ok()
    }

    /// The secrets a `dataFrom.find` takes from its vault, as the azurekv provider's `GetAllSecrets` would: one
    /// answer for rollout, the key sets, KV007 and graph.
    pub fn taken_by(&self, find: &crate::model::refs::FindRef) -> Taken<'_> {
        // ESO compiles the regexp before it lists anything: an invalid one takes nothing, whatever the vault holds.
        if matches!(find.matcher, Some(Err(_))) {
            return Taken::InvalidRegexp;
        }
        match self.inventory(&find.vault).filter(|i| i.completeness == super::Completeness::Full) {
            Some(inv) => Taken::Secrets(
                inv.secrets.values().filter(|m| find.takes(&m.name, m.enabled, &m.tags) == Some(true)).collect(),
            ),
            None => Taken::NotListed,
        }
    }
}

impl Demand {
    /// Add to `demands` what the ExternalSecrets of `model` that `keep` accepts ask of each vault: the names they
    /// read (Key Vault `key` objects are not secrets and are not listed), and a full listing where they `find`.
    pub fn collect(
        demands: &mut BTreeMap<String, Demand>,
        model: &crate::model::EnvModel,
        keep: &dyn Fn(&crate::resource::Resource) -> bool,
    ) {
        for k in
            model.key_refs().iter().filter(|k| k.object != crate::eso::azure::KeyObject::Key && keep(k.external_secret))
        {
            let d = demands.entry(k.vault.clone()).or_default();
            d.names.insert(k.name.to_lowercase());
            d.cloud = k.cloud;
        }
        for f in model.find_refs().iter().filter(|f| keep(f.external_secret)) {
            let d = demands.entry(f.vault.clone()).or_default();
            d.needs_listing = true;
            d.cloud = f.cloud;
        }
    }
}

/// Load inventories and fetch what is missing. Err only for unusable input (an inventory file that does not parse).
pub fn run(demands: &BTreeMap<String, Demand>, opts: &VaultOptions) -> Result<VaultData, Error> {
    let mut data = VaultData { expiry_warning_days: opts.expiry_warning_days, now: opts.now, ..Default::default() };
    let mut from_files: BTreeMap<String, Inventory> = BTreeMap::new();
    for (root, f) in opts.all_inventory_files() {
        let inv = inventory_file::load(root, f).map_err(Error::Config)?;
        if let Some(existing) = from_files.get(&inv.vault) {
            return Err(Error::Config(format!(
                "{}: vault {} already has an inventory ({})",
                f.display(),
                inv.vault,
                existing.source
            )));
        }
        from_files.insert(inv.vault.clone(), inv);
    }
    let mut live: Vec<(String, Plan, AzureCloud)> = Vec::new();
    for (vault, demand) in demands {
        if let Some(inv) = from_files.remove(vault) {
            data.inventories.insert(vault.clone(), Ok(inv));
        } else if opts.offline {
            data.skipped.push(vault.clone());
        } else {
            let names: Vec<String> = demand.names.iter().cloned().collect();
            let plan = choose_plan(&names, demand.needs_listing, opts.want_versions);
            if let Some(known) =
                opts.memo.as_ref().and_then(|m| m.lock().expect("memo").get(&(vault.clone(), plan.clone())).cloned())
            {
                data.inventories.insert(vault.clone(), known);
                continue;
            }
            live.push((vault.clone(), plan, demand.cloud));
        }
    }
    if live.is_empty() {
        return Ok(data);
    }
    // One connection (credential) per cloud: a store's environmentType picks its Entra authority.
    let clouds: BTreeSet<AzureCloud> = live.iter().map(|(_, _, c)| *c).collect();
    let mut connections: BTreeMap<AzureCloud, Result<Connection, String>> = BTreeMap::new();
    for cloud in clouds {
        let c = Connection::new(&opts.live, cloud);
        if let Ok(c) = &c {
            tracing::info!("Key Vault credential: {}", c.credential_description);
            data.credential = Some(c.credential_description.clone());
        }
        connections.insert(cloud, c);
    }
    for (vault, plan, _) in &live {
        tracing::debug!(
            "{vault}: {}",
            match plan {
                Plan::ListAll => "paged listing of every secret".to_string(),
                Plan::Names(n) => format!("version listings of {} name(s)", n.len()),
            }
        );
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Error::Io(format!("the Key Vault client's runtime: {e}")))?;
    let results = runtime.block_on(async {
        let futures = live.iter().map(|(vault, plan, cloud)| {
            let c = &connections[cloud];
            async move {
                match c {
                    Ok(c) => (vault.clone(), c.inventory(vault, plan).await),
                    Err(e) => (vault.clone(), Err(VaultFailure::new(FailureKind::Credential, e.clone()))),
                }
            }
        });
        futures::future::join_all(futures).await
    });
    for ((vault, r), (_, plan, _)) in results.into_iter().zip(live) {
        if let Some(m) = &opts.memo {
            m.lock().expect("memo").insert((vault.clone(), plan), r.clone());
        }
        data.inventories.insert(vault, r);
    }
    Ok(data)
}
