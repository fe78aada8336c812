// `sqlx::migrate!` embeds the migration files when the crate compiles: rebuild when one is added.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
