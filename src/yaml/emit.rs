//! Writing objects exactly as `kubectl kustomize` prints them. kustomize turns each object into JSON and back
//! through sigs.k8s.io/yaml (`Resource.AsYAML` -> `JSONToYAML`: go-yaml v2 `Unmarshal` into `interface{}`, then
//! `Marshal`), so the bytes follow from three steps mirrored here:
//! - JSON: numbers as Go's encoding/json writes them, then read back with go-yaml v2's resolution (a float with an
//!   integral value becomes an int, `1e+21` stays a float), timestamps already strings, NaN and infinities refused;
//! - key order: go-yaml v2's `keyList.Less` (sorter.go), a "natural" order where digit runs compare as numbers;
//! - go-yaml v2's emitter (emitterc.go, a port of libyaml): block style, two-space indent, sequences not indented
//!   under their key, plain scalars where go-yaml v2 would read them back as the same string (`stringv` in
//!   encode.go), else single or double quotes as `yaml_emitter_analyze_scalar` allows, literal blocks for text with
//!   newlines, and plain or quoted text folded past column 80.

use super::resolve::{Rules, Scalar, is_base60_float, resolve};
use serde_yaml::Value;

#[derive(Debug, thiserror::Error)]
pub enum EmitError {
    #[error("json: unsupported value: {0} (kustomize cannot print NaN or infinite numbers)")]
    UnsupportedFloat(String),
    #[error("the printed YAML would be read back differently by a YAML 1.1 reader (the API server) at '{0}'; refused")]
    MeaningChanged(String),
}

/// The text of one object as kustomize prints it (ends with a newline). The text is read back with YAML 1.1
/// rules, as the API server reads it, and refused if any value's type or text would change: Argo CD must never
/// receive a manifest whose meaning moved.
pub fn to_kustomize_yaml(v: &Value) -> Result<String, EmitError> {
    let mut normal = normalize(v)?;
    annotations_as_strings(&mut normal);
    let mut e = Emitter::new();
    e.node(&normal, Context::default());
    e.document_end();
    let read_back = super::parse::parse_as_yaml_1_1(&e.out)
        .map_err(|err| EmitError::MeaningChanged(format!("line {}: {}", err.line, err.message)))?;
    if let Some(path) = first_difference(&normal, &normalize(&read_back)?, String::new()) {
        return Err(EmitError::MeaningChanged(path));
    }
    Ok(e.out)
}

/// The path of the first value that differs between what was meant and what a reader gets.
fn first_difference(meant: &Node, read: &Node, path: String) -> Option<String> {
    match (meant, read) {
        (Node::Map(a), Node::Map(b)) => {
            if a.len() != b.len() {
                return Some(if path.is_empty() { "(root)".into() } else { path });
            }
            a.iter().zip(b).find_map(|((ka, va), (kb, vb))| {
                let p = if path.is_empty() { ka.clone() } else { format!("{path}.{ka}") };
                if ka != kb { Some(p) } else { first_difference(va, vb, p) }
            })
        }
        (Node::Seq(a), Node::Seq(b)) if a.len() == b.len() => {
            a.iter().zip(b).enumerate().find_map(|(i, (x, y))| first_difference(x, y, format!("{path}[{i}]")))
        }
        (a, b) if a == b => None,
        _ => Some(if path.is_empty() { "(root)".into() } else { path }),
    }
}

/// The value after the JSON round trip, in emitter terms.
#[derive(Debug, Clone, PartialEq)]
enum Node {
    Null,
    Bool(bool),
    /// A number's text as go-yaml v2 prints it.
    Number(String),
    Str(String),
    Seq(Vec<Node>),
    Map(Vec<(String, Node)>),
}

