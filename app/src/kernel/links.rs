//! Milestone descriptions: plain text in which `[text](url)` and bare URLs become links. Only
//! `http`, `https` and `mailto` links are made; anything else stays text. Nothing here produces
//! HTML: `ui::description` renders the pieces as text nodes and `<a>` elements, so no input can
//! become markup.

/// A piece of a description.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Segment {
    Text(String),
    Link { text: String, href: String },
    LineBreak,
}

/// The address to link to, if `url` is an absolute http(s) address with a host or a mailto
/// address; `None` for every other scheme, relative addresses, and anything with whitespace or
/// control characters inside.
pub fn safe_href(url: &str) -> Option<String> {
    let url = url.trim();
    if url.is_empty() || url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return None;
    }
    let (scheme, rest) = url.split_once(':')?;
    if scheme.is_empty() || !scheme.chars().all(|c| c.is_ascii_alphabetic()) {
        return None;
    }
    let href = match scheme.to_ascii_lowercase().as_str() {
        "http" | "https" => {
            let host = rest.strip_prefix("//")?;
            let host_end = host.find(['/', '?', '#']).unwrap_or(host.len());
            let authority = &host[..host_end];
            if authority.is_empty()
                || authority.starts_with('@')
                || !authority
                    .chars()
                    .all(|c| c.is_alphanumeric() || "-._~:@[]%".contains(c))
            {
                return None;
            }
            format!("{}:{rest}", scheme.to_ascii_lowercase())
        }
        "mailto" => {
            let address = rest.split('?').next().unwrap_or("");
            let (local, domain) = address.split_once('@')?;
            if local.is_empty() || domain.is_empty() || !domain.contains('.') {
                return None;
            }
            format!("mailto:{rest}")
        }
        _ => return None,
    };
    // Quotes and angle brackets have no business in an address; refusing them keeps the href
    // plain even for a careless renderer.
    if href.contains(['"', '\'', '<', '>', '`', '\\']) {
        return None;
    }
    Some(href)
}

/// Where a bare address starts in `text` at `at`, if one does.
fn bare_url_at(text: &str, at: usize) -> Option<usize> {
    let rest = &text[at..];
    let lower: String = rest
        .chars()
        .take(8)
        .collect::<String>()
        .to_ascii_lowercase();
    let starts = ["https://", "http://", "mailto:"]
        .iter()
        .any(|p| lower.starts_with(p));
    if !starts {
        return None;
    }
    let before_ok = text[..at]
        .chars()
        .next_back()
        .is_none_or(|c| c.is_whitespace() || "([<\"'".contains(c));
    if !before_ok {
        return None;
    }
    let mut end = rest.find(char::is_whitespace).unwrap_or(rest.len());
    // Trailing punctuation belongs to the sentence, and a closing bracket without its opening
    // one to the text around the address.
    loop {
        let candidate = &rest[..end];
        let Some(last) = candidate.chars().next_back() else {
            break;
        };
        let unbalanced_paren =
            last == ')' && candidate.matches('(').count() < candidate.matches(')').count();
        if ".,;:!?'\"".contains(last) || unbalanced_paren || last == ']' || last == '>' {
            end -= last.len_utf8();
        } else {
            break;
        }
    }
    Some(at + end)
}

/// A `[text](url)` starting at `at`: its text, its url and where it ends.
fn markdown_link_at(text: &str, at: usize) -> Option<(String, String, usize)> {
    let rest = text[at..].strip_prefix('[')?;
    let close = rest.find(']')?;
    let label = &rest[..close];
    if label.is_empty() || label.contains(['[', '\n']) {
        return None;
    }
    let after = rest[close + 1..].strip_prefix('(')?;
    let end = after.find(')')?;
    let url = &after[..end];
    if url.contains('\n') {
        return None;
    }
    let consumed = 1 + close + 1 + 1 + end + 1;
    Some((label.trim().to_string(), url.to_string(), at + consumed))
}

/// Splits a description into text, links and line breaks.
pub fn segments(input: &str) -> Vec<Segment> {
    let mut out = Vec::new();
    let mut text = String::new();
    let flush = |text: &mut String, out: &mut Vec<Segment>| {
        if !text.is_empty() {
            out.push(Segment::Text(std::mem::take(text)));
        }
    };
    let mut i = 0;
    while i < input.len() {
        let c = input[i..].chars().next().unwrap_or(' ');
        if c == '\n' {
            flush(&mut text, &mut out);
            out.push(Segment::LineBreak);
            i += 1;
            continue;
        }
        if c == '[' {
            if let Some((label, url, end)) = markdown_link_at(input, i) {
                match safe_href(&url) {
                    Some(href) if !label.is_empty() => {
                        flush(&mut text, &mut out);
                        out.push(Segment::Link { text: label, href });
                    }
                    // Not a link we make: the admin's text stays as they wrote it.
                    _ => text.push_str(&input[i..end]),
                }
                i = end;
                continue;
            }
        } else if matches!(c, 'h' | 'H' | 'm' | 'M')
            && let Some(end) = bare_url_at(input, i)
        {
            let url = &input[i..end];
            match safe_href(url) {
                Some(href) => {
                    flush(&mut text, &mut out);
                    out.push(Segment::Link {
                        text: url.to_string(),
                        href,
                    });
                }
                None => text.push_str(url),
            }
            i = end;
            continue;
        }
        if c != '\r' {
            text.push(c);
        }
        i += c.len_utf8();
    }
    flush(&mut text, &mut out);
    out
}

