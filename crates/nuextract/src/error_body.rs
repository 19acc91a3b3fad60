//! What `Display` shows of a NuExtract error body.

use authapi_core::ErrorBody;

use crate::types::NuExtractError;

impl ErrorBody for NuExtractError {
    /// `code: message` of the JSON `Error`, or the service's plain-text
    /// message of a 400 up to its details: `Invalid value for: body`, not
    /// the decoder's parenthesised account of the input, which can quote
    /// the code or refresh token that was sent.
    fn message(&self) -> Option<String> {
        match self {
            NuExtractError::ErrorBody(e) => Some(format!("{}: {}", e.code, e.message)),
            NuExtractError::String(text) if !text.trim().is_empty() => {
                let head = text.split_once(" (").map_or(text.as_str(), |(h, _)| h);
                Some(head.to_string())
            }
            NuExtractError::String(_) => None,
        }
    }
}
