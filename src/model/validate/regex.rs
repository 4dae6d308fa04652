//! Regular expressions as the PCRE library of the Kong in use compiles them. Kong checks a regex
//! path and a CORS origin by compiling it (kong/db/schema/typedefs.lua
//! `validate_path_with_regexes`, kong/db/schema/init.lua `is_regex`: `ngx.re`, 8-bit, no UTF
//! mode), with the PCRE its release bundles (`.requirements` of Kong/kong at each tag: PCRE 8.45
//! up to 3.6, PCRE2 10.43 in 3.7, 10.44 in 3.8 and 3.9, 10.45 from 3.10 on).
//!
//! The provider links PCRE2 10.43 (Cargo.toml says why), compiles every pattern with it, and
//! knows how the other libraries differ from it in what they accept:
//! - 10.44 allows group names of up to 128 characters (10.43: 32): a longer name is renamed
//!   before compiling, which changes nothing else a compiler checks;
//! - 10.45 refuses a bare `\x` (no hex digit after it; 10.43 and 10.44 read it as NUL), and knows
//!   Perl's extended classes `(?[…])`, scan-substring assertions `(*scs:…)` and the properties
//!   of Unicode 16, which 10.43 cannot compile: a pattern that uses them is left to Kong, which
//!   judges it at apply;
//! - PCRE 8.45 knows none of the syntax PCRE2 added (alpha assertions such as `(*pla:…)`,
//!   non-atomic lookarounds, `(?^…)`, the `n`, `xx`, `a` and `r` options, string callouts,
//!   arguments of `(*ACCEPT)`, `(*COMMIT)` and `(*FAIL)`, PCRE2's start options), refused here;
//!   and reads a `-` after a class escape in a class (`[\w-.]`) as a literal, where PCRE2 sees
//!   a range that cannot be: such a `-` is escaped before compiling.
//!
//! Still not exact, and documented in docs/guides/kong-rules.md: PCRE 8.45 also refuses
//! variable-length lookbehind and Unicode properties PCRE2 added, and accepts `\K` in a
//! lookaround and the `(?X)` option, which PCRE2 refuses.

/// A PCRE library that some Kong 3.x release compiles patterns with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegexLibrary {
    /// PCRE 8.45 (Kong 3.0 to 3.6).
    Pcre845,
    /// PCRE2 10.43 (Kong 3.7), the library linked here.
    Pcre2v10_43,
    /// PCRE2 10.44 (Kong 3.8 and 3.9).
    Pcre2v10_44,
    /// PCRE2 10.45 (Kong 3.10 and later).
    Pcre2v10_45,
    /// Kong's version is not known: a pattern some Kong 3.x accepts (as far as the libraries
    /// above tell) is accepted.
    Any,
}

/// Group names longer than this are renamed before compiling with 10.43.
const LINKED_NAME_LIMIT: usize = 32;
/// The longest group name PCRE2 accepts since 10.44.
const NAME_LIMIT: usize = 128;

impl RegexLibrary {
    /// Checks `pattern` as this library compiles it; the error is the compiler's message.
    pub fn check(self, pattern: &str) -> Result<(), String> {
        match self {
            Self::Pcre2v10_43 => compile(pattern),
            Self::Pcre2v10_44 => compile_long_names(pattern),
            Self::Pcre2v10_45 => {
                if let Some(at) = bare_hex_escape(pattern) {
                    return Err(format!(
                        "`\\x` at offset {at} has no hex digits after it (PCRE2 10.45, which Kong 3.10 and later bundle, no longer reads a bare `\\x` as NUL): write `\\x00` or `\\x{{…}}`"
                    ));
                }
                match compile_long_names(pattern) {
                    // 10.45 also moved to Unicode 16: a property the linked 10.43 does not know
                    // may be one it added (`\p{Garay}`), or a typo Kong will name at apply.
                    Err(e)
                        if uses_pcre2_10_45_syntax(pattern) || e.contains("unknown property") =>
                    {
                        Ok(())
                    }
                    other => other,
                }
            }
            Self::Pcre845 => {
                compile(&escape_class_hyphens(pattern))?;
                match pcre2_only_syntax(pattern) {
                    Some(what) => Err(format!(
                        "{what} is PCRE2 syntax: Kong 3.6 and older compile regular expressions with PCRE 8.45, which does not know it"
                    )),
                    None => Ok(()),
                }
            }
            Self::Any => Self::Pcre2v10_44.check(pattern).or_else(|e| {
                [Self::Pcre2v10_45, Self::Pcre845]
                    .into_iter()
                    .find_map(|other| other.check(pattern).ok())
                    .ok_or(e)
            }),
        }
    }

