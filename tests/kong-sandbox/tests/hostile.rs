//! Hostile answers on demand: list pages that never end, answers too large to hold. They are
//! faults, not Kong's behaviour; the provider's tests use them to prove it survives them.

mod common;
use common::*;
use kong_sandbox::PagingFault;
use serde_json::Value;

fn paging(sb: &Sandbox, fault: PagingFault) {
    sb.controls().inject(FaultRule {
        method: Some("GET".into()),
        path_contains: Some("/services".into()),
        skip: 0,
        times: usize::MAX,
        action: FaultAction::Paging(fault),
    });
}

fn page(c: &Client, query: &str) -> Value {
    let r = c.get(&format!("/services?{query}"));
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    r.json()
}

fn ids(page: &Value) -> Vec<String> {
    page["data"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|e| e["id"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn a_dropped_offset_serves_the_first_page_again() {
    let (sb, c) = start();
    for i in 0..3 {
        service(&c, &format!("s{i}"));
    }
    paging(&sb, PagingFault::DropOffset);
    let first = page(&c, "size=2");
    let offset = first["offset"].as_str().expect("more pages").to_string();
    let again = page(&c, &format!("size=2&offset={offset}"));
    assert_eq!(ids(&again), ids(&first));
    assert_eq!(again["offset"], first["offset"]);
    // The log keeps what the client sent.
    assert!(sb.controls().requests()[4].query.contains("offset="));
}

#[test]
fn fresh_offsets_never_end_a_listing() {
    let (sb, c) = start();
    paging(&sb, PagingFault::FreshOffset);
    let first = page(&c, "size=1000");
    let offset = first["offset"].as_str().expect("an offset, though empty");
    let second = page(&c, &format!("size=1000&offset={offset}"));
    assert_eq!(first["data"], json!([]));
    assert_eq!(second["data"], json!([]));
    assert_ne!(first["offset"], second["offset"]);
}

#[test]
fn fresh_entities_never_repeat() {
    let (sb, c) = start();
    service(&c, "s0");
    paging(&sb, PagingFault::FreshEntities);
    let first = page(&c, "size=1000");
    let second = page(&c, "size=1000");
    assert_eq!(ids(&first).len(), 1);
    assert_ne!(ids(&first), ids(&second));
    assert_eq!(first["data"][0]["name"], "s0");
}

#[test]
fn huge_bodies_are_sent_with_or_without_their_length() {
    let (sb, c) = start();
    for declared in [true, false] {
        sb.controls().inject(FaultRule {
            method: Some("GET".into()),
            path_contains: Some("/services".into()),
            skip: 0,
            times: 1,
            action: FaultAction::HugeBody {
                bytes: 5 * 1024 * 1024,
                declared,
            },
        });
        let r = c.get("/services");
        assert_eq!(r.status, 200);
        if declared {
            assert_eq!(r.header("content-length"), Some("5242880"));
            assert_eq!(r.body.len(), 5 * 1024 * 1024);
        } else {
            assert_eq!(r.header("transfer-encoding"), Some("chunked"));
            // The test client decodes the chunks: the body is the object itself.
            assert_eq!(r.body.len(), 5 * 1024 * 1024);
        }
    }
}
