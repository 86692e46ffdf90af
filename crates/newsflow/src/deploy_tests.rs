//! The contract of the Docker and Kubernetes files with the code, checked without a Docker engine
//! or a cluster: `docker-compose.yml` against the Compose Specification schema and what Compose v1
//! accepts, the manifests against the Kubernetes schemas and the restricted Pod Security Standard,
//! every command against the CLI, every mounted path against the repository, every config against
//! the parser, and every probe against the health endpoints. The compose stack itself runs in
//! `tests/compose_e2e.rs`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use clap::Parser;
use serde_json::Value;

use newsflow::config::Config;

use crate::shipped::{repo, strings, yaml_docs};
use crate::Cli;

fn cache_dir() -> PathBuf {
    std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(|| PathBuf::from(".cache"))
}

fn compose_schema() -> Value {
    let path = std::env::var_os("NEWSFLOW_COMPOSE_SCHEMA")
        .map(PathBuf::from)
        .unwrap_or_else(|| cache_dir().join("newsflow/compose-spec-0.39.0/compose-spec.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "Compose schema {} missing ({e}): run deploy/install-compose-schema.sh",
            path.display()
        )
    });
    serde_json::from_str(&text).expect("compose schema is JSON")
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

    // Compose v1 (1.29, Debian 12's `docker-compose`) refuses top-level keys the Compose
    // Specification added later, such as `name` ("'name' does not match any of the regexes").
    assert!(compose_v1_top_level_errors(&docs[0]).is_empty());
    let mut named = docs[0].clone();
    named["name"] = Value::from("newsflow");
    assert_eq!(compose_v1_top_level_errors(&named), ["name"]);
}

/// Top-level keys of a compose file that Compose v1.29 rejects.
fn compose_v1_top_level_errors(doc: &Value) -> Vec<String> {
    const V1: [&str; 6] = [
        "version", "services", "networks", "volumes", "secrets", "configs",
    ];
    doc.as_object()
        .expect("mapping")
        .keys()
        .filter(|k| !V1.contains(&k.as_str()) && !k.starts_with("x-"))
        .cloned()
        .collect()
}

/// A `user` value (`uid[:gid]`) that names a non-root user by number.
fn numeric_non_root(user: &str) -> bool {
    let mut ids = user.splitn(2, ':');
    let uid = ids.next().and_then(|u| u.parse::<u32>().ok());
    let gid_ok = ids.next().is_none_or(|g| g.parse::<u32>().is_ok());
    uid.is_some_and(|u| u != 0) && gid_ok
}

