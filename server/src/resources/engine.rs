//! The generic create / get / list / replace / delete behaviour of every resource kind,
//! each planned as one store transaction (the dispatcher commits it).

use std::sync::Arc;

use async_trait::async_trait;
use axum::http::StatusCode;
use bytes::Bytes;
use emco_store::{Compare, KeyValue, Op, Txn};
use serde_json::Value;

use super::keys;
use super::kind::{EmptyList, Kind, NameCheck, ParentMissing, Reference, Write};
use super::path::Params;
use super::upload::{self, Want};
use crate::http::error::{ApiError, text};
use crate::http::reply::{Outcome, Reply};
use crate::http::request::Request;
use crate::http::service::{Ctx, Handler};
use crate::schema::Violations;
use crate::schema::decode::{DecodeError, decode_body, encode};

/// Parses a stored record.
pub fn parse(kv: &KeyValue) -> Result<Value, ApiError> {
    serde_json::from_slice(&kv.value).map_err(|err| {
        tracing::error!(key = %kv.key, %err, "unreadable record");
        ApiError::generic()
    })
}

/// Reads a record by item path.
pub async fn load(ctx: &Ctx, item: &str) -> Result<Option<(Value, KeyValue)>, ApiError> {
    match ctx.store.get(&keys::res(item)).await? {
        Some(kv) => Ok(Some((parse(&kv)?, kv))),
        None => Ok(None),
    }
}

/// Lists the direct items of a collection in insertion order, as EMCO's storage does.
pub async fn list_items(ctx: &Ctx, collection: &str, depth: usize) -> Result<Vec<Value>, ApiError> {
    list_records(ctx, collection, depth)
        .await?
        .iter()
        .map(parse)
        .collect()
}

/// The stored records of a collection's direct items, in insertion order.
pub async fn list_records(
    ctx: &Ctx,
    collection: &str,
    depth: usize,
) -> Result<Vec<KeyValue>, ApiError> {
    let prefix = keys::children(collection);
    let range = ctx.store.range(&prefix).await?;
    let mut kvs: Vec<KeyValue> = range
        .kvs
        .into_iter()
        .filter(|kv| kv.key[prefix.len()..].split('/').count() == depth)
        .collect();
    kvs.sort_by_key(|kv| kv.create_revision);
    Ok(kvs)
}

/// A stored record as it is sent: the JSON text in Go field order.
pub fn record_text(kv: &KeyValue) -> String {
    String::from_utf8_lossy(&kv.value).into_owned()
}

fn decode_error(kind: &Kind, err: DecodeError) -> ApiError {
    match err {
        DecodeError::Empty => ApiError::bad_request(kind.empty_body),
        other => match kind.decode_error {
            Some(text) => ApiError::unprocessable(text),
            None => ApiError::unprocessable(other.to_string()),
        },
    }
}

/// Decoded body and (for file-backed kinds) the uploaded file.
struct Incoming {
    body: Value,
    file: Option<Bytes>,
}

async fn read_body(
    ctx: &Ctx,
    kind: &Kind,
    req: &Request,
    validate: bool,
) -> Result<Incoming, ApiError> {
    let (raw, file) = match kind.file {
        Some(rule) => {
            let upload = upload::read_multipart(req, ctx.max_upload).await?;
            if let Some(data) = &upload.file
                && rule.archive
            {
                upload::check_archive(data)?;
            }
            (upload.metadata, upload.file)
        }
        None => (req.body.clone(), None),
    };
    let body = decode_body(&raw, kind.type_name, kind.body).map_err(|e| decode_error(kind, e))?;
    if validate {
        let mut v = Violations::new();
        (kind.validate)(&body, &mut v);
        v.finish()?;
    }
    Ok(Incoming { body, file })
}

/// Checks the parent record of a collection; returns its key and revision for the txn.
async fn require_parent(
    ctx: &Ctx,
    kind: &Kind,
    collection: &str,
) -> Result<Option<Compare>, ApiError> {
    let Some(parent) = Kind::parent_path(collection) else {
        return Ok(None);
    };
    let key = keys::res(parent);
    if ctx.store.get(&key).await?.is_none() {
        return Err(match kind.parent_missing {
            ParentMissing::Conflict => ApiError::conflict(text::PARENT_MISSING),
            ParentMissing::NotFound(msg) => ApiError::not_found(msg),
        });
    }
    Ok(Some(Compare::Exists(key)))
}

fn ref_ops(source: &str, refs: &[Reference]) -> Vec<Op> {
    let mut ops = Vec::new();
    for r in refs {
        let value = serde_json::json!({ "child": r.child_like })
            .to_string()
            .into_bytes();
        ops.push(Op::Put {
            key: keys::ref_in(&r.target, source),
            value: value.clone(),
        });
        ops.push(Op::Put {
            key: keys::ref_out(source, &r.target),
            value,
        });
    }
    ops
}

