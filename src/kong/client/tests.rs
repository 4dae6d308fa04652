//! Paths, segments and the client's debug output.

use super::*;
use crate::secret::Secret;

fn client(base: &str, workspace: Option<&str>) -> Client {
    Client::new(ClientOptions {
        admin_token: Some(Secret::new("s3cr3t-token")),
        workspace: workspace.map(str::to_string),
        timeout: Duration::from_secs(1),
        ..ClientOptions::for_tests(base)
    })
    .expect("client")
}

#[test]
fn paths_join_the_base_url_and_the_workspace() {
    let c = client("http://kong:8001", None);
    assert_eq!(
        c.url_for("/services/a", &[]).expect("url").as_str(),
        "http://kong:8001/services/a"
    );
    let c = client("https://gw.example/admin", Some("team-a"));
    assert_eq!(
        c.url_for("/services", &[("size", "1000".into())])
            .expect("url")
            .as_str(),
        "https://gw.example/admin/team-a/services?size=1000"
    );
}

#[test]
fn dot_segments_are_refused_before_any_request() {
    let c = client("http://kong:8001", Some("team"));
    // Escaping leaves `.` and `..` as they are; an encoded dot reaches the check only in a
    // path built without `segment`, and is refused too.
    for path in [
        format!("/consumers/{}", segment(".")),
        format!("/consumers/{}", segment("..")),
        "/consumers/%2e%2E".to_string(),
        "/consumers/.%2e/acls".to_string(),
    ] {
        let error = c.url_for(&path, &[]).expect_err(&path);
        assert!(matches!(error, KongError::Url { .. }), "{error:?}");
        assert!(error.to_string().contains("would address another resource"));
    }
    // Escaped percent signs are not dots; other dots are plain characters.
    assert_eq!(segment("%2e%2e"), "%252e%252e");
    for name in ["%2e%2e", "...", "a..b", "*.example.com"] {
        let path = format!("/consumers/{}", segment(name));
        assert!(c.url_for(&path, &[]).is_ok(), "{name}");
    }
}

#[test]
fn segments_cannot_escape_their_place() {
    assert_eq!(segment("a/b?c"), "a%2Fb%3Fc");
    assert_eq!(segment("*.example.com"), "*.example.com");
    // The URL parser reads `\` as `/` in http(s) URLs, and then resolves the `..`.
    let c = client("http://kong:8001", None);
    let path = format!("/consumers/{}", segment("x\\..\\..\\services\\abc"));
    assert_eq!(
        c.url_for(&path, &[]).expect("url").as_str(),
        "http://kong:8001/consumers/x%5C..%5C..%5Cservices%5Cabc"
    );
}

#[test]
fn debug_output_holds_no_secret() {
    let c = client("http://kong:8001", None);
    assert!(!format!("{c:?}").contains("s3cr3t"));
    assert_eq!(format!("{:?}", Secret::new("pw")), "Secret(<redacted>)");
}
