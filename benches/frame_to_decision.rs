//! In-process latency from a received WebSocket text frame to the engine's decision.
//!
//! Every frame goes through the live path's steps: the public decoder (topic routing, typed
//! parse), the order book update (the stream layer keeps its own book and forwards the update),
//! then the engine (candle aggregation, indicators, analysis, the five modes, risk and the order
//! manager) with the in-process simulated venue answering its orders, so positions, stops and
//! fills are live state as in a real run. The channel hop between the stream task and the engine
//! thread is not included (the issue measures parse, book/candle update, indicators, strategy,
//! risk).
//!
//! What is timed ("decision"): decode, the stream layer's book, and the engine's handling of
//! the market event up to the actions it emits. What is not: the simulated venue's work — its
//! matching of the event against resting orders before the engine sees it, and executing the
//! engine's actions afterwards with the engine taking the fills and acks. That is the
//! exchange's side: in a live run it happens at Bybit and its reports arrive later as
//! private-stream frames of their own. The clock is paused around those steps (the clock
//! readings' own cost is measured and subtracted). For comparison the report also gives the
//! frame timed whole, venue included ("+venue"), and the criterion `mixed_frames` mean is of
//! the whole frame too. On a busy machine, "wall-min3" is the least decision time of each frame
//! over three identical passes: the frame's own cost, with most of the load's noise removed.
//!
//! The frames are the Bybit V5 wire format (as in `../shared/reference/bybit-v5-examples/`)
//! rendered from the demo market generator: per minute and symbol, order-book deltas, public
//! trades, liquidations, a ticker snapshot and the confirmed 1-minute kline. The criterion run
//! measures the mean per frame; the printed report gives p50/p99/p99.9 per frame kind, measured
//! one frame at a time. Target: p99 under 10 µs.
//!
//! The kline line is split in two: "Kline-bar" are the frames whose candle completes a bar of
//! the strategy timeframe (1 in 15 one-minute klines for 15-minute bars), the only ones that run
//! indicators, analysis, the modes, risk and the order manager; "Kline-other" are the rest
//! (decode and aggregation). The kline p99 sits inside the bar frames' distribution, so that
//! line says what the target hinges on.
//!
//! Between frames (untimed) the receiver does what the live engine thread does when it has
//! nothing to read: near a bar's end it rehearses the bar close on a scratch copy of the engine
//! (`autobot::engine::Rehearsal`), so the real close finds its code and state in the caches.
//! The rehearsals run on event time, at most one per 50 ms, so in this market the last one
//! comes three frames before the first closing kline (a book update and the two tickers, all
//! stamped 1 ms before the bar's end), about as far ahead as in a live run. "cold-min3" gives
//! the bar-closing klines without rehearsals; `F2D_NO_REHEARSAL=1` turns them off everywhere. `F2D_REPORT_ONLY=1` prints the report without the
//! criterion runs (quicker, and a clean loop for `perf record`). `F2D_SLOW=N` also lists the N
//! slowest bar-closing frames (least of the passes) with the actions each decision emitted.
//! `F2D_PASS=1` runs one untimed pass (for valgrind: `--tool=callgrind --cache-sim=yes`);
//! `F2D_PASS=2` first notes which bar-closing frames act, then runs them through `acting_bar`,
//! the other bar frames through `quiet_bar` and the rest through `other_frame`, so
//! `--toggle-collect='*acting_bar*'` profiles only the decisions that place, amend or refuse
//! orders. `F2D_MINUTES=N` shortens the measured market for those passes.

#[path = "frame_to_decision/wire.rs"]
mod wire;

use autobot::config::Config;
use autobot::data::generator::demo_instruments;
use autobot::domain::{Action, Event, Interval, Money, OrderBook, Symbol};
use autobot::engine::{Engine, Rehearsal};
use autobot::exchange::bybit::{PublicDecoder, PublicEvent};
use autobot::exchange::sim::SimExchange;
use autobot::runtime::pipeline::{NoSink, Pipeline};
use autobot::runtime::{engine_config, sim_config};
use criterion::{criterion_group, Criterion, Throughput};
use std::alloc::{GlobalAlloc, Layout, System};
use std::collections::HashMap;
use std::fmt::Write as _;
use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;
use wire::{closes_bar, market, Kind, KINDS};

/// The system allocator, counting allocations (and reallocations) so the report can say how
/// many the decisions make (`F2D_ALLOC=1`). Counting is one relaxed atomic add per call.
struct Counting;

