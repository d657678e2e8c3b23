//! The description of one EMCO resource kind: where it lives, how its body decodes and
//! validates, which texts its errors use, and its PUT, list and reference rules.
//!
//! Every stored EMCO resource is a row of this table; the generic engine in `engine.rs`
//! turns the row into EMCO's create/get/list/replace/delete behaviour. Per-kind behaviour
//! that does not fit a field goes into a [`Hooks`] implementation.

use std::sync::Arc;

use async_trait::async_trait;
use emco_store::{Compare, Op};
use serde_json::Value;

use super::path::{Params, Pattern};
use crate::http::error::{ApiError, text};
use crate::http::request::Request;
use crate::http::service::Ctx;
use crate::schema::{Ty, Violations};

/// How the item's name (its last URL segments) is derived from a body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameFrom {
    /// `metadata.name`.
    Metadata,
    /// `metadata.name` and `spec.compositeAppVersion` (composite apps).
    MetadataAndVersion,
    /// Top-level `clusterLabel` (cluster labels).
    ClusterLabel,
}

/// What an empty collection GET answers (Go encodes a nil slice as `null`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmptyList {
    Null,
    Array,
}

/// What a create answers when the parent record is missing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParentMissing {
    /// 409 `Cannot perform requested operation. Parent resource not found` (the storage check).
    Conflict,
    /// 404 with the handler's own text (e.g. `CompositeProfile not found`).
    NotFound(&'static str),
}

/// Whether the URL name must equal the body name on PUT.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameCheck {
    None,
    /// Empty body name -> 400 `missing`; different -> 400 `mismatch`.
    Must {
        missing: &'static str,
        mismatch: &'static str,
    },
}

/// PUT rules (emco-api.md 0.8).
#[derive(Debug, Clone, Copy)]
pub struct PutRule {
    pub name_check: NameCheck,
    /// Run schema validation on PUT (projects and orchestrator controllers skip it).
    pub validate: bool,
    pub code_created: u16,
    pub code_replaced: u16,
}

impl Default for PutRule {
    fn default() -> Self {
        PutRule {
            name_check: NameCheck::None,
            validate: true,
            code_created: 201,
            code_replaced: 201,
        }
    }
}

/// Multipart upload rules for file-backed kinds (apps, app profiles, clusters).
#[derive(Debug, Clone, Copy)]
pub struct FileRule {
    /// The file must be a gzip'd tar of regular files and directories.
    pub archive: bool,
    /// Filename of the file part in multipart GET answers.
    pub part_filename: Option<&'static str>,
    /// The file may be left out when the body field at this JSON pointer is non-empty
    /// (GitOps clusters have no kubeconfig).
    pub optional_when: Option<&'static str>,
}

/// A reference from a record to another, checked when the target is deleted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    /// Item path of the referenced record (e.g. `projects/p/logical-clouds/lc`).
    pub target: String,
    /// EMCO keys some references by the target's key fields, so deleting the target answers
    /// the "child" text rather than the "referencing" text.
    pub child_like: bool,
}

/// Extra writes and guards a kind adds to the generic create/replace transaction.
#[derive(Default)]
pub struct Extra {
    pub compares: Vec<Compare>,
    pub ops: Vec<Op>,
}

/// Per-kind behaviour beyond the table's fields. Every method has a no-op default.
#[async_trait]
pub trait Hooks: Send + Sync {
    /// Checks before a create or replace is written, and extra writes in the same transaction.
    async fn before_write(&self, _ctx: &Ctx, _write: &Write<'_>) -> Result<Extra, ApiError> {
        Ok(Extra::default())
    }

    /// Guards before a delete (lifecycle state rules) and extra deletes.
    async fn before_delete(
        &self,
        _ctx: &Ctx,
        _item: &str,
        _params: &Params,
    ) -> Result<Extra, ApiError> {
        Ok(Extra::default())
    }

    /// Answers a collection GET with query parameters the generic list does not know
    /// (`?label=`, `?app=`, `?key=` ...). `None` falls through to the generic list.
    async fn list_query(
        &self,
        _ctx: &Ctx,
        _req: &Request,
        _collection: &str,
        _params: &Params,
    ) -> Option<Result<crate::http::reply::Reply, ApiError>> {
        None
    }

    /// Answers an item GET with query parameters (`?key=` on kv pairs).
    async fn get_query(
        &self,
        _ctx: &Ctx,
        _req: &Request,
        _item: &str,
        _body: &Value,
    ) -> Option<Result<crate::http::reply::Reply, ApiError>> {
        None
    }

    /// Shapes the collection answer differently from a plain array (intents answer
    /// `{"intent":[...]}`); `None` answers the records as stored.
    fn list_shape(&self, _records: &[emco_store::KeyValue]) -> Option<Value> {
        None
    }
}

/// The kind table's default hooks.
pub struct NoHooks;
impl Hooks for NoHooks {}

/// A create or replace about to be written.
pub struct Write<'a> {
    pub kind: &'a Kind,
    /// Item path the record will be stored under.
    pub item: &'a str,
    pub params: &'a Params,
    pub body: &'a Value,
    /// True for PUT.
    pub replace: bool,
    /// The current record when one exists (PUT over an existing record).
    pub existing: Option<&'a Value>,
}

