//! Who may call an API ⇄ Kong plugins on its service.
//!
//! - public: no plugin;
//! - basic: `basic-auth` (credentials hidden from the function), plus `acl` allowing the
//!   `allowed_groups` when there are some;
//! - oidc on open-source Kong: `jwt` finding the key by the token's `kid` and checking `exp`,
//!   plus `acl` allowing only the issuer's group, because the jwt plugin would otherwise accept a
//!   token signed by any jwt secret of the workspace. The issuer's keys live on one consumer per
//!   issuer (see [`issuer`](super::issuer));
//! - oidc on Kong Enterprise: `openid-connect` with the issuer, bearer tokens from the
//!   `Authorization` header only, and the audiences required.

use super::jwk;
use super::naming::Naming;
use super::{AttrPath, Field, Issue};
use crate::kong::plugins::{
    AclConfig, BasicAuthConfig, JwtConfig, OpenIdConnectConfig, PluginConfig,
};

/// Kong's basic-auth plugin.
pub const BASIC_AUTH_PLUGIN: &str = BasicAuthConfig::NAME;
/// Kong's acl plugin.
pub const ACL_PLUGIN: &str = AclConfig::NAME;
/// Kong's bundled jwt plugin.
pub const JWT_PLUGIN: &str = JwtConfig::NAME;
/// Kong Enterprise's openid-connect plugin.
pub const OPENID_CONNECT_PLUGIN: &str = OpenIdConnectConfig::NAME;

/// How end users are authenticated, as users write it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMode {
    /// Anyone.
    Public,
    /// Username and password (`dispatch_basic_auth_user`).
    Basic,
    /// Bearer tokens of an OpenID Connect provider.
    Oidc,
}

impl AuthMode {
    /// Every mode, in documentation order.
    pub const ALL: [AuthMode; 3] = [AuthMode::Public, AuthMode::Basic, AuthMode::Oidc];

    /// The value users write.
    pub fn as_str(self) -> &'static str {
        match self {
            AuthMode::Public => "public",
            AuthMode::Basic => "basic",
            AuthMode::Oidc => "oidc",
        }
    }

    /// Parses the value users write.
    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.as_str() == value)
    }
}

/// Which Kong plugin checks OIDC tokens; it depends on Kong's edition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mechanism {
    /// Open source: the bundled `jwt` plugin with the issuer's keys as jwt secrets.
    Jwt,
    /// Enterprise: the `openid-connect` plugin.
    OpenIdConnect,
}

impl Mechanism {
    /// The value recorded in state (the plugin's name).
    pub fn as_str(self) -> &'static str {
        match self {
            Mechanism::Jwt => JWT_PLUGIN,
            Mechanism::OpenIdConnect => OPENID_CONNECT_PLUGIN,
        }
    }

    /// Parses the recorded value.
    pub fn parse(value: &str) -> Option<Self> {
        [Mechanism::Jwt, Mechanism::OpenIdConnect]
            .into_iter()
            .find(|m| m.as_str() == value)
    }

    /// The mechanism Kong's edition offers.
    pub fn for_edition(enterprise: bool) -> Self {
        if enterprise {
            Mechanism::OpenIdConnect
        } else {
            Mechanism::Jwt
        }
    }
}

/// An API's OpenID Connect settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Oidc {
    /// The issuer (`iss`), exactly as tokens carry it. Empty when read back from Kong entities
    /// that restrict tokens to no issuer (a deleted acl plugin).
    pub issuer: String,
    /// Accepted audiences, sorted (enforced by `openid-connect` only).
    pub audiences: Vec<String>,
    /// Where the keys are, when not from discovery.
    pub jwks_url: Option<String>,
    /// The plugin that checks tokens.
    pub mechanism: Mechanism,
    /// With [`Mechanism::Jwt`]: the `kid`s of the issuer's keys held by Kong, sorted.
    pub signing_key_ids: Vec<String>,
}

/// How an API authenticates its callers.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Authentication {
    /// Anyone may call.
    #[default]
    Public,
    /// Basic credentials of `dispatch_basic_auth_user`s; only members of one of
    /// `allowed_groups` (sorted, without the organization prefix) when it is not empty.
    Basic {
        /// Groups allowed.
        allowed_groups: Vec<String>,
    },
    /// Bearer tokens of an OpenID Connect issuer.
    Oidc(Oidc),
}

impl Authentication {
    /// The mode users write.
    pub fn mode(&self) -> AuthMode {
        match self {
            Authentication::Public => AuthMode::Public,
            Authentication::Basic { .. } => AuthMode::Basic,
            Authentication::Oidc(_) => AuthMode::Oidc,
        }
    }

    /// The issuer whose keys Kong holds for this API (open-source OIDC only).
    pub fn jwt_issuer(&self) -> Option<&str> {
        match self {
            Authentication::Oidc(oidc) if oidc.mechanism == Mechanism::Jwt => {
                Some(oidc.issuer.as_str()).filter(|i| !i.is_empty())
            }
            _ => None,
        }
    }
}

/// The Kong ACL group of a user group: `<organization>.<group>` in an organization, so that
/// organizations sharing a Kong never share groups (organizations have no `.`, so the prefix
/// is unambiguous).
pub fn kong_group(naming: &Naming, group: &str) -> String {
    naming.kong_name(group)
}

/// The user group behind a Kong ACL group; a group outside the organization is shown as Kong
/// names it.
pub fn user_group(naming: &Naming, kong_group: &str) -> String {
    naming.shown_name(kong_group)
}

