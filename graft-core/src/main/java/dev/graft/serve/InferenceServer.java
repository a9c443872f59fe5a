package dev.graft.serve;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.graft.SpecException;
import dev.graft.SpecIOException;
import dev.graft.model.SentenceEmbedder;
import dev.graft.nn.Compute;

import dev.graft.nn.Pooling;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.DoubleSupplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * {@code graft serve}: an HTTP server for embeddings, classification and tagging on the JDK's
 * {@link HttpServer}, one virtual thread per request, dynamic batching per model ({@link Batcher}).
 *
 * <ul>
 * <li>{@code POST /embed}: text-embeddings-inference's {@code {"inputs": str | [str], "normalize": true,
 * "truncate": false}} to {@code [[float, ...], ...]};</li>
 * <li>{@code POST /predict}: {@code {"inputs": str | [str], "truncate": false}}; a classifier answers TEI's
 * {@code [{"label", "score"}, ...]} (highest score first) per input, a tagger
 * {@code {"tokens", "tags", "spans": [{"type", "start", "end", "text"}]}} per input (offsets in code
 * points), a multi-label classifier {@code {"labels": [...], "scores": [{"label", "score", "threshold"}]}};
 * a single string gives one answer, an array a list of them; a pair classifier takes TEI's pairs,
 * {@code ["a", "b"]} (one answer) or {@code [["a", "b"], ...]} (a list), and answers as a classifier;</li>
 * <li>{@code POST /v1/embeddings}: OpenAI's {@code {"model", "input", "encoding_format"}} to
 * {@code {"object": "list", "data": [{"object": "embedding", "embedding", "index"}], "model", "usage"}};
 * {@code GET /v1/models};</li>
 * <li>{@code GET /health}, {@code GET /info}, {@code GET /metrics} (Prometheus text).</li>
 * </ul>
 *
 * <p>Errors are one line of JSON: TEI's {@code {"error", "error_type"}}, or OpenAI's
 * {@code {"error": {"message", "type", "param", "code"}}} under {@code /v1/}. An exception in one
 * request answers 500 for that request only. {@link #close} stops accepting connections, lets the
 * requests in flight and in the queues finish (up to {@link ServeSettings#drainSeconds}), then frees
 * the threads.
 */
public final class InferenceServer implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(InferenceServer.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    private static final JsonFactory FACTORY = JSON.getFactory();
    private static final Set<String> ENDPOINTS = Set.of("/embed", "/predict", "/v1/embeddings", "/v1/models",
            "/health", "/info", "/metrics");

    /** What the metrics count for a request whose client went away (nginx's "client closed request"). */
    static final int CLIENT_CLOSED = 499;
    /** How long {@link #close} waits for HttpServer.stop once every request in flight is answered. */
    private static final long STOP_GRACE_MILLIS = 1000;

    private final ServeSettings settings;
    private final String version;
    /**
     * The JDK server's switch for TCP_NODELAY on its connections (off unless set): with Nagle's algorithm
     * on, an answer's body, written after its headers, can wait for the client to acknowledge the
     * headers, which a client that delays its acknowledgements holds back. Set to true unless the user
     * set it ({@code -Dsun.net.httpserver.nodelay=false}).
     */
    static final String NODELAY_PROPERTY = "sun.net.httpserver.nodelay";

    private final Workers workers;
    private final Map<String, ServedModel> models; // in command-line order
    private final Map<String, Batcher> batchers = new LinkedHashMap<>();
    private final Metrics metrics = new Metrics();
    private final HttpServer http;
    private final ExecutorService executor;
    private final byte[] apiKey; // null: no authentication
    private final AtomicBoolean closing = new AtomicBoolean();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final CountDownLatch terminated = new CountDownLatch(1);
    private volatile boolean draining;

    private InferenceServer(ServeSettings settings, String version, Workers workers, Map<String, ServedModel> models)
            throws IOException {
        this.settings = settings;
        this.version = version;
        this.workers = workers;
        this.models = models;
        this.apiKey = settings.apiKey() == null ? null : settings.apiKey().getBytes(StandardCharsets.UTF_8);
        Map<String, DoubleSupplier> depths = new LinkedHashMap<>();
        for (ServedModel m : models.values()) {
            Batcher b = new Batcher(m, m.runners(workers), settings, metrics, workers);
            batchers.put(m.name(), b);
            depths.put(m.name(), b::depth);
        }
        metrics.addGauge("graft_queue_depth", "Requests waiting in a model's queue (not yet in a running batch).",
                "model", depths);
        Map<String, DoubleSupplier> limit = new LinkedHashMap<>();
        for (String name : models.keySet()) {
            limit.put(name, settings::maxQueue);
        }
        metrics.addGauge("graft_queue_limit", "Requests a model's queue holds before answering 429.", "model", limit);
        this.executor = Executors.newVirtualThreadPerTaskExecutor();
        HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress(settings.host(), settings.port()), 0);
        } catch (IOException | RuntimeException e) { // BindException; UnresolvedAddressException for an unknown host
            batchers.values().forEach(Batcher::close);
            executor.shutdown();
            IOException failure = new SpecIOException(List.of("port", "host"), "cannot listen on " + settings.host()
                    + ":" + settings.port() + ": " + e + " (another server listening there? port 0 picks a free one; "
                    + "host takes an address of this machine)");
            failure.initCause(e);
            throw failure;
        }
        this.http = server;
        http.createContext("/", this::handle);
        http.setExecutor(executor);
        http.start();
    }

    /**
     * Loads the models, starts the batchers and listens. The models' forward passes share
     * {@code settings.workers()} {@link Workers workers} of {@code settings.threads()} threads in all, which the
     * server owns and closes.
     *
     * @param pooling embeddings: mean or cls for every encoder, or null for each folder's own (its
     *                sentence-transformers settings, else mean)
     * @param version what /info reports as the server's version
     */
    public static InferenceServer start(List<ModelSpec> specs, ServeSettings settings, Pooling pooling,
                                        String version) throws IOException {
        if (specs.isEmpty()) {
            throw new SpecException("models", "no model to serve: give one folder per model in models (DIR, or "
                    + "NAME=DIR to name it)");
        }
        if (System.getProperty(NODELAY_PROPERTY) == null) {
            System.setProperty(NODELAY_PROPERTY, "true"); // read once, when the JDK's server first loads
        }
        Workers workers = new Workers(settings.workers(), settings.threads());
        Compute compute = workers.compute(0);
        try {
            Map<String, ServedModel> models = new LinkedHashMap<>();
            for (ModelSpec s : specs) {
                if (models.containsKey(s.name())) {
                    throw new SpecException("models", "two model folders are named " + s.name() + ": name them "
                            + "apart in models (NAME=DIR)");
                }
                models.put(s.name(), ServedModel.load(s.name(), s.folder(), compute, pooling));
            }
            return new InferenceServer(settings, version, workers, Collections.unmodifiableMap(models));
        } catch (IOException | RuntimeException e) {
            workers.close(0);
            throw e;
        }
    }

    /** The address listened on (the real port when settings asked for 0). */
    public InetSocketAddress address() {
        return http.getAddress();
    }

    /** {@code http://host:port}. */
    public URI uri() {
        InetSocketAddress a = address();
        String host = a.getAddress().getHostAddress();
        if (host.indexOf(':') >= 0) {
            host = "[" + host + "]";
        }
        return URI.create("http://" + host + ":" + a.getPort());
    }

    /** One line per model: its name, what it answers and its maximum input length. */
    public List<String> describeModels() {
        List<String> out = new ArrayList<>();
        for (ServedModel m : models.values()) {
            out.add(m.name() + " (" + m.kind().id + ", " + m.maxLength() + " tokens"
                    + (m instanceof ServedModel.Embedder e ? ", " + e.dimension() + " dimensions" : "") + ")");
        }
        return out;
    }

    /** The lock every forward pass holds for reading (tests hold it for writing to keep the batchers busy). */
    ReentrantReadWriteLock computeGate() {
        return workers.gate();
    }

    /** Requests waiting in a model's queue. */
    int queueDepth(String model) {
        return batchers.get(model).depth();
    }

    /** The workers computing the forward passes ({@link ServeSettings#workers}). */
    public int workers() {
        return workers.count();
    }

    /** The Prometheus text /metrics answers. */
    public String metricsText() {
        return metrics.render();
    }

    /**
     * Stops accepting connections, lets requests in flight and queued finish (up to the drain time),
     * stops the batchers and the compute threads. Idempotent; a second caller waits for the first.
     */
    @Override
    public void close() {
        if (!closing.compareAndSet(false, true)) {
            awaitTermination();
            return;
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(settings.drainSeconds());
        draining = true;
        try {
            // HttpServer.stop closes the listener at once, then waits for the exchanges in flight. It also
            // waits for an exchange whose handler closed without answering (a client that stopped sending
            // its body), which the JDK never counts as ended: so it runs on a thread of its own, and the
            // requests in flight are counted here.
            Thread stopper = Thread.ofPlatform().name("graft-serve-stop").daemon(true)
                    .start(() -> http.stop(settings.drainSeconds()));
            while (inFlight.get() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            for (Batcher b : batchers.values()) {
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (!b.close(Math.max(1, left))) {
                    LOG.warning("a batcher still had work after the drain time; stopping anyway");
                }
            }
            stopper.join(STOP_GRACE_MILLIS); // at once, unless the JDK waits for an exchange that never ends
            executor.shutdown();
            workers.close(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            terminated.countDown();
        }
    }

    /** Blocks until {@link #close} has finished. */
    public void awaitTermination() {
        try {
            terminated.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ------------------------------------------------------------------ routing

    private void handle(HttpExchange ex) {
        inFlight.incrementAndGet();
        long start = System.nanoTime();
        String path = ex.getRequestURI().getPath() == null ? "" : ex.getRequestURI().getPath(); // null for an opaque URI
        String endpoint = ENDPOINTS.contains(path) ? path : "other";
        boolean openAi = path.startsWith("/v1/");
        int status = 500;
        try {
            status = dispatch(ex, path);
        } catch (ApiError e) {
            status = e.status;
            sendError(ex, e, openAi);
        } catch (IOException e) {
            // the client went away while sending its body or reading the answer: only its request is lost
            status = CLIENT_CLOSED;
            LOG.log(Level.FINE, "client of " + path + " went away", e);
        } catch (Throwable t) {
            LOG.log(Level.SEVERE, "request " + ex.getRequestMethod() + " " + path + " failed", t);
            status = 500;
            sendError(ex, new ApiError(500, ApiError.Kind.BACKEND, "internal error: " + t, null, null), openAi);
        } finally {
            metrics.request(endpoint, status, System.nanoTime() - start);
            ex.close();
            inFlight.decrementAndGet();
        }
    }

    private int dispatch(HttpExchange ex, String path) throws IOException {
        if (path.equals("/health")) {
            method(ex, "GET");
            return send(ex, draining ? 503 : 200, "application/json",
                    (draining ? "{\"status\":\"draining\"}" : "{\"status\":\"ok\"}").getBytes(StandardCharsets.UTF_8));
        }
        authenticate(ex);
        return switch (path) {
            case "/info" -> {
                method(ex, "GET");
                yield sendJson(ex, 200, info());
            }
            case "/metrics" -> {
                method(ex, "GET");
                yield send(ex, 200, "text/plain; version=0.0.4; charset=utf-8",
                        metrics.render().getBytes(StandardCharsets.UTF_8));
            }
            case "/v1/models" -> {
                method(ex, "GET");
                yield sendJson(ex, 200, modelList());
            }
            case "/embed" -> {
                method(ex, "POST");
                yield embed(ex);
            }
            case "/predict" -> {
                method(ex, "POST");
                yield predict(ex);
            }
            case "/v1/embeddings" -> {
                method(ex, "POST");
                yield openAiEmbeddings(ex);
            }
            default -> throw new ApiError(404, ApiError.Kind.NOT_FOUND, "no endpoint " + path + ": see /info; "
                    + "the endpoints are POST /embed, /predict, /v1/embeddings and GET /health, /info, /metrics, "
                    + "/v1/models", null, "not_found");
        };
    }

    private static void method(HttpExchange ex, String allowed) {
        if (!ex.getRequestMethod().equalsIgnoreCase(allowed)) {
            ex.getResponseHeaders().set("Allow", allowed);
            throw new ApiError(405, ApiError.Kind.VALIDATION, ex.getRequestURI().getPath() + " takes " + allowed
                    + ", not " + ex.getRequestMethod(), null, "method_not_allowed");
        }
    }

    private void authenticate(HttpExchange ex) {
        if (apiKey == null) {
            return;
        }
        String h = ex.getRequestHeaders().getFirst("Authorization");
        byte[] given = h != null && h.regionMatches(true, 0, "Bearer ", 0, 7)
                ? h.substring(7).strip().getBytes(StandardCharsets.UTF_8) : null;
        if (given == null || !MessageDigest.isEqual(given, apiKey)) {
            ex.getResponseHeaders().set("WWW-Authenticate", "Bearer");
            throw new ApiError(401, ApiError.Kind.UNAUTHORIZED, h == null
                    ? "this server needs an API key: send the header Authorization: Bearer KEY"
                    : "the API key is wrong (send Authorization: Bearer KEY)", null, "invalid_api_key");
        }
    }

    // ------------------------------------------------------------------ endpoints

    private int embed(HttpExchange ex) throws IOException {
        JsonNode body = readBody(ex);
        ServedModel.Embedder m = (ServedModel.Embedder) pick(body, ServedModel.Kind.EMBEDDING, "/embed");
        List<String> texts = texts(body, "inputs");
        boolean normalize = flag(body, "normalize", true);
        boolean truncate = flag(body, "truncate", false);
        JsonNode direction = body.get("truncation_direction");
        if (direction != null && !direction.isNull() && !direction.asText().equalsIgnoreCase("right")) {
            throw ApiError.badRequest("\"truncation_direction\" " + direction + " is not supported: only Right");
        }
        JsonNode prompt = body.get("prompt_name");
        if (prompt != null && !prompt.isNull() && !prompt.isTextual()) {
            throw ApiError.badRequest("\"prompt_name\" must be a string, got " + describe(prompt), "prompt_name");
        }
        String promptName = prompt == null || prompt.isNull() ? null : prompt.asText();
        List<String> prompted = new ArrayList<>(texts.size());
        for (String t : texts) {
            prompted.add(m.withPrompt(t, promptName));
        }
        List<ServedModel.Input> inputs = prepare(m, prompted, truncate, 413);
        List<Object> vectors = await(m, inputs);
        ByteArrayOutputStream out = new ByteArrayOutputStream(vectors.size() * m.dimension() * 12 + 16);
        try (JsonGenerator g = FACTORY.createGenerator(out)) {
            g.writeStartArray();
            for (Object v : vectors) {
                Answers.writeVector(g, Answers.vector(v, normalize));
            }
            g.writeEndArray();
        }
        return send(ex, 200, "application/json", out.toByteArray());
    }

    private int predict(HttpExchange ex) throws IOException {
        JsonNode body = readBody(ex);
        ServedModel m = pick(body, null, "/predict");
        JsonNode raw = body.get("raw_scores");
        if (raw != null && raw.asBoolean(false)) {
            throw ApiError.badRequest("\"raw_scores\": true is not supported: the scores are probabilities");
        }
        boolean single;
        boolean truncate = flag(body, "truncate", false);
        List<ServedModel.Input> inputs;
        if (m instanceof ServedModel.PairClassifier pc) {
            List<String[]> pairs = ServedModel.PairClassifier.pairs(body, settings.maxClientBatch());
            single = ServedModel.PairClassifier.isPair(body.get("inputs"));
            inputs = new ArrayList<>(pairs.size());
            for (int i = 0; i < pairs.size(); i++) {
                inputs.add(pc.preparePair(pairs.get(i)[0], pairs.get(i)[1], i, truncate, 413));
            }
        } else {
            single = body.path("inputs").isTextual();
            inputs = prepare(m, texts(body, "inputs"), truncate, 413);
        }
        List<Object> results = await(m, inputs);
        ByteArrayOutputStream out = new ByteArrayOutputStream(256 * results.size() + 16);
        try (JsonGenerator g = FACTORY.createGenerator(out)) {
            if (!single) {
                g.writeStartArray();
            }
            for (int i = 0; i < results.size(); i++) {
                if (m instanceof ServedModel.Classifier c) {
                    Answers.writeScores(g, c.labels(), (float[]) results.get(i));
                } else if (m instanceof ServedModel.PairClassifier pc) {
                    Answers.writeScores(g, pc.labels(), (float[]) results.get(i));
                } else if (m instanceof ServedModel.MultiLabelClassifier ml) {
                    ml.write(g, (float[]) results.get(i));
                } else {
                    Answers.writeTags(g, (ServedModel.Tagger) m, inputs.get(i), (int[]) results.get(i));
                }
            }
            if (!single) {
                g.writeEndArray();
            }
        }
        return send(ex, 200, "application/json", out.toByteArray());
    }

    private int openAiEmbeddings(HttpExchange ex) throws IOException {
        JsonNode body = readBody(ex);
        ServedModel.Embedder m = (ServedModel.Embedder) pick(body, ServedModel.Kind.EMBEDDING, "/v1/embeddings");
        JsonNode input = body.get("input");
        if (input != null && input.isArray() && !input.isEmpty() && (input.get(0).isNumber() || input.get(0).isArray())) {
            throw ApiError.badRequest("token ids as \"input\" are not supported: send the text", "input");
        }
        List<String> texts = texts(body, "input");
        String format = "float";
        JsonNode f = body.get("encoding_format");
        if (f != null && !f.isNull()) {
            if (!f.isTextual() || !(f.asText().equals("float") || f.asText().equals("base64"))) {
                throw ApiError.badRequest("\"encoding_format\" must be \"float\" or \"base64\", got " + f,
                        "encoding_format");
            }
            format = f.asText();
        }
        JsonNode d = body.get("dimensions");
        if (d != null && !d.isNull() && (!d.canConvertToInt() || !d.isIntegralNumber() || d.asInt() != m.dimension())) {
            throw ApiError.badRequest("\"dimensions\" " + d + " is not supported: model " + m.name() + " gives "
                    + m.dimension() + " dimensions", "dimensions");
        }
        boolean truncate = flag(body, "truncate", false);
        List<String> prompted = new ArrayList<>(texts.size());
        for (String t : texts) {
            prompted.add(m.withPrompt(t, null)); // the model's default prompt (OpenAI's API has no prompt field)
        }
        List<ServedModel.Input> inputs = prepare(m, prompted, truncate, 400);
        List<Object> vectors = await(m, inputs);
        long tokens = 0;
        for (ServedModel.Input in : inputs) {
            tokens += in.tokens();
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(vectors.size() * m.dimension() * 12 + 256);
        try (JsonGenerator g = FACTORY.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("object", "list");
            g.writeArrayFieldStart("data");
            for (int i = 0; i < vectors.size(); i++) {
                float[] v = Answers.vector(vectors.get(i), true);
                g.writeStartObject();
                g.writeStringField("object", "embedding");
                g.writeFieldName("embedding");
                if (format.equals("base64")) {
                    ByteBuffer bytes = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
                    bytes.asFloatBuffer().put(v);
                    g.writeString(Base64.getEncoder().encodeToString(bytes.array()));
                } else {
                    Answers.writeVector(g, v);
                }
                g.writeNumberField("index", i);
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeStringField("model", m.name());
            g.writeObjectFieldStart("usage");
            g.writeNumberField("prompt_tokens", tokens);
            g.writeNumberField("total_tokens", tokens);
            g.writeEndObject();
            g.writeEndObject();
        }
        return send(ex, 200, "application/json", out.toByteArray());
    }

    private ObjectNode info() {
        ObjectNode o = JSON.createObjectNode();
        o.put("server", "graft");
        o.put("version", version);
        ArrayNode list = o.putArray("models");
        for (ServedModel m : models.values()) {
            list.add(m.info());
        }
        o.put("max_batch_tokens", settings.maxBatchTokens());
        o.put("max_wait_ms", settings.maxWaitMillis());
        o.put("max_queue", settings.maxQueue());
        o.put("max_client_batch_size", settings.maxClientBatch());
        o.put("max_body_bytes", settings.maxBodyBytes());
        o.put("threads", settings.threads());
        o.put("workers", settings.workers());
        o.put("auth", apiKey != null);
        return o;
    }

    private ObjectNode modelList() {
        ObjectNode o = JSON.createObjectNode();
        o.put("object", "list");
        ArrayNode data = o.putArray("data");
        for (ServedModel m : models.values()) {
            ObjectNode e = data.addObject();
            e.put("id", m.name());
            e.put("object", "model");
            e.put("created", 0);
            e.put("owned_by", "graft");
        }
        return o;
    }

    // ------------------------------------------------------------------ request parts

    /** The body as a JSON object; 413 over the size limit, 400 when it is not one JSON object. */
    private JsonNode readBody(HttpExchange ex) throws IOException {
        int limit = settings.maxBodyBytes();
        String length = ex.getRequestHeaders().getFirst("Content-Length");
        if (length != null) {
            long n;
            try {
                n = Long.parseLong(length.strip());
            } catch (NumberFormatException e) {
                throw ApiError.badRequest("Content-Length " + length + " is not a number");
            }
            if (n > limit) {
                throw ApiError.tooLarge("the body has " + n + " bytes, more than the " + limit
                        + " this server takes (--max-body-bytes)");
            }
        }
        byte[] body;
        try (InputStream in = ex.getRequestBody()) {
            body = in.readNBytes(limit + 1);
        }
        if (body.length > limit) {
            throw ApiError.tooLarge("the body has more than the " + limit + " bytes this server takes (--max-body-bytes)");
        }
        if (body.length == 0) {
            throw ApiError.badRequest("the body is empty: send a JSON object");
        }
        JsonNode node;
        try {
            node = JSON.readTree(body);
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ", column "
                    + e.getLocation().getColumnNr() + ")";
            throw ApiError.badRequest("malformed JSON: " + e.getOriginalMessage() + where);
        } catch (IOException e) {
            throw ApiError.badRequest("malformed JSON: " + e.getMessage());
        }
        if (node == null || !node.isObject()) {
            throw ApiError.badRequest("the body must be a JSON object, got " + describe(node));
        }
        return node;
    }

    /** The model a request names, or the first served of the right kind. */
    private ServedModel pick(JsonNode body, ServedModel.Kind kind, String endpoint) {
        JsonNode field = body.get("model");
        String name = null;
        if (field != null && !field.isNull()) {
            if (!field.isTextual()) {
                throw ApiError.badRequest("\"model\" must be a string, got " + describe(field), "model");
            }
            name = field.asText();
        }
        List<ServedModel> fitting = new ArrayList<>();
        for (ServedModel m : models.values()) {
            if (kind == null ? m.kind() != ServedModel.Kind.EMBEDDING : m.kind() == kind) {
                fitting.add(m);
            }
        }
        String needs = kind == ServedModel.Kind.EMBEDDING ? "an encoder (a folder from graft import or graft pretrain)"
                : "a classifier or tagger (a folder from graft finetune)";
        if (name != null) {
            ServedModel m = models.get(name);
            if (m == null) {
                if (fitting.size() == 1) {
                    return fitting.get(0); // as TEI: one model, whatever the request calls it
                }
                throw new ApiError(404, ApiError.Kind.NOT_FOUND, "model '" + name + "' is not served here; served: "
                        + String.join(", ", models.keySet()), "model", "model_not_found");
            }
            if (!fitting.contains(m)) {
                throw ApiError.badRequest("model " + name + " is a " + m.kind().id + ": " + endpoint + " needs " + needs
                        + (m.kind() == ServedModel.Kind.EMBEDDING ? "; ask /embed" : "; ask /predict"), "model");
            }
            return m;
        }
        if (fitting.isEmpty()) {
            throw ApiError.badRequest("no model served here answers " + endpoint + ": it needs " + needs);
        }
        return fitting.get(0);
    }

    /** A string or an array of 1 to maxClientBatch strings, none empty. */
    private List<String> texts(JsonNode body, String field) {
        JsonNode n = body.get(field);
        if (n == null || n.isNull()) {
            throw ApiError.badRequest("the request has no \"" + field + "\": send a string or an array of strings",
                    field);
        }
        List<String> out = new ArrayList<>();
        if (n.isTextual()) {
            out.add(n.asText());
        } else if (n.isArray()) {
            if (n.isEmpty()) {
                throw ApiError.badRequest("\"" + field + "\" is an empty array: send at least one text", field);
            }
            if (n.size() > settings.maxClientBatch()) {
                throw ApiError.badRequest("\"" + field + "\" has " + n.size() + " texts, more than the "
                        + settings.maxClientBatch() + " one request may hold (--max-client-batch): split it", field);
            }
            for (int i = 0; i < n.size(); i++) {
                JsonNode e = n.get(i);
                if (!e.isTextual()) {
                    throw ApiError.badRequest(field + "[" + i + "] must be a string, got " + describe(e)
                            + (e.isArray() ? " (sentence pairs go to a pair model, from graft finetune --task pair)"
                            : ""), field);
                }
                out.add(e.asText());
            }
        } else {
            throw ApiError.badRequest("\"" + field + "\" must be a string or an array of strings, got " + describe(n),
                    field);
        }
        for (int i = 0; i < out.size(); i++) {
            if (out.get(i).isEmpty()) {
                throw ApiError.badRequest((n.isTextual() ? "\"" + field + "\"" : field + "[" + i + "]")
                        + " is an empty string: send some text", field);
            }
        }
        return out;
    }

    private static boolean flag(JsonNode body, String field, boolean fallback) {
        JsonNode n = body.get(field);
        if (n == null || n.isNull()) {
            return fallback;
        }
        if (!n.isBoolean()) {
            throw ApiError.badRequest("\"" + field + "\" must be true or false, got " + describe(n), field);
        }
        return n.asBoolean();
    }

    private static String describe(JsonNode n) {
        if (n == null || n.isNull() || n.isMissingNode()) {
            return "null";
        }
        if (n.isTextual()) {
            return "a string";
        }
        if (n.isNumber()) {
            return "a number";
        }
        if (n.isBoolean()) {
            return "a boolean";
        }
        return n.isArray() ? "an array" : "an object";
    }

    private List<ServedModel.Input> prepare(ServedModel m, List<String> texts, boolean truncate, int overLength) {
        List<ServedModel.Input> inputs = new ArrayList<>(texts.size());
        for (int i = 0; i < texts.size(); i++) {
            inputs.add(m.prepare(texts.get(i), i, truncate, overLength));
        }
        return inputs;
    }

    /** Queues the inputs on the model's batcher and waits for their results. */
    private List<Object> await(ServedModel m, List<ServedModel.Input> inputs) {
        if (draining) {
            throw new ApiError(503, ApiError.Kind.UNAVAILABLE, "the server is shutting down", null, null);
        }
        Future<List<Object>> f = batchers.get(m.name()).submit(inputs);
        try {
            return f.get(settings.requestTimeoutSeconds(), TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof ApiError a) {
                throw a;
            }
            throw new ApiError(500, ApiError.Kind.BACKEND, "model " + m.name() + " failed: " + e.getCause(), null,
                    null);
        } catch (TimeoutException e) {
            throw new ApiError(503, ApiError.Kind.UNAVAILABLE, "no result from model " + m.name() + " within "
                    + settings.requestTimeoutSeconds() + " s: the server is overloaded", null, null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiError(503, ApiError.Kind.UNAVAILABLE, "interrupted while waiting for model " + m.name(),
                    null, null);
        }
    }

    // ------------------------------------------------------------------ answers

    private static int sendJson(HttpExchange ex, int status, JsonNode body) throws IOException {
        return send(ex, status, "application/json", JSON.writeValueAsBytes(body));
    }

    private static int send(HttpExchange ex, int status, String contentType, byte[] body) throws IOException {
        ex.getResponseHeaders().set("Content-Type", contentType);
        ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
        }
        return status;
    }

    private static void sendError(HttpExchange ex, ApiError e, boolean openAi) {
        ObjectNode o = JSON.createObjectNode();
        if (openAi) {
            ObjectNode err = o.putObject("error");
            err.put("message", e.getMessage());
            err.put("type", e.kind.openAi);
            err.put("param", e.param);
            err.put("code", e.code);
        } else {
            o.put("error", e.getMessage());
            o.put("error_type", e.kind.tei);
        }
        if (e.status == 429 || e.status == 503) {
            ex.getResponseHeaders().set("Retry-After", "1");
        }
        try {
            if (e.status == 413) {
                ex.getResponseHeaders().set("Connection", "close"); // the unread body is not drained
            }
            send(ex, e.status, "application/json", JSON.writeValueAsBytes(o));
        } catch (IOException io) {
            // the client is gone, or the headers were already sent: nothing more to tell it
            LOG.log(Level.FINE, "could not send an error answer", io);
        } catch (IllegalStateException | UncheckedIOException ignored) {
            LOG.log(Level.FINE, "could not send an error answer", ignored);
        }
    }

    /** A short description for logs. */
    @Override
    public String toString() {
        return String.format(Locale.ROOT, "graft serve on %s with %s", uri(), String.join(", ", describeModels()));
    }
}
