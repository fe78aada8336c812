//! CSV downloads of a program's participants and matches, for the program's admins. The columns
//! are the ones the import reads, so an export can be edited and imported again.

use app::accounts::Identity;
use app::accounts::access::{Permission, check};
use app::db::Db;
use app::error::AppError;
use app::kernel::csv::line;

use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

fn refused(error: AppError) -> Response {
    let status = StatusCode::from_u16(error.status_code()).unwrap_or(StatusCode::FORBIDDEN);
    (status, format!("{error}\n")).into_response()
}

fn csv_file(program_id: i64, what: &str, body: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"program-{program_id}-{what}.csv\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        body,
    )
        .into_response()
}

/// Whether the person may download this program's lists, and the program exists.
async fn may_export(db: &Db, identity: &Identity, program_id: i64) -> Result<(), Response> {
    check(
        identity.0.as_ref(),
        Permission::AdministerProgram(program_id),
    )
    .map_err(refused)?;
    app::programs::store::program_details(db, program_id)
        .await
        .map(|_| ())
        .map_err(refused)
}

pub async fn participants(
    State(db): State<Db>,
    Path(program_id): Path<i64>,
    Extension(identity): Extension<Identity>,
) -> Response {
    if let Err(refusal) = may_export(&db, &identity, program_id).await {
        return refusal;
    }
    match app::enrollments::store::all_participants(&db, program_id).await {
        Ok(rows) => {
            let mut body = line(["email", "role", "name", "state", "live_matches"]);
            for p in rows {
                let live = p.live_matches.to_string();
                body.push_str(&line([
                    p.email.as_str(),
                    p.role.as_str(),
                    p.name.as_str(),
                    if p.active { "active" } else { "retired" },
                    live.as_str(),
                ]));
            }
            csv_file(program_id, "participants", body)
        }
        Err(error) => refused(error),
    }
}

pub async fn matches(
    State(db): State<Db>,
    Path(program_id): Path<i64>,
    Extension(identity): Extension<Identity>,
) -> Response {
    if let Err(refusal) = may_export(&db, &identity, program_id).await {
        return refusal;
    }
    match app::matches::store::all_matches(&db, program_id).await {
        Ok(rows) => {
            let mut body = line([
                "mentor_email",
                "mentee_email",
                "publish_date",
                "state",
                "ended_on",
                "mentor_name",
                "mentee_name",
            ]);
            let day = |d: Option<chrono::NaiveDate>| {
                d.map(|d| d.format("%Y-%m-%d").to_string())
                    .unwrap_or_default()
            };
            for m in rows {
                let (published, ended) = (day(m.published_on), day(m.ended_on));
                body.push_str(&line([
                    m.mentor_email.as_str(),
                    m.mentee_email.as_str(),
                    published.as_str(),
                    m.state.as_str(),
                    ended.as_str(),
                    m.mentor_name.as_str(),
                    m.mentee_name.as_str(),
                ]));
            }
            csv_file(program_id, "matches", body)
        }
        Err(error) => refused(error),
    }
}

/// The Activity Report's tables for the same filters as the page (the address's query).
async fn report_csv(
    db: &Db,
    identity: &Identity,
    program_id: i64,
    query: &app::report::ReportQuery,
    what: &str,
    body: fn(&app::report::Figures) -> String,
) -> Response {
    // The same check as may_export, keeping the program it reads (its time zone is needed).
    if let Err(refusal) = check(
        identity.0.as_ref(),
        Permission::AdministerProgram(program_id),
    ) {
        return refused(refusal);
    }
    let program = match app::programs::store::program_details(db, program_id).await {
        Ok(program) => program,
        Err(error) => return refused(error),
    };
    match app::report::store::figures(db, &program, query).await {
        Ok((figures, as_of)) => csv_file(
            program_id,
            &format!("report-{what}-{}", as_of.format("%Y-%m-%d")),
            body(&figures),
        ),
        Err(AppError::Invalid { fields, .. }) if !fields.is_empty() => {
            let text: Vec<String> = fields.into_iter().map(|e| e.message).collect();
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                format!("{}\n", text.join("\n")),
            )
                .into_response()
        }
        Err(error) => refused(error),
    }
}

