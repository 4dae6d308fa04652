//! Regex paths as the router of the Kong in use compiles them: in the default
//! `traditional_compatible` flavor (and `expressions`), atc-router compiles a regex path with
//! Rust's `regex` crate, on `^` followed by the regex with `?<` read as `?P<`
//! (kong/router/transform.lua; kong/router/atc_compat.lua in 3.0). Since Kong 3.2 the Admin API
//! refuses a route its router could not compile (kong/db/schema/entities/routes.lua, the check
//! added in 3.2.0). Kong 3.0 and 3.1 store it, and then their router fails to rebuild (3.0:
//! `assert` on `add_matcher`, no route change takes effect until it is gone) or drops the route
//! (3.1, kong/router/atc.lua `add_atc_matcher`): the plan refuses it there too, stricter than
//! those Admin APIs on purpose.
//!
//! The `regex` crate each release builds atc-router with (its Cargo.lock, which Kong pins from
//! 3.2; atc-router 1.0.0 to 1.0.2 of Kong 3.0 and 3.1 asked for `regex = "1.5"` and were built
//! with the 1.6 or 1.7 of their day): 1.7 up to Kong 3.3, 1.9 in 3.4 and 3.5, 1.10 from 3.6 on.
//! The provider links a later 1.x, which accepts all that the earlier ones did, and refuses what
//! they did not know yet: escapes of punctuation that is not a metacharacter (`\/`, `\:`;
//! regex 1.8), the `R` flag (1.8), empty classes such as `[^\s\S]` (1.8), and the
//! word-boundary assertions `\<`, `\>`, `\b{start}`, `\b{end}`, `\b{start-half}`,
//! `\b{end-half}` (1.10).

use regex_syntax::ast::{self, Ast, ClassSetItem, Flag, Flags, FlagsItemKind, GroupKind};
use regex_syntax::hir::{Class, Hir, HirKind};

/// How the router of some Kong 3.x release compiles a regex path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RouterRegex {
    /// Not at all: the `traditional` router (PCRE only), and `terraform validate`, which knows
    /// neither Kong's version nor its router.
    Unchecked,
    /// Rust `regex` 1.7, or the 1.6 before it (Kong 3.0 to 3.3).
    Regex1v7,
    /// Rust `regex` 1.9 (Kong 3.4, 3.5).
    Regex1v9,
    /// Rust `regex` 1.10 and later (Kong 3.6 and later), as linked here.
    Regex1v10,
}

impl RouterRegex {
    /// Checks the regex of a path (`~` taken off) as this router compiles it.
    pub fn check(self, regex: &str) -> Result<(), String> {
        if self == Self::Unchecked {
            return Ok(());
        }
        let router = format!("^{}", regex.replace("?<", "?P<"));
        regex::Regex::new(&router).map_err(|e| e.to_string())?;
        let (release, kong) = match self {
            Self::Regex1v7 => ("1.7", "3.0 to 3.3"),
            Self::Regex1v9 => ("1.9", "3.4 and 3.5"),
            Self::Unchecked | Self::Regex1v10 => return Ok(()),
        };
        match newer_syntax(&router, self) {
            Some(what) => Err(format!(
                "{what} is not known to the Rust regex {release} that the router of Kong {kong} compiles regex paths with"
            )),
            None => Ok(()),
        }
    }
}

/// The first syntax in `router` that `version` does not know, named for a message.
fn newer_syntax(router: &str, version: RouterRegex) -> Option<String> {
    let parsed = ast::parse::Parser::new().parse(router).ok()?;
    let found = ast::visit(
        &parsed,
        Newer {
            router,
            version,
            found: None,
        },
    )
    .ok()
    .flatten();
    if found.is_some() || version != RouterRegex::Regex1v7 {
        return found;
    }
    let hir = regex_syntax::Parser::new().parse(router).ok()?;
    has_empty_class(&hir).then(|| "a class that matches nothing".to_string())
}

/// Walks the syntax tree for what an older `regex` did not know.
struct Newer<'a> {
    router: &'a str,
    version: RouterRegex,
    found: Option<String>,
}

impl Newer<'_> {
    fn text(&self, span: &ast::Span) -> &str {
        self.router
            .get(span.start.offset..span.end.offset)
            .unwrap_or_default()
    }

    fn literal(&mut self, literal: &ast::Literal) {
        if self.version == RouterRegex::Regex1v7 && literal.kind == ast::LiteralKind::Superfluous {
            self.found = Some(format!("the escape `{}`", self.text(&literal.span)));
        }
    }

    fn flags(&mut self, flags: &Flags) {
        let crlf = flags
            .items
            .iter()
            .any(|item| item.kind == FlagsItemKind::Flag(Flag::CRLF));
        if self.version == RouterRegex::Regex1v7 && crlf {
            self.found = Some(format!("the flag `R` in `(?{}`", self.text(&flags.span)));
        }
    }
}

impl ast::Visitor for Newer<'_> {
    type Output = Option<String>;
    type Err = ();

    fn finish(self) -> Result<Option<String>, ()> {
        Ok(self.found)
    }

    fn visit_pre(&mut self, node: &Ast) -> Result<(), ()> {
        if self.found.is_some() {
            return Ok(());
        }
        match node {
            Ast::Literal(literal) => self.literal(literal),
            Ast::Flags(set) => self.flags(&set.flags),
            Ast::Group(group) => {
                if let GroupKind::NonCapturing(flags) = &group.kind {
                    self.flags(flags);
                }
            }
            Ast::Assertion(assertion) => {
                use ast::AssertionKind::*;
                if matches!(
                    assertion.kind,
                    WordBoundaryStart
                        | WordBoundaryEnd
                        | WordBoundaryStartAngle
                        | WordBoundaryEndAngle
                        | WordBoundaryStartHalf
                        | WordBoundaryEndHalf
                ) {
                    self.found = Some(format!("the assertion `{}`", self.text(&assertion.span)));
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn visit_class_set_item_pre(&mut self, item: &ClassSetItem) -> Result<(), ()> {
        if let (None, ClassSetItem::Literal(literal)) = (&self.found, item) {
            self.literal(literal);
        }
        Ok(())
    }
}

/// Whether a class in `hir` matches no character (regex 1.7 refused those).
fn has_empty_class(hir: &Hir) -> bool {
    match hir.kind() {
        HirKind::Class(Class::Unicode(class)) => class.ranges().is_empty(),
        HirKind::Class(Class::Bytes(class)) => class.ranges().is_empty(),
        HirKind::Repetition(repetition) => has_empty_class(&repetition.sub),
        HirKind::Capture(capture) => has_empty_class(&capture.sub),
        HirKind::Concat(all) | HirKind::Alternation(all) => all.iter().any(has_empty_class),
        HirKind::Empty | HirKind::Literal(_) | HirKind::Look(_) => false,
    }
}

#[cfg(test)]
mod tests;
