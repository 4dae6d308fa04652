//! `dispatch_basic_auth_user` against Kong: one consumer, its basic-auth credential and one ACL
//! per group.

use crate::apply::ownership::{self, Guarded};
use crate::apply::{keep_after_undo, Context};
use crate::kong::KongError;
use crate::model::naming;
use crate::model::user::{self, DesiredUser, PasswordCheck, UserSpec};
use crate::secret::Secret;

/// A user as Kong holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundUser {
    /// The consumer's id.
    pub id: String,
    /// The username (of its credential, else its consumer).
    pub username: String,
    /// Whether Kong's password is the one it was compared with.
    pub password: PasswordCheck,
    /// Its groups, sorted.
    pub groups: Vec<String>,
}

/// Who holds a name Kong refused to write because it is taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Taken {
    /// Another consumer is named like the user (`kong_name`); `managed` when this provider
    /// manages it.
    Consumer {
        /// The consumer's name.
        kong_name: String,
        /// Whether this provider manages it.
        managed: bool,
    },
    /// Another consumer has a basic-auth credential with the username (unique in the workspace).
    Username,
}

/// A write of the user's entities that Kong refused or that failed.
#[derive(Debug, thiserror::Error)]
#[error("{error}")]
pub struct UserWriteError {
    /// What went wrong.
    pub error: KongError,
    /// Who holds the user's name, when Kong refused the write as a name already taken.
    pub taken: Option<Taken>,
}

/// A failed create, and whether the consumer must stay in state (tainted) because it could not
/// be removed again (or may still be written by Kong).
#[derive(Debug)]
pub struct CreateFailure {
    /// What went wrong.
    pub error: UserWriteError,
    /// The consumer's id, when it must stay in state.
    pub leftover: Option<String>,
}

/// A failed update, and what Kong holds after it (`None` when it could not be read).
#[derive(Debug)]
pub struct UpdateFailure {
    /// What went wrong.
    pub error: UserWriteError,
    /// What Kong holds now.
    pub now: Option<FoundUser>,
}

/// What Kong holds for the user whose consumer has this id or name, its password compared with
/// `password`; `None` when the consumer is gone.
pub async fn read(
    context: &Context,
    id_or_name: &str,
    password: Option<&Secret>,
) -> Result<Option<FoundUser>, KongError> {
    let client = &context.client;
    let Some(consumer) = client.consumer(id_or_name).await? else {
        return Ok(None);
    };
    let credentials = client.basic_auth_credentials(&consumer.id).await?;
    let acls = client.acls(&consumer.id).await?;
    let observed = user::read_back(
        &consumer,
        &credentials,
        &acls,
        password,
        &context.environment.naming,
    );
    Ok(Some(FoundUser {
        id: consumer.id,
        username: observed.username,
        password: observed.password,
        groups: observed.groups,
    }))
}

/// Creates the user's entities under a new consumer id, which it returns. On failure the
/// consumer is removed again (its credential and ACLs go with it).
pub async fn create(context: &Context, spec: &UserSpec) -> Result<String, CreateFailure> {
    let id = uuid::Uuid::new_v4().to_string();
    let desired = user::desired(spec, &context.environment.naming, &id);
    let written = write_entities(context, &desired, &id).await;
    let Err(error) = written.and_then(|()| context.continue_create()) else {
        return Ok(id);
    };
    let error = explained(context, spec, &id, error).await;
    // What cannot be removed is kept in state (tainted), so that the next apply removes it; so
    // is a write that timed out, which Kong may still carry out after the removal.
    let undone = context.client.delete_consumer(&id).await;
    let leftover = keep_after_undo(&error.error, undone, "user").then_some(id);
    Err(CreateFailure { error, leftover })
}

