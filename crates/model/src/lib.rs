//! Message contracts shared by every newsflow stage: schema versions, article ids and URL
//! canonicalisation, typed kinds with a catch-all (`kinds`) and URLs that redact themselves when
//! shown (`secret`). Nothing here knows about Kafka.

mod id;
mod kinds;
mod messages;
mod schemas;
mod secret;

pub use id::{article_id, canonical_url, content_hash, urn_for_file, UrlError};
pub use kinds::{ClaimKind, EntityKind, ErrorClass, SourceKind};
pub use messages::*;
pub use schemas::json_schemas;
pub use secret::{Redacted, SecretUrl};
