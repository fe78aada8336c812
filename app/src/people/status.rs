//! What the Users and Participants lists show of an account's invitation: **Invited** (with the
//! day it was sent) or **Active**, and the answer of **Resend invitation** / **Copy invitation
//! link**, which is the link itself when this server sends no email.

use crate::accounts::AccountState;
use crate::error::AppError;
use crate::ui::day::Day;
use crate::ui::forms::{form_outcome, outcome_view};
use leptos::prelude::*;

/// "Invited (sent Sat 5 Dec 2026)" or "Active".
#[component]
pub fn AccountStatus(state: AccountState) -> impl IntoView {
    match state {
        AccountState::Invited(day) => view! {
            <span class="state invited">"Invited"</span>
            <span class="sent">" (sent " <Day date=day/> ")"</span>
        }
        .into_any(),
        AccountState::Active => view! { <span class="state">"Active"</span> }.into_any(),
    }
}

/// The label of the invitation button of a row.
pub fn invitation_button_text(sending: bool) -> &'static str {
    if sending {
        "Resend invitation"
    } else {
        "Copy invitation link"
    }
}

/// Whether an answer is a link to hand over rather than a sentence.
fn is_link(text: &str) -> bool {
    text.starts_with("https://") || text.starts_with("http://")
}

/// The outcome of an invitation button: the link to hand over, with Copy, or the sentence.
pub fn invitation_outcome(value: Option<Result<String, AppError>>, form: &str) -> AnyView {
    match form_outcome(value.clone(), form) {
        Some(Ok(link)) if is_link(&link) => view! {
            <div class="handover">
                <crate::ui::copy::CopyField id="invitation-link" label="Invitation link" value=link
                    hint="Email is not set up here, so hand this link to the person yourself. It works once, for 14 days; anyone who has it can set the password of that account.".to_string()
                    copied_text="Copied the invitation link."/>
            </div>
        }
        .into_any(),
        _ => outcome_view(value, form).into_any(),
    }
}
