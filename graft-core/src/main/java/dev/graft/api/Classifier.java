package dev.graft.api;

import dev.graft.data.BadInput;
import dev.graft.data.ClassificationExample;
import dev.graft.data.Dataset;
import dev.graft.data.LabelSet;
import dev.graft.eval.ClassificationMetrics;
import dev.graft.finetune.DataSources;
import dev.graft.finetune.FineTunedModel;
import dev.graft.task.ClassificationData;
import dev.graft.task.ClassificationTask;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A fine-tuned single-label text classifier: {@link #predict(String)}, batched {@link #predict(List)}
 * and {@link #evaluate}. Predictions are those of {@code graft predict} (the same encoding, the same
 * batch-independent forward pass); a text longer than the model takes is cut to it.
 */
public final class Classifier implements Model {
    /** Texts per forward pass: {@code graft predict}'s default. */
    static final int BATCH_SIZE = 32;
    private final FineTunedModel model;
    private final ClassificationTask task;
    private final DataSources sources;

    private Classifier(FineTunedModel model, DataSources sources) {
        this.model = model;
        this.sources = sources;
        this.task = new ClassificationTask(model.classifier(), model.head(), null, 1, null).frozen();
    }

    /** Wraps a loaded single-label classifier ({@link dev.graft.Graft#load} calls this). */
    public static Classifier of(FineTunedModel model, DataSources sources) {
        if (model.classifier() == null || model.head().task() != dev.graft.model.HeadConfig.Task.CLASSIFY) {
            throw new IllegalArgumentException(model.folder() + " is " + model.head().task().describe()
                    + ", not a single-label classifier");
        }
        return new Classifier(model, sources);
    }

    @Override
    public Path folder() {
        return model.folder();
    }

    @Override
    public List<String> labels() {
        return model.head().labels();
    }

    /** The most probable label of {@code text}, with every label's probability. */
    public ClassPrediction predict(String text) {
        return predict(List.of(text)).get(0);
    }

    /** A prediction per text, in order. */
    public List<ClassPrediction> predict(List<String> texts) {
        if (texts.isEmpty()) {
            return List.of();
        }
        ClassificationData data = ClassificationData.encode(model.tokenizer(), texts, null, model.head().maxLength(),
                model.padId());
        ClassificationTask.Predictions p = task.predict(data, data.batches(BATCH_SIZE));
        List<String> labels = labels();
        List<ClassPrediction> out = new ArrayList<>(texts.size());
        for (int i = 0; i < texts.size(); i++) {
            float[] f = p.probabilities()[i];
            double[] d = new double[f.length];
            for (int k = 0; k < f.length; k++) {
                d[k] = f[k];
            }
            out.add(new ClassPrediction(texts.get(i), labels.get(p.predicted()[i]), labels, d));
        }
        return out;
    }

    /**
     * Scores the model on {@code data}'s main part (accuracy, macro-F1, per-class figures, the confusion
     * matrix); a label the model does not know is an error naming it.
     */
    public ClassificationMetrics evaluate(LabeledData<Classifier> data) throws IOException {
        if (data.hasExtraParts()) {
            throw new IllegalArgumentException("evaluate scores one set, but this data also has a dev or test part: "
                    + "pass data.test() (or data.dev()) to score that part");
        }
        LabelSet known = LabelSet.ordered(labels());
        Dataset<ClassificationExample> d = data.readMain(ClassificationTask.HEAD, sources, known, BadInput.strict());
        var encoded = ClassificationTask.HEAD.encode(model.tokenizer(), d.examples(), known, model.head().maxLength(),
                model.padId());
        return (ClassificationMetrics) task.score(d.examples(), encoded, encoded.batches(BATCH_SIZE)).metrics();
    }
}
