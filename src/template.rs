//! minijinja templates inside the render: files named `*.yaml.j2` / `*.yml.j2` that a kustomization lists (as
//! resources or patches) are rendered before they are parsed, so templated objects are validated, checked against
//! Key Vault and stamped like any other. The context is the `values.yaml` files from the directory of the
//! kustomization listing the template up to the repo root, overridden by those from the overlay being built up to the
//! repo root (nearer wins, maps merged deeply, so an overlay's values.yaml overrides its base's), `env` (the
//! environment) and, when Argo CD runs the plugin, `argocd` (app name, namespace, revision, parameters). Undefined variables are errors; nothing outside the repo
//! can be included; the process environment and the network are out of reach.

use crate::files::{FileError, MAX_FILE_BYTES, normalize};
use crate::kustomize::KustomizeError;
use base64::Engine as _;
use minijinja::{Environment, Error, ErrorKind, UndefinedBehavior, Value};
use serde_yaml::Value as Yaml;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// What templates may see besides the values files.
#[derive(Debug, Clone, Default)]
pub struct TemplateContext {
    pub env: Option<String>,
    /// `name`, `namespace`, `revision`, and `parameters` (a map), when run by Argo CD.
    pub argocd: BTreeMap<String, serde_json::Value>,
    /// The kustomization being built (the overlay): its values.yaml chain overrides the template's own.
    pub overlay: Option<PathBuf>,
}

pub fn is_template(path: &Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    name.ends_with(".yaml.j2") || name.ends_with(".yml.j2")
}

/// The renderer's pre-processing hook: a `*.yaml.j2` file a kustomization lists is rendered here, with the
/// overlay being built as `overlay`, before kustomize reads it.
impl crate::kustomize::loader::SourcePreprocessor for TemplateContext {
    fn handles(&self, path: &Path) -> bool {
        is_template(path)
    }

    fn render(&self, request: &crate::kustomize::loader::SourceRequest<'_>) -> Result<String, KustomizeError> {
        let ctx = TemplateContext { overlay: Some(request.overlay.to_path_buf()), ..self.clone() };
        render_source(request.path, request.source, request.dir, request.repo, &ctx)
    }
}

impl TemplateContext {
    /// This context as the build's pre-processing hook.
    pub fn preprocessor(self) -> Option<std::sync::Arc<dyn crate::kustomize::loader::SourcePreprocessor>> {
        Some(std::sync::Arc::new(self))
    }
}

/// Deep merge: maps merge key by key, anything else in `over` replaces `base`.
fn merge(base: Yaml, over: Yaml) -> Yaml {
    match (base, over) {
        (Yaml::Mapping(mut b), Yaml::Mapping(o)) => {
            for (k, v) in o {
                let merged = match b.remove(&k) {
                    Some(existing) => merge(existing, v),
                    None => v,
                };
                b.insert(k, merged);
            }
            Yaml::Mapping(b)
        }
        (_, over) => over,
    }
}

/// values.yaml from the repo root down to `dir`, the nearer winning.
fn values(dir: &Path, repo: &Path) -> Result<Yaml, KustomizeError> {
    let mut chain: Vec<PathBuf> = dir.ancestors().take_while(|a| a.starts_with(repo)).map(Path::to_path_buf).collect();
    chain.reverse();
    let mut out = Yaml::Mapping(Default::default());
    for d in chain {
        let f = d.join("values.yaml");
        let text = match crate::files::read_text(Some(repo), &f, MAX_FILE_BYTES) {
            Ok(text) => text,
            Err(FileError::NotFound { .. }) => continue,
            Err(e) => return Err(e.into()),
        };
        let v: Yaml = serde_yaml::from_str(&text).map_err(|e| KustomizeError::Parse {
            file: f.clone(),
            line: e.location().map(|l| l.line() as u32).unwrap_or(0),
            message: crate::files::redact_serde_message(&e.to_string()),
        })?;
        if !v.is_null() {
            out = merge(out, v);
        }
    }
    Ok(out)
}

fn filters(env: &mut Environment<'static>) {
    env.add_filter("b64encode", |s: String| base64::engine::general_purpose::STANDARD.encode(s.as_bytes()));
    env.add_filter("b64decode", |s: String| -> Result<String, Error> {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(s.trim())
            .map_err(|e| Error::new(ErrorKind::InvalidOperation, format!("b64decode: {e}")))?;
        String::from_utf8(bytes).map_err(|_| Error::new(ErrorKind::InvalidOperation, "b64decode: not UTF-8 text"))
    });
    env.add_filter("sha256", |s: String| {
        Sha256::digest(s.as_bytes()).iter().map(|b| format!("{b:02x}")).collect::<String>()
    });
    env.add_filter("to_yaml", |v: Value| -> Result<String, Error> {
        let text =
            serde_yaml::to_string(&v).map_err(|e| Error::new(ErrorKind::InvalidOperation, format!("to_yaml: {e}")))?;
        Ok(text.trim_end().to_string())
    });
    env.add_filter("to_json", |v: Value| -> Result<String, Error> {
        serde_json::to_string(&v).map_err(|e| Error::new(ErrorKind::InvalidOperation, format!("to_json: {e}")))
    });
    // A double-quoted scalar, valid in YAML and JSON.
    env.add_filter("quote", |v: Value| serde_json::to_string(&v.to_string()).unwrap_or_default());
    env.add_filter("required", |v: Value, message: Option<String>| -> Result<Value, Error> {
        if v.is_undefined() || v.is_none() || (v.as_str() == Some("")) {
            return Err(Error::new(
                ErrorKind::InvalidOperation,
                message.unwrap_or_else(|| "a required value is missing".into()),
            ));
        }
        Ok(v)
    });
}

