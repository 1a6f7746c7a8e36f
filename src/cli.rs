//! The command line: wires the pipeline stages per command. Nothing reaches stdout until a command has succeeded.

use crate::kustomize::{self, BuildOptions, LoadRestrictor};
use clap::{Parser, Subcommand, ValueEnum};
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Parser)]
#[command(name = "argocd-eso-plugin", version, about = "Render, lint and stamp ESO + Azure Key Vault manifests for Argo CD")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Clone, Copy, ValueEnum, Default)]
pub enum Restrictor {
    #[default]
    #[value(name = "LoadRestrictionsRootOnly")]
    RootOnly,
    #[value(name = "LoadRestrictionsNone")]
    None,
}

#[derive(Subcommand)]
pub enum Command {
    /// Render a kustomization directory natively and print the manifests (like `kubectl kustomize DIR`).
    Render {
        /// The kustomization directory.
        dir: PathBuf,
        /// Which files a kustomization may read, as in kustomize.
        #[arg(long, value_enum, default_value = "LoadRestrictionsRootOnly")]
        load_restrictor: Restrictor,
    },
    /// Benchmark: render a synthetic repo of N overlays natively and time `kubectl kustomize` on a sample of them.
    BenchRender {
        /// Number of synthetic overlays.
        #[arg(long, default_value_t = 1500)]
        overlays: usize,
        /// How many of them to time with `kubectl kustomize`.
        #[arg(long, default_value_t = 20)]
        sample: usize,
    },
}

/// The repository root above `dir` (the nearest directory holding `.git`), if any.
pub fn find_repo_root(dir: &Path) -> Option<PathBuf> {
    let abs = std::fs::canonicalize(dir).ok()?;
    abs.ancestors().find(|a| a.join(".git").exists()).map(Path::to_path_buf)
}

pub fn run() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return code;
        }
    };
    match execute(cli) {
        Ok(out) => {
            let mut stdout = std::io::stdout().lock();
            if stdout.write_all(out.as_bytes()).and_then(|_| stdout.flush()).is_err() {
                return 2;
            }
            0
        }
        Err(msg) => {
            eprintln!("error: {msg}");
            2
        }
    }
}

fn execute(cli: Cli) -> Result<String, String> {
    match cli.command {
        Command::Render { dir, load_restrictor } => {
            let opts = BuildOptions {
                load_restrictor: match load_restrictor {
                    Restrictor::RootOnly => LoadRestrictor::RootOnly,
                    Restrictor::None => LoadRestrictor::None,
                },
                repo_root: find_repo_root(&dir),
            };
            let resources = kustomize::build(&dir, &opts).map_err(|e| e.to_string())?;
            crate::output::manifests::to_yaml_stream(&resources).map_err(|e| e.to_string())
        }
        Command::BenchRender { overlays, sample } => crate::bench::run(overlays, sample),
    }
}
