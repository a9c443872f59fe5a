package dev.graft.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.graft.SpecIOException;
import dev.graft.model.JsonFiles;
import dev.graft.model.SafeTensors;
import dev.graft.tensor.Tensor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Adds a fine-tuning recipe to any {@link Trainable}: layer-wise learning rates and gradual
 * unfreezing ({@link LayerwiseRates}, optional) and early stopping with the best parameters kept
 * ({@link EarlyStopping}, optional). Everything else is delegated.
 */
public final class RecipeControl<B> extends ForwardingTrainable<B> {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The recipe's part of a checkpoint's training state. */
    static final String STATE_FILE = "recipe.json";
    /** Early stopping's best parameters in a checkpoint's training state. */
    static final String BEST_FILE = "best.safetensors";
    private final Trainable<B> inner;
    private final LayerwiseRates rates;
    private final EarlyStopping earlyStopping;
    private final long minimumUpdates;
    private long stopAfter;
    private long updates;

    public RecipeControl(Trainable<B> inner, LayerwiseRates rates, EarlyStopping earlyStopping) {
        this(inner, rates, earlyStopping, 0);
    }

    /**
     * @param minimumUpdates early stopping may end the run only after this many updates (small data sets
     *                       often sit at chance for a while before they learn; their tiny dev sets are noisy)
     */
    public RecipeControl(Trainable<B> inner, LayerwiseRates rates, EarlyStopping earlyStopping, long minimumUpdates) {
        super(inner);
        this.inner = inner;
        this.rates = rates;
        this.earlyStopping = earlyStopping;
        this.minimumUpdates = minimumUpdates;
    }

    /**
     * Ends the run after {@code updates} updates, whatever the planned length (whose schedule the run keeps):
     * the length cross-validation chose. 0 for no such limit.
     */
    public RecipeControl<B> stopAfter(long updates) {
        if (updates < 0) {
            throw new IllegalArgumentException("stopAfter must be >= 0, got " + updates);
        }
        this.stopAfter = updates;
        return this;
    }

    public Trainable<B> inner() {
        return inner;
    }

    public EarlyStopping earlyStopping() {
        return earlyStopping;
    }

    /** Frozen groups (a frozen backbone, gradual unfreezing) are left out of the update's backward pass. */
    @Override
    public void beforeStep(long step) {
        if (rates != null) {
            inner.skipBackwardBelow(rates.lowestTrainable(step));
        }
        inner.beforeStep(step);
    }

    @Override
    public StepResult trainStep(List<B> microBatches) {
        return inner.trainStep(microBatches);
    }

    @Override
    public Map<String, Double> evaluate() {
        Map<String, Double> m = inner.evaluate();
        if (earlyStopping == null || m.isEmpty()) {
            return m;
        }
        // while gradual unfreezing has frozen groups, the model is still growing: do not count patience
        boolean unfrozen = rates == null || rates.lowestTrainable(Math.max(0, updates - 1)) == rates.floor();
        earlyStopping.update(m, updates, inner.parameters(), unfrozen);
        Map<String, Double> out = new LinkedHashMap<>(m);
        if (earlyStopping.hasBest()) {
            out.put("best_" + earlyStopping.metric(), earlyStopping.best());
        }
        return out;
    }

    @Override
    public void beforeUpdate(long step, long dataPosition, AdamW optimizer) {
        updates = step + 1;
        if (rates != null) {
            rates.apply(step, optimizer, inner.parameters());
        }
        inner.beforeUpdate(step, dataPosition, optimizer);
    }

    @Override
    public String stopReason() {
        if (stopAfter > 0 && updates >= stopAfter) {
            return "selected-length";
        }
        String r = earlyStopping == null || updates < minimumUpdates ? null : earlyStopping.stopReason();
        return r != null ? r : inner.stopReason();
    }

    /**
     * The recipe's state in a checkpoint: {@code recipe.json} (updates done, early stopping's best score,
     * step, metrics and evaluations since) and {@code best.safetensors} (the best parameters so far).
     */
    @Override
    public void saveTrainingState(Path trainingState) throws IOException {
        inner.saveTrainingState(trainingState);
        ObjectNode r = JSON.createObjectNode();
        r.put("updates", updates);
        if (earlyStopping != null) {
            EarlyStopping.Snapshot es = earlyStopping.snapshot();
            ObjectNode e = r.putObject("early_stopping");
            e.put("metric", earlyStopping.metric());
            // +-Infinity before the first evaluation: written as strings, JSON has no such numbers
            e.put("best", Double.toString(es.best()));
            e.put("best_tie_breaker", Double.toString(es.bestTieBreaker()));
            e.put("best_step", es.bestStep());
            e.put("since_best", es.sinceBest());
            ObjectNode m = e.putObject("best_metrics");
            es.bestMetrics().forEach((k, v) -> m.put(k, Double.toString(v)));
            e.put("has_best", es.bestValues() != null);
            if (es.bestValues() != null) {
                float[] v = es.bestValues();
                SafeTensors.write(trainingState.resolve(BEST_FILE), Map.of("best_parameters",
                        new Tensor(v, 0, v.length)), Map.of());
            }
        }
        JsonFiles.write(trainingState.resolve(STATE_FILE), r);
    }

    @Override
    public void restoreTrainingState(Path trainingState) throws IOException {
        inner.restoreTrainingState(trainingState);
        Path file = trainingState.resolve(STATE_FILE);
        if (!Files.exists(file)) {
            throw new SpecIOException("overwrite", file + ": missing; the checkpoint was not written by a fine-tuning "
                    + "run (or by a graft from before fine-tuning could resume): start the run again (overwrite)");
        }
        JsonNode r = JSON.readTree(Files.readString(file));
        updates = r.path("updates").asLong();
        JsonNode e = r.path("early_stopping");
        if (earlyStopping == null || e.isMissingNode()) {
            return;
        }
        if (!earlyStopping.metric().equals(e.path("metric").asText())) {
            throw new SpecIOException("overwrite", file + ": the checkpoint stops early on " + e.path("metric").asText()
                    + ", this run on " + earlyStopping.metric() + ": start the run again (overwrite)");
        }
        float[] values = null;
        if (e.path("has_best").asBoolean()) {
            SafeTensors.Entry best = SafeTensors.read(trainingState.resolve(BEST_FILE)).get("best_parameters");
            if (best == null || best.size() != inner.parameters().count()) {
                throw new SpecIOException("overwrite", trainingState.resolve(BEST_FILE) + ": the best parameters are "
                        + "missing or have the wrong size; start the run again (overwrite)");
            }
            values = best.floats();
        }
        Map<String, Double> metrics = new LinkedHashMap<>();
        e.path("best_metrics").fields().forEachRemaining(f -> metrics.put(f.getKey(),
                Double.parseDouble(f.getValue().asText())));
        earlyStopping.restore(new EarlyStopping.Snapshot(Double.parseDouble(e.path("best").asText()),
                Double.parseDouble(e.path("best_tie_breaker").asText()), e.path("best_step").asLong(), metrics,
                e.path("since_best").asInt(), values));
    }

    /** Restores the best parameters seen by early stopping; returns whether there were any. */
    public boolean restoreBest() {
        if (earlyStopping == null || !earlyStopping.hasBest()) {
            return false;
        }
        earlyStopping.restoreBest(inner.parameters());
        return true;
    }
}
