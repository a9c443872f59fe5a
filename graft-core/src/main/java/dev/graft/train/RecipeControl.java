package dev.graft.train;

import dev.graft.model.Checkpoint;
import dev.graft.nn.Dropout;
import dev.graft.nn.ParameterSet;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Adds a fine-tuning recipe to any {@link Trainable}: layer-wise learning rates and gradual
 * unfreezing ({@link LayerwiseRates}, optional) and early stopping with the best parameters kept
 * ({@link EarlyStopping}, optional). Everything else is delegated.
 */
public final class RecipeControl<B> implements Trainable<B> {
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

    @Override
    public ParameterSet parameters() {
        return inner.parameters();
    }

    @Override
    public void setTraining(boolean training) {
        inner.setTraining(training);
    }

    @Override
    public List<Dropout> dropouts() {
        return inner.dropouts();
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
    public void skipBackwardBelow(int group) {
        inner.skipBackwardBelow(group);
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
    public void saveModel(Path folder, Checkpoint.Extras extras) throws IOException {
        inner.saveModel(folder, extras);
    }

    @Override
    public void writeModelFiles(Path folder) throws IOException {
        inner.writeModelFiles(folder);
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

    /** Restores the best parameters seen by early stopping; returns whether there were any. */
    public boolean restoreBest() {
        if (earlyStopping == null || !earlyStopping.hasBest()) {
            return false;
        }
        earlyStopping.restoreBest(inner.parameters());
        return true;
    }
}
