//! How Dispatch names and tags map onto Kong: the organization prefix and the ownership tags.

/// The tag on every Kong entity this provider creates.
pub const MANAGED_TAG: &str = "managed-by:terraform-provider-dispatch";
/// Prefix of the tag naming the API an entity belongs to.
pub const API_TAG_PREFIX: &str = "dispatch-api:";
/// Prefix of the tag naming the organization an entity belongs to.
pub const ORG_TAG_PREFIX: &str = "dispatch-org:";
/// Prefix of the tag naming the OpenID Connect issuer an entity belongs to (its consumer's id).
pub const ISSUER_TAG_PREFIX: &str = "dispatch-oidc-issuer:";

/// Naming rules for one provider configuration.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Naming {
    organization: Option<String>,
}

impl Naming {
    /// Rules for an organization (`None`: no prefix, no organization tag).
    pub fn new(organization: Option<String>) -> Self {
        Self {
            organization: organization.filter(|o| !o.is_empty()),
        }
    }

    /// The configured organization.
    pub fn organization(&self) -> Option<&str> {
        self.organization.as_deref()
    }

    /// The Kong name of a Dispatch name: `<organization>.<name>`, or the name itself.
    pub fn kong_name(&self, name: &str) -> String {
        match &self.organization {
            Some(org) => format!("{org}.{name}"),
            None => name.to_string(),
        }
    }

    /// The Dispatch name behind a Kong name; `None` when the Kong name is outside the organization.
    pub fn dispatch_name<'a>(&self, kong_name: &'a str) -> Option<&'a str> {
        match &self.organization {
            Some(org) => kong_name
                .strip_prefix(org.as_str())
                .and_then(|rest| rest.strip_prefix('.')),
            None => Some(kong_name),
        }
    }

    /// The name to show for a Kong name: the Dispatch name behind it, or the Kong name itself
    /// when it is outside the organization.
    pub fn shown_name(&self, kong_name: &str) -> String {
        self.dispatch_name(kong_name)
            .unwrap_or(kong_name)
            .to_string()
    }

    /// The tags that mark an entity as created by this provider for `api` (if any).
    pub fn ownership_tags(&self, api: Option<&str>) -> Vec<String> {
        let mut tags = vec![MANAGED_TAG.to_string()];
        if let Some(org) = &self.organization {
            tags.push(format!("{ORG_TAG_PREFIX}{org}"));
        }
        if let Some(api) = api {
            tags.push(format!("{API_TAG_PREFIX}{api}"));
        }
        tags
    }

    /// The tags to filter Kong lists with, to see only this organization's managed entities.
    pub fn listing_tags(&self) -> Vec<String> {
        self.ownership_tags(None)
    }

    /// True when Kong's tags mark an entity as created by this provider for this organization
    /// (with no organization configured: for none), so that lookups never show another
    /// organization's entities or ones the provider does not manage.
    pub fn owns(&self, tags: Option<&[String]>) -> bool {
        let tags = tags.unwrap_or_default();
        let in_organization = match &self.organization {
            Some(org) => tags.iter().any(|t| *t == format!("{ORG_TAG_PREFIX}{org}")),
            None => !tags.iter().any(|t| t.starts_with(ORG_TAG_PREFIX)),
        };
        is_managed(Some(tags)) && in_organization
    }

    /// The other organization Kong's tags give an entity to (the first `dispatch-org:` tag that
    /// is not this organization's), whether the provider manages the entity or not. This
    /// organization never imports, changes or deletes such an entity; an entity without an
    /// organization tag has no other owner (an unmanaged one can be imported, and APIs created
    /// without an organization can be moved into one).
    pub fn foreign_owner<'a>(&self, tags: Option<&'a [String]>) -> Option<&'a str> {
        tags.unwrap_or_default()
            .iter()
            .filter_map(|t| t.strip_prefix(ORG_TAG_PREFIX))
            .find(|org| Some(*org) != self.organization())
    }

    /// The path prefix of APIs without hosts: `/<organization>`, or nothing.
    pub fn path_prefix(&self) -> Option<String> {
        self.organization.as_ref().map(|org| format!("/{org}"))
    }
}

/// Namespace of the ids this provider derives (UUID v5).
const DERIVED_ID_NAMESPACE: uuid::Uuid =
    uuid::Uuid::from_u128(0x9b3c_54d1_7e2a_4f0b_8c6d_1e2f_3a4b_5c6d);

