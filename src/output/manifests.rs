//! The multi-document YAML stream `render` and `generate` print.

use crate::resource::Resource;

pub fn to_yaml_stream(resources: &[Resource]) -> Result<String, serde_yaml::Error> {
    let mut out = String::new();
    for (i, r) in resources.iter().enumerate() {
        if i > 0 {
            out.push_str("---\n");
        }
        out.push_str(&serde_yaml::to_string(&r.value)?);
    }
    Ok(out)
}
