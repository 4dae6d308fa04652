//! The front's side of go-plugin's automatic mutual TLS ("AutoMTLS"): Terraform hands the
//! plugin its client certificate in `PLUGIN_CLIENT_CERT` and trusts exactly the server
//! certificate the handshake line carries. The front makes a fresh server certificate, and
//! accepts only a client presenting Terraform's certificate.
//!
//! go-plugin's client certificate is an ECDSA P-521 key signing with SHA-512 (`generateCert`
//! in go-plugin's mtls.go). rustls on *ring* (what this tree builds) does not verify P-521
//! signatures, so the verifier below checks them with the `p521` crate, and every other
//! scheme through *ring*.

use std::sync::Arc;

use p521::ecdsa::signature::Verifier;
use rustls::client::danger::HandshakeSignatureValid;
use rustls::crypto::{verify_tls13_signature, CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{
    CertificateError, DigitallySignedStruct, DistinguishedName, ServerConfig, SignatureScheme,
};
use x509_parser::prelude::{FromDer, X509Certificate};

use super::FrontError;

/// The TLS settings of the front and the certificate its handshake line announces.
pub struct FrontTls {
    /// rustls' server configuration: TLS 1.3, ALPN `h2`, Terraform's client certificate
    /// required.
    pub config: Arc<ServerConfig>,
    /// The server certificate (DER).
    pub certificate: CertificateDer<'static>,
}

impl FrontTls {
    /// Settings for a client holding the certificate in `client_pem` (`PLUGIN_CLIENT_CERT`).
    pub fn for_client(client_pem: &str) -> Result<Self, FrontError> {
        let client = client_certificate(client_pem)?;
        let (certificate, key) = server_certificate()?;
        let provider = crypto_provider();
        let verifier = PinnedClient::new(client, provider.signature_verification_algorithms)?;
        let mut config = ServerConfig::builder_with_provider(provider)
            // Every go-plugin client speaks TLS 1.3 (Go has since 1.13), and only TLS 1.3
            // binds an ECDSA signature scheme to its curve.
            .with_protocol_versions(&[&rustls::version::TLS13])
            .map_err(FrontError::Tls)?
            .with_client_cert_verifier(Arc::new(verifier))
            .with_single_cert(vec![certificate.clone()], key)
            .map_err(FrontError::Tls)?;
        config.alpn_protocols = vec![b"h2".to_vec()];
        Ok(Self {
            config: Arc::new(config),
            certificate,
        })
    }
}

/// The one certificate of a PEM text.
fn client_certificate(pem_text: &str) -> Result<CertificateDer<'static>, FrontError> {
    let block = pem::parse(pem_text).map_err(|error| {
        FrontError::ClientCertificate(format!("not a PEM certificate: {error}"))
    })?;
    if block.tag() != "CERTIFICATE" {
        return Err(FrontError::ClientCertificate(format!(
            "a PEM {} instead of a CERTIFICATE",
            block.tag()
        )));
    }
    Ok(CertificateDer::from(block.into_contents()))
}

/// A self-signed certificate for `localhost` (the name go-plugin's client expects), valid
/// from 30 seconds ago (clock skew) for 30 years, as go-plugin's own. Unlike go-plugin's, not
/// a CA: Go accepts a leaf that is itself among its roots, and rustls (as other clients)
/// refuses a CA certificate used as a server's.
fn server_certificate() -> Result<(CertificateDer<'static>, PrivateKeyDer<'static>), FrontError> {
    use rcgen::{
        CertificateParams, DistinguishedName as Name, DnType, ExtendedKeyUsagePurpose, KeyPair,
        KeyUsagePurpose,
    };
    let mut params = CertificateParams::new(vec!["localhost".to_string()])?;
    let mut name = Name::new();
    name.push(DnType::OrganizationName, "terraform-provider-dispatch");
    name.push(DnType::CommonName, "localhost");
    params.distinguished_name = name;
    let now = time::OffsetDateTime::now_utc();
    params.not_before = now - time::Duration::seconds(30);
    params.not_after = now + time::Duration::days(30 * 365);
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)?;
    let certificate = params.self_signed(&key)?;
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
    Ok((certificate.der().clone(), key))
}

/// Accepts exactly one client certificate, given beforehand (no chain, no CA: Terraform made
/// it for this process), and checks the client's handshake signature with its key.
#[derive(Debug)]
pub struct PinnedClient {
    certificate: CertificateDer<'static>,
    /// The certificate's key when it is a P-521 key, which *ring* cannot verify.
    p521: Option<p521::ecdsa::VerifyingKey>,
    algorithms: WebPkiSupportedAlgorithms,
}

