//! Render tests on `TestBackend` (each tab at 80x24 and 200x60, tiny sizes) and key-handling
//! tests (tabs, ticket → exact command, confirmations, help, mode toggles).

use super::*;
use crate::domain::{Command, ManualOrder, OrderType, Price, Qty, Side, Symbol, TimeInForce};
use crate::engine::Snapshot;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;

fn app() -> App {
    App::with_theme(&UiConfig::default(), Theme::new(ColorDepth::Indexed256))
}

fn render(app: &mut App, snap: &Snapshot, w: u16, h: u16) -> String {
    let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
    term.draw(|f| app.draw(f, snap)).unwrap();
    let buf = term.backend().buffer();
    let mut out = String::with_capacity((w as usize + 1) * h as usize);
    for y in 0..h {
        for x in 0..w {
            out.push_str(buf[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}

fn key(c: char) -> KeyEvent {
    KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)
}
fn code(c: KeyCode) -> KeyEvent {
    KeyEvent::new(c, KeyModifiers::NONE)
}

fn press(app: &mut App, snap: &Snapshot, keys: &str) -> Vec<Command> {
    keys.chars().flat_map(|c| app.handle_key(key(c), snap)).collect()
}

fn assert_has(screen: &str, needles: &[&str]) {
    for n in needles {
        assert!(screen.contains(n), "`{n}` not on screen:\n{screen}");
    }
}

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

#[test]
fn tabs_switch_by_number_and_tab_keys() {
    let snap = sample_snapshot();
    let mut a = app();
    assert_eq!(a.tab(), Tab::Overview);
    press(&mut a, &snap, "3");
    assert_eq!(a.tab(), Tab::Execution);
    a.handle_key(code(KeyCode::Tab), &snap);
    assert_eq!(a.tab(), Tab::Risk);
    a.handle_key(code(KeyCode::Tab), &snap);
    assert_eq!(a.tab(), Tab::Overview);
    a.handle_key(KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT), &snap);
    assert_eq!(a.tab(), Tab::Risk);
    assert!(!a.should_quit());
    assert!(press(&mut a, &snap, "q").is_empty());
    assert!(a.should_quit());
    let mut a = app();
    a.handle_key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL), &snap);
    assert!(a.should_quit());
}

#[test]
fn ticket_produces_the_exact_command() {
    let snap = sample_snapshot();
    let mut a = app();
    assert!(press(&mut a, &snap, "o").is_empty());
    assert!(a.ticket_open());
    // Focus starts on qty; type it, Tab to price, type it, Tab ×3 to post-only, toggle.
    press(&mut a, &snap, "0.015");
    a.handle_key(code(KeyCode::Tab), &snap);
    press(&mut a, &snap, "67000.5");
    let s = render(&mut a, &snap, 80, 24);
    assert_has(&s, &["Order ticket", "Order ticket  DEMO ", "0.015", "67000.5", "Reduce-only", "Post-only"]);
    for _ in 0..3 {
        a.handle_key(code(KeyCode::Tab), &snap);
    }
    press(&mut a, &snap, " ");
    let cmds = a.handle_key(code(KeyCode::Enter), &snap);
    let expected = Command::PlaceOrder(ManualOrder {
        symbol: Symbol::new("BTCUSDT").unwrap(),
        side: Side::Buy,
        order_type: OrderType::Limit,
        qty: Qty::from_raw(1_500_000),
        price: Some(Price::from_raw(6_700_050_000_000)),
        trigger_price: None,
        time_in_force: TimeInForce::PostOnly,
        reduce_only: false,
    });
    assert_eq!(cmds, vec![expected]);
    assert!(!a.ticket_open());
}

#[test]
fn ticket_parse_error_is_shown_not_sent() {
    let snap = sample_snapshot();
    let mut a = app();
    press(&mut a, &snap, "o1.2.3");
    assert!(a.handle_key(code(KeyCode::Enter), &snap).is_empty());
    assert!(a.ticket_open());
    let s = render(&mut a, &snap, 80, 24);
    assert_has(&s, &["qty: `1.2.3` is not a decimal number"]);
    // Keys typed in the ticket never reach the keymap: `q` does not quit, `C` asks nothing.
    press(&mut a, &snap, "qC");
    assert!(!a.should_quit());
    assert!(a.pending_confirm().is_none());
}

