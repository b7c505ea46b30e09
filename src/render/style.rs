//! Named styles: the only place colors are chosen. Output must read the same
//! without them (every marker is also a symbol or a word).

use console::Style;

/// When to color output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

/// Decides once, at start-up, whether stdout and stderr get colors.
/// `auto` follows the terminal and honours `NO_COLOR`.
pub fn init(choice: ColorChoice) {
    let enabled = match choice {
        ColorChoice::Always => Some(true),
        ColorChoice::Never => Some(false),
        ColorChoice::Auto => std::env::var_os("NO_COLOR")
            .filter(|v| !v.is_empty())
            .map(|_| false),
    };
    if let Some(enabled) = enabled {
        console::set_colors_enabled(enabled);
        console::set_colors_enabled_stderr(enabled);
    }
}

pub fn create() -> Style {
    Style::new().green()
}
pub fn update() -> Style {
    Style::new().yellow()
}
pub fn replace() -> Style {
    Style::new().magenta()
}
pub fn drop() -> Style {
    Style::new().red().bold()
}
pub fn heading() -> Style {
    Style::new().bold()
}
pub fn muted() -> Style {
    Style::new().dim()
}
pub fn error() -> Style {
    Style::new().red().bold()
}
pub fn warning() -> Style {
    Style::new().yellow().bold()
}
pub fn hint() -> Style {
    Style::new().cyan()
}

/// Colors the `error:` / `warning:` / `hint:` labels of a rendered message.
pub fn error_message(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    for (i, line) in text.lines().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let trimmed = line.trim_start();
        let indent = &line[..line.len() - trimmed.len()];
        if let Some(rest) = trimmed.strip_prefix("error:") {
            out.push_str(&format!("{indent}{}{rest}", error().apply_to("error:")));
        } else if let Some(rest) = trimmed.strip_prefix("warning:") {
            out.push_str(&format!("{indent}{}{rest}", warning().apply_to("warning:")));
        } else if let Some(rest) = trimmed.strip_prefix("hint:") {
            out.push_str(&format!("{indent}{}{rest}", hint().apply_to("hint:")));
        } else if i == 0 {
            out.push_str(&format!("{} {line}", error().apply_to("error:")));
        } else {
            out.push_str(line);
        }
    }
    out
}
