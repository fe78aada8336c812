//! What every handler shares (`AppState`), made from the settings, and what every page render
//! and server function finds in its Leptos context.

use crate::config::Config;
use crate::{auth, client_address};
use app::accounts::sign_in::{DemoAccountInfo, DemoMode};
use app::db::Db;
use app::dev::seed::{DEMO_ACCOUNTS, DEMO_PASSWORD};
use app::kernel::public_url::PublicUrl;
use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use leptos::prelude::provide_context;
use std::sync::Arc;

/// What the handlers share.
#[derive(Clone, Debug, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    /// The built files carry their content's hash in their names (cargo-leptos `hash-files`,
    /// `hash.txt` beside the binary): browsers may keep them for good.
    #[from_ref(skip)]
    pub hashed_assets: bool,
    pub db: Db,
    #[from_ref(skip)]
    pub demo: bool,
    #[from_ref(skip)]
    pub secure_cookies: bool,
    #[from_ref(skip)]
    pub sign_in_gate: Arc<auth::SignInGate>,
    #[from_ref(skip)]
    pub trusted_proxies: Arc<client_address::TrustedProxies>,
    #[from_ref(skip)]
    pub change_throttle: Arc<app::items::throttle::ChangeThrottle>,
    #[from_ref(skip)]
    pub request_timeout: std::time::Duration,
    #[from_ref(skip)]
    pub public_url: PublicUrl,
    #[from_ref(skip)]
    pub mail: app::mail::MailContext,
    /// The identity provider, when `OIDC_ISSUER` is set.
    #[from_ref(skip)]
    pub oidc: Option<Arc<app::people::oidc::Provider>>,
    #[from_ref(skip)]
    pub password_sign_in: bool,
    /// How people sign in, as the pages show it (made once, not per request).
    #[from_ref(skip)]
    pub sign_in_options: app::accounts::sign_in::SignInOptions,
}

impl AppState {
    /// The state with the default sign-in limits, or why the settings cannot work.
    pub fn new(config: &Config, db: Db) -> Result<AppState, String> {
        AppState::with_limits(config, db, auth::SignInLimits::default())
    }

    /// The state, or why the settings cannot work (an OIDC setting that is not a URL,
    /// passwords off without a provider).
    pub fn with_limits(
        config: &Config,
        db: Db,
        limits: auth::SignInLimits,
    ) -> Result<AppState, String> {
        let output_name =
            std::env::var("LEPTOS_OUTPUT_NAME").unwrap_or_else(|_| "milestones".to_string());
        let hashed_assets = hash_file_present();
        let leptos_options = LeptosOptions::builder()
            .output_name(output_name)
            .site_root(config.site_root.clone())
            .site_pkg_dir("pkg")
            .site_addr(config.site_addr)
            .hash_files(hashed_assets)
            .build();
        let public_url = config
            .public_url
            .clone()
            .unwrap_or_else(|| PublicUrl::local(config.site_addr));
        let oidc = match &config.oidc_issuer {
            Some(issuer) if !issuer.trim().is_empty() => Some(Arc::new(
                app::people::oidc::Provider::new(app::people::oidc::OidcSettings {
                    issuer: issuer.trim().to_string(),
                    client_id: config.oidc_client_id.clone(),
                    client_secret: config.oidc_client_secret.clone(),
                    name: config.oidc_name.clone(),
                    allowed_domains: app::people::oidc::parse_domains(&config.oidc_allowed_domains),
                    redirect_url: public_url.join("/auth/oidc/callback"),
                })?,
            )),
            _ => None,
        };
        if oidc.is_none() && !config.password_sign_in {
            return Err(
                "PASSWORD_SIGN_IN=false needs OIDC_ISSUER: nobody could sign in otherwise"
                    .to_string(),
            );
        }
        Ok(AppState {
            leptos_options,
            hashed_assets,
            db,
            demo: config.demo,
            secure_cookies: config.secure_cookies,
            sign_in_gate: Arc::new(auth::SignInGate::new(limits)),
            trusted_proxies: Arc::new(config.trusted_proxies.clone()),
            change_throttle: Arc::default(),
            request_timeout: std::time::Duration::from_millis(config.request_timeout_ms.max(1)),
            public_url,
            mail: app::mail::MailContext {
                sending: app::mail::Sending {
                    server: config.smtp_url.as_deref().map(smtp_server_label),
                    from: config.mail_from.clone(),
                },
                wake: Arc::default(),
            },
            sign_in_options: app::accounts::sign_in::SignInOptions {
                provider: oidc.as_ref().map(|p| p.settings.name.clone()),
                password_sign_in: config.password_sign_in,
                provider_origin: oidc
                    .as_ref()
                    .and_then(|p| app::people::oidc::origin_of(&p.settings.issuer)),
            },
            oidc,
            password_sign_in: config.password_sign_in,
        })
    }
}

/// The mail server of an `SMTP_URL` as the admins' page names it: scheme, host and port,
/// never the user name or password.
pub fn smtp_server_label(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("smtp", url));
    let rest = rest.rsplit_once('@').map_or(rest, |(_, host)| host);
    let host = rest.split(['/', '?']).next().unwrap_or(rest);
    format!("{scheme}://{host}")
}

/// Whether cargo-leptos wrote `hash.txt` (the hashed names of the built files) beside this
/// binary. Test binaries, elsewhere, serve the plain names.
fn hash_file_present() -> bool {
    std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|dir| dir.join("hash.txt")))
        .is_some_and(|file| file.is_file())
}

/// The demo accounts as the sign-in page lists them.
fn demo_mode() -> DemoMode {
    DemoMode {
        accounts: DEMO_ACCOUNTS
            .iter()
            .map(|a| DemoAccountInfo {
                email: a.email.to_string(),
                name: a.name.to_string(),
                role: match a.role {
                    None => "Site admin, program admin".to_string(),
                    Some(role) => role.label().to_string(),
                },
            })
            .collect(),
        password: DEMO_PASSWORD.to_string(),
    }
}

/// What every page render and server function finds in its Leptos context.
pub fn provide_app_context(state: &AppState) {
    provide_context(state.db.clone());
    provide_context(state.change_throttle.clone());
    provide_context(state.public_url.clone());
    provide_context(state.mail.clone());
    provide_context(state.sign_in_options.clone());
    if let Some(provider) = &state.sign_in_options.provider {
        provide_context(app::people::invite::ProviderSignIn(provider.clone()));
    }
    if state.demo {
        provide_context(demo_mode());
    }
}
