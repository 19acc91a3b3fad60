//! When a failed attempt is sent again, and after how long.
//!
//! Modelled on the AWS SDK's standard mode and the official Svix crate:
//! exponential backoff with jitter, `Retry-After` honoured, and only what is
//! safe to repeat is repeated.

use std::time::{Duration, SystemTime};

use reqwest::header::{HeaderMap, HeaderName, HeaderValue, RETRY_AFTER};
use reqwest::{Method, StatusCode};

/// The retry policy of a client, set with `Config::retry`.
///
/// Defaults: 3 attempts in all, backoff from 50 ms doubling up to 5 s, with
/// up to 25% jitter, no overall deadline beyond each request's timeout.
#[derive(Clone, Debug)]
pub struct Retry {
    max_attempts: u32,
    base: Duration,
    cap: Duration,
    deadline: Option<Duration>,
}

impl Default for Retry {
    fn default() -> Self {
        Retry {
            max_attempts: 3,
            base: Duration::from_millis(50),
            cap: Duration::from_secs(5),
            deadline: None,
        }
    }
}

impl Retry {
    /// The default policy.
    pub fn new() -> Self {
        Self::default()
    }

    /// No retries: every call is sent once.
    pub fn disabled() -> Self {
        Retry {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// Attempts in all, the first included (at least 1).
    pub fn max_attempts(mut self, n: u32) -> Self {
        self.max_attempts = n.max(1);
        self
    }

    /// The first wait; each further wait doubles, up to `cap`.
    pub fn base_delay(mut self, base: Duration) -> Self {
        self.base = base;
        self
    }

    /// The longest wait. A `Retry-After` longer than this is not waited
    /// for: the call fails at once with the server's answer.
    pub fn max_delay(mut self, cap: Duration) -> Self {
        self.cap = cap;
        self
    }

    /// Sending the call until its answer's headers arrive, attempts,
    /// retries and waits included, never takes longer than this, counted
    /// from the call's start: a retry whose wait would end past it is not
    /// made, and an attempt still running when it passes is dropped,
    /// failing the call with `Error::Deadline`. Reading the answer's body
    /// is bounded by the request timeout (`Config::timeout`).
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = Some(deadline);
        self
    }

    /// The same policy without a call deadline (a session's refresh).
    pub(crate) fn without_deadline(mut self) -> Self {
        self.deadline = None;
        self
    }

    pub(crate) fn deadline_of_call(&self) -> Option<Duration> {
        self.deadline
    }

    pub(crate) fn attempts_left(&self, done: u32) -> bool {
        done < self.max_attempts
    }

    /// The wait before attempt `done + 1`: `base * 2^(done-1)`, capped, less
    /// up to a quarter at random so that clients do not retry in step.
    pub(crate) fn backoff(&self, done: u32) -> Duration {
        let exp = self
            .base
            .saturating_mul(1u32 << done.saturating_sub(1).min(20));
        let d = exp.min(self.cap);
        let jitter = random_fraction() / 4.0;
        d.mul_f64(1.0 - jitter)
    }

    /// Whether a wait of `delay` fits: not over the cap, not past the
    /// deadline counted from `started`.
    pub(crate) fn fits(&self, delay: Duration, elapsed: Duration) -> bool {
        delay <= self.cap
            && self
                .deadline
                .is_none_or(|d| elapsed.saturating_add(delay) < d)
    }
}

/// `d`, less up to half of it at random: waiters that poll (for a refresh
/// lease) do not poll in step.
pub(crate) fn jittered(d: Duration) -> Duration {
    d.mul_f64(1.0 - random_fraction() / 2.0)
}

/// Whether a request may be sent again after it may have reached the
/// server: GET, HEAD, PUT, DELETE and OPTIONS are idempotent by HTTP's
/// definition; a POST only with an idempotency key, which makes the server
/// answer a repeat with the first result. A login or token POST has no key
/// and is never repeated.
pub(crate) fn safe_to_repeat(
    method: &Method,
    headers: &HeaderMap,
    key: Option<&HeaderName>,
) -> bool {
    match *method {
        Method::GET | Method::HEAD | Method::PUT | Method::DELETE | Method::OPTIONS => true,
        _ => key.is_some_and(|k| headers.contains_key(k)),
    }
}

/// Statuses that say "try again": too many requests, and the server-side
/// failures that are usually transient. Never another 4xx.
pub(crate) fn retryable_status(status: StatusCode) -> bool {
    matches!(status.as_u16(), 429 | 500 | 502 | 503 | 504)
}

/// `Retry-After` on a 429 or 503, in seconds or as an HTTP-date.
pub(crate) fn retry_after(status: StatusCode, headers: &HeaderMap) -> Option<Duration> {
    if !matches!(status.as_u16(), 429 | 503) {
        return None;
    }
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(
        at.duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

/// A number in `[0, 1)` from the OS's random source (only on the retry
/// path, so the syscall is not on the common path).
fn random_fraction() -> f64 {
    let mut b = [0u8; 8];
    if getrandom::getrandom(&mut b).is_err() {
        return 0.5;
    }
    (u64::from_le_bytes(b) >> 11) as f64 / (1u64 << 53) as f64
}

/// The key a keyless POST gets: `auto_` and a version 4 UUID (RFC 9562).
/// Its 122 random bits come from a generator seeded once per process from
/// the OS and stepped per key (SplitMix64): keys never repeat within a
/// process and do not collide across processes, which is what an
/// idempotency key needs, without a system call per call.
pub(crate) fn auto_idempotency_key() -> HeaderValue {
    let mut key = *b"auto_00000000-0000-0000-0000-000000000000";
    key[5..].copy_from_slice(&uuid_v4());
    // Hex digits and dashes only: always a valid header value.
    HeaderValue::from_bytes(&key).unwrap_or(HeaderValue::from_static("auto"))
}

/// A version 4 UUID in its 36-character text form.
fn uuid_v4() -> [u8; 36] {
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::OnceLock;
    static SEED: OnceLock<u64> = OnceLock::new();
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let seed = *SEED.get_or_init(|| {
        let mut b = [0u8; 8];
        if getrandom::getrandom(&mut b).is_err() {
            // No OS randomness: the clock still separates processes.
            let t = SystemTime::now()
                .duration_since(SystemTime::UNIX_EPOCH)
                .unwrap_or_default();
            b = (t.as_nanos() as u64 ^ u64::from(std::process::id())).to_le_bytes();
        }
        u64::from_le_bytes(b)
    });
    let n = COUNTER.fetch_add(2, Ordering::Relaxed);
    let mix = |x: u64| {
        let mut z = seed.wrapping_add(x.wrapping_mul(0x9e37_79b9_7f4a_7c15));
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    };
    let mut b = [0u8; 16];
    b[..8].copy_from_slice(&mix(n + 1).to_le_bytes());
    b[8..].copy_from_slice(&mix(n + 2).to_le_bytes());
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = *b"00000000-0000-0000-0000-000000000000";
    let mut at = 0;
    for (i, x) in b.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            at += 1;
        }
        out[at] = HEX[usize::from(x >> 4)];
        out[at + 1] = HEX[usize::from(x & 0xf)];
        at += 2;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Catches a disabled policy that still retries (the default's three
    /// attempts): every call would wait out its backoff.
    #[test]
    fn disabled_means_one_attempt() {
        assert_eq!(Retry::disabled().max_attempts, 1);
        assert_eq!(Retry::new().max_attempts(0).max_attempts, 1);
        assert!(Retry::default().max_attempts > 1);
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let r = Retry::new()
            .base_delay(Duration::from_millis(100))
            .max_delay(Duration::from_millis(300));
        let d1 = r.backoff(1);
        let d2 = r.backoff(2);
        let d3 = r.backoff(3);
        assert!(d1 >= Duration::from_millis(75) && d1 <= Duration::from_millis(100));
        assert!(d2 >= Duration::from_millis(150) && d2 <= Duration::from_millis(200));
        assert!(d3 >= Duration::from_millis(225) && d3 <= Duration::from_millis(300));
    }

    #[test]
    fn retry_after_in_both_forms() {
        let mut h = HeaderMap::new();
        h.insert(RETRY_AFTER, HeaderValue::from_static("2"));
        assert_eq!(
            retry_after(StatusCode::TOO_MANY_REQUESTS, &h),
            Some(Duration::from_secs(2))
        );
        assert_eq!(retry_after(StatusCode::BAD_GATEWAY, &h), None);
        let later = SystemTime::now() + Duration::from_secs(120);
        h.insert(
            RETRY_AFTER,
            HeaderValue::from_str(&httpdate::fmt_http_date(later)).unwrap(),
        );
        let d = retry_after(StatusCode::SERVICE_UNAVAILABLE, &h).unwrap();
        assert!(
            d > Duration::from_secs(110) && d <= Duration::from_secs(120),
            "{d:?}"
        );
        h.insert(RETRY_AFTER, HeaderValue::from_static("soon"));
        assert_eq!(retry_after(StatusCode::SERVICE_UNAVAILABLE, &h), None);
    }

    #[test]
    fn only_safe_requests_repeat() {
        let mut h = HeaderMap::new();
        assert!(safe_to_repeat(&Method::GET, &h, None));
        assert!(safe_to_repeat(&Method::DELETE, &h, None));
        assert!(!safe_to_repeat(&Method::POST, &h, None));
        let key = HeaderName::from_static("idempotency-key");
        assert!(!safe_to_repeat(&Method::POST, &h, Some(&key)));
        h.insert("idempotency-key", HeaderValue::from_static("k"));
        assert!(safe_to_repeat(&Method::POST, &h, Some(&key)));
        for s in [400, 401, 403, 404, 409, 422] {
            assert!(!retryable_status(StatusCode::from_u16(s).unwrap()));
        }
    }

    #[test]
    fn uuids_are_version_4_and_differ() {
        let a = auto_idempotency_key();
        let b = auto_idempotency_key();
        assert_ne!(a, b);
        let a = a.to_str().unwrap();
        assert_eq!(a.len(), 41);
        let uuid = a.strip_prefix("auto_").unwrap();
        let groups: Vec<usize> = uuid.split('-').map(str::len).collect();
        assert_eq!(groups, [8, 4, 4, 4, 12], "{a}");
        assert!(
            uuid.bytes()
                .all(|c| c == b'-' || c.is_ascii_hexdigit() && !c.is_ascii_uppercase()),
            "{a}"
        );
        assert_eq!(&uuid[14..15], "4");
        assert!(matches!(&uuid[19..20], "8" | "9" | "a" | "b"), "{a}");
    }
}
