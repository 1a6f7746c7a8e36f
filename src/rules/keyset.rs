//! The keys of the Secret an ExternalSecret writes, as ESO computes them, or why they cannot be known.
//!
//! Mirrors, in ESO 2.9:
//! - `Reconciler.ApplyTemplate` (pkg/controllers/externalsecret/externalsecret_controller_template.go): Merge and
//!   CreateOrMerge keep the Secret's existing keys; a template's `data` replaces the fetched keys unless its
//!   `mergePolicy` is Merge or it has neither `data` nor `templateFrom`;
//! - `handleFindAllSecrets` (externalsecret_controller_secret.go): a `find` takes the vault's secrets by name regexp
//!   and tags (the azurekv provider's `GetAllSecrets`, enabled secrets only), then `esutils.RewriteMap`
//!   (runtime/esutils/utils.go: `RewriteRegexp`, `RewriteTransform`, `RewriteMerge` in order), then `ValidateKeys`,
//!   which drops empty keys;
//! - an `extract` or a generator yields the keys inside a value, which this tool never reads: unknown.

use super::EnvView;
use crate::eso::ExternalSecretView;
use crate::vault::stage::Taken;
use serde_yaml::Value;
use std::collections::BTreeSet;

/// A Secret's keys, or why they cannot all be known (then no key is claimed missing).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Keys {
    Known(BTreeSet<String>),
    /// These keys for sure, and others that cannot be known here.
    Partial(BTreeSet<String>, String),
    Unknown(String),
    /// The sync fails or takes nothing (a find matching no secret: KV007; a regexp that does not compile:
    /// ESO011). Its missing keys follow from that finding, so nothing more is said of them (one root cause, one
    /// finding).
    Broken,
}

impl Keys {
    /// The keys known to be there.
    pub fn sure(&self) -> Option<&BTreeSet<String>> {
        match self {
            Keys::Known(k) | Keys::Partial(k, _) => Some(k),
            Keys::Unknown(_) | Keys::Broken => None,
        }
    }

    /// Why the set may be incomplete.
    pub fn gap(&self) -> Option<&str> {
        match self {
            Keys::Known(_) => None,
            Keys::Partial(_, why) | Keys::Unknown(why) => Some(why),
            Keys::Broken => Some("the ExternalSecret's dataFrom cannot sync (KV007, ESO011)"),
        }
    }
}

/// A `secretKeyRef` (not optional) to a Secret ExternalSecrets write, with each writer's keys: what WRK002 and
/// WRK003 judge.
pub struct KeyReference<'a> {
    pub consumer: &'a crate::resource::Resource,
    pub secret: String,
    pub key: String,
    /// Path of the reference's `key` field.
    pub path: String,
    pub writers: Vec<(ExternalSecretView<'a>, Keys)>,
}

impl KeyReference<'_> {
    /// Some writer surely writes the key.
    pub fn provided(&self) -> bool {
        self.writers.iter().any(|(_, k)| k.sure().is_some_and(|s| s.contains(&self.key)))
    }
}

/// Every non-optional `secretKeyRef` of the environment to a Secret some ExternalSecret writes.
pub fn key_references<'a>(env: &EnvView<'a>) -> Vec<KeyReference<'a>> {
    let model = env.model;
    let mut out = Vec::new();
    for c in model.consumers() {
        for u in c.uses.iter().filter(|u| u.how == crate::eso::consumers::HowRead::SecretKeyRef && !u.optional) {
            let Some(key) = &u.key else { continue };
            let writers: Vec<_> = model
                .providers(c.resource.namespace(), &u.secret)
                .iter()
                .filter_map(|p| match p {
                    crate::model::Provider::ExternalSecret(es) => Some((*es, target_keys(env, es))),
                    crate::model::Provider::Secret(_) | crate::model::Provider::Controller(..) => None,
                })
                .collect();
            if !writers.is_empty() {
                out.push(KeyReference {
                    consumer: c.resource,
                    secret: u.secret.clone(),
                    key: key.clone(),
                    path: u.path.replace(".name", ".key"),
                    writers,
                });
            }
        }
    }
    out
}