    /// The same library, but never leaving a pattern to Kong: for a pattern that must be
    /// compiled here to be known safe (the organization prefix's confinement).
    pub fn compiled_here(self) -> Self {
        match self {
            Self::Pcre2v10_45 | Self::Any => Self::Pcre2v10_44,
            other => other,
        }
    }
}

/// `pattern` with each `-` that follows a class escape (`\d`, `\w`, `\p{…}`, …) or a POSIX
/// class inside a character class, and does not end the class, escaped ([`Mark::ClassHyphen`]).
fn escape_class_hyphens(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len() + 8);
    let mut from = 0;
    for mark in marks(pattern.as_bytes()) {
        if let Mark::ClassHyphen(at) = mark {
            out.push_str(&pattern[from..at]);
            out.push('\\');
            from = at;
        }
    }
    out.push_str(&pattern[from..]);
    out
}

/// Compiles with the linked PCRE2 10.43, as Kong's schema does: 8-bit, no UTF mode.
fn compile(pattern: &str) -> Result<(), String> {
    pcre2::bytes::RegexBuilder::new()
        .build(pattern)
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// Compiles with group names of 33 to 128 characters renamed to short ones that appear nowhere
/// in the pattern. A name is only letters, digits and `_`, so renaming it where it is literal
/// text (in a class, after an escape) leaves that text literal: nothing else changes.
fn compile_long_names(pattern: &str) -> Result<(), String> {
    let long: Vec<&str> = group_names(pattern)
        .filter(|name| (LINKED_NAME_LIMIT + 1..=NAME_LIMIT).contains(&name.len()))
        .collect();
    if long.is_empty() {
        return compile(pattern).map_err(|e| name_limit_message(&e));
    }
    let mut renamed = pattern.to_string();
    let mut distinct: Vec<&str> = long;
    distinct.sort_unstable_by_key(|name| std::cmp::Reverse(name.len()));
    distinct.dedup();
    for (i, name) in distinct.iter().enumerate() {
        // The first of endless candidates the pattern does not hold: `find` always finds one.
        let short = (0..)
            .map(|n| format!("longname{i}x{n}"))
            .find(|s| !pattern.contains(s.as_str()))
            .unwrap_or_default();
        renamed = rename(&renamed, name, &short);
    }
    compile(&renamed).map_err(|e| name_limit_message(&e))
}

/// 10.43's message says its own limit; the libraries Kong bundles since 3.8 allow 128.
fn name_limit_message(error: &str) -> String {
    error.replace(
        "(maximum 32 code units)",
        "(maximum 128 characters since PCRE2 10.44)",
    )
}

/// Where a group name may follow: a named group, a reference to one, a call of one, a
/// condition on one.
const NAME_SITES: [&str; 16] = [
    "(?<", "(?'", "(?P<", "(?P=", "(?P>", "(?&", "\\k<", "\\k'", "\\k{", "\\g{", "\\g<", "\\g'",
    "(?(<", "(?('", "(?(R&", "(?(",
];

/// The names at every name site of `pattern` (some may be literal text: see
/// [`compile_long_names`]).
fn group_names(pattern: &str) -> impl Iterator<Item = &str> {
    NAME_SITES.iter().flat_map(move |site| {
        pattern
            .match_indices(site)
            .map(move |(at, _)| name_at(&pattern[at + site.len()..]))
            .filter(|name| !name.is_empty())
    })
}

/// The name that starts `text`: a letter or `_`, then letters, digits and `_`.
fn name_at(text: &str) -> &str {
    let starts = text
        .bytes()
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_');
    if !starts {
        return "";
    }
    let end = text
        .bytes()
        .position(|b| !(b.is_ascii_alphanumeric() || b == b'_'))
        .unwrap_or(text.len());
    &text[..end]
}

/// `pattern` with the whole name `name` replaced by `short` at every name site.
fn rename(pattern: &str, name: &str, short: &str) -> String {
    let mut out = pattern.to_string();
    for site in NAME_SITES {
        let from = format!("{site}{name}");
        let mut result = String::with_capacity(out.len());
        let mut rest = out.as_str();
        while let Some(at) = rest.find(&from) {
            let after = &rest[at + from.len()..];
            let whole = !after
                .bytes()
                .next()
                .is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_');
            result.push_str(&rest[..at]);
            result.push_str(site);
            result.push_str(if whole { short } else { name });
            rest = after;
        }
        result.push_str(rest);
        out = result;
    }
    out
}

/// A place where PCRE reads syntax, outside character classes, `\Q…\E` and `(?#…)` comments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mark {
    /// A `(` at this offset.
    Group(usize),
    /// A `\` at this offset (also inside a class, where escapes are read too).
    Escape(usize),
    /// A `-` at this offset in a class, right after a class escape or a POSIX class and not
    /// ending the class. PCRE 8.45 reads it as a literal, as Perl does; PCRE2 refuses it as a
    /// range that cannot be (Kong itself had to write `\d\-_` for `\d-_` in kong/tools/uri.lua
    /// `ESCAPE_PATTERN` when it moved to PCRE2, #12366).
    ClassHyphen(usize),
}

