//! The `rate_limit` block ⇄ Kong's `rate-limiting` plugin (`kong/plugins/rate-limiting/schema.lua`,
//! Kong 3.9).
//!
//! One struct holds the block at every stage (see [`RateLimit`]), and one table pairs each
//! attribute with Kong's config field ([`limits`], [`texts`]): a new attribute is a field of
//! the struct, its line in [`RateLimit::try_map`] and its row in a table, all in this file.

use serde::{Deserialize, Serialize};
use serde_json::Number;

use super::{keep, kong_header_name, whole};
use crate::kong::plugins::RateLimitingConfig;
use crate::model::{validate, AttrPath, Field, Issue, Number as Decimal};

/// What `rate-limiting` can count requests by (kong/plugins/rate-limiting/schema.lua `limit_by`,
/// Kong 3.9: one_of).
pub const LIMIT_BY: [&str; 6] = ["consumer", "credential", "ip", "service", "header", "path"];
/// Kong's default `limit_by`.
pub const DEFAULT_LIMIT_BY: &str = "consumer";

/// The `rate_limit` block. Each limit is held as an `N` and each other attribute as a `T`: a
/// declaration (the default) holds `Option<u64>` and `Option<String>` (`None`: not declared),
/// the plan-time [`RateLimitDraft`] holds [`Field`]s, and the Terraform glue holds its own
/// values in the same struct, so that the block's attributes are listed here only.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RateLimit<N = Option<u64>, T = Option<String>> {
    /// Requests per second.
    pub per_second: N,
    /// Requests per minute.
    pub per_minute: N,
    /// Requests per hour.
    pub per_hour: N,
    /// Requests per day.
    pub per_day: N,
    /// Requests per month.
    pub per_month: N,
    /// Requests per year.
    pub per_year: N,
    /// What requests are counted by.
    pub limit_by: T,
    /// The header counted by, with `limit_by = "header"`.
    pub header_name: T,
    /// The path counted, with `limit_by = "path"`.
    pub path: T,
}

/// The `rate_limit` block at plan time.
pub type RateLimitDraft = RateLimit<Field<Decimal>, Field<String>>;

impl<N, T> RateLimit<N, T> {
    /// The block with every limit converted by `limit` and every other value by `text`;
    /// `None` when one of them cannot be (a value not known yet, say).
    pub fn try_map<M, U>(
        &self,
        limit: impl Fn(&N) -> Option<M>,
        text: impl Fn(&T) -> Option<U>,
    ) -> Option<RateLimit<M, U>> {
        Some(RateLimit {
            per_second: limit(&self.per_second)?,
            per_minute: limit(&self.per_minute)?,
            per_hour: limit(&self.per_hour)?,
            per_day: limit(&self.per_day)?,
            per_month: limit(&self.per_month)?,
            per_year: limit(&self.per_year)?,
            limit_by: text(&self.limit_by)?,
            header_name: text(&self.header_name)?,
            path: text(&self.path)?,
        })
    }
}

/// One attribute of the block beside Kong's config field.
pub struct Attribute<N, T, V, K> {
    /// The attribute's name.
    pub name: &'static str,
    /// Kong's config field.
    pub kong: &'static str,
    /// Where a block holds it.
    pub block: fn(&mut RateLimit<N, T>) -> &mut V,
    /// Where Kong's config holds it.
    pub config: fn(&mut RateLimitingConfig) -> &mut Option<K>,
}

/// A limit of the block.
pub type Limit<N, T> = Attribute<N, T, N, Number>;
/// Another attribute of the block, with Kong's default (`None`: no default).
pub type Text<N, T> = (Attribute<N, T, T, String>, Option<&'static str>);

/// The limits, shortest period first (Kong wants a longer period's limit to be at least a
/// shorter one's).
#[rustfmt::skip]
pub fn limits<N, T>() -> Vec<Limit<N, T>> {
    vec![
        Attribute { name: "per_second", kong: "second", block: |b| &mut b.per_second, config: |c| &mut c.second },
        Attribute { name: "per_minute", kong: "minute", block: |b| &mut b.per_minute, config: |c| &mut c.minute },
        Attribute { name: "per_hour", kong: "hour", block: |b| &mut b.per_hour, config: |c| &mut c.hour },
        Attribute { name: "per_day", kong: "day", block: |b| &mut b.per_day, config: |c| &mut c.day },
        Attribute { name: "per_month", kong: "month", block: |b| &mut b.per_month, config: |c| &mut c.month },
        Attribute { name: "per_year", kong: "year", block: |b| &mut b.per_year, config: |c| &mut c.year },
    ]
}

/// The other attributes, with Kong's default for each (`None`: no default).
#[rustfmt::skip]
pub fn texts<N, T>() -> Vec<Text<N, T>> {
    vec![
        (Attribute { name: "limit_by", kong: "limit_by", block: |b| &mut b.limit_by, config: |c| &mut c.limit_by }, Some(DEFAULT_LIMIT_BY)),
        (Attribute { name: "header_name", kong: "header_name", block: |b| &mut b.header_name, config: |c| &mut c.header_name }, None),
        (Attribute { name: "path", kong: "path", block: |b| &mut b.path, config: |c| &mut c.path }, None),
    ]
}

/// The attribute behind a field of Kong's config.
pub fn attribute_of(kong_field: &str) -> Option<&'static str> {
    let limits = limits::<(), ()>().into_iter().map(|a| (a.kong, a.name));
    let texts = texts::<(), ()>().into_iter().map(|(a, _)| (a.kong, a.name));
    limits
        .chain(texts)
        .find(|(kong, _)| *kong == kong_field)
        .map(|(_, name)| name)
}

