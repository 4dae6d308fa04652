//! The `cors` block ⇄ Kong's `cors` plugin (`kong/plugins/cors/schema.lua`, Kong 3.9).

use super::{cors_method, cors_origin, keep, whole, CORS_METHODS};
use crate::kong::plugins::CorsConfig;
use crate::model::validate::KongRules;
use crate::model::{sorted, validate, AttrPath, Field, Issue, Number};

/// The `cors` block: each field `None` when not declared. Sets are sorted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cors {
    /// Allowed origins: `*` or regular expressions.
    pub origins: Option<Vec<String>>,
    /// Allowed methods.
    pub methods: Option<Vec<String>>,
    /// Allowed request headers.
    pub headers: Option<Vec<String>>,
    /// Response headers the browser may expose.
    pub exposed_headers: Option<Vec<String>>,
    /// Whether credentials are allowed.
    pub credentials: Option<bool>,
    /// How long (seconds) a preflight answer may be cached.
    pub max_age: Option<u64>,
    /// Whether preflights may reach a private network.
    pub private_network: Option<bool>,
    /// Whether requests without an `Origin` header get CORS headers.
    pub allow_origin_absent: Option<bool>,
}

/// The `cors` block at plan time; `None` elements are not known yet.
#[derive(Debug, Clone, Default)]
pub struct CorsDraft {
    pub origins: Field<Vec<Option<String>>>,
    pub methods: Field<Vec<Option<String>>>,
    pub headers: Field<Vec<Option<String>>>,
    pub exposed_headers: Field<Vec<Option<String>>>,
    pub max_age: Field<Number>,
    pub private_network: Field<bool>,
    pub allow_origin_absent: Field<bool>,
}

impl Cors {
    /// Kong's config: the declared fields only, so the others keep Kong's defaults.
    pub fn config(&self) -> CorsConfig {
        CorsConfig {
            origins: self.origins.clone(),
            methods: self.methods.clone(),
            headers: self.headers.clone(),
            exposed_headers: self.exposed_headers.clone(),
            credentials: self.credentials,
            max_age: self.max_age.map(Into::into),
            private_network: self.private_network,
            allow_origin_absent: self.allow_origin_absent,
        }
    }

    /// The block Kong's config amounts to; `prior` as for the rate limit
    /// ([`super::RateLimit::read`]).
    pub fn read(config: &CorsConfig, prior: Option<&Cors>) -> Cors {
        let declared = |f: fn(&Cors) -> bool| prior.map(f);
        let strings = |v: &Option<Vec<String>>| sorted(v.clone().unwrap_or_default());
        // Kong's cors answers every method when `methods` is null (or all of them), but none
        // when it is an empty list (`kong/plugins/cors/handler.lua`): an empty list is a value.
        let methods_unset = config.methods.is_none();
        let methods_default = |m: &Vec<String>| {
            let mut all: Vec<String> = CORS_METHODS.iter().map(|s| s.to_string()).collect();
            all.sort();
            methods_unset || *m == all
        };
        Cors {
            origins: keep(
                declared(|c| c.origins.is_some()),
                strings(&config.origins),
                Vec::is_empty,
            ),
            methods: keep(
                declared(|c| c.methods.is_some()),
                strings(&config.methods),
                methods_default,
            ),
            headers: keep(
                declared(|c| c.headers.is_some()),
                strings(&config.headers),
                Vec::is_empty,
            ),
            exposed_headers: keep(
                declared(|c| c.exposed_headers.is_some()),
                strings(&config.exposed_headers),
                Vec::is_empty,
            ),
            credentials: keep(
                declared(|c| c.credentials.is_some()),
                config.credentials.unwrap_or(false),
                |c| !c,
            ),
            max_age: keep(
                declared(|c| c.max_age.is_some()),
                whole(config.max_age.as_ref()),
                Option::is_none,
            )
            .flatten(),
            // Kong before 3.5 (3.10) has no such field: absent, it reads as the default.
            private_network: keep(
                declared(|c| c.private_network.is_some()),
                config.private_network.unwrap_or(false),
                |p| !p,
            ),
            allow_origin_absent: keep(
                declared(|c| c.allow_origin_absent.is_some()),
                config.allow_origin_absent.unwrap_or(true),
                |a| *a,
            ),
        }
    }
}

/// Every problem of the block that can be seen at plan time.
pub fn check(cors: &CorsDraft, rules: KongRules, issues: &mut Vec<Issue>) {
    let at = |name: &'static str| AttrPath::attr("cors").index(0).then(name);
    for origin in cors.origins.known_elements() {
        if let Err(why) = cors_origin(origin, rules) {
            issues.push(Issue::error(at("origins"), "Invalid CORS origin", why));
        }
    }
    for method in cors.methods.known_elements() {
        if let Err(why) = cors_method(method) {
            issues.push(Issue::error(at("methods"), "Invalid CORS method", why));
        }
    }
    for (name, values) in [
        ("headers", &cors.headers),
        ("exposed_headers", &cors.exposed_headers),
    ] {
        for header in values.known_elements() {
            if let Err(why) = validate::policy::cors_header(header) {
                issues.push(Issue::error(at(name), "Invalid CORS header", why));
            }
        }
    }
    if let Some(age) = cors.max_age.value() {
        if let Err(why) = validate::policy::max_age(age) {
            issues.push(Issue::error(at("max_age"), "Invalid CORS max_age", why));
        }
    }
    // Fields Kong added to its cors plugin (kong/plugins/cors/schema.lua): an older Kong
    // refuses a config that has them, whatever their value.
    for (name, field, known, since) in [
        (
            "private_network",
            &cors.private_network,
            rules.cors_private_network,
            "3.5",
        ),
        (
            "allow_origin_absent",
            &cors.allow_origin_absent,
            rules.cors_allow_origin_absent,
            "3.10",
        ),
    ] {
        if field.is_set() && !known {
            issues.push(Issue::error(
                at(name),
                "CORS setting unknown to this Kong",
                format!("Kong's cors plugin has `{name}` since Kong {since}: the Kong in use would refuse the plugin. Remove `{name}` (Kong then behaves as its default says), or use Kong {since} or later."),
            ));
        }
    }
}

/// The attribute behind a field of Kong's config.
pub fn attribute_of(kong_field: &str) -> Option<&'static str> {
    // Kong's names are the attributes' names.
    [
        "origins",
        "methods",
        "headers",
        "exposed_headers",
        "credentials",
        "max_age",
        "private_network",
        "allow_origin_absent",
    ]
    .into_iter()
    .find(|name| *name == kong_field)
}
