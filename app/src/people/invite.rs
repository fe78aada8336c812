//! Sending the emails that bring people in, through the outbox: an invitation (a one-use link
//! to set a password, valid 14 days), "You have been added to «program»", and a password-reset
//! link (valid one hour). Without a mail server (`SMTP_URL` unset) an invitation is not queued:
//! its link goes back to the admin, to hand over.

use super::emails::{self, InvitationLink, Place};
use super::store::{self, NewLink, Person, Refused};
use super::{INVITATION_DAYS, Purpose, RESET_MINUTES};
use crate::accounts::tokens::{new_token, token_hash};
use crate::db::Db;
use crate::error::AppError;
use crate::kernel::public_url::PublicUrl;
use crate::mail::MailContext;
use crate::mail::store::NewEmail;
use chrono::{DateTime, Duration, Utc};

/// The outbox row of one of these emails (no digest day, no unsubscribe link: they are not
/// reminders).
pub fn outbox_email<'a>(
    key: &'a str,
    kind: &'a str,
    user_id: i64,
    program_id: Option<i64>,
    to: &'a str,
    rendered: &'a emails::Rendered,
) -> NewEmail<'a> {
    NewEmail {
        dedupe_key: key,
        kind,
        user_id: Some(user_id),
        program_id,
        digest_day: None,
        to_address: to,
        subject: &rendered.subject,
        body_text: &rendered.text,
        body_html: &rendered.html,
        unsubscribe_url: None,
    }
}

/// The name of the organisation's identity provider (`OIDC_NAME`) when people sign in through
/// it: invitations then lead to the sign-in page, not to a password form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProviderSignIn(pub String);

/// What an invitation needs of the server: the database, how it sends mail, its address.
#[derive(Clone, Debug)]
pub struct Inviting {
    pub db: Db,
    pub mail: MailContext,
    pub public_url: PublicUrl,
    pub provider: Option<ProviderSignIn>,
}

impl Inviting {
    /// From the context of the request being handled.
    pub fn current() -> Inviting {
        use leptos::prelude::{expect_context, use_context};
        Inviting {
            db: expect_context::<Db>(),
            mail: MailContext::current(),
            public_url: use_context::<PublicUrl>()
                .unwrap_or_else(|| PublicUrl::local(([127, 0, 0, 1], 3000).into())),
            provider: use_context::<ProviderSignIn>(),
        }
    }

    pub fn sending(&self) -> bool {
        self.mail.sending.server.is_some()
    }
}

/// How an invitation went.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Invited {
    /// Queued in the outbox, on its way.
    Emailed,
    /// Nothing is sent here: this link is for the admin to hand over.
    HandOver(String),
    /// Refused: the person asked for too many links this hour, or the account is disabled.
    Refused(Refused),
}

/// An invitation made ready to be saved: the link's token (only its hash is stored), what the
/// admin hands over when no email is sent, and the email.
pub struct Prepared {
    pub token: String,
    pub hand_over: String,
    pub expires_at: DateTime<Utc>,
    pub rendered: emails::Rendered,
}

impl Prepared {
    /// The outbox row of this invitation to `person`.
    pub fn email<'a>(
        &'a self,
        key: &'a str,
        person_id: i64,
        to: &'a str,
        program_id: Option<i64>,
    ) -> NewEmail<'a> {
        outbox_email(key, "invitation", person_id, program_id, to, &self.rendered)
    }

    /// The outbox key of this invitation: one email per link.
    pub fn key(&self) -> String {
        format!("invitation:{}", token_hash(&self.token))
    }
}

/// Makes the invitation of `person_name` from `inviter` (empty: the person asked again): a new
/// link valid [`INVITATION_DAYS`], or the sign-in page when people sign in through the
/// organisation's identity provider.
pub fn prepare(
    ctx: &Inviting,
    person_name: &str,
    inviter: &str,
    place: Option<Place<'_>>,
    now: DateTime<Utc>,
) -> Prepared {
    let sign_in_url = ctx.public_url.join("/sign-in");
    let token = new_token();
    let url = ctx.public_url.join(&Purpose::Invitation.path(&token));
    let expires_at = now + Duration::days(INVITATION_DAYS);
    let link = match &ctx.provider {
        Some(ProviderSignIn(provider)) => InvitationLink::Provider {
            sign_in_url: &sign_in_url,
            provider,
        },
        None => InvitationLink::SetPassword {
            url: &url,
            expires: expires_at.date_naive(),
        },
    };
    let hand_over = match link {
        InvitationLink::Provider { sign_in_url, .. } => sign_in_url.to_string(),
        InvitationLink::SetPassword { url, .. } => url.to_string(),
    };
    let rendered = emails::invitation(person_name, inviter, place, link);
    Prepared {
        token,
        hand_over,
        expires_at,
        rendered,
    }
}

