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

use super::issuer;
use super::jwk;
use super::naming::Naming;
use super::{sorted, AttrPath, Field, Issue};
use crate::kong::plugins::{
    AclConfig, BasicAuthConfig, JwtConfig, OpenIdConnectConfig, PluginConfig,
};
use crate::kong::{Plugin, PluginFields};

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
    /// `allowed_groups`.
    pub allowed_groups: Field<Vec<Option<String>>>,
}

/// The `oidc` block at plan time.
#[derive(Debug, Clone, Default)]
pub struct OidcDraft {
    /// `issuer`.
    pub issuer: Field<String>,
    /// `audiences`.
    pub audiences: Field<Vec<Option<String>>>,
    /// `jwks_url`.
    pub jwks_url: Field<String>,
}

/// The authentication attributes of a declaration at plan time.
#[derive(Debug, Clone, Default)]
pub struct AuthDraft {
    /// `authentication`.
    pub authentication: Field<String>,
    /// The `basic_auth` block.
    pub basic_auth: Field<BasicDraft>,
    /// The `oidc` block.
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
            Field::Null => issues.push(Issue::error(
                oidc_path().index(0).then("issuer"),
                "Missing OIDC issuer",
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

/// The plugins that realise `auth` on the service `service_id`, tagged with `tags`.
pub fn plugins(
    auth: &Authentication,
    naming: &Naming,
    service_id: &str,
    tags: &[String],
) -> Vec<PluginFields> {
    let tagged = |extra: &[String]| tags.iter().chain(extra).cloned().collect::<Vec<_>>();
    let strings = |values: &[&str]| values.iter().map(|v| v.to_string()).collect::<Vec<_>>();
    match auth {
        Authentication::Public => Vec::new(),
        Authentication::Basic { allowed_groups } => {
            // The acl comes first, so that while plugins are being written the API refuses
            // more callers, never fewer.
            let mut out = Vec::new();
            if !allowed_groups.is_empty() {
                let allow = allowed_groups
                    .iter()
                    .map(|g| kong_group(naming, g))
                    .collect();
                let acl = AclConfig {
                    allow: Some(allow),
                    ..AclConfig::default()
                };
                out.push(PluginFields::new(&acl, service_id, tagged(&[])));
            }
            let basic = BasicAuthConfig {
                hide_credentials: Some(true),
                ..BasicAuthConfig::default()
            };
            out.push(PluginFields::new(&basic, service_id, tagged(&[])));
            out
        }
        Authentication::Oidc(oidc) => match oidc.mechanism {
            Mechanism::Jwt => {
                let issuer_tags = [issuer::issuer_tag(&oidc.issuer)];
                let acl = AclConfig {
                    allow: Some(vec![issuer::issuer_group(&oidc.issuer)]),
                    ..AclConfig::default()
                };
                let jwt = JwtConfig {
                    key_claim_name: Some("kid".into()),
                    claims_to_verify: Some(strings(&["exp"])),
                    uri_param_names: Some(Vec::new()),
                    cookie_names: Some(Vec::new()),
                    header_names: Some(Some(strings(&["authorization"]))),
                    anonymous: None,
                };
                vec![
                    PluginFields::new(&acl, service_id, tagged(&issuer_tags)),
                    PluginFields::new(&jwt, service_id, tagged(&issuer_tags)),
                ]
            }
            Mechanism::OpenIdConnect => {
                let config = OpenIdConnectConfig {
                    issuer: Some(oidc.issuer.clone()),
                    auth_methods: Some(strings(&["bearer"])),
                    bearer_token_param_type: Some(strings(&["header"])),
                    audience_required: (!oidc.audiences.is_empty()).then(|| oidc.audiences.clone()),
                    extra_jwks_uris: oidc.jwks_url.clone().map(|url| vec![url]),
                };
                vec![PluginFields::new(&config, service_id, tagged(&[]))]
            }
        },
    }
}

/// True when the declaration needs the service's plugins to be read back.
pub fn involves_plugins(auth: &Authentication) -> bool {
    *auth != Authentication::Public
}

fn active<'a>(plugins: &'a [Plugin], name: &str) -> Option<&'a Plugin> {
    plugins.iter().find(|p| p.name == name && p.enabled)
}

fn is_empty_list(value: &Option<Vec<String>>) -> bool {
    value.as_ref().is_none_or(Vec::is_empty)
}

/// basic-auth as this provider sets it: hiding credentials, with no anonymous fallback.
fn basic_auth_in_force(plugin: &Plugin) -> bool {
    plugin
        .config::<BasicAuthConfig>()
        .is_some_and(|c| c.hide_credentials == Some(true) && c.anonymous.is_none())
}

/// jwt as this provider sets it: keys by `kid`, `exp` checked, tokens in the Authorization
/// header only, no anonymous fallback.
fn jwt_in_force(plugin: &Plugin) -> bool {
    let Some(config) = plugin.config::<JwtConfig>() else {
        return false;
    };
    config.key_claim_name.as_deref() == Some("kid")
        && config
            .claims_to_verify
            .is_some_and(|claims| claims.iter().any(|c| c == "exp"))
        && is_empty_list(&config.uri_param_names)
        && is_empty_list(&config.cookie_names)
        && match config.header_names {
            // Kong compares header names without regard to case.
            Some(Some(names)) => {
                matches!(names.as_slice(), [name] if name.eq_ignore_ascii_case("authorization"))
            }
            Some(None) => false,
            None => true,
        }
        && config.anonymous.is_none()
}

/// The groups an `acl` plugin allows, when it works by allowing (not denying).
fn acl_allow(plugin: &Plugin) -> Option<Vec<String>> {
    let config = plugin.config::<AclConfig>()?;
    if !is_empty_list(&config.deny) {
        return None;
    }
    config.allow.filter(|allow| !allow.is_empty())
}

/// The authentication Kong's plugins amount to. A plugin whose settings no longer do what this
/// provider set (hidden credentials, keys by `kid`, ...) counts as absent, so that the plan
/// shows the difference and the next apply puts it back. `prior` supplies what Kong does not
/// hold on open source (audiences, `jwks_url`).
pub fn read_back(
    plugins: &[Plugin],
    prior: Option<&Authentication>,
    naming: &Naming,
) -> Authentication {
    let prior_oidc = match prior {
        Some(Authentication::Oidc(oidc)) => Some(oidc),
        _ => None,
    };
    let acl = active(plugins, ACL_PLUGIN).and_then(acl_allow);
    let oidc_plugin = active(plugins, OPENID_CONNECT_PLUGIN);
    let jwt = active(plugins, JWT_PLUGIN).filter(|p| jwt_in_force(p));
    let basic = active(plugins, BASIC_AUTH_PLUGIN).filter(|p| basic_auth_in_force(p));

    let prefer_oidc = prior.is_some_and(|p| p.mode() == AuthMode::Oidc) || basic.is_none();
    if let (Some(plugin), true) = (oidc_plugin, prefer_oidc) {
        let config = plugin.config::<OpenIdConnectConfig>().unwrap_or_default();
        let bearer_only = config.auth_methods.as_deref() == Some(&["bearer".to_string()][..]);
        let issuer = match config.issuer {
            Some(issuer) if bearer_only => issuer,
            _ => String::new(),
        };
        return Authentication::Oidc(Oidc {
            issuer,
            audiences: sorted(config.audience_required.unwrap_or_default()),
            jwks_url: config
                .extra_jwks_uris
                .unwrap_or_default()
                .into_iter()
                .next(),
            mechanism: Mechanism::OpenIdConnect,
            signing_key_ids: Vec::new(),
        });
    }
    if let (Some(_), true) = (jwt, prefer_oidc) {
        let issuer = match acl.as_deref() {
            Some([group]) => issuer::issuer_of_group(group).unwrap_or_default(),
            _ => String::new(),
        };
        let same_issuer = prior_oidc.filter(|p| p.issuer == issuer);
        return Authentication::Oidc(Oidc {
            audiences: same_issuer.map(|p| p.audiences.clone()).unwrap_or_default(),
            jwks_url: same_issuer.and_then(|p| p.jwks_url.clone()),
            issuer,
            mechanism: Mechanism::Jwt,
            signing_key_ids: Vec::new(),
        });
    }
    if basic.is_some() {
        let allowed_groups = acl
            .unwrap_or_default()
            .iter()
            .map(|g| user_group(naming, g))
            .collect();
        return Authentication::Basic {
            allowed_groups: sorted(allowed_groups),
        };
    }
    Authentication::Public
}

#[cfg(test)]
mod tests;
