//! The web app (`web/`, a React SPA) served at `/`: its built files are
//! embedded into the binary at compile time (read from `web/dist` on disk
//! in debug builds, so a rebuilt app needs no Rust rebuild). `/` and any
//! `/t/{tenant}/…` path that is not an API, WebSocket or file get the
//! app's `index.html`, which routes in the browser; anything else is the
//! API's `404`.

use actix_web::http::{Method, header};
use actix_web::{HttpRequest, HttpResponse};
use rust_embed::RustEmbed;

use super::problem::ApiError;

#[derive(RustEmbed)]
#[folder = "web/dist/"]
#[allow_missing = true]
struct Dist;

/// Served when the app was not built (no Node.js when compiling).
const NOT_BUILT: &str = "<!doctype html><meta charset=utf-8><title>Mandant</title>\
<p>The web app is not built. Install Node.js 20 and run <code>cargo build</code> again \
(or <code>npm --prefix web ci &amp;&amp; npm --prefix web run build</code>). The API is at \
<a href=\"/api/docs\">/api/docs</a>.";

fn is_api(path: &str) -> bool {
    if path.starts_with("/api/") || path == "/api" {
        return true;
    }
    let mut seg = path.trim_start_matches('/').split('/');
    seg.next() == Some("t") && {
        seg.next();
        matches!(seg.next(), Some("api") | Some("ws"))
    }
}

fn file(path: &str, body: std::borrow::Cow<'static, [u8]>) -> HttpResponse {
    let mime = mime_guess::from_path(path).first_or_octet_stream();
    // Vite names files under assets/ by their content hash.
    let cache = if path.starts_with("assets/") {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, mime.essence_str().to_owned()))
        .insert_header((header::CACHE_CONTROL, cache))
        .insert_header(("x-content-type-options", "nosniff"))
        .insert_header(("referrer-policy", "same-origin"))
        .insert_header(("content-security-policy", CSP))
        .insert_header(("x-frame-options", "DENY"))
        .body(body.into_owned())
}

/// The app's Content-Security-Policy: its own scripts only (no inline
/// script, no eval), styles inline too (React sets `style` attributes),
/// images also from `data:`/`blob:` and https (icons, a tenant's logo URL),
/// the API and WebSocket on this origin, and no framing at all
/// (clickjacking). The end-to-end tests run the app under it and fail on
/// any violation.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
img-src 'self' data: blob: https:; font-src 'self' data:; connect-src 'self' ws: wss:; worker-src 'self'; \
manifest-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

/// The default service: files of the app, or its `index.html` for the
/// app's own routes; everything else is the API's `404`.
pub async fn serve(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let path = req.path();
    if is_api(path) || (req.method() != Method::GET && req.method() != Method::HEAD) {
        return Err(ApiError::not_found());
    }
    let rel = path.trim_start_matches('/');
    if !rel.is_empty()
        && !rel.contains("..")
        && let Some(f) = Dist::get(rel)
    {
        return Ok(file(rel, f.data));
    }
    // The app's own routes: `/` and everything under a tenant.
    if rel.is_empty() || rel.starts_with("t/") {
        return Ok(match Dist::get("index.html") {
            Some(f) => file("index.html", f.data),
            None => HttpResponse::Ok()
                .content_type("text/html; charset=utf-8")
                .insert_header(("content-security-policy", CSP))
                .insert_header(("x-frame-options", "DENY"))
                .body(NOT_BUILT),
        });
    }
    Err(ApiError::not_found())
}

#[cfg(test)]
mod tests {
    use super::is_api;

    #[test]
    fn api_paths_are_never_the_app() {
        for p in [
            "/api/v1/tenants",
            "/t/acme/api/v1/nope",
            "/t/acme/ws",
            "/api",
        ] {
            assert!(is_api(p), "{p}");
        }
        for p in [
            "/",
            "/t/acme",
            "/t/acme/crm/contacts",
            "/assets/x.js",
            "/t/acme/portal",
        ] {
            assert!(!is_api(p), "{p}");
        }
    }
}
