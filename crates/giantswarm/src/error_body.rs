//! What `Display` shows of a Giant Swarm error body.

use authapi_core::ErrorBody;

use crate::types::V4GenericResponse;

impl ErrorBody for V4GenericResponse {
    /// `code: message`, or whichever of the two is there.
    fn message(&self) -> Option<String> {
        match (self.code.as_deref(), self.message.as_deref()) {
            (Some(c), Some(m)) => Some(format!("{c}: {m}")),
            (Some(one), None) | (None, Some(one)) => Some(one.to_string()),
            (None, None) => None,
        }
    }
}
