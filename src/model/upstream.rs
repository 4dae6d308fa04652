//! Where an API sends its traffic: a Dispatch function (through the `function_upstream_url`
//! template), any URL, or nowhere yet; and how a Kong service's target maps back to that.

use std::sync::LazyLock;

use super::validate;

/// The default `function_upstream_url`: Dispatch's function manager runs the function.
pub const DEFAULT_FUNCTION_UPSTREAM_URL: &str =
    "http://dispatch-function-manager/v1/functions/{function}/runs";

/// The upstream of an API with no function and no URL. `.invalid` can never resolve, and the
/// request-termination plugin answers before Kong would try.
pub const UNLINKED_URL: &str = "http://no-function.dispatch.invalid";

/// The Kong target of [`UNLINKED_URL`], parsed once: every API read back is compared with it.
pub fn unlinked_target() -> Option<&'static Target> {
    static UNLINKED: LazyLock<Option<Target>> =
        LazyLock::new(|| Target::from_url(UNLINKED_URL).ok());
    UNLINKED.as_ref()
}

/// Where a Kong service points: the fields Kong keeps for its upstream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// `http` or `https`.
    pub protocol: String,
    /// Host name or address, without brackets or port.
    pub host: String,
    /// Port, explicit or the scheme's default.
    pub port: u16,
    /// Path as written, if any.
    pub path: Option<String>,
}

impl Target {
    /// Parses an upstream URL into the fields Kong keeps, refusing what Kong cannot hold.
    pub fn from_url(raw: &str) -> Result<Self, String> {
        let url = validate::upstream_url(raw)?;
        let default_port = if url.scheme == "https" { 443 } else { 80 };
        Ok(Self {
            protocol: url.scheme.to_string(),
            host: url.host,
            port: url.port.unwrap_or(default_port),
            path: url.path.map(str::to_string),
        })
    }

    /// The URL of this target, without the scheme's default port.
    pub fn to_url(&self) -> String {
        let default_port = match self.protocol.as_str() {
            "https" => 443,
            _ => 80,
        };
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        let port = if self.port == default_port {
            String::new()
        } else {
            format!(":{}", self.port)
        };
        format!(
            "{}://{}{}{}",
            self.protocol,
            host,
            port,
            self.path.as_deref().unwrap_or("")
        )
    }

    /// The same target written with every part explicit, for comparisons.
    fn canonical(&self) -> String {
        format!(
            "{}://{}:{}{}",
            self.protocol,
            self.host,
            self.port,
            self.path.as_deref().unwrap_or("")
        )
    }
}

/// The `function_upstream_url` template, with the organization already filled in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpstreamTemplate {
    template: String,
    /// The template's canonical target before and after the function's name, worked out once
    /// (reading a function back compares every Kong target with it).
    around: (String, String),
}

/// A function name that cannot clash with real text of a template, valid in hosts and paths.
const MARKER: &str = "dispatchfunctionmarker0";
/// Function names a template must render and read back, to be accepted.
const SAMPLES: [&str; 3] = ["f", "hello-fn", "a.b_c-9"];

impl UpstreamTemplate {
    /// Checks the template and fills in `{organization}`.
    pub fn new(template: &str, organization: Option<&str>) -> Result<Self, String> {
        match template.matches("{function}").count() {
            1 => {}
            0 => {
                return Err(format!(
                    "`{template}` has no `{{function}}` placeholder for the function's name"
                ))
            }
            _ => {
                return Err(format!(
                    "`{template}` has `{{function}}` more than once; use it exactly once"
                ))
            }
        }
        let filled = if template.contains("{organization}") {
            match organization {
                Some(org) => template.replace("{organization}", org),
                None => {
                    return Err(format!(
                        "`{template}` uses `{{organization}}` but no organization is configured"
                    ))
                }
            }
        } else {
            template.to_string()
        };
        let rewritten = || {
            format!(
                "`{template}` puts `{{function}}` where the URL is rewritten (a host with non-ASCII characters): the function could not be read back from Kong"
            )
        };
        let marked = Target::from_url(&filled.replace("{function}", MARKER))
            .map_err(|why| {
                format!("`{template}` does not give a valid upstream URL for a function: {why}")
            })?
            .canonical();
        let Some((before, after)) = marked.split_once(MARKER) else {
            return Err(rewritten());
        };
        let this = Self {
            around: (before.to_string(), after.to_string()),
            template: filled,
        };
        // Reading a function back from a Kong target needs its name as written in the URL; a
        // host with non-ASCII characters is rewritten (punycode), name and all.
        let recognised = |function: &str| {
            this.target_for(function)
                .is_ok_and(|t| this.function_of(&t).as_deref() == Some(function))
        };
        if !SAMPLES.iter().all(|f| recognised(f)) {
            return Err(rewritten());
        }
        Ok(this)
    }

    /// The upstream URL of a function.
    pub fn url_for(&self, function: &str) -> String {
        self.template.replace("{function}", function)
    }

