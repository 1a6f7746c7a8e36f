//! One app's context: which other overlays of its environment its render needs, so that `render` and `generate`
//! cost what the app and its context cost, not the whole repository.
//!
//! Each overlay of the environment is summarised once by what it offers to other apps: stores, the Secrets it
//! writes and reads, Namespaces and ServiceAccounts. An app's context is every overlay that renders a store (a
//! reference may name any of them) plus every overlay offering something the app's own objects want: a Secret they
//! read or write (WRK001, WRK002, REF002, RLO001), a Namespace they live in (ClusterSecretStore conditions), a
//! ServiceAccount their stores authenticate with (STO004, STO007). The rules then see the same objects for the
//! app as with the whole environment rendered (`tests/context_index.rs` checks it over every rule's repos).
//!
//! The summaries are cached on disk, keyed by what produced them: under Argo CD the source repository and the
//! commit (`ARGOCD_APP_REVISION`, a content hash of the whole tree), else a hash of every file of the repository.
//! A cache file holds names only (directories, object names): never a value. Files are written to a temporary
//! name and renamed, so many `generate` processes can share the directory; an unreadable file is a miss.

use crate::eso::consumers::secret_uses;
use crate::eso::{EsoKind, ExternalSecretView, StoreView};
use crate::resource::{Resource, get_path};
use crate::scan::SKIPPED_DIRS;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// What one overlay offers other apps of its environment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OverlaySummary {
    /// Repo-relative.
    pub dir: PathBuf,
    /// False when it did not render (then it offers nothing, and the app's notes say so).
    pub rendered: bool,
    pub offers: BTreeSet<String>,
    /// How Argo CD builds it in this environment, when not by a plain kustomize build.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<crate::scan::OverlaySource>,
}

/// The environments of a repository and the summaries of one of them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnvIndex {
    /// Every environment of the repository and its overlays (repo-relative), as discovered.
    pub environments: BTreeMap<String, Vec<PathBuf>>,
    pub env: String,
    pub overlays: Vec<OverlaySummary>,
    /// The repository's ESO release (`eso::release::of_repository`), found once per content.
    #[serde(default)]
    pub eso: Option<crate::eso::release::EsoRelease>,
}

const STORE: &str = "store";

fn ns(r: &Resource) -> &str {
    crate::resource::effective_ns(r.namespace())
}

/// What `resources` (one overlay's render) offer other apps.
pub fn offers(resources: &[Resource]) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for r in resources {
        let core = r.gvk().group.is_empty();
        match (core, r.kind()) {
            (true, "Secret") => {
                out.insert(format!("secret:{}/{}", ns(r), r.name()));
            }
            (true, "Namespace") => {
                out.insert(format!("namespace:{}", r.name()));
            }
            (true, "ServiceAccount") => {
                out.insert(format!("sa:{}/{}", ns(r), r.name()));
            }
            _ => {}
        }
        match EsoKind::of(r) {
            Some(EsoKind::SecretStore | EsoKind::ClusterSecretStore) => {
                out.insert(STORE.to_string());
            }
            Some(EsoKind::ExternalSecret) => {
                if let Some(es) = ExternalSecretView::new(r) {
                    out.insert(format!("secret:{}/{}", ns(r), es.target_name()));
                }
            }
            Some(EsoKind::ClusterExternalSecret) => {
                if let Some(es) = ExternalSecretView::new(r) {
                    out.insert(format!("cluster-secret:{}", es.target_name()));
                }
            }
            _ => {}
        }
        for u in secret_uses(r) {
            out.insert(format!("uses:{}/{}", ns(r), u.secret));
        }
    }
    out
}

