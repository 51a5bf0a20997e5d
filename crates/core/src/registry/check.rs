//! Checking a protocol's settings against its description, with a message that names the
//! protocol a misplaced setting belongs to (which needs the list of protocols).

use super::owners_of_setting;
use crate::about::{normalise, About, Settings};

/// Checks `settings` against `about` and returns them normalised: every name must be one of
/// the protocol's settings and every value of its kind and in its range; values equal to
/// the default are dropped.
pub fn check_settings(about: &About, settings: &Settings) -> Result<Settings, String> {
    let mut out = Settings::new();
    for (name, value) in settings.iter() {
        let Some(desc) = about.setting(name) else {
            let others = owners_of_setting(name);
            return Err(match others.first() {
                Some(owner) => format!(
                    "{name} is a setting of {}, not of {}",
                    owner.name, about.name
                ),
                None if about.settings.is_empty() => {
                    format!("{} has no setting called {name:?}", about.name)
                }
                None => {
                    let known: Vec<&str> = about.settings.iter().map(|s| s.name).collect();
                    format!(
                        "{} has no setting called {name:?}; its settings are {}",
                        about.name,
                        known.join(", ")
                    )
                }
            });
        };
        let value = normalise(desc, value)?;
        if desc
            .default
            .is_none_or(|d| normalise(desc, d).ok().as_ref() != Some(&value))
        {
            out.set(name, value);
        }
    }
    Ok(out)
}
