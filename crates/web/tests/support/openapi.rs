//! Checks served JSON against `docs/openapi.yaml` (shared by the web crate's and the binary's
//! tests).

use std::path::Path;

use serde_json::{json, Value};

/// The OpenAPI document of the web API.
pub struct Api {
    doc: Value,
}

impl Api {
    /// Read `docs/openapi.yaml` from the repository.
    pub fn load() -> Api {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/openapi.yaml");
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let doc: Value =
            yaml_serde::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(
            doc["openapi"].as_str().map(|v| &v[..2]),
            Some("3."),
            "an OpenAPI 3 document"
        );
        Api { doc }
    }

    /// Assert that `body` matches the documented schema of `GET path` answering `status`.
    pub fn check(&self, path: &str, status: u16, body: &Value) {
        let schema = &self.doc["paths"][path]["get"]["responses"][status.to_string()]["content"]
            ["application/json"]["schema"];
        assert!(
            !schema.is_null(),
            "openapi.yaml documents no JSON {status} answer for GET {path}"
        );
        let root = json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "components": self.doc["components"],
            "allOf": [schema],
        });
        let validator =
            jsonschema::validator_for(&root).unwrap_or_else(|e| panic!("schema of {path}: {e}"));
        let errors: Vec<String> = validator
            .iter_errors(body)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        assert!(
            errors.is_empty(),
            "GET {path} ({status}) does not match openapi.yaml: {errors:#?}\n{body:#}"
        );
    }

    /// Every GET path the document lists.
    #[allow(dead_code)]
    pub fn paths(&self) -> Vec<String> {
        self.doc["paths"]
            .as_object()
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default()
    }
}
