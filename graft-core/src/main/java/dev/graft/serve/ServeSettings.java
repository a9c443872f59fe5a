package dev.graft.serve;

import dev.graft.SpecException;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Map;

/**
 * How {@link InferenceServer} listens and how much it accepts. Validated on construction.
 *
 * @param host             address to bind (loopback by default: nothing outside the machine can connect)
 * @param port             TCP port, 0 for any free one
 * @param threads          compute threads of the forward passes, shared by all models
 * @param workers          forward passes that run at once ({@link Workers}), each on threads / workers threads
 * @param apiKey           when not null, every endpoint but /health needs {@code Authorization: Bearer KEY}
 * @param maxBatchTokens   a batch gathers queued inputs up to this many tokens (a single request larger than
 *                         this runs alone)
 * @param maxWaitMillis    how long a batch waits, from its first request's arrival, for more requests
 * @param maxQueue         requests waiting per model; one more is refused at once with 429
 * @param maxClientBatch   inputs in one request; more is 400
 * @param maxBodyBytes     request body size; more is 413
 * @param drainSeconds     on shutdown, how long requests in flight may take to finish
 * @param requestTimeoutSeconds how long a request may wait for its batch before a 503
 */
public record ServeSettings(String host, int port, int threads, int workers, String apiKey, int maxBatchTokens, long maxWaitMillis,
                            int maxQueue, int maxClientBatch, int maxBodyBytes, int drainSeconds,
                            int requestTimeoutSeconds) {
    public static final String DEFAULT_HOST = "127.0.0.1";
    public static final int DEFAULT_PORT = 8080;
    public static final int DEFAULT_MAX_BATCH_TOKENS = 16384;
    public static final long DEFAULT_MAX_WAIT_MILLIS = 2;
    public static final int DEFAULT_MAX_QUEUE = 512;
    public static final int DEFAULT_MAX_CLIENT_BATCH = 32;
    public static final int DEFAULT_MAX_BODY_BYTES = 2 * 1024 * 1024;
    public static final int DEFAULT_DRAIN_SECONDS = 30;
    public static final int DEFAULT_REQUEST_TIMEOUT_SECONDS = 120;

    public ServeSettings {
        if (host == null || host.isBlank()) {
            throw new SpecException("host", "host is empty: give an address to bind such as 127.0.0.1");
        }
        if (port < 0 || port > 65535) {
            throw new SpecException("port", "port must be in [0, 65535] (0 picks a free one), got " + port);
        }
        SpecException.positive("threads", threads);
        SpecException.positive("workers", workers);
        if (workers > threads) {
            throw new SpecException(List.of("workers", "threads"), "workers (" + workers + ") must be at most "
                    + "threads (" + threads + "): each forward pass needs a thread");
        }
        for (var limit : List.of(Map.entry("maxBatchTokens", maxBatchTokens), Map.entry("maxQueue", maxQueue),
                Map.entry("maxClientBatch", maxClientBatch), Map.entry("maxBodyBytes", maxBodyBytes),
                Map.entry("requestTimeoutSeconds", requestTimeoutSeconds))) {
            SpecException.positive(limit.getKey(), limit.getValue());
        }
        SpecException.nonNegative("maxWaitMillis", maxWaitMillis);
        SpecException.nonNegative("drainSeconds", drainSeconds);
        if (apiKey != null && apiKey.isBlank()) {
            throw new SpecException("apiKey", "apiKey is empty: give a non-empty key or none");
        }
    }

    /** Workers by default: one per thread (see {@link Workers}). */
    public static int defaultWorkers(int threads) {
        return threads;
    }

    /** The same with {@code n} workers (at most the threads). */
    public ServeSettings withWorkers(int n) {
        return new ServeSettings(host, port, threads, n, apiKey, maxBatchTokens, maxWaitMillis, maxQueue, maxClientBatch,
                maxBodyBytes, drainSeconds, requestTimeoutSeconds);
    }

    /** Loopback, port 8080, the defaults above, no API key. */
    public static ServeSettings defaults(int threads) {
        return new ServeSettings(DEFAULT_HOST, DEFAULT_PORT, threads, defaultWorkers(threads), null, DEFAULT_MAX_BATCH_TOKENS,
                DEFAULT_MAX_WAIT_MILLIS, DEFAULT_MAX_QUEUE, DEFAULT_MAX_CLIENT_BATCH, DEFAULT_MAX_BODY_BYTES,
                DEFAULT_DRAIN_SECONDS, DEFAULT_REQUEST_TIMEOUT_SECONDS);
    }

    public ServeSettings withHost(String h) {
        return new ServeSettings(h, port, threads, workers, apiKey, maxBatchTokens, maxWaitMillis, maxQueue, maxClientBatch,
                maxBodyBytes, drainSeconds, requestTimeoutSeconds);
    }

    public ServeSettings withPort(int p) {
        return new ServeSettings(host, p, threads, workers, apiKey, maxBatchTokens, maxWaitMillis, maxQueue, maxClientBatch,
                maxBodyBytes, drainSeconds, requestTimeoutSeconds);
    }

    public ServeSettings withApiKey(String key) {
        return new ServeSettings(host, port, threads, workers, key, maxBatchTokens, maxWaitMillis, maxQueue, maxClientBatch,
                maxBodyBytes, drainSeconds, requestTimeoutSeconds);
    }

    public ServeSettings withBatching(int tokens, long waitMillis) {
        return new ServeSettings(host, port, threads, workers, apiKey, tokens, waitMillis, maxQueue, maxClientBatch,
                maxBodyBytes, drainSeconds, requestTimeoutSeconds);
    }

    public ServeSettings withLimits(int queue, int clientBatch, int bodyBytes) {
        return new ServeSettings(host, port, threads, workers, apiKey, maxBatchTokens, maxWaitMillis, queue, clientBatch,
                bodyBytes, drainSeconds, requestTimeoutSeconds);
    }

    public ServeSettings withTimeouts(int drain, int request) {
        return new ServeSettings(host, port, threads, workers, apiKey, maxBatchTokens, maxWaitMillis, maxQueue, maxClientBatch,
                maxBodyBytes, drain, request);
    }

    /** Whether the host is a loopback address (the safe default). */
    public boolean loopbackOnly() {
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