/// Render the template `file` as listed by the kustomization in `dir`, within the repository `repo`.
pub fn render(file: &Path, dir: &Path, repo: &Path, ctx: &TemplateContext) -> Result<String, KustomizeError> {
    let source = crate::files::read_text(Some(repo), file, MAX_FILE_BYTES)?;
    render_source(file, &source, dir, repo, ctx)
}

/// Render the template `source` (the text of `file`, already read by the caller's loader).
pub fn render_source(
    file: &Path,
    source: &str,
    dir: &Path,
    repo: &Path,
    ctx: &TemplateContext,
) -> Result<String, KustomizeError> {
    check_operator_chains(file, source)?;
    let mut env = Environment::new();
    env.set_fuel(Some(TEMPLATE_FUEL));
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    // minijinja would JSON-escape output of `.yaml` templates; values are written as the author wrote them (`quote`
    // and `to_json` are there when quoting is wanted).
    env.set_auto_escape_callback(|_| minijinja::AutoEscape::None);
    // trim_blocks/lstrip_blocks: `{% for %}` lines leave no blank lines or stray indentation in the YAML.
    env.set_syntax(
        minijinja::syntax::SyntaxConfig::builder()
            .keep_trailing_newline(true)
            .trim_blocks(true)
            .lstrip_blocks(true)
            .build()
            .expect("valid syntax"),
    );
    filters(&mut env);
    let base = file.parent().unwrap_or(dir).to_path_buf();
    let root = repo.to_path_buf();
    env.set_loader(move |name| {
        let path = normalize(&base.join(name));
        match crate::files::read_text(Some(&root), &path, MAX_FILE_BYTES) {
            Ok(s) => {
                check_operator_chains(&path, &s)
                    .map_err(|_| Error::new(ErrorKind::InvalidOperation, format!("'{name}': {CHAIN_MESSAGE}")))?;
                Ok(Some(s))
            }
            Err(FileError::NotFound { .. }) => Ok(None),
            Err(FileError::OutsideRepository { .. }) => Err(Error::new(
                ErrorKind::InvalidOperation,
                format!("'{name}' is outside the repository; includes stay inside it"),
            )),
            Err(e) => Err(Error::new(ErrorKind::InvalidOperation, format!("include '{name}': {e}"))),
        }
    });
    let mut merged = values(dir, repo)?;
    if let Some(overlay) = &ctx.overlay {
        merged = merge(merged, values(overlay, repo)?);
    }
    let mut context = match merged {
        Yaml::Mapping(m) => m,
        _ => Default::default(),
    };
    if let Some(e) = &ctx.env {
        context.insert("env".into(), Yaml::String(e.clone()));
    }
    if !ctx.argocd.is_empty() {
        let argocd: Yaml = serde_yaml::to_value(&ctx.argocd).unwrap_or(Yaml::Null);
        context.insert("argocd".into(), argocd);
    }
    let name = file.display().to_string();
    let rendered =
        env.render_named_str(&name, source, Value::from(minijinja::value::Serde(&context))).map_err(|e| {
            let line = e.line().unwrap_or(0) as u32;
            let message = match (e.kind(), e.range()) {
                (ErrorKind::OutOfFuel, _) => format!(
                    "the template does more work or makes more text than a manifest needs (budget: {TEMPLATE_FUEL} \
                 instructions, or about {} MB of text); refused",
                    TEMPLATE_FUEL * 64 / 1_000_000
                ),
                (ErrorKind::UndefinedError, Some(r)) => {
                    format!(
                        "undefined variable '{}' (templates see values.yaml, env and argocd)",
                        source.get(r).unwrap_or("?").trim()
                    )
                }
                _ => {
                    let mut m = e.kind().to_string();
                    if let Some(d) = e.detail() {
                        m = format!("{m}: {d}");
                    }
                    m
                }
            };
            KustomizeError::Parse { file: file.to_path_buf(), line, message: format!("template: {message}") }
        })?;
    if rendered.len() as u64 > MAX_FILE_BYTES {
        return Err(KustomizeError::Parse {
            file: file.to_path_buf(),
            line: 0,
            message: format!("template: its output is larger than {MAX_FILE_BYTES} bytes; refused"),
        });
    }
    Ok(rendered)
}

