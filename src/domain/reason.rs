//! `Reason`: text a decision records (a signal's reason, an alert's message), kept as its parts
//! and written out only when someone reads it.
//!
//! A decision builds one by copying a few words: static templates and the typed values that fill
//! them (prices, quantities, amounts, numbers with a precision, symbols). It formats nothing and
//! allocates nothing, so the decision path never touches the formatter or the allocator. The
//! readers (the database writer, the UI, logs) render it with `Display`, which gives exactly the
//! text `format!` gives for the same template and values. Text read back from the database, and
//! the rare reason too long for the inline parts, is kept as an owned `String`.
//!
//! ```
//! use autobot::domain::{reason::fx, Price};
//! use autobot::reason;
//! let stop = Price::from_f64(41_980.5).unwrap();
//! let r = reason!("trend {} (alignment {}): stop {}", "up", fx(0.456, 2), stop);
//! assert_eq!(r.to_string(), "trend up (alignment 0.46): stop 41980.5");
//! assert_eq!(reason!("risk refused: ").then(r).to_string(), "risk refused: trend up (alignment 0.46): stop 41980.5");
//! ```

use super::{Money, Price, Qty, Rate, Side, Symbol, SCALE};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt::{self, Write as _};

/// Inline parts of one reason (a template counts as one, each of its values as one more).
const PIECES: usize = 14;
/// Symbols one reason holds inline.
const SYMBOLS: usize = 2;

/// One value for a template's `{}`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Arg {
    /// Static text (`"up"`, a mode's name, a side).
    Str(&'static str),
    /// A number with this many decimals (`{:.2}`); `u8::MAX`: as `{}` writes it.
    Float(f64, u8),
    /// A number with a sign always and this many decimals (`{:+.1}`).
    Signed(f64, u8),
    Int(i64),
    Price(Price),
    Qty(Qty),
    Money(Money),
    Rate(Rate),
    /// An amount with thousands separators and two decimals (`25,000.00`).
    Cents(Money),
    /// A whole count of `SCALE` units, with thousands separators (`3` for `Money::from_int(3)`).
    Count(Money),
    Symbol(Symbol),
}

/// `x` with `decimals` decimals, as `format!("{x:.decimals$}")` writes it.
pub fn fx(x: f64, decimals: u8) -> Arg {
    Arg::Float(x, decimals)
}

/// `x` with its sign and `decimals` decimals, as `format!("{x:+.decimals$}")` writes it.
pub fn signed(x: f64, decimals: u8) -> Arg {
    Arg::Signed(x, decimals)
}

impl From<&'static str> for Arg {
    fn from(s: &'static str) -> Self {
        Arg::Str(s)
    }
}
impl From<f64> for Arg {
    fn from(x: f64) -> Self {
        Arg::Float(x, u8::MAX)
    }
}
macro_rules! int_arg {
    ($($t:ty),*) => {$(
        impl From<$t> for Arg {
            fn from(v: $t) -> Self {
                Arg::Int(v as i64)
            }
        }
    )*};
}
int_arg!(i64, i32, u32, u16, u8, usize);
macro_rules! value_arg {
    ($($t:ident),*) => {$(
        impl From<$t> for Arg {
            fn from(v: $t) -> Self {
                Arg::$t(v)
            }
        }
    )*};
}
value_arg!(Price, Qty, Money, Rate, Symbol);
impl From<Side> for Arg {
    fn from(v: Side) -> Self {
        Arg::Str(v.as_str())
    }
}