#[test]
fn live_ticket_asks_before_sending() {
    let mut snap = sample_snapshot();
    snap.live = true;
    let mut a = app();
    press(&mut a, &snap, "o1");
    a.handle_key(code(KeyCode::Tab), &snap);
    press(&mut a, &snap, "60000");
    assert!(a.handle_key(code(KeyCode::Enter), &snap).is_empty());
    assert_eq!(a.pending_confirm().map(|c| c.title.as_str()), Some("LIVE order"));
    let cmds = press(&mut a, &snap, "y");
    assert!(matches!(cmds.as_slice(), [Command::PlaceOrder(o)] if o.qty == Qty::from_int(1)));
}

#[test]
fn cancel_all_needs_y() {
    let snap = sample_snapshot();
    let mut a = app();
    assert!(press(&mut a, &snap, "C").is_empty());
    assert!(a.pending_confirm().is_some());
    let s = render(&mut a, &snap, 80, 24);
    assert_has(&s, &["Confirm: Cancel all", "Cancel all 4 working orders", "[y/Enter]", "[n/Esc]"]);
    // Unrelated keys neither confirm nor dismiss.
    assert!(press(&mut a, &snap, "x1").is_empty());
    assert!(a.pending_confirm().is_some());
    assert_eq!(press(&mut a, &snap, "y"), vec![Command::CancelAll { symbol: None }]);
    assert!(a.pending_confirm().is_none());
    // n cancels; Esc cancels; Enter confirms.
    press(&mut a, &snap, "C");
    assert!(press(&mut a, &snap, "n").is_empty());
    press(&mut a, &snap, "C");
    assert!(a.handle_key(code(KeyCode::Esc), &snap).is_empty());
    press(&mut a, &snap, "C");
    assert_eq!(a.handle_key(code(KeyCode::Enter), &snap), vec![Command::CancelAll { symbol: None }]);
}

#[test]
fn cancel_selected_flatten_and_kill_switch() {
    let snap = sample_snapshot();
    let mut a = app();
    press(&mut a, &snap, "3jj");
    press(&mut a, &snap, "c");
    let cmds = press(&mut a, &snap, "y");
    assert_eq!(cmds, vec![Command::CancelOrder { client_order_id: snap.open_orders[2].client_order_id() }]);
    // Selection clamps at the end of the list.
    press(&mut a, &snap, "jjjjjjc");
    assert_eq!(
        press(&mut a, &snap, "y"),
        vec![Command::CancelOrder { client_order_id: snap.open_orders[3].client_order_id() }]
    );
    // F on Overview flattens the selected position's symbol (second row: ETHUSDT).
    press(&mut a, &snap, "1jF");
    assert!(a.pending_confirm().unwrap().message.contains("close position -3"));
    assert_eq!(press(&mut a, &snap, "y"), vec![Command::Flatten { symbol: Symbol::new("ETHUSDT").unwrap() }]);
    press(&mut a, &snap, "K");
    assert_eq!(press(&mut a, &snap, "y"), vec![Command::KillSwitch { engage: true }]);
    let mut engaged = snap.clone();
    engaged.risk.kill_switch = true;
    press(&mut a, &engaged, "K");
    assert_eq!(press(&mut a, &engaged, "y"), vec![Command::KillSwitch { engage: false }]);
}

#[test]
fn mode_toggles_and_automation_keys() {
    let snap = sample_snapshot();
    let mut a = app();
    // On Overview `e` does nothing but explain.
    assert!(press(&mut a, &snap, "e").is_empty());
    press(&mut a, &snap, "2jj");
    assert_eq!(press(&mut a, &snap, "e"), vec![Command::SetModeEnabled { mode: "breakout".into(), enabled: true }]);
    assert_eq!(press(&mut a, &snap, "l"), vec![Command::LockMode { mode: Some("breakout".into()) }]);
    let mut locked = snap.clone();
    locked.strategy.modes[2].locked = true;
    assert_eq!(press(&mut a, &locked, "l"), vec![Command::LockMode { mode: None }]);
    assert_eq!(press(&mut a, &snap, "a"), vec![Command::SetAutoSwitch { enabled: false }]);
    assert_eq!(press(&mut a, &snap, " "), vec![Command::PauseAutomation]);
    let mut paused = snap.clone();
    paused.strategy.automation_paused = true;
    assert_eq!(press(&mut a, &paused, " "), vec![Command::ResumeAutomation]);
}

