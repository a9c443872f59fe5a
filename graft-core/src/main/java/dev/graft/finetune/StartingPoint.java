package dev.graft.finetune;

import com.fasterxml.jackson.databind.JsonNode;
import dev.graft.SpecException;
import dev.graft.model.Backbone;
import dev.graft.model.Checkpoint;
import dev.graft.model.HeadConfig;
import dev.graft.model.HfConfig;
import dev.graft.model.HfNames;
import dev.graft.model.LanguageModel;
import dev.graft.model.ModelConfig;
import dev.graft.model.Presets;
import dev.graft.model.Pretrained;
import dev.graft.model.SafeTensors;
import dev.graft.nn.Compute;
import dev.graft.nn.Parameter;
import dev.graft.nn.ParameterSet;
import dev.graft.tokenizer.Tokenizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where fine-tuning starts: a body with its weights (from a checkpoint folder, through
 * {@link Pretrained#readBackboneWeights}) or randomly initialized (from scratch), with its tokenizer and
 * a language-modeling head on the same body ({@link #languageModel()}, used by multitask training and
 * LM fine-tuning; its weights are loaded when the folder has them).
 *
 * @param config         the model's config (with any dropout override)
 * @param tokenizer      the tokenizer
 * @param backbone       the body
 * @param languageModel  the body with an LM head, or null in a {@link #bodyOnly()} starting point
 * @param lmHeadLoaded   whether the LM head's weights came from the folder
 * @param extraTensors   head tensors of the folder a task head may reuse ({@code bert.pooler.dense.*})
 * @param description    "pretrained checkpoint DIR (BertForMaskedLM)" or "from scratch (bert-mini)"
 * @param pretrained     whether the body's weights were loaded
 */
public record StartingPoint(ModelConfig config, Tokenizer tokenizer, Backbone backbone, LanguageModel languageModel,
                            boolean lmHeadLoaded, Map<String, float[]> extraTensors, String description,
                            boolean pretrained) {

    /** The MLM head's tensors in Hugging Face BertForMaskedLM naming. */
    private static final List<String> MLM_HEAD = List.of("cls.predictions.transform.dense.weight",
            "cls.predictions.transform.dense.bias", "cls.predictions.transform.LayerNorm.weight",
            "cls.predictions.transform.LayerNorm.bias", "cls.predictions.bias");
    private static final List<String> POOLER = List.of("bert.pooler.dense.weight", "bert.pooler.dense.bias");

    /**
     * This starting point without its language model, for a run that trains a task head on the body and
     * no LM loss. A head model moves the body's parameters into its own slab; the language model's slab
     * (values and gradients, each the size of the whole model) then holds nothing anyone reads, but a
     * reference to the language model would keep both alive for the whole run (docs/PERFORMANCE.md,
     * "Session 15: memory").
     */
    public StartingPoint bodyOnly() {
        return new StartingPoint(config, tokenizer, backbone, null, lmHeadLoaded, extraTensors, description,
                pretrained);
    }

    /**
     * Checks that {@code folder} is a checkpoint {@code task} can start from, without reading its weights:
     * the folder, its config (and head), its tokenizer and its weights file. The errors are those of
     * {@link #fromCheckpoint}, so a run can give them before it touches its output folder.
     */
    public static void check(Path folder, HeadConfig.Task task) throws IOException {
        checkedConfig(folder, task);
        Path weights = folder.resolve(Checkpoint.WEIGHTS);
        if (!Files.exists(weights)) {
            throw new NoSuchFileException(weights + ": no weights file in this folder");
        }
    }

    private static ModelConfig checkedConfig(Path folder, HeadConfig.Task task) throws IOException {
        Checkpoint.requireFolder(folder, "the folder a pretraining run wrote (graft pretrain)");
        Path configFile = folder.resolve(Checkpoint.CONFIG);
        JsonNode json = HeadConfig.readJson(configFile);
        ModelConfig config = HfConfig.fromJson(json, configFile);
        String architecture = HeadConfig.architectureOf(json);
        var head = HeadConfig.read(json, config, configFile);
        if (head.isPresent() && task != null && head.get().task() != task) {
            throw new SpecException("task", folder + " is " + head.get().task().describe() + " (" + architecture
                    + "), not a model task " + task.id() + " can start from: give a pretrained language model (as "
                    + "a pretraining run writes) or " + task.describe());
        }
        Path tokenizerFile = folder.resolve(Checkpoint.TOKENIZER);
        if (!Files.exists(tokenizerFile)) {
            throw new NoSuchFileException(tokenizerFile + ": the checkpoint has no tokenizer.json; copy the model's "
                    + "tokenizer into the folder");
        }
        return config;
    }

    /**
     * Loads the body (and the LM head when present) of the checkpoint in {@code folder}.
     *
     * @param task    the task about to be trained, or null (LM fine-tuning): a folder holding a head of
     *                the other task is an error
     * @param dropout hidden and attention dropout to use instead of the folder's, or null
     */
    public static StartingPoint fromCheckpoint(Path folder, Compute compute, long seed, HeadConfig.Task task,
                                               Float dropout) throws IOException {
        ModelConfig config = checkedConfig(folder, task);
        JsonNode json = HeadConfig.readJson(folder.resolve(Checkpoint.CONFIG));
        String architecture = HeadConfig.architectureOf(json);
        if (dropout != null) {
            config = config.withDropout(dropout, dropout);
        }
        Path tokenizerFile = folder.resolve(Checkpoint.TOKENIZER);
        Tokenizer tokenizer = Tokenizer.load(tokenizerFile);
        if (tokenizer.vocabularySize() > config.vocabSize()) {
            throw new IOException(folder + ": tokenizer.json has " + tokenizer.vocabularySize() + " tokens but the model "
                    + "has " + config.vocabSize() + " token embeddings: the tokenizer does not belong to this model");
        }
        Backbone backbone = new Backbone(compute, config, seed);
        Path weights = folder.resolve(Checkpoint.WEIGHTS);
        if (!Files.exists(weights)) {
            throw new NoSuchFileException(weights + ": no weights file in this folder");
        }
        List<String> ignored = Pretrained.readBackboneWeights(weights, config, new ParameterSet(backbone.parameters()));
        LanguageModel lm = new LanguageModel(compute, backbone, seed);
        Map<String, float[]> extras = new LinkedHashMap<>();
        boolean headLoaded = false;
        if (config.isEncoder()) {
            // the folder's names are its family's (HfNames): RoBERTa's lm_head.*, DistilBERT's vocab_*, ...
            ModelConfig.Family family = config.family();
            List<String> wanted = new ArrayList<>();
            for (String n : MLM_HEAD) {
                if (ignored.contains(HfNames.toFile(family, n))) {
                    wanted.add(HfNames.toFile(family, n));
                }
            }
            for (String n : POOLER) {
                if (ignored.contains(HfNames.toFile(family, n))) {
                    wanted.add(HfNames.toFile(family, n));
                }
            }
            Map<String, SafeTensors.Entry> entries = wanted.isEmpty() ? Map.of()
                    : SafeTensors.read(weights, wanted::contains);
            if (MLM_HEAD.stream().allMatch(n -> entries.containsKey(HfNames.toFile(family, n)))) {
                headLoaded = true;
                ParameterSet lmSet = lm.parameterSet();
                for (String n : MLM_HEAD) {
                    copy(lmSet.get(n), entries.get(HfNames.toFile(family, n)), weights);
                }
            }
            for (String n : POOLER) {
                if (entries.containsKey(HfNames.toFile(family, n))) {
                    extras.put(n, entries.get(HfNames.toFile(family, n)).floats());
                }
            }
        } else {
            headLoaded = true; // GPT-2's LM head is the tied token embedding
        }
        String what = "checkpoint " + folder + " (" + (architecture.isEmpty() ? "no architecture named" : architecture)
                + ")";
        return new StartingPoint(config, tokenizer, backbone, lm, headLoaded, extras, what, true);
    }

    private static void copy(Parameter p, SafeTensors.Entry e, Path file) throws IOException {
        if (!Arrays.equals(p.shape(), e.shape())) {
            throw new IOException(file + ": " + p.name() + " has shape " + Arrays.toString(e.shape()) + " in the file but "
                    + Arrays.toString(p.shape()) + " in the model");
        }
        p.value().copyFrom(e.floats());
    }

    /**
     * A randomly initialized model of preset {@code arch} for {@code tokenizer}'s vocabulary, with at
     * least {@code positions} positions.
     */
    public static StartingPoint fromScratch(String arch, Tokenizer tokenizer, int positions, Compute compute, long seed,
                                            Float dropout) {
        ModelConfig p = Presets.get(arch);
        int pad = p.isEncoder() ? tokenizer.specialTokens().padding().orElse(-1) : -1;
        float d = dropout != null ? dropout : p.hiddenDropout();
        float ad = dropout != null ? dropout : p.attentionDropout();
        ModelConfig config = new ModelConfig(p.architecture(), tokenizer.vocabularySize(), p.hiddenSize(),
                p.numberOfLayers(), p.numberOfHeads(), p.intermediateSize(), Math.max(positions, p.maxPositions()),
                p.typeVocabSize(), p.layerNormEps(), d, ad, p.gelu(), p.initializerRange(), pad);
        LanguageModel lm = new LanguageModel(compute, config, seed);
        return new StartingPoint(config, tokenizer, lm.backbone(), lm, false, Map.of(), "from scratch (" + arch + ", random weights)",
                false);
    }

    /** The id padding positions carry: [PAD]/&lt;pad&gt;, else end-of-text, else 0 (masked out either way). */
    public static int padId(Tokenizer tokenizer) {
        var sp = tokenizer.specialTokens();
        return sp.padding().orElse(sp.endOfText().orElse(0));
    }
}