impl PinnedClient {
    /// A verifier that accepts `certificate` and nothing else.
    pub fn new(
        certificate: CertificateDer<'static>,
        algorithms: WebPkiSupportedAlgorithms,
    ) -> Result<Self, FrontError> {
        let (_, parsed) = X509Certificate::from_der(&certificate).map_err(|error| {
            FrontError::ClientCertificate(format!("not an X.509 certificate: {error}"))
        })?;
        let key = &parsed.public_key().subject_public_key.data;
        let p521 = p521::ecdsa::VerifyingKey::from_sec1_bytes(key).ok();
        Ok(Self {
            certificate,
            p521,
            algorithms,
        })
    }

    fn is_pinned(&self, certificate: &CertificateDer<'_>) -> bool {
        certificate.as_ref() == self.certificate.as_ref()
    }
}

impl ClientCertVerifier for PinnedClient {
    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &[]
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        if self.is_pinned(end_entity) {
            Ok(ClientCertVerified::assertion())
        } else {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::ApplicationVerificationFailure,
            ))
        }
    }

    fn verify_tls12_signature(
        &self,
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        // Never called: the server configuration offers TLS 1.3 only.
        Err(rustls::Error::General(
            "the front speaks TLS 1.3 only".into(),
        ))
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        if !self.is_pinned(cert) {
            return Err(rustls::Error::InvalidCertificate(
                CertificateError::ApplicationVerificationFailure,
            ));
        }
        match (dss.scheme, &self.p521) {
            (SignatureScheme::ECDSA_NISTP521_SHA512, Some(key)) => {
                verify_p521(key, message, dss.signature())
            }
            (SignatureScheme::ECDSA_NISTP521_SHA512, None) => Err(bad_signature()),
            _ => verify_tls13_signature(message, cert, dss, &self.algorithms),
        }
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        let mut schemes = self.algorithms.supported_schemes();
        schemes.push(SignatureScheme::ECDSA_NISTP521_SHA512);
        schemes
    }
}

/// An ECDSA P-521 signature (DER) with SHA-512 over `message`, as TLS 1.3's
/// `ecdsa_secp521r1_sha512` defines it.
fn verify_p521(
    key: &p521::ecdsa::VerifyingKey,
    message: &[u8],
    signature: &[u8],
) -> Result<HandshakeSignatureValid, rustls::Error> {
    let signature =
        p521::ecdsa::DerSignature::from_bytes(signature).map_err(|_| bad_signature())?;
    key.verify(message, &signature)
        .map(|()| HandshakeSignatureValid::assertion())
        .map_err(|_| bad_signature())
}

fn bad_signature() -> rustls::Error {
    rustls::Error::InvalidCertificate(CertificateError::BadSignature)
}

/// A client configuration as go-plugin's: trusts exactly `server` (the certificate of the
/// handshake line), presents `client` with its PKCS#8 `key`, ALPN `h2`. For the tests and the
/// overhead benchmark, which talk to the provider as Terraform does.
pub fn plugin_client_config(
    server: CertificateDer<'static>,
    client: CertificateDer<'static>,
    key: PrivatePkcs8KeyDer<'static>,
) -> Result<rustls::ClientConfig, rustls::Error> {
    let provider = crypto_provider();
    let verifier = PinnedServer {
        certificate: server,
        provider: provider.clone(),
    };
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_client_auth_cert(vec![client], PrivateKeyDer::Pkcs8(key))?;
    config.alpn_protocols = vec![b"h2".to_vec()];
    Ok(config)
}

/// go-plugin's trust in a plugin: the one certificate of its handshake line, as a root.
#[derive(Debug)]
struct PinnedServer {
    certificate: CertificateDer<'static>,
    provider: Arc<CryptoProvider>,
}

impl rustls::client::danger::ServerCertVerifier for PinnedServer {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &rustls::pki_types::ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        if end_entity.as_ref() == self.certificate.as_ref() {
            Ok(rustls::client::danger::ServerCertVerified::assertion())
        } else {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::ApplicationVerificationFailure,
            ))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// The provider rustls uses for the front (also for tests that connect to it).
pub fn crypto_provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

#[cfg(test)]
mod tests {
    use super::*;
    use p521::ecdsa::signature::Signer;

    #[test]
    fn p521_signatures_are_checked_against_the_message() {
        let (certificate, key) = super::super::tests::p521_identity();
        let der = CertificateDer::from(certificate.to_der().expect("der"));
        let verifier = PinnedClient::new(der, crypto_provider().signature_verification_algorithms)
            .expect("verifier");
        assert!(verifier
            .supported_verify_schemes()
            .contains(&SignatureScheme::ECDSA_NISTP521_SHA512));
        let public = verifier.p521.as_ref().expect("a P-521 key was recognised");
        let secret = key.ec_key().expect("ec").private_key().to_vec();
        let signing = p521::ecdsa::SigningKey::from_slice(&secret).expect("signing key");
        let message = b"TLS 1.3, client CertificateVerify";
        let signature: p521::ecdsa::DerSignature = signing.sign(message);
        assert!(verify_p521(public, message, signature.as_bytes()).is_ok());
        assert!(verify_p521(public, b"another message", signature.as_bytes()).is_err());
        assert!(verify_p521(public, message, b"not a signature").is_err());
    }
}