/// The keys the target Secret of `es` will hold.
pub fn target_keys(env: &EnvView<'_>, es: &ExternalSecretView<'_>) -> Keys {
    let keeps = match es.creation_policy() {
        p @ ("Merge" | "CreateOrMerge") => Some(format!("creationPolicy {p} keeps the keys the Secret already has")),
        "None" => return Keys::Partial(BTreeSet::new(), "creationPolicy None: ESO does not write the Secret".into()),
        _ => None,
    };
    match (own_keys(env, es), keeps) {
        (Keys::Broken, _) => Keys::Broken,
        (Keys::Known(k), Some(why)) => Keys::Partial(k, why),
        (keys, _) => keys,
    }
}

/// The keys this ExternalSecret writes itself.
fn own_keys(env: &EnvView<'_>, es: &ExternalSecretView<'_>) -> Keys {
    let template = es.spec().get("target").and_then(|t| t.get("template")).filter(|t| !t.is_null());
    let non_empty = |v: Option<&Value>| v.and_then(Value::as_sequence).is_some_and(|s| !s.is_empty());
    let template_from = non_empty(template.and_then(|t| t.get("templateFrom")));
    let template_data = template.and_then(|t| t.get("data")).and_then(Value::as_mapping).filter(|m| !m.is_empty());
    let merge = template.and_then(|t| t.get("mergePolicy")).and_then(Value::as_str) == Some("Merge");
    let mut keys: BTreeSet<String> =
        template_data.into_iter().flat_map(|m| m.keys().filter_map(|k| k.as_str().map(str::to_string))).collect();
    // `MergeTemplateFrom` adds keys from a ConfigMap's or Secret's contents.
    let mut gap =
        template_from.then(|| "target.template.templateFrom adds keys from a ConfigMap or Secret".to_string());
    // The fetched keys stay with mergePolicy Merge, or when the template has neither data nor templateFrom.
    if merge || (template_data.is_none() && !template_from) {
        match fetched_keys(env, es) {
            Keys::Known(f) => keys.extend(f),
            Keys::Partial(f, why) => {
                keys.extend(f);
                gap.get_or_insert(why);
            }
            Keys::Unknown(why) => {
                gap.get_or_insert(why);
            }
            Keys::Broken => return Keys::Broken,
        }
    }
    match gap {
        None => Keys::Known(keys),
        Some(why) => partial(&keys, why),
    }
}

/// The keys `data` and `dataFrom` fetch, before the template.
fn fetched_keys(env: &EnvView<'_>, es: &ExternalSecretView<'_>) -> Keys {
    let mut keys: BTreeSet<String> = es.data().into_iter().map(|d| d.secret_key).collect();
    let items = es.spec().get("dataFrom").and_then(Value::as_sequence).map(Vec::as_slice).unwrap_or(&[]);
    for (i, item) in items.iter().enumerate() {
        if item.get("extract").is_some() {
            return partial(
                &keys,
                format!("dataFrom[{i}].extract: its keys are inside the secret's value, which this tool never reads"),
            );
        }
        if item.get("find").is_none() {
            return partial(&keys, format!("dataFrom[{i}] is generated (sourceRef.generatorRef)"));
        }
        // The model's FindRef for this entry: same object, same path (a prefix would also match dataFrom[10]).
        let path = es.path(&format!("dataFrom[{i}].find"));
        let Some(find) =
            env.find_refs().iter().find(|f| std::ptr::eq(f.external_secret, es.resource) && f.path == path)
        else {
            return partial(&keys, format!("dataFrom[{i}].find reads a store that is not a known Azure Key Vault"));
        };
        let found: BTreeSet<String> = match env.vault.map(|v| v.taken_by(find)) {
            Some(Taken::Secrets(taken)) => taken.into_iter().map(|m| m.name.clone()).collect(),
            // ESO011 reports the regexp.
            Some(Taken::InvalidRegexp) => return Keys::Broken,
            Some(Taken::NotListed) | None => {
                return partial(
                    &keys,
                    format!(
                        "dataFrom[{i}].find: the full list of {}'s secrets is not known (no inventory, or a partial one)",
                        find.vault
                    ),
                );
            }
        };
        // KV007 reports a find that takes nothing.
        if found.is_empty() {
            return Keys::Broken;
        }
        let rewrites = item.get("rewrite").and_then(Value::as_sequence).map(Vec::as_slice).unwrap_or(&[]);
        match rewrite_keys(rewrites, found) {
            Ok(rewritten) => keys.extend(rewritten.into_iter().filter(|k| !k.is_empty())),
            Err(Rewrite::Invalid) => return Keys::Broken,
            Err(Rewrite::Unknown(why)) => return partial(&keys, format!("dataFrom[{i}].rewrite: {why}")),
        }
    }
    Keys::Known(keys)
}