/// What the app's own objects want from other overlays.
pub fn wants(app: &[Resource]) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for r in app {
        out.insert(format!("namespace:{}", ns(r)));
        for u in secret_uses(r) {
            out.insert(format!("secret:{}/{}", ns(r), u.secret));
            out.insert(format!("cluster-secret:{}", u.secret));
        }
        let written = match EsoKind::of(r) {
            Some(EsoKind::ExternalSecret) => ExternalSecretView::new(r).map(|es| es.target_name()),
            _ if r.gvk().group.is_empty() && r.kind() == "Secret" => Some(r.name().to_string()),
            _ => None,
        };
        if let Some(name) = written {
            out.insert(format!("secret:{}/{name}", ns(r)));
            out.insert(format!("uses:{}/{name}", ns(r)));
        }
        if let Some(store) = StoreView::new(r)
            && let Some(sa) = store.azurekv().and_then(|az| get_path(az, &["serviceAccountRef"]))
            && let Some(name) = sa.get("name").and_then(serde_yaml::Value::as_str)
        {
            // A SecretStore's account is read in its own namespace, a ClusterSecretStore's in the reference's.
            let sa_ns = sa.get("namespace").and_then(serde_yaml::Value::as_str).unwrap_or(ns(r));
            out.insert(format!("sa:{sa_ns}/{name}"));
            out.insert(format!("sa:{}/{name}", ns(r)));
        }
    }
    out
}

impl EnvIndex {
    /// The overlays (other than `app`) whose objects the app's render needs, in environment order.
    pub fn select(&self, app: &Path, wants: &BTreeSet<String>) -> Vec<&OverlaySummary> {
        self.overlays
            .iter()
            .filter(|o| o.dir != app && (o.offers.contains(STORE) || !o.offers.is_disjoint(wants)))
            .collect()
    }

    /// How many overlays of the environment other than `app` do not render.
    pub fn unrendered(&self, app: &Path) -> usize {
        self.overlays.iter().filter(|o| o.dir != app && !o.rendered).count()
    }
}

/// The variable that names the cache directory; empty turns the cache off.
pub const CACHE_DIR_VAR: &str = "ARGOCD_ESO_PLUGIN_CACHE_DIR";

/// Where summaries are cached: `$ARGOCD_ESO_PLUGIN_CACHE_DIR`, else `$XDG_CACHE_HOME/argocd-eso-plugin`, else
/// `$HOME/.cache/argocd-eso-plugin`; None when the variable is set empty or no directory is known.
pub fn default_cache_dir() -> Option<PathBuf> {
    let var = |name: &str| std::env::var_os(name).map(PathBuf::from);
    match var(CACHE_DIR_VAR) {
        Some(dir) if dir.as_os_str().is_empty() => None,
        Some(dir) => Some(dir),
        None => var("XDG_CACHE_HOME")
            .filter(|d| d.is_absolute())
            .or_else(|| var("HOME").filter(|d| d.is_absolute()).map(|h| h.join(".cache")))
            .map(|d| d.join("argocd-eso-plugin")),
    }
}

/// What a cache entry is keyed by besides the environment: a commit of a repository, or the repository's content.
pub enum Fingerprint {
    /// Argo CD's source repository URL and resolved commit SHA.
    Commit { repo_url: String, revision: String },
    /// The repository's files as they are now.
    Content,
}

impl Fingerprint {
    /// A commit when Argo CD names one (a full SHA), else the content.
    pub fn from_argocd(repo_url: Option<&str>, revision: Option<&str>) -> Fingerprint {
        match (repo_url, revision) {
            (Some(url), Some(rev))
                if !url.is_empty() && matches!(rev.len(), 40 | 64) && rev.chars().all(|c| c.is_ascii_hexdigit()) =>
            {
                Fingerprint::Commit { repo_url: url.to_string(), revision: rev.to_lowercase() }
            }
            _ => Fingerprint::Content,
        }
    }
}

