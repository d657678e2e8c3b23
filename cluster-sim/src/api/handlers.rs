//! The request dispatcher: it parses the URL, query and body, calls the verb, and answers.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, Method, Uri, header};
use axum::response::Response;
use serde_json::{Value, json};

use super::{discovery, error_response, json_text, json_value, openapi, path, watch};
use crate::cluster::Cluster;
use crate::error::ApiError;
use crate::objects::Sub;
use crate::ops::{self, DeleteOptions, PatchType, Propagation};
use crate::resources::ResourceType;
use crate::selectors::{FieldSelector, LabelSelector};

type Params = HashMap<String, String>;

pub async fn dispatch(
    State(c): State<Arc<Cluster>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let params: Params = Query::<Vec<(String, String)>>::try_from_uri(&uri)
        .map(|q| q.0.into_iter().collect())
        .unwrap_or_default();
    match route(&c, &method, &uri, &headers, &params, body).await {
        Ok(r) => r,
        Err(e) => error_response(&e),
    }
}

async fn route(
    c: &Arc<Cluster>,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    params: &Params,
    body: Bytes,
) -> Result<Response, ApiError> {
    let p = uri.path().trim_end_matches('/');
    if method == Method::GET {
        let doc = match p {
            "/version" => Some(discovery::version()),
            "/api" => Some(discovery::core_versions()),
            "/apis" => Some(discovery::group_list(&c.registry)),
            "/healthz" | "/readyz" | "/livez" => return Ok(json_text(200, "ok".into())),
            "/openapi/v3" => Some(openapi::root(&c.registry)),
            _ => discovery_path(c, p),
        };
        if let Some(d) = doc {
            return Ok(json_value(200, &d));
        }
    }
    let Some(t) = path::parse(p) else {
        return Err(ApiError::path_not_found(p));
    };
    let rt = c
        .registry
        .find(&t.group, &t.version, &t.plural)
        .ok_or_else(|| ApiError::path_not_found(p))?;
    let ns = if rt.namespaced {
        t.namespace.clone().unwrap_or_default()
    } else {
        String::new()
    };
    if t.namespace.is_some() && !rt.namespaced {
        return Err(ApiError::path_not_found(p));
    }
    let sub = Sub::parse(t.subresource.as_deref()).ok_or_else(|| ApiError::path_not_found(p))?;
    let sub_ok = match sub {
        Sub::Main => true,
        Sub::Status => rt.status,
        Sub::Approval => rt.plural == "certificatesigningrequests" && !rt.custom,
    };
    if !sub_ok {
        return Err(ApiError::path_not_found(p));
    }
    let manager = field_manager(params, headers);
    match (method.clone(), t.name.as_deref()) {
        (Method::GET, None) => list_or_watch(c, &rt, t.namespace.as_deref(), params),
        (Method::GET, Some(name)) => {
            Ok(json_text(200, ops::get_raw(c, &rt, &ns, name)?.to_string()))
        }
        (Method::POST, None) => {
            if rt.namespaced && ns.is_empty() {
                return Err(ApiError::bad_request(
                    "a namespace is required to create a namespaced object",
                ));
            }
            let obj = parse_body(&body, headers)?;
            Ok(json_value(
                201,
                &ops::create(c, &rt, &ns, obj, ops::Fields::Record(&manager))?,
            ))
        }
        (Method::PUT, Some(name)) => {
            let obj = parse_body(&body, headers)?;
            Ok(json_value(
                200,
                &ops::replace(c, &rt, &ns, name, sub, obj, &manager)?,
            ))
        }
        (Method::PATCH, Some(name)) => {
            let ty = patch_type(headers)?;
            let patch = parse_body(&body, headers)?;
            let force = params.get("force").is_some_and(|f| f == "true" || f == "1");
            // Apply needs an explicit manager; other writes default to the user agent.
            let manager = if ty == PatchType::Apply {
                params.get("fieldManager").cloned().unwrap_or_default()
            } else {
                manager
            };
            let (code, out) = ops::patch(c, &rt, &ns, name, sub, ty, patch, &manager, force)?;
            Ok(json_value(code, &out))
        }
        (Method::DELETE, Some(name)) if sub == Sub::Main => {
            let opts = delete_options(&body, params)?;
            Ok(json_value(200, &ops::delete(c, &rt, &ns, name, &opts)?))
        }
        (Method::DELETE, None) => delete_collection(c, &rt, t.namespace.as_deref(), params, &body),
        (m, _) => Err(ApiError::method_not_allowed(format!(
            "the server does not allow this method on the requested resource ({m})"
        ))),
    }
}

fn discovery_path(c: &Cluster, p: &str) -> Option<Value> {
    if let Some(gv) = p.strip_prefix("/openapi/v3/") {
        return openapi::group_version(&c.registry, gv);
    }
    let segs: Vec<&str> = p.trim_matches('/').split('/').collect();
    match segs.as_slice() {
        ["api", v] => discovery::resource_list(&c.registry, "", v),
        ["apis", g] => discovery::group(&c.registry, g),
        ["apis", g, v] => discovery::resource_list(&c.registry, g, v),
        _ => None,
    }
}

/// The `fieldManager` query parameter, else the user agent's product name, as Kubernetes does.
fn field_manager(params: &Params, headers: &HeaderMap) -> String {
    if let Some(m) = params.get("fieldManager").filter(|m| !m.is_empty()) {
        return m.clone();
    }
    headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .and_then(|ua| ua.split('/').next())
        .filter(|s| !s.is_empty())
        .unwrap_or("unknown")
        .to_string()
}

