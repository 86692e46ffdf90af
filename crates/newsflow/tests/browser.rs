//! The web view in a real browser (headless Chromium, Debian's package) on the pages the whole
//! pipeline (run in this process through the library) serves over the seeds and the demo feed: the seed story lists seed and demo articles, its
//! claims table has the hedged "nearly 250" agreeing with 252, seed 002 shows "Baukele" as Nayib
//! Bukele, and a demo article published while the story page is open appears on it without a
//! reload. Screenshots of the three pages go to `NEWSFLOW_WEB_SCREENSHOTS` (e.g. `docs`) or a
//! scratch directory.

mod common;

#[path = "../../web/tests/support/chromium.rs"]
mod chromium;

use std::path::PathBuf;
use std::time::Duration;

use common::{free_port, get_json, scratch, seed_id, write_config, InProcess};
use serde_json::Value;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_render_in_chromium_and_follow_live() {
    let broker = testkit::broker().await;
    let dir = scratch("browser");
    let demo_port = free_port();
    let demo = format!("http://127.0.0.1:{demo_port}/feed.xml");
    // Demo articles every 5 s: a few are in before the story page opens, more come while it is.
    let extra = format!(
        "[demo_feed]\nenabled = true\nlisten = \"127.0.0.1:{demo_port}\"\ninterval_secs = 5\ndir = \"{}\"\n",
        common::repo().join("data/demo").display(),
    );
    let (config, _prefix) = write_config(&dir, &broker.brokers(), &[demo], &extra);
    let listen = format!("127.0.0.1:{}", free_port());
    let web_listen = listen.clone();
    let run = InProcess::start_with(&config, |c| c.web.listen = web_listen, newsflow::run);
    let base = format!("http://{listen}");
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("client");

    // Wait (over the API) for the seed story with its four seed articles and a demo article.
    let seeds: Vec<String> = [
        "000_d369b0808f76e2a4.txt",
        "001_ce766de09f4ef673.txt",
        "002_abdd227f1209601f.txt",
        "003_e15bb043b1b33ed5.txt",
    ]
    .iter()
    .map(|f| seed_id(f))
    .collect();
    let end = std::time::Instant::now() + Duration::from_secs(120);
    let (story_id, known) = loop {
        let found = async {
            let page = get_json(&client, &format!("{base}/api/stories?per_page=200")).await?;
            for s in page["stories"].as_array()? {
                let id = s["story_id"].as_str()?;
                let d = get_json(&client, &format!("{base}/api/stories/{id}")).await?;
                let arts = d["articles"].as_array()?;
                let ids: Vec<&str> = arts
                    .iter()
                    .filter_map(|a| a["article_id"].as_str())
                    .collect();
                if seeds.iter().all(|x| ids.contains(&x.as_str()))
                    && arts.iter().any(|a| a["source"] == "feed0")
                {
                    return Some((id.to_string(), arts.len()));
                }
            }
            None
        }
        .await;
        if let Some(f) = found {
            break f;
        }
        assert!(
            std::time::Instant::now() < end,
            "no seed story with a demo article"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    };

    let shots = std::env::var_os("NEWSFLOW_WEB_SCREENSHOTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| dir.join("screenshots"));
    std::fs::create_dir_all(&shots).expect("screenshot dir");
    let a002 = seed_id("002_abdd227f1209601f.txt");
    let (b, s, a) = (base.clone(), story_id.clone(), a002.clone());
    let shots2 = shots.clone();
    let browser_dir = dir.join("chromium");
    tokio::task::spawn_blocking(move || {
        let mut chrome = chromium::Browser::launch(&browser_dir);

        // The stories page lists the seed story.
        let tab = chrome.open(&format!("{b}/"), 1280, 560);
        let dom = chrome.dom(&tab);
        assert!(dom.contains(&format!("/stories/{s}")), "stories page lacks the seed story");
        chrome.screenshot(&tab, &shots2.join("web-stories.png"));

        // Without JavaScript the pages are whole: a filtered list (the form is a plain GET) and
        // the story with its timeline and claims.
        let plain = chrome.open_with(&format!("{b}/?q=venezuela&lang=en"), 1280, 560, false);
        let dom = chrome.dom(&plain);
        assert!(dom.contains(&format!("/stories/{s}")), "filtered list without JavaScript");
        let plain = chrome.open_with(&format!("{b}/stories/{s}"), 1280, 560, false);
        assert_eq!(
            chrome.eval(&plain, "document.querySelectorAll('#timeline li').length > 4 && document.querySelectorAll('table.claims tbody tr').length > 0"),
            Value::Bool(true)
        );

        // The story page: seed and demo articles on the timeline, the claims table.
        let story = chrome.open(&format!("{b}/stories/{s}"), 1280, 1300);
        chrome.wait_for(&story, "document.body.getAttribute('data-live-connected') === 'true'", Duration::from_secs(10));
        let dom = chrome.dom(&story);
        for title in [
            "El Salvador and the US Forge Historic Deal with Venezuela for Prisoner Exchange",
            "El Salvador and US Finalize Historic Prisoner Exchange with Venezuela",
        ] {
            assert!(dom.contains(title), "story page lacks {title:?}");
        }
        // The row of the deportee counts: 252 and a hedged 250 ("nearly 250"); its subject's
        // wording is the enricher's. The live script refreshes the page as story events come in.
        let find = "[...document.querySelectorAll('table.claims tbody tr')].find(tr => { const v = [...tr.cells[2].querySelectorAll('li')].map(li => li.textContent); return v.some(t => /^252\\b/.test(t)) && v.some(t => /^\\D+ 250\\b/.test(t)); })";
        if !chrome.poll(&story, &format!("{find} !== undefined"), Duration::from_secs(30)) {
            let rows = chrome.eval(&story, "[...document.querySelectorAll('table.claims tbody tr')].map(tr => tr.textContent).join('\\n')");
            panic!("no claims row with 252 and a hedged 250; rows:\n{}", rows.as_str().unwrap_or_default());
        }
        let row = chrome.eval(&story, &format!("(() => {{ const r = {find}; return r.className + '|' + r.textContent; }})()"));
        let row = row.as_str().unwrap_or_default().to_string();
        assert!(row.starts_with("agree|"), "claims row with 252 and a hedged 250: {row:?}");
        chrome.screenshot(&story, &shots2.join("web-story.png"));

        // The article page of seed 002: Baukele marked as Nayib Bukele.
        let art = chrome.open(&format!("{b}/articles/{a}"), 1280, 1100);
        let mark = chrome.eval(
            &art,
            "(() => { const m = [...document.querySelectorAll('mark.ent')].find(m => m.firstChild && m.firstChild.textContent === 'Baukele'); return m ? m.dataset.entity + '|' + m.textContent : ''; })()",
        );
        assert_eq!(mark.as_str(), Some("person/nayib-bukele|Baukele → Nayib Bukele"));
        chrome.screenshot(&art, &shots2.join("web-article.png"));

        // Live: a demo article published while the story page is open appears without a reload
        // (a mark left in the page's JavaScript state survives).
        chrome.eval(&story, "window.__keep = 'same page'; true");
        let before = chrome.eval(&story, "document.querySelectorAll('#timeline li').length");
        let before = before.as_u64().unwrap_or(0);
        assert_eq!(before as usize, known.max(before as usize));
        chrome.wait_for(
            &story,
            &format!("document.querySelectorAll('#timeline li').length > {before}"),
            Duration::from_secs(60),
        );
        assert_eq!(chrome.eval(&story, "window.__keep"), Value::from("same page"));
        assert!(chrome.eval(&story, "Number(document.body.dataset.updates)").as_u64() >= Some(1));
        // CSP: an inline script injected into the page does not run.
        let inline = chrome.eval(
            &story,
            "(() => { const s = document.createElement('script'); s.textContent = 'window.__inline = 1'; document.body.appendChild(s); return window.__inline === undefined; })()",
        );
        assert_eq!(inline, Value::Bool(true), "an inline script ran despite the CSP");
    })
    .await
    .expect("browser checks");
    for f in ["web-stories.png", "web-story.png", "web-article.png"] {
        let len = std::fs::metadata(shots.join(f))
            .map(|m| m.len())
            .unwrap_or(0);
        assert!(len > 10_000, "{f}: {len} bytes");
    }
    run.stop(Duration::from_secs(30)).await;
    broker.stop().await;
}
