#!/usr/bin/env python3
"""Generate TA-Lib reference outputs for the candlestick-pattern tests.

Writes, under tests/fixtures/patterns/:
  * generated.csv  - a deterministic synthetic OHLCV series made by this script (flat candles, zero
                     volume, doji-heavy stretches, price jumps, trends and hand-placed pattern shapes)
                     together with TA-Lib's output for every pattern column;
  * <dataset>.expected.csv - for the real data files in ../shared/data, TA-Lib's outputs only
                     (never the market data itself), stored sparsely: only rows where some pattern
                     fires, as `row_step,col=value;col=value` (row_step = rows since the previous stored
                     row, the first counted from row -1; col = column index), plus the row count and
                     first/last ts_ms in comments so the test can check it reads the same file.

Usage: pip install ta-lib numpy pandas; python3 scripts/make_pattern_fixtures.py
The Rust tests (tests/patterns_talib.rs) read these files and need no Python.
"""

import os
import sys

import numpy as np
import pandas as pd
import talib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "tests", "fixtures", "patterns")
DATA = os.path.join(ROOT, "..", "shared", "data")

# Column name -> TA-Lib function, in the fixed order of the Rust registry.
COLUMNS = [
    ("cdl_doji", "CDLDOJI"),
    ("cdl_hammer", "CDLHAMMER"),
    ("cdl_hangingman", "CDLHANGINGMAN"),
    ("cdl_invertedhammer", "CDLINVERTEDHAMMER"),
    ("cdl_shootingstar", "CDLSHOOTINGSTAR"),
    ("cdl_engulfing", "CDLENGULFING"),
    ("cdl_harami", "CDLHARAMI"),
    ("cdl_piercing", "CDLPIERCING"),
    ("cdl_darkcloudcover", "CDLDARKCLOUDCOVER"),
    ("cdl_morningstar", "CDLMORNINGSTAR"),
    ("cdl_eveningstar", "CDLEVENINGSTAR"),
    ("cdl_3whitesoldiers", "CDL3WHITESOLDIERS"),
    ("cdl_3blackcrows", "CDL3BLACKCROWS"),
    ("cdl_marubozu", "CDLMARUBOZU"),
    ("cdl_spinningtop", "CDLSPINNINGTOP"),
]

REAL = [
    "ftx_BTC-PERP_1m.csv",
    "binance_BTCUSDT_1h.csv",
    "coinbase_BTCUSD_4h.csv",
]


def talib_columns(o, h, l, c):
    out = {}
    for col, fn in COLUMNS:
        out[col] = getattr(talib, fn)(o, h, l, c).astype(np.int64)
    return out


def fmt(v):
    s = "%.2f" % v
    return s.rstrip("0").rstrip(".") if "." in s else s