static ALLOCS: AtomicU64 = AtomicU64::new(0);

// SAFETY: every call is passed on to the system allocator unchanged.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Percentile lines for the kline frames that close a strategy bar and for those that do not.
fn print_kline_split(clock: &str, measured: &[(Kind, String)], ns: &[u64]) {
    let bar_ms = Config::default().strategy.trend.timeframe.duration_ms().unwrap_or(60_000);
    let mut bar = Vec::new();
    let mut other = Vec::new();
    for ((k, f), &t) in measured.iter().zip(ns) {
        if *k == Kind::Kline {
            if closes_bar(*k, f, bar_ms) {
                bar.push(t);
            } else {
                other.push(t);
            }
        }
    }
    print_percentiles(clock, "Kline-bar", &mut bar);
    print_percentiles(clock, "Kline-other", &mut other);
}

/// The receiving side: the decoder and the stream layer's books, then the engine and venue.
struct Receiver {
    decoder: PublicDecoder,
    books: HashMap<Symbol, OrderBook>,
    pipeline: Pipeline,
    /// When set, what each decision asked for (`F2D_SLOW`), appended outside the timed spans.
    trace: Option<String>,
    /// The live runtime's pre-close rehearsals, run between frames (`idle`) as the engine
    /// thread runs them while it waits for input; `F2D_NO_REHEARSAL=1` turns them off.
    rehearsal: Option<Rehearsal>,
    /// Wall time the rehearsals took, in total.
    rehearsal_ns: u64,
}

impl Receiver {
    fn new() -> Self {
        let config = Config::default();
        let instruments = demo_instruments();
        let venue = SimExchange::new(sim_config(&config), &instruments, Money::from_int(100_000));
        let mut pipeline = Pipeline::new(Engine::new(engine_config(&config, Interval::M1)), venue);
        pipeline.engine.set_history_len(0);
        for i in &instruments {
            pipeline.inform(&Event::Instrument(*i), &mut NoSink);
        }
        let balance = pipeline.venue.balance();
        pipeline.inform(&Event::Balance(balance), &mut NoSink);
        let books = instruments.iter().map(|i| (i.symbol, OrderBook::new(i.symbol))).collect();
        let rehearsal = std::env::var("F2D_NO_REHEARSAL").is_err().then(Rehearsal::new);
        Receiver { decoder: PublicDecoder::new(), books, pipeline, trace: None, rehearsal, rehearsal_ns: 0 }
    }

    /// Between two frames (untimed): what the engine thread does when it has nothing to read.
    fn idle(&mut self) {
        if let Some(r) = &mut self.rehearsal {
            let now = self.pipeline.engine.now_ms();
            let t = Instant::now();
            if r.on_idle(&mut self.pipeline.engine, now) {
                self.rehearsal_ns += t.elapsed().as_nanos() as u64;
            }
        }
    }

    /// One text frame all the way to the engine's decision and the venue's answers; returns
    /// the events delivered.
    #[inline]
    fn on_frame(&mut self, text: &str) -> usize {
        self.on_frame_timed(text, &mut Untimed).0
    }

    /// Like `on_frame`; also returns the time `clock` measured with the venue's steps left out.
    #[inline]
    fn on_frame_timed<C: Clock>(&mut self, text: &str, clock: &mut C) -> (usize, u64) {
        let mut spent = 0;
        let mut t = clock.now();
        let Ok(ev) = self.decoder.decode(text) else { return (0, clock.now() - t) };
        let n = match ev {
            PublicEvent::Trades(ts) => {
                let n = ts.len();
                for tr in ts {
                    deliver(&mut self.pipeline, &mut self.trace, clock, &Event::Trade(*tr), &mut t, &mut spent);
                }
                n
            }
            PublicEvent::Book(up) => {
                let up = up.clone();
                let Some(book) = self.books.get_mut(&up.symbol) else { return (0, clock.now() - t) };
                if book.apply(&up).is_err() {
                    return (0, clock.now() - t);
                }
                deliver(&mut self.pipeline, &mut self.trace, clock, &Event::Book(up), &mut t, &mut spent);
                1
            }
            PublicEvent::Candles(cs) => {
                for c in cs {
                    deliver(&mut self.pipeline, &mut self.trace, clock, &Event::Candle(*c), &mut t, &mut spent);
                }
                cs.len()
            }
            PublicEvent::Ticker(tk) => {
                deliver(&mut self.pipeline, &mut self.trace, clock, &Event::Ticker(tk), &mut t, &mut spent);
                1
            }
            PublicEvent::Liquidations(ls) => {
                for l in &ls {
                    deliver(&mut self.pipeline, &mut self.trace, clock, &Event::Liquidation(*l), &mut t, &mut spent);
                }
                ls.len()
            }
            PublicEvent::Control(_) => 0,
        };
        spent += clock.now() - t;
        (n, spent)
    }
}

