//! CSV as spreadsheets and HR systems write it (RFC 4180): commas, double-quoted fields with
//! `""` for a quote, CRLF or LF line ends, an optional byte-order mark. Reading keeps each
//! record's line number so a preview can say where a problem is.

/// One record of a CSV file and the line it starts on (1-based).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    pub line: usize,
    pub fields: Vec<String>,
}

/// Why a file could not be read as CSV at all.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CsvError {
    pub line: usize,
    pub message: String,
}

/// Reads every non-blank record. A quote left open is an error for the whole file, since every
/// later field would shift.
pub fn parse(text: &str) -> Result<Vec<Record>, CsvError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut records = Vec::new();
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut in_quotes = false;
    let mut quoted_field = false;
    let mut line = 1;
    let mut record_line = 1;
    let mut quote_line = 1;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if in_quotes {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => in_quotes = false,
                '\n' => {
                    line += 1;
                    field.push('\n');
                }
                other => field.push(other),
            }
            continue;
        }
        match c {
            '"' if field.trim().is_empty() && !quoted_field => {
                field.clear();
                in_quotes = true;
                quoted_field = true;
                quote_line = line;
            }
            ',' => {
                fields.push(finish(&mut field, quoted_field));
                quoted_field = false;
            }
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' | '\r' => {
                fields.push(finish(&mut field, quoted_field));
                quoted_field = false;
                push_record(&mut records, record_line, std::mem::take(&mut fields));
                line += 1;
                record_line = line;
            }
            other => field.push(other),
        }
    }
    if in_quotes {
        return Err(CsvError {
            line: quote_line,
            message: "a quoted field is never closed (a \" is missing)".to_string(),
        });
    }
    if !field.is_empty() || !fields.is_empty() || quoted_field {
        fields.push(finish(&mut field, quoted_field));
        push_record(&mut records, record_line, fields);
    }
    Ok(records)
}

fn finish(field: &mut String, quoted: bool) -> String {
    let value = std::mem::take(field);
    if quoted {
        // Text after the closing quote (`"a" `) is spacing a spreadsheet added.
        value
    } else {
        value.trim().to_string()
    }
}

fn push_record(records: &mut Vec<Record>, line: usize, fields: Vec<String>) {
    if fields.iter().all(|f| f.is_empty()) {
        return;
    }
    records.push(Record { line, fields });
}

/// One field written so any CSV reader gets it back. Fields a spreadsheet would run as a
/// formula (`=`, `+`, `-`, `@` first) are prefixed with `'` so an export cannot carry one.
pub fn field(value: &str) -> String {
    let value = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_string()
    };
    if value.contains([',', '"', '\n', '\r']) || value.starts_with(' ') || value.ends_with(' ') {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value
    }
}

/// One CSV line (CRLF-terminated, as RFC 4180 asks).
pub fn line<'a>(values: impl IntoIterator<Item = &'a str>) -> String {
    let mut out = values.into_iter().map(field).collect::<Vec<_>>().join(",");
    out.push_str("\r\n");
    out
}

/// A header cell as a column key: lower case, spaces and dashes as underscores.
pub fn column_key(header: &str) -> String {
    header
        .trim()
        .to_lowercase()
        .chars()
        .map(|c| if c == ' ' || c == '-' { '_' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn fields(text: &str) -> Vec<Vec<String>> {
        parse(text)
            .expect("parses")
            .into_iter()
            .map(|r| r.fields)
            .collect()
    }

    #[test]
    fn reads_plain_quoted_and_multiline_fields_with_their_lines() {
        let text = "\u{feff}email,role\r\nann@example.com , mentor\r\n\r\n\"Lee, \"\"Jo\"\"\",\"two\nlines\"\nlast,row";
        let records = parse(text).expect("parses");
        assert_eq!(records[0].fields, ["email", "role"]);
        assert_eq!(records[1].fields, ["ann@example.com", "mentor"]);
        assert_eq!(records[2].fields, ["Lee, \"Jo\"", "two\nlines"]);
        assert_eq!(records[2].line, 4);
        assert_eq!(records[3].line, 6);
        assert_eq!(records.len(), 4);
    }

    #[test]
    fn keeps_empty_fields_and_skips_blank_lines() {
        assert_eq!(
            fields("a,,c\n,,\n\nd,"),
            [vec!["a", "", "c"], vec!["d", ""]]
        );
        assert!(parse("").expect("empty is fine").is_empty());
    }

    #[test]
    fn an_unclosed_quote_is_an_error_at_its_line() {
        let error = parse("a,b\nc,\"open\nmore").expect_err("unclosed");
        assert_eq!(error.line, 2);
    }

    #[test]
    fn writes_fields_that_read_back_and_defuses_formulas() {
        assert_eq!(field("plain"), "plain");
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(field("=HYPERLINK(1)"), "'=HYPERLINK(1)");
        assert_eq!(line(["a", "b c"]), "a,b c\r\n");
        assert_eq!(column_key(" Publish Date "), "publish_date");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(10_000))]
        #[test]
        fn whatever_is_written_reads_back(rows in prop::collection::vec(
            prop::collection::vec("[a-zA-Z0-9 ,\"\n@.]{0,12}", 1..5), 1..6)
        ) {
            let text: String = rows
                .iter()
                .map(|r| line(r.iter().map(String::as_str)))
                .collect();
            let back = parse(&text).expect("parses");
            let expected: Vec<Vec<String>> = rows
                .iter()
                .map(|r| r.iter().map(|f| {
                    let f = if f.starts_with(['=', '+', '-', '@']) { format!("'{f}") } else { f.clone() };
                    if f.contains([',', '"', '\n']) || f.starts_with(' ') || f.ends_with(' ') { f } else { f.trim().to_string() }
                }).collect())
                .filter(|r: &Vec<String>| !r.iter().all(|f| f.is_empty()))
                .collect();
            let got: Vec<Vec<String>> = back.into_iter().map(|r| r.fields).collect();
            prop_assert_eq!(got, expected);
        }
    }
}
