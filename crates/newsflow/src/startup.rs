//! Start-up steps that need the broker: a worker started while the broker is down or stalled
//! waits for it (not ready meanwhile) instead of exiting, as it does once running.

use std::future::Future;
use std::time::Duration;

use anyhow::Result;
use tokio_util::sync::CancellationToken;

/// First wait after a failed attempt; doubled up to [`MAX_WAIT`].
const FIRST_WAIT: Duration = Duration::from_millis(500);
/// Longest wait between attempts.
const MAX_WAIT: Duration = Duration::from_secs(30);

/// Whether `e` is the broker not answering (timeouts, transport), worth asking again, as opposed
/// to a refused configuration.
pub fn broker_trouble(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<bus::BusError>()
            .is_some_and(bus::BusError::is_transient)
            || c.is::<tokio::time::error::Elapsed>()
    })
}

/// Run `step` until it succeeds, waiting with exponential backoff after broker trouble; other
/// errors end at once. `None` when `shutdown` came first.
pub async fn until_broker_answers<T, F, Fut>(
    step: &str,
    shutdown: &CancellationToken,
    mut attempt: F,
) -> Result<Option<T>>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T>>,
{
    let mut wait = FIRST_WAIT;
    let mut failures = 0u32;
    loop {
        let e = tokio::select! {
            _ = shutdown.cancelled() => return Ok(None),
            r = attempt() => match r {
                Ok(v) => {
                    if failures > 0 {
                        tracing::info!(step, failures, "broker answered, start-up goes on");
                    }
                    return Ok(Some(v));
                }
                Err(e) if broker_trouble(&e) => e,
                Err(e) => return Err(e),
            },
        };
        failures += 1;
        tracing::warn!(step, failures, retry_in_ms = wait.as_millis() as u64, error = %format!("{e:#}"), "broker not answering at start-up, will retry");
        tokio::select! {
            _ = shutdown.cancelled() => return Ok(None),
            _ = tokio::time::sleep(wait) => {}
        }
        wait = (wait * 2).min(MAX_WAIT);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn timeout_error() -> anyhow::Error {
        anyhow::Error::new(bus::BusError::Read {
            topic: "t".into(),
            reason: "timed out".into(),
        })
        .context("rebuilding state")
    }

    #[test]
    fn broker_trouble_is_told_from_refusals() {
        assert!(broker_trouble(&timeout_error()));
        let refused = anyhow::Error::new(bus::BusError::LocalBroker("no binary".into()));
        assert!(!broker_trouble(&refused));
        assert!(!broker_trouble(&anyhow::anyhow!("gazetteer unreadable")));
    }

    #[tokio::test(start_paused = true)]
    async fn retries_broker_trouble_and_stops_on_other_errors() {
        let stop = CancellationToken::new();
        let mut calls = 0;
        let got = until_broker_answers("test", &stop, || {
            calls += 1;
            let n = calls;
            async move {
                if n < 4 {
                    Err(timeout_error())
                } else {
                    Ok(n)
                }
            }
        })
        .await
        .expect("broker trouble is retried");
        assert_eq!(got, Some(4));

        let mut calls = 0;
        let r: Result<Option<()>> = until_broker_answers("test", &stop, || {
            calls += 1;
            async { Err(anyhow::anyhow!("bad config")) }
        })
        .await;
        assert!(r.is_err());
        assert_eq!(calls, 1);
    }

    #[tokio::test(start_paused = true)]
    async fn a_stop_ends_the_wait() {
        let stop = CancellationToken::new();
        stop.cancel();
        let r: Option<()> = until_broker_answers("test", &stop, || async { Err(timeout_error()) })
            .await
            .expect("a stop is not an error");
        assert_eq!(r, None);
    }
}
