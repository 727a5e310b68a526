//! Percentiles of measured durations, for the benchmarks and the cold-start tool.

use std::time::Duration;

/// The `q` quantile (0..=1) of `times`, sorting them in place (nearest rank, rounding down).
pub fn percentile(times: &mut [Duration], q: f64) -> Duration {
    times.sort();
    times[((times.len() as f64 * q) as usize).min(times.len() - 1)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_of_the_sorted_sample() {
        let mut t: Vec<Duration> = (1..=10).rev().map(Duration::from_millis).collect();
        assert_eq!(percentile(&mut t, 0.5), Duration::from_millis(6));
        assert_eq!(percentile(&mut t, 0.9), Duration::from_millis(10));
        assert_eq!(percentile(&mut t, 1.0), Duration::from_millis(10));
        assert_eq!(percentile(&mut t, 0.0), Duration::from_millis(1));
    }
}