/// A render's budget (minijinja's fuel: one unit per instruction, and one per 64 bytes of data a template makes):
/// ample for manifests, small enough that nested loops or a string doubled in a loop stop in well under a second
/// instead of hanging the sidecar or filling its memory.
pub const TEMPLATE_FUEL: u64 = 2_000_000;

/// The longest run of unary operators (`-`, `not`) or opening parentheses allowed in a template expression.
/// minijinja's parser recurses once per unary operator with no depth limit of its own, so a long chain
/// (`- - - … 1`) overflows the stack and aborts the process; no real template comes near this.
const MAX_OPERATOR_CHAIN: usize = 64;
const CHAIN_MESSAGE: &str = "an expression chains more than 64 unary operators or parentheses; refused";

/// Refuse expressions that would overflow minijinja's parser (see [`MAX_OPERATOR_CHAIN`]). Linear in the text.
fn check_operator_chains(file: &Path, source: &str) -> Result<(), KustomizeError> {
    let bytes = source.as_bytes();
    let (mut run, mut line, mut i) = (0usize, 1u32, 0usize);
    while i < bytes.len() {
        let b = bytes[i];
        let step = if b == b'-' || b == b'(' || b == b'!' {
            1
        } else if bytes[i..].starts_with(b"not")
            && !bytes.get(i + 3).is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_')
            && (i == 0 || !(bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_'))
        {
            3
        } else {
            0
        };
        if step > 0 {
            run += 1;
            if run > MAX_OPERATOR_CHAIN {
                return Err(KustomizeError::Parse {
                    file: file.to_path_buf(),
                    line,
                    message: format!("template: {CHAIN_MESSAGE}"),
                });
            }
            i += step;
            continue;
        }
        if b == b'\n' {
            line += 1;
        }
        if !b.is_ascii_whitespace() {
            run = 0;
        }
        i += 1;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let p = dir.join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, text).unwrap();
        p
    }

    #[test]
    fn values_merge_nearer_wins_and_filters_work() {
        let t = tempfile::tempdir().unwrap();
        write(t.path(), "values.yaml", "team: orders\ndb: {host: db.dev, port: 5432}\n");
        write(t.path(), "app/values.yaml", "db: {host: db.prod}\n");
        let f = write(
            t.path(),
            "app/x.yaml.j2",
            "host: {{ db.host }}\nport: {{ db.port }}\nteam: {{ team | quote }}\nenv: {{ env }}\nb64: {{ 'hi' | b64encode }}\nback: {{ 'aGk=' | b64decode }}\nsum: {{ 'a' | sha256 }}\n",
        );
        let out = render(
            &f,
            &t.path().join("app"),
            t.path(),
            &TemplateContext { env: Some("prod".into()), ..Default::default() },
        )
        .unwrap();
        assert_eq!(
            out,
            "host: db.prod\nport: 5432\nteam: \"orders\"\nenv: prod\nb64: aGk=\nback: hi\nsum: ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb\n"
        );
    }

    #[test]
    fn undefined_variables_fail_with_line_and_name() {
        let t = tempfile::tempdir().unwrap();
        let f = write(t.path(), "x.yaml.j2", "a: 1\nb: {{ nope.deeper }}\n");
        let e = render(&f, t.path(), t.path(), &TemplateContext::default()).unwrap_err().to_string();
        assert!(e.contains("x.yaml.j2:2:") && e.contains("undefined variable 'nope.deeper'"), "{e}");
    }

    #[test]
    fn includes_stay_in_the_repo() {
        let outside = tempfile::tempdir().unwrap();
        write(outside.path(), "secret.txt", "nope");
        let t = tempfile::tempdir().unwrap();
        let rel = pathdiff(&outside.path().join("secret.txt"), t.path());
        let f = write(t.path(), "x.yaml.j2", &format!("a: {{% include '{rel}' %}}\n"));
        let e = render(&f, t.path(), t.path(), &TemplateContext::default()).unwrap_err().to_string();
        assert!(e.contains("outside the repository"), "{e}");
        write(t.path(), "part.txt", "inside");
        let g = write(t.path(), "y.yaml.j2", "a: {% include 'part.txt' %}\n");
        // trim_blocks removes the newline after a block tag, as in Jinja.
        assert_eq!(render(&g, t.path(), t.path(), &TemplateContext::default()).unwrap(), "a: inside");
    }

    #[test]
    fn operator_chain_check_handles_any_text() {
        // Found by the template fuzz target: a byte index inside a multi-byte character.
        for text in ["a: {{ x ~ '-ؑ' }} not", "ü not", "notñ", "é"] {
            assert!(check_operator_chains(Path::new("t.yaml.j2"), text).is_ok(), "{text}");
        }
        let chain = format!("{{{{ {}x }}}}", "not ".repeat(65));
        assert!(check_operator_chains(Path::new("t.yaml.j2"), &chain).is_err());
    }

    fn pathdiff(target: &Path, from: &Path) -> String {
        let depth = from.components().count();
        format!("{}{}", "../".repeat(depth), target.strip_prefix("/").unwrap().display())
    }
}
