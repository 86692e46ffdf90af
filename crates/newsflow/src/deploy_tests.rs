//! Docker and Kubernetes files cannot run on the build machine, so their contract with the code is
//! checked here: `docker-compose.yml` against the Compose Specification schema, every command
//! against the CLI, every mounted path against the repository, every config against the parser,
//! and every probe against the health endpoints.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use clap::Parser;
use serde_json::Value;

use crate::config::Config;
use crate::Cli;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// YAML (with `<<` merge keys applied) as JSON values, one per document.
fn yaml_docs(path: &Path) -> Vec<Value> {
    let text =
        std::fs::read_to_string(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    let mut docs = Vec::new();
    for de in yaml_serde::Deserializer::from_str(&text) {
        let mut v: yaml_serde::Value = serde::Deserialize::deserialize(de)
            .unwrap_or_else(|e| panic!("{}: invalid YAML: {e}", path.display()));
        v.apply_merge()
            .unwrap_or_else(|e| panic!("{}: merge keys: {e}", path.display()));
        if v.is_null() {
            continue;
        }
        docs.push(
            serde_json::to_value(&v)
                .unwrap_or_else(|e| panic!("{}: not JSON-like: {e}", path.display())),
        );
    }
    docs
}

fn compose_schema() -> Value {
    let path = std::env::var_os("NEWSFLOW_COMPOSE_SCHEMA")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            let cache = std::env::var_os("XDG_CACHE_HOME")
                .map(PathBuf::from)
                .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
                .unwrap_or_else(|| PathBuf::from(".cache"));
            cache.join("newsflow/compose-spec-0.39.0/compose-spec.json")
        });
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "Compose schema {} missing ({e}): run deploy/install-compose-schema.sh",
            path.display()
        )
    });
    serde_json::from_str(&text).expect("compose schema is JSON")
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// Whether `args` (after the binary name) form a valid `newsflow` command line.
fn assert_cli(args: &[String], context: &str) {
    let mut argv = vec!["newsflow".to_string()];
    argv.extend(args.iter().cloned());
    if let Err(e) = Cli::try_parse_from(&argv) {
        panic!(
            "{context}: `{}` is not a newsflow command: {e}",
            argv.join(" ")
        );
    }
}

