//! End-to-end tests: the real `terraform` CLI, the provider binary, and a Kong sandbox.

mod harness;

mod api_lifecycle;
mod api_policies;
mod api_validation;
mod data_sources;
mod examples;
mod request_counts;
