//! The arithmetic of the measures panel's small SVG charts: axes with round ticks in the
//! units a person reads (seconds of simulated time, milliseconds or seconds for a duration,
//! whole counts, rates per minute), a logarithmic axis for a swept setting, and the ladder
//! of values a sweep tries. Everything here is pure and works in whole numbers (the page
//! keeps float formatting out of the wasm binary), so it is tested natively.

use splitbrain_core::registry::Unit;
use splitbrain_core::time::{Micros, MICROS_PER_MS, MICROS_PER_SEC};

/// A step of 1, 2 or 5 times a power of ten (in whole base units) such that `most` steps
/// reach at least `max`.
pub fn nice_step(max: u64, most: u64) -> u64 {
    let want = max.div_ceil(most.max(1)).max(1);
    let mut magnitude = 1u64;
    loop {
        for m in [1, 2, 5] {
            if m * magnitude >= want {
                return m * magnitude;
            }
        }
        magnitude = magnitude.saturating_mul(10);
    }
}

/// Ticks from 0 to the first multiple of a round step at or above `max` (at least one
/// step), for a y axis that starts at zero: (ticks, top of the axis).
pub fn ticks_to(max: u64, most: u64) -> (Vec<u64>, u64) {
    let step = nice_step(max, most);
    let top = max.div_ceil(step).max(1) * step;
    ((0..=top / step).map(|i| i * step).collect(), top)
}

/// Round ticks from 0 up to `max` itself (never past it), for an axis whose end is fixed
/// (the present moment).
pub fn ticks_within(max: u64, most: u64) -> Vec<u64> {
    let step = nice_step(max, most);
    (0..=max / step).map(|i| i * step).collect()
}

/// How an axis writes a measure's readings: divided by `per` (a power of ten), and what
/// its caption calls the unit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Scale {
    pub per: u64,
    pub caption: &'static str,
}

/// The scale for readings of `unit` whose axis reaches `top`: durations in seconds from a
/// second up, else in milliseconds; counts as they are; rates per minute (the readings are
/// thousandths).
pub fn scale(unit: Unit, top: u64) -> Scale {
    match unit {
        Unit::Duration if top >= MICROS_PER_SEC => Scale {
            per: MICROS_PER_SEC,
            caption: "seconds",
        },
        Unit::Duration if top >= MICROS_PER_MS => Scale {
            per: MICROS_PER_MS,
            caption: "milliseconds",
        },
        Unit::Duration => Scale {
            per: 1,
            caption: "microseconds",
        },
        Unit::Count => Scale {
            per: 1,
            caption: "count",
        },
        Unit::PerMinute => Scale {
            per: 1000,
            caption: "per minute",
        },
        Unit::PerSecond => Scale {
            per: 1000,
            caption: "per second",
        },
    }
}

/// The least top of an axis for readings of `unit`, so that an axis of zeros reads as
/// whole units (1 ms, 1, 1 per minute), not as thousandths of one.
pub fn least_top(unit: Unit) -> u64 {
    match unit {
        Unit::Duration => MICROS_PER_MS,
        Unit::Count => 1,
        Unit::PerMinute | Unit::PerSecond => 1000,
    }
}

/// A tick's label: `value / per` as a decimal, written with `k` from ten thousand and
/// `M` from a million up, so that labels stay short (`300k`, `1.5M`).
pub fn tick_label(value: u64, per: u64) -> String {
    let per = per.max(1);
    let whole = value / per;
    if whole >= 1_000_000 {
        format!("{}M", decimal(value, per * 1_000_000))
    } else if whole >= 10_000 {
        format!("{}k", decimal(value, per * 1_000))
    } else {
        decimal(value, per)
    }
}

/// A moment as a sentence tells it, to about three figures (`331 s`, `6.2 s`, `1.23 s`,
/// `450 ms`); the clock shows it exactly.
pub fn about(t: Micros) -> String {
    let unit = if t >= 100 * MICROS_PER_SEC {
        MICROS_PER_SEC
    } else if t >= 10 * MICROS_PER_SEC {
        MICROS_PER_SEC / 10
    } else if t >= MICROS_PER_SEC {
        MICROS_PER_SEC / 100
    } else {
        MICROS_PER_MS
    };
    let rounded = (t + unit / 2) / unit * unit;
    splitbrain_core::time::Pretty(if rounded == 0 { t } else { rounded }).to_string()
}

