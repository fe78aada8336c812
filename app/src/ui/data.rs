//! The data a page loads: `resource` is Leptos's `Resource::new`, with one difference in how
//! the value the server rendered with travels to the browser (as JSON in the page, as before).
//!
//! Leptos decodes a resource's value with `serde_json::from_str`, while a server function's
//! answer is decoded with `serde_json::from_slice`: two readers, so the browser's WebAssembly
//! held every answer's decoding code twice (52 of its 106 JSON struct decoders, 2026-12-04).
//! Here both use `from_slice`, and each type's decoder is made once.

use leptos::prelude::*;
use leptos::server::codee::{Decoder, Encoder};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// JSON, decoded from bytes as server functions' answers are.
pub struct Json;

impl<T: Serialize> Encoder<T> for Json {
    type Error = leptos::serde_json::Error;
    type Encoded = String;

    fn encode(value: &T) -> Result<String, Self::Error> {
        leptos::serde_json::to_string(value)
    }
}

impl<T: DeserializeOwned> Decoder<T> for Json {
    type Error = leptos::serde_json::Error;
    type Encoded = str;

    fn decode(text: &str) -> Result<T, Self::Error> {
        leptos::serde_json::from_slice(text.as_bytes())
    }
}

/// `Resource::new(source, fetcher)`, its value sent with the page as [`Json`].
#[track_caller]
pub fn resource<S, T, Fut>(
    source: impl Fn() -> S + Send + Sync + 'static,
    fetcher: impl Fn(S) -> Fut + Send + Sync + 'static,
) -> Resource<T, Json>
where
    S: Send + Sync + Clone + PartialEq + 'static,
    T: Serialize + DeserializeOwned + Send + Sync + 'static,
    Fut: Future<Output = T> + Send + 'static,
{
    Resource::new_with_options(source, fetcher, false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::AppError;

    /// A server function's answer, as a resource holds it.
    type Answer = Result<Vec<(String, Option<i64>)>, AppError>;

    #[test]
    fn a_value_comes_back_as_it_was_sent_with_the_page() {
        let values: Vec<Answer> = vec![
            Ok(vec![("Zoë «café» \u{1F600} </script>".into(), Some(-3))]),
            Ok(vec![]),
            Err(AppError::invalid_field("name", "Name", "is empty")),
        ];
        for value in values {
            let text = <Json as Encoder<_>>::encode(&value).expect("encodes");
            let back: Answer = <Json as Decoder<_>>::decode(&text).expect("decodes");
            assert_eq!(back, value);
        }
        assert!(<Json as Decoder<Vec<String>>>::decode("[1]").is_err());
    }
}
