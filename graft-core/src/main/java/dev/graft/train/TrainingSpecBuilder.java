package dev.graft.train;

import dev.graft.model.ModelOverrides;

import java.util.function.UnaryOperator;

/**
 * What the builders of the training specs share: the model's overrides, the optimizer, the monitoring
 * intervals and the run options, each set whole or changed from its current value
 * ({@code .run(r -> r.withSteps(100))}). {@code B} is the concrete builder, returned by every setter.
 */
public abstract class TrainingSpecBuilder<B extends TrainingSpecBuilder<B>> extends OptimizingSpecBuilder<B> {
    protected ModelOverrides model = ModelOverrides.NONE;
    protected Monitoring monitoring;

    protected TrainingSpecBuilder(OptimizerSpec optimizer, Monitoring monitoring, RunOptions run) {
        super(optimizer, run);
        this.monitoring = monitoring;
    }

    public B model(ModelOverrides v) { model = v; return self(); }
    public B model(UnaryOperator<ModelOverrides> change) { model = change.apply(model); return self(); }
    public B optimizer(OptimizerSpec v) { optimizer = v; return self(); }
    public B monitoring(Monitoring v) { monitoring = v; return self(); }
    public B monitoring(UnaryOperator<Monitoring> change) { monitoring = change.apply(monitoring); return self(); }
}
