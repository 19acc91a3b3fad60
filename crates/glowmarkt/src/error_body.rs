//! What `Display` shows of a Glowmarkt error body.

use authapi_core::ErrorBody;

use crate::types::GlowmarktError;

impl ErrorBody for GlowmarktError {
    /// `error` (a string, or an object's `message`), the names of missing
    /// inputs, and `valid: false`.
    fn message(&self) -> Option<String> {
        let mut parts = Vec::new();
        match &self.error {
            Some(serde_json::Value::String(s)) => parts.push(s.clone()),
            Some(serde_json::Value::Object(o)) => {
                if let Some(serde_json::Value::String(m)) = o.get("message") {
                    parts.push(m.clone());
                }
            }
            _ => {}
        }
        if !self.missing_elements.is_empty() {
            parts.push(format!("missing: {}", self.missing_elements.join(", ")));
        }
        if self.valid == Some(false) {
            parts.push("valid: false".into());
        }
        (!parts.is_empty()).then(|| parts.join("; "))
    }
}
