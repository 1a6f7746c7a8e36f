//! What each fuzz target does with its input: shared by the cargo-fuzz targets (fuzz/fuzz_targets/) and the CI
//! run over the seed corpora (tests/fuzz_seeds.rs), so both exercise exactly the same code. Each function must
//! never panic, overflow the stack or hang, whatever the input; errors are expected and fine.
#![allow(dead_code)]

use argocd_eso_plugin::kustomize::{self, BuildOptions, loader};
use std::path::Path;

/// A file tree packed into one input: `=== relative/path` lines start files. Paths are kept inside the tree.
pub const FILE_MARKER: &str = "=== ";

/// Kubernetes objects as the loader reads them, the kustomization reader, the JSON-patch reader, and the printer
/// over whatever parsed (which also reads its own output back with YAML 1.1 rules).
pub fn yaml(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(resources) = loader::parse_resources(text, Path::new("fuzz.yaml"), Path::new("fuzz.yaml")) {
        // What parsed must print in a form a YAML 1.1 reader reads back as the same values: a refusal for that
        // reason is an emitter bug, not bad input.
        if let Err(e @ argocd_eso_plugin::yaml::emit::EmitError::MeaningChanged(_)) =
            argocd_eso_plugin::output::manifests::to_yaml_stream(&resources)
        {
            panic!("printed YAML reads back differently: {e}");
        }
    }
    let _ = argocd_eso_plugin::yaml::parse::parse_yaml_to_json(text);
    for doc in loader::split_documents(text) {
        let _ = loader::parse_kustomization_doc(&doc, Path::new("kustomization.yaml"));
    }
}

/// A whole build: the input is a packed tree; a first line `run: DIR` names the directory to build (else the root).
pub fn kustomize_build(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(dir) = tempfile::tempdir() else { return };
    if unpack_tree(text, dir.path()).is_none() {
        return;
    }
    let run = text.lines().next().and_then(|l| l.strip_prefix("run: ")).map(str::trim).unwrap_or(".");
    if !safe_relative(Path::new(run)) && run != "." {
        return;
    }
    let opts = BuildOptions { repo_root: Some(dir.path().to_path_buf()), ..Default::default() };
    let _ = kustomize::build(&dir.path().join(run), &opts);
}

fn safe_relative(p: &Path) -> bool {
    !p.as_os_str().is_empty() && p.components().all(|c| matches!(c, std::path::Component::Normal(_)))
}

/// A minijinja template with a values file next to it.
pub fn template(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(dir) = tempfile::tempdir() else { return };
    let values = "name: app\nreplicas: 2\nitems: [a, b, c]\nnested: {k: v}\n";
    if std::fs::write(dir.path().join("values.yaml"), values).is_err() {
        return;
    }
    let file = dir.path().join("x.yaml.j2");
    let ctx = argocd_eso_plugin::template::TemplateContext::default();
    let _ = argocd_eso_plugin::template::render_source(&file, text, dir.path(), dir.path(), &ctx);
}

/// An `az keyvault secret list -o json` inventory.
pub fn inventory(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = argocd_eso_plugin::vault::inventory_file::parse(text, "fuzz.json");
}

/// Write a packed tree under `dir`; None when the input packs no usable tree.
pub fn unpack_tree(text: &str, dir: &Path) -> Option<()> {
    let mut files = 0;
    for chunk in text.split(&format!("\n{FILE_MARKER}")).skip(1) {
        let (name, body) = chunk.split_once('\n').unwrap_or((chunk, ""));
        let rel = Path::new(name.trim());
        if !safe_relative(rel) || files >= 64 {
            continue;
        }
        let path = dir.join(rel);
        std::fs::create_dir_all(path.parent()?).ok()?;
        std::fs::write(&path, body).ok()?;
        files += 1;
    }
    (files > 0).then_some(())
}

/// Pack the tree under `dir` (files only, sorted) the way `unpack_tree` reads it, to build `run` in it.
pub fn pack_tree(dir: &Path, run: &str) -> String {
    let mut paths: Vec<_> = walk(dir);
    paths.sort();
    let mut out = format!("run: {run}\n");
    for p in paths {
        let Ok(body) = std::fs::read_to_string(&p) else { continue };
        let rel = p.strip_prefix(dir).unwrap_or(&p);
        out.push_str(&format!("\n{FILE_MARKER}{}\n{body}", rel.display()));
    }
    out
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        match e.file_type() {
            Ok(t) if t.is_dir() => out.extend(walk(&p)),
            Ok(t) if t.is_file() => out.push(p),
            _ => {}
        }
    }
    out
}
