package dev.graft.serve;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** {@link Metrics}' families as Prometheus text: counters by label set, histograms with their family's buckets. */
class MetricsTest {
    /** The lines of {@code text} from the one starting with {@code from}, {@code count} of them. */
    private static List<String> block(String text, String from, int count) {
        List<String> lines = text.lines().toList();
        int i = lines.indexOf(from);
        assertThat(i).as(from).isNotNegative();
        return lines.subList(i, i + count);
    }

    @Test
    void countersAndHistogramsByHand() {
        Metrics m = new Metrics();
        m.request("/predict", 200, 3_000_000); // 0.003 s: the 0.005 bucket
        m.request("/predict", 200, 7_000_000); // 0.007 s: the 0.01 bucket
        m.request("/embed", 400, 1_000_000);
        m.batch("clf", 3, 20, 2_000_000);
        m.batch("clf", 5, 70, 4_000_000);
        m.truncated("clf", 2);
        String text = m.render();
        assertThat(block(text, "# HELP graft_requests_total HTTP requests answered, by endpoint and status code.", 4))
                .containsExactly("# HELP graft_requests_total HTTP requests answered, by endpoint and status code.",
                        "# TYPE graft_requests_total counter",
                        "graft_requests_total{endpoint=\"/embed\",code=\"400\"} 1",
                        "graft_requests_total{endpoint=\"/predict\",code=\"200\"} 2");
        assertThat(block(text, "# TYPE graft_errors_total counter", 2)).containsExactly(
                "# TYPE graft_errors_total counter", "graft_errors_total{endpoint=\"/embed\",code=\"400\"} 1");
        // cumulative: 1 by 0.005, 2 by 0.01 and above
        assertThat(text).contains("graft_request_duration_seconds_bucket{endpoint=\"/predict\",le=\"0.0025\"} 0\n"
                + "graft_request_duration_seconds_bucket{endpoint=\"/predict\",le=\"0.005\"} 1\n"
                + "graft_request_duration_seconds_bucket{endpoint=\"/predict\",le=\"0.01\"} 2\n");
        assertThat(text).contains("graft_request_duration_seconds_bucket{endpoint=\"/predict\",le=\"+Inf\"} 2\n"
                + "graft_request_duration_seconds_sum{endpoint=\"/predict\"} 0.01\n"
                + "graft_request_duration_seconds_count{endpoint=\"/predict\"} 2\n");
        // the inputs' own buckets: 3 is in the le="4" bucket, 5 in the le="8" one
        assertThat(text).contains("graft_batch_inputs_bucket{model=\"clf\",le=\"2\"} 0\n"
                + "graft_batch_inputs_bucket{model=\"clf\",le=\"4\"} 1\n"
                + "graft_batch_inputs_bucket{model=\"clf\",le=\"8\"} 2\n");
        assertThat(text).contains("graft_batch_inputs_sum{model=\"clf\"} 8\n", "graft_batch_tokens_sum{model=\"clf\"} 90\n",
                "graft_inputs_total{model=\"clf\"} 8\n", "graft_tokens_total{model=\"clf\"} 90\n",
                "graft_truncated_inputs_total{model=\"clf\"} 2\n");
        assertThat(m.requestCount("/predict", 200)).isEqualTo(2);
        assertThat(m.requestCount("/predict", 500)).isZero();
        // the families in their order: requests, errors, request durations, queue waits, batches, inputs, tokens
        List<String> types = text.lines().filter(l -> l.startsWith("# TYPE")).map(l -> l.split(" ")[2]).toList();
        assertThat(types).containsExactly("graft_uptime_seconds", "graft_requests_total", "graft_errors_total",
                "graft_request_duration_seconds", "graft_queue_wait_seconds", "graft_batch_inputs",
                "graft_batch_tokens", "graft_batch_duration_seconds", "graft_inputs_total", "graft_tokens_total",
                "graft_truncated_inputs_total", "graft_tokens_per_second");
    }
}
