//! Built files go out precompressed and are kept by browsers for good when their names carry
//! their hash; pages and server functions' answers go out compressed.

mod support;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use support::{Engine, TestApp};
use tower::ServiceExt;

async fn get(
    router: &axum::Router,
    path: &str,
    encoding: Option<&str>,
) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    let mut request = Request::get(path).header(header::HOST, support::HOST);
    if let Some(encoding) = encoding {
        request = request.header(header::ACCEPT_ENCODING, encoding);
    }
    let response = router
        .clone()
        .oneshot(request.body(Body::empty()).expect("request"))
        .await
        .expect("an answer");
    let status = response.status();
    let headers = response.headers().clone();
    let body = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes()
        .to_vec();
    (status, headers, body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn built_files_go_precompressed_and_are_kept_for_good() {
    let app = TestApp::new(Engine::Sqlite).await;
    let site = std::env::temp_dir().join(format!("milestones-assets-{}", std::process::id()));
    let pkg = site.join("pkg");
    std::fs::create_dir_all(&pkg).expect("folder");
    std::fs::write(pkg.join("milestones.abc123.wasm"), b"raw wasm bytes").expect("wasm");
    std::fs::write(pkg.join("milestones.abc123.wasm.br"), b"brotli bytes").expect("br");
    std::fs::write(pkg.join("milestones.abc123.wasm.gz"), b"gzip bytes").expect("gz");
    let mut state = app.state.clone();
    state.hashed_assets = true;
    state.leptos_options.site_root = site.to_string_lossy().into_owned().into();
    let router = server::build_router(state);
    let path = "/pkg/milestones.abc123.wasm";

    let (status, headers, body) = get(&router, path, Some("gzip, deflate, br")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CONTENT_ENCODING], "br");
    assert_eq!(body, b"brotli bytes");
    assert_eq!(
        headers[header::CACHE_CONTROL],
        "public, max-age=31536000, immutable"
    );
    assert_eq!(headers[header::CONTENT_TYPE], "application/wasm");
    let (_, headers, body) = get(&router, path, Some("gzip")).await;
    assert_eq!(headers[header::CONTENT_ENCODING], "gzip");
    assert_eq!(body, b"gzip bytes");
    let (_, headers, body) = get(&router, path, None).await;
    assert!(headers.get(header::CONTENT_ENCODING).is_none());
    assert_eq!(body, b"raw wasm bytes");
    // A development build (no precompressed file) goes as it is, not compressed per request.
    std::fs::write(pkg.join("dev.wasm"), vec![0u8; 4096]).expect("dev wasm");
    let (_, headers, body) = get(&router, "/pkg/dev.wasm", Some("br, gzip")).await;
    assert!(headers.get(header::CONTENT_ENCODING).is_none());
    assert_eq!(body.len(), 4096);
    // A file that is not there is not kept.
    let (status, headers, _) = get(&router, "/pkg/milestones.gone.wasm", Some("br")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_ne!(
        headers
            .get(header::CACHE_CONTROL)
            .map(|v| v.to_str().unwrap_or_default()),
        Some("public, max-age=31536000, immutable")
    );
    // Without hashed names the browser asks again each time.
    let mut plain = app.state.clone();
    plain.leptos_options.site_root = site.to_string_lossy().into_owned().into();
    let (_, headers, _) = get(&server::build_router(plain), path, Some("br")).await;
    assert_eq!(headers[header::CACHE_CONTROL], "no-cache");
    std::fs::remove_dir_all(&site).ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_go_compressed_to_browsers_that_accept_it() {
    let app = TestApp::new(Engine::Sqlite).await;
    let (status, headers, compressed) = get(&app.router, "/sign-in", Some("br")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CONTENT_ENCODING], "br");
    assert_eq!(headers[header::CACHE_CONTROL], "no-store");
    let (_, headers, plain) = get(&app.router, "/sign-in", None).await;
    assert!(headers.get(header::CONTENT_ENCODING).is_none());
    assert!(String::from_utf8_lossy(&plain).contains("<h1>Sign in</h1>"));
    assert!(
        compressed.len() * 2 < plain.len(),
        "{} compressed bytes for {} plain",
        compressed.len(),
        plain.len()
    );
}