fn normalize(v: &Value) -> Result<Node, EmitError> {
    Ok(match v {
        Value::Null => Node::Null,
        Value::Bool(b) => Node::Bool(*b),
        Value::Number(n) => Node::Number(number_text(n)?),
        Value::String(s) => Node::Str(s.clone()),
        Value::Sequence(items) => Node::Seq(items.iter().map(normalize).collect::<Result<_, _>>()?),
        Value::Mapping(m) => {
            let mut entries = Vec::with_capacity(m.len());
            for (k, v) in m {
                let key = match k {
                    Value::String(s) => s.clone(),
                    other => crate::resource::scalar_string(other).unwrap_or_default(),
                };
                entries.push((key, normalize(v)?));
            }
            entries.sort_by(|a, b| natural_cmp(&a.0, &b.0));
            Node::Map(entries)
        }
        Value::Tagged(t) => normalize(&t.value)?,
    })
}

/// kustomize rewrites an object's own annotations as strings (it sets and removes internal annotations on every
/// object): the parser keeps their written text; a value a transformer put there typed is printed as its text.
fn annotations_as_strings(root: &mut Node) {
    let Node::Map(top) = root else { return };
    let Some((_, Node::Map(meta))) = top.iter_mut().find(|(k, _)| k == "metadata") else { return };
    let Some((_, Node::Map(annotations))) = meta.iter_mut().find(|(k, _)| k == "annotations") else { return };
    for (_, v) in annotations.iter_mut() {
        let text = match v {
            Node::Null => "null".to_string(),
            Node::Bool(b) => b.to_string(),
            Node::Number(n) => n.clone(),
            _ => continue,
        };
        *v = Node::Str(text);
    }
}

/// A number through Go's JSON encoding and go-yaml v2's reading of that JSON.
fn number_text(n: &serde_yaml::Number) -> Result<String, EmitError> {
    if let Some(i) = n.as_i64() {
        return Ok(i.to_string());
    }
    if let Some(u) = n.as_u64() {
        return Ok(u.to_string());
    }
    let f = n.as_f64().unwrap_or(0.0);
    if !f.is_finite() {
        return Err(EmitError::UnsupportedFloat(if f.is_nan() { "NaN".into() } else { format!("{f}") }));
    }
    let json = go_json_float(f);
    Ok(match resolve(&json, Rules::V2) {
        Scalar::Int(i) => i.to_string(),
        Scalar::Uint(u) => u.to_string(),
        Scalar::Float(g) => go_format_g(g),
        _ => json,
    })
}

/// Shortest round-trip digits and decimal exponent of `f` (> 0): `f = 0.d1d2... * 10^(exp+1)` as `d1.d2... e exp`.
fn shortest_digits(f: f64) -> (String, i32) {
    let e = format!("{:e}", f.abs());
    let (mantissa, exp) = e.split_once('e').expect("exponent form");
    (mantissa.replace('.', ""), exp.parse().expect("exponent"))
}

/// Go's `encoding/json` float: `strconv.AppendFloat(f, 'f' or 'e', -1, 64)`, 'e' below 1e-6 or from 1e21, with
/// `e-07` cleaned to `e-7`.
pub(crate) fn go_json_float(f: f64) -> String {
    let abs = f.abs();
    if abs != 0.0 && !(1e-6..1e21).contains(&abs) {
        let mut s = go_exp(f);
        if let Some(i) = s.find("e-0") {
            s.remove(i + 2);
        }
        return s;
    }
    // Rust's Display is the shortest round-trip in fixed notation, as Go's 'f' with precision -1.
    let s = format!("{f}");
    if s == "-0" { "-0".into() } else { s }
}

/// `%e` with the shortest digits: `d.ddde±XX` (at least two exponent digits, as Go writes them).
fn go_exp(f: f64) -> String {
    let (digits, exp) = shortest_digits(f);
    let sign = if f.is_sign_negative() { "-" } else { "" };
    let mantissa = if digits.len() > 1 { format!("{}.{}", &digits[..1], &digits[1..]) } else { digits };
    let esign = if exp < 0 { '-' } else { '+' };
    format!("{sign}{mantissa}e{esign}{:02}", exp.abs())
}

