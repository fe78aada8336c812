//! A program's Resource Library (documents and videos), and the links milestone descriptions
//! make to them.

pub mod pages;
#[cfg(feature = "ssr")]
pub mod store;

use crate::error::AppError;
use crate::kernel::links::safe_href;
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ResourceKind {
    Document,
    Video,
}

impl ResourceKind {
    pub const ALL: [ResourceKind; 2] = [ResourceKind::Document, ResourceKind::Video];

    pub fn as_str(self) -> &'static str {
        match self {
            ResourceKind::Document => "document",
            ResourceKind::Video => "video",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        ResourceKind::ALL.into_iter().find(|k| k.as_str() == value)
    }

    pub fn label(self) -> &'static str {
        match self {
            ResourceKind::Document => "Document",
            ResourceKind::Video => "Video",
        }
    }
}

impl TryFrom<String> for ResourceKind {
    type Error = String;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        ResourceKind::parse(&value).ok_or_else(|| format!("unknown resource kind {value:?}"))
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct LibraryItem {
    pub id: i64,
    pub title: String,
    pub url: String,
    #[cfg_attr(feature = "ssr", sqlx(try_from = "String"))]
    pub kind: ResourceKind,
}

impl LibraryItem {
    /// The text that links to this resource in a description.
    pub fn markdown_link(&self) -> String {
        let title = self.title.replace(['[', ']'], "");
        format!("[{title}]({})", self.url)
    }
}

/// A resource's fields, checked: a title of 1–120 characters and an http(s) address.
pub fn check_resource(
    title: &str,
    url: &str,
    kind: &str,
) -> Result<(String, String, ResourceKind), AppError> {
    let title = title.trim();
    match title.chars().count() {
        0 => return Err(AppError::invalid_field("title", "Title", "Enter a title.")),
        1..=120 => {}
        _ => {
            return Err(AppError::invalid_field(
                "title",
                "Title",
                "Use at most 120 characters.",
            ));
        }
    }
    let url = url.trim();
    let href = safe_href(url)
        .filter(|h| h.starts_with("http://") || h.starts_with("https://"))
        .filter(|h| h.len() <= 2000)
        .ok_or_else(|| {
            AppError::invalid_field(
                "url",
                "Address",
                "Enter a full web address starting with https:// (or http://).",
            )
        })?;
    let kind = ResourceKind::parse(kind)
        .ok_or_else(|| AppError::invalid_field("kind", "Kind", "Choose Document or Video."))?;
    Ok((title.to_string(), href, kind))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resources_need_a_title_and_a_web_address() {
        let (title, url, kind) =
            check_resource(" Guide ", "https://example.com/g", "video").expect("valid");
        assert_eq!(
            (title.as_str(), url.as_str(), kind),
            ("Guide", "https://example.com/g", ResourceKind::Video)
        );
        for (title, url, kind, field) in [
            ("", "https://example.com", "document", "title"),
            ("x", "javascript:alert(1)", "document", "url"),
            ("x", "mailto:a@b.org", "document", "url"),
            ("x", "example.com", "document", "url"),
            ("x", "https://example.com", "podcast", "kind"),
        ] {
            let error = check_resource(title, url, kind).expect_err(url);
            assert!(error.field_message(field).is_some(), "{url}: {error:?}");
        }
    }

    #[test]
    fn a_resource_link_is_a_description_link() {
        let r = LibraryItem {
            id: 1,
            title: "The [best] guide".into(),
            url: "https://example.com/g".into(),
            kind: ResourceKind::Document,
        };
        assert_eq!(r.markdown_link(), "[The best guide](https://example.com/g)");
        let segments = crate::kernel::links::segments(&r.markdown_link());
        assert!(
            matches!(&segments[..], [crate::kernel::links::Segment::Link { href, .. }] if href == "https://example.com/g")
        );
    }
}
