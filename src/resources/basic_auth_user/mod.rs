//! `dispatch_basic_auth_user`: an end user of the APIs with `authentication = "basic"`, as one
//! Kong consumer, one basic-auth credential and one ACL per group.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use tf_provider::schema::Schema;
use tf_provider::value::{Value, ValueEmpty};
use tf_provider::{AttributePath, Diagnostics, Resource};

use crate::apply;
use crate::apply::ownership::Guarded;
use crate::apply::user::{FoundUser, Taken, UserWriteError};
use crate::context::SharedContext;
use crate::diagnostics::{kong_error, report, report_plan_errors};
use crate::model::user::{self, PasswordCheck, UserDraft, UserSpec};
use crate::model::{AttrPath, Field};
use crate::resources::known_sorted;
use crate::resources::report_foreign;
use crate::schema::*;
use crate::secret::Secret;
use crate::values::{self, field, field_strings, TfString, TfStringSet};

/// The state (and configuration) of one `dispatch_basic_auth_user`. Its `Debug` output leaves
/// the password out.
#[derive(Clone, Default, Serialize, Deserialize)]
pub struct UserState {
    /// The Kong consumer's id.
    pub id: TfString,
    /// The username end users type.
    pub username: TfString,
    /// The password (sensitive). Null in state when Kong's password is not this one.
    pub password: TfString,
    pub groups: TfStringSet,
}

impl std::fmt::Debug for UserState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let password = match &self.password {
            Value::Value(_) => "<redacted>",
            Value::Null => "null",
            Value::Unknown => "unknown",
        };
        f.debug_struct("UserState")
            .field("id", &self.id)
            .field("username", &self.username)
            .field("password", &password)
            .field("groups", &self.groups)
            .finish()
    }
}

/// The `dispatch_basic_auth_user` resource.
pub struct BasicAuthUserResource {
    context: SharedContext,
}

impl BasicAuthUserResource {
    /// The resource, sharing the provider's configured context.
    pub fn new(context: SharedContext) -> Self {
        Self { context }
    }
}

/// The schema of `dispatch_basic_auth_user`.
pub fn basic_auth_user_schema() -> Schema {
    schema(block(
        "An end user of the APIs with `authentication = \"basic\"`: a Kong consumer (named `<organization>.<username>` in an organization) with one basic-auth credential and one ACL per group, all tagged as managed by this provider. Kong stores only a salted hash of the password; the provider compares the declared password with it on every refresh, so a password changed outside Terraform shows in `terraform plan`.",
        [
            ("id", computed(string(), "Id of the Kong consumer.")),
            ("username", required(string(), "The username end users type. Unique across the Kong workspace, organizations included (Kong's basic-auth credentials are). No `:`, no control characters, no surrounding spaces, and not `.` or `..` (as a segment of an Admin API path they would address another resource). Changing it updates the user in place.")),
            ("password", sensitive(required(string(), "The password end users type. Never shown by Terraform nor logged by the provider; Kong keeps only `sha1(password ‖ consumer id)`. Changing it updates the credential in place. After an import the first apply writes it, as Kong cannot reveal the one it holds."))),
            ("groups", optional(set_of_strings(), "Groups the user belongs to, matched by the `basic_auth.allowed_groups` of APIs. In an organization they are stored as `<organization>.<group>` on both sides, so organizations sharing a Kong never share groups. Letters, digits, `.`, `-`, `_` and `@`.")),
        ],
        [],
    ))
}

impl UserState {
    fn draft(&self) -> UserDraft {
        UserDraft {
            username: field(&self.username),
            password_empty: match &self.password {
                Value::Value(p) => Field::Value(p.is_empty()),
                Value::Null => Field::Null,
                Value::Unknown => Field::Unknown,
            },
            groups: field_strings(&self.groups),
        }
    }

    fn spec(&self) -> Option<UserSpec> {
        Some(UserSpec {
            username: self.username.as_ref_option()?.clone(),
            password: Secret::new(self.password.as_ref_option()?),
            groups: known_sorted(&self.groups)?,
        })
    }

    /// The state after writing `spec` to the consumer `id`.
    fn applied(spec: &UserSpec, id: &str, prior: &UserState) -> UserState {
        UserState {
            id: Value::Value(id.to_string()),
            username: Value::Value(spec.username.clone()),
            password: Value::Value(spec.password.expose().to_string()),
            groups: values::set_like(&spec.groups, &prior.groups),
        }
    }
}

