//! The diagnostics about what Kong attaches to an API outside its declaration: the warning at
//! import and at every plan while it is there, and the error of a destroy that routes of the
//! API's service stand in the way of.

use tf_provider::Diagnostics;

use crate::model::api::adopt::{KeptSetting, Outside, Why};

/// At most this many entities are named; the rest are counted.
const LISTED: usize = 20;

/// Warns about the entities Kong attaches to the API `name` that its declaration cannot express,
/// each named, with what apply and destroy do with it.
pub(super) fn warn_outside(diags: &mut Diagnostics, name: &str, outside: &[Outside]) {
    if outside.is_empty() {
        return;
    }
    let mut detail = format!(
        "Kong attaches {} to the API `{name}` that its declaration cannot express (or not wholly). Terraform apply leaves {} alone:\n",
        count(outside.len(), "entity", "entities"),
        if outside.len() == 1 { "it" } else { "them" },
    );
    for entity in outside.iter().take(LISTED) {
        detail.push_str(&format!("\n- {}", describe(entity)));
    }
    if outside.len() > LISTED {
        detail.push_str(&format!("\n- and {} more", outside.len() - LISTED));
    }
    detail.push_str(
        "\n\nThis warning is repeated at every plan while they are there. To stop it, remove them in Kong (or move a route to another service), or manage them with the tool that made them.",
    );
    diags.root_warning(
        format!("Kong entities outside the declaration of the API `{name}`"),
        detail,
    );
}

/// The error of a destroy that routes of the API's service stand in the way of.
pub(super) fn report_routes_in_the_way(
    diags: &mut Diagnostics,
    name: &str,
    routes: &[Outside],
    route_deleted: bool,
) {
    let mut detail = format!(
        "The Kong service of the API `{name}` is used by {} that the API's declaration does not include:\n",
        count(routes.len(), "route", "routes"),
    );
    for route in routes.iter().take(LISTED) {
        detail.push_str(&format!("\n- {}", describe_route(route)));
    }
    if routes.len() > LISTED {
        detail.push_str(&format!("\n- and {} more", routes.len() - LISTED));
    }
    detail.push_str(
        "\n\nKong does not delete a service that routes still use, and the provider never deletes a route it does not manage: it may serve someone else's traffic. ",
    );
    detail.push_str(if route_deleted {
        "The API's own route and its plugins were deleted; its service and the plugins on it are still in Kong and in the state. "
    } else {
        "Nothing was deleted. "
    });
    detail.push_str(&format!(
        "To go on, either delete those routes or point them at another service (`PATCH /routes/<id>` with a new `service`) and run the destroy again; or keep the API in Kong and stop managing it: replace its resource block with `removed {{ from = dispatch_api.<name>  lifecycle {{ destroy = false }} }}` and apply (`terraform state rm` on older Terraform). The API is `{name}`."
    ));
    diags.root_error(
        format!("Routes outside the declaration use the API `{name}`"),
        detail,
    );
}

fn count(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

fn describe_route(route: &Outside) -> String {
    let rules = match &route.why {
        Why::ExtraRoute { paths, hosts } => {
            let mut rules = Vec::new();
            if !hosts.is_empty() {
                rules.push(format!("hosts {}", hosts.join(", ")));
            }
            if !paths.is_empty() {
                rules.push(format!("paths {}", paths.join(", ")));
            }
            if rules.is_empty() {
                String::new()
            } else {
                format!("; {}", rules.join("; "))
            }
        }
        _ => String::new(),
    };
    format!("route `{}` (id {}{rules})", route.name, route.id)
}

/// One entity, what it is, and what apply and destroy do with it.
fn describe(entity: &Outside) -> String {
    let at = if entity.on_route {
        "on the API's route"
    } else {
        "on the API's service"
    };
    let plugin = format!("plugin `{}` (id {}) {at}", entity.name, entity.id);
    let goes = if entity.on_route {
        "destroy deletes it with the API's route"
    } else {
        "destroy deletes it with the API's service"
    };
    match &entity.why {
        Why::ExtraRoute { .. } => format!(
            "{}: another route of the API's service. `terraform destroy` refuses to delete the API while it is there (the provider never deletes a route it does not manage, and Kong cannot delete a service that a route uses).",
            describe_route(entity)
        ),
        Why::Unmodelled => format!(
            "{plugin}: a kind of plugin dispatch_api does not declare; {goes}."
        ),
        Why::Consumer(consumer) => format!(
            "{plugin} for the consumer {consumer} only: dispatch_api declares no per-consumer plugin; {goes}."
        ),
        Why::OtherRoute(route) => format!(
            "{plugin}, for the service's other route {route} only; {goes}."
        ),
        Why::Disabled => format!(
            "{plugin}, disabled: not part of the declaration. Declaring it enables it with the declared settings (its other settings are kept); {goes}."
        ),
        Why::Shadowed => format!(
            "{plugin}: the API's route has its own `{}` plugin, which Kong runs for the API instead; this one still applies to the service's other routes. {goes}.",
            entity.name
        ),
        Why::NotExpressed => format!(
            "{plugin}: its settings are not what dispatch_api sets, so the API reads as if it had none although Kong runs it. Declaring the feature makes apply rewrite it with the provider's settings; {goes}."
        ),
        Why::NotAdopted => format!(
            "{plugin}: neither created by this provider nor adopted by an import. Import the API again to adopt it (`terraform state rm`, then `terraform import`), or remove it; {goes}."
        ),
        Why::KeptSettings(kept) => format!(
            "{plugin}: settings dispatch_api does not declare, not Kong's defaults: {}. Terraform apply keeps them as they are when it writes the plugin (set them back to Kong's defaults in Kong to drop them); {goes}.",
            settings(kept)
        ),
    }
}

/// `path = value` for each setting; a secret's path alone.
fn settings(kept: &[KeptSetting]) -> String {
    kept.iter()
        .map(|k| match &k.value {
            Some(value) => format!("{} = {value}", k.path),
            None => format!("{} (value not shown)", k.path),
        })
        .collect::<Vec<_>>()
        .join(", ")
}
