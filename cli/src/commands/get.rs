//! `get`: GET one anchor, or the item of every document of a file; errors never stop it.

use reqwest::Method;

use super::rules::get_skips;
use super::runner::{CheckFor, Op, Runner};
use super::{CommandError, GetOptions, Session, Summary, Target, load_documents};
use crate::output::Output;
use crate::resource::Payload;

/// Runs `emcoctl get`.
pub async fn run_get(
    session: &Session,
    options: &GetOptions,
    out: &mut dyn Output,
) -> Result<Summary, CommandError> {
    let mut runner = Runner::new(session, out, Op::Get).format(options.format);
    match &options.target {
        Target::Anchor(anchor) => {
            runner
                .call(Method::GET, anchor, Payload::None, CheckFor::None)
                .await?;
        }
        Target::File(input) => {
            for doc in &load_documents(input)? {
                if get_skips(&doc.anchor) {
                    runner.skip();
                    continue;
                }
                runner
                    .call(
                        Method::GET,
                        &doc.item_anchor(),
                        Payload::None,
                        CheckFor::None,
                    )
                    .await?;
            }
        }
    }
    Ok(runner.finish())
}