impl UserState {
    /// The state for what Kong holds. Kong cannot say what its password is, only whether it is
    /// `password` (the declared one): a null password makes the plan show the change, and the
    /// next apply writes the declared one.
    fn found(found: FoundUser, password: Option<&Secret>, prior: &UserState) -> UserState {
        UserState {
            id: Value::Value(found.id),
            username: Value::Value(found.username),
            password: match (found.password, password) {
                (PasswordCheck::Matches, Some(password)) => {
                    Value::Value(password.expose().to_string())
                }
                _ => Value::Null,
            },
            groups: values::set_like(&found.groups, &prior.groups),
        }
    }
}

/// Where Kong's complaint about a field belongs.
fn locate(path: &[String]) -> Option<AttrPath> {
    match path.first()?.as_str() {
        "username" => Some(AttrPath::attr("username")),
        "password" => Some(AttrPath::attr("password")),
        "group" => Some(AttrPath::attr("groups")),
        "tags" => Some(AttrPath::attr("groups")),
        _ => None,
    }
}

/// Reports a failed create or update (`action`): a name another consumer holds says whether
/// it is the consumer's name or the credential's username; anything else is Kong's error on the
/// attribute concerned.
fn report_write_error(
    diags: &mut Diagnostics,
    spec: &UserSpec,
    action: &str,
    error: &UserWriteError,
) {
    match &error.taken {
        None => kong_error(
            diags,
            &format!("{action} the user `{}`", spec.username),
            &error.error,
            locate,
        ),
        Some(Taken::Consumer { kong_name, managed }) => diags.error(
            "User already exists in Kong",
            format!(
                "A Kong consumer named `{kong_name}` already exists{}. Import it with `terraform import dispatch_basic_auth_user.<name> {}`, or choose another username.",
                if *managed {
                    " and is managed by terraform-provider-dispatch, probably from another Terraform state"
                } else {
                    " and is not managed by this provider, so it is left untouched"
                },
                spec.username
            ),
            AttributePath::new("username"),
        ),
        Some(Taken::Username) => diags.error(
            "Username already taken in Kong",
            format!(
                "Another Kong consumer already has a basic-auth credential with the username `{}`. Kong's basic-auth usernames are unique across the whole workspace, organizations included, because end users type them without any prefix. Choose another username.",
                spec.username
            ),
            AttributePath::new("username"),
        ),
    }
}

#[async_trait]
impl Resource for BasicAuthUserResource {
    type State<'a> = Option<UserState>;
    type PrivateState<'a> = ValueEmpty;
    type ProviderMetaState<'a> = ValueEmpty;

    fn schema(&self, _diags: &mut Diagnostics) -> Option<Schema> {
        Some(basic_auth_user_schema())
    }

