//! End-to-end tests: the real `terraform` CLI, the provider binary, and a Kong sandbox.

mod certs;
mod harness;

mod api_https;
mod api_lifecycle;
mod api_validation;
mod certificate_data_source;
mod certificate_lifecycle;
mod examples;
