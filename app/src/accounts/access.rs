//! The one place that answers "may this person do this". Every page and server function asks
//! here, with the record it is about.

use super::CurrentUser;
use crate::error::AppError;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Permission {
    /// Create users, make program admins, reset passwords.
    ManageUsers,
    /// Create programs and edit their name, description and time zone.
    ManagePrograms,
    /// See the list of programs one administers.
    ListPrograms,
    /// Open and run one program's admin pages.
    AdministerProgram(i64),
    /// See one's own matches and milestones.
    OwnParticipation,
}

/// `Ok` when `user` may act; `Unauthenticated` for nobody, `Forbidden` for the wrong person.
pub fn check(user: Option<&CurrentUser>, permission: Permission) -> Result<(), AppError> {
    let Some(user) = user else {
        return Err(AppError::Unauthenticated);
    };
    let allowed = match permission {
        Permission::ManageUsers | Permission::ManagePrograms => user.is_site_admin,
        Permission::ListPrograms => user.is_any_admin(),
        Permission::AdministerProgram(program) => {
            user.is_site_admin || user.admin_of.contains(&program)
        }
        Permission::OwnParticipation => true,
    };
    if allowed {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// Whether `user` holds `permission`, for decisions that are not refusals (what to show, or
/// whose behalf a completion is on).
pub fn allows(user: &CurrentUser, permission: Permission) -> bool {
    check(Some(user), permission).is_ok()
}

/// The signed-in person, if they hold `permission`.
#[cfg(feature = "ssr")]
pub fn require(permission: Permission) -> Result<CurrentUser, AppError> {
    let user = super::identity();
    check(user.as_ref(), permission)?;
    user.ok_or(AppError::Unauthenticated)
}

/// The program's admin database handle, after checking the signed-in person administers it.
#[cfg(feature = "ssr")]
pub fn admin_of(program_id: i64) -> Result<(CurrentUser, crate::db::Db), AppError> {
    let user = require(Permission::AdministerProgram(program_id))?;
    Ok((user, leptos::prelude::expect_context::<crate::db::Db>()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounts::EnrollmentRef;
    use crate::kernel::roles::Role;

    fn person(site: bool, admin_of: &[i64], enrolled_in: &[i64]) -> CurrentUser {
        CurrentUser {
            id: 9,
            email: "p@example.com".into(),
            name: "P".into(),
            is_site_admin: site,
            admin_of: admin_of.to_vec(),
            enrollments: enrolled_in
                .iter()
                .map(|&program_id| EnrollmentRef {
                    id: 1,
                    program_id,
                    role: Role::Mentee,
                    active: true,
                })
                .collect(),
        }
    }

    #[test]
    fn the_permission_table() {
        use Permission::*;
        let site = person(true, &[], &[]);
        let admin_here = person(false, &[1], &[]);
        let admin_elsewhere = person(false, &[2], &[]);
        let participant = person(false, &[], &[1]);
        type Case<'a> = (
            &'a str,
            Option<&'a CurrentUser>,
            Permission,
            Result<(), AppError>,
        );
        let cases: [Case; 15] = [
            (
                "anonymous",
                None,
                OwnParticipation,
                Err(AppError::Unauthenticated),
            ),
            (
                "anonymous",
                None,
                AdministerProgram(1),
                Err(AppError::Unauthenticated),
            ),
            ("participant", Some(&participant), OwnParticipation, Ok(())),
            (
                "participant",
                Some(&participant),
                AdministerProgram(1),
                Err(AppError::Forbidden),
            ),
            (
                "participant",
                Some(&participant),
                ListPrograms,
                Err(AppError::Forbidden),
            ),
            (
                "participant",
                Some(&participant),
                ManageUsers,
                Err(AppError::Forbidden),
            ),
            (
                "admin here",
                Some(&admin_here),
                AdministerProgram(1),
                Ok(()),
            ),
            ("admin here", Some(&admin_here), ListPrograms, Ok(())),
            (
                "admin here",
                Some(&admin_here),
                ManageUsers,
                Err(AppError::Forbidden),
            ),
            (
                "admin elsewhere",
                Some(&admin_elsewhere),
                AdministerProgram(1),
                Err(AppError::Forbidden),
            ),
            ("site admin", Some(&site), AdministerProgram(1), Ok(())),
            ("site admin", Some(&site), ManageUsers, Ok(())),
            ("site admin", Some(&site), ListPrograms, Ok(())),
            ("site admin", Some(&site), ManagePrograms, Ok(())),
            (
                "admin here",
                Some(&admin_here),
                ManagePrograms,
                Err(AppError::Forbidden),
            ),
        ];
        for (who, user, permission, expected) in cases {
            assert_eq!(check(user, permission), expected, "{who} / {permission:?}");
        }
    }
}
