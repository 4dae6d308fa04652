//! `dispatch_certificate`: a TLS certificate and its key, served by Kong for some hostnames
//! (one Kong certificate with its SNIs).

use std::fmt;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use tf_provider::schema::Schema;
use tf_provider::value::{Value, ValueEmpty};
use tf_provider::{AttributePath, Diagnostics, Resource};

use crate::apply;
use crate::apply::certificate::{CertificateWriteError, FoundCertificate, Prior};
use crate::apply::ownership::Guarded;
use crate::context::SharedContext;
use crate::diagnostics::{kong_error, report};
use crate::model::certificate::{
    self, CertificateDraft, CertificateInfo, CertificateSpec, ReadBack,
};
use crate::model::{AttrPath, Field, Issue};
use crate::resources::known_sorted;
use crate::resources::report_foreign;
use crate::schema::*;
use crate::secret::Secret;
use crate::values::{self, field, field_strings, TfString, TfStringList, TfStringSet};

/// The state (and configuration) of one `dispatch_certificate`.
#[derive(Clone, Default, Serialize, Deserialize)]
pub struct CertificateState {
    /// The Kong certificate's id.
    pub id: TfString,
    /// PEM chain, leaf first.
    pub certificate: TfString,
    /// PEM private key (sensitive).
    pub private_key: TfString,
    /// SNI names.
    pub hostnames: TfStringSet,
    /// Extra Kong tags.
    pub tags: TfStringSet,
    /// Leaf subject.
    pub subject: TfString,
    /// Leaf issuer.
    pub issuer: TfString,
    /// Leaf DNS names.
    pub dns_names: TfStringList,
    /// Start of validity (RFC 3339).
    pub not_before: TfString,
    /// End of validity (RFC 3339).
    pub not_after: TfString,
    /// SHA-256 of the leaf.
    pub fingerprint_sha256: TfString,
}

impl fmt::Debug for CertificateState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CertificateState")
            .field("id", &self.id)
            .field("hostnames", &self.hostnames)
            .field("subject", &self.subject)
            .field("not_after", &self.not_after)
            .finish_non_exhaustive()
    }
}

/// The `dispatch_certificate` resource.
pub struct CertificateResource {
    context: SharedContext,
}

impl CertificateResource {
    /// The resource, sharing the provider's configured context.
    pub fn new(context: SharedContext) -> Self {
        Self { context }
    }
}

/// Descriptions of the computed attributes the resource and the data source share.
pub(crate) fn computed_attributes() -> Vec<(&'static str, tf_provider::schema::Attribute)> {
    vec![
        ("subject", computed(string(), "Subject of the leaf certificate, as an RFC 4514 distinguished name (most specific first, such as `CN=api.example.com,O=Example`).")),
        ("issuer", computed(string(), "Issuer of the leaf certificate, as an RFC 4514 distinguished name; equal to `subject` for a self-signed certificate.")),
        ("dns_names", computed(list_of_strings(), "The DNS names of the leaf certificate's subjectAltName extension, in certificate order: the names clients accept it for.")),
        ("not_before", computed(string(), "Start of the leaf certificate's validity, RFC 3339 in UTC (`2025-01-31T00:00:00Z`).")),
        ("not_after", computed(string(), "End of the leaf certificate's validity, RFC 3339 in UTC. Plans warn within 30 days of it and refuse the certificate once it has passed.")),
        ("fingerprint_sha256", computed(string(), "SHA-256 fingerprint of the leaf certificate (its DER), lowercase hex without separators; `openssl x509 -noout -fingerprint -sha256` prints the same bytes in upper case with colons.")),
    ]
}

