//! The little of gRPC's wire format the front reads and writes itself: the 5-byte prefix of a
//! message (compressed flag, big-endian length), and answers it makes without tf-provider.
//! See <https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-HTTP2.md>.

use bytes::Bytes;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Empty, Full};
use hyper::header::{HeaderMap, HeaderValue, CONTENT_TYPE};
use hyper::{Response, StatusCode};
use percent_encoding::{utf8_percent_encode, AsciiSet, CONTROLS};

/// The body of every answer the front gives Terraform.
pub type Body = BoxBody<Bytes, h2::Error>;

/// Length of the prefix before each message: compressed flag (1 byte), length (4 bytes).
pub const PREFIX_LEN: usize = 5;

/// The largest message tf-provider 0.2.2's server decodes: tonic's default
/// `max_decoding_message_size`, which tf-provider does not change (tonic 0.12,
/// `codec::DEFAULT_MAX_RECV_MESSAGE_SIZE`).
pub const MAX_MESSAGE_LEN: usize = 4 * 1024 * 1024;

/// gRPC status codes the front answers with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Code {
    /// The call succeeded.
    Ok = 0,
    /// A message larger than the receiver accepts.
    ResourceExhausted = 8,
    /// tf-provider's server could not be reached.
    Unavailable = 14,
}

/// The length the prefix at the start of `body` declares; `None` when `body` is shorter than a
/// prefix.
pub fn declared_len(body: &[u8]) -> Option<usize> {
    let length: [u8; 4] = body.get(1..PREFIX_LEN)?.try_into().ok()?;
    Some(u32::from_be_bytes(length) as usize)
}

/// A successful answer carrying one message whose fields all hold their default values: in
/// protobuf such a message encodes to no bytes at all, so the body is the bare prefix (not
/// compressed, length 0), and the status comes in the trailers.
pub fn empty_message() -> Response<Body> {
    let mut trailers = HeaderMap::new();
    trailers.insert("grpc-status", status_value(Code::Ok));
    let body = Full::new(Bytes::from_static(&[0; PREFIX_LEN]))
        .with_trailers(std::future::ready(Some(Ok(trailers))))
        .map_err(|never| match never {})
        .boxed();
    grpc_response(body)
}

/// A failed call, "trailers-only": the status and its message in the response headers, and no
/// body.
pub fn error(code: Code, message: &str) -> Response<Body> {
    let body = Empty::new().map_err(|never| match never {}).boxed();
    let mut response = grpc_response(body);
    let headers = response.headers_mut();
    headers.insert("grpc-status", status_value(code));
    if let Ok(message) = HeaderValue::from_str(&encode_message(message)) {
        headers.insert("grpc-message", message);
    }
    response
}

fn grpc_response(body: Body) -> Response<Body> {
    let mut response = Response::new(body);
    *response.status_mut() = StatusCode::OK;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/grpc"));
    response
}

fn status_value(code: Code) -> HeaderValue {
    HeaderValue::from(u16::from(code as u8))
}

/// `grpc-message` is percent-encoded UTF-8: every byte outside printable ASCII, and `%`.
const MESSAGE_ESCAPES: &AsciiSet = &CONTROLS.add(b'%');

fn encode_message(message: &str) -> String {
    utf8_percent_encode(message, MESSAGE_ESCAPES).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;

    #[tokio::test]
    async fn the_empty_message_is_five_zero_bytes_then_status_ok() {
        let response = empty_message();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()[CONTENT_TYPE], "application/grpc");
        assert!(response.headers().get("grpc-status").is_none());
        let collected = response.into_body().collect().await.expect("body");
        let trailers = collected.trailers().cloned().expect("trailers");
        assert_eq!(trailers["grpc-status"], "0");
        assert_eq!(collected.to_bytes().as_ref(), &[0, 0, 0, 0, 0]);
    }

    #[tokio::test]
    async fn an_error_is_trailers_only_with_an_encoded_message() {
        let response = error(Code::ResourceExhausted, "14 MB > 4 MiB: 100% too big é\n");
        assert_eq!(response.headers()["grpc-status"], "8");
        assert_eq!(
            response.headers()["grpc-message"],
            "14 MB > 4 MiB: 100%25 too big %C3%A9%0A"
        );
        let collected = response.into_body().collect().await.expect("body");
        assert!(collected.trailers().is_none());
        assert!(collected.to_bytes().is_empty());
    }

    #[test]
    fn the_prefix_declares_a_big_endian_length() {
        assert_eq!(
            declared_len(&[0, 0, 0x40, 0, 1, 9]),
            Some(MAX_MESSAGE_LEN + 1)
        );
        assert_eq!(declared_len(&[1, 0, 0, 0, 7]), Some(7));
        assert_eq!(declared_len(&[0, 0, 0, 0]), None);
    }
}
