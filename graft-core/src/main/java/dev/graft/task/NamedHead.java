package dev.graft.task;

import dev.graft.data.Dataset;
import dev.graft.data.DatasetDefinition;
import dev.graft.data.ResolvedSet;
import dev.graft.data.Split;
import dev.graft.model.HeadConfig;

import java.io.IOException;

/**
 * What a head is named and which registry sets it reads, given as data: its task and, for a head that trains on
 * registry sets, their kind and the {@link ResolvedSet} method that reads a split of one. The heads extend this
 * rather than each override {@link #registryKind()} and {@link #fromRegistry}.
 *
 * @param <E> the labeled example type
 * @param <B> the batch type
 */
abstract class NamedHead<E, B> implements Head<E, B> {
    /** Reads a split of a registry set: {@code ResolvedSet::classification}, {@code ResolvedSet::tagging}. */
    @FunctionalInterface
    interface RegistryReader<E> {
        Dataset<E> read(ResolvedSet set, Split split) throws IOException;
    }

    private final HeadConfig.Task task;
    private final DatasetDefinition.SetKind registryKind;
    private final RegistryReader<E> registryReader;

    /**
     * @param registryKind   the registry's set kind the head trains on, or null when it reads files only
     * @param registryReader how a split of such a set is read (null with a null kind)
     */
    NamedHead(HeadConfig.Task task, DatasetDefinition.SetKind registryKind, RegistryReader<E> registryReader) {
        if ((registryKind == null) != (registryReader == null)) {
            throw new IllegalArgumentException("a registry kind goes with a reader of its sets");
        }
        this.task = task;
        this.registryKind = registryKind;
        this.registryReader = registryReader;
    }

    @Override
    public HeadConfig.Task task() {
        return task;
    }

    @Override
    public DatasetDefinition.SetKind registryKind() {
        return registryKind;
    }

    @Override
    public Dataset<E> fromRegistry(ResolvedSet set, Split split) throws IOException {
        return registryReader == null ? Head.super.fromRegistry(set, split) : registryReader.read(set, split);
    }
}