/// One event through the pipeline: the clock runs from `t` to the venue's first step, and
/// again for the engine's decision; `t` restarts after the venue's answers.
#[inline]
fn deliver<C: Clock>(
    pipeline: &mut Pipeline,
    trace: &mut Option<String>,
    clock: &mut C,
    event: &Event,
    t: &mut u64,
    spent: &mut u64,
) {
    *spent += clock.now() - *t;
    pipeline.venue_first(event, &mut NoSink);
    let allocs = ALLOCS.load(Ordering::Relaxed);
    let start = clock.now();
    black_box(pipeline.decide(event, &mut NoSink));
    *spent += clock.now() - start;
    DECISION_ALLOCS.fetch_add(ALLOCS.load(Ordering::Relaxed) - allocs, Ordering::Relaxed);
    DECISION_ACTIONS.fetch_add(pipeline.waiting().len() as u64, Ordering::Relaxed);
    if let Some(trace) = trace {
        for a in pipeline.waiting() {
            let _ = write!(trace, "{} ", action_word(a));
        }
    }
    pipeline.settle(&mut NoSink);
    *t = clock.now();
}

/// Allocations made inside the engine's decisions (read around each `decide`).
static DECISION_ALLOCS: AtomicU64 = AtomicU64::new(0);
/// Actions the engine's decisions emitted.
static DECISION_ACTIONS: AtomicU64 = AtomicU64::new(0);

/// A short name of an action, for the `F2D_SLOW` listing.
fn action_word(a: &Action) -> String {
    match a {
        Action::PlaceOrder(r) => format!("place({})", r.client_order_id),
        Action::AmendOrder { .. } => "amend".into(),
        Action::CancelOrder { .. } => "cancel".into(),
        Action::CancelAll { .. } => "cancel_all".into(),
        Action::RecordOrder(_) => "rec_order".into(),
        Action::RecordSignal(r) => format!("signal({}/{})", r.mode, r.action),
        Action::RecordModeSwitch(_) => "switch".into(),
        Action::Alert(a) => format!("alert({}: {})", a.kind, a.message),
    }
}

/// A clock in nanoseconds.
trait Clock {
    fn now(&mut self) -> u64;
}

/// No clock (the criterion loop and the warm-up).
struct Untimed;

impl Clock for Untimed {
    #[inline]
    fn now(&mut self) -> u64 {
        0
    }
}

/// Wall time since the clock was made.
struct Wall(Instant);

impl Clock for Wall {
    #[inline]
    fn now(&mut self) -> u64 {
        self.0.elapsed().as_nanos() as u64
    }
}

/// CPU time of this thread.
struct ThreadCpu;

impl Clock for ThreadCpu {
    #[inline]
    fn now(&mut self) -> u64 {
        thread_cpu_ns()
    }
}

