//! Sprig's arithmetic (`add`, `mul`, `max`, `round`, ...) and sequences (`until`,
//! `untilStep`, `seq`): integer functions return `int64`, float ones `float64`.

use gotmpl::ArgKind::{Any as A, Float as F, Int as I};
use gotmpl::Value;

use super::{Reg, arg, iarg, to_float64, to_int64};

fn until_step(start: i64, stop: i64, step: i64) -> Vec<i64> {
    let mut v = Vec::new();
    if stop < start {
        if step >= 0 {
            return v;
        }
        let mut i = start;
        while i > stop && v.len() < 1_000_000 {
            v.push(i);
            i += step;
        }
        return v;
    }
    if step <= 0 {
        return v;
    }
    let mut i = start;
    while i < stop && v.len() < 1_000_000 {
        v.push(i);
        i += step;
    }
    v
}

fn ints(v: Vec<i64>) -> Value {
    Value::list(v.into_iter().map(Value::Int))
}

fn seq(p: &[i64]) -> String {
    let list = match p {
        [end] => {
            let inc = if *end < 1 { -1 } else { 1 };
            until_step(1, end + inc, inc)
        }
        [start, end] => {
            let step = if end < start { -1 } else { 1 };
            until_step(*start, end + step, step)
        }
        [start, step, end] => {
            let mut inc = 1;
            if end < start {
                inc = -1;
                if *step > 0 {
                    return String::new();
                }
            }
            until_step(*start, end + inc, *step)
        }
        _ => return String::new(),
    };
    list.iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(" ")
}

fn round(v: f64, places: i64, round_on: f64) -> f64 {
    let pow = 10f64.powi(i32::try_from(places).unwrap_or(0));
    let digit = pow * v;
    let div = digit.fract();
    let r = if div >= round_on {
        digit.ceil()
    } else {
        digit.floor()
    };
    r / pow
}

fn int_op(
    name: &'static str,
    a: &[Value],
    f: fn(i64, i64) -> Option<i64>,
) -> Result<Value, String> {
    let (x, y) = (to_int64(&arg(a, 0)), to_int64(&arg(a, 1)));
    f(x, y)
        .map(Value::Int)
        .ok_or_else(|| format!("runtime error: integer divide by zero in {name}"))
}

pub(super) fn register(r: &mut Reg<'_>) {
    r.f("add1", &[A], None, |a| {
        Ok(Value::Int(to_int64(&arg(a, 0)).wrapping_add(1)))
    });
    r.f("add", &[], Some(A), |a| {
        Ok(Value::Int(
            a.iter().map(to_int64).fold(0, i64::wrapping_add),
        ))
    });
    r.f("sub", &[A, A], None, |a| {
        int_op("sub", a, |x, y| Some(x.wrapping_sub(y)))
    });
    r.f("div", &[A, A], None, |a| {
        int_op("div", a, |x, y| x.checked_div(y))
    });
    r.f("mod", &[A, A], None, |a| {
        int_op("mod", a, |x, y| x.checked_rem(y))
    });
    r.f("mul", &[A], Some(A), |a| {
        Ok(Value::Int(
            a.iter().map(to_int64).fold(1, i64::wrapping_mul),
        ))
    });
    for name in ["max", "biggest"] {
        r.f(name, &[A], Some(A), |a| {
            Ok(Value::Int(a.iter().map(to_int64).max().unwrap_or(0)))
        });
    }
    r.f("min", &[A], Some(A), |a| {
        Ok(Value::Int(a.iter().map(to_int64).min().unwrap_or(0)))
    });
    r.f("maxf", &[A], Some(A), |a| {
        Ok(Value::Float(
            a.iter().map(to_float64).fold(f64::NEG_INFINITY, f64::max),
        ))
    });
    r.f("minf", &[A], Some(A), |a| {
        Ok(Value::Float(
            a.iter().map(to_float64).fold(f64::INFINITY, f64::min),
        ))
    });
    r.f("ceil", &[A], None, |a| {
        Ok(Value::Float(to_float64(&arg(a, 0)).ceil()))
    });
    r.f("floor", &[A], None, |a| {
        Ok(Value::Float(to_float64(&arg(a, 0)).floor()))
    });
    r.f("round", &[A, I], Some(F), |a| {
        let on = a.get(2).map(to_float64).unwrap_or(0.5);
        Ok(Value::Float(round(to_float64(&arg(a, 0)), iarg(a, 1), on)))
    });
    r.f("add1f", &[A], None, |a| {
        Ok(Value::Float(to_float64(&arg(a, 0)) + 1.0))
    });
    r.f("addf", &[], Some(A), |a| {
        Ok(Value::Float(a.iter().map(to_float64).sum()))
    });
    r.f("subf", &[A], Some(A), |a| {
        let first = to_float64(&arg(a, 0));
        Ok(Value::Float(
            a.iter().skip(1).map(to_float64).fold(first, |x, y| x - y),
        ))
    });
    r.f("mulf", &[A], Some(A), |a| {
        Ok(Value::Float(a.iter().map(to_float64).product()))
    });
    r.f("divf", &[A], Some(A), |a| {
        let first = to_float64(&arg(a, 0));
        let rest: Vec<f64> = a.iter().skip(1).map(to_float64).collect();
        if rest.contains(&0.0) {
            return Err("division by zero".into());
        }
        Ok(Value::Float(rest.iter().fold(first, |x, y| x / y)))
    });
    r.f("until", &[I], None, |a| {
        let n = iarg(a, 0);
        Ok(ints(until_step(0, n, if n < 0 { -1 } else { 1 })))
    });
    r.f("untilStep", &[I, I, I], None, |a| {
        Ok(ints(until_step(iarg(a, 0), iarg(a, 1), iarg(a, 2))))
    });
    r.f("seq", &[], Some(I), |a| {
        let p: Vec<i64> = a.iter().map(to_int64).collect();
        Ok(Value::from(seq(&p)))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sequences_like_sprig() {
        assert_eq!(until_step(0, 5, 2), vec![0, 2, 4]);
        assert_eq!(until_step(5, 0, -2), vec![5, 3, 1]);
        assert!(until_step(0, 5, 0).is_empty());
        assert_eq!(seq(&[3]), "1 2 3");
        assert_eq!(seq(&[0]), "1 0");
        assert_eq!(seq(&[2, 4]), "2 3 4");
        assert_eq!(seq(&[10, -3, 1]), "10 7 4 1");
        assert_eq!(seq(&[1, 3, 10]), "1 4 7 10");
    }

    #[test]
    fn rounding() {
        assert_eq!(round(123.555, 2, 0.5), 123.56);
        assert_eq!(round(123.554, 2, 0.5), 123.55);
        assert_eq!(round(2.5, 0, 0.5), 3.0);
    }
}
