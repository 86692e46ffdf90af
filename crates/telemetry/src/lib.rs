//! Internal events and the metrics they bump (after Vector's internal events). An observable
//! outcome is one type implementing [`InternalEvent`]: its `emit` writes the log line and bumps
//! the counter together, so logs and metrics cannot disagree. Counters are prometheus-client
//! metrics held by the component's stats struct, which declares their names, help and labels once
//! in its [`Register`] impl; the process registry is filled from those, nothing is exported by
//! hand. Values computed at scrape time (feed health, consumer lag) are collectors next to the
//! state they read, written with [`gauge`] and [`gauge_family`].

use std::fmt;

pub use prometheus_client;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::metrics::MetricType;
pub use prometheus_client::registry::Registry;

/// One observable outcome: `emit` writes its log line and bumps its metric.
pub trait InternalEvent {
    /// Log and count the event.
    fn emit(self);
}

/// Something that declares metrics: registers each (name, help, type, labels) into `registry`.
pub trait Register {
    /// Add this component's metrics to the process registry.
    fn register(&self, registry: &mut Registry);
}

/// Label pairs of a metric family, e.g. `[("outcome", "ok")]`.
pub type Labels = Vec<(String, String)>;

/// A counter per label set.
pub type CounterFamily = Family<Labels, Counter>;

/// The label set with one `key=value` pair.
pub fn label(key: &str, value: impl Into<String>) -> Labels {
    vec![(key.to_string(), value.into())]
}

/// Write a gauge computed at scrape time. `help` without a final full stop, as for
/// [`Registry::register`], which adds it.
pub fn gauge(
    encoder: &mut DescriptorEncoder<'_>,
    name: &str,
    help: &str,
    value: f64,
) -> fmt::Result {
    let help = format!("{help}.");
    let m = encoder.encode_descriptor(name, &help, None, MetricType::Gauge)?;
    ConstGauge::new(value).encode(m)
}

/// Write a gauge family computed at scrape time, one value per label set; nothing when `rows` is
/// empty.
pub fn gauge_family(
    encoder: &mut DescriptorEncoder<'_>,
    name: &str,
    help: &str,
    rows: impl IntoIterator<Item = (Labels, f64)>,
) -> fmt::Result {
    let rows: Vec<(Labels, f64)> = rows.into_iter().collect();
    if rows.is_empty() {
        return Ok(());
    }
    let help = format!("{help}.");
    let mut d = encoder.encode_descriptor(name, &help, None, MetricType::Gauge)?;
    for (labels, v) in &rows {
        ConstGauge::new(*v).encode(d.encode_family(labels)?)?;
    }
    Ok(())
}

/// Text exposition of `registry`.
pub fn render(registry: &Registry) -> Result<String, fmt::Error> {
    let mut text = String::new();
    prometheus_client::encoding::text::encode(&mut text, registry)?;
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use prometheus_client::collector::Collector;

    #[derive(Debug)]
    struct Two;

    impl Collector for Two {
        fn encode(&self, mut e: DescriptorEncoder) -> fmt::Result {
            gauge(&mut e, "t_up", "Whether it is up", 1.0)?;
            gauge_family(
                &mut e,
                "t_lag",
                "Lag per partition",
                [
                    (label("partition", "0"), 3.0),
                    (label("partition", "1"), 0.0),
                ],
            )
        }
    }

    #[test]
    fn counters_get_total_and_one_descriptor_per_family() {
        let mut r = Registry::default();
        let c = Counter::<u64>::default();
        r.register("t_things", "Things", c.clone());
        let f = CounterFamily::default();
        r.register("t_outcomes", "Outcomes", f.clone());
        r.register_collector(Box::new(Two));
        c.inc_by(3);
        f.get_or_create(&label("outcome", "ok")).inc_by(2);
        f.get_or_create(&label("outcome", "too_short")).inc();
        let text = render(&r).expect("text");
        for line in [
            "# HELP t_things Things.",
            "t_things_total 3",
            "t_outcomes_total{outcome=\"ok\"} 2",
            "t_outcomes_total{outcome=\"too_short\"} 1",
            "# HELP t_up Whether it is up.",
            "t_lag{partition=\"0\"} 3",
        ] {
            assert!(text.contains(line), "{line} not in {text}");
        }
        assert_eq!(text.matches("# TYPE t_outcomes counter").count(), 1);
    }
}
