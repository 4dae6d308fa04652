//! An OpenID Connect issuer on open-source Kong: one consumer per issuer holding the issuer's
//! signing keys as jwt secrets (one per `kid`) and the issuer's ACL group.
//!
//! Kong's `jwt_secrets.key` is unique in a workspace and the jwt plugin finds a token's secret
//! by that key alone, so an issuer's keys can only be held once per workspace: the consumer is
//! shared by every API (and every organization) that trusts the issuer. Its id and the ids of
//! its secrets are derived from the issuer (and each key), so that concurrent applies write the
//! same entities. Each API using the issuer carries the issuer's tag on its plugins, which is
//! how the last API to leave knows to remove the consumer.

use sha2::{Digest, Sha256};

use super::jwk::{pem_fingerprint, SigningKey};
use super::naming::{derived_id, ISSUER_TAG_PREFIX, MANAGED_TAG};
use super::validate::KongRules;
use crate::kong::{AclFields, ConsumerFields, JwtSecret, JwtSecretFields};

/// Prefix of the ACL group (and consumer username) of an issuer.
pub const ISSUER_GROUP_PREFIX: &str = "dispatch-oidc:";

/// The id of the issuer's consumer.
pub fn consumer_id(issuer: &str) -> String {
    derived_id("oidc-issuer", issuer)
}

/// The ACL group that the issuer's consumer belongs to and its APIs allow.
pub fn issuer_group(issuer: &str) -> String {
    format!("{ISSUER_GROUP_PREFIX}{issuer}")
}

/// The issuer named by an ACL group, if it is an issuer's group.
pub fn issuer_of_group(group: &str) -> Option<String> {
    group
        .strip_prefix(ISSUER_GROUP_PREFIX)
        .filter(|issuer| !issuer.is_empty())
        .map(str::to_string)
}

/// The tag on the issuer's consumer and on the plugins of every API using the issuer (Kong tags
/// cannot hold `/`, so the issuer is named by its consumer's id).
pub fn issuer_tag(issuer: &str) -> String {
    format!("{ISSUER_TAG_PREFIX}{}", consumer_id(issuer))
}

/// The tags to list the plugins of the APIs still using the issuer.
pub fn users_listing_tags(issuer: &str) -> Vec<String> {
    vec![MANAGED_TAG.to_string(), issuer_tag(issuer)]
}

/// The id of the jwt secret holding `key`. It covers the key's algorithm and material as well
/// as its `kid`, so that a secret changed in Kong no longer matches its id and shows as drift.
pub fn secret_id(issuer: &str, kid: &str, algorithm: &str, pem: &str) -> String {
    let material = pem_fingerprint(pem).unwrap_or_else(|| {
        base64::Engine::encode(
            &base64::engine::general_purpose::STANDARD_NO_PAD,
            Sha256::digest(pem.as_bytes()),
        )
    });
    derived_id(
        &consumer_id(issuer),
        &format!("jwt-secret\n{kid}\n{algorithm}\n{material}"),
    )
}

/// The Kong entities of an issuer with these keys.
#[derive(Debug, Clone, PartialEq)]
pub struct DesiredIssuer {
    /// The consumer's id.
    pub consumer_id: String,
    pub consumer: ConsumerFields,
    /// The id of its ACL.
    pub acl_id: String,
    /// Its ACL (the issuer's group).
    pub acl: AclFields,
    /// Its jwt secrets with their ids, one per key.
    pub secrets: Vec<(String, JwtSecretFields)>,
}

/// The entities that hold `keys` for `issuer`.
pub fn desired(issuer: &str, keys: &[SigningKey]) -> DesiredIssuer {
    let consumer_id = consumer_id(issuer);
    let tags = users_listing_tags(issuer);
    DesiredIssuer {
        acl_id: derived_id(&consumer_id, "acl"),
        consumer: ConsumerFields {
            username: issuer_group(issuer),
            tags: tags.clone(),
        },
        acl: AclFields {
            group: issuer_group(issuer),
            tags: tags.clone(),
        },
        secrets: keys
            .iter()
            .map(|key| {
                (
                    secret_id(issuer, &key.kid, &key.algorithm, &key.pem),
                    JwtSecretFields {
                        key: key.kid.clone(),
                        algorithm: key.algorithm.clone(),
                        rsa_public_key: key.pem.clone(),
                        tags: tags.clone(),
                    },
                )
            })
            .collect(),
        consumer_id,
    }
}

