package dev.graft.train;

import java.util.Map;

/**
 * Hears a training run as it goes: every update, every evaluation and the end. The {@link Trainer}
 * calls it on the training thread, after it has logged the same figures; a listener that throws stops
 * the run with its exception. Every method does nothing by default, so a listener overrides only what
 * it needs. Pretraining and fine-tuning take one through {@code dev.graft.Graft}.
 */
public interface TrainingListener {

    /** A listener that hears nothing. */
    TrainingListener NONE = new TrainingListener() {
    };

    /**
     * One update.
     *
     * @param step         updates done so far in this run (1 after the first)
     * @param plannedSteps the updates the schedule is planned for
     * @param loss         this update's training loss
     * @param learningRate the rate this update used
     * @param epoch        passes over the training data so far (fractional)
     */
    record Step(long step, long plannedSteps, double loss, double learningRate, double epoch) {
    }

    /**
     * One evaluation on held-out data (validation sequences in pretraining, the dev set in fine-tuning).
     *
     * @param metrics the figures by name, as in {@code metrics.jsonl} ({@code val_loss}, {@code dev_accuracy}, ...)
     */
    record Evaluation(long step, Map<String, Double> metrics) {
        public Evaluation {
            metrics = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(metrics));
        }
    }

    /**
     * The end of a run.
     *
     * @param steps     updates done
     * @param lastLoss  the last update's training loss (NaN when none ran)
     * @param stoppedBy why it stopped: "steps", "epochs", "time", "early_stopping", "signal", ...
     */
    record End(long steps, double lastLoss, String stoppedBy) {
    }

    default void onStep(Step step) {
    }

    default void onEvaluation(Evaluation evaluation) {
    }

    default void onEnd(End end) {
    }
}
