//! One app's render reads only the overlays of its environment that it needs (`context`). That selection is only
//! right if every rule, the vault stage and rollout see, for the app's own objects, what they would see with the
//! whole environment rendered. Checked here over every repository the rule tests use, the seeds and the example
//! repo: every overlay of every environment, rendered with the whole environment as context, with the selection
//! computed afresh (cache miss) and with the selection read back from the cache (hit), must give the same objects,
//! findings, stamps and notes.

mod support;

use argocd_eso_plugin::app::{AppOptions, ContextOptions, render_app};
use argocd_eso_plugin::config::Config;
use argocd_eso_plugin::context::{ContextCache, Fingerprint};
use argocd_eso_plugin::vault::stage::VaultOptions;
use std::path::{Path, PathBuf};

fn repos() -> Vec<PathBuf> {
    let testdata = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata");
    let mut out = vec![support::examples()];
    out.push(testdata.join("context/cross-overlay"));
    for family in ["rules", "seeds"] {
        for e in walkdir::WalkDir::new(testdata.join(family)).max_depth(2).into_iter().filter_map(Result::ok) {
            let p = e.path();
            let is_repo = if family == "rules" { e.depth() == 2 } else { e.depth() == 1 };
            if is_repo && p.is_dir() {
                out.push(p.to_path_buf());
            }
        }
    }
    out.sort();
    out
}

fn outcome(repo: &Path, dir: &Path, context: ContextOptions) -> String {
    let config = Config::load(repo).unwrap_or_default();
    let mut vault = VaultOptions { offline: true, ..Default::default() };
    vault.add_config_inventories(repo, &config);
    let opts = AppOptions {
        session: argocd_eso_plugin::session::Session::new(repo.to_path_buf(), config, vault),
        dir: repo.join(dir),
        bounded: true,
        env: None,
        stamp: Default::default(),
        load_restrictor: Default::default(),
        argocd: Default::default(),
        destination_namespace: Some("argocd-destination".into()),
        context,
    };
    match render_app(&opts) {
        Ok(app) => format!(
            "{}\nfindings: {:#?}\nstamp: {:#?}\nnotes: {:?}",
            argocd_eso_plugin::output::manifests::to_yaml_stream(&app.resources).unwrap(),
            app.findings,
            app.stamp,
            app.notes
        ),
        Err(e) => format!("error: {e}"),
    }
}

#[test]
fn the_selected_context_gives_what_the_whole_environment_gives() {
    let cache_dir = tempfile::tempdir().unwrap();
    let mut apps = 0;
    let mut narrower = 0;
    for repo in repos() {
        let config = Config::load(&repo).unwrap_or_default();
        let envs = argocd_eso_plugin::scan::layout(&repo, &config).map(|l| l.environments).unwrap_or_default();
        for dirs in envs.values() {
            for dir in dirs {
                let whole = outcome(
                    &repo,
                    dir,
                    ContextOptions { cache: None, fingerprint: Fingerprint::Content, whole_environment: true },
                );
                let cached = || ContextOptions {
                    cache: Some(ContextCache { dir: cache_dir.path().to_path_buf() }),
                    fingerprint: Fingerprint::Content,
                    whole_environment: false,
                };
                let miss = outcome(&repo, dir, cached());
                let hit = outcome(&repo, dir, cached());
                assert_eq!(miss, whole, "{}: {} (cache miss)", repo.display(), dir.display());
                assert_eq!(hit, whole, "{}: {} (cache hit)", repo.display(), dir.display());
                apps += 1;
                if dirs.len() > 2 {
                    narrower += 1;
                }
            }
        }
    }
    println!("{apps} overlays: the selected context equals the whole environment's ({narrower} in environments of 3+)");
    assert!(apps > 60, "the repositories were found ({apps} overlays)");
}

/// The selection really is narrower: in the fleet repo of `bench-lint`, an app's context is the store overlay, not
/// the other apps.
#[test]
fn an_app_of_a_fleet_reads_only_its_stores() {
    let repo = tempfile::tempdir().unwrap();
    let fleet = argocd_eso_plugin::bench::write_fleet_repo(repo.path(), 30).unwrap();
    let cache_dir = tempfile::tempdir().unwrap();
    let cache = ContextCache { dir: cache_dir.path().to_path_buf() };
    let context = || ContextOptions {
        cache: Some(ContextCache { dir: cache_dir.path().to_path_buf() }),
        fingerprint: Fingerprint::Content,
        whole_environment: false,
    };
    let first = outcome(repo.path(), &fleet.app, context());
    assert!(first.contains("argocd-eso-plugin.io/secret-versions"), "stamped through the store overlay:\n{first}");
    let config = std::fs::read_to_string(repo.path().join(".argocd-eso-plugin.yaml")).unwrap();
    let key = cache.key(repo.path(), &Fingerprint::Content, "prod", &config).unwrap();
    let index = cache.load(&key).expect("the first render stored the index");
    assert_eq!(index.overlays.len(), 31);
    let wants = argocd_eso_plugin::context::wants(&[]);
    let selected: Vec<&Path> = index.select(&fleet.app, &wants).into_iter().map(|o| o.dir.as_path()).collect();
    assert_eq!(selected, [Path::new("platform/stores/overlays/prod")]);
    assert_eq!(outcome(repo.path(), &fleet.app, context()), first);
}
