//! The import plan's rules, case by case.

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
