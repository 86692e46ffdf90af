//! Server-rendered HTML pages. Every piece of text from a message goes through [`esc`]; links
//! to outside pages only for `http`/`https` URLs; no inline script or style (the CSP forbids
//! them).

use std::fmt::Write;

use chrono::{DateTime, Utc};

use crate::view::{self, ArticleDetail, FeedRow, StoryDetail, StoryPage, StoryQuery, View};

/// Escape text for HTML element content and double-quoted attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 8);
    for c in s.chars() {
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

/// A URL that may be an `href`: only absolute `http`/`https` URLs (never `javascript:`,
/// `data:`, ...), escaped for the attribute.
pub fn safe_href(url: &str) -> Option<String> {
    let u = url::Url::parse(url.trim()).ok()?;
    matches!(u.scheme(), "http" | "https").then(|| esc(u.as_str()))
}

/// Percent-encode a path segment (ids are hex or `story-<hex>`, but keep any id safe).
pub fn seg(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

fn when(t: Option<DateTime<Utc>>) -> String {
    t.map(|t| t.format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_else(|| "—".into())
}

fn fmt_num(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        format!("{x}")
    }
}

/// The page frame: `live` names what the live script watches (`stories`, `story:<id>`, ...).
fn layout(title: &str, live: &str, main: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<title>{title} · newsflow</title><link rel=\"stylesheet\" href=\"/static/style.css\">\
<script src=\"/static/live.js\" defer></script></head>\
<body data-live=\"{live}\"><header><nav><a href=\"/\">Stories</a> <a href=\"/feeds\">Feeds</a> \
<a href=\"/api/stories\">API</a> <span id=\"live-status\" class=\"live\"></span></nav></header>\
<main id=\"main\">{main}</main>\
<footer>newsflow web view · read-only · <a href=\"/openapi.yaml\">OpenAPI</a></footer></body></html>\n",
        title = esc(title),
        live = esc(live),
    )
}

fn query_link(q: &StoryQuery, page: usize) -> String {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in q.filter_pairs() {
        s.append_pair(k, v);
    }
    if page > 1 {
        s.append_pair("page", &page.to_string());
    }
    if q.per_page != view::DEFAULT_PER_PAGE {
        s.append_pair("per_page", &q.per_page.to_string());
    }
    let s = s.finish();
    if s.is_empty() {
        "/".into()
    } else {
        format!("/?{}", esc(&s))
    }
}

fn select(name: &str, label: &str, options: &[String], current: &str) -> String {
    let mut h = format!("<label>{label} <select name=\"{name}\"><option value=\"\">any</option>");
    for o in options {
        let sel = if o == current { " selected" } else { "" };
        let _ = write!(h, "<option value=\"{v}\"{sel}>{v}</option>", v = esc(o));
    }
    h.push_str("</select></label> ");
    h
}

/// The stories list with its filter form.
pub fn stories(v: &View, q: &StoryQuery) -> String {
    let page: StoryPage = v.stories(q);
    let (langs, sources, tracked) = v.facets();
    let mut h = String::from("<h1>Stories</h1>");
    let _ = write!(
        h,
        "<form class=\"filters\" method=\"get\" action=\"/\">\
<label>Words <input type=\"search\" name=\"q\" value=\"{}\"></label> \
<label>Entity <input type=\"text\" name=\"entity\" value=\"{}\"></label> ",
        esc(&q.words),
        esc(&q.entity)
    );
    h.push_str(&select("lang", "Language", &langs, &q.language));
    h.push_str(&select("source", "Source", &sources, &q.source));
    h.push_str(&select("tracked", "Tracked", &tracked, &q.tracked));
    h.push_str("<button type=\"submit\">Filter</button> <a href=\"/\">clear</a></form>");
    let _ = write!(
        h,
        "<p class=\"count\" id=\"story-count\">{} stories</p>",
        page.total
    );
    h.push_str("<table class=\"stories\"><thead><tr><th>Story</th><th>Articles</th><th>Sources</th><th>Languages</th><th>First seen</th><th>Last seen</th><th>Top entities</th><th>Tracked</th></tr></thead><tbody>");
    for s in &page.stories {
        let ents: Vec<String> = s
            .top_entities
            .iter()
            .take(5)
            .map(|e| {
                format!(
                    "<a href=\"/?entity={}\">{}</a>",
                    esc(&seg(&e.id)),
                    esc(&e.name)
                )
            })
            .collect();
        let _ = write!(
            h,
            "<tr data-story=\"{id}\"><td><a href=\"/stories/{href}\">{title}</a></td><td class=\"num\">{n}</td><td>{src}</td><td>{langs}</td><td>{first}</td><td>{last}</td><td>{ents}</td><td>{tracked}</td></tr>",
            id = esc(&s.story_id),
            href = esc(&seg(&s.story_id)),
            title = esc(&s.title),
            n = s.article_count,
            src = esc(&s.sources.join(", ")),
            langs = esc(&s.languages.join(", ")),
            first = when(Some(s.first_seen)),
            last = when(Some(s.last_seen)),
            ents = ents.join(", "),
            tracked = esc(&s.tracked.join(", ")),
        );
    }
    h.push_str("</tbody></table>");
    let pages = page.total.div_ceil(page.per_page).max(1);
    h.push_str("<nav class=\"pages\">");
    if page.page > 1 {
        let _ = write!(
            h,
            "<a rel=\"prev\" href=\"{}\">← newer</a> ",
            query_link(q, page.page - 1)
        );
    }
    let _ = write!(h, "page {} of {pages}", page.page);
    if page.page < pages {
        let _ = write!(
            h,
            " <a rel=\"next\" href=\"{}\">older →</a>",
            query_link(q, page.page + 1)
        );
    }
    h.push_str("</nav>");
    layout("Stories", "stories", &h)
}

fn story_link(l: &view::StoryLink) -> String {
    format!(
        "<a href=\"/stories/{}\">{}</a>",
        esc(&seg(&l.story_id)),
        esc(l.title.as_deref().unwrap_or(&l.story_id))
    )
}

fn article_link(id: &str, text: &str) -> String {
    format!("<a href=\"/articles/{}\">{}</a>", esc(&seg(id)), esc(text))
}

/// One story, or `None` when unknown.
pub fn story(v: &View, id: &str) -> Option<String> {
    let d: StoryDetail = v.story(id)?;
    let s = &d.story;
    let mut h = String::new();
    let _ = write!(h, "<h1>{}</h1>", esc(&s.title));
    if let Some(m) = &d.merged_into {
        let _ = write!(h, "<p class=\"notice\">Merged into {}.</p>", story_link(m));
    }
    let _ = write!(
        h,
        "<p class=\"meta\">{n} articles · sources: {src} · languages: {langs} · first seen {first} · last seen {last} · version {ver}{tracked}</p>",
        n = s.article_count,
        src = esc(&s.sources.join(", ")),
        langs = esc(&s.languages.join(", ")),
        first = when(Some(s.first_seen)),
        last = when(Some(s.last_seen)),
        ver = s.version,
        tracked = if s.tracked.is_empty() {
            String::new()
        } else {
            format!(" · tracked: {}", esc(&s.tracked.join(", ")))
        }
    );

    h.push_str("<section><h2>Timeline</h2><ol class=\"timeline\" id=\"timeline\">");
    for a in &d.articles {
        let date = if a.dated {
            format!("<time>{}</time>", when(a.published))
        } else {
            format!(
                "<span class=\"undated\" title=\"no publication date; fetched {}\">undated</span>",
                when(Some(a.fetched_at))
            )
        };
        let mut marks = String::new();
        if a.revision > 1 {
            let _ = write!(
                marks,
                " <span class=\"mark\">revision {}</span>",
                a.revision
            );
        }
        if let Some(o) = &a.duplicate_of {
            let _ = write!(
                marks,
                " <span class=\"mark dup\">duplicate of {}</span>",
                article_link(o, &short(o))
            );
        }
        if let Some(o) = &a.near_duplicate_of {
            let _ = write!(
                marks,
                " <span class=\"mark near\">near-duplicate of {}</span>",
                article_link(o, &short(o))
            );
        }
        let _ = write!(
            h,
            "<li data-article=\"{id}\">{date} <span class=\"src\">{src}</span> <span class=\"lang\">{lang}</span> {title}{marks}</li>",
            id = esc(&a.article_id),
            src = esc(&a.source),
            lang = esc(&a.language),
            title = article_link(&a.article_id, &a.title),
        );
    }
    h.push_str("</ol>");
    if !d.missing_articles.is_empty() {
        let _ = write!(
            h,
            "<p class=\"meta\">{} more articles listed by the story are not in this view yet.</p>",
            d.missing_articles.len()
        );
    }
    h.push_str("</section>");

    h.push_str("<section><h2>Claims</h2>");
    if d.claims.is_empty() {
        h.push_str("<p class=\"meta\">No numeric claims.</p>");
    } else {
        h.push_str("<table class=\"claims\"><thead><tr><th>Subject</th><th>Kind</th><th>Values (sources)</th><th>Agreement</th></tr></thead><tbody>");
        for r in &d.claims {
            let vals: Vec<String> = r
                .values
                .iter()
                .map(|v| {
                    let hedge = if v.hedges.is_empty() {
                        String::new()
                    } else {
                        format!("{} ", esc(&v.hedges.join("/")))
                    };
                    format!(
                        "<li class=\"{cls}\">{hedge}<b>{val}</b> — {src}{flag}</li>",
                        cls = if v.agrees { "agrees" } else { "differs" },
                        val = fmt_num(v.value),
                        src = esc(&v.sources.join(", ")),
                        flag = if v.agrees {
                            ""
                        } else {
                            " <span class=\"flag\">⚑ differs</span>"
                        }
                    )
                })
                .collect();
            let verdict = match (r.agree, r.identical) {
                (true, true) => "<span class=\"ok\">agree</span>",
                (true, false) => "<span class=\"ok\">agree (within hedges)</span>",
                _ => "<span class=\"flag\">⚑ disagree</span>",
            };
            let _ = write!(
                h,
                "<tr class=\"{cls}\"><td>{subj}</td><td>{kind}</td><td><ul>{vals}</ul></td><td>{verdict}</td></tr>",
                cls = if r.agree { "agree" } else { "disagree" },
                subj = match &r.event {
                    Some(e) => format!("{} <span class=\"meta\">({})</span>", esc(&r.subject), esc(e)),
                    None => esc(&r.subject),
                },
                kind = esc(&r.kind),
                vals = vals.join(""),
            );
        }
        h.push_str("</tbody></table>");
    }
    h.push_str("</section>");

    h.push_str("<section><h2>Entities</h2><table class=\"entities\"><thead><tr><th>Entity</th><th>Kind</th><th>Articles</th><th>Mentions</th></tr></thead><tbody>");
    for e in &d.entities {
        let _ = write!(
            h,
            "<tr><td><a href=\"/?entity={id}\">{name}</a></td><td>{kind}</td><td class=\"num\">{a}</td><td class=\"num\">{m}</td></tr>",
            id = esc(&seg(&e.id)),
            name = esc(&e.name),
            kind = esc(&e.kind),
            a = e.articles,
            m = e.mentions
        );
    }
    h.push_str("</tbody></table></section>");

    if !d.related.is_empty() {
        h.push_str("<section><h2>Related stories</h2><ul>");
        for r in &d.related {
            let _ = write!(h, "<li>{}</li>", story_link(r));
        }
        h.push_str("</ul></section>");
    }
    h.push_str("<section><h2>History</h2><ul class=\"history\">");
    for e in &d.history {
        let what = match e.change {
            model::StoryChange::Created => format!(
                "created by {}",
                article_link(&e.article_id, &short(&e.article_id))
            ),
            model::StoryChange::Merged => format!(
                "merged into {}",
                e.merged_into
                    .as_deref()
                    .map(|m| story_link(&view::StoryLink {
                        story_id: m.to_string(),
                        title: None
                    }))
                    .unwrap_or_default()
            ),
            model::StoryChange::Updated => String::from("updated"),
        };
        let absorbed: Vec<String> = e
            .absorbed
            .iter()
            .map(|m| {
                story_link(&view::StoryLink {
                    story_id: m.clone(),
                    title: None,
                })
            })
            .collect();
        let absorbed = if absorbed.is_empty() {
            String::new()
        } else {
            format!("; absorbed {}", absorbed.join(", "))
        };
        let _ = write!(h, "<li>version {}: {what}{absorbed}</li>", e.version);
    }
    if !d.merged_from.is_empty() {
        let links: Vec<String> = d.merged_from.iter().map(story_link).collect();
        let _ = write!(h, "<li>merged from: {}</li>", links.join(", "));
    }
    h.push_str("</ul></section>");
    Some(layout(&s.title, &format!("story:{}", d.story.story_id), &h))
}

fn short(id: &str) -> String {
    id.chars().take(10).collect()
}

/// The article text with entity mentions highlighted, paragraph by paragraph.
fn highlighted(d: &ArticleDetail) -> String {
    let mut h = String::from("<div class=\"text\"><p>");
    for s in view::segments(&d.article) {
        match &s.entity {
            None => {
                let t = esc(&s.text)
                    .replace("\n\n", "</p><p>")
                    .replace('\n', "<br>");
                h.push_str(&t);
            }
            Some((id, name, kind)) => {
                let canon = if view::shows_canonical(&s.text, name) {
                    format!("<span class=\"canon\"> → {}</span>", esc(name))
                } else {
                    String::new()
                };
                let _ = write!(
                    h,
                    "<mark class=\"ent {kind}\" data-entity=\"{id}\" title=\"{name} ({kind})\">{text}{canon}</mark>",
                    kind = esc(kind),
                    id = esc(id),
                    name = esc(name),
                    text = esc(&s.text).replace('\n', " "),
                );
            }
        }
    }
    h.push_str("</p></div>");
    h
}

/// One article, or `None` when unknown.
pub fn article(v: &View, id: &str) -> Option<String> {
    let d = v.article(id)?;
    let a = &d.article;
    let mut h = String::new();
    let _ = write!(h, "<h1>{}</h1>", esc(&a.title));
    h.push_str("<p class=\"meta\">");
    if let Some(s) = &d.story {
        let _ = write!(h, "Story: {} · ", story_link(s));
    }
    match safe_href(&a.url) {
        Some(href) => {
            let _ = write!(
                h,
                "<a href=\"{href}\" rel=\"noopener noreferrer nofollow\">source page</a>"
            );
        }
        None => {
            let _ = write!(h, "<span class=\"urn\">{}</span>", esc(&a.url));
        }
    }
    h.push_str("</p>");
    h.push_str(&highlighted(&d));

    if !a.repairs.is_empty() {
        h.push_str("<section><h2>Repairs</h2><table class=\"repairs\"><thead><tr><th>Kind</th><th>Before</th><th>After</th></tr></thead><tbody>");
        for r in &a.repairs {
            let _ = write!(
                h,
                "<tr><td>{}</td><td><del>{}</del></td><td>→ <ins>{}</ins></td></tr>",
                esc(&r.kind),
                esc(&r.before),
                if r.after.is_empty() {
                    "(removed)".to_string()
                } else {
                    esc(&r.after)
                }
            );
        }
        h.push_str("</tbody></table></section>");
    }

    h.push_str("<section><h2>Metadata</h2><table class=\"meta\"><tbody>");
    let mut row = |k: &str, v: String| {
        let _ = write!(h, "<tr><th>{}</th><td>{v}</td></tr>", esc(k));
    };
    row("Article id", esc(&a.article_id));
    row(
        "Source",
        format!(
            "{} ({}){}",
            esc(&a.source.name),
            esc(a.source.kind.as_str()),
            a.source
                .origin
                .as_deref()
                .map(|o| format!(" via {}", esc(o)))
                .unwrap_or_default()
        ),
    );
    row("URL", esc(&a.url));
    let published = match (&a.published, &d.extras.published_from) {
        (Some(p), Some(from)) => format!(
            "{} <span class=\"prov\">from {}{}</span>",
            when(Some(*p)),
            esc(&from.source),
            from.confidence
                .map(|c| format!(", confidence {c:.2}"))
                .unwrap_or_default()
        ),
        (Some(p), None) => when(Some(*p)),
        (None, _) => "<span class=\"undated\">undated</span>".into(),
    };
    row("Published", published);
    row("Fetched", when(Some(a.fetched_at)));
    row("Enriched", when(Some(a.enriched_at)));
    row(
        "Language",
        format!(
            "{} (confidence {:.2})",
            esc(&a.language.code),
            a.language.confidence
        ),
    );
    let outcome = serde_json::to_value(a.outcome)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    row(
        "Outcome",
        format!(
            "{}{}",
            esc(&outcome),
            d.extras
                .confidence
                .map(|c| format!(" (extraction confidence {c:.2})"))
                .unwrap_or_default()
        ),
    );
    row("Revision", a.revision.to_string());
    if let Some(o) = &a.duplicate_of {
        row("Duplicate of", article_link(o, o));
    }
    if let Some(n) = &a.near_duplicate_of {
        row(
            "Near-duplicate of",
            format!(
                "{} (similarity {:.2})",
                article_link(&n.article_id, &n.article_id),
                n.similarity
            ),
        );
    }
    if !a.keywords.is_empty() {
        row("Keywords", esc(&a.keywords.join(", ")));
    }
    for r in &a.relevance {
        row(
            &format!("Tracked: {}", r.tracked),
            format!(
                "{:.2}{}",
                r.score,
                if r.relevant { " (relevant)" } else { "" }
            ),
        );
    }
    h.push_str("</tbody></table></section>");

    if !a.claims.is_empty() {
        h.push_str("<section><h2>Claims</h2><ul class=\"claims\">");
        for c in &a.claims {
            let _ = write!(
                h,
                "<li>{}{} {} <span class=\"meta\">(“{}”)</span></li>",
                c.hedge
                    .as_deref()
                    .map(|x| format!("{} ", esc(x)))
                    .unwrap_or_default(),
                fmt_num(c.value),
                esc(&c.subject),
                esc(&c.surface)
            );
        }
        h.push_str("</ul></section>");
    }
    if d.revisions.len() > 1 {
        h.push_str("<section><h2>Revisions</h2><ol>");
        for r in &d.revisions {
            let _ = write!(
                h,
                "<li>revision {} — {} ({})</li>",
                r.revision,
                esc(&r.title),
                when(Some(r.enriched_at))
            );
        }
        h.push_str("</ol></section>");
    }
    Some(layout(&a.title, &format!("article:{}", a.article_id), &h))
}

/// The feeds page.
pub fn feeds(rows: &[FeedRow]) -> String {
    let mut h = String::from("<h1>Feeds</h1><table class=\"feeds\"><thead><tr><th>Feed</th><th>Last success</th><th>Last error</th><th>Next poll</th><th>Items</th><th>Failures</th><th>Validators</th><th>Error</th></tr></thead><tbody>");
    for f in rows {
        let _ = write!(
            h,
            "<tr><td title=\"{url}\">{name}{removed}</td><td>{ok}</td><td>{err_at}</td><td>{next}</td><td class=\"num\">{items}</td><td class=\"num\">{fail}</td><td>{val}</td><td>{err}</td></tr>",
            url = esc(&f.url),
            name = esc(&f.name),
            removed = if f.removed { " (removed)" } else { "" },
            ok = when(f.last_success),
            err_at = when(f.last_error_at),
            next = when(f.next_poll),
            items = f.items,
            fail = f.failures,
            val = esc(&f.validators),
            err = esc(f.last_error.as_deref().unwrap_or("-")),
        );
    }
    h.push_str("</tbody></table>");
    layout("Feeds", "feeds", &h)
}

/// A page for a missing story or article.
pub fn not_found(what: &str) -> String {
    layout(
        "Not found",
        "none",
        &format!(
            "<h1>Not found</h1><p>No {} with that id in this view.</p>",
            esc(what)
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::view::tests::{article as make_article, event};
    use crate::view::{ArticleExtras, Limits};

    /// Every tag of a page with its attributes (values double-quoted, as this module writes them).
    pub(crate) fn tags(page: &str) -> Vec<(String, Vec<(String, String)>)> {
        let mut out = Vec::new();
        let mut rest = page;
        while let Some(i) = rest.find('<') {
            rest = &rest[i + 1..];
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '!' || *c == '/')
                .collect();
            rest = &rest[name.len()..];
            let mut attrs = Vec::new();
            loop {
                rest = rest.trim_start();
                if rest.starts_with('>') || rest.is_empty() {
                    break;
                }
                let an: String = rest
                    .chars()
                    .take_while(|c| !matches!(c, '=' | ' ' | '>'))
                    .collect();
                rest = &rest[an.len()..];
                let mut value = String::new();
                if let Some(r) = rest.strip_prefix("=\"") {
                    let end = r.find('"').unwrap_or(r.len());
                    value = r[..end].to_string();
                    rest = &r[(end + 1).min(r.len())..];
                }
                attrs.push((an.to_ascii_lowercase(), value));
            }
            out.push((name, attrs));
        }
        out
    }

    #[test]
    fn escape_covers_markup_and_quotes() {
        assert_eq!(
            esc(r#"<a href="x" onerror='y'>&"#),
            "&lt;a href=&quot;x&quot; onerror=&#39;y&#39;&gt;&amp;"
        );
    }

    #[test]
    fn only_http_links_become_hrefs() {
        assert!(safe_href("javascript:alert(1)").is_none());
        assert!(safe_href(" JavaScript:alert(1)").is_none());
        assert!(safe_href("data:text/html,<script>").is_none());
        assert!(safe_href("urn:newsflow:seed:x").is_none());
        assert_eq!(
            safe_href("https://e.com/a?b=\"c\"").as_deref(),
            Some("https://e.com/a?b=%22c%22")
        );
    }

    /// Hostile text in every field renders as text: no element, attribute or URL of its own.
    #[test]
    fn hostile_article_renders_inert() {
        let mut v = View::new(Limits::default());
        let evil = "<script>alert(1)</script><img src=x onerror=alert(2)><a href=\"javascript:alert(3)\">x</a>";
        let mut e = event("s\"><script>", 1, evil, &["a<b"], 1);
        e.sources = vec![evil.into()];
        e.top_entities[0].name = evil.into();
        v.apply_story(e);
        let mut a = make_article("a<b", "s\"><script>", "en<x>", 1);
        a.title = evil.into();
        a.text = format!("{evil}\n\nBaukele {evil}");
        a.url = "javascript:alert(4)".into();
        a.source.name = evil.into();
        a.entities[0].name = evil.into();
        a.entities[0].mentions[0].start = a.text.find("Baukele").unwrap_or(0);
        a.entities[0].mentions[0].end = a.entities[0].mentions[0].start + 7;
        a.repairs = vec![model::Repair {
            kind: evil.into(),
            before: evil.into(),
            after: evil.into(),
        }];
        a.keywords = vec![evil.into()];
        v.apply_article(a, ArticleExtras::default(), 1);
        let pages = [
            stories(&v, &StoryQuery::default()),
            story(&v, "s\"><script>").expect("story"),
            article(&v, "a<b").expect("article"),
            feeds(&[FeedRow {
                name: evil.into(),
                url: evil.into(),
                removed: false,
                last_success: None,
                last_error_at: None,
                next_poll: None,
                items: 0,
                failures: 0,
                validators: evil.into(),
                last_error: Some(evil.into()),
            }]),
        ];
        for p in &pages {
            assert_eq!(
                p.matches("<script").count(),
                1,
                "only our own script tag: {p}"
            );
            assert!(p.contains("<script src=\"/static/live.js\" defer></script>"));
            assert!(!p.contains("<img"), "{p}");
            assert!(!p.contains("href=\"javascript"), "{p}");
            for (tag, attrs) in tags(p) {
                for (name, value) in attrs {
                    assert!(!name.starts_with("on"), "<{tag} {name}=...> in {p}");
                    if name == "href" || name == "src" {
                        assert!(
                            value.starts_with('/') || value.starts_with("http"),
                            "<{tag} {name}={value}>"
                        );
                    }
                }
            }
            assert!(p.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "{p}");
        }
        assert!(pages[2].contains("<mark class=\"ent person\""));
    }
}
