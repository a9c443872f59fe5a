package dev.graft.task;

import dev.graft.model.HeadConfig;

/** Every task head, by the task it does. */
public final class Heads {
    private Heads() {
    }

    /** The head of {@code task}. */
    public static Head<?, ?> of(HeadConfig.Task task) {
        return switch (task) {
            case CLASSIFY -> ClassificationTask.HEAD;
            case TAG -> TaggingTask.HEAD;
            case MULTI_LABEL -> MultiLabelTask.HEAD;
            case PAIR -> PairTask.HEAD;
        };
    }
}