#[test]
fn compose_services_are_locked_down_and_kafka_keeps_its_log() {
    let doc = &yaml_docs(&repo().join("docker-compose.yml"))[0];
    let services = doc["services"].as_object().expect("services");
    for (name, svc) in services
        .iter()
        .filter(|(_, s)| s["image"] == "newsflow:latest")
    {
        let user = svc["user"].as_str().unwrap_or_default();
        assert!(numeric_non_root(user), "{name}: user {user:?}");
        assert_eq!(svc["read_only"], true, "{name}: read-only root filesystem");
        assert_eq!(svc["cap_drop"], serde_json::json!(["ALL"]), "{name}");
    }
    // The broker's log directory is on a named volume, not in the container.
    let kafka = &services["kafka"];
    let log_dirs = kafka["environment"]["KAFKA_LOG_DIRS"]
        .as_str()
        .expect("KAFKA_LOG_DIRS");
    let volume = strings(&kafka["volumes"])
        .into_iter()
        .find(|v| v.split(':').nth(1) == Some(log_dirs))
        .unwrap_or_else(|| panic!("no volume at {log_dirs}"));
    let source = volume.split(':').next().unwrap_or_default();
    assert!(
        doc["volumes"].get(source).is_some(),
        "{source} is not a named volume"
    );
    assert!(kafka["environment"]["CLUSTER_ID"].is_string());
    // The demo feed links to the address the fetcher asked for, never its bind address.
    let demo = &services["demo-feed"]["environment"];
    assert!(demo["NEWSFLOW__DEMO_FEED__LISTEN"]
        .as_str()
        .is_some_and(|l| l.starts_with("0.0.0.0:")));
    assert!(demo
        .get("NEWSFLOW__DEMO_FEED__PUBLIC_URL")
        .and_then(Value::as_str)
        .is_none_or(|u| !u.contains("0.0.0.0")));

    assert!(numeric_non_root("10001:10001"));
    assert!(!numeric_non_root("newsflow"));
    assert!(!numeric_non_root("0:0"));
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
            let host = url::Url::parse(feed.url.expose())
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
            // The image sets the worker endpoint's listen address; the web view's is set by its
            // service. The healthcheck must reach the one it asks.
            let web = strings(&svc["healthcheck"]["test"]).contains(&"--web".to_string());
            let listen = if web {
                cfg.web.listen.clone()
            } else {
                env.iter()
                    .find(|(k, _)| k == "NEWSFLOW__OBSERVABILITY__LISTEN")
                    .map(|(_, v)| v.clone())
                    .unwrap_or_else(|| dockerfile_env("NEWSFLOW__OBSERVABILITY__LISTEN"))
            };
            assert!(listen.starts_with("0.0.0.0:"), "{context}: listen {listen}");
            if web {
                // Published on the host's loopback only, to the port the view listens on.
                let port = listen.rsplit(':').next().unwrap_or_default();
                let published = strings(&svc["ports"]);
                assert!(
                    published
                        .iter()
                        .all(|p| p.starts_with("127.0.0.1:") && p.ends_with(&format!(":{port}"))),
                    "{context}: ports {published:?}"
                );
                assert!(!published.is_empty(), "{context}: web view not published");
            }
        }
    }
    assert!(
        newsflow_services >= 5,
        "topics, fetcher, cleaner, enricher, web"
    );
    for stage in ["fetcher", "cleaner", "enricher"] {
        // `--scale` needs services without fixed names or host ports.
        let svc = &services[stage];
        assert!(svc.get("container_name").is_none(), "{stage}");
        assert!(svc.get("ports").is_none(), "{stage}");
        assert_ne!(svc["restart"], "no", "{stage} must restart");
        // A stop drains in-flight work and leaves the group before Docker kills the process.
        let grace = svc["stop_grace_period"].as_str().unwrap_or("10s");
        let grace: u64 = grace
            .strip_suffix('s')
            .and_then(|g| g.parse().ok())
            .unwrap_or_else(|| panic!("{stage}: stop_grace_period {grace} in whole seconds"));
        let cfg = Config::parse(
            &std::fs::read_to_string(root.join("config/newsflow.toml")).expect("config"),
            &root.join("config/newsflow.toml"),
            std::iter::empty(),
        )
        .expect("config");
        assert!(
            grace > cfg.worker.shutdown_timeout_secs.get().as_secs() + 10,
            "{stage}: stop_grace_period {grace}s"
        );
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

/// The exec-form arguments of the Dockerfile instruction starting with `prefix`.
fn dockerfile_exec(text: &str, prefix: &str) -> Vec<String> {
    let line = text
        .lines()
        .find(|l| l.starts_with(prefix))
        .unwrap_or_else(|| panic!("no {prefix}"));
    let json = &line[line.find('[').expect("exec form")..];
    serde_json::from_str(json).expect("exec form array")
}

#[test]
fn dockerfile_healthcheck_is_a_real_command() {
    let text = std::fs::read_to_string(repo().join("deploy/Dockerfile")).expect("Dockerfile");
    let args = dockerfile_exec(&text, "HEALTHCHECK");
    assert_eq!(args[0], "newsflow");
    assert_cli(&args[1..], "HEALTHCHECK");
}

#[test]
fn dockerfile_runs_as_a_numeric_user_and_prints_help_without_arguments() {
    let text = std::fs::read_to_string(repo().join("deploy/Dockerfile")).expect("Dockerfile");
    let users: Vec<&str> = text
        .lines()
        .filter_map(|l| l.strip_prefix("USER "))
        .collect();
    assert_eq!(users.len(), 1);
    assert!(numeric_non_root(users[0].trim()), "USER {}", users[0]);

    // `docker run IMAGE` runs ENTRYPOINT + CMD: it must print help and exit 0, not start `run`
    // (which looks for a local broker that is not in the image).
    assert_eq!(dockerfile_exec(&text, "ENTRYPOINT"), ["newsflow"]);
    let mut argv = vec!["newsflow".to_string()];
    argv.extend(dockerfile_exec(&text, "CMD"));
    match Cli::try_parse_from(&argv) {
        Err(e) => assert_eq!(e.kind(), clap::error::ErrorKind::DisplayHelp, "{e}"),
        Ok(_) => panic!("CMD {argv:?} runs a command instead of printing help"),
    }

    // Tools installed by `cargo install` are pinned, so a rebuild gets the same one.
    for l in text.lines().filter(|l| l.contains("cargo install")) {
        assert!(l.contains("--version") && l.contains("--locked"), "{l}");
    }
    // The runtime stage can take a binary built elsewhere (the compose end-to-end test does).
    assert!(text.contains("FROM ${BINARY_FROM} AS binary"));
    assert!(text.contains("FROM ${RUNTIME_BASE} AS runtime"));
    assert!(text.contains("COPY --from=binary /newsflow /usr/local/bin/newsflow"));
}

/// `major.minor` of a version string.
fn major_minor(v: &str) -> (u32, u32) {
    let mut it = v.split('.').map(|x| x.parse::<u32>().unwrap_or(0));
    (it.next().unwrap_or(0), it.next().unwrap_or(0))
}

#[test]
fn rust_version_covers_the_locked_dependencies_and_the_builder_image() {
    let root = repo();
    let manifest: toml::Value =
        toml::from_str(&std::fs::read_to_string(root.join("Cargo.toml")).expect("Cargo.toml"))
            .expect("Cargo.toml");
    let ours = manifest["workspace"]["package"]["rust-version"]
        .as_str()
        .expect("rust-version");
    let lock: toml::Value =
        toml::from_str(&std::fs::read_to_string(root.join("Cargo.lock")).expect("Cargo.lock"))
            .expect("Cargo.lock");
    // The manifests of locked crates that this machine has unpacked (every crate that a build
    // here compiled); a crate for another platform may be missing and is skipped.
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .expect("CARGO_HOME or HOME");
    let sources: Vec<PathBuf> = std::fs::read_dir(cargo_home.join("registry/src"))
        .map(|d| d.filter_map(Result::ok).map(|e| e.path()).collect())
        .unwrap_or_default();
    let mut needed = Vec::new();
    for pkg in lock["package"].as_array().expect("packages") {
        if pkg.get("source").is_none() {
            continue;
        }
        let dir = format!(
            "{}-{}",
            pkg["name"].as_str().unwrap_or_default(),
            pkg["version"].as_str().unwrap_or_default()
        );
        let Some(text) = sources
            .iter()
            .find_map(|s| std::fs::read_to_string(s.join(&dir).join("Cargo.toml")).ok())
        else {
            continue;
        };
        let Ok(m) = toml::from_str::<toml::Value>(&text) else {
            continue;
        };
        if let Some(v) = m
            .get("package")
            .and_then(|p| p.get("rust-version"))
            .and_then(|v| v.as_str())
        {
            needed.push((major_minor(v), dir));
        }
    }
    needed.sort();
    if let Some((max, dir)) = needed.last() {
        assert!(
            major_minor(ours) >= *max,
            "rust-version {ours} is below {}.{} needed by {dir}",
            max.0,
            max.1
        );
    }
    // The builder image's toolchain meets it.
    let dockerfile = std::fs::read_to_string(root.join("deploy/Dockerfile")).expect("Dockerfile");
    let image = dockerfile
        .lines()
        .find_map(|l| l.strip_prefix("FROM rust:"))
        .expect("FROM rust:");
    let tag = image.split(['-', ' ']).next().unwrap_or_default();
    assert!(major_minor(tag) >= major_minor(ours), "rust:{tag} < {ours}");
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
        (
            cfg.enricher.gazetteer.as_ref().expect("gazetteer"),
            "config/gazetteer.toml",
        ),
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
        // Workers answer probes on the observability port; the web view on its own listen port,
        // set in its environment (the ConfigMap's default is loopback).
        let probe_port = if args[0] == "web" {
            let listen = c["env"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|e| e["name"] == "NEWSFLOW__WEB__LISTEN")
                .and_then(|e| e["value"].as_str())
                .unwrap_or_else(|| panic!("{name}: NEWSFLOW__WEB__LISTEN not set"));
            assert!(
                listen.starts_with("0.0.0.0:"),
                "{name}: web listen {listen}"
            );
            listen
                .rsplit(':')
                .next()
                .and_then(|p| p.parse().ok())
                .expect("web port")
        } else {
            port
        };
        for (probe, path) in [("livenessProbe", "/healthz"), ("readinessProbe", "/readyz")] {
            let get = &c[probe]["httpGet"];
            assert_eq!(get["path"], path, "{name} {probe}");
            assert_eq!(port_of(&get["port"]), probe_port, "{name} {probe} port");
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
            grace > cfg.worker.shutdown_timeout_secs.get().as_secs() + 10,
            "{name}: grace {grace}s"
        );
        // Never more pods than partitions, also during a rollout: a pod without a partition is
        // never ready, and a surge pod waiting for one would stall the rollout.
        let replicas = d["spec"]["replicas"].as_i64().expect("replicas");
        let strategy = &d["spec"]["strategy"];
        let surge = match strategy["type"].as_str() {
            Some("Recreate") => 0,
            _ => strategy["rollingUpdate"]["maxSurge"]
                .as_i64()
                .unwrap_or_else(|| panic!("{name}: maxSurge must be a number (0)")),
        };
        assert!(
            replicas + surge <= i64::from(cfg.pipeline.partitions),
            "{name}: {replicas} replicas + {surge} surge > {} partitions",
            cfg.pipeline.partitions
        );

        // The topics exist before the worker starts, created by the same image on every rollout.
        let init = pod["initContainers"].as_array().expect("initContainers");
        assert!(
            init.iter()
                .any(|i| strings(&i["args"]) == ["topics", "create"] && i["image"] == c["image"]),
            "{name}: no topics init container"
        );
        for c in pod["containers"]
            .as_array()
            .into_iter()
            .flatten()
            .chain(init)
        {
            assert_eq!(c["image"], "newsflow:latest", "{name}");
            // A locally built or preloaded image is used, not pulled (`:latest` defaults to Always).
            assert_eq!(c["imagePullPolicy"], "IfNotPresent", "{name}");
            assert_eq!(c["env"], pod["containers"][0]["env"], "{name}: same config");
        }
    }
    stages.sort();
    assert_eq!(stages, ["cleaner", "enricher", "fetcher", "web"]);
    // The web view's Service selects its pods and forwards to the port they listen on.
    let svc = docs
        .iter()
        .find(|d| d["kind"] == "Service" && d["metadata"]["name"] == "newsflow-web")
        .expect("newsflow-web Service");
    let web = docs
        .iter()
        .find(|d| d["kind"] == "Deployment" && d["metadata"]["name"] == "newsflow-web")
        .expect("newsflow-web Deployment");
    assert_eq!(
        svc["spec"]["selector"],
        web["spec"]["template"]["metadata"]["labels"]
    );
    let target = &svc["spec"]["ports"][0]["targetPort"];
    assert!(
        web["spec"]["template"]["spec"]["containers"][0]["ports"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|p| p["name"] == *target || p["containerPort"] == *target),
        "Service targetPort {target} is not a port of the web pod"
    );
    assert!(
        !docs.iter().any(|d| d["kind"] == "Job"),
        "a Job cannot be re-applied with a new image: topics are created by init containers"
    );
    // The image the pods name is the one `images:` rewrites.
    let images = kustomization["images"].as_array().expect("images:");
    assert!(images.iter().any(|i| i["name"] == "newsflow"));
}

