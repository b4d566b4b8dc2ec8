//! Invitations: links that make one new account with a set role. Administrators invite
//! anyone and support workers invite survivors; an administrator sees the open ones, with who
//! each is for in her own words (sealed with a key derived from the server key, so the
//! database alone never shows it), and withdraws any of them.

use jiff::Timestamp;
use lodge_crypto::token::Token;
use lodge_crypto::{Aad, open, seal};
use lodge_domain::Role;
use lodge_store::InvitationRow;

use crate::{Lodge, ServiceError, Session};

/// An invitation not yet used, as its administrator sees it.
#[derive(Debug, Clone)]
pub struct Invitation {
    /// Names it in a withdraw request (the hash of its link's token, in hex: not the link).
    pub id: String,
    /// The role of the account it makes.
    pub role: Role,
    /// Who it is for, in the words of whoever made it ("" if none).
    pub label: String,
    /// When it was made.
    pub made_at: Timestamp,
    /// When it stops working.
    pub expires_at: Timestamp,
}

fn label_aad(token_hash: &[u8]) -> Aad {
    Aad::from_parts(&[b"invitation label", token_hash])
}

impl Lodge {
    /// Makes an invitation link token for a new account with `role`, labelled with who it is
    /// for. Administrators may invite anyone; support workers may invite survivors.
    pub async fn invite(&self, by: &Session, role: Role, label: &str) -> Result<Token, ServiceError> {
        let allowed = match by.role {
            Role::Administrator => true,
            Role::SupportWorker => role == Role::Survivor,
            Role::Survivor => false,
        };
        if !allowed {
            return Err(ServiceError::Forbidden);
        }
        let label = label.trim();
        if label.chars().count() > 200 {
            return Err(ServiceError::invalid("label", "Keep who it is for under 200 characters."));
        }
        let token = Token::generate()?;
        let token_hash = token.lookup_hash();
        let label = if label.is_empty() {
            None
        } else {
            Some(seal(&self.inner.invitations_key, &label_aad(&token_hash), label.as_bytes())?)
        };
        self.store()
            .create_invitation(&InvitationRow {
                token_hash,
                role: role.as_str().into(),
                created_by: Some(by.user_id.0),
                created_at: self.now(),
                expires_at: self.now() + self.config().invitation_lifetime,
                label,
            })
            .await?;
        Ok(token)
    }

    /// The invitations still open, newest first: for administrators.
    pub async fn invitations(&self, by: &Session) -> Result<Vec<Invitation>, ServiceError> {
        if by.role != Role::Administrator {
            return Err(ServiceError::Forbidden);
        }
        let rows = self.store().open_invitations(self.now()).await?;
        rows.into_iter()
            .map(|row| {
                let label = match &row.label {
                    Some(sealed) => {
                        let plain = open(&self.inner.invitations_key, &label_aad(&row.token_hash), sealed)?;
                        String::from_utf8_lossy(&plain).into_owned()
                    }
                    None => String::new(),
                };
                Ok(Invitation {
                    id: data_encoding::HEXLOWER.encode(&row.token_hash),
                    role: Role::parse(&row.role).ok_or_else(|| ServiceError::Internal("unknown role stored".into()))?,
                    label,
                    made_at: row.created_at,
                    expires_at: row.expires_at,
                })
            })
            .collect()
    }

    /// Withdraws an open invitation: its link stops working at once.
    pub async fn withdraw_invitation(&self, by: &Session, id: &str) -> Result<(), ServiceError> {
        if by.role != Role::Administrator {
            return Err(ServiceError::Forbidden);
        }
        let hash = data_encoding::HEXLOWER.decode(id.as_bytes()).map_err(|_| ServiceError::NotFound)?;
        if self.store().withdraw_invitation(&hash).await? { Ok(()) } else { Err(ServiceError::NotFound) }
    }
}
