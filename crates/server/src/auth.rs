//! Bearer tokens: made from 32 random bytes, stored only as a SHA-256 hash, checked per request.

use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::request::Parts;
use limber_app::store::UserId;
use sha2::{Digest, Sha256};

use std::sync::Arc;

use crate::AppState;
use crate::error::ApiError;

/// Who may call the API.
#[derive(Clone, Copy, Debug)]
pub enum Access {
    /// Loopback, one person: calls without a token act as the local user (a valid token still
    /// names its own user).
    Open {
        /// The local user.
        local: UserId,
    },
    /// Every personal route needs a bearer token.
    Tokens,
}

/// Why a token could not be made.
#[derive(Debug, thiserror::Error)]
#[error("the system's random number generator failed: {0}")]
pub struct RandomError(getrandom::Error);

/// A new token: `lmb_` and 64 hex digits (256 random bits).
pub fn new_token() -> Result<String, RandomError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(RandomError)?;
    Ok(format!("lmb_{}", hex(&bytes)))
}

/// The hash stored for `token`: lowercase hex SHA-256.
pub fn hash_token(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// The person making the request, from `Authorization: Bearer TOKEN` (or `?access_token=`,
/// which `EventSource` needs), or the local user on an open server.
#[derive(Clone, Copy, Debug)]
pub struct Caller(pub UserId);

impl FromRequestParts<Arc<AppState>> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &Arc<AppState>) -> Result<Caller, ApiError> {
        let header = parts.headers.get(axum::http::header::AUTHORIZATION).and_then(|v| v.to_str().ok());
        // The scheme is case-insensitive (RFC 9110 §11.1).
        let from_header = header.map(|h| match h.trim().split_once(' ') {
            Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => token.trim().to_owned(),
            _ => String::new(),
        });
        let from_query = parts
            .uri
            .query()
            .and_then(|q| q.split('&').find_map(|pair| pair.strip_prefix("access_token=")).map(str::to_owned));
        let unauthorized = |m: &str| ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", m);
        match from_header.or(from_query) {
            Some(token) if !token.is_empty() => {
                match state.app.store().user_by_token_hash(&hash_token(&token)).await? {
                    Some(user) => Ok(Caller(user)),
                    None => Err(unauthorized("that token is not valid (it may have been rotated)")),
                }
            }
            _ => match state.access {
                Access::Open { local } => Ok(Caller(local)),
                Access::Tokens => {
                    Err(unauthorized("send `Authorization: Bearer TOKEN`; `limber-server user add NAME` makes one"))
                }
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_hashes_are_sha256_hex() {
        let (a, b) = (new_token().unwrap(), new_token().unwrap());
        assert_ne!(a, b);
        assert!(a.starts_with("lmb_") && a.len() == 4 + 64, "{a}");
        assert_eq!(hash_token("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }
}
