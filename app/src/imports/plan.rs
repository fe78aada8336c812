//! CSV import of participants and matches: reading a file into a plan of what each row would
//! do, against what the program already holds. Pure, so every rule is tested without a database;
//! the store applies a plan in one transaction.

use crate::accounts::validation::{DisplayName, Email};
use crate::kernel::csv::{self, Record};
use crate::kernel::due_date::parse_date_field;
use crate::kernel::roles::{MatchState, Role};
use crate::matches::publish_date;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Which list a file brings in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ImportKind {
    Participants,
    Matches,
}

impl ImportKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ImportKind::Participants => "participants",
            ImportKind::Matches => "matches",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "participants" => Some(ImportKind::Participants),
            "matches" => Some(ImportKind::Matches),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ImportKind::Participants => "Participants",
            ImportKind::Matches => "Matches",
        }
    }

    /// The columns a file of this kind has, as the page explains them.
    pub fn columns(self) -> &'static str {
        match self {
            ImportKind::Participants => "email, name, role (mentor or mentee)",
            ImportKind::Matches => {
                "mentor_email, mentee_email, publish_date (optional, YYYY-MM-DD)"
            }
        }
    }
}

/// What one row of a file will do.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum RowOutcome {
    /// Will be created (or changed): what.
    Create(String),
    /// Someone new: an account will be created and invited, then enrolled.
    Invite(String),
    /// Already in the program as the row says: nothing to do.
    Unchanged(String),
    /// Cannot be imported: why.
    Rejected(String),
}

/// One row of a preview.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreviewRow {
    pub line: usize,
    /// The row as the admin wrote it, in short.
    pub row: String,
    pub outcome: RowOutcome,
}

/// A write the import will make.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    Enrol {
        user_id: i64,
        role: Role,
    },
    /// Someone without an account: created invited (once, if two rows name them), enrolled,
    /// and sent an invitation.
    Invite {
        email: String,
        name: String,
        role: Role,
    },
    Reactivate {
        enrollment_id: i64,
    },
    CreateMatch {
        mentor: i64,
        mentee: i64,
        publish_on: Option<NaiveDate>,
    },
    Publish {
        match_id: i64,
        publish_on: NaiveDate,
    },
}

/// The plan for a whole file. `problem` is a reason the file as a whole cannot be read.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Plan {
    pub problem: Option<String>,
    pub rows: Vec<PreviewRow>,
    pub changes: Vec<Change>,
}

impl Plan {
    pub fn rejected(&self) -> usize {
        self.rows
            .iter()
            .filter(|r| matches!(r.outcome, RowOutcome::Rejected(_)))
            .count()
    }

    /// Whether confirming would write: no problem, no rejected row.
    pub fn can_apply(&self) -> bool {
        self.problem.is_none() && self.rejected() == 0
    }

    fn problem(message: impl Into<String>) -> Plan {
        Plan {
            problem: Some(message.into()),
            ..Plan::default()
        }
    }
}

/// An enrollment as the planner sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KnownEnrollment {
    pub id: i64,
    pub active: bool,
}

/// A live (pending or published) match as the planner sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KnownMatch {
    pub id: i64,
    pub state: MatchState,
    pub published_on: Option<NaiveDate>,
}

/// What the program holds, looked up once per import.
#[derive(Clone, Debug, Default)]
pub struct Known {
    /// Every account: email → (user id, name).
    pub users: HashMap<String, (i64, String)>,
    /// This program's enrollments: (user id, role) → enrollment.
    pub enrollments: HashMap<(i64, Role), KnownEnrollment>,
    /// This program's live matches: (mentor enrollment, mentee enrollment) → match.
    pub live_matches: HashMap<(i64, i64), KnownMatch>,
}

/// Most rows one file may hold (the request size limit keeps files far below it in practice).
pub const MAX_ROWS: usize = 5_000;

