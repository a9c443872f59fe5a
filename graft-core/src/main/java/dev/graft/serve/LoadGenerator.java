package dev.graft.serve;

import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Drives a server with C concurrent clients, each sending one sentence per request and waiting for the
 * answer before sending the next (closed loop), and reports throughput and latency percentiles. The run
 * stops after a number of requests or a time limit, whichever comes first; a warm-up (not measured)
 * comes before it.
 */
public final class LoadGenerator {
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * @param base      {@code http://host:port}
     * @param endpoint  {@code /embed}, {@code /v1/embeddings} or {@code /predict}
     * @param model     the {@code "model"} field to send, or null
     * @param clients   concurrent clients
     * @param requests  measured requests (all clients together)
     * @param warmup    requests before the measurement (all clients together)
     * @param maxTime   the measurement stops after this long even if requests remain
     * @param sentences what the clients send, round robin
     * @param apiKey    sent as a Bearer token when not null
     */
    public record Settings(URI base, String endpoint, String model, int clients, int requests, int warmup,
                           Duration maxTime, List<String> sentences, String apiKey) {
        public Settings {
            if (clients < 1 || requests < 1 || warmup < 0) {
                throw new IllegalArgumentException("clients and requests must be >= 1 and warm-up >= 0, got "
                        + clients + ", " + requests + ", " + warmup);
            }
            if (sentences.isEmpty()) {
                throw new IllegalArgumentException("no sentences to send");
            }
            if (!List.of("/embed", "/v1/embeddings", "/predict").contains(endpoint)) {
                throw new IllegalArgumentException("endpoint " + endpoint + ": choose /embed, /v1/embeddings or "
                        + "/predict");
            }
        }
    }

    /** What a run measured; latencies in milliseconds. */
    public record Result(int clients, long requests, long errors, double seconds, double requestsPerSecond,
                         double p50, double p95, double p99, double max, String firstError) {
        public String line() {
            return String.format(Locale.ROOT, "clients %d: %d requests (%d errors) in %.2f s: %.1f requests/s; "
                    + "latency ms p50 %.2f, p95 %.2f, p99 %.2f, max %.2f", clients, requests, errors, seconds,
                    requestsPerSecond, p50, p95, p99, max)
                    + (firstError == null ? "" : System.lineSeparator() + "  first error: " + firstError);
        }
    }

    private LoadGenerator() {
    }

    public static Result run(Settings s, PrintStream log) throws IOException, InterruptedException {
        return run(s, log, () -> { });
    }

    /** As {@link #run(Settings, PrintStream)}, calling {@code measuring} when the warm-up is over. */
    public static Result run(Settings s, PrintStream log, Runnable measuring) throws IOException, InterruptedException {
        List<byte[]> requests = new ArrayList<>(s.sentences().size());
        for (String sentence : s.sentences()) {
            Map<String, Object> body = new java.util.LinkedHashMap<>();
            if (s.model() != null) {
                body.put("model", s.model());
            }
            body.put(s.endpoint().equals("/v1/embeddings") ? "input" : "inputs", sentence);
            body.put("truncate", true); // as the offline paths do with a text longer than the model takes
            requests.add(HttpConnection.post(s.base(), s.endpoint(), JSON.writeValueAsBytes(body), s.apiKey()));
        }
        if (s.warmup() > 0) {
            phase(s, requests, s.warmup(), s.maxTime());
            if (log != null) {
                log.printf(Locale.ROOT, "warm-up: %d requests%n", s.warmup());
            }
        }
        measuring.run();
        return phase(s, requests, s.requests(), s.maxTime());
    }

    private static Result phase(Settings s, List<byte[]> requests, int total, Duration maxTime)
            throws InterruptedException, IOException {
        AtomicLong next = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        java.util.concurrent.atomic.AtomicReference<String> firstError = new java.util.concurrent.atomic.AtomicReference<>();
        long start = System.nanoTime();
        long deadline = start + maxTime.toNanos();
        List<long[]> perClient = new ArrayList<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<long[]>> futures = new ArrayList<>();
            for (int c = 0; c < s.clients(); c++) {
                futures.add(pool.submit(() -> {
                    long[] latencies = new long[16];
                    int n = 0;
                    try (HttpConnection connection = new HttpConnection(s.base(), 60_000)) {
                        while (System.nanoTime() < deadline) {
                            long i = next.getAndIncrement();
                            if (i >= total) {
                                break;
                            }
                            long t0 = System.nanoTime();
                            try {
                                int code = connection.exchange(requests.get((int) (i % requests.size())));
                                if (code != 200) {
                                    errors.incrementAndGet();
                                    firstError.compareAndSet(null, code + " " + connection.body());
                                }
                            } catch (IOException e) {
                                errors.incrementAndGet();
                                firstError.compareAndSet(null, e.toString());
                            }
                            if (n == latencies.length) {
                                latencies = Arrays.copyOf(latencies, n * 2);
                            }
                            latencies[n++] = System.nanoTime() - t0;
                        }
                    }
                    return Arrays.copyOf(latencies, n);
                }));
            }
            for (Future<long[]> f : futures) {
                try {
                    perClient.add(f.get());
                } catch (java.util.concurrent.ExecutionException e) {
                    throw new IOException("a load client failed: " + e.getCause(), e.getCause());
                }
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        int count = 0;
        for (long[] l : perClient) {
            count += l.length;
        }
        long[] all = new long[count];
        int at = 0;
        for (long[] l : perClient) {
            System.arraycopy(l, 0, all, at, l.length);
            at += l.length;
        }
        Arrays.sort(all);
        return new Result(s.clients(), count, errors.get(), seconds, count / Math.max(seconds, 1e-9),
                percentile(all, 0.50), percentile(all, 0.95), percentile(all, 0.99),
                all.length == 0 ? Double.NaN : all[all.length - 1] / 1e6, firstError.get());
    }

    /**
     * The endpoint a running server's models take, read from its {@code GET /info}: {@code /embed} when it
     * serves an embedding model, else {@code /predict} (classifiers and taggers).
     */
    public static String endpointOf(URI base, String apiKey) throws IOException {
        String body;
        try (HttpConnection connection = new HttpConnection(base, 30_000)) {
            int code = connection.exchange(HttpConnection.get(base, "/info", apiKey));
            body = connection.body();
            if (code != 200) {
                throw new IOException("GET " + base.resolve("/info") + " answered " + code + " " + body.strip()
                        + (code == 401 ? " (give --api-key or set GRAFT_API_KEY)" : "")
                        + "; or name the endpoint with --endpoint");
            }
        }
        boolean embedding = false;
        for (com.fasterxml.jackson.databind.JsonNode m : JSON.readTree(body).path("models")) {
            embedding |= m.path("kind").asText().equals("embedding");
        }
        return embedding ? "/embed" : "/predict";
    }

    /** The nearest-rank percentile of sorted nanoseconds, in milliseconds. */
    static double percentile(long[] sorted, double q) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int rank = (int) Math.ceil(q * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))] / 1e6;
    }

    /** Deterministic English-like sentences of 6 to 24 words (for a run without an input file). */
    public static List<String> syntheticSentences(int n, long seed) {
        String[] words = ("the a of and to in is was it for on that with as his he at by this had not are but from "
                + "or have an they which one you were her all she there would their we him been has when who will "
                + "more no if out so said what up its about into than them can only other new some could time these "
                + "two may then do first any my now such like our over man me even most made after also did many "
                + "before must through back years where much your way well down should because each just those "
                + "people how too little state good very make world still own see men work long get here between "
                + "both life being under never day same another know while last might us great old year off come "
                + "since against go came right used take three film movie story plot acting music city river "
                + "government company market students school water house music history family").split(" ");
        SplittableRandom r = new SplittableRandom(seed);
        List<String> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int len = 6 + r.nextInt(19);
            StringBuilder sb = new StringBuilder();
            for (int w = 0; w < len; w++) {
                String word = words[r.nextInt(words.length)];
                sb.append(w == 0 ? Character.toUpperCase(word.charAt(0)) + word.substring(1) : " " + word);
            }
            out.add(sb.append('.').toString());
        }
        return out;
    }
}
