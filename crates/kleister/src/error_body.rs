//! What `Display` shows of a Kleister error body.

use authapi_core::ErrorBody;

use crate::types::GeneralError;

/// Today's `Notification` and the older `general_error` decode alike.
impl ErrorBody for GeneralError {
    /// `message`, and the names (never the values) of the fields a
    /// validation error lists.
    fn message(&self) -> Option<String> {
        let fields: Vec<&str> = self
            .errors
            .iter()
            .filter_map(|e| e.field.as_deref())
            .collect();
        match (self.message.as_deref(), fields.is_empty()) {
            (Some(m), true) => Some(m.to_string()),
            (Some(m), false) => Some(format!("{m} (fields: {})", fields.join(", "))),
            (None, false) => Some(format!("invalid fields: {}", fields.join(", "))),
            (None, true) => None,
        }
    }
}