/// `value / per` written as a decimal without trailing zeros (`per` a power of ten):
/// `decimal(1_500_000, 1_000_000)` is `1.5`.
pub fn decimal(value: u64, per: u64) -> String {
    let per = per.max(1);
    let (whole, part) = (value / per, value % per);
    if part == 0 {
        return whole.to_string();
    }
    let digits = per.ilog10() as usize;
    let fraction = format!("{part:0digits$}");
    format!("{whole}.{}", fraction.trim_end_matches('0'))
}

/// Where `value` falls between `lo` and `hi` on a logarithmic axis (0 at `lo`, 1 at `hi`).
pub fn log_position(value: u64, lo: u64, hi: u64) -> f64 {
    let (v, lo, hi) = (
        log(value.max(1) as f64),
        log(lo.max(1) as f64),
        log(hi.max(1) as f64),
    );
    if hi <= lo {
        0.5
    } else {
        (v - lo) / (hi - lo)
    }
}

/// The natural logarithm: the browser's in the page (no second copy in the binary).
fn log(x: f64) -> f64 {
    #[cfg(target_arch = "wasm32")]
    {
        js_sys::Math::log(x)
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        x.ln()
    }
}

/// Round durations for a logarithmic axis from `lo` to `hi`: 1, 2 and 5 times powers of
/// ten, thinned to 1 and 5, then to powers of ten (every other one, and so on), until at
/// most `most` are left; the ends themselves when fewer than two round ones fall inside.
pub fn log_ticks(lo: u64, hi: u64, most: usize) -> Vec<u64> {
    let most = most.max(2);
    let inside = |mantissas: &'static [u64]| -> Vec<u64> {
        powers_of_ten()
            .flat_map(|p| mantissas.iter().map(move |m| m * p))
            .filter(|v| (lo..=hi).contains(v))
            .collect()
    };
    let dense = inside(&[1, 2, 5]);
    if dense.len() < 2 {
        return if lo == hi { vec![lo] } else { vec![lo, hi] };
    }
    if dense.len() <= most {
        return dense;
    }
    let fewer = inside(&[1, 5]);
    if fewer.len() <= most {
        return fewer;
    }
    // Powers of ten, every other (or every third...) one if there are still too many.
    let powers = inside(&[1]);
    let every = powers.len().div_ceil(most);
    powers.into_iter().step_by(every).collect()
}

fn powers_of_ten() -> impl Iterator<Item = u64> {
    (0..16).map(|k| 10u64.pow(k))
}

/// Round durations, about 20% apart: 1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6 and 8 times powers of
/// ten microseconds (and 1, 2, 5 µs).
fn round_durations() -> impl Iterator<Item = Micros> {
    const TENTHS: [u64; 10] = [10, 12, 15, 20, 25, 30, 40, 50, 60, 80];
    [1, 2, 5]
        .into_iter()
        .chain((0..15).flat_map(|k| TENTHS.map(|m| m * 10u64.pow(k))))
}

/// The values a sweep of a duration setting tries: about `n` round values spread evenly
/// (in ratio) from a fifth to six times `current`, within the setting's `min..=max`, with
/// `current` itself in place of the nearest, so that the run on screen is one of them.
/// Sorted, without repeats; only `current` when the range leaves no room.
pub fn ladder(current: Micros, min: Micros, max: Micros, n: usize) -> Vec<Micros> {
    let current = current.clamp(min, max.max(min));
    let lo = (current / 5).max(min);
    let hi = current.saturating_mul(6).min(max);
    let round: Vec<Micros> = round_durations()
        .filter(|v| (lo..=hi).contains(v))
        .collect();
    let n = n.max(2);
    let mut picked: Vec<Micros> = if round.len() <= n {
        round
    } else {
        (0..n)
            .map(|i| round[(i * (round.len() - 1) + (n - 1) / 2) / (n - 1)])
            .collect()
    };
    // The nearest in ratio gives way to the current value.
    let nearest = picked.iter().enumerate().min_by(|(_, a), (_, b)| {
        let ratio = |v: u64| {
            let (big, small) = (v.max(current) as u128, v.min(current).max(1) as u128);
            (big, small)
        };
        let ((a1, a2), (b1, b2)) = (ratio(**a), ratio(**b));
        (a1 * b2).cmp(&(b1 * a2))
    });
    match nearest.map(|(i, _)| i) {
        Some(i) => picked[i] = current,
        None => picked.push(current),
    }
    splitbrain_core::sort::natural(&mut picked);
    picked.dedup();
    picked
}

