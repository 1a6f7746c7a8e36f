//! configMapGenerator and secretGenerator: objects built from literals, files and env files.

use super::KustomizeError;
use super::loader::Loader;
use super::types::{GeneratorArgs, GeneratorOptions, StringMap};
use crate::resource::{Behavior, Origin, Resource};
use base64::Engine as _;
use serde_yaml::{Mapping, Value};
use std::collections::BTreeMap;
use std::path::Path;

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum GeneratedKind {
    ConfigMap,
    Secret,
}

impl GeneratedKind {
    pub fn plugin_name(self) -> &'static str {
        match self {
            GeneratedKind::ConfigMap => "ConfigMapGenerator",
            GeneratedKind::Secret => "SecretGenerator",
        }
    }
    fn field(self) -> &'static str {
        match self {
            GeneratedKind::ConfigMap => "configMapGenerator",
            GeneratedKind::Secret => "secretGenerator",
        }
    }
}

/// Global generatorOptions win over a generator's own options, as in kustomize.
fn merged_options(local: Option<&GeneratorOptions>, global: Option<&GeneratorOptions>) -> GeneratorOptions {
    let mut out = local.cloned().unwrap_or_default();
    if let Some(g) = global {
        out.labels.extend(g.labels.clone());
        out.annotations.extend(g.annotations.clone());
        if g.disable_name_suffix_hash == Some(true) {
            out.disable_name_suffix_hash = Some(true);
        }
        if g.immutable == Some(true) {
            out.immutable = Some(true);
        }
    }
    out
}

fn strip_quotes(s: &str) -> &str {
    let b = s.as_bytes();
    if b.len() >= 2 && b[0] == b[b.len() - 1] && (b[0] == b'"' || b[0] == b'\'') { &s[1..s.len() - 1] } else { s }
}

fn valid_key(k: &str) -> bool {
    !k.is_empty() && k.len() <= 253 && k.chars().all(|c| c.is_ascii_alphanumeric() || "-._".contains(c))
}

/// Values in insertion-checked order: a key given twice is an error, as in kustomize.
struct Data {
    entries: BTreeMap<String, Vec<u8>>,
}

impl Data {
    fn add(&mut self, key: &str, value: Vec<u8>, ctx: &str) -> Result<(), KustomizeError> {
        if !valid_key(key) {
            return Err(KustomizeError::Generator {
                message: format!(
                    "{ctx}: '{key}' is not a valid key name (it must consist of alphanumeric characters, '-', '_' or '.')"
                ),
            });
        }
        if self.entries.insert(key.to_string(), value).is_some() {
            return Err(KustomizeError::Generator {
                message: format!("{ctx}: cannot add key {key}, another key by that name already exists"),
            });
        }
        Ok(())
    }
}

fn env_pairs(text: &str, file: &Path) -> Result<Vec<(String, String)>, KustomizeError> {
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = if i == 0 { raw.trim_start_matches('\u{feff}') } else { raw };
        let line = line.trim_start();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        // A bare KEY is an empty value in kustomize v5.5 (api/kv/kv.go, parseLineToPair; `kubectl kustomize` prints
        // ""). Never the process environment: in the sidecar it holds Azure credentials.
        let (key, value) = match line.split_once('=') {
            Some((k, v)) => (k.to_string(), v.to_string()),
            None => (line.to_string(), String::new()),
        };
        let valid = key.chars().next().is_some_and(|c| !c.is_ascii_digit())
            && key.chars().all(|c| c.is_ascii_alphanumeric() || "-._".contains(c));
        if !valid {
            return Err(KustomizeError::Generator {
                // The line may be a value with its `KEY=` lost: name the place, never the text.
                message: format!(
                    "{}:{}: not a valid environment variable name before '=' (KEY=VALUE expected)",
                    file.display(),
                    i + 1
                ),
            });
        }
        out.push((key, value));
    }
    Ok(out)
}

