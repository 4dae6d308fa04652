//! Kong certificates and SNIs (`kong/db/schema/entities/certificates.lua`, `snis.lua`,
//! `kong/db/dao/certificates.lua`): the entity types and the typed calls on them.

use serde::{Deserialize, Serialize};

use super::client::Client;
use super::entities::ForeignKey;
use super::error::KongError;
use super::path::segment;
use crate::secret::Secret;

/// A Kong certificate, as read back. `snis` is the DAO's sugar: the names of the SNIs that
/// point at it, sorted.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Certificate {
    /// Kong's id.
    pub id: String,
    /// PEM chain, leaf first.
    pub cert: String,
    /// The private key: PEM on the open-source edition; Enterprise may answer an encrypted form
    /// or a vault reference instead.
    #[serde(default)]
    pub key: Option<Secret>,
    /// Names of the SNIs served with it (Kong answers them sorted).
    #[serde(default)]
    pub snis: Option<Vec<String>>,
    #[serde(default)]
    pub tags: Option<Vec<String>>,
}

/// The certificate fields this provider writes. `snis` is always sent: a `PUT` without it
/// removes every SNI of the certificate.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CertificateFields {
    /// PEM chain, leaf first.
    pub cert: String,
    /// PEM private key.
    pub key: Secret,
    /// Names of the SNIs to serve it for (the whole set).
    pub snis: Vec<String>,
    pub tags: Vec<String>,
}

/// A Kong SNI: a hostname and the certificate served for it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Sni {
    /// Kong's id.
    pub id: String,
    /// The hostname (a leading or trailing `*` wildcard allowed).
    pub name: String,
    /// The certificate served for it.
    pub certificate: ForeignKey,
    #[serde(default)]
    pub tags: Option<Vec<String>>,
}

impl Client {
    /// `GET /certificates/{id or SNI name}`: Kong looks a non-UUID up as an SNI name, so this
    /// finds the certificate served for exactly that hostname. `None` when there is none.
    pub async fn certificate(&self, id_or_sni: &str) -> Result<Option<Certificate>, KongError> {
        self.get(&format!("/certificates/{}", segment(id_or_sni)))
            .await
    }

    /// `PUT /certificates/{id}`: creates the certificate with that id, or replaces it (with its
    /// SNIs) in one request, so a rotation never leaves a hostname without a certificate.
    pub async fn put_certificate(
        &self,
        id: &str,
        fields: &CertificateFields,
    ) -> Result<Certificate, KongError> {
        self.put(&format!("/certificates/{}", segment(id)), fields)
            .await
    }

    /// `DELETE /certificates/{id}` (its SNIs go with it).
    pub async fn delete_certificate(&self, id: &str) -> Result<(), KongError> {
        self.delete(&format!("/certificates/{}", segment(id))).await
    }

    /// Every SNI Kong serves a certificate for.
    pub async fn snis(&self) -> Result<Vec<Sni>, KongError> {
        self.list_all("/snis", &[]).await
    }
}

// Listed through a `Pager` (kong::paging), which must not import this module back.
impl super::paging::Identified for Certificate {
    fn id(&self) -> &str {
        &self.id
    }
}

impl super::paging::Identified for Sni {
    fn id(&self) -> &str {
        &self.id
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_never_shows_in_debug_output() {
        let fields = CertificateFields {
            cert: "-----BEGIN CERTIFICATE-----".into(),
            key: Secret::new("-----BEGIN PRIVATE KEY-----\nMIIEvQ"),
            snis: vec!["a.example.com".into()],
            tags: vec![],
        };
        assert!(!format!("{fields:?}").contains("MIIEvQ"));
        assert_eq!(
            serde_json::to_value(&fields).expect("json")["key"],
            "-----BEGIN PRIVATE KEY-----\nMIIEvQ"
        );
        let read: Certificate = serde_json::from_str(
            r#"{"id":"c","cert":"C","key":"-----BEGIN PRIVATE KEY-----\nMIIEvQ","snis":["a"],
                "tags":null,"cert_alt":null,"key_alt":null,"created_at":1}"#,
        )
        .expect("certificate");
        assert!(!format!("{read:?}").contains("MIIEvQ"));
        assert_eq!(read.tags, None);
    }
}
