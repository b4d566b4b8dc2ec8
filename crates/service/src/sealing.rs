//! Sealing domain records, one version at a time.
//!
//! A record version is sealed as a whole (format 2): every field's exact JSON text, with a
//! salt, in one [`RecordBody`], under one AEAD whose associated data names the case, the
//! record's kind and id, and the version. Nothing can be removed from, added to or moved
//! between versions without the case's keys, and the body's digest is what the version's log
//! entry holds, so [`crate::integrity`] can check what is read against the log.
//!
//! Versions written before format 2 sealed each field on its own (a JSON map of field name to
//! sealed value, bound to kind, id, field and version). They still open, are checked against the
//! SHA-256 of their JSON that their log entry holds, and are sealed in format 2 when next edited.
//! Either way a value sealed to the case's public key is refused: only inbox submissions may be.

use std::collections::BTreeMap;

use lodge_crypto::{Aad, Keyring};
use lodge_ledger::RecordBody;
use serde::Serialize;
use serde::de::DeserializeOwned;
use uuid::Uuid;
use zeroize::Zeroizing;

use crate::{ServiceError, internal};

/// The first byte of a record version sealed as a whole.
const WHOLE: u8 = 2;
/// The first byte of a record version sealed field by field (a JSON object).
const FIELD_BY_FIELD: u8 = b'{';

/// Where a record version belongs; bound into what seals it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Place<'a> {
    pub case: Uuid,
    pub kind: &'a str,
    pub id: Uuid,
    pub version: i64,
}

impl Place<'_> {
    fn aad(&self) -> Aad {
        Aad::from_parts(&[
            b"record v2",
            self.case.as_bytes(),
            self.kind.as_bytes(),
            self.id.as_bytes(),
            &self.version.to_be_bytes(),
        ])
    }
}

/// A sealed record version and the digest its log entry holds.
#[derive(Debug)]
pub(crate) struct Sealed {
    pub bytes: Vec<u8>,
    pub digest: String,
    /// The SHA-256 of the file the record describes, when it describes one (its `sha256`).
    pub file_sha256: Option<String>,
}

/// What a version's log entry must say for the version as it was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Commitment {
    /// Sealed as a whole: the entry's `record_digest`.
    Whole(String),
    /// Sealed field by field, before record digests: the entry's `sha256` (the SHA-256 of the
    /// record's JSON, or for a file the file's SHA-256).
    FieldByField(String),
}

/// A record version opened, and what its log entry must say.
#[derive(Debug)]
pub(crate) struct Opened<T> {
    pub value: T,
    pub commitment: Commitment,
}

/// Seals `value` as version `place.version` of a record, under the newest generation of the
/// case's keys.
pub(crate) fn seal_record<T: Serialize>(keys: &Keyring, place: Place<'_>, value: &T) -> Result<Sealed, ServiceError> {
    let serde_json::Value::Object(fields) = serde_json::to_value(value).map_err(internal)? else {
        return Err(ServiceError::Internal("a record must serialise to an object".into()));
    };
    let file_sha256 = fields.get("sha256").and_then(|v| v.as_str()).map(str::to_owned);
    let fields: BTreeMap<String, String> = fields
        .into_iter()
        .map(|(name, value)| Ok((name, serde_json::to_string(&value).map_err(internal)?)))
        .collect::<Result<_, ServiceError>>()?;
    let body = RecordBody::new(fields).map_err(ledger)?;
    let digest = body.digest().map_err(ledger)?;
    let plain = Zeroizing::new(serde_json::to_vec(&body).map_err(internal)?);
    let mut bytes = vec![WHOLE];
    bytes.extend_from_slice(&keys.seal(&place.aad(), &plain)?);
    Ok(Sealed { bytes, digest, file_sha256 })
}

/// Opens a record version sealed by [`seal_record`], or field by field before it.
pub(crate) fn open_record<T: DeserializeOwned>(
    keys: &Keyring,
    place: Place<'_>,
    sealed: &[u8],
) -> Result<Opened<T>, ServiceError> {
    match sealed.first() {
        Some(&WHOLE) => {
            let body = open_body(keys, place, sealed)?.ok_or_else(|| internal("a record is not sealed as a whole"))?;
            let digest = body.digest().map_err(ledger)?;
            Ok(Opened { value: value_of(&body)?, commitment: Commitment::Whole(digest) })
        }
        Some(&FIELD_BY_FIELD) => open_field_by_field(keys, place, sealed),
        _ => Err(ServiceError::Internal("a record is in no format Lodge writes".into())),
    }
}

/// Whether a stored record version, or any field of one, is sealed to the case's public key;
/// needs no key.
pub(crate) fn sealed_to_public_key(sealed: &[u8]) -> bool {
    match sealed.split_first() {
        Some((&WHOLE, rest)) => Keyring::is_sealed_to_public_key(rest),
        Some((&FIELD_BY_FIELD, _)) => serde_json::from_slice::<BTreeMap<String, String>>(sealed).is_ok_and(|fields| {
            fields
                .values()
                .any(|v| data_encoding::BASE64.decode(v.as_bytes()).is_ok_and(|b| Keyring::is_sealed_to_public_key(&b)))
        }),
        _ => false,
    }
}

