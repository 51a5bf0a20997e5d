//! Simulated time. Everything in the core counts integer microseconds so that a run is
//! bit-for-bit identical on every platform.

use std::fmt;

/// A point in simulated time, or a duration, in microseconds.
pub type Micros = u64;

pub const MICROS_PER_MS: Micros = 1_000;
pub const MICROS_PER_SEC: Micros = 1_000_000;

/// The shortest exact duration text: `2s`, `1.5s`, `250ms`, `17us`.
pub fn format_duration(us: Micros) -> String {
    if us == 0 {
        return "0s".into();
    }
    let (unit, scale) = if !us.is_multiple_of(MICROS_PER_MS) {
        ("us", 1)
    } else if us >= MICROS_PER_SEC {
        ("s", MICROS_PER_SEC)
    } else {
        ("ms", MICROS_PER_MS)
    };
    let whole = us / scale;
    let frac = us % scale;
    if frac == 0 {
        return format!("{whole}{unit}");
    }
    let digits = format!("{frac:06}");
    format!("{whole}.{}{unit}", digits.trim_end_matches('0'))
}

/// Why a duration did not read: the sentence names the text as given.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DurationError {
    #[error("a duration cannot be negative: {0:?} (use a time from 0 on, such as 5s)")]
    Negative(String),
    #[error("unknown time unit {unit:?} in {text:?} (use us, ms, s or m)")]
    UnknownUnit { unit: String, text: String },
    #[error("missing number in duration {0:?}")]
    MissingNumber(String),
    #[error("malformed number in duration {0:?}")]
    Malformed(String),
    #[error("duration {0:?} is too large")]
    TooLarge(String),
}

/// Parses a human duration such as `250ms`, `60s`, `1.5s`, `2m`, `1500us` or a bare number
/// of microseconds.
pub fn parse_duration(text: &str) -> Result<Micros, DurationError> {
    let t = text.trim();
    let given = || text.to_string();
    if t.starts_with('-') {
        return Err(DurationError::Negative(given()));
    }
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let scale: Micros = match unit.trim() {
        "" | "us" | "µs" => 1,
        "ms" => MICROS_PER_MS,
        "s" => MICROS_PER_SEC,
        "m" | "min" => 60 * MICROS_PER_SEC,
        other => {
            return Err(DurationError::UnknownUnit {
                unit: other.to_string(),
                text: given(),
            })
        }
    };
    if number.is_empty() {
        return Err(DurationError::MissingNumber(given()));
    }
    // Fractions are parsed by hand as integers so that no float rounding enters the core.
    let (whole, frac) = number.split_once('.').unwrap_or((number, ""));
    if frac.contains('.') || (whole.is_empty() && frac.is_empty()) {
        return Err(DurationError::Malformed(given()));
    }
    let whole: u64 = if whole.is_empty() {
        0
    } else {
        whole
            .parse()
            .map_err(|_| DurationError::Malformed(given()))?
    };
    let mut value = whole
        .checked_mul(scale)
        .ok_or_else(|| DurationError::TooLarge(given()))?;
    let mut place = scale;
    for digit in frac.bytes() {
        place /= 10;
        value = value
            .checked_add(u64::from(digit - b'0') * place)
            .ok_or_else(|| DurationError::TooLarge(given()))?;
    }
    Ok(value)
}

/// Formats a time or a duration for people, in the unit a person would use and without
/// trailing zeros: `350 µs`, `100 ms`, `12.5 ms`, `2 s`, `2.05 s`, `1.234567 s`.
pub struct Pretty(pub Micros);

impl fmt::Display for Pretty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let t = self.0;
        let (whole, part, digits, unit) = if t == 0 {
            // The start of a run, as a person says it.
            return write!(f, "0 s");
        } else if t < MICROS_PER_MS {
            return write!(f, "{t} µs");
        } else if t < MICROS_PER_SEC {
            (t / MICROS_PER_MS, t % MICROS_PER_MS, 3, "ms")
        } else {
            (t / MICROS_PER_SEC, t % MICROS_PER_SEC, 6, "s")
        };
        if part == 0 {
            return write!(f, "{whole} {unit}");
        }
        let fraction = format!("{part:0digits$}");
        write!(f, "{whole}.{} {unit}", fraction.trim_end_matches('0'))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_units_and_fractions() {
        assert_eq!(parse_duration("60s"), Ok(60_000_000));
        assert_eq!(parse_duration("1.5s"), Ok(1_500_000));
        assert_eq!(parse_duration("250ms"), Ok(250_000));
        assert_eq!(parse_duration("2m"), Ok(120_000_000));
        assert_eq!(parse_duration("17"), Ok(17));
        assert_eq!(parse_duration("0.001ms"), Ok(1));
    }

    #[test]
    fn rejects_nonsense() {
        assert!(parse_duration("").is_err());
        assert!(parse_duration("s").is_err());
        assert!(parse_duration("5 parsecs").is_err());
        assert!(parse_duration("1.2.3s").is_err());
        assert!(parse_duration("99999999999999999999s").is_err());
        assert_eq!(
            parse_duration("-5s").unwrap_err().to_string(),
            "a duration cannot be negative: \"-5s\" (use a time from 0 on, such as 5s)"
        );
    }

    #[test]
    fn pretty_prints() {
        assert_eq!(Pretty(12).to_string(), "12 µs");
        assert_eq!(Pretty(1_500).to_string(), "1.5 ms");
        assert_eq!(Pretty(100_000).to_string(), "100 ms");
        assert_eq!(Pretty(2_000_000).to_string(), "2 s");
        assert_eq!(Pretty(2_050_000).to_string(), "2.05 s");
        assert_eq!(Pretty(2_000_001).to_string(), "2.000001 s");
    }
}
