//! The emails that bring people in: an invitation (with its **Set your password** link, or the
//! sign-in page when the organisation's identity provider is used), "You have been added to
//! «program»" for someone who has an account already, and a password-reset link. Every name is
//! escaped in the HTML part; the text part keeps names as typed.

use crate::kernel::due_date::readable_date;
use crate::kernel::roles::Role;
use crate::kernel::text::escape_html;
pub use crate::mail::digest::Rendered;
use chrono::NaiveDate;

/// A program someone is brought into, and their role in it.
#[derive(Clone, Copy, Debug)]
pub struct Place<'a> {
    pub program: &'a str,
    pub role: Role,
}

/// "a mentee" / "a mentor".
fn as_a(role: Role) -> &'static str {
    match role {
        Role::Mentor => "a mentor",
        Role::Mentee => "a mentee",
    }
}

/// Control characters (a line break) never reach a header.
fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// The HTML frame of every email here: a title, paragraphs already escaped, one button.
fn page(subject: &str, paragraphs: &[String], button: (&str, &str), after: &[String]) -> String {
    let mut html = format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{}</title></head><body style=\"font-family:sans-serif;font-size:16px;\
         line-height:1.5;padding:12px\">",
        escape_html(subject)
    );
    for p in paragraphs {
        html.push_str(&format!("<p>{p}</p>"));
    }
    html.push_str(&format!(
        "<p><a href=\"{}\" style=\"display:inline-block;background:#1d4ed8;color:#ffffff;\
         padding:10px 18px;border-radius:6px;text-decoration:none;font-weight:bold\">{}</a></p>",
        escape_html(button.1),
        escape_html(button.0)
    ));
    for p in after {
        html.push_str(&format!(
            "<p style=\"color:#4b5563;font-size:14px\">{p}</p>"
        ));
    }
    html.push_str("</body></html>\n");
    html
}

/// Where an invitation leads: a password form of its own, or the sign-in page when people sign
/// in through the organisation's identity provider.
#[derive(Clone, Copy, Debug)]
pub enum InvitationLink<'a> {
    SetPassword {
        url: &'a str,
        expires: NaiveDate,
    },
    Provider {
        sign_in_url: &'a str,
        provider: &'a str,
    },
}

/// The invitation of a new account, from `inviter` (empty when the person asked for a new
/// link), to a program or to the site.
pub fn invitation(
    person: &str,
    inviter: &str,
    place: Option<Place<'_>>,
    link: InvitationLink<'_>,
) -> Rendered {
    let subject = match place {
        Some(place) => one_line(&format!("You are invited to {}", place.program)),
        None => "You are invited to Mentoring Milestones".to_string(),
    };
    // A link the person asked for again names no one.
    let (who_text, who_html) = if inviter.is_empty() {
        ("You are invited".to_string(), "You are invited".to_string())
    } else {
        (
            format!("{inviter} invited you"),
            format!("{} invited you", escape_html(inviter)),
        )
    };
    let (what_text, what_html) = match place {
        Some(place) => (
            format!(
                "{who_text} to take part in {} as {}.",
                place.program,
                as_a(place.role)
            ),
            format!(
                "{who_html} to take part in {} as {}.",
                escape_html(place.program),
                as_a(place.role)
            ),
        ),
        None => (
            format!("{who_text} to Mentoring Milestones."),
            format!("{who_html} to Mentoring Milestones."),
        ),
    };
    let about = "Mentoring Milestones lists the tasks of your mentoring program and when each is \
                 due, and you mark each one complete in one click.";
    let (button, url, note) = match link {
        InvitationLink::SetPassword { url, expires } => (
            "Set your password",
            url,
            format!(
                "The button works once, until {}. If it has expired, open it anyway and ask for \
                 a new link.",
                readable_date(expires)
            ),
        ),
        InvitationLink::Provider {
            sign_in_url,
            provider,
        } => (
            "Sign in",
            sign_in_url,
            format!(
                "Sign in with {provider}, with the account you use at work: there is no \
                 password to choose."
            ),
        ),
    };
    let text = format!("Hello {person},\n\n{what_text}\n\n{about}\n\n{button}: {url}\n\n{note}\n");
    let html = page(
        &subject,
        &[
            format!("Hello {},", escape_html(person)),
            what_html,
            about.to_string(),
        ],
        (button, url),
        &[escape_html(&note)],
    );
    Rendered {
        subject,
        text,
        html,
    }
}

