package dev.graft.spark.pretrain;

import dev.graft.SpecException;

/**
 * The distributed part of a DiLoCo run (Douillard et al. 2023, "DiLoCo: Distributed Low-Communication Training of
 * Language Models", arXiv:2311.08105): K workers each take H inner AdamW steps on their own shard from the round's
 * parameters; the driver averages their deltas (the "outer gradient") and takes one outer step of SGD with Nesterov
 * momentum (the paper's lr 0.7, momentum 0.9).
 *
 * @param workers         K, the workers (one Spark task each per round)
 * @param innerSteps      H, inner steps per round
 * @param outerLr         the outer learning rate (0.7 in the paper; 1 with momentum 0 makes the outer step take
 *                        the average of the workers' parameters)
 * @param outerMomentum   the outer momentum (0.9 in the paper)
 * @param nesterov        Nesterov momentum (the paper's), else heavy-ball
 * @param stopAfterRounds end this job after this many rounds (0: run to the end); a later {@code resume}
 *                        continues the same run
 */
public record DilocoSettings(int workers, int innerSteps, double outerLr, double outerMomentum, boolean nesterov,
                             int stopAfterRounds) {
    public DilocoSettings {
        if (workers < 1) {
            throw new SpecException("workers", "workers must be at least 1, got " + workers);
        }
        if (innerSteps < 1) {
            throw new SpecException("innerSteps", "innerSteps must be at least 1, got " + innerSteps);
        }
        if (!(outerLr > 0)) {
            throw new SpecException("outerLr", "outerLr must be > 0, got " + outerLr);
        }
        if (!(outerMomentum >= 0 && outerMomentum < 1)) {
            throw new SpecException("outerMomentum", "outerMomentum must be in [0, 1), got " + outerMomentum);
        }
        if (stopAfterRounds < 0) {
            throw new SpecException("stopAfterRounds", "stopAfterRounds must be >= 0, got " + stopAfterRounds);
        }
    }

    /** The paper's outer optimizer: lr 0.7, Nesterov momentum 0.9. */
    public static DilocoSettings paper(int workers, int innerSteps) {
        return new DilocoSettings(workers, innerSteps, 0.7, 0.9, true, 0);
    }
}