    async fn validate<'a>(&self, diags: &mut Diagnostics, config: Self::State<'a>) -> Option<()> {
        if let Some(config) = config {
            report(diags, user::check_draft(&config.draft()));
        }
        Some(())
    }

    async fn read<'a>(
        &self,
        diags: &mut Diagnostics,
        state: Self::State<'a>,
        private_state: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let context = self.context.get(diags)?;
        let Some(prior) = state else {
            return Some((None, private_state));
        };
        let Some(id) = prior.id.as_ref_option() else {
            return Some((Some(prior), private_state));
        };
        let password = values::secret(&prior.password);
        match apply::user::read(&context, id, password.as_ref()).await {
            Ok(found) => {
                let state = found.map(|f| UserState::found(f, password.as_ref(), &prior));
                Some((state, private_state))
            }
            Err(error) => {
                kong_error(diags, "read the user", &error, |_| None);
                None
            }
        }
    }

    async fn plan_create<'a>(
        &self,
        diags: &mut Diagnostics,
        proposed: Self::State<'a>,
        _config: Self::State<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        self.context.get(diags)?;
        let Some(mut planned) = proposed else {
            return Some((None, ValueEmpty::default()));
        };
        report_plan_errors(diags, user::check_draft(&planned.draft()));
        planned.id = Value::Unknown;
        Some((Some(planned), ValueEmpty::default()))
    }

    async fn plan_update<'a>(
        &self,
        diags: &mut Diagnostics,
        prior: Self::State<'a>,
        proposed: Self::State<'a>,
        _config: Self::State<'a>,
        private_state: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>, Vec<AttributePath>)> {
        self.context.get(diags)?;
        let (Some(prior), Some(mut planned)) = (prior, proposed) else {
            return Some((None, private_state, vec![]));
        };
        report_plan_errors(diags, user::check_draft(&planned.draft()));
        planned.id = prior.id.clone();
        Some((Some(planned), private_state, vec![]))
    }

    async fn plan_destroy<'a>(
        &self,
        _diags: &mut Diagnostics,
        _prior: Self::State<'a>,
        private_state: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<Self::PrivateState<'a>> {
        Some(private_state)
    }

    async fn create<'a>(
        &self,
        diags: &mut Diagnostics,
        planned: Self::State<'a>,
        _config: Self::State<'a>,
        private_state: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let context = self.context.get(diags)?;
        let planned = planned?;
        let Some(spec) = planned.spec() else {
            diags.root_error_short(
                "Internal error: the planned user has unknown values at apply time",
            );
            return None;
        };
        match apply::user::create(&context, &spec).await {
            Ok(id) => Some((
                Some(UserState::applied(&spec, &id, &planned)),
                private_state,
            )),
            Err(failure) => {
                report_write_error(diags, &spec, "create", &failure.error);
                // What could not be removed is kept in state (tainted), so that the next
                // apply removes it.
                failure.leftover.map(|id| {
                    (
                        Some(UserState::applied(&spec, &id, &planned)),
                        private_state,
                    )
                })
            }
        }
    }

    async fn update<'a>(
        &self,
        diags: &mut Diagnostics,
        prior: Self::State<'a>,
        planned: Self::State<'a>,
        _config: Self::State<'a>,
        private_state: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let context = self.context.get(diags)?;
        let (prior, planned) = (prior?, planned?);
        let (Some(spec), Some(id)) = (planned.spec(), prior.id.as_ref_option().cloned()) else {
            diags.root_error_short(
                "Internal error: the planned user has unknown values at apply time",
            );
            return None;
        };
        match apply::user::update(&context, &spec, &id).await {
            Ok(()) => Some((
                Some(UserState::applied(&spec, &id, &planned)),
                private_state,
            )),
            Err(Guarded::Foreign(foreign)) => {
                report_foreign(diags, "update the user", &foreign);
                Some((Some(prior), private_state))
            }
            Err(Guarded::Failed(failure)) => {
                report_write_error(diags, &spec, "update", &failure.error);
                // What Kong holds now (the prior state when it cannot be read), judged against
                // the password that may or may not have been written.
                let now = match failure.now {
                    Some(found) => UserState::found(found, Some(&spec.password), &prior),
                    None => prior,
                };
                Some((Some(now), private_state))
            }
        }
    }

    async fn destroy<'a>(
        &self,
        diags: &mut Diagnostics,
        prior: Self::State<'a>,
        _private_state: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<()> {
        let context = self.context.get(diags)?;
        let Some(id) = prior.as_ref().and_then(|p| p.id.as_ref_option().cloned()) else {
            return Some(());
        };
        match apply::user::delete(&context, &id).await {
            Ok(()) => Some(()),
            Err(Guarded::Foreign(foreign)) => {
                report_foreign(diags, "delete the user", &foreign);
                None
            }
            Err(Guarded::Failed(error)) => {
                kong_error(diags, "delete the user", &error, |_| None);
                None
            }
        }
    }

    async fn import<'a>(
        &self,
        diags: &mut Diagnostics,
        id: String,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let context = self.context.get(diags)?;
        // `.` and `..` in an Admin API path would address another resource: refused before
        // any request.
        if let Err(why) = crate::model::naming::path_segment("an import id", &id) {
            diags.root_error("Invalid import id", why);
            return None;
        }
        let kong_name = context.environment.naming.kong_name(&id);
        match apply::user::import(&context, &id).await {
            Ok(Some(found)) => Some((
                Some(UserState::found(found, None, &UserState::default())),
                ValueEmpty::default(),
            )),
            Ok(None) => {
                diags.root_error(
                    "User not found in Kong",
                    format!(
                        "No Kong consumer is named `{kong_name}`{}. Import takes the user's username (or the consumer's id).",
                        if kong_name != id { " (the username in this organization)" } else { "" }
                    ),
                );
                None
            }
            Err(Guarded::Foreign(foreign)) => {
                report_foreign(diags, "import the user", &foreign);
                None
            }
            Err(Guarded::Failed(error)) => {
                kong_error(diags, "import the user", &error, |_| None);
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_holds_no_password() {
        let state = UserState {
            password: Value::Value("hunter2".into()),
            username: Value::Value("alice".into()),
            ..UserState::default()
        };
        let shown = format!("{state:?}");
        assert!(!shown.contains("hunter2"));
        assert!(shown.contains("alice"));
        let spec = state.spec().expect("known");
        assert!(!format!("{spec:?}").contains("hunter2"));
    }
}
