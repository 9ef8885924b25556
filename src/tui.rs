//! Placeholder until the workbench lands.
use crate::session::Session;

pub async fn run(
    session: Session,
    _models: &[String],
    _theme: Option<&str>,
) -> anyhow::Result<i32> {
    eprintln!("{}", session.describe());
    eprintln!("The interactive workbench is not built yet; try `gatebench ask \"hello\"`.");
    Ok(2)
}
