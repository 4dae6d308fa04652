//! The plan-time views (drafts) of declarations, built the way the resources build them from a
//! configuration whose every value is known: what the property tests feed the validators, so
//! that a declaration and its draft stay one thing (the resources' own builders read Terraform
//! values; these read the model's specs).

use dispatch_provider::model::api::{ApiSpec, Draft, Upstream};
use dispatch_provider::model::auth::{AuthDraft, Authentication, BasicDraft, OidcDraft};
use dispatch_provider::model::certificate::CertificateDraft;
use dispatch_provider::model::policies::{
    CorsDraft, LoggingDraft, Policies, PoliciesDraft, RateLimitDraft,
};
use dispatch_provider::model::{Field, Number};
use dispatch_provider::secret::Secret;

/// A list attribute set to these strings.
pub fn strings(values: &[String]) -> Field<Vec<Option<String>>> {
    Field::Value(values.iter().cloned().map(Some).collect())
}

fn optional_strings(values: &Option<Vec<String>>) -> Field<Vec<Option<String>>> {
    values.as_deref().map_or(Field::Null, strings)
}

fn number(value: Option<u64>) -> Field<Number> {
    value.map_or(Field::Null, |n| Field::Value(n.into()))
}

fn flag(value: Option<bool>) -> Field<bool> {
    value.map_or(Field::Null, Field::Value)
}

fn text(value: &Option<String>) -> Field<String> {
    value.clone().map_or(Field::Null, Field::Value)
}

/// The plan-time view of the policies, as the resource builds it.
pub fn policies(policies: &Policies) -> PoliciesDraft {
    PoliciesDraft {
        cors: policies.cors.as_ref().map_or(Field::Null, |c| {
            Field::Value(CorsDraft {
                origins: optional_strings(&c.origins),
                methods: optional_strings(&c.methods),
                headers: optional_strings(&c.headers),
                exposed_headers: optional_strings(&c.exposed_headers),
                max_age: number(c.max_age),
                private_network: flag(c.private_network),
                allow_origin_absent: flag(c.allow_origin_absent),
            })
        }),
        rate_limit: policies.rate_limit.as_ref().map_or(Field::Null, |r| {
            let draft: Option<RateLimitDraft> = r.try_map(|n| Some(number(*n)), |t| Some(text(t)));
            draft.map_or(Field::Null, Field::Value)
        }),
        timeout_ms: number(policies.timeout_ms),
        request_size_limit_kb: number(policies.request_size_limit_kb),
        logging: policies.logging.as_ref().map_or(Field::Null, |l| {
            Field::Value(LoggingDraft {
                http_endpoint: Field::Value(l.http_endpoint.clone()),
            })
        }),
    }
}

/// The plan-time view of the authentication, as the resource builds it (an absent or empty
/// `basic_auth` block both mean "any user").
pub fn auth(auth: &Authentication) -> AuthDraft {
    let mut draft = AuthDraft {
        authentication: Field::Value(auth.mode().as_str().to_string()),
        ..AuthDraft::default()
    };
    match auth {
        Authentication::Public => {}
        Authentication::Basic { allowed_groups } if allowed_groups.is_empty() => {}
        Authentication::Basic { allowed_groups } => {
            draft.basic_auth = Field::Value(BasicDraft {
                allowed_groups: strings(allowed_groups),
            });
        }
        Authentication::Oidc(oidc) => {
            draft.oidc = Field::Value(OidcDraft {
                issuer: Field::Value(oidc.issuer.clone()),
                audiences: strings(&oidc.audiences),
                jwks_url: text(&oidc.jwks_url),
            });
        }
    }
    draft
}

/// The plan-time view of an API declaration, as the resource builds it from the configuration
/// (`code`: the redirect code as written, None when the attribute is left out).
pub fn api(spec: &ApiSpec, code: Option<i64>) -> Draft {
    let (function, upstream_url) = match &spec.upstream {
        Upstream::Function(f) => (Field::Value(f.clone()), Field::Null),
        Upstream::Url(u) => (Field::Null, Field::Value(u.clone())),
        Upstream::Unlinked => (Field::Null, Field::Null),
    };
    Draft {
        name: Field::Value(spec.name.clone()),
        function,
        upstream_url,
        hosts: strings(&spec.hosts),
        paths: strings(&spec.paths),
        methods: strings(&spec.methods),
        https: Field::Value(spec.https.as_str().to_string()),
        redirect_code: code.map_or(Field::Null, |c| Field::Value(c.into())),
        tags: strings(&spec.tags),
        policies: policies(&spec.policies),
    }
}

/// The plan-time view of a certificate declaration (`hostnames`: None when left out).
pub fn certificate(
    certificate: &str,
    key: &str,
    hostnames: Option<&[String]>,
    tags: &[String],
) -> CertificateDraft {
    CertificateDraft {
        certificate: Field::Value(certificate.to_string()),
        private_key: Field::Value(Secret::new(key)),
        hostnames: hostnames.map_or(Field::Null, strings),
        tags: strings(tags),
    }
}