def generate(n=6000, seed=20261126):
    """A synthetic series built from candle shapes; prices are rounded to a 0.01 tick so that
    equal opens/closes (ties) occur as often as in real data."""
    rng = np.random.default_rng(seed)
    rows = []
    price = 100.0
    drift = 0.0
    i = 0

    def push(o, h, l, c, v):
        o, h, l, c = (round(x, 2) for x in (o, h, l, c))
        h = max(h, o, c)
        l = min(l, o, c)
        rows.append((o, h, l, c, v))
        return c

    while len(rows) < n:
        if i % 300 == 0:
            drift = rng.choice([-0.004, -0.002, 0.0, 0.002, 0.004])
        i += 1
        scale = price * 0.01
        kind = rng.random()
        gap = 0.0
        if rng.random() < 0.02:  # price jump
            gap = rng.choice([-1, 1]) * scale * rng.uniform(3, 10)
        o = price + gap
        vol = 0.0 if rng.random() < 0.05 else float(rng.integers(1, 1000))
        if kind < 0.03:  # flat candles, sometimes a run of them
            for _ in range(int(rng.integers(1, 14))):
                push(o, o, o, o, 0.0 if rng.random() < 0.5 else vol)
            price = o
            continue
        if kind < 0.06:  # doji-heavy stretch
            for _ in range(int(rng.integers(3, 15))):
                b = scale * rng.uniform(-0.05, 0.05)
                c = o + b
                h = max(o, c) + scale * rng.uniform(0, 1)
                l = min(o, c) - scale * rng.uniform(0, 1)
                o = push(o, h, l, c, vol)
            price = o
            continue
        if kind < 0.10:  # morning / evening star shape
            s = rng.choice([-1, 1])
            c1 = o - s * scale * rng.uniform(1.5, 3)
            push(o, max(o, c1) + scale * 0.1, min(o, c1) - scale * 0.1, c1, vol)
            o2 = c1 - s * scale * rng.uniform(0.1, 0.6)
            c2 = o2 + scale * rng.uniform(-0.2, 0.2)
            push(o2, max(o2, c2) + scale * 0.3, min(o2, c2) - scale * 0.3, c2, vol)
            o3 = c2 + s * scale * rng.uniform(-0.1, 0.3)
            c3 = o3 + s * scale * rng.uniform(1, 3)
            price = push(o3, max(o3, c3) + scale * 0.1, min(o3, c3) - scale * 0.1, c3, vol)
            continue
        if kind < 0.14:  # three soldiers / crows shape
            s = rng.choice([-1, 1])
            for _ in range(3):
                c = o + s * scale * rng.uniform(0.8, 2)
                h = max(o, c) + scale * rng.uniform(0, 0.08)
                l = min(o, c) - scale * rng.uniform(0, 0.08)
                push(o, h, l, c, vol)
                o = o + (c - o) * rng.uniform(0.3, 0.9)
            price = rows[-1][3]
            continue
        if kind < 0.18:  # piercing / dark cloud shape
            s = rng.choice([-1, 1])
            c1 = o - s * scale * rng.uniform(1.5, 3)
            h1, l1 = max(o, c1) + scale * 0.2, min(o, c1) - scale * 0.2
            push(o, h1, l1, c1, vol)
            o2 = (l1 - scale * 0.3) if s > 0 else (h1 + scale * 0.3)
            c2 = c1 + s * abs(o - c1) * rng.uniform(0.3, 0.95)
            price = push(o2, max(o2, c2) + scale * 0.1, min(o2, c2) - scale * 0.1, c2, vol)
            continue
        # single candle shapes
        shape = rng.random()
        if shape < 0.15:  # hammer-like / hanging-man-like
            b = scale * rng.uniform(-0.3, 0.3)
            c = o + b
            h = max(o, c) + scale * rng.uniform(0, 0.05)
            l = min(o, c) - scale * rng.uniform(0.8, 2.5)
        elif shape < 0.30:  # inverted hammer / shooting star like
            b = scale * rng.uniform(-0.3, 0.3)
            c = o + b
            h = max(o, c) + scale * rng.uniform(0.8, 2.5)
            l = min(o, c) - scale * rng.uniform(0, 0.05)
        elif shape < 0.40:  # marubozu
            c = o + scale * rng.choice([-1, 1]) * rng.uniform(1, 3)
            h = max(o, c) + scale * rng.uniform(0, 0.02)
            l = min(o, c) - scale * rng.uniform(0, 0.02)
        elif shape < 0.52:  # spinning top
            c = o + scale * rng.uniform(-0.3, 0.3)
            h = max(o, c) + scale * rng.uniform(0.4, 1.2)
            l = min(o, c) - scale * rng.uniform(0.4, 1.2)
        else:  # ordinary candle with drift
            c = o * (1 + drift) + scale * rng.normal(0, 1)
            h = max(o, c) + scale * abs(rng.normal(0, 0.5))
            l = min(o, c) - scale * abs(rng.normal(0, 0.5))
        if rng.random() < 0.2:  # open away from the previous close (body gaps)
            d = scale * rng.uniform(-1, 1)
            o, c, h, l = o + d, c + d, h + d, l + d
        price = push(o, h, l, c, vol)
        price = max(price, 5.0)
    rows = rows[:n]
    df = pd.DataFrame(rows, columns=["open", "high", "low", "close", "volume"])
    df.insert(0, "ts_ms", 1_700_000_000_000 + 60_000 * np.arange(len(df), dtype=np.int64))
    return df


def write_generated():
    df = generate()
    # Use the values exactly as written (2 decimals) so Rust and TA-Lib see identical floats.
    for k in ("open", "high", "low", "close"):
        df[k] = df[k].map(fmt).astype(float)
    o, h, l, c = (df[k].to_numpy(dtype=float) for k in ("open", "high", "low", "close"))
    cols = talib_columns(o, h, l, c)
    path = os.path.join(OUT, "generated.csv")
    with open(path, "w") as f:
        f.write("ts_ms,open,high,low,close,volume," + ",".join(c for c, _ in COLUMNS) + "\n")
        for i in range(len(df)):
            r = df.iloc[i]
            vals = ",".join(str(int(cols[col][i])) for col, _ in COLUMNS)
            f.write(
                "%d,%s,%s,%s,%s,%s,%s\n"
                % (r.ts_ms, fmt(r.open), fmt(r.high), fmt(r.low), fmt(r.close), fmt(r.volume), vals)
            )
    report("generated", cols)


def write_real(name):
    src = os.path.join(DATA, name)
    if not os.path.exists(src):
        print("skip %s: not found" % src, file=sys.stderr)
        return
    df = pd.read_csv(src)
    o, h, l, c = (df[k].to_numpy(dtype=float) for k in ("open", "high", "low", "close"))
    cols = talib_columns(o, h, l, c)
    stem = name[: -len(".csv")]
    path = os.path.join(OUT, stem + ".expected.csv")
    ts = df["ts_ms"].to_numpy(dtype=np.int64)
    with open(path, "w") as f:
        f.write("# TA-Lib %s outputs for ../shared/data/%s; only rows where a pattern fires\n"
                % (talib.__ta_version__.decode().split(" ")[0], name))
        f.write("# rows=%d first_ts=%d last_ts=%d\n" % (len(df), ts[0], ts[-1]))
        f.write("# columns=" + ",".join(c for c, _ in COLUMNS) + "\n")
        prev = -1
        for i in range(len(df)):
            fired = ["%d=%d" % (k, cols[col][i]) for k, (col, _) in enumerate(COLUMNS) if cols[col][i] != 0]
            if fired:
                f.write("%d,%s\n" % (i - prev, ";".join(fired)))
                prev = i
    report(stem, cols)


def report(label, cols):
    counts = " ".join("%s:%d" % (c[4:], int(np.count_nonzero(v))) for c, v in cols.items())
    print("%s: %s" % (label, counts))


def main():
    os.makedirs(OUT, exist_ok=True)
    write_generated()
    for name in REAL:
        write_real(name)


if __name__ == "__main__":
    main()