pub fn generate(
    kind: GeneratedKind,
    args: &GeneratorArgs,
    global: Option<&GeneratorOptions>,
    root: &Path,
    loader: &Loader,
    kustomization_file: &Path,
) -> Result<Resource, KustomizeError> {
    let ctx = format!("{} '{}' in {}", kind.field(), args.name, kustomization_file.display());
    if args.name.is_empty() {
        return Err(KustomizeError::Generator { message: format!("{ctx}: a generator needs a name") });
    }
    let mut data = Data { entries: BTreeMap::new() };
    for (index, lit) in args.literals.iter().enumerate() {
        // The literal is likely a secret value: the message names its position, never its text.
        let (k, v) = lit.split_once('=').filter(|(k, _)| !k.is_empty()).ok_or_else(|| KustomizeError::Generator {
            message: format!("{ctx}: literals[{index}] is not of the form key=value"),
        })?;
        data.add(k, strip_quotes(v).as_bytes().to_vec(), &ctx)?;
    }
    for f in &args.files {
        let (key, path) = match f.split_once('=') {
            Some((k, p)) => (k.to_string(), p.to_string()),
            None => (Path::new(f).file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default(), f.clone()),
        };
        let abs = loader.resolve_file(root, &path, kind.field())?;
        if abs.is_dir() {
            return Err(KustomizeError::Generator { message: format!("{ctx}: file source '{path}' is a directory") });
        }
        data.add(&key, loader.read(&abs)?, &ctx)?;
    }
    let mut env_files: Vec<&String> = args.envs.iter().collect();
    if !args.env.is_empty() {
        env_files.push(&args.env);
    }
    for e in env_files {
        let abs = loader.resolve_file(root, e, kind.field())?;
        let text = loader.read_string(&abs)?;
        for (k, v) in env_pairs(&text, &abs)? {
            data.add(&k, v.into_bytes(), &ctx)?;
        }
    }

    let opts = merged_options(args.options.as_ref(), global);
    let mut metadata = Mapping::new();
    metadata.insert("name".into(), Value::String(args.name.clone()));
    if !args.namespace.is_empty() {
        metadata.insert("namespace".into(), Value::String(args.namespace.clone()));
    }
    let to_map = |m: &StringMap| -> Value {
        Value::Mapping(m.iter().map(|(k, v)| (Value::String(k.clone()), Value::String(v.clone()))).collect())
    };
    if !opts.labels.is_empty() {
        metadata.insert("labels".into(), to_map(&opts.labels));
    }
    if !opts.annotations.is_empty() {
        metadata.insert("annotations".into(), to_map(&opts.annotations));
    }

    let mut obj = Mapping::new();
    obj.insert("apiVersion".into(), "v1".into());
    obj.insert(
        "kind".into(),
        Value::String(if kind == GeneratedKind::ConfigMap { "ConfigMap" } else { "Secret" }.into()),
    );
    obj.insert("metadata".into(), Value::Mapping(metadata));
    let b64 = |b: &[u8]| Value::String(wrapped_base64(b));
    match kind {
        GeneratedKind::ConfigMap => {
            let mut text = Mapping::new();
            let mut binary = Mapping::new();
            for (k, v) in &data.entries {
                match std::str::from_utf8(v) {
                    Ok(s) => text.insert(Value::String(k.clone()), Value::String(s.to_string())),
                    Err(_) => binary.insert(Value::String(k.clone()), b64(v)),
                };
            }
            if !text.is_empty() {
                obj.insert("data".into(), Value::Mapping(text));
            }
            if !binary.is_empty() {
                obj.insert("binaryData".into(), Value::Mapping(binary));
            }
        }
        GeneratedKind::Secret => {
            let t = if args.type_.is_empty() { "Opaque" } else { &args.type_ };
            obj.insert("type".into(), Value::String(t.to_string()));
            // kustomize always writes a generated Secret's data, `{}` when it has no sources (LoadMapIntoSecretData);
            // the content hash includes it.
            let m: Mapping = data.entries.iter().map(|(k, v)| (Value::String(k.clone()), b64(v))).collect();
            obj.insert("data".into(), Value::Mapping(m));
        }
    }
    if opts.immutable == Some(true) {
        obj.insert("immutable".into(), Value::Bool(true));
    }

    let origin = Origin {
        file: loader.relative(kustomization_file),
        line: 1,
        generated_by: Some(kind.plugin_name().to_string()),
        ..Default::default()
    };
    let mut r = Resource::new(Value::Mapping(obj), origin);
    r.build.needs_hash_suffix = opts.disable_name_suffix_hash != Some(true);
    r.build.behavior = match args.behavior.as_str() {
        "" | "create" => Behavior::Create,
        "merge" => Behavior::Merge,
        "replace" => Behavior::Replace,
        other => {
            return Err(KustomizeError::Generator {
                message: format!("{ctx}: unknown behavior '{other}' (create, merge or replace)"),
            });
        }
    };
    Ok(r)
}

/// kustomize writes generated base64 in lines of 70 characters, each ending in a newline, once it needs more than one.
fn wrapped_base64(b: &[u8]) -> String {
    const LINE: usize = 70;
    let enc = base64::engine::general_purpose::STANDARD.encode(b);
    if enc.len() / LINE == 0 {
        return enc;
    }
    let mut out = String::with_capacity(enc.len() + enc.len() / LINE + 1);
    for chunk in enc.as_bytes().chunks(LINE) {
        out.push_str(std::str::from_utf8(chunk).expect("base64 is ascii"));
        out.push('\n');
    }
    out
}
