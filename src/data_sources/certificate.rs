//! `dispatch_certificate` data source: the certificate Kong serves for a hostname, or the one
//! with an id, described the way the resource describes its own.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use tf_provider::schema::Schema;
use tf_provider::value::{Value, ValueEmpty};
use tf_provider::{AttributePath, DataSource, Diagnostics};

use crate::apply;
use crate::apply::certificate::{FoundCertificate, Prior};
use crate::context::SharedContext;
use crate::diagnostics::kong_error;
use crate::model::certificate;
use crate::model::validate;
use crate::resources::certificate::computed_attributes;
use crate::schema::*;
use crate::values::{self, TfString, TfStringList, TfStringSet};

/// The configuration and result of a `dispatch_certificate` lookup.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct CertificateLookup {
    /// Look up the certificate served for this hostname.
    pub hostname: TfString,
    /// Or the certificate with this id; the found certificate's id otherwise.
    pub id: TfString,
    /// PEM chain.
    pub certificate: TfString,
    /// SNI names.
    pub hostnames: TfStringSet,
    /// User tags.
    pub tags: TfStringSet,
    /// Leaf subject.
    pub subject: TfString,
    /// Leaf issuer.
    pub issuer: TfString,
    /// Leaf DNS names.
    pub dns_names: TfStringList,
    /// Start of validity.
    pub not_before: TfString,
    /// End of validity.
    pub not_after: TfString,
    /// SHA-256 of the leaf.
    pub fingerprint_sha256: TfString,
}

/// The `dispatch_certificate` data source.
pub struct CertificateDataSource {
    context: SharedContext,
}

impl CertificateDataSource {
    /// The data source, sharing the provider's configured context.
    pub fn new(context: SharedContext) -> Self {
        Self { context }
    }
}

/// The schema of the `dispatch_certificate` data source.
pub fn certificate_data_source_schema() -> Schema {
    let mut attributes = vec![
        ("hostname", optional(string(), "Find the certificate Kong serves for this hostname: the one with exactly this SNI, else the wildcard SNI that covers it (`*.example.com`, then `api.example.*`), in the order Kong itself picks. Conflicts with `id`.")),
        ("id", optional_computed(string(), "Find the certificate with this Kong id (a UUID). Conflicts with `hostname`. When looking up by hostname: the id of the certificate found.")),
        ("certificate", computed(string(), "The PEM certificate chain, leaf first (public; the private key is never read).")),
        ("hostnames", computed(set_of_strings(), "Every hostname (Kong SNI) served with the certificate.")),
        ("tags", computed(set_of_strings(), "The certificate's Kong tags, without the provider's ownership tags.")),
    ];
    attributes.extend(computed_attributes());
    schema(block(
        "Looks up a TLS certificate in Kong, by a hostname it serves or by id, and describes it (subject, issuer, validity, DNS names, fingerprint). Any Kong certificate can be found, whether or not this provider manages it. A certificate that cannot be found is an error.",
        attributes,
        [],
    ))
}

/// Which certificate to look up.
enum Query {
    Id(String),
    Hostname(String),
}

impl CertificateLookup {
    /// The lookup, or why the configuration cannot be one.
    fn query(&self) -> Result<Option<Query>, (&'static str, String, String)> {
        match (&self.hostname, &self.id) {
            (Value::Unknown, _) | (_, Value::Unknown) => Ok(None),
            (Value::Value(_), Value::Value(_)) => Err((
                "id",
                "Conflicting lookup".into(),
                "Set either `hostname` or `id`, not both.".into(),
            )),
            (Value::Null, Value::Null) => Err((
                "hostname",
                "Missing lookup".into(),
                "Set `hostname` (a hostname the certificate serves) or `id` (the Kong certificate's id).".into(),
            )),
            (Value::Value(hostname), Value::Null) => validate::sni_name(hostname)
                .map(|()| Some(Query::Hostname(hostname.clone())))
                .map_err(|why| ("hostname", "Invalid hostname".into(), why)),
            (Value::Null, Value::Value(id)) => {
                if uuid::Uuid::parse_str(id).is_ok() {
                    Ok(Some(Query::Id(id.clone())))
                } else {
                    Err((
                        "id",
                        "Invalid certificate id".into(),
                        format!("`{id}` is not a Kong certificate id (a UUID); to find a certificate by a hostname it serves, use `hostname`."),
                    ))
                }
            }
        }
    }

    fn found(query: &Query, found: &FoundCertificate) -> Self {
        let read = &found.read;
        let info = read.info.as_ref();
        let text = |f: fn(&certificate::CertificateInfo) -> String| {
            info.map_or(Value::Null, |i| Value::Value(f(i)))
        };
        CertificateLookup {
            hostname: match query {
                Query::Hostname(h) => Value::Value(h.clone()),
                Query::Id(_) => Value::Null,
            },
            id: Value::Value(found.id.clone()),
            certificate: Value::Value(read.certificate.clone()),
            hostnames: values::set(&read.hostnames),
            tags: values::set(&read.tags),
            subject: text(|i| i.subject.clone()),
            issuer: text(|i| i.issuer.clone()),
            dns_names: info.map_or(Value::Null, |i| values::list(&i.dns_names)),
            not_before: text(|i| certificate::rfc3339(i.not_before)),
            not_after: text(|i| certificate::rfc3339(i.not_after)),
            fingerprint_sha256: text(|i| i.fingerprint_sha256.clone()),
        }
    }
}

#[async_trait]
impl DataSource for CertificateDataSource {
    type State<'a> = CertificateLookup;
    type ProviderMetaState<'a> = ValueEmpty;

    fn schema(&self, _diags: &mut Diagnostics) -> Option<Schema> {
        Some(certificate_data_source_schema())
    }

    async fn validate<'a>(&self, diags: &mut Diagnostics, config: Self::State<'a>) -> Option<()> {
        if let Err((attribute, summary, detail)) = config.query() {
            diags.error(summary, detail, AttributePath::new(attribute));
        }
        Some(())
    }

    async fn read<'a>(
        &self,
        diags: &mut Diagnostics,
        config: Self::State<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<Self::State<'a>> {
        let context = self.context.get(diags)?;
        let query = match config.query() {
            Ok(Some(query)) => query,
            Ok(None) => {
                diags.root_error_short("Internal error: the lookup is not known at read time");
                return None;
            }
            Err((attribute, summary, detail)) => {
                diags.error(summary, detail, AttributePath::new(attribute));
                return None;
            }
        };
        let found = match &query {
            Query::Id(id) => apply::certificate::read(&context, id, &Prior::default()).await,
            Query::Hostname(hostname) => apply::certificate::served_for(&context, hostname).await,
        };
        match found {
            Ok(Some(found)) => Some(CertificateLookup::found(&query, &found)),
            Ok(None) => {
                let (attribute, detail) = match &query {
                    Query::Id(id) => ("id", format!("Kong has no certificate with the id `{id}`.")),
                    Query::Hostname(hostname) => (
                        "hostname",
                        format!(
                            "Kong serves no certificate for `{hostname}`: no SNI is {}.",
                            certificate::sni_lookup_names(hostname)
                                .iter()
                                .map(|n| format!("`{n}`"))
                                .collect::<Vec<_>>()
                                .join(" or ")
                        ),
                    ),
                };
                diags.error(
                    "Certificate not found",
                    detail,
                    AttributePath::new(attribute),
                );
                None
            }
            Err(error) => {
                kong_error(diags, "look up the certificate", &error, |_| None);
                None
            }
        }
    }
}
