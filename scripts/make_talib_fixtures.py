#!/usr/bin/env python3
"""Reference fixtures for the indicator tests, computed with TA-Lib (PyPI `ta-lib`).

    pip install ta-lib numpy pandas
    python3 scripts/make_talib_fixtures.py            # writes tests/fixtures/talib_*.csv
    python3 scripts/make_talib_fixtures.py --full     # every candle file in ../shared/data, whole,
                                                      # into target/talib-fixtures/ (not committed)
    python3 scripts/make_talib_fixtures.py --bench    # times TA-Lib on 1,000,000 candles

Fixtures:
  talib_generated_input.csv     a deterministic generated series (flat stretches, zero volume,
                                price jumps, time gaps across UTC midnight) -- made here
  talib_generated_expected.csv  ts_ms + the analyze columns for it
  talib_<file>_<first>_<n>_expected.csv
                                ts_ms + the analyze columns for rows [first, first+n) of a real
                                candle file in ../shared/data; only derived numbers are stored,
                                the Rust test reads the candles from ../shared/data itself.

Column definitions (the table in issue 5):
  sma_20, ema_20, wma_20, rsi_14, macd/macd_signal/macd_hist (12/26/9), atr_14, adx_14,
  plus_di_14, minus_di_14, bb_upper/middle/lower (20, 2, 2, SMA), stddev_20, obv, mfi_14:
  TA-Lib functions with default (zero) unstable periods.
  stochrsi_k/d: charting-tool definition, not TA-Lib's STOCHRSI: stoch = 100*(rsi - min14(rsi)) /
  (max14(rsi) - min14(rsi)) on talib.RSI(14), undefined when the range is <= 1e-9; K = SMA3(stoch),
  D = SMA3(K), undefined when any input in the window is.
  hma_20: WMA(2*WMA(c,10) - WMA(c,20), 4) with talib.WMA.
  chop_14: TR = talib.TRANGE (none on the first bar); 100*log10(sum14(TR) / (max14(high) -
  min14(low))) / log10(14) over the same 14 bars; undefined when the range is 0.
  vwap: cumulative typical-price*volume / cumulative volume since 00:00 UTC of the bar; undefined
  while the day's volume is 0.
"""
import argparse
import math
import os
import sys
import time

import numpy as np
import pandas as pd
import talib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURES = os.path.join(ROOT, "tests", "fixtures")
DATA = os.path.join(ROOT, "..", "shared", "data")
DAY_MS = 86_400_000
STOCH_RSI_MIN_RANGE = 1e-9

COLUMNS = [
    "sma_20", "ema_20", "wma_20", "rsi_14", "macd", "macd_signal", "macd_hist", "atr_14",
    "adx_14", "plus_di_14", "minus_di_14", "bb_upper", "bb_middle", "bb_lower", "stddev_20",
    "obv", "mfi_14", "stochrsi_k", "stochrsi_d", "hma_20", "chop_14", "vwap",
]

# Slices of real data: (file, first row, row count).
REAL_SLICES = [
    ("ftx_BTC-PERP_1m.csv", 0, 3000),  # five flat bars with volume
    ("binance_BTCUSDT_1h.csv", 28200, 2500),  # two flat zero-volume bars (2020-12-21, 2021-02-11)
    ("binance_BTCUSDT_1h.csv", 3900, 1500),  # the Feb-2018 outage gap and 43 off-grid bars
]


