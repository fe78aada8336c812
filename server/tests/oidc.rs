//! Sign-in through an identity provider (issue 27), through the real router, against a provider
//! run inside the test: discovery, keys, and a token endpoint that hands out ID tokens signed
//! with a test key (by `openidconnect` itself), one code at a time. What the provider says is
//! chosen per test: a verified or unverified email, another audience, an expired token, another
//! nonce. Refusals sign no one in. The Playwright journeys use a real provider (oidc-provider).

mod support;

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use openidconnect::core::{
    CoreIdToken, CoreIdTokenClaims, CoreJsonWebKeySet, CoreJwsSigningAlgorithm,
    CoreProviderMetadata, CoreResponseType, CoreRsaPrivateSigningKey, CoreSubjectIdentifierType,
};
use openidconnect::{
    Audience, AuthUrl, EmptyAdditionalClaims, EmptyAdditionalProviderMetadata, EndUserEmail,
    IssuerUrl, JsonWebKeyId, JsonWebKeySetUrl, Nonce, PkceCodeChallenge, PkceCodeVerifier,
    PrivateSigningKey, ResponseTypes, StandardClaims, SubjectIdentifier, TokenUrl,
};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use support::{Engine, TestApp};

const CLIENT_ID: &str = "milestones-test";
const CLIENT_SECRET: &str = "test-secret";

/// What the provider says about the person behind one code.
#[derive(Clone, Debug)]
struct Person {
    sub: String,
    email: String,
    verified: bool,
    audience: String,
    /// Seconds from now until the token expires (negative: expired).
    expires_in: i64,
    /// The nonce the token carries instead of the one asked for.
    nonce: Option<String>,
}

impl Person {
    fn verified(sub: &str, email: &str) -> Person {
        Person {
            sub: sub.to_string(),
            email: email.to_string(),
            verified: true,
            audience: CLIENT_ID.to_string(),
            expires_in: 300,
            nonce: None,
        }
    }
}

/// A code handed out, with the PKCE challenge and nonce of its request.
struct Issued {
    person: Person,
    challenge: String,
    nonce: String,
}

#[derive(Clone)]
struct Fake {
    issuer: String,
    key: Arc<CoreRsaPrivateSigningKey>,
    codes: Arc<Mutex<HashMap<String, Issued>>>,
}

fn test_key() -> CoreRsaPrivateSigningKey {
    CoreRsaPrivateSigningKey::from_pem(
        include_str!("fixtures/oidc-test-key.pem"),
        Some(JsonWebKeyId::new("test-key".to_string())),
    )
    .expect("the test key")
}

async fn discovery(State(fake): State<Fake>) -> Json<CoreProviderMetadata> {
    let issuer = &fake.issuer;
    Json(
        CoreProviderMetadata::new(
            IssuerUrl::new(issuer.clone()).expect("issuer"),
            AuthUrl::new(format!("{issuer}/authorize")).expect("auth"),
            JsonWebKeySetUrl::new(format!("{issuer}/jwks")).expect("jwks"),
            vec![ResponseTypes::new(vec![CoreResponseType::Code])],
            vec![CoreSubjectIdentifierType::Public],
            vec![CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256],
            EmptyAdditionalProviderMetadata {},
        )
        .set_token_endpoint(Some(
            TokenUrl::new(format!("{issuer}/token")).expect("token"),
        )),
    )
}

async fn jwks(State(fake): State<Fake>) -> Json<CoreJsonWebKeySet> {
    Json(CoreJsonWebKeySet::new(vec![fake.key.as_verification_key()]))
}

async fn token(
    State(fake): State<Fake>,
    Form(form): Form<HashMap<String, String>>,
) -> (StatusCode, Json<serde_json::Value>) {
    let refused = |what: &str| {
        (
            StatusCode::BAD_REQUEST,
            Json(serde_json::json!({ "error": "invalid_grant", "error_description": what })),
        )
    };
    let code = form.get("code").cloned().unwrap_or_default();
    // Each code works once.
    let Some(issued) = fake.codes.lock().expect("codes").remove(&code) else {
        return refused("unknown or used code");
    };
    let verifier = PkceCodeVerifier::new(form.get("code_verifier").cloned().unwrap_or_default());
    if PkceCodeChallenge::from_code_verifier_sha256(&verifier).as_str() != issued.challenge {
        return refused("PKCE verifier does not match");
    }
    let person = issued.person;
    let now = chrono::Utc::now();
    let claims = CoreIdTokenClaims::new(
        IssuerUrl::new(fake.issuer.clone()).expect("issuer"),
        vec![Audience::new(person.audience.clone())],
        now + chrono::Duration::seconds(person.expires_in),
        now - chrono::Duration::seconds(if person.expires_in < 0 { 600 } else { 0 }),
        StandardClaims::new(SubjectIdentifier::new(person.sub.clone()))
            .set_email(Some(EndUserEmail::new(person.email.clone())))
            .set_email_verified(Some(person.verified)),
        EmptyAdditionalClaims {},
    )
    .set_nonce(Some(Nonce::new(
        person.nonce.clone().unwrap_or(issued.nonce),
    )));
    let id_token = CoreIdToken::new(
        claims,
        fake.key.as_ref(),
        CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
        None,
        None,
    )
    .expect("signed");
    (
        StatusCode::OK,
        Json(serde_json::json!({
            "access_token": "test-access-token",
            "token_type": "Bearer",
            "expires_in": 300,
            "id_token": id_token,
        })),
    )
}

