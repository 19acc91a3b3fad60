//! A string that must not leak: passwords, tokens, authorization codes.

use std::fmt;

/// A password, token or code. Serializes as the plain JSON string the
/// service expects, but its `Debug` never shows the value, so logging a
/// request or response body does not leak it. Read it with
/// [`Secret::expose`].
#[derive(Clone, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret itself, for the one place that needs it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The secret as a `String`.
    pub fn into_inner(self) -> String {
        self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(\"<redacted>\")")
    }
}

impl PartialEq<str> for Secret {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for Secret {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Secret(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Secret(value.to_string())
    }
}

impl std::str::FromStr for Secret {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Secret(s.to_string()))
    }
}

#[cfg(feature = "schemars")]
impl schemars::JsonSchema for Secret {
    fn schema_name() -> String {
        "Secret".to_string()
    }

    fn json_schema(gen: &mut schemars::gen::SchemaGenerator) -> schemars::schema::Schema {
        String::json_schema(gen)
    }
}

/// A link that logs its holder in (a magic-login or portal URL). Serializes
/// as the plain JSON string; `Debug` shows only its origin, since the secret
/// may sit in the path, the query or the fragment. Read it with
/// [`SecretUrl::expose`].
#[derive(Clone, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct SecretUrl(String);

impl SecretUrl {
    /// Wraps a link.
    pub fn new(value: impl Into<String>) -> Self {
        SecretUrl(value.into())
    }

    /// The whole link, secret included, for the one place that needs it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The link as a `String`.
    pub fn into_inner(self) -> String {
        self.0
    }

    /// `scheme://host[:port]`, the part that is safe to show; `None` when
    /// the link does not parse.
    pub fn origin(&self) -> Option<String> {
        let url = reqwest::Url::parse(&self.0).ok()?;
        let origin = url.origin();
        origin.is_tuple().then(|| origin.ascii_serialization())
    }
}

impl fmt::Debug for SecretUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.origin() {
            Some(origin) => write!(f, "SecretUrl(\"{origin}/<redacted>\")"),
            None => f.write_str("SecretUrl(\"<redacted>\")"),
        }
    }
}

impl From<String> for SecretUrl {
    fn from(value: String) -> Self {
        SecretUrl(value)
    }
}

impl From<&str> for SecretUrl {
    fn from(value: &str) -> Self {
        SecretUrl(value.to_string())
    }
}

impl std::str::FromStr for SecretUrl {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(SecretUrl(s.to_string()))
    }
}

#[cfg(feature = "schemars")]
impl schemars::JsonSchema for SecretUrl {
    fn schema_name() -> String {
        "SecretUrl".to_string()
    }

    fn json_schema(gen: &mut schemars::gen::SchemaGenerator) -> schemars::schema::Schema {
        String::json_schema(gen)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_the_secret() {
        let s = Secret::new("hunter2");
        assert!(!format!("{s:?}").contains("hunter2"));
        let u = SecretUrl::new("https://app.svix.com/login?x=1#key=eyJsecret");
        let d = format!("{u:?}");
        assert_eq!(d, "SecretUrl(\"https://app.svix.com/<redacted>\")");
        assert!(!format!("{:?}", SecretUrl::new("not a url eyJsecret")).contains("eyJ"));
    }
}
