package dev.graft.experiment;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.graft.eval.HeadMetrics;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * One cell of an experiment: one strategy trained at one label budget with one seed, as one line of
 * {@code results.jsonl}. A cell that failed is kept (status "failed", scores NaN, the error message), so
 * a report can show it instead of silently dropping it.
 *
 * <p>JSON form (snake_case keys; NaN scores are written as {@code null}):
 * <pre>{@code
 * {"strategy":"transfer","budget":"200","labels":200,"seed":1,"metric":"accuracy","test":0.64,"dev":0.66,
 *  "test_metrics":{"accuracy":0.64,"macro_f1":0.63},
 *  "cost":{"pretrain_tokens":5000000,"finetune_tokens":120000,"flops":3.1E14,"pretrain_seconds":1200.0,
 *          "finetune_seconds":40.5},
 *  "status":"ok","error":null}
 * }</pre>
 *
 * @param strategy    scratch, transfer, ulmfit, multitask, merged, pretrained, bow, labels-as-text, ...
 * @param budget      the label budget as asked for: a number ("50") or "all"
 * @param labels      training examples actually used, including those carved for dev; at least 1 when ok
 * @param seed        the seed of the cell (sub-sample, dev carve, initialization, batch order)
 * @param metric      the score's name: "accuracy" (classify) or "token_accuracy" (tag)
 * @param test        the metric on test; finite when ok, NaN when failed
 * @param dev         the metric on dev; NaN when unknown
 * @param testMetrics every test metric ({@link HeadMetrics#toJson()}), empty when failed; with the
 *                    few-label protocol also what cross-validation chose for the cell: {@code selected_lr},
 *                    {@code selected_epochs} (of {@code planned_epochs}) and {@code cv_score}
 * @param cost        what the cell cost, {@link Cost#NONE} when unknown
 * @param status      "ok" or "failed"
 * @param error       the failure's message; null when ok
 */
public record CellResult(String strategy, String budget, int labels, int seed, String metric, double test,
                         double dev, Map<String, Object> testMetrics, Cost cost, String status, String error) {

    /** The status of a cell that finished. */
    public static final String OK = "ok";
    /** The status of a cell that threw. */
    public static final String FAILED = "failed";

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    private static final TypeReference<LinkedHashMap<String, Object>> MAP = new TypeReference<>() {
    };

    /**
     * What a cell cost. Pretraining figures are those of the checkpoint the cell started from (the same
     * in every cell that shares it), 0 for strategies without pretraining.
     *
     * @param pretrainTokens  tokens seen in pretraining
     * @param finetuneTokens  tokens seen in fine-tuning (all epochs)
     * @param flops           estimated floating-point operations of the cell
     * @param pretrainSeconds wall time of pretraining
     * @param finetuneSeconds wall time of fine-tuning and evaluation
     */
    public record Cost(long pretrainTokens, long finetuneTokens, double flops, double pretrainSeconds,
                       double finetuneSeconds) {
        /** Nothing known. */
        public static final Cost NONE = new Cost(0, 0, 0, 0, 0);

        public Cost {
            if (pretrainTokens < 0 || finetuneTokens < 0 || !(flops >= 0) || !(pretrainSeconds >= 0)
                    || !(finetuneSeconds >= 0)) {
                throw new IllegalArgumentException("costs must be >= 0, got pretrain_tokens " + pretrainTokens
                        + ", finetune_tokens " + finetuneTokens + ", flops " + flops + ", pretrain_seconds "
                        + pretrainSeconds + ", finetune_seconds " + finetuneSeconds);
            }
        }
    }

    public CellResult {
        if (strategy == null || strategy.isBlank()) {
            throw new IllegalArgumentException("a cell needs a strategy name");
        }
        if (budget == null || budget.isBlank()) {
            throw new IllegalArgumentException("cell " + strategy + ": a budget is required (a number or \"all\")");
        }
        if (metric == null || metric.isBlank()) {
            throw new IllegalArgumentException("cell " + strategy + "/" + budget + ": a metric name is required");
        }
        if (!OK.equals(status) && !FAILED.equals(status)) {
            throw new IllegalArgumentException("cell " + strategy + "/" + budget + ": status must be \"ok\" or "
                    + "\"failed\", got " + (status == null ? "null" : "\"" + status + "\""));
        }
        if (labels < 0) {
            throw new IllegalArgumentException("cell " + strategy + "/" + budget + ": labels must be >= 0, got "
                    + labels);
        }
        if (OK.equals(status)) {
            if (error != null) {
                throw new IllegalArgumentException("cell " + strategy + "/" + budget + " is ok but has an error ("
                        + error + "); use status \"failed\"");
            }
            if (!Double.isFinite(test)) {
                throw new IllegalArgumentException("cell " + strategy + "/" + budget + " is ok but its test score is "
                        + test + "; a finished cell has a test score");
            }
            if (labels < 1) {
                throw new IllegalArgumentException("cell " + strategy + "/" + budget + " is ok but used no labels");
            }
        } else if (error == null || error.isBlank()) {
            throw new IllegalArgumentException("cell " + strategy + "/" + budget + " failed: give the error message");
        }
        testMetrics = testMetrics == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(testMetrics));
        if (cost == null) {
            cost = Cost.NONE;
        }
    }

    /**
     * A head's test metrics as {@code results.jsonl} holds them ({@link HeadMetrics#toJson()}), empty for null,
     * for a strategy to add what it chose for the cell.
     */
    static Map<String, Object> testMetrics(HeadMetrics m) {
        return m == null ? new LinkedHashMap<>() : JSON.convertValue(m.toJson(), MAP);
    }

    /** A finished cell. */
    public static CellResult ok(String strategy, String budget, int labels, int seed, String metric, double test,
                                double dev, Map<String, Object> testMetrics, Cost cost) {
        return new CellResult(strategy, budget, labels, seed, metric, test, dev, testMetrics, cost, OK, null);
    }

    /** A cell that threw: scores NaN, the error kept. */
    public static CellResult failed(String strategy, String budget, int labels, int seed, String metric, Cost cost,
                                    String error) {
        return new CellResult(strategy, budget, labels, seed, metric, Double.NaN, Double.NaN, Map.of(), cost, FAILED,
                error);
    }

    /** Whether the cell finished. */
    public boolean isOk() {
        return OK.equals(status);
    }

    /** This cell as one line of JSON (no line break). */
    public String toJson() {
        ObjectNode o = JSON.createObjectNode();
        o.put("strategy", strategy);
        o.put("budget", budget);
        o.put("labels", labels);
        o.put("seed", seed);
        o.put("metric", metric);
        putScore(o, "test", test);
        putScore(o, "dev", dev);
        o.set("test_metrics", JSON.valueToTree(testMetrics));
        ObjectNode c = o.putObject("cost");
        c.put("pretrain_tokens", cost.pretrainTokens());
        c.put("finetune_tokens", cost.finetuneTokens());
        c.put("flops", cost.flops());
        c.put("pretrain_seconds", cost.pretrainSeconds());
        c.put("finetune_seconds", cost.finetuneSeconds());
        o.put("status", status);
        if (error == null) {
            o.putNull("error");
        } else {
            o.put("error", error);
        }
        try {
            return JSON.writeValueAsString(o);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void putScore(ObjectNode o, String key, double value) {
        if (Double.isNaN(value)) {
            o.putNull(key);
        } else {
            o.put(key, value);
        }
    }

    /**
     * Parses one line written by {@link #toJson()}.
     *
     * @throws IllegalArgumentException naming what is wrong: malformed JSON, a missing or mistyped field,
     *                                  an invalid value
     */
    public static CellResult fromJson(String line) {
        JsonNode o;
        try {
            o = JSON.readTree(line);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("malformed JSON (" + e.getOriginalMessage() + ")");
        }
        if (o == null || !o.isObject()) {
            throw new IllegalArgumentException("not a JSON object");
        }
        JsonNode c = o.get("cost");
        Cost cost;
        if (c == null || c.isNull()) {
            cost = Cost.NONE;
        } else if (!c.isObject()) {
            throw new IllegalArgumentException("\"cost\" must be an object");
        } else {
            cost = new Cost(integer(c, "pretrain_tokens"), integer(c, "finetune_tokens"), number(c, "flops"),
                    number(c, "pretrain_seconds"), number(c, "finetune_seconds"));
        }
        Map<String, Object> metrics = Map.of();
        JsonNode m = o.get("test_metrics");
        if (m != null && !m.isNull()) {
            if (!m.isObject()) {
                throw new IllegalArgumentException("\"test_metrics\" must be an object");
            }
            metrics = JSON.convertValue(m, MAP);
        }
        JsonNode error = o.get("error");
        if (error != null && !error.isNull() && !error.isTextual()) {
            throw new IllegalArgumentException("\"error\" must be a string or null");
        }
        return new CellResult(text(o, "strategy"), text(o, "budget"), int32(o, "labels"),
                int32(o, "seed"), text(o, "metric"), score(o, "test"), score(o, "dev"), metrics,
                cost, text(o, "status"), error == null || error.isNull() ? null : error.asText());
    }

    /**
     * Reads a {@code results.jsonl}; blank lines are skipped.
     *
     * @throws IllegalArgumentException {@code file:line: what is wrong} for the first bad line
     */
    public static List<CellResult> read(Path resultsJsonl) throws IOException {
        if (!Files.exists(resultsJsonl)) {
            throw new NoSuchFileException(resultsJsonl + ": no results file here; run graft experiment first");
        }
        List<CellResult> out = new ArrayList<>();
        int lineNumber = 0;
        for (String line : Files.readAllLines(resultsJsonl, StandardCharsets.UTF_8)) {
            lineNumber++;
            if (line.isBlank()) {
                continue;
            }
            try {
                out.add(fromJson(line));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(resultsJsonl + ":" + lineNumber + ": " + e.getMessage()
                        + "; each line must be one cell as graft experiment writes it (fix or delete the line)", e);
            }
        }
        return out;
    }

    private static JsonNode field(JsonNode o, String key) {
        JsonNode v = o.get(key);
        if (v == null) {
            throw new IllegalArgumentException("no \"" + key + "\" field");
        }
        return v;
    }

    /** The field {@code key} of {@code o} when {@code ok} accepts it; otherwise an error: it must be {@code what}. */
    private static JsonNode field(JsonNode o, String key, Predicate<JsonNode> ok, String what) {
        JsonNode v = field(o, key);
        if (!ok.test(v)) {
            throw new IllegalArgumentException("\"" + key + "\" must be " + what + ", got " + v);
        }
        return v;
    }

    private static String text(JsonNode o, String key) {
        return field(o, key, JsonNode::isTextual, "a string").asText();
    }

    private static long integer(JsonNode o, String key) {
        return field(o, key, v -> v.isIntegralNumber() && v.canConvertToLong(), "an integer").asLong();
    }

    private static int int32(JsonNode o, String key) {
        long v = integer(o, key);
        if (v != (int) v) {
            throw new IllegalArgumentException("\"" + key + "\" is out of range: " + v);
        }
        return (int) v;
    }

    private static double number(JsonNode o, String key) {
        return field(o, key, JsonNode::isNumber, "a number").asDouble();
    }

    private static double score(JsonNode o, String key) {
        return field(o, key).isNull() ? Double.NaN : field(o, key, JsonNode::isNumber, "a number or null").asDouble();
    }
}
