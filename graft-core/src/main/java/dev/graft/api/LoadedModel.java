package dev.graft.api;

import dev.graft.data.BadInput;
import dev.graft.data.Dataset;
import dev.graft.data.LabelSet;
import dev.graft.eval.HeadMetrics;
import dev.graft.finetune.DataSources;
import dev.graft.finetune.FineTunedModel;
import dev.graft.model.HeadConfig;
import dev.graft.task.Head;
import dev.graft.task.HeadTask;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * What a {@link Classifier} and a {@link Tagger} share: the loaded model, its folder and labels, the check that
 * a folder holds the right kind of model, and scoring a labeled set through the head's task.
 *
 * @param <E> the head's example type
 * @param <B> the head's batch type
 * @param <T> the head's task, which predicts and scores
 */
abstract class LoadedModel<E, B, T extends HeadTask<E, B>> {
    /** Texts per forward pass: {@code graft predict}'s default. */
    static final int BATCH_SIZE = 32;

    final FineTunedModel model;
    final DataSources sources;
    private final Head<E, B> head;
    final T task;

    LoadedModel(FineTunedModel model, DataSources sources, Head<E, B> head, T task) {
        this.model = model;
        this.sources = sources;
        this.head = head;
        this.task = task;
    }

    /**
     * {@code model}, when it is of {@code task} with its model part ({@code part}) loaded; otherwise an error
     * naming the folder, what it holds and {@code what} it is not.
     */
    static FineTunedModel require(FineTunedModel model, Object part, HeadConfig.Task task, String what) {
        if (part == null || model.head().task() != task) {
            throw new IllegalArgumentException(model.folder() + " is " + model.head().task().describe()
                    + ", not " + what);
        }
        return model;
    }

    /** The model's folder. */
    public Path folder() {
        return model.folder();
    }

    /** Its labels (classes or tags), index = the id the model outputs. */
    public List<String> labels() {
        return model.head().labels();
    }

    /** Scores the model on {@code data}'s main part, whose labels must be among the model's. */
    final HeadMetrics score(LabeledData<?> data) throws IOException {
        if (data.hasExtraParts()) {
            throw new IllegalArgumentException("evaluate scores one set, but this data also has a dev or test part: "
                    + "pass data.test() (or data.dev()) to score that part");
        }
        LabelSet known = LabelSet.ordered(labels());
        Dataset<E> d = data.readMain(head, sources, known, BadInput.strict());
        var encoded = head.encode(model.tokenizer(), d.examples(), known, model.head().maxLength(), model.padId());
        return task.score(d.examples(), encoded, encoded.batches(BATCH_SIZE)).metrics();
    }
}