#[test]
fn help_overlay_toggles_and_lists_keymap() {
    let snap = sample_snapshot();
    let mut a = app();
    press(&mut a, &snap, "?");
    assert!(a.help_visible());
    let s = render(&mut a, &snap, 200, 60);
    assert_has(&s, &["Keys", "j / ↓", "move selection down", "kill switch engage/release", "q / ctrl-c"]);
    // At 80x24 every action still fits (two clipped columns).
    let s = render(&mut a, &snap, 80, 24);
    assert_has(&s, &["next chart interv", "Overview tab", "quit", "i "]);
    // Other keys are swallowed while help is up.
    assert!(press(&mut a, &snap, "C2").is_empty());
    assert_eq!(a.tab(), Tab::Overview);
    press(&mut a, &snap, "?");
    assert!(!a.help_visible());
    press(&mut a, &snap, "?");
    a.handle_key(code(KeyCode::Esc), &snap);
    assert!(!a.help_visible());
}

#[test]
fn overrides_change_keys_and_help() {
    let snap = sample_snapshot();
    let config = UiConfig { keymap_overrides: vec![("kill_switch".into(), "ctrl-k".into())], max_fps: 30 };
    let mut a = App::with_theme(&config, Theme::new(ColorDepth::Basic16));
    assert!(press(&mut a, &snap, "K").is_empty());
    assert!(a.pending_confirm().is_none());
    a.handle_key(KeyEvent::new(KeyCode::Char('k'), KeyModifiers::CONTROL), &snap);
    assert_eq!(a.pending_confirm().map(|c| c.command.clone()), Some(Command::KillSwitch { engage: true }));
    // A bad override leaves the defaults and says so in the log pane.
    let config = UiConfig { keymap_overrides: vec![("fly".into(), "f".into())], max_fps: 30 };
    let mut a = App::with_theme(&config, Theme::new(ColorDepth::Basic16));
    let s = render(&mut a, &snap, 120, 30);
    assert_has(&s, &["key overrides ignored: unknown key action `fly`"]);
    assert!(validate_keymap_overrides(&config.keymap_overrides).is_err());
}

#[test]
fn symbol_interval_and_details() {
    let snap = sample_snapshot();
    let mut a = app();
    press(&mut a, &snap, "s");
    let s = render(&mut a, &snap, 200, 60);
    assert_has(&s, &["ETHUSDT 1m"]);
    press(&mut a, &snap, "i");
    let s = render(&mut a, &snap, 200, 60);
    assert_has(&s, &["ETHUSDT 5m"]);
    press(&mut a, &snap, "s3");
    a.handle_key(code(KeyCode::Enter), &snap);
    let s = render(&mut a, &snap, 120, 40);
    assert_has(&s, &["Order man-0007", "reduce-only", "Esc closes"]);
    a.handle_key(code(KeyCode::Esc), &snap);
    let s = render(&mut a, &snap, 120, 40);
    assert!(!s.contains("Esc closes"));
}

/// Prints every tab at 80x24 and 200x60 (`cargo test --lib ui::tests::print_screens -- --ignored --nocapture`).
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

#[test]
fn live_ticket_and_confirm_show_the_venue_in_red() {
    let mut snap = sample_snapshot();
    (snap.venue, snap.live) = ("mainnet".to_string(), true);
    let mut a = app();
    press(&mut a, &snap, "o");
    let mut term = Terminal::new(TestBackend::new(100, 30)).unwrap();
    term.draw(|f| a.draw(f, &snap)).unwrap();
    let find = |term: &Terminal<TestBackend>, needle: &str| {
        let buf = term.backend().buffer();
        (0..buf.area.height).find_map(|y| {
            let line: String = (0..buf.area.width).map(|x| buf[(x, y)].symbol().to_string()).collect();
            line.find(needle).map(|i| (line[..i].chars().count() as u16, y))
        })
    };
    let (x, y) = find(&term, "LIVE mainnet").expect("ticket title names the live venue");
    assert_eq!(term.backend().buffer()[(x, y)].bg, a.theme.live.bg.unwrap());
    press(&mut a, &snap, "1");
    a.handle_key(code(KeyCode::Tab), &snap);
    press(&mut a, &snap, "60000");
    a.handle_key(code(KeyCode::Enter), &snap);
    term.draw(|f| a.draw(f, &snap)).unwrap();
    let (x, y) = find(&term, "Confirm: LIVE order").expect("confirm dialog");
    let (lx, ly) = find(&term, "LIVE mainnet").expect("confirm title names the live venue");
    assert!(ly == y && lx > x);
    assert_eq!(term.backend().buffer()[(lx, ly)].bg, a.theme.live.bg.unwrap());
}

