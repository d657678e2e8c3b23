//! Semantic versions and constraints with the rules of Masterminds/semver v3,
//! which Helm uses for `semverCompare`, chart versions, dependency ranges and
//! `kubeVersion` (Cargo's `semver` crate reads ranges differently).

use std::cmp::Ordering;
use std::sync::LazyLock;

use regex::Regex;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version {
    pub major: u64,
    pub minor: u64,
    pub patch: u64,
    pub pre: String,
    pub metadata: String,
    pub original: String,
}

static VERSION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^v?([0-9]+)(\.[0-9]+)?(\.[0-9]+)?(-([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?(\+([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?$")
        .expect("static regex")
});
const CV: &str = r"v?([0-9|x|X|\*]+)(\.[0-9|x|X|\*]+)?(\.[0-9|x|X|\*]+)?(-([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?(\+([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?";
const OPS: &str = r"=|!=|>=|=>|<=|=<|~>|>|<|~|\^";
static CONSTRAINT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(&format!(r"^\s*({OPS})?\s*({CV})\s*$")).expect("static regex"));
static FIND_CONSTRAINT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(&format!(r"({OPS})?\s*({CV})")).expect("static regex"));
static VALID_SEGMENT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(r"^(\s*({OPS})?\s*({CV})\s*,?)+$")).expect("static regex")
});
static RANGE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(&format!(r"\s*({CV})\s+-\s+({CV})\s*")).expect("static regex"));

impl Version {
    /// Masterminds' `NewVersion` (lenient: `v` prefix, missing minor/patch).
    pub fn parse(s: &str) -> Result<Version, String> {
        let c = VERSION
            .captures(s)
            .ok_or_else(|| "Invalid Semantic Version".to_string())?;
        let part = |i: usize| -> Result<u64, String> {
            match c.get(i) {
                None => Ok(0),
                Some(m) => m
                    .as_str()
                    .trim_start_matches('.')
                    .parse()
                    .map_err(|e| format!("Error parsing version segment: {e}")),
            }
        };
        Ok(Version {
            major: part(1)?,
            minor: part(2)?,
            patch: part(3)?,
            pre: c.get(5).map_or("", |m| m.as_str()).to_string(),
            metadata: c.get(8).map_or("", |m| m.as_str()).to_string(),
            original: s.to_string(),
        })
    }

    pub fn compare(&self, o: &Version) -> Ordering {
        (self.major, self.minor, self.patch)
            .cmp(&(o.major, o.minor, o.patch))
            .then_with(|| compare_pre(&self.pre, &o.pre))
    }
}

impl std::fmt::Display for Version {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)?;
        if !self.pre.is_empty() {
            write!(f, "-{}", self.pre)?;
        }
        if !self.metadata.is_empty() {
            write!(f, "+{}", self.metadata)?;
        }
        Ok(())
    }
}

fn compare_pre(a: &str, b: &str) -> Ordering {
    match (a.is_empty(), b.is_empty()) {
        (true, true) => return Ordering::Equal,
        (true, false) => return Ordering::Greater,
        (false, true) => return Ordering::Less,
        _ => {}
    }
    let (pa, pb): (Vec<&str>, Vec<&str>) = (a.split('.').collect(), b.split('.').collect());
    for (x, y) in pa.iter().zip(pb.iter()) {
        let o = match (x.parse::<u64>(), y.parse::<u64>()) {
            (Ok(i), Ok(j)) => i.cmp(&j),
            (Ok(_), Err(_)) => Ordering::Less,
            (Err(_), Ok(_)) => Ordering::Greater,
            _ => x.cmp(y),
        };
        if o != Ordering::Equal {
            return o;
        }
    }
    pa.len().cmp(&pb.len())
}

#[derive(Debug, Clone)]
struct Constraint {
    op: String,
    con: Version,
    dirty: bool,
    minor_dirty: bool,
    patch_dirty: bool,
}

/// `||`-separated groups of constraints that must all hold.
#[derive(Debug, Clone)]
pub struct Constraints(Vec<Vec<Constraint>>);

fn is_x(s: &str) -> bool {
    matches!(s, "x" | "X" | "*")
}

fn parse_one(s: &str) -> Result<Constraint, String> {
    let c = CONSTRAINT
        .captures(s)
        .ok_or_else(|| format!("improper constraint: {s}"))?;
    let g = |i: usize| c.get(i).map_or("", |m| m.as_str());
    let (major, minor, patch, pre) = (g(3), g(4), g(5), g(6));
    let (mut dirty, mut minor_dirty, mut patch_dirty) = (false, false, false);
    let ver = if is_x(major) || major.is_empty() {
        dirty = true;
        format!("0.0.0{pre}")
    } else if is_x(minor.trim_start_matches('.')) || minor.is_empty() {
        dirty = true;
        minor_dirty = true;
        format!("{major}.0.0{pre}")
    } else if is_x(patch.trim_start_matches('.')) || patch.is_empty() {
        dirty = true;
        patch_dirty = true;
        format!("{major}{minor}.0{pre}")
    } else {
        g(2).to_string()
    };
    let con = Version::parse(&ver).map_err(|_| "constraint Parser Error".to_string())?;
    Ok(Constraint {
        op: g(1).to_string(),
        con,
        dirty,
        minor_dirty,
        patch_dirty,
    })
}

