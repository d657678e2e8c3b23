//! Go's time printing and parsing as Sprig's date functions need it:
//! `Time.Format` with reference layouts, `Duration.String`, `ParseDuration`.

use chrono::{DateTime, Datelike, FixedOffset, Timelike};

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
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const DAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

fn zone_offset(
    t: &DateTime<FixedOffset>,
    z: bool,
    colon: bool,
    secs: bool,
    hours_only: bool,
) -> String {
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
    let hour12 = |h: u32| if h.is_multiple_of(12) { 12 } else { h % 12 };
    while i < b.len() {
        let r = rest(i);
        let (text, len): (String, usize) = if r.starts_with("January") {
            (MONTHS[t.month0() as usize].into(), 7)
        } else if r.starts_with("Jan") {
            (MONTHS[t.month0() as usize][..3].into(), 3)
        } else if r.starts_with("Monday") {
            (DAYS[t.weekday().num_days_from_monday() as usize].into(), 6)
        } else if r.starts_with("Mon") {
            (
                DAYS[t.weekday().num_days_from_monday() as usize][..3].into(),
                3,
            )
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
        } else if (r.starts_with(".0")
            || r.starts_with(".9")
            || r.starts_with(",0")
            || r.starts_with(",9"))
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
pub fn parse_duration(s: &str) -> Option<i128> {
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

/// A fixed time for tests.
#[cfg(test)]
fn at(secs: i64, nanos: u32, off: i32) -> DateTime<FixedOffset> {
    let tz = FixedOffset::east_opt(off).unwrap_or_else(|| panic!("offset"));
    chrono::TimeZone::timestamp_opt(&tz, secs, nanos)
        .single()
        .unwrap_or_else(|| panic!("time"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_layouts() {
        let t = at(1_136_239_445, 123_000_000, -7 * 3600);
        assert_eq!(
            format(&t, "2006-01-02T15:04:05Z07:00"),
            "2006-01-02T15:04:05-07:00"
        );
        assert_eq!(
            format(&t, "Mon Jan _2 3:4:5 PM 2006"),
            "Mon Jan  2 3:4:5 PM 2006"
        );
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
