//! Bearer secrets handed to a browser or client: session tokens and one-time invitation
//! tokens.
//!
//! The server stores only a hash of a token (to find its row) and, for sessions, the account
//! key wrapped under a key derived from the token. A stolen session row is therefore useless
//! without the cookie, and any node holding the database can serve the session.

use std::fmt;

use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::{CryptoError, Key, random_bytes};

/// A random 256-bit token as sent to a client (cookie, bearer token or link).
#[derive(Zeroize, ZeroizeOnDrop)]
pub struct Token([u8; 32]);

impl Token {
    /// A fresh random token.
    pub fn generate() -> Result<Token, CryptoError> {
        let mut bytes = [0u8; 32];
        random_bytes(&mut bytes)?;
        Ok(Token(bytes))
    }

    /// Reads a token from its text form; `None` if it is not one.
    pub fn parse(text: &str) -> Option<Token> {
        let mut decoded = data_encoding::BASE64URL_NOPAD.decode(text.as_bytes()).ok()?;
        let bytes: Option<[u8; 32]> = decoded.as_slice().try_into().ok();
        decoded.zeroize();
        bytes.map(Token)
    }

    /// The text form sent to the client (URL-safe base64).
    pub fn to_text(&self) -> String {
        data_encoding::BASE64URL_NOPAD.encode(&self.0)
    }

    /// The hash stored server-side to find this token's row.
    pub fn lookup_hash(&self) -> Vec<u8> {
        let mut input = b"lodge/token-lookup/v1".to_vec();
        input.extend_from_slice(&self.0);
        let hash = crate::sha256(&input).to_vec();
        input.zeroize();
        hash
    }

    /// The key that wraps what the server keeps for this token (the account key of a session).
    pub fn wrapping_key(&self) -> Key {
        Key::derive(&self.0, "session wrapping key")
    }

    /// A value derived from the token for use as a form's anti-forgery token.
    pub fn form_token(&self) -> String {
        let mut input = b"lodge/form-token/v1".to_vec();
        input.extend_from_slice(&self.0);
        let hash = crate::sha256(&input);
        input.zeroize();
        data_encoding::BASE64URL_NOPAD.encode(&hash[..18])
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(<redacted>)")
    }
}

/// Compares two byte strings in time independent of where they differ.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_round_trip() {
        let t = Token::generate().unwrap();
        let back = Token::parse(&t.to_text()).unwrap();
        assert_eq!(t.lookup_hash(), back.lookup_hash());
        assert!(Token::parse("not a token").is_none());
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
    }
}