fn content_type(headers: &HeaderMap) -> &str {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

fn patch_type(headers: &HeaderMap) -> Result<PatchType, ApiError> {
    let ct = content_type(headers);
    if ct.starts_with("application/apply-patch") {
        Ok(PatchType::Apply)
    } else if ct.starts_with("application/merge-patch+json")
        || ct.starts_with("application/strategic-merge-patch+json")
    {
        Ok(PatchType::Merge)
    } else if ct.starts_with("application/json-patch+json") {
        Ok(PatchType::Json)
    } else {
        Err(ApiError::unsupported_media(format!(
            "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json (got {ct:?})"
        )))
    }
}

/// A JSON body, or YAML when the content type says so (or JSON fails to parse).
fn parse_body(body: &Bytes, headers: &HeaderMap) -> Result<Value, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::bad_request("the request body is empty"));
    }
    let text = std::str::from_utf8(body)
        .map_err(|_| ApiError::bad_request("the request body is not UTF-8"))?;
    let yaml_first = content_type(headers).contains("yaml");
    let from_json = || serde_json::from_str::<Value>(text).map_err(|e| e.to_string());
    let from_yaml = || serde_saphyr::from_str::<Value>(text).map_err(|e| e.to_string());
    let r = if yaml_first {
        from_yaml().or_else(|_| from_json())
    } else {
        from_json().or_else(|e| from_yaml().map_err(|_| e))
    };
    r.map_err(|e| ApiError::bad_request(format!("the request body could not be decoded: {e}")))
}

fn selectors(params: &Params) -> Result<(LabelSelector, FieldSelector), ApiError> {
    let labels = LabelSelector::parse(
        params
            .get("labelSelector")
            .map(String::as_str)
            .unwrap_or(""),
    )
    .map_err(|e| ApiError::bad_request(format!("unable to parse requirement: {e}")))?;
    let fields = FieldSelector::parse(
        params
            .get("fieldSelector")
            .map(String::as_str)
            .unwrap_or(""),
    )
    .map_err(ApiError::bad_request)?;
    Ok((labels, fields))
}

fn list_or_watch(
    c: &Arc<Cluster>,
    rt: &Arc<ResourceType>,
    ns: Option<&str>,
    params: &Params,
) -> Result<Response, ApiError> {
    let (labels, fields) = selectors(params)?;
    let flag = |k: &str| params.get(k).is_some_and(|v| v == "true" || v == "1");
    if flag("watch") {
        let req = watch::WatchRequest {
            rt: rt.clone(),
            ns: ns.map(str::to_string),
            labels,
            fields,
            resource_version: params.get("resourceVersion").cloned().unwrap_or_default(),
            timeout: params.get("timeoutSeconds").and_then(|t| t.parse().ok()),
            bookmarks: flag("allowWatchBookmarks"),
            send_initial: flag("sendInitialEvents"),
        };
        return Ok(watch::serve(c.clone(), req));
    }
    Ok(json_text(200, ops::list_raw(c, rt, ns, &labels, &fields)))
}

fn delete_options(body: &Bytes, params: &Params) -> Result<DeleteOptions, ApiError> {
    let v: Value = if body.iter().all(u8::is_ascii_whitespace) {
        json!({})
    } else {
        serde_json::from_slice(body)
            .map_err(|e| ApiError::bad_request(format!("invalid DeleteOptions: {e}")))?
    };
    let policy = params
        .get("propagationPolicy")
        .map(String::as_str)
        .or(v["propagationPolicy"].as_str());
    let propagation = match policy {
        None | Some("") | Some("Background") => Propagation::Background,
        Some("Foreground") => Propagation::Foreground,
        Some("Orphan") => Propagation::Orphan,
        Some(other) => {
            return Err(ApiError::invalid(format!(
                "DeleteOptions.meta.k8s.io is invalid: propagationPolicy: Unsupported value: {other:?}: supported values: \"Foreground\", \"Background\", \"Orphan\""
            )));
        }
    };
    let propagation = if v["orphanDependents"].as_bool() == Some(true) {
        Propagation::Orphan
    } else {
        propagation
    };
    Ok(DeleteOptions {
        propagation,
        uid: v["preconditions"]["uid"].as_str().map(str::to_string),
        resource_version: v["preconditions"]["resourceVersion"]
            .as_str()
            .map(str::to_string),
    })
}

fn delete_collection(
    c: &Cluster,
    rt: &ResourceType,
    ns: Option<&str>,
    params: &Params,
    body: &Bytes,
) -> Result<Response, ApiError> {
    let (labels, fields) = selectors(params)?;
    let opts = delete_options(body, params)?;
    let (rv, items) = c.store.list(&rt.key, if rt.namespaced { ns } else { None });
    let mut deleted = Vec::new();
    for (k, _) in items
        .iter()
        .filter(|(k, j)| ops::selected(k, j, &labels, &fields))
    {
        match ops::delete(c, rt, &k.ns, &k.name, &opts) {
            Ok(v) => deleted.push(v),
            Err(e) if e.code == 404 => {}
            Err(e) => return Err(e),
        }
    }
    let list = json!({"kind": format!("{}List", rt.kind), "apiVersion": rt.api_version(),
        "metadata": {"resourceVersion": rv.to_string()}, "items": deleted});
    Ok(json_value(200, &list))
}
