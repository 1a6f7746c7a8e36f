//! Reading a manifest document the way kustomize reads it: go-yaml v3's resolution of plain scalars (`0755` is 493,
//! `yes` is a string, `2024-01-01` a timestamp), merge keys applied, a key given twice an error, aliases expanded
//! within a budget, and an object's own `metadata.annotations` kept as the text written (kustomize rewrites them as
//! strings: `0755` stays "0755"). Built on yaml-rust2's event parser, which keeps each scalar's style and tag.

use super::resolve::{Rules, Scalar, resolve};
use serde_yaml::{Mapping, Value};
use yaml_rust2::Event;
use yaml_rust2::parser::{Parser, Tag};
use yaml_rust2::scanner::TScalarStyle;

/// How many values aliases may expand a document to: an alias of an alias of a list doubles per level.
pub const MAX_NODES: usize = 1_000_000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// 1-based, within the parsed text.
    pub line: u32,
    pub message: String,
}

/// Where a node sits, as far as the annotation rule cares.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Place {
    Root,
    Metadata,
    Annotations,
    Other,
}

enum Frame {
    Map {
        map: Mapping,
        /// A key read, waiting for its value: the key, whether it is the merge key, its line.
        key: Option<(Value, bool, u32)>,
        /// Values of `<<` keys, merged when the mapping ends (explicit keys win, as in go-yaml).
        merges: Vec<Value>,
        place: Place,
        anchor: usize,
        start: usize,
        flow: bool,
    },
    Seq {
        items: Vec<Value>,
        anchor: usize,
        start: usize,
        flow: bool,
    },
}

struct Builder {
    stack: Vec<Frame>,
    /// Texts of resolved scalars that print differently, when asked for (see `super::ScalarTexts`).
    texts: Option<super::ScalarTexts>,
    /// Open flow collections (`[`, `{`) on the stack.
    flow_depth: usize,
    anchors: std::collections::HashMap<usize, (Value, usize)>,
    nodes: usize,
    done: Option<Value>,
}

fn error(line: u32, message: impl Into<String>) -> ParseError {
    ParseError { line, message: message.into() }
}

const CORE: &str = "tag:yaml.org,2002:";

/// A scalar's value: go-yaml v3's reading of its text, style and tag.
fn scalar_value(
    text: String,
    style: TScalarStyle,
    tag: Option<&Tag>,
    as_text: bool,
    rules: Rules,
    line: u32,
) -> Result<Value, ParseError> {
    if let Some(tag) = tag {
        if tag.handle != CORE {
            // A tag go-yaml cannot resolve (`!Ref`, `!`): the text as a string.
            return Ok(Value::String(text));
        }
        let typed = |want: &str, ok: bool, v: Value| {
            if ok { Ok(v) } else { Err(error(line, format!("cannot decode the scalar as !!{want}"))) }
        };
        return match tag.suffix.as_str() {
            "str" | "binary" => Ok(Value::String(text)),
            "int" => match resolve(&text, Rules::V3) {
                Scalar::Int(i) => Ok(Value::from(i)),
                Scalar::Uint(u) => Ok(Value::from(u)),
                _ => typed("int", false, Value::Null),
            },
            "float" => match resolve(&text, Rules::V3) {
                Scalar::Int(i) => Ok(Value::from(i as f64)),
                Scalar::Uint(u) => Ok(Value::from(u as f64)),
                Scalar::Float(f) => Ok(Value::from(f)),
                _ => typed("float", false, Value::Null),
            },
            "bool" => match resolve(&text, Rules::V3) {
                Scalar::Bool(b) => Ok(Value::Bool(b)),
                _ => typed("bool", false, Value::Null),
            },
            "null" => match resolve(&text, Rules::V3) {
                Scalar::Null => Ok(Value::Null),
                _ => typed("null", false, Value::Null),
            },
            "timestamp" => match super::resolve::parse_timestamp(&text) {
                Some(t) => Ok(Value::String(t)),
                None => typed("timestamp", false, Value::Null),
            },
            _ => Ok(Value::String(text)),
        };
    }
    if style != TScalarStyle::Plain || as_text {
        return Ok(Value::String(text));
    }
    Ok(match resolve(&text, rules) {
        Scalar::Null => Value::Null,
        Scalar::Bool(b) => Value::Bool(b),
        Scalar::Int(i) => Value::from(i),
        Scalar::Uint(u) => Value::from(u),
        Scalar::Float(f) => Value::from(f),
        // go-yaml v2 hands a timestamp to `interface{}` as the text written (a compatibility rule of v2's decoder).
        Scalar::Timestamp(_) if rules == Rules::V2 => Value::String(text),
        Scalar::Timestamp(t) => Value::String(t),
        Scalar::Merge | Scalar::Str => Value::String(text),
    })
}