impl Constraints {
    /// Masterminds' `NewConstraint`.
    pub fn parse(text: &str) -> Result<Constraints, String> {
        let rewritten = RANGE.replace_all(text, ">= $1, <= $11").to_string();
        let mut groups = Vec::new();
        for seg in rewritten.split("||") {
            if !VALID_SEGMENT.is_match(seg) {
                return Err(format!("improper constraint: {seg}"));
            }
            let mut group = Vec::new();
            for m in FIND_CONSTRAINT.find_iter(seg) {
                group.push(parse_one(m.as_str())?);
            }
            groups.push(group);
        }
        Ok(Constraints(groups))
    }

    pub fn check(&self, v: &Version) -> bool {
        self.0.iter().any(|g| g.iter().all(|c| c.check(v)))
    }
}

impl Constraint {
    fn check(&self, v: &Version) -> bool {
        let c = &self.con;
        if self.op != "!=" && !v.pre.is_empty() && c.pre.is_empty() {
            return false;
        }
        match self.op.as_str() {
            "" | "=" => {
                if self.dirty {
                    self.tilde(v)
                } else {
                    v.compare(c) == Ordering::Equal
                }
            }
            "!=" => self.not_equal(v),
            ">" => {
                if !self.dirty || (v.major == c.major && !self.minor_dirty && !self.patch_dirty) {
                    return v.compare(c) == Ordering::Greater;
                }
                if v.major != c.major {
                    return v.major > c.major;
                }
                if self.minor_dirty {
                    return false;
                }
                v.minor > c.minor
            }
            "<" => v.compare(c) == Ordering::Less,
            ">=" | "=>" => v.compare(c) != Ordering::Less,
            "<=" | "=<" => {
                if !self.dirty {
                    return v.compare(c) != Ordering::Greater;
                }
                !(v.major > c.major
                    || (v.major == c.major && v.minor > c.minor && !self.minor_dirty))
            }
            "~" | "~>" => self.tilde(v),
            "^" => self.caret(v),
            _ => false,
        }
    }

    fn tilde(&self, v: &Version) -> bool {
        let c = &self.con;
        if v.compare(c) == Ordering::Less {
            return false;
        }
        if c.major == 0 && c.minor == 0 && c.patch == 0 && !self.minor_dirty && !self.patch_dirty {
            return true;
        }
        v.major == c.major && (v.minor == c.minor || self.minor_dirty)
    }

    fn caret(&self, v: &Version) -> bool {
        let c = &self.con;
        if v.compare(c) == Ordering::Less {
            return false;
        }
        if c.major > 0 || self.minor_dirty {
            return v.major == c.major;
        }
        if v.major > 0 {
            return false;
        }
        if c.minor > 0 || self.patch_dirty {
            return v.minor == c.minor;
        }
        if v.minor > 0 {
            return false;
        }
        v.patch == c.patch
    }

    fn not_equal(&self, v: &Version) -> bool {
        let c = &self.con;
        if self.dirty {
            if !v.pre.is_empty() && c.pre.is_empty() {
                return false;
            }
            if c.major != v.major {
                return true;
            }
            if c.minor != v.minor && !self.minor_dirty {
                return true;
            }
            if self.minor_dirty {
                return false;
            }
            if c.patch != v.patch && !self.patch_dirty {
                return true;
            }
            if self.patch_dirty {
                if !v.pre.is_empty() || !c.pre.is_empty() {
                    return compare_pre(&v.pre, &c.pre) != Ordering::Equal;
                }
                return false;
            }
        }
        v.compare(c) != Ordering::Equal
    }
}

/// Helm's `IsCompatibleRange`: false when either side does not parse.
pub fn is_compatible_range(constraint: &str, version: &str) -> bool {
    match (Constraints::parse(constraint), Version::parse(version)) {
        (Ok(c), Ok(v)) => c.check(&v),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(c: &str, v: &str) -> bool {
        is_compatible_range(c, v)
    }

    #[test]
    fn versions_parse_leniently_and_order() {
        let v = Version::parse("v1.2").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((v.major, v.minor, v.patch), (1, 2, 0));
        assert!(Version::parse("1.2.3.4").is_err());
        let a = Version::parse("1.0.0-alpha.1").unwrap_or_else(|e| panic!("{e}"));
        let b = Version::parse("1.0.0-alpha.beta").unwrap_or_else(|e| panic!("{e}"));
        let c = Version::parse("1.0.0").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(a.compare(&b), Ordering::Less);
        assert_eq!(b.compare(&c), Ordering::Less);
        assert_eq!(c.to_string(), "1.0.0");
    }

    #[test]
    fn constraints_like_masterminds() {
        assert!(ok(">=1.19-0", "v1.32.0"));
        assert!(ok(">= 1.2, < 2", "1.9.9"));
        assert!(!ok(">= 1.2, < 2", "2.0.0"));
        assert!(ok("^1.2.3", "1.9.0"));
        assert!(!ok("^0.2.3", "0.3.0"));
        assert!(ok("~1.2.3", "1.2.9"));
        assert!(!ok("~1.2.3", "1.3.0"));
        assert!(ok("1.2.x", "1.2.7"));
        assert!(ok("1.2 - 1.4.5", "1.4.5"));
        assert!(!ok("1.2 - 1.4.5", "1.4.6"));
        assert!(ok("<1.0 || >=3", "3.1.0"));
        assert!(!ok(">1.0", "1.1.0-beta"));
        assert!(ok("*", "4.5.6"));
        assert!(ok("!=1.2.3", "1.2.4"));
        assert!(ok(">1.x", "2.0.0"));
        assert!(!ok(">1.x", "1.5.0"));
        assert!(Constraints::parse("bogus").is_err());
    }
}
