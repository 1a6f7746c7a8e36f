//! Plain-scalar resolution as go-yaml resolves it: v3 on input (kustomize's kyaml reads manifests with go-yaml v3),
//! v2 on output (kustomize prints through sigs.k8s.io/yaml, which marshals with go-yaml v2). Mirrors
//! `resolve()` in go-yaml's resolve.go (branches v3 and v2) and `parseTimestamp` there, with Go's
//! `strconv.ParseInt(s, 0, 64)`, `ParseUint` and `ParseFloat` semantics.

/// What a plain scalar means.
#[derive(Debug, Clone, PartialEq)]
pub enum Scalar {
    Null,
    Bool(bool),
    Int(i64),
    Uint(u64),
    Float(f64),
    /// A timestamp, already in the form Go's JSON encoding gives a `time.Time` (RFC 3339 with nanoseconds).
    Timestamp(String),
    /// The merge key `<<`.
    Merge,
    Str,
}

/// go-yaml's two rule sets differ in the YAML 1.1 booleans (v2 only) and `0o` octals (v3 only).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rules {
    V2,
    V3,
}

/// go-yaml's `resolve("", s)` for a plain scalar.
pub fn resolve(s: &str, rules: Rules) -> Scalar {
    match s {
        "true" | "True" | "TRUE" => return Scalar::Bool(true),
        "false" | "False" | "FALSE" => return Scalar::Bool(false),
        "" | "~" | "null" | "Null" | "NULL" => return Scalar::Null,
        ".nan" | ".NaN" | ".NAN" => return Scalar::Float(f64::NAN),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => return Scalar::Float(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => return Scalar::Float(f64::NEG_INFINITY),
        "<<" => return Scalar::Merge,
        _ => {}
    }
    if rules == Rules::V2 {
        match s {
            "y" | "Y" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" => return Scalar::Bool(true),
            "n" | "N" | "no" | "No" | "NO" | "off" | "Off" | "OFF" => return Scalar::Bool(false),
            _ => {}
        }
    }
    let first = s.as_bytes()[0];
    match first {
        b'.' => match go_parse_float(s) {
            Some(f) => Scalar::Float(f),
            None => Scalar::Str,
        },
        b'+' | b'-' | b'0'..=b'9' => {
            if let Some(t) = parse_timestamp(s) {
                return Scalar::Timestamp(t);
            }
            let plain: String = s.chars().filter(|c| *c != '_').collect();
            if let Some(i) = go_parse_int(&plain, 0) {
                return Scalar::Int(i);
            }
            if let Some(u) = go_parse_uint(&plain, 0) {
                return Scalar::Uint(u);
            }
            if yaml_style_float(&plain)
                && let Some(f) = go_parse_float(&plain)
            {
                return Scalar::Float(f);
            }
            if let Some(rest) = plain.strip_prefix("0b") {
                if let Some(i) = go_parse_int(rest, 2) {
                    return Scalar::Int(i);
                }
                if let Some(u) = go_parse_uint(rest, 2) {
                    return Scalar::Uint(u);
                }
            } else if let Some(rest) = plain.strip_prefix("-0b")
                && let Some(i) = go_parse_int(&format!("-{rest}"), 2)
            {
                return Scalar::Int(i);
            }
            if rules == Rules::V3 {
                if let Some(rest) = plain.strip_prefix("0o") {
                    if let Some(i) = go_parse_int(rest, 8) {
                        return Scalar::Int(i);
                    }
                    if let Some(u) = go_parse_uint(rest, 8) {
                        return Scalar::Uint(u);
                    }
                } else if let Some(rest) = plain.strip_prefix("-0o")
                    && let Some(i) = go_parse_int(&format!("-{rest}"), 8)
                {
                    return Scalar::Int(i);
                }
            }
            Scalar::Str
        }
        _ => Scalar::Str,
    }
}

/// `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`
fn yaml_style_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if matches!(b.first(), Some(b'+' | b'-')) {
        i += 1;
    }
    let digits = |i: &mut usize| {
        let start = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - start
    };
    if b.get(i) == Some(&b'.') {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    } else {
        if digits(&mut i) == 0 {
            return false;
        }
        if b.get(i) == Some(&b'.') {
            i += 1;
            digits(&mut i);
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

/// The digits of an integer literal and its base, as Go's `ParseUint(s, 0, 64)` reads prefixes (`0x`, `0o`, `0b`,
/// and a bare leading `0` for octal); `base` other than 0 takes the digits as they are.
fn split_base(s: &str, base: u32) -> Option<(&str, u32)> {
    if base != 0 {
        return Some((s, base));
    }
    // Compared as bytes: the text may hold a multi-byte character right after the `0` (found by the yaml fuzz target).
    let lower = |p: &str| s.len() > p.len() && s.as_bytes()[..p.len()].eq_ignore_ascii_case(p.as_bytes());
    if lower("0x") {
        Some((&s[2..], 16))
    } else if lower("0o") {
        Some((&s[2..], 8))
    } else if lower("0b") {
        Some((&s[2..], 2))
    } else if s.len() > 1 && s.starts_with('0') {
        Some((&s[1..], 8))
    } else {
        Some((s, 10))
    }
}

fn go_parse_uint(s: &str, base: u32) -> Option<u64> {
    if s.is_empty() {
        return None;
    }
    let (digits, radix) = split_base(s, base)?;
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    u64::from_str_radix(digits, radix).ok()
}

fn go_parse_int(s: &str, base: u32) -> Option<i64> {
    let (negative, rest) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let magnitude = go_parse_uint(rest, base)?;
    if negative {
        if magnitude <= i64::MAX as u64 + 1 { Some((magnitude as i128).wrapping_neg() as i64) } else { None }
    } else {
        i64::try_from(magnitude).ok()
    }
}

/// Go's `strconv.ParseFloat(s, 64)` for decimal text: out of range is an error, not infinity.
fn go_parse_float(s: &str) -> Option<f64> {
    let valid = s.bytes().all(|c| c.is_ascii_digit() || matches!(c, b'.' | b'e' | b'E' | b'+' | b'-'));
    if !valid {
        return None;
    }
    s.parse::<f64>().ok().filter(|f| f.is_finite())
}

/// go-yaml's `parseTimestamp`: the layouts `2006-1-2T15:4:5.999999999Z07:00` (also with `t`),
/// `2006-1-2 15:4:5.999999999` and `2006-1-2`, read as Go's time.Parse reads them; the result as Go's JSON encoding
/// writes a time (RFC 3339 with nanoseconds, `Z` for UTC).
pub fn parse_timestamp(s: &str) -> Option<String> {
    let b = s.as_bytes();
    if b.len() < 5 || !b[..4].iter().all(u8::is_ascii_digit) || b[4] != b'-' {
        return None;
    }
    let mut p = Cursor { b, i: 5 };
    let year: i64 = s[..4].parse().ok()?;
    let month = p.number(1, 2)?;
    p.expect(b'-')?;
    let day = p.number(1, 2)?;
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    if p.done() {
        return Some(format!("{year:04}-{month:02}-{day:02}T00:00:00Z"));
    }
    let with_zone = match p.next()? {
        b'T' | b't' => true,
        b' ' => false,
        _ => return None,
    };
    let hour = p.number(1, 2)?;
    p.expect(b':')?;
    let minute = p.number(1, 2)?;
    p.expect(b':')?;
    let second = p.number(1, 2)?;
    if hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let mut nanos = String::new();
    // Go reads a fraction after `.` or `,`, of any length, keeping nanoseconds (parseNanoseconds).
    if matches!(p.peek(), Some(b'.' | b',')) && b.get(p.i + 1).is_some_and(u8::is_ascii_digit) {
        p.i += 1;
        let start = p.i;
        while p.peek().is_some_and(|c| c.is_ascii_digit()) {
            p.i += 1;
        }
        let digits = &s[start..p.i.min(start + 9)];
        nanos = digits.trim_end_matches('0').to_string();
    }
    let zone = if with_zone {
        match p.next()? {
            b'Z' => "Z".to_string(),
            sign @ (b'+' | b'-') => {
                let hh = p.number(2, 2)?;
                p.expect(b':')?;
                let mm = p.number(2, 2)?;
                if hh == 0 && mm == 0 { "Z".to_string() } else { format!("{}{hh:02}:{mm:02}", sign as char) }
            }
            _ => return None,
        }
    } else {
        "Z".to_string()
    };
    if !p.done() {
        return None;
    }
    let fraction = if nanos.is_empty() { String::new() } else { format!(".{nanos}") };
    Some(format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}{fraction}{zone}"))
}

struct Cursor<'a> {
    b: &'a [u8],
    i: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }
    fn next(&mut self) -> Option<u8> {
        let c = self.peek()?;
        self.i += 1;
        Some(c)
    }
    fn done(&self) -> bool {
        self.i == self.b.len()
    }
    fn expect(&mut self, c: u8) -> Option<()> {
        (self.next()? == c).then_some(())
    }
    /// Between `min` and `max` digits.
    fn number(&mut self, min: usize, max: usize) -> Option<u32> {
        let start = self.i;
        while self.i - start < max && self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.i += 1;
        }
        if self.i - start < min {
            return None;
        }
        std::str::from_utf8(&self.b[start..self.i]).ok()?.parse().ok()
    }
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        _ => 31,
    }
}

