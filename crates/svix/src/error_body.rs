//! How Svix error bodies decode and what `Display` shows of them.

use authapi_core::ErrorBody;
use reqwest::StatusCode;

use crate::types::{HttpErrorOut, HttpValidationError, SvixError};

/// By status, as Svix documents it and its official SDKs decode it: a 422
/// is an `HTTPValidationError`, every other error status an `HttpErrorOut`.
/// A body that fits neither (a proxy's `{"message": ..}`) fails to decode
/// and reaches the caller as `Error::InvalidResponsePayload`.
impl ErrorBody for SvixError {
    fn decode(status: StatusCode, body: &[u8]) -> Result<Self, serde_json::Error> {
        if status == StatusCode::UNPROCESSABLE_ENTITY {
            serde_json::from_slice::<HttpValidationError>(body).map(SvixError::ValidationError)
        } else {
            serde_json::from_slice::<HttpErrorOut>(body).map(SvixError::ErrorOut)
        }
    }

    /// `code: detail`; for a validation error, where and which check failed
    /// (`loc` and `type`), never `msg`, which can quote the rejected value.
    fn message(&self) -> Option<String> {
        match self {
            SvixError::ErrorOut(e) => Some(format!("{}: {}", e.code, e.detail)),
            SvixError::ValidationError(v) => {
                let problems: Vec<String> = v
                    .detail
                    .iter()
                    .map(|d| format!("{} ({})", d.loc.join("."), d.type_))
                    .collect();
                Some(format!("validation failed: {}", problems.join(", ")))
            }
        }
    }
}