impl Builder {
    /// Where the node about to start sits.
    fn place_of_next(&self, annotations_as_text: bool) -> Place {
        if !annotations_as_text {
            return Place::Other;
        }
        match self.stack.last() {
            None => Place::Root,
            Some(Frame::Map { key: Some((Value::String(k), ..)), place, .. }) => match (place, k.as_str()) {
                (Place::Root, "metadata") => Place::Metadata,
                (Place::Metadata, "annotations") => Place::Annotations,
                _ => Place::Other,
            },
            _ => Place::Other,
        }
    }

    fn push_value(&mut self, v: Value, line: u32, duplicates_fail: bool) -> Result<(), ParseError> {
        match self.stack.last_mut() {
            None => self.done = Some(v),
            Some(Frame::Seq { items, .. }) => items.push(v),
            Some(Frame::Map { map, key, merges, .. }) => match key.take() {
                None => {
                    // A key: its text is the JSON key kustomize ends up with.
                    let is_merge = v.as_str() == Some("<<");
                    let key_value = match v {
                        Value::String(_) => v,
                        Value::Null => Value::String(String::new()),
                        other => Value::String(crate::resource::scalar_string(&other).unwrap_or_default()),
                    };
                    *key = Some((key_value, is_merge, line));
                }
                Some((_, true, _)) => merges.push(v),
                Some((k, false, key_line)) => {
                    if map.contains_key(&k) {
                        if duplicates_fail {
                            return Err(error(
                                key_line,
                                format!("mapping key \"{}\" already defined", k.as_str().unwrap_or_default()),
                            ));
                        }
                        map.remove(&k);
                    }
                    map.insert(k, v);
                }
            },
        }
        Ok(())
    }

    /// Keep the text of a value scalar that resolved to something printed another way (a number, a boolean, a
    /// timestamp).
    fn record_text(&mut self, value: &Value, text: String) {
        if value.is_null() || crate::resource::scalar_string(value).as_deref() == Some(text.as_str()) {
            return;
        }
        self.record_at_place(text);
    }

    fn record_at_place(&mut self, text: String) {
        let mut path = Vec::with_capacity(self.stack.len());
        for frame in &self.stack {
            match frame {
                Frame::Map { key: Some((Value::String(k), false, _)), .. } => path.push(super::PathSeg::Key(k.clone())),
                // A key, or a value under a merge key: not a place of the document.
                Frame::Map { .. } => return,
                Frame::Seq { items, .. } => path.push(super::PathSeg::Index(items.len())),
            }
        }
        if let Some(texts) = &mut self.texts {
            texts.push((path, text));
        }
    }

    fn count(&mut self, n: usize, line: u32) -> Result<(), ParseError> {
        self.nodes = self.nodes.saturating_add(n);
        if self.nodes > MAX_NODES {
            return Err(error(line, format!("aliases expand to more than {MAX_NODES} values; refused")));
        }
        Ok(())
    }
}

/// Merge `<<` values into `map`: keys already present win; a list of maps merges in order, earlier first.
fn apply_merges(map: &mut Mapping, merges: Vec<Value>, line: u32) -> Result<(), ParseError> {
    for merge in merges {
        let sources = match merge {
            Value::Mapping(m) => vec![m],
            Value::Sequence(items) => items
                .into_iter()
                .map(|i| match i {
                    Value::Mapping(m) => Ok(m),
                    _ => Err(error(line, "map merge requires map or sequence of maps as the value")),
                })
                .collect::<Result<_, _>>()?,
            _ => return Err(error(line, "map merge requires map or sequence of maps as the value")),
        };
        for source in sources {
            for (k, v) in source {
                if !map.contains_key(&k) {
                    map.insert(k, v);
                }
            }
        }
    }
    Ok(())
}

