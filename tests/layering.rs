//! The pipeline's shape, checked on the source: each stage imports only the foundation and earlier stages, and
//! `cli` (argument parsing, logging, exit codes) is imported by no module of the library (`main` calls it).
//! A module's imports are every `crate::<module>` path written in its files, comments left out.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Shared by every stage, importing only each other: the file layer, the YAML layer, objects, the kustomize
/// engine, the config, severities.
const FOUNDATION: &[&str] = &["files", "yaml", "resource", "kustomize", "config", "severity", "error"];

/// The stages in pipeline order (modules of one entry may import each other).
const STAGES: &[&[&str]] = &[
    &["scan"],
    &["template"],
    &["eso"],
    &["context"],
    &["model"],
    &["vault"],
    &["positions", "rules"],
    &["session"],
    &["rollout"],
    // The commands: each composes the stages above.
    &["app", "lint", "diff", "graph"],
    &["output"],
    // Commands that print what the others return: Argo CD's generate, and the benchmarks.
    &["generate", "bench", "parity"],
    &["cli"],
];

/// Top-level module -> the top-level modules its files name.
fn imports() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for e in walkdir::WalkDir::new(&src).into_iter().filter_map(Result::ok) {
        let p = e.path();
        if p.extension().is_none_or(|x| x != "rs") {
            continue;
        }
        let rel = p.strip_prefix(&src).unwrap();
        let module = rel.components().next().unwrap().as_os_str().to_str().unwrap().trim_end_matches(".rs");
        if module == "lib" || module == "main" {
            continue;
        }
        let text = std::fs::read_to_string(p).unwrap();
        let deps = out.entry(module.to_string()).or_default();
        for line in text.lines().filter(|l| !l.trim_start().starts_with("//")) {
            for (i, _) in line.match_indices("crate::") {
                let name: String =
                    line[i + 7..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
                if !name.is_empty() && name != module {
                    deps.insert(name);
                }
            }
        }
    }
    out
}

fn stage_of(module: &str) -> Option<usize> {
    STAGES.iter().position(|s| s.contains(&module))
}

#[test]
fn stages_import_only_earlier_stages_and_no_one_imports_cli() {
    let imports = imports();
    let mut wrong = Vec::new();
    for (module, deps) in &imports {
        let known = FOUNDATION.contains(&module.as_str()) || stage_of(module).is_some();
        assert!(known, "module '{module}' is in no stage of this test: place it");
        for dep in deps {
            let ok = if FOUNDATION.contains(&module.as_str()) {
                FOUNDATION.contains(&dep.as_str())
            } else {
                FOUNDATION.contains(&dep.as_str()) || stage_of(dep).is_some_and(|d| d <= stage_of(module).unwrap())
            };
            if !ok || (dep == "cli" && module != "cli") {
                wrong.push(format!("{module} imports {dep}"));
            }
        }
    }
    assert!(wrong.is_empty(), "imports against the pipeline order:\n{}", wrong.join("\n"));
    assert!(imports.len() > 20, "the source was read ({} modules)", imports.len());
}
