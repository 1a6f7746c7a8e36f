//! `namePrefix:` / `nameSuffix:`: renames objects, remembering the old name so that references can follow.

use crate::kustomize::KustomizeError;
use crate::kustomize::fieldspec;
use crate::kustomize::specs;
use crate::kustomize::types::FieldSpec;
use crate::resource::Resource;
use serde_yaml::Value;

#[derive(Clone, Copy)]
pub enum Affix<'a> {
    Prefix(&'a str),
    Suffix(&'a str),
}

pub fn apply(resources: &mut [Resource], affix: Affix, field_specs: &[FieldSpec]) -> Result<(), KustomizeError> {
    for r in resources.iter_mut() {
        let org = r.org_id();
        let skipped =
            specs::PREFIX_SUFFIX_SKIP.iter().any(|(g, k)| org.gvk.kind == *k && (g.is_empty() || org.gvk.group == *g));
        if skipped {
            continue;
        }
        for fs in field_specs {
            if !fieldspec::selects(fs, &org.gvk) {
                continue;
            }
            if fs.path == "metadata/name" {
                r.store_previous_id();
                match affix {
                    Affix::Prefix(p) if !p.is_empty() => r.build.prefixes.push(p.to_string()),
                    Affix::Suffix(s) if !s.is_empty() => r.build.suffixes.push(s.to_string()),
                    _ => {}
                }
            }
            fieldspec::apply(&mut r.value, fs, None, &mut |v| {
                let cur = v.as_str().ok_or("name field is not a string")?.to_string();
                *v = Value::String(match affix {
                    Affix::Prefix(p) => format!("{p}{cur}"),
                    Affix::Suffix(s) => format!("{cur}{s}"),
                });
                Ok(())
            })?;
        }
    }
    Ok(())
}
