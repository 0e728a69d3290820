//! The little JSON the page reads: numbers (non-finite ones as `null`,
//! which JSON lacks), lists of them, and escaped strings.

/// A number, or `null` when it is not finite.
pub fn num(v: f64) -> String {
    if v.is_finite() {
        format!("{v}")
    } else {
        "null".into()
    }
}

/// A list of numbers, each rounded to `digits` significant digits (the
/// page draws them; full precision would only make the text longer).
pub fn list(values: impl IntoIterator<Item = f64>, digits: usize) -> String {
    let items: Vec<String> = values
        .into_iter()
        .map(|v| {
            if v.is_finite() {
                // `1.23e-3` is valid JSON as it is.
                format!("{v:.*e}", digits.saturating_sub(1))
            } else {
                "null".into()
            }
        })
        .collect();
    format!("[{}]", items.join(","))
}

/// A JSON string literal.
pub fn string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_lists_and_strings_are_json() {
        assert_eq!(num(0.5), "0.5");
        assert_eq!(num(f64::NAN), "null");
        assert_eq!(
            list([1.0, -0.00123456, f64::INFINITY], 3),
            "[1.00e0,-1.23e-3,null]"
        );
        assert_eq!(string("a \"b\"\n\u{1}"), "\"a \\\"b\\\"\\n\\u0001\"");
    }
}
