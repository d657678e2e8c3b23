//! `apply`: POST every document of a file in order (or an empty body to one anchor).

use reqwest::Method;

use super::runner::{CheckFor, Flow, Op, Runner};
use super::{ApplyOptions, CommandError, Session, Summary, Target, load_documents};
use crate::output::Output;
use crate::resource::Payload;

/// Runs `emcoctl apply`.
pub async fn run_apply(
    session: &Session,
    options: &ApplyOptions,
    out: &mut dyn Output,
) -> Result<Summary, CommandError> {
    let mut runner =
        Runner::new(session, out, Op::Apply).stop_on_error(options.stop_on_error, options.wait);
    match &options.target {
        Target::Anchor(anchor) => {
            let payload = Payload::Json(Vec::new());
            runner
                .call(Method::POST, anchor, payload, CheckFor::Post(None))
                .await?;
        }
        Target::File(input) => {
            for doc in &load_documents(input)? {
                let payload = match doc.payload(session.base_dir()) {
                    Ok(payload) => payload,
                    Err(e) => {
                        runner.not_sent(&Method::POST, &doc.anchor, &e);
                        break;
                    }
                };
                let flow = runner
                    .call(
                        Method::POST,
                        &doc.anchor,
                        payload,
                        CheckFor::Post(Some(doc)),
                    )
                    .await?;
                if flow == Flow::Stop {
                    break;
                }
            }
        }
    }
    Ok(runner.finish())
}
