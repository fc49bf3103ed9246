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

/// The person making the request, from `Authorization: Bearer TOKEN` (or, on an event stream
/// only, `?access_token=`, which `EventSource` needs), or the local user on an open server.
#[derive(Clone, Copy, Debug)]
pub struct Caller(pub UserId);

/// What a request presents to say who it is.
enum Presented {
    /// Neither an `Authorization` header nor `?access_token=`.
    Nothing,
    /// A bearer token, from the header or the query.
    Token(String),
    /// An `Authorization` header that is not `Bearer TOKEN` (another scheme, no token, bytes
    /// that are not text): refused, never taken for the local user on an open server.
    Malformed,
    /// `?access_token=` on a route other than an event stream: refused. A token in a URL ends
    /// up in proxies' logs and the browser's history; only `EventSource` cannot send a header.
    InUrl,
}

/// What a request presents, from `Authorization: Bearer TOKEN` or, on an event stream,
/// `?access_token=`; the header wins when both are sent.
fn presented(parts: &Parts) -> Presented {
    if let Some(header) = parts.headers.get(axum::http::header::AUTHORIZATION) {
        // The scheme is case-insensitive (RFC 9110 §11.1).
        return match header.to_str().ok().and_then(|h| h.trim().split_once(' ')) {
            Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() => {
                Presented::Token(token.trim().to_owned())
            }
            _ => Presented::Malformed,
        };
    }
    let query = parts.uri.query().and_then(|q| q.split('&').find_map(|pair| pair.strip_prefix("access_token=")));
    match query {
        None => Presented::Nothing,
        Some(_) if !parts.uri.path().ends_with("/events") => Presented::InUrl,
        Some("") => Presented::Malformed,
        Some(token) => Presented::Token(token.to_owned()),
    }
}

/// The hash of the token a request was let in with, if any: a long-lived response (an event
/// stream) checks it again now and then, and ends once the token is rotated or its person
/// removed.
#[derive(Clone, Debug)]
pub struct TokenHash(pub Option<String>);

impl FromRequestParts<Arc<AppState>> for TokenHash {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &Arc<AppState>) -> Result<TokenHash, Self::Rejection> {
        Ok(TokenHash(match presented(parts) {
            Presented::Token(token) => Some(hash_token(&token)),
            Presented::Nothing | Presented::Malformed | Presented::InUrl => None,
        }))
    }
}

impl FromRequestParts<Arc<AppState>> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &Arc<AppState>) -> Result<Caller, ApiError> {
        let unauthorized = |m: &str| ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", m);
        match presented(parts) {
            Presented::Token(token) => match state.app.store().user_by_token_hash(&hash_token(&token)).await? {
                Some(user) => Ok(Caller(user)),
                None => Err(unauthorized(
                    "that token is not valid: it may have been replaced by a new one (`limber-server user rotate NAME`)",
                )),
            },
            Presented::Malformed => Err(unauthorized("the Authorization header must be `Bearer TOKEN`")),
            Presented::InUrl => Err(unauthorized(
                "send the token as `Authorization: Bearer TOKEN`; only event streams take `?access_token=`",
            )),
            Presented::Nothing => match state.access {
                Access::Open { local } => {
                    from_this_machine(parts)?;
                    Ok(Caller(local))
                }
                Access::Tokens => {
                    Err(unauthorized("send `Authorization: Bearer TOKEN`; `limber-server user add NAME` makes one"))
                }
            },
        }
    }
}