/// What is known so far, and why the rest is not.
fn partial(keys: &BTreeSet<String>, why: String) -> Keys {
    if keys.is_empty() { Keys::Unknown(why) } else { Keys::Partial(keys.clone(), why) }
}

/// Why rewritten keys are not known: the operation fails the sync (ESO011 says so), or is not evaluated here.
#[derive(Debug, PartialEq)]
enum Rewrite {
    Invalid,
    Unknown(String),
}

/// `esutils.RewriteMap` on key names: each operation in turn. A regexp is Go RE2 syntax, which the regex crate
/// shares (`$1` and `${name}` expand the same way); a transform is a Go template of which the common forms are
/// evaluated; a merge combines the values' JSON, whose keys are unknown.
fn rewrite_keys(operations: &[Value], mut keys: BTreeSet<String>) -> Result<BTreeSet<String>, Rewrite> {
    for (n, op) in operations.iter().enumerate() {
        if let Some(re) = op.get("regexp") {
            let source = re.get("source").and_then(Value::as_str).unwrap_or("");
            let target = re.get("target").and_then(Value::as_str).unwrap_or("");
            let compiled = regex::Regex::new(source).map_err(|_| Rewrite::Invalid)?;
            keys = keys.iter().map(|k| compiled.replace_all(k, target).into_owned()).collect();
        } else if let Some(t) = op.get("transform") {
            let template = t.get("template").and_then(Value::as_str).unwrap_or("");
            keys = keys.iter().map(|k| transform(template, k)).collect::<Option<_>>().ok_or_else(|| {
                Rewrite::Unknown(format!("operation {n}: transform template {template:?} is not evaluated here"))
            })?;
        } else if op.get("merge").is_some() {
            return Err(Rewrite::Unknown(format!("operation {n}: merge takes its keys from the secrets' JSON values")));
        }
    }
    Ok(keys)
}

/// A Go template over `.value` (the key): literal text around actions that are a pipeline starting at `.value`
/// (`{{ .value | upper | replace "-" "_" }}`) or one function applied to it (`{{ lower .value }}`), with the
/// functions `upper`, `lower`, `replace OLD NEW`, `trimPrefix P`, `trimSuffix S` (sprig's, in ESO's FuncMap). None for
/// anything else: the key is then unknown.
fn transform(template: &str, key: &str) -> Option<String> {
    let mut out = String::new();
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let end = rest[start..].find("}}")? + start;
        let action = rest[start + 2..end].trim_matches(|c: char| c == '-' || c.is_whitespace());
        out.push_str(&pipeline(action, key)?);
        rest = &rest[end + 2..];
    }
    if rest.contains("}}") {
        return None;
    }
    out.push_str(rest);
    Some(out)
}

fn pipeline(action: &str, key: &str) -> Option<String> {
    let stages: Vec<Vec<String>> = action.split('|').map(words).collect::<Option<_>>()?;
    let (first, rest) = stages.split_first()?;
    let mut value = match first.as_slice() {
        [v] if v == ".value" => key.to_string(),
        [f, v] if v == ".value" => apply(f, &[], key)?,
        _ => return None,
    };
    for stage in rest {
        let (f, args) = stage.split_first()?;
        value = apply(f, args, &value)?;
    }
    Some(value)
}

