//! `dispatch_certificate` against Kong: one certificate with its SNIs, written in one request so
//! that a rotation never leaves a hostname without a certificate.

use crate::apply::ownership::{self, Guarded};
use crate::apply::{keep_after_undo, Context};
use crate::kong::{Certificate, KongError};
use crate::model::certificate::{self, CertificateSpec, ReadBack};
use crate::model::naming;
use crate::secret::Secret;

/// What the last known declaration says of the PEM texts, so that a read-back keeps their
/// spelling when Kong holds the same certificate and key.
#[derive(Debug, Clone, Default)]
pub struct Prior {
    /// The PEM chain.
    pub certificate: Option<String>,
    pub private_key: Option<Secret>,
}

/// A certificate as Kong holds it.
#[derive(Debug, Clone)]
pub struct FoundCertificate {
    /// Kong's id.
    pub id: String,
    /// What it amounts to.
    pub read: ReadBack,
}

/// Who serves a hostname the certificate was refused for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostnameTaken {
    pub hostname: String,
    /// The id of the certificate that serves it.
    pub certificate_id: String,
    /// That certificate, when it could be read.
    pub holder: Option<Holder>,
}

/// The certificate that serves a hostname.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holder {
    /// Whether this provider manages it.
    pub managed: bool,
    /// The hostnames it serves, as Kong answers them.
    pub hostnames: Option<Vec<String>>,
}

/// A write Kong refused or that failed.
#[derive(Debug, thiserror::Error)]
#[error("{error}")]
pub struct CertificateWriteError {
    /// What went wrong.
    pub error: KongError,
    /// The hostname another certificate already serves, when that is why Kong refused.
    pub taken: Option<HostnameTaken>,
}

/// A failed create, with the certificate's id when it must stay in state (tainted).
#[derive(Debug)]
pub struct CreateFailure {
    /// What went wrong.
    pub error: CertificateWriteError,
    /// The id, when the certificate could not be removed again (or may still be written).
    pub leftover: Option<String>,
}

/// A failed update, and what Kong holds after it (`None` when it could not be read).
#[derive(Debug)]
pub struct UpdateFailure {
    /// What went wrong.
    pub error: CertificateWriteError,
    /// What Kong holds now.
    pub now: Option<FoundCertificate>,
}

fn found(kong: &Certificate, prior: &Prior) -> FoundCertificate {
    FoundCertificate {
        id: kong.id.clone(),
        read: certificate::read_back(
            kong,
            prior.certificate.as_deref(),
            prior.private_key.as_ref(),
        ),
    }
}

/// What Kong holds for the certificate with this id, or the one it serves for exactly this
/// hostname (Kong looks a non-UUID up as an SNI name); `None` when there is none.
pub async fn read(
    context: &Context,
    id_or_hostname: &str,
    prior: &Prior,
) -> Result<Option<FoundCertificate>, KongError> {
    let kong = context.client.certificate(id_or_hostname).await?;
    Ok(kong.map(|kong| found(&kong, prior)))
}

/// The certificate with this id, or the one Kong serves for exactly this hostname, as an import
/// reads it; one of another organization is refused.
pub async fn import(
    context: &Context,
    id_or_hostname: &str,
) -> Result<Option<FoundCertificate>, Guarded<KongError>> {
    let Some(kong) = context.client.certificate(id_or_hostname).await? else {
        return Ok(None);
    };
    ownership::check(context, "certificate", &kong.id, kong.tags.as_deref())?;
    Ok(Some(found(&kong, &Prior::default())))
}

/// The certificate Kong serves for `hostname`: exact SNI first, then the wildcards, in the
/// order Kong itself picks.
pub async fn served_for(
    context: &Context,
    hostname: &str,
) -> Result<Option<FoundCertificate>, KongError> {
    for name in certificate::sni_lookup_names(hostname) {
        if let Some(found) = read(context, &name, &Prior::default()).await? {
            return Ok(Some(found));
        }
    }
    Ok(None)
}

/// Creates the certificate under a new id.
pub async fn create(
    context: &Context,
    spec: &CertificateSpec,
) -> Result<FoundCertificate, CreateFailure> {
    let id = uuid::Uuid::new_v4().to_string();
    let fields = certificate::desired(spec, &context.environment.naming);
    let created = context.client.put_certificate(&id, &fields).await;
    let error = match created.and_then(|kong| context.continue_create().map(|()| kong)) {
        Ok(kong) => return Ok(found(&kong, &prior_of(spec))),
        Err(error) => explained(context, error).await,
    };
    // Kong refuses a bad request before writing anything; after a lost answer or a server error
    // the certificate may exist, so it is removed. What cannot be removed stays in state
    // (tainted), so the next apply deletes it; so does a write that timed out, which Kong may
    // still carry out after the removal.
    if matches!(error.error.status(), Some(400..=499)) {
        return Err(CreateFailure {
            error,
            leftover: None,
        });
    }
    let undone = context.client.delete_certificate(&id).await;
    let leftover = keep_after_undo(&error.error, undone, "certificate").then_some(id);
    Err(CreateFailure { error, leftover })
}

/// Replaces certificate, key and SNIs of the certificate `id` together, in one request: no
/// moment without a certificate. `prior` is the last known declaration, for reading Kong back
/// after a failure. Nothing is written to a certificate of another organization.
pub async fn update(
    context: &Context,
    id: &str,
    spec: &CertificateSpec,
    prior: &Prior,
) -> Result<FoundCertificate, Guarded<UpdateFailure>> {
    match ownership::check_certificate(context, id).await {
        Ok(()) => {}
        Err(Guarded::Foreign(foreign)) => return Err(Guarded::Foreign(foreign)),
        Err(Guarded::Failed(error)) => {
            let error = CertificateWriteError { error, taken: None };
            return Err(Guarded::Failed(UpdateFailure { error, now: None }));
        }
    }
    let fields = certificate::desired(spec, &context.environment.naming);
    let error = match context.client.put_certificate(id, &fields).await {
        Ok(kong) => return Ok(found(&kong, &prior_of(spec))),
        Err(error) => explained(context, error).await,
    };
    // What Kong holds now: the next plan shows what is left to do.
    let now = read(context, id, prior).await.ok().flatten();
    Err(Guarded::Failed(UpdateFailure { error, now }))
}

/// Deletes the certificate (its SNIs go with it), unless it belongs to another organization.
pub async fn delete(context: &Context, id: &str) -> Result<(), Guarded<KongError>> {
    ownership::check_certificate(context, id).await?;
    Ok(context.client.delete_certificate(id).await?)
}

fn prior_of(spec: &CertificateSpec) -> Prior {
    Prior {
        certificate: Some(spec.certificate.clone()),
        private_key: Some(spec.private_key.clone()),
    }
}

/// The error of a write, with the certificate that serves a hostname Kong refused as taken.
async fn explained(context: &Context, error: KongError) -> CertificateWriteError {
    let conflict = error
        .field_errors()
        .iter()
        .filter(|f| f.path.first().map(String::as_str) == Some("snis"))
        .find_map(|f| certificate::hostname_conflict(&f.message));
    let Some(conflict) = conflict else {
        return CertificateWriteError { error, taken: None };
    };
    let holder = context
        .client
        .certificate(&conflict.certificate_id)
        .await
        .ok()
        .flatten()
        .map(|c| Holder {
            managed: naming::is_managed(c.tags.as_deref()),
            hostnames: c.snis,
        });
    let taken = HostnameTaken {
        hostname: conflict.hostname,
        certificate_id: conflict.certificate_id,
        holder,
    };
    CertificateWriteError {
        error,
        taken: Some(taken),
    }
}
