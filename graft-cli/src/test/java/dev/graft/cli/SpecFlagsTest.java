package dev.graft.cli;

import dev.graft.distill.DistillSpec;
import dev.graft.pretrain.PretrainSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.lang.reflect.RecordComponent;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every field of a spec a command builds has the flag that sets it, so a core error naming the field
 * ({@link dev.graft.SpecException}) prints that flag: checked for every field of every nested record, and end to
 * end on real invalid values.
 */
class SpecFlagsTest {

    /** The dotted paths of every field of {@code type}, nested records followed ("optimizer.learningRate"). */
    static List<String> fields(Class<?> type, String prefix) {
        List<String> out = new ArrayList<>();
        for (RecordComponent c : type.getRecordComponents()) {
            String path = prefix + c.getName();
            if (c.getType().isRecord() && c.getType().getPackageName().startsWith("dev.graft")) {
                out.addAll(fields(c.getType(), path + "."));
            } else {
                out.add(path);
            }
        }
        return out;
    }

    private static void everyFieldHasItsFlag(String command, Class<?> spec, Map<String, String> expected,
                                             Set<String> noFlag) {
        CommandLine cl = Main.commandLine();
        for (String name : command.split(" ")) {
            cl = cl.getSubcommands().get(name);
        }
        List<String> all = fields(spec, "");
        assertThat(all).as("the table names real fields").containsAll(expected.keySet()).containsAll(noFlag);
        for (String field : all) {
            String flag = Main.flagOf(cl, field);
            if (noFlag.contains(field)) {
                assertThat(flag).as(command + " " + field + " is set by another option, not its own").isNull();
            } else {
                assertThat(flag).as(command + " " + field).isNotNull();
                if (expected.containsKey(field)) {
                    assertThat(flag).as(command + " " + field).isEqualTo(expected.get(field));
                }
            }
        }
    }

    /** The flags whose names are not the field's in kebab case, and the shared ones. */
    private static final Map<String, String> SHARED = Map.ofEntries(
            Map.entry("model.hidden", "--hidden-size"), Map.entry("model.ffn", "--ffn-size"),
            Map.entry("model.layers", "--layers"), Map.entry("model.dropout", "--dropout"),
            Map.entry("optimizer.learningRate", "--lr"), Map.entry("optimizer.schedule", "--schedule"),
            Map.entry("optimizer.weightDecay", "--weight-decay"), Map.entry("optimizer.beta2", "--beta2"),
            Map.entry("monitoring.keepCheckpoints", "--keep-checkpoints"),
            Map.entry("monitoring.validationSequences", "--validation-sequences"),
            Map.entry("run.out", "--out"), Map.entry("run.maxTime", "--max-time"), Map.entry("run.steps", "--steps"),
            Map.entry("run.threads", "--threads"), Map.entry("run.seed", "--seed"), Map.entry("run.resume", "--resume"),
            Map.entry("run.overwrite", "--overwrite"), Map.entry("batchSize", "--batch-size"),
            Map.entry("seqLen", "--seq-len"), Map.entry("corpus", "--corpus"));

    /** The entries of {@link #SHARED} for the fields under these prefixes, in a table the caller may change. */
    private static Map<String, String> shared(String... prefixes) {
        Map<String, String> out = new java.util.HashMap<>();
        SHARED.forEach((field, flag) -> {
            if (java.util.Arrays.stream(prefixes).anyMatch(field::startsWith)) {
                out.put(field, flag);
            }
        });
        return out;
    }

    @Test
    void everyPretrainSpecFieldMapsToAPretrainFlag() {
        Map<String, String> expected = new java.util.HashMap<>(SHARED);
        expected.putAll(Map.of("preNorm", "--norm", "tokenizer.path", "--tokenizer", "tokenizer.type",
                "--train-tokenizer", "tokenizer.vocabSize", "--vocab-size", "maskProbability", "--mask-prob",
                "inDomainRepeat", "--in-domain-repeat", "arch", "--arch", "objective", "--objective"));
        // electra is --objective electra, sentences is --layout sentences
        everyFieldHasItsFlag("pretrain", PretrainSpec.class, expected, Set.of("electra", "sentences"));
    }

    @Test
    void everyDistillSpecFieldMapsToADistillFlag() {
        Map<String, String> expected = new java.util.HashMap<>(SHARED);
        expected.putAll(Map.of("teacher", "--teacher", "student", "--student", "layerMap", "--layer-map",
                "init", "--init", "loss", "--loss", "cacheTeacher", "--cache-teacher"));
        everyFieldHasItsFlag("distill", DistillSpec.class, expected, Set.of());
    }