/// The schema of `dispatch_certificate`.
pub fn certificate_schema() -> Schema {
    let mut attributes = vec![
        ("id", computed(string(), "Id of the Kong certificate. It stays the same when the certificate is rotated or its hostnames change.")),
        ("certificate", required(string(), "PEM certificate chain: the leaf first, then each issuer (intermediates; the root may be left out). RSA or ECDSA (P-256, P-384, P-521), at most 256 KiB. Checked at plan time: it must parse, and it must not be expired (a warning within 30 days of expiry). Changing it rotates the certificate in place, in one Admin API request, so the hostnames are never left without a certificate.")),
        ("private_key", sensitive(required(string(), "PEM private key of the leaf certificate: PKCS#8 (`BEGIN PRIVATE KEY`), PKCS#1 (`BEGIN RSA PRIVATE KEY`) or SEC1 (`BEGIN EC PRIVATE KEY`), not passphrase-protected, at most 64 KiB. Checked at plan time against the leaf's public key. Sensitive: never shown in plans, logs or diagnostics (Terraform state holds it, as it holds every sensitive value). Kong's open-source edition returns the key, so a key changed in Kong shows as drift; when Kong returns something other than a PEM key (Enterprise keyring encryption, a vault reference), the key cannot be compared: the one in state is kept, and after an import the first apply writes the configured key."))),
        ("hostnames", optional_computed(set_of_strings(), "Hostnames (Kong SNIs) served with this certificate over HTTPS. Default: the leaf's DNS names (`dns_names`). A leading `*.` or trailing `.*` wildcard label is allowed; no IP address and no port. A hostname the certificate does not cover is a warning; a hostname another Kong certificate already serves is an error that names that certificate.")),
        ("tags", optional(set_of_strings(), "Extra Kong tags on the certificate (no `,` or `/`), besides the ownership tags the provider adds itself. Reserved for those, and refused at plan time: `managed-by:terraform-provider-dispatch` and any tag starting with `dispatch-org:`, `dispatch-api:` or `dispatch-oidc-issuer:`.")),
    ];
    attributes.extend(computed_attributes());
    schema(block(
        "A TLS certificate and its private key, served by Kong over HTTPS for some hostnames: one Kong certificate with one SNI per hostname, tagged as managed by this provider. A `dispatch_api` whose `hosts` include these hostnames and whose `https` is `\"optional\"` or `\"required\"` is then served with it; apply the certificate first (`depends_on`), or the API warns that its host has no certificate.",
        attributes,
        [],
    ))
}

impl CertificateState {
    fn draft(&self) -> CertificateDraft {
        CertificateDraft {
            certificate: field(&self.certificate),
            private_key: match &self.private_key {
                Value::Value(key) => Field::Value(Secret::new(key)),
                Value::Null => Field::Null,
                Value::Unknown => Field::Unknown,
            },
            hostnames: field_strings(&self.hostnames),
            tags: field_strings(&self.tags),
        }
    }

    /// The declaration, when every value it needs is known.
    fn spec(&self) -> Option<CertificateSpec> {
        Some(CertificateSpec {
            certificate: self.certificate.as_ref_option()?.clone(),
            private_key: Secret::new(self.private_key.as_ref_option()?),
            hostnames: known_sorted(&self.hostnames)?,
            tags: known_sorted(&self.tags)?,
        })
    }

    /// Writes the leaf's information into the computed attributes; without it they are
    /// `missing` (unknown in a plan, null when Kong's certificate cannot be read).
    fn set_info(&mut self, info: Option<&CertificateInfo>, missing: Missing) {
        let Some(info) = info else {
            self.subject = missing.value();
            self.issuer = missing.value();
            self.dns_names = missing.value();
            self.not_before = missing.value();
            self.not_after = missing.value();
            self.fingerprint_sha256 = missing.value();
            return;
        };
        self.subject = Value::Value(info.subject.clone());
        self.issuer = Value::Value(info.issuer.clone());
        self.dns_names = values::list(&info.dns_names);
        self.not_before = Value::Value(certificate::rfc3339(info.not_before));
        self.not_after = Value::Value(certificate::rfc3339(info.not_after));
        self.fingerprint_sha256 = Value::Value(info.fingerprint_sha256.clone());
    }

    /// The planned state: the computed attributes (and the default `hostnames`) come from the
    /// PEM when it is known, so `plan` shows them. Returns the plan-time issues too.
    fn plan_from(config: &CertificateState, mut planned: CertificateState) -> (Self, Vec<Issue>) {
        let checked = certificate::check(&config.draft(), now());
        planned.hostnames = match (&config.hostnames, &checked.info) {
            (Value::Null, Some(info)) => values::set(&certificate::default_hostnames(info)),
            (Value::Null, None) => Value::Unknown,
            (hostnames, _) => hostnames.clone(),
        };
        planned.set_info(checked.info.as_ref(), Missing::Unknown);
        (planned, checked.issues)
    }

    /// The state for what Kong holds. `prior` decides how "nothing" is written (null or empty).
    fn from_read_back(id: &str, read: ReadBack, prior: &CertificateState) -> Self {
        let mut state = CertificateState {
            id: Value::Value(id.to_string()),
            certificate: Value::Value(read.certificate),
            private_key: read
                .private_key
                .map_or(Value::Null, |k| Value::Value(k.expose().to_string())),
            hostnames: values::set_like(&read.hostnames, &prior.hostnames),
            tags: values::set_like(&read.tags, &prior.tags),
            ..CertificateState::default()
        };
        state.set_info(read.info.as_ref(), Missing::Null);
        state
    }

    /// The state for a certificate found in Kong, with this state as the prior.
    fn found(&self, found: FoundCertificate) -> Self {
        Self::from_read_back(&found.id, found.read, self)
    }
}

