//! The sign-in page. The form posts to `/sign-in` (an axum handler of the server) with and
//! without JavaScript alike; a refused attempt comes back as this page with a message.

use crate::error::AppError;
use crate::ui::data::resource;
use crate::ui::title::PageTitle;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

/// In demo mode (`DEMO=true`), the demo accounts and their password, shown on the sign-in page.
/// The server provides it from the demo data; without it the page shows none.
#[derive(Clone, Debug, Default)]
pub struct DemoMode {
    pub accounts: Vec<DemoAccountInfo>,
    pub password: String,
}

/// How people sign in here: through the organisation's identity provider (its name, for the
/// button), with a password, or both. The server provides it; without it, passwords only.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignInOptions {
    pub provider: Option<String>,
    /// `false` (`PASSWORD_SIGN_IN=false`): only site admins sign in with a password.
    pub password_sign_in: bool,
    /// The provider's origin (`https://login.example.com`): the button's post is answered
    /// with a redirect there, which the pages' `form-action` policy must allow.
    pub provider_origin: Option<String>,
}

impl SignInOptions {
    /// The options of this server (passwords only when it provides none).
    pub fn current() -> SignInOptions {
        use_context::<SignInOptions>().unwrap_or(SignInOptions {
            provider: None,
            password_sign_in: true,
            provider_origin: None,
        })
    }
}

/// What a refused sign-in hands back to the page: the message and the email typed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignInFlash {
    pub message: String,
    pub email: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DemoAccountInfo {
    pub email: String,
    pub name: String,
    pub role: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignInInfo {
    pub flash: Option<SignInFlash>,
    /// Filled in demo mode only.
    pub demo_accounts: Vec<DemoAccountInfo>,
    pub demo_password: Option<String>,
    /// The name of the person already signed in, if any.
    pub signed_in_as: Option<String>,
    /// The identity provider's name, when people sign in through it.
    pub provider: Option<String>,
    pub password_sign_in: bool,
}

#[server(endpoint = "accounts/sign-in-page")]
pub async fn sign_in_page_data() -> Result<SignInInfo, AppError> {
    let demo = use_context::<DemoMode>();
    Ok(SignInInfo {
        flash: use_context::<SignInFlash>(),
        demo_accounts: demo
            .as_ref()
            .map(|d| d.accounts.clone())
            .unwrap_or_default(),
        demo_password: demo.map(|d| d.password),
        signed_in_as: super::identity().map(|u| u.name),
        provider: SignInOptions::current().provider,
        password_sign_in: SignInOptions::current().password_sign_in,
    })
}

/// Whether the server runs on demo data, whose passwords are public: every page says so.
#[server(endpoint = "accounts/demo")]
pub async fn demo_mode_on() -> Result<bool, AppError> {
    Ok(use_context::<DemoMode>().is_some())
}

#[component]
pub fn SignInPage() -> impl IntoView {
    let data = resource(|| (), |_| sign_in_page_data());
    let query = use_query_map();
    view! {
        <PageTitle text="Sign in · Mentoring Milestones"/>
        <div class="narrow">
            <h1>"Sign in"</h1>
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    let next = query.get_untracked().get("next").unwrap_or_default();
                    match data.await {
                        Ok(data) => view! { <SignInForm data next/> }.into_any(),
                        Err(error) => {
                            view! { <p class="error" role="alert">{error.to_string()}</p> }
                                .into_any()
                        }
                    }
                })}
            </Suspense>
        </div>
    }
}

#[component]
fn SignInForm(data: SignInInfo, next: String) -> impl IntoView {
    let flash = data.flash.clone().unwrap_or_default();
    let has_error = !flash.message.is_empty();
    view! {
        {data.signed_in_as.map(|name| view! {
            <p class="notice">"You are signed in as " {name} ". Signing in again switches account."</p>
        })}
        {has_error.then(|| view! {
            <p id="sign-in-error" class="form-error" role="alert">{flash.message.clone()}</p>
        })}
        {data.provider.clone().map(|provider| view! {
            <form class="card provider" method="post" action="/auth/oidc/start">
                <input type="hidden" name="next" value=next.clone()/>
                <button type="submit" class="button wide">{format!("Sign in with {provider}")}</button>
                <p class="hint">"With the account you use at work."</p>
            </form>
        })}
        {if data.password_sign_in {
            view! { <PasswordForm flash=flash.clone() next=next.clone() has_error/> }.into_any()
        } else {
            view! {
                <details class="site-admin-sign-in">
                    <summary>"Site admins: sign in with a password"</summary>
                    <PasswordForm flash=flash.clone() next=next.clone() has_error/>
                </details>
            }
            .into_any()
        }}
        {data.password_sign_in.then(|| view! {
            <p class="form-link"><a href="/forgot-password">"Forgot your password?"</a></p>
        })}
        {data.demo_password.map(|password| view! {
            <section class="card demo" aria-labelledby="demo-heading">
                <h2 id="demo-heading">"Demo accounts"</h2>
                <p>"Every demo account's password is " <code>{password}</code> "."</p>
                <table class="demo-accounts">
                    <thead>
                        <tr><th scope="col">"Email"</th><th scope="col">"Name"</th><th scope="col">"Role"</th></tr>
                    </thead>
                    <tbody>
                        {data.demo_accounts.into_iter().map(|a| view! {
                            <tr><td><code>{a.email}</code></td><td>{a.name}</td><td>{a.role}</td></tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </section>
        })}
    }
}

/// The email and password form of the sign-in page.
#[component]
fn PasswordForm(flash: SignInFlash, next: String, has_error: bool) -> impl IntoView {
    view! {
        <form class="card" method="post" action="/sign-in" novalidate>
            <input type="hidden" name="next" value=next/>
            <div class="field">
                <label for="email">"Email"</label>
                <input
                    id="email"
                    name="email"
                    type="email"
                    autocomplete="username"
                    required
                    value=flash.email.clone()
                    aria-describedby=has_error.then_some("sign-in-error")
                />
            </div>
            <div class="field">
                <label for="password">"Password"</label>
                <input
                    id="password"
                    name="password"
                    type="password"
                    autocomplete="current-password"
                    required
                    aria-describedby=has_error.then_some("sign-in-error")
                />
            </div>
            <button type="submit" class="button">"Sign in"</button>
        </form>
    }
}
