package dev.graft.finetune;

import com.fasterxml.jackson.databind.JsonNode;
import dev.graft.model.Backbone;
import dev.graft.model.Checkpoint;
import dev.graft.model.HeadConfig;
import dev.graft.model.HeadModel;
import dev.graft.model.HfConfig;
import dev.graft.model.ModelConfig;
import dev.graft.model.SequenceClassifier;
import dev.graft.model.TokenTagger;
import dev.graft.nn.Compute;
import dev.graft.task.ClassificationTask;
import dev.graft.task.HeadTask;
import dev.graft.task.Heads;
import dev.graft.tokenizer.Tokenizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * A fine-tuned model read back from its folder (config.json with the head's fields,
 * model.safetensors, tokenizer.json): a {@link SequenceClassifier} or a {@link TokenTagger} with every
 * weight loaded strictly, dropout off.
 *
 * @param classifier the model when the head classifies (single-label, multi-label, pairs), else null
 * @param tagger     the model when the head tags, else null
 */
public record FineTunedModel(Path folder, ModelConfig config, HeadConfig head, Tokenizer tokenizer,
                             SequenceClassifier classifier, TokenTagger tagger) {

    public static FineTunedModel load(Path folder, Compute compute) throws IOException {
        if (!Files.isDirectory(folder)) {
            throw new NoSuchFileException(folder + (Files.exists(folder) ? " is not a folder" : " does not exist")
                    + ": give the folder a fine-tuning run wrote (graft finetune)");
        }
        Path configFile = folder.resolve(Checkpoint.CONFIG);
        JsonNode json = HeadConfig.readJson(configFile);
        ModelConfig config = HfConfig.fromJson(json, configFile);
        HeadConfig head = HeadConfig.read(json, config, configFile).orElseThrow(() -> new IllegalArgumentException(
                folder + " is not a fine-tuned model (" + describe(HeadConfig.architectureOf(json)) + "): it has no "
                        + "classification or tagging head; fine-tune it first, starting from " + folder));
        Path tokenizerFile = folder.resolve(Checkpoint.TOKENIZER);
        if (!Files.exists(tokenizerFile)) {
            throw new NoSuchFileException(tokenizerFile + ": the model folder has no tokenizer.json");
        }
        Tokenizer tokenizer = Tokenizer.load(tokenizerFile);
        Backbone backbone = new Backbone(compute, config, 0);
        HeadModel model = Heads.of(head.task()).newModel(compute, backbone, head, 0);
        Checkpoint.readWeights(folder.resolve(Checkpoint.WEIGHTS), config, model.parameterSet());
        model.setTraining(false);
        return new FineTunedModel(folder, config, head, tokenizer,
                model instanceof SequenceClassifier c ? c : null, model instanceof TokenTagger t ? t : null);
    }

    /** The model: the classifier or the tagger. */
    public HeadModel model() {
        return classifier != null ? classifier : tagger;
    }

    /** The head's task on this model, for evaluation and prediction. */
    public HeadTask<?, ?> task() {
        HeadTask<?, ?> task = Heads.of(head.task()).task(model(), head);
        return task instanceof ClassificationTask c ? c.frozen() : task;
    }

    private static String describe(String architecture) {
        if (architecture.endsWith("LMHeadModel") || architecture.endsWith("ForMaskedLM")
                || architecture.endsWith("ForPreTraining")) {
            return "a pretrained language model, " + architecture;
        }
        return architecture.isEmpty() ? "no architecture named" : architecture;
    }

    /** The id padding positions carry. */
    public int padId() {
        return StartingPoint.padId(tokenizer);
    }
}
