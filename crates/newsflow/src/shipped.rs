//! What the tests of the shipped files (config, compose, Kubernetes manifests) share.

use std::path::{Path, PathBuf};

use serde_json::Value;

/// The repository root.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// YAML (with `<<` merge keys applied) as JSON values, one per document.
pub fn yaml_docs(path: &Path) -> Vec<Value> {
    let text =
        std::fs::read_to_string(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    let mut docs = Vec::new();
    for de in yaml_serde::Deserializer::from_str(&text) {
        let mut v: yaml_serde::Value = serde::Deserialize::deserialize(de)
            .unwrap_or_else(|e| panic!("{}: invalid YAML: {e}", path.display()));
        v.apply_merge()
            .unwrap_or_else(|e| panic!("{}: merge keys: {e}", path.display()));
        if v.is_null() {
            continue;
        }
        docs.push(
            serde_json::to_value(&v)
                .unwrap_or_else(|e| panic!("{}: not JSON-like: {e}", path.display())),
        );
    }
    docs
}

/// The strings of a JSON array (empty for anything else).
pub fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}
