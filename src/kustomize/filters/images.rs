//! `images:`: rewrites container image names, tags and digests.

use crate::kustomize::KustomizeError;
use crate::kustomize::fieldspec;
use crate::kustomize::types::{FieldSpec, Image};
use crate::resource::Resource;
use regex::Regex;
use serde_yaml::Value;

/// Split `[host[:port]/]path[:tag][@digest]` into name, tag and digest.
pub fn split_image(image: &str) -> (String, String, String) {
    let slash = image.find('/').filter(|&i| i > 0).unwrap_or(0);
    let search = &image[slash..];
    let at = search.find('@').map(|i| i + slash);
    let colon = search.find(':').map(|i| i + slash);
    match (colon, at) {
        (None, None) => (image.to_string(), String::new(), String::new()),
        (None, Some(a)) => (image[..a].to_string(), String::new(), image[a + 1..].to_string()),
        (Some(c), Some(a)) if a < c => (image[..a].to_string(), String::new(), image[a + 1..].to_string()),
        (Some(c), Some(a)) => (image[..c].to_string(), image[c + 1..a].to_string(), image[a + 1..].to_string()),
        (Some(c), None) => (image[..c].to_string(), image[c + 1..].to_string(), String::new()),
    }
}

struct Updater {
    image: Image,
    matcher: Regex,
}

impl Updater {
    fn new(image: &Image) -> Result<Updater, KustomizeError> {
        // kustomize builds this pattern from the name without escaping it; so do we, for the same matches.
        let pattern = format!("^{}(@sha256)?(:[a-zA-Z0-9_.{{}}-]*)?$", image.name);
        let matcher = Regex::new(&pattern).map_err(|e| KustomizeError::Transform {
            message: format!("images: invalid name '{}': {e}", image.name),
        })?;
        Ok(Updater { image: image.clone(), matcher })
    }

    fn update(&self, value: &str) -> Option<String> {
        if !self.matcher.is_match(value) {
            return None;
        }
        let (mut name, mut tag, mut digest) = split_image(value);
        let im = &self.image;
        if !im.new_name.is_empty() {
            name = im.new_name.clone();
        }
        if !im.new_tag.is_empty() && !im.digest.is_empty() {
            tag = im.new_tag.clone();
            digest = im.digest.clone();
        } else if !im.new_tag.is_empty() {
            tag = im.new_tag.clone();
            digest.clear();
        } else if !im.digest.is_empty() {
            tag.clear();
            digest = im.digest.clone();
        }
        if !im.tag_suffix.is_empty() {
            tag.push_str(&im.tag_suffix);
        }
        let mut out = name;
        if !tag.is_empty() {
            out = format!("{out}:{tag}");
        }
        if !digest.is_empty() {
            out = format!("{out}@{digest}");
        }
        Some(out)
    }
}

/// kustomize's legacy pass: every `containers`/`initContainers` list anywhere in the object.
fn legacy_walk(v: &mut Value, up: &Updater) {
    match v {
        Value::Mapping(m) => {
            for (k, child) in m.iter_mut() {
                let is_containers = matches!(k.as_str(), Some("containers") | Some("initContainers"));
                if is_containers && let Some(items) = child.as_sequence_mut() {
                    for item in items {
                        if let Some(Value::String(img)) = item.get_mut("image")
                            && let Some(new) = up.update(img)
                        {
                            *img = new;
                        }
                    }
                }
                legacy_walk(child, up);
            }
        }
        Value::Sequence(items) => items.iter_mut().for_each(|i| legacy_walk(i, up)),
        _ => {}
    }
}

pub fn apply(resources: &mut [Resource], images: &[Image], field_specs: &[FieldSpec]) -> Result<(), KustomizeError> {
    for image in images {
        let up = Updater::new(image)?;
        for r in resources.iter_mut() {
            legacy_walk(&mut r.value, &up);
            let gvk = r.gvk();
            for fs in field_specs {
                if !fieldspec::selects(fs, &gvk) {
                    continue;
                }
                fieldspec::apply(&mut r.value, fs, None, &mut |v| {
                    if let Some(new) = v.as_str().and_then(|s| up.update(s)) {
                        *v = Value::String(new);
                    }
                    Ok(())
                })?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::split_image;

    #[test]
    fn splits_registry_port_tag_and_digest() {
        assert_eq!(split_image("nginx"), ("nginx".into(), "".into(), "".into()));
        assert_eq!(split_image("nginx:1.2"), ("nginx".into(), "1.2".into(), "".into()));
        assert_eq!(split_image("reg:5000/app:v1"), ("reg:5000/app".into(), "v1".into(), "".into()));
        assert_eq!(split_image("app@sha256:abc"), ("app".into(), "".into(), "sha256:abc".into()));
        assert_eq!(split_image("app:v1@sha256:abc"), ("app".into(), "v1".into(), "sha256:abc".into()));
    }
}