impl RateLimit {
    /// Kong's config: the declared fields only, so the others keep Kong's defaults.
    pub fn config(&self) -> RateLimitingConfig {
        let mut declared = self.clone();
        let mut config = RateLimitingConfig::default();
        for limit in limits() {
            *(limit.config)(&mut config) = (limit.block)(&mut declared).map(Number::from);
        }
        for (text, _) in texts() {
            *(text.config)(&mut config) = (text.block)(&mut declared).take();
        }
        config
    }

    /// The block Kong's config amounts to. `prior` (the last known block) says which fields
    /// the user declared: those are read whatever Kong holds, so drift shows; the others only
    /// when they differ from Kong's default (after an import), so defaults never show.
    pub fn read(config: &RateLimitingConfig, prior: Option<&RateLimit>) -> RateLimit {
        let mut config = config.clone();
        let mut prior = prior.cloned();
        let mut out = RateLimit::default();
        for limit in limits() {
            let declared = prior.as_mut().map(|p| (limit.block)(p).is_some());
            let observed = whole((limit.config)(&mut config).as_ref());
            *(limit.block)(&mut out) = keep(declared, observed, Option::is_none).flatten();
        }
        for (text, default) in texts() {
            let declared = prior.as_mut().map(|p| (text.block)(p).is_some());
            let observed = (text.config)(&mut config)
                .take()
                .or(default.map(str::to_string));
            *(text.block)(&mut out) =
                keep(declared, observed, |o| o.as_deref() == default).flatten();
        }
        out
    }
}

/// Every problem of the block that can be seen at plan time.
pub fn check(limit: &RateLimitDraft, issues: &mut Vec<Issue>) {
    let at = |name: &'static str| AttrPath::attr("rate_limit").index(0).then(name);
    let mut draft = limit.clone();
    let mut valid: Vec<(&'static str, u64)> = Vec::new();
    let mut none_set = true;
    for period in limits() {
        let value = (period.block)(&mut draft);
        none_set &= matches!(value, Field::Null);
        if let Some(v) = value.value() {
            match validate::policy::rate_limit(period.name, v) {
                Ok(n) => valid.push((period.name, n)),
                Err(why) => issues.push(Issue::error(at(period.name), "Invalid rate limit", why)),
            }
        }
    }
    if none_set {
        let names: Vec<String> = limits::<(), ()>()
            .iter()
            .map(|l| format!("`{}`", l.name))
            .collect();
        let listed = match names.split_last() {
            Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
            None => String::new(),
        };
        // On the first limit: Terraform shows a block's own path as the whole resource.
        issues.push(Issue::error(
            at("per_second"),
            "Rate limit without a limit",
            format!("Set at least one of {listed} (Kong's rate-limiting needs one), or remove the `rate_limit` block."),
        ));
    }
    // Kong: a longer period's limit may not be lower than a shorter one's
    // (kong/plugins/rate-limiting/schema.lua `validate_periods_order`, Kong 3.9).
    for (j, &(longer, high)) in valid.iter().enumerate() {
        if let Some(&(shorter, low)) = valid[..j].iter().find(|(_, low)| high < *low) {
            issues.push(Issue::error(
                at(longer),
                "Rate limits must grow with the period",
                format!(
                    "`{longer}` ({high}) is lower than `{shorter}` ({low}): Kong requires the limit of a longer period to be at least the limit of a shorter one."
                ),
            ));
        }
    }
    let limit_by = limit.limit_by.value().map(String::as_str);
    if let Some(by) = limit_by {
        if !LIMIT_BY.contains(&by) {
            issues.push(Issue::error(
                at("limit_by"),
                "Invalid limit_by",
                format!("`{by}` is not one of \"consumer\", \"credential\", \"ip\", \"service\", \"header\" or \"path\"."),
            ));
        }
    }
    let unknown_by = matches!(limit.limit_by, Field::Unknown);
    for (field, attr, needed_by, what) in [
        (
            &limit.header_name,
            "header_name",
            "header",
            "by the value of a request header: set `header_name` to that header",
        ),
        (&limit.path, "path", "path", "to one path: set `path` to it"),
    ] {
        let needed = limit_by == Some(needed_by);
        match field {
            Field::Null if needed => issues.push(Issue::error(
                at("limit_by"),
                "Incomplete rate limit",
                format!("`limit_by = \"{needed_by}\"` counts requests {what}."),
            )),
            Field::Value(_) if !needed && !unknown_by => issues.push(Issue::error(
                at(attr),
                "Unused rate limit setting",
                format!("`{attr}` is only used with `limit_by = \"{needed_by}\"`: set that, or remove `{attr}`."),
            )),
            _ => {}
        }
    }
    if let Some(name) = limit.header_name.value() {
        if let Err(why) = kong_header_name(name) {
            issues.push(Issue::error(at("header_name"), "Invalid header name", why));
        }
    }
    if let Some(path) = limit.path.value() {
        if let Err(why) = validate::service_path(path) {
            issues.push(Issue::error(
                at("path"),
                "Invalid rate limit path",
                format!("`{path}`: {why}"),
            ));
        }
    }
}
