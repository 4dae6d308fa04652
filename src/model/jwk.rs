//! An OpenID Connect issuer's signing keys, as Kong's `jwt` plugin needs them: the discovery
//! document gives the JWKS URL, and every signing key of the JWKS becomes a PEM public key with
//! the JWT algorithm Kong must check it with. Pure: bytes in, keys out (the fetching is in
//! [`crate::idp`]).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rsa::pkcs8::{EncodePublicKey, LineEnding};
use serde::Deserialize;
use serde_json::Value as Json;
use sha2::{Digest, Sha256};
use url::Url;

/// A signing key of an issuer, ready to be a Kong `jwt_secret`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SigningKey {
    /// The JWK's `kid`: what tokens name in their header, and the secret's `key` in Kong.
    pub kid: String,
    /// The JWT algorithm tokens signed with this key use (`RS256`, `ES256`, ...).
    pub algorithm: String,
    /// The public key, as an SPKI PEM (`-----BEGIN PUBLIC KEY-----`).
    pub pem: String,
}

impl SigningKey {
    /// SHA-256 of the key's DER encoding (SubjectPublicKeyInfo), unpadded base64: the same
    /// value as `openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | base64`.
    pub fn fingerprint(&self) -> String {
        pem_fingerprint(&self.pem).unwrap_or_default()
    }
}

/// The SHA-256 fingerprint of a PEM public key (see [`SigningKey::fingerprint`]); `None` when
/// the text is not a PEM public key.
pub fn pem_fingerprint(pem: &str) -> Option<String> {
    let block = pem::parse(pem).ok()?;
    Some(base64::engine::general_purpose::STANDARD_NO_PAD.encode(Sha256::digest(block.contents())))
}

/// Why an issuer's keys cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JwksError {
    /// The discovery document is not a JSON object.
    #[error("the discovery document is not valid JSON: {0}")]
    DiscoveryNotJson(String),
    /// The discovery document names another issuer.
    #[error("the discovery document says the issuer is `{found}`, not `{expected}`; tokens from this provider would carry another `iss`. Set `issuer` to exactly `{found}`")]
    IssuerMismatch {
        /// The configured issuer.
        expected: String,
        /// What the document says.
        found: String,
    },
    /// The discovery document has no `jwks_uri`.
    #[error("the discovery document has no `jwks_uri`, so the issuer's signing keys cannot be found; set `jwks_url` in the `oidc` block")]
    NoJwksUri,
    /// The `jwks_uri` is not a URL the provider may fetch.
    #[error("the discovery document's `jwks_uri` `{uri}` cannot be used: {why}")]
    BadJwksUri {
        /// The value found.
        uri: String,
        /// What is wrong with it.
        why: String,
    },
    /// The JWKS is not `{"keys": [...]}`.
    #[error("the JWKS is malformed: {0}")]
    Malformed(String),
    /// The JWKS holds no key to verify signatures with.
    #[error("the JWKS holds no signing key (keys marked `\"use\": \"enc\"` are for encryption and are left out)")]
    NoSigningKey,
    /// A key Kong cannot use, or that cannot be converted.
    #[error("key {which} cannot be used: {why}")]
    BadKey {
        /// `kid` (or the position in the set, when it has none).
        which: String,
        /// What is wrong with it.
        why: String,
    },
    /// Two keys share a `kid`.
    #[error("two keys have the `kid` `{0}`; Kong's jwt plugin finds keys by `kid`, so each must be unique")]
    DuplicateKid(String),
}

/// Checks a URL the provider fetches from an identity provider (the issuer, `jwks_url`, a
/// discovered `jwks_uri`): `https://`, or `http://` on a loopback address only (a local
/// identity provider in tests and development), with no credentials, query or fragment.
pub fn identity_provider_url(raw: &str) -> Result<Url, String> {
    let url = Url::parse(raw).map_err(|e| format!("`{raw}` is not a URL: {e}"))?;
    if !url.username().is_empty() || url.password().is_some() {
        // The URL is not repeated: it holds a password.
        return Err("an identity provider URL must not carry credentials".into());
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(format!(
            "`{raw}` must not have a query or a fragment (OpenID Connect issuers have neither)"
        ));
    }
    match url.scheme() {
        "https" if url.host().is_some() => Ok(url),
        "http" if is_loopback(&url) => Ok(url),
        "http" => Err(format!(
            "`{raw}` must use https: tokens are only as trustworthy as the keys fetched from it (plain http is accepted on loopback addresses only)"
        )),
        other => Err(format!(
            "`{raw}` has the scheme `{other}`; an identity provider is reached over https"
        )),
    }
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(domain)) => {
            domain.eq_ignore_ascii_case("localhost") || domain.ends_with(".localhost")
        }
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// The discovery URL of an issuer: `<issuer>/.well-known/openid-configuration` (OpenID
/// Connect Discovery 1.0, section 4).
pub fn discovery_url(issuer: &Url) -> Result<Url, String> {
    let base = issuer.as_str().trim_end_matches('/');
    Url::parse(&format!("{base}/.well-known/openid-configuration"))
        .map_err(|e| format!("cannot build the discovery URL of `{issuer}`: {e}"))
}

