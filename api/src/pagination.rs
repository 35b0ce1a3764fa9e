//! Cursor pagination and `updated_since` for syncing apps.
//!
//! Without `updated_since`, a list runs in id order (UUIDv7 ids sort by
//! creation). With it, the list runs in `(updated_at, id)` order from that
//! instant on, and includes soft-deleted rows, so an app that syncs learns
//! about deletions too; it keeps the largest `updated_at` it saw and passes it
//! next time (rows updated at exactly that instant come again: dedupe by id).
//! The cursor is opaque: base64 of the last row's key.
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Select};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::{ApiError, ApiResult};

pub const DEFAULT_LIMIT: u64 = 50;
pub const MAX_LIMIT: u64 = 200;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
enum Cursor {
    Updated { u: DateTime<Utc>, i: Uuid },
    Id { i: Uuid },
}

#[derive(Debug, Clone)]
pub struct PageRequest {
    pub limit: u64,
    pub updated_since: Option<DateTime<Utc>>,
    after: Option<Cursor>,
}

impl PageRequest {
    pub fn new(
        cursor: Option<&str>,
        limit: Option<u64>,
        updated_since: Option<DateTime<Utc>>,
    ) -> ApiResult<PageRequest> {
        let limit = limit.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(ApiError::field(
                "limit",
                "out_of_range",
                format!("limit must be between 1 and {MAX_LIMIT}."),
            ));
        }
        let after = cursor.map(decode).transpose()?;
        let consistent = matches!(
            (&after, updated_since),
            (None, _) | (Some(Cursor::Updated { .. }), Some(_)) | (Some(Cursor::Id { .. }), None)
        );
        if !consistent {
            return Err(ApiError::field(
                "cursor",
                "invalid",
                "This cursor belongs to a list with different parameters.",
            ));
        }
        Ok(PageRequest {
            limit,
            updated_since,
            after,
        })
    }

    /// Whether soft-deleted rows belong in the list (sync mode).
    pub fn includes_deleted(&self) -> bool {
        self.updated_since.is_some()
    }

    /// Adds the order, the position after the cursor, and `limit + 1` (the
    /// extra row tells whether there is a next page).
    pub fn apply<E: EntityTrait>(
        &self,
        select: Select<E>,
        id: E::Column,
        updated_at: E::Column,
    ) -> Select<E> {
        let mut select = select;
        if let Some(since) = self.updated_since {
            select = select
                .filter(updated_at.gte(since))
                .order_by_asc(updated_at)
                .order_by_asc(id);
        } else {
            select = select.order_by_asc(id);
        }
        select = match &self.after {
            Some(Cursor::Updated { u, i }) => select.filter(
                Condition::any()
                    .add(updated_at.gt(*u))
                    .add(Condition::all().add(updated_at.eq(*u)).add(id.gt(*i))),
            ),
            Some(Cursor::Id { i }) => select.filter(id.gt(*i)),
            None => select,
        };
        select.limit(self.limit + 1)
    }

    /// Cuts the extra row and makes the next cursor from the last row kept.
    pub fn finish<M>(
        &self,
        mut rows: Vec<M>,
        key: impl Fn(&M) -> (DateTime<Utc>, Uuid),
    ) -> (Vec<M>, Option<String>) {
        let more = rows.len() as u64 > self.limit;
        rows.truncate(self.limit as usize);
        let next = match rows.last() {
            Some(last) if more => {
                let (u, i) = key(last);
                Some(encode(&if self.updated_since.is_some() {
                    Cursor::Updated { u, i }
                } else {
                    Cursor::Id { i }
                }))
            }
            _ => None,
        };
        (rows, next)
    }
}

fn encode(cursor: &Cursor) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(cursor).expect("a cursor serialises"))
}

fn decode(text: &str) -> ApiResult<Cursor> {
    URL_SAFE_NO_PAD
        .decode(text)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .ok_or_else(|| {
            ApiError::field(
                "cursor",
                "invalid",
                "This cursor is not valid; start the list again without it.",
            )
        })
}

/// Cursor of a list ordered by a text key (regions).
pub fn text_cursor(key: &str) -> String {
    URL_SAFE_NO_PAD.encode(key.as_bytes())
}

pub fn decode_text_cursor(text: &str) -> ApiResult<String> {
    URL_SAFE_NO_PAD
        .decode(text)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .ok_or_else(|| {
            ApiError::field(
                "cursor",
                "invalid",
                "This cursor is not valid; start the list again without it.",
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_are_bounded() {
        assert!(PageRequest::new(None, Some(0), None).is_err());
        assert!(PageRequest::new(None, Some(MAX_LIMIT + 1), None).is_err());
        assert_eq!(
            PageRequest::new(None, None, None).unwrap().limit,
            DEFAULT_LIMIT
        );
    }

    #[test]
    fn the_next_cursor_appears_only_when_there_is_more() {
        let page = PageRequest::new(None, Some(2), None).unwrap();
        let ids: Vec<Uuid> = (0..3).map(|_| Uuid::now_v7()).collect();
        let now = Utc::now();
        let (rows, next) = page.finish(ids.clone(), |id| (now, *id));
        assert_eq!(rows.len(), 2);
        let next = next.unwrap();
        let page2 = PageRequest::new(Some(&next), Some(2), None).unwrap();
        assert_eq!(page2.after, Some(Cursor::Id { i: ids[1] }));
        let (_, none) = page.finish(ids[..2].to_vec(), |id| (now, *id));
        assert!(none.is_none());
    }

    #[test]
    fn cursors_must_match_the_mode_and_be_well_formed() {
        let now = Utc::now();
        let sync = PageRequest::new(None, Some(1), Some(now)).unwrap();
        let (_, next) = sync.finish(vec![Uuid::now_v7(), Uuid::now_v7()], |id| (now, *id));
        let next = next.unwrap();
        assert!(PageRequest::new(Some(&next), None, Some(now)).is_ok());
        assert!(PageRequest::new(Some(&next), None, None).is_err());
        assert!(PageRequest::new(Some("garbage!"), None, None).is_err());
        assert_eq!(decode_text_cursor(&text_cursor("51.08")).unwrap(), "51.08");
    }
}
