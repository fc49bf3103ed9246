//! Turning the rows of a session stream (a session joined with its items) into sessions, past
//! any one that cannot be read.

use futures_util::stream::{BoxStream, StreamExt, TryStreamExt};
use limber_core::ItemRecord;

use crate::{Cursor, Error, Result, SessionId, SessionRecord};

/// One row of a session stream, as each backend reads it: the session's columns and one of its
/// items (none for a session without items).
pub(crate) trait SessionRow: Send {
    /// The session's row id: the rows of one session come together.
    fn row_id(&self) -> Result<i64>;
    /// The session, without items.
    fn session(&self) -> Result<SessionRecord>;
    /// The item, if the row has one.
    fn item(&self) -> Result<Option<ItemRecord>>;
    /// The session's id and start as stored, read as loosely as possible: what names a session
    /// that cannot be read.
    fn identity(&self) -> (Option<String>, Option<i64>);
}

/// A session being gathered from its rows, or why it cannot be read.
type Gathering = (i64, Result<SessionRecord>);

/// Where a session stream is.
enum State<'a, R> {
    /// Reading rows, with the session they are gathering.
    Reading(BoxStream<'a, std::result::Result<R, sqlx::Error>>, Option<Gathering>),
    /// The rows could not be read: this is said, then the stream ends.
    Failing(Error),
    /// Over.
    Done,
}

/// Sessions from rows ordered by session, one session (and the next one's first row) in memory
/// at a time. A session a row of which cannot be read comes out as
/// [`Error::UnreadableSession`] in its place, and the stream goes on; a failure to read rows at
/// all ends it, after the sessions read before.
pub(crate) fn sessions_of<'a, R: SessionRow + 'a>(
    rows: BoxStream<'a, std::result::Result<R, sqlx::Error>>,
) -> BoxStream<'a, Result<SessionRecord>> {
    futures_util::stream::unfold(State::Reading(rows, None), |state| async move {
        let (mut rows, mut gathering) = match state {
            State::Reading(rows, gathering) => (rows, gathering),
            State::Failing(e) => return Some((Err(e), State::Done)),
            State::Done => return None,
        };
        loop {
            let failed = |e: Error, gathering: Option<Gathering>| match gathering {
                Some((_, done)) => Some((done, State::Failing(e))),
                None => Some((Err(e), State::Done)),
            };
            let row = match rows.try_next().await {
                Ok(Some(row)) => row,
                // The last session, then the end.
                Ok(None) => return gathering.map(|(_, done)| (done, State::Done)),
                Err(e) => return failed(Error::from(e), gathering),
            };
            let id = match row.row_id() {
                Ok(id) => id,
                Err(e) => return failed(e, gathering),
            };
            match &mut gathering {
                Some((current, session)) if *current == id => {
                    if let Ok(record) = session {
                        match row.item() {
                            Ok(item) => record.items.extend(item),
                            Err(e) => *session = Err(unreadable(&row, e)),
                        }
                    }
                }
                _ => {
                    let first = row
                        .session()
                        .and_then(|mut record| {
                            record.items.extend(row.item()?);
                            Ok(record)
                        })
                        .map_err(|e| unreadable(&row, e));
                    if let Some((_, done)) = gathering.replace((id, first)) {
                        return Some((done, State::Reading(rows, gathering)));
                    }
                }
            }
        }
    })
    .boxed()
}

