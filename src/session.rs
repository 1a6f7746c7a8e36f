//! The value every command composes its pipeline from: the repository, its config, how Key Vault is asked, and
//! where progress goes. The command line (or a program embedding the library) builds one; `lint`, `graph`,
//! `diff` and `render`/`generate` each take it with their own few options, and run the stages in order from it:
//! scan -> render -> model -> vault -> rules -> rollout -> output.

use crate::config::Config;
use crate::error::Error;
use crate::vault::stage::VaultOptions;
use std::path::{Path, PathBuf};

/// A progress callback: (done, total, what is being done).
pub type Progress = std::sync::Arc<dyn Fn(usize, usize, &str) + Send + Sync>;

#[derive(Clone)]
pub struct Session {
    /// The repository root, canonical: stores and the other overlays of an environment live under it.
    pub repo: PathBuf,
    pub config: Config,
    pub vault: VaultOptions,
    /// Told (done, total, what) as the work goes; the command line draws it on a terminal.
    pub progress: Option<Progress>,
}

impl Session {
    pub fn new(repo: PathBuf, config: Config, vault: VaultOptions) -> Session {
        Session { repo, config, vault, progress: None }
    }

    /// The repository at `dir`: resolved, its `.argocd-eso-plugin.yaml` read and checked (an unknown rule code is
    /// an error), and the config's inventory files added to `vault`.
    pub fn open(dir: &Path, mut vault: VaultOptions) -> Result<Session, Error> {
        if !dir.is_dir() {
            return Err(Error::Usage(format!("{} is not a directory", dir.display())));
        }
        let repo = std::fs::canonicalize(dir).map_err(|e| Error::Usage(format!("{}: {e}", dir.display())))?;
        let config = crate::rules::load_config(&repo)?;
        vault.add_config_inventories(&repo, &config);
        Ok(Session::new(repo, config, vault))
    }

    pub fn with_progress(mut self, progress: Progress) -> Session {
        self.progress = Some(progress);
        self
    }

    /// The repository's environments: the first stage of every whole-repository command.
    pub fn layout(&self) -> Result<crate::scan::Layout, Error> {
        crate::scan::layout(&self.repo, &self.config)
    }

    /// Say how far a step is, when anyone listens.
    pub fn report(&self, done: usize, total: usize, what: &str) {
        if let Some(progress) = &self.progress {
            progress(done, total, what);
        }
    }
}
