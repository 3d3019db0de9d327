//! Writing the page: escaping, a few elements, figures as `data:` URIs, and the page around them.
//! No scripts, no external references: the page opens offline and asks for nothing.

use std::fmt::Write;

/// `text` safe inside an element or a quoted attribute.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// `bytes` in standard base64 with padding (RFC 4648), as a `data:` URI needs.
pub fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// A table: a header row and rows of cells that are already HTML.
pub fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut t = String::from("<table>\n<thead><tr>");
    for h in header {
        let _ = write!(t, "<th>{}</th>", escape(h));
    }
    t.push_str("</tr></thead>\n<tbody>\n");
    for row in rows {
        t.push_str("<tr>");
        for cell in row {
            let _ = write!(t, "<td>{cell}</td>");
        }
        t.push_str("</tr>\n");
    }
    t.push_str("</tbody>\n</table>\n");
    t
}

/// A figure: the image embedded, with a caption.
pub fn figure(mime: &str, bytes: &[u8], alt: &str, caption: &str) -> String {
    format!(
        "<figure><img src=\"data:{mime};base64,{}\" alt=\"{}\"><figcaption>{}</figcaption></figure>\n",
        base64(bytes),
        escape(alt),
        escape(caption)
    )
}

/// A section with a heading whose `id` the contents link to.
pub struct Section {
    pub id: String,
    pub title: String,
    pub body: String,
}

const STYLE: &str = "
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,'DejaVu Sans',sans-serif;margin:0;color:#222;background:#fff;line-height:1.45}
main{max-width:1400px;margin:0 auto;padding:1.25rem 1.5rem 4rem}
h1{font-size:1.8rem;margin:.5rem 0 .25rem}
h2{font-size:1.35rem;border-bottom:2px solid #0072b2;padding-bottom:.2rem;margin-top:2.2rem}
h3{font-size:1.1rem;margin-top:1.4rem}
.lead{font-size:1.05rem}
nav ol{columns:2;margin:.5rem 0}
table{border-collapse:collapse;margin:.75rem 0;font-size:.85rem}
.wide td code{overflow-wrap:anywhere}
th,td{border:1px solid #ccc;padding:.3rem .55rem;text-align:left;vertical-align:top}
th{background:#eef4f8}
.num{font-variant-numeric:tabular-nums;white-space:nowrap}
.wide{overflow-x:auto}
figure{margin:1rem 0}
figure img{max-width:100%;height:auto;border:1px solid #ddd}
figcaption{font-size:.9rem;color:#555}
pre{background:#f6f6f6;border:1px solid #ddd;padding:.75rem;overflow-x:auto;font-size:.8rem}
.holds{color:#006b3c;font-weight:bold}
.fails{color:#b33000;font-weight:bold}
.note{color:#555;font-size:.9rem}
ul.sentences li{margin:.3rem 0}
";

/// The whole page: a title, a lead paragraph, a table of contents and the sections.
pub fn page(title: &str, lead: &str, sections: &[Section]) -> String {
    let mut p =
        String::from("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    p.push_str("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src data:; style-src 'unsafe-inline'\">\n");
    p.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    let _ = writeln!(p, "<title>{}</title>", escape(title));
    let _ = writeln!(p, "<style>{STYLE}</style>\n</head>\n<body>\n<main>");
    let _ = writeln!(p, "<h1 id=\"top\">{}</h1>", escape(title));
    let _ = writeln!(p, "<p class=\"lead\">{lead}</p>");
    p.push_str("<nav><ol>\n");
    for s in sections {
        let _ = writeln!(p, "<li><a href=\"#{}\">{}</a></li>", s.id, escape(&s.title));
    }
    p.push_str("</ol></nav>\n");
    for s in sections {
        let _ = write!(
            p,
            "<section>\n<h2 id=\"{}\">{}</h2>\n{}</section>\n",
            s.id,
            escape(&s.title),
            s.body
        );
    }
    p.push_str("</main>\n</body>\n</html>\n");
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_leaves_no_markup() {
        assert_eq!(
            escape(r#"<a href="x">Tom & 'Jerry'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;"
        );
        assert_eq!(escape("crackdown − baseline"), "crackdown − baseline");
    }

    #[test]
    fn base64_matches_the_rfc_examples() {
        let cases = [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ];
        for (plain, encoded) in cases {
            assert_eq!(base64(plain.as_bytes()), encoded, "{plain}");
        }
        assert_eq!(base64(&[0xff, 0xfe, 0xfd]), "//79");
    }
}
