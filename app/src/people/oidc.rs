//! Sign-in through the organisation's identity provider (OpenID Connect): the authorization-code
//! flow with PKCE, `state` and `nonce`, the provider's discovery document and keys. Every
//! protocol check (the ID token's signature, issuer, audience, expiry and nonce) is the
//! `openidconnect` crate's; this module only carries the values between the two legs and says
//! what went wrong in a sentence for the log.

use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreProviderMetadata};
use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl, Nonce, OAuth2TokenResponse,
    PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope, TokenResponse, reqwest,
};
use std::time::{Duration, Instant};

/// How long the discovery document and keys are kept before they are read again.
const DISCOVERY_KEPT: Duration = Duration::from_secs(60 * 60);
/// How long a call to the provider may take: a provider that is down answers quickly.
const PROVIDER_TIMEOUT: Duration = Duration::from_secs(5);

/// The settings of the identity provider (`OIDC_*`).
#[derive(Clone, Debug)]
pub struct OidcSettings {
    pub issuer: String,
    pub client_id: String,
    pub client_secret: String,
    /// What the button says: **Sign in with «name»**.
    pub name: String,
    /// Email domains whose verified people get an account (without rights) at first sign-in.
    pub allowed_domains: Vec<String>,
    /// `{PUBLIC_URL}/auth/oidc/callback`.
    pub redirect_url: String,
}

impl OidcSettings {
    /// Whether the email's domain is one of the allowed domains.
    pub fn domain_allowed(&self, email: &str) -> bool {
        email.rsplit_once('@').is_some_and(|(_, domain)| {
            self.allowed_domains
                .iter()
                .any(|allowed| allowed.eq_ignore_ascii_case(domain))
        })
    }
}

/// The origin (`scheme://host[:port]`) of an address, as a Content-Security-Policy names it;
/// `None` for anything but `http` and `https`.
pub fn origin_of(url: &str) -> Option<String> {
    let parsed = openidconnect::url::Url::parse(url).ok()?;
    let plain_host = parsed.host_str().is_some_and(|host| {
        host.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
    });
    (matches!(parsed.scheme(), "http" | "https") && plain_host)
        .then(|| parsed.origin().ascii_serialization())
}

/// Parses `OIDC_ALLOWED_DOMAINS`: a comma-separated list of domains.
pub fn parse_domains(list: &str) -> Vec<String> {
    list.split(',')
        .map(|d| d.trim().trim_start_matches('@').to_lowercase())
        .filter(|d| !d.is_empty())
        .collect()
}

/// The first leg, to keep in the session: where to send the browser, and the secrets the
/// second leg checks against.
#[derive(Clone, Debug)]
pub struct Begun {
    pub url: String,
    pub state: String,
    pub nonce: String,
    pub pkce_verifier: String,
}

/// Who the provider says signed in, after every check passed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verified {
    pub subject: String,
    pub email: Option<String>,
    pub email_verified: bool,
    pub name: Option<String>,
}

/// The relying party: the settings, an HTTP client that follows no redirect, and the discovery
/// document (with the keys), read when first needed and kept for an hour. The server starts and
/// serves without the provider; only the button needs it.
pub struct Provider {
    pub settings: OidcSettings,
    issuer: IssuerUrl,
    redirect: RedirectUrl,
    http: reqwest::Client,
    discovered: tokio::sync::RwLock<Option<(Instant, CoreProviderMetadata)>>,
}

impl std::fmt::Debug for Provider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Provider")
            .field("issuer", &self.settings.issuer)
            .field("client_id", &self.settings.client_id)
            .finish_non_exhaustive()
    }
}

impl Provider {
    /// Checks the settings (no network).
    pub fn new(settings: OidcSettings) -> Result<Provider, String> {
        let issuer = IssuerUrl::new(settings.issuer.clone())
            .map_err(|e| format!("OIDC_ISSUER is not a URL: {e}"))?;
        let redirect = RedirectUrl::new(settings.redirect_url.clone())
            .map_err(|e| format!("the OIDC redirect address is not a URL: {e}"))?;
        if settings.client_id.trim().is_empty() {
            return Err("OIDC_CLIENT_ID is needed with OIDC_ISSUER".to_string());
        }
        let http = reqwest::ClientBuilder::new()
            // Following redirects would let a response send the server elsewhere (SSRF).
            .redirect(reqwest::redirect::Policy::none())
            .timeout(PROVIDER_TIMEOUT)
            .build()
            .map_err(|e| format!("could not make the HTTP client: {e}"))?;
        Ok(Provider {
            settings,
            issuer,
            redirect,
            http,
            discovered: tokio::sync::RwLock::new(None),
        })
    }

    /// The discovery document and keys: kept ones unless `fresh` or older than an hour.
    async fn metadata(&self, fresh: bool) -> Result<CoreProviderMetadata, String> {
        if !fresh
            && let Some((at, metadata)) = self.discovered.read().await.as_ref()
            && at.elapsed() < DISCOVERY_KEPT
        {
            return Ok(metadata.clone());
        }
        let metadata = CoreProviderMetadata::discover_async(self.issuer.clone(), &self.http)
            .await
            .map_err(|e| format!("discovery at {} failed: {e}", self.settings.issuer))?;
        *self.discovered.write().await = Some((Instant::now(), metadata.clone()));
        Ok(metadata)
    }

