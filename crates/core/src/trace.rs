//! One `tracing` span per call. Fields hold names, the path template,
//! status, attempt and duration: never a header value, a body, or a path
//! value (which may be a secret).

use tracing::field::Empty;

use crate::credentials::{AuthTable, Operation};

/// The span of one call of `op`; disabled when the caller turned tracing
/// off or no subscriber wants it.
pub(crate) fn call_span(
    on: bool,
    table: &AuthTable,
    op: Option<&Operation>,
    id: &str,
) -> tracing::Span {
    if !on {
        return tracing::Span::none();
    }
    tracing::info_span!(
        "authapi.call",
        service = table.service,
        operation = id,
        method = op.map_or("", |o| o.method),
        path = op.map_or("", |o| o.path),
        status = Empty,
        attempt = Empty,
        duration_ms = Empty,
    )
}
