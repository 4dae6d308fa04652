//! The authentication of an API ⇄ the Kong plugins on its service.

use super::{
    kong_group, user_group, AuthMode, Authentication, Mechanism, Oidc, ACL_PLUGIN,
    BASIC_AUTH_PLUGIN, JWT_PLUGIN, OPENID_CONNECT_PLUGIN,
};
use crate::kong::plugins::{AclConfig, BasicAuthConfig, JwtConfig, OpenIdConnectConfig};
use crate::kong::{Plugin, PluginFields};
use crate::model::naming::Naming;
use crate::model::{issuer, jwk, sorted};

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

/// openid-connect as this provider sets it: bearer tokens only, from the Authorization header
/// only (Kong's default also reads them from the query string and the body).
fn openid_connect_in_force(config: &OpenIdConnectConfig) -> bool {
    let only = |value: &Option<Vec<String>>, wanted: &str| matches!(value.as_deref(), Some([one]) if one == wanted);
    only(&config.auth_methods, "bearer")
        && (config.bearer_token_param_type.is_none()
            || only(&config.bearer_token_param_type, "header"))
}

/// An issuer a declaration accepts (see `validate`), so that an imported API plans.
fn is_recognised_issuer(issuer: &str) -> bool {
    jwk::identity_provider_url(issuer).is_ok()
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
    // What restricts tokens to one issuer, when it is not the provider's shape: for an API
    // declared with `oidc`, an empty issuer (drift the plan shows and the apply undoes); for any
    // other (an import above all), no OIDC at all, because `oidc { issuer = "" }` is no
    // declaration. The plugin then stays outside the declaration, named by `not_expressed`.
    let issuer_read = |issuer: Option<String>| match issuer {
        Some(issuer) if prior_oidc.is_some() || is_recognised_issuer(&issuer) => Some(issuer),
        _ => prior_oidc.map(|_| String::new()),
    };
    let oidc_issuer = oidc_plugin.filter(|_| prefer_oidc).and_then(|plugin| {
        let config = plugin.config::<OpenIdConnectConfig>().unwrap_or_default();
        let issuer = config
            .issuer
            .clone()
            .filter(|_| openid_connect_in_force(&config));
        issuer_read(issuer).map(|issuer| (issuer, config))
    });
    if let Some((issuer, config)) = oidc_issuer {
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
    let jwt_issuer = jwt.filter(|_| prefer_oidc).and_then(|_| {
        issuer_read(match acl.as_deref() {
            Some([group]) => issuer::issuer_of_group(group),
            _ => None,
        })
    });
    if let Some(issuer) = jwt_issuer {
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
