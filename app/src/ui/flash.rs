//! Messages after a form post, issued by the server only.
//!
//! A message in the address (`?done=Your account is locked, call …`) could be written by
//! anyone and sent as a link; so after a plain form post (JavaScript off) the outcome travels
//! in the person's session instead: the server function hands it to the server (a private
//! response header that never leaves it), which keeps it in the session and gives it, once, to
//! the next page load of the same path. The page reads it on the server and the browser gets
//! the same value with the page (so hydration agrees).
//!
//! A hydrated form that moves the person to another page (a new program, a saved milestone)
//! is sent there by the server function's redirect, which the app follows without loading a
//! page: that address may carry the message (`?form=…&done=…`), and it is read only after
//! such a move inside the app. The address a page was loaded with, by a link from anywhere,
//! is never read for a message.

use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// The response header a server function hands a flash to the server in (removed before the
/// response leaves it).
pub const FLASH_HEADER: &str = "x-milestones-flash";
/// The session key a flash waits under until its page is loaded.
pub const FLASH_SESSION_KEY: &str = "flash";

/// The outcome of one form post, for the page at `path`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Flash {
    /// The page it is for (a path, no query).
    pub path: String,
    /// The form it is about.
    pub form: String,
    pub outcome: Result<String, AppError>,
    /// Values to show again (what was typed into a refused form; the item an Undo is for).
    pub keep: Vec<(String, String)>,
}

#[cfg(feature = "ssr")]
impl Flash {
    /// As it travels in the header and the session: JSON, percent-encoded (headers are ASCII).
    pub fn encode(&self) -> String {
        crate::kernel::text::encode_query_value(&serde_json::to_string(self).unwrap_or_default())
    }

    pub fn decode(text: &str) -> Option<Flash> {
        let json = percent_decode(text)?;
        serde_json::from_str(&json).ok()
    }
}

impl Flash {
    /// A value kept with the flash.
    pub fn kept(&self, name: &str) -> Option<String> {
        self.keep
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.clone())
    }
}

#[cfg(feature = "ssr")]
fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = text.get(i + 1..i + 3)?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            byte => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

/// Hands the outcome of a plain form post to the server, to show on `path` next time it loads.
#[cfg(feature = "ssr")]
pub fn hand_over(flash: &Flash) {
    if let (Some(response), Ok(value)) = (
        use_context::<leptos_axum::ResponseOptions>(),
        http::HeaderValue::from_str(&flash.encode()),
    ) {
        response.insert_header(http::HeaderName::from_static(FLASH_HEADER), value);
    }
}

/// The flash of this page load, shared by the server's render and the browser's hydration,
/// and the address the page was loaded with.
#[derive(Clone, Copy)]
struct PageFlash {
    flash: StoredValue<Option<Flash>>,
    loaded_at: StoredValue<Option<String>>,
}

/// Called once by the app, before anything reads a flash.
pub fn provide_page_flash() {
    let shared = SharedValue::new(|| {
        #[cfg(feature = "ssr")]
        {
            use_context::<http::request::Parts>()
                .and_then(|parts| parts.extensions.get::<Flash>().cloned())
        }
        #[cfg(not(feature = "ssr"))]
        {
            None::<Flash>
        }
    });
    provide_context(PageFlash {
        flash: StoredValue::new(shared.into_inner()),
        loaded_at: StoredValue::new(None),
    });
}

/// The address shown now, path and query.
fn current_address() -> String {
    let location = leptos_router::hooks::use_location();
    format!(
        "{}?{}",
        location.pathname.get_untracked(),
        location.search.get_untracked()
    )
}

/// Notes the address the page was loaded with (called inside the router, before any page).
pub fn remember_loaded_address() {
    if let Some(page) = use_context::<PageFlash>()
        && page.loaded_at.with_value(Option::is_none)
    {
        page.loaded_at.set_value(Some(current_address()));
    }
}

/// Whether the person has moved inside the app since the page was loaded.
fn moved_in_app(page: PageFlash) -> bool {
    page.loaded_at
        .with_value(|loaded| loaded.as_ref().is_some_and(|at| *at != current_address()))
}

/// The flash about `form` that this page load brought, until the person moves on.
pub fn page_flash(form: &str) -> Option<Flash> {
    let page = use_context::<PageFlash>()?;
    if moved_in_app(page) {
        return None;
    }
    page.flash.get_value().filter(|flash| flash.form == form)
}

/// The message of a hydrated form's redirect, read from the address only after a move inside
/// the app (never from the address a page was loaded with).
pub fn redirect_message(form: &str) -> Option<String> {
    let page = use_context::<PageFlash>()?;
    if !moved_in_app(page) {
        return None;
    }
    let query = leptos_router::hooks::use_query_map().get_untracked();
    (query.get("form").as_deref() == Some(form))
        .then(|| query.get("done"))
        .flatten()
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;

    #[test]
    fn a_flash_survives_the_trip_through_a_header() {
        let flash = Flash {
            path: "/account".into(),
            form: "password".into(),
            outcome: Err(AppError::invalid_field(
                "current_password",
                "Current password",
                "Ça n'est pas « le bon » \n mot de passe %41 + 1".to_string(),
            )),
            keep: vec![("name".into(), "Zoë & <b>".into())],
        };
        let encoded = flash.encode();
        assert!(encoded.bytes().all(|b| b.is_ascii_graphic()), "{encoded}");
        assert_eq!(Flash::decode(&encoded), Some(flash));
        assert_eq!(Flash::decode("%zz"), None);
        assert_eq!(Flash::decode("not json"), None);
    }
}
