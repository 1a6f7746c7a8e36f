//! File access for a build: kustomize's load restriction, the repo boundary for symlinks (through `crate::files`,
//! the one reader of repository files), and YAML parsing that records where each document starts.

use super::KustomizeError;
use crate::resource::{Origin, Resource};
use crate::yaml::PathSeg;
use serde_yaml::Value;
use std::path::{Path, PathBuf};

pub use crate::files::{MAX_FILE_BYTES, normalize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LoadRestrictor {
    /// kustomize's default: files must lie in or below the kustomization's directory.
    #[default]
    RootOnly,
    None,
}

#[derive(Debug, Clone, Default)]
pub struct Loader {
    pub restrictor: LoadRestrictor,
    /// Nothing may be read from outside this directory, through a symlink or otherwise (the repo root).
    pub boundary: Option<PathBuf>,
    /// Origins are recorded relative to this directory.
    pub origin_base: PathBuf,
    /// Renders listed files that are not plain YAML (the project's `*.yaml.j2` templates) before they are read.
    pub preprocessor: Option<std::sync::Arc<dyn SourcePreprocessor>>,
    /// The kustomization being built (the overlay), as the preprocessor is told.
    pub overlay: PathBuf,
    /// Real paths of the directories this build has resolved.
    pub paths: crate::files::RealPaths,
}

/// A step that turns the text of a file a kustomization lists into the YAML the build reads. The renderer defines
/// the hook and knows no template engine; the template stage implements it (`crate::template`) and the caller of
/// the build hands it in through `BuildOptions::preprocessor`.
pub trait SourcePreprocessor: std::fmt::Debug + Send + Sync {
    /// Whether `path` is this preprocessor's to render.
    fn handles(&self, path: &Path) -> bool;
    /// The YAML text for `request.path`, whose text the loader has read (confined to the repository) as
    /// `request.source`.
    fn render(&self, request: &SourceRequest<'_>) -> Result<String, KustomizeError>;
}

/// One file for a [`SourcePreprocessor`].
pub struct SourceRequest<'a> {
    pub path: &'a Path,
    pub source: &'a str,
    /// The directory of the kustomization that lists the file.
    pub dir: &'a Path,
    /// The repository root: nothing outside it may be read.
    pub repo: &'a Path,
    /// The kustomization being built (the overlay).
    pub overlay: &'a Path,
}

pub fn is_remote(spec: &str) -> bool {
    spec.contains("://")
        || spec.starts_with("git@")
        || spec.starts_with("github.com/")
        || spec.starts_with("gitlab.com/")
        || spec.starts_with("bitbucket.org/")
}

impl Loader {
    pub fn relative(&self, p: &Path) -> PathBuf {
        p.strip_prefix(&self.origin_base).map(Path::to_path_buf).unwrap_or_else(|_| p.to_path_buf())
    }

    /// Resolve `spec` (as written in the kustomization at `root`) to an absolute path that exists, applying the
    /// repo boundary. `field` names the kustomization field for error messages.
    pub fn resolve(&self, root: &Path, spec: &str, field: &str) -> Result<PathBuf, KustomizeError> {
        if is_remote(spec) {
            return Err(KustomizeError::Unsupported {
                field: field.to_string(),
                file: root.join("kustomization.yaml"),
                detail: format!("remote reference '{spec}' (only local files are rendered)"),
            });
        }
        let joined = normalize(&root.join(spec));
        match crate::files::confine_with(&self.paths, self.boundary.as_deref(), &joined) {
            Err(crate::files::FileError::NotFound { .. }) => {
                Err(KustomizeError::NotFound { path: joined, field: field.to_string(), root: root.to_path_buf() })
            }
            Err(e) => Err(e.into()),
            Ok(_) => Ok(joined),
        }
    }

    /// Resolve a file that must obey the load restrictor relative to the kustomization root.
    pub fn resolve_file(&self, root: &Path, spec: &str, field: &str) -> Result<PathBuf, KustomizeError> {
        let path = self.resolve(root, spec, field)?;
        self.check_restriction(root, &path)?;
        Ok(path)
    }

    pub fn check_restriction(&self, root: &Path, path: &Path) -> Result<(), KustomizeError> {
        if self.restrictor == LoadRestrictor::RootOnly {
            let real_root = self.paths.canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
            let real = self.paths.canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
            if !real.starts_with(&real_root) {
                return Err(KustomizeError::Security {
                    path: path.to_path_buf(),
                    detail: format!(
                        "file is not in or below '{}' (use --load-restrictor LoadRestrictionsNone to allow it)",
                        root.display()
                    ),
                });
            }
        }
        Ok(())
    }

    pub fn read(&self, path: &Path) -> Result<Vec<u8>, KustomizeError> {
        Ok(crate::files::read_bytes_with(&self.paths, self.boundary.as_deref(), path, MAX_FILE_BYTES)?)
    }

    pub fn read_string(&self, path: &Path) -> Result<String, KustomizeError> {
        Ok(crate::files::read_text_with(&self.paths, self.boundary.as_deref(), path, MAX_FILE_BYTES)?)
    }

    /// Read a file of Kubernetes objects.
    pub fn load_resources(&self, path: &Path) -> Result<Vec<Resource>, KustomizeError> {
        let text = self.read_string(path)?;
        parse_resources(&text, &self.relative(path), path)
    }

    fn preprocessor_for(&self, path: &Path) -> Option<&dyn SourcePreprocessor> {
        self.preprocessor.as_deref().filter(|p| p.handles(path))
    }

    /// Read a file a kustomization in `dir` lists: the preprocessor renders it first when it is one of its files.
    pub fn read_source(&self, dir: &Path, path: &Path) -> Result<String, KustomizeError> {
        let Some(preprocessor) = self.preprocessor_for(path) else { return self.read_string(path) };
        let source = self.read_string(path)?;
        let repo = self.boundary.as_deref().unwrap_or(&self.origin_base);
        preprocessor.render(&SourceRequest { path, source: &source, dir, repo, overlay: &self.overlay })
    }

    /// Read a file of Kubernetes objects a kustomization in `dir` lists (templates rendered first).
    pub fn load_resources_in(&self, dir: &Path, path: &Path) -> Result<Vec<Resource>, KustomizeError> {
        let text = self.read_source(dir, path)?;
        let mut out = parse_resources(&text, &self.relative(path), path)?;
        if self.preprocessor_for(path).is_some() {
            let rendered: std::sync::Arc<str> = std::sync::Arc::from(text.as_str());
            for r in &mut out {
                r.origin.rendered = Some(rendered.clone());
            }
        }
        Ok(out)
    }
}

/// One YAML document of a multi-document stream, with the 1-based line where it starts.
pub struct RawDoc<'a> {
    pub text: &'a str,
    pub line: u32,
}

