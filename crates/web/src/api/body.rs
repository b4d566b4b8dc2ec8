//! What the API reads from a JSON request body. Each body is a request type that holds only
//! what a person may type, apart from the domain types Lodge seals: a field it does not know
//! is refused by name, and a field only Lodge sets (an import's messages, who reported through
//! her inbox, a notice's date) is refused with a sentence saying so. Both answer 400 with the
//! field in `problems`.

use axum::Json;
use axum::extract::{FromRequest, Request};
use lodge_domain::Problems;
use lodge_service::ServiceError;
use serde::de::DeserializeOwned;

use super::ApiError;

/// A request type: what the API accepts in a body, and which fields of the domain type it
/// fills are Lodge's alone.
pub(crate) trait RequestBody: DeserializeOwned {
    /// Fields only Lodge sets, as JSON pointers into the body (`/messages`, `/body/source`).
    const SERVER_OWNED: &'static [&'static str] = &[];
}

/// A body read as `T`, or a 400 naming what was wrong and where.
pub(crate) struct Body<T>(pub T);

impl<S: Send + Sync, T: RequestBody> FromRequest<S> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        let value = match Json::<serde_json::Value>::from_request(request, state).await {
            Ok(Json(value)) => value,
            Err(rejection) => {
                // The framework's text can quote what was sent: only its status is logged.
                tracing::debug!(status = rejection.status().as_u16(), "request body refused: not JSON");
                return Err(ApiError::unreadable(ServiceError::invalid(
                    "body",
                    "Send the body as JSON, with the header Content-Type: application/json.",
                )));
            }
        };
        let mut problems = Problems::default();
        for pointer in T::SERVER_OWNED {
            if value.pointer(pointer).is_some_and(|v| !v.is_null()) {
                problems.add(
                    field_name(pointer),
                    "Only Lodge sets this (from an import, her inbox or its own clock): leave it out.",
                );
            }
        }
        if !problems.is_empty() {
            return Err(ApiError::unreadable(ServiceError::Invalid(problems)));
        }
        serde_path_to_error::deserialize(whole_numbers(value)).map(Body).map_err(|e| {
            let problem = unreadable(&e);
            if shape_is_wrong(e.inner()) { ApiError::unreadable(problem) } else { ApiError::from(problem) }
        })
    }
}

/// The body with every number that has no fraction written as an integer: JSON Schema counts
/// `30.0` as the integer 30, and a client may send it so; the JSON reader would refuse it for
/// an integer field.
fn whole_numbers(value: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::Number(n) => match n.as_f64() {
            // Within ±2^53 a float is exactly the integer it prints as.
            Some(f) if !n.is_i64() && !n.is_u64() && f.fract() == 0.0 && f.abs() <= 9_007_199_254_740_992.0 => {
                Value::from(f as i64)
            }
            _ => Value::Number(n),
        },
        Value::Array(items) => Value::Array(items.into_iter().map(whole_numbers).collect()),
        Value::Object(fields) => Value::Object(fields.into_iter().map(|(k, v)| (k, whole_numbers(v))).collect()),
        other => other,
    }
}

/// Whether the body is not the shape its schema gives (a field missing, unknown or of the
/// wrong type: 400), rather than a value of the right shape that names nothing Lodge can use,
/// such as the 31st of April, which the value's own reader refuses (422).
fn shape_is_wrong(e: &serde_json::Error) -> bool {
    const SHAPE: [&str; 7] = [
        "invalid type",
        "invalid value",
        "invalid length",
        "unknown variant",
        "unknown field",
        "missing field",
        "duplicate field",
    ];
    let text = e.to_string();
    e.classify() != serde_json::error::Category::Data || SHAPE.iter().any(|s| text.starts_with(s))
}

/// `/body/messages` as the API names fields: `body.messages`.
fn field_name(pointer: &str) -> String {
    pointer.trim_start_matches('/').replace('/', ".")
}

/// A body that is JSON but not the request type, named by where it went wrong. The path
/// already ends in an unknown field's name; a missing field is named inside its object.
fn unreadable(e: &serde_path_to_error::Error<serde_json::Error>) -> ServiceError {
    let inner = e.inner().to_string();
    let path = match e.path().to_string() {
        root if root == "." => String::new(),
        path => path,
    };
    let missing = inner.strip_prefix("missing field `").and_then(|rest| rest.split_once('`')).map(|(name, _)| name);
    let (field, message) = if inner.starts_with("unknown field `") {
        (path, "Lodge does not take this field: leave it out. The API description lists each field.".to_owned())
    } else if let Some(name) = missing {
        let field = if path.is_empty() { name.to_owned() } else { format!("{path}.{name}") };
        (field, "This field is needed.".to_owned())
    } else {
        (path, format!("This could not be read ({inner}). The API description says what it should be."))
    };
    let field = if field.is_empty() { "body".to_owned() } else { field };
    ServiceError::invalid(&field, &message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Inner {
        day: u8,
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Outer {
        inner: Inner,
    }

    fn field(json: &str) -> String {
        let value: serde_json::Value = serde_json::from_str(json).unwrap();
        let e = serde_path_to_error::deserialize::<_, Outer>(value).unwrap_err();
        match unreadable(&e) {
            ServiceError::Invalid(p) => p.fields[0].field.clone(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn each_mistake_is_named_where_it_is() {
        assert_eq!(field(r#"{"inner": {"day": 1}, "extra": 1}"#), "extra");
        assert_eq!(field(r#"{"inner": {"day": 1, "extra": 1}}"#), "inner.extra");
        assert_eq!(field(r#"{"inner": {"day": "x"}}"#), "inner.day");
        assert_eq!(field(r#"{}"#), "inner");
        assert_eq!(field(r#""text""#), "body");
        assert_eq!(field_name("/body/messages"), "body.messages");
    }

    #[test]
    fn a_whole_number_written_with_a_fraction_is_an_integer() {
        let value: serde_json::Value = serde_json::from_str(r#"{"inner": {"day": 3.0}}"#).unwrap();
        let read: Outer = serde_path_to_error::deserialize(whole_numbers(value)).unwrap();
        assert_eq!(read.inner.day, 3);
        let value: serde_json::Value = serde_json::from_str(r#"{"inner": {"day": 3.5}}"#).unwrap();
        assert!(serde_path_to_error::deserialize::<_, Outer>(whole_numbers(value)).is_err());
    }

    #[test]
    fn a_day_that_is_not_one_is_refused_but_not_unreadable() {
        #[derive(Debug, serde::Deserialize)]
        struct Day {
            #[allow(dead_code)]
            day: jiff::civil::Date,
        }
        let error = |json: &str| serde_json::from_str::<Day>(json).unwrap_err();
        assert!(!shape_is_wrong(&error(r#"{"day": "2025-04-31"}"#)), "the right shape, no such day: 422");
        assert!(shape_is_wrong(&error(r#"{"day": 20250430}"#)), "a number where a day goes: 400");
        assert!(shape_is_wrong(&error(r#"{}"#)));
    }
}
