//! Base URL checks, shared by the configuration and the runtime (which
//! follows a region's base URL).

use crate::config_error::ConfigError;

/// Checks a base URL and removes trailing slashes: operation paths are
/// appended to it, and they start with `/`.
pub fn normalize_base_url(url: &str) -> Result<String, ConfigError> {
    let invalid = |reason: String| ConfigError::InvalidBaseUrl {
        url: redact_userinfo(url),
        reason,
    };
    if !url.contains("://") {
        // `localhost:8080` parses with `localhost` as its scheme; say what
        // is missing instead.
        return Err(invalid(format!(
            "it has no scheme: write `https://{}` (or `http://` for a local server)",
            redact_userinfo(url)
        )));
    }
    let parsed = reqwest::Url::parse(url).map_err(|e| invalid(e.to_string()))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        // Not echoed: without `://`, the "scheme" may be a user name.
        return Err(invalid("the scheme is not http or https".into()));
    }
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Err(invalid(
            "a base URL cannot carry a query or fragment".into(),
        ));
    }
    Ok(url.trim_end_matches('/').to_string())
}

/// `scheme://user:pass@host/...` becomes `scheme://<redacted>@host/...`.
/// Text that does not parse as a URL loses everything between `://` and
/// its last `@`, since a password may hold `/`, `?` or `#`. Without an `@`
/// there is no userinfo, and nothing is hidden: `localhost:8080` is the
/// caller's own typo, shown so they can fix it.
pub fn redact_userinfo(url: &str) -> String {
    if let Ok(parsed) = reqwest::Url::parse(url) {
        // Only an http(s) URL says for sure where its userinfo is:
        // `user:pass@host` without a scheme parses with `user` as the scheme.
        let web = matches!(parsed.scheme(), "http" | "https");
        if web && parsed.username().is_empty() && parsed.password().is_none() {
            return url.to_string();
        }
    }
    let (scheme, rest) = match url.find("://") {
        Some(i) => (&url[..i + 3], &url[i + 3..]),
        None => ("", url),
    };
    match rest.rfind('@') {
        Some(at) => format!("{scheme}<redacted>{}", &rest[at..]),
        None => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn userinfo_is_redacted() {
        assert_eq!(
            redact_userinfo("https://u:p4ss@h.example/api"),
            "https://<redacted>@h.example/api"
        );
        assert_eq!(
            redact_userinfo("https://h.example/a@b"),
            "https://h.example/a@b"
        );
        assert_eq!(redact_userinfo("ftp://tok@x"), "ftp://<redacted>@x");
        // A password with `/` that makes the URL unparseable.
        let r = redact_userinfo("https://u:ab/cd@host:x");
        assert!(!r.contains("ab/cd"), "{r}");
        let e = normalize_base_url("ftp://user:hunter2@x").unwrap_err();
        assert!(!format!("{e} {e:?}").contains("hunter2"));
        // The scheme forgotten: `admin` would parse as the scheme.
        assert_eq!(
            redact_userinfo("admin:hunter2@api.example.com"),
            "<redacted>@api.example.com"
        );
        let e = normalize_base_url("admin:hunter2@api.example.com").unwrap_err();
        let shown = format!("{e} {e:?}");
        assert!(
            !shown.contains("hunter2") && !shown.contains("admin"),
            "{shown}"
        );
        let c = crate::Config::new().base_url("admin:hunter2@api.example.com");
        assert!(!format!("{c:?}").contains("hunter2"));
        assert_eq!(redact_userinfo("https://h.example"), "https://h.example");
        // A one-letter scheme, and an `@` only before the `://`: the
        // userinfo is what follows `://`, nothing before it.
        assert_eq!(redact_userinfo("x://u:p4ss@h"), "x://<redacted>@h");
        assert_eq!(redact_userinfo("a@b://host"), "a@b://host");
    }

    /// `host:port` without a scheme is a typo to show, not userinfo to hide.
    #[test]
    fn a_base_url_without_a_scheme_shows_the_input_and_the_fix() {
        for input in ["localhost:8080", "127.0.0.1:8080", "api.example.com"] {
            let e = normalize_base_url(input).unwrap_err().to_string();
            assert!(e.contains(&format!("`{input}`")), "{e}");
            assert!(e.contains(&format!("`https://{input}`")), "{e}");
            assert!(!e.contains("redacted"), "{e}");
        }
        // Where there is an `@`, what is before it stays hidden.
        let e = normalize_base_url("me:hunter2@localhost:8080")
            .unwrap_err()
            .to_string();
        assert!(!e.contains("hunter2"), "{e}");
        assert!(e.contains("`https://<redacted>@localhost:8080`"), "{e}");
    }
}
