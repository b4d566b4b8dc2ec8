//! Accounts and sessions: sign-in, sessions, password change, safety settings and switching
//! accounts off (joining is in `joining.rs`, recovery in `recovery.rs`).
//!
//! Key path: password --Argon2id--> password key --unwraps--> account key; the recovery key
//! unwraps the same account key. A session row holds the account key wrapped under a key
//! derived from the session token, which only the client holds.

use jiff::Timestamp;
use lodge_crypto::password::{self, KdfParams, Password};
use lodge_crypto::token::Token;
use lodge_crypto::{Aad, Key, KeyPair, unwrap_key, wrap_key};
use lodge_domain::{Role, UserId};
use lodge_store::{SessionRow, UserRow};
use uuid::Uuid;

use crate::limits::Attempt;
use crate::{Lodge, ServiceError};

/// How long a session may wait for its second factor.
const PENDING_LIFETIME: jiff::SignedDuration = jiff::SignedDuration::from_mins(10);

/// What signing in with a password gave.
#[derive(Debug)]
pub enum SignIn {
    /// Signed in.
    Ready(Session),
    /// The password was right; the code from her authenticator app is still needed.
    NeedsCode,
}

/// One place she is signed in.
#[derive(Debug, Clone)]
pub struct SessionSummary {
    /// An id to end it with (a hash, not the session's token).
    pub id: String,
    /// Whether it is the session asking.
    pub this: bool,
    /// The device, in a few words.
    pub device: String,
    /// When it started.
    pub started: Timestamp,
    /// When it was last used.
    pub last_seen: Timestamp,
}

/// A signed-in person, with her account key unwrapped for the length of one request.
#[derive(Debug)]
pub struct Session {
    /// The account.
    pub user_id: UserId,
    /// Sign-in name.
    pub username: String,
    /// Role.
    pub role: Role,
    /// Whether pages use a neutral title for her.
    pub neutral_title: bool,
    /// The neutral name pages show her (`Notes` unless she chose another).
    pub app_name: String,
    /// Her own idle time before sign-out, in minutes, if she chose one.
    pub idle_minutes: Option<i64>,
    /// Anti-forgery token for her forms.
    pub form_token: String,
    /// What this request is doing, in a few words or as the address asked for; set by
    /// whoever serves the request. A case opened by someone other than its owner goes in
    /// her access log with this.
    pub doing: Option<String>,
    pub(crate) key: Key,
    token_hash: Vec<u8>,
}

/// What an account's public key pair is derived from its account key for.
pub(crate) const KEY_PAIR_PURPOSE: &str = "account key pair";

impl Session {
    /// The account's key pair: cases granted to it are sealed to its public half.
    pub(crate) fn key_pair(&self) -> KeyPair {
        KeyPair::derive(&self.key, KEY_PAIR_PURPOSE)
    }

    /// Whether a form's anti-forgery token is this session's.
    pub fn form_token_matches(&self, sent: &str) -> bool {
        lodge_crypto::token::constant_time_eq(self.form_token.as_bytes(), sent.as_bytes())
    }
}

/// An account as an administrator sees it.
#[derive(Debug, Clone)]
pub struct UserSummary {
    /// The account.
    pub id: UserId,
    /// Sign-in name.
    pub username: String,
    /// Role.
    pub role: Role,
    /// Whether it is switched off.
    pub disabled: bool,
    /// When it was made.
    pub created_at: Timestamp,
}

pub(crate) fn password_aad(user: Uuid) -> Aad {
    Aad::from_parts(&[b"account key by password", user.as_bytes()])
}

pub(crate) fn recovery_aad(user: Uuid) -> Aad {
    Aad::from_parts(&[b"account key by recovery key", user.as_bytes()])
}

pub(crate) fn session_aad(user: Uuid) -> Aad {
    Aad::from_parts(&[b"account key in session", user.as_bytes()])
}

/// Checks a new username: what it may contain is kept simple so it can be typed on any phone.
pub(crate) fn check_username(username: &str) -> Result<(), ServiceError> {
    let ok_chars = username.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if !(3..=64).contains(&username.len()) || !ok_chars {
        return Err(ServiceError::invalid(
            "username",
            "Choose a username of 3 to 64 letters, numbers, dots, dashes or underscores. It need not be your real name.",
        ));
    }
    Ok(())
}

