//! `mandant`: a thin entry point over the library (see `cli`).

#[actix_web::main]
async fn main() -> std::process::ExitCode {
    mandant::cli::run().await
}
