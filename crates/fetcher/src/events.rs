//! The fetcher's observable outcomes: each writes its log line and bumps its counter of
//! [`FetcherStats`] together. URLs are [`SecretUrl`]s, so log lines show them redacted.

use std::fmt::Display;

use model::SecretUrl;
use telemetry::InternalEvent;

use crate::{FetcherStats, HttpError};

/// A feed was polled and answered 304 Not Modified.
pub(crate) struct FeedNotModified<'a> {
    pub stats: &'a FetcherStats,
    pub feed: &'a str,
    pub url: &'a SecretUrl,
}

impl InternalEvent for FeedNotModified<'_> {
    fn emit(self) {
        tracing::debug!(feed = self.feed, url = %self.url, "feed not modified");
        self.stats.not_modified.inc();
    }
}

/// A feed's body changed under unchanged validators: they are no longer sent.
pub(crate) struct ValidatorsDistrusted<'a> {
    pub stats: &'a FetcherStats,
    pub feed: &'a str,
    pub url: &'a SecretUrl,
}

impl InternalEvent for ValidatorsDistrusted<'_> {
    fn emit(self) {
        tracing::warn!(
            feed = self.feed,
            url = %self.url,
            "feed changed under unchanged validators, no longer sending them"
        );
        self.stats.validators_distrusted.inc();
    }
}

/// A site page announced a feed (or one answered at a common path).
pub(crate) struct FeedDiscovered<'a> {
    pub stats: &'a FetcherStats,
    pub feed: &'a str,
    pub site: &'a SecretUrl,
    pub found: &'a str,
}

impl InternalEvent for FeedDiscovered<'_> {
    fn emit(self) {
        tracing::info!(feed = self.feed, site = %self.site, feed_url = %SecretUrl::new(self.found), "feed discovered");
        self.stats.discovered.inc();
    }
}

/// A feed poll failed in a way retried at the next poll (`what` says how: `no feed found`,
/// `malformed feed`, `feed fetch failed`); a 429/503 with `Retry-After` also slowed its host down.
pub(crate) struct FeedFailed<'a, E: Display> {
    pub stats: &'a FetcherStats,
    pub feed: &'a str,
    pub url: &'a SecretUrl,
    pub error: E,
    pub failures: u32,
    pub what: FeedFailure,
    pub throttled: bool,
}

/// How a feed poll failed.
#[derive(Debug, Clone, Copy)]
pub(crate) enum FeedFailure {
    /// A site page that announces no feed.
    NoFeedFound,
    /// A body that does not parse as a feed.
    Malformed,
    /// The fetch itself failed.
    Fetch,
}

impl<E: Display> InternalEvent for FeedFailed<'_, E> {
    fn emit(self) {
        let (feed, url, error, failures) = (self.feed, self.url, &self.error, self.failures);
        match self.what {
            FeedFailure::NoFeedFound => {
                tracing::warn!(feed, url = %url, error = %error, "no feed found")
            }
            FeedFailure::Malformed => {
                tracing::warn!(feed, url = %url, error = %error, "malformed feed")
            }
            FeedFailure::Fetch => {
                tracing::warn!(feed, url = %url, error = %error, failures, "feed fetch failed")
            }
        }
        self.stats.errors.inc();
        if self.throttled {
            self.stats.throttled.inc();
        }
    }
}

/// A feed was polled (a conditional or full GET of its URL).
pub(crate) struct FeedPolled<'a> {
    pub stats: &'a FetcherStats,
    pub feed: &'a str,
}

impl InternalEvent for FeedPolled<'_> {
    fn emit(self) {
        tracing::trace!(feed = self.feed, "feed polled");
        self.stats.polls.inc();
    }
}

/// An entry or file was skipped: published before in this version, or being published by
/// another feed right now.
pub(crate) struct EntryUnchanged<'a> {
    pub stats: &'a FetcherStats,
    pub id: &'a str,
}

impl InternalEvent for EntryUnchanged<'_> {
    fn emit(self) {
        tracing::trace!(article_id = self.id, "entry unchanged, skipped");
        self.stats.unchanged.inc();
    }
}

/// A permanent failure went to the dead-letter topic.
pub(crate) struct FetchDeadLettered<'a> {
    pub stats: &'a FetcherStats,
    pub url: SecretUrl<&'a str>,
    pub class: &'a model::ErrorClass,
}

impl InternalEvent for FetchDeadLettered<'_> {
    fn emit(self) {
        tracing::debug!(url = %self.url, class = %self.class, "dead-lettered");
        self.stats.dead_lettered.inc();
    }
}

/// A changed feed list was applied without a restart.
pub(crate) struct FeedListReloaded<'a> {
    pub stats: &'a FetcherStats,
    pub version: &'a str,
}

