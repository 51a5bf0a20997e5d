//! What a viewer shows of one node's protocol state, described by the protocol as data: a
//! few facts and an optional table (a log, a store). The page draws any card the same way,
//! so a protocol needs no view code of its own for its inspector.

/// One node's state for an inspector.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Card {
    /// Name and value, in order (`term`: `3`).
    pub facts: Vec<(String, String)>,
    pub table: Option<Table>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Table {
    pub caption: String,
    pub columns: Vec<String>,
    pub rows: Vec<Row>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Row {
    pub cells: Vec<String>,
    /// A class for the row's look (`committed`, `siblings`), if it stands out.
    pub mark: Option<&'static str>,
}

impl Card {
    pub fn fact(mut self, name: &str, value: impl ToString) -> Self {
        self.facts.push((name.to_string(), value.to_string()));
        self
    }

    pub fn table(mut self, caption: impl ToString, columns: &[&str], rows: Vec<Row>) -> Self {
        self.table = Some(Table {
            caption: caption.to_string(),
            columns: columns.iter().map(|c| c.to_string()).collect(),
            rows,
        });
        self
    }
}

impl Row {
    pub fn new(cells: Vec<String>) -> Self {
        Row { cells, mark: None }
    }

    pub fn marked(mut self, mark: Option<&'static str>) -> Self {
        self.mark = mark;
        self
    }
}

/// A key-value store as `k1=5 k2=7` (`empty` when it holds nothing).
pub fn store_text<K: std::fmt::Display, V: std::fmt::Display>(
    pairs: impl Iterator<Item = (K, V)>,
) -> String {
    let items: Vec<String> = pairs.map(|(k, v)| format!("k{k}={v}")).collect();
    if items.is_empty() {
        "empty".into()
    } else {
        items.join(" ")
    }
}
