//! What a service's error body type tells the runtime: how it decodes, by
//! status, and which of its fields are the service's own message.

use reqwest::StatusCode;

/// A service's documented error body (`SvixError`, `GeneralError`, ...).
/// Each client crate implements it for its error type.
pub trait ErrorBody: serde::de::DeserializeOwned {
    /// Decodes the body of the error `status`. The default is plain JSON;
    /// a service whose bodies differ by status (Svix: 422 is a validation
    /// error, any other status an `HttpErrorOut`) picks the type by status,
    /// so a body that fits neither fails to decode instead of being guessed.
    fn decode(status: StatusCode, body: &[u8]) -> Result<Self, serde_json::Error> {
        let _ = status;
        serde_json::from_slice(body)
    }

    /// The service's own message, from the fields it documents for that
    /// purpose only (such as Svix `code` and `detail`): never arbitrary body
    /// fields, which may echo rejected input. Shown by `Display`.
    fn message(&self) -> Option<String>;
}

/// The empty body of an error status the spec leaves untyped.
impl ErrorBody for () {
    fn decode(_: StatusCode, _: &[u8]) -> Result<Self, serde_json::Error> {
        Ok(())
    }

    fn message(&self) -> Option<String> {
        None
    }
}

/// The longest message `Display` shows, in characters: a service's message
/// is a sentence, not a document.
const MAX_MESSAGE: usize = 300;

/// `text` made fit for one line of an error message: control characters
/// become spaces, and it is cut at [`MAX_MESSAGE`] characters.
pub fn one_line(text: &str) -> String {
    let mut out: String = text
        .trim()
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(MAX_MESSAGE + 1)
        .collect();
    if out.chars().count() > MAX_MESSAGE {
        out = out.chars().take(MAX_MESSAGE).collect();
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::one_line;

    #[test]
    fn one_line_strips_controls_and_cuts() {
        assert_eq!(one_line(" a\nb\r\tc "), "a b  c");
        let long = "x".repeat(1000);
        let cut = one_line(&long);
        assert_eq!(cut.chars().count(), 301);
        assert!(cut.ends_with('…'));
        assert_eq!(one_line(&"y".repeat(300)), "y".repeat(300));
    }
}
