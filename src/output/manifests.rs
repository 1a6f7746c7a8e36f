//! The multi-document YAML stream `render` and `generate` print: each object exactly as `kubectl kustomize`
//! prints it (`crate::yaml::emit`), separated by `---` lines as kustomize's `ResMap.AsYaml` separates them.

use crate::resource::Resource;

pub fn to_yaml_stream(resources: &[Resource]) -> Result<String, crate::yaml::emit::EmitError> {
    let mut out = String::new();
    for (i, r) in resources.iter().enumerate() {
        if i > 0 {
            out.push_str("---\n");
        }
        out.push_str(&crate::yaml::emit::to_kustomize_yaml(&r.value)?);
    }
    Ok(out)
}
