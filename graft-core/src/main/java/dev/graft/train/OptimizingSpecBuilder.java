package dev.graft.train;

import java.util.function.UnaryOperator;

/**
 * A {@link RunSpecBuilder} that also holds an {@link OptimizerSpec}, changed from its current value
 * ({@code .optimizer(o -> o.withWarmup(0.1))}). Setting the optimizer whole is {@link TrainingSpecBuilder}'s:
 * fine-tuning's builder derives the rate and schedule from its recipe, so it offers the change alone.
 */
public abstract class OptimizingSpecBuilder<B extends OptimizingSpecBuilder<B>> extends RunSpecBuilder<B> {
    protected OptimizerSpec optimizer;

    protected OptimizingSpecBuilder(OptimizerSpec optimizer, RunOptions run) {
        super(run);
        this.optimizer = optimizer;
    }

    public B optimizer(UnaryOperator<OptimizerSpec> change) { optimizer = change.apply(optimizer); return self(); }
}
