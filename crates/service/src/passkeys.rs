//! Passkeys (WebAuthn, through `webauthn-rs`): as a second factor after her password, or to
//! sign in without a password on the device that registered one.
//!
//! Signing in without a password still needs her account key, which only her password or
//! recovery key unwrap. So a passkey registered "for signing in" also gets a device key: a
//! random key kept only by that browser (a cookie limited to the sign-in address), under which
//! the account key is wrapped. The database alone opens nothing; the device alone (without
//! the passkey, which needs her fingerprint, face or PIN) opens nothing either. Quick exit
//! clears the device key with everything else, and she signs in with her password next time.

use jiff::{SignedDuration, Timestamp};
use lodge_crypto::password::Password;
use lodge_crypto::token::Token;
use lodge_crypto::{Aad, unwrap_key, wrap_key};
use lodge_store::{PasskeyRow, WebauthnStateRow};
use uuid::Uuid;
use webauthn_rs::prelude::{
    Passkey, PasskeyAuthentication, PasskeyRegistration, PublicKeyCredential, RegisterPublicKeyCredential, Url,
};
use webauthn_rs::{Webauthn, WebauthnBuilder};

use crate::limits::Attempt;
use crate::{Lodge, ServiceError, Session};

/// How long a ceremony may take.
const CEREMONY: SignedDuration = SignedDuration::from_mins(5);

/// A passkey in her list.
#[derive(Debug, Clone)]
pub struct PasskeySummary {
    /// The passkey.
    pub id: Uuid,
    /// The name she gave it.
    pub name: String,
    /// When it was added.
    pub created_at: Timestamp,
    /// When it was last used.
    pub last_used_at: Option<Timestamp>,
    /// Whether it signs in without a password (on the device that added it).
    pub signs_in: bool,
}

/// A WebAuthn ceremony to hand to the browser: its id, and the options for
/// `navigator.credentials.create` or `get`.
#[derive(Debug, Clone)]
pub struct Ceremony {
    /// The ceremony, to send back with the answer.
    pub id: Uuid,
    /// The options, as JSON.
    pub options: serde_json::Value,
}

/// The relying party for the address Lodge is reached at, if passkeys can work there (a
/// name, not a bare IP address; `localhost` with any port, for trying it out).
pub(crate) fn relying_party(public_url: &str) -> Option<Webauthn> {
    let url = Url::parse(public_url).ok()?;
    let host = url.domain()?.to_owned();
    let builder = WebauthnBuilder::new(&host, &url).ok()?.rp_name(&host);
    builder.allow_any_port(host == "localhost").build().ok()
}

fn device_aad(passkey: Uuid) -> Aad {
    Aad::from_parts(&[b"account key by passkey device key", passkey.as_bytes()])
}

fn answer_problem() -> ServiceError {
    ServiceError::invalid("passkey", "The passkey did not answer as expected. Try again, or use your password.")
}

fn json<T: serde::Serialize>(value: &T) -> Result<String, ServiceError> {
    serde_json::to_string(value).map_err(|e| ServiceError::Internal(e.to_string()))
}

impl Lodge {
    fn webauthn(&self) -> Result<&Webauthn, ServiceError> {
        self.inner.webauthn.as_ref().ok_or_else(|| {
            ServiceError::invalid(
                "passkey",
                "Passkeys need Lodge to be reached by its name. Ask your administrator to set public_url.",
            )
        })
    }

    /// Whether passkeys can be used at this address.
    pub fn passkeys_available(&self) -> bool {
        self.inner.webauthn.is_some()
    }

    async fn begin(
        &self,
        user: Option<Uuid>,
        purpose: &str,
        state: String,
        options: serde_json::Value,
    ) -> Result<Ceremony, ServiceError> {
        let id = Uuid::new_v4();
        let row =
            WebauthnStateRow { id, user_id: user, purpose: purpose.into(), state, expires_at: self.now() + CEREMONY };
        self.store().put_webauthn_state(&row).await?;
        Ok(Ceremony { id, options })
    }

    async fn take<T: serde::de::DeserializeOwned>(
        &self,
        id: Uuid,
        purpose: &str,
    ) -> Result<(Option<Uuid>, T), ServiceError> {
        let row = self
            .store()
            .take_webauthn_state(id, purpose, self.now())
            .await?
            .ok_or_else(|| ServiceError::invalid("passkey", "That took too long. Start again."))?;
        let state = serde_json::from_str(&row.state).map_err(|e| ServiceError::Internal(e.to_string()))?;
        Ok((row.user_id, state))
    }

    fn stored(row: &PasskeyRow) -> Result<Passkey, ServiceError> {
        serde_json::from_str(&row.passkey).map_err(|e| ServiceError::Internal(e.to_string()))
    }