/// Split a stream at `---` markers. Markers at column 0 always start a document in YAML, even inside block
/// scalars, so splitting by line is exact.
pub fn split_documents(text: &str) -> Vec<RawDoc<'_>> {
    let mut docs = Vec::new();
    let mut start = 0usize;
    let mut start_line = 1u32;
    let mut offset = 0usize;
    for (line_no, line) in (1u32..).zip(text.split_inclusive('\n')) {
        let trimmed = line.trim_end_matches(['\n', '\r']);
        let is_marker = trimmed == "---" || trimmed.starts_with("--- ") || trimmed.starts_with("---\t");
        if is_marker {
            docs.push(RawDoc { text: &text[start..offset], line: start_line });
            // Content after the marker on the same line belongs to the new document.
            start = offset + 3;
            start_line = line_no;
        } else if trimmed == "..." {
            docs.push(RawDoc { text: &text[start..offset], line: start_line });
            start = offset + line.len();
            start_line = line_no + 1;
        }
        offset += line.len();
    }
    docs.push(RawDoc { text: &text[start..], line: start_line });
    docs
}

/// First line of a document that holds content, for pointing at it.
fn first_content_line(doc: &RawDoc) -> u32 {
    for (i, l) in doc.text.lines().enumerate() {
        let t = l.trim();
        if !t.is_empty() && !t.starts_with('#') && t != "---" {
            return doc.line + i as u32;
        }
    }
    doc.line
}

/// Parse one document of Kubernetes objects (or a patch) as kustomize reads it: go-yaml v3's scalars, a key given
/// twice an error, the object's annotations kept as written (see `crate::yaml::parse`).
pub fn parse_yaml_doc(doc: &RawDoc, file: &Path) -> Result<Value, KustomizeError> {
    check_flow_nesting(doc, file)?;
    crate::yaml::parse::parse_document(doc.text, true, true).map_err(|e| doc_error(doc, file, e))
}

fn check_flow_nesting(doc: &RawDoc, file: &Path) -> Result<(), KustomizeError> {
    match flow_nesting_beyond(doc.text, MAX_FLOW_DEPTH) {
        Some(line) => Err(KustomizeError::Parse {
            file: file.to_path_buf(),
            line: doc.line + line - 1,
            message: format!("flow collections ('[', '{{') nested deeper than {MAX_FLOW_DEPTH} levels; refused"),
        }),
        None => Ok(()),
    }
}

