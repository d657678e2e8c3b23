//! Named failure points for the resilience harness, compiled in only with `--features failpoints`.
//!
//! Points are set with the `fail` crate's syntax, through the `FAILPOINTS` environment variable
//! at start (`orchestrator.dig_approve.after_commit=return(exit);rsync.apply.before_cluster_write=pause`)
//! or at run time with `POST /admin/failpoints/{name}` (body: the action) on the service's own
//! listener, from loopback only. Actions:
//! - `pause`: the request waits (asynchronously, no runtime thread is held) until the point is
//!   set to anything else; pair it with a SIGKILL for "the call was in flight";
//! - `error` (`return(error)`): the call answers 500;
//! - `exit` (`return(exit)`): the process ends at that instant with exit code [`EXIT_CODE`];
//! - `panic` (`return(panic)`): the handler panics (for the harness's panic checks);
//! - `off`: removes the point.
//!
//! Other `fail` crate actions (`1*return(exit)`, `50%return(error)`) are passed to the crate.
//! `GET /admin/failpoints` lists the points and how many requests each paused point holds, so a
//! harness can wait until a request is in flight. Without the feature, [`hit`] does nothing and
//! the admin routes do not exist (they answer 404).

use super::error::ApiError;

/// The exit code of a process ended by an `exit` failpoint.
pub const EXIT_CODE: i32 = 86;

/// Evaluates the failpoint `name`: waits while it is paused, then applies its action.
#[cfg(feature = "failpoints")]
pub async fn hit(name: &str) -> Result<(), ApiError> {
    enabled::hit(name).await
}

#[cfg(not(feature = "failpoints"))]
#[inline]
pub async fn hit(_name: &str) -> Result<(), ApiError> {
    Ok(())
}

/// Applies `FAILPOINTS` from the environment (once per process); a bad value is an error.
#[cfg(feature = "failpoints")]
pub fn init_from_env() -> Result<(), String> {
    enabled::init_from_env()
}

#[cfg(not(feature = "failpoints"))]
pub fn init_from_env() -> Result<(), String> {
    Ok(())
}

/// The admin routes (`/admin/failpoints`); empty without the feature.
#[cfg(feature = "failpoints")]
pub fn admin_router() -> axum::Router {
    enabled::admin_router()
}

#[cfg(not(feature = "failpoints"))]
pub fn admin_router() -> axum::Router {
    axum::Router::new()
}

/// One action, as the admin endpoint and `FAILPOINTS` spell it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    Pause,
    Off,
    /// Anything else, in the `fail` crate's syntax (`return(error)`, `1*return(exit)`, ...).
    Fail(String),
}

/// Parses an action; the short forms `error`, `exit` and `panic` mean `return(<form>)`.
pub fn parse_action(text: &str) -> Result<Action, String> {
    let text = text.trim();
    match text {
        "" => Err("empty failpoint action".to_string()),
        "pause" => Ok(Action::Pause),
        "off" => Ok(Action::Off),
        "error" | "exit" | "panic" => Ok(Action::Fail(format!("return({text})"))),
        // The fail crate's own pause, sleep and delay block a runtime thread.
        t if t.contains("pause") || t.contains("sleep") || t.contains("delay") => Err(format!(
            "unsupported failpoint action {t:?}: use `pause` alone (it waits without blocking a thread)"
        )),
        t => Ok(Action::Fail(t.to_string())),
    }
}

/// Parses `FAILPOINTS`: `name=action;name=action`.
pub fn parse_env(value: &str) -> Result<Vec<(String, Action)>, String> {
    value
        .split(';')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|entry| {
            let (name, action) = entry
                .split_once('=')
                .ok_or_else(|| format!("FAILPOINTS entry {entry:?} is not name=action"))?;
            let name = name.trim();
            if name.is_empty() {
                return Err(format!("FAILPOINTS entry {entry:?} has no name"));
            }
            Ok((name.to_string(), parse_action(action)?))
        })
        .collect()
}

#[cfg(feature = "failpoints")]
mod enabled {
    use std::collections::{BTreeMap, HashSet};
    use std::net::SocketAddr;
    use std::sync::{Mutex, MutexGuard, OnceLock};

    use axum::Router;
    use axum::extract::{ConnectInfo, Path};
    use axum::http::StatusCode;
    use axum::response::{IntoResponse, Response};
    use axum::routing::{get, post};
    use serde_json::json;
    use tokio::sync::Notify;

    use super::{Action, ApiError, EXIT_CODE, parse_action, parse_env};

