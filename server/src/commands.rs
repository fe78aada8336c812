//! The one-shot commands of the binary (`create-admin`, `backup`, `restore`, `generate-program`,
//! `send-reminders`, the benchmarks): each does its work and exits, without serving.

use crate::config::{Command, Config};
use crate::{StartError, bench};
use app::db::{DEFAULT_DATABASE_URL, Db};
use app::kernel::public_url::PublicUrl;

/// Runs `command`. The commands that replace or measure a whole database run before it is
/// opened; the others open it (migrated) and close it when done.
pub async fn run_command(config: &Config, command: &Command) -> Result<(), StartError> {
    match command {
        Command::BenchComplete {
            engines,
            clients,
            requests,
        } => {
            for engine in engines {
                bench::complete(config, engine, (*clients).max(1), *requests).await?;
            }
            return Ok(());
        }
        Command::Restore { from } => {
            let to = app::db::backup::sqlite_path(&config.database_url)
                .filter(|_| config.database_url.starts_with("sqlite:"))
                .ok_or_else(|| {
                    StartError::Command(
                    "restore replaces a SQLite database; for PostgreSQL use pg_restore (see the \
                     README)"
                        .to_string(),
                )
                })?;
            let info = app::db::backup::restore(from, &to)
                .await
                .map_err(StartError::Command)?;
            println!(
                "Restored {} into {} (schema version {}, {} completions).",
                from.display(),
                to.display(),
                info.schema_version,
                info.completions
            );
            return Ok(());
        }
        _ => {}
    }
    let create = config.create_database || config.database_url == DEFAULT_DATABASE_URL;
    let db = Db::open_existing(&config.database_url, create).await?;
    let result = on_database(config, command, &db).await;
    db.close().await;
    result
}

/// The commands that work on the opened database.
async fn on_database(config: &Config, command: &Command, db: &Db) -> Result<(), StartError> {
    match command {
        Command::Backup { to } => {
            app::db::backup::backup(db, to)
                .await
                .map_err(StartError::Command)?;
            let info = app::db::backup::check(to)
                .await
                .map_err(StartError::Command)?;
            println!(
                "Backed up to {} (schema version {}, {} completions).",
                to.display(),
                info.schema_version,
                info.completions
            );
        }
        Command::CreateAdmin { email, name } => {
            let password = read_password_line()?;
            let email = create_site_admin(db, email, name, &password).await?;
            println!("Created the site admin {email}.");
        }
        Command::GenerateProgram {
            matches,
            milestones,
            seed,
        } => {
            let size = app::dev::generate::Size {
                matches: *matches,
                milestones: *milestones,
                today: chrono::Utc::now().date_naive(),
                seed: *seed,
            };
            let generated = app::dev::generate::generate_program(db, size).await?;
            println!(
                "Generated program {} with {} matches and {} completions: /programs/{}/report",
                generated.program_id,
                generated.matches,
                generated.completions,
                generated.program_id
            );
        }
        Command::SendReminders { as_of } => {
            let public_url = config
                .public_url
                .clone()
                .unwrap_or_else(|| PublicUrl::local(config.site_addr));
            let result =
                app::mail::schedule::run_pass(db, *as_of, chrono::Utc::now(), &public_url, None)
                    .await;
            let report = result.map_err(|e| StartError::Command(e.to_string()))?;
            let summaries =
                app::mail::summary::run_summaries(db, chrono::Utc::now(), &public_url, true)
                    .await
                    .map_err(|e| StartError::Command(e.to_string()))?;
            println!(
                "Reminders for {as_of}: {} digests queued, {} people had that day's digest already, \
             {} had nothing due; {summaries} weekly match-health summaries queued.",
                report.queued, report.already, report.nothing_due
            );
        }
        Command::BenchReport { matches, runs } => {
            return bench::report(db, matches, *runs).await;
        }
        // Handled before the database is opened.
        Command::BenchComplete { .. } | Command::Restore { .. } => {}
    }
    Ok(())
}

fn read_password_line() -> Result<String, StartError> {
    let mut line = String::new();
    std::io::stdin().read_line(&mut line).map_err(|e| {
        StartError::Command(format!(
            "could not read the password from standard input: {e}"
        ))
    })?;
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}

/// Creates a site admin account; returns its email.
pub async fn create_site_admin(
    db: &Db,
    email: &str,
    name: &str,
    password: &str,
) -> Result<String, StartError> {
    use app::accounts::validation::{DisplayName, Email, NewPassword};
    let email = Email::parse(email).map_err(|m| StartError::Command(format!("email: {m}")))?;
    let name = DisplayName::parse(name).map_err(|m| StartError::Command(format!("name: {m}")))?;
    let password =
        NewPassword::parse(password).map_err(|m| StartError::Command(format!("password: {m}")))?;
    let hash = app::accounts::password::hash_password(password.as_str())
        .map_err(|e| StartError::Command(format!("could not hash the password: {e}")))?;
    app::accounts::store::create_user(db, &email, &name, &hash, true)
        .await
        .map_err(|e| StartError::Command(e.to_string()))?;
    Ok(email.as_str().to_string())
}
