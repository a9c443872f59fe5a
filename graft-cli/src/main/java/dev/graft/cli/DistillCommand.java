package dev.graft.cli;

import dev.graft.data.CorpusReader;
import dev.graft.distill.DistillSpec;
import dev.graft.distill.Distillation;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code graft distill}: a small student learns to reproduce a pretrained teacher on unlabeled text. */
@Command(name = "distill", mixinStandardHelpOptions = true,
        description = "Distill a pretrained encoder (the teacher) into a smaller one (the student) on unlabeled text: "
                + "the student learns the teacher's sentence embeddings (--loss embedding) or its layers' hidden "
                + "states and attention (--loss layers). The run folder ends as the student's checkpoint. The last "
                + "line printed is a JSON summary. See docs/DISTILLATION.md.")
final class DistillCommand implements Callable<Integer> {
    @picocli.CommandLine.Spec
    CommandSpec command;

    /** The defaults of every option: {@link DistillSpec}'s, the one source the library reads too. */
    private static final DistillSpec DEFAULTS = DistillSpec.defaults();

    @Option(names = "--teacher", required = true, paramLabel = "DIR",
            description = "The teacher's checkpoint folder (an encoder with tokenizer.json), e.g. from graft import.")
    Path teacher;

    @Option(names = "--student", paramLabel = "ARCH|DIR", description = "A bert-* preset, 'teacher' (the teacher's "
            + "shape with half its blocks, or --layers), or a checkpoint folder to continue (default: "
            + "${DEFAULT-VALUE}).")
    String student = DEFAULTS.student();

    @Mixin
    ModelOptions model = new ModelOptions();

    @Option(names = "--init", paramLabel = "random|teacher-layers", description = "How a new student starts: random, "
            + "or teacher-layers (the teacher's embeddings and every (N/M)-th block; shapes must match) (default: "
            + "random).")
    String init = DEFAULTS.init().id();

    @Option(names = "--loss", paramLabel = "embedding|layers", description = "embedding: MSE to the teacher's pooled "
            + "sentence embedding; layers: MSE of mapped blocks' hidden states plus KL of their attention (default: "
            + "${DEFAULT-VALUE}).")
    String loss = DEFAULTS.loss().id();

    @Option(names = "--layer-map", paramLabel = "S:T,...", description = "Student block : teacher block pairs, from 0 "
            + "(default: uniform, the last blocks together). --loss layers only.")
    String layerMap;

    @Option(names = "--corpus", required = true, split = ",",
            description = "Dataset names (graft data list) or text files, comma-separated or repeated.")
    List<String> corpus;

    @Option(names = "--layout", description = "How to read corpus files: lines (a document per line) or paragraphs "
            + "(blank-line-separated; lines are sentences) (default: lines).")
    CorpusReader.Layout layout = CorpusReader.Layout.LINES;

    @Mixin
    OutputOptions output = new OutputOptions();

    @Mixin
    LengthOptions length = new LengthOptions();

    @Option(names = "--batch-size", description = "Sequences per update (default: ${DEFAULT-VALUE}).")
    int batchSize = DEFAULTS.batchSize();

    @Option(names = "--seq-len", description = "Tokens per sequence, [CLS] and [SEP] included (default: "
            + "${DEFAULT-VALUE}).")
    int seqLen = DEFAULTS.seqLen();

    @Mixin
    OptimizerOptions optimizer = new OptimizerOptions(DEFAULTS.optimizer());

    @Mixin
    MonitoringOptions monitoring = new MonitoringOptions(DEFAULTS.monitoring());

    @Option(names = "--cache-teacher", description = "Keep the teacher's outputs on disk (OUT/teacher-cache/) so "
            + "later epochs and resumed runs do not recompute them.")
    boolean cacheTeacher;

    @Mixin
    ThreadsOption threads = new ThreadsOption();

    @Mixin
    SeedOption seed = new SeedOption(DEFAULTS.run().seed());

    /** The core spec these options describe. */
    DistillSpec spec() {
        return DistillSpec.builder(teacher, corpus, output.out()).student(student)
                .model(model.overrides()).init(DistillSpec.Init.parse(init)).loss(DistillSpec.Loss.parse(loss))
                .layerMap(layerMap).layout(layout).batchSize(batchSize).seqLen(seqLen).cacheTeacher(cacheTeacher)
                .optimizer(optimizer.spec()).monitoring(monitoring.spec()).run(length.run(output, threads, seed))
                .build();
    }

    @Override
    public Integer call() throws IOException {
        DistillSpec spec = spec();
        Distillation.Result r = Distillation.run(spec, FlagLog.of(command.commandLine(), System.out));
        command.commandLine().getOut().println(Distillation.summaryJson(r));
        return 0;
    }
}