/// Brings the user of the consumer `id` to `spec`. Nothing is written to a consumer of another
/// organization.
pub async fn update(
    context: &Context,
    spec: &UserSpec,
    id: &str,
) -> Result<(), Guarded<UpdateFailure>> {
    match ownership::check_consumer(context, id).await {
        Ok(()) => {}
        Err(Guarded::Foreign(foreign)) => return Err(Guarded::Foreign(foreign)),
        Err(Guarded::Failed(error)) => {
            let error = UserWriteError { error, taken: None };
            return Err(Guarded::Failed(UpdateFailure { error, now: None }));
        }
    }
    let desired = user::desired(spec, &context.environment.naming, id);
    let Err(error) = write_entities(context, &desired, id).await else {
        return Ok(());
    };
    let error = explained(context, spec, id, error).await;
    // Judged against the password that may or may not have been written: the next plan shows
    // what is left to do.
    let now = read(context, id, Some(&spec.password)).await.ok().flatten();
    Err(Guarded::Failed(UpdateFailure { error, now }))
}

/// Deletes the user's consumer (its credential and ACLs go with it), unless it belongs to
/// another organization.
pub async fn delete(context: &Context, id: &str) -> Result<(), Guarded<KongError>> {
    ownership::check_consumer(context, id).await?;
    Ok(context.client.delete_consumer(id).await?)
}

/// The user named `username` in the organization, else the consumer with the id `username`;
/// a consumer of another organization is refused.
pub async fn import(
    context: &Context,
    username: &str,
) -> Result<Option<FoundUser>, Guarded<KongError>> {
    let kong_name = context.environment.naming.kong_name(username);
    let client = &context.client;
    let mut consumer = client.consumer(&kong_name).await?;
    if consumer.is_none() && uuid::Uuid::parse_str(username).is_ok() {
        consumer = client.consumer(username).await?;
    }
    let Some(consumer) = consumer else {
        return Ok(None);
    };
    let shown = consumer.username.as_deref().unwrap_or(&consumer.id);
    ownership::check(context, "consumer", shown, consumer.tags.as_deref())?;
    Ok(read(context, &consumer.id, None).await?)
}

/// Writes the user's entities on the consumer `id`: the consumer, the credential, the ACLs
/// (where the consumer already holds them, see [`DesiredUser::adopting`]); then removes
/// credentials and ACLs that are not the declared ones.
async fn write_entities(
    context: &Context,
    desired: &DesiredUser,
    id: &str,
) -> Result<(), KongError> {
    let client = &context.client;
    client.put_consumer(id, &desired.consumer).await?;
    let credentials = client.basic_auth_credentials(id).await?;
    let acls = client.acls(id).await?;
    let desired = desired.clone().adopting(&credentials, &acls);
    client
        .put_basic_auth(id, &desired.credential_id, &desired.credential)
        .await?;
    for (acl_id, acl) in &desired.acls {
        client.put_acl(id, acl_id, acl).await?;
    }
    for credential in credentials {
        if credential.id != desired.credential_id {
            client.delete_basic_auth(id, &credential.id).await?;
        }
    }
    for acl in acls {
        if !desired.acls.iter().any(|(acl_id, _)| *acl_id == acl.id) {
            client.delete_acl(id, &acl.id).await?;
        }
    }
    Ok(())
}

/// The error of a write on the consumer `consumer_id`, with who holds the user's names when
/// Kong refused it as a name already taken: another consumer named like the user, or another
/// consumer's credential with the username. Lookup failures count as no holder.
async fn explained(
    context: &Context,
    spec: &UserSpec,
    consumer_id: &str,
    error: KongError,
) -> UserWriteError {
    if !error.is_unique_violation() {
        return UserWriteError { error, taken: None };
    }
    let client = &context.client;
    let kong_name = context.environment.naming.kong_name(&spec.username);
    let holder = client.consumer(&kong_name).await.ok().flatten();
    let taken = match holder.filter(|c| c.id != consumer_id) {
        Some(holder) => Some(Taken::Consumer {
            kong_name,
            managed: naming::is_managed(holder.tags.as_deref()),
        }),
        None => {
            let credential = client.basic_auth(&spec.username).await.ok().flatten();
            credential.map(|_| Taken::Username)
        }
    };
    UserWriteError { error, taken }
}
