//! The OIDC issuer of an API on open-source Kong: its consumer holding the issuer's keys as jwt
//! secrets, shared by every API that trusts the issuer (see [`crate::model::issuer`]), written
//! before the API's plugins and released by the last API that leaves it.

use crate::apply::Context;
use crate::idp::IdpError;
use crate::kong::KongError;
use crate::model::auth::{Authentication, Mechanism};
use crate::model::jwk::SigningKey;
use crate::model::{issuer, naming};

/// Why the issuer's entities could not be brought up to date.
#[derive(Debug, thiserror::Error)]
pub enum IssuerError {
    /// The keys could not be fetched or used.
    #[error("{0}")]
    Idp(#[from] IdpError),
    /// The issuer rotated its keys between plan and apply.
    #[error("the issuer's keys changed since the plan (planned key ids {planned:?}, now {now:?})")]
    KeysChanged {
        /// What the plan showed.
        planned: Vec<String>,
        /// What the issuer publishes now.
        now: Vec<String>,
    },
    /// Another Kong consumer holds a jwt secret with one of the issuer's key ids.
    #[error("another Kong consumer already holds a jwt secret with the key `{kid}`")]
    KidTaken {
        /// The key id.
        kid: String,
        /// Kong's answer.
        source: KongError,
    },
    /// Kong refused or failed.
    #[error("{0}")]
    Kong(#[from] KongError),
    /// One of the issuer's keys cannot be held by this Kong.
    #[error("{0}")]
    Unverifiable(#[from] UnverifiableKey),
}

/// An issuer's key whose algorithm the jwt plugin of the Kong in use does not know.
#[derive(Debug, thiserror::Error)]
#[error("the issuer's key `{kid}` signs with {algorithm}, which the jwt plugin of Kong {version} cannot verify (Kong's jwt secrets take PS256, PS384 and PS512 since Kong 3.7): use Kong 3.7 or later, or have the issuer sign with RS256, RS384 or RS512")]
pub struct UnverifiableKey {
    pub kid: String,
    pub algorithm: String,
    /// Kong's version, as it said it (`?` when it did not).
    pub version: String,
}

/// `Err` naming the first of `keys` the Kong in use cannot verify tokens with.
fn verifiable(context: &Context, keys: &[SigningKey]) -> Result<(), UnverifiableKey> {
    match issuer::unverifiable_key(keys, context.environment.kong) {
        Some(key) => Err(UnverifiableKey {
            kid: key.kid.clone(),
            algorithm: key.algorithm.clone(),
            version: context
                .kong_version()
                .map_or_else(|| "?".to_string(), ToString::to_string),
        }),
        None => Ok(()),
    }
}

/// Why the plan cannot say how an API's tokens are checked.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    /// Kong's edition could not be asked.
    #[error("{0}")]
    Edition(KongError),
    /// The issuer's keys could not be had (open source only).
    #[error("{0}")]
    Keys(IdpError),
    /// One of the issuer's keys cannot be held by this Kong.
    #[error("{0}")]
    Unverifiable(UnverifiableKey),
}

/// How Kong will check the tokens of `issuer`: the mechanism Kong's edition offers and, on open
/// source, the key ids of the keys the issuer publishes now (sorted), which Kong must hold.
pub async fn plan_oidc(
    context: &Context,
    issuer: &str,
    jwks_url: Option<&str>,
) -> Result<(Mechanism, Option<Vec<String>>), PlanError> {
    let enterprise = context.is_enterprise().await.map_err(PlanError::Edition)?;
    let mechanism = Mechanism::for_edition(enterprise);
    let kids = match mechanism {
        Mechanism::OpenIdConnect => None,
        Mechanism::Jwt => {
            let keys = context
                .idp
                .signing_keys(issuer, jwks_url)
                .await
                .map_err(PlanError::Keys)?;
            verifiable(context, &keys).map_err(PlanError::Unverifiable)?;
            Some(issuer::kids_of(&keys))
        }
    };
    Ok((mechanism, kids))
}

/// Before the API's plugins are written: on open source, makes Kong hold exactly the issuer's
/// current keys (the ones the plan showed) on the issuer's consumer. Nothing to do when the
/// authentication is unchanged since `prior`.
pub async fn prepare(
    context: &Context,
    auth: &Authentication,
    prior: Option<&Authentication>,
) -> Result<(), IssuerError> {
    let Authentication::Oidc(oidc) = auth else {
        return Ok(());
    };
    if oidc.mechanism != Mechanism::Jwt || prior == Some(auth) {
        return Ok(());
    }
    let keys = context
        .idp
        .signing_keys(&oidc.issuer, oidc.jwks_url.as_deref())
        .await?;
    verifiable(context, &keys)?;
    let now = issuer::kids_of(&keys);
    if now != oidc.signing_key_ids {
        return Err(IssuerError::KeysChanged {
            planned: oidc.signing_key_ids.clone(),
            now,
        });
    }
    store_keys(context, &oidc.issuer, &keys).await
}

async fn store_keys(
    context: &Context,
    issuer: &str,
    keys: &[SigningKey],
) -> Result<(), IssuerError> {
    let client = &context.client;
    let desired = issuer::desired(issuer, keys);
    let id = &desired.consumer_id;
    client.put_consumer(id, &desired.consumer).await?;
    client.put_acl(id, &desired.acl_id, &desired.acl).await?;
    let existing = client.jwt_secrets(id).await?;
    // Keys the issuer no longer publishes go first, so that a key id whose material changed can
    // be written again under its new id.
    for old in &existing {
        if !desired.secrets.iter().any(|(sid, _)| *sid == old.id) {
            client.delete_jwt_secret(id, &old.id).await?;
        }
    }
    for (secret_id, fields) in &desired.secrets {
        let intact = existing.iter().any(|e| {
            e.id == *secret_id
                && e.key.as_ref() == Some(&fields.key)
                && e.algorithm.as_ref() == Some(&fields.algorithm)
                && e.rsa_public_key.as_ref() == Some(&fields.rsa_public_key)
        });
        if intact {
            continue;
        }
        client
            .put_jwt_secret(id, secret_id, fields)
            .await
            .map_err(|source| {
                if source.is_unique_violation() {
                    IssuerError::KidTaken {
                        kid: fields.key.clone(),
                        source,
                    }
                } else {
                    IssuerError::Kong(source)
                }
            })?;
    }
    Ok(())
}

/// When an API stops using `issuer` (deleted, switched, or failed to be created): removes the
/// issuer's consumer (its keys and group go with it) unless a managed plugin of another API
/// (one not on `leaving_service`) still carries the issuer's tag.
///
/// Callers release while the leaving API's own plugins still exist: they are the record that a
/// release is due. A release that fails then fails the apply with the API still in state, and
/// the next apply releases again, instead of leaving an orphaned consumer that nothing names.
///
/// Another Terraform run may be creating an API of the same issuer at the same moment: it may
/// have written the keys just before this removes them, and then its API refuses every token
/// until its next refresh shows the keys missing and its next apply writes them back. Kong has
/// no transaction to close that window.
pub async fn release(
    context: &Context,
    issuer: &str,
    leaving_service: Option<&str>,
) -> Result<(), KongError> {
    let client = &context.client;
    let users = client.plugins(&issuer::users_listing_tags(issuer)).await?;
    let still_used = users.iter().any(|plugin| {
        let service = plugin.service.as_ref().map(|s| s.id.as_str());
        leaving_service.is_none() || service != leaving_service
    });
    if still_used {
        return Ok(());
    }
    let id = issuer::consumer_id(issuer);
    match client.consumer(&id).await? {
        Some(consumer) if naming::is_managed(consumer.tags.as_deref()) => {
            client.delete_consumer(&id).await
        }
        _ => Ok(()),
    }
}

/// After a failed [`prepare`] that may have written some of the issuer's entities: releases the
/// issuer unless the API still uses it (`still_used`, its authentication before the change).
/// The error of a release that failed, which leaves the issuer's consumer behind with nothing
/// recording it (harmless; the next release removes it).
pub async fn undo_prepare(
    context: &Context,
    auth: &Authentication,
    error: &IssuerError,
    still_used: Option<&Authentication>,
) -> Option<KongError> {
    let wrote = matches!(error, IssuerError::KidTaken { .. } | IssuerError::Kong(_));
    let issuer = auth.jwt_issuer().filter(|_| wrote)?;
    if still_used.and_then(Authentication::jwt_issuer) == Some(issuer) {
        return None;
    }
    release(context, issuer, None).await.err()
}

/// The issuer that `before` used and `after` does not.
pub fn abandoned<'a>(
    before: Option<&'a Authentication>,
    after: Option<&Authentication>,
) -> Option<&'a str> {
    let old = before?.jwt_issuer()?;
    (after.and_then(Authentication::jwt_issuer) != Some(old)).then_some(old)
}

