package dev.graft.model;

import dev.graft.nn.Dropout;
import dev.graft.nn.ParameterSet;

import java.util.List;

/**
 * A backbone with something on top that a task trains ({@link LanguageModel}, a {@link HeadModel}): what
 * training, saving and freezing need to know of it, whatever it computes.
 */
public interface TrainableModel {
    ModelConfig config();

    Backbone backbone();

    /** The backbone's parameters, then the head's, in one slab. */
    ParameterSet parameterSet();

    /** Every dropout layer, in a stable order. */
    List<Dropout> dropouts();

    /** Dropout on (training) or off (evaluation). */
    default void setTraining(boolean training) {
        for (Dropout d : dropouts()) {
            d.setTraining(training);
        }
    }
}