    /// The Kong target of a function.
    pub fn target_for(&self, function: &str) -> Result<Target, String> {
        Target::from_url(&self.url_for(function))
    }

    /// The Kong target of a function, refused when the function could not be read back from
    /// it (hosts are lower-cased, so a function with capitals in a host reads back otherwise):
    /// every declaration that maps to Kong must read back to itself.
    pub fn checked_target(&self, function: &str) -> Result<Target, String> {
        let target = self.target_for(function)?;
        if self.name_in(&target).as_deref() == Some(function) {
            // `function_of` would parse this function's URL again to check that the target
            // round-trips: it is that very parse.
            return Ok(target);
        }
        match self.function_of(&target) {
            Some(read) if read == function => Ok(target),
            Some(read) => Err(format!(
                "it gives `{}`, which reads back as the function `{read}` (host names are lower case)",
                target.to_url()
            )),
            None => Err(format!(
                "it gives `{}`, which does not read back as a function",
                target.to_url()
            )),
        }
    }

    /// The function a Kong target invokes, when it is this template's URL for some function.
    pub fn function_of(&self, target: &Target) -> Option<String> {
        let candidate = self.name_in(target)?;
        match self.target_for(&candidate) {
            Ok(round_trip) if &round_trip == target => Some(candidate),
            _ => None,
        }
    }

    /// The valid function name where the template has `{function}`, if the target has the
    /// template's text around it (whether it round-trips is not checked).
    fn name_in(&self, target: &Target) -> Option<String> {
        let (before, after) = &self.around;
        let actual = target.canonical();
        let candidate = actual
            .strip_prefix(before.as_str())?
            .strip_suffix(after.as_str())?;
        validate::function_name(candidate).ok()?;
        Some(candidate.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_map_to_kong_targets_and_back() {
        let t = Target::from_url("http://fn.internal:8080/run/hello").expect("valid");
        assert_eq!(
            t,
            Target {
                protocol: "http".into(),
                host: "fn.internal".into(),
                port: 8080,
                path: Some("/run/hello".into())
            }
        );
        assert_eq!(t.to_url(), "http://fn.internal:8080/run/hello");
        let t = Target::from_url("https://example.com").expect("valid");
        assert_eq!((t.port, t.path.clone()), (443, None));
        assert_eq!(t.to_url(), "https://example.com");
        let t = Target::from_url("https://example.com/").expect("valid");
        assert_eq!(t.path.as_deref(), Some("/"));
        let t = Target::from_url("http://[::1]:9000/x").expect("valid");
        assert_eq!(t.host, "::1");
        assert_eq!(t.to_url(), "http://[::1]:9000/x");
    }

    #[test]
    fn templates_render_and_recognise_functions() {
        let tpl = UpstreamTemplate::new(DEFAULT_FUNCTION_UPSTREAM_URL, None).expect("valid");
        let target = tpl.target_for("hello").expect("valid");
        assert_eq!(target.host, "dispatch-function-manager");
        assert_eq!(target.path.as_deref(), Some("/v1/functions/hello/runs"));
        assert_eq!(tpl.function_of(&target).as_deref(), Some("hello"));
        let other = Target::from_url("http://elsewhere/v1/functions/hello/runs").expect("valid");
        assert_eq!(tpl.function_of(&other), None);
    }

    #[test]
    fn templates_may_put_the_function_in_the_host_and_use_the_organization() {
        let tpl = UpstreamTemplate::new(
            "https://{function}.{organization}.fn.svc:8443",
            Some("shop"),
        )
        .expect("valid");
        assert_eq!(tpl.url_for("resize"), "https://resize.shop.fn.svc:8443");
        let target = tpl.target_for("resize").expect("valid");
        assert_eq!(tpl.function_of(&target).as_deref(), Some("resize"));
        assert!(tpl.checked_target("resize").is_ok());
        let err = tpl
            .checked_target("Resize")
            .expect_err("capitals in a host");
        assert!(err.contains("reads back as the function `resize`"), "{err}");
        let path = UpstreamTemplate::new(DEFAULT_FUNCTION_UPSTREAM_URL, None).expect("valid");
        assert!(path.checked_target("Resize").is_ok(), "paths keep capitals");
    }

    #[test]
    fn bad_templates_are_refused() {
        assert!(UpstreamTemplate::new("http://fm/run", None).is_err());
        assert!(UpstreamTemplate::new("http://fm/{function}/{function}", None).is_err());
        assert!(UpstreamTemplate::new("http://fm/{organization}/{function}", None).is_err());
        assert!(UpstreamTemplate::new("http://fm/{function}?x=1", None).is_err());
        // Found by fuzzing: the URL parser takes `http:/host`, and the path sent to Kong then
        // missed the function.
        assert!(UpstreamTemplate::new("http:/fm/{function}", None).is_err());
        assert!(UpstreamTemplate::new("http://fn-{function}-э.svc/", None).is_err());
        assert!(UpstreamTemplate::new("http://э.svc/{function}", None).is_ok());
        assert!(UpstreamTemplate::new("http://fm/\n{function}", None).is_err());
    }
}
