//! URL path patterns (`projects/{project}/composite-apps`) and matching against request paths.

use std::collections::HashMap;

/// One segment of a route pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seg {
    Lit(String),
    Var(String),
}

/// A parsed pattern such as `projects/{project}/logical-clouds/{logicalCloud}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern {
    pub segs: Vec<Seg>,
}

impl Pattern {
    pub fn parse(pattern: &str) -> Pattern {
        let segs = pattern
            .split('/')
            .map(
                |s| match s.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                    Some(var) => Seg::Var(var.to_string()),
                    None => Seg::Lit(s.to_string()),
                },
            )
            .collect();
        Pattern { segs }
    }

    /// Appends segments (used to derive item patterns from collection patterns).
    pub fn join(&self, more: &str) -> Pattern {
        let mut segs = self.segs.clone();
        segs.extend(Pattern::parse(more).segs);
        Pattern { segs }
    }

    /// Matches request path segments exactly (no trailing-slash tolerance, like gorilla/mux).
    /// Variables match any non-empty segment.
    pub fn matches(&self, path: &[&str]) -> Option<Params> {
        if path.len() != self.segs.len() {
            return None;
        }
        // Reject on literals before allocating anything: most routes fail here.
        let literals_match = self.segs.iter().zip(path).all(|(seg, part)| match seg {
            Seg::Lit(lit) => lit == part,
            Seg::Var(_) => !part.is_empty(),
        });
        if !literals_match {
            return None;
        }
        let mut params = HashMap::new();
        for (seg, part) in self.segs.iter().zip(path) {
            match seg {
                Seg::Lit(lit) if lit == part => {}
                Seg::Lit(_) => return None,
                Seg::Var(_) if part.is_empty() => return None,
                Seg::Var(name) => {
                    params.insert(name.clone(), (*part).to_string());
                }
            }
        }
        Some(Params(params))
    }

    /// Literal segments count: the most specific route wins when several match.
    pub fn specificity(&self) -> usize {
        self.segs
            .iter()
            .filter(|s| matches!(s, Seg::Lit(_)))
            .count()
    }

    /// Fills the pattern's variables from `params`.
    pub fn fill(&self, params: &Params) -> Option<String> {
        let parts: Option<Vec<&str>> = self
            .segs
            .iter()
            .map(|seg| match seg {
                Seg::Lit(lit) => Some(lit.as_str()),
                Seg::Var(name) => params.get(name),
            })
            .collect();
        parts.map(|p| p.join("/"))
    }
}

/// Path variables of a matched route.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Params(pub HashMap<String, String>);

impl Params {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }
    pub fn set(&mut self, name: &str, value: &str) {
        self.0.insert(name.to_string(), value.to_string());
    }
}

/// Splits a request path after `/v2/` into segments, keeping empty ones so that
/// `/v2/projects/` does not match `projects`.
pub fn split(path: &str) -> Vec<&str> {
    path.split('/').collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_and_fills() {
        let p = Pattern::parse("projects/{project}/composite-apps");
        let params = p.matches(&split("projects/p1/composite-apps"));
        assert_eq!(params.as_ref().and_then(|m| m.get("project")), Some("p1"));
        assert_eq!(
            params.and_then(|m| p.fill(&m)),
            Some("projects/p1/composite-apps".to_string())
        );
    }

    #[test]
    fn trailing_slash_and_empty_vars_do_not_match() {
        let p = Pattern::parse("projects/{project}");
        assert!(p.matches(&split("projects/")).is_none());
        assert!(p.matches(&split("projects/p1/")).is_none());
        assert!(
            Pattern::parse("projects")
                .matches(&split("projects/"))
                .is_none()
        );
    }

    #[test]
    fn literal_routes_are_more_specific() {
        let a = Pattern::parse("x/{dig}/approve");
        let b = Pattern::parse("x/{dig}/{other}");
        assert!(a.specificity() > b.specificity());
    }
}
