package dev.graft.task;

import dev.graft.data.BadInput;
import dev.graft.data.Dataset;
import dev.graft.data.DatasetDefinition;
import dev.graft.data.LabelSet;
import dev.graft.data.ResolvedSet;
import dev.graft.data.Split;
import dev.graft.model.Backbone;
import dev.graft.model.Checkpoint;
import dev.graft.model.HeadConfig;
import dev.graft.model.HeadModel;
import dev.graft.nn.Compute;
import dev.graft.tokenizer.Tokenizer;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;

/**
 * One kind of task head, everything fine-tuning, evaluation and prediction need to know about it: how
 * its labeled examples are read (files, registry sets) and encoded into batches, the model part it puts
 * on the backbone, and the {@link HeadTask} that holds its loss, its evaluation into a typed metrics
 * record and its saving. Its configuration and labels are (de)serialized by {@link HeadConfig}. The
 * heads are listed in {@link Heads}; adding one is one new class and one line there.
 *
 * @param <E> the labeled example type
 * @param <B> the batch type
 */
public interface Head<E, B> {

    /** The task this head does (its config.json {@code graft_task}). */
    HeadConfig.Task task();

    /**
     * Where a labeled file's fields are: the text, the label (or labels), the second text of a pair.
     *
     * @param label null for the head's own default ({@code label}; {@code labels} for multi-label)
     */
    record Columns(String text, String label, String textPair) {
        public static Columns defaults() {
            return new Columns("text", null, "text_pair");
        }
    }

    // ------------------------------------------------------------------------------ data

    /** The registry's set kind this head trains on, or null (the default) when it reads files only. */
    default DatasetDefinition.SetKind registryKind() {
        return null;
    }

    /** A split of a registry set of {@link #registryKind()}; a head that reads files only is never asked. */
    default Dataset<E> fromRegistry(ResolvedSet set, Split split) throws IOException {
        throw new IllegalArgumentException("no registry dataset holds " + task().id() + " data; give a file");
    }

    /** A labeled file; with {@code known} (evaluation data) a label outside it is bad input. */
    Dataset<E> readFile(Path file, Columns columns, LabelSet known, BadInput bad) throws IOException;

    /** The labels a training set uses, index = id (sorted by default). */
    default LabelSet labels(Dataset<E> train) {
        return train.labelSet();
    }

    /** The word for one of its labels in messages: "label" or "tag". */
    default String labelWord() {
        return "label";
    }

    /** The model in messages: "a classifier" or "a tagger". */
    default String modelWord() {
        return "a classifier";
    }

    /** The batch size when none is given. */
    default int defaultBatchSize() {
        return 16;
    }

    /**
     * The peak rate of full fine-tuning (recipe {@code full}) when none is given: 1e-4, small BERTs'
     * rate for sentence tasks (Turc et al. 2019 searched 1e-4, 5e-5, 3e-5).
     */
    default float defaultLearningRate() {
        return 1e-4f;
    }

    /**
     * Encodes examples (cut or windowed to {@code maxLength} tokens).
     *
     * @param labels the label set, index = id
     */
    Encoded<B> encode(Tokenizer tokenizer, List<E> examples, LabelSet labels, int maxLength, int padId);

    /** Logs the sizes of the encoded sets and what encoding cut (test may be null). */
    void describeData(PrintStream log, LabelSet labels, int maxLength, Encoded<B> train, Encoded<B> dev,
                      Encoded<B> test);

    // ------------------------------------------------------------------------------ model

    /** The model part on top of {@code backbone} (whose parameters move into it), freshly initialized. */
    HeadModel newModel(Compute compute, Backbone backbone, HeadConfig config, long seed);

    /**
     * The trainable task of {@code model}: its loss, evaluation and saving.
     *
     * @param devGold     the dev examples, or null for none
     * @param dev         the dev examples encoded, or null for none
     * @param modelExtras writes files that belong with the model (tokenizer.json), may be null
     */
    HeadTask<E, B> task(HeadModel model, HeadConfig config, List<E> devGold, Encoded<B> dev, int evalBatchSize,
                        Checkpoint.Extras modelExtras);

    /** The task of a loaded model, for evaluation and prediction. */
    default HeadTask<E, B> task(HeadModel model, HeadConfig config) {
        return task(model, config, null, null, 64, null);
    }
}
