//! The fuzz targets' harness (fuzz/harness.rs) over their seed corpora, deterministically: every conformance
//! case's tree and YAML file, the examples' templates and inventories, and a fixed number of seeded byte mutations
//! of each. cargo-fuzz explores from the same seeds for hours by hand (fuzz/Cargo.toml); this run keeps every seed
//! and a few thousand neighbours green in CI. With FUZZ_CORPUS_OUT=DIR it also writes the seeds there, one folder
//! per target, for `cargo fuzz run` (fuzz/seed-corpora.sh).

mod support;

#[path = "../fuzz/harness.rs"]
mod harness;

use std::path::{Path, PathBuf};

type Target = fn(&[u8]);

/// Seeds per target, from material nobody here wrote (kustomize's own cases) and from the examples.
fn seeds() -> Vec<(&'static str, Target, Vec<Vec<u8>>)> {
    let cases = support::shared_dir().join("kustomize-conformance/cases");
    let mut trees = Vec::new();
    let mut yaml = Vec::new();
    let mut case_dirs: Vec<PathBuf> = std::fs::read_dir(&cases).unwrap().map(|e| e.unwrap().path()).collect();
    case_dirs.sort();
    for case in case_dirs {
        let meta: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(case.join("case.json")).unwrap()).unwrap();
        let run = meta["run_dir"].as_str().unwrap_or(".").to_string();
        trees.push(harness::pack_tree(&case.join("input"), &run).into_bytes());
        for f in walkdir::WalkDir::new(case.join("input")).into_iter().filter_map(Result::ok) {
            let name = f.file_name().to_string_lossy();
            if f.file_type().is_file() && (name.ends_with(".yaml") || name.ends_with(".yml")) {
                yaml.push(std::fs::read(f.path()).unwrap());
            }
        }
    }
    let examples = support::examples();
    let templates: Vec<Vec<u8>> = walkdir::WalkDir::new(&examples)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().ends_with(".j2"))
        .map(|e| std::fs::read(e.path()).unwrap())
        .chain(
            [
                "a: {{ name }}\n{% for i in items %}- {{ i | upper }}\n{% endfor %}",
                "{% if replicas > 1 %}x: {{ nested.k ~ '-' ~ replicas }}{% endif %}",
                "{% macro m(x) %}{{ x }}{% endmacro %}{{ m(name) }}",
            ]
            .map(|s| s.as_bytes().to_vec()),
        )
        .collect();
    let inventories: Vec<Vec<u8>> = std::fs::read_dir(examples.join("inventories"))
        .unwrap()
        .map(|e| std::fs::read(e.unwrap().path()).unwrap())
        .collect();
    vec![
        ("yaml", harness::yaml as Target, yaml),
        ("kustomize_build", harness::kustomize_build, trees),
        ("template", harness::template, templates),
        ("inventory", harness::inventory, inventories),
    ]
}

/// The differential fuzzer's deterministic generator: the same mutations on every run.
use argocd_eso_plugin::parity::Rng;

/// Bytes that matter to the formats under test: YAML indicators, template delimiters, JSON punctuation.
const INTERESTING: &[&[u8]] = &[
    b"[", b"{", b"}", b"]", b"&a ", b"*a", b"---\n", b"- ", b": ", b"|\n", b"'", b"\"", b"\\", b"{{", b"}}", b"{%",
    b"%}", b"- -", b"not ", b"~", b"\n  ", b"\xff", b"0755", b"yes", b"..", b"/", b"$(", b"${x}", b"\0",
];

fn mutate(seed: &[u8], rng: &mut Rng) -> Vec<u8> {
    let mut out = seed.to_vec();
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(out.len() + 1);
        match rng.below(4) {
            0 if !out.is_empty() => {
                let end = (at + 1 + rng.below(16)).min(out.len());
                out.drain(at.min(end)..end);
            }
            1 => {
                let piece = INTERESTING[rng.below(INTERESTING.len())];
                out.splice(at..at, piece.iter().copied());
            }
            2 if !out.is_empty() => {
                // Duplicate a slice: repeated keys, repeated documents, deeper nesting.
                let start = rng.below(out.len());
                let end = (start + 1 + rng.below(64)).min(out.len());
                let slice = out[start..end].to_vec();
                out.splice(at..at, slice);
            }
            _ if !out.is_empty() => {
                let i = rng.below(out.len());
                out[i] = rng.next_u64() as u8;
            }
            _ => out.push(rng.next_u64() as u8),
        }
    }
    out
}

fn write_corpus(out: &Path, target: &str, seeds: &[Vec<u8>]) {
    let dir = out.join(target);
    std::fs::create_dir_all(&dir).unwrap();
    for (i, s) in seeds.iter().enumerate() {
        std::fs::write(dir.join(format!("seed-{i:04}")), s).unwrap();
    }
}

#[test]
fn every_seed_and_its_mutations_run_clean() {
    let out = std::env::var_os("FUZZ_CORPUS_OUT").map(PathBuf::from);
    let mut rng = Rng::new(0x5eed);
    for (name, target, seeds) in seeds() {
        assert!(!seeds.is_empty(), "{name}: no seeds");
        if let Some(out) = &out {
            write_corpus(out, name, &seeds);
        }
        // Builds touch the disk: fewer mutations each; the parsers get more.
        let per_seed = if name == "kustomize_build" { 2 } else { 8 };
        let mut runs = 0;
        for seed in &seeds {
            target(seed);
            for _ in 0..per_seed {
                target(&mutate(seed, &mut rng));
                runs += 1;
            }
        }
        println!("fuzz seeds: {name}: {} seeds, {runs} mutations, no crash", seeds.len());
    }
}