/// Deeper flow nesting is refused before parsing. The YAML scanner under serde_yaml rechecks every open flow level
/// for each token, so a line of 100,000 `[` took seconds before its recursion limit (128) stopped it; no document
/// that parses comes near this depth.
const MAX_FLOW_DEPTH: usize = 1000;

/// The 1-based line where flow collections first nest deeper than `limit`, if they do. A linear approximation of
/// YAML's lexing, enough not to count brackets inside comments, quoted scalars, block scalars or plain scalars.
fn flow_nesting_beyond(text: &str, limit: usize) -> Option<u32> {
    let bytes = text.as_bytes();
    let (mut depth, mut line, mut i) = (0usize, 1u32, 0usize);
    // In block context: the indentation below which a block scalar ends, while inside one.
    let mut block_scalar_indent: Option<usize> = None;
    let mut token_start = true;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'\n' {
            line += 1;
            i += 1;
            token_start = true;
            if let Some(min) = block_scalar_indent {
                let indent = bytes[i..].iter().take_while(|c| **c == b' ').count();
                let blank = matches!(bytes.get(i + indent), None | Some(b'\n') | Some(b'\r'));
                if blank || indent > min {
                    // Still inside the block scalar: skip the line.
                    while i < bytes.len() && bytes[i] != b'\n' {
                        i += 1;
                    }
                    continue;
                }
                block_scalar_indent = None;
            }
            continue;
        }
        match b {
            b' ' | b'\t' | b'\r' => token_start = true,
            b'#' if token_start => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'"' | b'\'' if token_start => {
                i += 1;
                while i < bytes.len() {
                    match bytes[i] {
                        b'\\' if b == b'"' => i += 1,
                        c if c == b => {
                            // '' is an escaped quote in a single-quoted scalar.
                            if b == b'\'' && bytes.get(i + 1) == Some(&b'\'') {
                                i += 1;
                            } else {
                                break;
                            }
                        }
                        b'\n' => line += 1,
                        _ => {}
                    }
                    i += 1;
                }
                token_start = false;
            }
            b'[' | b'{' if token_start || depth > 0 => {
                depth += 1;
                if depth > limit {
                    return Some(line);
                }
                token_start = true;
            }
            b']' | b'}' if depth > 0 => {
                depth -= 1;
                token_start = false;
            }
            b',' if depth > 0 => token_start = true,
            b'|' | b'>' if token_start && depth == 0 => {
                let line_start = text[..i].rfind('\n').map_or(0, |p| p + 1);
                let indent = bytes[line_start..].iter().take_while(|c| **c == b' ').count();
                block_scalar_indent = Some(indent);
                token_start = false;
            }
            b':' | b'-' | b'?' => token_start = matches!(bytes.get(i + 1), None | Some(b' ' | b'\n' | b'\r' | b'\t')),
            _ => token_start = false,
        }
        i += 1;
    }
    None
}

/// Parse a stream of Kubernetes objects. `rel` is the path recorded in origins, `abs` the one in errors.
pub fn parse_resources(text: &str, rel: &Path, abs: &Path) -> Result<Vec<Resource>, KustomizeError> {
    let mut out = Vec::new();
    for (index, doc) in split_documents(text).iter().enumerate() {
        check_flow_nesting(doc, abs)?;
        let (value, texts) =
            crate::yaml::parse::parse_document_with_texts(doc.text, true, true).map_err(|e| doc_error(doc, abs, e))?;
        let line = first_content_line(doc);
        let origin = Origin { file: rel.to_path_buf(), doc: index, line, ..Default::default() };
        push_objects(value, texts, origin, abs, &mut out)?;
    }
    Ok(out)
}

fn doc_error(doc: &RawDoc, file: &Path, e: crate::yaml::parse::ParseError) -> KustomizeError {
    KustomizeError::Parse { file: file.to_path_buf(), line: doc.line + e.line.max(1) - 1, message: e.message }
}