pub(crate) fn check_password(password: &Password) -> Result<(), ServiceError> {
    if password.expose().chars().count() < 10 {
        return Err(ServiceError::invalid("password", "Use at least 10 characters. A few unrelated words work well."));
    }
    if password.expose().len() > 1024 {
        return Err(ServiceError::invalid("password", "Use at most 1024 characters."));
    }
    Ok(())
}

impl Lodge {
    /// Signs in with username and password (from client `address`, for back-off). Returns
    /// the session token for the client, and the session, or [`SignIn::NeedsCode`] when the
    /// account has a second factor: the token then names a session that works only once
    /// [`Lodge::second_factor`] accepts a code. Every answer takes the same least time.
    pub async fn sign_in(
        &self,
        username: &str,
        password: Password,
        device: &str,
        address: Option<&str>,
    ) -> Result<(Token, SignIn), ServiceError> {
        self.answered_alike(self.check_sign_in(username, password, device, address)).await
    }

    async fn check_sign_in(
        &self,
        username: &str,
        password: Password,
        device: &str,
        address: Option<&str>,
    ) -> Result<(Token, SignIn), ServiceError> {
        let mut attempts = vec![Attempt::Account(username)];
        attempts.extend(address.map(Attempt::Address));
        self.attempt(&attempts).await?;
        let user = self.store().user_by_username(username.trim()).await?;
        let Some(user) = user else {
            // Spend the same effort as a real check, so timing does not reveal which names exist.
            let _ = self.derive(password, vec![0u8; 16], self.config().kdf).await;
            return Err(ServiceError::SignInFailed);
        };
        let params = KdfParams::decode(&user.kdf)?;
        let password_key = self.derive(password, user.salt.clone(), params).await?;
        let Ok(account_key) = unwrap_key(&password_key, &password_aad(user.id), &user.key_by_password) else {
            return Err(ServiceError::SignInFailed);
        };
        if user.disabled {
            return Err(ServiceError::AccountDisabled);
        }
        self.attempts_cleared(&attempts[..1]).await?;
        let pending = user.totp_secret.is_some() || !self.store().passkeys(user.id).await?.is_empty();
        let (token, session) = self.start_session(&user, account_key, device, pending).await?;
        Ok((token, if pending { SignIn::NeedsCode } else { SignIn::Ready(session) }))
    }

    /// A session waiting for its second factor, while it may still be finished.
    pub(crate) async fn pending_session(&self, token_text: &str) -> Result<SessionRow, ServiceError> {
        let token = Token::parse(token_text).ok_or(ServiceError::SessionEnded)?;
        let row = self.store().session(&token.lookup_hash()).await?.ok_or(ServiceError::SessionEnded)?;
        if !row.pending_second_factor {
            return Err(ServiceError::SessionEnded);
        }
        if row.created_at + PENDING_LIFETIME < self.now() {
            self.store().delete_session(&row.id_hash).await?;
            return Err(ServiceError::SessionEnded);
        }
        Ok(row)
    }

    /// Which second steps a waiting sign-in can finish with: a code, a passkey.
    pub async fn second_factors(&self, token_text: &str) -> Result<(bool, bool), ServiceError> {
        let row = self.pending_session(token_text).await?;
        let user = self.store().user(row.user_id).await?.ok_or(ServiceError::SessionEnded)?;
        Ok((user.totp_secret.is_some(), !self.store().passkeys(user.id).await?.is_empty()))
    }

    /// Marks a waiting sign-in as finished and resumes it.
    pub(crate) async fn complete_second_factor(&self, token_text: &str) -> Result<Session, ServiceError> {
        let row = self.pending_session(token_text).await?;
        self.store().complete_session(&row.id_hash).await?;
        self.resume(token_text).await
    }

    /// Where she is signed in: each session's device and times, this one marked.
    pub async fn sessions(&self, session: &Session) -> Result<Vec<SessionSummary>, ServiceError> {
        Ok(self
            .store()
            .user_sessions(session.user_id.0)
            .await?
            .into_iter()
            .map(|row| SessionSummary {
                id: data_encoding::HEXLOWER.encode(&row.id_hash),
                this: row.id_hash == session.token_hash,
                device: row.device,
                started: row.created_at,
                last_seen: row.last_seen_at,
            })
            .collect())
    }

    /// Ends every session of hers but this one.
    pub async fn end_other_sessions(&self, session: &Session) -> Result<(), ServiceError> {
        self.store().delete_user_sessions(session.user_id.0, Some(&session.token_hash)).await?;
        Ok(())
    }

