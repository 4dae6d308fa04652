//! The diagnostics of `dispatch_api`: the apply layer's errors on the attribute concerned, with
//! what to do about them.

use tf_provider::{AttributePath, Diagnostics};

use crate::apply::api::{
    Conflict, CreateError, IssuerError, PlanError, PluginHolder, UnverifiableKey, UpdateError,
    WriteError,
};
use crate::diagnostics::{attribute_path, kong_error, report};
use crate::idp::IdpError;
use crate::kong::KongError;
use crate::model::api::{self, ApiSpec};
use crate::model::{certificate, issuer, AttrPath};

/// Reports a failed create.
pub(super) fn report_create_error(diags: &mut Diagnostics, spec: &ApiSpec, error: &CreateError) {
    let issuer = crate::apply::api::issuer_of(spec);
    match error {
        CreateError::Invalid(issues) => report(diags, issues.iter().cloned()),
        CreateError::Routing(other) => {
            super::routing::report_in_the_way(diags, spec, other, "apply")
        }
        CreateError::Issuer { error, left } => {
            report_issuer_error(diags, issuer, error);
            if let Some(left) = left {
                warn_issuer_left(diags, issuer, left);
            }
        }
        CreateError::Write {
            error, issuer_left, ..
        } => {
            if let Some(left) = issuer_left {
                warn_issuer_left(diags, issuer, left);
            }
            report_write_error(diags, spec, "create", error);
        }
    }
}

/// Reports a failed update.
pub(super) fn report_update_error(diags: &mut Diagnostics, spec: &ApiSpec, error: &UpdateError) {
    let issuer = crate::apply::api::issuer_of(spec);
    match error {
        UpdateError::Invalid(issues) => report(diags, issues.iter().cloned()),
        UpdateError::Routing(other) => {
            super::routing::report_in_the_way(diags, spec, other, "apply")
        }
        UpdateError::Issuer { error, left } => {
            report_issuer_error(diags, issuer, error);
            if let Some(left) = left {
                warn_issuer_left(diags, issuer, left);
            }
        }
        UpdateError::Release { issuer, error } => kong_error(
            diags,
            &format!("remove the signing keys of `{issuer}`, which the API no longer uses"),
            error,
            |_| None,
        ),
        UpdateError::Write(error) => report_write_error(diags, spec, "update", error),
        UpdateError::Foreign(foreign) => crate::resources::report_foreign(
            diags,
            &format!("update the API `{}`", spec.name),
            foreign,
        ),
    }
}

/// Reports a failed write of the API's entities (`action`): a duplicate names the entity in
/// the way (who holds the name, or the plugin already there) and how to proceed; anything else
/// is Kong's error on the attribute concerned.
fn report_write_error(diags: &mut Diagnostics, spec: &ApiSpec, action: &str, error: &WriteError) {
    let holder = match &error.conflict {
        Some(Conflict::Name(holder)) => holder,
        Some(Conflict::Plugin(plugin)) => return report_plugin_in_the_way(diags, spec, plugin),
        None => {
            kong_error(
                diags,
                &format!("{action} the API `{}`", spec.name),
                &error.error,
                |path| api::locate(spec, path),
            );
            return;
        }
    };
    let (what, kong_name, name) = (holder.kind, &holder.kong_name, &spec.name);
    let detail = if holder.managed {
        format!(
            "A Kong {what} named `{kong_name}` already exists and is managed by terraform-provider-dispatch, probably from another Terraform state or workspace. Choose another name, or import it into this state with `terraform import <resource address> {name}`."
        )
    } else {
        format!(
            "A Kong {what} named `{kong_name}` already exists and is not managed by this provider, so it is left untouched. Import it with `terraform import <resource address> {name}` (for example `terraform import dispatch_api.{name} {name}`), or choose another name."
        )
    };
    diags.error(
        "API name already taken in Kong",
        detail,
        AttributePath::new("name"),
    );
}