/// Starts the provider on a free port of 127.0.0.1.
async fn start_provider() -> Fake {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a port");
    let fake = Fake {
        issuer: format!("http://{}", listener.local_addr().expect("address")),
        key: Arc::new(test_key()),
        codes: Arc::default(),
    };
    let router = Router::new()
        .route("/.well-known/openid-configuration", get(discovery))
        .route("/jwks", get(jwks))
        .route("/token", post(token))
        .with_state(fake.clone());
    tokio::spawn(async move { axum::serve(listener, router).await });
    fake
}

async fn app_with(
    engine: Engine,
    issuer: &str,
    configure: impl FnOnce(&mut server::Config),
) -> TestApp {
    let issuer = issuer.to_string();
    TestApp::set_up(
        engine,
        move |config| {
            config.oidc_issuer = Some(issuer);
            config.oidc_client_id = CLIENT_ID.to_string();
            config.oidc_client_secret = CLIENT_SECRET.to_string();
            config.oidc_name = "Test Login".to_string();
            config.oidc_allowed_domains = "allowed.example".to_string();
            configure(config);
        },
        server::auth::SignInLimits::default(),
    )
    .await
}

/// The button's post: the provider's address, and its query.
async fn begin(client: &mut support::Client<'_>) -> HashMap<String, String> {
    let reply = client.post_form("/auth/oidc/start", &[("next", "")]).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    let location = reply
        .location()
        .expect("the provider's address")
        .to_string();
    let query = location.split_once('?').expect("a query").1;
    let pairs: HashMap<String, String> = query
        .split('&')
        .filter_map(|p| p.split_once('='))
        .map(|(k, v)| (k.to_string(), percent_decode(v)))
        .collect();
    assert_eq!(pairs.get("client_id").map(String::as_str), Some(CLIENT_ID));
    assert_eq!(pairs.get("response_type").map(String::as_str), Some("code"));
    assert_eq!(
        pairs.get("code_challenge_method").map(String::as_str),
        Some("S256")
    );
    assert!(
        pairs
            .get("scope")
            .is_some_and(|s| s.contains("openid") && s.contains("email"))
    );
    assert!(
        pairs
            .get("redirect_uri")
            .is_some_and(|r| r.ends_with("/auth/oidc/callback"))
    );
    assert!(pairs.contains_key("state") && pairs.contains_key("nonce"));
    pairs
}

