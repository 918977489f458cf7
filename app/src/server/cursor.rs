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

/// The cursor given as the list parameter `param` (`after` or `before`), which a refusal names.
pub fn decode<T: DeserializeOwned>(param: &'static str, cursor: &str) -> Result<T, AppError> {
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| invalid(param))?;
    // No key or id the server writes holds a NUL (JSON can carry one only as this escape), and
    // Postgres refuses one in text: such a cursor was made by hand.
    if bytes.windows(6).any(|w| w == b"\\u0000") {
        return Err(invalid(param));
    }
    serde_json::from_slice(&bytes).map_err(|_| invalid(param))
}

/// What a cursor that is not one of this list's is answered with.
pub fn invalid(param: &'static str) -> AppError {
    AppError::validation(param, "That page link is no longer valid. Go back to the first page.")
}

/// One page of a keyset list, with the cursors of the pages before and after it.
#[derive(Debug)]
pub struct Page<T> {
    pub rows: Vec<T>,
    pub prev: Option<String>,
    pub next: Option<String>,
}

/// Makes a page of `rows`, read with a limit of `size + 1` in the reading direction: forward
/// (newest first) after the cursor `after`, or backward when `reading_back` (a `before`
/// cursor). `position` writes the cursor of a row.
pub fn page<T>(mut rows: Vec<T>, size: usize, after_given: bool, reading_back: bool, position: impl Fn(&T) -> String) -> Page<T> {
    let more_beyond = rows.len() > size;
    rows.truncate(size);
    if reading_back {
        rows.reverse();
    }
    // Reading forward, rows before this page exist when it started after one; reading back,
    // rows after it exist because we came from them.
    let (has_prev, has_next) = if reading_back { (more_beyond, true) } else { (after_given, more_beyond) };
    Page {
        prev: if has_prev { rows.first().map(&position) } else { None },
        next: if has_next { rows.last().map(&position) } else { None },
        rows,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_knows_its_neighbours_in_both_directions() {
        let at = |n: &i64| n.to_string();
        // Forward from the start: 3 of 4 read, a next page, no previous.
        let p = page(vec![9, 8, 7, 6], 3, false, false, at);
        assert_eq!((p.rows, p.prev, p.next), (vec![9, 8, 7], None, Some("7".into())));
        // Forward after a cursor, the last page.
        let p = page(vec![6, 5], 3, true, false, at);
        assert_eq!((p.rows, p.prev, p.next), (vec![6, 5], Some("6".into()), None));
        // Backward before a cursor: read 8, 9, 10 (oldest first), shown newest first.
        let p = page(vec![8, 9, 10, 11], 3, false, true, at);
        assert_eq!((p.rows, p.prev, p.next), (vec![10, 9, 8], Some("10".into()), Some("8".into())));
        let p = page(vec![8, 9], 3, false, true, at);
        assert_eq!((p.rows, p.prev, p.next), (vec![9, 8], None, Some("8".into())));
    }

    #[test]
    fn cursors_round_trip_and_garbage_is_refused_by_field() {
        let c = encode(&(12_i64, "id-1"));
        assert_eq!(decode::<(i64, String)>("after", &c).unwrap(), (12, "id-1".to_owned()));
        assert!(decode::<(i64, String)>("after", "%%%").unwrap_err().field_message("after").is_some());
        assert!(decode::<(i64, String)>("before", "%%%").unwrap_err().field_message("before").is_some(), "named as given");
        assert!(decode::<(i64, String)>("after", &encode(&"text")).is_err());
    }
}
