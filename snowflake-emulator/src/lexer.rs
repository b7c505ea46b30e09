//! SQL tokenizer: identifiers (unquoted fold to upper case, quoted keep case),
//! string literals (`''`, backslash escapes, `$$...$$`), numbers and punctuation.

use crate::error::SfError;

#[derive(Debug, Clone, PartialEq)]
pub enum Tok {
    /// Unquoted identifier or keyword; `upper` is the folded form, `raw` the text.
    Word {
        upper: String,
        raw: String,
    },
    /// Double-quoted identifier, content with `""` collapsed.
    Quoted(String),
    /// String literal after escape processing.
    Str(String),
    Number(String),
    Sym(&'static str),
    Eof,
}

#[derive(Debug, Clone)]
pub struct Token {
    pub tok: Tok,
    pub line: usize,
    /// 0-based character position within the line.
    pub pos: usize,
    /// Source text of the token, as written (for "unexpected '...'").
    pub text: String,
    /// 0-based character offset of the token in the statement.
    pub off: usize,
}

pub fn tokenize(sql: &str) -> Result<Vec<Token>, SfError> {
    let chars: Vec<char> = sql.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let mut line = 1;
    let mut line_start = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\n' {
            line += 1;
            i += 1;
            line_start = i;
            continue;
        }
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        // Comments.
        if (c == '-' && chars.get(i + 1) == Some(&'-'))
            || (c == '/' && chars.get(i + 1) == Some(&'/'))
        {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
            continue;
        }
        if c == '/' && chars.get(i + 1) == Some(&'*') {
            i += 2;
            while i < chars.len() && !(chars[i] == '*' && chars.get(i + 1) == Some(&'/')) {
                if chars[i] == '\n' {
                    line += 1;
                    line_start = i + 1;
                }
                i += 1;
            }
            i = (i + 2).min(chars.len());
            continue;
        }
        let start = i;
        let pos = i - line_start;
        let start_line = line;
        let tok = if c.is_ascii_alphabetic() || c == '_' {
            while i < chars.len()
                && (chars[i].is_ascii_alphanumeric() || chars[i] == '_' || chars[i] == '$')
            {
                i += 1;
            }
            let raw: String = chars[start..i].iter().collect();
            Tok::Word {
                upper: raw.to_ascii_uppercase(),
                raw,
            }
        } else if c == '"' {
            i += 1;
            let mut s = String::new();
            loop {
                match chars.get(i) {
                    None => return Err(unterminated(start_line, pos, "\"")),
                    Some('"') if chars.get(i + 1) == Some(&'"') => {
                        s.push('"');
                        i += 2;
                    }
                    Some('"') => {
                        i += 1;
                        break;
                    }
                    Some(&ch) => {
                        if ch == '\n' {
                            line += 1;
                            line_start = i + 1;
                        }
                        s.push(ch);
                        i += 1;
                    }
                }
            }
            if s.is_empty() {
                return Err(SfError::syntax_at(start_line, pos, "\"\""));
            }
            Tok::Quoted(s)
        } else if c == '\'' {
            i += 1;
            let mut s = String::new();
            loop {
                match chars.get(i) {
                    None => return Err(unterminated(start_line, pos, "'")),
                    Some('\'') if chars.get(i + 1) == Some(&'\'') => {
                        s.push('\'');
                        i += 2;
                    }
                    Some('\'') => {
                        i += 1;
                        break;
                    }
                    Some('\\') => {
                        i += 1;
                        let Some(&e) = chars.get(i) else {
                            return Err(unterminated(start_line, pos, "'"));
                        };
                        i += 1;
                        match e {
                            'n' => s.push('\n'),
                            't' => s.push('\t'),
                            'r' => s.push('\r'),
                            'b' => s.push('\u{8}'),
                            'f' => s.push('\u{c}'),
                            '0' if !chars.get(i).is_some_and(|d| d.is_digit(8)) => s.push('\0'),
                            'x' => {
                                let hex: String =
                                    chars[i..(i + 2).min(chars.len())].iter().collect();
                                match u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                                    Some(ch) if hex.len() == 2 => {
                                        s.push(ch);
                                        i += 2;
                                    }
                                    _ => s.push('x'),
                                }
                            }
                            'u' => {
                                let hex: String =
                                    chars[i..(i + 4).min(chars.len())].iter().collect();
                                match u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                                    Some(ch) if hex.len() == 4 => {
                                        s.push(ch);
                                        i += 4;
                                    }
                                    _ => s.push('u'),
                                }
                            }
                            d if d.is_digit(8) => {
                                let mut oct = d.to_string();
                                while oct.len() < 3 && chars.get(i).is_some_and(|x| x.is_digit(8)) {
                                    oct.push(chars[i]);
                                    i += 1;
                                }
                                s.push(
                                    u32::from_str_radix(&oct, 8)
                                        .ok()
                                        .and_then(char::from_u32)
                                        .unwrap_or('\0'),
                                );
                            }
                            other => {
                                if other == '\n' {
                                    line += 1;
                                    line_start = i;
                                }
                                s.push(other)
                            }
                        }
                    }
                    Some(&ch) => {
                        if ch == '\n' {
                            line += 1;
                            line_start = i + 1;
                        }
                        s.push(ch);
                        i += 1;
                    }
                }
            }
            Tok::Str(s)
        } else if c == '$' && chars.get(i + 1) == Some(&'$') {
            i += 2;
            let mut s = String::new();
            loop {
                if i >= chars.len() {
                    return Err(unterminated(start_line, pos, "$$"));
                }
                if chars[i] == '$' && chars.get(i + 1) == Some(&'$') {
                    i += 2;
                    break;
                }
                if chars[i] == '\n' {
                    line += 1;
                    line_start = i + 1;
                }
                s.push(chars[i]);
                i += 1;
            }
            Tok::Str(s)
        } else if c.is_ascii_digit()
            || (c == '.' && chars.get(i + 1).is_some_and(|d| d.is_ascii_digit()))
        {
            while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
                i += 1;
            }
            if i < chars.len() && (chars[i] == 'e' || chars[i] == 'E') {
                let mut j = i + 1;
                if j < chars.len() && (chars[j] == '+' || chars[j] == '-') {
                    j += 1;
                }
                if j < chars.len() && chars[j].is_ascii_digit() {
                    i = j;
                    while i < chars.len() && chars[i].is_ascii_digit() {
                        i += 1;
                    }
                }
            }
            Tok::Number(chars[start..i].iter().collect())
        } else {
            let two: String = chars[i..(i + 2).min(chars.len())].iter().collect();
            let sym: &'static str = match two.as_str() {
                "<=" => "<=",
                ">=" => ">=",
                "<>" => "<>",
                "!=" => "!=",
                "||" => "||",
                "::" => "::",
                "=>" => "=>",
                _ => match c {
                    '=' => "=",
                    ',' => ",",
                    '(' => "(",
                    ')' => ")",
                    '.' => ".",
                    ';' => ";",
                    '*' => "*",
                    '+' => "+",
                    '-' => "-",
                    '/' => "/",
                    '<' => "<",
                    '>' => ">",
                    ':' => ":",
                    '[' => "[",
                    ']' => "]",
                    '{' => "{",
                    '}' => "}",
                    '%' => "%",
                    '?' => "?",
                    '$' => "$",
                    '@' => "@",
                    '~' => "~",
                    _ => return Err(SfError::syntax_at(start_line, pos, &c.to_string())),
                },
            };
            i += sym.chars().count();
            Tok::Sym(sym)
        };
        out.push(Token {
            tok,
            line: start_line,
            pos,
            text: chars[start..i].iter().collect(),
            off: start,
        });
    }
    out.push(Token {
        tok: Tok::Eof,
        line,
        pos: i - line_start,
        text: "<EOF>".into(),
        off: i,
    });
    Ok(out)
}

fn unterminated(line: usize, pos: usize, _q: &str) -> SfError {
    SfError::syntax_at(line, pos, "<EOF>")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(s: &str) -> Vec<Tok> {
        tokenize(s).unwrap().into_iter().map(|t| t.tok).collect()
    }

    #[test]
    fn identifiers_fold_and_quote() {
        assert_eq!(
            toks(r#"my_db "My""Db""#),
            vec![
                Tok::Word {
                    upper: "MY_DB".into(),
                    raw: "my_db".into()
                },
                Tok::Quoted("My\"Db".into()),
                Tok::Eof
            ]
        );
    }

    #[test]
    fn string_escapes() {
        assert_eq!(
            toks(r"'it''s \'x\' \\ \n \z'")[0],
            Tok::Str("it's 'x' \\ \n z".into())
        );
        assert_eq!(toks("$$a 'b' \\n$$")[0], Tok::Str("a 'b' \\n".into()));
        assert_eq!(
            toks(r"'\x41\u00e9\101'")[0],
            Tok::Str("Aé A".replace(' ', ""))
        );
    }

    #[test]
    fn positions() {
        let t = tokenize("SHOW\n  FOO").unwrap();
        assert_eq!((t[1].line, t[1].pos), (2, 2));
    }
}