    /// Starts adding a passkey to her account, once she has typed her password.
    pub async fn start_passkey_registration(
        &self,
        session: &Session,
        password: Password,
    ) -> Result<Ceremony, ServiceError> {
        self.check_current_password(session, password, "passkey_password").await?;
        let existing = self.store().passkeys(session.user_id.0).await?;
        let exclude =
            existing.iter().map(Self::stored).map(|p| p.map(|p| p.cred_id().clone())).collect::<Result<Vec<_>, _>>()?;
        let (options, state): (_, PasskeyRegistration) = self
            .webauthn()?
            .start_passkey_registration(session.user_id.0, &session.username, &session.username, Some(exclude))
            .map_err(|e| ServiceError::Internal(e.to_string()))?;
        let options = serde_json::to_value(options).map_err(|e| ServiceError::Internal(e.to_string()))?;
        self.begin(Some(session.user_id.0), "register", json(&state)?, options).await
    }

    /// Finishes adding a passkey with the browser's answer. When it is to sign in without a
    /// password, returns the device key for this browser to keep.
    pub async fn finish_passkey_registration(
        &self,
        session: &Session,
        ceremony: Uuid,
        answer: serde_json::Value,
        name: &str,
        signs_in: bool,
    ) -> Result<Option<Token>, ServiceError> {
        let (user, state): (Option<Uuid>, PasskeyRegistration) = self.take(ceremony, "register").await?;
        if user != Some(session.user_id.0) {
            return Err(answer_problem());
        }
        let answer: RegisterPublicKeyCredential = serde_json::from_value(answer).map_err(|_| answer_problem())?;
        let passkey = self.webauthn()?.finish_passkey_registration(&answer, &state).map_err(|e| {
            tracing::info!(error = %e, "a passkey registration was refused");
            answer_problem()
        })?;
        let id = Uuid::new_v4();
        let device = if signs_in { Some(Token::generate()?) } else { None };
        let wrapped_key = match &device {
            Some(token) => Some(wrap_key(&token.wrapping_key(), &device_aad(id), &session.key)?),
            None => None,
        };
        let name = name.trim();
        let row = PasskeyRow {
            id,
            user_id: session.user_id.0,
            credential_id: passkey.cred_id().to_vec(),
            name: if name.is_empty() { "Passkey".into() } else { name.chars().take(100).collect() },
            passkey: json(&passkey)?,
            wrapped_key,
            created_at: self.now(),
            last_used_at: None,
        };
        self.store().add_passkey(&row).await?;
        tracing::info!("a passkey was added");
        Ok(device)
    }

    /// Her passkeys.
    pub async fn passkeys_of(&self, session: &Session) -> Result<Vec<PasskeySummary>, ServiceError> {
        Ok(self
            .store()
            .passkeys(session.user_id.0)
            .await?
            .into_iter()
            .map(|r| PasskeySummary {
                id: r.id,
                name: r.name,
                created_at: r.created_at,
                last_used_at: r.last_used_at,
                signs_in: r.wrapped_key.is_some(),
            })
            .collect())
    }

    /// Removes one of her passkeys, once she has typed her password.
    pub async fn remove_passkey(&self, session: &Session, id: Uuid, password: Password) -> Result<(), ServiceError> {
        self.check_current_password(session, password, "passkey_password").await?;
        if self.store().remove_passkey(session.user_id.0, id).await? { Ok(()) } else { Err(ServiceError::NotFound) }
    }

    async fn authentication(&self, user: Uuid, purpose: &str) -> Result<Ceremony, ServiceError> {
        let rows = self.store().passkeys(user).await?;
        self.authentication_with(user, &rows, purpose).await
    }

    async fn authentication_with(
        &self,
        user: Uuid,
        rows: &[PasskeyRow],
        purpose: &str,
    ) -> Result<Ceremony, ServiceError> {
        let passkeys = rows.iter().map(Self::stored).collect::<Result<Vec<_>, _>>()?;
        if passkeys.is_empty() {
            return Err(ServiceError::invalid("passkey", "There is no passkey for this account. Use your password."));
        }
        let (options, state): (_, PasskeyAuthentication) = self
            .webauthn()?
            .start_passkey_authentication(&passkeys)
            .map_err(|e| ServiceError::Internal(e.to_string()))?;
        let options = serde_json::to_value(options).map_err(|e| ServiceError::Internal(e.to_string()))?;
        self.begin(Some(user), purpose, json(&state)?, options).await
    }

