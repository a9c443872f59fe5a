package dev.graft.cli;

import dev.graft.model.Checkpoint;
import dev.graft.model.HfConfig;
import dev.graft.model.LanguageModel;
import dev.graft.model.ModelConfig;
import dev.graft.model.Pretrained;
import dev.graft.model.SafeTensors;
import dev.graft.model.SentenceEmbedder;
import dev.graft.nn.Compute;
import dev.graft.nn.Pooling;
import dev.graft.tensor.kernel.GeluForm;
import dev.graft.tokenizer.Tokenizer;
import dev.graft.tokenizer.TokenizerTrainer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

/**
 * {@code graft import} from a model folder and {@code graft embed}, on a tiny BERT with a trained
 * WordPiece tokenizer; bad input is exit 2 with a message. (The MiniLM ONNX path is covered in
 * graft-core: MiniLmOnnxParityTest, KnownModelsTest.)
 */
class ImportEmbedCommandTest {
    @TempDir
    Path dir;
    private Path model;
    private Tokenizer tokenizer;

    private record Run(int exit, String out, String err) {
    }

    private Run run(String stdin, String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        InputStream oldIn = System.in;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            System.setIn(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
            int code = Main.run(args);
            return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
            System.setIn(oldIn);
        }
    }

    /** A tiny MLM checkpoint (graft layout) with a WordPiece tokenizer trained on a few lines. */
    @BeforeEach
    void tinyModel() throws IOException {
        List<String> corpus = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            corpus.add("In the beginning God created the heaven and the earth " + i);
            corpus.add("And the earth was without form and void and darkness was upon the face of the deep");
        }
        tokenizer = TokenizerTrainer.train(TokenizerTrainer.Settings.of(TokenizerTrainer.Type.WORDPIECE, 90)
                .withMinimumFrequency(1), corpus).tokenizer();
        ModelConfig config = new ModelConfig(ModelConfig.Architecture.ENCODER, tokenizer.vocabularySize(), 32, 2, 4,
                37, 16, 2, 1e-12f, 0.1f, 0.1f, GeluForm.ERF, 0.02f, 0);
        Compute compute = Compute.create(1);
        LanguageModel lm = new LanguageModel(compute, config, 1);
        model = dir.resolve("tiny-mlm");
        Checkpoint.save(model, config, "BertForMaskedLM", lm.parameterSet(), null,
                staged -> tokenizer.save(staged.resolve(Checkpoint.TOKENIZER)));
        compute.parallel().close();
    }

    @Test
    void importAFolderKeepsTheMlmHeadAndEmbedWritesOneVectorPerLine() throws IOException {
        Path imported = dir.resolve("imported");
        Run imp = run("", "import", "--from", model.toString(), "--out", imported.toString());
        assertThat(imp.exit()).as(imp.err()).isZero();
        assertThat(imp.out()).contains("BertForMaskedLM: BERT encoder, 2 layers, hidden 32, 4 heads, FFN 37")
                .contains("tokenizer.json");
        assertThat(Files.readString(imported.resolve(Checkpoint.CONFIG))).contains("BertForMaskedLM");
        assertThat(SafeTensors.header(imported.resolve(Checkpoint.WEIGHTS)).tensors()).containsKey("cls.predictions.bias");

        Path input = dir.resolve("lines.txt");
        String longLine = "the earth ".repeat(20); // > 16 positions
        Files.writeString(input, "In the beginning\n\nthe deep and the void\r\n" + longLine + "\n");
        Run embed = run("", "embed", "--model", imported.toString(), "--input", input.toString(), "--normalize",
                "--threads", "1", "--batch-size", "2");
        assertThat(embed.exit()).as(embed.err()).isZero();
        String[] lines = embed.out().split("\n");
        assertThat(lines).hasSize(4);
        assertThat(embed.err()).contains("1 of 4 lines were longer than 16 tokens and were truncated");

        // the same numbers as the library computes them
        Compute compute = Compute.create(1);
        Pretrained loaded = Pretrained.loadBackbone(imported, compute);
        float[][] expected = new SentenceEmbedder(loaded.backbone(), loaded.requireTokenizer(),
                Pooling.MEAN, true, 2, 16)
                .embed(List.of("In the beginning", "", "the deep and the void", longLine));
        for (int i = 0; i < 4; i++) {
            float[] v = parse(lines[i]);
            assertThat(v).hasSize(32);
            assertThat(v).containsExactly(expected[i], offset(1e-6f));
            double norm = 0;
            for (float x : v) {
                norm += x * x;
            }
            assertThat(Math.sqrt(norm)).isCloseTo(1.0, offset(1e-5));
        }
        compute.parallel().close();

        Run cls = run("In the beginning\n", "embed", "--model", imported.toString(), "--pooling", "cls");
        assertThat(cls.exit()).as(cls.err()).isZero();
        assertThat(parse(cls.out().strip())).hasSize(32);
    }

    @Test
    void importAHuggingFaceBertModelFolderDropsThePooler() throws IOException {
        // a BertModel folder with bare names and a pooler, as transformers saves it
        Path hf = dir.resolve("hf-bert");
        Files.createDirectories(hf);
        ModelConfig config = HfConfig.read(model.resolve(Checkpoint.CONFIG));
        Files.writeString(hf.resolve(Checkpoint.CONFIG), HfConfig.toJson(config, "BertModel").toString());
        var tensors = new java.util.LinkedHashMap<String, dev.graft.tensor.Tensor>();
        SafeTensors.read(model.resolve(Checkpoint.WEIGHTS)).forEach((name, e) -> {
            if (name.startsWith("bert.")) {
                tensors.put(name.substring(5), e.toTensor());
            }
        });
        tensors.put("pooler.dense.weight", dev.graft.tensor.Tensor.zeros(32, 32));
        tensors.put("pooler.dense.bias", dev.graft.tensor.Tensor.zeros(32));
        SafeTensors.write(hf.resolve(Checkpoint.WEIGHTS), tensors, null);
        Files.copy(model.resolve(Checkpoint.TOKENIZER), hf.resolve(Checkpoint.TOKENIZER));

        Path out = dir.resolve("out");
        Run imp = run("", "import", "--from", hf.toString(), "--out", out.toString());
        assertThat(imp.exit()).as(imp.err()).isZero();
        assertThat(imp.err()).contains("not kept").contains("pooler.dense.weight");
        assertThat(SafeTensors.header(out.resolve(Checkpoint.WEIGHTS)).tensors().keySet())
                .contains("embeddings.word_embeddings.weight").noneMatch(n -> n.startsWith("pooler."));
        assertThat(run("a line\n", "embed", "--model", out.toString()).exit()).isZero();
    }

    @Test
    void aSentenceTransformersFolderCarriesItsPoolingNormalizationLengthAndPromptsIntoEmbed() throws IOException {
        // the tiny model as a sentence-transformers folder: CLS pooling, normalized, 8 tokens, E5-style prompts
        Path st = dir.resolve("st");
        Run imp0 = run("", "import", "--from", model.toString(), "--out", st.toString());
        assertThat(imp0.exit()).as(imp0.err()).isZero();
        new dev.graft.model.SentenceTransformersConfig(Pooling.CLS, true, 8,
                java.util.Map.of("query", "the deep ", "passage", "the void "), "query").write(st, 32);
        Path imported = dir.resolve("st-imported");
        Run imp = run("", "import", "--from", st.toString(), "--out", imported.toString());
        assertThat(imp.exit()).as(imp.err()).isZero();
        assertThat(imp.err()).contains("as a sentence encoder: cls pooling, normalized, up to 8 tokens, prompt query");
        assertThat(dev.graft.model.SentenceTransformersConfig.read(imported)).contains(
                dev.graft.model.SentenceTransformersConfig.read(st).orElseThrow());

        Compute compute = Compute.create(1);
        Pretrained loaded = Pretrained.loadBackbone(imported, compute);
        SentenceEmbedder cls8 = new SentenceEmbedder(loaded.backbone(), loaded.requireTokenizer(),
                Pooling.CLS, true, 2, 8);
        SentenceEmbedder mean16 = new SentenceEmbedder(loaded.backbone(), loaded.requireTokenizer(),
                Pooling.MEAN, false, 2, 16);
        String text = "In the beginning God created the heaven and the earth";
        // defaults from the folder: the query prompt, CLS, normalized, cut to 8 tokens
        Run byDefault = run(text + "\n", "embed", "--model", imported.toString(), "--threads", "1");
        assertThat(byDefault.exit()).as(byDefault.err()).isZero();
        assertThat(byDefault.err()).contains("embed: cls pooling, normalized, prompt \"the deep \"");
        assertThat(parse(byDefault.out().strip())).containsExactly(cls8.embed(List.of("the deep " + text))[0],
                offset(1e-6f));
        Run passage = run(text + "\n", "embed", "--model", imported.toString(), "--prompt-name", "passage");
        assertThat(parse(passage.out().strip())).containsExactly(cls8.embed(List.of("the void " + text))[0],
                offset(1e-6f));
        // every setting can be overridden
        Run plain = run(text + "\n", "embed", "--model", imported.toString(), "--prompt", "", "--pooling", "mean",
                "--no-normalize", "--max-length", "16");
        assertThat(plain.exit()).as(plain.err()).isZero();
        assertThat(parse(plain.out().strip())).containsExactly(mean16.embed(List.of(text))[0], offset(1e-6f));
        compute.parallel().close();

        Run unknown = run(text + "\n", "embed", "--model", imported.toString(), "--prompt-name", "title");
        assertThat(unknown.exit()).isEqualTo(2);
        assertThat(unknown.err()).contains("prompt title: this model's prompts are passage, query");
        // a folder without the settings: mean, not normalized, no prompt, as before
        Run none = run(text + "\n", "embed", "--model", model.toString(), "--prompt-name", "query");
        assertThat(none.exit()).isEqualTo(2);
        assertThat(none.err()).contains("has no prompts");
    }

    @Test
    void aSentenceTransformersFolderGraftCannotFollowIsImportedWithoutItsSettingsSayingSo() throws IOException {
        Path st = dir.resolve("st-max");
        assertThat(run("", "import", "--from", model.toString(), "--out", st.toString()).exit()).isZero();
        Files.writeString(st.resolve("modules.json"), "[{\"idx\":0,\"name\":\"0\",\"path\":\"\",\"type\":"
                + "\"sentence_transformers.models.Transformer\"},{\"idx\":1,\"name\":\"1\",\"path\":\"1_Pooling\","
                + "\"type\":\"sentence_transformers.models.Pooling\"}]");
        Files.createDirectories(st.resolve("1_Pooling"));
        Files.writeString(st.resolve("1_Pooling/config.json"), "{\"pooling_mode_max_tokens\": true}");
        Path out = dir.resolve("st-max-imported");
        Run imp = run("", "import", "--from", st.toString(), "--out", out.toString());
        assertThat(imp.exit()).as(imp.err()).isZero();
        assertThat(imp.err()).contains("not carried over").contains("1_Pooling/config.json: pooling max_tokens is not "
                + "one graft applies");
        assertThat(out.resolve("modules.json")).doesNotExist();
    }

    @Test
    void badInputIsExitTwoWithAMessage() throws IOException {
        Run pooling = run("x\n", "embed", "--model", model.toString(), "--pooling", "max");
        assertThat(pooling.exit()).isEqualTo(2);
        assertThat(pooling.err()).contains("graft: --pooling max: choose mean or cls");

        Run noModel = run("x\n", "embed", "--model", dir.resolve("nothing").toString());
        assertThat(noModel.exit()).isEqualTo(2);
        assertThat(noModel.err()).contains("graft: ").contains("does not exist");

        Path latin1 = dir.resolve("latin1.txt");
        Files.write(latin1, new byte[] {'o', 'k', '\n', 'c', 'a', 'f', (byte) 0xe9, '\n'});
        Run utf8 = run("", "embed", "--model", model.toString(), "--input", latin1.toString());
        assertThat(utf8.exit()).isEqualTo(2);
        assertThat(utf8.err()).contains("invalid UTF-8").contains("line 2");

        Run tooLong = run("x\n", "embed", "--model", model.toString(), "--max-length", "100");
        assertThat(tooLong.exit()).isEqualTo(2);
        assertThat(tooLong.err()).contains("--max-length 100 must be in [3, 16]");

        Path out = dir.resolve("occupied");
        Files.createDirectories(out);
        Files.writeString(out.resolve("keep.txt"), "mine");
        Run occupied = run("", "import", "--from", model.toString(), "--out", out.toString());
        assertThat(occupied.exit()).isEqualTo(2);
        // a folder of other files is never replaced (issue 23): --force is not offered
        assertThat(occupied.err()).contains("graft did not write", "choose a new folder as --out").doesNotContain("--force");
        assertThat(out.resolve("keep.txt")).exists();

        Run unknown = run("", "import", "--from", "no-such-model", "--out", dir.resolve("o1").toString());
        assertThat(unknown.exit()).isEqualTo(2);
        assertThat(unknown.err()).contains("no such file or folder, and not a known model name (known: minilm, bge-small-en, e5-small, "
                + "bge-small-zh, minilm-q; graft models lists them)");

        Path text = dir.resolve("model.txt");
        Files.writeString(text, "hello");
        Run notOnnx = run("", "import", "--from", text.toString(), "--out", dir.resolve("o2").toString());
        assertThat(notOnnx.exit()).isEqualTo(2);
        assertThat(notOnnx.err()).contains("a file must be an ONNX model (.onnx)");

        Path broken = dir.resolve("broken.onnx");
        Files.write(broken, new byte[] {0x08, 0x07, 0x3a, (byte) 0xff, 0x7f, 0x01});
        Run corrupt = run("", "import", "--from", broken.toString(), "--out", dir.resolve("o3").toString());
        assertThat(corrupt.exit()).isEqualTo(2);
        assertThat(corrupt.err()).contains("graft: " + broken).contains("truncated or not an ONNX model");
        assertThat(dir.resolve("o3")).doesNotExist();
    }

    private static float[] parse(String json) {
        String body = json.strip();
        assertThat(body).startsWith("[").endsWith("]");
        String[] parts = body.substring(1, body.length() - 1).split(",");
        float[] v = new float[parts.length];
        for (int i = 0; i < parts.length; i++) {
            v[i] = Float.parseFloat(parts[i]);
        }
        return v;
    }
}