/// Checks a group name: letters, digits, `.`, `-`, `_`, `@`, starting with a letter or digit.
/// Kong accepts any string, but groups travel in the `X-Consumer-Groups` header, comma-joined.
pub fn group_name(group: &str) -> Result<(), String> {
    let mut chars = group.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphanumeric());
    if first_ok && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '@')) {
        Ok(())
    } else {
        Err(format!(
            "`{group}` is not a valid group: use letters, digits, `.`, `-`, `_` and `@`, starting with a letter or digit"
        ))
    }
}

/// The `basic_auth` block at plan time.
#[derive(Debug, Clone, Default)]
pub struct BasicDraft {
    pub allowed_groups: Field<Vec<Option<String>>>,
}

/// The `oidc` block at plan time.
#[derive(Debug, Clone, Default)]
pub struct OidcDraft {
    pub issuer: Field<String>,
    pub audiences: Field<Vec<Option<String>>>,
    pub jwks_url: Field<String>,
}

/// The authentication attributes of a declaration at plan time, each field the attribute (or
/// block) of its name.
#[derive(Debug, Clone, Default)]
pub struct AuthDraft {
    pub authentication: Field<String>,
    pub basic_auth: Field<BasicDraft>,
    pub oidc: Field<OidcDraft>,
}

fn basic_path() -> AttrPath {
    AttrPath::attr("basic_auth")
}

fn oidc_path() -> AttrPath {
    AttrPath::attr("oidc")
}

/// Every problem of the authentication attributes that can be seen without Kong.
pub fn check_draft(draft: &AuthDraft) -> Vec<Issue> {
    let mut issues = Vec::new();
    let mode = match &draft.authentication {
        Field::Value(raw) => match AuthMode::parse(raw) {
            Some(mode) => Field::Value(mode),
            None => {
                issues.push(Issue::error(
                    AttrPath::attr("authentication"),
                    "Invalid authentication mode",
                    format!("`{raw}` is not one of \"public\", \"basic\" or \"oidc\""),
                ));
                Field::Unknown
            }
        },
        Field::Null => Field::Value(AuthMode::Public),
        Field::Unknown => Field::Unknown,
    };
    if let Field::Value(mode) = mode {
        if draft.basic_auth.is_set() && mode != AuthMode::Basic {
            issues.push(Issue::error(
                basic_path(),
                "basic_auth block without basic authentication",
                format!(
                    "The `basic_auth` block only applies with `authentication = \"basic\"`, and this API's authentication is \"{}\". Set `authentication = \"basic\"` or remove the block.",
                    mode.as_str()
                ),
            ));
        }
        if draft.oidc.is_set() && mode != AuthMode::Oidc {
            issues.push(Issue::error(
                oidc_path(),
                "oidc block without OIDC authentication",
                format!(
                    "The `oidc` block only applies with `authentication = \"oidc\"`, and this API's authentication is \"{}\". Set `authentication = \"oidc\"` or remove the block.",
                    mode.as_str()
                ),
            ));
        }
        if mode == AuthMode::Oidc && matches!(draft.oidc, Field::Null) {
            issues.push(Issue::error(
                oidc_path(),
                "Missing OIDC issuer",
                "`authentication = \"oidc\"` needs an `oidc` block naming the issuer whose tokens are honoured, for example `oidc { issuer = \"https://login.example.com\" }`.",
            ));
        }
    }
    if let Field::Value(basic) = &draft.basic_auth {
        for group in basic.allowed_groups.known_elements() {
            if let Err(detail) = group_name(group) {
                issues.push(Issue::error(
                    basic_path().index(0).then("allowed_groups"),
                    "Invalid group",
                    detail,
                ));
            }
        }
    }
    if let Field::Value(oidc) = &draft.oidc {
        match &oidc.issuer {
            Field::Value(issuer) => {
                if let Err(detail) = jwk::identity_provider_url(issuer) {
                    issues.push(Issue::error(
                        oidc_path().index(0).then("issuer"),
                        "Invalid OIDC issuer",
                        detail,
                    ));
                }
            }
            Field::Null => issues.push(super::null_required(
                oidc_path().index(0).then("issuer"),
                "OIDC issuer",
                "Set `issuer` to the issuer identifier of the OpenID Connect provider (the `iss` of its tokens).",
            )),
            Field::Unknown => {}
        }
        if let Field::Value(url) = &oidc.jwks_url {
            if let Err(detail) = jwk::identity_provider_url(url) {
                issues.push(Issue::error(
                    oidc_path().index(0).then("jwks_url"),
                    "Invalid JWKS URL",
                    detail,
                ));
            }
        }
        for audience in oidc.audiences.known_elements() {
            if audience.trim().is_empty() {
                issues.push(Issue::error(
                    oidc_path().index(0).then("audiences"),
                    "Invalid audience",
                    "An audience cannot be empty.",
                ));
            }
        }
    }
    issues
}

/// What is worth saying about a known declaration once Kong's edition is known.
pub fn edition_issues(auth: &Authentication) -> Vec<Issue> {
    match auth {
        Authentication::Oidc(oidc)
            if oidc.mechanism == Mechanism::Jwt && !oidc.audiences.is_empty() =>
        {
            vec![Issue::warning(
                oidc_path().index(0).then("audiences"),
                "Audiences are not enforced on open-source Kong",
                format!(
                    "This Kong is the open-source edition, whose `jwt` plugin checks a token's signature and expiry but not its `aud` claim: a token of `{}` issued for another audience ({}) is accepted too. Kong Enterprise's openid-connect plugin enforces audiences; on open source, give this API its own issuer (or realm) if the difference matters.",
                    oidc.issuer,
                    oidc.audiences.join(", ")
                ),
            )]
        }
        _ => Vec::new(),
    }
}

mod kong;

pub use kong::{involves_plugins, plugins, read_back};

#[cfg(test)]
mod tests;
