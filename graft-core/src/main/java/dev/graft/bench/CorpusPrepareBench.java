package dev.graft.bench;

import dev.graft.data.DatasetRegistry;
import dev.graft.finetune.DataSources;
import dev.graft.model.ModelConfig;
import dev.graft.model.Presets;
import dev.graft.task.LanguageModelData;
import dev.graft.tokenizer.Tokenizer;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * What preparing a multitask run's LM data costs: {@link LanguageModelData#prepare} of a corpus for bert-mini
 * (128-token sequences, seeds 0, 1, ...), as multitask fine-tuning calls it at the start of every run, timed
 * and with the bytes all threads allocated. The first call tokenizes; later ones in the same process find the
 * corpus tokenized ({@link dev.graft.task.EncodedCorpusCache}).
 *
 * <pre>{@code java --add-modules jdk.incubator.vector -cp graft-cli/target/graft.jar dev.graft.bench.CorpusPrepareBench
 *     TOKENIZER [RUNS] [CORPUS...]}</pre>
 *
 * (default: 4 runs on english-corpus, fetched). A program, not a test: the figures depend on the machine.
 */
public final class CorpusPrepareBench {
    private CorpusPrepareBench() {
    }

    /**
     * Bytes allocated by all threads so far (HotSpot's {@code com.sun.management.ThreadMXBean}, through
     * reflection: graft's module does not read {@code jdk.management}).
     */
    private static long allocatedBytes() {
        try {
            return (long) Class.forName("com.sun.management.ThreadMXBean").getMethod("getTotalThreadAllocatedBytes")
                    .invoke(ManagementFactory.getThreadMXBean());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("this JVM does not count allocated bytes", e);
        }
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 1) {
            System.err.println("usage: CorpusPrepareBench TOKENIZER [RUNS] [CORPUS...]");
            System.exit(2);
        }
        Tokenizer tokenizer = Tokenizer.load(Path.of(args[0]));
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 4;
        List<String> corpus = args.length > 2 ? List.of(args).subList(2, args.length) : List.of("english-corpus");
        DataSources sources = new DataSources(DatasetRegistry.standard(), new PrintStream(PrintStream.nullOutputStream()));
        ModelConfig config = Presets.get("bert-mini").withVocabSize(tokenizer.vocabularySize());
        for (int r = 0; r < runs; r++) {
            long bytes = allocatedBytes();
            long t0 = System.nanoTime();
            LanguageModelData data;
            try (Stream<String> docs = sources.texts(corpus)) {
                data = LanguageModelData.prepare(tokenizer, docs.iterator(), config, 128, 0.15, 0.05, 64, r, 1);
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            long allocated = allocatedBytes() - bytes;
            System.out.printf(Locale.ROOT, "run %d (seed %d): %.2f s, %,d MB allocated, %,d training sequences%n",
                    r + 1, r, seconds, allocated >> 20, data.data().trainingSequences());
        }
    }
}
