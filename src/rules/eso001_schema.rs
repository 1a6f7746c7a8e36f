//! ESO001: every ESO object validates against the OpenAPI schema of its CRD.

use super::{RawFinding, Rule, Severity};
use crate::eso::{EsoKind, crds};

pub const RULE: Rule = Rule {
    code: "ESO001",
    name: "crd-schema",
    severity: Severity::Error,
    summary: "an ESO object does not match its CRD's OpenAPI schema",
    explanation: "The schemas are the CRDs ESO ships (config/crds/bases in ESO 2.9), which the API server enforces. \
Checks ExternalSecret, SecretStore, ClusterSecretStore, ClusterExternalSecret and PushSecret objects \
against the OpenAPI schema of the External Secrets Operator CRDs (v2.9.0, carried in the binary): unknown fields, \
wrong types, values outside an enum, strings that do not match a pattern, missing required fields, \
minProperties/maxProperties (one-of-two references), formats; the schema is converted to JSON Schema and checked by \
the jsonschema crate (`eso::schema`). The CRDs' CEL rules (`x-kubernetes-validations`) run too, as the API server's \
CEL admission runs them. A `v1beta1` object is checked against the `v1beta1` schema when the repository's ESO release \
serves it (`eso::release`). The API server rejects such an object, or silently drops an unknown field, so the typo \
shows up as a Degraded app.\n\n\
Example (the field is `refreshInterval`, and a Go duration is a string):\n\n\
    spec:\n      refreshIntervall: 1h      # ESO001: unknown field 'refreshIntervall'\n      target:\n        creationPolicy: Own     # ESO001: \"Own\" is not one of: Owner, Orphan, Merge, None\n",
    check,
};

fn check<'a>(env: &super::EnvView<'a>) -> Vec<RawFinding<'a>> {
    let mut out = Vec::new();
    for r in env.resources {
        if EsoKind::of(r).is_none() {
            continue;
        }
        let Some(crd) = crds::crd_for(r.kind()) else { continue };
        let version = r.gvk().version;
        // A version this ESO release serves (the CRD's, or an older release's: `eso::release`) is validated against
        // its own schema; an unserved or unknown one is ESO002's.
        let served = |v: &crds::CrdVersion| v.served || env.eso.and_then(|e| e.serves(&v.name)) == Some(true);
        let Some(schema) = crd.versions.iter().find(|v| v.name == version && served(v)).and_then(|v| v.compiled())
        else {
            continue;
        };
        for v in schema.validate(&r.value) {
            let hint = if v.message.starts_with("unknown field") {
                "remove the field or fix its spelling; `argocd-eso-plugin explain ESO001` lists what the rule checks"
            } else if v.message.starts_with("required") {
                "add the field"
            } else {
                "fix the value to match the CRD schema"
            };
            let at_key = v.message.starts_with("unknown") || v.message.starts_with("required");
            out.push(if at_key {
                RawFinding::at_key(r, v.path, v.message, hint)
            } else {
                RawFinding::at(r, v.path, v.message, hint)
            });
        }
    }
    out
}