fn unreadable<R: SessionRow>(row: &R, reason: Error) -> Error {
    let (id, started_at_ms) = row.identity();
    let cursor = match (id.as_deref().map(str::parse::<SessionId>), started_at_ms) {
        (Some(Ok(id)), Some(started_at_ms)) => Some(Cursor { started_at_ms, id }),
        _ => None,
    };
    Error::UnreadableSession {
        id: id.unwrap_or_else(|| "with no readable id".to_owned()),
        cursor,
        reason: Box::new(reason),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Row {
        id: i64,
        uuid: &'static str,
        item: Option<&'static str>,
    }

    impl SessionRow for Row {
        fn row_id(&self) -> Result<i64> {
            Ok(self.id)
        }
        fn session(&self) -> Result<SessionRecord> {
            let id =
                self.uuid.parse().map_err(|_| Error::Decode { what: "session id", detail: self.uuid.to_owned() })?;
            Ok(SessionRecord {
                id,
                routine: "desk".to_owned(),
                started_at_ms: self.id,
                ended_at_ms: self.id,
                stopped: None,
                warmed_up: true,
                active_ms: 0,
                pain_before: None,
                pain_after: None,
                flagged: None,
                items: Vec::new(),
                preview: false,
            })
        }
        fn item(&self) -> Result<Option<ItemRecord>> {
            match self.item {
                None => Ok(None),
                Some("bad") => Err(Error::Decode { what: "sides done", detail: "expected value".to_owned() }),
                Some(stretch) => Ok(Some(ItemRecord {
                    stretch: limber_core::StretchId::from(stretch),
                    instead_of: None,
                    seconds: 30,
                    holds_done: 1,
                    sides_done: Vec::new(),
                    holds_planned: 1,
                    active: std::time::Duration::ZERO,
                    comfort: None,
                    discomfort: false,
                    max_pain: None,
                    status: limber_core::ItemStatus::Done,
                })),
            }
        }
        fn identity(&self) -> (Option<String>, Option<i64>) {
            (Some(self.uuid.to_owned()), Some(self.id))
        }
    }

    const A: &str = "00000000-0000-4000-8000-00000000000a";
    const B: &str = "00000000-0000-4000-8000-00000000000b";
    const C: &str = "00000000-0000-4000-8000-00000000000c";

    /// What the stream gives for `rows`: each session as its id and items, or `unreadable ID`.
    async fn read(rows: Vec<std::result::Result<Row, sqlx::Error>>) -> Vec<String> {
        let stream = sessions_of(futures_util::stream::iter(rows).boxed());
        stream
            .collect::<Vec<_>>()
            .await
            .into_iter()
            .map(|r| match r {
                Ok(s) => format!(
                    "{} [{}]",
                    &s.id.to_string()[35..],
                    s.items.iter().map(|i| i.stretch.as_str()).collect::<Vec<_>>().join(" ")
                ),
                Err(Error::UnreadableSession { id, cursor, .. }) => {
                    format!(
                        "unreadable {}{}",
                        &id[id.len().saturating_sub(1)..],
                        if cursor.is_some() { "" } else { " (no cursor)" }
                    )
                }
                Err(e) => format!("error {e}"),
            })
            .collect()
    }

    fn row(id: i64, uuid: &'static str, item: Option<&'static str>) -> std::result::Result<Row, sqlx::Error> {
        Ok(Row { id, uuid, item })
    }

    #[tokio::test]
    async fn rows_are_gathered_into_sessions_in_order() {
        let rows = vec![row(1, A, Some("x")), row(1, A, Some("y")), row(2, B, None), row(3, C, Some("z"))];
        assert_eq!(read(rows).await, ["a [x y]", "b []", "c [z]"]);
        assert!(read(vec![]).await.is_empty());
    }

    #[tokio::test]
    async fn a_session_that_cannot_be_read_is_named_in_its_place_and_the_rest_still_come() {
        // A bad item in the middle of a session, a bad first item, and a bad session id.
        let rows = vec![
            row(1, A, Some("x")),
            row(1, A, Some("bad")),
            row(1, A, Some("y")),
            row(2, B, Some("bad")),
            row(3, "not-an-id", Some("x")),
            row(4, C, Some("z")),
        ];
        assert_eq!(read(rows).await, ["unreadable a", "unreadable b", "unreadable d (no cursor)", "c [z]"]);
    }

    #[tokio::test]
    async fn a_failure_to_read_rows_ends_the_stream_after_what_came_before() {
        let rows = vec![row(1, A, Some("x")), Err(sqlx::Error::RowNotFound), row(2, B, None)];
        let read = read(rows).await;
        assert_eq!(read.len(), 2, "{read:?}");
        assert_eq!(read[0], "a [x]", "the session read before comes out first");
        assert!(read[1].starts_with("error "), "{read:?}");
    }
}