    /// Ends one of her sessions (by the id [`Lodge::sessions`] gave).
    pub async fn end_session(&self, session: &Session, id: &str) -> Result<(), ServiceError> {
        let hash = data_encoding::HEXLOWER.decode(id.as_bytes()).map_err(|_| ServiceError::NotFound)?;
        match self.store().session(&hash).await? {
            Some(row) if row.user_id == session.user_id.0 => Ok(self.store().delete_session(&hash).await?),
            _ => Err(ServiceError::NotFound),
        }
    }

    pub(crate) async fn start_session(
        &self,
        user: &UserRow,
        account_key: Key,
        device: &str,
        pending_second_factor: bool,
    ) -> Result<(Token, Session), ServiceError> {
        let token = Token::generate()?;
        let started = self.now();
        self.store()
            .create_session(&SessionRow {
                id_hash: token.lookup_hash(),
                user_id: user.id,
                wrapped_user_key: wrap_key(&token.wrapping_key(), &session_aad(user.id), &account_key)?,
                created_at: started,
                last_seen_at: started,
                expires_at: started + self.config().session_max,
                device: device.chars().take(120).collect(),
                pending_second_factor,
            })
            .await?;
        if user.public_key.is_none() {
            // Accounts made before sharing existed get their public key at first sign-in.
            let public = KeyPair::derive(&account_key, KEY_PAIR_PURPOSE).public().to_bytes();
            self.store().set_user_public_key(user.id, &public).await?;
        }
        let session = self.session_for(user, account_key, &token)?;
        Ok((token, session))
    }

    fn session_for(&self, user: &UserRow, key: Key, token: &Token) -> Result<Session, ServiceError> {
        Ok(Session {
            doing: None,
            user_id: UserId(user.id),
            username: user.username.clone(),
            role: Role::parse(&user.role).ok_or_else(|| ServiceError::Internal("unknown role stored".into()))?,
            neutral_title: user.neutral_title,
            app_name: if user.app_name.is_empty() { "Notes".into() } else { user.app_name.clone() },
            idle_minutes: user.idle_minutes,
            form_token: token.form_token(),
            key,
            token_hash: token.lookup_hash(),
        })
    }

    /// Resumes the session a client's token names, if it is still live. Any node can do this:
    /// everything needed is in the database and the token.
    pub async fn resume(&self, token_text: &str) -> Result<Session, ServiceError> {
        let token = Token::parse(token_text).ok_or(ServiceError::SessionEnded)?;
        let hash = token.lookup_hash();
        let row = self.store().session(&hash).await?.ok_or(ServiceError::SessionEnded)?;
        if row.pending_second_factor {
            return Err(ServiceError::SecondFactorNeeded);
        }
        let at = self.now();
        if row.expires_at < at || row.last_seen_at + self.config().session_idle < at {
            self.store().delete_session(&hash).await?;
            return Err(ServiceError::SessionEnded);
        }
        let user = self.store().user(row.user_id).await?.ok_or(ServiceError::SessionEnded)?;
        if user.disabled {
            self.store().delete_session(&hash).await?;
            return Err(ServiceError::AccountDisabled);
        }
        if let Some(minutes) = user.idle_minutes
            && row.last_seen_at + jiff::SignedDuration::from_mins(minutes) < at
        {
            self.store().delete_session(&hash).await?;
            return Err(ServiceError::SessionEnded);
        }
        let key = unwrap_key(&token.wrapping_key(), &session_aad(user.id), &row.wrapped_user_key)
            .map_err(|_| ServiceError::SessionEnded)?;
        // Recording activity is a write; once every few seconds is enough for the idle timeout.
        if at.duration_since(row.last_seen_at) > jiff::SignedDuration::from_secs(15) {
            self.store().touch_session(&hash, at).await?;
        }
        self.session_for(&user, key, &token)
    }

    /// Ends a session (sign-out or quick exit).
    pub async fn sign_out(&self, token_text: &str) -> Result<(), ServiceError> {
        if let Some(token) = Token::parse(token_text) {
            self.store().delete_session(&token.lookup_hash()).await?;
        }
        Ok(())
    }

    /// Ends the sessions that have been idle too long or have expired.
    pub async fn end_stale_sessions(&self) -> Result<u64, ServiceError> {
        let at = self.now();
        Ok(self.store().delete_stale_sessions(at - self.config().session_idle, at).await?)
    }

