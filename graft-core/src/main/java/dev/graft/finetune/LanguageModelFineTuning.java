package dev.graft.finetune;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.graft.SpecException;
import dev.graft.data.DatasetRegistry;
import dev.graft.io.RunFolder;
import dev.graft.model.JsonFiles;
import dev.graft.model.Checkpoint;
import dev.graft.model.LayerGroups;
import dev.graft.model.TokenBatch;
import dev.graft.nn.Compute;
import dev.graft.task.LanguageModelData;
import dev.graft.task.LanguageModelingTask;
import dev.graft.tensor.Parallel;
import dev.graft.tensor.kernel.KernelProvider;
import dev.graft.train.BatchStream;
import dev.graft.train.LayerwiseRates;
import dev.graft.train.RecipeControl;
import dev.graft.train.RunOptions;
import dev.graft.train.Trainer;
import dev.graft.train.Monitoring;
import dev.graft.train.TrainingOptions;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * {@link LmFineTuneSpec} as a library call: loads the checkpoint's body and LM head, cuts the corpus
 * into MLM or CLM sequences as pretraining does, trains with optional discriminative rates and STLR, and
 * writes a checkpoint folder of the same kind as the one it started from (BertForMaskedLM /
 * GPT2LMHeadModel, tokenizer.json), ready for {@code graft finetune --from}.
 */
public final class LanguageModelFineTuning {
    private static final ObjectMapper JSON = new ObjectMapper();

    private LanguageModelFineTuning() {
    }

    /**
     * The outcome of a run.
     *
     * @param out     the checkpoint folder written
     * @param trainer the trainer's summary
     */
    public record Result(Path out, Trainer.Summary trainer) {
        /** The JSON summary {@code graft lm-finetune} prints. */
        public ObjectNode toJson() {
            ObjectNode summary = JsonNodeFactory.instance.objectNode();
            summary.put("steps", trainer.steps());
            summary.put("tokens_seen", trainer.tokens());
            summary.put("final_train_loss", trainer.lastLoss());
            trainer.validation().forEach(summary::put);
            summary.put("wall_s", Math.round(trainer.wallSeconds() * 10) / 10.0);
            summary.put("stopped_by", trainer.stoppedBy());
            summary.put("model", out.toString());
            return summary;
        }
    }

    /**
     * Runs {@code spec}; with {@code run.resume}, continues the run in its folder from its newest checkpoint
     * (written once per epoch), or starts it anew, saying so, when it has none.
     */
    public static Result run(LmFineTuneSpec spec, DatasetRegistry registry, PrintStream log) throws IOException {
        DataSources sources = new DataSources(registry, log);
        try (RunFolder runFolder = RunFolder.open(spec.out(), new RunFolder.Request("lm-finetune",
                spec.run().overwrite(), spec.run().resume(), Trainer::latestCheckpoint), log);
             Parallel parallel = new Parallel(spec.run().threads())) {
            Compute compute = new Compute(KernelProvider.create(parallel), parallel);
            StartingPoint start = StartingPoint.fromCheckpoint(spec.from(), compute, spec.run().seed(), null, null);
            log.println("model: " + start.description() + (start.lmHeadLoaded() ? "" : "; its LM head is new"));
            LanguageModelData lm;
            try (Stream<String> docs = sources.texts(spec.corpus())) {
                lm = LanguageModelData.prepare(start.tokenizer(), docs.iterator(), start.config(), spec.seqLen(),
                        spec.maskProbability(), 0.05, 256, spec.run().seed(), spec.run().threads());
            }
            log.printf(Locale.ROOT, "corpus: %s; %,d %s sequences (%,d tokens) for training, %,d held out%n",
                    String.join(", ", spec.corpus()), lm.data().trainingSequences(), lm.objective().name(),
                    lm.data().trainingTokens(), lm.data().validationSequences());
            List<TokenBatch> validation = lm.data().validationBatches(spec.batchSize(), lm.masker());
            LanguageModelingTask task = new LanguageModelingTask(start.languageModel(), validation,
                    folder -> start.tokenizer().save(folder.resolve(Checkpoint.TOKENIZER)));
            BatchStream<TokenBatch> stream = lm.data().trainingStream(spec.batchSize(), lm.masker(), spec.run().seed());
            LayerwiseRates rates = null;
            if (spec.discriminative() > 1) {
                rates = new LayerwiseRates(LayerGroups.of(task.parameters().list(), start.config()),
                        LayerGroups.count(start.config()), spec.discriminative(), false,
                        Math.max(1, stream.batchesPerEpoch()));
                log.println("layer-wise rates: " + rates.describe());
            }
            // a resumable checkpoint once per epoch (the newest kept)
            int perEpoch = (int) Math.max(1, Math.min(Integer.MAX_VALUE, stream.batchesPerEpoch()));
            TrainingOptions options = spec.optimizer().trainingOptions(spec.run(),
                    new Monitoring(20, Math.min(200, perEpoch), perEpoch, 1, 0), 1, false);
            runFolder.begin(); // everything above is validated; from here on the folder is written
            ObjectNode run = JSON.createObjectNode();
            run.put("command", "lm-finetune");
            run.put("from", spec.from().toString());
            spec.corpus().forEach(run.putArray("corpus")::add);
            run.put("objective", lm.objective().name().toLowerCase(Locale.ROOT));
            run.put("training_sequences", lm.data().trainingSequences());
            run.put("validation_sequences", lm.data().validationSequences());
            spec.run().writeTo(run);
            spec.optimizer().writeTo(run);
            run.put("discriminative", spec.discriminative());
            run.put("batch_size", spec.batchSize());
            run.put("seq_len", spec.seqLen());
            run.put("mask_prob", spec.maskProbability());
            run.set("model", JSON.valueToTree(start.config()));
            JsonFiles.write(spec.out().resolve("run.json"), run);
            Trainer<TokenBatch> trainer = new Trainer<>(compute, new RecipeControl<>(task, rates, null), stream,
                    options, spec.out(), log).resumeHint(RunOptions.RESUME_HINT);
            Trainer.Summary s = trainer.run(runFolder.resuming());
            return new Result(spec.out(), s);
        }
    }
}
