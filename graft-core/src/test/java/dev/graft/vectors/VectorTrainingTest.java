package dev.graft.vectors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.graft.SpecException;
import dev.graft.data.DatasetRegistry;
import dev.graft.model.SafeTensors;
import dev.graft.tokenizer.Tokenizer;
import dev.graft.tokenizer.TokenizerTrainer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** graft vectors train end to end on small files: output folder, resume, tokenizer units, errors. */
class VectorTrainingTest {
    private static final PrintStream QUIET = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);

    @TempDir
    Path dir;

    private Path plantedFile() throws IOException {
        Path f = dir.resolve("planted.txt");
        Files.write(f, PlantedCorpus.sentences(1201, 9), StandardCharsets.UTF_8);
        return f;
    }

    private static VectorsSpec.Builder sgns(Path corpus, Path out) {
        return VectorsSpec.builder(VectorsSpec.Method.SGNS, List.of(corpus.toString()), out).dim(7).window(1)
                .minCount(1).run(ro -> ro.withEpochs(3)).negatives(3).subsample(0).noiseTableSize(1009).roundUnits(499).run(ro -> ro.withThreads(2))
                .run(ro -> ro.withSeed(3));
    }

    private static VectorTraining.Result run(VectorsSpec spec, int stopAfter) throws IOException {
        return VectorTraining.run(spec, DatasetRegistry.standard(), QUIET, stopAfter);
    }

    @Test
    void resumedSgnsEqualsAnUninterruptedRun() throws IOException {
        Path corpus = plantedFile();
        VectorTraining.Result whole = run(sgns(corpus, dir.resolve("whole")).build(), Integer.MAX_VALUE);
        assertThat(whole.complete()).isTrue();

        Path parts = dir.resolve("parts");
        VectorTraining.Result first = run(sgns(corpus, parts).build(), 1);
        assertThat(first.complete()).isFalse();
        assertThat(parts.resolve(WordVectors.VECTORS_FILE)).doesNotExist();
        assertThat(parts.resolve(VectorTraining.CHECKPOINT)).isDirectory();
        VectorTraining.Result second = run(sgns(corpus, parts).run(ro -> ro.withResume(true)).build(), 1);
        assertThat(second.complete()).isFalse();
        VectorTraining.Result third = run(sgns(corpus, parts).run(ro -> ro.withResume(true)).build(), Integer.MAX_VALUE);
        assertThat(third.complete()).isTrue();

        float[] a = SafeTensors.read(dir.resolve("whole").resolve(WordVectors.VECTORS_FILE)).get("vectors").floats();
        float[] b = SafeTensors.read(parts.resolve(WordVectors.VECTORS_FILE)).get("vectors").floats();
        assertThat(b).containsExactly(a);
    }

    @Test
    void resumeWithOtherSettingsIsAnError() throws IOException {
        Path corpus = plantedFile();
        Path out = dir.resolve("run");
        run(sgns(corpus, out).build(), 1);
        assertThatThrownBy(() -> run(sgns(corpus, out).dim(9).run(ro -> ro.withResume(true)).build(), 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("dim is 9 but the run was started with 7");
        assertThatThrownBy(() -> run(sgns(corpus, out).build(), 1))
                .isInstanceOf(SpecException.class).hasMessageContaining("already holds files")
                .hasMessageContaining("continue that run (resume)")
                .extracting(e -> ((SpecException) e).fields()).isEqualTo(List.of("overwrite", "resume", "out"));
    }

    @Test
    void ppmiSvdFolderRoundTripsThroughTheLoader() throws IOException {
        Path out = dir.resolve("ppmi");
        VectorsSpec spec = VectorsSpec.builder(VectorsSpec.Method.PPMI_SVD, List.of(plantedFile().toString()), out)
                .dim(5).window(1).minCount(1).run(ro -> ro.withThreads(3)).run(ro -> ro.withSeed(1)).build();
        VectorTraining.Result r = run(spec, Integer.MAX_VALUE);
        WordVectors v = WordVectors.load(out);
        assertThat(v.dim()).isEqualTo(5);
        assertThat(v.size()).isEqualTo(PlantedCorpus.PAIRS * 2 + PlantedCorpus.CONTEXTS);
        assertThat(Files.readAllLines(out.resolve(WordVectors.VOCAB_FILE))).hasSize(v.size());
        JsonNode config = new ObjectMapper().readTree(out.resolve(WordVectors.CONFIG_FILE).toFile());
        assertThat(config.get("method").asText()).isEqualTo("ppmi-svd");
        assertThat(config.get("units").asText()).isEqualTo("words");
        assertThat(config.get("counts").get("occurrences").asLong()).isEqualTo(3 * 1201);
        assertThat(config.get("seed").asLong()).isEqualTo(1);

        // in memory and on disk agree row for row
        float[] all = SafeTensors.read(out.resolve(WordVectors.VECTORS_FILE)).get("vectors").floats();
        for (int i = 0; i < v.size(); i++) {
            float[] row = v.row(i);
            for (int c = 0; c < 5; c++) {
                assertThat(row[c]).isEqualTo(all[i * 5 + c]);
            }
            assertThat(v.vector(v.unit(i))).containsExactly(row);
        }
        // PPMI-SVD places the planted pairs nearest each other too
        assertThat(v.nearest("w3a", 1).get(0).unit()).isEqualTo("w3b");
        assertThat(v.nearest("W3A", 3)).extracting(WordVectors.Neighbor::unit).startsWith("w3b");

        // embed: the mean of unit-length vectors of the known words; none known gives zero
        float[] e = v.embed("w1a, unknown-word w2b!");
        float[] x = normalized(v.vector("w1a"));
        float[] y = normalized(v.vector("w2b"));
        for (int c = 0; c < 5; c++) {
            assertThat((double) e[c]).isCloseTo((x[c] + y[c]) / 2.0, org.assertj.core.api.Assertions.within(1e-6));
        }
        assertThat(v.embed("nothing here")).containsOnly(0f);

        // rescaled for a transformer's initializer: root mean square 0.02 over the trained rows
        float[] scaled = v.matrixScaledTo(0.02);
        double squares = 0;
        for (float f : scaled) {
            squares += f * f;
        }
        assertThat(Math.sqrt(squares / scaled.length)).isCloseTo(0.02, org.assertj.core.api.Assertions.within(1e-6));
        assertThat(scaled[7] / all[7]).isCloseTo(scaled[3] / all[3], org.assertj.core.api.Assertions.within(1e-4f));

        // the same seed gives the same file
        Path again = dir.resolve("again");
        run(VectorsSpec.builder(VectorsSpec.Method.PPMI_SVD, spec.corpus(), again).dim(5).window(1).minCount(1)
                .run(ro -> ro.withThreads(1)).run(ro -> ro.withSeed(1)).build(), Integer.MAX_VALUE);
        assertThat(SafeTensors.read(again.resolve(WordVectors.VECTORS_FILE)).get("vectors").floats())
                .containsExactly(all);
        assertThat(new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.out().resolve(WordVectors.CONFIG_FILE)
                .toFile()).has("ppmi_svd")).isTrue();
    }

    private static float[] normalized(float[] v) {
        double s = 0;
        for (float f : v) {
            s += f * f;
        }
        float[] out = v.clone();
        for (int i = 0; i < out.length; i++) {
            out[i] /= (float) Math.sqrt(s);
        }
        return out;
    }

    @Test
    void tokenizerUnitsAlignWithTheTokenizerIds() throws IOException {
        Path corpus = plantedFile();
        Tokenizer tokenizer = TokenizerTrainer.train(TokenizerTrainer.Settings.of(TokenizerTrainer.Type.WORDPIECE, 61)
                .withThreads(1), Files.readAllLines(corpus)).tokenizer();
        Path tokenizerDir = dir.resolve("tok");
        tokenizer.save(tokenizerDir);
        Path out = dir.resolve("tokens");
        run(VectorsSpec.builder(VectorsSpec.Method.SGNS, List.of(corpus.toString()), out).tokenizer(tokenizerDir)
                .dim(5).window(2).minCount(1).run(ro -> ro.withEpochs(1)).subsample(0).noiseTableSize(1009).run(ro -> ro.withThreads(1)).build(),
                Integer.MAX_VALUE);
        WordVectors v = WordVectors.load(out);
        assertThat(v.units()).isEqualTo(UnitCorpus.Units.TOKENIZER);
        assertThat(v.size()).isEqualTo(tokenizer.vocabularySize());
        for (int id = 0; id < v.size(); id++) {
            assertThat(v.unit(id)).isEqualTo(tokenizer.idToToken(id));
        }
        int mask = tokenizer.specialTokens().mask().getAsInt();
        assertThat(v.trained(mask)).isFalse();
        assertThat(v.row(mask)).containsOnly(0f);
        JsonNode config = new ObjectMapper().readTree(out.resolve(WordVectors.CONFIG_FILE).toFile());
        assertThat(config.get("counts").get("unseen_units").asInt()).isGreaterThanOrEqualTo(5); // the special tokens
        assertThat(config.get("tokenizer_sha256").asText())
                .isEqualTo(dev.graft.io.Sha256.hex(Files.readAllBytes(tokenizerDir.resolve("tokenizer.json"))));
        assertThat(out.resolve(WordVectors.TOKENIZER_FILE)).hasSameBinaryContentAs(tokenizerDir.resolve("tokenizer.json"));
        assertThat(v.embed("w1a c3")).isNotEqualTo(new float[5]);
        assertThatThrownBy(() -> v.nearest("zebra", 3)).hasMessageContaining("'zebra' is not in the vocabulary")
                .hasMessageContaining("splits 'zebra' into");
    }

    @Test
    void badInputGivesClearErrors() throws IOException {
        Path empty = dir.resolve("empty.txt");
        Files.writeString(empty, "\n  \n...\n");
        assertThatThrownBy(() -> run(VectorsSpec.builder(VectorsSpec.Method.PPMI_SVD, List.of(empty.toString()),
                dir.resolve("e")).dim(3).build(), Integer.MAX_VALUE))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("holds no words");

        Path corpus = plantedFile();
        assertThatThrownBy(() -> run(VectorsSpec.builder(VectorsSpec.Method.PPMI_SVD, List.of(corpus.toString()),
                dir.resolve("d")).dim(25).minCount(1).build(), Integer.MAX_VALUE))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("dim 25 is larger than the 24 units trained")
                .hasMessageContaining("choose dim at most 24, lower minCount");

        assertThatThrownBy(() -> run(VectorsSpec.builder(VectorsSpec.Method.SGNS, List.of(corpus.toString()),
                dir.resolve("m")).dim(3).minCount(100_000).build(), Integer.MAX_VALUE))
                .hasMessageContaining("no unit occurs 100000 times").hasMessageContaining("lower minCount");

        assertThatThrownBy(() -> run(sgns(corpus, dir.resolve("none")).run(ro -> ro.withResume(true)).build(), 1))
                .hasMessageContaining("no checkpoint to continue from").hasMessageEndingWith("run without resume");

        assertThatThrownBy(() -> VectorsSpec.builder(VectorsSpec.Method.PPMI_SVD, List.of("x"), dir).run(ro -> ro.withResume(true))
                .build()).hasMessageContaining("resume applies to sgns only");

        Path out = dir.resolve("small");
        run(VectorsSpec.builder(VectorsSpec.Method.PPMI_SVD, List.of(corpus.toString()), out).dim(3).minCount(1)
                .build(), Integer.MAX_VALUE);
        WordVectors v = WordVectors.load(out);
        assertThatThrownBy(() -> v.nearest("zebra", 3)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'zebra' is not in the vocabulary of " + out);
        assertThatThrownBy(() -> v.vector("zebra")).hasMessageContaining("'zebra'");
        Files.delete(out.resolve(WordVectors.VOCAB_FILE));
        assertThatThrownBy(() -> WordVectors.load(out)).isInstanceOf(IOException.class)
                .hasMessageContaining(WordVectors.VOCAB_FILE + " is missing");
    }
}
