//! The plan-time checks of a `dispatch_api` that need no provider configuration.

use super::{HttpsMode, REDIRECT_CODES};
use crate::model::policies::{self, PoliciesDraft};
use crate::model::validate::KongRules;
use crate::model::{naming, null_required, validate, AttrPath, Field, Issue, Number};

/// The values of a declaration at plan time, for the checks that span attributes. Each field
/// holds the attribute of its name.
#[derive(Debug, Clone, Default)]
pub struct Draft {
    pub name: Field<String>,
    pub function: Field<String>,
    pub upstream_url: Field<String>,
    /// `hosts`; `None` elements are not known yet.
    pub hosts: Field<Vec<Option<String>>>,
    pub paths: Field<Vec<Option<String>>>,
    pub methods: Field<Vec<Option<String>>>,
    pub https: Field<String>,
    /// `https_redirect_status_code`.
    pub redirect_code: Field<Number>,
    pub tags: Field<Vec<Option<String>>>,
    /// The policy attributes and blocks.
    pub policies: PoliciesDraft,
}

/// Every problem of a declaration that can be seen without the provider configuration, by the
/// `rules` of the Kong in use ([`KongRules::ANY`] before it is known).
pub fn check_draft(draft: &Draft, rules: KongRules) -> Vec<Issue> {
    let mut issues = Vec::new();
    if draft.name == Field::Null {
        issues.push(null_required(
            AttrPath::attr("name"),
            "API name",
            "Every API needs a name: letters, digits, `-` and `_`.",
        ));
    }
    let mut check = |path: AttrPath, summary: &str, result: Result<(), String>| {
        if let Err(detail) = result {
            issues.push(Issue::error(path, summary, detail));
        }
    };
    if let Some(name) = draft.name.value() {
        check(
            AttrPath::attr("name"),
            "Invalid API name",
            validate::api_name(name),
        );
    }
    if let Some(function) = draft.function.value() {
        check(
            AttrPath::attr("function"),
            "Invalid function name",
            validate::function_name(function),
        );
    }
    if let Some(url) = draft.upstream_url.value() {
        check(
            AttrPath::attr("upstream_url"),
            "Invalid upstream URL",
            validate::upstream_url(url).map(|_| ()),
        );
    }
    if draft.function.is_set() && draft.upstream_url.is_set() {
        check(
            AttrPath::attr("upstream_url"),
            "Conflicting upstream",
            Err("`upstream_url` and `function` cannot both be set: an API invokes either a Dispatch function or another URL".into()),
        );
    }
    for host in draft.hosts.known_elements() {
        check(
            AttrPath::attr("hosts"),
            "Invalid host",
            validate::route_host(host),
        );
    }
    if let Field::Value(paths) = &draft.paths {
        for (i, path) in paths.iter().enumerate() {
            if let Some(path) = path {
                check(
                    AttrPath::attr("paths").index(i),
                    "Invalid path",
                    validate::route_path(path, rules),
                );
            }
        }
    }
    for method in draft.methods.known_elements() {
        check(
            AttrPath::attr("methods"),
            "Invalid method",
            validate::method(method),
        );
    }
    for tag in draft.tags.known_elements() {
        check(AttrPath::attr("tags"), "Invalid tag", validate::tag(tag));
        check(
            AttrPath::attr("tags"),
            "Reserved tag",
            naming::user_tag(tag),
        );
    }
    let https = draft.https.value().map(|h| (h, HttpsMode::parse(h)));
    if let Some((raw, None)) = https {
        check(
            AttrPath::attr("https"),
            "Invalid https mode",
            Err(format!(
                "`{raw}` is not one of \"disabled\", \"optional\" or \"required\""
            )),
        );
    }
    if let Some(code) = draft.redirect_code.value() {
        if !REDIRECT_CODES
            .iter()
            .any(|c| code.to_i128() == Some(i128::from(*c)))
        {
            check(
                AttrPath::attr("https_redirect_status_code"),
                "Invalid redirect status code",
                Err(format!(
                    "{code} is not one of 426 (\"Please use HTTPS\"), 301, 302, 307 or 308"
                )),
            );
        }
        let required = match &draft.https {
            Field::Value(h) => h == HttpsMode::Required.as_str(),
            Field::Null => false,
            Field::Unknown => true,
        };
        if !required {
            check(
                AttrPath::attr("https_redirect_status_code"),
                "Redirect code without HTTPS-only",
                Err("`https_redirect_status_code` only applies when `https = \"required\"`: plain HTTP is otherwise served".into()),
            );
        }
    }
    issues.extend(policies::check(&draft.policies, rules));
    issues
}