fn schema_errors(schema: &Value, doc: &Value) -> Vec<String> {
    let validator = jsonschema::validator_for(schema).expect("schema compiles");
    validator
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

#[test]
fn compose_file_follows_the_compose_spec() {
    let schema = compose_schema();
    let docs = yaml_docs(&repo().join("docker-compose.yml"));
    assert_eq!(docs.len(), 1);
    let errors = schema_errors(&schema, &docs[0]);
    assert!(errors.is_empty(), "docker-compose.yml: {errors:#?}");

    // The check can fail: a misspelt key is caught.
    let mut bad = docs[0].clone();
    bad["services"]["cleaner"]["restart_policy"] = Value::from("always");
    assert!(!schema_errors(&schema, &bad).is_empty());
}

#[test]
fn compose_services_run_real_commands_with_real_files() {
    let root = repo();
    let doc = &yaml_docs(&root.join("docker-compose.yml"))[0];
    let services = doc["services"].as_object().expect("services");
    let mut newsflow_services = 0;
    for (name, svc) in services {
        if svc["image"] != "newsflow:latest" {
            continue;
        }
        newsflow_services += 1;
        let context = format!("service {name}");
        assert_cli(&strings(&svc["command"]), &context);
        // Docker's healthcheck runs `newsflow health` in the same container.
        if svc["healthcheck"]["disable"] != true {
            let test = strings(&svc["healthcheck"]["test"]);
            assert_eq!(test.first().map(String::as_str), Some("CMD"), "{context}");
            assert_eq!(
                test.get(1).map(String::as_str),
                Some("newsflow"),
                "{context}"
            );
            assert_cli(&test[2..], &context);
        }
        let mut env: Vec<(String, String)> = Vec::new();
        if let Some(vars) = svc["environment"].as_object() {
            for (k, v) in vars {
                let v = match v {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                env.push((k.clone(), v));
            }
        }
        let mut config_dir = None;
        for vol in strings(&svc["volumes"]) {
            let host = vol.split(':').next().unwrap_or_default();
            let path = root.join(host);
            assert!(
                path.exists(),
                "{context}: mounted {host} does not exist in the repository"
            );
            if vol.split(':').nth(1) == Some("/app/config") {
                config_dir = Some(path);
            }
        }
        // The mounted config with the service's environment overrides is a valid config.
        let config_dir = config_dir.unwrap_or_else(|| panic!("{context}: config not mounted"));
        let path = config_dir.join("newsflow.toml");
        let text = std::fs::read_to_string(&path).expect("config");
        let cfg = Config::parse(&text, &path, env.clone().into_iter())
            .unwrap_or_else(|e| panic!("{context}: config with its environment: {e:#}"));
        if let Some(f) = &cfg.fetcher.feeds_file {
            assert!(
                cfg.config_path(f).exists(),
                "{context}: feeds file {} missing",
                f.display()
            );
        }
        // A feed served by another compose service has a private address: that feed (and only
        // that feed) must be allowed it.
        for feed in cfg.feeds().expect("feeds") {
            let host = url::Url::parse(&feed.url)
                .ok()
                .and_then(|u| u.host_str().map(str::to_string))
                .unwrap_or_default();
            if services.contains_key(&host) {
                assert!(
                    feed.allow_private,
                    "{context}: feed {} is on the compose network but not allow_private",
                    feed.url
                );
            }
        }
        if svc["healthcheck"]["disable"] != true {
            // The image sets the listen address; the healthcheck must reach it.
            let listen = env
                .iter()
                .find(|(k, _)| k == "NEWSFLOW__OBSERVABILITY__LISTEN")
                .map(|(_, v)| v.clone())
                .unwrap_or_else(|| dockerfile_env("NEWSFLOW__OBSERVABILITY__LISTEN"));
            assert!(listen.starts_with("0.0.0.0:"), "{context}: listen {listen}");
        }
    }
    assert!(newsflow_services >= 4, "topics, fetcher, cleaner, enricher");
    for stage in ["fetcher", "cleaner", "enricher"] {
        // `--scale` needs services without fixed names or host ports.
        let svc = &services[stage];
        assert!(svc.get("container_name").is_none(), "{stage}");
        assert!(svc.get("ports").is_none(), "{stage}");
        assert_ne!(svc["restart"], "no", "{stage} must restart");
    }
}

/// A value the Dockerfile sets with `ENV`.
fn dockerfile_env(key: &str) -> String {
    let text = std::fs::read_to_string(repo().join("deploy/Dockerfile")).expect("Dockerfile");
    text.split_whitespace()
        .find_map(|w| w.strip_prefix(&format!("{key}=")))
        .unwrap_or_else(|| panic!("Dockerfile does not set {key}"))
        .to_string()
}

#[test]
fn dockerfile_healthcheck_is_a_real_command() {
    let text = std::fs::read_to_string(repo().join("deploy/Dockerfile")).expect("Dockerfile");
    let line = text
        .lines()
        .find(|l| l.starts_with("HEALTHCHECK"))
        .expect("HEALTHCHECK");
    let json = &line[line.find('[').expect("exec form")..];
    let args: Vec<String> = serde_json::from_str(json).expect("exec form array");
    assert_eq!(args[0], "newsflow");
    assert_cli(&args[1..], "HEALTHCHECK");
    assert!(text.contains("USER newsflow"), "runs as non-root");
}

#[test]
fn kubernetes_manifests_match_the_code() {
    let dir = repo().join("deploy/k8s");
    let kustomization = &yaml_docs(&dir.join("kustomization.yaml"))[0];
    let mut docs = Vec::new();
    for r in strings(&kustomization["resources"]) {
        docs.extend(yaml_docs(&dir.join(&r)));
    }
    let mut config_maps: BTreeMap<String, &Value> = BTreeMap::new();
    for d in &docs {
        if d["kind"] == "ConfigMap" {
            config_maps.insert(d["metadata"]["name"].as_str().expect("name").into(), d);
        }
    }

    // The ConfigMap's config parses with the code's parser, feeds file and all.
    let cm = config_maps.get("newsflow-config").expect("newsflow-config");
    let scratch = std::env::temp_dir().join(format!("newsflow-k8s-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).expect("scratch");
    for (key, text) in cm["data"].as_object().expect("data") {
        std::fs::write(scratch.join(key), text.as_str().expect("text")).expect("write");
    }
    let path = scratch.join("newsflow.toml");
    let text = std::fs::read_to_string(&path).expect("config");
    let cfg = Config::parse(&text, &path, std::iter::empty())
        .unwrap_or_else(|e| panic!("ConfigMap newsflow.toml: {e:#}"));
    cfg.feeds().expect("ConfigMap feeds.toml");
    let port: u16 = cfg
        .observability
        .listen
        .rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .expect("listen port");
    assert!(cfg.observability.listen.starts_with("0.0.0.0:"));
    // Files the config names outside the ConfigMap come from the image.
    let dockerfile = std::fs::read_to_string(repo().join("deploy/Dockerfile")).expect("Dockerfile");
    assert!(dockerfile.contains("COPY config /app/config"));
    assert!(dockerfile.contains("COPY data /app/data"));
    for (p, in_repo) in [
        (&cfg.enricher.gazetteer, "config/gazetteer.toml"),
        (&cfg.fetcher.dirs[0].path, "data/seed"),
    ] {
        let rel = p
            .strip_prefix("/app")
            .unwrap_or_else(|_| panic!("{} is not under /app", p.display()));
        assert_eq!(rel, Path::new(in_repo));
        assert!(repo().join(in_repo).exists());
    }

    let mut stages = Vec::new();
    for d in docs.iter().filter(|d| d["kind"] == "Deployment") {
        let name = d["metadata"]["name"].as_str().expect("name");
        let pod = &d["spec"]["template"]["spec"];
        let c = &pod["containers"][0];
        let args = strings(&c["args"]);
        assert_cli(&args, name);
        stages.push(args[0].clone());

        let ports = c["ports"].as_array().expect("ports");
        let port_of = |p: &Value| -> u16 {
            match p {
                Value::Number(n) => n
                    .as_u64()
                    .and_then(|n| u16::try_from(n).ok())
                    .expect("port"),
                Value::String(s) => ports
                    .iter()
                    .find(|q| q["name"] == *s)
                    .and_then(|q| q["containerPort"].as_u64())
                    .and_then(|n| u16::try_from(n).ok())
                    .unwrap_or_else(|| panic!("{name}: no port named {s}")),
                _ => panic!("{name}: bad port {p}"),
            }
        };
        for (probe, path) in [("livenessProbe", "/healthz"), ("readinessProbe", "/readyz")] {
            let get = &c[probe]["httpGet"];
            assert_eq!(get["path"], path, "{name} {probe}");
            assert_eq!(port_of(&get["port"]), port, "{name} {probe} port");
        }

        // NEWSFLOW_CONFIG points into the mounted ConfigMap.
        let env = c["env"].as_array().expect("env");
        let config_path = env
            .iter()
            .find(|e| e["name"] == "NEWSFLOW_CONFIG")
            .and_then(|e| e["value"].as_str())
            .expect("NEWSFLOW_CONFIG");
        let mount = c["volumeMounts"]
            .as_array()
            .expect("mounts")
            .iter()
            .find(|m| config_path.starts_with(m["mountPath"].as_str().unwrap_or("-")))
            .unwrap_or_else(|| panic!("{name}: {config_path} is not mounted"));
        let volume = pod["volumes"]
            .as_array()
            .expect("volumes")
            .iter()
            .find(|v| v["name"] == mount["name"])
            .expect("volume");
        let cm_name = volume["configMap"]["name"]
            .as_str()
            .expect("configMap volume");
        let key = Path::new(config_path)
            .strip_prefix(mount["mountPath"].as_str().expect("mountPath"))
            .expect("under mount");
        assert!(
            config_maps[cm_name]["data"]
                .get(key.to_str().expect("key"))
                .is_some(),
            "{name}: {cm_name} has no {}",
            key.display()
        );

        // A stop drains in-flight work and leaves the group before Kubernetes kills the pod.
        let grace = pod["terminationGracePeriodSeconds"]
            .as_u64()
            .expect("grace");
        assert!(
            grace > cfg.worker.shutdown_timeout_secs + 10,
            "{name}: grace {grace}s"
        );
        let replicas = d["spec"]["replicas"].as_i64().expect("replicas");
        assert!(
            replicas <= i64::from(cfg.pipeline.partitions),
            "{name}: more replicas than partitions"
        );
    }
    stages.sort();
    assert_eq!(stages, ["cleaner", "enricher", "fetcher"]);
    assert!(docs.iter().any(|d| d["kind"] == "Job"
        && strings(&d["spec"]["template"]["spec"]["containers"][0]["args"])
            == ["topics", "create"]));
}