/// The words of a pipeline stage; quoted strings are one word, unquoted.
fn words(stage: &str) -> Option<Vec<String>> {
    let mut out = Vec::new();
    let mut chars = stage.trim().chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
        } else if c == '"' {
            chars.next();
            let mut word = String::new();
            loop {
                match chars.next()? {
                    '"' => break,
                    '\\' => word.push(chars.next()?),
                    ch => word.push(ch),
                }
            }
            out.push(word);
        } else {
            let mut word = String::new();
            while let Some(&ch) = chars.peek().filter(|ch| !ch.is_whitespace()) {
                word.push(ch);
                chars.next();
            }
            out.push(word);
        }
    }
    Some(out)
}

/// A sprig function as a pipeline stage: the piped value is the last argument.
fn apply(function: &str, args: &[String], value: &str) -> Option<String> {
    Some(match (function, args) {
        ("upper", []) => value.to_uppercase(),
        ("lower", []) => value.to_lowercase(),
        ("replace", [old, new]) => value.replace(old.as_str(), new),
        ("trimPrefix", [p]) => value.strip_prefix(p.as_str()).unwrap_or(value).to_string(),
        ("trimSuffix", [p]) => value.strip_suffix(p.as_str()).unwrap_or(value).to_string(),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(list: &[&str]) -> BTreeSet<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    /// The key-name rows of ESO's own rewrite test (runtime/esutils/utils_test.go, `TestRewrite`): the same
    /// operations on the same keys give the same names.
    #[test]
    fn rewrites_follow_esutils() {
        let ops = |yaml: &str| serde_yaml::from_str::<Vec<Value>>(yaml).unwrap();
        let cases: [(&str, &str, &[&str], &[&str]); 7] = [
            ("replace of a single key", "- regexp: {source: '-', target: '_'}", &["foo-bar"], &["foo_bar"]),
            ("no operation", "- regexp: {source: hello, target: world}", &["foo"], &["foo"]),
            (
                "removing prefix from keys",
                "- regexp: {source: '^my/initial/path/', target: ''}",
                &["my/initial/path/foo"],
                &["foo"],
            ),
            (
                "using un-named capture groups",
                "- regexp: {source: 'f(.*)o', target: 'a_new_path_$1'}",
                &["foo", "foodaloo"],
                &["a_new_path_o", "a_new_path_oodalo"],
            ),
            (
                "using named and numbered capture groups",
                "- regexp: {source: 'f(?P<content>.*)o', target: 'a_new_path_${content}_${1}'}",
                &["foo", "floo"],
                &["a_new_path_o_o", "a_new_path_lo_lo"],
            ),
            (
                "using sequenced rewrite operations",
                "- regexp: {source: 'my/(.*?)/bar/(.*)', target: '$1-$2'}\n- regexp: {source: '-', target: '_'}\n- regexp: {source: ass, target: '***'}",
                &["my/app/bar/key", "my/app/bar/password"],
                &["app_key", "app_p***word"],
            ),
            (
                "using transform rewrite operation to create env var format keys",
                "- regexp: {source: 'my/(.*?)/bar/(.*)', target: '$1-$2'}\n- transform: {template: '{{ .value | upper | replace \"-\" \"_\" }}'}",
                &["my/app/bar/key"],
                &["APP_KEY"],
            ),
        ];
        for (name, yaml, input, want) in cases {
            assert_eq!(rewrite_keys(&ops(yaml), keys(input)).unwrap(), keys(want), "{name}");
        }
        assert_eq!(
            rewrite_keys(&ops("- transform: {template: 'app_{{ lower .value }}'}"), keys(&["TOKEN"])).unwrap(),
            keys(&["app_token"])
        );
        assert!(rewrite_keys(&ops("- transform: {template: '{{ .value | b64enc }}'}"), keys(&["a"])).is_err());
        assert!(rewrite_keys(&ops("- merge: {strategy: Extract}"), keys(&["a"])).is_err());
        assert_eq!(rewrite_keys(&ops("- regexp: {source: '(', target: ''}"), keys(&["a"])), Err(Rewrite::Invalid));
    }
}
