//! Argo CD's directory source: an Application whose path holds no kustomization and no `Chart.yaml` deploys the
//! manifests of that directory. Mirrors argo-cd `reposerver/repository/repository.go`: `findManifests`,
//! `getPotentiallyValidManifests` (the walk, `recurse`), `getPotentiallyValidManifestFile` (the extensions,
//! symlinks, `include`/`exclude` matched on the path relative to the app, the skip marker) and
//! `getObjsFromYAMLOrJSON` (one object per JSON file; a YAML file that does not parse is an error only when it
//! looks like a manifest). Jsonnet is not evaluated: a directory that holds any is refused by name.

use crate::kustomize::KustomizeError;
use crate::resource::Resource;
use std::path::{Path, PathBuf};

/// An Application source's `directory` options.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct DirectoryOptions {
    pub recurse: bool,
    /// A glob on the path relative to the app directory (`*` crosses `/`, `{a,b}` alternates), as Argo CD's
    /// `glob.Match` without separators.
    pub include: String,
    pub exclude: String,
}

/// A file Argo CD leaves out of a directory source when it holds this text (`skipFileRenderingMarker`).
const SKIP_MARKER: &str = "+argocd:skip-file-rendering";

/// The extensions Argo CD reads in a directory source (`manifestFile`).
const EXTENSIONS: &[&str] = &["yaml", "yml", "json", "jsonnet"];

/// The objects of the directory source `dir` (repo-relative) of `repo`, in Argo CD's order (a depth-first walk in
/// lexical order), and the files read.
pub fn load(repo: &Path, dir: &Path, opts: &DirectoryOptions) -> Result<(Vec<Resource>, Vec<PathBuf>), KustomizeError> {
    let app = repo.join(dir);
    // An invalid pattern matches nothing in Argo CD (logged): the same here.
    let matcher = |pattern: &str| globset::Glob::new(pattern).ok().map(|g| g.compile_matcher());
    let (include, exclude) = (matcher(&opts.include), matcher(&opts.exclude));
    let walk = walkdir::WalkDir::new(&app).sort_by_file_name().max_depth(if opts.recurse { usize::MAX } else { 1 });
    let (mut out, mut read) = (Vec::new(), Vec::new());
    for entry in walk {
        let entry = entry.map_err(|e| KustomizeError::Accumulate { dir: app.clone(), message: e.to_string() })?;
        if entry.file_type().is_dir() {
            continue;
        }
        let name = entry.file_name().to_string_lossy();
        let Some(ext) = name.rsplit_once('.').map(|(_, e)| e) else { continue };
        if !EXTENSIONS.contains(&ext) {
            continue;
        }
        let rel_to_app = entry.path().strip_prefix(&app).unwrap_or(entry.path()).to_string_lossy().replace('\\', "/");
        // A symlink to a directory or to nothing is skipped, as Argo CD skips it (with a warning).
        if entry.file_type().is_symlink() && !std::fs::metadata(entry.path()).is_ok_and(|m| m.is_file()) {
            continue;
        }
        if !opts.exclude.is_empty() && exclude.as_ref().is_some_and(|g| g.is_match(&rel_to_app)) {
            continue;
        }
        if !opts.include.is_empty() && !include.as_ref().is_some_and(|g| g.is_match(&rel_to_app)) {
            continue;
        }
        // Read through the file layer: a symlink that leads out of the repository is refused, as Argo CD refuses it.
        let text = crate::files::read_text(Some(repo), entry.path(), crate::files::MAX_FILE_BYTES)?;
        if text.contains(SKIP_MARKER) {
            continue;
        }
        let rel = dir.join(&rel_to_app);
        if ext == "jsonnet" {
            return Err(KustomizeError::Unsupported {
                field: "jsonnet".into(),
                file: entry.path().to_path_buf(),
                detail: "Argo CD evaluates the Jsonnet of a directory source; it is not evaluated natively".into(),
            });
        }
        read.push(entry.path().to_path_buf());
        match crate::kustomize::loader::parse_resources(&text, &rel, entry.path()) {
            Ok(objects) if ext == "json" && objects.len() > 1 => {
                return Err(KustomizeError::Parse {
                    file: entry.path().to_path_buf(),
                    line: 1,
                    message: "Found multiple objects. Only single objects are allowed in JSON files.".into(),
                });
            }
            Ok(objects) => out.extend(objects),
            // A YAML file that is no manifest (a values file beside the manifests) is passed over; one that looks
            // like a manifest fails the app.
            Err(e) if looks_like_manifest(&text) || ext == "json" => return Err(e),
            Err(_) => {}
        }
    }
    Ok((out, read))
}

/// `getObjsFromYAMLOrJSON`'s test of a file that does not parse.
fn looks_like_manifest(text: &str) -> bool {
    ["apiVersion:", "kind:", "metadata:"].iter().all(|k| text.contains(k))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(repo: &Path, opts: &DirectoryOptions) -> Vec<String> {
        let (objects, _) = load(repo, Path::new("app"), opts).unwrap();
        objects.iter().map(|r| format!("{}:{}", r.origin.file.display(), r.name())).collect()
    }

    #[test]
    fn a_directory_source_reads_its_manifests_as_argo_cd_does() {
        let t = tempfile::tempdir().unwrap();
        let write = |p: &str, text: &str| {
            let p = t.path().join(p);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        };
        let cm = |n: &str| format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {n}\n");
        write("app/b.yaml", &format!("{}---\n{}", cm("b1"), cm("b2")));
        write("app/a.yml", &cm("a"));
        write("app/c.json", "{\"apiVersion\": \"v1\", \"kind\": \"ConfigMap\", \"metadata\": {\"name\": \"c\"}}");
        write("app/values.yaml", "replicas: [1\n");
        write("app/notes.txt", "apiVersion: kind: metadata:");
        write("app/skip.yaml", &format!("# +argocd:skip-file-rendering\n{}", cm("skipped")));
        write("app/sub/d.yaml", &cm("d"));
        let plain = DirectoryOptions::default();
        assert_eq!(names(t.path(), &plain), ["app/a.yml:a", "app/b.yaml:b1", "app/b.yaml:b2", "app/c.json:c"]);
        let deep = DirectoryOptions { recurse: true, ..Default::default() };
        assert_eq!(names(t.path(), &deep).last().unwrap(), "app/sub/d.yaml:d");
        let only = DirectoryOptions { recurse: true, include: "{a.yml,sub/*}".into(), ..Default::default() };
        assert_eq!(names(t.path(), &only), ["app/a.yml:a", "app/sub/d.yaml:d"]);
        let but = DirectoryOptions { recurse: true, exclude: "*.yaml".into(), ..Default::default() };
        assert_eq!(names(t.path(), &but), ["app/a.yml:a", "app/c.json:c"]);

        // A file that looks like a manifest and does not parse fails the app; Jsonnet is refused by name.
        write("app/broken.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: [\n");
        assert!(matches!(load(t.path(), Path::new("app"), &plain), Err(KustomizeError::Parse { .. })));
        std::fs::remove_file(t.path().join("app/broken.yaml")).unwrap();
        write("app/lib.jsonnet", "{}");
        let err = load(t.path(), Path::new("app"), &plain).unwrap_err();
        assert!(matches!(&err, KustomizeError::Unsupported { field, .. } if field == "jsonnet"), "{err}");
    }
}
