//! Manifests written the way the four seed articles write them (v1beta1 stores and ExternalSecrets, tutorial
//! placeholders, Terraform interpolations, a service principal Secret in Git) get exactly the findings marked
//! inline with `# expect: CODE`.

mod support;

use argocd_eso_plugin::config::Config;
use argocd_eso_plugin::lint::{LintOptions, lint};
use argocd_eso_plugin::vault::stage::VaultOptions;
use std::collections::BTreeSet;
use std::path::Path;

fn findings(repo: &Path) -> BTreeSet<(String, String, u32)> {
    let mut config = Config::default();
    config.rules.insert("KV000".into(), argocd_eso_plugin::config::RuleSetting::Off);
    let opts =
        LintOptions::new(repo.to_path_buf(), config, vec![], VaultOptions { offline: true, ..Default::default() });
    lint(&opts)
        .unwrap()
        .findings
        .into_iter()
        .map(|f| (f.code.to_string(), f.file.display().to_string(), f.line))
        .collect()
}

fn marked(repo: &Path) -> BTreeSet<(String, String, u32)> {
    support::marked(repo)
}

#[test]
fn seed_article_manifests_get_the_marked_findings() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/seeds");
    let mut seeds: Vec<_> = std::fs::read_dir(&root).unwrap().map(|e| e.unwrap().path()).collect();
    seeds.sort();
    assert_eq!(seeds.len(), 4);
    let mut v1beta1 = 0;
    for seed in seeds {
        let want = marked(&seed);
        v1beta1 += want.iter().filter(|(c, _, _)| c == "ESO002").count();
        assert_eq!(findings(&seed), want, "{}", seed.display());
    }
    assert!(v1beta1 >= 6, "the articles' v1beta1 objects are all reported");
}
