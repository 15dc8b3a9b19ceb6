//! Render tests: every tab at 80x24 and 200x60 from the sample snapshot, number formats, empty
//! panels, tiny and odd sizes, venue and watch-only labels.

use super::*;
#[test]
fn overview_renders_at_both_sizes() {
    let snap = sample_snapshot();
    let entry = snap.positions[0].position.entry_price().unwrap().to_string();
    let target = snap.positions[0].target_price.unwrap().to_string();
    for (w, h) in [(80, 24), (200, 60)] {
        let s = render(&mut app(), &snap, w, h);
        assert_has(&s, &["1 Overview", "BTCUSDT", "Equity", "Day PnL", "Positions (2)", "▲ Long", "▼ Short", &entry]);
        assert_has(&s, &[" DEMO ", "● connected", "lag —", "p99 18.7µs", "03:20:25Z"]);
        assert!(!s.contains("PAPER") && !s.contains("lag 42ms"), "the generator has no stream lag:\n{s}");
        assert_has(&s, &["Alerts & log", "trending up 72%", "Mode trend"]);
        // The two summary lines start in the same column.
        let lines: Vec<&str> = s.lines().collect();
        let equity = lines.iter().find(|l| l.contains("Equity")).unwrap();
        let market = lines.iter().find(|l| l.contains("Last ")).unwrap();
        assert!(equity.starts_with("Equity") && market.starts_with("BTCUSDT"), "{equity}\n{market}");
    }
    let s = render(&mut app(), &snap, 200, 60);
    assert_has(&s, &["2024-03-09 03:20:25Z", "speed x60", "Equity 10,"]);
    // Wide: full chart with legend, levels, volume, and the orders table with ids.
    assert_has(
        &s,
        &[
            "█ up",
            "█ down",
            "• EMA 20",
            "∘ EMA 50",
            "× BB up",
            "* VWAP",
            "╌E entry",
            "vol",
            "man-0007",
            "Stop",
            "Target",
            &target,
            "▲▼ fills",
        ],
    );
    // Bodies are solid whatever the direction; the old thin up-body glyphs are gone.
    assert!(s.contains('█') && s.contains('│'), "no body or wick glyph");
    assert!(!s.contains('┃') && !s.contains('╹') && !s.contains('╻'), "thin body glyph drawn");
}

#[test]
fn regime_without_confidence_reads_not_available() {
    let mut snap = sample_snapshot();
    for m in &mut snap.markets {
        m.regime = "trend-up (EMA)".into();
        m.regime_confidence = 0.0;
    }
    let mut a = app();
    let s = render(&mut a, &snap, 200, 60);
    assert_has(&s, &["Regime n/a (warming up)"]);
    assert!(!s.contains("(EMA) 0%"), "{s}");
    press(&mut a, &snap, "2");
    let s = render(&mut a, &snap, 200, 60);
    assert_has(&s, &["regime n/a (warming up) · bias trend-up (EMA)"]);
}

#[test]
fn drawdown_is_a_negative_percent_everywhere() {
    let mut snap = sample_snapshot();
    snap.account.drawdown = 0.0125;
    snap.account.max_drawdown = 0.034;
    let mut a = app();
    let s = render(&mut a, &snap, 200, 60);
    assert_has(&s, &["Drawdown -1.25%"]);
    press(&mut a, &snap, "4");
    let s = render(&mut a, &snap, 200, 60);
    assert_has(&s, &["Drawdown -1.25%  max -3.40%", "Drawdown -1.25% (max -3.40%)"]);
    assert!(!s.contains('−'), "unicode minus in:\n{s}");
}

#[test]
fn empty_panels_say_none_yet() {
    let mut snap = sample_snapshot();
    snap.strategy.switches.clear();
    snap.risk.rejections.clear();
    snap.recent_fills.clear();
    for (w, h) in [(80, 24), (200, 60)] {
        let mut a = app();
        press(&mut a, &snap, "2");
        let s = render(&mut a, &snap, w, h);
        assert_has(&s, &["Mode switches", "none yet"]);
    }
    let mut a = app();
    press(&mut a, &snap, "4");
    assert_has(&render(&mut a, &snap, 200, 60), &["Risk rejections", "none yet"]);
    press(&mut a, &snap, "3");
    assert_has(&render(&mut a, &snap, 200, 60), &["no fills yet"]);
}

