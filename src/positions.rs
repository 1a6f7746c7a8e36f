//! Where a field is written: a `path -> line:column` index of a YAML file, built only for files a finding points
//! into. Paths are the ones rules report (`spec.data[1].remoteRef.key`); documents are indexed the way the loader
//! splits them, so `Origin.doc` selects the right one.

use crate::kustomize::loader::split_documents;
use crate::resource::Resource;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::Marker;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pos {
    /// 1-based.
    pub line: u32,
    /// 1-based.
    pub column: u32,
}

#[derive(Debug, Default)]
pub struct DocIndex {
    start_line: u32,
    values: HashMap<String, Pos>,
    keys: HashMap<String, Pos>,
}

impl DocIndex {
    /// The value's position, else its key's.
    pub fn get(&self, path: &str) -> Option<Pos> {
        self.values.get(path).or_else(|| self.keys.get(path)).copied()
    }
    pub fn key(&self, path: &str) -> Option<Pos> {
        self.keys.get(path).or_else(|| self.values.get(path)).copied()
    }
    pub fn start(&self) -> Pos {
        Pos { line: self.start_line, column: 1 }
    }
}

enum Frame {
    Map { path: String, key: Option<String> },
    Seq { path: String, next: usize },
}

struct Builder {
    line_offset: u32,
    stack: Vec<Frame>,
    index: DocIndex,
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() { key.to_string() } else { format!("{path}.{key}") }
}

impl Builder {
    fn pos(&self, m: Marker) -> Pos {
        Pos { line: self.line_offset + m.line() as u32 - 1, column: m.col() as u32 + 1 }
    }

    /// The path of the node now starting, consuming the slot it fills; None when it is a mapping key.
    fn next_path(&mut self, is_scalar: bool, text: &str, mark: Marker) -> Option<String> {
        let pos = self.pos(mark);
        match self.stack.last_mut() {
            None => Some(String::new()),
            Some(Frame::Seq { path, next }) => {
                let p = format!("{path}[{next}]");
                *next += 1;
                Some(p)
            }
            Some(Frame::Map { path, key }) => match key.take() {
                Some(k) => Some(join(path, &k)),
                None => {
                    if is_scalar {
                        let full = join(path, text);
                        *key = Some(text.to_string());
                        self.index.keys.insert(full, pos);
                    }
                    None
                }
            },
        }
    }
}

impl MarkedEventReceiver for Builder {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        match ev {
            Event::Scalar(text, ..) => {
                if let Some(p) = self.next_path(true, &text, mark) {
                    let pos = self.pos(mark);
                    self.index.values.insert(p, pos);
                }
            }
            Event::Alias(_) => {
                if let Some(p) = self.next_path(true, "", mark) {
                    let pos = self.pos(mark);
                    self.index.values.insert(p, pos);
                }
            }
            Event::MappingStart(..) | Event::SequenceStart(..) => {
                let is_map = matches!(ev, Event::MappingStart(..));
                let path = self.next_path(false, "", mark).unwrap_or_default();
                let pos = self.pos(mark);
                self.index.values.entry(path.clone()).or_insert(pos);
                self.stack.push(if is_map { Frame::Map { path, key: None } } else { Frame::Seq { path, next: 0 } });
            }
            Event::MappingEnd | Event::SequenceEnd => {
                self.stack.pop();
            }
            _ => {}
        }
    }
}

/// Index every document of a YAML text. A document that does not parse gets an empty index.
pub fn index_text(text: &str) -> Vec<DocIndex> {
    split_documents(text)
        .iter()
        .map(|doc| {
            let mut b = Builder {
                line_offset: doc.line,
                stack: Vec::new(),
                index: DocIndex { start_line: doc.line, ..Default::default() },
            };
            let mut parser = Parser::new_from_str(doc.text);
            let _ = parser.load(&mut b, false);
            b.index
        })
        .collect()
}

/// Indexes of the files findings point into, loaded on first use.
pub struct Positions {
    root: PathBuf,
    files: HashMap<PathBuf, Vec<DocIndex>>,
    /// Per template and rendering (the `Arc` of the rendered text, kept so its address stays unique): built once,
    /// however many findings point into it.
    templates: HashMap<(PathBuf, usize), TemplateIndex>,
}

/// A template's rendered text indexed, and the template's own lines by their text and by the key they set.
struct TemplateIndex {
    _rendered: std::sync::Arc<str>,
    docs: Vec<DocIndex>,
    rendered_lines: Vec<String>,
    /// Trimmed line text -> first 0-based line with it.
    by_text: HashMap<String, usize>,
    /// Key set on a line (`key:` or `- key:`) -> first 0-based line and the key's 1-based column.
    by_key: HashMap<String, (usize, u32)>,
}

impl TemplateIndex {
    fn new(rendered: &std::sync::Arc<str>, template: &str) -> TemplateIndex {
        let mut by_text = HashMap::new();
        let mut by_key = HashMap::new();
        for (i, l) in template.lines().enumerate() {
            by_text.entry(l.trim().to_string()).or_insert(i);
            let body = l.trim().trim_start_matches("- ");
            if let Some((key, _)) = body.split_once(':') {
                let col = l.find(key).map(|c| c as u32 + 1).unwrap_or(1);
                by_key.entry(key.trim().to_string()).or_insert((i, col));
            }
        }
        TemplateIndex {
            _rendered: rendered.clone(),
            docs: index_text(rendered),
            rendered_lines: rendered.lines().map(str::to_string).collect(),
            by_text,
            by_key,
        }
    }
}

/// A file of the repository, through the file layer (inside the repo, capped); empty when it cannot be read.
fn read_repo_file(root: &Path, file: &Path) -> String {
    crate::files::read_text(Some(root), &root.join(file), crate::files::MAX_FILE_BYTES).unwrap_or_default()
}

