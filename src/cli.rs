//! The command line: wires the pipeline stages per command. Nothing reaches stdout until a command has succeeded.

use crate::error::Error;
use crate::kustomize::LoadRestrictor;
use crate::session::Session;
use clap::{Parser, Subcommand, ValueEnum};
use std::io::Write;
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "argocd-eso-plugin",
    version = concat!(env!("CARGO_PKG_VERSION"), " (", env!("GIT_REVISION"), ")"),
    about = "Render, lint and stamp External Secrets Operator + Azure Key Vault manifests for Argo CD"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// Print nothing on stderr but errors.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Say more on stderr: environments, overlays, vault plans.
    #[arg(short, long, global = true)]
    pub verbose: bool,
}

/// How much goes to stderr besides errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verbosity {
    Quiet,
    Normal,
    Verbose,
}

static VERBOSITY: std::sync::OnceLock<Verbosity> = std::sync::OnceLock::new();

pub fn verbosity() -> Verbosity {
    *VERBOSITY.get().unwrap_or(&Verbosity::Normal)
}

/// Write to stderr, ignoring failure: a closed or broken stderr must neither panic (as `eprintln!` does) nor change
/// the exit code; stdout carries the result.
pub fn stderr(text: &str) {
    let mut e = std::io::stderr().lock();
    let _ = e.write_all(text.as_bytes()).and_then(|_| e.flush());
}

/// A note for stderr, unless --quiet.
pub fn note(message: &str) {
    if verbosity() >= Verbosity::Normal {
        stderr(&format!("argocd-eso-plugin: {message}\n"));
    }
}

/// A progress line for long runs: on a terminal only (and not with --quiet), overwritten in place; nothing when
/// stderr is piped or captured.
pub fn progress(done: usize, total: usize, what: &str) {
    use std::io::IsTerminal;
    if verbosity() == Verbosity::Quiet || !std::io::stderr().is_terminal() || total < 2 {
        return;
    }
    // A hundred updates at most: thousands of overlays would otherwise write thousands of lines to the terminal.
    if done < total && !done.is_multiple_of((total / 100).max(1)) {
        return;
    }
    stderr(&format!("\r\x1b[2K{what} {done}/{total}"));
    if done >= total {
        stderr("\r\x1b[2K");
    }
}

