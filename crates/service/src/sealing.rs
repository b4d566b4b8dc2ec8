//! Sealing domain records field by field. Each top-level field of a record is serialised and
//! sealed on its own, with associated data naming the record kind, record id, field and
//! version (see [`lodge_crypto::Aad::field`]).

use std::collections::BTreeMap;

use lodge_crypto::{Aad, Keyring};
use serde::Serialize;
use serde::de::DeserializeOwned;
use zeroize::Zeroizing;

use crate::ServiceError;

/// Seals every field of `value` for record `id` of `kind` at `version`, under the newest
/// generation of the case's keys.
pub(crate) fn seal_record<T: Serialize>(
    keys: &Keyring,
    kind: &str,
    id: &str,
    version: i64,
    value: &T,
) -> Result<Vec<u8>, ServiceError> {
    let serde_json::Value::Object(fields) = serde_json::to_value(value).map_err(internal)? else {
        return Err(ServiceError::Internal("a record must serialise to an object".into()));
    };
    let mut sealed = BTreeMap::new();
    for (name, value) in fields {
        let plain = Zeroizing::new(serde_json::to_vec(&value).map_err(internal)?);
        let ct = keys.seal(&Aad::field(kind, id, &name, version), &plain)?;
        sealed.insert(name, data_encoding::BASE64.encode(&ct));
    }
    serde_json::to_vec(&sealed).map_err(internal)
}

/// Opens a record sealed by [`seal_record`].
pub(crate) fn open_record<T: DeserializeOwned>(
    keys: &Keyring,
    kind: &str,
    id: &str,
    version: i64,
    sealed: &[u8],
) -> Result<T, ServiceError> {
    let sealed: BTreeMap<String, String> = serde_json::from_slice(sealed).map_err(internal)?;
    let mut fields = serde_json::Map::new();
    for (name, ct) in sealed {
        let ct = data_encoding::BASE64.decode(ct.as_bytes()).map_err(internal)?;
        let plain = keys.open(&Aad::field(kind, id, &name, version), &ct)?;
        fields.insert(name, serde_json::from_slice(&plain).map_err(internal)?);
    }
    serde_json::from_value(serde_json::Value::Object(fields)).map_err(internal)
}

fn internal(e: impl std::fmt::Display) -> ServiceError {
    ServiceError::Internal(e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use lodge_domain::Case;

    #[test]
    fn fields_are_bound_to_their_place() {
        let key = Keyring::generate().unwrap();
        let case = Case { title: "messages from @wolf".into() };
        let sealed = seal_record(&key, "case", "1", 1, &case).unwrap();
        assert!(!String::from_utf8_lossy(&sealed).contains("wolf"));
        let back: Case = open_record(&key, "case", "1", 1, &sealed).unwrap();
        assert_eq!(back, case);
        assert!(open_record::<Case>(&key, "case", "2", 1, &sealed).is_err());
        assert!(open_record::<Case>(&key, "case", "1", 2, &sealed).is_err());
    }
}
