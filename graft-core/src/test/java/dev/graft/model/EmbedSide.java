package dev.graft.model;

import dev.graft.nn.Compute;
import dev.graft.nn.Pooling;
import dev.graft.tokenizer.Encoding;
import dev.graft.tokenizer.Tokenizer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntConsumer;
import java.util.function.Supplier;

/**
 * One side of {@code tools/bench/embed_ab.sh}, which times two graft source trees against each
 * other in one JVM, each tree's classes in its own class loader: this class is compiled into both
 * trees, and only JDK types cross between them. {@link #prepare} tokenizes the same sentences as
 * {@link EmbedBench} into the same batches and returns what the driver needs to run them through
 * {@link EncoderInference} batch by batch.
 */
public final class EmbedSide {
    private EmbedSide() {
    }

    /** {@code EmbedSide DIR}: imports all-MiniLM-L6-v2 into DIR/minilm (tokenizer at DIR/tokenizer.json). */
    public static void main(String[] args) throws Exception {
        Path dir = Files.createDirectories(Path.of(args[0]));
        Path onnx = MiniLmFixture.resource(MiniLmFixture.ONNX, dir);
        Path tokenizer = MiniLmFixture.resource(MiniLmFixture.TOKENIZER, dir);
        OnnxImport.save(OnnxImport.read(onnx, OnnxImport.Options.defaults()), tokenizer, dir.resolve("minilm"));
        Files.copy(tokenizer, dir.resolve("tokenizer.json"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    /**
     * Returns [number of batches (Integer), run batch i ({@link IntConsumer}), the first pooled
     * embedding of the last batch run ({@link Supplier} of float[])].
     */
    public static List<Object> prepare(String folder, String tokenizerFile, int count, int threads)
            throws Exception {
        Tokenizer tokenizer = Tokenizer.load(Path.of(tokenizerFile));
        List<String> sentences = MiniLmFixture.sentences(389, Math.max(0, count - 389), 60, 3);
        List<Encoding> encodings = new ArrayList<>();
        for (String s : sentences.subList(0, Math.min(count, sentences.size()))) {
            encodings.add(tokenizer.encode(s, true));
        }
        List<TokenBatch> batches = EmbedBench.batches(encodings, Integer.getInteger("bench.batch", 32),
                tokenizer.specialTokens().padding().orElse(0));
        Compute compute = Compute.create(threads);
        Pretrained model = Pretrained.loadBackbone(Path.of(folder), compute);
        model.backbone().dropouts().forEach(d -> d.setTraining(false));
        EncoderInference inference = new EncoderInference(model.backbone(), compute);
        float[][] last = new float[1][];
        IntConsumer run = i -> last[0] = SentenceEmbedder.pool(inference.forward(batches.get(i)),
                Pooling.MEAN, true)[0];
        Supplier<float[]> first = () -> last[0];
        return List.of(batches.size(), run, first);
    }
}
