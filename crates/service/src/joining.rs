//! Joining: the first administrator's one-time link, invitations, sign-up (with an invitation,
//! or without one where the organisation allows it), and accounts an operator adds. A new
//! account gets its account key, wrapped under her password and under a recovery key shown once.

use lodge_crypto::password::{self, Password};
use lodge_crypto::token::Token;
use lodge_crypto::{Key, KeyPair, RecoveryKey, wrap_key};
use lodge_domain::{Role, UserId};
use lodge_store::{InvitationRow, UserRow};
use uuid::Uuid;

use crate::accounts::{KEY_PAIR_PURPOSE, check_password, check_username, password_aad, recovery_aad};
use crate::limits::Attempt;
use crate::{Lodge, ServiceError, Session};

/// Setting that lets survivors create accounts without an invitation.
const SIGNUP_SETTING: &str = "signup_open";
/// How many times one invitation answers "that name is taken" before it is used up.
const NAMES_PER_INVITATION: i64 = 3;

/// What she is told when the name she chose is someone else's.
fn taken() -> ServiceError {
    ServiceError::invalid("username", "That username is taken. Choose another.")
}

impl Lodge {
    /// If nobody has an account yet, makes a fresh one-time link token for the first
    /// administrator (replacing any earlier one) and returns it.
    pub async fn first_administrator_token(&self) -> Result<Option<Token>, ServiceError> {
        if self.store().count_users().await? > 0 {
            return Ok(None);
        }
        self.store().delete_setup_invitations().await?;
        let token = Token::generate()?;
        self.store()
            .create_invitation(&InvitationRow {
                token_hash: token.lookup_hash(),
                role: Role::Administrator.as_str().into(),
                created_by: None,
                created_at: self.now(),
                expires_at: self.now() + self.config().invitation_lifetime,
                label: None,
            })
            .await?;
        Ok(Some(token))
    }

    /// The role an invitation link would give, if it is still usable.
    pub async fn invitation_role(&self, token: &str) -> Result<Role, ServiceError> {
        let token = Token::parse(token).ok_or(ServiceError::InvitationInvalid)?;
        let row =
            self.store().invitation(&token.lookup_hash(), self.now()).await?.ok_or(ServiceError::InvitationInvalid)?;
        Role::parse(&row.role).ok_or_else(|| ServiceError::Internal("unknown role stored".into()))
    }

    /// Whether survivors may sign up without an invitation.
    pub async fn signup_open(&self) -> Result<bool, ServiceError> {
        Ok(self.store().setting(SIGNUP_SETTING).await?.as_deref() == Some("true"))
    }

    /// Opens or closes sign-up without an invitation (administrators only).
    pub async fn set_signup_open(&self, by: &Session, open: bool) -> Result<(), ServiceError> {
        if by.role != Role::Administrator {
            return Err(ServiceError::Forbidden);
        }
        self.store().set_setting(SIGNUP_SETTING, if open { "true" } else { "false" }).await?;
        Ok(())
    }

    /// Creates an account, with an invitation token or (for survivors, where allowed) without.
    /// Returns the recovery key, to be shown to her once and never again.
    pub async fn sign_up(
        &self,
        username: &str,
        password: Password,
        invitation: Option<&str>,
        address: Option<&str>,
    ) -> Result<(UserId, RecoveryKey), ServiceError> {
        let username = username.trim();
        check_username(username)?;
        check_password(&password)?;
        let (role, invitation_hash) = match invitation {
            Some(text) => {
                let role = self.invitation_role(text).await?;
                (role, Token::parse(text).map(|t| t.lookup_hash()))
            }
            None if self.signup_open().await? => (Role::Survivor, None),
            None => return Err(ServiceError::SignupClosed),
        };
        // Whether a name is taken must be said, so that she can choose another. That it does not
        // become a list of names: every try is counted per invitation and per client address,
        // and sign-ups without an invitation across the whole server; an invitation answers
        // "taken" a few times, then is used up.
        let mut attempts: Vec<Attempt> = match invitation_hash.as_deref() {
            Some(hash) => vec![Attempt::Joining(hash)],
            None => vec![Attempt::OpenSignUp],
        };
        attempts.extend(address.map(Attempt::Address));
        self.attempt(&attempts).await?;
        if self.store().user_by_username(username).await?.is_some() {
            if let Some(hash) = invitation_hash.as_deref()
                && self.store().invitation_name_taken(hash, self.now(), NAMES_PER_INVITATION).await?
            {
                return Err(ServiceError::invalid(
                    "username",
                    "That username is taken, and this invitation link is now used up. Ask whoever invited you for a new link, and choose another name.",
                ));
            }
            return Err(taken());
        }
        self.create_account(username, password, role, invitation_hash.as_deref()).await
    }

    /// Creates an account directly, for operators (`lodge admin user add`).
    pub async fn add_user(
        &self,
        username: &str,
        password: Password,
        role: Role,
    ) -> Result<(UserId, RecoveryKey), ServiceError> {
        let username = username.trim();
        check_username(username)?;
        check_password(&password)?;
        self.create_account(username, password, role, None).await
    }

    async fn create_account(
        &self,
        username: &str,
        password: Password,
        role: Role,
        invitation: Option<&[u8]>,
    ) -> Result<(UserId, RecoveryKey), ServiceError> {
        let id = Uuid::new_v4();
        let account_key = Key::generate()?;
        let recovery = RecoveryKey::generate()?;
        let salt = password::new_salt()?.to_vec();
        let params = self.config().kdf;
        let password_key = self.derive(password, salt.clone(), params).await?;
        let user = UserRow {
            id,
            username: username.to_owned(),
            role: role.as_str().into(),
            disabled: false,
            kdf: params.encode(),
            salt,
            key_by_password: wrap_key(&password_key, &password_aad(id), &account_key)?,
            key_by_recovery: wrap_key(&recovery.kek(), &recovery_aad(id), &account_key)?,
            neutral_title: false,
            created_at: self.now(),
            public_key: Some(KeyPair::derive(&account_key, KEY_PAIR_PURPOSE).public().to_bytes().to_vec()),
            totp_secret: None,
            totp_last_step: 0,
            app_name: String::new(),
            idle_minutes: None,
        };
        match self.store().create_user(&user, invitation, self.now()).await {
            Err(lodge_store::StoreError::Conflict(lodge_store::Conflict::Username)) => Err(taken()),
            other => other.map_err(ServiceError::from),
        }?;
        tracing::info!(role = role.as_str(), "account created");
        Ok((UserId(id), recovery))
    }
}
