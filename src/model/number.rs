//! An exact number of a declaration.
//!
//! Terraform's numbers are arbitrary-precision decimals: `0.1`, `1.0000000000000000001` and
//! `1e400` are numbers a configuration can hold, and none of them is a double. The plan-time
//! rules judge the number written, not its nearest double (which would make
//! `1.0000000000000000001` a whole number, and then a state Terraform finds inconsistent with
//! the plan). The rules only ask whether a number is whole and, if so, what integer it is, so
//! the number is held as its decimal digits and a power of ten: both questions are answered
//! in time linear in the text, whatever the exponent (a configuration can write `1e-999999999`,
//! where a big-number type would compute a power of ten that large).

use std::fmt;
use std::str::FromStr;

/// An exact decimal number: `digits × 10^exponent`, negative or not.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Number {
    negative: bool,
    /// Decimal digits without leading or trailing zeros; empty for zero.
    digits: String,
    exponent: i64,
}

/// Text that is not a decimal number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a decimal number")]
pub struct NotANumber(pub String);

/// Longest exponent written out in full by [`Number`]'s `Display`; beyond it, scientific form.
const PLAIN_DIGITS: i64 = 40;

impl Number {
    fn new(negative: bool, digits: &str, exponent: i64) -> Self {
        let leading = digits.bytes().take_while(|b| *b == b'0').count();
        let digits = &digits[leading..];
        let kept = digits.trim_end_matches('0');
        let trailing = digits.len() - kept.len();
        if kept.is_empty() {
            return Self::default();
        }
        Self {
            negative,
            digits: kept.to_string(),
            exponent: exponent.saturating_add(trailing as i64),
        }
    }

    /// The number a double holds, exactly (every finite double is a decimal with at most 767
    /// significant digits); `None` for infinities and NaN.
    pub fn from_f64(value: f64) -> Option<Self> {
        if !value.is_finite() {
            return None;
        }
        // Rust writes a double with a given precision exactly, not as its shortest spelling.
        format!("{value:.767e}").parse().ok()
    }

    /// True when the number is a whole number.
    pub fn is_whole(&self) -> bool {
        self.exponent >= 0
    }

    /// The number, when it is a whole number that fits in an `i128`.
    pub fn to_i128(&self) -> Option<i128> {
        if !self.is_whole() {
            return None;
        }
        if self.digits.is_empty() {
            return Some(0);
        }
        // 39 digits hold every i128; more never fit.
        let width = (self.digits.len() as i64).checked_add(self.exponent)?;
        if width > 39 {
            return None;
        }
        let zeros = "0".repeat(usize::try_from(self.exponent).ok()?);
        let magnitude: i128 = format!("{}{zeros}", self.digits).parse().ok()?;
        Some(if self.negative { -magnitude } else { magnitude })
    }

    /// The number, when it is a whole number between `min` and `max`; otherwise why not, as
    /// the end of a sentence that starts with the attribute's name.
    pub fn whole_in(&self, min: i128, max: i128) -> Result<i128, String> {
        if !self.is_whole() {
            return Err(format!("is {self}, not a whole number"));
        }
        match self.to_i128() {
            Some(n) if (min..=max).contains(&n) => Ok(n),
            _ => Err(format!("is {self}, outside {min}..{max}")),
        }
    }
}

impl From<u64> for Number {
    fn from(value: u64) -> Self {
        Self::new(false, &value.to_string(), 0)
    }
}

impl From<i64> for Number {
    fn from(value: i64) -> Self {
        Self::new(value < 0, &value.unsigned_abs().to_string(), 0)
    }
}

impl From<u16> for Number {
    fn from(value: u16) -> Self {
        u64::from(value).into()
    }
}

impl FromStr for Number {
    type Err = NotANumber;

    /// A decimal number: an optional sign, digits with an optional `.`, and an optional
    /// exponent (`e` or `E`, signed). This is how Terraform writes a number that is not exact
    /// as a double (`big.Float.Text('f', -1)` in cty's MessagePack encoder).
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let invalid = || NotANumber(text.chars().take(64).collect());
        let (negative, rest) = match text.as_bytes().first() {
            Some(b'-') => (true, &text[1..]),
            Some(b'+') => (false, &text[1..]),
            _ => (false, text),
        };
        let (mantissa, exponent) = match rest.find(['e', 'E']) {
            Some(at) => {
                let exponent = &rest[at + 1..];
                let digits = exponent.trim_start_matches(['+', '-']);
                if exponent.len() - digits.len() > 1
                    || digits.is_empty()
                    || !digits.bytes().all(|b| b.is_ascii_digit())
                {
                    return Err(invalid());
                }
                // An exponent too large for an i64 is beyond anything a rule accepts: keep
                // its sign and size class.
                let exponent = exponent
                    .parse::<i64>()
                    .unwrap_or(if exponent.starts_with('-') {
                        i64::MIN / 2
                    } else {
                        i64::MAX / 2
                    });
                (&rest[..at], exponent)
            }
            None => (rest, 0),
        };
        let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        if whole.is_empty() && fraction.is_empty()
            || !whole
                .bytes()
                .chain(fraction.bytes())
                .all(|b| b.is_ascii_digit())
        {
            return Err(invalid());
        }
        let exponent = exponent.saturating_sub(fraction.len() as i64);
        Ok(Self::new(negative, &format!("{whole}{fraction}"), exponent))
    }
}

