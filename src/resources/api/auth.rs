//! The authentication part of `dispatch_api`: its attributes and blocks, their state ⇄ model
//! conversions, and the plan-time values that need Kong or the issuer (Kong's edition, the
//! issuer's key ids), asked through [`apply::api::plan_oidc`].

use serde::{Deserialize, Serialize};
use tf_provider::schema::{Attribute, NestedBlock};
use tf_provider::value::Value;
use tf_provider::Diagnostics;

use super::{errors, ApiState};
use crate::apply::api::PlanError;
use crate::apply::{self, Context};
use crate::diagnostics::report;
use crate::model::auth::{
    self as model, AuthDraft, AuthMode, Authentication, BasicDraft, Mechanism, Oidc, OidcDraft,
};
use crate::model::Field;
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
            "Who may call the API: `\"public\"` (anyone), `\"basic\"` (end users of `dispatch_basic_auth_user` with their username and password; see the `basic_auth` block) or `\"oidc\"` (bearer tokens of an OpenID Connect provider; see the `oidc` block). Kong answers 401 to callers without valid credentials. Default `\"public\"`.",
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
pub async fn plan(
    diags: &mut Diagnostics,
    context: &Context,
    planned: &mut ApiState,
    prior: Option<&ApiState>,
) {
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
    let jwks_url = block.jwks_url.as_ref_option().map(String::as_str);
    match apply::api::plan_oidc(context, issuer, jwks_url).await {
        Ok((mechanism, kids)) => {
            block.mechanism = Value::Value(mechanism.as_str().to_string());
            block.signing_key_ids =
                kids.map_or(Value::Null, |kids: Vec<String>| values::list(&kids));
        }
        Err(error) => {
            let issuer = issuer.clone();
            match (&error, held_keys(prior, block)) {
                (PlanError::Keys(why), Some((mechanism, kids))) => {
                    errors::warn_planned_with_held_keys(diags, &issuer, why);
                    block.mechanism = mechanism;
                    block.signing_key_ids = kids;
                }
                _ => {
                    errors::report_oidc_plan_error(diags, &issuer, &error);
                    return;
                }
            }
        }
    }
    if let Some(auth) = spec(planned) {
        report(diags, model::edition_issues(&auth));
    }
}

/// The mechanism and key ids the prior state holds for the same issuer and JWKS URL (what Kong
/// holds, as the refresh read it), for a plan that cannot ask the issuer: an API that exists
/// must stay plannable (and destroyable: Terraform plans before it destroys) while its issuer
/// is down. `None` for a new API or another issuer, whose keys only the issuer can give.
fn held_keys(prior: Option<&ApiState>, block: &OidcBlock) -> Option<(TfString, TfStringList)> {
    let Value::Value(held) = &prior?.oidc else {
        return None;
    };
    let same = held.issuer == block.issuer && held.jwks_url == block.jwks_url;
    let known = matches!(held.mechanism, Value::Value(_))
        && matches!(held.signing_key_ids, Value::Value(_));
    (same && known).then(|| (held.mechanism.clone(), held.signing_key_ids.clone()))
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
    plan(diags, context, planned, None).await;
    diags.errors.len() == errors
}