/// YAML 1.1 base-60 floats (`1:20`): go-yaml v2 quotes them on the way out (`isBase60Float` in encode.go).
pub fn is_base60_float(s: &str) -> bool {
    let b = s.as_bytes();
    let Some(&c) = b.first() else { return false };
    if !(c == b'+' || c == b'-' || c.is_ascii_digit()) || !s.contains(':') {
        return false;
    }
    // ^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$
    let mut i = usize::from(c == b'+' || c == b'-');
    if !b.get(i).is_some_and(u8::is_ascii_digit) {
        return false;
    }
    while b.get(i).is_some_and(|c| c.is_ascii_digit() || *c == b'_') {
        i += 1;
    }
    let mut groups = 0;
    while b.get(i) == Some(&b':') {
        i += 1;
        let start = i;
        while i - start < 2 && b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        let group = &s[start..i];
        let ok = match group.len() {
            1 => true,
            2 => group.as_bytes()[0] <= b'5',
            _ => false,
        };
        if !ok {
            return false;
        }
        groups += 1;
    }
    if groups == 0 {
        return false;
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        while b.get(i).is_some_and(|c| c.is_ascii_digit() || *c == b'_') {
            i += 1;
        }
    }
    i == b.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v3_reads_what_kubectl_kustomize_reads() {
        let cases: &[(&str, Scalar)] = &[
            ("yes", Scalar::Str),
            ("y", Scalar::Str),
            ("0755", Scalar::Int(493)),
            ("0x1F", Scalar::Int(31)),
            ("0o17", Scalar::Int(15)),
            ("0b101", Scalar::Int(5)),
            ("08", Scalar::Float(8.0)),
            ("1e3", Scalar::Float(1000.0)),
            ("1_000", Scalar::Int(1000)),
            ("+12", Scalar::Int(12)),
            ("-0", Scalar::Int(0)),
            ("9223372036854775808", Scalar::Uint(9223372036854775808)),
            ("1:20", Scalar::Str),
            ("12:30:00", Scalar::Str),
            ("1.0.0", Scalar::Str),
            (".5", Scalar::Float(0.5)),
            ("5.", Scalar::Float(5.0)),
            ("1e400", Scalar::Str),
            ("~", Scalar::Null),
            ("2024-01-01", Scalar::Timestamp("2024-01-01T00:00:00Z".into())),
            ("2001-12-14t21:59:43.10-05:00", Scalar::Timestamp("2001-12-14T21:59:43.1-05:00".into())),
            ("2024-1-2 3:4:5.123", Scalar::Timestamp("2024-01-02T03:04:05.123Z".into())),
            ("2024-02-30", Scalar::Str),
        ];
        for (text, want) in cases {
            assert_eq!(&resolve(text, Rules::V3), want, "{text}");
        }
        assert_eq!(resolve("yes", Rules::V2), Scalar::Bool(true));
        // Go's ParseInt(s, 0, 64) reads `0o` since Go 1.13, under either rule set.
        assert_eq!(resolve("0o17", Rules::V2), Scalar::Int(15));
        // Multi-byte characters after a leading digit (a crash the yaml fuzz target found).
        for text in ["0Ώk", "0ΏΏ", "1Ώ", "-Ώ", "+0Ώ", "2024-Ώ"] {
            assert_eq!(resolve(text, Rules::V3), Scalar::Str, "{text}");
            assert_eq!(resolve(text, Rules::V2), Scalar::Str, "{text}");
        }
    }

    #[test]
    fn base60() {
        for s in ["1:20", "190:20:30", "-1:2", "1:20.5"] {
            assert!(is_base60_float(s), "{s}");
        }
        for s in ["1:60", "a:1", "1", "1:", "12:30:00x"] {
            assert!(!is_base60_float(s), "{s}");
        }
    }
}