/// Go's `strconv.FormatFloat(f, 'g', -1, 64)`: with the shortest precision Go decides by a precision of 6, so %e
/// when the decimal exponent is below -4 or at least 6, else %f with the shortest digits.
pub(crate) fn go_format_g(f: f64) -> String {
    if f == 0.0 {
        return if f.is_sign_negative() { "-0".into() } else { "0".into() };
    }
    let (_, exp) = shortest_digits(f);
    if !(-4..6).contains(&exp) {
        return go_exp(f);
    }
    format!("{f}")
}

/// go-yaml v2's `keyList.Less` for two string keys.
fn natural_less(a: &str, b: &str) -> bool {
    let ar: Vec<char> = a.chars().collect();
    let br: Vec<char> = b.chars().collect();
    let mut i = 0;
    while i < ar.len() && i < br.len() {
        if ar[i] == br[i] {
            i += 1;
            continue;
        }
        let al = ar[i].is_alphabetic();
        let bl = br[i].is_alphabetic();
        if al && bl {
            return ar[i] < br[i];
        }
        if al || bl {
            return bl;
        }
        let (mut an, mut bn): (i64, i64) = (0, 0);
        if ar[i] == '0' || br[i] == '0' {
            let mut j = i;
            while j > 0 && ar[j - 1].is_ascii_digit() {
                j -= 1;
                if ar[j] != '0' {
                    an = 1;
                    bn = 1;
                    break;
                }
            }
        }
        let mut ai = i;
        while ai < ar.len() && ar[ai].is_ascii_digit() {
            an = an.wrapping_mul(10).wrapping_add(ar[ai] as i64 - '0' as i64);
            ai += 1;
        }
        let mut bi = i;
        while bi < br.len() && br[bi].is_ascii_digit() {
            bn = bn.wrapping_mul(10).wrapping_add(br[bi] as i64 - '0' as i64);
            bi += 1;
        }
        if an != bn {
            return an < bn;
        }
        if ai != bi {
            return ai < bi;
        }
        return ar[i] < br[i];
    }
    ar.len() < br.len()
}

