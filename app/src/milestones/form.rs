//! The Create Milestone / Edit Milestone form's rules, shared by the browser (messages as the
//! admin types) and the server (the authority on Save).

use super::{Category, DueOffset};
use crate::kernel::roles::Role;
use serde::{Deserialize, Serialize};

pub const MAX_NAME_CHARS: usize = 120;
pub const MAX_DESCRIPTION_CHARS: usize = 2000;

/// What was typed, as the form sends it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MilestoneFields {
    pub name: String,
    pub category: String,
    /// `mentor`, `mentee` or `both`.
    pub role: String,
    pub amount: String,
    pub unit: String,
    pub description: String,
}

/// A checked milestone: one per role ("Both" gives two).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MilestoneDraft {
    pub name: String,
    pub category: Category,
    pub roles: Vec<Role>,
    pub offset: DueOffset,
    pub description: String,
}

/// A message per field that needs one.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldErrors {
    pub name: Option<String>,
    pub category: Option<String>,
    pub role: Option<String>,
    pub offset: Option<String>,
    pub description: Option<String>,
}

impl FieldErrors {
    pub fn is_empty(&self) -> bool {
        self == &FieldErrors::default()
    }

    /// Every message with its field's name in the form and its label on the page.
    pub fn list(&self) -> Vec<(&'static str, &'static str, String)> {
        [
            ("name", "Milestone Name", &self.name),
            ("category", "Category", &self.category),
            ("role", "Program Role", &self.role),
            ("amount", "Due Date", &self.offset),
            ("description", "Description", &self.description),
        ]
        .into_iter()
        .filter_map(|(field, label, m)| m.clone().map(|m| (field, label, m)))
        .collect()
    }
}

/// Checks the fields. `allow_both` is false when editing one existing milestone.
pub fn check(fields: &MilestoneFields, allow_both: bool) -> Result<MilestoneDraft, FieldErrors> {
    let mut errors = FieldErrors::default();
    let name = fields.name.trim();
    let name_chars = name.chars().count();
    if name_chars == 0 {
        errors.name = Some("Enter a name for the milestone.".into());
    } else if name_chars > MAX_NAME_CHARS {
        errors.name = Some(format!(
            "Use at most {MAX_NAME_CHARS} characters (this has {name_chars})."
        ));
    }
    let category = Category::parse(&fields.category);
    if category.is_none() {
        errors.category = Some("Choose Program milestone or Relationship milestone.".into());
    }
    let roles = match (fields.role.as_str(), allow_both) {
        ("mentor", _) => vec![Role::Mentor],
        ("mentee", _) => vec![Role::Mentee],
        ("both", true) => vec![Role::Mentor, Role::Mentee],
        _ => {
            errors.role = Some(if allow_both {
                "Choose Mentor, Mentee or Both.".into()
            } else {
                "Choose Mentor or Mentee.".into()
            });
            Vec::new()
        }
    };
    let offset = DueOffset::parse(&fields.amount, &fields.unit)
        .map_err(|e| errors.offset = Some(e.to_string()))
        .ok();
    let description = fields.description.trim();
    let description_chars = description.chars().count();
    if description_chars > MAX_DESCRIPTION_CHARS {
        errors.description = Some(format!(
            "Use at most 2,000 characters (this has {description_chars})."
        ));
    }
    match (category, offset) {
        (Some(category), Some(offset)) if errors.is_empty() => Ok(MilestoneDraft {
            name: name.to_string(),
            category,
            roles,
            offset,
            description: description.to_string(),
        }),
        _ => Err(errors),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::milestones::OffsetUnit;
    use proptest::prelude::*;

    fn fields(name: &str, role: &str, amount: &str, description: &str) -> MilestoneFields {
        MilestoneFields {
            name: name.into(),
            category: "relationship".into(),
            role: role.into(),
            amount: amount.into(),
            unit: "months".into(),
            description: description.into(),
        }
    }

    #[test]
    fn a_good_form_gives_one_milestone_per_role() {
        let draft = check(
            &fields("  Mid-Cycle Check-In ", "both", "1", " Meet. "),
            true,
        )
        .expect("valid");
        assert_eq!(draft.name, "Mid-Cycle Check-In");
        assert_eq!(draft.roles, [Role::Mentor, Role::Mentee]);
        assert_eq!(
            draft.offset,
            DueOffset::new(1, OffsetUnit::Months).expect("offset")
        );
        assert_eq!(draft.description, "Meet.");
        let single = check(&fields("X", "mentee", "0", ""), false).expect("valid");
        assert_eq!(single.roles, [Role::Mentee]);
    }

    #[test]
    fn each_bad_field_gets_its_own_message() {
        let errors =
            check(&fields(" ", "both", "1.5", &"d".repeat(2001)), false).expect_err("invalid");
        assert_eq!(
            errors.name.as_deref(),
            Some("Enter a name for the milestone.")
        );
        assert_eq!(errors.role.as_deref(), Some("Choose Mentor or Mentee."));
        assert_eq!(
            errors.offset.as_deref(),
            Some("Enter a whole number from 0 to 999.")
        );
        assert!(
            errors
                .description
                .as_deref()
                .is_some_and(|m| m.contains("2001"))
        );
        assert!(errors.category.is_none());
        let (field, label, message) = &errors.list()[0];
        assert_eq!((*field, *label), ("name", "Milestone Name"));
        assert!(message.starts_with("Enter a name"), "{message}");
        let long = check(&fields(&"n".repeat(121), "mentor", "1000", ""), true).expect_err("bad");
        assert!(long.name.is_some());
        assert_eq!(
            long.offset.as_deref(),
            Some("Enter a number from 0 to 999.")
        );
        let mut no_category = fields("X", "mentor", "1", "");
        no_category.category = "team".into();
        assert!(
            check(&no_category, true)
                .expect_err("bad")
                .category
                .is_some()
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(10_000))]
        /// A name is accepted exactly when it has 1 to 120 characters after trimming.
        #[test]
        fn names_are_accepted_by_their_trimmed_length(name in "\\PC{0,130}") {
            let result = check(&fields(&name, "mentor", "3", ""), true);
            let length = name.trim().chars().count();
            prop_assert_eq!(result.is_ok(), (1..=120).contains(&length));
        }
    }
}
