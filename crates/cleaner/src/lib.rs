//! cleaner