/// The body of a version sealed as a whole, for proving some of its fields in a bundle;
/// `None` for a version sealed field by field.
pub(crate) fn open_body(keys: &Keyring, place: Place<'_>, sealed: &[u8]) -> Result<Option<RecordBody>, ServiceError> {
    let Some((&WHOLE, rest)) = sealed.split_first() else { return Ok(None) };
    let plain = keys.open(&place.aad(), rest)?;
    serde_json::from_slice(&plain).map(Some).map_err(internal)
}

/// The record a body holds, read in one pass from its fields' exact JSON.
fn value_of<T: DeserializeOwned>(body: &RecordBody) -> Result<T, ServiceError> {
    let mut text = Zeroizing::new(String::with_capacity(body.fields.values().map(|v| v.len() + 24).sum::<usize>() + 2));
    text.push('{');
    for (n, (name, json)) in body.fields.iter().enumerate() {
        if n > 0 {
            text.push(',');
        }
        text.push_str(&serde_json::to_string(name).map_err(internal)?);
        text.push(':');
        text.push_str(json);
    }
    text.push('}');
    serde_json::from_str(&text).map_err(internal)
}

fn open_field_by_field<T: DeserializeOwned>(
    keys: &Keyring,
    place: Place<'_>,
    sealed: &[u8],
) -> Result<Opened<T>, ServiceError> {
    let sealed: BTreeMap<String, String> = serde_json::from_slice(sealed).map_err(internal)?;
    let id = place.id.to_string();
    let mut fields = serde_json::Map::new();
    for (name, ct) in sealed {
        let ct = data_encoding::BASE64.decode(ct.as_bytes()).map_err(internal)?;
        let plain = keys.open(&Aad::field(place.kind, &id, &name, place.version), &ct)?;
        fields.insert(name, serde_json::from_slice(&plain).map_err(internal)?);
    }
    let value = serde_json::Value::Object(fields);
    // What the entry held: a file's own SHA-256, or the SHA-256 of the record's JSON.
    let digest = match value.get("sha256").and_then(|v| v.as_str()) {
        Some(file) => file.to_owned(),
        None => {
            let bytes = Zeroizing::new(serde_json::to_vec(&value).map_err(internal)?);
            data_encoding::HEXLOWER.encode(&lodge_crypto::sha256(&bytes))
        }
    };
    Ok(Opened { value: serde_json::from_value(value).map_err(internal)?, commitment: Commitment::FieldByField(digest) })
}

fn ledger(e: lodge_ledger::LedgerError) -> ServiceError {
    ServiceError::Internal(e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use lodge_domain::Case;

    fn place(version: i64) -> Place<'static> {
        Place { case: Uuid::from_u128(1), kind: "case", id: Uuid::from_u128(2), version }
    }

    #[test]
    fn a_version_is_bound_to_its_place() {
        let key = Keyring::generate().unwrap();
        let case = Case { title: "messages from @wolf".into() };
        let sealed = seal_record(&key, place(1), &case).unwrap();
        assert!(!String::from_utf8_lossy(&sealed.bytes).contains("wolf"));
        let back: Opened<Case> = open_record(&key, place(1), &sealed.bytes).unwrap();
        assert_eq!(back.value, case);
        assert_eq!(back.commitment, Commitment::Whole(sealed.digest));
        assert!(open_record::<Case>(&key, place(2), &sealed.bytes).is_err());
        for other in [
            Place { case: Uuid::from_u128(9), ..place(1) },
            Place { kind: "person", ..place(1) },
            Place { id: Uuid::from_u128(9), ..place(1) },
        ] {
            assert!(open_record::<Case>(&key, other, &sealed.bytes).is_err());
        }
    }

    #[test]
    fn a_record_sealed_to_the_public_key_is_refused() {
        let key = Keyring::generate().unwrap();
        let body = RecordBody::new(BTreeMap::from([("title".into(), "\"forged\"".into())])).unwrap();
        let plain = serde_json::to_vec(&body).unwrap();
        let mut forged = vec![WHOLE];
        forged.extend(key.public_key().unwrap().seal(&place(1).aad(), &plain).unwrap());
        assert!(open_record::<Case>(&key, place(1), &forged).is_err());
        // Field by field, as records were sealed before: refused too.
        let field = key.public_key().unwrap().seal(&Aad::field("case", &place(1).id.to_string(), "title", 1), b"\"x\"");
        let old = serde_json::json!({ "title": data_encoding::BASE64.encode(&field.unwrap()) });
        assert!(open_record::<Case>(&key, place(1), &serde_json::to_vec(&old).unwrap()).is_err());
    }
}
