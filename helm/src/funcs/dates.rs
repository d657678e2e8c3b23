//! Sprig's date functions (`now`, `date`, `dateInZone`, `htmlDate`, `ago`,
//! `duration`, `durationRound`, `unixEpoch`, `dateModify`) with Go's reference
//! layouts (`2006-01-02 15:04:05`). Zones: `UTC`, `Local` and fixed offsets.

use chrono::{DateTime, Datelike, FixedOffset, Local, TimeZone, Timelike, Utc};
use gotmpl::ArgKind::{Any as A, String as S};
use gotmpl::{Object, Value};

use super::{Reg, arg, sarg};

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
        matches!(name, "Unix" | "UnixNano" | "Format" | "String" | "UTC" | "Year" | OFFSET)
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

fn zone_name(t: &DateTime<FixedOffset>) -> String {
    let off = t.offset().local_minus_utc();
    if off == 0 {
        "UTC".into()
    } else {
        let (sign, off) = if off < 0 { ('-', -off) } else { ('+', off) };
        if off % 3600 == 0 {
            format!("{sign}{:02}", off / 3600)
        } else {
            format!("{sign}{:02}{:02}", off / 3600, off % 3600 / 60)
        }
    }
}

const MONTHS: [&str; 12] = [
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
];
const DAYS: [&str; 7] = [
    "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday",
];

fn zone_offset(t: &DateTime<FixedOffset>, z: bool, colon: bool, secs: bool, hours_only: bool) -> String {
    let off = t.offset().local_minus_utc();
    if z && off == 0 {
        return "Z".into();
    }
    let (sign, a) = if off < 0 { ('-', -off) } else { ('+', off) };
    let (h, m, s) = (a / 3600, a % 3600 / 60, a % 60);
    let sep = if colon { ":" } else { "" };
    let mut out = format!("{sign}{h:02}");
    if !hours_only {
        out.push_str(&format!("{sep}{m:02}"));
        if secs {
            out.push_str(&format!("{sep}{s:02}"));
        }
    }
    out
}

/// Go's `Time.Format`.
pub fn format(t: &DateTime<FixedOffset>, layout: &str) -> String {
    let mut out = String::new();
    let b = layout.as_bytes();
    let mut i = 0;
    let rest = |i: usize| &layout[i..];
    let hour12 = |h: u32| if h % 12 == 0 { 12 } else { h % 12 };
    while i < b.len() {
        let r = rest(i);
        let (text, len): (String, usize) = if r.starts_with("January") {
            (MONTHS[t.month0() as usize].into(), 7)
        } else if r.starts_with("Jan") {
            (MONTHS[t.month0() as usize][..3].into(), 3)
        } else if r.starts_with("Monday") {
            (DAYS[t.weekday().num_days_from_monday() as usize].into(), 6)
        } else if r.starts_with("Mon") {
            (DAYS[t.weekday().num_days_from_monday() as usize][..3].into(), 3)
        } else if r.starts_with("MST") {
            (zone_name(t), 3)
        } else if r.starts_with("2006") {
            (format!("{:04}", t.year()), 4)
        } else if r.starts_with("002") {
            (format!("{:03}", t.ordinal()), 3)
        } else if r.starts_with("01") {
            (format!("{:02}", t.month()), 2)
        } else if r.starts_with("02") {
            (format!("{:02}", t.day()), 2)
        } else if r.starts_with("03") {
            (format!("{:02}", hour12(t.hour())), 2)
        } else if r.starts_with("04") {
            (format!("{:02}", t.minute()), 2)
        } else if r.starts_with("05") {
            (format!("{:02}", t.second()), 2)
        } else if r.starts_with("06") {
            (format!("{:02}", t.year() % 100), 2)
        } else if r.starts_with("15") {
            (format!("{:02}", t.hour()), 2)
        } else if r.starts_with("__2") {
            (format!("{:>3}", t.ordinal()), 3)
        } else if r.starts_with("_2") && !r.starts_with("_2006") {
            (format!("{:>2}", t.day()), 2)
        } else if r.starts_with('1') {
            (t.month().to_string(), 1)
        } else if r.starts_with('2') {
            (t.day().to_string(), 1)
        } else if r.starts_with('3') {
            (hour12(t.hour()).to_string(), 1)
        } else if r.starts_with('4') {
            (t.minute().to_string(), 1)
        } else if r.starts_with('5') {
            (t.second().to_string(), 1)
        } else if r.starts_with("PM") {
            ((if t.hour() >= 12 { "PM" } else { "AM" }).into(), 2)
        } else if r.starts_with("pm") {
            ((if t.hour() >= 12 { "pm" } else { "am" }).into(), 2)
        } else if let Some((z, colon, secs, hours, l)) = [
            ("Z07:00:00", true, true, false),
            ("-07:00:00", true, true, false),
            ("Z070000", false, true, false),
            ("-070000", false, true, false),
            ("Z07:00", true, false, false),
            ("-07:00", true, false, false),
            ("Z0700", false, false, false),
            ("-0700", false, false, false),
            ("Z07", false, false, true),
            ("-07", false, false, true),
        ]
        .iter()
        .find(|(p, ..)| r.starts_with(p))
        .map(|(p, c, s, h)| (p.starts_with('Z'), *c, *s, *h, p.len()))
        {
            (zone_offset(t, z, colon, secs, hours), l)
        } else if (r.starts_with(".0") || r.starts_with(".9") || r.starts_with(",0") || r.starts_with(",9"))
            && {
                let d = r.as_bytes()[1];
                let n = r[1..].bytes().take_while(|&x| x == d).count();
                !r[1 + n..].starts_with(|c: char| c.is_ascii_digit())
            }
        {
            let d = r.as_bytes()[1];
            let n = r[1..].bytes().take_while(|&x| x == d).count().min(9);
            let digits = format!("{:09}", t.nanosecond() % 1_000_000_000);
            let mut frac = digits[..n].to_string();
            if d == b'9' {
                frac = frac.trim_end_matches('0').to_string();
                if frac.is_empty() {
                    (String::new(), n + 1)
                } else {
                    (format!("{}{frac}", &r[..1]), n + 1)
                }
            } else {
                (format!("{}{frac}", &r[..1]), n + 1)
            }
        } else {
            let c = r.chars().next().unwrap_or(' ');
            (c.to_string(), c.len_utf8())
        };
        out.push_str(&text);
        i += len;
    }
    out
}

