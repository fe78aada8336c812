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
mod tests;