/// The marks of `pattern`, in order. Comments of the `x` option are not told apart: a `(` in
/// one is taken for a group, so PCRE2-only syntax written in such a comment is refused on Kong
/// 3.6 and older, and 10.45 syntax there makes a pattern left to Kong on 3.10 and later.
fn marks(pattern: &[u8]) -> Vec<Mark> {
    let mut marks = Vec::new();
    let mut i = 0;
    while i < pattern.len() {
        match pattern[i] {
            b'\\' => i = escape_end(pattern, i, &mut marks),
            b'[' => i = class_end(pattern, i, &mut marks),
            b'(' if pattern[i + 1..].starts_with(b"?#") => {
                i += pattern[i..]
                    .iter()
                    .position(|&b| b == b')')
                    .map_or(pattern.len(), |end| end + 1);
            }
            b'(' => {
                marks.push(Mark::Group(i));
                i += 1;
            }
            _ => i += 1,
        }
    }
    marks
}

/// The offset after the escape at `at`, noting it; `\Q` runs to its `\E`.
fn escape_end(pattern: &[u8], at: usize, marks: &mut Vec<Mark>) -> usize {
    if pattern.get(at + 1) == Some(&b'Q') {
        return quoted_end(pattern, at + 2);
    }
    marks.push(Mark::Escape(at));
    // `\p{…}` and `\P{…}` run to their `}`.
    let braced =
        matches!(pattern.get(at + 1), Some(b'p' | b'P')) && pattern.get(at + 2) == Some(&b'{');
    match pattern[at..].iter().position(|&b| b == b'}') {
        Some(close) if braced => at + close + 1,
        _ => at + 2,
    }
}

/// Notes a [`Mark::ClassHyphen`] at `at` when `after_class_item` and a `-` there does not end
/// the class.
fn class_hyphen(pattern: &[u8], at: usize, after_class_item: bool, marks: &mut Vec<Mark>) {
    if after_class_item && pattern.get(at) == Some(&b'-') && pattern.get(at + 1) != Some(&b']') {
        marks.push(Mark::ClassHyphen(at));
    }
}

/// The offset after the `\E` that ends a `\Q` (the end of the pattern without one).
fn quoted_end(pattern: &[u8], from: usize) -> usize {
    pattern[from.min(pattern.len())..]
        .windows(2)
        .position(|w| w == b"\\E")
        .map_or(pattern.len(), |at| from + at + 2)
}

/// The offset after the class that opens at `open`, noting the escapes in it. A `]` first (or
/// after `^`) is literal; `[:alpha:]` is a POSIX class inside it.
fn class_end(pattern: &[u8], open: usize, marks: &mut Vec<Mark>) -> usize {
    let mut i = open + 1;
    if pattern.get(i) == Some(&b'^') {
        i += 1;
    }
    if pattern.get(i) == Some(&b']') {
        i += 1;
    }
    while i < pattern.len() {
        match pattern[i] {
            b'\\' => {
                let class_escape = pattern
                    .get(i + 1)
                    .is_some_and(|b| b"dDwWsShHvVpP".contains(b));
                i = escape_end(pattern, i, marks);
                class_hyphen(pattern, i, class_escape, marks);
            }
            b'[' if pattern.get(i + 1) == Some(&b':') => {
                let posix_end = pattern[i..].windows(2).position(|w| w == b":]");
                i += posix_end.map_or(1, |end| end + 2);
                class_hyphen(pattern, i, posix_end.is_some(), marks);
            }
            b']' => return i + 1,
            _ => i += 1,
        }
    }
    pattern.len()
}

