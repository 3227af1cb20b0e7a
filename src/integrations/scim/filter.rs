//! SCIM filters (RFC 7644 §3.4.2.2), parsed and evaluated over a
//! resource as JSON: `userName eq "a@b.example"`, `emails[type eq "work"
//! and value co "@b"]`, `not (active eq false) or meta.lastModified gt "…"`.
//! Attribute names are case-insensitive, and so are string comparisons,
//! since no attribute Mandant serves is `caseExact` but `id`, a UUID
//! written in lower case.

use serde_json::Value;

#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    And(Box<Filter>, Box<Filter>),
    Or(Box<Filter>, Box<Filter>),
    Not(Box<Filter>),
    Present(Vec<String>),
    Compare(Vec<String>, Op, Value),
    /// `attr[filter]`: some element of the multi-valued `attr` matches.
    ValuePath(Vec<String>, Box<Filter>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Co,
    Sw,
    Ew,
    Gt,
    Ge,
    Lt,
    Le,
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Word(String),
    Str(String),
    Open,
    Close,
    OpenBracket,
    CloseBracket,
}

const MAX_LEN: usize = 4096;
const MAX_DEPTH: usize = 32;

fn tokens(text: &str) -> Result<Vec<Token>, String> {
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(&c) = chars.peek() {
        match c {
            ' ' | '\t' => {
                chars.next();
            }
            '(' => {
                chars.next();
                out.push(Token::Open);
            }
            ')' => {
                chars.next();
                out.push(Token::Close);
            }
            '[' => {
                chars.next();
                out.push(Token::OpenBracket);
            }
            ']' => {
                chars.next();
                out.push(Token::CloseBracket);
            }
            '"' => {
                chars.next();
                let mut s = String::new();
                let mut closed = false;
                while let Some(c) = chars.next() {
                    match c {
                        '"' => {
                            closed = true;
                            break;
                        }
                        '\\' => match chars.next() {
                            Some('n') => s.push('\n'),
                            Some('t') => s.push('\t'),
                            Some(e @ ('"' | '\\' | '/')) => s.push(e),
                            _ => return Err("a bad escape in a string".into()),
                        },
                        c => s.push(c),
                    }
                }
                if !closed {
                    return Err("a string is not closed".into());
                }
                out.push(Token::Str(s));
            }
            _ => {
                let mut w = String::new();
                while let Some(&c) = chars.peek() {
                    if matches!(c, ' ' | '\t' | '(' | ')' | '[' | ']' | '"') {
                        break;
                    }
                    w.push(c);
                    chars.next();
                }
                out.push(Token::Word(w));
            }
        }
    }
    Ok(out)
}

/// `urn:…:User:name.givenName` → `["name", "givenname"]` (lower case).
pub fn attr_path(raw: &str) -> Result<Vec<String>, String> {
    let lower = raw.to_ascii_lowercase();
    let tail = if lower.starts_with("urn:") {
        lower.rsplit(':').next().unwrap_or_default().to_owned()
    } else {
        lower
    };
    let parts: Vec<String> = tail.split('.').map(str::to_owned).collect();
    let ok = |p: &str| {
        !p.is_empty()
            && p.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'$')
    };
    if parts.len() > 2 || !parts.iter().all(|p| ok(p)) {
        return Err(format!("{raw:?} is not an attribute path"));
    }
    Ok(parts)
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
    depth: usize,
}

impl Parser {
    fn peek_word(&self) -> Option<String> {
        match self.tokens.get(self.at) {
            Some(Token::Word(w)) => Some(w.to_ascii_lowercase()),
            _ => None,
        }
    }

