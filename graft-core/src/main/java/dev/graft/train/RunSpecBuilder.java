package dev.graft.train;

import java.util.function.UnaryOperator;

/**
 * What every spec builder with {@link RunOptions} shares: the run options, set whole or changed from their
 * current value ({@code .run(r -> r.withSeed(7))}). {@code B} is the concrete builder, returned by every setter.
 * {@link OptimizingSpecBuilder} adds the optimizer, {@link TrainingSpecBuilder} the model and the monitoring.
 */
public abstract class RunSpecBuilder<B extends RunSpecBuilder<B>> {
    protected RunOptions run;

    protected RunSpecBuilder(RunOptions run) {
        this.run = run;
    }

    /** This builder as its concrete type, for the setters to return. */
    @SuppressWarnings("unchecked")
    protected final B self() {
        return (B) this;
    }

    public B run(RunOptions v) { run = v; return self(); }
    public B run(UnaryOperator<RunOptions> change) { run = change.apply(run); return self(); }
}