/// A stored part: like `Arg`, with symbols kept beside the parts (they are the one large value).
#[derive(Debug, Clone, Copy, PartialEq)]
enum Piece {
    /// Literal text whose `{}` are filled by the parts that follow it.
    Template(&'static str),
    Arg(Slim),
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Slim {
    Str(&'static str),
    Float(f64, u8),
    Signed(f64, u8),
    Int(i64),
    Price(Price),
    Qty(Qty),
    Money(Money),
    Rate(Rate),
    Cents(Money),
    Count(Money),
    /// Index into `Parts::symbols`.
    Symbol(u8),
}

#[derive(Clone, Copy)]
struct Parts {
    len: u8,
    symbols_len: u8,
    pieces: [Piece; PIECES],
    symbols: [Symbol; SYMBOLS],
}

/// The parts inline (the point of the type: no allocation), or text.
#[allow(clippy::large_enum_variant)]
#[derive(Clone)]
enum Repr {
    Parts(Parts),
    Text(String),
}

/// Text a decision records, rendered when read (see the module documentation).
#[derive(Clone)]
pub struct Reason(Repr);

/// The number of `{}` in a template (checked against the arguments at compile time by
/// `reason!`).
pub const fn holes(template: &str) -> usize {
    let b = template.as_bytes();
    let (mut i, mut n) = (0, 0);
    while i + 1 < b.len() {
        if b[i] == b'{' && b[i + 1] == b'}' {
            n += 1;
            i += 2;
        } else {
            i += 1;
        }
    }
    n
}

/// A `Reason` from a template and its values: `reason!("stop {} -> {}", from, to)`. The number
/// of `{}` must match the number of values (a compile error otherwise). Values: `&'static str`,
/// integers, `Price`, `Qty`, `Money`, `Rate`, `Symbol`, `Side`, `f64` (as `{}` writes it) or
/// `fx(x, decimals)`, and any `Arg`.
#[macro_export]
macro_rules! reason {
    ($t:literal $(, $a:expr)* $(,)?) => {{
        const _: () = assert!(
            $crate::domain::reason::holes($t) == <[()]>::len(&[$($crate::reason!(@unit $a)),*]),
            "reason!: the template's holes and the values differ in number"
        );
        $crate::domain::Reason::template($t, &[$($crate::domain::reason::Arg::from($a)),*])
    }};
    (@unit $a:expr) => {
        ()
    };
}

impl Default for Reason {
    fn default() -> Self {
        Self::new()
    }
}

impl Reason {
    const EMPTY: Parts =
        Parts { len: 0, symbols_len: 0, pieces: [Piece::Template(""); PIECES], symbols: [Symbol::EMPTY; SYMBOLS] };

    /// No text.
    pub const fn new() -> Self {
        Reason(Repr::Parts(Self::EMPTY))
    }

    /// Owned text (read back from the database, or built elsewhere).
    pub fn text(s: impl Into<String>) -> Self {
        Reason(Repr::Text(s.into()))
    }

    /// A template and its values (what `reason!` expands to).
    pub fn template(template: &'static str, args: &[Arg]) -> Self {
        let mut r = Self::new();
        r.push(template, args);
        r
    }

    /// Appends a template and its values.
    pub fn push(&mut self, template: &'static str, args: &[Arg]) {
        if let Repr::Parts(p) = &mut self.0 {
            let symbols = args.iter().filter(|a| matches!(a, Arg::Symbol(_))).count();
            if p.len as usize + 1 + args.len() <= PIECES && p.symbols_len as usize + symbols <= SYMBOLS {
                p.pieces[p.len as usize] = Piece::Template(template);
                p.len += 1;
                for a in args {
                    let slim = p.slim(*a);
                    p.pieces[p.len as usize] = Piece::Arg(slim);
                    p.len += 1;
                }
                return;
            }
            self.spill();
        }
        if let Repr::Text(s) = &mut self.0 {
            let _ = render_template(s, template, &mut args.iter().map(|a| Rendered::Arg(*a)));
        }
    }

    /// This reason followed by `next`.
    pub fn then(mut self, next: impl Into<Reason>) -> Reason {
        self.append(&next.into());
        self
    }

    /// Appends another reason's text.
    pub fn append(&mut self, next: &Reason) {
        if let (Repr::Parts(p), Repr::Parts(q)) = (&mut self.0, &next.0) {
            if p.len as usize + q.len as usize <= PIECES && p.symbols_len as usize + q.symbols_len as usize <= SYMBOLS {
                for piece in &q.pieces[..q.len as usize] {
                    let piece = match *piece {
                        Piece::Arg(Slim::Symbol(i)) => Piece::Arg(p.slim(Arg::Symbol(q.symbols[i as usize]))),
                        other => other,
                    };
                    p.pieces[p.len as usize] = piece;
                    p.len += 1;
                }
                return;
            }
        }
        self.spill();
        if let Repr::Text(s) = &mut self.0 {
            let _ = write!(s, "{next}");
        }
    }

    /// Whether it renders as nothing.
    pub fn is_empty(&self) -> bool {
        match &self.0 {
            Repr::Parts(p) => p.pieces[..p.len as usize].iter().all(|x| matches!(x, Piece::Template(""))),
            Repr::Text(s) => s.is_empty(),
        }
    }

    /// The text: borrowed when it is held as text, made now otherwise.
    pub fn as_text(&self) -> std::borrow::Cow<'_, str> {
        match &self.0 {
            Repr::Text(s) => std::borrow::Cow::Borrowed(s),
            Repr::Parts(_) => std::borrow::Cow::Owned(self.to_string()),
        }
    }

    /// Whether the text contains `pat`.
    pub fn contains(&self, pat: &str) -> bool {
        self.as_text().contains(pat)
    }

    /// Whether the text starts with `pat`.
    pub fn starts_with(&self, pat: &str) -> bool {
        self.as_text().starts_with(pat)
    }

    /// Whether it is held as its parts (no text made yet); false for owned text.
    pub fn is_inline(&self) -> bool {
        matches!(self.0, Repr::Parts(_))
    }

    /// Turns the parts into owned text (too many parts for the inline form).
    fn spill(&mut self) {
        if let Repr::Parts(_) = &self.0 {
            let text = self.to_string();
            self.0 = Repr::Text(text);
        }
    }
}

impl Parts {
    /// The stored form of `a`; a symbol goes to the symbol slots (the caller checked for room).
    fn slim(&mut self, a: Arg) -> Slim {
        match a {
            Arg::Str(s) => Slim::Str(s),
            Arg::Float(x, d) => Slim::Float(x, d),
            Arg::Signed(x, d) => Slim::Signed(x, d),
            Arg::Int(v) => Slim::Int(v),
            Arg::Price(v) => Slim::Price(v),
            Arg::Qty(v) => Slim::Qty(v),
            Arg::Money(v) => Slim::Money(v),
            Arg::Rate(v) => Slim::Rate(v),
            Arg::Cents(v) => Slim::Cents(v),
            Arg::Count(v) => Slim::Count(v),
            Arg::Symbol(s) => {
                let i = self.symbols_len;
                self.symbols[i as usize] = s;
                self.symbols_len += 1;
                Slim::Symbol(i)
            }
        }
    }
    fn arg(&self, s: Slim) -> Arg {
        match s {
            Slim::Str(s) => Arg::Str(s),
            Slim::Float(x, d) => Arg::Float(x, d),
            Slim::Signed(x, d) => Arg::Signed(x, d),
            Slim::Int(v) => Arg::Int(v),
            Slim::Price(v) => Arg::Price(v),
            Slim::Qty(v) => Arg::Qty(v),
            Slim::Money(v) => Arg::Money(v),
            Slim::Rate(v) => Arg::Rate(v),
            Slim::Cents(v) => Arg::Cents(v),
            Slim::Count(v) => Arg::Count(v),
            Slim::Symbol(i) => Arg::Symbol(self.symbols.get(i as usize).copied().unwrap_or(Symbol::EMPTY)),
        }
    }
}

/// A part in rendering: a template or a value.
enum Rendered {
    Template(&'static str),
    Arg(Arg),
}

fn render_arg(out: &mut impl fmt::Write, a: Arg) -> fmt::Result {
    match a {
        Arg::Str(s) => out.write_str(s),
        Arg::Float(x, u8::MAX) => write!(out, "{x}"),
        Arg::Float(x, d) => write!(out, "{x:.*}", d as usize),
        Arg::Signed(x, d) => write!(out, "{x:+.*}", d as usize),
        Arg::Int(v) => write!(out, "{v}"),
        Arg::Price(v) => write!(out, "{v}"),
        Arg::Qty(v) => write!(out, "{v}"),
        Arg::Money(v) => write!(out, "{v}"),
        Arg::Rate(v) => write!(out, "{v}"),
        Arg::Cents(v) => write_cents(out, v),
        Arg::Count(v) => {
            let n = v.raw() / SCALE;
            if n < 0 {
                out.write_char('-')?;
            }
            write_grouped(out, n.unsigned_abs())
        }
        Arg::Symbol(s) => out.write_str(s.as_str()),
    }
}

/// Writes `template`, taking the value for each `{}` from `rest` (a missing one writes nothing;
/// a template in the place of a value is written as text).
fn render_template(
    out: &mut impl fmt::Write,
    template: &str,
    rest: &mut impl Iterator<Item = Rendered>,
) -> fmt::Result {
    let mut text = template;
    while let Some(at) = text.find("{}") {
        out.write_str(&text[..at])?;
        match rest.next() {
            Some(Rendered::Arg(a)) => render_arg(out, a)?,
            Some(Rendered::Template(t)) => out.write_str(t)?,
            None => {}
        }
        text = &text[at + 2..];
    }
    out.write_str(text)
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Repr::Text(s) => f.write_str(s),
            Repr::Parts(p) => {
                let mut it = p.pieces[..p.len as usize].iter().map(|x| match *x {
                    Piece::Template(t) => Rendered::Template(t),
                    Piece::Arg(s) => Rendered::Arg(p.arg(s)),
                });
                while let Some(x) = it.next() {
                    match x {
                        Rendered::Template(t) => render_template(f, t, &mut it)?,
                        Rendered::Arg(a) => render_arg(f, a)?,
                    }
                }
                Ok(())
            }
        }
    }
}

impl fmt::Debug for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.to_string(), f)
    }
}