    /// Paused names and the requests they hold; `changed` wakes the held requests.
    struct Registry {
        inner: Mutex<Inner>,
        changed: Notify,
    }

    #[derive(Default)]
    struct Inner {
        paused: HashSet<String>,
        waiting: BTreeMap<String, usize>,
    }

    fn registry() -> &'static Registry {
        static REGISTRY: OnceLock<Registry> = OnceLock::new();
        REGISTRY.get_or_init(|| Registry {
            inner: Mutex::new(Inner::default()),
            changed: Notify::new(),
        })
    }

    fn lock() -> MutexGuard<'static, Inner> {
        // A panic while holding the lock (a `panic` failpoint cannot) leaves consistent data.
        registry().inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn init_from_env() -> Result<(), String> {
        static INIT: OnceLock<Result<(), String>> = OnceLock::new();
        INIT.get_or_init(|| {
            let Ok(value) = std::env::var("FAILPOINTS") else {
                return Ok(());
            };
            for (name, action) in parse_env(&value)? {
                set(&name, action)?;
            }
            Ok(())
        })
        .clone()
    }

    /// Sets one point; every request held by it re-reads its action.
    pub fn set(name: &str, action: Action) -> Result<(), String> {
        {
            let mut inner = lock();
            match &action {
                Action::Pause => {
                    fail::remove(name);
                    inner.paused.insert(name.to_string());
                }
                Action::Off => {
                    fail::remove(name);
                    inner.paused.remove(name);
                }
                Action::Fail(text) => {
                    fail::cfg(name, text)?;
                    inner.paused.remove(name);
                }
            }
        }
        tracing::info!(failpoint = name, ?action, "failpoint set");
        registry().changed.notify_waiters();
        Ok(())
    }

    /// Counts a held request for as long as it waits (also when its future is dropped).
    struct Held(String);

    impl Drop for Held {
        fn drop(&mut self) {
            let mut inner = lock();
            if let Some(n) = inner.waiting.get_mut(&self.0) {
                *n -= 1;
                if *n == 0 {
                    inner.waiting.remove(&self.0);
                }
            }
        }
    }

    async fn wait_while_paused(name: &str) {
        let mut held: Option<Held> = None;
        loop {
            let notified = registry().changed.notified();
            tokio::pin!(notified);
            // Registered before the check, so a change between check and await is not missed.
            notified.as_mut().enable();
            {
                let mut inner = lock();
                if !inner.paused.contains(name) {
                    return;
                }
                if held.is_none() {
                    *inner.waiting.entry(name.to_string()).or_default() += 1;
                    held = Some(Held(name.to_string()));
                    tracing::warn!(failpoint = name, "failpoint: paused");
                }
            }
            notified.await;
        }
    }

    pub async fn hit(name: &str) -> Result<(), ApiError> {
        if let Err(err) = init_from_env() {
            tracing::error!(%err, "FAILPOINTS is invalid");
        }
        wait_while_paused(name).await;
        fail::fail_point!(name, |arg: Option<String>| {
            match arg.as_deref() {
                Some("exit") => {
                    tracing::warn!(failpoint = name, "failpoint: exiting");
                    std::process::exit(EXIT_CODE)
                }
                Some("panic") => panic!("failpoint {name}: panic"),
                _ => Err(ApiError::internal(format!("failpoint {name} triggered"))),
            }
        });
        Ok(())
    }

    fn listing() -> serde_json::Value {
        let inner = lock();
        let mut points: BTreeMap<String, String> = fail::list().into_iter().collect();
        for name in &inner.paused {
            points.insert(name.clone(), "pause".to_string());
        }
        let failpoints: Vec<serde_json::Value> = points
            .into_iter()
            .map(|(name, action)| {
                let waiting = inner.waiting.get(&name).copied().unwrap_or(0);
                json!({"name": name, "action": action, "waiting": waiting})
            })
            .collect();
        let reached: Vec<&String> = inner.waiting.keys().collect();
        json!({"failpoints": failpoints, "reached": reached})
    }

    fn refuse_remote(peer: &SocketAddr) -> Option<Response> {
        (!peer.ip().is_loopback()).then(|| {
            (
                StatusCode::FORBIDDEN,
                "failpoints are only served to loopback clients\n",
            )
                .into_response()
        })
    }

    async fn list_points(ConnectInfo(peer): ConnectInfo<SocketAddr>) -> Response {
        if let Some(refused) = refuse_remote(&peer) {
            return refused;
        }
        axum::Json(listing()).into_response()
    }

    async fn set_point(
        ConnectInfo(peer): ConnectInfo<SocketAddr>,
        Path(name): Path<String>,
        body: String,
    ) -> Response {
        if let Some(refused) = refuse_remote(&peer) {
            return refused;
        }
        match parse_action(&body).and_then(|action| set(&name, action)) {
            Ok(()) => axum::Json(listing()).into_response(),
            Err(err) => (StatusCode::BAD_REQUEST, format!("{err}\n")).into_response(),
        }
    }

    async fn clear_point(
        ConnectInfo(peer): ConnectInfo<SocketAddr>,
        Path(name): Path<String>,
    ) -> Response {
        if let Some(refused) = refuse_remote(&peer) {
            return refused;
        }
        match set(&name, Action::Off) {
            Ok(()) => axum::Json(listing()).into_response(),
            Err(err) => (StatusCode::BAD_REQUEST, format!("{err}\n")).into_response(),
        }
    }

    pub fn admin_router() -> Router {
        Router::new()
            .route("/admin/failpoints", get(list_points))
            .route(
                "/admin/failpoints/{name}",
                post(set_point).delete(clear_point),
            )
    }

    #[cfg(test)]
    mod tests {
        use std::time::Duration;

        use super::*;

        #[tokio::test]
        async fn pause_holds_until_changed_and_counts_waiters() {
            let name = "test.pause.holds";
            set(name, Action::Pause).unwrap();
            let task = tokio::spawn(async move { hit(name).await });
            let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
            while lock().waiting.get(name).copied().unwrap_or(0) == 0 {
                assert!(tokio::time::Instant::now() < deadline, "never paused");
                tokio::task::yield_now().await;
            }
            assert!(!task.is_finished());
            set(name, Action::Fail("return(error)".into())).unwrap();
            let result = tokio::time::timeout(Duration::from_secs(5), task)
                .await
                .unwrap()
                .unwrap();
            assert_eq!(
                result.unwrap_err().status,
                StatusCode::INTERNAL_SERVER_ERROR
            );
            assert!(!lock().waiting.contains_key(name));
            set(name, Action::Off).unwrap();
            assert!(hit(name).await.is_ok());
        }

        #[tokio::test]
        async fn a_dropped_waiter_is_no_longer_counted() {
            let name = "test.pause.dropped";
            set(name, Action::Pause).unwrap();
            let task = tokio::spawn(async move { hit(name).await });
            let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
            while !lock().waiting.contains_key(name) {
                assert!(tokio::time::Instant::now() < deadline, "never paused");
                tokio::task::yield_now().await;
            }
            task.abort();
            let _ = task.await;
            assert!(!lock().waiting.contains_key(name));
            set(name, Action::Off).unwrap();
        }

        #[test]
        fn listing_shows_paused_and_fail_points() {
            set("test.list.a", Action::Pause).unwrap();
            set("test.list.b", Action::Fail("1*return(exit)".into())).unwrap();
            let l = listing();
            let action = |name: &str| {
                l["failpoints"]
                    .as_array()
                    .and_then(|a| a.iter().find(|p| p["name"] == name))
                    .map(|p| p["action"].clone())
            };
            assert_eq!(action("test.list.a"), Some(json!("pause")), "{l}");
            assert_eq!(action("test.list.b"), Some(json!("1*return(exit)")), "{l}");
            set("test.list.a", Action::Off).unwrap();
            set("test.list.b", Action::Off).unwrap();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_actions() {
        assert_eq!(parse_action("pause"), Ok(Action::Pause));
        assert_eq!(parse_action(" off\n"), Ok(Action::Off));
        assert_eq!(
            parse_action("error"),
            Ok(Action::Fail("return(error)".into()))
        );
        assert_eq!(
            parse_action("exit"),
            Ok(Action::Fail("return(exit)".into()))
        );
        assert_eq!(
            parse_action("1*return(exit)"),
            Ok(Action::Fail("1*return(exit)".into()))
        );
    }

    #[test]
    fn blocking_actions_are_refused() {
        for bad in ["", "sleep(100)", "delay(5)", "1*pause", "return->pause"] {
            assert!(parse_action(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn env_syntax() {
        let parsed = parse_env("a.b=pause; c.d=return(exit);").unwrap();
        assert_eq!(
            parsed,
            vec![
                ("a.b".to_string(), Action::Pause),
                ("c.d".to_string(), Action::Fail("return(exit)".into()))
            ]
        );
        assert!(parse_env("nonsense").is_err());
        assert!(parse_env("=pause").is_err());
    }
}
