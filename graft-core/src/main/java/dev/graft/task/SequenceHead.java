package dev.graft.task;

import dev.graft.data.DatasetDefinition;
import dev.graft.model.Backbone;
import dev.graft.model.Checkpoint;
import dev.graft.model.HeadConfig;
import dev.graft.model.HeadModel;
import dev.graft.model.SequenceClassifier;
import dev.graft.nn.Compute;

import java.util.List;

/**
 * A head whose model part is a {@link SequenceClassifier} (the configuration's pooling, one output per label):
 * single-label, sentence-pair and multi-label classification. They differ in their data, their loss and their
 * decision, which their task class holds; this holds what names the task and makes it.
 *
 * @param <E> the labeled example type
 * @param <B> the batch type
 */
abstract class SequenceHead<E, B> extends NamedHead<E, B> {
    /** A sequence head's task class's constructor ({@code ClassificationTask::new}), taking its encoded data type. */
    @FunctionalInterface
    interface TaskMaker<E, B, D> {
        HeadTask<E, B> make(SequenceClassifier model, HeadConfig config, D dev, int evalBatchSize,
                            Checkpoint.Extras modelExtras);
    }

    private final TaskMaker<E, B, Encoded<B>> maker;

    /**
     * @param dataType the encoded data the task class takes ({@link #encode} returns it)
     * @param maker    the task class's constructor
     */
    <D extends Encoded<B>> SequenceHead(HeadConfig.Task task, DatasetDefinition.SetKind registryKind,
                                        RegistryReader<E> registryReader, Class<D> dataType, TaskMaker<E, B, D> maker) {
        super(task, registryKind, registryReader);
        this.maker = (model, config, dev, evalBatchSize, extras) -> maker.make(model, config, dataType.cast(dev),
                evalBatchSize, extras);
    }

    /** A sequence classifier with the configuration's pooling (pooler, normalization) and one output per label. */
    @Override
    public HeadModel newModel(Compute compute, Backbone backbone, HeadConfig config, long seed) {
        return new SequenceClassifier(compute, backbone, config, seed);
    }

    @Override
    public HeadTask<E, B> task(HeadModel model, HeadConfig config, List<E> devGold, Encoded<B> dev,
                               int evalBatchSize, Checkpoint.Extras modelExtras) {
        return maker.make((SequenceClassifier) model, config, dev, evalBatchSize, modelExtras);
    }
}