/// Two reasons are equal when they read the same.
impl PartialEq for Reason {
    fn eq(&self, other: &Self) -> bool {
        match (&self.0, &other.0) {
            (Repr::Text(a), Repr::Text(b)) => a == b,
            _ => self.to_string() == other.to_string(),
        }
    }
}

impl PartialEq<str> for Reason {
    fn eq(&self, other: &str) -> bool {
        match &self.0 {
            Repr::Text(a) => a == other,
            Repr::Parts(_) => {
                // Compared as it is written out: no text is made.
                let mut cmp = Compare { rest: other, same: true };
                fmt::write(&mut cmp, format_args!("{self}")).is_ok() && cmp.same && cmp.rest.is_empty()
            }
        }
    }
}

/// Checks text written to it against `rest`, piece by piece.
struct Compare<'a> {
    rest: &'a str,
    same: bool,
}

impl fmt::Write for Compare<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        match self.rest.strip_prefix(s) {
            Some(r) if self.same => self.rest = r,
            _ => self.same = false,
        }
        Ok(())
    }
}

impl PartialEq<&str> for Reason {
    fn eq(&self, other: &&str) -> bool {
        self == *other
    }
}

impl From<String> for Reason {
    fn from(s: String) -> Self {
        Reason::text(s)
    }
}