    fn client(
        &self,
        metadata: CoreProviderMetadata,
    ) -> openidconnect::core::CoreClient<
        openidconnect::EndpointSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointMaybeSet,
        openidconnect::EndpointMaybeSet,
    > {
        CoreClient::from_provider_metadata(
            metadata,
            ClientId::new(self.settings.client_id.clone()),
            Some(ClientSecret::new(self.settings.client_secret.clone())),
        )
        .set_redirect_uri(self.redirect.clone())
    }

    /// The first leg: the provider's address to send the browser to, with a fresh `state`,
    /// `nonce` and PKCE challenge.
    pub async fn begin(&self) -> Result<Begun, String> {
        let client = self.client(self.metadata(false).await?);
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let (url, state, nonce) = client
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .add_scope(Scope::new("email".to_string()))
            .add_scope(Scope::new("profile".to_string()))
            .set_pkce_challenge(challenge)
            .url();
        Ok(Begun {
            url: url.to_string(),
            state: state.secret().clone(),
            nonce: nonce.secret().clone(),
            pkce_verifier: verifier.secret().clone(),
        })
    }

    /// The second leg: the code exchanged (with the PKCE verifier) and the ID token verified
    /// (signature with the provider's keys, issuer, audience, expiry, the nonce of the first
    /// leg). Keys the provider has rotated since they were read are read again once.
    pub async fn finish(
        &self,
        code: String,
        pkce_verifier: String,
        nonce: String,
    ) -> Result<Verified, String> {
        let client = self.client(self.metadata(false).await?);
        let token = client
            .exchange_code(AuthorizationCode::new(code))
            .map_err(|e| format!("the provider has no token endpoint: {e}"))?
            .set_pkce_verifier(PkceCodeVerifier::new(pkce_verifier))
            .request_async(&self.http)
            .await
            .map_err(|e| format!("the code was refused or the provider did not answer: {e}"))?;
        let id_token = token
            .id_token()
            .ok_or("the provider sent no ID token")?
            .clone();
        let nonce = Nonce::new(nonce);
        let (client, verified) = {
            let first = id_token
                .claims(&client.id_token_verifier(), &nonce)
                .map(verified_of)
                .map_err(|e| e.to_string());
            match first {
                Ok(verified) => (client, verified),
                Err(first) => {
                    let fresh = self.client(self.metadata(true).await?);
                    let verified = id_token
                        .claims(&fresh.id_token_verifier(), &nonce)
                        .map(verified_of)
                        .map_err(|e| format!("the ID token was refused: {e} (first: {first})"))?;
                    (fresh, verified)
                }
            }
        };
        if verified.email.is_some() {
            return Ok(verified);
        }
        // Providers that follow the core specification strictly keep the email out of the ID
        // token when an access token is issued: it is at the userinfo endpoint, for the same
        // subject (checked by the crate).
        let info: openidconnect::core::CoreUserInfoClaims = client
            .user_info(
                token.access_token().clone(),
                Some(openidconnect::SubjectIdentifier::new(
                    verified.subject.clone(),
                )),
            )
            .map_err(|e| format!("the provider has no userinfo endpoint: {e}"))?
            .request_async(&self.http)
            .await
            .map_err(|e| format!("the userinfo request failed: {e}"))?;
        Ok(Verified {
            email: info.email().map(|e| e.as_str().trim().to_lowercase()),
            email_verified: info.email_verified().unwrap_or(false),
            name: verified.name.or_else(|| {
                info.name()
                    .and_then(|n| n.get(None))
                    .map(|n| n.as_str().to_string())
            }),
            subject: verified.subject,
        })
    }
}

fn verified_of(claims: &openidconnect::core::CoreIdTokenClaims) -> Verified {
    Verified {
        subject: claims.subject().as_str().to_string(),
        email: claims.email().map(|e| e.as_str().trim().to_lowercase()),
        email_verified: claims.email_verified().unwrap_or(false),
        name: claims
            .name()
            .and_then(|n| n.get(None))
            .map(|n| n.as_str().to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_origin_is_the_scheme_host_and_port_only() {
        assert_eq!(
            origin_of("https://login.example.com/tenant/v2.0").as_deref(),
            Some("https://login.example.com")
        );
        assert_eq!(
            origin_of("http://127.0.0.1:3102").as_deref(),
            Some("http://127.0.0.1:3102")
        );
        assert_eq!(origin_of("javascript:alert(1)"), None);
        assert_eq!(origin_of("https://a.example; script-src *"), None);
        assert_eq!(origin_of("https://a;b.example/"), None);
    }

    #[test]
    fn allowed_domains_match_the_whole_domain_only() {
        let settings = OidcSettings {
            issuer: String::new(),
            client_id: String::new(),
            client_secret: String::new(),
            name: String::new(),
            allowed_domains: parse_domains(" Example.org, @corp.example ,"),
            redirect_url: String::new(),
        };
        assert_eq!(settings.allowed_domains, ["example.org", "corp.example"]);
        assert!(settings.domain_allowed("ann@example.org"));
        assert!(settings.domain_allowed("bo@CORP.example"));
        assert!(!settings.domain_allowed("eve@evil-example.org"));
        assert!(!settings.domain_allowed("eve@example.org.evil.example"));
        assert!(!settings.domain_allowed("no-at-sign"));
    }
}
