package dev.graft.pretrain;

import dev.graft.SpecIOException;
import dev.graft.model.AtomicFiles;
import dev.graft.model.Checkpoint;
import dev.graft.model.ElectraModel;
import dev.graft.model.HfConfig;
import dev.graft.model.SafeTensors;
import dev.graft.model.TokenBatch;
import dev.graft.nn.Parameter;
import dev.graft.nn.ParameterSet;
import dev.graft.task.ModelTask;
import dev.graft.tensor.Tensor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * ELECTRA pretraining ({@link ElectraModel}) as something the trainer runs. The batches are MLM-masked
 * (the masking of {@code graft pretrain}'s MLM); the loss of an update is the generator's mean MLM loss
 * over its masked positions plus {@code weight} (λ, 50 in the paper) times the discriminator's mean
 * binary cross-entropy over its real tokens, both averaged over all the update's micro-batches.
 *
 * <p>The samples of an update are seeded by (seed, update, micro-batch), so a resumed run draws the same
 * ones. What is saved as the model is the discriminator, as transformers' ElectraForPreTraining (model_type
 * electra, {@code electra.*} names) that {@code graft finetune --from} reads, with the generator as an
 * ElectraForMaskedLM folder inside it ({@link #GENERATOR_FOLDER}); for resume, the generator's own parameters
 * also go into each checkpoint's {@code training_state/generator.safetensors} (graft's names, as before).
 *
 * <p>Validation: {@code val_loss}, {@code val_perplexity} and {@code val_masked_accuracy} are the generator's
 * masked LM (so they compare with MLM runs only loosely: the generator is smaller), {@code val_unigram_*}
 * the word-frequency baseline of the same targets; {@code val_discriminator_loss} and
 * {@code val_discriminator_accuracy} score the discriminator on the validation batches with samples drawn
 * from a fixed seed, and {@code val_replaced_fraction} says how many tokens the generator changed (the
 * accuracy of always answering "original").
 */
public final class ElectraTask extends ModelTask<TokenBatch> {
    /** The generator's parameters in a checkpoint's training state. */
    static final String GENERATOR_FILE = "generator.safetensors";
    /** The generator as an ElectraForMaskedLM folder inside every saved model folder. */
    public static final String GENERATOR_FOLDER = "generator";

    private final ElectraModel model;
    private final List<TokenBatch> validation;
    private final float weight;
    private final long seed;
    private final Checkpoint.Extras modelExtras;
    private long step;
    private double[] unigram;

    /**
     * @param validation  fixed held-out masked batches, may be empty
     * @param weight      λ, the discriminator loss's weight
     * @param seed        seeds the sampling
     * @param modelExtras writes files that belong with the model (tokenizer.json), may be null
     */
    public ElectraTask(ElectraModel model, List<TokenBatch> validation, float weight, long seed,
                       Checkpoint.Extras modelExtras) {
        super(model, modelExtras);
        if (!(weight > 0)) {
            throw new IllegalArgumentException("the discriminator loss weight must be > 0, got " + weight);
        }
        this.model = model;
        this.validation = List.copyOf(validation);
        this.weight = weight;
        this.seed = seed;
        this.modelExtras = modelExtras;
    }

    /** The discriminator folder, with the generator's folder inside it ({@link #GENERATOR_FOLDER}). */
    @Override
    public void saveModel(Path folder, Checkpoint.Extras extras) throws IOException {
        super.saveModel(folder, staged -> {
            writeGenerator(staged.resolve(GENERATOR_FOLDER));
            if (extras != null) {
                extras.writeInto(staged);
            }
        });
    }

    @Override
    public void writeModelFiles(Path folder) throws IOException {
        super.writeModelFiles(folder);
        AtomicFiles.writeDirectory(folder.resolve(GENERATOR_FOLDER), this::writeGenerator);
    }

    /**
     * The generator as transformers' ElectraForMaskedLM ({@link ElectraModel#generatorTensors}): config.json,
     * model.safetensors and the model's extras (tokenizer.json), so {@code graft lm-finetune --from RUN/generator}
     * continues the masked LM and Hugging Face's loader reads it.
     */
    private void writeGenerator(Path dir) throws IOException {
        Files.createDirectories(dir);
        HfConfig.write(dir.resolve(Checkpoint.CONFIG), model.generatorFolderConfig(), "ElectraForMaskedLM");
        SafeTensors.write(dir.resolve(Checkpoint.WEIGHTS), model.generatorTensors(), Map.of("format", "pt"));
        if (modelExtras != null) {
            modelExtras.writeInto(dir);
        }
    }

    @Override
    public ElectraModel model() {
        return model;
    }

    @Override
    public String architectureName() {
        return "ElectraForPreTraining";
    }

    /** Discriminator and generator: what the optimizer updates. */
    @Override
    public ParameterSet parameters() {
        return model.allParameters();
    }

    /** The discriminator: what the model files and a checkpoint's weights hold. */
    @Override
    public ParameterSet savedParameters() {
        return model.parameterSet();
    }

    @Override
    public void beforeStep(long step) {
        this.step = step;
    }

    /** The seed of the samples of micro-batch {@code micro} of update {@code step}. */
    static long sampleSeed(long seed, long step, int micro) {
        return seed * 0x2545F4914F6CDD1DL + step * 1_000_003L + micro;
    }

    @Override
    public StepResult trainStep(List<TokenBatch> microBatches) {
        int masked = 0;
        int tokens = 0;
        for (TokenBatch b : microBatches) {
            masked += ElectraModel.countMasked(b);
            tokens += ElectraModel.countTokens(b);
        }
        double gen = 0;
        double disc = 0;
        for (int i = 0; i < microBatches.size(); i++) {
            TokenBatch b = microBatches.get(i);
            ElectraModel.Losses l = model.forward(b, null, sampleSeed(seed, step, i), true,
                    1f / Math.max(1, masked), weight / Math.max(1, tokens));
            gen += l.generatorLoss() * l.masked();
            disc += l.discriminatorLoss() * l.tokens();
        }
        double genMean = masked == 0 ? 0 : gen / masked;
        double discMean = tokens == 0 ? 0 : disc / tokens;
        Map<String, Double> parts = new LinkedHashMap<>();
        parts.put("generator", genMean);
        parts.put("discriminator", discMean);
        return new StepResult(genMean + weight * discMean, tokens, parts);
    }

    @Override
    public Map<String, Double> evaluate() {
        if (validation.isEmpty()) {
            return Map.of();
        }
        double gen = 0;
        double disc = 0;
        long masked = 0;
        long tokens = 0;
        long genCorrect = 0;
        long discCorrect = 0;
        long replaced = 0;
        for (int i = 0; i < validation.size(); i++) {
            ElectraModel.Losses l = model.forward(validation.get(i), null, sampleSeed(seed ^ 0x5EED, -1, i), false,
                    0f, 0f);
            gen += l.generatorLoss() * l.masked();
            disc += l.discriminatorLoss() * l.tokens();
            masked += l.masked();
            tokens += l.tokens();
            genCorrect += l.generatorCorrect();
            discCorrect += l.discriminatorCorrect();
            replaced += l.replaced();
        }
        Map<String, Double> m = new LinkedHashMap<>();
        double loss = masked == 0 ? Double.NaN : gen / masked;
        m.put("val_loss", loss);
        m.put("val_perplexity", Math.exp(loss));
        m.put("val_masked_accuracy", masked == 0 ? Double.NaN : (double) genCorrect / masked);
        if (unigram == null) {
            unigram = dev.graft.task.LanguageModelingTask.unigram(validation, model.config().vocabSize());
        }
        m.put("val_unigram_loss", unigram[0]);
        m.put("val_unigram_accuracy", unigram[1]);
        m.put("val_discriminator_loss", tokens == 0 ? Double.NaN : disc / tokens);
        m.put("val_discriminator_accuracy", tokens == 0 ? Double.NaN : (double) discCorrect / tokens);
        m.put("val_replaced_fraction", tokens == 0 ? Double.NaN : (double) replaced / tokens);
        return m;
    }

    @Override
    public void saveTrainingState(Path trainingState) throws IOException {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (Parameter p : model.generatorParameters()) {
            tensors.put(p.name(), p.value());
        }
        SafeTensors.write(trainingState.resolve(GENERATOR_FILE), tensors, Map.of());
    }

    @Override
    public void restoreTrainingState(Path trainingState) throws IOException {
        Path file = trainingState.resolve(GENERATOR_FILE);
        if (!Files.exists(file)) {
            throw new IOException(file + " is missing: this checkpoint was not written by an ELECTRA run; resume it "
                    + "with the objective it was started with");
        }
        Map<String, SafeTensors.Entry> saved = SafeTensors.read(file);
        for (Parameter p : model.generatorParameters()) {
            SafeTensors.Entry e = saved.get(p.name());
            if (e == null || e.size() != p.size()) {
                throw new SpecIOException("generatorSize", file + ": " + p.name() + " is missing or has the wrong "
                        + "size; the checkpoint does not belong to this run's generator (generatorSize)");
            }
            p.value().copyFrom(e.floats());
        }
    }
}
