//! The plan-time rules that changed between Kong 3.x releases, chosen by the version of the
//! Kong in use (read when the provider is configured). Terraform validates a configuration
//! before it configures the provider: until the version is known, the rules are those of no
//! Kong in particular and refuse only what every Kong 3.x refuses (as far as the provider can
//! tell: docs/guides/kong-rules.md lists what it cannot), and the plan judges again with the
//! version's.

use super::regex::RegexLibrary;
use super::router_regex::RouterRegex;
use crate::kong::KongVersion;

/// The version-dependent rules of one Kong release.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KongRules {
    /// The PCRE library regex paths and CORS origins are compiled with.
    pub regex: RegexLibrary,
    /// How the router compiles regex paths.
    pub router: RouterRegex,
    /// Whether a plain path must be in Kong's normalised form (kong/db/schema/typedefs.lua
    /// `validate_path_with_regexes` compares it with `normalize(path, true)` since 3.1.0).
    pub normalised_paths: bool,
    /// Whether http-log's `http_endpoint` may be a vault reference (kong/plugins/http-log/
    /// schema.lua: `referenceable = true` since 3.2.0).
    pub referenceable_log_endpoint: bool,
    /// Whether Kong's jwt secrets take the algorithms Kong 3.7 added: PS256, PS384, PS512
    /// (kong/plugins/jwt/daos.lua `algorithm`, `one_of`; 3.0 to 3.6 know only HS*, RS*,
    /// ES256 and ES384).
    pub rsa_pss: bool,
    /// Whether the cors plugin has `private_network` (kong/plugins/cors/schema.lua, since 3.5.0).
    pub cors_private_network: bool,
    /// Whether the cors plugin has `allow_origin_absent` (kong/plugins/cors/schema.lua, added
    /// on Kong's main branch after 3.9, #14155: Kong 3.10).
    pub cors_allow_origin_absent: bool,
}

impl KongRules {
    /// Kong 3.9's, the release the rule corpus and the sandbox follow.
    pub const KONG_3_9: Self = Self {
        regex: RegexLibrary::Pcre2v10_44,
        router: RouterRegex::Regex1v10,
        normalised_paths: true,
        referenceable_log_endpoint: true,
        rsa_pss: true,
        cors_private_network: true,
        cors_allow_origin_absent: false,
    };

    /// While Kong's version is not known.
    pub const ANY: Self = Self {
        regex: RegexLibrary::Any,
        router: RouterRegex::Unchecked,
        normalised_paths: false,
        referenceable_log_endpoint: true,
        rsa_pss: true,
        cors_private_network: true,
        cors_allow_origin_absent: true,
    };

    /// The rules of `version` with the router of `router_flavor`. When Kong did not say which
    /// version it is, [`KongRules::ANY`] but for the router, which compiles regex paths with
    /// Rust's `regex` in every release unless its flavor is `traditional`.
    pub fn of(version: Option<&KongVersion>, router_flavor: Option<&str>) -> Self {
        let traditional = router_flavor == Some("traditional");
        let Some(version) = version else {
            let router = if traditional {
                RouterRegex::Unchecked
            } else {
                RouterRegex::Regex1v10
            };
            return Self {
                router,
                ..Self::ANY
            };
        };
        // `.requirements` of Kong/kong: `PCRE=8.45` up to 3.6.x (`RESTY_PCRE_VERSION` before
        // 3.4), `PCRE=10.43` at 3.7.0, `PCRE=10.44` at 3.8.0 and 3.9.x, `PCRE=10.45` from
        // 3.10 ("bump pcre2 library from 10.44 to 10.45", #14280).
        let regex = if version.at_least(&[3, 10]) {
            RegexLibrary::Pcre2v10_45
        } else if version.at_least(&[3, 8]) {
            RegexLibrary::Pcre2v10_44
        } else if version.at_least(&[3, 7]) {
            RegexLibrary::Pcre2v10_43
        } else {
            RegexLibrary::Pcre845
        };
        // Cargo.lock of atc-router at the commit each Kong pins (`.requirements`
        // `ATC_ROUTER`): regex 1.7.0 for 3.2 and 3.3, 1.9.1 for 3.4 and 3.5, 1.10.3 for 3.6;
        // 3.0 and 3.1 built atc-router 1.0.x, which asked for `regex = "1.5"`. The router
        // compiles regex paths under the `traditional_compatible` (default) and `expressions`
        // flavors, not `traditional` (kong/db/schema/entities/routes.lua).
        let router = if traditional {
            RouterRegex::Unchecked
        } else if version.at_least(&[3, 6]) {
            RouterRegex::Regex1v10
        } else if version.at_least(&[3, 4]) {
            RouterRegex::Regex1v9
        } else {
            RouterRegex::Regex1v7
        };
        Self {
            regex,
            router,
            normalised_paths: version.at_least(&[3, 1]),
            referenceable_log_endpoint: version.at_least(&[3, 2]),
            rsa_pss: version.at_least(&[3, 7]),
            cors_private_network: version.at_least(&[3, 5]),
            cors_allow_origin_absent: version.at_least(&[3, 10]),
        }
    }
}

