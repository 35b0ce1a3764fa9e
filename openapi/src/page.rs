//! Cursor pagination.
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// One page of a list. Follow `next_cursor` (pass it as `cursor`) until it is
/// `null`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Opaque; `null` on the last page.
    pub next_cursor: Option<String>,
}