pub async fn report_milestones(
    State(db): State<Db>,
    Path(program_id): Path<i64>,
    Query(pairs): Query<std::collections::HashMap<String, String>>,
    Extension(identity): Extension<Identity>,
) -> Response {
    report_csv(
        &db,
        &identity,
        program_id,
        &app::report::ReportQuery::from_lookup(|key| pairs.get(key).cloned()),
        "milestones",
        app::report::csv::milestones_csv,
    )
    .await
}

pub async fn report_matches(
    State(db): State<Db>,
    Path(program_id): Path<i64>,
    Query(pairs): Query<std::collections::HashMap<String, String>>,
    Extension(identity): Extension<Identity>,
) -> Response {
    report_csv(
        &db,
        &identity,
        program_id,
        &app::report::ReportQuery::from_lookup(|key| pairs.get(key).cloned()),
        "matches",
        app::report::csv::matches_csv,
    )
    .await
}

/// `GET /calendar/{token}.ics`: a person's private calendar feed. The token is the only key (no
/// session is read); an unknown, replaced or disabled person's token answers 404. Calendar apps
/// poll: the answer carries an entity tag and is `304 Not Modified` when it has not changed.
pub async fn calendar_feed(
    State(state): State<crate::AppState>,
    Path(file): Path<String>,
    headers: axum::http::HeaderMap,
) -> Response {
    let not_found = || {
        (
            StatusCode::NOT_FOUND,
            [(header::CACHE_CONTROL, "no-store")],
            "There is no calendar at this address. It may have been reset: copy the new address from your Profile.\n",
        )
            .into_response()
    };
    let Some(token) = file.strip_suffix(".ics") else {
        return not_found();
    };
    let feed = match app::calendar::feed::feed_for_token(&state.db, token, &state.public_url).await
    {
        Ok(Some(feed)) => feed,
        Ok(None) => return not_found(),
        Err(error) => return refused(error),
    };
    let cache = [
        // Only the person's own calendar app keeps it; it asks again after 15 minutes and
        // gets 304 while nothing changed.
        (header::CACHE_CONTROL, "private, max-age=900".to_string()),
        (header::ETAG, feed.etag.clone()),
        (header::VARY, "Accept-Encoding".to_string()),
    ];
    let unchanged = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|tags| app::calendar::feed::matches_etag(tags, &feed.etag));
    if unchanged {
        return (StatusCode::NOT_MODIFIED, cache).into_response();
    }
    (
        cache,
        [
            (header::CONTENT_TYPE, "text/calendar; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "inline; filename=\"milestones.ics\"",
            ),
            (
                axum::http::HeaderName::from_static("x-robots-tag"),
                "noindex",
            ),
        ],
        feed.body,
    )
        .into_response()
}

/// `POST /unsubscribe/{token}`: turns reminder emails off for the token's person. Mail apps
/// post here themselves (RFC 8058 one-click: body `List-Unsubscribe=One-Click`, no cookie, no
/// page) and get a short answer; the unsubscribe page's button (a browser's form post) is sent
/// back to the page, which shows the new state. The token is the only key.
pub async fn unsubscribe(
    State(state): State<crate::AppState>,
    Path(token): Path<String>,
    headers: axum::http::HeaderMap,
) -> Response {
    let from_browser = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/html"));
    let done = match app::mail::store::unsubscribe(&state.db, &token).await {
        Ok(done) => done,
        Err(error) => return refused(error),
    };
    if from_browser && app::accounts::tokens::looks_like_token(&token) {
        return axum::response::Redirect::to(&format!("/unsubscribe/{token}")).into_response();
    }
    let no_store = [(header::CACHE_CONTROL, "no-store")];
    if done {
        (
            StatusCode::OK,
            no_store,
            "Unsubscribed: no more reminder emails go to this person.\n",
        )
            .into_response()
    } else {
        (
            StatusCode::NOT_FOUND,
            no_store,
            "This unsubscribe link does not work.\n",
        )
            .into_response()
    }
}
