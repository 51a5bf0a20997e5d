//! Checking a protocol's settings against its description, with a message that names the
//! protocol a misplaced setting belongs to (which needs the list of protocols).

use super::owners_of_setting;
use crate::about::{normalise, About, SettingError, Settings};

/// Checks `settings` against `about` and returns them normalised: every name must be one of
/// the protocol's settings and every value of its kind and in its range; values equal to
/// the default are dropped.
pub fn check_settings(about: &About, settings: &Settings) -> Result<Settings, SettingError> {
    let mut out = Settings::new();
    for (name, value) in settings.iter() {
        let Some(desc) = about.setting(name) else {
            let others = owners_of_setting(name);
            let name = name.to_string();
            return Err(match others.first() {
                Some(owner) => SettingError::OfAnother {
                    name,
                    owner: owner.name,
                    protocol: about.name,
                },
                None if about.settings.is_empty() => SettingError::NoSettings {
                    protocol: about.name,
                    name,
                },
                None => {
                    let known: Vec<&str> = about.settings.iter().map(|s| s.name).collect();
                    SettingError::Unknown {
                        protocol: about.name,
                        name,
                        known: known.join(", "),
                    }
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
