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

/// One field written so any CSV reader gets it back: always quoted. A spreadsheet runs a cell
/// that starts with `=`, `+`, `-`, `@`, a tab or a carriage return as a formula, and some split
/// a cell on `,` or `;` first: every such start, at the beginning or right after a `,` or `;`,
/// gets a `'` before it, so an export cannot carry a formula.
pub fn field(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 4);
    out.push('"');
    let mut piece_starts = true;
    for c in value.chars() {
        if piece_starts && is_formula_start(c) {
            out.push('\'');
        }
        if c == '"' {
            out.push('"');
        }
        out.push(c);
        piece_starts = matches!(c, ',' | ';');
    }
    out.push('"');
    out
}

/// Whether a cell starting with `c` would be read as a formula.
fn is_formula_start(c: char) -> bool {
    matches!(c, '=' | '+' | '-' | '@' | '\t' | '\r')
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
        assert_eq!(field("plain"), "\"plain\"");
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(field("=HYPERLINK(1)"), "\"'=HYPERLINK(1)\"");
        assert_eq!(
            field("Ann;=cmd|' /C calc'!A0"),
            "\"Ann;'=cmd|' /C calc'!A0\""
        );
        assert_eq!(field("x,+1,-2,@a"), "\"x,'+1,'-2,'@a\"");
        assert_eq!(field("\tTab"), "\"'\tTab\"");
        assert_eq!(field("a-b=c"), "\"a-b=c\"");
        assert_eq!(line(["a", "b c"]), "\"a\",\"b c\"\r\n");
        assert_eq!(column_key(" Publish Date "), "publish_date");
    }

    /// A hostile corpus: names, emails and milestone names as people type them.
    #[test]
    fn no_hostile_cell_reads_as_a_formula() {
        let corpus = [
            "=1+1",
            "+SUM(A1:A2)",
            "-2+3",
            "@SUM(1)",
            "\t=1",
            "\r=1",
            "Ann=1",
            "Ann,=1",
            "Ann;=1",
            "Ann; =1",
            "ann+x@example.com",
            "\"=1\"",
            "=HYPERLINK(\"https://evil.example\",\"x\")",
            "Mid-Cycle Check-In",
            "'already quoted",
        ];
        let text = line(corpus);
        let back = parse(&text).expect("parses");
        assert_eq!(back.len(), 1);
        for (cell, original) in back[0].fields.iter().zip(corpus) {
            assert_eq!(
                cell.replace('\'', ""),
                original.replace('\'', ""),
                "{cell:?}"
            );
            for piece in cell.split([',', ';']) {
                assert!(
                    !piece.starts_with(is_formula_start),
                    "{cell:?} holds {piece:?}"
                );
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(10_000))]
        #[test]
        fn whatever_is_written_reads_back(rows in prop::collection::vec(
            prop::collection::vec("[a-zA-Z0-9 ,;\"\n@=+.\t-]{0,12}", 1..5), 1..6)
        ) {
            let text: String = rows
                .iter()
                .map(|r| line(r.iter().map(String::as_str)))
                .collect();
            let back = parse(&text).expect("parses");
            let got: Vec<Vec<String>> = back.into_iter().map(|r| r.fields).collect();
            // A row of empty cells reads as a blank line, which readers skip.
            let written: Vec<&Vec<String>> =
                rows.iter().filter(|r| !r.iter().all(String::is_empty)).collect();
            prop_assert_eq!(got.len(), written.len());
            for (read, written) in got.iter().zip(written) {
                prop_assert_eq!(read.len(), written.len());
                for (cell, original) in read.iter().zip(written) {
                    // The only change is a `'` before each piece that would start a formula.
                    prop_assert_eq!(&cell.replace('\'', ""), original);
                    for piece in cell.split([',', ';']) {
                        prop_assert!(!piece.starts_with(is_formula_start), "{:?}", cell);
                    }
                }
            }

        }
    }
}
