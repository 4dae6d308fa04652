//! Hostile answers, for the faults that imitate a broken Kong or a proxy in front of it: list
//! pages that never end ([`PagingFault`]) and answers too large to hold ([`huge_body`]).
//! Nothing here is Kong's behaviour; it is what a client of Kong must survive.

use std::convert::Infallible;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body_util::combinators::BoxBody;
use http_body_util::BodyExt;
use hyper::body::{Body, Frame, SizeHint};
use hyper::Response;
use serde_json::Value;

use crate::api::ApiResponse;
use crate::controls::PagingFault;

/// The query without its `offset` parameter (what a proxy that drops it forwards).
pub fn without_offset(query: &str) -> String {
    query
        .split('&')
        .filter(|pair| !pair.is_empty() && !pair.starts_with("offset="))
        .collect::<Vec<_>>()
        .join("&")
}

/// Changes a list answer as `fault` says: a new offset on every page, and with
/// `FreshEntities` a new id for every entity.
pub fn mis_page(response: &mut ApiResponse, fault: PagingFault, path: &str) {
    if fault == PagingFault::DropOffset {
        return;
    }
    let Some(Value::Object(page)) = response.body.as_mut() else {
        return;
    };
    if !page.contains_key("data") {
        return;
    }
    if fault == PagingFault::FreshEntities {
        if let Some(Value::Array(entities)) = page.get_mut("data") {
            for entity in entities {
                if let Value::Object(entity) = entity {
                    let id = uuid::Uuid::new_v4().to_string();
                    entity.insert("id".into(), Value::String(id));
                }
            }
        }
    }
    let offset = uuid::Uuid::new_v4().simple().to_string();
    page.insert(
        "next".into(),
        Value::String(format!("{path}?offset={offset}")),
    );
    page.insert("offset".into(), Value::String(offset));
}

/// Size of each piece of a huge body.
const PIECE: usize = 64 * 1024;

/// A 200 answer of `bytes` bytes: a JSON object (`{"data":[],"padding":"xxx…"}`) made piece
/// by piece as the client reads it, announced in `Content-Length` when `declared`.
pub fn huge_body(bytes: u64, declared: bool) -> Response<BoxBody<Bytes, Infallible>> {
    let head = Bytes::from_static(b"{\"data\":[],\"padding\":\"");
    let tail = Bytes::from_static(b"\"}");
    let frame = (head.len() + tail.len()) as u64;
    let padding = bytes.saturating_sub(frame);
    let body = Padding {
        head: Some(head),
        remaining: padding,
        tail: Some(tail),
        piece: Bytes::from(vec![b'x'; PIECE]),
        declared: declared.then_some(padding + frame),
    };
    Response::builder()
        .status(200)
        .header("Content-Type", "application/json; charset=utf-8")
        .header("Server", "kong/3.9.3")
        .body(body.boxed())
        .unwrap_or_else(|_| Response::new(BoxBody::default()))
}

/// The pieces of a huge body.
struct Padding {
    head: Option<Bytes>,
    remaining: u64,
    tail: Option<Bytes>,
    piece: Bytes,
    declared: Option<u64>,
}

impl Body for Padding {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        if let Some(head) = self.head.take() {
            return Poll::Ready(Some(Ok(Frame::data(head))));
        }
        if self.remaining > 0 {
            let take = self.remaining.min(PIECE as u64) as usize;
            self.remaining -= take as u64;
            let piece = self.piece.slice(..take);
            return Poll::Ready(Some(Ok(Frame::data(piece))));
        }
        Poll::Ready(self.tail.take().map(|tail| Ok(Frame::data(tail))))
    }

    fn is_end_stream(&self) -> bool {
        self.head.is_none() && self.remaining == 0 && self.tail.is_none()
    }

    fn size_hint(&self) -> SizeHint {
        match self.declared {
            Some(total) => SizeHint::with_exact(total),
            None => SizeHint::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_offset_parameter_is_dropped_and_the_rest_kept() {
        assert_eq!(
            without_offset("size=1000&offset=abc&tags=a"),
            "size=1000&tags=a"
        );
        assert_eq!(without_offset("offset=abc"), "");
        assert_eq!(without_offset(""), "");
    }

    #[test]
    fn fresh_offsets_and_ids_change_on_every_answer() {
        let page = || ApiResponse {
            status: 200,
            body: Some(serde_json::json!({"data": [{"id": "a"}], "next": null})),
            headers: vec![],
        };
        let (mut one, mut two) = (page(), page());
        mis_page(&mut one, PagingFault::FreshEntities, "/services");
        mis_page(&mut two, PagingFault::FreshEntities, "/services");
        let field = |r: &ApiResponse, f: &str| r.body.as_ref().map(|b| b[f].clone());
        assert_ne!(field(&one, "offset"), field(&two, "offset"));
        let id = |r: &ApiResponse| r.body.as_ref().map(|b| b["data"][0]["id"].clone());
        assert_ne!(id(&one), Some(Value::String("a".into())));
        assert_ne!(id(&one), id(&two));
        let mut same = page();
        mis_page(&mut same, PagingFault::FreshOffset, "/services");
        assert_eq!(id(&same), Some(Value::String("a".into())));
        assert!(field(&same, "offset").is_some_and(|o| o.is_string()));
    }

    #[tokio::test]
    async fn huge_bodies_have_the_size_asked_for() {
        for declared in [true, false] {
            let response = huge_body(300_000, declared);
            let body = response.into_body().collect().await.expect("body");
            let bytes = body.to_bytes();
            assert_eq!(bytes.len(), 300_000);
            let json: Value = serde_json::from_slice(&bytes).expect("JSON");
            assert_eq!(json["data"], serde_json::json!([]));
        }
    }
}