/// The sample with the trend mode's real parameters (as the engine shows them).
fn snapshot_with_real_params() -> Snapshot {
    let mut snap = sample_snapshot();
    let Ok(serde_json::Value::Object(map)) = serde_json::to_value(crate::strategy::PullbackConfig::default()) else {
        panic!()
    };
    snap.strategy.modes[0].params = map
        .iter()
        .filter(|(k, _)| *k != "enabled")
        .map(|(k, v)| (k.clone(), crate::config::params::value_text(v)))
        .collect();
    snap
}

#[test]
fn editor_opens_edits_applies_and_saves() {
    let snap = snapshot_with_real_params();
    let params = &snap.strategy.modes[0].params;
    let row = params.iter().position(|(k, _)| k == "pullback_atr").unwrap();
    let mut a = app();
    press(&mut a, &snap, "2");
    assert!(a.handle_key(code(KeyCode::Enter), &snap).is_empty());
    assert_eq!(a.editor_mode(), Some("trend"));
    let s = render(&mut a, &snap, 200, 60);
    assert_has(&s, &["Parameters: trend", "pullback_atr", "min_adx", "state enabled · ACTIVE"]);
    for _ in 0..row {
        press(&mut a, &snap, "j");
    }
    a.handle_key(code(KeyCode::Enter), &snap);
    for _ in 0..3 {
        a.handle_key(code(KeyCode::Backspace), &snap);
    }
    // Typing: `q`, `w`, digits are text here, not keys.
    press(&mut a, &snap, "9q");
    let s = render(&mut a, &snap, 80, 24);
    assert_has(&s, &["9q▏"]);
    assert!(a.handle_key(code(KeyCode::Enter), &snap).is_empty(), "a bad value sends nothing");
    assert!(!a.should_quit());
    let s = render(&mut a, &snap, 200, 60);
    assert_has(&s, &["✗ strategy.modes.trend.pullback_atr must be a number, got `9q`"]);
    a.handle_key(code(KeyCode::Backspace), &snap);
    let cmds = a.handle_key(code(KeyCode::Enter), &snap);
    let expect = Command::SetModeParams { mode: "trend".into(), params: serde_json::json!({"pullback_atr": "9"}) };
    assert_eq!(cmds, vec![expect]);
    let s = render(&mut a, &snap, 200, 60);
    assert_has(&s, &["applying trend pullback_atr = 9"]);
    // `w` asks, `y` sends SaveConfig; Esc closes the editor.
    assert!(press(&mut a, &snap, "w").is_empty());
    assert_eq!(a.pending_confirm().map(|c| c.title.as_str()), Some("Save config"));
    assert_eq!(press(&mut a, &snap, "y"), vec![Command::SaveConfig]);
    assert_eq!(a.editor_mode(), Some("trend"));
    a.handle_key(code(KeyCode::Esc), &snap);
    assert_eq!(a.editor_mode(), None);
    // `p` opens it too (on Strategies only); `w` works anywhere.
    press(&mut a, &snap, "jp");
    assert_eq!(a.editor_mode(), Some("mean_reversion"));
    a.handle_key(code(KeyCode::Esc), &snap);
    press(&mut a, &snap, "1p");
    assert_eq!(a.editor_mode(), None);
    press(&mut a, &snap, "w");
    assert_eq!(press(&mut a, &snap, "y"), vec![Command::SaveConfig]);
}

#[test]
fn help_lists_the_editor_keys() {
    let snap = sample_snapshot();
    for (w, h) in [(200, 60), (120, 40)] {
        let mut a = app();
        press(&mut a, &snap, "?");
        let s = render(&mut a, &snap, w, h);
        assert_has(
            &s,
            &["edit selected mode's parameters", "save mode parameters to the config", "Editor (p on Strategies)"],
        );
        assert_has(&s, &["Enter apply live · Esc cancel · w save"]);
    }
}