/// One resource kind.
pub struct Kind {
    /// Internal name, e.g. `compositeApp`.
    pub name: &'static str,
    /// The Go struct name, used in decode error texts.
    pub type_name: &'static str,
    /// Collection pattern, e.g. `projects/{project}/composite-apps`.
    pub collection: Pattern,
    /// Item pattern: the collection plus `item_vars`.
    pub item: Pattern,
    pub item_vars: Vec<&'static str>,
    pub body: &'static Ty,
    pub name_from: NameFrom,
    pub validate: fn(&Value, &mut Violations),
    pub not_found: &'static str,
    pub exists: &'static str,
    /// 404 text of DELETE on a missing record.
    pub delete_not_found: &'static str,
    pub empty_list: EmptyList,
    /// Ancestors checked on collection GET: (ancestor item pattern, 404 text).
    pub list_checks: Vec<(Pattern, &'static str)>,
    pub parent_missing: ParentMissing,
    /// `None`: no PUT route (405).
    pub put: Option<PutRule>,
    pub file: Option<FileRule>,
    /// Empty body text (EMCO's LC POST answers `EOF`).
    pub empty_body: &'static str,
    /// Decode failures answer this status and text instead of the decoder's (app dependencies).
    pub decode_error: Option<&'static str>,
    /// Any create failure except validation answers 409 with the raw text (orchestrator controllers).
    pub references: fn(&Value, &Params) -> Vec<Reference>,
    pub hooks: Arc<dyn Hooks>,
}

fn no_refs(_: &Value, _: &Params) -> Vec<Reference> {
    Vec::new()
}

fn metadata_rules(body: &Value, v: &mut Violations) {
    v.metadata(body);
}

impl Kind {
    /// A kind with EMCO's most common behaviour; adjust with the builder methods.
    pub fn new(
        name: &'static str,
        type_name: &'static str,
        collection: &str,
        item_var: &'static str,
        body: &'static Ty,
    ) -> Kind {
        let collection = Pattern::parse(collection);
        let item = collection.join(&format!("{{{item_var}}}"));
        Kind {
            name,
            type_name,
            collection,
            item,
            item_vars: vec![item_var],
            body,
            name_from: NameFrom::Metadata,
            validate: metadata_rules,
            not_found: text::NOT_FOUND,
            exists: "Resource already exists",
            delete_not_found: text::NOT_FOUND,
            empty_list: EmptyList::Null,
            list_checks: Vec::new(),
            parent_missing: ParentMissing::Conflict,
            put: Some(PutRule::default()),
            file: None,
            empty_body: text::EMPTY_BODY,
            decode_error: None,
            references: no_refs,
            hooks: Arc::new(NoHooks),
        }
    }

    /// Composite apps are keyed by name and version: two item segments.
    pub fn versioned(mut self) -> Kind {
        self.item = self.collection.join("{compositeApp}/{compositeAppVersion}");
        self.item_vars = vec!["compositeApp", "compositeAppVersion"];
        self.name_from = NameFrom::MetadataAndVersion;
        self
    }
    pub fn texts(mut self, not_found: &'static str, exists: &'static str) -> Kind {
        self.not_found = not_found;
        self.exists = exists;
        self
    }
    pub fn delete_not_found(mut self, text: &'static str) -> Kind {
        self.delete_not_found = text;
        self
    }
    pub fn empty_array(mut self) -> Kind {
        self.empty_list = EmptyList::Array;
        self
    }
    pub fn list_check(mut self, ancestor: &str, text: &'static str) -> Kind {
        self.list_checks.push((Pattern::parse(ancestor), text));
        self
    }
    pub fn parent_missing(mut self, rule: ParentMissing) -> Kind {
        self.parent_missing = rule;
        self
    }
    pub fn put(mut self, rule: Option<PutRule>) -> Kind {
        self.put = rule;
        self
    }
    pub fn file(mut self, rule: FileRule) -> Kind {
        self.file = Some(rule);
        self
    }
    pub fn validate(mut self, rules: fn(&Value, &mut Violations)) -> Kind {
        self.validate = rules;
        self
    }
    pub fn name_from(mut self, from: NameFrom) -> Kind {
        self.name_from = from;
        self
    }
    pub fn empty_body(mut self, text: &'static str) -> Kind {
        self.empty_body = text;
        self
    }
    pub fn decode_error(mut self, text: &'static str) -> Kind {
        self.decode_error = Some(text);
        self
    }
    pub fn references(mut self, refs: fn(&Value, &Params) -> Vec<Reference>) -> Kind {
        self.references = refs;
        self
    }
    pub fn hooks(mut self, hooks: impl Hooks + 'static) -> Kind {
        self.hooks = Arc::new(hooks);
        self
    }

    /// The item's name segments from a decoded body.
    pub fn names_from_body(&self, body: &Value) -> Vec<String> {
        let s = |p: &str| {
            body.pointer(p)
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string()
        };
        match self.name_from {
            NameFrom::Metadata => vec![s("/metadata/name")],
            NameFrom::MetadataAndVersion => {
                vec![s("/metadata/name"), s("/spec/compositeAppVersion")]
            }
            NameFrom::ClusterLabel => vec![s("/clusterLabel")],
        }
    }

    /// Item path for a body created in the collection named by `params`.
    pub fn item_path(&self, params: &Params, names: &[String]) -> Option<String> {
        let mut params = params.clone();
        for (var, name) in self.item_vars.iter().zip(names) {
            params.set(var, name);
        }
        self.item.fill(&params)
    }

    /// The parent's item path: the collection path without its last segment.
    pub fn parent_path(collection_path: &str) -> Option<&str> {
        collection_path.rsplit_once('/').map(|(parent, _)| parent)
    }
}