/// Invites `person` (an invited account) from `inviter`, to a program or to the site.
pub async fn invite(
    ctx: &Inviting,
    person: &Person,
    inviter: &str,
    place: Option<(i64, Place<'_>)>,
    self_service: bool,
    now: DateTime<Utc>,
) -> Result<Invited, AppError> {
    let prepared = prepare(
        ctx,
        &person.display_name,
        inviter,
        place.map(|(_, p)| p),
        now,
    );
    let key = prepared.key();
    let email = prepared.email(&key, person.id, &person.email, place.map(|(id, _)| id));
    let new_link = NewLink {
        user_id: person.id,
        purpose: Purpose::Invitation,
        self_service,
        now,
        expires_at: prepared.expires_at,
    };
    let sending = ctx.sending();
    let saved = store::save_link(
        &ctx.db,
        &prepared.token,
        new_link,
        sending.then_some(&email),
    )
    .await?;
    Ok(match saved {
        Err(refused) => Invited::Refused(refused),
        Ok(()) if sending => {
            ctx.mail.wake.notify_one();
            Invited::Emailed
        }
        Ok(()) => Invited::HandOver(prepared.hand_over),
    })
}

/// Tells someone who has an account already that they were enrolled in another program: no
/// link, nothing to set. `enrollment_id` makes the email unique.
pub async fn tell_added(
    ctx: &Inviting,
    person: &Person,
    inviter: &str,
    program_id: i64,
    place: Place<'_>,
    enrollment_id: i64,
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    let rendered = emails::added(
        &person.display_name,
        inviter,
        place,
        &ctx.public_url.join("/sign-in"),
    );
    let key = format!("added:{enrollment_id}");
    let email = outbox_email(
        &key,
        "added",
        person.id,
        Some(program_id),
        &person.email,
        &rendered,
    );
    let queued = crate::mail::store::queue(&ctx.db, &email, now).await?;
    if queued.is_some() {
        ctx.mail.wake.notify_one();
    }
    Ok(queued.is_some() && ctx.sending())
}

/// Sends `person` a link to choose a new password, within the hour's allowance.
pub async fn send_reset(
    ctx: &Inviting,
    person: &Person,
    now: DateTime<Utc>,
) -> Result<Result<(), Refused>, AppError> {
    let token = new_token();
    let url = ctx.public_url.join(&Purpose::PasswordReset.path(&token));
    let rendered = emails::password_reset(&person.display_name, &url);
    let key = format!("password_reset:{}", token_hash(&token));
    let email = outbox_email(
        &key,
        "password_reset",
        person.id,
        None,
        &person.email,
        &rendered,
    );
    let link = NewLink {
        user_id: person.id,
        purpose: Purpose::PasswordReset,
        self_service: true,
        now,
        expires_at: now + Duration::minutes(RESET_MINUTES),
    };
    let saved = store::save_link(&ctx.db, &token, link, Some(&email)).await?;
    if saved.is_ok() {
        ctx.mail.wake.notify_one();
    }
    Ok(saved)
}

/// What the admin is told of an invitation.
pub fn invitation_sentence(invited: &Invited, email: &str) -> String {
    match invited {
        Invited::Emailed => format!("An invitation is on its way to {email}."),
        Invited::HandOver(_) => "Email is not set up here: use Copy invitation link in the list \
                                 to hand them their link."
            .to_string(),
        Invited::Refused(_) => "The account is disabled, so no invitation was sent.".to_string(),
    }
}

/// The invitation of an invited account, again: the admin's answer (a sentence, or the link).
pub async fn resend(
    user_id: i64,
    inviter: &str,
    place: Option<(i64, Place<'_>)>,
) -> Result<String, AppError> {
    let ctx = Inviting::current();
    let person = store::person(&ctx.db, user_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if person.invited_at.is_none() {
        return Err(AppError::invalid(format!(
            "{} has accepted their invitation already: they sign in as usual.",
            person.display_name
        )));
    }
    match invite(&ctx, &person, inviter, place, false, chrono::Utc::now()).await? {
        Invited::HandOver(link) => Ok(link),
        other => Ok(invitation_sentence(&other, &person.email)),
    }
}
