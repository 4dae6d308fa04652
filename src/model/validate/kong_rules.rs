//! The plan-time rules that changed between Kong 3.x releases, chosen by the version of the
//! Kong in use (read when the provider is configured). Terraform validates a configuration
//! before it configures the provider: until the version is known, the rules are those of no
//! Kong in particular and refuse only what every Kong 3.x refuses, and the plan judges again
//! with the version's.

use super::regex::RegexLibrary;
use crate::kong::KongVersion;

/// The version-dependent rules of one Kong release.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KongRules {
    /// The PCRE library regex paths and CORS origins are compiled with.
    pub regex: RegexLibrary,
}

impl KongRules {
    /// Kong 3.9's, the release the rule corpus and the sandbox follow.
    pub const KONG_3_9: Self = Self {
        regex: RegexLibrary::Pcre2v10_44,
    };

    /// While Kong's version is not known.
    pub const ANY: Self = Self {
        regex: RegexLibrary::Any,
    };

    /// The rules of `version`; [`KongRules::ANY`] when Kong did not say which it is.
    pub fn of(version: Option<&KongVersion>) -> Self {
        let Some(version) = version else {
            return Self::ANY;
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
        Self { regex }
    }
}

impl Default for KongRules {
    fn default() -> Self {
        Self::KONG_3_9
    }
}
