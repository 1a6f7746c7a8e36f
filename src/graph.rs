//! `graph`: an environment's dependency picture, Key Vault key -> ExternalSecret -> Secret -> workloads, with what is
//! missing flagged (a key absent from its vault, a Secret nothing provides). Mermaid renders in GitHub markdown.

use crate::eso::consumers::secret_uses;
use crate::lint::{LintOptions, render_environments, vault_demands};
use crate::rules::EnvView;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum NodeKind {
    Key,
    ExternalSecret,
    Secret,
    Workload,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    pub kind: NodeKind,
    pub label: String,
    /// A key missing from its vault, or a Secret nothing in the environment provides.
    pub missing: bool,
}

#[derive(Debug, Default)]
pub struct Graph {
    pub environment: String,
    /// By a stable identity (kind prefix + name), so that output is sorted and deterministic.
    pub nodes: BTreeMap<String, Node>,
    pub edges: BTreeSet<(String, String)>,
}

fn vault_name(url: &str) -> &str {
    url.trim_start_matches("https://").split('.').next().unwrap_or(url)
}

pub fn build(view: &EnvView) -> Graph {
    let mut g = Graph { environment: view.name.to_string(), ..Default::default() };
    let ns = |r: &crate::resource::Resource| {
        if r.namespace().is_empty() { "default".to_string() } else { r.namespace().to_string() }
    };
    let mut provided: BTreeSet<String> = BTreeSet::new();
    for es in view.external_secrets().filter(|e| e.resource.kind() == "ExternalSecret") {
        let es_id = format!("es:{}/{}", ns(es.resource), es.resource.name());
        g.nodes.insert(
            es_id.clone(),
            Node {
                kind: NodeKind::ExternalSecret,
                label: format!("ExternalSecret {}/{}", ns(es.resource), es.resource.name()),
                missing: false,
            },
        );
        let secret_id = format!("secret:{}/{}", ns(es.resource), es.target_name());
        provided.insert(secret_id.clone());
        g.nodes.insert(
            secret_id.clone(),
            Node {
                kind: NodeKind::Secret,
                label: format!("Secret {}/{}", ns(es.resource), es.target_name()),
                missing: false,
            },
        );
        g.edges.insert((es_id.clone(), secret_id));
    }
    for r in view.resources.iter().filter(|r| r.kind() == "Secret" && r.gvk().group.is_empty()) {
        let id = format!("secret:{}/{}", ns(r), r.name());
        provided.insert(id.clone());
        g.nodes.entry(id).or_insert(Node {
            kind: NodeKind::Secret,
            label: format!("Secret {}/{}", ns(r), r.name()),
            missing: false,
        });
    }
    // A ClusterExternalSecret reads keys too: it is a node of its own (its Secrets land in the namespaces it
    // selects, which the graph does not expand).
    for ces in view.external_secrets().filter(|e| e.resource.kind() == "ClusterExternalSecret") {
        g.nodes.entry(format!("es:{}/{}", ns(ces.resource), ces.resource.name())).or_insert(Node {
            kind: NodeKind::ExternalSecret,
            label: format!("ClusterExternalSecret {}", ces.resource.name()),
            missing: false,
        });
    }
    for k in view.model.key_refs() {
        let key_id = format!("key:{}{}", k.vault, k.name.to_lowercase());
        let missing = view.inventory(&k.vault).is_some_and(|inv| inv.known_missing(&k.name));
        let node = g.nodes.entry(key_id.clone()).or_insert(Node {
            kind: NodeKind::Key,
            label: format!("{}/{}", vault_name(&k.vault), k.name),
            missing,
        });
        node.missing |= missing;
        let es_id = format!("es:{}/{}", ns(k.external_secret), k.external_secret.name());
        g.edges.insert((key_id, es_id));
    }
    // A dataFrom.find reads the secrets it takes from the vault's full listing (as KV007 and rollout see them).
    for f in view.model.find_refs() {
        let Some(vault) = view.vault else { break };
        let crate::vault::stage::Taken::Secrets(taken) = vault.taken_by(f) else { continue };
        let es_id = format!("es:{}/{}", ns(f.external_secret), f.external_secret.name());
        for m in taken {
            let key_id = format!("key:{}{}", f.vault, m.name.to_lowercase());
            g.nodes.entry(key_id.clone()).or_insert(Node {
                kind: NodeKind::Key,
                label: format!("{}/{}", vault_name(&f.vault), m.name),
                missing: false,
            });
            g.edges.insert((key_id, es_id.clone()));
        }
    }
    for r in view.resources {
        for u in secret_uses(r) {
            let secret_id = format!("secret:{}/{}", ns(r), u.secret);
            let unprovided = !provided.contains(&secret_id) && !u.optional;
            let node = g.nodes.entry(secret_id.clone()).or_insert(Node {
                kind: NodeKind::Secret,
                label: format!("Secret {}/{}", ns(r), u.secret),
                missing: false,
            });
            node.missing |= unprovided;
            let w_id = format!("workload:{}/{}/{}", r.kind(), ns(r), r.name());
            g.nodes.insert(
                w_id.clone(),
                Node {
                    kind: NodeKind::Workload,
                    label: format!("{} {}/{}", r.kind(), ns(r), r.name()),
                    missing: false,
                },
            );
            g.edges.insert((secret_id, w_id));
        }
    }
    g
}

