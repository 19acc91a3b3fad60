//! A session record as stored: the token of one security scheme, its
//! expiry, the refresh token, and when it was last refreshed (for the
//! refresh back-off), encoded as JSON and sealed when a key is set.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::{SealingKey, StoreError, StoreErrorKind, Stored};
use crate::credentials::MAX_SECRET_BYTES;
use crate::secret::Secret;

const PLAIN: &str = "authapi-session-v1.plain.";
const SEALED: &str = "authapi-session-v1.sealed.";

/// What a session shares through its store.
#[derive(Clone, Default, PartialEq)]
pub(crate) struct Record {
    /// The security scheme the token is for.
    pub(crate) scheme: String,
    /// `None`: logged out.
    pub(crate) token: Option<Secret>,
    pub(crate) expires_at: Option<SystemTime>,
    pub(crate) refresh_token: Option<Secret>,
    /// When a refresh wrote this record (none for a login or `set_token`).
    pub(crate) refreshed_at: Option<SystemTime>,
}

#[derive(serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Wire {
    scheme: String,
    #[serde(default)]
    token: Option<String>,
    /// Nanoseconds since the Unix epoch (good until 2554): exact, so a
    /// record read back gives the very expiry that was kept.
    #[serde(default)]
    expires_at_ns: Option<u64>,
    #[serde(default)]
    refresh_token: Option<String>,
    #[serde(default)]
    refreshed_at_ns: Option<u64>,
}

fn to_ns(t: Option<SystemTime>) -> Option<u64> {
    let d = t?.duration_since(UNIX_EPOCH).ok()?;
    u64::try_from(d.as_nanos()).ok()
}

fn from_ns(ns: Option<u64>) -> Option<SystemTime> {
    UNIX_EPOCH.checked_add(Duration::from_nanos(ns?))
}

/// The additional data a sealed record is bound to.
fn aad(key: &str, generation: u64) -> Vec<u8> {
    format!("{key}\n{generation}").into_bytes()
}

impl Record {
    pub(crate) fn encode(
        &self,
        key: &str,
        generation: u64,
        sealing: Option<&SealingKey>,
    ) -> Stored {
        let wire = Wire {
            scheme: self.scheme.clone(),
            token: self.token.as_ref().map(|s| s.expose().to_string()),
            expires_at_ns: to_ns(self.expires_at),
            refresh_token: self.refresh_token.as_ref().map(|s| s.expose().to_string()),
            refreshed_at_ns: to_ns(self.refreshed_at),
        };
        // Plain strings and numbers: serializing cannot fail.
        let json = serde_json::to_string(&wire).expect("a record serializes");
        let data = match sealing {
            None => format!("{PLAIN}{json}"),
            Some(k) => format!("{SEALED}{}", k.seal(json.as_bytes(), &aad(key, generation))),
        };
        Stored { generation, data }
    }

    /// The record in `stored`, or why it cannot be used. Never a panic,
    /// and the error never quotes the record.
    pub(crate) fn decode(
        stored: &Stored,
        key: &str,
        sealing: Option<&SealingKey>,
        store: &str,
    ) -> Result<Record, StoreError> {
        let fail = |kind, detail: &str| Err(StoreError::new(store, kind, detail));
        let json = if let Some(json) = stored.data.strip_prefix(PLAIN) {
            if sealing.is_some() {
                return fail(
                    StoreErrorKind::Sealing,
                    "the session record is not sealed, but this client has a sealing key: \
                     refusing a record anyone with access to the store could have written",
                );
            }
            json.as_bytes().to_vec()
        } else if let Some(sealed) = stored.data.strip_prefix(SEALED) {
            let Some(k) = sealing else {
                return fail(
                    StoreErrorKind::Sealing,
                    "the session record is sealed and this client has no sealing key \
                     (Config::sealing_key)",
                );
            };
            match k.open(sealed, &aad(key, stored.generation)) {
                Some(plain) => plain,
                None => {
                    return fail(
                        StoreErrorKind::Sealing,
                        "the session record does not open with this client's sealing key \
                         (another key, or a changed record)",
                    )
                }
            }
        } else {
            return fail(
                StoreErrorKind::Corrupt,
                "the session record is not an authapi session record",
            );
        };
        let Ok(wire) = serde_json::from_slice::<Wire>(&json) else {
            return fail(StoreErrorKind::Corrupt, "the session record is damaged");
        };
        let too_long = |s: &Option<String>| s.as_ref().is_some_and(|s| s.len() > MAX_SECRET_BYTES);
        if too_long(&wire.token) || too_long(&wire.refresh_token) {
            return fail(
                StoreErrorKind::Corrupt,
                "the session record holds a secret over the 16 KiB limit",
            );
        }
        Ok(Record {
            scheme: wire.scheme,
            token: wire.token.map(Secret::from),
            expires_at: from_ns(wire.expires_at_ns),
            refresh_token: wire.refresh_token.map(Secret::from),
            refreshed_at: from_ns(wire.refreshed_at_ns),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Record {
        Record {
            scheme: "oauth2Auth".into(),
            token: Some("tok".into()),
            expires_at: UNIX_EPOCH.checked_add(Duration::from_nanos(1_700_000_000_123_456_789)),
            refresh_token: Some("ref".into()),
            refreshed_at: None,
        }
    }

    /// Plain and sealed records round-trip; a sealed one holds no secret in
    /// the clear (the plain one, its positive control, does); each mismatch
    /// of key, generation or form is a typed error that quotes nothing.
    #[test]
    fn records_round_trip_and_refuse_every_mismatch() {
        let r = sample();
        let plain = r.encode("k", 3, None);
        assert!(plain.data.contains("tok") && plain.data.contains("ref"));
        assert!(Record::decode(&plain, "k", None, "s").unwrap() == r);
        let key = SealingKey::from_bytes([1; 32]);
        let sealed = r.encode("k", 3, Some(&key));
        assert!(!sealed.data.contains("tok") && !sealed.data.contains("ref"));
        assert!(Record::decode(&sealed, "k", Some(&key), "s").unwrap() == r);
        let kind = |s: &Stored, k: &str, key: Option<&SealingKey>| {
            let e = Record::decode(s, k, key, "s").err().expect("refused");
            assert!(!e.to_string().contains("tok"));
            e.kind()
        };
        assert_eq!(kind(&sealed, "k", None), StoreErrorKind::Sealing);
        assert_eq!(kind(&plain, "k", Some(&key)), StoreErrorKind::Sealing);
        let other = SealingKey::from_bytes([2; 32]);
        assert_eq!(kind(&sealed, "k", Some(&other)), StoreErrorKind::Sealing);
        assert_eq!(kind(&sealed, "k2", Some(&key)), StoreErrorKind::Sealing);
        let replayed = Stored {
            generation: 4,
            ..sealed.clone()
        };
        assert_eq!(kind(&replayed, "k", Some(&key)), StoreErrorKind::Sealing);
        for junk in [
            "",
            "{}",
            "authapi-session-v1.plain.{",
            "authapi-session-v1.plain.[]",
        ] {
            let s = Stored {
                generation: 1,
                data: junk.into(),
            };
            assert_eq!(kind(&s, "k", None), StoreErrorKind::Corrupt, "{junk}");
        }
        let mut huge = sample();
        huge.token = Some("t".repeat(MAX_SECRET_BYTES + 1).into());
        assert_eq!(
            kind(&huge.encode("k", 1, None), "k", None),
            StoreErrorKind::Corrupt
        );
    }
}