#[test]
fn prices_use_tick_decimals_and_right_align() {
    let snap = sample_snapshot();
    let mut a = app();
    press(&mut a, &snap, "3");
    let s = render(&mut a, &snap, 200, 60);
    // BTCUSDT ticks 0.1: every ladder price has exactly one decimal, right edges line up.
    // Columns in characters (the lines hold multi-byte box glyphs); ladder rows follow its border.
    let ladder: Vec<&str> = s.lines().filter(|l| l.contains("│ask ") || l.contains("│bid ")).collect();
    assert!(ladder.len() >= 10, "{s}");
    let price_ends: Vec<usize> = ladder
        .iter()
        .map(|l| {
            let at = l.find("│ask ").or_else(|| l.find("│bid ")).unwrap() + "│ask ".len();
            let rest = &l[at..];
            let tok = rest.split_whitespace().next().unwrap();
            assert_eq!(tok.split('.').nth(1).map(str::len), Some(1), "price `{tok}` in `{l}`");
            l[..at + rest.find(tok).unwrap() + tok.len()].chars().count()
        })
        .collect();
    assert!(price_ends.windows(2).all(|w| w[0] == w[1]), "ragged prices: {price_ends:?}");
    // Fills: ETHUSDT ticks 0.01 → two decimals even for a round price.
    let fill = snap.recent_fills.iter().find(|f| f.symbol.as_str() == "ETHUSDT").unwrap();
    assert_has(&s, &[&crate::ui::fmt::fixed(fill.price.raw(), 2)]);
}

#[test]
fn risk_shows_correlation_and_daily_loss() {
    let snap = sample_snapshot();
    assert_eq!(snap.risk.correlation.len(), 1);
    let mut a = app();
    press(&mut a, &snap, "4");
    let s = render(&mut a, &snap, 200, 60);
    assert_has(&s, &["Correlation of 1-bar returns", "BTCUSDT  ETHUSDT", "Daily loss 160.00 / 200.00 USDT  80% used"]);
    let mut none = snap.clone();
    none.risk.daily_loss = None;
    assert_has(&render(&mut a, &none, 200, 60), &["Daily loss no limit set"]);
}

#[test]
fn strategies_renders_at_both_sizes() {
    let snap = sample_snapshot();
    for (w, h) in [(80, 24), (200, 60)] {
        let mut a = app();
        press(&mut a, &snap, "2");
        let s = render(&mut a, &snap, w, h);
        assert_has(&s, &["2 Strategies", "trend", "mean_reversion", "breakout", "● ACTIVE", "✓ on", "✗ off"]);
        assert_has(&s, &["Mode switches"]);
    }
    let mut a = app();
    press(&mut a, &snap, "2");
    let s = render(&mut a, &snap, 200, 60);
    assert_has(
        &s,
        &["EMA20 crossed above EMA50", "+312.55", "57%", "1h 30m", "trend → ", "Regime & inputs", "fast=20"],
    );
}

#[test]
fn execution_renders_at_both_sizes() {
    let snap = sample_snapshot();
    for (w, h) in [(80, 24), (200, 60)] {
        let mut a = app();
        press(&mut a, &snap, "3");
        let s = render(&mut a, &snap, w, h);
        assert_has(
            &s,
            &["3 Execution", "Working orders (4)", "man-0007", "Recent fills", "Depth BTCUSDT", "ask", "bid"],
        );
    }
    let mut a = app();
    press(&mut a, &snap, "3");
    let s = render(&mut a, &snap, 200, 60);
    assert_has(&s, &["trend-0042-stop", "Untriggered", "taker", "maker", "spread 0.1", "trend-0046"]);
    // Narrow fills keep whole prices (no clipped digits).
    let mut a = app();
    press(&mut a, &snap, "3");
    let s = render(&mut a, &snap, 80, 24);
    let btc_fill = snap.recent_fills.iter().find(|f| f.symbol.as_str() == "BTCUSDT").unwrap();
    assert_has(&s, &[&crate::ui::fmt::fixed(btc_fill.price.raw(), 1)]);
}

#[test]
fn risk_renders_at_both_sizes() {
    let snap = sample_snapshot();
    for (w, h) in [(80, 24), (200, 60)] {
        let mut a = app();
        press(&mut a, &snap, "4");
        let s = render(&mut a, &snap, w, h);
        assert_has(&s, &["4 Risk", "Kill switch", "Daily loss", "80%", "Active", "Exposure"]);
    }
    let mut a = app();
    press(&mut a, &snap, "4");
    let s = render(&mut a, &snap, 200, 60);
    assert_has(
        &s,
        &["Position notional", "Leverage", "▲ long", "▼ short", "Drawdown", "Risk rejections", "Alert history (6)"],
    );
    assert_has(&s, &["stream dropped", "CRIT", "WARN"]);
}