/// To someone who has an account already: they were enrolled in another program.
pub fn added(person: &str, inviter: &str, place: Place<'_>, sign_in_url: &str) -> Rendered {
    let subject = one_line(&format!("You have been added to {}", place.program));
    let text = format!(
        "Hello {person},\n\n{inviter} added you to {} as {}. Its milestones are on your \
         QuickcliQ when you next sign in.\n\nSign in: {sign_in_url}\n",
        place.program,
        as_a(place.role)
    );
    let html = page(
        &subject,
        &[
            format!("Hello {},", escape_html(person)),
            format!(
                "{} added you to {} as {}. Its milestones are on your QuickcliQ when you next \
                 sign in.",
                escape_html(inviter),
                escape_html(place.program),
                as_a(place.role)
            ),
        ],
        ("Sign in", sign_in_url),
        &[],
    );
    Rendered {
        subject,
        text,
        html,
    }
}

/// A link to choose a new password, asked for on the sign-in page.
pub fn password_reset(person: &str, url: &str) -> Rendered {
    let subject = "Choose a new Mentoring Milestones password".to_string();
    let note = "The button works once, for one hour. If you did not ask for it, ignore this \
                email: your password stays as it is.";
    let text = format!(
        "Hello {person},\n\nSomeone (we hope you) asked for a new password for this address.\n\n\
         Choose a new password: {url}\n\n{note}\n"
    );
    let html = page(
        &subject,
        &[
            format!("Hello {},", escape_html(person)),
            "Someone (we hope you) asked for a new password for this address.".to_string(),
        ],
        ("Choose a new password", url),
        &[note.to_string()],
    );
    Rendered {
        subject,
        text,
        html,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOSTILE: &str = "<script>alert(1)</script> & \"Ann\"";

    #[test]
    fn names_are_escaped_in_the_html_and_kept_in_the_text() {
        let place = Place {
            program: HOSTILE,
            role: Role::Mentee,
        };
        let link = InvitationLink::SetPassword {
            url: "https://m.example/welcome/abc",
            expires: NaiveDate::from_ymd_opt(2026, 12, 19).unwrap(),
        };
        for mail in [
            invitation(HOSTILE, HOSTILE, Some(place), link),
            added(HOSTILE, HOSTILE, place, "https://m.example/sign-in"),
            password_reset(HOSTILE, "https://m.example/reset-password/abc"),
        ] {
            assert!(!mail.html.contains("<script>"), "{}", mail.html);
            assert!(!mail.html.contains("\"Ann\""));
            assert!(mail.text.contains(HOSTILE));
        }
    }

    #[test]
    fn an_invitation_says_who_where_as_what_and_until_when() {
        let mail = invitation(
            "Ada",
            "Pat Admin",
            Some(Place {
                program: "Leadership 2027",
                role: Role::Mentor,
            }),
            InvitationLink::SetPassword {
                url: "https://m.example/welcome/abc",
                expires: NaiveDate::from_ymd_opt(2026, 12, 19).unwrap(),
            },
        );
        assert_eq!(mail.subject, "You are invited to Leadership 2027");
        assert!(
            mail.text
                .contains("Pat Admin invited you to take part in Leadership 2027 as a mentor.")
        );
        assert!(
            mail.text
                .contains("Set your password: https://m.example/welcome/abc")
        );
        assert!(mail.text.contains("until Sat 19 Dec 2026"));
        assert!(mail.html.contains(">Set your password</a>"));
    }

    #[test]
    fn a_line_break_in_a_program_name_never_reaches_the_subject() {
        let place = Place {
            program: "A\r\nBcc: x@evil.example",
            role: Role::Mentee,
        };
        assert!(!added("A", "B", place, "u").subject.contains('\n'));
        assert!(
            !invitation(
                "A",
                "B",
                Some(place),
                InvitationLink::Provider {
                    sign_in_url: "u",
                    provider: "Okta"
                }
            )
            .subject
            .contains('\r')
        );
    }
}