/// A hash of every file of `repo`: path and content (path, size and modification time for a file too large for
/// the loader to read, which no render can depend on byte by byte).
fn content_hash(repo: &Path) -> std::io::Result<String> {
    let mut files: Vec<(PathBuf, std::fs::Metadata)> = Vec::new();
    for e in walkdir::WalkDir::new(repo)
        .into_iter()
        .filter_entry(|e| !(e.file_type().is_dir() && SKIPPED_DIRS.iter().any(|s| e.file_name() == *s)))
    {
        let e = e.map_err(std::io::Error::other)?;
        if !e.file_type().is_dir() {
            files.push((e.path().to_path_buf(), e.metadata().map_err(std::io::Error::other)?));
        }
    }
    files.sort_by(|a, b| a.0.cmp(&b.0));
    let mut h = Sha256::new();
    for (path, meta) in files {
        let rel = path.strip_prefix(repo).unwrap_or(&path);
        h.update(rel.as_os_str().as_encoded_bytes());
        h.update([0]);
        if meta.is_file() && meta.len() <= crate::files::MAX_FILE_BYTES {
            let bytes = std::fs::read(&path)?;
            h.update((bytes.len() as u64).to_le_bytes());
            h.update(&bytes);
        } else {
            // Symlinks by their target, big files by size and time.
            let target = std::fs::read_link(&path).unwrap_or_default();
            h.update(target.as_os_str().as_encoded_bytes());
            h.update(meta.len().to_le_bytes());
            let modified = meta.modified().ok().and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok());
            h.update(modified.map_or(0, |d| d.as_nanos()).to_le_bytes());
        }
    }
    Ok(hex(&h.finalize()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The cache of environment indexes in one directory.
pub struct ContextCache {
    pub dir: PathBuf,
}

/// Bumped whenever what a summary holds, or how an overlay is summarised, changes.
const FORMAT: &str = "context-index-2";

impl ContextCache {
    /// The key of `env`'s index in `repo` under `config_text` (the config file's bytes).
    pub fn key(&self, repo: &Path, fingerprint: &Fingerprint, env: &str, config_text: &str) -> std::io::Result<String> {
        let mut h = Sha256::new();
        for part in [FORMAT, env!("CARGO_PKG_VERSION"), env!("GIT_REVISION"), env, config_text] {
            h.update(part.as_bytes());
            h.update([0]);
        }
        match fingerprint {
            Fingerprint::Commit { repo_url, revision } => {
                h.update(format!("commit\0{repo_url}\0{revision}").as_bytes());
            }
            Fingerprint::Content => h.update(format!("content\0{}", content_hash(repo)?).as_bytes()),
        }
        Ok(hex(&h.finalize()))
    }

    fn path(&self, key: &str) -> PathBuf {
        self.dir.join(format!("{key}.json"))
    }

    /// The index stored under `key`; None when there is none, or it cannot be read (a miss, never an error).
    pub fn load(&self, key: &str) -> Option<EnvIndex> {
        let text = std::fs::read_to_string(self.path(key)).ok()?;
        let stored: Stored = serde_json::from_str(&text).ok()?;
        (stored.key == key).then_some(stored.index)
    }

    /// Store `index` under `key`: written whole to a temporary file and renamed, so a reader sees the old file, the
    /// new one, or none. Entries unused for a week are removed.
    pub fn store(&self, key: &str, index: &EnvIndex) -> std::io::Result<()> {
        use std::io::Write as _;
        std::fs::create_dir_all(&self.dir)?;
        let text = serde_json::to_string(&Stored { key: key.to_string(), index: index.clone() })
            .map_err(std::io::Error::other)?;
        let mut tmp = tempfile::NamedTempFile::new_in(&self.dir)?;
        tmp.write_all(text.as_bytes())?;
        tmp.persist(self.path(key)).map_err(|e| e.error)?;
        self.prune(std::time::Duration::from_secs(7 * 24 * 3600));
        Ok(())
    }

    fn prune(&self, older_than: std::time::Duration) {
        let Ok(entries) = std::fs::read_dir(&self.dir) else { return };
        for e in entries.filter_map(Result::ok) {
            let old = e
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.elapsed().ok())
                .is_some_and(|age| age > older_than);
            if old && e.path().extension().is_some_and(|x| x == "json") {
                let _ = std::fs::remove_file(e.path());
            }
        }
    }
}

#[derive(Serialize, Deserialize)]
struct Stored {
    key: String,
    index: EnvIndex,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn objects(yaml: &str) -> Vec<Resource> {
        yaml.split("\n---\n")
            .map(|d| Resource::new(serde_yaml::from_str(d).expect("valid test YAML"), Default::default()))
            .collect()
    }

    #[test]
    fn an_app_wants_what_its_objects_read_write_and_live_in() {
        let app = objects(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api, namespace: shop}\nspec:\n  template:\n    spec:\n      containers:\n      - name: c\n        envFrom: [{secretRef: {name: db}}]\n---\napiVersion: external-secrets.io/v1\nkind: ExternalSecret\nmetadata: {name: web, namespace: shop}\nspec: {target: {name: web-creds}}\n",
        );
        let w = wants(&app);
        for key in
            ["secret:shop/db", "cluster-secret:db", "secret:shop/web-creds", "uses:shop/web-creds", "namespace:shop"]
        {
            assert!(w.contains(key), "{key} in {w:?}");
        }
        let provider = objects(
            "apiVersion: external-secrets.io/v1\nkind: ExternalSecret\nmetadata: {name: db, namespace: shop}\nspec: {}\n",
        );
        let unrelated = objects("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x, namespace: other}\n");
        let stores = objects("apiVersion: external-secrets.io/v1\nkind: ClusterSecretStore\nmetadata: {name: kv}\n");
        let index = EnvIndex {
            environments: BTreeMap::new(),
            env: "prod".into(),
            overlays: [("a", &app), ("b", &provider), ("c", &unrelated), ("d", &stores)]
                .into_iter()
                .map(|(d, rs)| OverlaySummary { dir: d.into(), rendered: true, offers: offers(rs), source: None })
                .collect(),
            eso: None,
        };
        let dirs: Vec<&Path> = index.select(Path::new("a"), &w).into_iter().map(|o| o.dir.as_path()).collect();
        assert_eq!(dirs, [Path::new("b"), Path::new("d")]);
    }

    #[test]
    fn a_commit_is_a_fingerprint_only_when_it_is_a_full_sha() {
        let url = Some("https://github.com/org/repo.git");
        assert!(matches!(Fingerprint::from_argocd(url, Some(&"a".repeat(40))), Fingerprint::Commit { .. }));
        assert!(matches!(Fingerprint::from_argocd(url, Some("main")), Fingerprint::Content));
        assert!(matches!(Fingerprint::from_argocd(None, Some(&"a".repeat(40))), Fingerprint::Content));
    }

    #[test]
    fn the_content_key_moves_with_any_file_and_the_store_is_atomic() {
        let repo = tempfile::tempdir().unwrap();
        std::fs::write(repo.path().join("a.yaml"), "x: 1\n").unwrap();
        let cache = ContextCache { dir: repo.path().join(".git/cache") };
        let k1 = cache.key(repo.path(), &Fingerprint::Content, "prod", "").unwrap();
        assert_eq!(k1, cache.key(repo.path(), &Fingerprint::Content, "prod", "").unwrap());
        assert_ne!(k1, cache.key(repo.path(), &Fingerprint::Content, "dev", "").unwrap());
        std::fs::write(repo.path().join("a.yaml"), "x: 2\n").unwrap();
        let k2 = cache.key(repo.path(), &Fingerprint::Content, "prod", "").unwrap();
        assert_ne!(k1, k2);
        let index = EnvIndex { environments: BTreeMap::new(), env: "prod".into(), overlays: vec![], eso: None };
        assert_eq!(cache.load(&k2), None);
        cache.store(&k2, &index).unwrap();
        assert_eq!(cache.load(&k2), Some(index));
        std::fs::write(cache.path(&k2), "{\"key\":").unwrap();
        assert_eq!(cache.load(&k2), None, "a torn file is a miss");
    }
}