/// Deletes the outgoing references of `source` (before rewriting or deleting it).
async fn drop_ref_ops(ctx: &Ctx, source: &str) -> Result<Vec<Op>, ApiError> {
    let prefix = keys::refs_out_prefix(source);
    let range = ctx.store.range(&prefix).await?;
    let mut ops = Vec::new();
    for kv in range.kvs {
        let target = &kv.key[prefix.len()..];
        ops.push(Op::Delete {
            key: keys::ref_in(target, source),
        });
    }
    ops.push(Op::DeletePrefix { prefix });
    Ok(ops)
}

fn body_bytes(kind: &Kind, body: &Value) -> Vec<u8> {
    encode(body, kind.body).into_bytes()
}

/// `POST <collection>`.
pub struct Create(pub Arc<Kind>);
/// `GET <collection>`.
pub struct List(pub Arc<Kind>);
/// `GET <item>`.
pub struct Get(pub Arc<Kind>);
/// `PUT <item>`.
pub struct Put(pub Arc<Kind>);
/// `DELETE <item>`.
pub struct Delete(pub Arc<Kind>);

#[async_trait]
impl Handler for Create {
    async fn handle(&self, ctx: &Ctx, req: &Request, params: &Params) -> Result<Outcome, ApiError> {
        let kind = &*self.0;
        let incoming = read_body(ctx, kind, req, true).await?;
        let collection = kind.collection.fill(params).ok_or_else(ApiError::generic)?;
        let names = kind.names_from_body(&incoming.body);
        let item = kind
            .item_path(params, &names)
            .ok_or_else(ApiError::generic)?;
        let parent = require_parent(ctx, kind, &collection).await?;
        let key = keys::res(&item);
        if ctx.store.get(&key).await?.is_some() {
            return Err(ApiError::conflict(kind.exists));
        }
        if let Some(rule) = kind.file
            && incoming.file.is_none()
        {
            let optional = rule.optional_when.is_some_and(|p| {
                incoming
                    .body
                    .pointer(p)
                    .and_then(Value::as_str)
                    .is_some_and(|s| !s.is_empty())
            });
            if !optional {
                return Err(ApiError::unprocessable("Unable to process file"));
            }
        }
        let write = Write {
            kind,
            item: &item,
            params,
            body: &incoming.body,
            replace: false,
            existing: None,
        };
        let extra = kind.hooks.before_write(ctx, &write).await?;
        let mut txn = Txn::new().when(Compare::Missing(key.clone()));
        txn.compares.extend(parent);
        txn.compares.extend(extra.compares);
        let text = encode(&incoming.body, kind.body);
        txn.success.push(Op::Put {
            key,
            value: text.clone().into_bytes(),
        });
        if let Some(file) = incoming.file {
            txn.success.push(Op::Put {
                key: keys::file(&item),
                value: file.to_vec(),
            });
        }
        let refs = (kind.references)(&incoming.body, params);
        txn.success.extend(ref_ops(&item, &refs));
        txn.success.extend(extra.ops);
        Ok(Outcome::write(
            Reply::RawJson(StatusCode::CREATED, text),
            txn,
        ))
    }
}

#[async_trait]
impl Handler for List {
    async fn handle(&self, ctx: &Ctx, req: &Request, params: &Params) -> Result<Outcome, ApiError> {
        let kind = &*self.0;
        for (ancestor, msg) in &kind.list_checks {
            let path = ancestor.fill(params).ok_or_else(ApiError::generic)?;
            if ctx.store.get(&keys::res(&path)).await?.is_none() {
                return Err(ApiError::not_found(*msg));
            }
        }
        let collection = kind.collection.fill(params).ok_or_else(ApiError::generic)?;
        if let Some(answer) = kind.hooks.list_query(ctx, req, &collection, params).await {
            return answer.map(Outcome::read);
        }
        let records = list_records(ctx, &collection, kind.item_vars.len()).await?;
        if let Some(shaped) = kind.hooks.list_shape(&records) {
            return Ok(Outcome::read(Reply::ok(shaped)));
        }
        let text = if records.is_empty() {
            match kind.empty_list {
                EmptyList::Null => "null".to_string(),
                EmptyList::Array => "[]".to_string(),
            }
        } else {
            let items: Vec<String> = records.iter().map(record_text).collect();
            format!("[{}]", items.join(","))
        };
        Ok(Outcome::read(Reply::RawJson(StatusCode::OK, text)))
    }
}

#[async_trait]
impl Handler for Get {
    async fn handle(&self, ctx: &Ctx, req: &Request, params: &Params) -> Result<Outcome, ApiError> {
        let kind = &*self.0;
        let item = kind.item.fill(params).ok_or_else(ApiError::generic)?;
        let Some((body, kv)) = load(ctx, &item).await? else {
            return Err(ApiError::not_found(kind.not_found));
        };
        if let Some(answer) = kind.hooks.get_query(ctx, req, &item, &body).await {
            return answer.map(Outcome::read);
        }
        let text = record_text(&kv);
        if let Some(rule) = kind.file {
            let want = upload::negotiate(req)?;
            if want == Want::Json {
                return Ok(Outcome::read(Reply::RawJson(StatusCode::OK, text)));
            }
            let file = ctx
                .store
                .get(&keys::file(&item))
                .await?
                .map(|kv| Bytes::from(kv.value))
                .unwrap_or_default();
            return Ok(Outcome::read(upload::file_reply(
                want,
                &text,
                file,
                rule.part_filename,
            )));
        }
        Ok(Outcome::read(Reply::RawJson(StatusCode::OK, text)))
    }
}

