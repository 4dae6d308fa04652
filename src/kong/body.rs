//! Reading an Admin API answer without trusting its size: the body is read as it arrives and
//! reading stops at [`MAX_ANSWER_BYTES`], so a Kong (or a proxy) that answers a gigabyte costs
//! the provider that much memory at most.
//!
//! The cap, 32 MiB, is far above any real answer:
//! - one entity: Kong's Admin API takes request bodies up to `nginx_admin_client_max_body_size`,
//!   10 MiB by default (kong/templates/kong_defaults.lua, Kong 3.9), and answers with what it
//!   stored;
//! - one page of 1000 (the provider always asks for Kong's largest page): the provider lists
//!   services, routes, plugins and SNIs. A route or service is well under 1 KiB, an SNI a few
//!   hundred bytes; the largest plugin the sandbox's copies of Kong 3.9's schemas make with
//!   every default is statsd's, under 3 KiB. A page of 1000 of them is under 3 MiB: the cap
//!   leaves each entity of a full page 32 KiB.
//!
//! Terraform runs ten operations at a time by default, so a hostile Kong can make the provider
//! hold some 320 MiB of answers at most.

use reqwest::Response;

use super::error::KongError;

/// The most one Admin API answer may be.
pub const MAX_ANSWER_BYTES: usize = 32 * 1024 * 1024;

/// Why an answer could not be read.
#[derive(Debug)]
pub enum ReadError {
    /// The connection failed while reading.
    Transport(reqwest::Error),
    /// The answer is larger than the limit; `declared` when Kong said so in `Content-Length`
    /// (nothing was read), else reading stopped at the limit.
    TooLarge {
        /// What Content-Length announced, if it did.
        declared: Option<u64>,
    },
}

/// Reads the whole body of `response`, at most `limit` bytes: a `Content-Length` above it is
/// refused before reading, and a body without one is read until it ends or passes the limit.
pub async fn read_capped(mut response: Response, limit: usize) -> Result<Vec<u8>, ReadError> {
    if let Some(declared) = response.content_length() {
        if declared > limit as u64 {
            return Err(ReadError::TooLarge {
                declared: Some(declared),
            });
        }
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(ReadError::Transport)? {
        if body.len() + chunk.len() > limit {
            return Err(ReadError::TooLarge { declared: None });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// The error of an answer over the limit.
pub fn too_large(method: &str, path: &str, limit: usize, declared: Option<u64>) -> KongError {
    KongError::TooLarge {
        method: method.to_string(),
        path: path.to_string(),
        limit: limit as u64,
        declared,
    }
}
