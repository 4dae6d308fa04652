//! Contract tests: list pagination and tag filters (K:api/endpoints.lua
//! get_collection_endpoint, K:db/dao/init.lua validate_options_value, 14-tags_spec).

mod common;
use common::*;

fn seed(c: &Client, n: usize) {
    for i in 0..n {
        let tags = if i % 2 == 0 {
            json!(["even", "all"])
        } else {
            json!(["odd", "all"])
        };
        let r = c.post(
            "/services",
            json!({ "name": format!("s{i}"), "host": "h.test", "tags": tags }),
        );
        assert_eq!(r.status, 201);
    }
}

#[test]
fn empty_list_shape() {
    let (_sb, c) = start();
    assert_eq!(
        c.get("/services").json(),
        json!({ "data": [], "next": null })
    );
}

// Pagination: offset/next on all but the last page; stable order; every entity exactly once.
#[test]
fn pagination_walks_every_entity_once_in_stable_order() {
    let (_sb, c) = start();
    seed(&c, 7);
    let mut seen = Vec::new();
    let mut path = "/services?size=3".to_string();
    let mut pages = 0;
    loop {
        let r = c.get(&path).json();
        pages += 1;
        for s in r["data"].as_array().unwrap() {
            seen.push(s["id"].as_str().unwrap().to_string());
        }
        if r["next"].is_null() {
            assert!(r.get("offset").is_none(), "last page has no offset");
            break;
        }
        let next = r["next"].as_str().unwrap().to_string();
        assert!(next.starts_with("/services?offset="), "{next}");
        assert!(next.ends_with("&size=3"), "{next}");
        assert!(r["offset"].is_string());
        path = next;
    }
    assert_eq!(pages, 3);
    assert_eq!(seen.len(), 7);
    let mut sorted = seen.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), 7);
    assert_eq!(
        seen, sorted,
        "pages are ordered by id, like Kong's postgres strategy"
    );
    let all: Vec<String> = c.get("/services").json()["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(all, seen);
}

// get_page_size / DAO: code 9 messages.
#[test]
fn size_errors() {
    let (_sb, c) = start();
    let r = c.get("/services?size=abc");
    assert_eq!(
        (r.status, r.json()),
        (
            400,
            json!({ "code": 9, "name": "invalid size", "message": "size must be a number" })
        )
    );
    for bad in ["0", "1001", "1.5", "-1"] {
        let r = c.get(&format!("/services?size={bad}"));
        assert_eq!(r.status, 400, "{bad}");
        assert_eq!(
            r.json()["message"],
            "size must be an integer between 1 and 1000"
        );
    }
    assert_eq!(c.get("/services?size=1000").status, 200);
}

// errors.lua invalid_offset: code 7.
#[test]
fn bad_offset() {
    let (_sb, c) = start();
    let r = c.get("/services?offset=%%%");
    assert_eq!(r.status, 400);
    assert_eq!(
        r.json(),
        json!({ "code": 7, "name": "invalid offset", "message": "'%%%' is not a valid offset: bad base64 encoding" })
    );
}

// 10-services_routes_spec l.219: unknown query parameters are ignored.
#[test]
fn unknown_query_parameters_ignored() {
    let (_sb, c) = start();
    seed(&c, 2);
    assert_eq!(
        c.get("/services?foo=bar").json()["data"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
}

// 14-tags_spec: `,` is AND, `/` is OR; `next` keeps tags.
#[test]
fn tag_filters_and_or() {
    let (_sb, c) = start();
    seed(&c, 6);
    let n = |q: &str| {
        c.get(&format!("/services?tags={q}")).json()["data"]
            .as_array()
            .unwrap()
            .len()
    };
    assert_eq!(n("all"), 6);
    assert_eq!(n("even"), 3);
    assert_eq!(n("even,all"), 3);
    assert_eq!(n("even,odd"), 0);
    assert_eq!(n("even/odd"), 6);
    assert_eq!(n("nothing"), 0);
    let r = c.get("/services?tags=all&size=2").json();
    assert_eq!(r["data"].as_array().unwrap().len(), 2);
    let next = r["next"].as_str().unwrap();
    assert!(next.contains("&tags=all"), "{next}");
    let page2 = c.get(next).json();
    assert_eq!(page2["data"].as_array().unwrap().len(), 2);
}

// tag filter errors: code 11 "invalid options", under `options`.
#[test]
fn tag_filter_errors() {
    let (_sb, c) = start();
    let r = c.get("/services?tags=a,b/c");
    assert_eq!(r.status, 400);
    assert_eq!(
        r.json(),
        json!({
            "code": 11, "name": "invalid options",
            "message": "invalid option (tags: invalid filter syntax)",
            "options": { "tags": "invalid filter syntax" }
        })
    );
    assert_eq!(
        c.get("/services?tags=a/b,c").json()["message"],
        "invalid option (tags: invalid filter syntax)"
    );
    assert_eq!(
        c.get("/services?tags=a,b,c,d,e,f").json()["message"],
        "invalid option (tags: cannot query more than 5 tags)"
    );
    assert_eq!(
        c.get("/services?tags=").json()["message"],
        "invalid option (tags: cannot be null)"
    );
    assert_eq!(c.get("/services?tags=a,b,c,d,e").status, 200);
    assert_eq!(
        c.get("/services?tags=foo%20bar").status,
        200,
        "space is a printable tag character"
    );
}

// 14-tags_spec l.101 (#6779): nested lists ignore tags; `next` carries only the offset.
#[test]
fn nested_lists_ignore_tags() {
    let (_sb, c) = start();
    service(&c, "p");
    for i in 0..3 {
        assert_eq!(
            c.post(
                "/services/p/routes",
                json!({ "paths": [format!("/r{i}")], "tags": ["t"] })
            )
            .status,
            201
        );
    }
    assert_eq!(
        c.get("/services/p/routes?tags=other").json()["data"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    assert_eq!(c.get("/services/p/routes?tags=a,b/c").status, 200);
    let r = c.get("/services/p/routes?size=2").json();
    let next = r["next"].as_str().unwrap();
    assert!(next.starts_with("/services/p/routes?offset="), "{next}");
    assert!(!next.contains("size="), "{next}");
}

// K:api/routes/consumers.lua: ?custom_id= returns {data:[c], next:null}.
#[test]
fn consumers_by_custom_id() {
    let (_sb, c) = start();
    assert_eq!(
        c.post("/consumers", json!({ "username": "u", "custom_id": "c-1" }))
            .status,
        201
    );
    let r = c.get("/consumers?custom_id=c-1").json();
    assert_eq!(r["data"][0]["username"], "u");
    assert!(r["next"].is_null());
    assert_eq!(
        c.get("/consumers?custom_id=none").json(),
        json!({ "data": [], "next": null })
    );
}

// Many entities and parallel clients: lists stay linear and consistent.
#[test]
fn parallel_clients_and_large_lists() {
    let (_sb, c) = start();
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let c = c.clone();
            std::thread::spawn(move || {
                for i in 0..50 {
                    let r = c.post(
                        "/consumers",
                        json!({ "username": format!("u{t}-{i}"), "tags": ["bulk"] }),
                    );
                    assert_eq!(r.status, 201);
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let r = c.get("/consumers?tags=bulk&size=1000").json();
    assert_eq!(r["data"].as_array().unwrap().len(), 400);
    assert!(r["next"].is_null());
}