#[async_trait]
impl Handler for Put {
    async fn handle(&self, ctx: &Ctx, req: &Request, params: &Params) -> Result<Outcome, ApiError> {
        let kind = &*self.0;
        let rule = kind.put.unwrap_or_default();
        let incoming = read_body(ctx, kind, req, false).await?;
        let names = kind.names_from_body(&incoming.body);
        if let NameCheck::Must { missing, mismatch } = rule.name_check {
            let url_name = kind
                .item_vars
                .last()
                .and_then(|v| params.get(v))
                .unwrap_or("");
            let body_name = names.last().map(String::as_str).unwrap_or("");
            if body_name.is_empty() {
                return Err(ApiError::bad_request(missing));
            }
            if body_name != url_name {
                return Err(ApiError::bad_request(mismatch));
            }
        }
        if rule.validate {
            let mut v = Violations::new();
            (kind.validate)(&incoming.body, &mut v);
            v.finish()?;
        }
        // EMCO keys a replace on the body's name, not the URL's (emco-api.md 0.8).
        let item = kind
            .item_path(params, &names)
            .ok_or_else(ApiError::generic)?;
        let collection = kind.collection.fill(params).ok_or_else(ApiError::generic)?;
        let parent = require_parent(ctx, kind, &collection).await?;
        let existing = load(ctx, &item).await?;
        let write = Write {
            kind,
            item: &item,
            params,
            body: &incoming.body,
            replace: true,
            existing: existing.as_ref().map(|(v, _)| v),
        };
        let extra = kind.hooks.before_write(ctx, &write).await?;
        let key = keys::res(&item);
        let revision = existing
            .as_ref()
            .map(|(_, kv)| kv.mod_revision)
            .unwrap_or(0);
        let mut txn = Txn::new().when(Compare::ModRevision {
            key: key.clone(),
            revision,
        });
        txn.compares.extend(parent);
        txn.compares.extend(extra.compares);
        txn.success.extend(drop_ref_ops(ctx, &item).await?);
        let text = encode(&incoming.body, kind.body);
        txn.success.push(Op::Put {
            key,
            value: body_bytes(kind, &incoming.body),
        });
        if let Some(file) = incoming.file {
            txn.success.push(Op::Put {
                key: keys::file(&item),
                value: file.to_vec(),
            });
        }
        let refs = (kind.references)(&incoming.body, params);
        txn.success.extend(ref_ops(&item, &refs));
        txn.success.extend(extra.ops);
        let code = if existing.is_some() {
            rule.code_replaced
        } else {
            rule.code_created
        };
        let status = StatusCode::from_u16(code).unwrap_or(StatusCode::OK);
        Ok(Outcome::write(Reply::RawJson(status, text), txn))
    }
}

#[async_trait]
impl Handler for Delete {
    async fn handle(
        &self,
        ctx: &Ctx,
        _req: &Request,
        params: &Params,
    ) -> Result<Outcome, ApiError> {
        let kind = &*self.0;
        let item = kind.item.fill(params).ok_or_else(ApiError::generic)?;
        let key = keys::res(&item);
        let Some(current) = ctx.store.get(&key).await? else {
            return Err(ApiError::not_found(kind.delete_not_found));
        };
        // Lifecycle guards run before the storage checks, as in EMCO (3.3 step 4).
        let extra = kind.hooks.before_delete(ctx, &item, params).await?;
        let children = ctx.store.range(&keys::children(&item)).await?;
        if !children.kvs.is_empty() {
            return Err(ApiError::conflict(text::CHILDREN_EXIST));
        }
        let incoming = ctx.store.range(&keys::refs_in_prefix(&item)).await?;
        if !incoming.kvs.is_empty() {
            let child_like = incoming.kvs.iter().any(|kv| {
                serde_json::from_slice::<Value>(&kv.value)
                    .ok()
                    .and_then(|v| v["child"].as_bool())
                    .unwrap_or(false)
            });
            return Err(ApiError::conflict(if child_like {
                text::CHILDREN_EXIST
            } else {
                text::REFERENCED
            }));
        }
        let mut txn = Txn::new()
            .when(Compare::ModRevision {
                key: key.clone(),
                revision: current.mod_revision,
            })
            .when(Compare::PrefixUnchangedSince {
                prefix: keys::children(&item),
                revision: children.revision,
            })
            .when(Compare::PrefixUnchangedSince {
                prefix: keys::refs_in_prefix(&item),
                revision: incoming.revision,
            });
        txn.compares.extend(extra.compares);
        txn.success.extend(drop_ref_ops(ctx, &item).await?);
        txn.success.push(Op::Delete { key });
        txn.success.push(Op::Delete {
            key: keys::file(&item),
        });
        txn.success.push(Op::Delete {
            key: keys::state(&item),
        });
        txn.success.extend(extra.ops);
        Ok(Outcome::write(Reply::Empty(StatusCode::NO_CONTENT), txn))
    }
}