/// Detail for stderr with --verbose.
pub fn detail(message: &str) {
    if verbosity() >= Verbosity::Verbose {
        stderr(&format!("argocd-eso-plugin: {message}\n"));
    }
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
        /// The environment (default: from .argocd-eso-plugin.yaml, else the overlays/<env> convention).
        #[arg(long)]
        env: Option<String>,
        /// Only the kustomize build, exactly as `kubectl kustomize` prints it: no Key Vault stage, no stamping.
        #[arg(long)]
        plain: bool,
        /// The Argo CD Application's destination namespace: namespaced objects that name none are checked there,
        /// as Argo CD applies them (`generate` reads ARGOCD_APP_NAMESPACE). The printed manifests are unchanged.
        #[arg(long, value_name = "NAMESPACE")]
        app_namespace: Option<String>,
        #[command(flatten)]
        stamp: StampArgs,
        #[command(flatten)]
        vault: VaultArgs,
    },
    /// Argo CD Config Management Plugin entry point: render the app in PATH (default: the working directory, as
    /// argocd-cmp-server runs it), check it, stamp rollout hashes, and print the manifests. Fails closed.
    Generate {
        path: Option<PathBuf>,
        /// The environment (default: the `environment` parameter, ARGOCD_ENV_ENVIRONMENT, the config, the path).
        #[arg(long)]
        env: Option<String>,
        /// Fail (print nothing) when a finding reaches this severity (default: the `fail-on` parameter, else error).
        #[arg(long, value_enum)]
        fail_on: Option<crate::rules::Severity>,
        /// Emit manifests even when some rollout hashes cannot be computed (they are then left out, and the
        /// workloads that had them roll once).
        #[arg(long)]
        allow_unstamped: bool,
        #[command(flatten)]
        stamp: StampArgs,
        #[command(flatten)]
        vault: VaultArgs,
    },
    /// Argo CD discovery: print the ESO kinds rendered from PATH (default: the working directory) and exit 0, or
    /// print nothing. plugin.yaml's `find.command` uses it so that only apps with ESO objects take the plugin.
    Discover { path: Option<PathBuf> },
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
        /// Print the `.argocd-eso-plugin.yaml` entries to paste for the stores referenced but rendered nowhere
        /// (REF003), instead of the findings.
        #[arg(long)]
        suggest_config: bool,
        #[command(flatten)]
        vault: VaultArgs,
    },
    /// What a change does to every environment: render each from the working tree and from a git revision, and
    /// show the objects added, removed and changed, with why workloads roll.
    Diff {
        #[arg(default_value = ".")]
        repo: PathBuf,
        /// The revision to compare with (default: the merge base with the default branch, else HEAD).
        #[arg(long)]
        base: Option<String>,
        /// Only these environments (repeatable).
        #[arg(long = "env")]
        envs: Vec<String>,
        #[arg(short, long, value_enum, default_value = "text")]
        output: DiffFormat,
        /// Exit 1 when something differs, as `git diff --exit-code` does.
        #[arg(long)]
        exit_code: bool,
        /// Render every overlay on both sides, also those none of whose files changed (normally rendered once).
        #[arg(long, hide = true)]
        render_both_sides: bool,
        #[command(flatten)]
        stamp: StampArgs,
        #[command(flatten)]
        vault: VaultArgs,
    },
    /// An environment's dependency graph: Key Vault key -> ExternalSecret -> Secret -> workloads.
    Graph {
        #[arg(default_value = ".")]
        repo: PathBuf,
        /// The environment (default: the only one, if there is one).
        #[arg(long)]
        env: Option<String>,
        #[arg(short, long, value_enum, default_value = "mermaid")]
        output: GraphFormat,
        #[command(flatten)]
        vault: VaultArgs,
    },
    /// Explain a rule (`explain REF001`), or list every rule.
    Explain { code: Option<String> },
    /// Print a shell completion script (bash, zsh, fish, ...).
    Completions { shell: clap_complete::Shell },
    /// Print the man page (roff), generated from the command-line definitions; with --out-dir, write the page of
    /// the command and one per subcommand (argocd-eso-plugin-lint.1, ...) there instead.
    Man {
        #[arg(long, value_name = "DIR")]
        out_dir: Option<PathBuf>,
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
    /// Benchmark what users run on a synthetic fleet repo of N overlays: whole-repo `lint --offline`, one app's
    /// `generate` (and the same app alone with its stores), `diff` of a one-file change; with `kubectl kustomize`
    /// timed on a sample in the same run, ratios and peak memory.
    BenchLint {
        /// Number of overlays (apps x 2 environments, plus 2 store overlays).
        #[arg(long, default_value_t = 1500)]
        overlays: usize,
        /// How many overlays to time with `kubectl kustomize`.
        #[arg(long, default_value_t = 20)]
        sample: usize,
        /// Timed `generate` runs per repo (the median is printed).
        #[arg(long, default_value_t = 15)]
        generate_runs: usize,
        /// Timed whole-repo lint runs per repo (the median is printed).
        #[arg(long, default_value_t = 5)]
        lint_runs: usize,
        /// Also write a fleet of this many overlays and compare its lint time and memory with the first's.
        #[arg(long, value_name = "OVERLAYS")]
        scale_to: Option<usize>,
        /// Skip timing `diff` (it needs git).
        #[arg(long)]
        no_diff: bool,
        /// Write the fleet repo here and keep it (to profile or rerun a command on it), instead of a temporary
        /// directory.
        #[arg(long, value_name = "DIR")]
        keep: Option<PathBuf>,
    },
    /// Differential fuzzing against `kubectl kustomize`: generate random kustomization trees full of YAML hazards,
    /// render each both ways, and print the divergences, minimised. Exits 1 when any case diverges.
    BenchParity {
        /// Number of generated cases.
        #[arg(long, default_value_t = 500)]
        cases: usize,
        /// Seed of the case set (the same seed generates the same cases everywhere).
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum DiffFormat {
    Text,
    Markdown,
    Json,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum GraphFormat {
    Mermaid,
    Dot,
}

/// Rollout stamping switches.
#[derive(clap::Args, Debug, Clone)]
pub struct StampArgs {
    /// Do not annotate ExternalSecrets with the hash of their keys.
    #[arg(long)]
    pub no_external_secret_hash: bool,
    /// Do not give ExternalSecrets a sync wave ahead of their consumers.
    #[arg(long)]
    pub no_sync_waves: bool,
}

impl StampArgs {
    fn options(&self) -> crate::rollout::StampOptions {
        crate::rollout::StampOptions {
            external_secrets: !self.no_external_secret_hash,
            sync_waves: !self.no_sync_waves,
        }
    }
}

/// The Key Vault stage's options, shared by every command that checks vaults.
#[derive(clap::Args, Debug, Clone)]
pub struct VaultArgs {
    /// Do not contact Azure; use only the inventory files.
    #[arg(long)]
    pub offline: bool,
    /// The JSON of `az keyvault secret list --vault-name X -o json` (repeatable); the vault is inferred from the ids.
    #[arg(long = "vault-inventory", value_name = "FILE")]
    pub vault_inventory: Vec<PathBuf>,
    /// Which Azure credential to use for live checks.
    #[arg(long, value_enum, default_value = "auto")]
    pub azure_auth: crate::vault::live::AuthChoice,
    /// Warn about secrets expiring within this many days.
    #[arg(long, default_value_t = 30)]
    pub expiry_warning_days: i64,
    /// Give up on a vault after this many seconds (retries included); Argo CD allows a plugin 60 s in all.
    #[arg(long, default_value_t = 20)]
    pub vault_timeout: u64,
    /// Connect to IP:PORT whenever HOST is asked for (private endpoints, split-horizon DNS). Repeatable; in a
    /// sidecar, where the command line is plugin.yaml's, the container's environment gives a comma-separated list.
    #[arg(long, value_name = "HOST=IP:PORT", env = "ARGOCD_ESO_PLUGIN_CONNECT_TO", value_delimiter = ',')]
    pub connect_to: Vec<String>,
    /// Also trust the CA certificates of this PEM file (also from the container's environment).
    #[arg(long, value_name = "PEM", env = "ARGOCD_ESO_PLUGIN_CA_FILE")]
    pub ca_file: Option<PathBuf>,
}

impl VaultArgs {
    pub fn options(&self) -> Result<crate::vault::stage::VaultOptions, Error> {
        let mut o = crate::vault::stage::VaultOptions {
            offline: self.offline,
            inventory_files: self.vault_inventory.clone(),
            expiry_warning_days: self.expiry_warning_days,
            ..Default::default()
        };
        o.live.auth = self.azure_auth;
        o.live.timeout = std::time::Duration::from_secs(self.vault_timeout.max(1));
        for r in &self.connect_to {
            let (host, addr) =
                r.split_once('=').ok_or_else(|| Error::Usage(format!("--connect-to {r}: expected HOST=IP:PORT")))?;
            let sock: std::net::SocketAddr =
                addr.parse().map_err(|e| Error::Usage(format!("--connect-to {r}: {e}")))?;
            o.live.resolve.push((host.to_string(), sock));
        }
        if let Some(ca) = &self.ca_file {
            o.live.extra_ca_pem =
                Some(std::fs::read(ca).map_err(|e| Error::Usage(format!("--ca-file {}: {e}", ca.display())))?);
        }
        Ok(o)
    }
}

/// A vault that could not be queried stops `render` and `generate`: stamping without it would be wrong.
/// The repository root above `dir`: the nearest directory holding `.git` or a `.argocd-eso-plugin.yaml`.
pub use crate::scan::find_repo_root;

/// Stages report through `tracing` (info: said by default; debug: with -v; warn: even with -q) and never print;
/// this subscriber is the one place that writes their messages to stderr. Only this program's own events: the
/// Azure SDK's tracing stays silent.
struct StderrLog {
    max: tracing::Level,
}

/// The message of an event, and whether it is a line of its own (a finding) rather than a note.
#[derive(Default)]
struct EventText {
    message: String,
    raw: bool,
}

impl tracing::field::Visit for EventText {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            self.message = format!("{value:?}");
        }
    }
    fn record_bool(&mut self, field: &tracing::field::Field, value: bool) {
        if field.name() == "raw" {
            self.raw = value;
        }
    }
}

impl tracing::Subscriber for StderrLog {
    fn enabled(&self, metadata: &tracing::Metadata<'_>) -> bool {
        metadata.target().starts_with("argocd_eso_plugin") && *metadata.level() <= self.max
    }
    fn max_level_hint(&self) -> Option<tracing::level_filters::LevelFilter> {
        Some(tracing::level_filters::LevelFilter::from_level(self.max))
    }
    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        let mut text = EventText::default();
        event.record(&mut text);
        if text.raw {
            stderr(&format!("{}\n", text.message));
        } else {
            stderr(&format!("argocd-eso-plugin: {}\n", text.message));
        }
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
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
    let verbosity = if cli.quiet {
        Verbosity::Quiet
    } else if cli.verbose {
        Verbosity::Verbose
    } else {
        Verbosity::Normal
    };
    let _ = VERBOSITY.set(verbosity);
    let max = match verbosity {
        Verbosity::Quiet => tracing::Level::WARN,
        Verbosity::Normal => tracing::Level::INFO,
        Verbosity::Verbose => tracing::Level::DEBUG,
    };
    let _ = tracing::subscriber::set_global_default(StderrLog { max });
    match execute(cli) {
        Ok((out, code)) => {
            let mut stdout = std::io::stdout().lock();
            if stdout.write_all(out.as_bytes()).and_then(|_| stdout.flush()).is_err() {
                return 2;
            }
            code
        }
        Err(e) => {
            tracing::debug!("error of kind {}", e.kind());
            stderr(&format!("error: {e}\n"));
            e.exit_code()
        }
    }
}

fn color_stdout() -> bool {
    use std::io::IsTerminal;
    std::env::var_os("NO_COLOR").is_none() && std::io::stdout().is_terminal()
}

/// The command's complete stdout and its exit code; an Err is said on stderr, with its exit code and nothing on
/// stdout (the one place errors become messages).
fn execute(cli: Cli) -> Result<(String, i32), Error> {
    match cli.command {
        Command::Render { dir, load_restrictor, env, plain, app_namespace, stamp, vault } => {
            let restrictor = match load_restrictor {
                Restrictor::RootOnly => LoadRestrictor::RootOnly,
                Restrictor::None => LoadRestrictor::None,
            };
            let found = find_repo_root(&dir);
            let bounded = found.is_some();
            let repo = found.unwrap_or_else(|| dir.clone());
            let config = crate::rules::load_config(&repo)?;
            if plain {
                let env = env.or_else(|| {
                    crate::app::env_of_dir(&repo, &config, &std::fs::canonicalize(&dir).unwrap_or(dir.clone()))
                });
                let templates = crate::template::TemplateContext { env, ..Default::default() };
                let opts = crate::kustomize::BuildOptions {
                    load_restrictor: restrictor,
                    repo_root: bounded.then_some(repo),
                    preprocessor: templates.preprocessor(),
                    without_charts: false,
                    // An Application source that names a plugin carries no kustomize options.
                    edits: None,
                };
                let resources = crate::kustomize::build(&dir, &opts)?;
                return Ok((
                    crate::output::manifests::to_yaml_stream(&resources).map_err(|e| Error::Output(e.to_string()))?,
                    0,
                ));
            }
            let mut vault_opts = vault.options()?;
            vault_opts.add_config_inventories(&repo, &config);
            let app = crate::app::render_app(&crate::app::AppOptions {
                session: Session::new(repo, config, vault_opts),
                dir,
                bounded,
                env,
                stamp: stamp.options(),
                load_restrictor: restrictor,
                argocd: Default::default(),
                destination_namespace: app_namespace,
                context: Default::default(),
            })?;
            app.vault.failures()?;
            for n in &app.notes {
                note(n);
            }
            if let Some(c) = &app.context {
                detail(c);
            }
            if !app.stamp.unknown.is_empty() {
                note(&format!(
                    "rollout annotations left out for {} (no Key Vault version data{})",
                    app.stamp.unknown.join(", "),
                    if app.vault.skipped.is_empty() { "" } else { "; --offline and no inventory for their vault" }
                ));
            }
            detail(&format!(
                "environment {}; stamped {}",
                app.env.as_deref().unwrap_or("(none)"),
                app.stamp.workloads.join(", ")
            ));
            Ok((crate::output::manifests::to_yaml_stream(&app.resources).map_err(|e| Error::Output(e.to_string()))?, 0))
        }
        Command::Generate { path, env, fail_on, allow_unstamped, stamp, vault } => {
            crate::generate::run(path, env, fail_on, allow_unstamped, stamp.options(), vault.options()?)
        }
        Command::Lint { repo, output, fail_on, envs, suggest_config, vault } => {
            let session = Session::open(&repo, vault.options()?)?.with_progress(std::sync::Arc::new(progress));
            let opts = crate::lint::LintOptions { session, only_envs: envs };
            let report = crate::lint::lint(&opts)?;
            let how = match report.layout.how {
                crate::scan::Discovery::Config => "the environments of .argocd-eso-plugin.yaml",
                crate::scan::Discovery::Applications => {
                    "the Argo CD Applications, ApplicationSets and Flux Kustomizations of the repository (one environment per \
                     destination cluster)"
                }
                crate::scan::Discovery::Convention => crate::scan::CONVENTIONS,
                crate::scan::Discovery::Roots => {
                    "no environment convention matched: every kustomization no other one lists, each on its own"
                }
            };
            detail(&format!("environments from {how}"));
            for env in &report.environments {
                detail(&format!("  {env}:"));
                for dir in report.layout.environments.get(env).into_iter().flatten() {
                    let why = report.layout.reasons.get(&(env.clone(), dir.clone())).map_or("", String::as_str);
                    let ns = report.layout.namespaces.get(&(env.clone(), dir.clone()));
                    let ns = ns.map(|n| format!(", namespace {n}")).unwrap_or_default();
                    detail(&format!("    {} ({why}{ns})", dir.display()));
                }
            }
            for line in &report.layout.skipped {
                detail(&format!("  not followed: {line}"));
            }
            if report.environments.is_empty() {
                note("no kustomization directory found: nothing was checked");
            }
            if suggest_config {
                return Ok((crate::lint::suggested_config(&report), 0));
            }
            let ctx = crate::output::Context { repo: &opts.session.repo, color: color_stdout() };
            let text = crate::output::render(output, &report, &ctx).map_err(Error::Output)?;
            let failed = report.worst().is_some_and(|w| w >= fail_on);
            Ok((text, if failed { 1 } else { 0 }))
        }
        Command::Diff { repo, base, envs, output, exit_code, render_both_sides, stamp, vault } => {
            let repo = std::fs::canonicalize(&repo).map_err(|e| Error::Usage(format!("{}: {e}", repo.display())))?;
            // The command line's vault options: each side adds its own config's inventories.
            let session = Session::new(repo.clone(), crate::rules::load_config(&repo)?, vault.options()?)
                .with_progress(std::sync::Arc::new(progress));
            let report = crate::diff::diff(&crate::diff::DiffOptions {
                session: session.clone(),
                base,
                envs,
                stamp: stamp.options(),
                render_both_sides,
            })?;
            let text = match output {
                DiffFormat::Text => crate::output::diff::text(&report, color_stdout()),
                DiffFormat::Json => crate::output::diff::json(&report).map_err(Error::Output)?,
                DiffFormat::Markdown => {
                    let opts = crate::lint::LintOptions::new(repo, session.config, vec![], session.vault);
                    let mut graphs = Vec::new();
                    for env in report.environments.iter().filter(|e| !e.changes.is_empty()) {
                        if let Ok(g) = crate::graph::for_environment(&opts, &env.environment) {
                            graphs.push((env.environment.clone(), g.to_mermaid()));
                        }
                    }
                    crate::output::diff::markdown(&report, &graphs)
                }
            };
            for env in &report.environments {
                note(&env.summary());
            }
            Ok((text, if exit_code && report.has_changes() { 1 } else { 0 }))
        }
        Command::Graph { repo, env, output, vault } => {
            let session = Session::open(&repo, vault.options()?)?.with_progress(std::sync::Arc::new(progress));
            let env = match env {
                Some(e) => e,
                None => {
                    let envs = session.layout()?.environments;
                    match envs.len() {
                        1 => envs.into_keys().next().expect("one"),
                        _ => {
                            return Err(Error::Usage(format!(
                                "choose an environment with --env: {}",
                                envs.into_keys().collect::<Vec<_>>().join(", ")
                            )));
                        }
                    }
                }
            };
            let g = crate::graph::for_environment(&crate::lint::LintOptions { session, only_envs: vec![] }, &env)?;
            Ok((if output == GraphFormat::Dot { g.to_dot() } else { g.to_mermaid() }, 0))
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
                let r = crate::rules::by_code(&c)
                    .ok_or_else(|| Error::Usage(format!("no rule {c}; `argocd-eso-plugin explain` lists them")))?;
                Ok((
                    format!(
                        "{} {} (default severity: {})\n\n{}.\n\n{}\n",
                        r.code,
                        r.name,
                        r.severity.as_str(),
                        r.summary,
                        r.explanation
                    ),
                    0,
                ))
            }
        },
        Command::Discover { path } => {
            let dir = match path {
                Some(p) => p,
                None => std::env::current_dir().map_err(|e| Error::Io(format!("working directory: {e}")))?,
            };
            let opts = crate::kustomize::BuildOptions {
                repo_root: find_repo_root(&dir),
                preprocessor: crate::template::TemplateContext::default().preprocessor(),
                ..Default::default()
            };
            // An app that does not render natively is claimed when its own files hold ESO objects: generate then
            // fails with the reason, where Argo CD would otherwise render it with its own kustomize, unchecked.
            let kinds: std::collections::BTreeSet<String> = match crate::kustomize::build(&dir, &opts) {
                Ok(rs) => {
                    rs.iter().filter(|r| crate::eso::EsoKind::of(r).is_some()).map(|r| r.kind().to_string()).collect()
                }
                Err(_) => crate::app::eso_kinds_in_files(opts.repo_root.as_deref(), &dir),
            };
            let out =
                if kinds.is_empty() { String::new() } else { kinds.into_iter().collect::<Vec<_>>().join("\n") + "\n" };
            Ok((out, 0))
        }
        Command::BenchRender { overlays, sample } => Ok((crate::bench::run(overlays, sample).map_err(Error::Io)?, 0)),
        Command::BenchLint { overlays, sample, generate_runs, lint_runs, scale_to, no_diff, keep } => {
            let opts = crate::bench::LintBench {
                overlays,
                lint_runs,
                scale_to,
                sample,
                generate_runs: generate_runs.max(1),
                diff: !no_diff,
                keep,
            };
            Ok((crate::bench::run_lint(&opts).map_err(Error::Io)?, 0))
        }
        Command::BenchParity { cases, seed } => {
            let report = crate::parity::run(cases, seed).map_err(Error::Io)?;
            let diverged = !report.contains(", 0 divergent");
            Ok((report, i32::from(diverged)))
        }
        Command::Completions { shell } => {
            let mut out = Vec::new();
            clap_complete::generate(
                shell,
                &mut <Cli as clap::CommandFactory>::command(),
                "argocd-eso-plugin",
                &mut out,
            );
            let mut script = String::from_utf8(out).map_err(|e| Error::Output(e.to_string()))?;
            if shell == clap_complete::Shell::Bash {
                // clap_complete's bash generator names the subcommand cases `argocd__subcmd__eso__subcmd__plugin__...`
                // (the hyphens of the binary name taken for subcommand separators) while it sets `cmd` to
                // `argocd__eso__plugin__...`: no subcommand's flags would ever complete.
                script = script.replace("argocd__subcmd__eso__subcmd__plugin", "argocd__eso__plugin");
            }
            Ok((script, 0))
        }
        Command::Man { out_dir: Some(dir) } => {
            std::fs::create_dir_all(&dir).map_err(|e| Error::Io(format!("{}: {e}", dir.display())))?;
            clap_mangen::generate_to(<Cli as clap::CommandFactory>::command(), &dir)
                .map_err(|e| Error::Io(format!("{}: {e}", dir.display())))?;
            let mut pages: Vec<String> = std::fs::read_dir(&dir)
                .map_err(|e| Error::Io(format!("{}: {e}", dir.display())))?
                .filter_map(Result::ok)
                .map(|e| e.path().display().to_string())
                .filter(|p| p.ends_with(".1"))
                .collect();
            pages.sort();
            Ok((pages.join("\n") + "\n", 0))
        }
        Command::Man { out_dir: None } => {
            let mut out = Vec::new();
            clap_mangen::Man::new(<Cli as clap::CommandFactory>::command())
                .render(&mut out)
                .map_err(|e| Error::Output(e.to_string()))?;
            Ok((String::from_utf8(out).map_err(|e| Error::Output(e.to_string()))?, 0))
        }
    }
}
