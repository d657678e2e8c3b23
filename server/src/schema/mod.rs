//! Request body schemas: Go-compatible decoding and EMCO's validation rules.

pub mod decode;
pub mod validate;

pub use decode::{DecodeError, Field, Ty};
pub use validate::Violations;

/// EMCO's metadata object, shared by almost every resource.
pub const META: Ty = Ty::Obj(&[
    Field::new("name", Ty::Str),
    Field::new("description", Ty::Str),
    Field::new("userData1", Ty::Str),
    Field::new("userData2", Ty::Str),
]);

/// Metadata printed with empty fields left out (app intents do this).
pub const META_OMIT: Ty = Ty::Obj(&[
    Field::omit("name", Ty::Str),
    Field::omit("description", Ty::Str),
    Field::omit("userData1", Ty::Str),
    Field::omit("userData2", Ty::Str),
]);
