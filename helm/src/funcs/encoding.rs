//! Encodings and digests (`b64enc`, `sha256sum`, ...) and Helm's data formats
//! (`toYaml`, `fromYaml`, `toJson`, `fromJson` and their variants).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use gotmpl::ArgKind::{Any as A, Int as I, String as S};
use gotmpl::{Map, Value};
use sha1::Digest as _;

use super::{Reg, arg, iarg, sarg};
use crate::{json, yaml};

fn adler32(data: &[u8]) -> u32 {
    const MOD: u32 = 65521;
    let (mut a, mut b) = (1u32, 0u32);
    for chunk in data.chunks(5552) {
        for &x in chunk {
            a += u32::from(x);
            b += a;
        }
        a %= MOD;
        b %= MOD;
    }
    (b << 16) | a
}

fn error_map(e: String) -> Value {
    let m = Map::new();
    m.insert("Error", Value::from(e));
    Value::Map(m)
}

fn from_yaml(text: &str) -> Value {
    match yaml::parse_map(text) {
        Ok(m) => Value::Map(m),
        Err(e) => error_map(format!("error converting YAML to JSON: {e}")),
    }
}

fn from_yaml_array(text: &str) -> Value {
    match yaml::parse(text) {
        Ok(Value::List(l)) => Value::List(l),
        Ok(Value::Nil) => Value::list([]),
        Ok(other) => Value::list([Value::from(format!(
            "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal {} into Go value of type []interface {{}}",
            yaml::json_kind(&other)
        ))]),
        Err(e) => Value::list([Value::from(format!("error converting YAML to JSON: {e}"))]),
    }
}

fn from_json(text: &str) -> Result<Value, String> {
    match json::parse(text)? {
        Value::Map(m) => Ok(Value::Map(m)),
        Value::Nil => Ok(Value::Map(Map::new())),
        other => Err(format!(
            "json: cannot unmarshal {} into Go value of type map[string]interface {{}}",
            yaml::json_kind(&other)
        )),
    }
}

fn from_json_array(text: &str) -> Result<Value, String> {
    match json::parse(text)? {
        Value::List(l) => Ok(Value::List(l)),
        Value::Nil => Ok(Value::list([])),
        other => Err(format!(
            "json: cannot unmarshal {} into Go value of type []interface {{}}",
            yaml::json_kind(&other)
        )),
    }
}

pub(super) fn register(r: &mut Reg<'_>) {
    r.f("b64enc", &[S], None, |a| {
        Ok(Value::from(B64.encode(sarg(a, 0))))
    });
    r.f("b64dec", &[S], None, |a| {
        Ok(Value::from(match B64.decode(sarg(a, 0)) {
            Ok(b) => String::from_utf8_lossy(&b).into_owned(),
            Err(e) => format!("illegal base64 data: {e}"),
        }))
    });
    r.f("b32enc", &[S], None, |a| {
        Ok(Value::from(
            data_encoding::BASE32.encode(sarg(a, 0).as_bytes()),
        ))
    });
    r.f("b32dec", &[S], None, |a| {
        Ok(Value::from(
            match data_encoding::BASE32.decode(sarg(a, 0).as_bytes()) {
                Ok(b) => String::from_utf8_lossy(&b).into_owned(),
                Err(e) => format!("illegal base32 data: {e}"),
            },
        ))
    });
    r.f("sha1sum", &[S], None, |a| {
        Ok(Value::from(hex::encode(sha1::Sha1::digest(sarg(a, 0)))))
    });
    r.f("sha256sum", &[S], None, |a| {
        Ok(Value::from(hex::encode(sha2::Sha256::digest(sarg(a, 0)))))
    });
    r.f("sha512sum", &[S], None, |a| {
        Ok(Value::from(hex::encode(sha2::Sha512::digest(sarg(a, 0)))))
    });
    r.f("adler32sum", &[S], None, |a| {
        Ok(Value::from(adler32(sarg(a, 0).as_bytes()).to_string()))
    });
    r.f("randBytes", &[I], None, |a| {
        use rand::RngCore as _;
        let mut buf = vec![0u8; usize::try_from(iarg(a, 0)).unwrap_or(0).min(1 << 20)];
        rand::rng().fill_bytes(&mut buf);
        Ok(Value::from(B64.encode(buf)))
    });
    r.f("toYaml", &[A], None, |a| {
        Ok(Value::from(yaml::to_yaml(&arg(a, 0))))
    });
    r.f("mustToYaml", &[A], None, |a| {
        let s = yaml::marshal(&arg(a, 0))?;
        Ok(Value::from(s.strip_suffix('\n').unwrap_or(&s)))
    });
    r.f("fromYaml", &[S], None, |a| Ok(from_yaml(&sarg(a, 0))));
    r.f("fromYamlArray", &[S], None, |a| {
        Ok(from_yaml_array(&sarg(a, 0)))
    });
    r.f("toJson", &[A], None, |a| {
        Ok(Value::from(json::marshal(&arg(a, 0)).unwrap_or_default()))
    });
    r.f("mustToJson", &[A], None, |a| {
        json::marshal(&arg(a, 0)).map(Value::from)
    });
    r.f("toPrettyJson", &[A], None, |a| {
        Ok(Value::from(
            json::marshal_indent(&arg(a, 0)).unwrap_or_default(),
        ))
    });
    r.f("mustToPrettyJson", &[A], None, |a| {
        json::marshal_indent(&arg(a, 0)).map(Value::from)
    });
    r.f("toRawJson", &[A], None, |a| {
        Ok(Value::from(
            json::marshal_raw(&arg(a, 0)).unwrap_or_default(),
        ))
    });
    r.f("mustToRawJson", &[A], None, |a| {
        json::marshal_raw(&arg(a, 0)).map(Value::from)
    });
    r.f("fromJson", &[S], None, |a| {
        Ok(from_json(&sarg(a, 0)).unwrap_or_else(error_map))
    });
    r.f("mustFromJson", &[S], None, |a| from_json(&sarg(a, 0)));
    r.f("fromJsonArray", &[S], None, |a| {
        Ok(from_json_array(&sarg(a, 0)).unwrap_or_else(|e| Value::list([Value::from(e)])))
    });
    r.f("mustFromJsonArray", &[S], None, |a| {
        from_json_array(&sarg(a, 0))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adler32_matches_zlib() {
        assert_eq!(adler32(b"Wikipedia"), 0x11E6_0398);
        assert_eq!(adler32(b""), 1);
    }

    #[test]
    fn from_yaml_reports_errors_in_the_map() {
        let Value::Map(m) = from_yaml("a: [1") else {
            panic!("not a map")
        };
        assert!(m.contains_key("Error"));
        assert_eq!(from_yaml_array("- a"), Value::list([Value::from("a")]));
    }
}
