//! The authentication part of `dispatch_api`: its attributes and blocks, the plan-time work
//! (Kong's edition, the issuer's keys), and the issuer's consumer on open-source Kong, which
//! outlives any one API (see [`crate::model::issuer`]).

use serde::{Deserialize, Serialize};
use tf_provider::schema::{Attribute, NestedBlock};
use tf_provider::value::Value;
use tf_provider::Diagnostics;

use super::ApiState;
use crate::context::Context;
use crate::diagnostics::{attribute_path, kong_error, report};
use crate::idp::IdpError;
use crate::kong::KongError;
use crate::model::auth::{
    self as model, AuthDraft, AuthMode, Authentication, BasicDraft, Mechanism, Oidc, OidcDraft,
};
use crate::model::jwk::SigningKey;
use crate::model::{issuer, naming, AttrPath, Field};
use crate::resources::known_sorted;
use crate::schema::*;
use crate::values::{
    self, field, field_strings, known_strings, TfString, TfStringList, TfStringSet,
};

/// The `basic_auth` block.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BasicAuthBlock {
    /// Groups allowed.
    pub allowed_groups: TfStringSet,
}

/// The `oidc` block.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct OidcBlock {
    /// The issuer.
    pub issuer: TfString,
    /// Accepted audiences.
    pub audiences: TfStringSet,
    /// Where the keys are, instead of discovery.
    pub jwks_url: TfString,
    /// The Kong plugin that checks tokens.
    pub mechanism: TfString,
    /// The key ids Kong holds (open source).
    pub signing_key_ids: TfStringList,
}

