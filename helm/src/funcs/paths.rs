//! Sprig's path functions over Go's `path` package (`base`, `dir`, `clean`,
//! `ext`, `isAbs` and their `os` twins, which are the same on Linux).

use gotmpl::ArgKind::String as S;
use gotmpl::Value;

use super::{Reg, sarg};

pub(super) fn register(r: &mut Reg<'_>) {
    r.f("base", &[S], None, |a| {
        Ok(Value::from(path_base(&sarg(a, 0))))
    });
    r.f("dir", &[S], None, |a| {
        Ok(Value::from(path_dir(&sarg(a, 0))))
    });
    r.f("clean", &[S], None, |a| {
        Ok(Value::from(path_clean(&sarg(a, 0))))
    });
    r.f("ext", &[S], None, |a| {
        Ok(Value::from(path_ext(&sarg(a, 0))))
    });
    r.f("isAbs", &[S], None, |a| {
        Ok(Value::Bool(sarg(a, 0).starts_with('/')))
    });
    r.f("osBase", &[S], None, |a| {
        Ok(Value::from(path_base(&sarg(a, 0))))
    });
    r.f("osDir", &[S], None, |a| {
        Ok(Value::from(path_dir(&sarg(a, 0))))
    });
    r.f("osClean", &[S], None, |a| {
        Ok(Value::from(path_clean(&sarg(a, 0))))
    });
    r.f("osExt", &[S], None, |a| {
        Ok(Value::from(path_ext(&sarg(a, 0))))
    });
    r.f("osIsAbs", &[S], None, |a| {
        Ok(Value::Bool(sarg(a, 0).starts_with('/')))
    });
}

/// Go's `path.Clean`.
pub(crate) fn path_clean(p: &str) -> String {
    if p.is_empty() {
        return ".".into();
    }
    let rooted = p.starts_with('/');
    let mut out: Vec<&str> = Vec::new();
    for seg in p.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                if out.last().is_some_and(|l| *l != "..") {
                    out.pop();
                } else if !rooted {
                    out.push("..");
                }
            }
            s => out.push(s),
        }
    }
    let joined = out.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".into(),
        (false, false) => joined,
    }
}

/// Go's `path.Base`.
pub(crate) fn path_base(p: &str) -> String {
    if p.is_empty() {
        return ".".into();
    }
    let t = p.trim_end_matches('/');
    if t.is_empty() {
        return "/".into();
    }
    t.rsplit('/').next().unwrap_or(t).to_string()
}

/// Go's `path.Dir`.
pub(crate) fn path_dir(p: &str) -> String {
    let dir = match p.rfind('/') {
        Some(i) => &p[..=i],
        None => "",
    };
    path_clean(dir)
}

/// Go's `path.Ext`.
pub(crate) fn path_ext(p: &str) -> String {
    for (i, c) in p.char_indices().rev() {
        if c == '/' {
            break;
        }
        if c == '.' {
            return p[i..].to_string();
        }
    }
    String::new()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_paths() {
        assert_eq!(path_clean("a/../b/./c/"), "b/c");
        assert_eq!(path_clean("/../x"), "/x");
        assert_eq!(path_clean(""), ".");
        assert_eq!(path_base("/a/b.txt"), "b.txt");
        assert_eq!(path_base("/"), "/");
        assert_eq!(path_dir("a/b/c"), "a/b");
        assert_eq!(path_ext("a/b.tar.gz"), ".gz");
    }
}