fn percent_decode(text: &str) -> String {
    let bytes = text.replace('+', " ").into_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The provider signs `person` in for the request `asked`: a code the callback can use.
fn issue(fake: &Fake, asked: &HashMap<String, String>, person: Person, code: &str) {
    fake.codes.lock().expect("codes").insert(
        code.to_string(),
        Issued {
            person,
            challenge: asked["code_challenge"].clone(),
            nonce: asked["nonce"].clone(),
        },
    );
}

async fn back(client: &mut support::Client<'_>, code: &str, state: &str) -> support::Reply {
    client
        .get(&format!(
            "/auth/oidc/callback?code={}&state={}",
            app::kernel::text::encode_query_value(code),
            app::kernel::text::encode_query_value(state)
        ))
        .await
}

async fn signed_out(client: &mut support::Client<'_>) -> bool {
    let reply = client.get("/quickcliq").await;
    reply.status == StatusCode::FOUND && reply.location().is_some_and(|l| l.starts_with("/sign-in"))
}

/// One sign-in with the provider saying `person`: the callback's reply.
async fn sign_in_as(
    client: &mut support::Client<'_>,
    fake: &Fake,
    person: Person,
    code: &str,
) -> support::Reply {
    let asked = begin(client).await;
    issue(fake, &asked, person, code);
    back(client, code, &asked["state"]).await
}

async fn a_verified_email_links_an_invited_account_and_the_subject_finds_it_after(engine: Engine) {
    let fake = start_provider().await;
    let app = app_with(engine, &fake.issuer, |_| {}).await;
    let mut admin = app.client().signed_in_as(support::PROGRAM_ADMIN).await;
    let enrolled = admin
        .call(
            "programs/enrol",
            &[
                ("program_id", &app.program_id.to_string()),
                ("email", "ola@corp.example"),
                ("role", "mentee"),
                ("name", "Ola Nordmann"),
            ],
        )
        .await;
    assert_eq!(enrolled.status, StatusCode::OK, "{}", enrolled.body);
    // With a provider, the invitation to hand over is the sign-in page, not a password form.
    let ola_id = app
        .scalar("SELECT id FROM users WHERE email = 'ola@corp.example'")
        .await;
    let link = admin
        .call(
            "programs/resend-invitation",
            &[
                ("program_id", &app.program_id.to_string()),
                ("user_id", &ola_id.to_string()),
            ],
        )
        .await;
    let link: String = serde_json::from_str(&link.body).expect("a link");
    assert!(link.ends_with("/sign-in"), "{link}");

    let mut ola = app.client();
    let reply = sign_in_as(
        &mut ola,
        &fake,
        Person::verified("sub-ola", "ola@corp.example"),
        "c1",
    )
    .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    assert_eq!(reply.location(), Some("/quickcliq"));
    assert_eq!(ola.get("/quickcliq").await.status, StatusCode::OK);
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM users WHERE email = 'ola@corp.example' AND invited_at IS NULL AND oidc_subject = 'sub-ola'").await,
        1
    );
    // Later the provider's email changed: the subject still finds the account.
    let mut again = app.client();
    let reply = sign_in_as(
        &mut again,
        &fake,
        Person::verified("sub-ola", "ola.n@corp.example"),
        "c2",
    )
    .await;
    assert_eq!(reply.location(), Some("/quickcliq"));
    // Sessions made this way end like the others: Sign out everywhere.
    let everywhere = again.post_form("/sign-out-everywhere", &[]).await;
    assert_eq!(everywhere.status, StatusCode::SEE_OTHER);
    assert!(
        signed_out(&mut ola).await,
        "every session of the account ended"
    );

    // A disabled account is refused.
    let mut site = app.client().signed_in_as("admin@example.com").await;
    site.call(
        "accounts/set-disabled",
        &[("user_id", &ola_id.to_string()), ("disabled", "true")],
    )
    .await;
    let mut disabled = app.client();
    let reply = sign_in_as(
        &mut disabled,
        &fake,
        Person::verified("sub-ola", "ola@corp.example"),
        "c3",
    )
    .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert!(reply.body.contains("This account is disabled."));
    assert!(signed_out(&mut disabled).await);
}

async fn unverified_unknown_and_allowed_domain_people(engine: Engine) {
    let fake = start_provider().await;
    let app = app_with(engine, &fake.issuer, |_| {}).await;
    // The demo mentee's address, unverified at the provider: not matched.
    let mut someone = app.client();
    let mut unverified = Person::verified("sub-x", "mentee@example.com");
    unverified.verified = false;
    let reply = sign_in_as(&mut someone, &fake, unverified, "u1").await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert!(
        support::unescape(&reply.body)
            .contains("Test Login has not confirmed that mentee@example.com is yours")
    );
    assert!(signed_out(&mut someone).await);
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM users WHERE oidc_subject IS NOT NULL")
            .await,
        0
    );
    // Unknown, outside the allowed domains.
    let mut stranger = app.client();
    let reply = sign_in_as(
        &mut stranger,
        &fake,
        Person::verified("sub-s", "stranger@elsewhere.example"),
        "u2",
    )
    .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert!(reply.body.contains(
        "stranger@elsewhere.example is not part of any program here. Ask your program admin to add you."
    ));
    assert!(signed_out(&mut stranger).await);
    // An allowed domain: an account without rights.
    let mut newcomer = app.client();
    let reply = sign_in_as(
        &mut newcomer,
        &fake,
        Person::verified("sub-n", "new.person@allowed.example"),
        "u3",
    )
    .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    assert_eq!(reply.location(), Some("/quickcliq"));
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM users WHERE email = 'new.person@allowed.example' AND NOT is_site_admin").await,
        1
    );
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM enrollments e JOIN users u ON u.id = e.user_id WHERE u.email = 'new.person@allowed.example'").await,
        0
    );
    assert_eq!(
        newcomer
            .get(&format!("/programs/{}", app.program_id))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}

