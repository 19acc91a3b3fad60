//! The expiry of a JWT, read from its `exp` claim for timing only.
//!
//! Today's Kleister answers a login with `{"token": <JWT>}` and no
//! `expires_at`; the session still needs to know when to refresh. The
//! payload is decoded, never verified: the value decides *when* the client
//! refreshes, nothing else, and the server stays the judge of validity.

use std::time::{Duration, SystemTime};

use base64::Engine as _;

/// A payload longer than this is not a session token worth reading (the
/// whole JWT of a typical service is a few hundred bytes).
const MAX_PAYLOAD: usize = 16 * 1024;

/// The latest expiry taken as real: the end of year 9999. Anything later
/// (or zero, or negative) is an absurd claim and means "expiry unknown".
const MAX_EXP: u64 = 253_402_300_799;

/// The `exp` claim of `token` (`header.payload.signature`, base64url), or
/// `None` when the token is not a JWT, has no numeric `exp`, or claims an
/// absurd one. Never panics, whatever the input.
///
/// ```
/// // {"exp":1700000000}
/// let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJleHAiOjE3MDAwMDAwMDB9.c2ln";
/// let at = authapi_core::jwt_expiry(jwt).unwrap();
/// assert_eq!(at.duration_since(std::time::UNIX_EPOCH).unwrap().as_secs(), 1_700_000_000);
/// assert!(authapi_core::jwt_expiry("not a jwt").is_none());
/// ```
pub fn jwt_expiry(token: &str) -> Option<SystemTime> {
    let mut parts = token.split('.');
    let (_header, payload, _signature) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || payload.is_empty() || payload.len() > MAX_PAYLOAD {
        return None;
    }
    // base64url without padding is the JWT form; padded input is tolerated.
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    #[derive(serde::Deserialize)]
    struct Claims {
        exp: Option<serde_json::Number>,
    }
    let claims: Claims = serde_json::from_slice(&bytes).ok()?;
    let exp = claims.exp?;
    let secs = exp.as_u64().or_else(|| {
        exp.as_f64()
            .filter(|f| f.is_finite() && *f >= 1.0)
            .map(|f| f as u64)
    })?;
    if secs == 0 || secs > MAX_EXP {
        return None;
    }
    SystemTime::UNIX_EPOCH.checked_add(Duration::from_secs(secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jwt(payload: &str) -> String {
        let b = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
        format!("{}.{}.{}", b(r#"{"alg":"HS256"}"#), b(payload), b("sig"))
    }

    fn secs(t: SystemTime) -> u64 {
        t.duration_since(SystemTime::UNIX_EPOCH).unwrap().as_secs()
    }

    #[test]
    fn reads_exp() {
        assert_eq!(
            secs(jwt_expiry(&jwt(r#"{"exp":1700000000}"#)).unwrap()),
            1_700_000_000
        );
        assert_eq!(
            secs(jwt_expiry(&jwt(r#"{"sub":"me","exp":1700000000.5}"#)).unwrap()),
            1_700_000_000
        );
    }

    #[test]
    fn anything_else_is_unknown() {
        for bad in [
            String::new(),
            "abc".into(),
            "a.b".into(),
            "a.b.c.d".into(),
            "a..c".into(),
            "a.!!!.c".into(),
            jwt("not json"),
            jwt(r#"{"sub":"me"}"#),
            jwt(r#"{"exp":"1700000000"}"#),
            jwt(r#"{"exp":0}"#),
            jwt(r#"{"exp":-5}"#),
            jwt(r#"{"exp":1e300}"#),
            jwt(r#"{"exp":18446744073709551615}"#),
            jwt(r#"{"exp":99999999999999999999999}"#),
            jwt(r#"[1,2]"#),
            format!("a.{}.c", "A".repeat(MAX_PAYLOAD + 1)),
        ] {
            assert_eq!(jwt_expiry(&bad), None, "{bad}");
        }
    }
}