/// The Kubernetes JSON schemas (strict) that `deploy/install-k8s-schemas.sh` installs.
fn k8s_schema_dir() -> PathBuf {
    let dir = std::env::var_os("NEWSFLOW_K8S_SCHEMAS")
        .map(PathBuf::from)
        .unwrap_or_else(|| cache_dir().join("newsflow/k8s-schemas-1.37.0/v1.33.0"));
    assert!(
        dir.join("_definitions.json").exists(),
        "Kubernetes schemas {} missing: run deploy/install-k8s-schemas.sh",
        dir.display()
    );
    dir
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Validators by `kind`, for the Kubernetes version the schemas were installed for.
fn k8s_validators() -> BTreeMap<&'static str, jsonschema::Validator> {
    let dir = k8s_schema_dir();
    let definitions = read_json(&dir.join("_definitions.json"));
    let mut out = BTreeMap::new();
    for (kind, file) in [
        ("ConfigMap", "configmap-v1.json"),
        ("Deployment", "deployment-apps-v1.json"),
        ("Service", "service-v1.json"),
    ] {
        let v = jsonschema::options()
            .with_resource(
                "https://kubernetes.io/api/_definitions.json",
                jsonschema::Resource::from_contents(definitions.clone()),
            )
            .build(&read_json(&dir.join(file)))
            .unwrap_or_else(|e| panic!("{file}: {e}"));
        out.insert(kind, v);
    }
    out
}

