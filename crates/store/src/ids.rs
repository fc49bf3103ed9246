//! Typed ids: whose data it is ([`UserId`]) and which session ([`SessionId`]).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A person known to the store. The CLI and the TUI use the single local user
/// ([`Store::local_user`](crate::Store::local_user)); a server has one per account.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct UserId(pub i64);

impl fmt::Display for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// The unique id of a session, so that importing the same session twice adds it once.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SessionId(pub uuid::Uuid);

impl SessionId {
    /// A new random id.
    #[expect(clippy::new_without_default, reason = "a random id is not a default value")]
    pub fn new() -> SessionId {
        SessionId(uuid::Uuid::new_v4())
    }
}

impl fmt::Display for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.hyphenated().fmt(f)
    }
}

impl FromStr for SessionId {
    type Err = uuid::Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        uuid::Uuid::from_str(s).map(SessionId)
    }
}

impl From<uuid::Uuid> for SessionId {
    fn from(id: uuid::Uuid) -> Self {
        SessionId(id)
    }
}