#[derive(Deserialize)]
struct Discovery {
    #[serde(default)]
    issuer: Option<String>,
    #[serde(default)]
    jwks_uri: Option<String>,
}

/// The JWKS URL a discovery document names, after checking it belongs to `issuer`.
pub fn jwks_uri_of_discovery(document: &[u8], issuer: &str) -> Result<Url, JwksError> {
    let discovery: Discovery =
        serde_json::from_slice(document).map_err(|e| JwksError::DiscoveryNotJson(e.to_string()))?;
    if let Some(found) = discovery.issuer {
        if found.trim_end_matches('/') != issuer.trim_end_matches('/') {
            return Err(JwksError::IssuerMismatch {
                expected: issuer.to_string(),
                found,
            });
        }
    }
    let uri = discovery.jwks_uri.ok_or(JwksError::NoJwksUri)?;
    identity_provider_url(&uri).map_err(|why| JwksError::BadJwksUri { uri, why })
}

/// Every signing key of a JWKS document, sorted by `kid`. Encryption keys (`"use": "enc"`) are
/// left out; any other key Kong cannot use is an error, so that no token the issuer signs is
/// refused by surprise.
pub fn signing_keys(document: &[u8]) -> Result<Vec<SigningKey>, JwksError> {
    let json: Json =
        serde_json::from_slice(document).map_err(|e| JwksError::Malformed(e.to_string()))?;
    let keys = json
        .get("keys")
        .and_then(Json::as_array)
        .ok_or_else(|| JwksError::Malformed("it has no `keys` array".into()))?;
    let mut out: Vec<SigningKey> = Vec::new();
    for (index, key) in keys.iter().enumerate() {
        if let Some(key) = signing_key(key, index)? {
            if out.iter().any(|k| k.kid == key.kid) {
                return Err(JwksError::DuplicateKid(key.kid));
            }
            out.push(key);
        }
    }
    if out.is_empty() {
        return Err(JwksError::NoSigningKey);
    }
    out.sort_by(|a, b| a.kid.cmp(&b.kid));
    Ok(out)
}

/// The fields of a JWK this provider reads (RFC 7517 section 4, RFC 7518 section 6).
#[derive(Deserialize)]
struct Jwk {
    kty: Option<String>,
    #[serde(rename = "use")]
    usage: Option<String>,
    alg: Option<String>,
    kid: Option<String>,
    n: Option<String>,
    e: Option<String>,
    crv: Option<String>,
    x: Option<String>,
    y: Option<String>,
}

/// The algorithms Kong's jwt plugin verifies with an RSA key.
const RSA_ALGORITHMS: [&str; 6] = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512"];

fn signing_key(value: &Json, index: usize) -> Result<Option<SigningKey>, JwksError> {
    let position = format!("#{} of the JWKS", index + 1);
    let jwk: Jwk = serde_json::from_value(value.clone()).map_err(|e| JwksError::BadKey {
        which: position.clone(),
        why: format!("it is not a JWK object: {e}"),
    })?;
    if jwk.usage.as_deref() == Some("enc") {
        return Ok(None);
    }
    let which = match &jwk.kid {
        Some(kid) => format!("`{kid}`"),
        None => position,
    };
    let bad = |why: String| JwksError::BadKey {
        which: which.clone(),
        why,
    };
    let kid = match jwk.kid.as_deref() {
        Some(kid) if !kid.is_empty() => kid.to_string(),
        _ => {
            return Err(bad(
                "it has no `kid`; Kong's jwt plugin finds the key of a token by the token's `kid`, so every signing key needs one".into(),
            ))
        }
    };
    let (algorithm, pem) = match jwk.kty.as_deref() {
        Some("RSA") => {
            let algorithm = match jwk.alg.as_deref() {
                None => "RS256".to_string(),
                Some(alg) if RSA_ALGORITHMS.contains(&alg) => alg.to_string(),
                Some(alg) => {
                    return Err(bad(format!(
                        "its algorithm `{alg}` is not one Kong's jwt plugin verifies with an RSA key ({})",
                        RSA_ALGORITHMS.join(", ")
                    )))
                }
            };
            (algorithm, rsa_pem(&jwk).map_err(bad)?)
        }
        Some("EC") => {
            let (algorithm, pem) = ec_pem(&jwk).map_err(bad)?;
            if let Some(alg) = jwk.alg.as_deref() {
                if alg != algorithm {
                    return Err(bad(format!(
                        "its algorithm `{alg}` does not match its curve (a {} key signs with {algorithm})",
                        jwk.crv.as_deref().unwrap_or("?")
                    )));
                }
            }
            (algorithm.to_string(), pem)
        }
        Some(other) => {
            return Err(bad(format!(
                "its key type `{other}` is not supported: the provider turns RSA and EC (P-256, P-384) keys into Kong jwt secrets"
            )))
        }
        None => return Err(bad("it has no `kty`".into())),
    };
    Ok(Some(SigningKey {
        kid,
        algorithm,
        pem,
    }))
}

