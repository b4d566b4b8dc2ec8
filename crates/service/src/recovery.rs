//! Her recovery key: the one other way into her account besides her password. It works once:
//! using it sets a new password and issues a new key (shown once), ends every session and
//! turns every second factor off, since whoever holds it holds the account. She can replace it
//! from her account page with her password, and the old one then opens nothing.

use lodge_crypto::password::Password;
use lodge_crypto::{RecoveryKey, unwrap_key, wrap_key};
use lodge_store::UserRow;

use crate::accounts::{check_password, recovery_aad};
use crate::limits::Attempt;
use crate::{Lodge, ServiceError, Session};

impl Lodge {
    /// Sets a new password using the recovery key, and returns the new recovery key that
    /// replaces it. Every session of the account ends; her authenticator app and passkeys are
    /// turned off, so a lost phone does not lock her out, and she sets them up again. Every
    /// answer takes the same least time.
    pub async fn recover(
        &self,
        username: &str,
        recovery_text: &str,
        new: Password,
    ) -> Result<RecoveryKey, ServiceError> {
        self.answered_alike(self.recover_with_key(username, recovery_text, new)).await
    }

    async fn recover_with_key(
        &self,
        username: &str,
        recovery_text: &str,
        new: Password,
    ) -> Result<RecoveryKey, ServiceError> {
        check_password(&new)?;
        let recovery = RecoveryKey::parse(recovery_text).map_err(|_| {
            ServiceError::invalid(
                "recovery_key",
                "That does not look like a recovery key. It has 13 groups of 4 letters and numbers.",
            )
        })?;
        let wrong = || ServiceError::invalid("recovery_key", "That username and recovery key do not match.");
        let attempts = [Attempt::Recovery(username)];
        self.attempt(&attempts).await?;
        let mut user = self.store().user_by_username(username.trim()).await?.ok_or_else(wrong)?;
        let account_key =
            unwrap_key(&recovery.kek(), &recovery_aad(user.id), &user.key_by_recovery).map_err(|_| wrong())?;
        let fresh = RecoveryKey::generate()?;
        user.key_by_recovery = wrap_key(&fresh.kek(), &recovery_aad(user.id), &account_key)?;
        self.rewrap_password(&mut user, &account_key, new).await?;
        self.store().delete_user_sessions(user.id, None).await?;
        self.second_factors_off(&user).await?;
        self.attempts_cleared(&attempts).await?;
        tracing::info!("password reset with a recovery key; a new recovery key was issued");
        Ok(fresh)
    }

    /// Replaces her recovery key, once she has typed her password; the old one opens nothing
    /// from then on. Returns the new one, to be shown once.
    pub async fn replace_recovery_key(
        &self,
        session: &Session,
        password: Password,
    ) -> Result<RecoveryKey, ServiceError> {
        let mut user = self.check_current_password(session, password, "recovery_password").await?;
        let fresh = RecoveryKey::generate()?;
        user.key_by_recovery = wrap_key(&fresh.kek(), &recovery_aad(user.id), &session.key)?;
        self.store().update_user_keys(&user).await?;
        tracing::info!("a recovery key was replaced");
        Ok(fresh)
    }

    async fn second_factors_off(&self, user: &UserRow) -> Result<(), ServiceError> {
        self.store().set_user_totp(user.id, None).await?;
        for passkey in self.store().passkeys(user.id).await? {
            self.store().remove_passkey(user.id, passkey.id).await?;
        }
        Ok(())
    }
}