    /// Changes her password: the account key is re-wrapped; no case data is re-encrypted.
    /// Her other sessions end.
    pub async fn change_password(
        &self,
        session: &Session,
        current: Password,
        new: Password,
    ) -> Result<(), ServiceError> {
        check_password(&new).map_err(|_| {
            ServiceError::invalid("new_password", "Use at least 10 characters. A few unrelated words work well.")
        })?;
        let mut user = self.check_current_password(session, current, "current_password").await?;
        self.rewrap_password(&mut user, &session.key, new).await?;
        self.store().delete_user_sessions(user.id, Some(&session.token_hash)).await?;
        Ok(())
    }

    /// Checks that `password` is her current one (before a change that needs it); a wrong
    /// one is a problem on `field`.
    pub(crate) async fn check_current_password(
        &self,
        session: &Session,
        password: Password,
        field: &str,
    ) -> Result<UserRow, ServiceError> {
        let user = self.store().user(session.user_id.0).await?.ok_or(ServiceError::SessionEnded)?;
        let attempts = [Attempt::Account(&user.username)];
        self.attempt(&attempts).await?;
        let key = self.derive(password, user.salt.clone(), KdfParams::decode(&user.kdf)?).await?;
        if unwrap_key(&key, &password_aad(user.id), &user.key_by_password).is_err() {
            return Err(ServiceError::invalid(field, "That is not your current password."));
        }
        self.attempts_cleared(&attempts).await?;
        Ok(user)
    }

    pub(crate) async fn rewrap_password(
        &self,
        user: &mut UserRow,
        account_key: &Key,
        new: Password,
    ) -> Result<(), ServiceError> {
        let salt = password::new_salt()?.to_vec();
        let params = self.config().kdf;
        let new_key = self.derive(new, salt.clone(), params).await?;
        user.kdf = params.encode();
        user.salt = salt;
        user.key_by_password = wrap_key(&new_key, &password_aad(user.id), account_key)?;
        self.store().update_user_keys(user).await?;
        Ok(())
    }

    /// Her safety settings: a neutral title (and the name it shows instead of "Lodge"), and
    /// how soon she is signed out when idle (never later than the organisation's limit).
    pub async fn set_safety(
        &self,
        session: &Session,
        neutral_title: bool,
        app_name: &str,
        idle_minutes: Option<i64>,
    ) -> Result<(), ServiceError> {
        let app_name = app_name.trim();
        let mut problems = lodge_domain::Problems::default();
        if app_name.chars().count() > 30 || !app_name.chars().all(|c| c.is_alphanumeric() || c == ' ') {
            problems.add("app_name", "Use up to 30 letters, numbers and spaces, such as \"Recipes\".");
        }
        let longest = self.config().session_idle.as_mins();
        if idle_minutes.is_some_and(|m| !(5..=longest).contains(&m)) {
            problems.add("idle_minutes", format!("Choose from 5 to {longest} minutes."));
        }
        if !problems.is_empty() {
            return Err(ServiceError::Invalid(problems));
        }
        self.store().set_user_safety(session.user_id.0, neutral_title, app_name, idle_minutes).await?;
        Ok(())
    }

    /// Switches an account off, ending its sessions, or on again (administrators only, and
    /// not their own). Switching off deletes nothing: the person's records stay as they are.
    pub async fn set_account_disabled(&self, by: &Session, user: UserId, disabled: bool) -> Result<(), ServiceError> {
        if by.role != Role::Administrator || by.user_id == user {
            return Err(ServiceError::Forbidden);
        }
        self.store().user(user.0).await?.ok_or(ServiceError::NotFound)?;
        self.store().set_user_disabled(user.0, disabled).await?;
        if disabled {
            self.store().delete_user_sessions(user.0, None).await?;
        }
        tracing::info!(disabled, "an administrator changed whether an account is switched off");
        Ok(())
    }

    /// Every account, for administrators.
    pub async fn users(&self, by: &Session) -> Result<Vec<UserSummary>, ServiceError> {
        if by.role != Role::Administrator {
            return Err(ServiceError::Forbidden);
        }
        self.store()
            .users()
            .await?
            .into_iter()
            .map(|u| {
                Ok(UserSummary {
                    id: UserId(u.id),
                    role: Role::parse(&u.role).ok_or_else(|| ServiceError::Internal("unknown role stored".into()))?,
                    username: u.username,
                    disabled: u.disabled,
                    created_at: u.created_at,
                })
            })
            .collect()
    }
}