/// Finds the columns of a file: the first record is its header.
fn columns(
    records: &[Record],
    wanted: &[(&'static str, &[&str])],
) -> Result<Vec<Option<usize>>, String> {
    let Some(header) = records.first() else {
        return Err("The file is empty. Its first line names the columns.".to_string());
    };
    let keys: Vec<String> = header.fields.iter().map(|h| csv::column_key(h)).collect();
    Ok(wanted
        .iter()
        .map(|(_, names)| keys.iter().position(|k| names.contains(&k.as_str())))
        .collect())
}

fn missing(
    found: &[Option<usize>],
    wanted: &[(&'static str, &[&str])],
    required: usize,
) -> Option<String> {
    let absent: Vec<&str> = found
        .iter()
        .zip(wanted)
        .take(required)
        .filter(|(f, _)| f.is_none())
        .map(|(_, (name, _))| *name)
        .collect();
    (!absent.is_empty()).then(|| {
        format!(
            "The first line must name the columns; missing: {}.",
            absent.join(", ")
        )
    })
}

fn cell(record: &Record, column: Option<usize>) -> &str {
    column
        .and_then(|c| record.fields.get(c))
        .map_or("", |f| f.trim())
}

fn read(text: &str) -> Result<Vec<Record>, Plan> {
    let records = csv::parse(text).map_err(|e| {
        Plan::problem(format!(
            "Line {}: {}. Nothing can be imported.",
            e.line, e.message
        ))
    })?;
    if records.len() > MAX_ROWS + 1 {
        return Err(Plan::problem(format!(
            "The file has {} rows; import at most {MAX_ROWS} at a time.",
            records.len() - 1
        )));
    }
    Ok(records)
}

/// The file's records and where each wanted column is; the first `required` must be there.
fn read_with_columns(
    text: &str,
    wanted: &[(&'static str, &[&str])],
    required: usize,
) -> Result<(Vec<Record>, Vec<Option<usize>>), Plan> {
    let records = read(text)?;
    let found = columns(&records, wanted).map_err(Plan::problem)?;
    if let Some(message) = missing(&found, wanted, required) {
        return Err(Plan::problem(message));
    }
    Ok((records, found))
}

fn parse_role(value: &str) -> Option<Role> {
    Role::parse(&value.trim().to_lowercase())
}

/// Plans a participants file: `email, name, role`. The name is needed only for someone who
/// has no account yet (a two-column `email, role` file still enrols existing accounts).
pub fn plan_participants(text: &str, known: &Known) -> Plan {
    const WANTED: [(&str, &[&str]); 3] = [
        ("email", &["email", "email_address", "e_mail"]),
        ("role", &["role", "program_role"]),
        ("name", &["name", "full_name", "display_name"]),
    ];
    let (records, found) = match read_with_columns(text, &WANTED, 2) {
        Ok(read) => read,
        Err(plan) => return plan,
    };
    let mut plan = Plan::default();
    let mut seen: HashMap<(String, Role), usize> = HashMap::new();
    // A new person named on two rows (mentor and mentee) gets one account, named once.
    let mut new_names: HashMap<String, String> = HashMap::new();
    for record in &records[1..] {
        let raw_email = cell(record, found[0]);
        let raw_role = cell(record, found[1]);
        let raw_name = cell(record, found[2]);
        let row = if raw_name.is_empty() {
            format!("{raw_email}, {raw_role}")
        } else {
            format!("{raw_email}, {raw_name}, {raw_role}")
        };
        let outcome = (|| {
            let email = Email::parse(raw_email).map_err(|m| format!("Email: {m}"))?;
            let role = parse_role(raw_role)
                .ok_or_else(|| format!("Role \"{raw_role}\" is not mentor or mentee."))?;
            if let Some(line) = seen.insert((email.as_str().to_string(), role), record.line) {
                return Err(format!(
                    "Duplicate: the same person and role as line {line}."
                ));
            }
            let Some((user_id, name)) = known.users.get(email.as_str()) else {
                if raw_name.is_empty() {
                    return Err(format!(
                        "Unknown email: no account has {}. Give their name (a name column) to \
                         create one and invite them.",
                        email.as_str()
                    ));
                }
                let name = DisplayName::parse(raw_name).map_err(|m| format!("Name: {m}"))?;
                let name = new_names
                    .entry(email.as_str().to_string())
                    .or_insert_with(|| name.as_str().to_string())
                    .clone();
                return Ok((
                    RowOutcome::Invite(format!(
                        "Create an account for {name}, invite them and enrol them as a {}.",
                        role.as_str()
                    )),
                    Some(Change::Invite {
                        email: email.as_str().to_string(),
                        name,
                        role,
                    }),
                ));
            };
            Ok(match known.enrollments.get(&(*user_id, role)) {
                Some(e) if e.active => (
                    RowOutcome::Unchanged(format!("{name} is already a {}.", role.as_str())),
                    None,
                ),
                Some(e) => (
                    RowOutcome::Create(format!("Reactivate {name} as a {}.", role.as_str())),
                    Some(Change::Reactivate {
                        enrollment_id: e.id,
                    }),
                ),
                None => (
                    RowOutcome::Create(format!("Enrol {name} as a {}.", role.as_str())),
                    Some(Change::Enrol {
                        user_id: *user_id,
                        role,
                    }),
                ),
            })
        })();
        push(&mut plan, record.line, row, outcome);
    }
    plan
}

fn push(
    plan: &mut Plan,
    line: usize,
    row: String,
    outcome: Result<(RowOutcome, Option<Change>), String>,
) {
    let outcome = match outcome {
        Ok((outcome, change)) => {
            plan.changes.extend(change);
            outcome
        }
        Err(reason) => RowOutcome::Rejected(reason),
    };
    plan.rows.push(PreviewRow { line, row, outcome });
}

/// Plans a matches file: `mentor_email, mentee_email[, publish_date]`, with `today` the
/// program's date (no publish date may be after it).
pub fn plan_matches(text: &str, known: &Known, today: NaiveDate) -> Plan {
    const WANTED: [(&str, &[&str]); 4] = [
        ("mentor_email", &["mentor_email", "mentor"]),
        ("mentee_email", &["mentee_email", "mentee"]),
        (
            "publish_date",
            &["publish_date", "published_on", "published", "publish_on"],
        ),
        ("state", &["state"]),
    ];
    let (records, found) = match read_with_columns(text, &WANTED, 2) {
        Ok(read) => read,
        Err(plan) => return plan,
    };
    let mut plan = Plan::default();
    let mut seen: HashMap<(i64, i64), usize> = HashMap::new();
    for record in &records[1..] {
        let mentor_email = cell(record, found[0]);
        let mentee_email = cell(record, found[1]);
        let raw_date = cell(record, found[2]);
        let ended = cell(record, found[3]).eq_ignore_ascii_case("ended");
        let row = if raw_date.is_empty() {
            format!("{mentor_email} → {mentee_email}")
        } else {
            format!("{mentor_email} → {mentee_email}, {raw_date}")
        };
        let outcome = (|| {
            if ended {
                // A row of an export: an ended match is history, not a match to make again.
                return Ok((
                    RowOutcome::Unchanged("An ended match; ended matches are not imported.".into()),
                    None,
                ));
            }
            let (mentor, mentor_name) = participant(known, mentor_email, Role::Mentor)?;
            let (mentee, mentee_name) = participant(known, mentee_email, Role::Mentee)?;
            let date = parse_date_field(raw_date)?;
            let publish_on = match date {
                Some(date) => Some(publish_date(Some(date), today)?),
                None => None,
            };
            if let Some(line) = seen.insert((mentor, mentee), record.line) {
                return Err(format!("Duplicate match: the same pair as line {line}."));
            }
            let pair = format!("{mentor_name} with {mentee_name}");
            Ok(match known.live_matches.get(&(mentor, mentee)) {
                None => (
                    RowOutcome::Create(match publish_on {
                        Some(d) => format!("Match {pair}, published {}.", d.format("%Y-%m-%d")),
                        None => format!("Match {pair} (pending)."),
                    }),
                    Some(Change::CreateMatch {
                        mentor,
                        mentee,
                        publish_on,
                    }),
                ),
                Some(existing) => match (existing.state, existing.published_on, publish_on) {
                    (MatchState::Pending, _, None) => (
                        RowOutcome::Unchanged(format!("{pair} are already matched (pending).")),
                        None,
                    ),
                    (MatchState::Pending, _, Some(d)) => (
                        RowOutcome::Create(format!(
                            "Publish the pending match of {pair} on {}.",
                            d.format("%Y-%m-%d")
                        )),
                        Some(Change::Publish {
                            match_id: existing.id,
                            publish_on: d,
                        }),
                    ),
                    (_, Some(on), None) => (
                        RowOutcome::Unchanged(format!(
                            "{pair} are already matched (published {}).",
                            on.format("%Y-%m-%d")
                        )),
                        None,
                    ),
                    (_, Some(on), Some(d)) if on == d => (
                        RowOutcome::Unchanged(format!(
                            "{pair} are already matched (published {}).",
                            on.format("%Y-%m-%d")
                        )),
                        None,
                    ),
                    (_, on, _) => {
                        return Err(format!(
                            "Duplicate match: {pair} are already matched, published {}.",
                            on.map_or_else(String::new, |d| d.format("%Y-%m-%d").to_string())
                        ));
                    }
                },
            })
        })();
        push(&mut plan, record.line, row, outcome);
    }
    plan
}

/// The active enrollment of the person with `email` in `role`, or why there is none.
fn participant(known: &Known, email: &str, role: Role) -> Result<(i64, String), String> {
    let label = role.as_str();
    let email = Email::parse(email).map_err(|m| format!("{} email: {m}", role.label()))?;
    let Some((user_id, name)) = known.users.get(email.as_str()) else {
        return Err(format!("Unknown email: no account has {}.", email.as_str()));
    };
    match known.enrollments.get(&(*user_id, role)) {
        Some(e) if e.active => Ok((e.id, name.clone())),
        Some(_) => Err(format!(
            "Wrong role: {name} is a retired {label}; reactivate them first."
        )),
        None => Err(format!(
            "Wrong role: {name} is not a {label} in this program."
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid")
    }

    /// Ann (1) and Bo (2) are mentors, Cy (3) a mentee, Di (4) a retired mentee, Ed (5) has
    /// an account only. Ann and Cy have a published match.
    fn known() -> Known {
        let mut known = Known::default();
        for (id, email, name) in [
            (1, "ann@example.com", "Ann"),
            (2, "bo@example.com", "Bo"),
            (3, "cy@example.com", "Cy"),
            (4, "di@example.com", "Di"),
            (5, "ed@example.com", "Ed"),
        ] {
            known
                .users
                .insert(email.to_string(), (id, name.to_string()));
        }
        let enrol = |known: &mut Known, user, role, id, active| {
            known
                .enrollments
                .insert((user, role), KnownEnrollment { id, active });
        };
        enrol(&mut known, 1, Role::Mentor, 11, true);
        enrol(&mut known, 2, Role::Mentor, 12, true);
        enrol(&mut known, 3, Role::Mentee, 13, true);
        enrol(&mut known, 4, Role::Mentee, 14, false);
        known.live_matches.insert(
            (11, 13),
            KnownMatch {
                id: 99,
                state: MatchState::Published,
                published_on: Some(day(2026, 9, 1)),
            },
        );
        known
    }

    fn outcomes(plan: &Plan) -> Vec<&RowOutcome> {
        plan.rows.iter().map(|r| &r.outcome).collect()
    }

    #[test]
    fn participants_rows_are_created_unchanged_or_rejected_with_a_reason() {
        let text = "Email,Role\ned@example.com,Mentee\nann@example.com,mentor\n\
                    di@example.com,mentee\nnobody@example.com,mentor\ned@example.com,coach\n\
                    ED@example.com,mentee\nnot-an-email,mentor\n";
        let plan = plan_participants(text, &known());
        assert!(plan.problem.is_none());
        let rows = outcomes(&plan);
        assert!(matches!(rows[0], RowOutcome::Create(s) if s == "Enrol Ed as a mentee."));
        assert!(matches!(rows[1], RowOutcome::Unchanged(_)));
        assert!(matches!(rows[2], RowOutcome::Create(s) if s.starts_with("Reactivate Di")));
        assert!(matches!(rows[3], RowOutcome::Rejected(s) if s.starts_with("Unknown email")));
        assert!(matches!(rows[4], RowOutcome::Rejected(s) if s.contains("not mentor or mentee")));
        assert!(matches!(rows[5], RowOutcome::Rejected(s) if s.contains("line 2")));
        assert!(matches!(rows[6], RowOutcome::Rejected(s) if s.starts_with("Email:")));
        assert_eq!(plan.rows[6].line, 8);
        assert_eq!(
            plan.changes,
            [
                Change::Enrol {
                    user_id: 5,
                    role: Role::Mentee
                },
                Change::Reactivate { enrollment_id: 14 }
            ]
        );
        assert!(!plan.can_apply());
    }

    #[test]
    fn people_without_an_account_are_created_and_invited_when_named() {
        let text = "email,name,role\nnew@example.com,Nia New,mentee\nNEW@example.com,Other Name,mentor\n\
                    ed@example.com,,mentee\nnameless@example.com,,mentor\nbad@example.com,   ,mentee\n";
        let plan = plan_participants(text, &known());
        let rows = outcomes(&plan);
        assert!(
            matches!(rows[0], RowOutcome::Invite(s) if s.starts_with("Create an account for Nia New"))
        );
        // The same new person in a second role: one account, with the first row's name.
        assert!(
            matches!(rows[1], RowOutcome::Invite(s) if s.contains("Nia New") && s.ends_with("as a mentor."))
        );
        assert!(matches!(rows[2], RowOutcome::Create(s) if s == "Enrol Ed as a mentee."));
        assert!(matches!(rows[3], RowOutcome::Rejected(s) if s.contains("Give their name")));
        assert!(matches!(rows[4], RowOutcome::Rejected(s) if s.contains("Give their name")));
        assert_eq!(plan.rows[0].row, "new@example.com, Nia New, mentee");
        assert_eq!(
            plan.changes[0],
            Change::Invite {
                email: "new@example.com".into(),
                name: "Nia New".into(),
                role: Role::Mentee
            }
        );
        // A second import of the same file once applied: the accounts exist and are enrolled.
        let mut after = known();
        after
            .users
            .insert("new@example.com".into(), (77, "Nia New".into()));
        after.enrollments.insert(
            (77, Role::Mentee),
            KnownEnrollment {
                id: 90,
                active: true,
            },
        );
        after.enrollments.insert(
            (77, Role::Mentor),
            KnownEnrollment {
                id: 91,
                active: true,
            },
        );
        let again = plan_participants(
            "email,name,role\nnew@example.com,Nia New,mentee\nnew@example.com,Nia New,mentor\n",
            &after,
        );
        assert!(again.changes.is_empty());
        assert!(
            outcomes(&again)
                .iter()
                .all(|o| matches!(o, RowOutcome::Unchanged(_)))
        );
    }

    #[test]
    fn a_file_without_its_columns_is_refused_as_a_whole() {
        let plan = plan_participants("name,team\nAnn,x\n", &known());
        assert_eq!(
            plan.problem.as_deref(),
            Some("The first line must name the columns; missing: email, role.")
        );
        assert!(plan_participants("", &known()).problem.is_some());
        assert!(
            plan_matches(
                "mentor_email,mentee_email\n\"open",
                &known(),
                day(2026, 11, 28)
            )
            .problem
            .is_some_and(|p| p.starts_with("Line 2"))
        );
    }

    #[test]
    fn matches_rows_check_people_roles_dates_and_duplicates() {
        let today = day(2026, 11, 28);
        let text = "mentor_email,mentee_email,publish_date\n\
                    bo@example.com,cy@example.com,2026-10-01\n\
                    ann@example.com,cy@example.com,2026-09-01\n\
                    ann@example.com,cy@example.com,\n\
                    cy@example.com,bo@example.com,\n\
                    bo@example.com,zed@example.com,\n\
                    bo@example.com,di@example.com,\n\
                    bo@example.com,cy@example.com,2026-12-01\n\
                    bo@example.com,cy@example.com,31/12/2025\n\
                    bo@example.com,cy@example.com,\n";
        let plan = plan_matches(text, &known(), today);
        let rows = outcomes(&plan);
        assert!(
            matches!(rows[0], RowOutcome::Create(s) if s == "Match Bo with Cy, published 2026-10-01.")
        );
        assert!(matches!(rows[1], RowOutcome::Unchanged(_)), "{:?}", rows[1]);
        assert!(
            matches!(rows[2], RowOutcome::Rejected(s) if s.contains("line 3")),
            "{:?}",
            rows[2]
        );
        assert!(
            matches!(rows[3], RowOutcome::Rejected(s) if s.starts_with("Wrong role: Cy is not a mentor"))
        );
        assert!(matches!(rows[4], RowOutcome::Rejected(s) if s.starts_with("Unknown email")));
        assert!(matches!(rows[5], RowOutcome::Rejected(s) if s.contains("retired mentee")));
        assert!(matches!(rows[6], RowOutcome::Rejected(s) if s.contains("in the future")));
        assert!(matches!(rows[7], RowOutcome::Rejected(s) if s.contains("YYYY-MM-DD")));
        assert!(matches!(rows[8], RowOutcome::Rejected(s) if s.starts_with("Duplicate match")));
        assert_eq!(
            plan.changes,
            [Change::CreateMatch {
                mentor: 12,
                mentee: 13,
                publish_on: Some(day(2026, 10, 1))
            }]
        );
    }

    #[test]
    fn an_existing_match_is_left_alone_published_or_refused() {
        let today = day(2026, 11, 28);
        let mut known = known();
        known.live_matches.insert(
            (12, 13),
            KnownMatch {
                id: 7,
                state: MatchState::Pending,
                published_on: None,
            },
        );
        let plan = plan_matches(
            "mentor,mentee,published_on\nbo@example.com,cy@example.com,2026-11-01\n\
             ann@example.com,cy@example.com,2026-10-01\n",
            &known,
            today,
        );
        assert_eq!(
            plan.changes,
            [Change::Publish {
                match_id: 7,
                publish_on: day(2026, 11, 1)
            }]
        );
        assert!(
            matches!(&plan.rows[1].outcome, RowOutcome::Rejected(s) if s.contains("published 2026-09-01"))
        );
        let again = plan_matches(
            "mentor_email,mentee_email\nbo@example.com,cy@example.com\n",
            &known,
            today,
        );
        assert!(again.can_apply());
        assert!(again.changes.is_empty());
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2_000))]
        /// Whatever a file holds, every data row gets exactly one outcome, changes come only
        /// from rows to create, and planning is repeatable.
        #[test]
        fn any_file_gets_one_outcome_per_row(
            body in "(ann@example.com|cy@example.com|di@example.com|x|,|\n|\"|mentor|mentee|2026-0[1-9]-1[0-9]| )*"
        ) {
            let today = day(2026, 11, 28);
            for text in [format!("email,role\n{body}"), format!("mentor_email,mentee_email,publish_date\n{body}")] {
                let participants = plan_participants(&text, &known());
                let matches = plan_matches(&text, &known(), today);
                for plan in [&participants, &matches] {
                    if let Ok(records) = csv::parse(&text) {
                        if plan.problem.is_none() {
                            proptest::prop_assert_eq!(plan.rows.len(), records.len() - 1);
                        }
                    } else {
                        proptest::prop_assert!(plan.problem.is_some());
                    }
                    let creates = plan.rows.iter().filter(|r| matches!(r.outcome, RowOutcome::Create(_))).count();
                    proptest::prop_assert_eq!(creates, plan.changes.len());
                }
                proptest::prop_assert_eq!(&participants, &plan_participants(&text, &known()));
            }
        }
    }
}
