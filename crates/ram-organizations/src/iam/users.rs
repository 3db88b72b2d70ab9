//! IAM users and access keys: CreateUser, GetUser, ListUsers, DeleteUser, CreateAccessKey,
//! ListAccessKeys, DeleteAccessKey, and ListGroupsForUser (ramd has no groups: always none, which
//! is what Terraform asks before it deletes a user). A user's keys are the store's access keys bound to its ARN,
//! so they sign as the user exactly as keys made by `ramd accounts create --principal-arn` do.
//! The key itself (id, secret, the secret sealed for storage) is made by ramd's [`KeyIssuer`],
//! which holds the master key.

use std::sync::Arc;

use ram_context::{Caller, Failure, Outcome};
use ram_model::iam::{
    AccessKey, AccessKeyMetadata, CreateAccessKeyRequest, CreateAccessKeyResponse,
    CreateUserRequest, CreateUserResponse, DeleteAccessKeyRequest, DeleteUserRequest,
    GetUserRequest, GetUserResponse, ListAccessKeysRequest, ListAccessKeysResponse,
    ListGroupsForUserRequest, ListGroupsForUserResponse, ListUsersRequest, ListUsersResponse,
    StatusType, User,
};
use ram_model::{ApiError, Timestamp, api_error};
use ram_store::{AccessKeyRecord, PrincipalKind, PrincipalRef, ReadTx, UserRecord, user_key};

use super::Iam;
use crate::id_part;

/// IAM's quota of access keys per user (and per root user).
const KEYS_PER_USER: usize = 2;

/// Makes access keys: a new id and secret, and the record to store (the secret sealed).
pub trait KeyIssuer: Send + Sync {
    /// A new key of `account_id`, signing as `principal_arn` (the root user when `None`), at
    /// `now_ms`; and its secret, shown once.
    fn issue(
        &self,
        account_id: &str,
        principal_arn: Option<&str>,
        now_ms: i64,
    ) -> (AccessKeyRecord, String);
}

pub(crate) fn no_such_user(name: &str) -> ApiError {
    api_error!(NoSuchEntity, "The user with name {name} cannot be found.")
}

fn user_arn(caller: &Caller, user: &UserRecord) -> String {
    format!(
        "arn:{}:iam::{}:user{}{}",
        caller.partition, user.account_id, user.path, user.user_name
    )
}

fn render_user(caller: &Caller, user: &UserRecord) -> User {
    let tags = super::tags_of(&user.tags);
    User {
        path: Some(user.path.clone()),
        user_name: Some(user.user_name.clone()),
        user_id: Some(user.user_id.clone()),
        arn: Some(user_arn(caller, user)),
        create_date: Some(Timestamp(user.created_ms)),
        password_last_used: None,
        permissions_boundary: None,
        tags: (!tags.is_empty()).then_some(tags),
    }
}

/// The caller's user name, when the caller is a user of its account.
fn caller_user_name(caller: &Caller) -> Option<&str> {
    match super::principal_of_arn(&caller.principal_arn) {
        Some((PrincipalKind::User, name)) => Some(name),
        _ => None,
    }
}

/// Whose keys a call names: the user given, or else the caller (a user, or the root user).
struct KeyOwner {
    /// `None`: the account's root user.
    principal_arn: Option<String>,
    /// As IAM's answers name it.
    user_name: String,
}

impl Iam {
    /// Lets `CreateAccessKey` issue keys (ramd sets it when it has a master key).
    pub fn set_key_issuer(&self, issuer: Arc<dyn KeyIssuer>) {
        let _ = self.issuer.set(issuer);
    }

    async fn key_owner(
        &self,
        tx: &mut ReadTx,
        caller: &Caller,
        user_name: Option<&str>,
    ) -> Outcome<KeyOwner> {
        match user_name.or_else(|| caller_user_name(caller)) {
            Some(name) => {
                let user = tx
                    .get_user(&caller.account_id, name)
                    .await?
                    .ok_or_else(|| no_such_user(name))?;
                Ok(KeyOwner {
                    principal_arn: Some(user_arn(caller, &user)),
                    user_name: user.user_name,
                })
            }
            None => Ok(KeyOwner {
                principal_arn: None,
                user_name: caller.account_id.clone(),
            }),
        }
    }