fn bench(c: &mut Criterion) {
    // Warm-up market (indicators and analysis need history) and the measured market.
    let (mut warm, mut measured) = market(7, 3_000, 6_000);
    if std::env::var("F2D_KONLY").is_ok() {
        warm.retain(|(k, _)| *k == Kind::Kline || *k == Kind::Ticker);
        measured.retain(|(k, _)| *k == Kind::Kline || *k == Kind::Ticker);
    }
    if std::env::var("F2D_PEEK").is_ok() {
        for (k, f) in measured.iter().filter(|(k, _)| *k == Kind::Book).take(2) {
            println!("{k:?} {f}");
        }
    }
    let mut rx = Receiver::new();
    for (_, f) in &warm {
        rx.on_frame(f);
        rx.idle();
    }
    let delivered: usize = measured.iter().take(2_000).map(|(_, f)| Receiver::new().on_frame(f)).sum();
    assert!(delivered > 0, "the frames must decode into engine events");

    if let Ok(n) = std::env::var("F2D_PASS") {
        // Untimed passes over the measured market (a clean loop for valgrind's simulators):
        // with F2D_PASS=2 a first pass notes which bar-closing frames act, and the second goes
        // through `acting_bar`, `quiet_bar` or `other_frame` so their costs show apart.
        let minutes: usize = std::env::var("F2D_MINUTES").ok().and_then(|v| v.parse().ok()).unwrap_or(6_000);
        let measured = &measured[..measured.len() * minutes.min(6_000) / 6_000];
        let bar_ms = Config::default().strategy.trend.timeframe.duration_ms().unwrap_or(60_000);
        let mut acting = vec![false; measured.len()];
        if n == "2" {
            for (i, (k, f)) in measured.iter().enumerate() {
                let before = DECISION_ACTIONS.load(Ordering::Relaxed);
                rx.on_frame(f);
                rx.idle();
                acting[i] = closes_bar(*k, f, bar_ms) && DECISION_ACTIONS.load(Ordering::Relaxed) > before;
            }
            rx = Receiver::new();
            for (_, f) in &warm {
                rx.on_frame(f);
                rx.idle();
            }
        }
        let mut events = 0;
        for (i, (k, f)) in measured.iter().enumerate() {
            events += if acting[i] {
                acting_bar(&mut rx, f)
            } else if closes_bar(*k, f, bar_ms) {
                quiet_bar(&mut rx, f)
            } else {
                other_frame(&mut rx, f)
            };
            rx.idle();
        }
        let n_acting = acting.iter().filter(|a| **a).count();
        println!("frame_to_decision: {} frames, {n_acting} acting bar frames, {events} events", measured.len());
        return;
    }
    if std::env::var("F2D_REPORT_ONLY").is_ok() {
        latency_report(&warm, &measured);
        return;
    }
    let mut g = c.benchmark_group("frame_to_decision");
    g.throughput(Throughput::Elements(1));
    let mut i = 0usize;
    g.bench_function("mixed_frames", |b| {
        b.iter(|| {
            let (_, f) = &measured[i % measured.len()];
            i += 1;
            black_box(rx.on_frame(black_box(f)))
        })
    });
    // Where a book frame's time goes: decode alone, decode + the stream layer's book.
    let books: Vec<&String> = measured.iter().filter(|(k, _)| *k == Kind::Book).map(|(_, f)| f).collect();
    let mut dec = PublicDecoder::new();
    let mut j = 0usize;
    g.bench_function("book_decode_only", |b| {
        b.iter(|| {
            let f = books[j % books.len()];
            j += 1;
            black_box(matches!(dec.decode(black_box(f)), Ok(PublicEvent::Book(_))))
        })
    });
    g.finish();
    latency_report(&warm, &measured);
}

// Three bodies that differ (`black_box` of their own number), so the compiler cannot fold them
// into one function and the profiles keep them apart.
#[inline(never)]
fn acting_bar(rx: &mut Receiver, f: &str) -> usize {
    rx.on_frame(black_box(f)) + black_box(0)
}

#[inline(never)]
fn quiet_bar(rx: &mut Receiver, f: &str) -> usize {
    rx.on_frame(black_box(f)) + black_box(0) * 2
}

#[inline(never)]
fn other_frame(rx: &mut Receiver, f: &str) -> usize {
    rx.on_frame(black_box(f)) + black_box(0) * 3
}

