//! ESO009: a `dataFrom` entry with no source, or with two.

use super::{RawFinding, Rule, Severity};

pub const RULE: Rule = Rule {
    code: "ESO009",
    name: "data-from-source",
    severity: Severity::Error,
    summary: "a dataFrom entry has none of extract, find and sourceRef, or two of extract, find and generatorRef",
    explanation: "ESO's webhook (`validateExternalSecret` in apis/externalsecrets/v1/externalsecret_validator.go) \
checks each `dataFrom` entry: `validateFindExtractSourceRef` wants one of `extract`, `find` or `sourceRef`; \
`validateExtractFindGenerator` refuses two of `extract`, `find` and `sourceRef.generatorRef` together. (Its \
`validateSourceRef`, a `sourceRef` naming neither `generatorRef` nor `storeRef`, is refused earlier by the CRD \
schema: ESO001.) The webhook rejects the ExternalSecret, so Argo CD's sync fails.\n\n\
Example:\n\n\
\x20   dataFrom:\n    - extract: {key: orders-db}\n      find: {name: {regexp: '^orders-'}}   # ESO009: extract and find together\n",
    check,
};

fn check<'a>(env: &super::EnvView<'a>) -> Vec<RawFinding<'a>> {
    let mut out = Vec::new();
    for es in env.external_secrets() {
        let items =
            es.spec().get("dataFrom").and_then(serde_yaml::Value::as_sequence).map(Vec::as_slice).unwrap_or(&[]);
        for (i, item) in items.iter().enumerate() {
            let present = |k: &str| item.get(k).is_some_and(|v| !v.is_null());
            let source_ref = item.get("sourceRef").filter(|v| !v.is_null());
            let generator = source_ref.and_then(|s| s.get("generatorRef")).is_some_and(|v| !v.is_null());
            let set: Vec<&str> =
                [("extract", present("extract")), ("find", present("find")), ("sourceRef.generatorRef", generator)]
                    .into_iter()
                    .filter_map(|(name, on)| on.then_some(name))
                    .collect();
            let problem = if set.len() > 1 {
                Some((
                    format!("dataFrom[{i}] sets {} at the same time", set.join(" and ")),
                    "keep one source per dataFrom entry; add another entry for the other",
                ))
            } else if !present("extract") && !present("find") && source_ref.is_none() {
                Some((
                    format!("dataFrom[{i}] sets none of extract, find and sourceRef"),
                    "add extract: {key: ...} or find: {name: {regexp: ...}}",
                ))
            } else {
                // A sourceRef naming neither generatorRef nor storeRef (`validateSourceRef`) is refused earlier by
                // the CRD schema (minProperties 1, no other fields): ESO001's finding, not a second one here.
                None
            };
            if let Some((message, hint)) = problem {
                out.push(RawFinding::at_key(es.resource, es.path(&format!("dataFrom[{i}]")), message, hint));
            }
        }
    }
    out
}
