//! Your Voice: anonymous feedback for the organisation. A response keeps no account, no
//! address and no time of day, only the day it arrived.
//!
//! What it says is sealed to the staff's public key: a key pair derived from a random key that
//! only staff accounts hold, each a copy sealed to its own public key. The server cannot read a
//! response, and neither can a copy of the data directory with the server key in it. The key
//! is made the first time it is needed (by a response, or a member of staff reading); staff who
//! lack it receive it when one who holds it reads Your Voice; an account switched off loses it.
//! Responses from before were sealed under a key derived from the server key: the first read
//! by a member of staff who holds the key seals them again to the staff's key.

use lodge_crypto::{Aad, Key, KeyPair, PublicKey, open};
use lodge_domain::{Feedback, Role};
use lodge_store::FeedbackRow;
use uuid::Uuid;

use crate::{Lodge, ServiceError, Session, internal};

/// The setting that holds the staff's public key for Your Voice (hex).
const PUBLIC_KEY_SETTING: &str = "your_voice_public_key";
/// What the staff's key pair is derived from the staff's key for.
const KEY_PAIR_PURPOSE: &str = "your voice key pair";

/// One response as staff read it.
#[derive(Debug, Clone)]
pub struct FeedbackEntry {
    /// The day it arrived, `YYYY-MM-DD`.
    pub received_on: String,
    /// What it says.
    pub feedback: Feedback,
}

fn feedback_aad(id: Uuid) -> Aad {
    Aad::from_parts(&[b"your voice", id.as_bytes()])
}

fn staff_key_aad(user: Uuid) -> Aad {
    Aad::from_parts(&[b"your voice key, for a staff account", user.as_bytes()])
}

impl Lodge {
    /// Keeps a response from the public form, sent from client `address` (counted, under a
    /// keyed hash, so that one sender cannot flood it; never kept with the response).
    pub async fn submit_feedback(&self, feedback: &Feedback, address: Option<&str>) -> Result<(), ServiceError> {
        let problems = feedback.check();
        if !problems.is_empty() {
            return Err(ServiceError::Invalid(problems));
        }
        if let Some(address) = address {
            self.attempt(&[crate::limits::Attempt::Voice(address)]).await?;
        }
        let public = match self.voice_public_key().await? {
            Some(public) => public,
            None => match self.start_voice_key(None).await? {
                Some(pair) => pair.public().clone(),
                // Made meanwhile by another request.
                None => self.voice_public_key().await?.ok_or(ServiceError::Internal("no Your Voice key".into()))?,
            },
        };
        let id = Uuid::new_v4();
        let plain = zeroize::Zeroizing::new(serde_json::to_vec(feedback).map_err(internal)?);
        let row = FeedbackRow {
            id,
            received_on: self.now().to_zoned(jiff::tz::TimeZone::UTC).date().to_string(),
            body: public.seal(&feedback_aad(id), &plain)?,
        };
        self.store().add_feedback(&row).await?;
        Ok(())
    }

    /// Every response, newest day first, for staff; `None` while this account does not hold
    /// the staff's key yet (it receives it when a member of staff who holds it reads them).
    pub async fn feedback(&self, by: &Session) -> Result<Option<Vec<FeedbackEntry>>, ServiceError> {
        if by.role == Role::Survivor {
            return Err(ServiceError::Forbidden);
        }
        let Some(pair) = self.voice_key_pair(by).await? else { return Ok(None) };
        let mut entries = Vec::new();
        let mut sealed_again = false;
        for row in self.store().feedback().await? {
            let aad = feedback_aad(row.id);
            let plain = match pair.open(&aad, &row.body) {
                Ok(plain) => plain,
                Err(_) => {
                    // Sealed the old way, under the server's key: seal it to the staff instead.
                    let plain = open(&self.inner.feedback_key, &aad, &row.body)?;
                    self.store().update_feedback(row.id, &pair.public().seal(&aad, &plain)?).await?;
                    sealed_again = true;
                    plain
                }
            };
            let feedback = serde_json::from_slice(&plain).map_err(internal)?;
            entries.push(FeedbackEntry { received_on: row.received_on, feedback });
        }
        if sealed_again {
            tracing::info!("Your Voice responses sealed under the server key were sealed to the staff's key");
            if let Err(e) = self.store().reclaim().await {
                tracing::warn!(error = %e, "could not yet reclaim the space of responses sealed again");
            }
        }
        Ok(Some(entries))
    }

    async fn voice_public_key(&self) -> Result<Option<PublicKey>, ServiceError> {
        let Some(hex) = self.store().setting(PUBLIC_KEY_SETTING).await? else { return Ok(None) };
        let bytes = data_encoding::HEXLOWER.decode(hex.as_bytes()).map_err(internal)?;
        Ok(Some(PublicKey::from_bytes(&bytes)?))
    }

    /// The staff's key pair as this member of staff holds it, handing the key on to staff who
    /// lack it; made now if there is none yet.
    async fn voice_key_pair(&self, by: &Session) -> Result<Option<KeyPair>, ServiceError> {
        let mut sealed = self.store().voice_key(by.user_id.0).await?;
        if sealed.is_none() && self.voice_public_key().await?.is_none() {
            if let Some(pair) = self.start_voice_key(Some(by)).await? {
                return Ok(Some(pair));
            }
            // Made meanwhile by another request, perhaps sealed to this account too.
            sealed = self.store().voice_key(by.user_id.0).await?;
        }
        let Some(sealed) = sealed else { return Ok(None) };
        let key = by.key_pair().open_key(&staff_key_aad(by.user_id.0), &sealed)?;
        for (user, public) in self.store().staff_without_voice_key().await? {
            let sealed = PublicKey::from_bytes(&public)?.seal_key(&staff_key_aad(user), &key)?;
            self.store().add_voice_key(user, &sealed).await?;
        }
        Ok(Some(KeyPair::derive(&key, KEY_PAIR_PURPOSE)))
    }

    /// Makes the staff's key, sealed to every member of staff who has signed in (and `by`).
    /// `None` if another request made it first.
    async fn start_voice_key(&self, by: Option<&Session>) -> Result<Option<KeyPair>, ServiceError> {
        let key = Key::generate()?;
        let mut holders = Vec::new();
        for (user, public) in self.store().staff_without_voice_key().await? {
            holders.push((user, PublicKey::from_bytes(&public)?.seal_key(&staff_key_aad(user), &key)?));
        }
        if let Some(by) = by.filter(|by| !holders.iter().any(|(user, _)| *user == by.user_id.0)) {
            holders.push((by.user_id.0, by.key_pair().public().seal_key(&staff_key_aad(by.user_id.0), &key)?));
        }
        if holders.is_empty() {
            return Err(ServiceError::invalid(
                "message",
                "Your Voice is not open yet: nobody at the organisation has signed in to receive it. Please try again in a few days.",
            ));
        }
        let pair = KeyPair::derive(&key, KEY_PAIR_PURPOSE);
        let public = data_encoding::HEXLOWER.encode(&pair.public().to_bytes());
        if !self.store().start_voice_key(PUBLIC_KEY_SETTING, &public, &holders).await? {
            return Ok(None);
        }
        tracing::info!(holders = holders.len(), "Your Voice's staff key was made");
        Ok(Some(pair))
    }
}
