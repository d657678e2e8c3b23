//! The check after a refused reissue: GET the item or the status and decide.

use super::classify::{is_already_exists, is_state_conflict};
use super::verify::{self, ReissueCheck};
use super::{Answer, Call, Client, Verdict, get_call};
use crate::output::Output;

impl Client {
    /// A reissued call was refused: confirm or reject with a GET, per the call's check.
    pub(super) async fn check_reissue(
        &self,
        call: &Call,
        answer: &Answer,
        out: &mut dyn Output,
    ) -> Verdict {
        match &call.check {
            ReissueCheck::Created(item) if is_already_exists(answer.status, &answer.body) => {
                let get = get_call(item.service, &item.anchor, &item.url, item.accept_json);
                let stored = match self.fetch_json(&get, out).await {
                    Ok(v) => v,
                    Err(why) => {
                        return Verdict::Rejected(format!(
                            "reissued call answered {} and the stored resource could not be read: {why}",
                            answer.status
                        ));
                    }
                };
                match verify::stored_matches(&item.sent, &stored) {
                    Ok(()) => Verdict::Confirmed(format!(
                        "reissued call answered {}; the stored resource equals what was sent, counted as success",
                        answer.status
                    )),
                    Err(diff) => Verdict::Rejected(format!(
                        "reissued call answered {}; the stored resource differs from what was sent: {diff}",
                        answer.status
                    )),
                }
            }
            ReissueCheck::Lifecycle(lc) if is_state_conflict(answer.status, &answer.body) => {
                let get = get_call(lc.service, &lc.anchor, &lc.url, false);
                let status = match self.fetch_json(&get, out).await {
                    Ok(v) => v,
                    Err(why) => {
                        return Verdict::Rejected(format!(
                            "reissued call answered {} and the status could not be read: {why}",
                            answer.status
                        ));
                    }
                };
                let state = verify::reported_state(lc.kind, &status).unwrap_or("no state");
                let target = lc.accepted.first().copied().unwrap_or_default();
                if lc.accepted.contains(&state) {
                    Verdict::Confirmed(format!(
                        "reissued call answered {}; the status shows {state}, so an earlier attempt took effect, counted as success",
                        answer.status
                    ))
                } else {
                    Verdict::Rejected(format!(
                        "reissued call answered {}; the status shows {state}, not {target}",
                        answer.status
                    ))
                }
            }
            ReissueCheck::Deleted if answer.status == 404 => Verdict::Confirmed(
                "reissued call answered 404: an earlier attempt deleted it, counted as success"
                    .to_string(),
            ),
            _ => Verdict::ApiError,
        }
    }

    /// A GET (with retries) whose 2xx JSON body is returned; anything else is described.
    async fn fetch_json(
        &self,
        call: &Call,
        out: &mut dyn Output,
    ) -> Result<serde_json::Value, String> {
        let attempts = self
            .attempts(call, None, out)
            .await
            .map_err(|e| e.to_string())?;
        if attempts.failed.is_some() {
            return Err(format!(
                "GET {} answered {}",
                call.url, attempts.answer.status
            ));
        }
        serde_json::from_str(&attempts.answer.body)
            .map_err(|e| format!("GET {} answered a body that is not JSON: {e}", call.url))
    }
}