    @Test
    void everyFineTuneSpecFieldMapsToAFinetuneFlag() {
        Map<String, String> expected = shared("optimizer.", "run.");
        expected.remove("run.steps");
        expected.putAll(Map.of("learningRates", "--lr-candidates", "balancedClassWeights", "--class-weights",
                "maxTrain", "--max-train", "tokenizer", "--tokenizer", "run.epochs", "--epochs",
                "optimizer.beta1", "--beta1", "optimizer.clip", "--clip", "optimizer.warmup", "--warmup"));
        everyFieldHasItsFlag("finetune", dev.graft.finetune.FineTuneSpec.class, expected,
                // the length cross-validation chose, set by the experiment, not a flag; fine-tuning counts epochs
                Set.of("stopAfterEpochs", "run.steps"));
    }

    @Test
    void everyLmFineTuneSpecFieldMapsToAnLmFinetuneFlag() {
        everyFieldHasItsFlag("lm-finetune", dev.graft.finetune.LmFineTuneSpec.class, SHARED.entrySet().stream()
                .filter(e -> !e.getKey().startsWith("model.") && !e.getKey().startsWith("monitoring."))
                .collect(java.util.stream.Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue)), Set.of());
    }

    @Test
    void everyVectorsSpecFieldMapsToAVectorsTrainFlag() {
        Map<String, String> expected = shared("run.");
        expected.remove("run.steps");
        expected.remove("run.maxTime");
        expected.putAll(Map.of("learningRate", "--lr", "minCount", "--min-count", "run.epochs", "--epochs"));
        everyFieldHasItsFlag("vectors train", dev.graft.vectors.VectorsSpec.class, expected,
                // word2vec.c's internals, library-only; vectors train count epochs
                Set.of("noisePower", "noiseTableSize", "roundUnits", "run.steps", "run.maxTime"));
    }

    @Test
    void everyExperimentSpecFieldMapsToAnExperimentFlag() {
        everyFieldHasItsFlag("experiment", dev.graft.experiment.ExperimentSpec.class, Map.of("protocol.learningRates",
                "--lr-grid", "pretraining.time", "--pretrain-time", "pretraining.steps", "--pretrain-steps",
                "pretraining.sweep", "--pretrain-sweep", "pretraining.recipe", "--pretrain-recipe", "run.seed", "--seed",
                "run.threads", "--threads", "run.out", "--out"),
                // set in an experiment.json (--config) only; an experiment's length is its cells and it always
                // resumes (no run.steps, run.epochs, run.maxTime, run.overwrite)
                Set.of("pretraining.tokenizer.vocabSize", "pretraining.tokenizer.path", "pretraining.tokenizer.type",
                        "pretraining.tokenizer.cased", "pretraining.seqLen", "protocol.devFraction", "labelRepeat",
                        "run.steps", "run.epochs", "run.maxTime", "run.resume", "run.overwrite"));
    }

    @Test
    void everyServeSettingsFieldMapsToAServeFlag() {
        everyFieldHasItsFlag("serve", dev.graft.serve.ServeSettings.class, Map.of("maxWaitMillis", "--max-wait-ms",
                "apiKey", "--api-key", "threads", "--threads"),
                // a limit of the server, library-only
                Set.of("requestTimeoutSeconds"));
        CommandLine serve = Main.commandLine().getSubcommands().get("serve");
        dev.graft.SpecException e = org.junit.jupiter.api.Assertions.assertThrows(dev.graft.SpecException.class,
                () -> dev.graft.serve.ServeSettings.defaults(2).withWorkers(3));
        assertThat(e.messageWith(f -> Main.flagOf(serve, f)))
                .isEqualTo("--workers (3) must be at most --threads (2): each forward pass needs a thread");
    }

    private static String error(String... args) {
        ChildJvm.Result r = CliFixtures.run("", args);
        assertThat(r.exit()).as(String.join(" ", args)).isEqualTo(2);
        return r.err().strip();
    }

    @Test
    void invalidValuesAreReportedByTheirFlags(@TempDir Path dir) {
        String out = dir.resolve("o").toString();
        List<String> pretrain = List.of("pretrain", "--corpus", "c.txt", "--out", out);
        assertThat(error(args(pretrain, "--steps", "5", "--lr", "-1")))
                .isEqualTo("graft: --lr must be > 0, got -1");
        assertThat(error(args(pretrain, "--steps", "5", "--beta2", "1")))
                .isEqualTo("graft: --beta2 must be in [0, 1), got 1.0");
        assertThat(error(args(pretrain, "--steps", "5", "--schedule", "linear-time")))
                .isEqualTo("graft: --schedule linear-time decays to 0 at the time budget: give --max-time");
        assertThat(error(args(pretrain, "--steps", "5", "--schedule", "sideways")))
                .startsWith("graft: unknown --schedule 'sideways': use linear, cosine, constant, stlr");
        assertThat(error(args(pretrain, "--arch", "auto", "--steps", "5")))
                .isEqualTo("graft: --arch auto sizes the model to the time budget: give --max-time");
        assertThat(error(args(pretrain, "--steps", "5", "--keep-checkpoints", "0")))
                .isEqualTo("graft: --keep-checkpoints must be > 0, got 0");
        assertThat(error(args(pretrain, "--steps", "5", "--hidden-size", "0")))
                .isEqualTo("graft: --hidden-size must be > 0, got 0");
        assertThat(error(args(pretrain, "--steps", "5", "--train-tokenizer", "morse")))
                .isEqualTo("graft: unknown --train-tokenizer 'morse': use bpe or wordpiece");
        assertThat(error(args(pretrain, "--steps", "5", "--arch", "gpt-tiny", "--norm", "post")))
                .isEqualTo("graft: --norm: post-LN is for encoders; GPT-2 decoders are pre-LN");
        assertThat(error(args(pretrain)))
                .isEqualTo("graft: give a length: --steps, --epochs or --max-time");
        assertThat(error(args(pretrain, "--steps", "5", "--resume", "--overwrite")))
                .isEqualTo("graft: --resume and --overwrite contradict each other: choose one");
        List<String> distill = List.of("distill", "--teacher", "t", "--corpus", "c.txt", "--out", out, "--steps", "5");
        assertThat(error(args(distill, "--layer-map", "0:1")))
                .isEqualTo("graft: --layer-map applies to --loss layers only");
        assertThat(error(args(distill, "--seq-len", "2")))
                .startsWith("graft: --seq-len must be at least 4");
        assertThat(error(args(distill, "--warmup", "1")))
                .isEqualTo("graft: --warmup is a fraction of the run in [0, 1), got 1.0");
        assertThat(error(args(distill, "--init", "copy")))
                .isEqualTo("graft: unknown --init 'copy': use random or teacher-layers");
        List<String> finetune = List.of("finetune", "--task", "classify", "--train", "t.jsonl", "--out", out);
        assertThat(error(args(finetune))).isEqualTo("graft: give either --from DIR (a pretrained checkpoint) or "
                + "--arch NAME and --tokenizer DIR (a new model)");
        assertThat(error(args(finetune, "--from", "m", "--lr", "0")))
                .isEqualTo("graft: --lr must be > 0, got 0");
        assertThat(error(args(finetune, "--from", "m", "--lr-candidates", "1e-3,3e-3")))
                .isEqualTo("graft: --lr-candidates [0.001, 0.003] need cross-validation --folds (>= 2) to choose "
                        + "between them");
        assertThat(error(args(finetune, "--from", "m", "--dev-fraction", "1")))
                .startsWith("graft: --dev-fraction must be in [0, 1)");
        assertThat(error(args(finetune, "--from", "m", "--beta1", "1")))
                .isEqualTo("graft: --beta1 must be in [0, 1), got 1.0");
        assertThat(error(args(finetune, "--from", "m", "--resume", "--overwrite")))
                .isEqualTo("graft: --resume and --overwrite contradict each other: choose one");
        assertThat(error(args(finetune, "--from", "m", "--schedule", "linear-time", "--max-time", "1m")))
                .isEqualTo("graft: --schedule linear-time is for pretraining: use linear, stlr, constant or cosine");
        List<String> lm = List.of("lm-finetune", "--from", "m", "--corpus", "c.txt", "--out", out);
        assertThat(error(args(lm, "--discriminative", "0.5")))
                .startsWith("graft: --discriminative must be >= 1");
        assertThat(error(args(lm, "--seq-len", "3"))).startsWith("graft: --seq-len must be at least 4");
        assertThat(error(args(lm, "--steps", "2", "--schedule", "cosine-time")))
                .isEqualTo("graft: --schedule cosine-time decays to 0 at the time budget: give --max-time");
        List<String> vectors = List.of("vectors", "train", "--corpus", "c.txt", "--dim", "8", "--out", out);
        assertThat(error(args(vectors, "--method", "ppmi-svd", "--resume")))
                .startsWith("graft: --resume applies to sgns only");
        assertThat(error(args(vectors, "--method", "sgns", "--window", "0")))
                .isEqualTo("graft: --window must be > 0, got 0");
        assertThat(error(args(vectors, "--method", "ppmi-svd", "--context-alpha", "2")))
                .isEqualTo("graft: --context-alpha must be in (0, 1], got 2.0");
        assertThat(error(args(vectors, "--method", "sgns", "--epochs", "0")))
                .isEqualTo("graft: --epochs must be a whole number > 0, got 0.0");
        assertThat(error(args(vectors, "--method", "sgns", "--threads", "0")))
                .isEqualTo("graft: --threads must be > 0, got 0");
    }

    private static String[] args(List<String> base, String... more) {
        List<String> all = new ArrayList<>(base);
        all.addAll(List.of(more));
        return all.toArray(String[]::new);
    }
}