/// A series thinned for a chart `width` units wide: at most about four points per unit of
/// width, keeping each bucket's first, lowest, highest and last reading in time order (so
/// spikes survive); gaps (`None`) are kept where they fall.
pub fn thin(
    points: &[(Micros, Option<i64>)],
    end: Micros,
    width: usize,
) -> Vec<(Micros, Option<i64>)> {
    if points.len() <= 4 * width.max(1) || end == 0 {
        return points.to_vec();
    }
    let bucket = |t: Micros| ((t as u128 * width as u128) / end as u128) as usize;
    let mut out = Vec::new();
    let mut start = 0;
    while start < points.len() {
        let b = bucket(points[start].0);
        let mut stop = start;
        while stop < points.len() && bucket(points[stop].0) == b {
            stop += 1;
        }
        let run = &points[start..stop];
        if run.iter().any(|(_, v)| v.is_none()) {
            // A gap in the bucket: keep it as it is (rare: readings appear once and stay).
            out.extend_from_slice(run);
        } else {
            let low = run.iter().min_by_key(|(_, v)| *v).copied();
            let high = run.iter().max_by_key(|(_, v)| *v).copied();
            let mut keep = vec![run[0]];
            keep.extend(low);
            keep.extend(high);
            keep.push(run[run.len() - 1]);
            // In time order (the program's one compiled sort).
            splitbrain_core::sort::by_key(&mut keep, |(t, _)| *t);
            keep.dedup();
            out.extend(keep);
        }
        start = stop;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: u64 = MICROS_PER_MS;

    #[test]
    fn steps_are_one_two_or_five_times_a_power_of_ten() {
        assert_eq!(nice_step(10, 5), 2);
        assert_eq!(nice_step(11, 5), 5);
        assert_eq!(nice_step(350_000, 4), 100_000);
        assert_eq!(nice_step(0, 4), 1);
        assert_eq!(nice_step(3, 4), 1);
        assert_eq!(nice_step(7_000_000, 6), 2_000_000);
    }

    #[test]
    fn a_y_axis_starts_at_zero_and_reaches_past_the_highest_reading() {
        assert_eq!(
            ticks_to(350 * MS, 4),
            (vec![0, 100 * MS, 200 * MS, 300 * MS, 400 * MS], 400 * MS)
        );
        // Nothing but zeros still gets an axis one step high.
        assert_eq!(ticks_to(0, 4), (vec![0, 1], 1));
        assert_eq!(ticks_to(3, 4), (vec![0, 1, 2, 3], 3));
    }

    #[test]
    fn a_time_axis_stops_at_the_present() {
        assert_eq!(
            ticks_within(6_200_000, 6),
            vec![0, 2_000_000, 4_000_000, 6_000_000]
        );
        assert_eq!(
            ticks_within(900_000, 5),
            vec![0, 200_000, 400_000, 600_000, 800_000]
        );
        assert!(ticks_within(1, 5).iter().all(|t| *t <= 1));
    }

    #[test]
    fn durations_read_in_seconds_from_one_second_up() {
        assert_eq!(scale(Unit::Duration, 400 * MS).caption, "milliseconds");
        assert_eq!(
            scale(Unit::Duration, 2 * MICROS_PER_SEC).per,
            MICROS_PER_SEC
        );
        assert_eq!(scale(Unit::PerMinute, 5000).per, 1000);
        assert_eq!(scale(Unit::Count, 3).per, 1);
    }

    #[test]
    fn decimals_drop_trailing_zeros() {
        assert_eq!(decimal(1_500_000, 1_000_000), "1.5");
        assert_eq!(decimal(2_000_000, 1_000_000), "2");
        assert_eq!(decimal(200_000, 1_000), "200");
        assert_eq!(decimal(2_500, 1_000), "2.5");
        assert_eq!(decimal(50_000, 1_000_000), "0.05");
        assert_eq!(decimal(7, 1), "7");
    }

    #[test]
    fn large_ticks_are_written_short_and_small_axes_reach_a_whole_unit() {
        assert_eq!(tick_label(300_000, 1), "300k");
        assert_eq!(tick_label(1_500_000_000, 1_000), "1.5M");
        assert_eq!(tick_label(9_999, 1), "9999");
        assert_eq!(tick_label(500, 1_000), "0.5");
        assert_eq!(
            ticks_to(least_top(Unit::PerMinute), 4).0,
            vec![0, 500, 1_000]
        );
        assert_eq!(ticks_to(least_top(Unit::Duration), 4).1, MS);
    }

    #[test]
    fn moments_in_sentences_have_about_three_figures() {
        assert_eq!(about(330_997_901), "331 s");
        assert_eq!(about(6_000_000), "6 s");
        assert_eq!(about(12_345_678), "12.3 s");
        assert_eq!(about(1_234_567), "1.23 s");
        assert_eq!(about(450_400), "450 ms");
        assert_eq!(about(0), "0 s");
        assert_eq!(about(300), "300 µs");
    }

    #[test]
    fn log_positions_and_ticks() {
        assert!((log_position(100, 10, 1000) - 0.5).abs() < 1e-9);
        assert_eq!(log_position(5, 10, 10), 0.5);
        assert_eq!(
            log_ticks(60 * MS, 1_500 * MS, 6),
            vec![100 * MS, 200 * MS, 500 * MS, 1_000 * MS]
        );
        // Too many round values: every power of ten only.
        assert_eq!(log_ticks(1, 1_000_000, 4), vec![1, 100, 10_000, 1_000_000]);
        assert_eq!(
            log_ticks(1, 1_000_000, 8),
            vec![1, 10, 100, 1_000, 10_000, 100_000, 1_000_000]
        );
        // No round value inside: the ends.
        assert_eq!(log_ticks(120 * MS, 180 * MS, 5), vec![120 * MS, 180 * MS]);
    }

    #[test]
    fn a_ladder_spreads_round_values_around_the_current_one() {
        let l = ladder(300 * MS, MS, 60 * MICROS_PER_SEC, 8);
        assert_eq!(
            l,
            [60, 100, 150, 300, 400, 600, 1_000, 1_500].map(|v| v * MS)
        );
        // Within the setting's range, sorted and with the current value, whatever it is.
        for (current, min, max) in [
            (300 * MS, 250 * MS, 400 * MS),
            (5 * MS, MS, 60 * MICROS_PER_SEC),
            (60 * MICROS_PER_SEC, MS, 60 * MICROS_PER_SEC),
            (333 * MS, MS, 10 * MICROS_PER_SEC),
            (1, 1, 100),
        ] {
            let l = ladder(current, min, max, 8);
            assert!(l.contains(&current), "{l:?} lacks {current}");
            assert!(
                l.iter().all(|v| (min..=max).contains(v)),
                "{l:?} outside {min}..{max}"
            );
            assert!(l.windows(2).all(|w| w[0] < w[1]), "{l:?} not sorted");
            assert!(l.len() <= 8);
        }
        // A setting with a single value leaves nothing to sweep.
        assert_eq!(ladder(300 * MS, 300 * MS, 300 * MS, 8), vec![300 * MS]);
        // A current value outside the range is taken at the range's edge.
        assert_eq!(ladder(0, MS, 10 * MS, 8).first(), Some(&MS));
    }

    #[test]
    fn thinning_keeps_spikes_and_the_ends() {
        let mut points: Vec<(Micros, Option<i64>)> = (0..10_000).map(|t| (t, Some(1))).collect();
        points[5_000].1 = Some(50);
        let thinned = thin(&points, 10_000, 100);
        assert!(thinned.len() < 1_000, "{} points", thinned.len());
        assert!(thinned.contains(&(5_000, Some(50))));
        assert_eq!(thinned.first(), points.first());
        assert_eq!(thinned.last(), points.last());
        assert!(thinned.windows(2).all(|w| w[0].0 <= w[1].0));
        // Few points are left alone.
        assert_eq!(thin(&points[..10], 10, 100), points[..10].to_vec());
    }
}
