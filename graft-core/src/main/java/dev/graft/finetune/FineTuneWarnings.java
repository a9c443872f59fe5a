package dev.graft.finetune;

import dev.graft.SpecWarning;
import dev.graft.eval.ClassificationMetrics;
import dev.graft.eval.HeadMetrics;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What a finished fine-tuning run should tell its user even though it succeeded: a kept model chosen
 * on a dev set too small to tell models apart, a classifier that predicts one class for everything
 * (a constant model scores the majority share and looks like it learned something), and a tagger that
 * scores below the most-frequent-tag baseline on the same test set.
 */
public final class FineTuneWarnings {
    /** Dev sets smaller than this cannot tell a good model from a lucky one. */
    static final int MIN_DEV_EXAMPLES = 20;

    private FineTuneWarnings() {
    }

    /**
     * The warnings for {@code r}, each one line saying what is wrong and what to do, naming the spec fields to
     * change (the command line prints its flags); empty when none.
     */
    public static List<SpecWarning> of(FineTuneResult r) {
        List<SpecWarning> warnings = new ArrayList<>();
        if (r.devSize() > 0 && r.devSize() < MIN_DEV_EXAMPLES) {
            warnings.add(new SpecWarning(List.of("folds", "dev"), String.format(Locale.ROOT, "the kept model (after update %d of %d) was chosen on a dev set "
                    + "of %d example(s): one example more or less right moves its score by %.2f, so the choice is "
                    + "mostly luck; choose by cross-validation inside the labels instead (folds 3), or give a larger dev "
                    + "set (dev FILE)", r.bestStep(), r.steps(),
                    r.devSize(), 1.0 / Math.max(1, r.devSize()))));
        }
        HeadMetrics metrics = r.test() != null ? r.test() : r.dev();
        if (metrics instanceof ClassificationMetrics m && r.task().pooled()) {
            String which = r.test() != null ? "test" : "dev";
            String only = onlyPredictedLabel(m);
            if (only != null) {
                warnings.add(new SpecWarning(List.of("epochs", "balancedClassWeights"), "the model predicts '" + only
                        + "' for every " + which + " example: it has not learned to tell the classes apart (its "
                        + "accuracy is the share of that class); train longer (epochs), with more labels, or with the "
                        + "classes weighted by their frequency (balancedClassWeights)"));
            }
        }
        if (r.task() == dev.graft.model.HeadConfig.Task.TAG && r.test() != null && !Double.isNaN(r.baselineTest())
                && r.testScore() < r.baselineTest()) {
            warnings.add(new SpecWarning(List.of("epochs", "learningRate"), String.format(Locale.ROOT, "the tagger's "
                    + "test token accuracy (%.4f) is below the most-frequent-tag baseline's (%.4f: each word gets the tag "
                    + "it carries most often in the training set): it has not learned enough yet; train longer (epochs) "
                    + "or at a higher rate (learningRate), or start from a longer-pretrained model", r.testScore(),
                    r.baselineTest())));
        }
        return warnings;
    }

    /** The one label every example was predicted as (columns of the confusion matrix), or null. */
    private static String onlyPredictedLabel(ClassificationMetrics metrics) {
        List<String> labels = metrics.labels();
        if (labels.size() < 2) {
            return null;
        }
        long[] predicted = new long[labels.size()];
        for (long[] row : metrics.confusion()) {
            for (int j = 0; j < row.length && j < predicted.length; j++) {
                predicted[j] += row[j];
            }
        }
        int used = -1;
        for (int j = 0; j < predicted.length; j++) {
            if (predicted[j] > 0) {
                if (used >= 0) {
                    return null;
                }
                used = j;
            }
        }
        return used < 0 ? null : labels.get(used);
    }
}
