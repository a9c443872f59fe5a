package dev.graft.task;

import dev.graft.model.LanguageModel;
import dev.graft.model.TokenBatch;
import dev.graft.nn.Compute;
import dev.graft.nn.Parameter;
import dev.graft.nn.ParameterSet;
import dev.graft.train.ForwardingTrainable;
import dev.graft.train.BatchStream;
import dev.graft.train.Trainable;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Multitask training (Caruana 1997; as in T5's multi-task mixtures, Raffel et al. 2020, section
 * 3.5): one body, a task head and a language-modeling head (MLM for encoders, CLM for decoders),
 * minimizing task loss + λ·LM loss. Each update holds one task batch and the LM batches the mixing
 * ratio assigns to it ({@link #mix}: r LM batches per task batch on average, spread evenly); the LM
 * loss is the mean over its predicted positions. Both losses are reported as step parts "task" and
 * "lm". The saved model is the task model (body and task head); the LM head is a training aid.
 */
public final class MultitaskTask<B> extends ForwardingTrainable<MultitaskBatch<B>> {
    private final Compute compute;
    private final Trainable<B> task;
    private final LanguageModel lm;
    private final float lmWeight;
    private final List<TokenBatch> lmValidation;
    private final ParameterSet parameters;

    /**
     * @param task         the task (its model's body must be {@code lm}'s backbone)
     * @param lm           an LM head on the same backbone ({@link LanguageModel#LanguageModel(Compute, dev.graft.model.Backbone, long)})
     * @param lmWeight     λ, the weight of the LM loss
     * @param lmValidation held-out LM batches reported as lm_val_loss, may be empty
     */
    public MultitaskTask(Compute compute, Trainable<B> task, LanguageModel lm, float lmWeight,
                         List<TokenBatch> lmValidation) {
        super(task);
        if (!(lmWeight >= 0) || Float.isInfinite(lmWeight)) {
            throw new IllegalArgumentException("the LM loss weight must be finite and >= 0, got " + lmWeight);
        }
        this.compute = compute;
        this.task = task;
        this.lm = lm;
        this.lmWeight = lmWeight;
        this.lmValidation = List.copyOf(lmValidation);
        List<Parameter> all = new ArrayList<>(task.parameters().list());
        all.addAll(lm.parameters());
        // built last: every parameter (shared body, both heads) now lives in this set's slab
        this.parameters = new ParameterSet(all);
    }

    /** The LM head's parameters in a checkpoint's training state. */
    static final String LM_HEAD_FILE = "lm-head.safetensors";

    public Trainable<B> task() {
        return task;
    }

    @Override
    public ParameterSet parameters() {
        return parameters;
    }

    @Override
    public void setTraining(boolean training) {
        task.setTraining(training);
        lm.setTraining(training);
    }

    /** The task model and the LM share one backbone: freezing a group freezes it for both losses. */
    @Override
    public void skipBackwardBelow(int group) {
        task.skipBackwardBelow(group);
        lm.backbone().setBackwardFloor(group);
    }

    @Override
    public StepResult trainStep(List<MultitaskBatch<B>> microBatches) {
        List<TokenBatch> lmBatches = new ArrayList<>();
        List<B> taskBatches = new ArrayList<>();
        for (MultitaskBatch<B> m : microBatches) {
            taskBatches.add(m.task());
            lmBatches.addAll(m.lm());
        }
        double lmLoss = Double.NaN;
        long tokens = 0;
        if (!lmBatches.isEmpty() && lmWeight > 0) {
            int total = 0;
            for (TokenBatch b : lmBatches) {
                total += LanguageModel.countTargets(b);
            }
            double sum = 0;
            for (TokenBatch b : lmBatches) {
                float mean = lm.forward(b, true, total);
                sum += (double) mean * lm.lastTargetCount();
                tokens += b.realTokens();
            }
            lmLoss = total == 0 ? 0 : sum / total;
            // the gradients so far are the LM's alone (the trainer zeroed them): weight them by λ
            compute.kernels().scale(parameters.count(), lmWeight, parameters.grads(), 0);
        }
        StepResult r = task.trainStep(taskBatches);
        Map<String, Double> parts = new LinkedHashMap<>();
        parts.put("task", r.loss());
        double loss = r.loss();
        if (!Double.isNaN(lmLoss)) {
            parts.put("lm", lmLoss);
            loss += lmWeight * lmLoss;
        }
        return new StepResult(loss, r.tokens() + tokens, parts);
    }

    @Override
    public Map<String, Double> evaluate() {
        Map<String, Double> m = new LinkedHashMap<>(task.evaluate());
        if (!lmValidation.isEmpty()) {
            m.put("lm_val_loss", LanguageModelingTask.validate(lm, lmValidation).loss());
        }
        return m;
    }

    /** The parameters the saved model leaves out: the LM head's. */
    private List<Parameter> lmOnly() {
        java.util.Set<Parameter> saved = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        saved.addAll(task.savedParameters().list());
        return parameters.list().stream().filter(p -> !saved.contains(p)).toList();
    }

    /** The task's state, and the LM head's parameters in {@code lm-head.safetensors}. */
    @Override
    public void saveTrainingState(Path trainingState) throws IOException {
        task.saveTrainingState(trainingState);
        java.util.Map<String, dev.graft.tensor.Tensor> tensors = new java.util.LinkedHashMap<>();
        for (Parameter p : lmOnly()) {
            tensors.put(p.name(), p.value());
        }
        dev.graft.model.SafeTensors.write(trainingState.resolve(LM_HEAD_FILE), tensors, java.util.Map.of());
    }

    @Override
    public void restoreTrainingState(Path trainingState) throws IOException {
        task.restoreTrainingState(trainingState);
        Path file = trainingState.resolve(LM_HEAD_FILE);
        java.util.Map<String, dev.graft.model.SafeTensors.Entry> saved = dev.graft.model.SafeTensors.read(file);
        for (Parameter p : lmOnly()) {
            dev.graft.model.SafeTensors.Entry e = saved.get(p.name());
            if (e == null || e.size() != p.size()) {
                throw new IOException(file + ": " + p.name() + " is missing or has the wrong size; the checkpoint "
                        + "was written by a different model");
            }
            p.value().copyFrom(e.floats());
        }
    }

    /**
     * The multitask stream: the task's batches, each with floor((p+1)·mix) - floor(p·mix) LM batches
     * at task position p, so a ratio of 0.5 adds an LM batch to every second update and 2 adds two to
     * each. Its position is the task stream's; the LM stream's follows from it (resumable).
     */
    public static <B> BatchStream<MultitaskBatch<B>> mix(BatchStream<B> taskStream, BatchStream<TokenBatch> lmStream,
                                                        double mix) {
        if (!(mix >= 0) || Double.isInfinite(mix)) {
            throw new IllegalArgumentException("the mixing ratio must be finite and >= 0, got " + mix);
        }
        return new BatchStream<>() {
            @Override
            public MultitaskBatch<B> next() {
                long p = taskStream.position();
                long count = (long) Math.floor((p + 1) * mix) - (long) Math.floor(p * mix);
                List<TokenBatch> lms = new ArrayList<>();
                for (long i = 0; i < count; i++) {
                    lms.add(lmStream.next());
                }
                return new MultitaskBatch<>(taskStream.next(), lms);
            }

            @Override
            public long position() {
                return taskStream.position();
            }

            @Override
            public void seek(long position) {
                taskStream.seek(position);
                lmStream.seek((long) Math.floor(position * mix));
            }

            @Override
            public long batchesPerEpoch() {
                return taskStream.batchesPerEpoch();
            }
        };
    }
}
