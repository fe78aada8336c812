//! The one error type the browser sees. Internal causes are logged on the server and never
//! sent: the page only learns that something went wrong on our side.

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    #[error("Please sign in to continue.")]
    Unauthenticated,
    #[error("You don't have access to this.")]
    Forbidden,
    #[error("We couldn't find that. It may have been removed.")]
    NotFound,
    /// The request was refused by a rule: `message` says why in a sentence; `fields` carry the
    /// messages about single form fields, each shown next to its field.
    #[error("{message}")]
    Invalid {
        message: String,
        fields: Vec<FieldError>,
    },
    #[error("We couldn't reach the server. Check your connection and try again.")]
    Unreachable,
    #[error("Something went wrong on our side. Please try again.")]
    Internal,
}

/// A message about one field of a form: `field` is the field's `name` in the form.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl AppError {
    /// A refusal not about one field.
    pub fn invalid(message: impl Into<String>) -> AppError {
        AppError::Invalid {
            message: message.into(),
            fields: Vec::new(),
        }
    }

    /// A refusal about the field named `field`, labelled `label` on the page.
    pub fn invalid_field(field: &str, label: &str, message: impl Into<String>) -> AppError {
        AppError::invalid_fields(vec![(field, label, message.into())])
    }

    /// A refusal about several fields at once: (name, label, message) each.
    pub fn invalid_fields(fields: Vec<(&str, &str, String)>) -> AppError {
        let message = fields
            .iter()
            .map(|(_, label, message)| format!("{label}: {message}"))
            .collect::<Vec<_>>()
            .join(" ");
        AppError::Invalid {
            message,
            fields: fields
                .into_iter()
                .map(|(field, _, message)| FieldError {
                    field: field.to_string(),
                    message,
                })
                .collect(),
        }
    }

    /// A refusal about fields whose messages stand alone (each names its field in words).
    pub fn invalid_field_errors(fields: Vec<FieldError>) -> AppError {
        let message = fields
            .iter()
            .map(|f| f.message.as_str())
            .collect::<Vec<_>>()
            .join(" ");
        AppError::Invalid { message, fields }
    }

    /// The message about the field named `field`, if the error is about it.
    pub fn field_message(&self, field: &str) -> Option<&str> {
        match self {
            AppError::Invalid { fields, .. } => fields
                .iter()
                .find(|f| f.field == field)
                .map(|f| f.message.as_str()),
            _ => None,
        }
    }

    /// The message of a refusal by a rule, if the error is one.
    pub fn refusal(&self) -> Option<&str> {
        match self {
            AppError::Invalid { message, .. } => Some(message),
            _ => None,
        }
    }

    /// The HTTP status that goes with the error.
    pub fn status_code(&self) -> u16 {
        match self {
            AppError::Unauthenticated => 401,
            AppError::Forbidden => 403,
            AppError::NotFound => 404,
            AppError::Invalid { .. } => 422,
            AppError::Unreachable => 502,
            AppError::Internal => 500,
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Request(_) | ServerFnErrorErr::Response(_) => AppError::Unreachable,
            _ => AppError::Internal,
        }
    }
}

#[cfg(feature = "ssr")]
impl AppError {
    /// Logs an internal failure with its cause and returns the error the browser may see.
    pub fn internal(cause: impl std::fmt::Display) -> AppError {
        tracing::error!(%cause, "internal error");
        AppError::Internal
    }
}

#[cfg(feature = "ssr")]
impl AppError {
    /// A failed write as the person should read it: a row it points at that is gone (a foreign
    /// key) is not found; a unique row written a moment ago by another request is refused with
    /// `duplicate`; anything else is internal.
    pub fn from_write(error: sqlx::Error, duplicate: &str) -> AppError {
        match &error {
            sqlx::Error::Database(e) if e.is_foreign_key_violation() => AppError::NotFound,
            sqlx::Error::Database(e) if e.is_unique_violation() => AppError::invalid(duplicate),
            _ => AppError::internal(error),
        }
    }
}

#[cfg(feature = "ssr")]
impl From<sqlx::Error> for AppError {
    fn from(error: sqlx::Error) -> Self {
        AppError::internal(error)
    }
}

#[cfg(feature = "ssr")]
impl From<crate::db::DbError> for AppError {
    fn from(error: crate::db::DbError) -> Self {
        AppError::internal(error)
    }
}
