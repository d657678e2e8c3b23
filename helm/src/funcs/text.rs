//! Case conversion (`snakecase`, `kebabcase`, `camelcase`) and Sprig's random
//! text (`randAlphaNum`, `uuidv4`, `shuffle`, ...), which cannot match another
//! run of Helm and only need to be well-formed.

use gotmpl::ArgKind::{Int as I, String as S};
use gotmpl::Value;
use heck::{ToKebabCase, ToSnakeCase, ToUpperCamelCase};
use rand::Rng;
use rand::seq::SliceRandom;

use super::{Reg, iarg, sarg};

fn random_from(chars: &[u8], n: i64) -> String {
    let mut rng = rand::rng();
    (0..n.max(0))
        .map(|_| char::from(chars[rng.random_range(0..chars.len())]))
        .collect()
}

const ALPHA: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
const NUM: &[u8] = b"0123456789";

pub(super) fn register(r: &mut Reg<'_>) {
    r.f("snakecase", &[S], None, |a| {
        Ok(Value::from(sarg(a, 0).to_snake_case()))
    });
    r.f("kebabcase", &[S], None, |a| {
        Ok(Value::from(sarg(a, 0).to_kebab_case()))
    });
    r.f("camelcase", &[S], None, |a| {
        Ok(Value::from(sarg(a, 0).to_upper_camel_case()))
    });
    r.f("randAlphaNum", &[I], None, |a| {
        let set: Vec<u8> = ALPHA.iter().chain(NUM).copied().collect();
        Ok(Value::from(random_from(&set, iarg(a, 0))))
    });
    r.f("randAlpha", &[I], None, |a| {
        Ok(Value::from(random_from(ALPHA, iarg(a, 0))))
    });
    r.f("randNumeric", &[I], None, |a| {
        Ok(Value::from(random_from(NUM, iarg(a, 0))))
    });
    r.f("randAscii", &[I], None, |a| {
        let set: Vec<u8> = (b' '..=b'~').collect();
        Ok(Value::from(random_from(&set, iarg(a, 0))))
    });
    r.f("randInt", &[I, I], None, |a| {
        let (min, max) = (iarg(a, 0), iarg(a, 1));
        if max <= min {
            return Err("invalid argument to Intn".into());
        }
        Ok(Value::Int(rand::rng().random_range(min..max)))
    });
    r.f("shuffle", &[S], None, |a| {
        let mut chars: Vec<char> = sarg(a, 0).chars().collect();
        chars.shuffle(&mut rand::rng());
        Ok(Value::from(chars.into_iter().collect::<String>()))
    });
    r.f("uuidv4", &[], None, |_| {
        Ok(Value::from(uuid::Uuid::new_v4().to_string()))
    });
    // Helm renders with DNS lookups disabled: the function gives "".
    r.f("getHostByName", &[S], None, |_| Ok(Value::from("")));
}