/// A stable id for the `what` entity that belongs to `owner`: an API's route and plugins (owner:
/// its service's id), a user's credential and ACLs (owner: its consumer's id), an OIDC issuer's
/// consumer (owner: `oidc-issuer`, `what`: the issuer) and its ACL and jwt secrets (owner: that
/// consumer's id). Every apply, retry and clean-up addresses the same entity without looking it
/// up, and concurrent applies write the same entities.
pub fn derived_id(owner: &str, what: &str) -> String {
    uuid::Uuid::new_v5(&DERIVED_ID_NAMESPACE, format!("{owner}/{what}").as_bytes()).to_string()
}

/// True for the tags this provider manages itself (never part of a user's `tags`).
pub fn is_system_tag(tag: &str) -> bool {
    tag == MANAGED_TAG
        || tag.starts_with(API_TAG_PREFIX)
        || tag.starts_with(ORG_TAG_PREFIX)
        || tag.starts_with(ISSUER_TAG_PREFIX)
}

/// Checks a tag the user declares: the tags the provider writes itself to say what it manages
/// and for whom ([`is_system_tag`]) are refused. Declared, they would forge ownership (make an
/// entity look like another organization's, or managed when it is not), and since a read-back
/// leaves them out of `tags` they would show as a change at every plan. Other `managed-by:`
/// values are left to other tools (decK and the like), whose entities can be imported.
pub fn user_tag(tag: &str) -> Result<(), String> {
    if is_system_tag(tag) {
        Err(format!(
            "`{tag}` is reserved: the provider writes `{MANAGED_TAG}` and the `{ORG_TAG_PREFIX}`, `{API_TAG_PREFIX}` and `{ISSUER_TAG_PREFIX}` tags itself, to mark what it manages and for which organization, API and issuer"
        ))
    } else {
        Ok(())
    }
}

/// Checks a name, id or hostname (`what`) that the provider puts in an Admin API path: `.` and
/// `..` are refused (see [`crate::kong::is_dot_segment`]); Kong itself accepts them as names, but no Admin
/// API path can address them.
pub fn path_segment(what: &str, value: &str) -> Result<(), String> {
    if crate::kong::is_dot_segment(value) {
        Err(format!(
            "`{value}` cannot be {what}: as a segment of an Admin API path it means the current or the parent path, so it would address another Kong resource"
        ))
    } else {
        Ok(())
    }
}

/// True when Kong's tags mark the entity as created by this provider.
pub fn is_managed(tags: Option<&[String]>) -> bool {
    tags.is_some_and(|tags| tags.iter().any(|t| t == MANAGED_TAG))
}

/// The user's tags among Kong's tags, sorted.
pub fn user_tags(tags: Option<&[String]>) -> Vec<String> {
    super::sorted(
        tags.unwrap_or_default()
            .iter()
            .filter(|t| !is_system_tag(t))
            .cloned()
            .collect(),
    )
}

