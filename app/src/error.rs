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
    #[error("{0}")]
    Invalid(String),
    #[error("We couldn't reach the server. Check your connection and try again.")]
    Unreachable,
    #[error("Something went wrong on our side. Please try again.")]
    Internal,
}

impl AppError {
    /// The HTTP status that goes with the error.
    pub fn status_code(&self) -> u16 {
        match self {
            AppError::Unauthenticated => 401,
            AppError::Forbidden => 403,
            AppError::NotFound => 404,
            AppError::Invalid(_) => 422,
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
            sqlx::Error::Database(e) if e.is_unique_violation() => {
                AppError::Invalid(duplicate.to_string())
            }
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
