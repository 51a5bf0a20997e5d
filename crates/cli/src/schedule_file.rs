//! Reading schedule files, with errors that say what is wrong and where.

use splitbrain_core::action::Schedule;
use std::path::Path;

pub fn load(path: &Path) -> Result<Schedule, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read schedule {}: {e}", path.display()))?;
    parse(&text).map_err(|e| format!("schedule {}: {e}", path.display()))
}

pub fn parse(text: &str) -> Result<Schedule, String> {
    // Parse to a JSON value first so that syntax errors get a line and column; then decide
    // between the two accepted shapes with a precise message for each.
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| format!("not valid JSON: {e}"))?;
    let entries = match &value {
        serde_json::Value::Array(_) => value,
        serde_json::Value::Object(o) => match o.get("schedule") {
            Some(s) => s.clone(),
            None => {
                return Err(
                    "expected an array of actions or an object with a \"schedule\" field".into(),
                )
            }
        },
        _ => {
            return Err(
                "expected an array of actions or an object with a \"schedule\" field".into(),
            )
        }
    };
    let items = entries.as_array().ok_or("\"schedule\" must be an array")?;
    let mut schedule = Schedule::new();
    for (i, item) in items.iter().enumerate() {
        let entry =
            serde_json::from_value(item.clone()).map_err(|e| format!("entry {}: {e}", i + 1))?;
        schedule.push(entry);
    }
    Ok(schedule)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_both_shapes() {
        let bare = r#"[{"at": "1s", "action": {"type": "heal"}}]"#;
        assert_eq!(parse(bare).unwrap().len(), 1);
        let wrapped = r#"{"seed": 3, "schedule": [{"at": 5, "action": {"type": "heal"}}]}"#;
        assert_eq!(parse(wrapped).unwrap()[0].at, 5);
    }

    #[test]
    fn errors_name_the_entry() {
        let bad = r#"[{"at": "1s", "action": {"type": "heal"}}, {"at": "1s", "action": {"type": "explode"}}]"#;
        let err = parse(bad).unwrap_err();
        assert!(err.starts_with("entry 2:"), "{err}");
        assert!(parse("{").unwrap_err().contains("not valid JSON"));
        assert!(parse("42").is_err());
    }
}
