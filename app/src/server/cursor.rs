//! The `after` and `before` values of keyset pages: the sort keys and id of the row a page
//! starts after or ends before, as URL-safe base64 of JSON. Not a secret, and not trusted: a
//! cursor that does not decode is refused with a message, and one that decodes only picks a
//! place in the organization's own rows.

use crate::error::AppError;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::de::DeserializeOwned;
use serde::Serialize;

pub fn encode<T: Serialize>(position: &T) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(position).unwrap_or_default())
}

pub fn decode<T: DeserializeOwned>(cursor: &str) -> Result<T, AppError> {
    let invalid = || AppError::validation("after", "That page link is no longer valid. Go back to the first page.");
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| invalid())?;
    serde_json::from_slice(&bytes).map_err(|_| invalid())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_garbage_is_refused_by_field() {
        let c = encode(&(12_i64, "id-1"));
        assert_eq!(decode::<(i64, String)>(&c).unwrap(), (12, "id-1".to_owned()));
        assert!(decode::<(i64, String)>("%%%").unwrap_err().field_message("after").is_some());
        assert!(decode::<(i64, String)>(&encode(&"text")).is_err());
    }
}
