//! Key-handling tests: tab switching, the order ticket → the exact command, confirmations,
//! cancel/flatten/kill switch, mode toggles, help and keymap overrides, the parameter editor.

use super::*;
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

#[test]
fn rebalance_key_shows_the_engine_preview_and_sends_the_configured_targets() {
    let btc = Symbol::new("BTCUSDT").unwrap();
    let eth = Symbol::new("ETHUSDT").unwrap();
    let w = |v: &str| v.parse::<crate::domain::Rate>().unwrap();
    let mut snap = sample_snapshot();
    // Without targets: a status message says where to set them, nothing is asked or sent.
    let mut a = app();
    assert!(press(&mut a, &snap, "R").is_empty());
    assert!(a.pending_confirm().is_none());
    let s = render(&mut a, &snap, 200, 60);
    assert_has(&s, &["no rebalance targets: set [execution.rebalance] targets in the config"]);
    // With targets: the engine's preview lines in the confirmation, then the targets on `y`.
    snap.rebalance = Some(crate::engine::RebalanceView {
        targets: vec![(btc, w("0.3")), (eth, w("-0.1"))],
        every: Some("1d".into()),
        band: w("0.05"),
        next_ms: None,
        orders: vec!["sell 0.5 ETHUSDT reduce-only  12.0% → 0.0%".into(), "buy 0.012 BTCUSDT  0.0% → 30.0%".into()],
        notes: vec!["ETHUSDT skipped: a same-symbol hedge leg is open".into()],
    });
    assert!(press(&mut a, &snap, "R").is_empty());
    let s = render(&mut a, &snap, 80, 24);
    assert_has(
        &s,
        &[
            "Confirm: Rebalance",
            "sell 0.5 ETHUSDT reduce-only  12.0% → 0.0%",
            "buy 0.012 BTCUSDT  0.0% → 30.0%",
            "ETHUSDT skipped: a same-symbol hedge leg is open",
            "targets: BTCUSDT 30.0%, ETHUSDT -10.0% (band 5.0%)",
            "[y/Enter]",
        ],
    );
    let sent = press(&mut a, &snap, "y");
    assert_eq!(sent, vec![Command::Rebalance { targets: vec![(btc, w("0.3")), (eth, w("-0.1"))] }]);
    assert!(a.pending_confirm().is_none());
    // `n` sends nothing; the help overlay lists the key.
    press(&mut a, &snap, "R");
    assert!(press(&mut a, &snap, "n").is_empty());
    press(&mut a, &snap, "?");
    let s = render(&mut a, &snap, 200, 60);
    assert_has(&s, &["rebalance to the [execution.rebalance] targets"]);
}
