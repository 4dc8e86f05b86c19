//! Builds the book with the installed `mdbook` and checks the HTML a reader gets.
//!
//! mdBook has no strict mode: a missing file logs an ERROR and still exits 0, a missing
//! anchor silently leaves an empty code block, and a formula KaTeX cannot parse stays raw
//! TeX. So the book is built once into a scratch folder and every page is read back:
//!
//! - (a) no `{{#include …}}` left unresolved and no empty code block;
//! - (b) no ERROR or WARN line in what `mdbook build` printed;
//! - (c) nothing loaded from another host (scripts, stylesheets, images, fonts, `@import`),
//!   and no Rust playground button, which would call a web service;
//! - (d) every relative link and resource exists, down to the `#fragment`;
//! - (e) every formula was typeset: no `$`, no TeX command, no KaTeX error left in the text;
//! - (f) listings a learner can read: no line over 80 characters, no common leading
//!   indentation, no rustdoc test lines, no `unsafe`, `cfg` or attributes of speed outside
//!   the speed page, no more comment lines than code lines; program output within 100
//!   characters a line.
//!
//! It needs `mdbook` 0.5.4 and `mdbook-katex` 0.10.0 on the PATH; `scripts/test` installs
//! them.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Component, Path, PathBuf};
use std::sync::OnceLock;

/// The one warning tolerated in the build log: mdbook-katex 0.10.0 was compiled against the
/// preprocessor interface of mdbook 0.5.3 and says so on every run under mdbook 0.5.4. The
/// interface did not change between the two, and the math checks below would catch a
/// preprocessor that stopped working.
const KNOWN_VERSION_NOTE: &str = "This mdbook-katex was built against mdbook v0.5.3, but we are being called from mdbook v0.5.4";

/// The built book: its folder, what `mdbook build` printed, and the text of its pages.
struct Book {
    dir: PathBuf,
    log: String,
    /// Every `.html` file, by path relative to `dir`.
    html: BTreeMap<PathBuf, String>,
    /// Every `.css` file, by path relative to `dir`.
    css: BTreeMap<PathBuf, String>,
}

/// Every file under `dir` whose name ends with `.ext`, read as text, by relative path.
fn files_with_extension(dir: &Path, ext: &str) -> BTreeMap<PathBuf, String> {
    let mut found = BTreeMap::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(folder) = pending.pop() {
        for entry in std::fs::read_dir(&folder).expect("a readable folder") {
            let path = entry.expect("a readable entry").path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == ext) {
                let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
                    panic!("cannot read {}: {e}", path.display())
                });
                found.insert(
                    path.strip_prefix(dir).unwrap().to_path_buf(),
                    text,
                );
            }
        }
    }
    found
}

/// Builds the book once for all the tests of this file.
fn book() -> &'static Book {
    static BOOK: OnceLock<Book> = OnceLock::new();
    BOOK.get_or_init(|| {
        let (dir, log) = common::book::build("book-test");
        let html = files_with_extension(&dir, "html");
        assert!(
            html.len() > 3,
            "mdbook wrote almost no pages into {}:\n{log}",
            dir.display()
        );
        let css = files_with_extension(&dir, "css");
        Book {
            dir,
            log,
            html,
            css,
        }
    })
}

/// One HTML start tag: its lower-case name and its attributes (names lower-case).
struct Tag {
    name: String,
    attributes: Vec<(String, String)>,
}