impl InternalEvent for FeedListReloaded<'_> {
    fn emit(self) {
        tracing::debug!(version = self.version, "feed list reload counted");
        self.stats.config_reloads.inc();
    }
}

/// A fetch failed and will be retried; a 429/503 with `Retry-After` also slowed its host down.
pub(crate) struct PageFetchFailed<'a> {
    pub stats: &'a FetcherStats,
    pub feed: &'a str,
    pub url: &'a SecretUrl,
    pub error: &'a HttpError,
}

impl InternalEvent for PageFetchFailed<'_> {
    fn emit(self) {
        tracing::warn!(feed = self.feed, url = %self.url, error = %self.error, "page fetch failed, will retry");
        self.stats.errors.inc();
        if self.error.retry_after().is_some() {
            self.stats.throttled.inc();
        }
    }
}

/// The address policy refused a fetch (`newsflow_fetcher_refused_total{reason}`).
pub(crate) struct FetchRefused<'a> {
    pub stats: &'a FetcherStats,
    pub feed: &'a str,
    pub url: &'a SecretUrl,
    pub kind: crate::Refusal,
    pub error: &'a HttpError,
}

impl InternalEvent for FetchRefused<'_> {
    fn emit(self) {
        tracing::warn!(feed = self.feed, url = %self.url, reason = self.kind.label(), error = %self.error, "page refused by the address policy");
        self.stats.refused.bump(self.kind);
    }
}

/// robots.txt disallows an article page; it is skipped.
pub(crate) struct RobotsDenied<'a> {
    pub stats: &'a FetcherStats,
    pub feed: &'a str,
    pub url: &'a SecretUrl,
}

impl InternalEvent for RobotsDenied<'_> {
    fn emit(self) {
        tracing::info!(feed = self.feed, url = %self.url, "page disallowed by robots.txt, skipped");
        self.stats.robots_denied.inc();
    }
}

/// An article reached through a second link, recognised by its canonical URL: not published
/// again.
pub(crate) struct DuplicateLink<'a> {
    pub stats: &'a FetcherStats,
    pub feed: &'a str,
    pub url: &'a SecretUrl,
    pub canonical: &'a str,
}

impl InternalEvent for DuplicateLink<'_> {
    fn emit(self) {
        tracing::info!(feed = self.feed, url = %self.url, canonical = %SecretUrl::new(self.canonical), "same article through another link, not published again");
        self.stats.duplicates.inc();
    }
}

/// Publishing failed; the entry is retried at the next poll.
pub(crate) struct PublishFailed<'a> {
    pub stats: &'a FetcherStats,
    pub feed: &'a str,
    pub url: &'a SecretUrl,
    pub error: &'a crate::SinkError,
}

impl InternalEvent for PublishFailed<'_> {
    fn emit(self) {
        tracing::warn!(feed = self.feed, url = %self.url, error = %self.error, transient = self.error.is_transient(), "publish failed, will retry");
        self.stats.errors.inc();
    }
}

/// A feed's article was published to the raw topic.
pub(crate) struct ArticlePublished<'a> {
    pub stats: &'a FetcherStats,
    pub feed: &'a str,
    pub url: &'a SecretUrl,
}

impl InternalEvent for ArticlePublished<'_> {
    fn emit(self) {
        tracing::info!(feed = self.feed, url = %self.url, "article published");
        self.stats.published.inc();
    }
}

/// Publishing a file failed; it is tried again at the next scan.
pub(crate) struct FilePublishFailed<'a> {
    pub stats: &'a FetcherStats,
    pub file: &'a str,
    pub error: &'a crate::SinkError,
}

impl InternalEvent for FilePublishFailed<'_> {
    fn emit(self) {
        tracing::warn!(file = self.file, error = %self.error, transient = self.error.is_transient(), "publish failed, will retry");
        self.stats.errors.inc();
    }
}

/// A file of a seed or inbox directory was published to the raw topic.
pub(crate) struct FilePublished<'a> {
    pub stats: &'a FetcherStats,
    pub source: &'a str,
    pub file: &'a str,
}

impl InternalEvent for FilePublished<'_> {
    fn emit(self) {
        tracing::info!(
            source = self.source,
            file = self.file,
            "file article published"
        );
        self.stats.published.inc();
    }
}

/// A directory could not be scanned; it is tried again at the next scan.
pub(crate) struct ScanFailed<'a> {
    pub stats: &'a FetcherStats,
    pub dir: &'a std::path::Path,
    pub error: &'a std::io::Error,
}

impl InternalEvent for ScanFailed<'_> {
    fn emit(self) {
        tracing::warn!(dir = %self.dir.display(), error = %self.error, "cannot scan directory");
        self.stats.errors.inc();
    }
}