/// Render an environment of a repo and build its graph (vault stage included, for missing keys).
pub fn for_environment(opts: &LintOptions, env: &str) -> Result<Graph, crate::error::Error> {
    let opts = LintOptions { session: opts.session.clone(), only_envs: vec![env.to_string()] };
    let envs = render_environments(&opts)?;
    let rendered =
        envs.into_iter().next().ok_or_else(|| crate::error::Error::Usage(format!("no environment '{env}'")))?;
    let model = rendered.model(&opts.session.config);
    let demands = vault_demands(std::slice::from_ref(&model));
    let vault = crate::vault::stage::run(&demands, &opts.session.vault)?;
    Ok(build(&EnvView { model: &model, vault: Some(&vault), eso: None }))
}

impl Graph {
    fn short_ids(&self) -> BTreeMap<&str, String> {
        self.nodes.keys().enumerate().map(|(i, k)| (k.as_str(), format!("n{i}"))).collect()
    }

    pub fn to_mermaid(&self) -> String {
        let ids = self.short_ids();
        let mut out = String::from("flowchart LR\n");
        for (k, n) in &self.nodes {
            let (open, close) = match n.kind {
                NodeKind::Key => ("[(", ")]"),
                NodeKind::ExternalSecret => ("[[", "]]"),
                NodeKind::Secret => ("[/", "/]"),
                NodeKind::Workload => ("(", ")"),
            };
            out.push_str(&format!("  {}{open}\"{}\"{close}\n", ids[k.as_str()], n.label.replace('"', "'")));
        }
        // Every edge's ends are nodes (build adds them); an edge that is not is left out rather than panic.
        for (a, b) in self.edges.iter().filter_map(|(a, b)| Some((ids.get(a.as_str())?, ids.get(b.as_str())?))) {
            out.push_str(&format!("  {a} --> {b}\n"));
        }
        let missing: Vec<&String> =
            self.nodes.iter().filter(|(_, n)| n.missing).map(|(k, _)| &ids[k.as_str()]).collect();
        if !missing.is_empty() {
            out.push_str("  classDef missing fill:#fdd,stroke:#c00,color:#900\n");
            out.push_str(&format!(
                "  class {} missing\n",
                missing.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(",")
            ));
        }
        out
    }

    pub fn to_dot(&self) -> String {
        let ids = self.short_ids();
        let mut out = format!("digraph \"{}\" {{\n  rankdir=LR;\n", self.environment);
        for (k, n) in &self.nodes {
            let shape = match n.kind {
                NodeKind::Key => "cylinder",
                NodeKind::ExternalSecret => "box",
                NodeKind::Secret => "note",
                NodeKind::Workload => "ellipse",
            };
            let style = if n.missing { ", color=red, fontcolor=red" } else { "" };
            out.push_str(&format!(
                "  {} [label=\"{}\", shape={shape}{style}];\n",
                ids[k.as_str()],
                n.label.replace('"', "'")
            ));
        }
        for (a, b) in &self.edges {
            if let (Some(a), Some(b)) = (ids.get(a.as_str()), ids.get(b.as_str())) {
                out.push_str(&format!("  {a} -> {b};\n"));
            }
        }
        out.push_str("}\n");
        out
    }
}
