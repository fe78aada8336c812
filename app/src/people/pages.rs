//! The pages of the one-use links and of a forgotten password: `/welcome/{token}` (**Set your
//! password**), `/reset-password/{token}` and `/forgot-password`. Their forms post to the
//! server's own handlers (`server/src/entry.rs`) with and without JavaScript alike, as sign-in
//! does: a refused post comes back as the same page with its messages beside the fields, and a
//! password that was set signs the person in.

use super::{FORGOT_ANSWER, LinkState, PasswordFormFlash, Purpose};
use crate::error::AppError;
use crate::ui::data::resource;
use crate::ui::title::PageTitle;
use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};
use serde::{Deserialize, Serialize};

/// What a link's page shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkPage {
    pub state: LinkState,
    pub flash: PasswordFormFlash,
}

/// The state of a link (invitation or password reset), and what a refused post handed back.
#[server(endpoint = "people/link")]
pub async fn link_page_data(token: String, reset: bool) -> Result<LinkPage, AppError> {
    let purpose = if reset {
        Purpose::PasswordReset
    } else {
        Purpose::Invitation
    };
    let db = expect_context::<crate::db::Db>();
    let (state, _) = super::store::find_link(&db, &token, purpose, chrono::Utc::now()).await?;
    Ok(LinkPage {
        state,
        flash: use_context::<PasswordFormFlash>().unwrap_or_default(),
    })
}

/// `/welcome/{token}`: **Set your password**.
#[component]
pub fn WelcomePage() -> impl IntoView {
    view! { <LinkPageView purpose=Purpose::Invitation/> }
}

/// `/reset-password/{token}`: choose a new password.
#[component]
pub fn ResetPasswordPage() -> impl IntoView {
    view! { <LinkPageView purpose=Purpose::PasswordReset/> }
}

#[component]
fn LinkPageView(purpose: Purpose) -> impl IntoView {
    let params = use_params_map();
    let token = move || params.with(|p| p.get("token").unwrap_or_default());
    let data = resource(token, move |token| {
        link_page_data(token, purpose == Purpose::PasswordReset)
    });
    let title = match purpose {
        Purpose::Invitation => "Set your password",
        Purpose::PasswordReset => "Choose a new password",
    };
    view! {
        <PageTitle text=format!("{title} · Mentoring Milestones")/>
        <div class="narrow">
            <h1>{title}</h1>
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    let token = token();
                    crate::ui::frame::or_error(data.await, move |page| {
                        view! { <LinkForm purpose token page/> }.into_any()
                    })
                })}
            </Suspense>
        </div>
    }
}

#[component]
fn LinkForm(purpose: Purpose, token: String, page: LinkPage) -> impl IntoView {
    let flash = page.flash;
    let action = purpose.path(&token);
    let notice = flash.notice.clone().map(|notice| {
        view! { <p class="notice" role="status">{notice}</p> }
    });
    match page.state {
        LinkState::Open { name, email } => {
            let new_error = flash.error("new_password");
            let confirm_error = flash.error("confirm_password");
            let form_error = flash.error("");
            let (intro, button) = match purpose {
                Purpose::Invitation => (
                    format!(
                        "Welcome, {name}. Choose the password you will sign in with as {email}."
                    ),
                    "Set your password",
                ),
                Purpose::PasswordReset => (
                    format!(
                        "Choose a new password for {email}. Every other session of this account ends, and you are signed in here."
                    ),
                    "Set the new password",
                ),
            };
            view! {
                {notice}
                <p>{intro}</p>
                <form class="card" method="post" action=action novalidate>
                    {form_error.map(|message| view! {
                        <p class="form-error" role="alert">{message}</p>
                    })}
                    <div class="field">
                        <label for="new-password">"New password"</label>
                        <input id="new-password" name="new_password" type="password"
                            autocomplete="new-password" required minlength="10"
                            aria-invalid=new_error.as_ref().map(|_| "true")
                            aria-describedby="new-password-hint new-password-error"/>
                        <p class="hint" id="new-password-hint">"At least 10 characters."</p>
                        {new_error.map(|message| view! {
                            <p class="field-error" id="new-password-error">{message}</p>
                        })}
                    </div>
                    <div class="field">
                        <label for="confirm-password">"Repeat the new password"</label>
                        <input id="confirm-password" name="confirm_password" type="password"
                            autocomplete="new-password" required minlength="10"
                            aria-invalid=confirm_error.as_ref().map(|_| "true")
                            aria-describedby="confirm-password-error"/>
                        {confirm_error.map(|message| view! {
                            <p class="field-error" id="confirm-password-error">{message}</p>
                        })}
                    </div>
                    <button type="submit" class="button">{button}</button>
                </form>
            }
            .into_any()
        }
        state => {
            let refusal = state.refusal(purpose).unwrap_or_default();
            let offers = state.offers_new_link();
            view! {
                <p class="form-error" role="alert">{refusal}</p>
                {notice}
                {offers.then(|| view! {
                    <form method="post" action=format!("{action}/new-link")>
                        <button type="submit" class="button">"Send me a new link"</button>
                    </form>
                    <p class="hint">"The new link goes to the address this one was sent to."</p>
                })}
                <p><a href="/sign-in">"Sign in"</a>" · "<a href="/forgot-password">"Forgot your password?"</a></p>
            }
            .into_any()
        }
    }
}

/// `/forgot-password`: an email address in, the same sentence out, whoever asks.
#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    let query = use_query_map();
    let sent = move || query.with(|q| q.get("sent").is_some());
    view! {
        <PageTitle text="Forgot your password? · Mentoring Milestones"/>
        <div class="narrow">
            <h1>"Forgot your password?"</h1>
            {move || sent().then(|| view! { <p class="notice" role="status">{FORGOT_ANSWER}</p> })}
            <p>"Enter the email address of your account. We will send it a link to choose a new password; the link works for one hour."</p>
            <form class="card" method="post" action="/forgot-password">
                <div class="field">
                    <label for="forgot-email">"Email"</label>
                    <input id="forgot-email" name="email" type="email" autocomplete="username" required/>
                </div>
                <button type="submit" class="button">"Send me a link"</button>
            </form>
            <p><a href="/sign-in">"Back to sign in"</a></p>
        </div>
    }
}