impl Tag {
    fn get(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// The start tags of an HTML document, skipping comments and the insides of scripts.
fn tags(html: &str) -> Vec<Tag> {
    let bytes = html.as_bytes();
    let mut found = Vec::new();
    let mut i = 0;
    while let Some(offset) = html[i..].find('<') {
        i += offset;
        if html[i..].starts_with("<!--") {
            i += html[i..].find("-->").map_or(html.len() - i, |e| e + 3);
            continue;
        }
        let mut j = i + 1;
        let name_start = j;
        while j < bytes.len()
            && (bytes[j].is_ascii_alphanumeric() || bytes[j] == b'-')
        {
            j += 1;
        }
        if j == name_start {
            i += 1;
            continue;
        }
        let name = html[name_start..j].to_ascii_lowercase();
        let mut attributes = Vec::new();
        loop {
            while j < bytes.len()
                && (bytes[j].is_ascii_whitespace() || bytes[j] == b'/')
            {
                j += 1;
            }
            if j >= bytes.len() || bytes[j] == b'>' {
                break;
            }
            let attribute_start = j;
            while j < bytes.len() && !b" \t\r\n=>/".contains(&bytes[j]) {
                j += 1;
            }
            let attribute = html[attribute_start..j].to_ascii_lowercase();
            let mut value = String::new();
            if j < bytes.len() && bytes[j] == b'=' {
                j += 1;
                if j < bytes.len() && (bytes[j] == b'"' || bytes[j] == b'\'') {
                    let quote = bytes[j] as char;
                    let end = html[j + 1..]
                        .find(quote)
                        .map_or(html.len(), |e| j + 1 + e);
                    value = html[j + 1..end].to_string();
                    j = (end + 1).min(html.len());
                } else {
                    let start = j;
                    while j < bytes.len()
                        && !bytes[j].is_ascii_whitespace()
                        && bytes[j] != b'>'
                    {
                        j += 1;
                    }
                    value = html[start..j].to_string();
                }
            }
            if attribute.is_empty() {
                j += 1;
            } else {
                attributes.push((attribute, value));
            }
        }
        i = j;
        if name == "script" {
            i += html[i..].find("</script").unwrap_or(html.len() - i);
        }
        found.push(Tag { name, attributes });
    }
    found
}

/// Whether a reference leaves the book: an absolute URL or a protocol-relative one.
fn is_external(reference: &str) -> bool {
    let r = reference.trim().to_ascii_lowercase();
    r.starts_with("//") || (r.contains("://") && !r.starts_with("data:"))
}

/// Whether a reference needs no file of the book: an anchor-free scheme such as `data:`.
fn is_non_file(reference: &str) -> bool {
    let r = reference.trim().to_ascii_lowercase();
    ["data:", "mailto:", "javascript:", "about:"]
        .iter()
        .any(|s| r.starts_with(s))
}

/// The arguments of every `url(…)` and the targets of every `@import` in a piece of CSS.
fn css_references(css: &str) -> Vec<String> {
    let mut found = Vec::new();
    let clean =
        |s: &str| s.trim().trim_matches(|c| c == '"' || c == '\'').to_string();
    let mut rest = css;
    while let Some(p) = rest.find("url(") {
        rest = &rest[p + 4..];
        let end = rest.find(')').unwrap_or(rest.len());
        found.push(clean(&rest[..end]));
    }
    let mut rest = css;
    while let Some(p) = rest.find("@import") {
        rest = &rest[p + 7..];
        let end = rest.find(';').unwrap_or(rest.len());
        let target = rest[..end].trim();
        let target = target.strip_prefix("url(").unwrap_or(target);
        found.push(clean(target.trim_end_matches(')')));
    }
    found
}

/// The CSS inside `<style>` elements and `style="…"` attributes of a page.
fn inline_css(html: &str) -> String {
    let mut css = String::new();
    let mut rest = html;
    while let Some(p) = rest.find("<style") {
        rest = &rest[p..];
        let start = rest.find('>').map_or(rest.len(), |e| e + 1);
        let end = rest.find("</style").unwrap_or(rest.len());
        css.push_str(&rest[start.min(end)..end]);
        rest = &rest[end..];
    }
    for tag in tags(html) {
        if let Some(style) = tag.get("style") {
            css.push_str(style);
            css.push('\n');
        }
    }
    css
}

/// `path` joined to `base` with `.` and `..` resolved, without touching the file system.
fn resolve(base: &Path, path: &str) -> PathBuf {
    let mut resolved = PathBuf::new();
    for component in base.join(path).components() {
        match component {
            Component::ParentDir => {
                resolved.pop();
            }
            Component::CurDir => {}
            other => resolved.push(other),
        }
    }
    resolved
}

/// Removes every element `<name …>…</name>` from `html`, contents included.
fn remove_elements(html: &str, name: &str) -> String {
    let (open, close) = (format!("<{name}"), format!("</{name}>"));
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(p) = rest.find(&open) {
        let after = rest.as_bytes().get(p + open.len()).copied();
        if !matches!(after, Some(b'>' | b' ' | b'\n' | b'\t')) {
            out.push_str(&rest[..p + open.len()]);
            rest = &rest[p + open.len()..];
            continue;
        }
        out.push_str(&rest[..p]);
        rest = &rest[p..];
        rest = rest.find(&close).map_or("", |e| &rest[e + close.len()..]);
    }
    out.push_str(rest);
    out
}

/// The text of a piece of HTML: tags removed, `gap` in their place.
fn without_tags(html: &str, gap: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                out.push_str(gap);
            }
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

/// The text of a piece of HTML: tags removed, a space in their place.
fn text_of(html: &str) -> String {
    without_tags(html, " ")
}

fn fail_if_any(problems: &[String], what: &str) {
    assert!(
        problems.is_empty(),
        "{what}:\n{}",
        problems
            .iter()
            .map(|p| format!("  - {p}"))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn a_includes_are_resolved_and_code_blocks_are_not_empty() {
    let book = book();
    let mut problems = Vec::new();
    for (page, html) in &book.html {
        for marker in ["{{#include", "{{#rustdoc_include", "{{#"] {
            if let Some(p) = html.find(marker) {
                let end =
                    html[p..].find("}}").map_or(html.len(), |e| p + e + 2);
                problems.push(format!(
                    "{}: unresolved {}",
                    page.display(),
                    &html[p..end]
                ));
                break;
            }
        }
        let mut rest = html.as_str();
        while let Some(p) = rest.find("<pre") {
            rest = &rest[p..];
            let end = rest.find("</pre>").unwrap_or(rest.len());
            if text_of(&rest[..end]).trim().is_empty() {
                problems.push(format!(
                    "{}: an empty code block (a misspelled or missing anchor?)",
                    page.display()
                ));
            }
            rest = &rest[end..];
        }
    }
    fail_if_any(&problems, "the book has unresolved includes or empty code");
}

#[test]
fn b_mdbook_prints_no_error_or_warning() {
    let problems: Vec<String> = book()
        .log
        .lines()
        .filter(|l| l.contains("ERROR") || l.contains("WARN"))
        .filter(|l| !l.contains(KNOWN_VERSION_NOTE))
        .map(str::to_string)
        .collect();
    fail_if_any(&problems, "mdbook build printed errors or warnings");
}

#[test]
fn c_nothing_is_loaded_from_another_host() {
    let book = book();
    let mut problems = Vec::new();
    for (page, html) in &book.html {
        for tag in tags(html) {
            let mut loaded: Vec<&str> = ["src", "srcset", "poster", "data"]
                .iter()
                .filter_map(|a| tag.get(a))
                .collect();
            if tag.name == "link" {
                loaded.extend(tag.get("href"));
            }
            for reference in loaded {
                if is_external(reference) {
                    problems.push(format!(
                        "{}: <{} … {reference}>",
                        page.display(),
                        tag.name
                    ));
                }
            }
            if tag.get("class").is_some_and(|c| {
                c.split_whitespace().any(|c| c == "playground")
            }) {
                problems.push(format!(
                    "{}: a playground code block, whose Run button calls a web service",
                    page.display()
                ));
            }
        }
        for reference in css_references(&inline_css(html)) {
            if is_external(&reference) {
                problems.push(format!(
                    "{}: inline CSS loads {reference}",
                    page.display()
                ));
            }
        }
    }
    for (sheet, css) in &book.css {
        for reference in css_references(css) {
            if is_external(&reference) {
                problems
                    .push(format!("{}: loads {reference}", sheet.display()));
            }
        }
    }
    fail_if_any(&problems, "the book loads things from other hosts");
}

#[test]
fn d_internal_links_and_resources_exist() {
    let book = book();
    let mut problems = Vec::new();
    let ids = |html: &str| -> BTreeSet<String> {
        tags(html)
            .into_iter()
            .filter_map(|t| t.get("id").map(str::to_string))
            .collect()
    };
    for (page, html) in &book.html {
        if html.contains("<base href") {
            // 404.html is served from any depth and addresses everything from the site's
            // root through <base href="/">; its links are the same as every other page's.
            continue;
        }
        let folder = page.parent().unwrap_or(Path::new(""));
        for tag in tags(html) {
            for attribute in ["href", "src"] {
                let Some(reference) = tag.get(attribute) else {
                    continue;
                };
                if reference.is_empty()
                    || is_external(reference)
                    || is_non_file(reference)
                {
                    continue;
                }
                let (path, fragment) =
                    reference.split_once('#').unwrap_or((reference, ""));
                let path = path.split('?').next().unwrap_or_default();
                let target = if path.is_empty() {
                    page.clone()
                } else {
                    resolve(folder, path)
                };
                if !book.dir.join(&target).is_file() {
                    problems.push(format!(
                        "{}: {reference} does not exist",
                        page.display()
                    ));
                    continue;
                }
                if !fragment.is_empty() {
                    let text = book
                        .html
                        .get(&target)
                        .map(String::as_str)
                        .unwrap_or("");
                    if !ids(text).contains(fragment) {
                        problems.push(format!(
                            "{}: {reference} has no element with id {fragment:?}",
                            page.display()
                        ));
                    }
                }
            }
        }
    }
    for (sheet, css) in &book.css {
        let folder = sheet.parent().unwrap_or(Path::new(""));
        for reference in css_references(css) {
            if is_external(&reference) || is_non_file(&reference) {
                continue;
            }
            let path = reference.split(['?', '#']).next().unwrap_or_default();
            if book.dir.join(resolve(folder, path)).is_file() {
                continue;
            }
            // KaTeX's stylesheet lists each font as woff2, then woff and ttf fallbacks; only
            // the woff2 files are shipped, which every browser that reads woff2 uses.
            let woff2 = path
                .strip_suffix(".woff")
                .or_else(|| path.strip_suffix(".ttf"))
                .map(|stem| format!("{stem}.woff2"));
            if woff2
                .is_some_and(|w| book.dir.join(resolve(folder, &w)).is_file())
            {
                continue;
            }
            problems.push(format!(
                "{}: {reference} does not exist",
                sheet.display()
            ));
        }
    }
    fail_if_any(&problems, "the book has broken internal links");
}

#[test]
fn e_every_formula_is_typeset() {
    let book = book();
    let mut problems = Vec::new();
    let mut typeset = 0;
    for (page, html) in &book.html {
        if html.contains("katex-error") {
            problems
                .push(format!("{}: KaTeX reported an error", page.display()));
        }
        if html.contains("class=\"katex") {
            typeset += 1;
            if !html.contains("theme/katex/katex.min.css") {
                problems.push(format!(
                    "{}: has math but does not link KaTeX's stylesheet",
                    page.display()
                ));
            }
        }
        let mut prose = html.clone();
        for element in ["pre", "code", "script", "style", "template", "svg"] {
            prose = remove_elements(&prose, element);
        }
        let text = text_of(&prose);
        if let Some(p) = text.find('$') {
            let context: String = text[p..].chars().take(40).collect();
            problems.push(format!(
                "{}: raw math delimiter: {context:?}",
                page.display()
            ));
        }
        let bytes = text.as_bytes();
        if let Some(p) = (0..bytes.len().saturating_sub(1))
            .find(|&i| bytes[i] == b'\\' && bytes[i + 1].is_ascii_alphabetic())
        {
            let context: String = text[p..].chars().take(40).collect();
            problems.push(format!(
                "{}: raw TeX command: {context:?}",
                page.display()
            ));
        }
    }
    fail_if_any(&problems, "some math was not typeset");
    assert!(
        typeset >= 3,
        "only {typeset} pages contain typeset math: is the katex preprocessor running?"
    );
}

/// The page where the engine is taught: the only one whose listings may show
/// the machinery of speed (`unsafe`, `cfg`, `#[inline]`, …).
const SPEED_PAGE: &str = "mini-batch/performance.html";

/// Undoes the escaping of text inside HTML.
fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&amp;", "&")
}

/// Every `<pre>` block of a page: its class attribute and its text.
fn code_blocks(html: &str) -> Vec<(String, String)> {
    let mut blocks = Vec::new();
    let mut rest = html;
    while let Some(p) = rest.find("<pre") {
        rest = &rest[p..];
        let end = rest.find("</pre>").unwrap_or(rest.len());
        let block = &rest[..end];
        let class = tags(block)
            .iter()
            .find(|t| t.name == "code")
            .and_then(|t| t.get("class").map(str::to_string))
            .unwrap_or_default();
        blocks.push((class, unescape(&strip_tags(block))));
        rest = &rest[end..];
    }
    blocks
}

/// The text of a piece of HTML with its tags removed (and nothing in their
/// place, unlike [`text_of`], so that code keeps its columns).
fn strip_tags(html: &str) -> String {
    without_tags(html, "")
}

/// What a listing must not show outside the speed page.
const MACHINERY: &[&str] = &[
    "#[allow",
    "#[inline",
    "unsafe",
    "#[cfg",
    "cfg!(",
    "#[target_feature",
];

#[test]
fn f_listings_and_outputs_are_readable() {
    let book = book();
    let mut problems = Vec::new();
    for (page, html) in &book.html {
        let page_name = page.display().to_string();
        if page_name == "print.html" {
            continue; // every page again, on one page
        }
        for (class, text) in code_blocks(html) {
            let lines: Vec<&str> =
                text.lines().filter(|l| !l.trim().is_empty()).collect();
            let first = lines.first().copied().unwrap_or("").trim();
            let at = format!("{page_name}, listing starting {first:?}");
            if !class.contains("language-rust") {
                // Program output: wrapped at about 100 characters.
                for line in &lines {
                    if line.chars().count() > 100 {
                        problems.push(format!(
                            "{at}: output line of {} characters",
                            line.chars().count()
                        ));
                    }
                }
                continue;
            }
            for line in &lines {
                let width = line.chars().count();
                if width > 80 {
                    problems.push(format!(
                        "{at}: a line of {width} characters: {line:?}"
                    ));
                }
                let code = line.trim_start();
                if code.starts_with("/// ```") || code.starts_with("//! ```") {
                    problems
                        .push(format!("{at}: a rustdoc test line: {line:?}"));
                }
                if page_name != SPEED_PAGE {
                    if let Some(m) =
                        MACHINERY.iter().find(|m| code.contains(*m))
                    {
                        problems.push(format!(
                            "{at}: {m} outside the speed page: {line:?}"
                        ));
                    }
                }
            }
            let indent = lines
                .iter()
                .map(|l| l.len() - l.trim_start().len())
                .min()
                .unwrap_or(0);
            if indent > 0 {
                problems.push(format!(
                    "{at}: every line indented by {indent} spaces"
                ));
            }
            let docs = lines
                .iter()
                .filter(|l| l.trim_start().starts_with("//"))
                .count();
            if docs > lines.len() - docs {
                problems.push(format!(
                    "{at}: {docs} comment lines for {} of code",
                    lines.len() - docs
                ));
            }
        }
    }
    fail_if_any(&problems, "listings a learner cannot read comfortably");
}
