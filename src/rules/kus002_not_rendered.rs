//! KUS002: an overlay uses a kustomize feature the native renderer refuses by name.

use super::{RawFinding, Rule, Severity};

pub const CODE: &str = "KUS002";

pub const RULE: Rule = Rule {
    code: CODE,
    name: "not-rendered",
    severity: Severity::Warning,
    summary: "an overlay uses a kustomize feature that is not rendered natively; its objects were not checked",
    explanation: "The renderer matches `kubectl kustomize` byte for byte or refuses, naming the field: `helmCharts`, \
remote bases, exec/container plugins, custom `crds` and a few more are refused. Such an overlay is not broken (Argo \
CD renders it with its own kustomize, often with `--enable-helm`), but nothing in it was checked: its \
ExternalSecrets, stores and workloads are missing from the environment. Reported once per overlay, as a warning, so \
that CI does not block on it; raise it to `error` in the config's `rules:` to require every overlay checked. \
`generate` still refuses such an app: it never prints a render it cannot vouch for.\n\n\
Example:\n\n\
\x20   helmCharts:                   # KUS002: 'helmCharts' is not rendered natively\n    - name: ingress-nginx\n",
    check,
};

/// Refusals are reported by the lint pipeline, which sees them before any rule runs.
fn check<'a>(_env: &super::EnvView<'a>) -> Vec<RawFinding<'a>> {
    Vec::new()
}
