//! `ApiJson<T>`: the JSON body extractor every handler uses.
//!
//! Unlike actix's `Json`, it tells apart a body that is not JSON at all
//! (`400 malformed_json`) from JSON of the wrong shape (`422
//! validation_failed`), which serde alone cannot: `[1,2` fails as "expected
//! a string" before the parser ever reaches the missing bracket.

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::web::BytesMut;
use actix_web::{FromRequest, HttpRequest};
use futures_util::StreamExt;
use futures_util::future::LocalBoxFuture;
use serde::de::{DeserializeOwned, IgnoredAny};

use super::problem::{ApiError, Code};

/// The largest body any route accepts, set once by the composition root.
#[derive(Clone, Copy)]
pub struct BodyLimit(pub usize);

/// The body, or why it could not be read. The extractor itself never
/// fails: actix resolves a handler's extractors concurrently and answers
/// with whichever error comes first, and a body error must never beat an
/// authentication error (that would tell strangers about our validation).
/// Handlers call [`ApiJson::into_inner`] after their guards succeeded.
pub struct ApiJson<T>(Result<T, ApiError>);

impl<T> ApiJson<T> {
    pub fn into_inner(self) -> Result<T, ApiError> {
        self.0
    }
}

fn too_large(limit: usize) -> ApiError {
    ApiError::new(
        Code::PayloadTooLarge,
        format!("The request body exceeds the limit of {limit} bytes."),
    )
}

fn is_json(req: &HttpRequest) -> bool {
    let Some(ct) = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = ct
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// Reads a whole body, refusing it with `413` past `limit` bytes (counted
/// as it arrives, whatever Content-Length claimed).
pub async fn read_limited<S, E>(payload: &mut S, limit: usize) -> Result<BytesMut, ApiError>
where
    S: futures_util::Stream<Item = Result<actix_web::web::Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    let mut buf = BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| {
            ApiError::new(Code::BadRequest, format!("Could not read the body: {e}"))
        })?;
        if buf.len() + chunk.len() > limit {
            return Err(too_large(limit));
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(buf)
}

/// Does the JSON text hold an escaped NUL (`\u0000`)? Raw control
/// characters are not valid JSON, so the escape is the only way in. A
/// backslash before it may itself be escaped, hence the counting.
fn has_escaped_nul(bytes: &[u8]) -> bool {
    let needle = b"u0000";
    bytes.windows(needle.len()).enumerate().any(|(i, w)| {
        w == needle && {
            let slashes = bytes[..i].iter().rev().take_while(|b| **b == b'\\').count();
            slashes % 2 == 1
        }
    })
}

/// Where in `v` the first string (or key) holding a NUL is, as a dotted path.
fn nul_path(v: &serde_json::Value, at: &str) -> Option<String> {
    let join = |k: &str| {
        if at.is_empty() {
            k.to_owned()
        } else {
            format!("{at}.{k}")
        }
    };
    match v {
        serde_json::Value::String(s) => s.contains('\0').then(|| at.to_owned()),
        serde_json::Value::Array(a) => a
            .iter()
            .enumerate()
            .find_map(|(i, x)| nul_path(x, &join(&i.to_string()))),
        serde_json::Value::Object(o) => o.iter().find_map(|(k, x)| {
            if k.contains('\0') {
                Some(join(&k.replace('\0', "")))
            } else {
                nul_path(x, &join(k))
            }
        }),
        _ => None,
    }
}

/// `rules[0].name` as this API names fields: `rules.0.name`.
fn dotted(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    path.iter()
        .filter_map(|s| match s {
            Segment::Seq { index } => Some(index.to_string()),
            Segment::Map { key } => Some(key.clone()),
            Segment::Enum { variant } => Some(variant.clone()),
            Segment::Unknown => None,
        })
        .collect::<Vec<_>>()
        .join(".")
}

