//! The authentication examples apply as written (against a sandbox and a fake identity
//! provider), plan clean afterwards, and destroy cleanly.

use crate::harness::Kong;
use crate::idp::FakeIdp;

fn apply_example(dir: &str, vars: &[(&str, String)], kong: &Kong) {
    let ws = kong.workspace();
    let text = std::fs::read_to_string(format!(
        "{}/examples/{dir}/main.tf",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("example exists");
    std::fs::write(ws.path().join("main.tf"), text).expect("write");
    let mut args: Vec<String> = [
        "-input=false",
        "-no-color",
        "-var",
        &format!("kong_admin_url={}", kong.url()),
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for (name, value) in vars {
        args.push("-var".into());
        args.push(format!("{name}={value}"));
    }
    let with = |command: &[&str]| {
        let mut all: Vec<&str> = command.to_vec();
        all.extend(args.iter().map(String::as_str));
        ws.run(&all)
    };
    with(&["apply", "-auto-approve"]).success();
    let plan = with(&["plan", "-detailed-exitcode"]);
    assert_eq!(plan.code, 0, "{dir}: {}", plan.output());
    with(&["destroy", "-auto-approve"]).success();
    for collection in [
        "services",
        "routes",
        "plugins",
        "consumers",
        "jwts",
        "acls",
        "basic-auths",
    ] {
        assert!(
            kong.list(collection).is_empty(),
            "{dir}: {collection} left behind"
        );
    }
}

#[test]
fn the_public_example_applies() {
    apply_example("scenarios/public-api", &[], &Kong::start());
}

#[test]
fn the_basic_auth_example_applies() {
    apply_example("scenarios/basic-auth", &[], &Kong::start());
}

#[test]
fn the_oidc_example_applies() {
    let idp = FakeIdp::start();
    apply_example(
        "scenarios/oidc",
        &[("issuer", idp.issuer())],
        &Kong::start(),
    );
}
