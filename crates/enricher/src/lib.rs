//! enricher
