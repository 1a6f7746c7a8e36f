//! The image builds: the files the Dockerfile's build stage copies, and only those, compile into the binary with
//! `--locked` (a context missing `build.rs` once failed on `env!("GIT_REVISION")`). No Docker engine is needed:
//! the COPY lines are read from the Dockerfile and the build stage's cargo command is checked in a directory that
//! holds exactly that context.

use std::path::Path;
use std::process::Command;

#[test]
fn the_dockerfile_build_context_compiles() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dockerfile = std::fs::read_to_string(root.join("Dockerfile")).unwrap();
    let build_stage: Vec<&str> =
        dockerfile.lines().take_while(|l| !l.starts_with("FROM ") || l.contains(" AS build")).collect();
    let context = tempfile::tempdir().unwrap();
    let mut copied = 0;
    for line in build_stage.iter().filter_map(|l| l.strip_prefix("COPY ")) {
        let words: Vec<&str> = line.split_whitespace().collect();
        let (sources, dest) = words.split_at(words.len() - 1);
        for source in sources {
            let from = root.join(source);
            let to = if dest[0] == "./" {
                context.path().join(source)
            } else {
                context.path().join(dest[0].trim_start_matches("./"))
            };
            copy(&from, &to);
            copied += 1;
        }
    }
    assert!(copied >= 4, "the build stage copies too little: {build_stage:?}");
    assert!(context.path().join("build.rs").exists(), "the build stage must copy build.rs");
    // `cargo check` of the binary in this project's target directory: the dependencies clippy checked are reused.
    let out = Command::new(env!("CARGO"))
        .args(["check", "--locked", "--bin", "argocd-eso-plugin", "--quiet"])
        .current_dir(context.path())
        .env("CARGO_TARGET_DIR", root.join("target"))
        .output()
        .unwrap();
    assert!(out.status.success(), "the Dockerfile's context does not build:\n{}", String::from_utf8_lossy(&out.stderr));
}

fn copy(from: &Path, to: &Path) {
    if from.is_dir() {
        for e in walkdir::WalkDir::new(from).into_iter().filter_map(Result::ok).filter(|e| e.file_type().is_file()) {
            let dest = to.join(e.path().strip_prefix(from).unwrap());
            std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
            std::fs::copy(e.path(), dest).unwrap();
        }
    } else {
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(from, to).unwrap();
    }
}
