//! Every rule has a failing and a passing case under testdata/rules/<CODE>/. A failing case marks each line that
//! must carry a finding with `# expect: CODE`; the lint must report exactly those (code, file, line), and nothing
//! for the passing case.

mod support;

use argocd_eso_plugin::config::Config;
use argocd_eso_plugin::lint::{LintOptions, lint};
use argocd_eso_plugin::rules;
use argocd_eso_plugin::vault::stage::VaultOptions;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn cases_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/rules")
}

/// "Now" for the expiry rules' test data: 2026-06-01T00:00:00Z.
const NOW: i64 = 1_780_272_000;

fn run(repo: &Path) -> BTreeSet<(String, String, u32)> {
    let mut config = Config::load(repo).unwrap();
    let code = repo.parent().unwrap().file_name().unwrap().to_str().unwrap().to_string();
    if code != "KV000" {
        // The note that a vault was not checked belongs to KV000's own case.
        config.rules.insert("KV000".into(), argocd_eso_plugin::config::RuleSetting::Off);
    }
    let mut vault = VaultOptions { offline: true, now: NOW, ..Default::default() };
    if code == "KV009" && repo.ends_with("fail") {
        // Live, against a port nothing listens on: the vault cannot be queried.
        vault.offline = false;
        vault.live.resolve = vec![("kv-rules-test.vault.azure.net".into(), "127.0.0.1:9".parse().unwrap())];
        vault.live.timeout = std::time::Duration::from_secs(5);
        vault.live.max_retries = 0;
    }
    let opts = LintOptions::new(repo.to_path_buf(), config, vec![], vault);
    lint(&opts)
        .unwrap()
        .findings
        .into_iter()
        .map(|f| (f.code.to_string(), f.file.display().to_string(), f.line))
        .collect()
}

fn expected(repo: &Path) -> BTreeSet<(String, String, u32)> {
    support::marked(repo)
}

#[test]
fn every_rule_has_a_failing_and_a_passing_case() {
    for rule in rules::all() {
        let dir = cases_root().join(rule.code);
        assert!(dir.join("fail").is_dir() && dir.join("pass").is_dir(), "no testdata for {}", rule.code);
        let want = expected(&dir.join("fail"));
        assert!(
            want.iter().any(|(c, _, _)| c == rule.code),
            "{}: the failing case marks no '# expect: {}'",
            rule.code,
            rule.code
        );
    }
}

#[test]
fn failing_cases_report_exactly_the_marked_findings() {
    for rule in rules::all() {
        let dir = cases_root().join(rule.code).join("fail");
        assert_eq!(run(&dir), expected(&dir), "{}: findings differ from the '# expect:' markers", rule.code);
    }
}

#[test]
fn passing_cases_are_clean() {
    for rule in rules::all() {
        let dir = cases_root().join(rule.code).join("pass");
        assert_eq!(run(&dir), BTreeSet::new(), "{}: the passing case has findings", rule.code);
    }
}