def talib_columns(ts, o, h, l, c, v, only_talib=False):
    """Every analyze column as a dict of float64 arrays (NaN = empty)."""
    out = {}
    out["sma_20"] = talib.SMA(c, 20)
    out["ema_20"] = talib.EMA(c, 20)
    out["wma_20"] = talib.WMA(c, 20)
    rsi = talib.RSI(c, 14)
    out["rsi_14"] = rsi
    out["macd"], out["macd_signal"], out["macd_hist"] = talib.MACD(c, 12, 26, 9)
    out["atr_14"] = talib.ATR(h, l, c, 14)
    out["adx_14"] = talib.ADX(h, l, c, 14)
    out["plus_di_14"] = talib.PLUS_DI(h, l, c, 14)
    out["minus_di_14"] = talib.MINUS_DI(h, l, c, 14)
    out["bb_upper"], out["bb_middle"], out["bb_lower"] = talib.BBANDS(c, 20, 2.0, 2.0, 0)
    out["stddev_20"] = talib.STDDEV(c, 20, 1.0)
    out["obv"] = talib.OBV(c, v)
    out["mfi_14"] = talib.MFI(h, l, c, v, 14)
    if only_talib:
        return out

    r = pd.Series(rsi)
    hh, ll = r.rolling(14).max(), r.rolling(14).min()
    rng = (hh - ll).to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        stoch = np.where(rng > STOCH_RSI_MIN_RANGE, 100 * (rsi - ll.to_numpy()) / rng, np.nan)
    k = pd.Series(stoch).rolling(3).mean()
    out["stochrsi_k"] = k.to_numpy()
    out["stochrsi_d"] = k.rolling(3).mean().to_numpy()

    out["hma_20"] = talib.WMA(2 * talib.WMA(c, 10) - talib.WMA(c, 20), 4)

    tr = pd.Series(talib.TRANGE(h, l, c))
    tr_sum = tr.rolling(14).sum().to_numpy()
    hrange = (pd.Series(h).rolling(14).max() - pd.Series(l).rolling(14).min()).to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        chop = np.where(hrange > 0, 100 * np.log10(tr_sum / hrange) / math.log10(14), np.nan)
    out["chop_14"] = chop

    day = ts // DAY_MS
    tp = (h + l + c) / 3
    pv = pd.Series(tp * v).groupby(day).cumsum().to_numpy()
    cv = pd.Series(v).groupby(day).cumsum().to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        out["vwap"] = np.where(cv > 0, pv / cv, np.nan)
    return out


def fmt(x):
    return "" if not np.isfinite(x) else repr(float(x))


def write_expected(path, ts, cols):
    with open(path, "w") as f:
        f.write("ts_ms," + ",".join(COLUMNS) + "\n")
        for i in range(len(ts)):
            f.write(str(int(ts[i])) + "," + ",".join(fmt(cols[name][i]) for name in COLUMNS) + "\n")


def generated_series(n=2000):
    """Deterministic candles with the edge cases: an LCG, not numpy's RNG, so any machine
    regenerates the same file. Prices have 2 decimals, volumes 3, as text."""
    state = 20240521

    def rnd():
        nonlocal state
        state = (state * 6364136223846793005 + 1442695040888963407) % (1 << 64)
        return (state >> 11) / float(1 << 53)

    rows = []
    ts = 1_700_000_000_000 // DAY_MS * DAY_MS - 30 * 60_000  # 23:30 UTC: first day is short
    price = 100.0
    for i in range(n):
        if i > 0:
            ts += 60_000
            if i in (700, 1500):
                ts += 7 * 3_600_000 + 13 * 60_000  # gap of hours, crossing UTC midnight later
        flat = i < 40 or 400 <= i < 460 or 1200 <= i < 1230
        zero_volume = i < 25 or 430 <= i < 470 or 900 <= i < 905 or rnd() < 0.03
        if i in (300, 1000):
            price *= 1.12  # jump up
        if i in (600, 1700):
            price *= 0.9  # jump down
        if flat:
            o = hi = lo = cl = round(price, 2)
        else:
            o = round(price, 2)
            cl = round(max(price * (1 + (rnd() - 0.5) * 0.01), 1.0), 2)
            hi = round(max(o, cl) * (1 + rnd() * 0.003), 2)
            lo = round(min(o, cl) * (1 - rnd() * 0.003), 2)
            if rnd() < 0.05:
                hi, lo = max(o, cl), min(o, cl)  # no wicks
            price = cl
        vol = 0.0 if zero_volume else round(rnd() * 50 + 0.001, 3)
        rows.append((ts, "%.2f" % o, "%.2f" % hi, "%.2f" % lo, "%.2f" % cl, "%.3f" % vol))
    return rows


