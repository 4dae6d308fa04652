//! `dispatch_basic_auth_user` ⇄ Kong: a consumer named after the user (with the organization
//! prefix), one basic-auth credential whose username is the plain username (what the end user
//! types), and one ACL per group (`<organization>.<group>`, as the APIs' `allowed_groups`).

use sha1::{Digest, Sha1};

use super::auth::{group_name, kong_group, user_group};
use super::naming::{derived_id, Naming};
use super::{sorted, AttrPath, Field, Issue};
use crate::kong::{Acl, AclFields, BasicAuthCredential, BasicAuthFields, Consumer, ConsumerFields};
use crate::secret::Secret;

/// A complete, known `dispatch_basic_auth_user` declaration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserSpec {
    /// The username end users type (without the organization prefix).
    pub username: String,
    pub password: Secret,
    /// Groups, sorted, without the organization prefix.
    pub groups: Vec<String>,
}

/// The values of a declaration at plan time, each field the attribute of its name.
#[derive(Debug, Clone, Default)]
pub struct UserDraft {
    pub username: Field<String>,
    /// `password` (only whether it is empty matters).
    pub password_empty: Field<bool>,
    pub groups: Field<Vec<Option<String>>>,
}

/// Checks a username: what an end user types in HTTP Basic authentication, so no `:` (the
/// separator of username and password), no control characters, no surrounding spaces.
pub fn username(name: &str) -> Result<(), String> {
    // The username is a path segment of the credential's lookups (`/basic-auths/{username}`).
    super::naming::path_segment("a username", name)?;
    if name.is_empty() {
        return Err("the username cannot be empty".into());
    }
    if name.contains(':') {
        return Err(format!(
            "`{name}` contains `:`, which HTTP Basic authentication uses to separate the username from the password"
        ));
    }
    if name.chars().any(char::is_control) {
        return Err("the username cannot contain control characters".into());
    }
    if name.trim() != name {
        return Err(format!(
            "`{name}` starts or ends with white space, which end users cannot see"
        ));
    }
    Ok(())
}

/// Every problem of a declaration that can be seen without Kong.
pub fn check_draft(draft: &UserDraft) -> Vec<Issue> {
    let mut issues = Vec::new();
    if draft.username == Field::Null {
        issues.push(super::null_required(
            AttrPath::attr("username"),
            "username",
            "Set the username end users type.",
        ));
    }
    if draft.password_empty == Field::Null {
        issues.push(super::null_required(
            AttrPath::attr("password"),
            "password",
            "Kong keeps only a salted hash of the password, so neither an import nor `terraform plan -generate-config-out` can fill it in: supply it, for example from a sensitive variable (`password = var.alice_password`). After an import, the first apply writes it.",
        ));
    }
    if let Some(name) = draft.username.value() {
        if let Err(detail) = username(name) {
            issues.push(Issue::error(
                AttrPath::attr("username"),
                "Invalid username",
                detail,
            ));
        }
    }
    if draft.password_empty == Field::Value(true) {
        issues.push(Issue::error(
            AttrPath::attr("password"),
            "Empty password",
            "Kong refuses an empty basic-auth password; set a password.",
        ));
    }
    for group in draft.groups.known_elements() {
        if let Err(detail) = group_name(group) {
            issues.push(Issue::error(
                AttrPath::attr("groups"),
                "Invalid group",
                detail,
            ));
        }
    }
    issues
}

/// What Kong stores for a basic-auth password: hex(sha1(password ‖ consumer id))
/// (`kong/plugins/basic-auth/crypto.lua`).
pub fn password_hash(password: &Secret, consumer_id: &str) -> String {
    let mut sha = Sha1::new();
    sha.update(password.expose().as_bytes());
    sha.update(consumer_id.as_bytes());
    sha.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// The id of the user's credential.
pub fn credential_id(consumer_id: &str) -> String {
    derived_id(consumer_id, "basic-auth")
}

/// The id of the user's ACL for a Kong group.
pub fn acl_id(consumer_id: &str, kong_group: &str) -> String {
    derived_id(consumer_id, &format!("acl:{kong_group}"))
}

/// The Kong entities of a user.
#[derive(Debug, Clone, PartialEq)]
pub struct DesiredUser {
    pub consumer: ConsumerFields,
    /// The credential's id.
    pub credential_id: String,
    pub credential: BasicAuthFields,
    /// The ACLs with their ids.
    pub acls: Vec<(String, AclFields)>,
}

/// The Kong entities for a declaration, on the consumer `consumer_id`.
pub fn desired(spec: &UserSpec, naming: &Naming, consumer_id: &str) -> DesiredUser {
    let tags = naming.ownership_tags(None);
    DesiredUser {
        consumer: ConsumerFields {
            username: naming.kong_name(&spec.username),
            tags: tags.clone(),
        },
        credential_id: credential_id(consumer_id),
        credential: BasicAuthFields {
            username: spec.username.clone(),
            password: spec.password.clone(),
            tags: tags.clone(),
        },
        acls: spec
            .groups
            .iter()
            .map(|group| {
                let group = kong_group(naming, group);
                (
                    acl_id(consumer_id, &group),
                    AclFields {
                        group,
                        tags: tags.clone(),
                    },
                )
            })
            .collect(),
    }
}

/// How the password Kong holds compares with the declared one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordCheck {
    /// Kong holds exactly the user's credential, with this password.
    Matches,
    /// The credential is gone, has another password or username, or the consumer has other
    /// credentials (other passwords that would let someone in as this user).
    Differs,
}

