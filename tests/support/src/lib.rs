//! What the tests of this repository share: the one certificate builder ([`certs`]), the one
//! Admin API test client ([`admin`]), hand-written HTTP for malformed requests ([`raw_http`]),
//! the real-Kong lane's settings ([`lane`]), with the `corpus` feature the Kong rule corpus
//! ([`corpus`]), and with the `drafts` feature the plan-time views of declarations that the
//! property tests feed the validators ([`drafts`]).
//!
//! A workspace member used only as a dev-dependency. Without `drafts` it depends on nothing of
//! the provider, so the sandbox's own tests use it too (the sandbox shares no code with the
//! provider).

pub mod admin;
pub mod certs;
#[cfg(feature = "corpus")]
pub mod corpus;
#[cfg(feature = "drafts")]
pub mod drafts;
pub mod lane;
pub mod raw_http;
