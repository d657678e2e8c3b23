//! `update`: PUT every document of a file to its item URL, skipping lifecycle anchors.

use reqwest::Method;

use super::rules::update_skips;
use super::runner::{CheckFor, Flow, Op, Runner};
use super::{ApplyOptions, CommandError, Session, Summary, Target, load_documents};
use crate::output::Output;

/// Runs `emcoctl update` (a file is required).
pub async fn run_update(
    session: &Session,
    options: &ApplyOptions,
    out: &mut dyn Output,
) -> Result<Summary, CommandError> {
    let Target::File(input) = &options.target else {
        return Err(CommandError::Usage(
            "Use: 'emcoctl update --help' (update needs -f)".to_string(),
        ));
    };
    let mut runner =
        Runner::new(session, out, Op::Update).stop_on_error(options.stop_on_error, options.wait);
    for doc in &load_documents(input)? {
        if update_skips(&doc.anchor) {
            runner.skip();
            continue;
        }
        let payload = match doc.payload(session.base_dir()) {
            Ok(payload) => payload,
            Err(e) => {
                runner.not_sent(&Method::PUT, &doc.anchor, &e);
                break;
            }
        };
        let flow = runner
            .call(Method::PUT, &doc.item_anchor(), payload, CheckFor::None)
            .await?;
        if flow == Flow::Stop {
            break;
        }
    }
    Ok(runner.finish())
}
