//! Text helpers shared by pages and stores.

/// `%text%` for LIKE, with LIKE's own wildcards in the text matched literally.
pub fn like_pattern(text: &str) -> String {
    let mut pattern = String::from("%");
    for c in text.trim().to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// Percent-encodes a value for a query string.
pub fn encode_query_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                out.push(byte as char)
            }
            other => out.push_str(&format!("%{other:02X}")),
        }
    }
    out
}

/// A query string from its pairs, leaving out empty values.
pub fn query_string(pairs: &[(&str, String)]) -> String {
    let parts: Vec<String> = pairs
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", encode_query_value(v)))
        .collect();
    if parts.is_empty() {
        String::new()
    } else {
        format!("?{}", parts.join("&"))
    }
}

/// The first words of a description, for lists.
pub fn excerpt(text: &str, max_chars: usize) -> String {
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.chars().count() <= max_chars {
        return text;
    }
    let cut: String = text.chars().take(max_chars).collect();
    let cut = cut.rsplit_once(' ').map_or(cut.as_str(), |(head, _)| head);
    format!("{cut}…")
}

/// `text` with the characters that could end or open markup written as entities, for HTML
/// that is assembled as text.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_text_matches_literally() {
        assert_eq!(like_pattern(" Ann "), "%ann%");
        assert_eq!(like_pattern("50%_a\\"), "%50\\%\\_a\\\\%");
    }

    #[test]
    fn query_values_are_encoded() {
        assert_eq!(
            encode_query_value("/programs/1?tab=a b&c"),
            "/programs/1%3Ftab%3Da%20b%26c"
        );
    }

    #[test]
    fn excerpts_cut_at_a_word_and_mark_the_cut() {
        assert_eq!(excerpt("short text", 90), "short text");
        assert_eq!(excerpt("one two three four", 9), "one two…");
        assert_eq!(excerpt("  spaced\n\nout  ", 90), "spaced out");
    }

    #[test]
    fn markup_is_written_as_entities() {
        assert_eq!(
            escape_html(r#"Evil</title><meta content="0;url=x" a='b'> & co"#),
            "Evil&lt;/title&gt;&lt;meta content=&quot;0;url=x&quot; a=&#39;b&#39;&gt; &amp; co"
        );
    }
}
