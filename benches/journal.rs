//! The session journal's codecs on the demo market's event mix (two symbols, six book updates a
//! minute, as `autobot --headless --speed max` records): encoding and decoding in format 1 (the
//! old layout) and format 2 (compact), per event, chunked at 64 KiB as the recorder does. The
//! bytes per event of both formats are printed first.
//!
//! Time is this thread's CPU time (`CLOCK_THREAD_CPUTIME_ID`), not wall time, so the figures stay
//! meaningful on a machine shared with other jobs.

use autobot::data::generator::{GeneratorConfig, MarketGenerator};
use autobot::domain::Event;
use autobot::runtime::journal::{codec, compact, CHUNK_BYTES};
use criterion::measurement::{Measurement, ValueFormatter};
use criterion::{criterion_group, Criterion, Throughput};
use std::hint::black_box;
use std::time::Duration;

/// CPU time of the calling thread, in nanoseconds.
fn thread_cpu_ns() -> f64 {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `ts` is a valid, writable timespec for the duration of the call.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    ts.tv_sec as f64 * 1e9 + ts.tv_nsec as f64
}

/// Criterion measurement: thread CPU time.
struct CpuTime;

impl Measurement for CpuTime {
    type Intermediate = f64;
    type Value = f64;
    fn start(&self) -> f64 {
        thread_cpu_ns()
    }
    fn end(&self, start: f64) -> f64 {
        thread_cpu_ns() - start
    }
    fn add(&self, a: &f64, b: &f64) -> f64 {
        a + b
    }
    fn zero(&self) -> f64 {
        0.0
    }
    fn to_f64(&self, v: &f64) -> f64 {
        *v
    }
    fn formatter(&self) -> &dyn ValueFormatter {
        &NsFormatter
    }
}

struct NsFormatter;

impl ValueFormatter for NsFormatter {
    fn scale_values(&self, typical: f64, values: &mut [f64]) -> &'static str {
        let (div, unit) = match typical {
            t if t < 1e3 => (1.0, "ns (cpu)"),
            t if t < 1e6 => (1e3, "µs (cpu)"),
            t if t < 1e9 => (1e6, "ms (cpu)"),
            _ => (1e9, "s (cpu)"),
        };
        values.iter_mut().for_each(|v| *v /= div);
        unit
    }
    fn scale_throughputs(&self, _typical: f64, throughput: &Throughput, values: &mut [f64]) -> &'static str {
        let n = match throughput {
            Throughput::Elements(n) | Throughput::Bytes(n) | Throughput::BytesDecimal(n) => *n as f64,
            _ => 1.0,
        };
        values.iter_mut().for_each(|v| *v = n * 1e9 / *v);
        "elem/s (cpu)"
    }
    fn scale_for_machines(&self, _values: &mut [f64]) -> &'static str {
        "ns"
    }
}

/// The instruments, then `minutes` generated minutes of both demo symbols.
fn demo_events(minutes: usize) -> Vec<Event> {
    let mut g = MarketGenerator::new(GeneratorConfig::default());
    let mut events: Vec<Event> = g.instruments().into_iter().map(Event::Instrument).collect();
    for _ in 0..minutes {
        g.next_minute(&mut events);
    }
    events
}

/// Format-1 chunks of `events`, cut at 64 KiB.
fn encode_v1(events: &[Event], chunks: &mut Vec<Vec<u8>>) {
    chunks.clear();
    let mut buf = Vec::with_capacity(CHUNK_BYTES + 1024);
    for e in events {
        codec::append_event(&mut buf, e);
        if buf.len() >= CHUNK_BYTES {
            chunks.push(std::mem::replace(&mut buf, Vec::with_capacity(CHUNK_BYTES + 1024)));
        }
    }
    chunks.push(buf);
}

/// Format-2 chunks of `events`, cut at 64 KiB as `SessionRecorder` cuts them.
fn encode_v2(events: &[Event], chunks: &mut Vec<Vec<u8>>) {
    chunks.clear();
    let mut enc = compact::Encoder::new();
    let mut buf = Vec::with_capacity(CHUNK_BYTES + 1024);
    enc.begin(&mut buf);
    for e in events {
        enc.append(&mut buf, e);
        if buf.len() >= CHUNK_BYTES {
            compact::Encoder::seal(&mut buf);
            chunks.push(std::mem::replace(&mut buf, Vec::with_capacity(CHUNK_BYTES + 1024)));
            enc.begin(&mut buf);
        }
    }
    compact::Encoder::seal(&mut buf);
    chunks.push(buf);
}

fn decode(chunks: &[Vec<u8>], v2: bool, out: &mut Vec<Event>) {
    out.clear();
    for c in chunks {
        let r = if v2 { compact::decode_chunk(c, out) } else { codec::decode_chunk(c, out) };
        r.expect("own chunk decodes");
    }
}

fn journal(c: &mut Criterion<CpuTime>) {
    let events = demo_events(1_000);
    let n = events.len() as u64;
    let (mut v1, mut v2) = (Vec::new(), Vec::new());
    encode_v1(&events, &mut v1);
    encode_v2(&events, &mut v2);
    let bytes = |chunks: &[Vec<u8>]| chunks.iter().map(Vec::len).sum::<usize>();
    let (b1, b2) = (bytes(&v1), bytes(&v2));
    eprintln!(
        "journal: {n} demo events (1,000 minutes x 2 symbols): format 1 {b1} bytes ({:.1}/event), \
         format 2 {b2} bytes ({:.1}/event), {:.2}x smaller",
        b1 as f64 / n as f64,
        b2 as f64 / n as f64,
        b1 as f64 / b2 as f64
    );
    let mut group = c.benchmark_group("journal");
    group.measurement_time(Duration::from_secs(4)).warm_up_time(Duration::from_secs(1)).sample_size(20);
    group.throughput(Throughput::Elements(n));
    let mut chunks = Vec::new();
    group.bench_function("encode_format_1", |b| b.iter(|| encode_v1(black_box(&events), &mut chunks)));
    group.bench_function("encode_format_2", |b| b.iter(|| encode_v2(black_box(&events), &mut chunks)));
    let mut out = Vec::with_capacity(events.len());
    group.bench_function("decode_format_1", |b| b.iter(|| decode(black_box(&v1), false, &mut out)));
    group.bench_function("decode_format_2", |b| b.iter(|| decode(black_box(&v2), true, &mut out)));
    group.finish();
}

fn cpu_criterion() -> Criterion<CpuTime> {
    Criterion::default().with_measurement(CpuTime)
}

criterion_group! {
    name = benches;
    config = cpu_criterion();
    targets = journal
}

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
}
