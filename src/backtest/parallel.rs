//! A small work pool for independent backtests: `par_map` runs a function over a slice on up to
//! `jobs` scoped threads that pull the next index from a shared counter, and returns the results
//! in input order (so the output never depends on the thread count or on scheduling).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// The number of cores, or 1 when the platform cannot tell.
pub fn available_jobs() -> usize {
    std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
}

/// `items.iter().map(f)` on up to `jobs` threads (at least 1, at most `items.len()`), results in
/// the order of `items`. With one job it runs on the calling thread.
pub fn par_map<T: Sync, R: Send>(items: &[T], jobs: usize, f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let jobs = jobs.clamp(1, items.len().max(1));
    if jobs == 1 {
        return items.iter().map(f).collect();
    }
    let next = AtomicUsize::new(0);
    let slots: Vec<Mutex<Option<R>>> = items.iter().map(|_| Mutex::new(None)).collect();
    std::thread::scope(|scope| {
        for _ in 0..jobs {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(item) = items.get(i) else { break };
                let r = f(item);
                if let Ok(mut slot) = slots[i].lock() {
                    *slot = Some(r);
                }
            });
        }
    });
    // Every index below items.len() was taken by exactly one thread, which stored its result; a
    // panic in `f` propagates out of `scope` above, so no slot is left empty here.
    slots.into_iter().filter_map(|m| m.into_inner().ok().flatten()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_input_order_with_many_jobs() {
        let items: Vec<u64> = (0..100).collect();
        // Uneven work so threads finish out of order.
        let out = par_map(&items, 4, |&x| {
            if x % 7 == 0 {
                std::thread::sleep(std::time::Duration::from_millis(1));
            }
            x * x
        });
        assert_eq!(out.len(), 100);
        assert_eq!(out[0], 0);
        assert_eq!(out[9], 81);
        assert_eq!(out[99], 9801);
        assert_eq!(out, par_map(&items, 1, |&x| x * x));
    }

    #[test]
    fn empty_and_oversubscribed() {
        let none: Vec<u8> = Vec::new();
        assert!(par_map(&none, 8, |&x| x).is_empty());
        assert_eq!(par_map(&[3u8], 8, |&x| x + 1), vec![4]);
        assert!(available_jobs() >= 1);
    }
}
