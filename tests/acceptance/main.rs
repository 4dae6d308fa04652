//! End-to-end tests: the real `terraform` CLI, the provider binary, and a Kong sandbox.

mod harness;

mod api_lifecycle;
mod api_validation;
mod concurrency;
mod drift_detection;
mod failure_walk;
mod pki;
mod request_counts;
mod secrets;
mod shared_state;
mod tls;