impl From<&'static str> for Reason {
    fn from(s: &'static str) -> Self {
        Reason::template(s, &[])
    }
}

impl Serialize for Reason {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Reason {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(Reason::text)
    }
}

/// `m` rounded half away from zero to cents, with thousands separators: `-25,000.05`.
pub fn write_cents(out: &mut impl fmt::Write, m: Money) -> fmt::Result {
    let raw = m.raw() as i128;
    let unit = (SCALE / 100) as i128;
    let cents = if raw >= 0 { (raw + unit / 2) / unit } else { (raw - unit / 2) / unit };
    if cents < 0 {
        out.write_str("-")?;
    }
    let cents = cents.unsigned_abs();
    write_grouped(out, (cents / 100) as u64)?;
    let c = (cents % 100) as u8;
    out.write_char('.')?;
    out.write_char((b'0' + c / 10) as char)?;
    out.write_char((b'0' + c % 10) as char)
}

/// `v` with a comma between each group of three digits: `1,234,567`.
pub fn write_grouped(out: &mut impl fmt::Write, v: u64) -> fmt::Result {
    let digits = {
        let mut d = [0u8; 20];
        let (mut v, mut n) = (v, 0);
        loop {
            d[n] = b'0' + (v % 10) as u8;
            v /= 10;
            n += 1;
            if v == 0 {
                break;
            }
        }
        (d, n)
    };
    let (d, n) = digits;
    for i in (0..n).rev() {
        out.write_char(d[i] as char)?;
        if i > 0 && i % 3 == 0 {
            out.write_char(',')?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sym(s: &str) -> Symbol {
        Symbol::new(s).unwrap()
    }

    #[test]
    fn renders_like_format() {
        let (pb, stop, a) = (43_210.555_f64, 42_000.004_9_f64, -0.125_f64);
        let r =
            reason!("trend {} (alignment {}): pullback to {} resumed; stop {}", "up", fx(a, 2), fx(pb, 2), fx(stop, 2));
        let want = format!("trend up (alignment {a:.2}): pullback to {pb:.2} resumed; stop {stop:.2}");
        assert_eq!(r.to_string(), want);
        assert!(r.is_inline());
        let q = Qty::from_f64(0.069).unwrap();
        let p = Price::from_f64(43_210.5).unwrap();
        let r = r.then(reason!(" qty {} stop {}", q, p));
        assert_eq!(r.to_string(), format!("{want} qty {q} stop {p}"));
        let plain = reason!("{} bars, score {} and {}, {} ATR", 7usize, 1.5, fx(2.0, 0), signed(-1.25, 1));
        assert_eq!(plain.to_string(), format!("7 bars, score 1.5 and 2, {:+.1} ATR", -1.25));
        assert_eq!(reason!("{}", signed(0.5, 1)).to_string(), "+0.5");
        assert_eq!(reason!("no values").to_string(), "no values");
        assert!(Reason::new().is_empty() && !plain.is_empty());
    }

    #[test]
    fn prefixes_symbols_and_amounts() {
        let inner = reason!(
            "{} exceeds {}",
            Arg::Cents(Money::from_f64(25_000.0).unwrap()),
            Arg::Cents(Money::from_int(-1_234_567))
        );
        let r = reason!("{} {} {} refused: ", sym("BTCUSDT"), Side::Buy, Qty::from_f64(0.5).unwrap()).then(inner);
        assert_eq!(r.to_string(), "BTCUSDT Buy 0.5 refused: 25,000.00 exceeds -1,234,567.00");
        let two = reason!("{} vs {}: ", sym("ETHUSDT"), sym("SOLUSDT")).then(reason!("{}", sym("XRPUSDT")));
        // A third symbol does not fit inline: the text is made then and stays right.
        assert_eq!(two.to_string(), "ETHUSDT vs SOLUSDT: XRPUSDT");
        assert!(!two.is_inline());
        assert_eq!(reason!("{} open", Arg::Count(Money::from_int(3))).to_string(), "3 open");
        let mut s = String::new();
        write_cents(&mut s, Money::from_f64(0.005).unwrap()).unwrap();
        assert_eq!(s, "0.01");
    }

    #[test]
    fn a_long_reason_spills_into_text_and_reads_the_same() {
        let mut r = Reason::new();
        let mut want = String::new();
        for i in 0..20 {
            r.push("step {}; ", &[Arg::Int(i)]);
            want.push_str(&format!("step {i}; "));
        }
        assert!(!r.is_inline());
        assert_eq!(r.to_string(), want);
        let r = r.then(reason!("end {}", fx(1.25, 1)));
        assert_eq!(r.to_string(), format!("{want}end {:.1}", 1.25));
        // Equality is by text, whatever the form.
        assert_eq!(Reason::text("a 1"), reason!("a {}", 1u32));
        assert_eq!(reason!("a {}", 1u32), "a 1");
        assert_ne!(reason!("a {}", 1u32), "a 12");
        assert_ne!(reason!("a {}", 12u32), "a 1");
        assert_ne!(reason!("a {}", 1u32), "b 1");
    }

    #[test]
    fn stays_small() {
        assert!(std::mem::size_of::<Reason>() <= 400, "{}", std::mem::size_of::<Reason>());
    }

    #[test]
    fn serde_is_the_text() {
        let r = reason!("stop {} -> {}", fx(1.5, 2), fx(2.0, 2));
        let json = serde_json::to_string(&r).unwrap();
        assert_eq!(json, "\"stop 1.50 -> 2.00\"");
        let back: Reason = serde_json::from_str(&json).unwrap();
        assert_eq!(back, r);
    }
}