fn push_objects(
    value: Value,
    texts: crate::yaml::ScalarTexts,
    origin: Origin,
    abs: &Path,
    out: &mut Vec<Resource>,
) -> Result<(), KustomizeError> {
    let value = strip_tags(value);
    match &value {
        Value::Null => return Ok(()),
        Value::Mapping(m) if m.is_empty() => return Ok(()),
        Value::Mapping(_) => {}
        _ => {
            return Err(KustomizeError::Parse {
                file: abs.to_path_buf(),
                line: origin.line,
                message: "a Kubernetes object must be a YAML mapping".into(),
            });
        }
    }
    let kind = value.get("kind").and_then(Value::as_str).unwrap_or("");
    if kind.ends_with("List")
        && let Some(items) = value.get("items").and_then(Value::as_sequence)
    {
        for (i, item) in items.iter().enumerate() {
            let prefix = [PathSeg::Key("items".into()), PathSeg::Index(i)];
            let item_texts =
                texts.iter().filter_map(|(p, t)| Some((p.strip_prefix(&prefix[..])?.to_vec(), t.clone()))).collect();
            push_objects(item.clone(), item_texts, origin.clone(), abs, out)?;
        }
        return Ok(());
    }
    if kind.is_empty() {
        return Err(KustomizeError::Parse {
            file: abs.to_path_buf(),
            line: origin.line,
            message: "object has no 'kind' (missing Resource metadata)".into(),
        });
    }
    let mut r = Resource::new(value, origin);
    r.build.scalar_texts = texts;
    out.push(r);
    Ok(())
}

/// Parse a kustomization file's document as kustomize reads it (`crate::yaml::parse::parse_kustomization`: YAML 1.1
/// rules, a key given twice keeps its last value, nulls as Go's JSON decoding leaves them).
pub fn parse_kustomization_doc(doc: &RawDoc, file: &Path) -> Result<Value, KustomizeError> {
    check_flow_nesting(doc, file)?;
    crate::yaml::parse::parse_kustomization(doc.text).map_err(|e| KustomizeError::Parse {
        file: file.to_path_buf(),
        line: doc.line + e.line.max(1) - 1,
        message: e.message,
    })
}

/// YAML tags (`!!str`, custom ones) carry no meaning for Kubernetes objects; keep the tagged value.
fn strip_tags(v: Value) -> Value {
    match v {
        Value::Tagged(t) => strip_tags(t.value),
        Value::Mapping(m) => Value::Mapping(m.into_iter().map(|(k, v)| (strip_tags(k), strip_tags(v))).collect()),
        Value::Sequence(s) => Value::Sequence(s.into_iter().map(strip_tags).collect()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lenient(text: &str) -> Result<Value, KustomizeError> {
        parse_kustomization_doc(&RawDoc { text, line: 1 }, Path::new("kustomization.yaml"))
    }

    #[test]
    fn the_lenient_path_keeps_the_last_key_and_expands_aliases_of_lists_and_maps() {
        let v = lenient("a: 1\na: 2\nlist: &l [x, z]\nmap: &m {k: v}\ncopy: *l\nmcopy: *m\n").unwrap();
        assert_eq!(v["a"], Value::from(2));
        assert_eq!(v["copy"], serde_yaml::from_str::<Value>("[x, z]").unwrap());
        assert_eq!(v["mcopy"], serde_yaml::from_str::<Value>("{k: v}").unwrap());
    }

    #[test]
    fn deep_flow_nesting_is_refused_and_brackets_in_text_are_not_counted() {
        let deep = format!("a: {}\n", "[".repeat(2000));
        assert_eq!(flow_nesting_beyond(&deep, MAX_FLOW_DEPTH), Some(1));
        let start = std::time::Instant::now();
        let e = parse_yaml_doc(&RawDoc { text: &format!("a: 1\nb: {}", "[".repeat(200_000)), line: 1 }, Path::new("x"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("x:2:") && e.contains("nested deeper"), "{e}");
        assert!(start.elapsed() < std::time::Duration::from_secs(2), "{:?}", start.elapsed());
        let brackets = "[".repeat(2000);
        for text in [
            format!("a: \"{brackets}\"\n"),
            format!("a: '{brackets}'\n"),
            format!("a: x{brackets}\n"),
            format!("a: 1 # {brackets}\n"),
            format!("a: |\n  {brackets}\n\n  {brackets}\nb: [[1]]\n"),
            format!("a: >-\n    {brackets}\n"),
            "a: [[1, {b: [2]}], \"]]]\"]\n".to_string(),
        ] {
            assert_eq!(flow_nesting_beyond(&text, MAX_FLOW_DEPTH), None, "{text}");
            assert!(parse_yaml_doc(&RawDoc { text: &text, line: 1 }, Path::new("x")).is_ok(), "{text}");
        }
    }

    #[test]
    fn the_lenient_path_refuses_alias_bombs() {
        let mut text = String::from("a: 1\na: 2\nl0: &l0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..10 {
            let p = i - 1;
            text.push_str(&format!(
                "l{i}: &l{i} [*l{p}, *l{p}, *l{p}, *l{p}, *l{p}, *l{p}, *l{p}, *l{p}, *l{p}, *l{p}]\n"
            ));
        }
        let e = lenient(&text).unwrap_err().to_string();
        assert!(e.contains("aliases expand"), "{e}");
    }
}