/// What follows each group's `(`.
fn groups(pattern: &str) -> impl Iterator<Item = &str> {
    marks(pattern.as_bytes())
        .into_iter()
        .filter_map(move |mark| match mark {
            Mark::Group(at) => pattern.get(at + 1..),
            Mark::Escape(_) | Mark::ClassHyphen(_) => None,
        })
}

/// The offset of a `\x` with neither a hex digit nor `{` after it.
fn bare_hex_escape(pattern: &str) -> Option<usize> {
    let bytes = pattern.as_bytes();
    marks(bytes).into_iter().find_map(|mark| match mark {
        Mark::Escape(at) if bytes.get(at + 1) == Some(&b'x') => {
            let next = bytes.get(at + 2);
            (!next.is_some_and(|b| b.is_ascii_hexdigit() || *b == b'{')).then_some(at)
        }
        _ => None,
    })
}

/// Whether a group uses syntax PCRE2 10.45 added: Perl's extended classes and scan-substring
/// assertions.
fn uses_pcre2_10_45_syntax(pattern: &str) -> bool {
    groups(pattern).any(|after| {
        ["?[", "*scs:", "*scan_substring:"]
            .iter()
            .any(|syntax| after.starts_with(syntax))
    })
}

/// The first syntax PCRE2 added that PCRE 8.45 refuses, named for the message.
fn pcre2_only_syntax(pattern: &str) -> Option<String> {
    groups(pattern).find_map(|after| {
        let shown = |n: usize| format!("`({}`", after.get(..n).unwrap_or(after));
        // Alpha assertions and script runs, `(*pla:…)`, `(*atomic:…)`, `(*sr:…)` (10.33,
        // 10.34): PCRE 8.45's verbs are upper case, these are lower case.
        if let Some(name) = after.strip_prefix('*') {
            let word = name_at(name);
            if word.starts_with(|c: char| c.is_ascii_lowercase())
                && name[word.len()..].starts_with(':')
            {
                return Some(shown(word.len() + 2));
            }
            // Arguments of these verbs (10.32) and PCRE2's start options (10.30 on).
            if ["ACCEPT", "COMMIT", "F", "FAIL"].contains(&word)
                && name[word.len()..].starts_with(':')
            {
                return Some(shown(word.len() + 2));
            }
            let start_options = [
                "LIMIT_HEAP=",
                "LIMIT_DEPTH=",
                "NOTEMPTY)",
                "NOTEMPTY_ATSTART)",
                "NO_JIT)",
                "NO_DOTSTAR_ANCHOR)",
            ];
            return start_options
                .iter()
                .find(|option| name.starts_with(**option))
                .map(|option| shown(option.len() + 1));
        }
        let options = after.strip_prefix('?')?;
        // Non-atomic lookarounds `(?*…)`, `(?<*…)` (10.34) and `(?^…)` (10.32).
        for syntax in ["*", "<*", "^"] {
            if options.starts_with(syntax) {
                return Some(shown(syntax.len() + 1));
            }
        }
        // String callouts, `(?C"text")` (10.20).
        if options.starts_with('C')
            && options[1..].starts_with(['`', '\'', '"', '^', '%', '#', '$', '{'])
        {
            return Some(shown(3));
        }
        // The `n` option and `xx` (10.30), `a` (with `D`, `S`, `W`, `P`, `T`) and `r` (10.43),
        // in an option setting such as `(?in)` or `(?xx:…)`.
        let flags_end = options
            .find(|c: char| !(c.is_ascii_alphabetic() || c == '-'))
            .unwrap_or(options.len());
        let flags = &options[..flags_end];
        let setting = options[flags_end..].starts_with([')', ':']) && !flags.is_empty();
        let pcre2_flags = flags.contains(['n', 'a', 'r']) || flags.contains("xx");
        let known = flags.bytes().all(|b| b"imnsxJUarDSWPT-".contains(&b));
        (setting && known && pcre2_flags).then(|| shown(flags_end + 2))
    })
}

#[cfg(test)]
mod tests;
