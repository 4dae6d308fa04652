//! The plan-time checks of a `dispatch_api` that need no provider configuration.

use super::{HttpsMode, REDIRECT_CODES};
use crate::model::policies::{self, PoliciesDraft};
use crate::model::{naming, validate, AttrPath, Field, Issue};

/// The values of a declaration at plan time, for the checks that span attributes.
#[derive(Debug, Clone, Default)]
pub struct Draft {
    /// `name`.
    pub name: Field<String>,
    /// `function`.
    pub function: Field<String>,
    /// `upstream_url`.
    pub upstream_url: Field<String>,
    /// `hosts`; `None` elements are not known yet.
    pub hosts: Field<Vec<Option<String>>>,
    /// `paths`.
    pub paths: Field<Vec<Option<String>>>,
    /// `methods`.
    pub methods: Field<Vec<Option<String>>>,
    /// `https`.
    pub https: Field<String>,
    /// `https_redirect_status_code`.
    pub redirect_code: Field<i64>,
    /// `tags`.
    pub tags: Field<Vec<Option<String>>>,
    /// The policy attributes and blocks.
    pub policies: PoliciesDraft,
}

/// Every problem of a declaration that can be seen without the provider configuration.
pub fn check_draft(draft: &Draft) -> Vec<Issue> {
    let mut issues = Vec::new();
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
                    validate::route_path(path),
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
        if !REDIRECT_CODES.iter().any(|c| i64::from(*c) == *code) {
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
    issues.extend(policies::check(&draft.policies));
    issues
}