    pub(crate) async fn create_user(
        &self,
        caller: &Caller,
        input: CreateUserRequest,
    ) -> Outcome<CreateUserResponse> {
        // The model's pattern (checked before this) keeps a path to `/` or `/a/b/`.
        let path = input.path.unwrap_or_else(|| "/".to_owned());
        let user = UserRecord {
            account_id: caller.account_id.clone(),
            user_name: input.user_name,
            user_id: format!("AIDA{}", id_part(&self.ctx, 17).to_ascii_uppercase()),
            path,
            tags: super::tags_json(&input.tags.unwrap_or_default()),
            created_ms: self.ctx.now_ms(),
        };
        let mut tx = self.ctx.store().begin().await?;
        if !tx.insert_user(&user).await? {
            return Err(api_error!(
                EntityAlreadyExists,
                "User with name {} already exists.",
                user.user_name
            )
            .into());
        }
        tx.commit().await?;
        Ok(CreateUserResponse {
            user: Some(render_user(caller, &user)),
        })
    }

    pub(crate) async fn get_user(
        &self,
        caller: &Caller,
        input: GetUserRequest,
    ) -> Outcome<GetUserResponse> {
        let mut tx = self.ctx.store().read().await?;
        let user = match input
            .user_name
            .as_deref()
            .or_else(|| caller_user_name(caller))
        {
            Some(name) => {
                let user = tx
                    .get_user(&caller.account_id, name)
                    .await?
                    .ok_or_else(|| no_such_user(name))?;
                render_user(caller, &user)
            }
            // The root user, as IAM describes it: the account's id and root ARN, no name.
            None => User {
                user_id: Some(caller.account_id.clone()),
                arn: Some(caller.principal_arn.clone()),
                create_date: tx
                    .get_account(&caller.account_id)
                    .await?
                    .map(|a| Timestamp(a.created_ms)),
                ..User::default()
            },
        };
        tx.commit().await?;
        Ok(GetUserResponse { user: Some(user) })
    }

    pub(crate) async fn list_users(
        &self,
        caller: &Caller,
        input: ListUsersRequest,
    ) -> Outcome<ListUsersResponse> {
        let limit = i64::from(input.max_items.unwrap_or(super::DEFAULT_MAX_ITEMS));
        let prefix = input.path_prefix.unwrap_or_else(|| "/".to_owned());
        let mut tx = self.ctx.store().read().await?;
        // One more than the page, to know whether another follows.
        let users = tx
            .list_users(
                &caller.account_id,
                input.marker.as_deref().unwrap_or(""),
                limit + 1,
            )
            .await?;
        tx.commit().await?;
        let (users, truncated, marker) = super::cut_page(users, limit, |u| user_key(&u.user_name));
        Ok(ListUsersResponse {
            users: Some(
                users
                    .iter()
                    .filter(|u| u.path.starts_with(&prefix))
                    // ListUsers, as IAM's, leaves tags out (GetUser has them).
                    .map(|u| User {
                        tags: None,
                        ..render_user(caller, u)
                    })
                    .collect(),
            ),
            is_truncated: Some(truncated),
            marker,
        })
    }

    pub(crate) async fn list_groups_for_user(
        &self,
        caller: &Caller,
        input: ListGroupsForUserRequest,
    ) -> Outcome<ListGroupsForUserResponse> {
        let mut tx = self.ctx.store().read().await?;
        let user = tx.get_user(&caller.account_id, &input.user_name).await?;
        tx.commit().await?;
        user.ok_or_else(|| no_such_user(&input.user_name))?;
        Ok(ListGroupsForUserResponse {
            groups: Some(Vec::new()),
            is_truncated: Some(false),
            marker: None,
        })
    }