/// Kong refused the API's plugin because one of that kind is already on its service or route
/// (one per kind and scope): a plugin made outside Terraform after the API was created or
/// imported, which the provider does not take over silently.
fn report_plugin_in_the_way(diags: &mut Diagnostics, spec: &ApiSpec, plugin: &PluginHolder) {
    let (kind, id, name) = (&plugin.name, &plugin.id, &spec.name);
    let place = if plugin.on_route { "route" } else { "service" };
    let whose = if plugin.managed {
        "It carries this provider's tags but is not this API's: another Terraform state probably manages it."
    } else {
        "It was not made by this provider (it has no ownership tags)."
    };
    diags.root_error(
        format!("A `{kind}` plugin is already on the API `{name}`"),
        format!(
            "Kong refused to add the API's `{kind}` plugin: the plugin `{kind}` with id {id} is already on the API's Kong {place}, and Kong allows one plugin of a kind per service or route. {whose}\n\nTo let this API manage it with the declared settings, adopt it: remove the API from the state (`removed {{ from = dispatch_api.<name>  lifecycle {{ destroy = false }} }}`, or `terraform state rm`), import it again (`import {{ to = dispatch_api.<name>  id = \"{name}\" }}`) and apply. Otherwise delete that plugin (`DELETE /plugins/{id}`) and apply again."
        ),
    );
}

fn oidc_path() -> AttributePath {
    attribute_path(&AttrPath::attr("oidc"))
}

/// Reports why the plan cannot say how the API's tokens are checked, on `oidc`.
pub(super) fn report_oidc_plan_error(diags: &mut Diagnostics, issuer: &str, error: &PlanError) {
    match error {
        PlanError::Edition(error) => kong_error(
            diags,
            "find out Kong's edition (OIDC uses openid-connect on Enterprise, jwt on open source)",
            error,
            |_| None,
        ),
        PlanError::Unverifiable(error) => unverifiable(diags, error),
        PlanError::Keys(error) => diags.error(
            "Cannot use the OIDC issuer's signing keys",
            format!(
                "Open-source Kong checks tokens of `{issuer}` with the issuer's public keys, which the provider fetches and writes to Kong as jwt secrets; they could not be had: {error}.\n\nNothing was written to Kong. `-refresh=false` does not help: the keys come from the issuer, not from Kong, for an API that is new or changes its issuer (an existing API is planned with the keys Kong holds while its issuer is down, and `terraform destroy` never needs the issuer)."
            ),
            oidc_path(),
        ),
    }
}

fn unverifiable(diags: &mut Diagnostics, error: &UnverifiableKey) {
    diags.error(
        "Kong cannot verify the OIDC issuer's tokens",
        format!("{error}.\n\nNothing was written to Kong."),
        oidc_path(),
    );
}

/// Warns that the plan kept the keys Kong holds because the issuer could not be asked.
pub(super) fn warn_planned_with_held_keys(diags: &mut Diagnostics, issuer: &str, error: &IdpError) {
    diags.warning(
        "Planned without the OIDC issuer",
        format!(
            "The signing keys of `{issuer}` could not be fetched ({error}), so this plan keeps the keys Kong holds for it and cannot show a key rotation at the issuer. Removing the API does not need the issuer; a change of its `oidc` block does, at apply."
        ),
        oidc_path(),
    );
}

fn idp_error(diags: &mut Diagnostics, issuer: &str, error: &IdpError) {
    diags.error(
        "Cannot use the OIDC issuer's signing keys",
        format!(
            "Open-source Kong checks tokens of `{issuer}` with the issuer's public keys, which the provider fetches and writes to Kong as jwt secrets; they could not be had: {error}.\n\nNothing was written to Kong."
        ),
        oidc_path(),
    );
}

/// Reports an [`IssuerError`] on `oidc`.
fn report_issuer_error(diags: &mut Diagnostics, issuer: &str, error: &IssuerError) {
    match error {
        IssuerError::Idp(error) => idp_error(diags, issuer, error),
        IssuerError::KeysChanged { .. } => diags.error(
            "The OIDC issuer rotated its keys since the plan",
            format!("{error}. Nothing was changed for this API; run `terraform apply` again to plan with the current keys."),
            oidc_path(),
        ),
        IssuerError::KidTaken { kid, source } => diags.error(
            "OIDC key id already used in Kong",
            format!(
                "The key `{kid}` of `{issuer}` cannot be stored: Kong's jwt secrets are unique by key id across the whole workspace, and another consumer (another issuer, or an unmanaged jwt credential) already holds `{kid}`. Two issuers sharing a key id cannot be trusted in one Kong workspace with the open-source jwt plugin.\n\n{source}"
            ),
            oidc_path(),
        ),
        IssuerError::Unverifiable(error) => unverifiable(diags, error),
        IssuerError::Kong(error) => kong_error(
            diags,
            &format!("store the signing keys of `{issuer}`"),
            error,
            |_| None,
        ),
    }
}

