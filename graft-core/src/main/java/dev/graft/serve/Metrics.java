package dev.graft.serve;

import dev.graft.io.TextEscapes;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.DoubleSupplier;

/**
 * The server's counters, gauges and histograms, written in the Prometheus text exposition format
 * (version 0.0.4): {@code # HELP}, {@code # TYPE}, then one sample per line; histograms as
 * cumulative {@code _bucket{le="..."}} samples with {@code _sum} and {@code _count}. Thread-safe;
 * recording is lock-free (adders).
 */
final class Metrics {
    static final double[] LATENCY_BUCKETS = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
        10, 30, 60};
    static final double[] INPUT_BUCKETS = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096};
    static final double[] TOKEN_BUCKETS = {16, 64, 256, 1024, 4096, 16384, 65536, 262144};
    /** Seconds over which {@code graft_tokens_per_second} averages. */
    static final int RATE_WINDOW_SECONDS = 10;

    private final long startNanos = System.nanoTime();
    private final Counters requests = new Counters("graft_requests_total",
            "HTTP requests answered, by endpoint and status code.");
    private final Counters errors = new Counters("graft_errors_total",
            "HTTP requests answered with a status of 400 or more, by endpoint and status code.");
    private final Histograms requestSeconds = new Histograms("graft_request_duration_seconds", LATENCY_BUCKETS,
            "Time from reading a request to its answer, by endpoint.");
    private final Histograms queueSeconds = new Histograms("graft_queue_wait_seconds", LATENCY_BUCKETS,
            "Time a request waited in its model's queue before its batch started, by model.");
    private final Histograms batchInputs = new Histograms("graft_batch_inputs", INPUT_BUCKETS,
            "Inputs (texts) per batch run by a model's batcher.");
    private final Histograms batchTokens = new Histograms("graft_batch_tokens", TOKEN_BUCKETS,
            "Tokens (special tokens included) per batch run by a model's batcher.");
    private final Histograms batchSeconds = new Histograms("graft_batch_duration_seconds", LATENCY_BUCKETS,
            "Time of one batch's forward pass, by model.");
    private final Counters inputs = new Counters("graft_inputs_total",
            "Inputs (texts) computed, by model.");
    private final Counters tokens = new Counters("graft_tokens_total",
            "Tokens computed (special tokens included), by model.");
    private final Counters truncated = new Counters("graft_truncated_inputs_total",
            "Inputs longer than the model's maximum length that were truncated (truncate: true), by model.");
    private final Map<String, RateWindow> tokenRates = new ConcurrentHashMap<>();
    private final List<Gauge> gauges = new ArrayList<>();

    /** A gauge read when the metrics are written: one sample per label set. */
    record Gauge(String name, String help, String label, Map<String, DoubleSupplier> samples) {
    }

    void addGauge(String name, String help, String label, Map<String, DoubleSupplier> samples) {
        synchronized (gauges) {
            gauges.add(new Gauge(name, help, label, samples));
        }
    }

    void request(String endpoint, int status, long nanos) {
        String labels = labels("endpoint", endpoint, "code", Integer.toString(status));
        requests.get(labels).increment();
        if (status >= 400) {
            errors.get(labels).increment();
        }
        requestSeconds.get(labels("endpoint", endpoint)).observe(nanos / 1e9);
    }

    void queued(String model, long nanos) {
        queueSeconds.get(labels("model", model)).observe(nanos / 1e9);
    }

    void batch(String model, int inputCount, long tokenCount, long nanos) {
        String l = labels("model", model);
        batchInputs.get(l).observe(inputCount);
        batchTokens.get(l).observe(tokenCount);
        batchSeconds.get(l).observe(nanos / 1e9);
        inputs.get(l).add(inputCount);
        tokens.get(l).add(tokenCount);
        tokenRates.computeIfAbsent(model, m -> new RateWindow()).add(System.nanoTime(), tokenCount);
    }

    void truncated(String model, int count) {
        truncated.get(labels("model", model)).add(count);
    }

    /** Requests answered with this endpoint and status so far (for tests and logs). */
    long requestCount(String endpoint, int status) {
        LongAdder a = requests.series.get(labels("endpoint", endpoint, "code", Integer.toString(status)));
        return a == null ? 0 : a.sum();
    }

    /** Everything, in the Prometheus text format. */
    String render() {
        StringBuilder sb = new StringBuilder(4096);
        header(sb, "graft_uptime_seconds", "gauge", "Seconds since the server started.");
        sb.append("graft_uptime_seconds ").append(number((System.nanoTime() - startNanos) / 1e9)).append('\n');
        requests.write(sb);
        errors.write(sb);
        requestSeconds.write(sb);
        synchronized (gauges) {
            for (Gauge g : gauges) {
                header(sb, g.name(), "gauge", g.help());
                for (Map.Entry<String, DoubleSupplier> e : new TreeMap<>(g.samples()).entrySet()) {
                    sb.append(g.name()).append('{').append(labels(g.label(), e.getKey())).append("} ")
                            .append(number(e.getValue().getAsDouble())).append('\n');
                }
            }
        }
        queueSeconds.write(sb);
        batchInputs.write(sb);
        batchTokens.write(sb);
        batchSeconds.write(sb);
        inputs.write(sb);
        tokens.write(sb);
        truncated.write(sb);
        header(sb, "graft_tokens_per_second", "gauge",
                "Tokens computed per second over the last " + RATE_WINDOW_SECONDS + " seconds, by model.");
        long now = System.nanoTime();
        for (Map.Entry<String, RateWindow> e : new TreeMap<>(tokenRates).entrySet()) {
            sb.append("graft_tokens_per_second{").append(labels("model", e.getKey())).append("} ")
                    .append(number(e.getValue().perSecond(now))).append('\n');
        }
        return sb.toString();
    }

    private static void header(StringBuilder sb, String name, String type, String help) {
        sb.append("# HELP ").append(name).append(' ').append(help).append('\n');
        sb.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }

    /** {@code a="x",b="y"} with Prometheus' escapes (backslash, quote, newline). */
    static String labels(String... namesAndValues) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            if (i > 0) {
                sb.append(',');
            }
            String value = TextEscapes.escape(namesAndValues[i + 1], c -> switch (c) {
                case '\\' -> "\\\\";
                case '"' -> "\\\"";
                case '\n' -> "\\n";
                default -> null;
            });
            sb.append(namesAndValues[i]).append("=\"").append(value).append('"');
        }
        return sb.toString();
    }

    static String number(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return Long.toString((long) v);
        }
        return Double.toString(v);
    }

    /** Metric series of one name and type, by label string; written with its help and type lines. */
    private abstract static class Family<T> {
        final String name;
        final String type;
        final String help;
        final ConcurrentHashMap<String, T> series = new ConcurrentHashMap<>();

        Family(String name, String type, String help) {
            this.name = name;
            this.type = type;
            this.help = help;
        }

        /** The series of these labels, made on first use. */
        T get(String labels) {
            T t = series.get(labels);
            return t != null ? t : series.computeIfAbsent(labels, k -> newSeries());
        }

        abstract T newSeries();

        abstract void write(StringBuilder sb, String labels, T value);

        /** The header, then every series in label order. */
        void write(StringBuilder sb) {
            header(sb, name, type, help);
            for (Map.Entry<String, T> e : new TreeMap<>(series).entrySet()) {
                write(sb, e.getKey(), e.getValue());
            }
        }
    }

    /** Counters: one sum per label set. */
    private static final class Counters extends Family<LongAdder> {
        Counters(String name, String help) {
            super(name, "counter", help);
        }

        @Override
        LongAdder newSeries() {
            return new LongAdder();
        }

        @Override
        void write(StringBuilder sb, String labels, LongAdder value) {
            sb.append(name).append('{').append(labels).append("} ").append(value.sum()).append('\n');
        }
    }

    /** Histograms with the same bucket bounds for every label set. */
    private static final class Histograms extends Family<Histogram> {
        private final double[] bounds;

        Histograms(String name, double[] bounds, String help) {
            super(name, "histogram", help);
            this.bounds = bounds;
        }

        @Override
        Histogram newSeries() {
            return new Histogram(bounds);
        }

        @Override
        void write(StringBuilder sb, String labels, Histogram value) {
            value.write(sb, name, labels);
        }
    }

    /** Cumulative-bucket histogram with fixed upper bounds. */
    static final class Histogram {
        private final double[] bounds;
        private final LongAdder[] counts; // per bucket, not cumulative; the last one is +Inf
        private final DoubleAdder sum = new DoubleAdder();

        Histogram(double[] bounds) {
            this.bounds = bounds;
            this.counts = new LongAdder[bounds.length + 1];
            for (int i = 0; i < counts.length; i++) {
                counts[i] = new LongAdder();
            }
        }

        void observe(double v) {
            int i = 0;
            while (i < bounds.length && v > bounds[i]) {
                i++;
            }
            counts[i].increment();
            sum.add(v);
        }

        void write(StringBuilder sb, String name, String labels) {
            long cumulative = 0;
            String sep = labels.isEmpty() ? "" : ",";
            for (int i = 0; i <= bounds.length; i++) {
                cumulative += counts[i].sum();
                sb.append(name).append("_bucket{").append(labels).append(sep).append("le=\"")
                        .append(i < bounds.length ? number(bounds[i]) : "+Inf").append("\"} ").append(cumulative)
                        .append('\n');
            }
            sb.append(name).append("_sum{").append(labels).append("} ").append(number(sum.sum())).append('\n');
            sb.append(name).append("_count{").append(labels).append("} ").append(cumulative).append('\n');
        }
    }

    /** Counts per whole second over the last {@link #RATE_WINDOW_SECONDS} seconds. */
    static final class RateWindow {
        private final AtomicLongArray seconds = new AtomicLongArray(RATE_WINDOW_SECONDS);
        private final AtomicLongArray counts = new AtomicLongArray(RATE_WINDOW_SECONDS);

        void add(long nanos, long n) {
            long second = nanos / 1_000_000_000L;
            int slot = (int) Math.floorMod(second, (long) RATE_WINDOW_SECONDS);
            synchronized (this) {
                if (seconds.get(slot) != second) {
                    seconds.set(slot, second);
                    counts.set(slot, 0);
                }
                counts.addAndGet(slot, n);
            }
        }

        synchronized double perSecond(long nanos) {
            long now = nanos / 1_000_000_000L;
            long total = 0;
            for (int i = 0; i < RATE_WINDOW_SECONDS; i++) {
                long s = seconds.get(i);
                if (s > now - RATE_WINDOW_SECONDS && s <= now) {
                    total += counts.get(i);
                }
            }
            return (double) total / RATE_WINDOW_SECONDS;
        }
    }
}
