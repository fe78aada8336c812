//! Messages after a form post, issued by the server only.
//!
//! A message in the address (`?done=Your account is locked, call …`) could be written by
//! anyone and sent as a link; so after a plain form post (JavaScript off) the outcome travels
//! in the person's session instead: the server function hands it to the server (a private
//! response header that never leaves it), which keeps it in the session and gives it, once, to
//! the next page load of the same path. The page reads it on the server and the browser gets
//! the same value with the page (so hydration agrees). After a hydrated form's redirect the
//! address carries only a message *code*, shown as one of the fixed texts of [`coded`].

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

/// The flash of this page load, shared by the server's render and the browser's hydration.
#[derive(Clone, Copy)]
struct PageFlash(RwSignal<Option<Flash>>);

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
    provide_context(PageFlash(RwSignal::new(shared.into_inner())));
}

/// Forgets the flash once the person moves to another page (called inside the router).
pub fn forget_flash_on_navigation() {
    let Some(PageFlash(flash)) = use_context::<PageFlash>() else {
        return;
    };
    let location = leptos_router::hooks::use_location();
    let first = location.pathname.get_untracked();
    Effect::new(move |_| {
        if location.pathname.get() != first {
            flash.set(None);
        }
    });
}

/// The flash about `form`, if this page load brought one.
pub fn page_flash(form: &str) -> Option<Flash> {
    let PageFlash(flash) = use_context::<PageFlash>()?;
    flash.get_untracked().filter(|flash| flash.form == form)
}

/// The fixed messages a hydrated form's redirect may name by code (`?form=…&done=code`).
pub fn coded(form: &str, code: &str) -> Option<&'static str> {
    match (form, code) {
        ("program", "created") => Some("The program was created."),
        ("milestone", "saved") => Some("The milestone was saved."),
        _ => None,
    }
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

    #[test]
    fn only_known_codes_have_a_message() {
        assert!(coded("program", "created").is_some());
        assert_eq!(coded("program", "You were hacked"), None);
        assert_eq!(coded("item", "created"), None);
    }
}