/// A resolved source location.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub file: PathBuf,
    pub line: u32,
    pub column: u32,
}

fn parent(path: &str) -> Option<&str> {
    if path.is_empty() {
        return None;
    }
    match (path.rfind('.'), path.rfind('[')) {
        (Some(d), Some(b)) => Some(&path[..d.max(b)]),
        (Some(d), None) => Some(&path[..d]),
        (None, Some(b)) => Some(&path[..b]),
        (None, None) => Some(""),
    }
}

impl Positions {
    pub fn new(root: &Path) -> Positions {
        Positions { root: root.to_path_buf(), files: HashMap::new(), templates: HashMap::new() }
    }

    fn docs(&mut self, file: &Path) -> &[DocIndex] {
        let root = self.root.clone();
        self.files.entry(file.to_path_buf()).or_insert_with(|| index_text(&read_repo_file(&root, file)))
    }

    /// Where `path` of the rendered `r` was written: in the last patch that sets it, else in the object's own
    /// document (at the nearest enclosing field that exists there), else at the document's start.
    pub fn locate(&mut self, r: &Resource, path: &str, prefer_key: bool) -> Location {
        // A field (or an enclosing one) last set by a JSON patch operation is located at that operation.
        let covers = |f: &str| path == f || path.starts_with(&format!("{f}.")) || path.starts_with(&format!("{f}["));
        if let Some(f) = r.origin.patched_fields.iter().rev().find(|f| covers(&f.path)) {
            return Location { file: f.file.clone(), line: f.line, column: f.column };
        }
        for patch in r.origin.patched_by.iter().rev() {
            let found = self.docs(patch).iter().find_map(|d| if prefer_key { d.key(path) } else { d.get(path) });
            if let Some(p) = found {
                return Location { file: patch.clone(), line: p.line, column: p.column };
            }
        }
        let file = r.origin.file.clone();
        let doc_index = r.origin.doc;
        if let Some(rendered) = &r.origin.rendered {
            return self.locate_in_template(r, rendered, path, prefer_key);
        }
        let docs = self.docs(&file);
        let Some(doc) = docs.get(doc_index) else {
            return Location { file, line: r.origin.line, column: 1 };
        };
        let mut cur = Some(path);
        while let Some(p) = cur {
            let hit = if prefer_key { doc.key(p) } else { doc.get(p) };
            if let Some(pos) = hit.filter(|_| !p.is_empty()) {
                return Location { file, line: pos.line, column: pos.column };
            }
            cur = parent(p);
        }
        Location { file, line: r.origin.line.max(doc.start().line), column: 1 }
    }

    /// A template's rendered text is indexed; the line found there is mapped back to the template: the template line
    /// with the same text (a literal line, or the line of a loop), else the one that sets the same key.
    fn locate_in_template(
        &mut self,
        r: &Resource,
        rendered: &std::sync::Arc<str>,
        path: &str,
        prefer_key: bool,
    ) -> Location {
        let file = r.origin.file.clone();
        let root = self.root.clone();
        let index = self
            .templates
            .entry((file.clone(), rendered.as_ptr() as usize))
            .or_insert_with(|| TemplateIndex::new(rendered, &read_repo_file(&root, &file)));
        let mut found = None;
        if let Some(doc) = index.docs.get(r.origin.doc) {
            let mut cur = Some(path);
            while let Some(p) = cur {
                if let Some(pos) = (if prefer_key { doc.key(p) } else { doc.get(p) }).filter(|_| !p.is_empty()) {
                    found = Some(pos);
                    break;
                }
                cur = parent(p);
            }
        }
        let Some(pos) = found else { return Location { file, line: 1, column: 1 } };
        let out_line = index.rendered_lines.get(pos.line as usize - 1).map_or("", String::as_str).trim();
        if !out_line.is_empty()
            && let Some(&i) = index.by_text.get(out_line)
        {
            return Location { file, line: i as u32 + 1, column: pos.column };
        }
        let key = out_line.trim_start_matches("- ").split(':').next().unwrap_or("").trim();
        if !key.is_empty()
            && let Some(&(i, column)) = index.by_key.get(key)
        {
            return Location { file, line: i as u32 + 1, column };
        }
        Location { file, line: 1, column: 1 }
    }

    /// The text of a source line, for snippets.
    pub fn line_text(&self, file: &Path, line: u32) -> Option<String> {
        let text = read_repo_file(&self.root, file);
        text.lines().nth(line.checked_sub(1)? as usize).map(str::to_string)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indexes_values_keys_and_list_elements() {
        let text = "# comment\napiVersion: v1\nkind: X\nspec:\n  data:\n  - secretKey: a\n    remoteRef:\n      key: first\n  - secretKey: b\n---\nkind: Y\nmetadata:\n  name: y\n";
        let docs = index_text(text);
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[0].get("spec.data[1].secretKey"), Some(Pos { line: 9, column: 16 }));
        assert_eq!(docs[0].get("spec.data[0].remoteRef.key"), Some(Pos { line: 8, column: 12 }));
        assert_eq!(docs[0].key("spec.data[0].remoteRef.key"), Some(Pos { line: 8, column: 7 }));
        assert_eq!(docs[1].get("metadata.name"), Some(Pos { line: 13, column: 9 }));
    }

    #[test]
    fn parent_paths() {
        assert_eq!(parent("spec.data[1].key"), Some("spec.data[1]"));
        assert_eq!(parent("spec.data[1]"), Some("spec.data"));
        assert_eq!(parent("spec"), Some(""));
        assert_eq!(parent(""), None);
    }
}