impl fmt::Display for Number {
    /// Plain decimal text (`600`, `0.1`, `-2.5`) unless the exponent is far from the digits,
    /// then scientific (`1e+400`). Either way, Terraform reads it back as the same number.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.digits.is_empty() {
            return f.write_str("0");
        }
        if self.negative {
            f.write_str("-")?;
        }
        let len = self.digits.len() as i64;
        if (0..=PLAIN_DIGITS).contains(&self.exponent) {
            let zeros = usize::try_from(self.exponent).unwrap_or(0);
            return write!(f, "{}{}", self.digits, "0".repeat(zeros));
        }
        if self.exponent < 0 && -self.exponent <= PLAIN_DIGITS {
            let point = len + self.exponent;
            return if point > 0 {
                let (whole, fraction) = self.digits.split_at(point as usize);
                write!(f, "{whole}.{fraction}")
            } else {
                let zeros = usize::try_from(-point).unwrap_or(0);
                write!(f, "0.{}{}", "0".repeat(zeros), self.digits)
            };
        }
        let (first, rest) = self.digits.split_at(1);
        let point = if rest.is_empty() { "" } else { "." };
        let exponent = self.exponent.saturating_add(len - 1);
        write!(f, "{first}{point}{rest}e{exponent:+}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(text: &str) -> Number {
        text.parse().expect("a number")
    }

    #[test]
    fn decimal_text_is_read_exactly() {
        assert_eq!(n("600"), Number::from(600u64));
        assert_eq!(n("600.000"), Number::from(600u64));
        assert_eq!(n("6e2"), Number::from(600u64));
        assert_eq!(n("+6E+2"), Number::from(600u64));
        assert_eq!(n("-0"), Number::default());
        assert_eq!(n(".5"), n("0.5"));
        assert_eq!(n("5."), n("5"));
        assert!(n("1.0000000000000000001").to_i128().is_none());
        assert!(!n("1.0000000000000000001").is_whole());
        assert!(n("1e-999999999").to_i128().is_none());
        assert!(n("123456789012345678901234567890123456789012").is_whole());
        for bad in [
            "", "-", ".", "e5", "1e", "1e+-2", "0x10", "1_000", "inf", "NaN", " 1", "1.2.3",
        ] {
            assert!(bad.parse::<Number>().is_err(), "{bad}");
        }
    }

    #[test]
    fn whole_numbers_and_their_values() {
        assert_eq!(n("2147483646").to_i128(), Some(2_147_483_646));
        assert_eq!(n("-42").to_i128(), Some(-42));
        // Zero has no digits; it is whole and within any range that holds 0.
        assert_eq!(n("0").to_i128(), Some(0));
        assert_eq!(n("0.000").whole_in(0, 10), Ok(0));
        assert!(n("0").whole_in(1, 10).is_err());
        assert_eq!(n("1e38").to_i128(), Some(10i128.pow(38)));
        assert_eq!(n("1e39").to_i128(), None, "beyond an i128");
        assert_eq!(n("1e400").to_i128(), None);
        assert_eq!(
            n("0.5").whole_in(0, 10),
            Err("is 0.5, not a whole number".into())
        );
        assert_eq!(n("11").whole_in(0, 10), Err("is 11, outside 0..10".into()));
        assert_eq!(
            n("1e400").whole_in(0, 10),
            Err("is 1e+400, outside 0..10".into())
        );
        assert_eq!(n("-1").whole_in(0, 10), Err("is -1, outside 0..10".into()));
        assert_eq!(n("10.0").whole_in(0, 10), Ok(10));
    }

    #[test]
    fn doubles_are_taken_exactly() {
        assert_eq!(Number::from_f64(0.5), Some(n("0.5")));
        assert_eq!(Number::from_f64(1e22), Some(n("1e22")));
        assert_eq!(
            Number::from_f64(2f64.powi(70)),
            Some(n("1180591620717411303424"))
        );
        assert_eq!(Number::from_f64(-0.0), Some(Number::default()));
        assert_eq!(
            Number::from_f64(0.1),
            Some(n(
                "0.1000000000000000055511151231257827021181583404541015625"
            ))
        );
        assert_eq!(Number::from_f64(f64::NAN), None);
        assert_eq!(Number::from_f64(f64::INFINITY), None);
    }

    #[test]
    fn display_is_plain_near_the_point_and_scientific_far_from_it() {
        for (text, shown) in [
            ("0", "0"),
            ("600", "600"),
            ("0.1", "0.1"),
            ("-2.50", "-2.5"),
            ("0.000123", "0.000123"),
            ("1.0000000000000000001", "1.0000000000000000001"),
            (
                "123456789012345678901234567890",
                "123456789012345678901234567890",
            ),
            ("1e400", "1e+400"),
            ("-1.25e-400", "-1.25e-400"),
        ] {
            assert_eq!(n(text).to_string(), shown, "{text}");
            assert_eq!(n(shown), n(text), "{shown} reads back as {text}");
        }
    }
}