#[test]
fn live_venue_is_red_and_labelled() {
    let mut snap = sample_snapshot();
    snap.live = true;
    snap.venue = "mainnet".into();
    let mut a = app();
    let mut term = Terminal::new(TestBackend::new(120, 30)).unwrap();
    term.draw(|f| a.draw(f, &snap)).unwrap();
    let buf = term.backend().buffer();
    let y = 29;
    let line: String = (0..120).map(|x| buf[(x, y)].symbol().to_string()).collect();
    assert!(line.starts_with(" LIVE mainnet "), "{line}");
    assert_eq!(buf[(1, y)].bg, a.theme.live.bg.unwrap());
}

#[test]
fn tiny_and_odd_sizes_do_not_panic() {
    let snap = sample_snapshot();
    let empty = Snapshot::default();
    for tab in ['1', '2', '3', '4'] {
        for (w, h) in [(20, 5), (1, 1), (0, 0), (21, 7), (40, 10), (79, 23), (100, 16), (300, 90)] {
            for s in [&snap, &empty] {
                let mut a = app();
                press(&mut a, s, &tab.to_string());
                render(&mut a, s, w, h);
                // And with every overlay open.
                press(&mut a, s, "?");
                render(&mut a, s, w, h);
                a.handle_key(code(KeyCode::Esc), s);
                press(&mut a, s, "o");
                render(&mut a, s, w, h);
                a.handle_key(code(KeyCode::Esc), s);
                press(&mut a, s, "K");
                render(&mut a, s, w, h);
            }
        }
    }
}

/// Prints every tab at 80x24 and 200x60 (`cargo test --lib ui::tests::render::print_screens -- --ignored --nocapture`).
#[test]
#[ignore]
fn print_screens() {
    let snap = sample_snapshot();
    for (w, h) in [(80, 24), (200, 60)] {
        for tab in "1234".chars() {
            let mut a = app();
            press(&mut a, &snap, &tab.to_string());
            println!("{}", render(&mut a, &snap, w, h));
        }
    }
}

#[test]
#[ignore]
fn print_help_80x24() {
    let snap = sample_snapshot();
    let mut a = app();
    press(&mut a, &snap, "?");
    println!("{}", render(&mut a, &snap, 80, 24));
    let mut a = app();
    press(&mut a, &snap, "3o0.5");
    println!("{}", render(&mut a, &snap, 80, 24));
}

#[test]
fn venue_labels_are_truthful_and_lag_only_for_streams() {
    let theme = Theme::new(ColorDepth::Indexed256);
    for (venue, live, label, lag) in [
        ("demo", false, " DEMO ", "lag —"),
        ("paper", false, " PAPER ", "lag 42ms"),
        ("testnet", false, " TESTNET ", "lag 42ms"),
        ("demo-trading", false, " DEMO-TRADING ", "lag 42ms"),
        ("mock", false, " MOCK ", "lag 42ms"),
        ("mainnet", true, " LIVE mainnet ", "lag 42ms"),
        // Never understated: mainnet is live even if the flag were missing.
        ("mainnet", false, " LIVE mainnet ", "lag 42ms"),
    ] {
        let mut snap = sample_snapshot();
        (snap.venue, snap.live) = (venue.to_string(), live);
        let mut a = app();
        let s = render(&mut a, &snap, 120, 30);
        let status = s.lines().last().unwrap();
        assert!(status.starts_with(label), "{venue}: {status}");
        assert!(status.contains(lag), "{venue}: {status}");
        let badge = crate::ui::widgets::venue_badge(venue, live, &theme);
        assert_eq!(badge.content, label);
        let red = badge.style == theme.live;
        assert_eq!(red, label.contains("LIVE"), "{venue}: only LIVE is red");
    }
}

#[test]
fn watch_only_runs_say_so_and_exchanges_show_no_replay_speed() {
    let mut snap = sample_snapshot();
    (snap.venue, snap.live) = ("mainnet".to_string(), true);
    snap.watch_only = Some("mainnet --live was not confirmed".into());
    let s = render(&mut app(), &snap, 120, 30);
    let status = s.lines().last().unwrap();
    assert!(status.starts_with(" LIVE mainnet   WATCH-ONLY "), "{status}");
    assert!(!status.contains("speed") && !status.contains(" max "), "{status}");
    // The generator has a replay speed, and trades.
    let s = render(&mut app(), &sample_snapshot(), 120, 30);
    let status = s.lines().last().unwrap();
    assert!(status.contains("speed ") && !status.contains("WATCH-ONLY"), "{status}");
}