/// CPU time of this thread: unlike wall time, it does not count the time a busy machine gave
/// to other processes, so the percentiles stay meaningful while other work runs.
fn thread_cpu_ns() -> u64 {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: clock_gettime writes into the timespec we pass.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

fn print_percentiles(clock: &str, name: &str, v: &mut [u64]) {
    if v.is_empty() {
        return;
    }
    v.sort_unstable();
    let n = v.len();
    let pct = |p: f64| v[((n as f64 * p) as usize).min(n - 1)];
    println!(
        "frame_to_decision {clock:<10} {name:<12} n={n:>7} p50 {:>6} ns  p99 {:>6} ns  p99.9 {:>7} ns  max {:>8} ns",
        pct(0.50),
        pct(0.99),
        pct(0.999),
        v[n - 1]
    );
}

/// Median cost of one reading pair of `clock` (subtracted from every timed span).
fn pair_overhead<C: Clock>(clock: &mut C) -> u64 {
    let mut o: Vec<u64> = (0..10_000)
        .map(|_| {
            let t = clock.now();
            clock.now() - t
        })
        .collect();
    o.sort_unstable();
    o[o.len() / 2]
}

/// Timed spans of a frame that delivered `delivered` events: up to each event's venue step,
/// each decision, and from the last venue step to the end.
fn spans(delivered: usize) -> u64 {
    1 + 2 * delivered as u64
}

/// Each frame timed on its own, per kind, on a fresh receiver warmed up the same way: by the
/// wall clock and by the thread's CPU clock up to the decision, and by the wall clock whole,
/// venue included.
fn latency_report(warm: &[(Kind, String)], measured: &[(Kind, String)]) {
    for clock in ["wall", "cpu", "wall+venue"] {
        let mut rx = Receiver::new();
        for (_, f) in warm {
            rx.on_frame(f);
            rx.idle();
        }
        let (warm_runs, warm_ns) = (rx.rehearsal.as_ref().map_or(0, Rehearsal::runs), rx.rehearsal_ns);
        let mut wall = Wall(Instant::now());
        let mut cpu = ThreadCpu;
        let overhead = if clock == "cpu" { pair_overhead(&mut cpu) } else { pair_overhead(&mut wall) };
        let mut per_kind: HashMap<Kind, Vec<u64>> = HashMap::new();
        let mut all = Vec::with_capacity(measured.len());
        for (kind, f) in measured {
            let ns = match clock {
                "wall" => {
                    let (n, ns) = rx.on_frame_timed(black_box(f), &mut wall);
                    ns.saturating_sub(overhead * spans(n))
                }
                "cpu" => {
                    let (n, ns) = rx.on_frame_timed(black_box(f), &mut cpu);
                    ns.saturating_sub(overhead * spans(n))
                }
                _ => {
                    let t = Instant::now();
                    black_box(rx.on_frame(black_box(f)));
                    (t.elapsed().as_nanos() as u64).saturating_sub(overhead)
                }
            };
            rx.idle();
            per_kind.entry(*kind).or_default().push(ns);
            all.push(ns);
        }
        for k in KINDS {
            if let Some(v) = per_kind.get_mut(&k) {
                print_percentiles(clock, &format!("{k:?}"), v);
            }
        }
        print_kline_split(clock, measured, &all);
        print_percentiles(clock, "all", &mut all);
        println!("frame_to_decision: {clock} clock overhead {overhead} ns per reading pair (subtracted per span)");
        if let (Some(r), "wall") = (&rx.rehearsal, clock) {
            let n = r.runs().saturating_sub(warm_runs);
            println!(
                "frame_to_decision: {n} pre-close rehearsals between frames (untimed, as the engine thread runs them when idle), mean {:.1} µs each",
                rx.rehearsal_ns.saturating_sub(warm_ns) as f64 / n.max(1) as f64 / 1e3
            );
        }
        if clock == "cpu" {
            let trades = rx.pipeline.engine.closed_trades().len();
            println!("frame_to_decision: {} frames, {trades} closed trades during the measured market", measured.len());
        }
    }
    min_of_passes(warm, measured, 3);
    cold_bar_closes(warm, measured, 3);
    for k in KINDS {
        let sizes: Vec<usize> = measured.iter().filter(|(kk, _)| *kk == k).map(|(_, f)| f.len()).collect();
        if !sizes.is_empty() {
            let levels: usize = measured.iter().filter(|(kk, _)| *kk == k).map(|(_, f)| f.matches("[\"").count()).sum();
            println!(
                "frame_to_decision {k:?}: mean frame {} bytes, mean {:.1} price levels",
                sizes.iter().sum::<usize>() / sizes.len(),
                levels as f64 / sizes.len() as f64
            );
        }
    }
}

/// The bar-closing klines without the pre-close rehearsals ("cold-min3"): the decision as it
/// runs when the frames since the last bar close have pushed its code and state out of the
/// caches; the difference from the "wall-min3" line is what the rehearsals save.
fn cold_bar_closes(warm: &[(Kind, String)], measured: &[(Kind, String)], passes: usize) {
    let mut best = vec![u64::MAX; measured.len()];
    for _ in 0..passes {
        let mut rx = Receiver::new();
        rx.rehearsal = None;
        for (_, f) in warm {
            rx.on_frame(f);
        }
        let mut wall = Wall(Instant::now());
        let overhead = pair_overhead(&mut wall);
        for ((_, f), b) in measured.iter().zip(best.iter_mut()) {
            let (n, ns) = rx.on_frame_timed(black_box(f), &mut wall);
            *b = (*b).min(ns.saturating_sub(overhead * spans(n)));
        }
    }
    print_kline_split(&format!("cold-min{passes}"), measured, &best);
}

/// The decision time of each frame as the least of `passes` identical runs (fresh receivers
/// warmed up the same way go through the same states): a frame's own cost with most of what a
/// busy machine adds (preemption, interrupts, another process's cache traffic) filtered out,
/// since that rarely strikes the same frame in every pass.
fn min_of_passes(warm: &[(Kind, String)], measured: &[(Kind, String)], passes: usize) {
    let mut best = vec![u64::MAX; measured.len()];
    let slow = std::env::var("F2D_SLOW").ok().and_then(|v| v.parse::<usize>().ok());
    let mut notes = vec![String::new(); if slow.is_some() { measured.len() } else { 0 }];
    // Allocations and actions of each frame's decisions in the last pass.
    let mut allocs = vec![0u64; measured.len()];
    let mut acts = vec![0u64; measured.len()];
    for pass in 0..passes {
        let mut rx = Receiver::new();
        for (_, f) in warm {
            rx.on_frame(f);
            rx.idle();
        }
        let mut wall = Wall(Instant::now());
        let overhead = pair_overhead(&mut wall);
        let tracing = slow.is_some() && pass + 1 == passes;
        for (i, ((_, f), b)) in measured.iter().zip(best.iter_mut()).enumerate() {
            if tracing {
                rx.trace = Some(std::mem::take(&mut notes[i]));
            }
            let (a0, x0) = (DECISION_ALLOCS.load(Ordering::Relaxed), DECISION_ACTIONS.load(Ordering::Relaxed));
            let (n, ns) = rx.on_frame_timed(black_box(f), &mut wall);
            *b = (*b).min(ns.saturating_sub(overhead * spans(n)));
            rx.idle();
            allocs[i] = DECISION_ALLOCS.load(Ordering::Relaxed) - a0;
            acts[i] = DECISION_ACTIONS.load(Ordering::Relaxed) - x0;
            if let Some(t) = rx.trace.take() {
                notes[i] = t;
            }
        }
    }
    if let Some(k) = slow {
        // The slowest bar-closing frames and what their decisions asked for.
        let bar_ms = Config::default().strategy.trend.timeframe.duration_ms().unwrap_or(60_000);
        let mut bars: Vec<usize> =
            (0..measured.len()).filter(|&i| closes_bar(measured[i].0, &measured[i].1, bar_ms)).collect();
        bars.sort_by_key(|&i| std::cmp::Reverse(best[i]));
        for &i in bars.iter().take(k) {
            println!("slow bar frame #{i}: {} ns: {}", best[i], notes[i]);
        }
        let with: Vec<u64> = bars.iter().filter(|&&i| !notes[i].is_empty()).map(|&i| best[i]).collect();
        println!("bar frames with actions: {} of {}", with.len(), bars.len());
    }
    // Allocations inside the decisions: on bar-closing frames that emitted actions (orders,
    // records, alerts), on the other bar-closing frames, and on every other frame.
    let bar_ms = Config::default().strategy.trend.timeframe.duration_ms().unwrap_or(60_000);
    let (mut acting, mut quiet, mut rest) = ((0u64, 0u64, 0u64), (0u64, 0u64), (0u64, 0u64));
    for (i, (k, f)) in measured.iter().enumerate() {
        if closes_bar(*k, f, bar_ms) {
            if acts[i] > 0 {
                acting = (acting.0 + allocs[i], acting.1 + 1, acting.2.max(allocs[i]));
            } else {
                quiet = (quiet.0 + allocs[i], quiet.1 + 1);
            }
        } else {
            rest = (rest.0 + allocs[i], rest.1 + 1);
        }
    }
    let per = |a: u64, n: u64| if n == 0 { 0.0 } else { a as f64 / n as f64 };
    println!(
        "frame_to_decision allocations per decision: acting bar frames {:.2} (max {}, n={}), quiet bar frames {:.2}, other frames {:.4}",
        per(acting.0, acting.1),
        acting.2,
        acting.1,
        per(quiet.0, quiet.1),
        per(rest.0, rest.1)
    );
    let clock = format!("wall-min{passes}");
    for k in KINDS {
        let mut v: Vec<u64> = measured.iter().zip(&best).filter(|((kk, _), _)| *kk == k).map(|(_, b)| *b).collect();
        print_percentiles(&clock, &format!("{k:?}"), &mut v);
    }
    print_kline_split(&clock, measured, &best);
    print_percentiles(&clock, "all", &mut best);
}

criterion_group!(benches, bench);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
}