impl Default for KongRules {
    fn default() -> Self {
        Self::KONG_3_9
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(version: &str) -> KongRules {
        KongRules::of(KongVersion::parse(version).as_ref(), None)
    }

    #[test]
    fn each_release_gets_the_libraries_it_bundles() {
        let cases = [
            ("3.0.2", RegexLibrary::Pcre845, RouterRegex::Regex1v7),
            ("3.1.1", RegexLibrary::Pcre845, RouterRegex::Regex1v7),
            ("3.2.2", RegexLibrary::Pcre845, RouterRegex::Regex1v7),
            ("3.4.3.12", RegexLibrary::Pcre845, RouterRegex::Regex1v9),
            ("3.6.1", RegexLibrary::Pcre845, RouterRegex::Regex1v10),
            ("3.7.1", RegexLibrary::Pcre2v10_43, RouterRegex::Regex1v10),
            ("3.8.0", RegexLibrary::Pcre2v10_44, RouterRegex::Regex1v10),
            ("3.9.3", RegexLibrary::Pcre2v10_44, RouterRegex::Regex1v10),
            (
                "3.10.0.1",
                RegexLibrary::Pcre2v10_45,
                RouterRegex::Regex1v10,
            ),
            (
                "3.12.0.0",
                RegexLibrary::Pcre2v10_45,
                RouterRegex::Regex1v10,
            ),
        ];
        for (version, regex, router) in cases {
            let rules = rules(version);
            assert_eq!((rules.regex, rules.router), (regex, router), "{version}");
        }
        assert_eq!(rules("3.9.3"), KongRules::KONG_3_9);
    }

    #[test]
    fn fields_follow_the_release_that_changed_them() {
        assert!(!rules("3.0.2").normalised_paths);
        assert!(rules("3.1.0").normalised_paths);
        assert!(!rules("3.1.1").referenceable_log_endpoint);
        assert!(rules("3.2.0").referenceable_log_endpoint);
        assert!(!rules("3.6.1").rsa_pss);
        assert!(rules("3.7.0").rsa_pss);
        assert!(!rules("3.4.2").cors_private_network);
        assert!(rules("3.5.0").cors_private_network);
        assert!(!rules("3.9.3").cors_allow_origin_absent);
        assert!(rules("3.10.0.1").cors_allow_origin_absent);
    }

    #[test]
    fn the_traditional_router_compiles_no_regex_and_an_unknown_version_is_any() {
        let version = KongVersion::parse("3.9.3");
        let traditional = KongRules::of(version.as_ref(), Some("traditional"));
        assert_eq!(traditional.router, RouterRegex::Unchecked);
        let compatible = KongRules::of(version.as_ref(), Some("traditional_compatible"));
        assert_eq!(compatible, KongRules::KONG_3_9);
        // An unknown version: the most lenient rules, but for the router every flavor but
        // `traditional` has.
        let unknown = KongRules::of(None, None);
        assert_eq!(unknown.router, RouterRegex::Regex1v10);
        assert_eq!(
            KongRules {
                router: RouterRegex::Unchecked,
                ..unknown
            },
            KongRules::ANY
        );
        assert_eq!(KongRules::of(None, Some("traditional")), KongRules::ANY);
    }
}