fn k8s_errors(validators: &BTreeMap<&str, jsonschema::Validator>, doc: &Value) -> Vec<String> {
    let kind = doc["kind"].as_str().expect("kind");
    let v = validators
        .get(kind)
        .unwrap_or_else(|| panic!("no schema for kind {kind}"));
    v.iter_errors(doc)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect()
}

/// Where a pod falls short of the restricted Pod Security Standard (with a read-only root
/// filesystem on top), one line per finding.
fn restricted_violations(pod: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let psc = &pod["securityContext"];
    for host in ["hostNetwork", "hostPID", "hostIPC"] {
        if pod[host] == true {
            out.push(format!("{host} is set"));
        }
    }
    const VOLUMES: [&str; 8] = [
        "configMap",
        "csi",
        "downwardAPI",
        "emptyDir",
        "ephemeral",
        "persistentVolumeClaim",
        "projected",
        "secret",
    ];
    for v in pod["volumes"].as_array().into_iter().flatten() {
        let obj = v.as_object().expect("volume");
        for k in obj.keys().filter(|k| *k != "name") {
            if !VOLUMES.contains(&k.as_str()) {
                out.push(format!("volume type {k}"));
            }
        }
    }
    let containers: Vec<&Value> = ["initContainers", "containers"]
        .iter()
        .flat_map(|k| pod[*k].as_array().into_iter().flatten())
        .collect();
    for c in containers {
        let name = c["name"].as_str().unwrap_or("?");
        let sc = &c["securityContext"];
        // A container setting overrides the pod's.
        let get = |k: &str| {
            if sc[k].is_null() {
                psc[k].clone()
            } else {
                sc[k].clone()
            }
        };
        if get("runAsNonRoot") != true {
            out.push(format!("{name}: runAsNonRoot is not true"));
        }
        if get("runAsUser").as_u64().is_none_or(|u| u == 0) {
            out.push(format!("{name}: runAsUser is not a non-zero number"));
        }
        if !matches!(
            get("seccompProfile")["type"].as_str(),
            Some("RuntimeDefault" | "Localhost")
        ) {
            out.push(format!("{name}: seccompProfile is not RuntimeDefault"));
        }
        if sc["allowPrivilegeEscalation"] != false {
            out.push(format!("{name}: allowPrivilegeEscalation is not false"));
        }
        if sc["privileged"] == true {
            out.push(format!("{name}: privileged"));
        }
        if !strings(&sc["capabilities"]["drop"]).contains(&"ALL".to_string()) {
            out.push(format!("{name}: capabilities.drop has no ALL"));
        }
        if strings(&sc["capabilities"]["add"])
            .iter()
            .any(|c| c != "NET_BIND_SERVICE")
        {
            out.push(format!("{name}: capabilities added"));
        }
        if sc["readOnlyRootFilesystem"] != true {
            out.push(format!("{name}: root filesystem is writable"));
        }
        if c["ports"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|p| p.get("hostPort").is_some())
        {
            out.push(format!("{name}: hostPort"));
        }
    }
    out
}

