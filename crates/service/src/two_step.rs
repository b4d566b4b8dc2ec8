//! Two-step sign-in with an authenticator app (TOTP): the code step of signing in, setting it
//! up, turning it on with her password and a code, and off with her password. The secret is sealed under her account key.

use lodge_crypto::password::Password;
use lodge_crypto::token::Token;
use lodge_crypto::{Aad, open, seal, unwrap_key};
use totp_rs::{Algorithm, TOTP};
use uuid::Uuid;

use crate::accounts::session_aad;
use crate::limits::Attempt;
use crate::{Lodge, ServiceError, Session, system_now};

/// A new authenticator-app secret, to show her once while she sets it up.
#[derive(Debug)]
pub struct TotpSetup {
    /// The secret in base32, to type into the app.
    pub secret: String,
    /// The `otpauth://` address that opens the app with the secret filled in.
    pub url: String,
}

pub(crate) fn totp_aad(user: Uuid) -> Aad {
    Aad::from_parts(&[b"totp secret", user.as_bytes()])
}

/// The time step a six-digit code is for, now or one step either side (clocks drift).
pub(crate) fn totp_step(secret: &[u8], code: &str) -> Option<i64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != 6 || !code.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let totp = TOTP::new_unchecked(Algorithm::SHA1, 6, 0, 30, secret.to_vec(), None, String::new());
    let at = u64::try_from(system_now().as_second()).ok()?;
    [at.saturating_sub(30), at, at + 30]
        .into_iter()
        .find(|t| totp.check(&code, *t))
        .and_then(|t| i64::try_from(t / 30).ok())
}

impl Lodge {
    /// Finishes signing in with the code from her authenticator app. A wrong code counts
    /// towards back-off; after five the half-made session ends and she starts again.
    pub async fn second_factor(&self, token_text: &str, code: &str) -> Result<Session, ServiceError> {
        let token = Token::parse(token_text).ok_or(ServiceError::SessionEnded)?;
        let hash = token.lookup_hash();
        match self.store().session(&hash).await? {
            Some(row) if !row.pending_second_factor => return self.resume(token_text).await,
            _ => {}
        }
        let row = self.pending_session(token_text).await?;
        let attempts = [Attempt::SecondStep(row.user_id)];
        let tried = self.attempt(&attempts).await?;
        let user = self.store().user(row.user_id).await?.ok_or(ServiceError::SessionEnded)?;
        let key = unwrap_key(&token.wrapping_key(), &session_aad(user.id), &row.wrapped_user_key)
            .map_err(|_| ServiceError::SessionEnded)?;
        let Some(sealed) = &user.totp_secret else {
            return Err(ServiceError::invalid("code", "This account has no authenticator app: use your passkey."));
        };
        let secret = open(&key, &totp_aad(user.id), sealed)?;
        let Some(step) = totp_step(&secret, code) else {
            if tried >= 5 {
                self.store().delete_session(&hash).await?;
                return Err(ServiceError::SessionEnded);
            }
            return Err(ServiceError::invalid(
                "code",
                "That code is not right. Codes change every 30 seconds: type the one your app shows now.",
            ));
        };
        if !self.store().use_totp_step(user.id, step).await? {
            return Err(ServiceError::invalid("code", "That code was just used. Wait for the next one and type it."));
        }
        self.attempts_cleared(&attempts).await?;
        self.complete_second_factor(token_text).await
    }

    /// A new authenticator-app secret for her to add to her app; nothing changes until she
    /// confirms it with a code ([`Lodge::confirm_totp`]).
    pub fn start_totp(&self, session: &Session) -> Result<TotpSetup, ServiceError> {
        let mut secret = zeroize::Zeroizing::new(vec![0u8; 20]);
        lodge_crypto::random_bytes(&mut secret)?;
        let issuer = if session.neutral_title { "Notes" } else { "Lodge" };
        let totp = TOTP::new(Algorithm::SHA1, 6, 1, 30, secret.to_vec(), Some(issuer.into()), session.username.clone())
            .map_err(|e| ServiceError::Internal(e.to_string()))?;
        Ok(TotpSetup { secret: totp.get_secret_base32(), url: totp.get_url() })
    }

    /// Turns on two-step sign-in with the secret she added to her app, once she has typed
    /// her password and a code from it checks out (someone at her unlocked phone cannot lock
    /// her out of her own account).
    pub async fn confirm_totp(
        &self,
        session: &Session,
        password: Password,
        secret: &str,
        code: &str,
    ) -> Result<(), ServiceError> {
        self.check_current_password(session, password, "password").await?;
        let secret = zeroize::Zeroizing::new(
            totp_rs::Secret::Encoded(secret.trim().to_owned())
                .to_bytes()
                .map_err(|_| ServiceError::invalid("code", "Start setting up again: the key was changed."))?,
        );
        let Some(step) = totp_step(&secret, code) else {
            return Err(ServiceError::invalid(
                "code",
                "That code is not right. Check the app shows this account, and type the code it shows now.",
            ));
        };
        let sealed = seal(&session.key, &totp_aad(session.user_id.0), &secret)?;
        self.store().set_user_totp(session.user_id.0, Some(&sealed)).await?;
        self.store().use_totp_step(session.user_id.0, step).await?;
        tracing::info!("two-step sign-in turned on");
        Ok(())
    }

    /// Turns two-step sign-in off, with her password.
    pub async fn disable_totp(&self, session: &Session, password: Password) -> Result<(), ServiceError> {
        self.check_current_password(session, password, "password").await?;
        self.store().set_user_totp(session.user_id.0, None).await?;
        tracing::info!("two-step sign-in turned off");
        Ok(())
    }

    /// Whether two-step sign-in with an authenticator app is on for her.
    pub async fn totp_enabled(&self, session: &Session) -> Result<bool, ServiceError> {
        Ok(self.store().user(session.user_id.0).await?.is_some_and(|u| u.totp_secret.is_some()))
    }
}