/// The `authentication` attribute.
pub fn attributes() -> [(&'static str, Attribute); 1] {
    [(
        "authentication",
        optional_computed(
            string(),
            "Who may call the API: `\"public\"` (anyone, the default), `\"basic\"` (end users of `dispatch_basic_auth_user` with their username and password; see the `basic_auth` block) or `\"oidc\"` (bearer tokens of an OpenID Connect provider; see the `oidc` block). Kong answers 401 to callers without valid credentials.",
        ),
    )]
}

/// The `basic_auth` and `oidc` blocks.
pub fn blocks() -> [(&'static str, NestedBlock); 2] {
    [
        (
            "basic_auth",
            optional_block(block(
                "Settings of `authentication = \"basic\"` (Kong `basic-auth`, with the credentials hidden from the function). Only with that mode.",
                [(
                    "allowed_groups",
                    optional(set_of_strings(), "Only users in at least one of these groups (the `groups` of `dispatch_basic_auth_user`) are served; others get 403 (Kong `acl`). Absent or empty: every user of the organization with valid credentials. Letters, digits, `.`, `-`, `_` and `@`."),
                )],
                [],
            )),
        ),
        (
            "oidc",
            optional_block(block(
                "Settings of `authentication = \"oidc\"`: requests must carry `Authorization: Bearer <token>`, a JWT signed by the issuer and not expired. Kong Enterprise checks it with its `openid-connect` plugin; open-source Kong with the bundled `jwt` plugin, holding the issuer's signing keys (fetched by the provider from the issuer's discovery document, or `jwks_url`) as jwt secrets. Required with that mode, and only with it.",
                [
                    ("issuer", required(string(), "The issuer identifier of the OpenID Connect provider (the `iss` of its tokens), such as `https://login.example.com/realms/shop`. Must be `https://` (plain `http://` only on a loopback address). Its discovery document is `<issuer>/.well-known/openid-configuration`.")),
                    ("audiences", optional(set_of_strings(), "Tokens must be issued for one of these audiences (`aud`). Enforced by Kong Enterprise's `openid-connect`; the open-source `jwt` plugin cannot check audiences, and the provider warns about it at plan time.")),
                    ("jwks_url", optional(string(), "Where the issuer publishes its signing keys (JWKS), when discovery should not be used or does not name it. Same URL rules as `issuer`.")),
                    ("mechanism", computed(string(), "The Kong plugin that checks tokens, chosen from Kong's edition: `\"jwt\"` (open source) or `\"openid-connect\"` (Enterprise).")),
                    ("signing_key_ids", computed(list_of_strings(), "Open source only: the key ids (`kid`) of the issuer's signing keys that Kong holds, sorted. Planned from the issuer's current keys, so a key rotation at the issuer shows in `terraform plan` and `apply` brings Kong up to date.")),
                ],
                [],
            )),
        ),
    ]
}

/// The plan-time view of the authentication attributes.
pub fn draft(state: &ApiState) -> AuthDraft {
    AuthDraft {
        authentication: field(&state.authentication),
        basic_auth: match &state.basic_auth {
            Value::Value(block) => Field::Value(BasicDraft {
                allowed_groups: field_strings(&block.allowed_groups),
            }),
            Value::Null => Field::Null,
            Value::Unknown => Field::Unknown,
        },
        oidc: match &state.oidc {
            Value::Value(block) => Field::Value(OidcDraft {
                issuer: field(&block.issuer),
                audiences: field_strings(&block.audiences),
                jwks_url: field(&block.jwks_url),
            }),
            Value::Null => Field::Null,
            Value::Unknown => Field::Unknown,
        },
    }
}

/// The declared authentication, when every value it needs is known.
pub fn spec(state: &ApiState) -> Option<Authentication> {
    let mode = AuthMode::parse(state.authentication.as_ref_option()?)?;
    Some(match mode {
        AuthMode::Public => Authentication::Public,
        AuthMode::Basic => Authentication::Basic {
            allowed_groups: match &state.basic_auth {
                Value::Value(block) => known_sorted(&block.allowed_groups)?,
                Value::Null => Vec::new(),
                Value::Unknown => return None,
            },
        },
        AuthMode::Oidc => {
            let block = state.oidc.as_ref_option()?;
            Authentication::Oidc(Oidc {
                issuer: block.issuer.as_ref_option()?.clone(),
                audiences: known_sorted(&block.audiences)?,
                jwks_url: match &block.jwks_url {
                    Value::Value(url) => Some(url.clone()),
                    Value::Null => None,
                    Value::Unknown => return None,
                },
                mechanism: Mechanism::parse(block.mechanism.as_ref_option()?)?,
                signing_key_ids: known_strings(&block.signing_key_ids)?,
            })
        }
    })
}

/// The attributes for an authentication read back from Kong (or just applied). `prior` decides
/// how "nothing" is written, so that Kong's nulls never show as changes.
pub fn write(
    auth: &Authentication,
    prior: &ApiState,
) -> (TfString, Value<BasicAuthBlock>, Value<OidcBlock>) {
    let mode = Value::Value(auth.mode().as_str().to_string());
    match auth {
        Authentication::Public => (mode, Value::Null, Value::Null),
        Authentication::Basic { allowed_groups } => {
            let block = match &prior.basic_auth {
                Value::Value(prior) => Value::Value(BasicAuthBlock {
                    allowed_groups: values::set_like(allowed_groups, &prior.allowed_groups),
                }),
                _ if allowed_groups.is_empty() => Value::Null,
                _ => Value::Value(BasicAuthBlock {
                    allowed_groups: values::set(allowed_groups),
                }),
            };
            (mode, block, Value::Null)
        }
        Authentication::Oidc(oidc) => {
            let prior_audiences = match &prior.oidc {
                Value::Value(block) => block.audiences.clone(),
                _ => Value::Null,
            };
            let block = OidcBlock {
                issuer: Value::Value(oidc.issuer.clone()),
                audiences: values::set_like(&oidc.audiences, &prior_audiences),
                jwks_url: values::opt_string(oidc.jwks_url.as_deref()),
                mechanism: Value::Value(oidc.mechanism.as_str().to_string()),
                signing_key_ids: match oidc.mechanism {
                    Mechanism::Jwt => values::list(&oidc.signing_key_ids),
                    Mechanism::OpenIdConnect => Value::Null,
                },
            };
            (mode, Value::Null, Value::Value(block))
        }
    }
}

/// The default of `authentication` when the configuration leaves it out.
pub fn plan_defaults(config: &ApiState, planned: &mut ApiState) {
    planned.authentication = values::or_default(
        &config.authentication,
        AuthMode::Public.as_str().to_string(),
    );
}

/// Fills the computed values of the `oidc` block: the mechanism from Kong's edition and, on
/// open source, the key ids from the issuer's current keys. Failures are errors on `oidc`.
pub async fn plan(diags: &mut Diagnostics, context: &Context, planned: &mut ApiState) {
    let mode = planned.authentication.clone();
    let Value::Value(block) = &mut planned.oidc else {
        return;
    };
    let issuer = match (
        mode.as_ref_option(),
        &block.issuer,
        block.jwks_url.is_unknown(),
    ) {
        (Some(mode), _, _) if mode != AuthMode::Oidc.as_str() => return,
        (Some(_), Value::Value(issuer), false) => issuer,
        _ => {
            block.mechanism = Value::Unknown;
            block.signing_key_ids = Value::Unknown;
            return;
        }
    };
    if model::check_draft(&AuthDraft {
        authentication: Field::Value(AuthMode::Oidc.as_str().to_string()),
        basic_auth: Field::Null,
        oidc: Field::Value(OidcDraft {
            issuer: Field::Value(issuer.clone()),
            audiences: Field::Null,
            jwks_url: field(&block.jwks_url),
        }),
    })
    .iter()
    .any(|i| i.is_error())
    {
        // validate() reported it; fetching from a URL that is not allowed would be wrong.
        return;
    }
    let enterprise = match context.is_enterprise().await {
        Ok(enterprise) => enterprise,
        Err(error) => {
            kong_error(
                diags,
                "find out Kong's edition (OIDC uses openid-connect on Enterprise, jwt on open source)",
                &error,
                |_| None,
            );
            return;
        }
    };
    let mechanism = Mechanism::for_edition(enterprise);
    block.mechanism = Value::Value(mechanism.as_str().to_string());
    block.signing_key_ids = match mechanism {
        Mechanism::OpenIdConnect => Value::Null,
        Mechanism::Jwt => {
            let jwks_url = block.jwks_url.as_ref_option().map(String::as_str);
            match context.idp.signing_keys(issuer, jwks_url).await {
                Ok(keys) => values::list(&issuer::kids_of(&keys)),
                Err(error) => {
                    idp_error(diags, issuer, &error);
                    return;
                }
            }
        }
    };
    if let Some(auth) = spec(planned) {
        report(diags, model::edition_issues(&auth));
    }
}

/// At apply time: fills the `oidc` block's computed values that the plan could not know (its
/// issuer came from another resource). False, with errors, when they cannot be had.
pub async fn resolve(diags: &mut Diagnostics, context: &Context, planned: &mut ApiState) -> bool {
    let unresolved = planned
        .oidc
        .as_ref_option()
        .is_some_and(|b| b.mechanism.is_unknown() || b.signing_key_ids.is_unknown());
    if !unresolved {
        return true;
    }
    let errors = diags.errors.len();
    plan(diags, context, planned).await;
    diags.errors.len() == errors
}

fn oidc_path() -> AttrPath {
    AttrPath::attr("oidc")
}

fn idp_error(diags: &mut Diagnostics, issuer: &str, error: &IdpError) {
    diags.error(
        "Cannot use the OIDC issuer's signing keys",
        format!(
            "Open-source Kong checks tokens of `{issuer}` with the issuer's public keys, which the provider fetches and writes to Kong as jwt secrets; they could not be had: {error}.\n\nNothing was written to Kong."
        ),
        attribute_path(&oidc_path()),
    );
}

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
}

/// Reports an [`IssuerError`] on `oidc`.
pub fn report_issuer_error(diags: &mut Diagnostics, issuer: &str, error: &IssuerError) {
    match error {
        IssuerError::Idp(error) => idp_error(diags, issuer, error),
        IssuerError::KeysChanged { .. } => diags.error(
            "The OIDC issuer rotated its keys since the plan",
            format!("{error}. Nothing was changed for this API; run `terraform apply` again to plan with the current keys."),
            attribute_path(&oidc_path()),
        ),
        IssuerError::KidTaken { kid, source } => diags.error(
            "OIDC key id already used in Kong",
            format!(
                "The key `{kid}` of `{issuer}` cannot be stored: Kong's jwt secrets are unique by key id across the whole workspace, and another consumer (another issuer, or an unmanaged jwt credential) already holds `{kid}`. Two issuers sharing a key id cannot be trusted in one Kong workspace with the open-source jwt plugin.\n\n{source}"
            ),
            attribute_path(&oidc_path()),
        ),
        IssuerError::Kong(error) => kong_error(
            diags,
            &format!("store the signing keys of `{issuer}`"),
            error,
            |_| None,
        ),
    }
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

/// Releases `issuer` after a failed [`prepare`] (no API entity records it yet) and turns a
/// failure into a warning: the error that made the apply fail is reported already.
async fn release_or_warn(diags: &mut Diagnostics, context: &Context, issuer: &str) {
    if let Err(error) = release(context, issuer, None).await {
        warn_issuer_left(diags, issuer, &error);
    }
}

/// Warns that the issuer's consumer could not be removed when nothing else records it.
pub fn warn_issuer_left(diags: &mut Diagnostics, issuer: &str, error: &KongError) {
    diags.root_warning(
        "OIDC issuer's keys left in Kong",
        format!(
            "No API of this provider uses `{issuer}` any more, but its Kong consumer `{}` (id {}) holding the issuer's keys could not be removed: {error}. It is harmless; the next API change that releases the issuer removes it, or delete it with the Admin API.",
            issuer::issuer_group(issuer),
            issuer::consumer_id(issuer)
        ),
    );
}

/// After a failed [`prepare`] that may have written some of the issuer's entities: releases the
/// issuer unless the API still uses it (`still_used`, its authentication before the change).
pub async fn undo_prepare(
    diags: &mut Diagnostics,
    context: &Context,
    auth: &Authentication,
    error: &IssuerError,
    still_used: Option<&Authentication>,
) {
    let wrote = matches!(error, IssuerError::KidTaken { .. } | IssuerError::Kong(_));
    if let (true, Some(issuer)) = (wrote, auth.jwt_issuer()) {
        if still_used.and_then(Authentication::jwt_issuer) != Some(issuer) {
            release_or_warn(diags, context, issuer).await;
        }
    }
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
        .inventory
        .jwt_secrets(&issuer::consumer_id(&oidc.issuer))
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