def arrays(rows):
    ts = np.array([int(r[0]) for r in rows], dtype=np.int64)
    o, h, l, c, v = (np.array([float(r[k]) for r in rows], dtype=np.float64) for k in range(1, 6))
    return ts, o, h, l, c, v


def make_fixtures():
    os.makedirs(FIXTURES, exist_ok=True)
    rows = generated_series()
    with open(os.path.join(FIXTURES, "talib_generated_input.csv"), "w") as f:
        f.write("ts_ms,open,high,low,close,volume\n")
        for r in rows:
            f.write(",".join(str(x) for x in r) + "\n")
    ts, o, h, l, c, v = arrays(rows)
    write_expected(os.path.join(FIXTURES, "talib_generated_expected.csv"), ts, talib_columns(ts, o, h, l, c, v))
    print("generated series:", len(rows), "rows")

    if not os.path.isdir(DATA):
        print("no ../shared/data: real-data fixtures skipped", file=sys.stderr)
        return
    for name, first, count in REAL_SLICES:
        with open(os.path.join(DATA, name)) as f:
            lines = f.read().splitlines()[1:]
        part = [ln.split(",") for ln in lines[first:first + count]]
        ts, o, h, l, c, v = arrays(part)
        out = os.path.join(FIXTURES, "talib_%s_%d_%d_expected.csv" % (name[:-4], first, count))
        write_expected(out, ts, talib_columns(ts, o, h, l, c, v))
        print(name, first, count, "->", os.path.relpath(out, ROOT))


def make_full():
    """Expected values for every whole candle file; too big to commit, used when present."""
    out_dir = os.path.join(ROOT, "target", "talib-fixtures")
    os.makedirs(out_dir, exist_ok=True)
    for name in sorted(os.listdir(DATA)):
        path = os.path.join(DATA, name)
        with open(path) as f:
            header = f.readline().strip()
            if header != "ts_ms,open,high,low,close,volume":
                continue
            part = [ln.split(",") for ln in f.read().splitlines()]
        ts, o, h, l, c, v = arrays(part)
        out = os.path.join(out_dir, "talib_%s_full_expected.csv" % name[:-4])
        write_expected(out, ts, talib_columns(ts, o, h, l, c, v))
        print(name, len(part), "rows ->", os.path.relpath(out, ROOT))


def bench(n=1_000_000, repeat=5):
    """Times TA-Lib's batch functions on n candles (a random walk), per candle."""
    rng = np.random.default_rng(7)
    c = 30000 * np.exp(np.cumsum(rng.normal(0, 0.001, n)))
    o = np.concatenate(([c[0]], c[:-1]))
    h = np.maximum(o, c) * (1 + rng.random(n) * 0.001)
    l = np.minimum(o, c) * (1 - rng.random(n) * 0.001)
    v = rng.random(n) * 10
    ts = (1_600_000_000_000 + np.arange(n) * 60_000).astype(np.int64)
    for label, only in (("TA-Lib functions only (14 columns)", True), ("all 22 columns (TA-Lib + pandas)", False)):
        best = float("inf")
        for _ in range(repeat):
            t0 = time.perf_counter()
            talib_columns(ts, o, h, l, c, v, only_talib=only)
            best = min(best, time.perf_counter() - t0)
        print("%s: %.3f s for %d candles = %.1f ns/candle" % (label, best, n, best / n * 1e9))
    t0 = time.perf_counter()
    cols = talib_columns(ts, o, h, l, c, v)
    t1 = time.perf_counter()
    path = os.path.join(ROOT, "target", "talib_bench.csv")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    frame = pd.DataFrame({"ts_ms": ts, **{k: cols[k] for k in COLUMNS}})
    frame.to_csv(path, index=False, float_format=None)
    t2 = time.perf_counter()
    print("compute + pandas to_csv of %d rows: %.2f s (%.2f + %.2f)" % (n, t2 - t0, t1 - t0, t2 - t1))


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bench", action="store_true", help="time TA-Lib on 1,000,000 candles instead")
    ap.add_argument("--full", action="store_true", help="whole real files into target/talib-fixtures/")
    args = ap.parse_args()
    if args.bench:
        bench()
    elif args.full:
        make_full()
    else:
        make_fixtures()
