//! Program cycles: a program's next cycle starts from this one. **Duplicate program** makes a
//! new program with this one's milestones, Resource Library and reminder settings (no people,
//! matches or completions); **Copy milestones from another program** adds another program's
//! milestones, skipping the ones already here. Both are one transaction: all or nothing.

pub mod pages;
#[cfg(feature = "ssr")]
pub mod store;

use crate::kernel::due_date::DueOffset;
use crate::kernel::roles::Role;
use crate::milestones::Category;
use serde::{Deserialize, Serialize};

/// A milestone of the program copied from, and what copying does with it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CopyRow {
    pub name: String,
    pub category: Category,
    pub role: Role,
    pub offset: DueOffset,
    /// A milestone of this name for this role is here already: it is not copied.
    pub skipped: bool,
}

/// How a name compares with another: letters in any case, spaces around it ignored.
fn same_name(a: &str, b: &str) -> bool {
    a.trim().to_lowercase() == b.trim().to_lowercase()
}

/// What copying `source` (in its order) into a program that has `here` does: each milestone is
/// added, unless one of the same name for the same role is here already (or earlier in the
/// copy), in which case it is skipped.
pub fn plan_copy(
    here: &[(String, Role)],
    source: impl IntoIterator<Item = (String, Category, Role, DueOffset)>,
) -> Vec<CopyRow> {
    let mut taken: Vec<(String, Role)> = here.to_vec();
    let mut rows = Vec::new();
    for (name, category, role, offset) in source {
        let skipped = taken
            .iter()
            .any(|(other, other_role)| *other_role == role && same_name(other, &name));
        if !skipped {
            taken.push((name.clone(), role));
        }
        rows.push(CopyRow {
            name,
            category,
            role,
            offset,
            skipped,
        });
    }
    rows
}

/// The name a duplicate is offered first: the program's name with " (copy)", within the 120
/// characters a name may have.
pub fn copy_name(name: &str) -> String {
    const SUFFIX: &str = " (copy)";
    let room = 120 - SUFFIX.chars().count();
    let kept: String = name.trim().chars().take(room).collect();
    format!("{}{SUFFIX}", kept.trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::due_date::OffsetUnit;

    fn offset(days: u16) -> DueOffset {
        DueOffset::new(days, OffsetUnit::Days).expect("an offset")
    }

    #[test]
    fn a_milestone_already_here_for_its_role_is_skipped_and_the_rest_added_in_order() {
        let here = vec![("Kick-off Meeting".to_string(), Role::Mentor)];
        let source = vec![
            (
                "kick-off meeting ".to_string(),
                Category::Relationship,
                Role::Mentor,
                offset(7),
            ),
            (
                "Kick-off Meeting".to_string(),
                Category::Relationship,
                Role::Mentee,
                offset(7),
            ),
            (
                "Closure".to_string(),
                Category::Relationship,
                Role::Mentee,
                offset(90),
            ),
            (
                "CLOSURE".to_string(),
                Category::Relationship,
                Role::Mentee,
                offset(91),
            ),
        ];
        let rows = plan_copy(&here, source);
        let skipped: Vec<bool> = rows.iter().map(|r| r.skipped).collect();
        assert_eq!(skipped, [true, false, false, true]);
        assert_eq!(rows[2].name, "Closure");
        assert_eq!(rows[2].offset, offset(90));
    }

    #[test]
    fn nothing_here_copies_everything() {
        let source = vec![("A".to_string(), Category::Program, Role::Mentee, offset(0))];
        assert!(plan_copy(&[], source).iter().all(|r| !r.skipped));
    }

    #[test]
    fn a_copys_name_fits_the_limit() {
        assert_eq!(copy_name(" Spring 2026 "), "Spring 2026 (copy)");
        let long = "é".repeat(120);
        let name = copy_name(&long);
        assert_eq!(name.chars().count(), 120);
        assert!(name.ends_with(" (copy)"));
    }
}
