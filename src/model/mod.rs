//! The pure mapping between what a user declares and the Kong entities that realise it,
//! and back. Plain functions on plain data: no I/O, no Terraform types.

pub mod api;
pub mod auth;
pub mod certificate;
pub mod issuer;
pub mod jwk;
pub mod naming;
pub mod org_prefix;
pub mod policies;
pub mod upstream;
pub mod user;
pub mod validate;

use std::fmt;

/// One step of the path to the attribute an issue is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// An attribute or block name.
    Attr(&'static str),
    /// An element of a list.
    Index(usize),
}

/// Where in a declaration an issue is.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AttrPath(pub Vec<Step>);

impl AttrPath {
    /// The path of a top-level attribute.
    pub fn attr(name: &'static str) -> Self {
        Self(vec![Step::Attr(name)])
    }

    /// This path, then an element index.
    pub fn index(mut self, index: usize) -> Self {
        self.0.push(Step::Index(index));
        self
    }

    /// This path, then a nested attribute.
    pub fn then(mut self, name: &'static str) -> Self {
        self.0.push(Step::Attr(name));
        self
    }
}

impl fmt::Display for AttrPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, step) in self.0.iter().enumerate() {
            match step {
                Step::Attr(name) if i == 0 => f.write_str(name)?,
                Step::Attr(name) => write!(f, ".{name}")?,
                Step::Index(index) => write!(f, "[{index}]")?,
            }
        }
        Ok(())
    }
}

/// The values sorted, without duplicates: how the model holds a set of strings.
pub fn sorted(mut values: Vec<String>) -> Vec<String> {
    values.sort();
    values.dedup();
    values
}

/// How serious an issue is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// Stops the plan.
    Error,
    /// Shown, does not stop anything.
    Warning,
}

/// Something wrong (or worth saying) about a declaration, on the attribute it concerns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    /// Error or warning.
    pub severity: Severity,
    /// The attribute concerned.
    pub path: AttrPath,
    /// One line: what is wrong.
    pub summary: String,
    /// What was given and what to do.
    pub detail: String,
}

impl Issue {
    /// An error on `path`.
    pub fn error(path: AttrPath, summary: impl Into<String>, detail: impl Into<String>) -> Self {
        Self {
            severity: Severity::Error,
            path,
            summary: summary.into(),
            detail: detail.into(),
        }
    }

    /// A warning on `path`.
    pub fn warning(path: AttrPath, summary: impl Into<String>, detail: impl Into<String>) -> Self {
        Self {
            severity: Severity::Warning,
            path,
            summary: summary.into(),
            detail: detail.into(),
        }
    }

    /// True for errors.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// A value of a declaration at plan time: not known yet, absent, or known.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Field<T> {
    /// Terraform will only know it at apply time.
    Unknown,
    /// Not set.
    #[default]
    Null,
    /// Set to this.
    Value(T),
}

impl<T> Field<T> {
    /// The value, when known and set.
    pub fn value(&self) -> Option<&T> {
        match self {
            Field::Value(v) => Some(v),
            _ => None,
        }
    }

    /// True when set (known or not).
    pub fn is_set(&self) -> bool {
        !matches!(self, Field::Null)
    }
}

impl<T> Field<Vec<Option<T>>> {
    /// The elements of a set or list known at plan time (none when it is null or unknown).
    pub fn known_elements(&self) -> impl Iterator<Item = &T> {
        self.value().into_iter().flatten().flatten()
    }
}
