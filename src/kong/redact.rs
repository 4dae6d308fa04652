//! What of an Admin API body may be written to a log: the JSON with every secret replaced.
//!
//! Kong's bodies carry secrets in a few well-known places (a certificate's `key`, a basic-auth
//! `password`, a JWT credential's `secret`, plugin settings such as `client_secret` or
//! `redis_password`). Redaction goes by field name, and also catches any string that holds a
//! PEM private key whatever its field, so a new entity type is covered before anyone thinks of it.

use serde_json::Value as Json;

/// What replaces a secret value.
pub const REDACTED: &str = "<redacted>";

/// The longest body text logged; the rest is cut (the size is still logged).
const MAX_LOGGED: usize = 4096;

/// A URL as it may be shown: any userinfo (`user:password@`) before the host replaced by
/// [`REDACTED`]. Works on text that is not a valid URL too (an invalid configuration is echoed in
/// its error): the authority is whatever follows `scheme://` up to the first `/`, `?` or `#`,
/// and the userinfo is what precedes its last `@`. Without `://`, the text is taken as starting
/// with the authority (`admin:pw@kong:8001`, which the URL parser reads as a scheme and a path).
pub fn url(text: &str) -> String {
    let (scheme, rest) = match text.find("://") {
        Some(at) => text.split_at(at + 3),
        None => ("", text),
    };
    let authority_len = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_len].rfind('@') {
        Some(at) => format!("{scheme}{REDACTED}{}", &rest[at..]),
        None => text.to_string(),
    }
}

/// True for a field name whose value is treated as a secret.
pub fn is_secret_field(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    name == "key"
        || name.ends_with("_key")
        || name.starts_with("key_")
        || name.contains("password")
        || name.contains("secret")
        || name.contains("token")
        || name.contains("credential")
}

/// True for a string that holds PEM private key material.
fn is_private_key(value: &str) -> bool {
    value.contains("PRIVATE KEY-----")
}

/// The JSON value with every secret replaced by [`REDACTED`].
pub fn redact(value: &Json) -> Json {
    match value {
        Json::Object(map) => Json::Object(
            map.iter()
                .map(|(name, child)| {
                    let child = if is_secret_field(name) && !child.is_null() {
                        Json::String(REDACTED.to_string())
                    } else {
                        redact(child)
                    };
                    (name.clone(), child)
                })
                .collect(),
        ),
        Json::Array(items) => Json::Array(items.iter().map(redact).collect()),
        Json::String(text) if is_private_key(text) => Json::String(REDACTED.to_string()),
        other => other.clone(),
    }
}

/// A body as it may be logged: redacted JSON, or only its size when it is not JSON (it could
/// be anything, so nothing of it is shown).
pub fn loggable(body: &[u8]) -> String {
    if body.is_empty() {
        return String::new();
    }
    match serde_json::from_slice::<Json>(body) {
        Ok(json) => {
            let mut text = redact(&json).to_string();
            if text.len() > MAX_LOGGED {
                let mut cut = MAX_LOGGED;
                while !text.is_char_boundary(cut) {
                    cut -= 1;
                }
                text.truncate(cut);
                text.push('…');
            }
            text
        }
        Err(_) => format!("<{} bytes, not JSON>", body.len()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn secret_fields_are_replaced_at_any_depth() {
        let body = json!({
            "cert": "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----",
            "key": "-----BEGIN EC PRIVATE KEY-----\nsecret-key\n-----END EC PRIVATE KEY-----",
            "key_alt": null,
            "username": "ann",
            "password": "hunter2",
            "config": {"client_secret": "oidc-s3cret", "redis_password": "r3dis", "minute": 5},
            "data": [{"secret": "jwt-s3cret", "algorithm": "HS256"}],
            "note": "-----BEGIN PRIVATE KEY-----\nstray\n-----END PRIVATE KEY-----",
        });
        let shown = loggable(body.to_string().as_bytes());
        for secret in [
            "secret-key",
            "hunter2",
            "oidc-s3cret",
            "r3dis",
            "jwt-s3cret",
            "stray",
        ] {
            assert!(!shown.contains(secret), "{secret} in {shown}");
        }
        for kept in ["BEGIN CERTIFICATE", "ann", "HS256", "\"minute\":5"] {
            assert!(shown.contains(kept), "{kept} missing from {shown}");
        }
        assert!(
            shown.contains("\"key_alt\":null"),
            "nothing to hide in null"
        );
    }

    #[test]
    fn userinfo_is_taken_out_of_urls_valid_or_not() {
        for (given, shown) in [
            (
                "http://admin:s3cret@kong:8001/admin",
                "http://<redacted>@kong:8001/admin",
            ),
            ("https://only-user@kong", "https://<redacted>@kong"),
            // An `@` in the password, unescaped: the last one ends the userinfo.
            ("http://a:p@ss@kong:8001", "http://<redacted>@kong:8001"),
            // Not valid URLs, echoed in their errors.
            (
                "http://admin:s3cret@ho st:8001",
                "http://<redacted>@ho st:8001",
            ),
            ("ftp://admin:s3cret@kong", "ftp://<redacted>@kong"),
            ("admin:s3cret@kong:8001", "<redacted>@kong:8001"),
            ("http://admin:s3cret@[::1", "http://<redacted>@[::1"),
            // An `@` after the authority is not userinfo.
            ("http://kong:8001/a@b?c=d@e", "http://kong:8001/a@b?c=d@e"),
            ("http://kong:8001", "http://kong:8001"),
            ("", ""),
        ] {
            assert_eq!(url(given), shown, "{given}");
        }
    }

    #[test]
    fn bodies_that_are_not_json_show_only_their_size() {
        assert_eq!(loggable(b"password=hunter2"), "<16 bytes, not JSON>");
        assert_eq!(loggable(b""), "");
    }

    #[test]
    fn long_bodies_are_cut() {
        let long = json!({"tags": vec!["x".repeat(100); 100]}).to_string();
        let shown = loggable(long.as_bytes());
        assert!(shown.len() <= MAX_LOGGED + '…'.len_utf8());
        assert!(shown.ends_with('…'));
    }
}