/// On an open server a request without a token acts as the local user, so it must come from
/// this machine's own page or a program on it, never from a web site the person happens to
/// visit: its `Host` must be a loopback name (a DNS-rebinding page's is its own name), and a
/// browser's `Origin` must be this server's, its `Sec-Fetch-Site` not another site.
fn from_this_machine(parts: &Parts) -> Result<(), ApiError> {
    let forbidden = |m: &str| ApiError::new(StatusCode::FORBIDDEN, "cross-site", m);
    // The fields read, in one pass over the few a request has (the first of each name, as
    // `HeaderMap::get` gives it), rather than a lookup for each name asked about.
    let (mut host, mut origin, mut fetch_site) = (None, None, None);
    for (name, value) in &parts.headers {
        let value = || value.to_str().unwrap_or("\u{0}");
        match name.as_str() {
            // A reverse proxy on this machine calls as localhost (nginx's default `Host` is the
            // upstream's own), but for someone elsewhere: what it adds says so.
            "forwarded" | "x-forwarded-for" | "x-forwarded-host" | "x-real-ip" | "via" => {
                return Err(forbidden(
                    "a request through a proxy needs a token: give each person one with `limber-server user add NAME`",
                ));
            }
            "host" => host = host.or_else(|| Some(value())),
            "origin" => origin = origin.or_else(|| Some(value())),
            "sec-fetch-site" => fetch_site = fetch_site.or_else(|| Some(value())),
            _ => {}
        }
    }
    let host = host.or_else(|| parts.uri.authority().map(axum::http::uri::Authority::as_str));
    if !host.is_some_and(is_loopback) {
        return Err(forbidden(
            "this server acts for its local user only when called as localhost; send a token from another name",
        ));
    }
    let same_origin = |origin: &str| {
        host.is_some_and(|host| {
            origin.strip_prefix("http://").or_else(|| origin.strip_prefix("https://")) == Some(host)
        })
    };
    if origin.is_some_and(|o| !same_origin(o)) || fetch_site == Some("cross-site") {
        return Err(forbidden("a request from another web site needs a token"));
    }
    Ok(())
}

/// Whether `host` (a `Host` header: a name or address, with or without a port) names this
/// machine's loopback interface.
fn is_loopback(host: &str) -> bool {
    let name = match host.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(""),
        None => {
            host.rsplit_once(':').map_or(host, |(name, port)| if port.parse::<u16>().is_ok() { name } else { host })
        }
    };
    const LOCALHOST: &[u8] = b".localhost";
    let name_bytes = name.as_bytes();
    name.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
        || name.eq_ignore_ascii_case("localhost")
        || name_bytes.len() >= LOCALHOST.len()
            && name_bytes[name_bytes.len() - LOCALHOST.len()..].eq_ignore_ascii_case(LOCALHOST)
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

    #[test]
    fn a_local_call_is_told_from_one_through_a_proxy_or_from_another_site() {
        let parts = |headers: &[(&str, &str)]| {
            let mut request = axum::http::Request::builder().uri("/api/v1/history");
            for (name, value) in headers {
                request = request.header(*name, *value);
            }
            request.body(()).unwrap().into_parts().0
        };
        let local = [("host", "127.0.0.1:8080")];
        assert!(from_this_machine(&parts(&local)).is_ok());
        assert!(from_this_machine(&parts(&[("host", "x.LOCALHOST"), ("origin", "http://x.LOCALHOST")])).is_ok());
        for proxy in ["forwarded", "x-forwarded-for", "x-forwarded-host", "x-real-ip", "via"] {
            let said = from_this_machine(&parts(&[local[0], (proxy, "203.0.113.9")]));
            assert!(said.is_err_and(|e| e.code == "cross-site"), "{proxy}");
        }
        for other in [[local[0], ("origin", "https://evil.example")], [local[0], ("sec-fetch-site", "cross-site")]] {
            assert!(from_this_machine(&parts(&other)).is_err(), "{other:?}");
        }
        // The first field of a name counts, as `HeaderMap::get` reads it.
        let twice = [("host", "evil.example"), ("host", "127.0.0.1:8080")];
        assert!(from_this_machine(&parts(&twice)).is_err());
    }

    #[test]
    fn loopback_hosts_are_told_apart_from_other_names() {
        for host in
            ["127.0.0.1:8080", "127.0.0.1", "localhost:1", "LocalHost", "app.localhost:9", "[::1]:80", "127.1.2.3"]
        {
            assert!(is_loopback(host), "{host}");
        }
        for host in ["evil.example:8080", "evil.example", "192.168.1.2:80", "[2001:db8::1]:80", "localhost.evil:80", ""]
        {
            assert!(!is_loopback(host), "{host}");
        }
    }
}
