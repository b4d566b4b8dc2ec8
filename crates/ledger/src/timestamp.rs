//! Trusted time: RFC 3161 timestamp requests for a signed checkpoint, and reading the token a
//! timestamp authority (TSA) returns.
//!
//! The request carries only the SHA-256 of the checkpoint note and a random nonce, so the TSA
//! learns nothing about the case. Lodge checks that a token answers its request (the digest and
//! the nonce) and reads the time from it. The token's own CMS signature is the TSA's; whoever
//! relies on it checks it against the TSA's certificate with standard tools
//! (`openssl ts -verify -data checkpoint.txt -in checkpoint.tsr -CAfile tsa-ca.pem`).

use cmpv2::status::PkiStatus;
use cms::cert::x509::spki::AlgorithmIdentifier;
use der::asn1::{Int, OctetString};
use der::oid::ObjectIdentifier;
use der::{Decode, Encode};
use sha2::{Digest, Sha256};
use x509_tsp::{MessageImprint, TimeStampReq, TimeStampResp, TspVersion, TstInfo};

use crate::LedgerError;

const ID_SHA_256: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");
const ID_SIGNED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.2");
const ID_CT_TST_INFO: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.1.4");

/// The media types of RFC 3161 over HTTP.
pub const QUERY_MEDIA_TYPE: &str = "application/timestamp-query";
/// See [`QUERY_MEDIA_TYPE`].
pub const REPLY_MEDIA_TYPE: &str = "application/timestamp-reply";

fn malformed(what: &str, e: impl std::fmt::Display) -> LedgerError {
    LedgerError::Timestamp(format!("{what}: {e}"))
}

/// A timestamp request for some bytes, kept to check the reply against.
#[derive(Debug, Clone)]
pub struct TimestampRequest {
    /// The DER request to send.
    pub der: Vec<u8>,
    nonce: Vec<u8>,
    digest: [u8; 32],
}

/// What a timestamp token says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimestampInfo {
    /// When the TSA saw the digest, UTC, RFC 3339.
    pub time: String,
    /// The token's serial number, hex.
    pub serial: String,
}

/// A request for a timestamp over `data` (a checkpoint note).
pub fn request(data: &[u8]) -> Result<TimestampRequest, LedgerError> {
    let digest: [u8; 32] = Sha256::digest(data).into();
    let mut nonce = [0u8; 8];
    lodge_crypto::random_bytes(&mut nonce)?;
    // A positive INTEGER with no leading zero byte.
    nonce[0] = (nonce[0] & 0x7f) | 0x01;
    let req = TimeStampReq {
        version: TspVersion::V1,
        message_imprint: imprint(&digest)?,
        req_policy: None,
        nonce: Some(Int::new(&nonce).map_err(|e| malformed("nonce", e))?),
        cert_req: true,
        extensions: None,
    };
    let der = req.to_der().map_err(|e| malformed("request", e))?;
    Ok(TimestampRequest { der, nonce: nonce.to_vec(), digest })
}

fn imprint(digest: &[u8; 32]) -> Result<MessageImprint, LedgerError> {
    Ok(MessageImprint {
        hash_algorithm: AlgorithmIdentifier { oid: ID_SHA_256, parameters: Some(der::Any::from(der::asn1::Null)) },
        hashed_message: OctetString::new(digest.to_vec()).map_err(|e| malformed("digest", e))?,
    })
}

impl TimestampRequest {
    /// Checks a TSA's reply and returns the timestamp token (DER) it carries.
    pub fn accept(&self, reply: &[u8]) -> Result<Vec<u8>, LedgerError> {
        let response = TimeStampResp::from_der(reply).map_err(|e| malformed("reply", e))?;
        if !matches!(response.status.status, PkiStatus::Accepted | PkiStatus::GrantedWithMods) {
            return Err(LedgerError::Timestamp(format!("the authority refused: {:?}", response.status.status)));
        }
        let token = response.time_stamp_token.ok_or_else(|| LedgerError::Timestamp("the reply has no token".into()))?;
        let der = token.to_der().map_err(|e| malformed("token", e))?;
        let info = tst_info(&der)?;
        if info.message_imprint.hashed_message.as_bytes() != self.digest {
            return Err(LedgerError::Timestamp("the token is for other data".into()));
        }
        if info.nonce.as_ref().map(|n| n.as_bytes()) != Some(&self.nonce[..]) {
            return Err(LedgerError::Timestamp("the token does not answer this request".into()));
        }
        Ok(der)
    }
}

fn tst_info(token: &[u8]) -> Result<TstInfo, LedgerError> {
    let content = cms::content_info::ContentInfo::from_der(token).map_err(|e| malformed("token", e))?;
    if content.content_type != ID_SIGNED_DATA {
        return Err(LedgerError::Timestamp("the token is not CMS signed data".into()));
    }
    let signed: cms::signed_data::SignedData = content.content.decode_as().map_err(|e| malformed("token", e))?;
    let encap = signed.encap_content_info;
    if encap.econtent_type != ID_CT_TST_INFO {
        return Err(LedgerError::Timestamp("the token does not hold timestamp information".into()));
    }
    let inner = encap.econtent.ok_or_else(|| LedgerError::Timestamp("the token is empty".into()))?;
    let octets: OctetString = inner.decode_as().map_err(|e| malformed("token", e))?;
    let info = TstInfo::from_der(octets.as_bytes()).map_err(|e| malformed("token", e))?;
    if info.message_imprint.hash_algorithm.oid != ID_SHA_256 {
        return Err(LedgerError::Timestamp("the token uses a digest other than SHA-256".into()));
    }
    Ok(info)
}

/// Reads a timestamp token and checks that it is over `data`.
pub fn read(token: &[u8], data: &[u8]) -> Result<TimestampInfo, LedgerError> {
    let info = tst_info(token)?;
    if info.message_imprint.hashed_message.as_bytes() != Sha256::digest(data).as_slice() {
        return Err(LedgerError::Timestamp("the token is for other data".into()));
    }
    Ok(TimestampInfo {
        time: info.gen_time.to_date_time().to_string(),
        serial: crate::entry::hex(info.serial_number.as_bytes()),
    })
}
