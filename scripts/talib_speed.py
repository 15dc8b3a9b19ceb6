#!/usr/bin/env python3
"""Times TA-Lib computing the columns `autobot analyze --set default` writes, on the same CSV.

Usage: scripts/talib_speed.py CANDLES.csv [OUT.csv]
       scripts/talib_speed.py --make N CANDLES.csv   (writes a random-walk 1m candle CSV)

Prints the CPU time of the TA-Lib computation alone (batch functions over numpy arrays; the
columns TA-Lib lacks -- Stochastic RSI as charting tools define it, Hull MA, Choppiness and the
daily-anchored VWAP -- are composed from TA-Lib functions and numpy) and, with OUT.csv, of
writing the same CSV at full precision (`repr` of each float, empty before warm-up). Compare
with `time autobot analyze --data CANDLES.csv --out X.csv`. Needs numpy and the `ta-lib` wheel.
"""
import sys
import time

import numpy as np
import talib


def make(n, path):
    rng = np.random.default_rng(7)
    close = 30000.0 * np.exp(np.cumsum(rng.normal(0, 0.001, n)))
    open_ = np.concatenate(([close[0]], close[:-1]))
    spread = np.abs(rng.normal(0, 0.0007, n)) * close
    high = np.maximum(open_, close) + spread
    low = np.minimum(open_, close) - np.abs(rng.normal(0, 0.0007, n)) * close
    vol = np.abs(rng.normal(10, 4, n)).round(3)
    ts = 1_600_000_000_000 + np.arange(n, dtype=np.int64) * 60_000
    with open(path, "w") as f:
        f.write("ts_ms,open,high,low,close,volume\n")
        for row in zip(ts.tolist(), open_.round(2).tolist(), high.round(2).tolist(), low.round(2).tolist(), close.round(2).tolist(), vol.tolist()):
            f.write("%d,%r,%r,%r,%r,%r\n" % row)


def columns(ts, o, h, l, c, v):
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
    out["bb_upper"], out["bb_middle"], out["bb_lower"] = talib.BBANDS(c, 20, 2, 2, 0)
    out["stddev_20"] = talib.STDDEV(c, 20, 1)
    out["obv"] = talib.OBV(c, v)
    out["mfi_14"] = talib.MFI(h, l, c, v, 14)
    lo = talib.MIN(rsi, 14)
    hi = talib.MAX(rsi, 14)
    with np.errstate(divide="ignore", invalid="ignore"):
        stoch = np.where(hi > lo, 100.0 * (rsi - lo) / (hi - lo), 0.0)
    stoch[np.isnan(lo)] = np.nan
    k = talib.SMA(stoch, 3)
    out["stochrsi_k"] = k
    out["stochrsi_d"] = talib.SMA(k, 3)
    out["hma_20"] = talib.WMA(2.0 * talib.WMA(c, 10) - talib.WMA(c, 20), 4)
    tr_sum = talib.SUM(talib.TRANGE(h, l, c), 14)
    rng = talib.MAX(h, 14) - talib.MIN(l, 14)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["chop_14"] = 100.0 * np.log10(tr_sum / rng) / np.log10(14)
    tp = (h + l + c) / 3.0
    day = ts // 86_400_000
    cuts = np.flatnonzero(day[1:] != day[:-1]) + 1
    pv = np.concatenate([np.cumsum(x) for x in np.split(tp * v, cuts)])
    vv = np.concatenate([np.cumsum(x) for x in np.split(v, cuts)])
    with np.errstate(divide="ignore", invalid="ignore"):
        out["vwap"] = np.where(vv > 0, pv / vv, np.nan)
    return out


def main():
    if sys.argv[1] == "--make":
        make(int(sys.argv[2]), sys.argv[3])
        return
    a = np.loadtxt(sys.argv[1], delimiter=",", skiprows=1)
    ts = a[:, 0].astype(np.int64)
    o, h, l, c, v = (np.ascontiguousarray(a[:, i]) for i in range(1, 6))
    best = None
    for _ in range(3):
        t0 = time.process_time()
        cols = columns(ts, o, h, l, c, v)
        dt = time.process_time() - t0
        best = dt if best is None else min(best, dt)
    print(f"TA-Lib compute: {len(c)} candles, {len(cols)} columns, best of 3 {best:.3f} s CPU"
          f" ({best / len(c) * 1e9:.1f} ns per candle)")
    if len(sys.argv) > 2:
        t0 = time.process_time()
        names = list(cols)
        arrs = [cols[n] for n in names]
        with open(sys.argv[2], "w") as f:
            f.write("ts_ms," + ",".join(names) + "\n")
            for i in range(len(c)):
                f.write(str(ts[i]) + "," + ",".join("" if x != x else repr(float(x)) for x in (a[i] for a in arrs)) + "\n")
        print(f"TA-Lib compute + CSV write: {best + time.process_time() - t0:.3f} s CPU")


if __name__ == "__main__":
    main()