    fn or(&mut self) -> Result<Filter, String> {
        let mut left = self.and()?;
        while self.peek_word().as_deref() == Some("or") {
            self.at += 1;
            left = Filter::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Filter, String> {
        let mut left = self.unary()?;
        while self.peek_word().as_deref() == Some("and") {
            self.at += 1;
            left = Filter::And(Box::new(left), Box::new(self.unary()?));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Filter, String> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err("the filter nests too deep".into());
        }
        let f = self.unary_inner();
        self.depth -= 1;
        f
    }

    fn unary_inner(&mut self) -> Result<Filter, String> {
        if self.peek_word().as_deref() == Some("not") {
            self.at += 1;
            self.expect(&Token::Open)?;
            let inner = self.or()?;
            self.expect(&Token::Close)?;
            return Ok(Filter::Not(Box::new(inner)));
        }
        if self.tokens.get(self.at) == Some(&Token::Open) {
            self.at += 1;
            let inner = self.or()?;
            self.expect(&Token::Close)?;
            return Ok(inner);
        }
        let Some(Token::Word(attr)) = self.tokens.get(self.at).cloned() else {
            return Err("an attribute was expected".into());
        };
        self.at += 1;
        let path = attr_path(&attr)?;
        if self.tokens.get(self.at) == Some(&Token::OpenBracket) {
            self.at += 1;
            let inner = self.or()?;
            self.expect(&Token::CloseBracket)?;
            return Ok(Filter::ValuePath(path, Box::new(inner)));
        }
        let op = self.peek_word().ok_or("an operator was expected")?;
        self.at += 1;
        if op == "pr" {
            return Ok(Filter::Present(path));
        }
        let op = match op.as_str() {
            "eq" => Op::Eq,
            "ne" => Op::Ne,
            "co" => Op::Co,
            "sw" => Op::Sw,
            "ew" => Op::Ew,
            "gt" => Op::Gt,
            "ge" => Op::Ge,
            "lt" => Op::Lt,
            "le" => Op::Le,
            other => return Err(format!("{other:?} is not an operator")),
        };
        let value = match self.tokens.get(self.at).cloned() {
            Some(Token::Str(s)) => Value::String(s),
            Some(Token::Word(w)) => match w.as_str() {
                "true" => Value::Bool(true),
                "false" => Value::Bool(false),
                "null" => Value::Null,
                n => serde_json::from_str::<serde_json::Number>(n)
                    .map(Value::Number)
                    .map_err(|_| format!("{n:?} is not a value"))?,
            },
            _ => return Err("a value was expected".into()),
        };
        self.at += 1;
        Ok(Filter::Compare(path, op, value))
    }

    fn expect(&mut self, t: &Token) -> Result<(), String> {
        if self.tokens.get(self.at) == Some(t) {
            self.at += 1;
            Ok(())
        } else {
            Err(format!("{t:?} was expected"))
        }
    }
}

pub fn parse(text: &str) -> Result<Filter, String> {
    if text.len() > MAX_LEN {
        return Err("the filter is too long".into());
    }
    let mut p = Parser {
        tokens: tokens(text)?,
        at: 0,
        depth: 0,
    };
    let f = p.or()?;
    if p.at != p.tokens.len() {
        return Err("the filter goes on after its end".into());
    }
    Ok(f)
}

/// The member of an object named `key`, whatever its case.
pub fn member<'a>(v: &'a Value, key: &str) -> Option<&'a Value> {
    v.as_object()?
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| v)
}

/// The values at `path` in `v`, flattening multi-valued attributes.
fn values<'a>(v: &'a Value, path: &[String]) -> Vec<&'a Value> {
    let Some((first, rest)) = path.split_first() else {
        return vec![v];
    };
    let Some(found) = member(v, first) else {
        return Vec::new();
    };
    let items: Vec<&Value> = match found {
        Value::Array(a) => a.iter().collect(),
        one => vec![one],
    };
    if rest.is_empty() {
        return items;
    }
    items.into_iter().flat_map(|i| values(i, rest)).collect()
}

