//! A page of records as SQL for either dialect: conditions on JSON fields,
//! the caller's reach, full-text search, a keyset cursor and an order.
//! `records::query` decides *what* is asked (parsed from a query string,
//! checked against the kind and the caller); this file only says it in
//! SQL, with every value bound.

use uuid::Uuid;

use super::error::Result;
use super::records::{Bind, COLUMNS, RecordRow, select};
use super::tx::{Dialect, TenantTx};

/// How a JSON field is compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    Number,
    Bool,
    Text,
    /// The field is an array; the condition holds when it contains the value.
    Contains,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmp {
    Eq,
    Gt,
    Gte,
    Lt,
    Lte,
}

/// `column ->> key <cmp> value`, `column` being `data` or `custom`.
#[derive(Debug, Clone)]
pub struct Condition {
    pub column: &'static str,
    pub key: String,
    pub shape: Shape,
    pub cmp: Cmp,
    pub value: Bind,
}

/// Who the list is for: everything, or only records whose `people`
/// include the user (own), or also whose team is one of theirs (team).
#[derive(Debug, Clone)]
pub enum Reach {
    All,
    Own(Uuid),
    Team(Uuid, Vec<Uuid>),
}

/// The order of a page; ties are broken by id.
#[derive(Debug, Clone)]
pub enum Order {
    Id,
    CreatedAt,
    UpdatedAt,
    /// A numeric JSON field of `data` (absent sorts as -1).
    Number(String),
    /// A text JSON field of `data` (absent sorts as "").
    Text(String),
}

/// One page's question.
#[derive(Debug, Clone)]
pub struct ListSpec<'a> {
    pub kind: &'a str,
    pub reach: &'a Reach,
    pub conditions: &'a [Condition],
    /// Words, each matched as a prefix (empty: matches nothing).
    pub search: Option<&'a [String]>,
    pub order: &'a Order,
    pub desc: bool,
    /// Continue after this record: its sort value (none when ordered by id)
    /// and its id.
    pub after: Option<(Option<Bind>, Uuid)>,
    /// Rows to return.
    pub limit: usize,
}

/// `words` as the dialect's search syntax: every word, as a prefix.
fn fts_query(d: Dialect, words: &[String]) -> String {
    match d {
        Dialect::Sqlite => words
            .iter()
            .map(|w| format!("\"{w}\"*"))
            .collect::<Vec<_>>()
            .join(" "),
        Dialect::Postgres => words
            .iter()
            .map(|w| format!("{w}:*"))
            .collect::<Vec<_>>()
            .join(" & "),
    }
}

fn order_expr(d: Dialect, o: &Order) -> String {
    match o {
        Order::Id => "id".into(),
        Order::CreatedAt => "created_at".into(),
        Order::UpdatedAt => "updated_at".into(),
        Order::Number(key) => format!("COALESCE({}, -1)", d.json_number("data", key)),
        Order::Text(key) => format!("COALESCE({}, '')", d.json_text("data", key)),
    }
}

/// The SELECT and its binds. Keys come from the kinds' and custom fields'
/// definitions (validated identifiers); every value is a bind.
pub fn sql(d: Dialect, s: &ListSpec<'_>) -> (String, Vec<Bind>) {
    let mut binds = vec![Bind::Text(s.kind.to_owned())];
    let mut wh = vec!["kind = $1".to_owned()];
    let next = |b: Bind, binds: &mut Vec<Bind>| {
        binds.push(b);
        binds.len()
    };
    match s.reach {
        Reach::All => {}
        Reach::Own(user) => {
            let n = next(Bind::Text(user.to_string()), &mut binds);
            wh.push(d.array_column_contains("people", n));
        }
        Reach::Team(user, teams) => {
            let n = next(Bind::Text(user.to_string()), &mut binds);
            let mut alt = vec![d.array_column_contains("people", n)];
            for t in teams {
                let n = next(Bind::Id(*t), &mut binds);
                alt.push(format!("team_id = ${n}"));
            }
            wh.push(format!("({})", alt.join(" OR ")));
        }
    }
    for c in s.conditions {
        let n = next(c.value.clone(), &mut binds);
        let expr = match c.shape {
            Shape::Contains => {
                wh.push(d.json_array_contains(c.column, &c.key, n));
                continue;
            }
            Shape::Number => d.json_number(c.column, &c.key),
            Shape::Bool => d.json_bool(c.column, &c.key),
            Shape::Text => d.json_text(c.column, &c.key),
        };
        let op = match c.cmp {
            Cmp::Eq => "=",
            Cmp::Gt => ">",
            Cmp::Gte => ">=",
            Cmp::Lt => "<",
            Cmp::Lte => "<=",
        };
        wh.push(format!("{expr} {op} ${n}"));
    }
    match s.search {
        Some([]) => wh.push("1 = 0".into()),
        Some(words) => {
            let n = next(Bind::Text(fts_query(d, words)), &mut binds);
            wh.push(d.fts_match(n));
        }
        None => {}
    }
    let sort = order_expr(d, s.order);
    let dir = if s.desc { "DESC" } else { "ASC" };
    if let Some((value, id)) = &s.after {
        let cmp = if s.desc { "<" } else { ">" };
        let id_n = next(Bind::Id(*id), &mut binds);
        match value {
            None => wh.push(format!("id {cmp} ${id_n}")),
            Some(v) => {
                let v_n = next(v.clone(), &mut binds);
                wh.push(format!(
                    "({sort} {cmp} ${v_n} OR ({sort} = ${v_n} AND id {cmp} ${id_n}))"
                ));
            }
        }
    }
    let order = if matches!(s.order, Order::Id) {
        format!("id {dir}")
    } else {
        format!("{sort} {dir}, id {dir}")
    };
    let limit_n = next(Bind::Int(s.limit as i64), &mut binds);
    (
        format!(
            "SELECT {COLUMNS} FROM records WHERE {} ORDER BY {order} LIMIT ${limit_n}",
            wh.join(" AND ")
        ),
        binds,
    )
}

/// One page of records.
pub async fn page(tx: &mut TenantTx, spec: &ListSpec<'_>) -> Result<Vec<RecordRow>> {
    let (sql, binds) = sql(tx.dialect(), spec);
    select(tx, sql, &binds).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_only_ever_binds() {
        let conditions = [Condition {
            column: "data",
            key: "title".into(),
            shape: Shape::Text,
            cmp: Cmp::Eq,
            value: Bind::Text("'; DROP TABLE x; --".into()),
        }];
        let words = ["acme".to_owned(), "ltd".to_owned()];
        let reach = Reach::Own(Uuid::now_v7());
        let order = Order::Number("amount".into());
        for d in [Dialect::Sqlite, Dialect::Postgres] {
            let (sql, binds) = sql(
                d,
                &ListSpec {
                    kind: "deal",
                    reach: &reach,
                    conditions: &conditions,
                    search: Some(&words),
                    order: &order,
                    desc: true,
                    after: None,
                    limit: 51,
                },
            );
            assert!(!sql.contains("DROP"), "{sql}");
            assert!(sql.contains("ORDER BY COALESCE("), "{sql}");
            assert_eq!(binds.len(), 5, "{sql}");
        }
    }

    #[test]
    fn search_words_become_prefix_queries() {
        let w = ["a".to_owned(), "b".to_owned()];
        assert_eq!(fts_query(Dialect::Postgres, &w), "a:* & b:*");
        assert_eq!(fts_query(Dialect::Sqlite, &w), "\"a\"* \"b\"*");
    }
}