    pub(crate) async fn delete_user(
        &self,
        caller: &Caller,
        input: DeleteUserRequest,
    ) -> Outcome<()> {
        let name = input.user_name;
        let mut tx = self.ctx.store().begin().await?;
        let user = tx
            .get_user(&caller.account_id, &name)
            .await?
            .ok_or_else(|| no_such_user(&name))?;
        let arn = user_arn(caller, &user);
        if !keys_of(&mut tx, &caller.account_id, Some(&arn))
            .await?
            .is_empty()
        {
            return Err(api_error!(
                DeleteConflict,
                "Cannot delete entity, must delete access keys first."
            )
            .into());
        }
        let principal = PrincipalRef {
            account_id: &caller.account_id,
            kind: PrincipalKind::User,
            name: &user.user_name,
        };
        self.check_no_policies(&mut tx, principal).await?;
        tx.delete_user(&caller.account_id, &name).await?;
        tx.commit().await?;
        Ok(())
    }

    pub(crate) async fn create_access_key(
        &self,
        caller: &Caller,
        input: CreateAccessKeyRequest,
    ) -> Outcome<CreateAccessKeyResponse> {
        let Some(issuer) = self.issuer.get() else {
            return Err(api_error!(
                ServiceFailure,
                "This ramd issues no access keys: it has no master key to seal them with (serve with --auth sigv4, or give --master-key-file)."
            )
            .into());
        };
        let mut tx = self.ctx.store().begin().await?;
        let owner = self
            .key_owner(&mut tx, caller, input.user_name.as_deref())
            .await?;
        if keys_of(&mut tx, &caller.account_id, owner.principal_arn.as_deref())
            .await?
            .len()
            >= KEYS_PER_USER
        {
            return Err(api_error!(
                LimitExceeded,
                "Cannot exceed quota for AccessKeysPerUser: {KEYS_PER_USER}"
            )
            .into());
        }
        let (record, secret) = issuer.issue(
            &caller.account_id,
            owner.principal_arn.as_deref(),
            self.ctx.now_ms(),
        );
        tx.insert_access_key(&record).await?;
        tx.commit().await?;
        Ok(CreateAccessKeyResponse {
            access_key: Some(AccessKey {
                user_name: Some(owner.user_name),
                access_key_id: Some(record.access_key_id),
                status: Some(StatusType::Active),
                secret_access_key: Some(secret),
                create_date: Some(Timestamp(record.created_ms)),
            }),
        })
    }

    pub(crate) async fn list_access_keys(
        &self,
        caller: &Caller,
        input: ListAccessKeysRequest,
    ) -> Outcome<ListAccessKeysResponse> {
        let mut tx = self.ctx.store().read().await?;
        let owner = self
            .key_owner(&mut tx, caller, input.user_name.as_deref())
            .await?;
        let keys = keys_of(&mut tx, &caller.account_id, owner.principal_arn.as_deref()).await?;
        tx.commit().await?;
        Ok(ListAccessKeysResponse {
            access_key_metadata: Some(
                keys.into_iter()
                    .map(|k| AccessKeyMetadata {
                        user_name: Some(owner.user_name.clone()),
                        access_key_id: Some(k.access_key_id),
                        status: Some(if k.active {
                            StatusType::Active
                        } else {
                            StatusType::Inactive
                        }),
                        create_date: Some(Timestamp(k.created_ms)),
                    })
                    .collect(),
            ),
            // At most two keys a user: one page holds them all.
            is_truncated: Some(false),
            marker: None,
        })
    }

    pub(crate) async fn delete_access_key(
        &self,
        caller: &Caller,
        input: DeleteAccessKeyRequest,
    ) -> Outcome<()> {
        let id = input.access_key_id;
        let mut tx = self.ctx.store().begin().await?;
        let owner = self
            .key_owner(&mut tx, caller, input.user_name.as_deref())
            .await?;
        let theirs = keys_of(&mut tx, &caller.account_id, owner.principal_arn.as_deref())
            .await?
            .iter()
            .any(|k| k.access_key_id == id);
        if !theirs {
            return Err(Failure::from(api_error!(
                NoSuchEntity,
                "The Access Key with id {id} cannot be found."
            )));
        }
        tx.delete_access_key(&id).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// The keys of one principal of the account (its root user when `principal_arn` is `None`).
async fn keys_of(
    tx: &mut ReadTx,
    account_id: &str,
    principal_arn: Option<&str>,
) -> Outcome<Vec<AccessKeyRecord>> {
    Ok(tx
        .list_access_keys(Some(account_id))
        .await?
        .into_iter()
        .filter(|k| k.principal_arn.as_deref() == principal_arn)
        .collect())
}
