//! Conditional GET and validator trust. Validators (`ETag`, `Last-Modified`) are sent on every
//! poll of a feed whose server has earned it; every `check_every` polls the feed is fetched
//! unconditionally and its body hash compared with the last one. A server that kept the same
//! validators while the body changed would have answered 304 to a changed feed: that feed's
//! validators stop being trusted (and sent), and only that feed's.

use crate::{FeedState, Validators};

/// How to make the next request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// Validators to send; `None` makes an unconditional GET.
    pub send: Option<Validators>,
    /// This unconditional GET checks the validators.
    pub verify: bool,
}

/// Decide the next request of a feed.
pub fn plan(state: &FeedState, check_every: u32) -> Plan {
    let v = state.validators();
    if !state.validators_trusted || v.is_empty() {
        return Plan {
            send: None,
            verify: false,
        };
    }
    if check_every > 0 && state.polls_since_check + 1 >= check_every {
        return Plan {
            send: None,
            verify: true,
        };
    }
    Plan {
        send: Some(v),
        verify: false,
    }
}

/// What a full (200) answer says about the feed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Judgement {
    /// Same body as last time.
    Unchanged,
    /// A new body.
    Changed,
    /// A new body under the same validators: stop trusting them.
    Distrust,
}

/// Judge a full answer against the previous state.
pub fn judge(state: &FeedState, got: &Validators, body_hash: &str, verify: bool) -> Judgement {
    if state.body_hash.as_deref() == Some(body_hash) {
        return Judgement::Unchanged;
    }
    let before = state.validators();
    if verify && state.validators_trusted && !before.is_empty() && same_validators(&before, got) {
        return Judgement::Distrust;
    }
    Judgement::Changed
}

/// Validators match when every one the server sent before is sent again unchanged.
fn same_validators(before: &Validators, now: &Validators) -> bool {
    let etag_same = match (&before.etag, &now.etag) {
        (Some(a), Some(b)) => a.trim_start_matches("W/") == b.trim_start_matches("W/"),
        (None, None) => true,
        _ => false,
    };
    let lm_same = match (&before.last_modified, &now.last_modified) {
        (Some(a), Some(b)) => a == b,
        (None, None) => true,
        _ => false,
    };
    etag_same && lm_same
}

/// Update the state after a full answer: record the new validators and body hash, apply the
/// judgement and count the poll towards the next check.
pub fn record_full(
    state: &mut FeedState,
    got: Validators,
    body_hash: String,
    verify: bool,
    judgement: Judgement,
) {
    if judgement == Judgement::Distrust {
        state.validators_trusted = false;
    }
    state.etag = got.etag;
    state.last_modified = got.last_modified;
    state.body_hash = Some(body_hash);
    state.polls_since_check = if verify {
        0
    } else {
        state.polls_since_check.saturating_add(1)
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(etag: &str, hash: &str) -> FeedState {
        let mut s = FeedState::new("f", &"http://h/f".into());
        s.etag = Some(etag.into());
        s.body_hash = Some(hash.into());
        s
    }

    fn v(etag: &str) -> Validators {
        Validators {
            etag: Some(etag.into()),
            last_modified: None,
        }
    }

    #[test]
    fn validators_are_sent_and_checked_every_n_polls() {
        let mut s = FeedState::new("f", &"http://h/f".into());
        assert_eq!(plan(&s, 5).send, None, "nothing to send yet");
        s.etag = Some("\"a\"".into());
        assert_eq!(plan(&s, 5).send, Some(v("\"a\"")));
        s.polls_since_check = 4;
        let p = plan(&s, 5);
        assert_eq!(p.send, None);
        assert!(p.verify);
        s.validators_trusted = false;
        s.polls_since_check = 0;
        assert_eq!(plan(&s, 5).send, None, "distrusted validators are not sent");
        assert!(!plan(&s, 5).verify);
    }

    #[test]
    fn same_validators_with_a_new_body_is_distrusted() {
        let s = state("\"a\"", "h1");
        assert_eq!(judge(&s, &v("\"a\""), "h1", true), Judgement::Unchanged);
        assert_eq!(judge(&s, &v("\"a\""), "h2", true), Judgement::Distrust);
        assert_eq!(judge(&s, &v("\"b\""), "h2", true), Judgement::Changed);
        // Outside a check, a new body with old validators is just a change (e.g. the first poll
        // after a restart).
        assert_eq!(judge(&s, &v("\"a\""), "h2", false), Judgement::Changed);
        assert_eq!(judge(&s, &v("W/\"a\""), "h2", true), Judgement::Distrust);
    }

    #[test]
    fn record_full_applies_the_judgement() {
        let mut s = state("\"a\"", "h1");
        s.polls_since_check = 3;
        record_full(&mut s, v("\"a\""), "h2".into(), true, Judgement::Distrust);
        assert!(!s.validators_trusted);
        assert_eq!(s.polls_since_check, 0);
        assert_eq!(s.body_hash.as_deref(), Some("h2"));
        record_full(&mut s, v("\"b\""), "h3".into(), false, Judgement::Changed);
        assert_eq!(s.polls_since_check, 1);
        assert_eq!(s.etag.as_deref(), Some("\"b\""));
    }
}
