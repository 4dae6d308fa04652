//! [`Secret`]: a value that must never be printed (tokens, keys, passwords), shared by every
//! layer. It has its own module because every layer holds secrets: in the Kong client it sat
//! beside the HTTP code and made the entities and the client import each other.
//!
//! Not the `secrecy` crate: its `SecretString` can only be serialised through a marker trait
//! that cannot be implemented for `String` outside that crate, and it cannot be compared, while
//! the provider must send secrets to Kong as plain JSON strings and compare what it wrote.

use std::fmt;

/// A value that must never be printed: tokens, keys, passwords. It serialises as the plain
/// string (it has to reach Kong), but its `Debug` output is redacted.
#[derive(Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret itself, for the one place that must send it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_is_redacted_and_serde_is_the_plain_string() {
        let secret = Secret::new("hunter2");
        assert_eq!(format!("{secret:?}"), "Secret(<redacted>)");
        assert_eq!(
            serde_json::to_value(&secret).expect("json"),
            serde_json::json!("hunter2")
        );
        let read: Secret = serde_json::from_str("\"s3cret\"").expect("a string");
        assert_eq!(read.expose(), "s3cret");
    }
}