/// Completes an authentication read back from the API's plugins with the key ids Kong holds
/// for its issuer (open source). When the issuer answers, a key it now publishes with other
/// material under the same `kid` is left out too, so that the plan shows it and the apply
/// rewrites it; when it does not answer, Kong's view alone is used (the plan reports the
/// failure).
pub async fn observe_keys(context: &Context, auth: &mut Authentication) -> Result<(), KongError> {
    let Authentication::Oidc(oidc) = auth else {
        return Ok(());
    };
    if oidc.mechanism != Mechanism::Jwt || oidc.issuer.is_empty() {
        return Ok(());
    }
    let secrets = context
        .issuer_secrets
        .of(&issuer::consumer_id(&oidc.issuer))
        .await?;
    let mut kids = issuer::key_ids(&oidc.issuer, &secrets);
    if let Ok(keys) = context
        .idp
        .signing_keys(&oidc.issuer, oidc.jwks_url.as_deref())
        .await
    {
        let current = issuer::desired(&oidc.issuer, &keys);
        kids.retain(|kid| {
            let published = current.secrets.iter().find(|(_, s)| s.key == *kid);
            let held = secrets.iter().find(|s| s.key.as_ref() == Some(kid));
            match (published, held) {
                (Some((id, _)), Some(held)) => held.id == *id,
                _ => true,
            }
        });
    }
    oidc.signing_key_ids = kids;
    Ok(())
}