#[test]
fn kubernetes_manifests_follow_the_schemas_and_the_restricted_pod_security_standard() {
    let dir = repo().join("deploy/k8s");
    let kustomization = &yaml_docs(&dir.join("kustomization.yaml"))[0];
    let validators = k8s_validators();
    let mut pods = 0;
    for r in strings(&kustomization["resources"]) {
        for d in yaml_docs(&dir.join(&r)) {
            let errors = k8s_errors(&validators, &d);
            assert!(errors.is_empty(), "{r}: {errors:#?}");
            if d["kind"] == "Deployment" {
                let pod = &d["spec"]["template"]["spec"];
                let v = restricted_violations(pod);
                assert!(v.is_empty(), "{r}: {v:#?}");
                pods += 1;

                // Both checks can fail: a misspelt field, a dropped setting.
                let mut bad = d.clone();
                bad["spec"]["template"]["spec"]["containers"][0]["imagePullPolicyy"] =
                    Value::from("IfNotPresent");
                assert!(!k8s_errors(&validators, &bad).is_empty());
                let mut weak = pod.clone();
                weak["initContainers"][0]["securityContext"]["capabilities"] =
                    serde_json::json!({});
                weak["securityContext"]["seccompProfile"] = Value::Null;
                weak["containers"][0]["securityContext"]["readOnlyRootFilesystem"] =
                    Value::from(false);
                let found = restricted_violations(&weak);
                assert!(found.len() >= 4, "{found:#?}");
            }
        }
    }
    assert_eq!(pods, 4, "fetcher, cleaner, enricher, web");
}

