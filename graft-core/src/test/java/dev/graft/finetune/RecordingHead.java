package dev.graft.finetune;

import dev.graft.data.BadInput;
import dev.graft.data.ClassificationExample;
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
import dev.graft.task.ClassificationBatch;
import dev.graft.task.Encoded;
import dev.graft.task.Head;
import dev.graft.task.HeadTask;
import dev.graft.tokenizer.Tokenizer;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

/**
 * The classification head, handing every model it makes to {@code made} and every body it is given (before
 * the model is built on it) to {@code given}, and calling {@code beforeTraining} when a run asks it for the
 * training task, after the model is built (tests of what a run does with its models).
 */
record RecordingHead(Head<ClassificationExample, ClassificationBatch> of, Consumer<HeadModel> made,
                     Consumer<Backbone> given, Runnable beforeTraining)
        implements Head<ClassificationExample, ClassificationBatch> {
    RecordingHead(Head<ClassificationExample, ClassificationBatch> of, Consumer<HeadModel> made) {
        this(of, made, b -> { }, () -> { });
    }

    @Override
    public HeadConfig.Task task() {
        return of.task();
    }

    @Override
    public DatasetDefinition.SetKind registryKind() {
        return of.registryKind();
    }

    @Override
    public Dataset<ClassificationExample> fromRegistry(ResolvedSet set, Split split) throws IOException {
        return of.fromRegistry(set, split);
    }

    @Override
    public Dataset<ClassificationExample> readFile(Path file, Columns columns, LabelSet known, BadInput bad)
            throws IOException {
        return of.readFile(file, columns, known, bad);
    }

    @Override
    public LabelSet labels(Dataset<ClassificationExample> train) {
        return of.labels(train);
    }

    @Override
    public String labelWord() {
        return of.labelWord();
    }

    @Override
    public String modelWord() {
        return of.modelWord();
    }

    @Override
    public int defaultBatchSize() {
        return of.defaultBatchSize();
    }

    @Override
    public Encoded<ClassificationBatch> encode(Tokenizer tokenizer, List<ClassificationExample> examples,
                                               LabelSet labels, int maxLength, int padId) {
        return of.encode(tokenizer, examples, labels, maxLength, padId);
    }

    @Override
    public void describeData(PrintStream log, LabelSet labels, int maxLength, Encoded<ClassificationBatch> train,
                             Encoded<ClassificationBatch> dev, Encoded<ClassificationBatch> test) {
        of.describeData(log, labels, maxLength, train, dev, test);
    }

    @Override
    public HeadModel newModel(Compute compute, Backbone backbone, HeadConfig config, long seed) {
        given.accept(backbone);
        HeadModel m = of.newModel(compute, backbone, config, seed);
        made.accept(m);
        return m;
    }

    @Override
    public HeadTask<ClassificationExample, ClassificationBatch> task(HeadModel model, HeadConfig config,
            List<ClassificationExample> devGold, Encoded<ClassificationBatch> dev, int evalBatchSize,
            Checkpoint.Extras modelExtras) {
        beforeTraining.run();
        return of.task(model, config, devGold, dev, evalBatchSize, modelExtras);
    }

    @Override
    public HeadTask<ClassificationExample, ClassificationBatch> task(HeadModel model, HeadConfig config) {
        return of.task(model, config);
    }
}
