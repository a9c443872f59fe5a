package dev.graft.model;

import dev.graft.nn.Dropout;
import dev.graft.nn.Parameter;
import dev.graft.nn.ParameterSet;

import java.util.List;

/**
 * A backbone with a task head on top ({@link SequenceClassifier}, {@link TokenTagger}): what training,
 * saving and freezing need to know of it, whatever the head computes.
 */
public interface HeadModel {
    ModelConfig config();

    Backbone backbone();

    /** The backbone's parameters, then the head's, in one slab. */
    ParameterSet parameterSet();

    /** The head's parameters, in order. */
    List<Parameter> headParameters();

    /** The backbone's dropouts, then the head's. */
    List<Dropout> dropouts();

    /** Dropout on (training) or off (evaluation). */
    default void setTraining(boolean training) {
        for (Dropout d : dropouts()) {
            d.setTraining(training);
        }
    }
}
