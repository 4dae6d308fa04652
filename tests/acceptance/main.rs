//! End-to-end tests: the real `terraform` CLI, the provider binary, and a Kong sandbox.

mod harness;
// The one certificate builder (tests/support), at the path the tests have always used.
use test_support::certs;
mod idp;

mod api_https;
mod api_lifecycle;
mod api_policies;
mod api_validation;
mod auth_basic;
mod auth_modes;
mod auth_oidc;
mod brownfield;
mod certificate_data_source;
mod certificate_examples;
mod certificate_lifecycle;
mod concurrency;
mod configure;
mod crowded_kong;
mod ctrl_c;
mod data_sources;
mod drift_detection;
mod examples;
mod failure_walk;
mod hostile_kong;
mod kong_versions;
mod lane_cleanup;
mod logs;
mod numbers;
mod org_prefix;
mod organizations;
mod pki;
mod plugin_protocol;
mod release;
mod request_counts;
mod required_nulls;
mod routing_conflicts;
mod secrets;
mod shared_state;
mod tls;
mod version_rules;