fn base64url(field: &str, value: Option<&str>) -> Result<Vec<u8>, String> {
    let value = value.ok_or_else(|| format!("it has no `{field}`"))?;
    URL_SAFE_NO_PAD
        .decode(value.trim_end_matches('='))
        .map_err(|e| format!("its `{field}` is not base64url: {e}"))
}

fn rsa_pem(jwk: &Jwk) -> Result<String, String> {
    let n = rsa::BigUint::from_bytes_be(&base64url("n", jwk.n.as_deref())?);
    let e = rsa::BigUint::from_bytes_be(&base64url("e", jwk.e.as_deref())?);
    let key =
        rsa::RsaPublicKey::new(n, e).map_err(|e| format!("it is not a valid RSA key: {e}"))?;
    key.to_public_key_pem(LineEnding::LF)
        .map_err(|e| format!("it cannot be written as PEM: {e}"))
}

fn ec_pem(jwk: &Jwk) -> Result<(&'static str, String), String> {
    // An EC JWK is the affine point (x, y): SEC1's uncompressed form is 0x04 ‖ x ‖ y, which
    // the curve crates check lies on the curve before writing the SubjectPublicKeyInfo. Not the
    // crates' own JWK support: p256/p384 0.14 dropped their `jwk` feature for the `jose-jwk`
    // crate, which (like p256/p384 0.13 `jwk`) needs the 0.13 curve crates, a second
    // elliptic-curve stack of 11 more crates (`cargo tree`); only this assembly is ours.
    let coordinate = |name: &str, value: Option<&str>, size: usize| {
        let bytes = URL_SAFE_NO_PAD
            .decode(value.ok_or_else(|| format!("it has no `{name}`"))?)
            .map_err(|_| format!("its `{name}` is not base64url"))?;
        if bytes.len() == size {
            Ok(bytes)
        } else {
            Err(format!(
                "its `{name}` has {} bytes where its curve needs {size}",
                bytes.len()
            ))
        }
    };
    let point = |size: usize| -> Result<Vec<u8>, String> {
        let mut sec1 = vec![0x04];
        sec1.extend(coordinate("x", jwk.x.as_deref(), size)?);
        sec1.extend(coordinate("y", jwk.y.as_deref(), size)?);
        Ok(sec1)
    };
    let invalid =
        |e: p256::elliptic_curve::Error| format!("it is not a valid point of its curve: {e}");
    let written = |e: p256::pkcs8::spki::Error| format!("it cannot be written as PEM: {e}");
    use p256::pkcs8::EncodePublicKey as _;
    let lf = p256::pkcs8::LineEnding::LF;
    match jwk.crv.as_deref() {
        Some("P-256") => {
            let key = p256::PublicKey::from_sec1_bytes(&point(32)?).map_err(invalid)?;
            Ok(("ES256", key.to_public_key_pem(lf).map_err(written)?))
        }
        Some("P-384") => {
            let key = p384::PublicKey::from_sec1_bytes(&point(48)?).map_err(invalid)?;
            Ok(("ES384", key.to_public_key_pem(lf).map_err(written)?))
        }
        Some(other) => Err(format!(
            "its curve `{other}` is not supported: the provider converts P-256 and P-384 keys"
        )),
        None => Err("it has no `crv`".into()),
    }
}

#[cfg(test)]
mod tests;
