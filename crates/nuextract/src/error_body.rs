//! What `Display` shows of a NuExtract error body.

use authapi_core::ErrorBody;

use crate::types::NuExtractError;

impl ErrorBody for NuExtractError {
    /// `code: message` of the JSON `Error`, or the service's plain-text
    /// message of a 400 (such as `Invalid value for: body`).
    fn message(&self) -> Option<String> {
        match self {
            NuExtractError::ErrorBody(e) => Some(format!("{}: {}", e.code, e.message)),
            NuExtractError::String(text) if !text.trim().is_empty() => Some(text.clone()),
            NuExtractError::String(_) => None,
        }
    }
}
