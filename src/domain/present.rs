//! Serde helpers for request fields where `null` means nothing: an
//! optional field is either absent or a value, and `null` is refused like
//! any other wrong type (a derived `Option<T>` would read it as absent).
//! Use with `#[serde(default, deserialize_with = "…")]`.

use serde::{Deserialize, Deserializer};

/// `Some(value)`; `null` is an error.
pub fn present<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(d).map(Some)
}

/// `n` as an integer, also when written with a zero fraction (`5.0`), as
/// JSON Schema (and JavaScript) counts it; `None` for other fractions.
pub fn integral(n: &serde_json::Number) -> Option<i64> {
    n.as_i64().or_else(|| {
        n.as_f64()
            .filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15)
            .map(|f| f as i64)
    })
}

/// An integer field read with [`integral`]; other fractions are errors.
pub fn integer<'de, D>(d: D) -> Result<i64, D::Error>
where
    D: Deserializer<'de>,
{
    let n = serde_json::Number::deserialize(d)?;
    integral(&n).ok_or_else(|| serde::de::Error::custom(format!("{n} is not an integer")))
}

/// A nested struct read only from a JSON object: serde's derived structs
/// would also take an array, field by field in order.
pub fn object<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: serde::de::DeserializeOwned,
{
    let map = serde_json::Map::deserialize(d)?;
    T::deserialize(serde_json::Value::Object(map)).map_err(serde::de::Error::custom)
}

/// [`object`], optional; `null` is an error.
pub fn present_object<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: serde::de::DeserializeOwned,
{
    object(d).map(Some)
}

/// [`integer`], optional; `null` is an error.
pub fn present_integer<'de, D>(d: D) -> Result<Option<i64>, D::Error>
where
    D: Deserializer<'de>,
{
    integer(d).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize, Debug)]
    struct S {
        #[serde(default, deserialize_with = "present")]
        name: Option<String>,
        #[serde(default, deserialize_with = "present_integer")]
        n: Option<i64>,
    }

    #[test]
    fn null_is_refused_absent_is_none() {
        assert!(serde_json::from_str::<S>(r#"{"name": null}"#).is_err());
        assert!(serde_json::from_str::<S>(r#"{"n": null}"#).is_err());
        let s: S = serde_json::from_str("{}").unwrap();
        assert_eq!((s.name, s.n), (None, None));
        let s: S = serde_json::from_str(r#"{"name": "x", "n": 5.0}"#).unwrap();
        assert_eq!((s.name.as_deref(), s.n), (Some("x"), Some(5)));
        assert!(serde_json::from_str::<S>(r#"{"n": 5.5}"#).is_err());
    }
}
