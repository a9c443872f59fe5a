package dev.graft.api;

import dev.graft.data.ClassificationExample;
import dev.graft.eval.ClassificationMetrics;
import dev.graft.finetune.DataSources;
import dev.graft.finetune.FineTunedModel;
import dev.graft.model.HeadConfig;
import dev.graft.task.ClassificationBatch;
import dev.graft.task.ClassificationData;
import dev.graft.task.ClassificationTask;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * A fine-tuned single-label text classifier: {@link #predict(String)}, batched {@link #predict(List)}
 * and {@link #evaluate}. Predictions are those of {@code graft predict} (the same encoding, the same
 * batch-independent forward pass); a text longer than the model takes is cut to it.
 */
public final class Classifier extends LoadedModel<ClassificationExample, ClassificationBatch, ClassificationTask>
        implements Model {

    private Classifier(FineTunedModel model, DataSources sources) {
        super(model, sources, ClassificationTask.HEAD,
                new ClassificationTask(model.classifier(), model.head(), null, 1, null).frozen());
    }

    /** Wraps a loaded single-label classifier ({@link dev.graft.Graft#load} calls this). */
    public static Classifier of(FineTunedModel model, DataSources sources) {
        return new Classifier(require(model, model.classifier(), HeadConfig.Task.CLASSIFY, "a single-label classifier"),
                sources);
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
        return (ClassificationMetrics) score(data);
    }
}
