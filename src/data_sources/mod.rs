//! Terraform data sources: thin glue between tf-provider, the mapping and the Kong client.

pub mod certificate;