/// The `kid`s of the secrets Kong holds for `issuer` that are exactly what this provider wrote
/// (id, key, algorithm and material agree), sorted. A secret changed outside Terraform is left
/// out, so that the plan shows its key as missing and the next apply rewrites it.
pub fn key_ids(issuer: &str, secrets: &[JwtSecret]) -> Vec<String> {
    let kids = secrets
        .iter()
        .filter(|s| {
            let (Some(key), Some(algorithm), Some(pem)) = (&s.key, &s.algorithm, &s.rsa_public_key)
            else {
                return false;
            };
            s.id == secret_id(issuer, key, algorithm, pem)
        })
        .filter_map(|s| s.key.clone())
        .collect();
    super::sorted(kids)
}

/// The first key the jwt plugin of a Kong with `rules` cannot verify tokens with: RSA-PSS keys
/// before Kong 3.7 (kong/plugins/jwt/daos.lua, `algorithm` `one_of`: PS256, PS384 and PS512
/// were added in 3.7.0). The provider turns only RSA and P-256/P-384 keys into jwt secrets,
/// whose other algorithms every Kong 3.x knows.
pub fn unverifiable_key(keys: &[SigningKey], rules: KongRules) -> Option<&SigningKey> {
    keys.iter()
        .find(|key| !rules.rsa_pss && key.algorithm.starts_with("PS"))
}

/// The `kid`s of a key set, sorted.
pub fn kids_of(keys: &[SigningKey]) -> Vec<String> {
    let mut kids: Vec<String> = keys.iter().map(|k| k.kid.clone()).collect();
    kids.sort();
    kids
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(kid: &str, pem: &str) -> SigningKey {
        SigningKey {
            kid: kid.into(),
            algorithm: "RS256".into(),
            pem: pem.into(),
        }
    }

    const PEM_A: &str = "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n";
    const PEM_B: &str = "-----BEGIN PUBLIC KEY-----\nBBBB\n-----END PUBLIC KEY-----\n";

    fn stored(issuer: &str, keys: &[SigningKey]) -> Vec<JwtSecret> {
        desired(issuer, keys)
            .secrets
            .into_iter()
            .map(|(id, fields)| JwtSecret {
                id,
                key: Some(fields.key),
                algorithm: Some(fields.algorithm),
                rsa_public_key: Some(fields.rsa_public_key),
                tags: Some(fields.tags),
            })
            .collect()
    }

    #[test]
    fn ids_and_names_derive_from_the_issuer_alone() {
        let a = desired("https://idp.example.com", &[key("k1", PEM_A)]);
        let again = desired("https://idp.example.com", &[key("k1", PEM_A)]);
        assert_eq!(a, again, "concurrent applies write the same entities");
        let other = desired("https://other.example.com", &[key("k1", PEM_A)]);
        assert_ne!(a.consumer_id, other.consumer_id);
        assert_ne!(a.secrets[0].0, other.secrets[0].0);
        assert_eq!(a.consumer.username, "dispatch-oidc:https://idp.example.com");
        assert_eq!(a.acl.group, "dispatch-oidc:https://idp.example.com");
        assert_eq!(
            issuer_of_group(&a.acl.group).as_deref(),
            Some("https://idp.example.com")
        );
        assert_eq!(issuer_of_group("admins"), None);
        assert!(!issuer_tag("https://idp.example.com").contains('/'));
        assert!(a.consumer.tags.contains(&MANAGED_TAG.to_string()));
    }

    #[test]
    fn a_secret_changed_in_kong_no_longer_counts() {
        let issuer = "https://idp.example.com";
        let keys = [key("k1", PEM_A), key("k2", PEM_B)];
        let mut secrets = stored(issuer, &keys);
        assert_eq!(key_ids(issuer, &secrets), vec!["k1", "k2"]);

        secrets[0].rsa_public_key = Some(PEM_B.into());
        assert_eq!(key_ids(issuer, &secrets), vec!["k2"], "material changed");
        let mut secrets = stored(issuer, &keys);
        secrets[1].algorithm = Some("RS512".into());
        assert_eq!(key_ids(issuer, &secrets), vec!["k1"], "algorithm changed");
        let mut secrets = stored(issuer, &keys);
        secrets[1].key = Some("k3".into());
        assert_eq!(key_ids(issuer, &secrets), vec!["k1"], "kid changed");
        assert_eq!(
            key_ids("https://other.example.com", &stored(issuer, &keys)),
            Vec::<String>::new()
        );
    }

    #[test]
    fn the_same_kid_with_new_material_is_a_new_secret() {
        let issuer = "https://idp.example.com";
        assert_ne!(
            secret_id(issuer, "k1", "RS256", PEM_A),
            secret_id(issuer, "k1", "RS256", PEM_B)
        );
        assert_ne!(
            secret_id(issuer, "k1", "RS256", PEM_A),
            secret_id(issuer, "k1", "PS256", PEM_A)
        );
    }
}
