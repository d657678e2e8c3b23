//! Sprig's date functions (`now`, `date`, `dateInZone`, `htmlDate`, `ago`,
//! `duration`, `durationRound`, `unixEpoch`, `dateModify`) with Go's reference
//! layouts (`2006-01-02 15:04:05`). Zones: `UTC`, `Local` and fixed offsets.

use chrono::{DateTime, Datelike, FixedOffset, Local, Utc};
use gotmpl::ArgKind::{Any as A, String as S};
use gotmpl::{Object, Value};

use super::timefmt::{duration_string, format, parse_duration};
use super::{Reg, arg, sarg};
use crate::json::JSON_METHOD;

/// A Go `time.Time`.
pub struct Time(pub DateTime<FixedOffset>);

const UNIX_NANO: &str = "UnixNano";
/// Not a Go identifier, so templates cannot call it.
const OFFSET: &str = "·offset";

impl Object for Time {
    fn type_name(&self) -> &str {
        "time.Time"
    }
    fn has_method(&self, name: &str) -> bool {
        matches!(
            name,
            "Unix" | "UnixNano" | "Format" | "String" | "UTC" | "Year" | OFFSET | JSON_METHOD
        )
    }
    fn call_method(&self, name: &str, args: &[Value]) -> Result<Value, String> {
        let t = &self.0;
        Ok(match name {
            "Unix" => Value::Int(t.timestamp()),
            UNIX_NANO => Value::Int(t.timestamp_nanos_opt().unwrap_or(0)),
            OFFSET => Value::Int(i64::from(t.offset().local_minus_utc())),
            "Format" => match args.first() {
                Some(Value::String(l)) => Value::from(format(t, l)),
                _ => return Err("wrong number of args for Format: want 1 got 0".into()),
            },
            "UTC" => Value::object(Time(t.with_timezone(&Utc).fixed_offset())),
            "Year" => Value::Int(i64::from(t.year())),
            JSON_METHOD => Value::from(format(t, "2006-01-02T15:04:05.999999999Z07:00")),
            _ => Value::from(self.display()),
        })
    }
    fn display(&self) -> String {
        format(&self.0, "2006-01-02 15:04:05.999999999 -0700 MST")
    }
}

fn time_of(v: &Value) -> Option<DateTime<FixedOffset>> {
    match v {
        Value::Object(o) if o.type_name() == "time.Time" => {
            let nanos = match o.call_method(UNIX_NANO, &[]) {
                Ok(Value::Int(n)) => n,
                _ => return None,
            };
            let off = match o.call_method(OFFSET, &[]) {
                Ok(Value::Int(s)) => i32::try_from(s).unwrap_or(0),
                _ => 0,
            };
            let tz = FixedOffset::east_opt(off)?;
            Some(DateTime::from_timestamp_nanos(nanos).with_timezone(&tz))
        }
        Value::Int(secs) => DateTime::from_timestamp(*secs, 0).map(|t| t.fixed_offset()),
        _ => None,
    }
}

fn now() -> DateTime<FixedOffset> {
    Local::now().fixed_offset()
}

fn in_zone(t: DateTime<FixedOffset>, zone: &str) -> DateTime<FixedOffset> {
    match zone {
        "Local" => t.with_timezone(&Local).fixed_offset(),
        _ => t.with_timezone(&Utc).fixed_offset(),
    }
}

fn date_in_zone(layout: &str, d: &Value, zone: &str) -> String {
    let t = time_of(d).unwrap_or_else(now);
    format(&in_zone(t, zone), layout)
}

pub(super) fn register(r: &mut Reg<'_>) {
    r.f("now", &[], None, |_| Ok(Value::object(Time(now()))));
    r.f("date", &[S, A], None, |a| {
        Ok(Value::from(date_in_zone(&sarg(a, 0), &arg(a, 1), "Local")))
    });
    for name in ["dateInZone", "date_in_zone"] {
        r.f(name, &[S, A, S], None, |a| {
            Ok(Value::from(date_in_zone(
                &sarg(a, 0),
                &arg(a, 1),
                &sarg(a, 2),
            )))
        });
    }
    r.f("htmlDate", &[A], None, |a| {
        Ok(Value::from(date_in_zone("2006-01-02", &arg(a, 0), "Local")))
    });
    r.f("htmlDateInZone", &[A, S], None, |a| {
        Ok(Value::from(date_in_zone(
            "2006-01-02",
            &arg(a, 0),
            &sarg(a, 1),
        )))
    });
    r.f("ago", &[A], None, |a| {
        let t = time_of(&arg(a, 0)).unwrap_or_else(now);
        let d = (Utc::now().timestamp() - t.timestamp()) as i128 * 1_000_000_000;
        Ok(Value::from(duration_string(d)))
    });
    r.f("duration", &[A], None, |a| {
        let n: i64 = match arg(a, 0) {
            Value::String(s) => s.parse().unwrap_or(0),
            Value::Int(i) => i,
            _ => 0,
        };
        Ok(Value::from(duration_string(i128::from(n) * 1_000_000_000)))
    });
    r.f("durationRound", &[A], None, |a| {
        let d: i128 = match arg(a, 0) {
            Value::String(s) => parse_duration(&s).unwrap_or(0),
            Value::Int(i) => i128::from(i),
            v => time_of(&v).map_or(0, |t| {
                i128::from(Utc::now().timestamp_nanos_opt().unwrap_or(0))
                    - i128::from(t.timestamp_nanos_opt().unwrap_or(0))
            }),
        };
        let u = d.unsigned_abs();
        let hour: u128 = 3_600_000_000_000;
        let units: [(u128, &str); 6] = [
            (hour * 24 * 365, "y"),
            (hour * 24 * 30, "mo"),
            (hour * 24, "d"),
            (hour, "h"),
            (60_000_000_000, "m"),
            (1_000_000_000, "s"),
        ];
        for (size, unit) in units {
            if u > size {
                return Ok(Value::from(format!("{}{unit}", u / size)));
            }
        }
        Ok(Value::from("0s"))
    });
    r.f("unixEpoch", &[A], None, |a| {
        Ok(Value::from(
            time_of(&arg(a, 0)).map_or(0, |t| t.timestamp()).to_string(),
        ))
    });
    for (name, must) in [
        ("dateModify", false),
        ("date_modify", false),
        ("mustDateModify", true),
        ("must_date_modify", true),
    ] {
        r.f(name, &[S, A], None, move |a| {
            let t = time_of(&arg(a, 1)).unwrap_or_else(now);
            match parse_duration(&sarg(a, 0)) {
                Some(d) => {
                    let nanos = i64::try_from(d).unwrap_or(0);
                    Ok(Value::object(Time(
                        t + chrono::Duration::nanoseconds(nanos),
                    )))
                }
                None if must => Err(format!("time: invalid duration {:?}", sarg(a, 0))),
                None => Ok(Value::object(Time(t))),
            }
        });
    }
}
