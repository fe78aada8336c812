#[cfg(feature = "ssr")]
#[tokio::main]
async fn main() {
    use axum::Router;
    use bare_leptos::{App, shell};
    use leptos::prelude::*;
    use leptos_axum::{LeptosRoutes, generate_route_list};

    let conf = get_configuration(None).expect("the Leptos settings");
    let options = conf.leptos_options;
    let address = options.site_addr;
    let routes = generate_route_list(App);
    let app = Router::new()
        .leptos_routes(&options, routes, {
            let options = options.clone();
            move || shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler(shell))
        .with_state(options);
    let listener = tokio::net::TcpListener::bind(&address)
        .await
        .expect("the address");
    axum::serve(listener, app.into_make_service())
        .await
        .expect("the server");
}

#[cfg(not(feature = "ssr"))]
fn main() {}