/// A user as Kong holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObservedUser {
    /// The username end users type.
    pub username: String,
    /// Whether the declared password is the one Kong checks.
    pub password: PasswordCheck,
    /// Groups, sorted, without the organization prefix.
    pub groups: Vec<String>,
}

impl DesiredUser {
    /// The same entities written where a consumer made outside Terraform already has them:
    /// Kong's basic-auth `username` is unique and an ACL's (consumer, group) is its cache key
    /// (`kong/plugins/basic-auth/daos.lua`, `kong/plugins/acl/daos.lua`, Kong 3.9), so a
    /// credential with the declared username, or an ACL of a declared group, that the consumer
    /// holds at another id is rewritten at that id (adopted) instead of colliding with a second
    /// one at the derived id.
    pub fn adopting(mut self, credentials: &[BasicAuthCredential], acls: &[Acl]) -> DesiredUser {
        let username = Some(&self.credential.username);
        if let Some(held) = credentials.iter().find(|c| c.username.as_ref() == username) {
            self.credential_id = held.id.clone();
        }
        for (id, acl) in &mut self.acls {
            if let Some(held) = acls.iter().find(|a| a.group == acl.group) {
                *id = held.id.clone();
            }
        }
        self
    }
}

/// The user Kong's entities amount to. `password` is the declared one (none after an import).
pub fn read_back(
    consumer: &Consumer,
    credentials: &[BasicAuthCredential],
    acls: &[Acl],
    password: Option<&Secret>,
    naming: &Naming,
) -> ObservedUser {
    let consumer_name = consumer.username.as_deref().map(|n| naming.shown_name(n));
    let ours = credentials
        .iter()
        .find(|c| c.id == credential_id(&consumer.id))
        .or_else(|| credentials.first());
    let username = ours
        .and_then(|c| c.username.clone())
        .or(consumer_name)
        .unwrap_or_default();
    let matches = match (ours, password) {
        (Some(credential), Some(password)) => {
            // Whatever its id (one adopted at import keeps its own): the only credential, with
            // the declared password.
            credentials.len() == 1
                && credential.password.as_ref().map(Secret::expose)
                    == Some(password_hash(password, &consumer.id).as_str())
        }
        _ => false,
    };
    let groups = sorted(
        acls.iter()
            .map(|acl| user_group(naming, &acl.group))
            .collect(),
    );
    ObservedUser {
        username,
        password: if matches {
            PasswordCheck::Matches
        } else {
            PasswordCheck::Differs
        },
        groups,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> UserSpec {
        UserSpec {
            username: "alice".into(),
            password: Secret::new("correct horse"),
            groups: vec!["admins".into(), "staff".into()],
        }
    }

    /// Plays Kong: what it answers after storing `desired` on `consumer_id`.
    fn stored(
        desired: &DesiredUser,
        consumer_id: &str,
    ) -> (Consumer, Vec<BasicAuthCredential>, Vec<Acl>) {
        (
            Consumer {
                id: consumer_id.into(),
                username: Some(desired.consumer.username.clone()),
                tags: Some(desired.consumer.tags.clone()),
            },
            vec![BasicAuthCredential {
                id: desired.credential_id.clone(),
                username: Some(desired.credential.username.clone()),
                password: Some(Secret::new(password_hash(
                    &desired.credential.password,
                    consumer_id,
                ))),
            }],
            desired
                .acls
                .iter()
                .map(|(id, acl)| Acl {
                    id: id.clone(),
                    group: acl.group.clone(),
                })
                .collect(),
        )
    }

    #[test]
    fn kong_hashes_the_password_with_the_consumer_id() {
        // echo -n "passwordc0ffee00-0000-4000-8000-000000000000" | sha1sum
        assert_eq!(
            password_hash(
                &Secret::new("password"),
                "c0ffee00-0000-4000-8000-000000000000"
            ),
            "196b654a29fa39ca268a51114f56a333679501a6"
        );
        let hash = password_hash(&Secret::new("pw"), "id");
        assert_eq!(hash.len(), 40);
        assert_ne!(hash, password_hash(&Secret::new("pw"), "other-id"));
    }

    #[test]
    fn organization_prefixes_the_consumer_and_groups_but_not_the_login() {
        let naming = Naming::new(Some("shop".into()));
        let desired = desired(&spec(), &naming, "c1");
        assert_eq!(desired.consumer.username, "shop.alice");
        assert_eq!(desired.credential.username, "alice");
        let groups: Vec<&str> = desired.acls.iter().map(|(_, a)| a.group.as_str()).collect();
        assert_eq!(groups, vec!["shop.admins", "shop.staff"]);
        assert!(desired
            .consumer
            .tags
            .contains(&"dispatch-org:shop".to_string()));
        assert_eq!(desired.credential_id, credential_id("c1"));
        assert_ne!(desired.acls[0].0, desired.acls[1].0);
    }

    #[test]
    fn what_kong_stores_reads_back_as_declared() {
        for org in [None, Some("shop".to_string())] {
            let naming = Naming::new(org);
            let spec = spec();
            let (consumer, credentials, acls) = stored(&desired(&spec, &naming, "c1"), "c1");
            let observed = read_back(
                &consumer,
                &credentials,
                &acls,
                Some(&spec.password),
                &naming,
            );
            assert_eq!(
                observed,
                ObservedUser {
                    username: "alice".into(),
                    password: PasswordCheck::Matches,
                    groups: spec.groups.clone(),
                }
            );
        }
    }

    #[test]
    fn a_password_changed_in_kong_differs() {
        let naming = Naming::new(None);
        let spec = spec();
        let (consumer, mut credentials, acls) = stored(&desired(&spec, &naming, "c1"), "c1");
        credentials[0].password = Some(Secret::new(password_hash(&Secret::new("other"), "c1")));
        let observed = read_back(
            &consumer,
            &credentials,
            &acls,
            Some(&spec.password),
            &naming,
        );
        assert_eq!(observed.password, PasswordCheck::Differs);
    }

    #[test]
    fn a_missing_or_extra_credential_differs() {
        let naming = Naming::new(None);
        let spec = spec();
        let (consumer, credentials, acls) = stored(&desired(&spec, &naming, "c1"), "c1");
        let none = read_back(&consumer, &[], &acls, Some(&spec.password), &naming);
        assert_eq!(none.password, PasswordCheck::Differs);
        assert_eq!(none.username, "alice", "from the consumer's name");

        let mut two = credentials.clone();
        two.push(BasicAuthCredential {
            id: "another".into(),
            username: Some("alice2".into()),
            password: Some(Secret::new(password_hash(&Secret::new("backdoor"), "c1"))),
        });
        let extra = read_back(&consumer, &two, &acls, Some(&spec.password), &naming);
        assert_eq!(extra.password, PasswordCheck::Differs);

        let imported = read_back(&consumer, &credentials, &acls, None, &naming);
        assert_eq!(imported.password, PasswordCheck::Differs);
    }

    #[test]
    fn a_credential_and_acls_made_outside_terraform_are_written_where_they_are() {
        let naming = Naming::new(None);
        let spec = spec();
        let held = vec![BasicAuthCredential {
            id: "theirs".into(),
            username: Some("alice".into()),
            password: None,
        }];
        let acls = vec![Acl {
            id: "their-staff".into(),
            group: "staff".into(),
        }];
        let desired = desired(&spec, &naming, "c1").adopting(&held, &acls);
        assert_eq!(desired.credential_id, "theirs");
        let ids: Vec<&str> = desired.acls.iter().map(|(id, _)| id.as_str()).collect();
        assert_eq!(ids[1], "their-staff");
        assert_ne!(ids[0], "their-staff", "admins keeps its derived id");

        // Once written there, it reads back as declared.
        let (consumer, mut credentials, acls) = stored(&desired, "c1");
        assert_eq!(credentials[0].id, "theirs");
        let observed = read_back(
            &consumer,
            &credentials,
            &acls,
            Some(&spec.password),
            &naming,
        );
        assert_eq!(observed.password, PasswordCheck::Matches);
        credentials[0].username = Some("bob".into());
        let other = desired_for_c1().adopting(&credentials, &[]);
        assert_eq!(
            other.credential_id,
            credential_id("c1"),
            "another username is not adopted"
        );
    }

    fn desired_for_c1() -> DesiredUser {
        desired(&spec(), &Naming::new(None), "c1")
    }

    #[test]
    fn groups_outside_the_organization_show_as_kong_names_them() {
        let naming = Naming::new(Some("shop".into()));
        let (consumer, credentials, mut acls) = stored(&desired(&spec(), &naming, "c1"), "c1");
        acls.push(Acl {
            id: "x".into(),
            group: "blog.writers".into(),
        });
        let observed = read_back(&consumer, &credentials, &acls, None, &naming);
        assert_eq!(observed.groups, vec!["admins", "blog.writers", "staff"]);
    }

    #[test]
    fn usernames_and_groups_are_checked_on_their_attribute() {
        assert!(username("alice@example.com").is_ok());
        assert!(username("a:b").is_err());
        assert!(username(" alice").is_err());
        assert!(username("").is_err());
        assert!(username("a\tb").is_err());
        let draft = UserDraft {
            username: Field::Value("a:b".into()),
            password_empty: Field::Value(true),
            groups: Field::Value(vec![Some("ok".into()), Some("not ok".into()), None]),
        };
        let paths: Vec<String> = check_draft(&draft)
            .iter()
            .map(|i| i.path.to_string())
            .collect();
        assert_eq!(paths, vec!["username", "password", "groups"]);
    }
}