    /// Checks the browser's answer to an authentication ceremony; returns the passkey used.
    async fn verify(
        &self,
        ceremony: Uuid,
        purpose: &str,
        answer: serde_json::Value,
    ) -> Result<PasskeyRow, ServiceError> {
        // A sign-in ceremony that is not known (one that took too long) or names no account (a
        // decoy) fails as a wrong passkey does, after the same checks, so that neither its answer
        // nor its time tells anything.
        let taken = self.take(ceremony, purpose).await;
        let (user, state): (Option<Uuid>, PasskeyAuthentication) =
            if purpose == "sign_in" { taken.map_err(|_| answer_problem())? } else { taken? };
        let answer: PublicKeyCredential = serde_json::from_value(answer).map_err(|_| answer_problem())?;
        let result = self.webauthn()?.finish_passkey_authentication(&answer, &state).map_err(|e| {
            tracing::info!(error = %e, "a passkey answer was refused");
            answer_problem()
        })?;
        let user = user.ok_or_else(answer_problem)?;
        let mut row = self
            .store()
            .passkeys(user)
            .await?
            .into_iter()
            .find(|r| r.credential_id.as_slice() == result.cred_id().as_slice())
            .ok_or_else(answer_problem)?;
        let mut passkey = Self::stored(&row)?;
        passkey.update_credential(&result);
        row.passkey = json(&passkey)?;
        self.store().passkey_used(row.id, &row.passkey, self.now()).await?;
        Ok(row)
    }

    /// Starts signing in with a passkey instead of a password.
    pub async fn start_passkey_sign_in(&self, username: &str, address: Option<&str>) -> Result<Ceremony, ServiceError> {
        self.answered_alike(self.passkey_sign_in_ceremony(username, address)).await
    }

    async fn passkey_sign_in_ceremony(&self, username: &str, address: Option<&str>) -> Result<Ceremony, ServiceError> {
        let mut attempts = vec![Attempt::Account(username)];
        attempts.extend(address.map(Attempt::Address));
        self.attempt(&attempts).await?;
        // The same reads whether or not the name exists, so that the time taken does not say.
        let user = self.store().user_by_username(username.trim()).await?;
        let rows = self.store().passkeys(user.as_ref().map_or(Uuid::nil(), |u| u.id)).await?;
        match user {
            Some(user) if !rows.is_empty() => self.authentication_with(user.id, &rows, "sign_in").await,
            _ => self.decoy_sign_in(username).await,
        }
    }

    /// For a name with no passkey (or no account), a ceremony shaped like a real one and kept as
    /// a real one is, naming a credential made up from the name (the same each time), which no
    /// device holds: neither the answer nor its time says whether the name exists or has a
    /// passkey. Finishing it fails as a wrong passkey does.
    async fn decoy_sign_in(&self, username: &str) -> Result<Ceremony, ServiceError> {
        // Real options for no credential (the library takes an empty list with a policy set),
        // then one made-up credential in the list.
        let (options, state) =
            self.webauthn()?.start_passkey_authentication(&[]).map_err(|e| ServiceError::Internal(e.to_string()))?;
        let mut options = serde_json::to_value(options).map_err(|e| ServiceError::Internal(e.to_string()))?;
        let made_up = self.inner.limits_key.tag(format!("passkey decoy:{}", username.trim().to_lowercase()).as_bytes());
        options["publicKey"]["allowCredentials"] =
            serde_json::json!([{ "type": "public-key", "id": data_encoding::BASE64URL_NOPAD.encode(&made_up) }]);
        self.begin(None, "sign_in", json(&state)?, options).await
    }

    /// Finishes signing in with a passkey, on the device that keeps its device key.
    pub async fn finish_passkey_sign_in(
        &self,
        ceremony: Uuid,
        answer: serde_json::Value,
        device_key: Option<&str>,
        device: &str,
    ) -> Result<(Token, Session), ServiceError> {
        let row = self.verify(ceremony, "sign_in", answer).await?;
        let not_here = || {
            ServiceError::invalid(
                "passkey",
                "This passkey cannot sign in on this device without your password. Sign in with your password; the passkey then works as your second step.",
            )
        };
        let (Some(wrapped), Some(device_key)) = (&row.wrapped_key, device_key.and_then(Token::parse)) else {
            return Err(not_here());
        };
        let account_key =
            unwrap_key(&device_key.wrapping_key(), &device_aad(row.id), wrapped).map_err(|_| not_here())?;
        let user = self.store().user(row.user_id).await?.ok_or(ServiceError::SignInFailed)?;
        if user.disabled {
            return Err(ServiceError::AccountDisabled);
        }
        self.attempts_cleared(&[Attempt::Account(&user.username)]).await?;
        self.start_session(&user, account_key, device, false).await
    }

    /// Starts the passkey step of a sign-in that is waiting for its second factor.
    pub async fn start_passkey_second_factor(&self, token_text: &str) -> Result<Ceremony, ServiceError> {
        let row = self.pending_session(token_text).await?;
        self.authentication(row.user_id, "second_factor").await
    }

    /// Finishes the passkey step of a sign-in waiting for its second factor.
    pub async fn finish_passkey_second_factor(
        &self,
        token_text: &str,
        ceremony: Uuid,
        answer: serde_json::Value,
    ) -> Result<Session, ServiceError> {
        let session = self.pending_session(token_text).await?;
        let passkey = self.verify(ceremony, "second_factor", answer).await?;
        if passkey.user_id != session.user_id {
            return Err(answer_problem());
        }
        self.complete_second_factor(token_text).await
    }
}
