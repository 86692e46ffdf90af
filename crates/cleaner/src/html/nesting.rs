//! How deep markup nests, estimated from the bytes before parsing.

/// Elements that never nest (void) or that the parser closes implicitly when a sibling opens,
/// so they do not deepen the tree however many are left open.
fn never_deepens(name: &[u8]) -> bool {
    const FLAT: &[&[u8]] = &[
        b"br",
        b"img",
        b"meta",
        b"link",
        b"input",
        b"hr",
        b"area",
        b"base",
        b"col",
        b"embed",
        b"source",
        b"track",
        b"wbr",
        b"param",
        b"p",
        b"li",
        b"dt",
        b"dd",
        b"option",
        b"tr",
        b"td",
        b"th",
        b"!--",
        b"!doctype",
    ];
    // No flat name is longer than "!doctype": most tag names are rejected on length alone.
    name.len() <= 8 && FLAT.iter().any(|f| f.eq_ignore_ascii_case(name))
}

/// An upper estimate of how deep the markup nests, from one pass over the bytes: opening tags
/// minus closing tags, ignoring void and self-closing ones. html5ever's tree builder does work
/// proportional to the depth for every tag, so very deep markup costs quadratic time; the
/// cleaner refuses it before parsing.
pub fn nesting_estimate(body: &str) -> usize {
    let b = body.as_bytes();
    let (mut depth, mut max) = (0usize, 0usize);
    let mut i = 0;
    // memchr: the scan for '<' runs over every byte of every page before parsing.
    while let Some(off) = b.get(i..).and_then(|r| memchr::memchr(b'<', r)) {
        i += off + 1;
        let closing = b.get(i) == Some(&b'/');
        let start = if closing { i + 1 } else { i };
        let name_len = b.get(start..).map_or(0, |r| {
            r.iter()
                .take_while(|c| c.is_ascii_alphanumeric() || **c == b'!' || **c == b'-')
                .count()
        });
        if name_len == 0 {
            continue;
        }
        let name = &b[start..start + name_len];
        if never_deepens(name) {
            continue;
        }
        if closing {
            depth = depth.saturating_sub(1);
        } else {
            // A self-closing tag (`<div/>`) ends at "/>" before the next '<'.
            let rest = &b[start + name_len..];
            let end = memchr::memchr2(b'>', b'<', rest);
            let self_closing = end.is_some_and(|e| e > 0 && rest[e] == b'>' && rest[e - 1] == b'/');
            if !self_closing {
                depth += 1;
                max = max.max(depth);
            }
        }
    }
    max
}
