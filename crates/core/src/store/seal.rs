//! Records sealed at rest: ChaCha20-Poly1305 from `ring` (already built
//! for rustls), under a key the caller supplies. Whoever reads the file or
//! the Redis key without it learns no token; a changed or swapped record
//! fails to open.

use std::fmt;

use base64::Engine as _;
use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, CHACHA20_POLY1305, NONCE_LEN};

use crate::config_error::ConfigError;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// A 256-bit key that seals session records at rest (`Config::sealing_key`).
/// Give every process of a fleet the same key, from your secrets manager.
/// `Debug` never shows it.
#[derive(Clone)]
pub struct SealingKey(Box<[u8; 32]>);

impl fmt::Debug for SealingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SealingKey(<redacted>)")
    }
}

impl SealingKey {
    /// A key from 32 bytes.
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        SealingKey(Box::new(bytes))
    }

    /// A key from its base64 text (standard or URL-safe alphabet, padded
    /// or not), as [`SealingKey::to_base64`] writes it. The error never
    /// repeats the text.
    pub fn from_base64(text: &str) -> Result<Self, ConfigError> {
        let text = text.trim().trim_end_matches('=');
        let bytes = B64
            .decode(text.replace('+', "-").replace('/', "_"))
            .map_err(|_| ConfigError::InvalidSealingKey)?;
        let bytes: [u8; 32] = bytes
            .try_into()
            .map_err(|_| ConfigError::InvalidSealingKey)?;
        Ok(Self::from_bytes(bytes))
    }

    /// A new random key, from the operating system's generator.
    pub fn generate() -> Self {
        let mut bytes = [0u8; 32];
        // The OS generator failing is not something a caller can fix.
        getrandom::getrandom(&mut bytes).expect("the operating system's random source failed");
        Self::from_bytes(bytes)
    }

    /// The key as URL-safe base64, to keep in a secrets manager.
    pub fn to_base64(&self) -> String {
        B64.encode(self.0.as_slice())
    }

    fn key(&self) -> LessSafeKey {
        // 32 bytes is ChaCha20-Poly1305's key length: this cannot fail.
        LessSafeKey::new(
            UnboundKey::new(&CHACHA20_POLY1305, self.0.as_slice()).expect("32-byte key"),
        )
    }

    /// `plain` sealed, bound to `aad` (the record's key and generation, so
    /// a sealed record cannot be replayed under another key or generation):
    /// base64 of nonce, ciphertext and tag.
    pub(crate) fn seal(&self, plain: &[u8], aad: &[u8]) -> String {
        let mut nonce = [0u8; NONCE_LEN];
        getrandom::getrandom(&mut nonce).expect("the operating system's random source failed");
        let mut out = plain.to_vec();
        self.key()
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(aad),
                &mut out,
            )
            .expect("a record is far below ChaCha20-Poly1305's length limit");
        let mut all = nonce.to_vec();
        all.extend_from_slice(&out);
        B64.encode(all)
    }

    /// The plain text of what [`SealingKey::seal`] made with this key and
    /// `aad`; `None` for anything else.
    pub(crate) fn open(&self, sealed: &str, aad: &[u8]) -> Option<Vec<u8>> {
        let all = B64.decode(sealed).ok()?;
        if all.len() < NONCE_LEN {
            return None;
        }
        let (nonce, body) = all.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).ok()?;
        let mut body = body.to_vec();
        let plain = self
            .key()
            .open_in_place(nonce, Aad::from(aad), &mut body)
            .ok()?;
        Some(plain.to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::SealingKey;

    /// Sealed text opens with its key and aad only, and holds no trace of
    /// the plain text; a flipped byte fails to open (the tag).
    #[test]
    fn sealed_records_open_only_with_their_key_and_aad() {
        let k = SealingKey::from_bytes([7; 32]);
        let sealed = k.seal(b"tok-123", b"key\n1");
        assert!(!sealed.contains("tok-123"));
        assert_eq!(k.open(&sealed, b"key\n1").as_deref(), Some(&b"tok-123"[..]));
        assert_eq!(k.open(&sealed, b"key\n2"), None, "another generation");
        assert_eq!(
            SealingKey::from_bytes([8; 32]).open(&sealed, b"key\n1"),
            None
        );
        let mut bytes = sealed.into_bytes();
        let last = bytes.len() - 1;
        bytes[last] = if bytes[last] == b'A' { b'B' } else { b'A' };
        assert_eq!(
            k.open(std::str::from_utf8(&bytes).unwrap(), b"key\n1"),
            None
        );
        // Two seals of one text differ (fresh nonces).
        assert_ne!(k.seal(b"x", b"a"), k.seal(b"x", b"a"));
    }

    #[test]
    fn keys_round_trip_through_base64_and_never_print() {
        let k = SealingKey::generate();
        let text = k.to_base64();
        let back = SealingKey::from_base64(&text).unwrap();
        assert_eq!(back.0, k.0);
        assert!(!format!("{k:?}").contains(&text));
        let e = SealingKey::from_base64("c2hvcnQ").unwrap_err().to_string();
        assert!(!e.contains("c2hvcnQ"), "{e}");
    }
}
