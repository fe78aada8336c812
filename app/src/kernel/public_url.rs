//! The site's absolute address as people reach it (`PUBLIC_URL`): for links that leave the
//! browser, in calendar feeds and emails.

/// An absolute `http` or `https` address without a path, query or trailing slash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicUrl(String);

impl PublicUrl {
    /// Accepts `http://host[:port]` or `https://host[:port]` (a trailing slash is dropped);
    /// refuses anything with a path, query, fragment, credentials or odd characters.
    pub fn parse(text: &str) -> Result<PublicUrl, String> {
        let text = text.trim().trim_end_matches('/');
        let rest = text
            .strip_prefix("https://")
            .or_else(|| text.strip_prefix("http://"))
            .ok_or_else(|| format!("{text:?} must start with http:// or https://"))?;
        let host_ok = !rest.is_empty()
            && rest
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'));
        if !host_ok {
            return Err(format!(
                "{text:?} must be a scheme and a host only, like https://milestones.example.org"
            ));
        }
        Ok(PublicUrl(text.to_string()))
    }

    /// The address of a server listening on `address`, reached directly over plain HTTP.
    pub fn local(address: std::net::SocketAddr) -> PublicUrl {
        PublicUrl(format!("http://{address}"))
    }

    /// The absolute address of a path of the site (`path` starts with `/`).
    pub fn join(&self, path: &str) -> String {
        format!("{}{path}", self.0)
    }

    /// The host (and port), for identifiers such as calendar event UIDs.
    pub fn host(&self) -> &str {
        self.0.split_once("://").map_or(&self.0, |(_, host)| host)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::PublicUrl;

    #[test]
    fn only_a_scheme_and_a_host_are_accepted() {
        let url = PublicUrl::parse("https://milestones.example.org/").unwrap();
        assert_eq!(
            url.join("/quickcliq"),
            "https://milestones.example.org/quickcliq"
        );
        assert_eq!(url.host(), "milestones.example.org");
        assert_eq!(
            PublicUrl::parse("http://127.0.0.1:3000").unwrap().host(),
            "127.0.0.1:3000"
        );
        for bad in [
            "",
            "milestones.example.org",
            "javascript:alert(1)",
            "https://",
            "https://a.example/path",
            "https://user:pw@a.example",
            "https://a.example?x=1",
            "https://a.example\"><script>",
        ] {
            assert!(PublicUrl::parse(bad).is_err(), "{bad}");
        }
    }
}
