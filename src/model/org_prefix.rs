//! Keeping the APIs of an organization under its path prefix, `/<organization>/`.
//!
//! An API without hosts is served under `/<organization>`: each of its paths is put behind the
//! prefix. A plain path is a literal prefix, so `/shop` + `/cart` can only match requests that
//! start with `/shop/cart`. A regular expression is different: Kong anchors a regex path at its
//! start only, so a naive `~/shop` + `/a|/admin` also matches `/admin`, outside the organization.
//! Kong 3.9 matches regex paths two ways, and both anchor only the start:
//! - `router_flavor = traditional_compatible` (the default) and `expressions`: the Rust `regex`
//!   crate, on `"^" .. path:sub(2):gsub("?<", "?P<")` (kong/router/transform.lua,
//!   `path_val_transform`), through atc-router 1.6.2 (`regex` 1.10.4);
//! - `router_flavor = traditional`: PCRE2 10.44 with the "a" (anchored) option, on
//!   `"(*LIMIT_MATCH=10000)" .. path .. "(?<uri_postfix>.*)"` (kong/router/traditional.lua,
//!   `marshall_route` and `match_regex_uri`).
//!
//! So the user's regex (without its leading `/`) is put in a non-capturing group after the
//! literal `/<organization>/`: `~/shop/a|/admin` becomes `~/shop/(?:a|/admin)`. A regex whose
//! group would not hold it whole is refused, and each result is checked with both engines:
//! - Rust `regex`: the parsed expression must be `^` followed by the literal `/<org>/`;
//! - PCRE2: the user's own regex (which starts with the plain `/`, so nothing in it is at the
//!   start of a pattern) and the result must both compile. PCRE2 reads what follows `(?:` the
//!   way it reads what follows `/`, so a regex that compiles on its own is balanced, and any
//!   construct that would run past its end (an unterminated `\Q`, a `#` comment under `(?x)`)
//!   swallows the group's `)` and fails to compile, rather than closing the group early.
//!
//! The property tests in `tests/org_prefix.rs` try to escape the prefix with generated regexes
//! and check, with both engines matching as Kong does, that no path outside it matches.

use regex_syntax::hir::{Hir, HirKind, Look};

use super::validate::{self, KongRules};

/// Why a path cannot be served under the organization's prefix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PrefixError {
    /// Not a path at all (checked on its own elsewhere; never made into a Kong path).
    #[error("`{path}` is not a valid path: {why}")]
    Invalid {
        path: String,
        /// Why not.
        why: String,
    },
    /// The regex's first `/` is quantified, so a match need not start with `/<org>/`.
    #[error("`{path}` makes its leading `/` optional or repeated (`/{quantifier}`): under the organization every path starts with `{prefix}/`, so the regex must start with a plain `/`")]
    QuantifiedSlash {
        path: String,
        /// The organization's prefix.
        prefix: String,
        /// The quantifier after the leading `/`.
        quantifier: char,
    },
    /// The regex cannot be held in a group after the prefix.
    #[error("`{path}` cannot be kept under the organization's prefix `{prefix}/`: {why}")]
    Unconfinable {
        path: String,
        /// The organization's prefix.
        prefix: String,
        /// What the check found.
        why: String,
    },
    /// The organization's prefix is not a plain `/<name>` (never the case for a valid
    /// organization name; refused rather than written into a regex).
    #[error("the organization prefix `{prefix}` is not a plain `/<name>`")]
    Prefix { prefix: String },
}

/// The Kong paths of an API served under `prefix` (`/shop`), in the order of `paths`. No paths
/// at all means the whole prefix: `/shop` and everything under `/shop/` (a plain `/shop`
/// would also match `/shopping`, another organization's prefix). Errors carry the index of
/// the path they are about.
pub fn kong_paths(
    prefix: &str,
    paths: &[String],
    rules: KongRules,
) -> Result<Vec<String>, Vec<(usize, PrefixError)>> {
    if paths.is_empty() {
        return whole_prefix(prefix).map_err(|e| vec![(0, e)]);
    }
    let mut kong = Vec::with_capacity(paths.len());
    let mut errors = Vec::new();
    for (i, path) in paths.iter().enumerate() {
        match confine(prefix, path, rules) {
            Ok(path) => kong.push(path),
            Err(e) => errors.push((i, e)),
        }
    }
    if errors.is_empty() {
        Ok(kong)
    } else {
        Err(errors)
    }
}

/// The API's own paths behind the Kong paths of an API served under `prefix` (the inverse of
/// [`kong_paths`]): whenever the paths read back equal a declaration, Kong holds exactly the
/// paths of that declaration. A Kong path that [`confine`] cannot have made (written by hand,
/// or by a version before regexes were grouped) reads back as [`foreign`] says.
pub fn api_paths(prefix: &str, kong: &[String]) -> Vec<String> {
    if whole_prefix(prefix).is_ok_and(|whole| whole == kong) {
        return Vec::new();
    }
    kong.iter()
        .map(|k| release(prefix, k).unwrap_or_else(|| foreign(prefix, k)))
        .collect()
}