/// What computed attributes are when the certificate cannot be described.
#[derive(Clone, Copy)]
enum Missing {
    Unknown,
    Null,
}

impl Missing {
    fn value<T>(self) -> Value<T> {
        match self {
            Missing::Unknown => Value::Unknown,
            Missing::Null => Value::Null,
        }
    }
}

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// Where Kong's complaint about a certificate field belongs in the declaration.
fn locate(path: &[String]) -> Option<AttrPath> {
    Some(match path.first()?.as_str() {
        "cert" => AttrPath::attr("certificate"),
        "key" | "@entity" => AttrPath::attr("private_key"),
        "snis" => AttrPath::attr("hostnames"),
        "tags" => AttrPath::attr("tags"),
        _ => return None,
    })
}

/// Reports a failed create or update: a hostname another certificate serves gets its own
/// message naming that certificate; anything else is Kong's error on the attribute concerned.
fn report_write_error(diags: &mut Diagnostics, action: &str, error: &CertificateWriteError) {
    let Some(taken) = &error.taken else {
        kong_error(diags, action, &error.error, locate);
        return;
    };
    let who = match &taken.holder {
        Some(holder) if holder.managed => {
            "which is managed by terraform-provider-dispatch (another `dispatch_certificate`, in this configuration or another state)"
        }
        Some(_) => "which is not managed by this provider",
        None => "which could not be read back (it may have been deleted since)",
    };
    let served = taken
        .holder
        .as_ref()
        .and_then(|h| h.hostnames.as_ref())
        .map(|snis| format!(" It serves: {}.", snis.join(", ")))
        .unwrap_or_default();
    diags.error(
        "Hostname already served by another certificate",
        format!(
            "Kong already serves `{}` with the certificate `{}`, {who}.{served} A hostname has one certificate: remove `{}` from that certificate first (to move it here, take it out of the other declaration and apply, then add it here), or manage that certificate with this resource: `terraform import <resource address> {}`. Nothing was changed in Kong.",
            taken.hostname, taken.certificate_id, taken.hostname, taken.certificate_id
        ),
        AttributePath::new("hostnames"),
    );
}

impl CertificateState {
    /// What the state says of the PEM texts, for reading Kong back.
    fn prior(&self) -> Prior {
        Prior {
            certificate: self.certificate.as_ref_option().cloned(),
            private_key: self.private_key.as_ref_option().map(Secret::new),
        }
    }
}

#[async_trait]
impl Resource for CertificateResource {
    type State<'a> = Option<CertificateState>;
    type PrivateState<'a> = ValueEmpty;
    type ProviderMetaState<'a> = ValueEmpty;

    fn schema(&self, _diags: &mut Diagnostics) -> Option<Schema> {
        Some(certificate_schema())
    }

