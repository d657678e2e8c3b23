//! `delete`: undo a file's documents in reverse order (or DELETE one anchor).

use reqwest::Method;

use super::rules::{DeleteAction, delete_action};
use super::runner::{CheckFor, Flow, Op, Runner};
use super::{ApplyOptions, CommandError, Session, Summary, Target, load_documents};
use crate::output::Output;
use crate::resource::Payload;

/// Runs `emcoctl delete`.
pub async fn run_delete(
    session: &Session,
    options: &ApplyOptions,
    out: &mut dyn Output,
) -> Result<Summary, CommandError> {
    let mut runner =
        Runner::new(session, out, Op::Delete).stop_on_error(options.stop_on_error, options.wait);
    match &options.target {
        Target::Anchor(anchor) => {
            runner
                .call(Method::DELETE, anchor, Payload::None, CheckFor::Delete)
                .await?;
        }
        Target::File(input) => {
            for doc in load_documents(input)?.iter().rev() {
                let flow = match delete_action(doc) {
                    DeleteAction::Skip => {
                        runner.skip();
                        continue;
                    }
                    DeleteAction::Terminate(anchor) => {
                        let payload = Payload::Json(Vec::new());
                        runner
                            .call(Method::POST, &anchor, payload, CheckFor::Post(None))
                            .await?
                    }
                    DeleteAction::Delete(anchor) => {
                        runner
                            .call(Method::DELETE, &anchor, Payload::None, CheckFor::Delete)
                            .await?
                    }
                };
                if flow == Flow::Stop {
                    break;
                }
            }
        }
    }
    Ok(runner.finish())
}