fn natural_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    if natural_less(a, b) {
        std::cmp::Ordering::Less
    } else if natural_less(b, a) {
        std::cmp::Ordering::Greater
    } else {
        std::cmp::Ordering::Equal
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Style {
    Plain,
    Single,
    Double,
    Literal,
}

/// `yaml_emitter_analyze_scalar`'s verdicts.
#[derive(Debug, Default)]
struct Analysis {
    multiline: bool,
    flow_plain_allowed: bool,
    block_plain_allowed: bool,
    single_quoted_allowed: bool,
    block_allowed: bool,
}

/// go-yaml's `is_printable`, on characters: it reads at most three UTF-8 bytes, so nothing past U+FFFF (emoji
/// included) counts as printable, and neither do C1 controls, tabs or the BOM.
fn is_printable(c: char) -> bool {
    matches!(c, '\n' | '\u{20}'..='\u{7E}' | '\u{A0}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}') && c != '\u{FEFF}'
}

fn is_break(c: char) -> bool {
    matches!(c, '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

fn is_blank(c: char) -> bool {
    c == ' ' || c == '\t'
}

/// Whether libyaml's emitter (go-yaml v2 and v3 alike) may write `value` as a plain scalar inside a flow
/// collection.
pub(crate) fn flow_plain_allowed(value: &str) -> bool {
    analyze(value).flow_plain_allowed
}

/// Whether libyaml's emitter may write `value` as a plain scalar in block context.
pub(crate) fn block_plain_allowed(value: &str) -> bool {
    analyze(value).block_plain_allowed
}

fn analyze(value: &str) -> Analysis {
    if value.is_empty() {
        return Analysis { block_plain_allowed: true, single_quoted_allowed: true, ..Default::default() };
    }
    let chars: Vec<char> = value.chars().collect();
    let mut block_indicators = false;
    let mut flow_indicators = false;
    let mut line_breaks = false;
    let mut special_characters = false;
    let (mut leading_space, mut leading_break, mut trailing_space, mut trailing_break) = (false, false, false, false);
    let (mut break_space, mut space_break) = (false, false);
    let (mut previous_space, mut previous_break) = (false, false);
    if value.starts_with("---") || value.starts_with("...") {
        block_indicators = true;
        flow_indicators = true;
    }
    let mut preceded_by_whitespace = true;
    for (i, &c) in chars.iter().enumerate() {
        let followed_by_whitespace = chars.get(i + 1).is_none_or(|n| is_blank(*n));
        if i == 0 {
            match c {
                '#' | ',' | '[' | ']' | '{' | '}' | '&' | '*' | '!' | '|' | '>' | '\'' | '"' | '%' | '@' | '`' => {
                    flow_indicators = true;
                    block_indicators = true;
                }
                '?' | ':' => {
                    flow_indicators = true;
                    if followed_by_whitespace {
                        block_indicators = true;
                    }
                }
                '-' if followed_by_whitespace => {
                    flow_indicators = true;
                    block_indicators = true;
                }
                _ => {}
            }
        } else {
            match c {
                ',' | '?' | '[' | ']' | '{' | '}' => flow_indicators = true,
                ':' => {
                    flow_indicators = true;
                    if followed_by_whitespace {
                        block_indicators = true;
                    }
                }
                '#' if preceded_by_whitespace => {
                    flow_indicators = true;
                    block_indicators = true;
                }
                _ => {}
            }
        }
        if !is_printable(c) {
            special_characters = true;
        }
        if c == ' ' {
            if i == 0 {
                leading_space = true;
            }
            if i + 1 == chars.len() {
                trailing_space = true;
            }
            if previous_break {
                break_space = true;
            }
            previous_space = true;
            previous_break = false;
        } else if is_break(c) {
            line_breaks = true;
            if i == 0 {
                leading_break = true;
            }
            if i + 1 == chars.len() {
                trailing_break = true;
            }
            if previous_space {
                space_break = true;
            }
            previous_space = false;
            previous_break = true;
        } else {
            previous_space = false;
            previous_break = false;
        }
        preceded_by_whitespace = is_blank(c) || is_break(c) || c == '\0';
    }
    let mut a = Analysis {
        multiline: line_breaks,
        flow_plain_allowed: true,
        block_plain_allowed: true,
        single_quoted_allowed: true,
        block_allowed: true,
    };
    if leading_space || leading_break || trailing_space || trailing_break {
        a.flow_plain_allowed = false;
        a.block_plain_allowed = false;
    }
    if trailing_space {
        a.block_allowed = false;
    }
    if break_space {
        a.flow_plain_allowed = false;
        a.block_plain_allowed = false;
        a.single_quoted_allowed = false;
    }
    if space_break || special_characters {
        a.flow_plain_allowed = false;
        a.block_plain_allowed = false;
        a.single_quoted_allowed = false;
        a.block_allowed = false;
    }
    if line_breaks {
        a.flow_plain_allowed = false;
        a.block_plain_allowed = false;
    }
    if flow_indicators {
        a.flow_plain_allowed = false;
    }
    if block_indicators {
        a.block_plain_allowed = false;
    }
    a
}

#[derive(Debug, Clone, Copy, Default)]
struct Context {
    mapping: bool,
    simple_key: bool,
}

struct Emitter {
    out: String,
    column: usize,
    indent: i32,
    indents: Vec<i32>,
    whitespace: bool,
    indention: bool,
    flow_level: usize,
}

const BEST_INDENT: i32 = 2;
const BEST_WIDTH: usize = 80;

impl Emitter {
    fn new() -> Emitter {
        Emitter {
            out: String::new(),
            column: 0,
            indent: -1,
            indents: Vec::new(),
            whitespace: true,
            indention: true,
            flow_level: 0,
        }
    }

    fn put(&mut self, c: char) {
        self.out.push(c);
        self.column += 1;
    }

    fn put_break(&mut self) {
        self.out.push('\n');
        self.column = 0;
    }

    /// `write_break`: a line break character from a value (a `\n` as the emitter's break, others as they are).
    fn write_break(&mut self, c: char) {
        if c == '\n' {
            self.put_break();
        } else {
            self.out.push(c);
            self.column = 0;
        }
    }

    fn increase_indent(&mut self, flow: bool, indentless: bool) {
        self.indents.push(self.indent);
        if self.indent < 0 {
            self.indent = if flow { BEST_INDENT } else { 0 };
        } else if !indentless {
            self.indent += BEST_INDENT;
        }
    }

    fn pop_indent(&mut self) {
        self.indent = self.indents.pop().unwrap_or(-1);
    }

    fn write_indent(&mut self) {
        let indent = self.indent.max(0) as usize;
        if !self.indention || self.column > indent || (self.column == indent && !self.whitespace) {
            self.put_break();
        }
        while self.column < indent {
            self.put(' ');
        }
        self.whitespace = true;
        self.indention = true;
    }

    fn write_indicator(&mut self, indicator: &str, need_whitespace: bool, is_whitespace: bool, is_indention: bool) {
        if need_whitespace && !self.whitespace {
            self.put(' ');
        }
        for c in indicator.chars() {
            self.put(c);
        }
        self.whitespace = is_whitespace;
        self.indention = self.indention && is_indention;
    }

    fn document_end(&mut self) {
        self.indent = -1;
        self.write_indent();
    }

    fn node(&mut self, node: &Node, ctx: Context) {
        match node {
            Node::Null => self.scalar("null", Style::Plain, ctx),
            Node::Bool(b) => self.scalar(if *b { "true" } else { "false" }, Style::Plain, ctx),
            Node::Number(n) => self.scalar(n, Style::Plain, ctx),
            Node::Str(s) => self.scalar(s, string_style(s), ctx),
            Node::Seq(items) if items.is_empty() || self.flow_level > 0 => self.flow_empty("[", "]"),
            Node::Map(entries) if entries.is_empty() || self.flow_level > 0 => self.flow_empty("{", "}"),
            Node::Seq(items) => {
                self.increase_indent(false, ctx.mapping && !self.indention);
                for item in items {
                    self.write_indent();
                    self.write_indicator("-", true, false, true);
                    self.node(item, Context::default());
                }
                self.pop_indent();
            }
            Node::Map(entries) => {
                self.increase_indent(false, false);
                for (key, value) in entries {
                    self.write_indent();
                    let analysis = analyze(key);
                    if !analysis.multiline && key.len() <= 128 {
                        self.node(&Node::Str(key.clone()), Context { mapping: true, simple_key: true });
                        self.write_indicator(":", false, false, false);
                    } else {
                        self.write_indicator("?", true, false, true);
                        self.node(&Node::Str(key.clone()), Context { mapping: true, simple_key: false });
                        self.write_indent();
                        self.write_indicator(":", true, false, true);
                    }
                    self.node(value, Context { mapping: true, simple_key: false });
                }
                self.pop_indent();
            }
        }
    }

    /// Only empty collections are written in flow style (go-yaml v2 marshals every collection in block style).
    fn flow_empty(&mut self, open: &str, close: &str) {
        self.write_indicator(open, true, true, false);
        self.increase_indent(true, false);
        self.pop_indent();
        self.write_indicator(close, false, false, false);
    }

    fn scalar(&mut self, value: &str, requested: Style, ctx: Context) {
        let a = analyze(value);
        let mut style = requested;
        if ctx.simple_key && a.multiline {
            style = Style::Double;
        }
        if style == Style::Plain {
            let plain_allowed = if self.flow_level > 0 { a.flow_plain_allowed } else { a.block_plain_allowed };
            if !plain_allowed || (value.is_empty() && (self.flow_level > 0 || ctx.simple_key)) {
                style = Style::Single;
            }
        }
        if style == Style::Single && !a.single_quoted_allowed {
            style = Style::Double;
        }
        if style == Style::Literal && (!a.block_allowed || self.flow_level > 0 || ctx.simple_key) {
            style = Style::Double;
        }
        self.increase_indent(true, false);
        let allow_breaks = !ctx.simple_key;
        match style {
            Style::Plain => self.write_plain(value, allow_breaks),
            Style::Single => self.write_single(value, allow_breaks),
            Style::Double => self.write_double(value, allow_breaks),
            Style::Literal => self.write_literal(value),
        }
        self.pop_indent();
    }

    fn write_plain(&mut self, value: &str, allow_breaks: bool) {
        if !self.whitespace {
            self.put(' ');
        }
        self.write_folded_text(value, allow_breaks, false);
        self.whitespace = false;
        self.indention = false;
    }

    fn write_single(&mut self, value: &str, allow_breaks: bool) {
        self.write_indicator("'", true, false, false);
        self.write_folded_text(value, allow_breaks, true);
        self.write_indicator("'", false, false, false);
        self.whitespace = false;
        self.indention = false;
    }

    /// The body of a plain or single-quoted scalar (libyaml's `write_plain_scalar` and
    /// `write_single_quoted_scalar`, which differ only as `quoted` says): a space past column 80 becomes a line
    /// break, where quoted text also needs the space not to be its first or last character; quotes double.
    fn write_folded_text(&mut self, value: &str, allow_breaks: bool, quoted: bool) {
        let chars: Vec<char> = value.chars().collect();
        let (mut spaces, mut breaks) = (false, false);
        for (i, &c) in chars.iter().enumerate() {
            if c == ' ' {
                let inner = !quoted || (i > 0 && i < chars.len() - 1);
                if allow_breaks && !spaces && self.column > BEST_WIDTH && inner && chars.get(i + 1) != Some(&' ') {
                    self.write_indent();
                } else {
                    self.put(c);
                }
                spaces = true;
            } else if is_break(c) {
                if !breaks && c == '\n' {
                    self.put_break();
                }
                self.write_break(c);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                if quoted && c == '\'' {
                    self.put('\'');
                }
                self.put(c);
                self.indention = false;
                spaces = false;
                breaks = false;
            }
        }
    }

    fn write_double(&mut self, value: &str, allow_breaks: bool) {
        let mut spaces = false;
        self.write_indicator("\"", true, false, false);
        let chars: Vec<char> = value.chars().collect();
        // go-yaml's `is_bom(value, i)` looks at the value's start whatever `i` is: a leading BOM escapes everything.
        let bom = value.starts_with('\u{FEFF}');
        for (i, &c) in chars.iter().enumerate() {
            if bom || !is_printable(c) || is_break(c) || c == '"' || c == '\\' {
                self.put('\\');
                let escape = match c {
                    '\0' => Some('0'),
                    '\u{07}' => Some('a'),
                    '\u{08}' => Some('b'),
                    '\t' => Some('t'),
                    '\n' => Some('n'),
                    '\u{0b}' => Some('v'),
                    '\u{0c}' => Some('f'),
                    '\r' => Some('r'),
                    '\u{1b}' => Some('e'),
                    '"' => Some('"'),
                    '\\' => Some('\\'),
                    '\u{85}' => Some('N'),
                    '\u{a0}' => Some('_'),
                    '\u{2028}' => Some('L'),
                    '\u{2029}' => Some('P'),
                    _ => None,
                };
                match escape {
                    Some(e) => self.put(e),
                    None => {
                        let v = c as u32;
                        let (prefix, width) = if v <= 0xFF {
                            ('x', 2)
                        } else if v <= 0xFFFF {
                            ('u', 4)
                        } else {
                            ('U', 8)
                        };
                        self.put(prefix);
                        for d in format!("{v:0width$X}").chars() {
                            self.put(d);
                        }
                    }
                }
                spaces = false;
            } else if c == ' ' {
                if allow_breaks && !spaces && self.column > BEST_WIDTH && i > 0 && i < chars.len() - 1 {
                    self.write_indent();
                    if chars.get(i + 1) == Some(&' ') {
                        self.put('\\');
                    }
                } else {
                    self.put(c);
                }
                spaces = true;
            } else {
                self.put(c);
                spaces = false;
            }
        }
        self.write_indicator("\"", false, false, false);
        self.whitespace = false;
        self.indention = false;
    }

    fn write_literal(&mut self, value: &str) {
        self.write_indicator("|", true, false, false);
        // Block scalar hints: an indentation indicator when the text starts with a space or break, and chomping.
        let first = value.chars().next();
        if first.is_some_and(|c| c == ' ' || is_break(c)) {
            self.write_indicator(&BEST_INDENT.to_string(), false, false, false);
        }
        let chars: Vec<char> = value.chars().collect();
        let chomp = match chars.as_slice() {
            [] => Some("-"),
            [.., last] if !is_break(*last) => Some("-"),
            [_] => Some("+"),
            [.., before, _] if is_break(*before) => Some("+"),
            _ => None,
        };
        if let Some(chomp) = chomp {
            self.write_indicator(chomp, false, false, false);
        }
        self.put_break();
        self.indention = true;
        self.whitespace = true;
        let mut breaks = true;
        for &c in &chars {
            if is_break(c) {
                self.write_break(c);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                self.put(c);
                self.indention = false;
                breaks = false;
            }
        }
    }
}

/// go-yaml v2's `stringv`: a literal block for text with a newline, plain when v2 would read the plain text back
/// as this same string (and it is no base-60 float), else double-quoted; the emitter may still choose otherwise.
fn string_style(s: &str) -> Style {
    if s.contains('\n') {
        Style::Literal
    } else if resolve(s, Rules::V2) == Scalar::Str && !is_base60_float(s) {
        Style::Plain
    } else {
        Style::Double
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_follow_go_json_then_go_yaml_v2() {
        let cases: &[(f64, &str)] = &[
            (1000.0, "1000"),
            (1.5, "1.5"),
            (1234567.5, "1.2345675e+06"),
            (0.000001, "1e-06"),
            (-0.0, "0"),
            (1e21, "1e+21"),
            (1e20, "1e+20"),
            (1.2345678901234569e23, "1.2345678901234569e+23"),
            (-9.223372036854776e18, "-9.223372036854776e+18"),
            (3.14e-10, "3.14e-10"),
            (0.5, "0.5"),
            (12345678901234567000.0, "12345678901234567000"),
            (123456.5, "123456.5"),
        ];
        for (f, want) in cases {
            assert_eq!(number_text(&serde_yaml::Number::from(*f)).unwrap(), *want, "{f}");
        }
    }

    #[test]
    fn a_yaml_1_1_reader_that_would_read_another_value_is_caught() {
        // What a careless emitter would print for the string "yes" and the string "0755": both move.
        let meant = normalize(&serde_yaml::from_str::<Value>("{a: 'yes', b: '0755', c: x}").unwrap()).unwrap();
        let read = super::super::parse::parse_as_yaml_1_1("a: yes\nb: 0755\nc: x\n").unwrap();
        assert_eq!(first_difference(&meant, &normalize(&read).unwrap(), String::new()), Some("a".into()));
        let read = super::super::parse::parse_as_yaml_1_1("a: \"yes\"\nb: 0755\nc: x\n").unwrap();
        assert_eq!(first_difference(&meant, &normalize(&read).unwrap(), String::new()), Some("b".into()));
        // And the emitter's own text reads back unchanged.
        let v: Value = serde_yaml::from_str("{a: 'yes', b: '0755', c: x, d: [1, 'on', {e: ''}]}").unwrap();
        assert!(to_kustomize_yaml(&v).is_ok());
    }

    #[test]
    fn keys_sort_naturally() {
        let mut keys = vec!["a10", "a9", "b", "A", "a", "1", "10", "2", "a09"];
        keys.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(keys, vec!["1", "2", "10", "A", "a", "a9", "a09", "a10", "b"]);
    }
}