/// A Kong path no declaration under `prefix` leads to, as it reads back: Kong's path after
/// words that make it an invalid path, so that it never equals a declaration and the plan
/// always shows (and the next apply replaces) it.
pub fn foreign(prefix: &str, kong: &str) -> String {
    format!("(not kept under {prefix}/) {kong}")
}

/// `/shop/` (plain) and `~/shop$`: the whole prefix, and nothing that merely starts with it.
fn whole_prefix(prefix: &str) -> Result<Vec<String>, PrefixError> {
    check_prefix(prefix)?;
    Ok(vec![format!("{prefix}/"), format!("~{prefix}$")])
}

/// The Kong path of `path` (`/cart` or `~/items/\d+`) under `prefix` (`/shop`).
pub fn confine(prefix: &str, path: &str, rules: KongRules) -> Result<String, PrefixError> {
    check_prefix(prefix)?;
    let invalid = |why: String| PrefixError::Invalid {
        path: path.to_string(),
        why,
    };
    validate::route_path(path, rules).map_err(invalid)?;
    let Some(regex) = path.strip_prefix('~') else {
        // A plain path is a literal prefix that starts with `/`.
        return Ok(format!("{prefix}{path}"));
    };
    let rest = regex
        .strip_prefix('/')
        .ok_or_else(|| invalid("a regex path starts with `~/`".into()))?;
    if let Some(quantifier) = rest.chars().next().filter(|c| "*+?{".contains(*c)) {
        return Err(PrefixError::QuantifiedSlash {
            path: path.to_string(),
            prefix: prefix.to_string(),
            quantifier,
        });
    }
    let confined = format!("{prefix}/(?:{rest})");
    let unconfinable = |why: String| PrefixError::Unconfinable {
        path: path.to_string(),
        prefix: prefix.to_string(),
        why,
    };
    // `regex` (the user's path) compiled with PCRE in `route_path`; now the whole.
    // Compiled here, never left to Kong: this compile is what shows the group holds.
    rules.regex.compiled_here().check(&confined).map_err(|e| {
        unconfinable(format!(
            "in a group after the prefix it does not compile with PCRE ({e}); something in it runs to the end of the pattern (such as `\\Q` without `\\E`, or a `#` comment under `(?x)`)"
        ))
    })?;
    rust_starts_with(&confined, &format!("{prefix}/")).map_err(unconfinable)?;
    Ok(format!("~{confined}"))
}

/// The path that [`confine`] makes `kong` from, when `kong` has its form.
pub fn release(prefix: &str, kong: &str) -> Option<String> {
    if let Some(regex) = kong.strip_prefix('~') {
        let inner = regex
            .strip_prefix(prefix)?
            .strip_prefix("/(?:")?
            .strip_suffix(')')?;
        return Some(format!("~/{inner}"));
    }
    kong.strip_prefix(prefix)
        .filter(|rest| rest.starts_with('/'))
        .map(str::to_string)
}

/// A prefix is `/` and an organization name (letters, digits, `-`, `_`: nothing a regex reads
/// as anything but itself).
fn check_prefix(prefix: &str) -> Result<(), PrefixError> {
    let plain = prefix.strip_prefix('/').is_some_and(|name| {
        !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    });
    if plain {
        Ok(())
    } else {
        Err(PrefixError::Prefix {
            prefix: prefix.to_string(),
        })
    }
}

/// Whether the regex, as Kong's default router compiles it (`^` before it, `?<` read as `?P<`),
/// is `^` followed by the literal `start`, whatever follows.
fn rust_starts_with(regex: &str, start: &str) -> Result<(), String> {
    let kong_form = format!("^{}", regex.replace("?<", "?P<"));
    let hir = regex_syntax::Parser::new()
        .parse(&kong_form)
        .map_err(|e| format!("Kong's router (Rust `regex`) cannot compile it: {e}"))?;
    let items: &[Hir] = match hir.kind() {
        HirKind::Concat(items) => items,
        _ => &[],
    };
    let anchored = matches!(
        items.first().map(Hir::kind),
        Some(HirKind::Look(Look::Start))
    );
    let literal = match items.get(1).map(Hir::kind) {
        Some(HirKind::Literal(literal)) => literal.0.starts_with(start.as_bytes()),
        _ => false,
    };
    if anchored && literal {
        Ok(())
    } else {
        Err(format!(
            "Kong's router (Rust `regex`) would not read it as `{start}` followed by the regex"
        ))
    }
}

#[cfg(test)]
mod tests;
