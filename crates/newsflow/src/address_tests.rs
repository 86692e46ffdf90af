//! Every shipped file keeps the global address switches off and allows private addresses to the
//! demo feed alone (issue: the switches were on for everyone so that the demo feed worked).

use std::path::Path;

use serde_json::Value;

use newsflow::config::Config;

use crate::shipped::{repo, strings, yaml_docs as yaml};

/// Parse the config at `path` with `env`; assert no global switch is on and only feeds named
/// `demo` are allowed anything.
fn assert_scoped(context: &str, path: &Path, env: Vec<(String, String)>) -> Config {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{context}: {e}"));
    let cfg =
        Config::parse(&text, path, env.into_iter()).unwrap_or_else(|e| panic!("{context}: {e:#}"));
    assert!(
        cfg.address_overrides().is_empty(),
        "{context}: global switches on: {:?}",
        cfg.address_overrides()
    );
    for f in cfg.feeds().expect("feeds") {
        if f.allow_private || !f.allow_link_local.is_empty() {
            assert_eq!(f.name, "demo", "{context}: feed {} is allowed", f.name);
        }
        assert!(f.allow_link_local.is_empty(), "{context}: {}", f.name);
    }
    cfg
}

#[test]
fn shipped_files_allow_private_addresses_to_the_demo_feed_only() {
    // config/newsflow.toml with config/feeds.toml: the demo feed is allowed, on its own host.
    let path = repo().join("config/newsflow.toml");
    let cfg = assert_scoped("config/newsflow.toml", &path, Vec::new());
    let demo = cfg
        .feeds()
        .expect("feeds")
        .into_iter()
        .find(|f| f.name == "demo")
        .expect("demo feed");
    assert!(demo.allow_private);
    let url = url::Url::parse(demo.url.expose()).expect("url");
    assert_eq!(
        format!(
            "{}:{}",
            url.host_str().unwrap_or(""),
            url.port().unwrap_or(80)
        ),
        cfg.demo_feed.listen,
        "the allowed feed is the built-in demo feed"
    );

    // docker-compose.yml: every service's environment over the mounted config.
    let compose = &yaml(&repo().join("docker-compose.yml"))[0];
    let services = compose["services"].as_object().expect("services");
    let mut fetchers = 0;
    for (name, svc) in services {
        let Some(vars) = svc["environment"].as_object() else {
            continue;
        };
        let env: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| {
                let v = match v {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                (k.clone(), v)
            })
            .collect();
        if !env.iter().any(|(k, _)| k.starts_with("NEWSFLOW__")) {
            continue;
        }
        let cfg = assert_scoped(&format!("compose service {name}"), &path, env);
        if strings(&svc["command"]).first().map(String::as_str) == Some("fetcher") {
            fetchers += 1;
            let demo = cfg
                .feeds()
                .expect("feeds")
                .into_iter()
                .find(|f| f.name == "demo")
                .expect("compose demo feed");
            assert!(
                demo.allow_private && demo.url.expose().contains("demo-feed:"),
                "{}",
                demo.url
            );
        }
    }
    assert_eq!(fetchers, 1, "one fetcher service");

    // The Kubernetes ConfigMap.
    let dir = std::env::temp_dir().join(format!("newsflow-allow-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch");
    let docs = yaml(&repo().join("deploy/k8s/configmap.yaml"));
    let cm = docs
        .iter()
        .find(|d| d["kind"] == "ConfigMap" && d["metadata"]["name"] == "newsflow-config")
        .expect("newsflow-config");
    for (key, text) in cm["data"].as_object().expect("data") {
        std::fs::write(dir.join(key), text.as_str().expect("text")).expect("write");
    }
    assert_scoped("ConfigMap", &dir.join("newsflow.toml"), Vec::new());
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn link_local_allowances_must_name_link_local_or_metadata_addresses() {
    let parse = |feed: &str| {
        Config::parse(
            &format!("[[fetcher.feed]]\nname = \"f\"\nurl = \"http://h.example/feed\"\n{feed}"),
            Path::new("/nonexistent/config/newsflow.toml"),
            std::iter::empty(),
        )
    };
    let cfg = parse("allow_link_local = [\"169.254.169.254\", \"fe80::1\"]").expect("valid");
    let spec = &cfg.fetcher().expect("fetcher").feeds[0];
    assert_eq!(spec.access.allow_link_local.len(), 2);
    assert!(!spec.access.allow_private);
    for (list, hint) in [
        ("[\"10.0.0.1\"]", "use allow_private"),
        ("[\"8.8.8.8\"]", "is public"),
        ("[\"not an ip\"]", "allow_link_local"),
    ] {
        let err = format!(
            "{:#}",
            parse(&format!("allow_link_local = {list}")).expect_err(list)
        );
        assert!(
            err.contains(hint) || err.contains("invalid"),
            "{list}: {err}"
        );
        assert!(
            err.contains("\"f\"") || err.contains("allow_link_local"),
            "{list}: {err}"
        );
    }
    let cfg = parse("allow_private = true").expect("valid");
    assert!(
        cfg.fetcher().expect("fetcher").feeds[0]
            .access
            .allow_private
    );
}