/// Parse one manifest document as kustomize reads it. `duplicates_fail`: a key given twice is an error (kyaml),
/// else the last one wins.
pub fn parse_document(text: &str, duplicates_fail: bool, annotations_as_text: bool) -> Result<Value, ParseError> {
    parse_with(text, duplicates_fail, annotations_as_text, Rules::V3)
}

/// [`parse_document`], with the texts of scalars whose value prints another way (`0x1F`, `1e3`, `FALSE`).
pub fn parse_document_with_texts(
    text: &str,
    duplicates_fail: bool,
    annotations_as_text: bool,
) -> Result<(Value, super::ScalarTexts), ParseError> {
    parse_recording(text, duplicates_fail, annotations_as_text, Rules::V3, true)
}

/// Parse one document as a YAML 1.1 reader (go-yaml v2, as the API server's YAML decoding) reads it.
pub fn parse_as_yaml_1_1(text: &str) -> Result<Value, ParseError> {
    parse_with(text, true, false, Rules::V2)
}

/// The value of `text` written as a plain scalar in block context and read back by go-yaml v3: resolved when it
/// can be plain, a string when the emitter would have to quote it.
pub fn plain_scalar(text: &str) -> Value {
    if text.contains('\n') || !super::emit::block_plain_allowed(text) {
        return Value::String(text.to_string());
    }
    scalar_value(text.to_string(), TScalarStyle::Plain, None, false, Rules::V3, 0).unwrap_or(Value::String(text.into()))
}

/// Parse YAML as sigs.k8s.io/yaml's `YAMLToJSON` reads it (go-yaml v2 rules; a key given twice keeps its last
/// value): how kustomize reads JSON 6902 patches written in YAML.
pub fn parse_yaml_to_json(text: &str) -> Result<Value, ParseError> {
    parse_with(text, false, false, Rules::V2)
}

/// Parse a kustomization file as kustomize reads it: sigs.k8s.io/yaml's YAML-to-JSON (go-yaml v2 rules, `on` is a
/// boolean; a key given twice keeps its last value), then JSON into Go structs, where `null` leaves a field at its
/// zero value: a null entry of a string map becomes "", any other null field is dropped.
pub fn parse_kustomization(text: &str) -> Result<Value, ParseError> {
    let mut v = parse_with(text, false, false, Rules::V2)?;
    drop_nulls(&mut v, false);
    Ok(v)
}

/// Fields of the Kustomization type that are string maps (null values there are "").
const STRING_MAPS: &[&str] = &["commonLabels", "commonAnnotations", "pairs", "labels", "annotations"];

fn drop_nulls(v: &mut Value, string_map: bool) {
    match v {
        Value::Mapping(m) => {
            if string_map {
                for (_, x) in m.iter_mut() {
                    if x.is_null() {
                        *x = Value::String(String::new());
                    }
                }
            }
            m.retain(|_, x| !x.is_null());
            for (k, x) in m.iter_mut() {
                drop_nulls(x, k.as_str().is_some_and(|k| STRING_MAPS.contains(&k)));
            }
        }
        Value::Sequence(items) => items.iter_mut().for_each(|x| drop_nulls(x, false)),
        _ => {}
    }
}

/// Whether the block scalar whose content starts at character `at` runs to the end of `source`, and `source` does
/// not end with a line break (so the scalar has no final break of its own), with a header that keeps or clips (a
/// stripped scalar has no break to drop).
fn block_scalar_reaches_unterminated_end(source: &str, at: usize) -> bool {
    if source.ends_with('\n') {
        return false;
    }
    let Some((byte, _)) = source.char_indices().nth(at) else { return false };
    let line_start = source[..byte].rfind('\n').map_or(0, |i| i + 1);
    let content_indent = byte - line_start;
    let before = source[..line_start].trim_end_matches(['\n', '\r', ' ']);
    let header = before.rsplit('\n').find(|l| !l.trim().is_empty()).unwrap_or("");
    let header = header.split(" #").next().unwrap_or("");
    let Some(indicator) = header.rfind(['|', '>']) else { return false };
    if header[indicator..].contains('-') {
        return false;
    }
    source[line_start..]
        .lines()
        .all(|l| l.trim().is_empty() || l.len() - l.trim_start_matches(' ').len() >= content_indent)
}

fn parse_with(
    source: &str,
    duplicates_fail: bool,
    annotations_as_text: bool,
    rules: Rules,
) -> Result<Value, ParseError> {
    parse_recording(source, duplicates_fail, annotations_as_text, rules, false).map(|(v, _)| v)
}

