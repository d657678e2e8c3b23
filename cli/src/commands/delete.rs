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
    run_delete_waiting(session, options, None, out).await
}

/// Runs `emcoctl delete --wait`: after each terminate it issues, waits (up to `settle`) until
/// the DIG or logical cloud finished terminating before deleting what comes next.
pub async fn run_delete_waiting(
    session: &Session,
    options: &ApplyOptions,
    settle: Option<std::time::Duration>,
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
                        let flow = runner
                            .call(Method::POST, &anchor, payload, CheckFor::Post(None))
                            .await?;
                        if let Some(timeout) = settle
                            && flow == Flow::Continue
                        {
                            runner.settle_terminate(&anchor, timeout).await;
                        }
                        flow
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
