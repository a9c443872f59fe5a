package dev.graft.experiment;

import dev.graft.SpecException;

import java.util.List;
import java.util.Map;

/**
 * How an experiment fine-tunes each neural cell on its few labels: an {@link ExperimentSpec}'s {@code protocol}
 * component; immutable, validated here (errors name {@code protocol.folds} and so on).
 *
 * @param folds         every neural cell chooses its learning rate (among its strategy's
 *                      {@link #learningRates(Strategy)}) and its length by k-fold cross-validation inside its
 *                      labeled subset, then trains on all of it ({@link dev.graft.finetune.CrossValidation}); 0 for
 *                      a dev carve and early stopping instead
 * @param learningRates candidate learning rates per strategy id (an experiment.json's {@code lr_grid}), overriding
 *                      {@link Strategy#defaultRates()}
 * @param maxEpochs     cap on fine-tuning epochs per cell, the same for every strategy (0: fine-tuning's
 *                      automatic epochs, about 1,000 updates, 2 to 20 epochs)
 * @param devFraction   share of each labeled subset held out for early stopping (with {@code folds} 0 only)
 */
public record Protocol(int folds, Map<String, List<Float>> learningRates, double maxEpochs, double devFraction) {
    /** {@code graft experiment}'s protocol: 3 folds, each strategy's own grid, automatic epochs, a 10% dev carve. */
    public static final Protocol DEFAULT = new Protocol(3, Map.of(), 0, 0.1);

    public Protocol {
        if (folds == 1 || folds < 0) {
            throw new SpecException("protocol.folds", "protocol.folds must be 0 (a dev carve and early stopping) or "
                    + "at least 2, got " + folds);
        }
        if (!(maxEpochs >= 0)) {
            throw new SpecException("protocol.maxEpochs", "protocol.maxEpochs must be >= 0 (0: automatic), got "
                    + maxEpochs);
        }
        if (!(devFraction > 0 && devFraction < 0.5)) {
            throw new SpecException("protocol.devFraction", "protocol.devFraction (dev_fraction in an "
                    + "experiment.json) must be in (0, 0.5), got " + devFraction);
        }
        learningRates = learningRates == null ? Map.of() : Map.copyOf(learningRates);
        for (Map.Entry<String, List<Float>> grid : learningRates.entrySet()) {
            Strategy.parse(grid.getKey());
            if (grid.getValue().isEmpty() || grid.getValue().stream().anyMatch(r -> !(r > 0))) {
                throw new SpecException("protocol.learningRates", "protocol.learningRates of " + grid.getKey()
                        + " must be rates > 0, got " + grid.getValue());
            }
            if (grid.getValue().size() > 1 && folds == 0) {
                throw new SpecException(List.of("protocol.learningRates", "protocol.folds"), "protocol.learningRates: "
                        + "several rates for " + grid.getKey() + " need protocol.folds >= 2 to choose between them");
            }
        }
    }

    /** The candidate learning rates of a strategy's fine-tuning: the grid given, else the strategy's default. */
    public List<Float> learningRates(Strategy strategy) {
        List<Float> g = learningRates.get(strategy.id());
        return g != null ? g : strategy.defaultRates();
    }
}
