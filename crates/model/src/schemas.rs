//! JSON Schemas of every message type, generated from the Rust types: the contract downstream
//! consumers validate against. `newsflow schemas --out schemas/` writes them; a test keeps the
//! committed copies equal to what the types generate.

use schemars::JsonSchema;
use serde_json::Value;

use crate::{CleanArticle, DeadLetter, EnrichedArticle, RawArticle, StoryEvent, Versioned};

/// The schema of `T`, with its tag pinned: `schema` must equal e.g. `newsflow.raw/1`.
fn schema_of<T: JsonSchema + Versioned>() -> (String, Value) {
    let mut v = schemars::schema_for!(T).to_value();
    let tag = T::schema_tag();
    let file = format!("{}.v{}.schema.json", T::NAME, T::MAJOR);
    if let Some(obj) = v.as_object_mut() {
        obj.insert("$id".into(), Value::from(file.clone()));
        obj.insert("title".into(), Value::from(tag.clone()));
        if let Some(p) = obj
            .get_mut("properties")
            .and_then(|p| p.get_mut("schema"))
            .and_then(Value::as_object_mut)
        {
            p.insert("const".into(), Value::from(tag));
        }
    }
    (file, v)
}

/// Every message schema as (file name, schema), in pipeline order.
pub fn json_schemas() -> Vec<(String, Value)> {
    vec![
        schema_of::<RawArticle>(),
        schema_of::<CleanArticle>(),
        schema_of::<EnrichedArticle>(),
        schema_of::<StoryEvent>(),
        schema_of::<DeadLetter>(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_schema_pins_its_tag_and_names_its_fields() {
        for (file, s) in json_schemas() {
            let tag = s["properties"]["schema"]["const"]
                .as_str()
                .expect("const tag");
            assert!(
                file.starts_with(tag.split('/').next().expect("name")),
                "{file}"
            );
            assert_eq!(s["title"], tag);
            assert!(
                s["required"].as_array().is_some_and(|r| !r.is_empty()),
                "{file}"
            );
        }
        let raw = &json_schemas()[0].1;
        assert!(raw["properties"]["article_id"].is_object());
    }

    #[test]
    fn committed_schemas_match_the_types() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../schemas");
        for (file, schema) in json_schemas() {
            let path = dir.join(&file);
            let committed: Value = std::fs::read_to_string(&path)
                .ok()
                .and_then(|t| serde_json::from_str(&t).ok())
                .unwrap_or(Value::Null);
            assert!(
                committed == schema,
                "{} is out of date with the message types: run `cargo run -- schemas --out schemas`",
                path.display()
            );
        }
    }
}