/// Go's `Duration.String`.
pub fn duration_string(nanos: i128) -> String {
    if nanos == 0 {
        return "0s".into();
    }
    let neg = nanos < 0;
    let u = nanos.unsigned_abs();
    let mut out = String::new();
    if u < 1_000_000_000 {
        let (unit, div) = if u < 1_000 {
            ("ns", 1)
        } else if u < 1_000_000 {
            ("µs", 1_000)
        } else {
            ("ms", 1_000_000)
        };
        out.push_str(&frac_string(u, div));
        out.push_str(unit);
    } else {
        let secs = u / 1_000_000_000;
        let (h, m) = (secs / 3600, secs % 3600 / 60);
        if h > 0 {
            out.push_str(&format!("{h}h"));
        }
        if h > 0 || m > 0 {
            out.push_str(&format!("{m}m"));
        }
        out.push_str(&frac_string(u % 60_000_000_000, 1_000_000_000));
        out.push('s');
    }
    if neg { format!("-{out}") } else { out }
}

fn frac_string(v: u128, div: u128) -> String {
    let (w, f) = (v / div, v % div);
    if f == 0 {
        return w.to_string();
    }
    let width = div.to_string().len() - 1;
    let frac = format!("{f:0width$}");
    format!("{w}.{}", frac.trim_end_matches('0'))
}

/// Go's `time.ParseDuration` for the common units.
fn parse_duration(s: &str) -> Option<i128> {
    let (neg, mut rest) = match s.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    if rest == "0" {
        return Some(0);
    }
    let mut total: f64 = 0.0;
    while !rest.is_empty() {
        let n = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let num: f64 = rest[..n].parse().ok()?;
        rest = &rest[n..];
        let u = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let mult = match &rest[..u] {
            "ns" => 1.0,
            "us" | "µs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            _ => return None,
        };
        total += num * mult;
        rest = &rest[u..];
    }
    let v = total as i128;
    Some(if neg { -v } else { v })
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
            Ok(Value::from(date_in_zone(&sarg(a, 0), &arg(a, 1), &sarg(a, 2))))
        });
    }
    r.f("htmlDate", &[A], None, |a| {
        Ok(Value::from(date_in_zone("2006-01-02", &arg(a, 0), "Local")))
    });
    r.f("htmlDateInZone", &[A, S], None, |a| {
        Ok(Value::from(date_in_zone("2006-01-02", &arg(a, 0), &sarg(a, 1))))
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
                    Ok(Value::object(Time(t + chrono::Duration::nanoseconds(nanos))))
                }
                None if must => Err(format!("time: invalid duration {:?}", sarg(a, 0))),
                None => Ok(Value::object(Time(t))),
            }
        });
    }
}

/// A fixed time for tests.
#[cfg(test)]
fn at(secs: i64, nanos: u32, off: i32) -> DateTime<FixedOffset> {
    let tz = FixedOffset::east_opt(off).unwrap_or_else(|| panic!("offset"));
    tz.timestamp_opt(secs, nanos).single().unwrap_or_else(|| panic!("time"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_layouts() {
        let t = at(1_136_239_445, 123_000_000, -7 * 3600);
        assert_eq!(format(&t, "2006-01-02T15:04:05Z07:00"), "2006-01-02T15:04:05-07:00");
        assert_eq!(format(&t, "Mon Jan _2 3:4:5 PM 2006"), "Mon Jan  2 3:4:5 PM 2006");
        assert_eq!(format(&t, "02/01/06 .000 .999"), "02/01/06 .123 .123");
        assert_eq!(format(&at(0, 0, 0), "Z07:00 MST"), "Z UTC");
    }

    #[test]
    fn durations() {
        assert_eq!(duration_string(0), "0s");
        assert_eq!(duration_string(90 * 1_000_000_000), "1m30s");
        assert_eq!(duration_string(3_601_500_000_000), "1h0m1.5s");
        assert_eq!(duration_string(1_500_000), "1.5ms");
        assert_eq!(parse_duration("1h30m"), Some(5_400_000_000_000));
        assert_eq!(parse_duration("bad"), None);
    }
}