fn compare(have: &Value, op: Op, want: &Value) -> bool {
    use std::cmp::Ordering;
    let ord = match (have, want) {
        (Value::String(a), Value::String(b)) => {
            let (a, b) = (a.to_lowercase(), b.to_lowercase());
            match op {
                Op::Co => return a.contains(&b),
                Op::Sw => return a.starts_with(&b),
                Op::Ew => return a.ends_with(&b),
                _ => a.cmp(&b),
            }
        }
        (Value::Number(a), Value::Number(b)) => match a.as_f64().partial_cmp(&b.as_f64()) {
            Some(o) => o,
            None => return false,
        },
        (Value::Bool(a), Value::Bool(b)) if matches!(op, Op::Eq | Op::Ne) => a.cmp(b),
        (_, Value::Null) => {
            return match op {
                Op::Eq => have.is_null(),
                Op::Ne => !have.is_null(),
                _ => false,
            };
        }
        _ => return op == Op::Ne,
    };
    match op {
        Op::Eq => ord == Ordering::Equal,
        Op::Ne => ord != Ordering::Equal,
        Op::Gt => ord == Ordering::Greater,
        Op::Ge => ord != Ordering::Less,
        Op::Lt => ord == Ordering::Less,
        Op::Le => ord != Ordering::Greater,
        Op::Co | Op::Sw | Op::Ew => false,
    }
}

fn present(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
        _ => true,
    }
}

impl Filter {
    pub fn matches(&self, v: &Value) -> bool {
        match self {
            Filter::And(a, b) => a.matches(v) && b.matches(v),
            Filter::Or(a, b) => a.matches(v) || b.matches(v),
            Filter::Not(a) => !a.matches(v),
            Filter::Present(p) => values(v, p).into_iter().any(present),
            Filter::Compare(p, Op::Ne, want) => {
                let found = values(v, p);
                found.is_empty() && !want.is_null()
                    || found.into_iter().all(|h| compare(h, Op::Ne, want))
            }
            Filter::Compare(p, op, want) => {
                let found = values(v, p);
                if found.is_empty() && *op == Op::Eq && want.is_null() {
                    return true;
                }
                found.into_iter().any(|h| compare(h, *op, want))
            }
            Filter::ValuePath(p, inner) => values(v, p).into_iter().any(|e| inner.matches(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn user() -> Value {
        json!({"userName": "Ada@Example.com", "active": true, "externalId": "00u1",
            "emails": [{"value": "ada@example.com", "type": "work", "primary": true},
                       {"value": "ada@home.example", "type": "home"}],
            "name": {"givenName": "Ada"}, "meta": {"lastModified": "2026-12-01T00:00:00Z"}})
    }

    #[test]
    fn the_filters_identity_providers_send_match() {
        let u = user();
        for (f, want) in [
            ("userName eq \"ada@example.com\"", true),
            ("USERNAME Eq \"ADA@EXAMPLE.COM\"", true),
            (
                "urn:ietf:params:scim:schemas:core:2.0:User:userName eq \"ada@example.com\"",
                true,
            ),
            ("externalId eq \"00u1\"", true),
            ("emails.value co \"home\"", true),
            ("emails[type eq \"work\" and value sw \"ada@\"]", true),
            ("emails[type eq \"other\"]", false),
            ("active eq true and not (name.givenName eq \"Bob\")", true),
            (
                "active eq false or meta.lastModified gt \"2026-11-30T00:00:00Z\"",
                true,
            ),
            ("title pr", false),
            ("name.givenName pr", true),
            ("userName ne \"x@y.z\"", true),
        ] {
            assert_eq!(parse(f).map(|p| p.matches(&u)), Ok(want), "{f}");
        }
    }

    #[test]
    fn nonsense_is_refused_with_a_reason() {
        for bad in [
            "",
            "userName",
            "userName eq",
            "userName like \"a\"",
            "userName eq \"open",
            "(userName pr",
            "userName pr extra",
            "a.b.c eq 1",
            "user\u{0}Name eq 1",
            &"not (".repeat(100),
        ] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
    }
}