on_both_engines!(
    a_verified_email_links_an_invited_account_and_the_subject_finds_it_after,
    unverified_unknown_and_allowed_domain_people,
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_state_a_replayed_code_another_audience_an_expired_token_and_a_wrong_nonce_sign_no_one_in()
 {
    let fake = start_provider().await;
    let app = app_with(Engine::Sqlite, &fake.issuer, |_| {}).await;
    let person = || Person::verified("sub-mentor", "mentor@example.com");

    // A wrong state: refused, and the real one no longer works either (it was used up).
    let mut client = app.client();
    let asked = begin(&mut client).await;
    issue(&fake, &asked, person(), "s1");
    let reply = back(&mut client, "s1", "not-the-state").await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(signed_out(&mut client).await);
    let reply = back(&mut client, "s1", &asked["state"]).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(signed_out(&mut client).await);

    // A callback without a sign-in started in this browser (a forged link).
    let mut forged = app.client();
    let reply = back(&mut forged, "anything", "anything").await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(signed_out(&mut forged).await);

    // A code used once, then replayed: the callback again is refused, and so is the code in a
    // new sign-in (the provider takes each code once).
    let mut first = app.client();
    let asked = begin(&mut first).await;
    issue(&fake, &asked, person(), "r1");
    let reply = back(&mut first, "r1", &asked["state"]).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    let mut attacker = app.client();
    let replay = back(&mut attacker, "r1", &asked["state"]).await;
    assert_eq!(replay.status, StatusCode::BAD_REQUEST);
    assert!(signed_out(&mut attacker).await);
    let fresh = begin(&mut attacker).await;
    let replay = back(&mut attacker, "r1", &fresh["state"]).await;
    assert_eq!(replay.status, StatusCode::UNAUTHORIZED);
    assert!(
        replay
            .body
            .contains("Your sign-in through Test Login could not be checked.")
    );
    assert!(signed_out(&mut attacker).await);

    // Tokens the provider signed, each wrong in one way.
    let mut other_audience = person();
    other_audience.audience = "another-client".to_string();
    let mut expired = person();
    expired.expires_in = -120;
    let mut wrong_nonce = person();
    wrong_nonce.nonce = Some("a-nonce-of-another-request".to_string());
    for (n, bad) in [other_audience, expired, wrong_nonce]
        .into_iter()
        .enumerate()
    {
        let mut client = app.client();
        let reply = sign_in_as(&mut client, &fake, bad.clone(), &format!("bad{n}")).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{bad:?}");
        assert!(signed_out(&mut client).await, "{bad:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_provider_that_is_down_is_a_sentence_and_passwords_still_work() {
    // Nothing listens there.
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("port");
    let issuer = format!("http://{}", closed.local_addr().expect("address"));
    drop(closed);
    let app = app_with(Engine::Sqlite, &issuer, |_| {}).await;
    let page = app.client().get("/sign-in").await;
    assert!(page.body.contains("Sign in with Test Login"));
    let mut client = app.client();
    let reply = client.post_form("/auth/oidc/start", &[("next", "")]).await;
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(reply.body.contains("Test Login cannot be reached right now. Please try again in a few minutes, or sign in with your password."));
    let signed = client
        .sign_in("mentor@example.com", app::dev::seed::DEMO_PASSWORD)
        .await;
    assert_eq!(signed.status, StatusCode::SEE_OTHER);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_passwords_off_only_site_admins_use_one_and_the_page_leads_with_the_provider() {
    let fake = start_provider().await;
    let app = app_with(Engine::Sqlite, &fake.issuer, |config| {
        config.password_sign_in = false
    })
    .await;
    let page = app.client().get("/sign-in").await;
    assert!(page.body.contains("Sign in with Test Login"));
    assert!(page.body.contains("Site admins: sign in with a password"));
    assert!(!page.body.contains("Forgot your password?"));
    let refused = app
        .client()
        .sign_in("mentor@example.com", app::dev::seed::DEMO_PASSWORD)
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(
        refused
            .body
            .contains("Passwords are not used here: use Sign in with Test Login.")
    );
    let admin = app
        .client()
        .sign_in("admin@example.com", app::dev::seed::DEMO_PASSWORD)
        .await;
    assert_eq!(admin.status, StatusCode::SEE_OTHER);
    // The provider works for everyone else.
    let mut mentor = app.client();
    let reply = sign_in_as(
        &mut mentor,
        &fake,
        Person::verified("sub-m", "mentor@example.com"),
        "p1",
    )
    .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    assert_eq!(mentor.get("/quickcliq").await.status, StatusCode::OK);
}
