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
    /// Lint every environment of a repo: render each overlay, check the ESO objects and their consumers.
    Lint {
        /// The repository root (where .argocd-eso-plugin.yaml lives).
        #[arg(default_value = ".")]
        repo: PathBuf,
        #[arg(short, long, value_enum, default_value = "text")]
        output: crate::output::Format,
        /// Exit 1 when a finding reaches this severity.
        #[arg(long, value_enum, default_value = "error")]
        fail_on: crate::rules::Severity,
        /// Only these environments (repeatable).
        #[arg(long = "env")]
        envs: Vec<String>,
    },
    /// Explain a rule (`explain REF001`), or list every rule.
    Explain {
        code: Option<String>,
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
        Ok((out, code)) => {
            let mut stdout = std::io::stdout().lock();
            if stdout.write_all(out.as_bytes()).and_then(|_| stdout.flush()).is_err() {
                return 2;
            }
            code
        }
        Err(msg) => {
            eprintln!("error: {msg}");
            2
        }
    }
}

fn color_stdout() -> bool {
    use std::io::IsTerminal;
    std::env::var_os("NO_COLOR").is_none() && std::io::stdout().is_terminal()
}

/// The command's complete stdout and its exit code; Err is a usage or internal error (exit 2, nothing on stdout).
fn execute(cli: Cli) -> Result<(String, i32), String> {
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
            Ok((crate::output::manifests::to_yaml_stream(&resources).map_err(|e| e.to_string())?, 0))
        }
        Command::Lint { repo, output, fail_on, envs } => {
            if !repo.is_dir() {
                return Err(format!("{} is not a directory", repo.display()));
            }
            let repo = std::fs::canonicalize(&repo).map_err(|e| format!("{}: {e}", repo.display()))?;
            let config = crate::config::Config::load(&repo)?;
            let opts = crate::lint::LintOptions { repo: repo.clone(), config, only_envs: envs };
            let report = crate::lint::lint(&opts)?;
            let ctx = crate::output::Context { repo: &repo, color: color_stdout() };
            let text = crate::output::render(output, &report, &ctx)?;
            let failed = report.worst().is_some_and(|w| w >= fail_on);
            Ok((text, if failed { 1 } else { 0 }))
        }
        Command::Explain { code } => match code {
            None => {
                let mut s = String::new();
                for r in crate::rules::all() {
                    s.push_str(&format!("{}  {:<8} {:<34} {}\n", r.code, r.severity.as_str(), r.name, r.summary));
                }
                Ok((s, 0))
            }
            Some(c) => {
                let r = crate::rules::by_code(&c).ok_or_else(|| format!("no rule {c}; `argocd-eso-plugin explain` lists them"))?;
                Ok((format!("{} {} (default severity: {})\n\n{}.\n\n{}\n", r.code, r.name, r.severity.as_str(), r.summary, r.explanation), 0))
            }
        },
        Command::BenchRender { overlays, sample } => Ok((crate::bench::run(overlays, sample)?, 0)),
    }
}