/// Warns that the issuer's consumer could not be removed when nothing else records it.
fn warn_issuer_left(diags: &mut Diagnostics, issuer: &str, error: &KongError) {
    diags.root_warning(
        "OIDC issuer's keys left in Kong",
        format!(
            "No API of this provider uses `{issuer}` any more, but its Kong consumer `{}` (id {}) holding the issuer's keys could not be removed: {error}. It is harmless; the next API change that releases the issuer removes it, or delete it with the Admin API.",
            issuer::issuer_group(issuer),
            issuer::consumer_id(issuer)
        ),
    );
}

/// Hosts named one by one in the warning about hosts without a certificate; the rest are
/// counted. One API may have thousands of hosts: one warning per host, each showing the
/// attribute's source, made hundreds of megabytes of output.
const HOSTS_SHOWN: usize = 20;

/// After an API is applied: one warning on `hosts` for the HTTPS hosts Kong has no certificate
/// for (`uncovered`, or why they could not be listed), naming the first [`HOSTS_SHOWN`].
pub(super) fn warn_hosts_without_certificate(
    diags: &mut Diagnostics,
    spec: &ApiSpec,
    uncovered: Result<Vec<String>, KongError>,
) {
    let hosts = match uncovered {
        Ok(hosts) => hosts,
        Err(error) => {
            diags.warning(
                "Could not check the hosts' certificates",
                format!("The API is applied, but listing Kong's SNIs to check that its hosts have a certificate failed: {error}"),
                AttributePath::new("hosts"),
            );
            return;
        }
    };
    if let Some((summary, detail)) = hosts_warning(&spec.name, spec.https.as_str(), &hosts) {
        diags.warning(summary, detail, AttributePath::new("hosts"));
    }
}

/// The summary and detail of the warning about `hosts` of the API `api` (served with `https`)
/// that have no certificate; `None` without such hosts. Its size does not grow past
/// [`HOSTS_SHOWN`] hosts.
fn hosts_warning(api: &str, https: &str, hosts: &[String]) -> Option<(String, String)> {
    let (summary, these) = match hosts {
        [] => return None,
        [host] => (
            format!("No certificate for the HTTPS host `{host}`"),
            "this host",
        ),
        _ => (
            format!("No certificate for {} HTTPS hosts", hosts.len()),
            "these hosts",
        ),
    };
    let mut listed = String::new();
    for host in hosts.iter().take(HOSTS_SHOWN) {
        let lookups = certificate::sni_lookup_names(host)
            .iter()
            .map(|n| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(", ");
        listed.push_str(&format!(
            "\n- `{host}`: no SNI among {lookups} (a certificate for `{}`)",
            certificate::strip_port(host)
        ));
    }
    if hosts.len() > HOSTS_SHOWN {
        listed.push_str(&format!("\n- and {} more", hosts.len() - HOSTS_SHOWN));
    }
    let detail = format!(
        "The API `{api}` is served over HTTPS (https = \"{https}\"), but Kong has no certificate for {these}, so HTTPS clients get Kong's default certificate and reject it:{listed}\nDeclare a `dispatch_certificate` whose `hostnames` include them; in the same configuration, make the API depend on it (`depends_on = [dispatch_certificate.<name>]`) so the certificate exists before the API is applied."
    );
    Some((summary, detail))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_of_hosts_make_one_short_warning() {
        let hosts: Vec<String> = (0..5000).map(|i| format!("h{i}.example.com")).collect();
        let (summary, detail) = hosts_warning("many", "optional", &hosts).expect("warning");
        assert_eq!(summary, "No certificate for 5000 HTTPS hosts");
        assert_eq!(detail.matches(": no SNI among").count(), HOSTS_SHOWN);
        assert!(detail.contains("\n- and 4980 more\n"), "{detail}");
        assert!(detail.len() < 4096, "{} bytes", detail.len());
        assert!(detail.contains(
            "- `h0.example.com`: no SNI among `h0.example.com`, `*.example.com`, `h0.example.*` (a certificate for `h0.example.com`)"
        ));
    }

    #[test]
    fn one_host_is_named_in_the_summary_and_none_makes_no_warning() {
        let hosts = vec!["api.example.com:8443".to_string()];
        let (summary, detail) = hosts_warning("one", "required", &hosts).expect("warning");
        assert_eq!(
            summary,
            "No certificate for the HTTPS host `api.example.com:8443`"
        );
        assert!(detail.contains("for this host"), "{detail}");
        assert!(!detail.contains("more"), "{detail}");
        assert_eq!(hosts_warning("none", "required", &[]), None);
    }
}
