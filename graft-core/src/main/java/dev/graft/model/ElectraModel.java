package dev.graft.model;

import dev.graft.nn.Buffers;
import dev.graft.nn.Compute;
import dev.graft.nn.Dropout;
import dev.graft.nn.Embedding;
import dev.graft.nn.LayerNorm;
import dev.graft.nn.Linear;
import dev.graft.nn.Module;
import dev.graft.nn.Parameter;
import dev.graft.nn.ParameterSet;
import dev.graft.nn.TransformerBlock;
import dev.graft.tensor.Tensor;
import dev.graft.tensor.kernel.Kernels;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * ELECTRA's replaced-token detection (Clark et al. 2020): a small masked-LM generator fills the masked
 * positions with tokens sampled from its own predictions, and the discriminator, a full-size BERT encoder,
 * tells at every real token whether it was replaced. Loss = generator MLM loss + λ · discriminator loss
 * (λ = 50 in the paper); no gradient flows through the sampling.
 *
 * <p>The discriminator is a standard {@link Backbone} (names under {@code bert.} inside graft) with Hugging
 * Face's ElectraDiscriminatorPredictions head ({@code discriminator_predictions.dense}, GELU,
 * {@code discriminator_predictions.dense_prediction} to one logit). Its config is of the ELECTRA family
 * ({@link #config}), so saved it is transformers' ElectraForPreTraining (model_type electra,
 * {@code electra.*} names, {@link HfNames}); fine-tuning reads its body and ignores the head. Its
 * embeddings may be narrower than the model ({@link ModelConfig#embeddingSize}, ELECTRA-Small's 128 for
 * 256), projected to the hidden size by the backbone's {@code embeddings_project}.
 *
 * <p>The generator ({@link #generatorConfig}: the same depth, a fraction of the width) shares the
 * discriminator's token, position and token-type embedding tables (E = embedding size wide), as the
 * paper's tied embeddings. Its own pieces, all named under {@code generator}: an embedding LayerNorm over
 * the summed lookups ({@code generator.embeddings.LayerNorm}, E wide); a projection from E to its width
 * when they differ ({@code generator.embeddings_project}, as ELECTRA's embeddings_project); its blocks
 * ({@code generator.encoder.layer.N}, with a final norm when pre-LN); and Hugging Face's
 * ElectraGeneratorPredictions head ({@code generator_predictions.dense} back to E, GELU,
 * {@code generator_predictions.LayerNorm}), whose logits are the tied token embeddings plus
 * {@code generator_lm_head.bias}. That is transformers' ElectraForMaskedLM with embedding_size E
 * ({@link #generatorTensors}, {@link #generatorFolderConfig}).
 *
 * <p>Sampling: at each masked position the replacement is drawn from softmax(generator logits) by inverse
 * CDF with a uniform from a generator seeded by (seed, row), so it does not depend on the thread count.
 * The discriminator's label is 1 where its input differs from the original token (a sampled token equal
 * to the original counts as original, as in the paper); its loss is binary cross-entropy with logits
 * averaged over the non-padding positions ([CLS] and [SEP] included, as Hugging Face's
 * ElectraForPreTraining).
 */
public final class ElectraModel implements TrainableModel {
    private final ModelConfig config;
    private final ModelConfig generatorConfig;
    private final Compute compute;
    private final Backbone discriminator;
    private final Linear discDense;
    private final Linear discOut;
    private final ParameterSet discriminatorParameters;
    private final LayerNorm genEmbeddingNorm;
    private final Dropout genEmbeddingDropout;
    private final Linear genProject; // null when the widths are equal
    private final List<TransformerBlock> genBlocks = new ArrayList<>();
    private final LayerNorm genFinalNorm; // pre-LN only
    private final Linear genDense;
    private final LayerNorm genHeadNorm;
    private final Parameter genBias;
    private final ParameterSet parameters;
    private final List<Parameter> generatorOnly;

    private int[] positionIds;
    private float[] genEmbedded;
    private float[] genHidden;
    private int[] selected;
    private int selectedCount;
    private float[] gathered;
    private float[] genActivated;
    private float[] genHeadOut;
    private float[] logits;
    private final SelectedRowsLoss rowsLoss = new SelectedRowsLoss();
    private float[] dHeadOut;
    private float[] dTransform;
    private float[] dGenHidden;
    private float[] discActivated;
    private float[] dz;
    private float[] dDiscActivated;
    private TokenBatch lastMasked;

    /**
     * @param config        the discriminator's config (an encoder)
     * @param generatorSize the generator's width as a fraction of the discriminator's, in (0, 1]
     */
    public ElectraModel(Compute compute, ModelConfig config, double generatorSize, long seed) {
        if (!config.isEncoder()) {
            throw new IllegalArgumentException("ELECTRA trains an encoder (bert-*), not a decoder");
        }
        if (config.family() != ModelConfig.Family.BERT && config.family() != ModelConfig.Family.ELECTRA) {
            throw new IllegalArgumentException("ELECTRA pretraining trains a BERT-style encoder (positions from 0, "
                    + "token types), saved as an ELECTRA; this config is a " + config.family().modelType());
        }
        if (config.embeddingSize() > config.hiddenSize()) {
            throw new IllegalArgumentException("ELECTRA's embedding size " + config.embeddingSize() + " is larger "
                    + "than its hidden size " + config.hiddenSize() + ": use an embedding size up to the hidden size");
        }
        // saved as what it is: an ELECTRA (model_type electra, electra.* names, HfNames)
        config = config.withFamily(ModelConfig.Family.ELECTRA, config.embeddingSize());
        this.config = config;
        this.generatorConfig = generatorConfig(config, generatorSize);
        this.compute = compute;
        int c = config.hiddenSize();
        int e = config.embeddingSize();
        int g = generatorConfig.hiddenSize();
        discriminator = new Backbone(compute, config, seed);
        discDense = new Linear(compute, "discriminator_predictions.dense", c, c, Linear.Layout.OUT_IN, true);
        discOut = new Linear(compute, "discriminator_predictions.dense_prediction", c, 1, Linear.Layout.OUT_IN, true);
        List<Parameter> disc = new ArrayList<>(discriminator.parameters());
        disc.addAll(discDense.parameters());
        disc.addAll(discOut.parameters());
        discriminatorParameters = new ParameterSet(disc);

        float eps = config.layerNormEps();
        genEmbeddingNorm = new LayerNorm(compute, "generator.embeddings.LayerNorm", e, eps);
        genEmbeddingDropout = new Dropout(compute, config.hiddenDropout(), seed * 1000 + 5);
        genProject = g == e ? null
                : new Linear(compute, "generator.embeddings_project", e, g, Linear.Layout.OUT_IN, true);
        for (int i = 0; i < generatorConfig.numberOfLayers(); i++) {
            genBlocks.add(new TransformerBlock(compute, "generator.encoder.layer." + i,
                    config.preNorm() ? TransformerBlock.Placement.PRE_LN : TransformerBlock.Placement.POST_LN,
                    TransformerBlock.Naming.BERT, config.linearBias(), g, generatorConfig.numberOfHeads(),
                    generatorConfig.intermediateSize(), false, eps, config.gelu(), config.hiddenDropout(),
                    config.attentionDropout(), seed * 1000 + 500 + i));
        }
        genFinalNorm = config.preNorm() ? new LayerNorm(compute, "generator.encoder.final_LayerNorm", g, eps) : null;
        genDense = new Linear(compute, "generator_predictions.dense", g, e, Linear.Layout.OUT_IN, true);
        genHeadNorm = new LayerNorm(compute, "generator_predictions.LayerNorm", e, eps);
        genBias = new Parameter("generator_lm_head.bias", false, config.vocabSize());

        List<Module> genParts = new ArrayList<>(Arrays.asList(genEmbeddingNorm, genProject));
        genParts.addAll(genBlocks);
        genParts.addAll(Arrays.asList(genFinalNorm, genDense, genHeadNorm));
        List<Parameter> gen = Module.parametersOfPresent(genParts);
        gen.add(genBias);
        generatorOnly = List.copyOf(gen);
        List<Parameter> all = new ArrayList<>(discriminatorParameters.list());
        all.addAll(gen);
        parameters = new ParameterSet(all);
        Initializer.initialize(parameters, config, seed);
    }

    /**
     * The generator's shape for a discriminator {@code d}: the same depth, hidden size round(size · C),
     * heads of the discriminator's head size (at least one, dividing the width), feed-forward
     * round(size · FFN). With bert-mini (256 wide, 4 heads of 64, FFN 1024) and size 1/4: 64 wide, one
     * head, FFN 256, as ELECTRA-Small's generator relative to its discriminator.
     */
    public static ModelConfig generatorConfig(ModelConfig d, double size) {
        if (!(size > 0 && size <= 1)) {
            throw new IllegalArgumentException("the generator size is a fraction of the discriminator's width in "
                    + "(0, 1], got " + size);
        }
        int g = Math.max(1, (int) Math.round(d.hiddenSize() * size));
        int heads = Math.max(1, g / d.headSize());
        while (g % heads != 0) {
            heads--;
        }
        int ffn = Math.max(1, (int) Math.round(d.intermediateSize() * size));
        return new ModelConfig(d.architecture(), d.vocabSize(), g, d.numberOfLayers(), heads, ffn, d.maxPositions(),
                d.typeVocabSize(), d.layerNormEps(), d.hiddenDropout(), d.attentionDropout(), d.gelu(),
                d.initializerRange(), d.padTokenId(), d.preNorm(), d.linearBias());
    }

    /** The discriminator's config (what the saved checkpoint is). */
    @Override
    public ModelConfig config() {
        return config;
    }

    public ModelConfig generatorConfig() {
        return generatorConfig;
    }

    /**
     * The generator as transformers' ElectraForMaskedLM config: model_type electra, its own width and depth,
     * {@code embedding_size} the shared tables' width.
     */
    public ModelConfig generatorFolderConfig() {
        return generatorConfig.withFamily(ModelConfig.Family.ELECTRA, config.embeddingSize());
    }

    /**
     * The generator's tensors under the names of transformers' ElectraForMaskedLM: the shared tables as
     * {@code electra.embeddings.{word,position,token_type}_embeddings}, its own embedding norm, projection and
     * blocks under {@code electra.} instead of {@code generator.}, and {@code generator_predictions.*},
     * {@code generator_lm_head.bias} as they are (the LM head's weight is tied to the word embeddings and not
     * stored). Views, not copies.
     */
    public Map<String, Tensor> generatorTensors() {
        Map<String, Tensor> m = new LinkedHashMap<>();
        m.put("electra.embeddings.word_embeddings.weight", discriminator.tokenEmbedding().weight().value());
        m.put("electra.embeddings.position_embeddings.weight", discriminator.positionEmbedding().weight().value());
        if (discriminator.typeEmbedding() != null) {
            m.put("electra.embeddings.token_type_embeddings.weight",
                    discriminator.typeEmbedding().weight().value());
        }
        for (Parameter p : generatorOnly) {
            String n = p.name();
            m.put(n.startsWith("generator.") ? "electra." + n.substring("generator.".length()) : n, p.value());
        }
        return m;
    }

    /** The discriminator's logits (B·T: replaced if positive) for {@code batch} as it is, with no sampling. */
    public float[] discriminatorLogits(TokenBatch batch) {
        int n = batch.rows();
        int c = config.hiddenSize();
        float[] u = discDense.forward(discriminator.forward(batch), n);
        discActivated = Buffers.ensure(discActivated, n * c);
        float[] act = discActivated;
        compute.parallel().forRange(n, 16, (s, e) ->
                compute.kernels().gelu(config.gelu(), (e - s) * c, u, s * c, act, s * c));
        return Arrays.copyOf(discOut.forward(act, n), n);
    }

    /** The generator's MLM logits (masked positions x vocabulary, in order) at {@code masked}'s targets. */
    public float[] generatorLogits(TokenBatch masked) {
        generatorForward(masked);
        return Arrays.copyOf(logits == null ? new float[0] : logits, selectedCount * config.vocabSize());
    }

    /** The discriminator's body. */
    @Override
    public Backbone backbone() {
        return discriminator;
    }

    /** The discriminator with its head: what is saved as the model. */
    @Override
    public ParameterSet parameterSet() {
        return discriminatorParameters;
    }

    /** Every parameter, discriminator and generator, in one slab: what the optimizer updates. */
    public ParameterSet allParameters() {
        return parameters;
    }

    /** The generator's own parameters (the shared embeddings are the discriminator's). */
    public List<Parameter> generatorParameters() {
        return generatorOnly;
    }

    @Override
    public List<Dropout> dropouts() {
        List<Dropout> list = new ArrayList<>(discriminator.dropouts());
        list.add(genEmbeddingDropout);
        for (TransformerBlock b : genBlocks) {
            list.addAll(b.dropouts());
        }
        return list;
    }

    /**
     * The outcome of one forward.
     *
     * @param generatorLoss         mean MLM cross-entropy over this batch's masked positions (0 if none)
     * @param discriminatorLoss     mean binary cross-entropy over this batch's real tokens
     * @param masked                masked positions (generator targets)
     * @param tokens                real (non-padding) tokens (discriminator targets)
     * @param generatorCorrect      masked positions where the generator's arg-max is the original token
     * @param discriminatorCorrect  real tokens the discriminator classified right (logit > 0 means replaced)
     * @param replaced              real tokens whose discriminator input differs from the original
     * @param discriminatorInput    (B·T) the discriminator's input ids: the originals with the samples at masked
     *                              positions
     */
    public record Losses(double generatorLoss, double discriminatorLoss, int masked, int tokens, int generatorCorrect,
                         int discriminatorCorrect, int replaced, int[] discriminatorInput) {
    }

    /** Masked positions of {@code batch} (targets not {@link TokenBatch#IGNORE}). */
    public static int countMasked(TokenBatch batch) {
        return LanguageModel.countTargets(batch);
    }

    /** Real tokens of {@code batch} (attention mask 1; all when it has no mask). */
    public static int countTokens(TokenBatch batch) {
        if (batch.attentionMask() == null) {
            return batch.rows();
        }
        int n = 0;
        for (int i = 0; i < batch.rows(); i++) {
            n += batch.attentionMask()[i] != 0 ? 1 : 0;
        }
        return n;
    }

    /**
     * Forward, and with {@code backward} the gradients of {@code generatorScale} · Σ CE(masked) +
     * {@code discriminatorScale} · Σ BCE(tokens) (added to the parameters' gradients): with
     * generatorScale = 1/(masked positions of the update) and discriminatorScale = λ/(real tokens of the
     * update), the accumulated gradients are those of the update's ELECTRA loss.
     *
     * @param masked       the masked batch: the generator's input, with the original ids as its targets
     * @param replacements the discriminator's input ids (B·T) to use instead of sampling (tests, fixtures), or
     *                     null to sample from the generator
     * @param sampleSeed   seeds the sampling (with each row's index)
     */
    public Losses forward(TokenBatch masked, int[] replacements, long sampleSeed, boolean backward,
                          float generatorScale, float discriminatorScale) {
        if (masked.targets() == null) {
            throw new IllegalArgumentException("the batch has no targets: ELECTRA needs the masked positions' "
                    + "original ids");
        }
        int n = masked.rows();
        if (replacements != null && replacements.length < n) {
            throw new IllegalArgumentException(replacements.length + " replacement ids for " + n + " positions");
        }
        lastMasked = masked;
        int[] targets = masked.targets();
        int[] original = new int[n];
        for (int i = 0; i < n; i++) {
            original[i] = targets[i] != TokenBatch.IGNORE ? targets[i] : masked.inputIds()[i];
        }
        // generator: MLM logits at the masked positions, samples, loss
        generatorForward(masked);
        int r = selectedCount;
        int v = config.vocabSize();
        int[] discIds = replacements != null ? Arrays.copyOf(replacements, n) : original.clone();
        if (replacements == null && r > 0) {
            int[] sampled = new int[r];
            float[] l = logits;
            int[] sel = selected;
            compute.parallel().forRange(r, 8, (s, e) -> {
                for (int i = s; i < e; i++) {
                    sampled[i] = sample(l, i * v, v, new SplittableRandom(mix(sampleSeed, sel[i])));
                }
            });
            for (int i = 0; i < r; i++) {
                discIds[selected[i]] = sampled[i];
            }
        }
        double genLoss = 0;
        int genCorrect = 0;
        if (r > 0) {
            double sum = rowsLoss.compute(compute, logits, r, v, targets, selected, generatorScale);
            genCorrect = rowsLoss.correct();
            genLoss = sum / r;
            if (backward) {
                generatorBackward();
            }
        }
        // discriminator: replaced or original at every real token
        TokenBatch discBatch = new TokenBatch(masked.batch(), masked.time(), discIds, masked.typeIds(),
                masked.attentionMask(), null);
        float[] hidden = discriminator.forward(discBatch);
        float[] u = discDense.forward(hidden, n);
        int c = config.hiddenSize();
        discActivated = Buffers.ensure(discActivated, n * c);
        float[] act = discActivated;
        compute.parallel().forRange(n, 16, (s, e) ->
                compute.kernels().gelu(config.gelu(), (e - s) * c, u, s * c, act, s * c));
        float[] z = discOut.forward(act, n);
        int[] mask = masked.attentionMask();
        dz = Buffers.ensure(dz, n);
        double discSum = 0;
        int tokens = 0;
        int discCorrect = 0;
        int replaced = 0;
        for (int i = 0; i < n; i++) {
            dz[i] = 0f;
            if (mask != null && mask[i] == 0) {
                continue;
            }
            tokens++;
            boolean isReplaced = discIds[i] != original[i];
            float y = isReplaced ? 1f : 0f;
            double zi = z[i];
            discSum += Math.max(zi, 0) - zi * y + Math.log1p(Math.exp(-Math.abs(zi)));
            replaced += isReplaced ? 1 : 0;
            discCorrect += (zi > 0) == isReplaced ? 1 : 0;
            double sigmoid = 1.0 / (1.0 + Math.exp(-zi));
            dz[i] = (float) ((sigmoid - y) * discriminatorScale);
        }
        if (backward) {
            float[] dAct = discOut.backward(dz);
            dDiscActivated = Buffers.ensure(dDiscActivated, n * c);
            float[] dAct2 = dDiscActivated;
            float[] pre = discDense.lastOutput();
            compute.parallel().forRange(n, 16, (s, e) -> compute.kernels().geluBackward(config.gelu(), (e - s) * c,
                    pre, s * c, dAct, s * c, dAct2, s * c, false));
            discriminator.backward(discDense.backward(dAct2));
        }
        return new Losses(genLoss, tokens == 0 ? 0 : discSum / tokens, r, tokens, genCorrect, discCorrect, replaced,
                discIds);
    }

    /** Index drawn from softmax(l[off .. off+v)) by inverse CDF with one uniform of {@code random}. */
    static int sample(float[] l, int off, int v, SplittableRandom random) {
        float max = Logits.rowMax(l, off, v);
        double u = random.nextDouble() * Logits.sumExp(l, off, v, max);
        double cumulative = 0;
        for (int x = 0; x < v; x++) {
            cumulative += Math.exp((double) l[off + x] - max);
            if (u < cumulative) {
                return x;
            }
        }
        return v - 1;
    }

    static long mix(long seed, long index) {
        long z = seed * 0x9E3779B97F4A7C15L + index * 0xC2B2AE3D27D4EB4FL + 0x632BE59BD9B4E019L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    private static int argmax(float[] a, int off, int n) {
        int best = 0;
        float max = a[off];
        for (int i = 1; i < n; i++) {
            if (a[off + i] > max) {
                max = a[off + i];
                best = i;
            }
        }
        return best;
    }

    private void generatorForward(TokenBatch batch) {
        int n = batch.rows();
        int c = config.embeddingSize(); // the shared tables' width: the generator's input and its head's output
        positionIds = Backbone.positionIds(batch, positionIds);
        genEmbedded = Buffers.ensure(genEmbedded, n * c);
        discriminator.embeddingSum(batch, positionIds, genEmbedded);
        float[] x = genEmbeddingNorm.forward(genEmbedded, n);
        x = genEmbeddingDropout.forward(x, n * c);
        if (genProject != null) {
            x = genProject.forward(x, n);
        }
        for (TransformerBlock block : genBlocks) {
            x = block.forward(x, batch.batch(), batch.time(), batch.attentionMask());
        }
        if (genFinalNorm != null) {
            x = genFinalNorm.forward(x, n);
        }
        genHidden = x;
        int[] targets = batch.targets();
        selected = Buffers.ensure(selected, n);
        int r = 0;
        for (int i = 0; i < n; i++) {
            if (targets[i] != TokenBatch.IGNORE) {
                selected[r++] = i;
            }
        }
        selectedCount = r;
        if (r == 0) {
            return;
        }
        int g = generatorConfig.hiddenSize();
        int v = config.vocabSize();
        gathered = Buffers.ensure(gathered, r * g);
        for (int i = 0; i < r; i++) {
            System.arraycopy(genHidden, selected[i] * g, gathered, i * g, g);
        }
        Kernels k = compute.kernels();
        float[] t = genDense.forward(gathered, r);
        genActivated = Buffers.ensure(genActivated, r * c);
        k.gelu(config.gelu(), r * c, t, 0, genActivated, 0);
        genHeadOut = genHeadNorm.forward(genActivated, r);
        logits = Buffers.ensure(logits, r * v);
        LanguageModel.tiedLogits(compute, r, v, c, genHeadOut, discriminator.tokenEmbedding().weight(), genBias, logits);
    }

    /** Backward from the logit gradients left in {@code logits} by the cross-entropy. */
    private void generatorBackward() {
        TokenBatch batch = lastMasked;
        int r = selectedCount;
        int n = batch.rows();
        int c = config.embeddingSize(); // the shared tables' width
        int g = generatorConfig.hiddenSize();
        int v = config.vocabSize();
        Kernels k = compute.kernels();
        Parameter e = discriminator.tokenEmbedding().weight();
        dHeadOut = Buffers.ensure(dHeadOut, r * c);
        LanguageModel.tiedBackward(k, r, v, c, logits, genHeadOut, e, dHeadOut);
        k.sumRowsInto(r, v, logits, 0, genBias.grad().data(), genBias.grad().offset());
        float[] dAct = genHeadNorm.backward(dHeadOut);
        dTransform = Buffers.ensure(dTransform, r * c);
        k.geluBackward(config.gelu(), r * c, genDense.lastOutput(), 0, dAct, 0, dTransform, 0, false);
        float[] dGathered = genDense.backward(dTransform);
        dGenHidden = Buffers.ensure(dGenHidden, n * g);
        Arrays.fill(dGenHidden, 0, n * g, 0f);
        for (int i = 0; i < r; i++) {
            System.arraycopy(dGathered, i * g, dGenHidden, selected[i] * g, g);
        }
        float[] d = dGenHidden;
        if (genFinalNorm != null) {
            d = genFinalNorm.backward(d);
        }
        for (int i = genBlocks.size() - 1; i >= 0; i--) {
            d = genBlocks.get(i).backward(d);
        }
        if (genProject != null) {
            d = genProject.backward(d);
        }
        d = genEmbeddingDropout.backward(d, n * c);
        d = genEmbeddingNorm.backward(d);
        int pad = config.padTokenId();
        int[] ids = batch.inputIds();
        float[] tg = e.grad().data();
        int to = e.grad().offset();
        for (int row = 0; row < n; row++) {
            if (ids[row] != pad) {
                k.axpy(c, 1f, d, row * c, tg, to + ids[row] * c);
            }
        }
        discriminator.positionEmbedding().scatterGrad(positionIds, n, d);
        Embedding types = discriminator.typeEmbedding();
        if (types != null) {
            if (batch.typeIds() != null) {
                types.scatterGrad(batch.typeIds(), n, d);
            } else {
                k.sumRowsInto(n, c, d, 0, types.weight().grad().data(), types.weight().grad().offset());
            }
        }
    }
}