#[test]
fn kustomize_build_sets_every_image_from_the_images_block() {
    // kustomize itself, where kubectl (which embeds it) is installed; the other tests hold without.
    if std::process::Command::new("kubectl")
        .args(["version", "--client"])
        .output()
        .map(|o| !o.status.success())
        .unwrap_or(true)
    {
        eprintln!("kubectl not installed: kustomize build not checked");
        return;
    }
    let scratch = std::env::temp_dir().join(format!("newsflow-kustomize-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).expect("scratch");
    let dir = repo().join("deploy/k8s");
    for e in std::fs::read_dir(&dir)
        .expect("deploy/k8s")
        .filter_map(Result::ok)
    {
        std::fs::copy(e.path(), scratch.join(e.file_name())).expect("copy");
    }
    // A registry and tag set in `images:` reach every container, init containers included.
    let k = scratch.join("kustomization.yaml");
    let text = std::fs::read_to_string(&k).expect("kustomization");
    assert!(text.contains("newName: newsflow") && text.contains("newTag: latest"));
    let text = text
        .replace("newName: newsflow", "newName: registry.example/newsflow")
        .replace("newTag: latest", "newTag: \"9.9.9\"");
    std::fs::write(&k, text).expect("write");
    let out = std::process::Command::new("kubectl")
        .arg("kustomize")
        .arg(&scratch)
        .output()
        .expect("kubectl kustomize");
    let _ = std::fs::remove_dir_all(&scratch);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let built = scratch.with_extension("yaml");
    std::fs::write(&built, &out.stdout).expect("write build");
    let docs = yaml_docs(&built);
    let _ = std::fs::remove_file(&built);
    let validators = k8s_validators();
    let mut images = 0;
    for d in &docs {
        let errors = k8s_errors(&validators, d);
        assert!(errors.is_empty(), "{errors:#?}");
        assert_eq!(
            d["metadata"]["labels"]["app.kubernetes.io/part-of"],
            "newsflow"
        );
        let pod = &d["spec"]["template"]["spec"];
        for c in ["initContainers", "containers"]
            .iter()
            .flat_map(|k| pod[*k].as_array().into_iter().flatten())
        {
            assert_eq!(c["image"], "registry.example/newsflow:9.9.9");
            images += 1;
        }
    }
    assert_eq!(
        images, 8,
        "four Deployments, each with an init and a main container"
    );
}