/// Ownership tags followed by the user's, without duplicates.
pub fn all_tags(ownership: Vec<String>, user: &[String]) -> Vec<String> {
    let mut tags = ownership;
    for tag in user {
        if !tags.contains(tag) {
            tags.push(tag.clone());
        }
    }
    tags
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn organization_prefixes_names_and_paths_and_tags() {
        let naming = Naming::new(Some("shop".into()));
        assert_eq!(naming.kong_name("hello"), "shop.hello");
        assert_eq!(naming.dispatch_name("shop.hello"), Some("hello"));
        assert_eq!(naming.dispatch_name("other.hello"), None);
        assert_eq!(naming.dispatch_name("shophello"), None);
        assert_eq!(naming.path_prefix().as_deref(), Some("/shop"));
        assert_eq!(
            naming.ownership_tags(Some("hello")),
            vec![
                "managed-by:terraform-provider-dispatch",
                "dispatch-org:shop",
                "dispatch-api:hello"
            ]
        );
    }

    #[test]
    fn without_organization_names_are_kept() {
        let naming = Naming::new(None);
        assert_eq!(naming.kong_name("hello"), "hello");
        assert_eq!(naming.dispatch_name("hello"), Some("hello"));
        assert_eq!(naming.path_prefix(), None);
        assert_eq!(naming.listing_tags(), vec![MANAGED_TAG]);
    }

    #[test]
    fn ownership_needs_the_managed_tag_and_the_organization() {
        let tags = |t: &[&str]| t.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let shop = Naming::new(Some("shop".into()));
        let none = Naming::new(None);
        let in_shop = tags(&[MANAGED_TAG, "dispatch-org:shop"]);
        let no_org = tags(&[MANAGED_TAG]);
        let unmanaged = tags(&["dispatch-org:shop"]);
        assert!(shop.owns(Some(&in_shop)));
        assert!(!shop.owns(Some(&no_org)));
        assert!(!shop.owns(Some(&unmanaged)));
        assert!(!shop.owns(None));
        assert!(none.owns(Some(&no_org)));
        assert!(!none.owns(Some(&in_shop)));
    }

    #[test]
    fn another_organizations_tag_names_the_owner_managed_or_not() {
        let tags = |t: &[&str]| t.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let shop = Naming::new(Some("shop".into()));
        let none = Naming::new(None);
        let blog = tags(&[MANAGED_TAG, "dispatch-org:blog", "dispatch-api:x"]);
        let forged = tags(&["team:a", "dispatch-org:blog"]);
        let both = tags(&[MANAGED_TAG, "dispatch-org:shop", "dispatch-org:blog"]);
        let in_shop = tags(&[MANAGED_TAG, "dispatch-org:shop"]);
        let no_org = tags(&[MANAGED_TAG]);
        let unmanaged = tags(&["team:a"]);
        assert_eq!(shop.foreign_owner(Some(&blog)), Some("blog"));
        assert_eq!(shop.foreign_owner(Some(&forged)), Some("blog"));
        assert_eq!(shop.foreign_owner(Some(&both)), Some("blog"));
        assert_eq!(none.foreign_owner(Some(&in_shop)), Some("shop"));
        for owned in [&in_shop, &no_org, &unmanaged] {
            assert_eq!(shop.foreign_owner(Some(owned)), None, "{owned:?}");
        }
        assert_eq!(none.foreign_owner(Some(&no_org)), None);
        assert_eq!(none.foreign_owner(Some(&unmanaged)), None);
        assert_eq!(shop.foreign_owner(None), None);
    }

    #[test]
    fn the_tags_the_provider_writes_are_reserved() {
        for reserved in [
            MANAGED_TAG,
            "dispatch-org:other",
            "dispatch-org:",
            "dispatch-api:x",
            "dispatch-oidc-issuer:abc",
        ] {
            let why = user_tag(reserved).expect_err(reserved);
            assert!(why.contains("is reserved"), "{why}");
        }
        for free in [
            "team:a",
            "managed-by:deck",
            "managed-by:terraform-provider-dispatch-old",
            "Dispatch-Org:other",
            "org:shop",
        ] {
            assert_eq!(user_tag(free), Ok(()), "{free}");
        }
    }

    #[test]
    fn dot_segments_are_refused_also_percent_encoded() {
        for dots in [".", "..", "%2e", "%2E", ".%2e", "%2e.", "%2E%2e"] {
            assert!(crate::kong::is_dot_segment(dots), "{dots}");
            let why = path_segment("an import id", dots).expect_err(dots);
            assert!(why.contains("cannot be an import id"), "{why}");
        }
        for fine in ["...", "a.", ".a", "a..b", "%2e%2e%2e", "%2", ""] {
            assert!(!crate::kong::is_dot_segment(fine), "{fine}");
        }
    }

    #[test]
    fn derived_ids_are_stable_uuids_distinct_per_owner_and_entity() {
        let id = derived_id("svc-1", "acl");
        assert_eq!(id, derived_id("svc-1", "acl"));
        assert!(uuid::Uuid::parse_str(&id).is_ok());
        assert_ne!(id, derived_id("svc-2", "acl"));
        assert_ne!(id, derived_id("svc-1", "basic-auth"));
    }

    #[test]
    fn user_tags_leave_out_system_tags() {
        let tags = vec![
            MANAGED_TAG.to_string(),
            "dispatch-api:x".to_string(),
            "team:a".to_string(),
            "env:prod".to_string(),
        ];
        assert_eq!(user_tags(Some(&tags)), vec!["env:prod", "team:a"]);
        assert!(is_managed(Some(&tags)));
        assert!(!is_managed(Some(&["team:a".to_string()])));
        assert!(!is_managed(None));
    }
}
