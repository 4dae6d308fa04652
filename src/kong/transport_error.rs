//! Reading a transport error: whether TLS is behind it, and its whole chain of causes.

/// True when the TLS layer is behind the error: somewhere in its chain is a rustls error,
/// possibly inside I/O errors (whose `source` skips the error they wrap, and which nest).
pub(super) fn is_tls_failure(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut current = Some(error);
    while let Some(cause) = current {
        if cause.downcast_ref::<rustls::Error>().is_some() {
            return true;
        }
        if let Some(inner) = cause
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
        {
            return is_tls_failure(inner);
        }
        current = cause.source();
    }
    false
}

/// The error and its sources, joined: reqwest hides the useful part ("Connection refused",
/// "invalid peer certificate: UnknownIssuer") a few levels down.
pub fn error_chain(error: &dyn std::error::Error) -> String {
    let mut parts: Vec<String> = vec![error.to_string()];
    let mut source = error.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = cause.source();
    }
    parts.join(": ")
}