    async fn validate<'a>(&self, diags: &mut Diagnostics, config: Self::State<'a>) -> Option<()> {
        // Errors only: the plan reports them again with the warnings, which would otherwise
        // show twice.
        if let Some(config) = config {
            let checked = certificate::check(&config.draft(), now());
            report(diags, checked.issues.into_iter().filter(Issue::is_error));
        }
        Some(())
    }

    async fn read<'a>(
        &self,
        diags: &mut Diagnostics,
        state: Self::State<'a>,
        private_state: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let context = self.context.get(diags)?;
        let Some(prior) = state else {
            return Some((None, private_state));
        };
        let Some(id) = prior.id.as_ref_option().cloned() else {
            return Some((Some(prior), private_state));
        };
        match apply::certificate::read(&context, &id, &prior.prior()).await {
            Ok(None) => Some((None, private_state)),
            Ok(Some(found)) => Some((Some(prior.found(found)), private_state)),
            Err(error) => {
                kong_error(diags, "read the certificate", &error, |_| None);
                None
            }
        }
    }

    async fn plan_create<'a>(
        &self,
        diags: &mut Diagnostics,
        proposed: Self::State<'a>,
        config: Self::State<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let (Some(proposed), Some(config)) = (proposed, config) else {
            return Some((None, ValueEmpty::default()));
        };
        let (mut planned, issues) = CertificateState::plan_from(&config, proposed);
        planned.id = Value::Unknown;
        report(diags, issues);
        Some((Some(planned), ValueEmpty::default()))
    }

    async fn plan_update<'a>(
        &self,
        diags: &mut Diagnostics,
        prior: Self::State<'a>,
        proposed: Self::State<'a>,
        config: Self::State<'a>,
        private_state: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>, Vec<AttributePath>)> {
        let (Some(prior), Some(proposed), Some(config)) = (prior, proposed, config) else {
            return Some((None, private_state, vec![]));
        };
        let (mut planned, issues) = CertificateState::plan_from(&config, proposed);
        planned.id = prior.id.clone();
        report(diags, issues);
        Some((Some(planned), private_state, vec![]))
    }

    async fn plan_destroy<'a>(
        &self,
        _diags: &mut Diagnostics,
        _prior: Self::State<'a>,
        private_state: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<Self::PrivateState<'a>> {
        Some(private_state)
    }

    async fn create<'a>(
        &self,
        diags: &mut Diagnostics,
        planned: Self::State<'a>,
        _config: Self::State<'a>,
        private_state: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let context = self.context.get(diags)?;
        let planned = planned?;
        let Some(spec) = planned.spec() else {
            diags.root_error_short(
                "Internal error: the planned certificate has unknown values at apply time",
            );
            return None;
        };
        match apply::certificate::create(&context, &spec).await {
            Ok(found) => Some((Some(planned.found(found)), private_state)),
            Err(failure) => {
                report_write_error(diags, "create the certificate", &failure.error);
                // What could not be removed stays in state (tainted), so the next apply
                // deletes it.
                failure.leftover.map(|id| {
                    let leftover = CertificateState {
                        id: Value::Value(id),
                        ..planned
                    };
                    (Some(leftover), private_state)
                })
            }
        }
    }

    async fn update<'a>(
        &self,
        diags: &mut Diagnostics,
        prior: Self::State<'a>,
        planned: Self::State<'a>,
        _config: Self::State<'a>,
        private_state: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let context = self.context.get(diags)?;
        let (prior, planned) = (prior?, planned?);
        let (Some(spec), Some(id)) = (planned.spec(), prior.id.as_ref_option().cloned()) else {
            diags.root_error_short(
                "Internal error: the planned certificate has unknown values at apply time",
            );
            return None;
        };
        match apply::certificate::update(&context, &id, &spec, &prior.prior()).await {
            Ok(found) => Some((Some(planned.found(found)), private_state)),
            Err(Guarded::Foreign(foreign)) => {
                report_foreign(diags, "update the certificate", &foreign);
                Some((Some(prior), private_state))
            }
            Err(Guarded::Failed(failure)) => {
                report_write_error(diags, "update the certificate", &failure.error);
                // Keep tracking what Kong holds now (or the prior state when Kong cannot be
                // read): the next plan shows what is left to do.
                let now = match failure.now {
                    Some(found) => prior.found(found),
                    None => prior,
                };
                Some((Some(now), private_state))
            }
        }
    }

    async fn destroy<'a>(
        &self,
        diags: &mut Diagnostics,
        prior: Self::State<'a>,
        _private_state: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<()> {
        let context = self.context.get(diags)?;
        let Some(id) = prior.and_then(|p| p.id.as_ref_option().cloned()) else {
            return Some(());
        };
        match apply::certificate::delete(&context, &id).await {
            Ok(()) => Some(()),
            Err(Guarded::Foreign(foreign)) => {
                report_foreign(diags, "delete the certificate", &foreign);
                None
            }
            Err(Guarded::Failed(error)) => {
                kong_error(diags, "delete the certificate", &error, |_| None);
                None
            }
        }
    }

    async fn import<'a>(
        &self,
        diags: &mut Diagnostics,
        id: String,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let context = self.context.get(diags)?;
        // `.` and `..` in an Admin API path would address another resource: refused before
        // any request.
        if let Err(why) = crate::model::naming::path_segment("an import id", &id) {
            diags.root_error("Invalid import id", why);
            return None;
        }
        // Kong looks a non-UUID up as an SNI name, so one call serves both forms.
        match apply::certificate::import(&context, &id).await {
            Ok(Some(found)) => Some((
                Some(CertificateState::default().found(found)),
                ValueEmpty::default(),
            )),
            Ok(None) => {
                diags.root_error(
                    "Certificate not found in Kong",
                    format!(
                        "No Kong certificate has the id `{id}`, and none serves the hostname `{id}`. Import takes the certificate's id or one of its hostnames (exactly as Kong holds it, such as `*.example.com`)."
                    ),
                );
                None
            }
            Err(Guarded::Foreign(foreign)) => {
                report_foreign(diags, "import the certificate", &foreign);
                None
            }
            Err(Guarded::Failed(error)) => {
                kong_error(diags, "import the certificate", &error, |_| None);
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_holds_no_private_key() {
        let state = CertificateState {
            private_key: Value::Value("-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMG".into()),
            hostnames: values::set(&["a.example.com".to_string()]),
            ..CertificateState::default()
        };
        let shown = format!("{state:?}");
        assert!(!shown.contains("MIGHAgEAMBMG"), "{shown}");
        assert!(shown.contains("a.example.com"));
    }
}