/// Parses `bytes` as `T`, classifying a failure as syntax or shape. Text
/// with a NUL character is refused here for every route alike: PostgreSQL
/// cannot store it, and no field of ours has a use for it.
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    if has_escaped_nul(bytes)
        && let Ok(v) = serde_json::from_slice::<serde_json::Value>(bytes)
        && let Some(path) = nul_path(&v, "")
    {
        let field = if path.is_empty() { "body".into() } else { path };
        return Err(ApiError::validation(vec![crate::domain::FieldError::new(
            field,
            "must not contain NUL characters",
        )]));
    }
    // Every body of this API is an object; serde's derived structs would
    // also read one from an array, field by field in order.
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[')
        && serde_json::from_slice::<IgnoredAny>(bytes).is_ok()
    {
        return Err(ApiError::new(
            Code::ValidationFailed,
            "The body must be a JSON object.",
        ));
    }
    serde_json::from_slice::<T>(bytes).map_err(|e| {
        if serde_json::from_slice::<IgnoredAny>(bytes).is_ok() {
            // Named like any other refused field (`rules.0.name`), so a
            // client can show it where it belongs: read again, noting
            // where it failed (only on this path, never for a good body).
            let mut de = serde_json::Deserializer::from_slice(bytes);
            let (field, message) = match serde_path_to_error::deserialize::<_, T>(&mut de) {
                Err(p) => (dotted(p.path()), p.into_inner().to_string()),
                Ok(_) => (String::new(), e.to_string()),
            };
            ApiError::validation(vec![crate::domain::FieldError::new(
                if field.is_empty() {
                    "body".into()
                } else {
                    field
                },
                message,
            )])
        } else {
            ApiError::new(
                Code::MalformedJson,
                format!("The body is not valid JSON: {e}"),
            )
        }
    })
}

impl<T: DeserializeOwned + 'static> FromRequest for ApiJson<T> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let read = read_body::<T>(req, payload);
        Box::pin(async move { Ok(ApiJson(read.await)) })
    }
}

fn read_body<T: DeserializeOwned + 'static>(
    req: &HttpRequest,
    payload: &mut Payload,
) -> LocalBoxFuture<'static, Result<T, ApiError>> {
    {
        let limit = req.app_data::<BodyLimit>().map_or(1024 * 1024, |l| l.0);
        let json = is_json(req);
        let declared = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok());
        let mut payload = payload.take();
        Box::pin(async move {
            if !json {
                return Err(ApiError::new(
                    Code::UnsupportedMediaType,
                    "Send the body as application/json.",
                ));
            }
            // Refuse before reading when the client says it is too big.
            if declared.is_some_and(|n| n > limit) {
                return Err(too_large(limit));
            }
            let buf = read_limited(&mut payload, limit).await?;
            parse(&buf)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug)]
    struct S {
        #[allow(dead_code)]
        a: String,
    }

    #[test]
    fn syntax_and_shape_are_told_apart() {
        for bad in ["{", "[1,2", "", "nope", "{\"a\": }"] {
            assert_eq!(
                parse::<S>(bad.as_bytes()).err().map(|e| e.code),
                Some(Code::MalformedJson),
                "{bad}"
            );
        }
        for wrong in ["[1,2]", "{\"a\": 1}", "{}", "null"] {
            assert_eq!(
                parse::<S>(wrong.as_bytes()).err().map(|e| e.code),
                Some(Code::ValidationFailed),
                "{wrong}"
            );
        }
        assert!(parse::<S>(b"{\"a\": \"x\"}").is_ok());
    }

    #[test]
    fn a_nul_anywhere_is_refused_naming_where() {
        let e = parse::<serde_json::Value>(br#"{"a": {"b": ["x", "y\u0000z"]}}"#).unwrap_err();
        assert_eq!(e.code, Code::ValidationFailed);
        assert_eq!(e.errors[0].field, "a.b.1");
        let e = parse::<serde_json::Value>(br#"{"k\u0000": 1}"#).unwrap_err();
        assert_eq!(e.errors[0].field, "k");
        // An escaped backslash followed by "u0000" is not a NUL.
        assert!(parse::<serde_json::Value>(br#"{"a": "\\u0000"}"#).is_ok());
    }
}