/// The description's first line as it reads (links by their text), for a one-line summary.
pub fn first_line(input: &str) -> String {
    segments(input)
        .into_iter()
        .map_while(|segment| match segment {
            Segment::Text(text) | Segment::Link { text, .. } => Some(text),
            Segment::LineBreak => None,
        })
        .collect()
}

/// The description's words as they read, links by their text: for excerpts in lists.
pub fn plain_text(input: &str) -> String {
    segments(input)
        .into_iter()
        .map(|segment| match segment {
            Segment::Text(text) | Segment::Link { text, .. } => text,
            Segment::LineBreak => " ".to_string(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn link(text: &str, href: &str) -> Segment {
        Segment::Link {
            text: text.into(),
            href: href.into(),
        }
    }

    fn text(t: &str) -> Segment {
        Segment::Text(t.into())
    }

    #[test]
    fn markdown_and_bare_links_become_links() {
        assert_eq!(
            segments("Read [the guide](https://example.com/guide) first."),
            [
                text("Read "),
                link("the guide", "https://example.com/guide"),
                text(" first.")
            ]
        );
        assert_eq!(
            segments("See https://example.com/a_(b), then mail mailto:pm@example.com."),
            [
                text("See "),
                link("https://example.com/a_(b)", "https://example.com/a_(b)"),
                text(", then mail "),
                link("mailto:pm@example.com", "mailto:pm@example.com"),
                text("."),
            ]
        );
        assert_eq!(
            segments("line one\nline two"),
            [text("line one"), Segment::LineBreak, text("line two")]
        );
        assert_eq!(
            segments("(https://example.com)"),
            [
                text("("),
                link("https://example.com", "https://example.com"),
                text(")")
            ]
        );
        assert_eq!(
            segments("[Video](HTTPS://Example.com/v)"),
            [link("Video", "https://Example.com/v")]
        );
    }

    #[test]
    fn everything_else_stays_text() {
        for hostile in [
            "[click](javascript:alert(1))",
            "[click](JaVaScRiPt:alert(1))",
            "[click]( javascript:alert(1))",
            "[click](java\tscript:alert(1))",
            "[click](java\u{0}script:alert(1))",
            "[click](data:text/html;base64,PHNjcmlwdD4=)",
            "[click](vbscript:msgbox(1))",
            "[click](&#106;avascript:alert(1))",
            "[click](//evil.example.com)",
            "[click](/relative/path)",
            "[click](https:evil)",
            "[click](https://)",
            "[x](http://a\"onmouseover=\"alert(1))",
            "<script>alert(1)</script>",
            "<img src=x onerror=alert(1)>",
            "javascript:alert(1)",
            "[broken(https://example.com",
            "[](https://example.com)",
        ] {
            let pieces = segments(hostile);
            for piece in &pieces {
                if let Segment::Link { href, .. } = piece {
                    assert!(
                        href.starts_with("https://example.com") || href == "https://example.com",
                        "{hostile:?} made a link to {href:?}"
                    );
                }
            }
            let all_text: String = pieces
                .iter()
                .map(|p| match p {
                    Segment::Text(t) => t.clone(),
                    Segment::Link { text, .. } => text.clone(),
                    Segment::LineBreak => "\n".into(),
                })
                .collect();
            assert!(!all_text.is_empty() || hostile.is_empty());
        }
        // A refused link is shown exactly as it was typed.
        assert_eq!(
            segments("[click](javascript:alert(1))"),
            [text("[click](javascript:alert(1))")]
        );
    }

    #[test]
    fn plain_text_reads_links_by_their_text() {
        assert_eq!(
            plain_text("Watch [the video](https://example.com/v)\nthen meet."),
            "Watch the video then meet."
        );
    }

    #[test]
    fn only_three_schemes_are_ever_linked() {
        assert_eq!(
            safe_href("https://example.com/x?y=1#z").as_deref(),
            Some("https://example.com/x?y=1#z")
        );
        assert_eq!(
            safe_href("mailto:a@b.org?subject=Hi").as_deref(),
            Some("mailto:a@b.org?subject=Hi")
        );
        assert_eq!(safe_href("mailto:nobody"), None);
        assert_eq!(safe_href("ftp://example.com"), None);
        assert_eq!(safe_href("https://exa mple.com"), None);
        assert_eq!(safe_href("https://@evil.com"), None);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(10_000))]
        /// Whatever is typed, every link is http(s) or mailto, and no text is lost except the
        /// markdown brackets of links.
        #[test]
        fn no_input_yields_another_scheme(input in "[a-zA-Z:/\\[\\]()<>\"'&#;=. \\t\\n\\u{0}-\\u{1f}%@-]{0,60}") {
            for piece in segments(&input) {
                if let Segment::Link { href, .. } = piece {
                    let lower = href.to_ascii_lowercase();
                    prop_assert!(lower.starts_with("http://") || lower.starts_with("https://") || lower.starts_with("mailto:"), "{}", href);
                    prop_assert!(!href.chars().any(|c| c.is_whitespace() || c.is_control() || "\"'<>`".contains(c)), "{}", href);
                }
            }
        }
    }
}
