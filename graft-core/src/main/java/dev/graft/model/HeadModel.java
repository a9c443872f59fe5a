package dev.graft.model;

import dev.graft.nn.Parameter;

import java.util.List;

/** A backbone with a task head on top ({@link SequenceClassifier}, {@link TokenTagger}). */
public interface HeadModel extends TrainableModel {
    /** The head's parameters, in order. */
    List<Parameter> headParameters();
}