fn parse_recording(
    source: &str,
    duplicates_fail: bool,
    annotations_as_text: bool,
    rules: Rules,
    record_texts: bool,
) -> Result<(Value, super::ScalarTexts), ParseError> {
    let text = source;
    let mut parser = Parser::new_from_str(text);
    let mut b = Builder {
        stack: Vec::new(),
        texts: record_texts.then(Vec::new),
        flow_depth: 0,
        anchors: Default::default(),
        nodes: 0,
        done: None,
    };
    // Marks count characters: index them directly when the text is ASCII.
    let chars: Option<Vec<char>> = (!text.is_ascii()).then(|| text.chars().collect());
    let char_at = |i: usize| match &chars {
        None => text.as_bytes().get(i).map(|b| *b as char),
        Some(c) => c.get(i).copied(),
    };
    let mut documents = 0;
    // The mark of the last collection start: a block collection whose first item is a flow collection starts at
    // the same character as that item, so the outer one is block after all.
    let mut last_start: Option<usize> = None;
    loop {
        let (event, mark) = parser.next_token().map_err(|e| error(e.marker().line() as u32, e.info().to_string()))?;
        let line = mark.line() as u32;
        let start_index = matches!(event, Event::MappingStart(..) | Event::SequenceStart(..)).then(|| mark.index());
        if start_index.is_some() && start_index == last_start {
            match b.stack.last_mut() {
                Some(Frame::Map { flow, .. } | Frame::Seq { flow, .. }) if *flow => {
                    *flow = false;
                    b.flow_depth -= 1;
                }
                _ => {}
            }
        }
        last_start = start_index;
        match event {
            Event::StreamEnd => break,
            Event::DocumentStart => {
                documents += 1;
                if documents > 1 {
                    break;
                }
            }
            Event::MappingStart(anchor, _) => {
                b.count(1, line)?;
                let place = b.place_of_next(annotations_as_text);
                let flow = char_at(mark.index()) == Some('{');
                b.flow_depth += usize::from(flow);
                b.stack.push(Frame::Map {
                    map: Mapping::new(),
                    key: None,
                    merges: Vec::new(),
                    place,
                    anchor,
                    start: b.nodes,
                    flow,
                });
            }
            Event::SequenceStart(anchor, _) => {
                b.count(1, line)?;
                let flow = char_at(mark.index()) == Some('[');
                b.flow_depth += usize::from(flow);
                b.stack.push(Frame::Seq { items: Vec::new(), anchor, start: b.nodes, flow });
            }
            Event::MappingEnd | Event::SequenceEnd => {
                let (value, anchor, start, flow) = match b.stack.pop() {
                    Some(Frame::Map { mut map, merges, anchor, start, flow, .. }) => {
                        apply_merges(&mut map, merges, line)?;
                        (Value::Mapping(map), anchor, start, flow)
                    }
                    Some(Frame::Seq { items, anchor, start, flow }) => (Value::Sequence(items), anchor, start, flow),
                    None => return Err(error(line, "unbalanced collection")),
                };
                b.flow_depth -= usize::from(flow);
                if anchor > 0 {
                    b.anchors.insert(anchor, (value.clone(), b.nodes - start + 1));
                }
                b.push_value(value, line, duplicates_fail)?;
            }
            Event::Scalar(text, style, anchor, tag) => {
                b.count(1, line)?;
                let in_annotations =
                    matches!(b.stack.last(), Some(Frame::Map { place: Place::Annotations, key: Some(_), .. }));
                // kyaml re-emits a document with go-yaml v3 before decoding it: a plain scalar in a flow collection
                // that the emitter may not write plain there (a timestamp with `:`) comes back quoted, a string.
                let as_text = in_annotations
                    || (rules == Rules::V3
                        && b.flow_depth > 0
                        && style == TScalarStyle::Plain
                        && !super::emit::flow_plain_allowed(&text));
                let mut text = text;
                if matches!(style, TScalarStyle::Literal | TScalarStyle::Folded)
                    && text.ends_with('\n')
                    && block_scalar_reaches_unterminated_end(source, mark.index())
                {
                    // yaml-rust2 ends a clipped block scalar with a line break even when the file has none there;
                    // libyaml (go-yaml) keeps only a break that is present.
                    text.pop();
                }
                // Only a plain or tagged scalar can read as something other than its text: a quoted or block one
                // is its text, with nothing to keep.
                let original =
                    (b.texts.is_some() && (style == TScalarStyle::Plain || tag.is_some())).then(|| text.clone());
                let value = scalar_value(text, style, tag.as_ref(), as_text, rules, line)?;
                if let Some(original) = original {
                    let flow_quirk = as_text && !in_annotations && tag.is_none();
                    if flow_quirk && !matches!(resolve(&original, rules), Scalar::Str | Scalar::Merge) {
                        // Still a timestamp while kustomize builds (it is quoted only when printed): kept, so that
                        // the vars filter can tell it from a string.
                        b.record_at_place(original);
                    } else {
                        b.record_text(&value, original);
                    }
                }
                if anchor > 0 {
                    b.anchors.insert(anchor, (value.clone(), 1));
                }
                b.push_value(value, line, duplicates_fail)?;
            }
            Event::Alias(id) => {
                let Some((value, size)) = b.anchors.get(&id).map(|(v, s)| (v.clone(), *s)) else {
                    return Err(error(line, "unknown anchor referenced"));
                };
                b.count(size, line)?;
                b.push_value(value, line, duplicates_fail)?;
            }
            _ => {}
        }
    }
    Ok((b.done.unwrap_or(Value::Null), b.texts.unwrap_or_default()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Value {
        parse_document(text, true, true).unwrap()
    }

    #[test]
    fn scalars_resolve_as_go_yaml_v3_resolves_them() {
        let v = parse("a: yes\nb: 0755\nc: '0755'\nd: 2024-01-01\ne: 1e3\nf: !!str 12\ng: !Ref x\nh: ~\ni: \"\"\n");
        assert_eq!(v["a"], Value::from("yes"));
        assert_eq!(v["b"], Value::from(493));
        assert_eq!(v["c"], Value::from("0755"));
        assert_eq!(v["d"], Value::from("2024-01-01T00:00:00Z"));
        assert_eq!(v["e"], Value::from(1000.0));
        assert_eq!(v["f"], Value::from("12"));
        assert_eq!(v["g"], Value::from("x"));
        assert_eq!(v["h"], Value::Null);
        assert_eq!(v["i"], Value::from(""));
    }

    #[test]
    fn annotations_keep_their_text_and_labels_their_type() {
        let v = parse(
            "metadata:\n  annotations: {x: 0755, z: null, w: 1.50}\n  labels: {port: 8080}\nspec:\n  template:\n    metadata:\n      annotations: {p: 8080}\n",
        );
        assert_eq!(v["metadata"]["annotations"]["x"], Value::from("0755"));
        assert_eq!(v["metadata"]["annotations"]["z"], Value::from("null"));
        assert_eq!(v["metadata"]["annotations"]["w"], Value::from("1.50"));
        assert_eq!(v["metadata"]["labels"]["port"], Value::from(8080));
        assert_eq!(v["spec"]["template"]["metadata"]["annotations"]["p"], Value::from(8080));
    }

    #[test]
    fn merge_keys_apply_and_explicit_keys_win() {
        let v = parse("base: &b {p: 1, q: 2}\ndata:\n  <<: *b\n  q: 3\n  r: *b\n");
        assert_eq!(v["data"]["p"], Value::from(1));
        assert_eq!(v["data"]["q"], Value::from(3));
        assert_eq!(v["data"]["r"]["q"], Value::from(2));
    }

    #[test]
    fn duplicate_keys_fail_with_the_line() {
        let e = parse_document("a: 1\nb: 2\na: 3\n", true, true).unwrap_err();
        assert_eq!(e.line, 3);
        assert!(e.message.contains("already defined"), "{e:?}");
        assert_eq!(parse_document("a: 1\na: 3\n", false, true).unwrap()["a"], Value::from(3));
    }

    #[test]
    fn alias_bombs_are_refused() {
        let mut text = String::from("l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..10 {
            let p = i - 1;
            text.push_str(&format!(
                "l{i}: &l{i} [*l{p}, *l{p}, *l{p}, *l{p}, *l{p}, *l{p}, *l{p}, *l{p}, *l{p}, *l{p}]\n"
            ));
        }
        let e = parse_document(&text, true, true).unwrap_err();
        assert!(e.message.contains("aliases expand"), "{e:?}");
    }
}
