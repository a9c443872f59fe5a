package dev.graft.model;

import dev.graft.model.SafeTensors.Entry;
import dev.graft.model.SafeTensors.FormatException;
import dev.graft.model.SafeTensors.Named;
import dev.graft.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.offset;

class SafeTensorsTest {

    @TempDir
    Path dir;

    // ------------------------------------------------------------------------------ round trip

    @Test
    void roundTripIsBitIdenticalForOddShapesScalarsAndSpecialValues() throws IOException {
        Random random = new Random(7);
        List<Named> tensors = new ArrayList<>();
        int[][] shapes = {{}, {1}, {3}, {2, 3}, {5, 1, 7}, {0}, {2, 0, 3}, {3, 17, 1, 2}};
        for (int i = 0; i < shapes.length; i++) {
            int n = 1;
            for (int d : shapes[i]) {
                n *= d;
            }
            float[] values = new float[n];
            for (int j = 0; j < n; j++) {
                values[j] = (float) random.nextGaussian();
            }
            tensors.add(new Named("t" + i, shapes[i], values));
        }
        float[] special = {Float.NaN, Float.intBitsToFloat(0x7fc12345), -0f, 0f, Float.POSITIVE_INFINITY,
                Float.NEGATIVE_INFINITY, Float.MIN_VALUE, -Float.MAX_VALUE, 1e-40f};
        tensors.add(new Named("special", new int[]{special.length}, special));
        Map<String, String> metadata = Map.of("format", "pt", "note", "ünïcødé ✓");
        Path file = dir.resolve("round.safetensors");

        SafeTensors.write(file, tensors, metadata);
        Map<String, Entry> read = SafeTensors.read(file);

        assertThat(read).hasSize(tensors.size());
        for (Named t : tensors) {
            Entry e = read.get(t.name());
            assertThat(e.dtype()).isEqualTo("F32");
            assertThat(e.shape()).containsExactly(t.shape());
            assertThat(bits(e.floats())).as(t.name()).containsExactly(bits(t.values()));
        }
        assertThat(SafeTensors.metadata(file)).isEqualTo(metadata);
    }

    @Test
    void writesHeaderSortedByNameMetadataFirstAndPaddedToEightBytes() throws IOException {
        Path file = dir.resolve("sorted.safetensors");
        SafeTensors.write(file, List.of(
                new Named("b", new int[]{1}, new float[]{2}),
                new Named("a.weight", new int[]{2}, new float[]{1, 1}),
                new Named("B", new int[]{}, new float[]{3})), Map.of("k", "v"));

        byte[] bytes = Files.readAllBytes(file);
        long headerLength = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertThat(headerLength % 8).isZero();
        String header = new String(bytes, 8, (int) headerLength, StandardCharsets.UTF_8);
        assertThat(header).startsWith("{\"__metadata__\":{\"k\":\"v\"},\"B\":");
        assertThat(header.indexOf("\"B\"")).isLessThan(header.indexOf("\"a.weight\""));
        assertThat(header.indexOf("\"a.weight\"")).isLessThan(header.indexOf("\"b\""));
        assertThat(header.stripTrailing()).endsWith("}");
        assertThat(bytes.length).isEqualTo(8 + headerLength + 4 * 4);
        assertThat(SafeTensors.read(file).keySet()).containsExactly("B", "a.weight", "b");
    }

    @Test
    void writesTensorViewsWithoutCopying() throws IOException {
        float[] slab = {9, 9, 1, 2, 3, 4, 5, 6, 9};
        Map<String, Tensor> views = new LinkedHashMap<>();
        views.put("w", new Tensor(slab, 2, 2, 3));
        views.put("s", new Tensor(slab, 8, new int[0]));
        Path file = dir.resolve("views.safetensors");

        SafeTensors.write(file, views, Map.of());

        Map<String, Entry> read = SafeTensors.read(file);
        assertThat(read.get("w").floats()).containsExactly(1, 2, 3, 4, 5, 6);
        assertThat(read.get("w").toTensor().shape()).containsExactly(2, 3);
        assertThat(read.get("s").shape()).isEmpty();
        assertThat(read.get("s").floats()).containsExactly(9);
        assertThat(SafeTensors.metadata(file)).isEmpty();
    }

    @Test
    void atomicWriteLeavesNoTemporaryFileAndReplacesAnOldFile() throws IOException {
        Path file = dir.resolve("model.safetensors");
        SafeTensors.write(file, List.of(new Named("x", new int[]{2}, new float[]{1, 2})), Map.of());
        SafeTensors.write(file, List.of(new Named("x", new int[]{3}, new float[]{4, 5, 6})), Map.of());

        assertThat(listDir()).containsExactly("model.safetensors");
        assertThat(SafeTensors.read(file).get("x").floats()).containsExactly(4, 5, 6);
    }

    @Test
    void rejectedWriteLeavesTheOldFileIntactAndNoTemporaryFile() throws IOException {
        Path file = dir.resolve("model.safetensors");
        SafeTensors.write(file, List.of(new Named("x", new int[]{1}, new float[]{1})), Map.of());
        byte[] before = Files.readAllBytes(file);

        assertThatThrownBy(() -> SafeTensors.write(file, List.of(
                new Named("x", new int[]{1}, new float[]{1}),
                new Named("x", new int[]{1}, new float[]{2})), Map.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("tensor name 'x' appears twice");
        assertThatThrownBy(() -> SafeTensors.write(file,
                List.of(new Named("__metadata__", new int[]{1}, new float[]{1})), Map.of()))
                .hasMessageContaining("reserved");

        assertThat(Files.readAllBytes(file)).isEqualTo(before);
        assertThat(listDir()).containsExactly("model.safetensors");
    }

    @Test
    void namedRejectsValuesThatDoNotMatchTheShape() {
        assertThatThrownBy(() -> new Named("w", new int[]{2, 3}, new float[5]))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("tensor 'w' has shape [2, 3] = 6 elements but 5 values");
    }

    @Test
    void writeIntoMissingDirectorySaysSo() {
        Path file = dir.resolve("no/such/dir/model.safetensors");
        assertThatThrownBy(() -> SafeTensors.write(file, List.of(), Map.of()))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("does not exist; create it first");
    }

    // ------------------------------------------------------------------------------ other dtypes

    @Test
    void readsF16Bf16I32AndI64() throws IOException {
        ByteBuffer data = ByteBuffer.allocate(2 * 3 + 2 * 2 + 4 * 2 + 8 * 2).order(ByteOrder.LITTLE_ENDIAN);
        data.putShort(Float.floatToFloat16(1.5f)).putShort(Float.floatToFloat16(-2f)).putShort((short) 0x7c00);
        data.putShort((short) (Float.floatToRawIntBits(3.25f) >>> 16)).putShort((short) (Float.floatToRawIntBits(-0.5f) >>> 16));
        data.putInt(-7).putInt(Integer.MAX_VALUE);
        data.putLong(Long.MIN_VALUE).putLong(42);
        Path file = raw("dtypes.safetensors", """
                {"h":{"dtype":"F16","shape":[3],"data_offsets":[0,6]},
                 "b":{"dtype":"BF16","shape":[2,1],"data_offsets":[6,10]},
                 "i":{"dtype":"I32","shape":[2],"data_offsets":[10,18]},
                 "l":{"dtype":"I64","shape":[1,2],"data_offsets":[18,34]}}""", data.array());

        Map<String, Entry> read = SafeTensors.read(file);

        assertThat(read.keySet()).containsExactly("h", "b", "i", "l");
        assertThat(read.get("h").floats()).containsExactly(1.5f, -2f, Float.POSITIVE_INFINITY);
        assertThat(read.get("b").floats()).containsExactly(3.25f, -0.5f);
        assertThat(read.get("b").shape()).containsExactly(2, 1);
        assertThat(read.get("i").longs()).containsExactly(-7, Integer.MAX_VALUE);
        assertThat(read.get("l").longs()).containsExactly(Long.MIN_VALUE, 42);
        assertThat(SafeTensors.read(file, name -> name.equals("l")).keySet()).containsExactly("l");
    }

    @Test
    void readIntoFillsTensorViewsInPlaceConvertingHalfPrecisionAndRejectsMismatches() throws IOException {
        ByteBuffer data = ByteBuffer.allocate(2 * 3 + 4 * 4 + 8).order(ByteOrder.LITTLE_ENDIAN);
        data.putShort(Float.floatToFloat16(1.5f)).putShort(Float.floatToFloat16(-2f)).putShort((short) 0x7c00);
        data.putFloat(0.25f).putFloat(-7f).putFloat(Float.MIN_VALUE).putFloat(3e38f);
        data.putLong(5);
        Path file = raw("into.safetensors", """
                {"h":{"dtype":"F16","shape":[3],"data_offsets":[0,6]},
                 "w":{"dtype":"F32","shape":[2,2],"data_offsets":[6,22]},
                 "ids":{"dtype":"I64","shape":[1],"data_offsets":[22,30]}}""", data.array());
        float[] slab = new float[11];
        java.util.Arrays.fill(slab, 9f);
        Tensor w = new Tensor(slab, 1, 2, 2);
        Tensor h = new Tensor(slab, 7, 3);
        SafeTensors.Header header = SafeTensors.header(file);

        header.readInto(Map.of("w", w, "h", h));

        assertThat(slab).containsExactly(9f, 0.25f, -7f, Float.MIN_VALUE, 3e38f, 9f, 9f, 1.5f, -2f,
                Float.POSITIVE_INFINITY, 9f);
        assertThatThrownBy(() -> header.readInto(Map.of("w", new Tensor(new float[4], 0, 4))))
                .isInstanceOf(FormatException.class)
                .hasMessage(file + ": tensor 'w' has shape [2, 2] but [4] was expected; is this the weights file of "
                        + "the model being loaded?");
        assertThatThrownBy(() -> header.readInto(Map.of("ids", new Tensor(new float[1], 0, 1))))
                .hasMessage(file + ": tensor 'ids' is stored as I64, not as floating-point values; is this the weights "
                        + "file of the model being loaded?");
        assertThatThrownBy(() -> header.readInto(Map.of("x", new Tensor(new float[1], 0, 1))))
                .hasMessageContaining("has no tensor 'x'; it has 3 tensors");
    }

    @Test
    void askingForTheWrongKindNamesFileTensorAndDtype() throws IOException {
        Path file = raw("kinds.safetensors", """
                {"ids":{"dtype":"I64","shape":[1],"data_offsets":[0,8]},
                 "w":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}""", new byte[12]);
        Map<String, Entry> read = SafeTensors.read(file);

        assertThatThrownBy(() -> read.get("ids").floats())
                .isInstanceOf(IllegalStateException.class)
                .hasMessage(file + ": tensor 'ids' is I64[1], an integer tensor, where a float tensor was expected;"
                        + " read it with longs(), or check that the name refers to the tensor you meant");
        assertThatThrownBy(() -> read.get("w").longs())
                .hasMessageContaining("tensor 'w' is F32[1], a float tensor, where an integer tensor was expected");
    }

    @Test
    void missingTensorListsWhatTheFileHas() throws IOException {
        Path file = raw("few.safetensors", "{\"a\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4]}}", new byte[4]);
        assertThatThrownBy(() -> SafeTensors.header(file).read("b"))
                .isInstanceOf(FormatException.class)
                .hasMessage(file + ": has no tensor 'b'; it has 1 tensors: a");
    }

    // ------------------------------------------------------------------------------ bad files

    @Test
    void missingFile() {
        Path file = dir.resolve("absent.safetensors");
        assertThatThrownBy(() -> SafeTensors.read(file))
                .isInstanceOf(FormatException.class)
                .hasMessage(file + ": does not exist; check the path");
    }

    @Test
    void fileShorterThanTheLengthField() throws IOException {
        Path file = dir.resolve("short.safetensors");
        Files.write(file, new byte[]{1, 2, 3});
        assertThatThrownBy(() -> SafeTensors.read(file))
                .isInstanceOf(FormatException.class)
                .hasMessageContaining("is 3 bytes long, too short for a safetensors file")
                .hasMessageContaining("re-download or re-save it");
    }

    @Test
    void headerLengthLargerThanTheFile() throws IOException {
        Path file = rawWithLength("big.safetensors", 1000, "{}".getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(() -> SafeTensors.read(file))
                .isInstanceOf(FormatException.class)
                .hasMessage(file + ": header length field says 1000 bytes but only 2 bytes follow it: the file is"
                        + " truncated or is not a safetensors file; re-download or re-save it");
    }

    @Test
    void headerLengthWithTheTopBitSet() throws IOException {
        Path file = rawWithLength("huge.safetensors", -1L, "{}".getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(() -> SafeTensors.read(file))
                .hasMessageContaining("header length field says 18446744073709551615 bytes but only 2 bytes follow it");
    }

    @Test
    void malformedJson() throws IOException {
        Path file = raw("bad.safetensors", "{\"a\": {\"dtype\": \"F32\", ", new byte[0]);
        assertThatThrownBy(() -> SafeTensors.read(file))
                .isInstanceOf(FormatException.class)
                .hasMessageStartingWith(file + ": header is not valid JSON (")
                .hasMessageEndingWith("the file is corrupt or not safetensors; re-download or re-save it");
    }

    @Test
    void headerThatIsNotAnObject() throws IOException {
        Path file = raw("array.safetensors", "[1, 2]", new byte[0]);
        assertThatThrownBy(() -> SafeTensors.read(file))
                .hasMessageContaining("header is JSON but not an object (it is an array)");
    }

    @Test
    void duplicateTensorName() throws IOException {
        Path file = raw("dup.safetensors", """
                {"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},
                 "a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}""", new byte[8]);
        assertThatThrownBy(() -> SafeTensors.read(file))
                .hasMessageContaining("header is not valid JSON (Duplicate field 'a'");
    }

    @Test
    void unknownDtype() throws IOException {
        Path file = raw("dtype.safetensors", "{\"a\":{\"dtype\":\"F33\",\"shape\":[1],\"data_offsets\":[0,4]}}", new byte[4]);
        assertThatThrownBy(() -> SafeTensors.read(file))
                .isInstanceOf(FormatException.class)
                .hasMessage(file + ": tensor 'a' has unknown dtype \"F33\" (graft reads BF16, F16, F32, I32, I64):"
                        + " the header is corrupt or from a newer format; re-save the file");
    }

    @Test
    void validButUnsupportedDtypeSaysConvert() throws IOException {
        Path file = raw("f64.safetensors", "{\"a\":{\"dtype\":\"F64\",\"shape\":[1],\"data_offsets\":[0,8]}}", new byte[8]);
        assertThatThrownBy(() -> SafeTensors.read(file))
                .hasMessageContaining("tensor 'a' has dtype F64, which graft does not read")
                .hasMessageContaining("t.float()");
    }

    @Test
    void missingOrMalformedFields() throws IOException {
        Path noShape = raw("noshape.safetensors", "{\"a\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", new byte[4]);
        assertThatThrownBy(() -> SafeTensors.read(noShape)).hasMessageContaining("tensor 'a' has no \"shape\"");
        Path negative = raw("neg.safetensors", "{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", new byte[4]);
        assertThatThrownBy(() -> SafeTensors.read(negative))
                .hasMessageContaining("tensor 'a' has shape [-1] whose dimension 0 is not an integer");
        Path offsets = raw("offs.safetensors", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0]}}", new byte[4]);
        assertThatThrownBy(() -> SafeTensors.read(offsets))
                .hasMessageContaining("tensor 'a' has data_offsets [0] instead of two non-negative integers");
        Path notObject = raw("str.safetensors", "{\"a\":\"F32\"}", new byte[0]);
        assertThatThrownBy(() -> SafeTensors.read(notObject))
                .hasMessageContaining("tensor 'a' is described by a string instead of an object");
        Path badMetadata = raw("meta.safetensors", "{\"__metadata__\":{\"n\":3}}", new byte[0]);
        assertThatThrownBy(() -> SafeTensors.read(badMetadata))
                .hasMessageContaining("metadata value for \"n\" is a number but safetensors metadata values must be strings");
    }

    @Test
    void byteCountDoesNotMatchShape() throws IOException {
        Path file = raw("mismatch.safetensors", "{\"w\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,20]}}", new byte[20]);
        assertThatThrownBy(() -> SafeTensors.read(file))
                .isInstanceOf(FormatException.class)
                .hasMessage(file + ": tensor 'w' has shape [2, 3] of F32 = 6 x 4 = 24 bytes but data_offsets [0, 20)"
                        + " span 20 bytes: the header does not match the data; the file is corrupt, re-save it");
    }

    @Test
    void truncatedBody() throws IOException {
        Path file = raw("model.safetensors", "{\"x\":{\"dtype\":\"F32\",\"shape\":[10],\"data_offsets\":[0,40]}}", new byte[12]);
        assertThatThrownBy(() -> SafeTensors.read(file))
                .isInstanceOf(FormatException.class)
                .hasMessage(file + ": tensor 'x' declares 40 bytes at [0, 40) but the file's data section has only"
                        + " 12 bytes: the file is truncated; re-download or re-save it");
    }

    @Test
    void offsetsThatEndBeforeTheyBegin() throws IOException {
        Path file = raw("reversed.safetensors", "{\"x\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[8,0]}}", new byte[8]);
        assertThatThrownBy(() -> SafeTensors.read(file))
                .hasMessageContaining("tensor 'x' declares data_offsets [8, 0) that end before they begin");
    }

    @Test
    void overlappingOffsets() throws IOException {
        Path file = raw("overlap.safetensors", """
                {"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},
                 "b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}""", new byte[12]);
        assertThatThrownBy(() -> SafeTensors.read(file))
                .isInstanceOf(FormatException.class)
                .hasMessage(file + ": tensor 'b' at [4, 12) overlaps tensor 'a' at [0, 8): the header is corrupt;"
                        + " re-save the file");
    }

    @Test
    void gapBetweenTensors() throws IOException {
        Path file = raw("gap.safetensors", """
                {"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},
                 "b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}""", new byte[12]);
        assertThatThrownBy(() -> SafeTensors.read(file))
                .isInstanceOf(FormatException.class)
                .hasMessageContaining("bytes [4, 8) of the data section belong to no tensor (gap after 'a' before 'b')");
        Path leading = raw("lead.safetensors", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", new byte[8]);
        assertThatThrownBy(() -> SafeTensors.read(leading))
                .hasMessageContaining("gap before the first tensor before 'a'");
    }

    @Test
    void trailingBytesNoTensorAccountsFor() throws IOException {
        Path file = raw("trail.safetensors", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", new byte[10]);
        assertThatThrownBy(() -> SafeTensors.read(file))
                .isInstanceOf(FormatException.class)
                .hasMessage(file + ": the tensors cover 4 bytes but the data section has 10: 6 trailing bytes belong"
                        + " to no tensor; the file was appended to or its header is corrupt; re-save it");
    }

    @Test
    void headerThatLiesAboutOffsetsConsistentlyButPastTheEnd() throws IOException {
        // Each entry agrees with its shape and they tile [0, 16), but the body holds only 8 bytes.
        Path file = raw("liar.safetensors", """
                {"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},
                 "b":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}}""", new byte[8]);
        assertThatThrownBy(() -> SafeTensors.read(file))
                .hasMessageContaining("tensor 'b' declares 8 bytes at [8, 16) but the file's data section has only 8"
                        + " bytes: the file is truncated");
    }

    // ------------------------------------------------------------------------------ PyTorch fixtures

    private static final int BATCH = 3;
    private static final int SEQ = 11;
    private static final int VOCAB = 99;

    @Test
    void readsTheTinyBertFixtureWrittenByPyTorch() throws Exception {
        Path file = fixture("tiny_bert.safetensors");
        Map<String, String> meta = SafeTensors.metadata(file);
        assertThat(meta).containsEntry("vocab_size", "99").containsEntry("hidden_size", "32")
                .containsEntry("num_heads", "4").containsEntry("ffn", "37").containsEntry("layers", "2")
                .containsEntry("eps", "1e-12").containsEntry("loss_reduction", "mean over non-ignored positions");
        Map<String, Entry> t = SafeTensors.read(file);

        Map<String, int[]> shapes = new LinkedHashMap<>();
        shapes.put("bert.embeddings.word_embeddings.weight", new int[]{99, 32});
        shapes.put("bert.embeddings.position_embeddings.weight", new int[]{16, 32});
        shapes.put("bert.embeddings.token_type_embeddings.weight", new int[]{2, 32});
        shapes.put("bert.embeddings.LayerNorm.weight", new int[]{32});
        shapes.put("bert.encoder.layer.1.attention.self.query.weight", new int[]{32, 32});
        shapes.put("bert.encoder.layer.1.attention.output.LayerNorm.bias", new int[]{32});
        shapes.put("bert.encoder.layer.0.intermediate.dense.weight", new int[]{37, 32});
        shapes.put("bert.encoder.layer.0.output.dense.weight", new int[]{32, 37});
        shapes.put("cls.predictions.transform.dense.weight", new int[]{32, 32});
        shapes.put("cls.predictions.bias", new int[]{99});
        for (var e : shapes.entrySet()) {
            for (String prefix : List.of("param.", "grad.", "after.")) {
                assertThat(t.get(prefix + e.getKey())).as(prefix + e.getKey()).isNotNull();
                assertThat(t.get(prefix + e.getKey()).shape()).as(prefix + e.getKey()).containsExactly(e.getValue());
            }
        }
        // 5 embedding tensors + 16 per layer + 5 head tensors, each as param, grad and after.
        assertThat(t.keySet().stream().filter(n -> n.startsWith("param."))).hasSize(5 + 16 * 2 + 5);
        assertThat(t.keySet()).noneMatch(n -> n.contains("decoder") || n.contains("pooler"));
        // HF zeroes the padding row of the word embeddings at init.
        float[] words = t.get("param.bert.embeddings.word_embeddings.weight").floats();
        for (int c = 0; c < 32; c++) {
            assertThat(words[c]).isZero();
        }

        long[] mask = t.get("input.attention_mask").longs();
        assertThat(t.get("input.input_ids").dtype()).isEqualTo("I64");
        assertThat(t.get("input.input_ids").shape()).containsExactly(BATCH, SEQ);
        assertThat(java.util.Arrays.stream(t.get("input.input_ids").longs())).allMatch(id -> id >= 0 && id < VOCAB);
        assertThat(rowSums(mask)).containsExactly(11, 8, 5);
        long[] labels = t.get("input.labels").longs();
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] != -100) {
                assertThat(mask[i]).as("label on a padded position %d", i).isEqualTo(1);
            }
        }

        float[] logits = t.get("output.logits").floats();
        assertThat(t.get("output.logits").shape()).containsExactly(BATCH, SEQ, VOCAB);
        assertThat(t.get("output.loss").shape()).isEmpty();
        float loss = t.get("output.loss").floats()[0];
        assertThat(crossEntropy(logits, labels, 0)).isCloseTo(loss, offset(1e-5));
        float[] steps = t.get("steps.loss").floats();
        assertThat(steps).hasSize(10);
        assertThat(Float.floatToRawIntBits(steps[0])).isEqualTo(Float.floatToRawIntBits(loss));
        assertThat(steps[9]).isLessThan(steps[0]);
    }

    @Test
    void readsTheTinyGptFixtureWrittenByPyTorch() throws Exception {
        Path file = fixture("tiny_gpt.safetensors");
        assertThat(SafeTensors.metadata(file)).containsEntry("eps", "1e-05").containsEntry("ffn", "37")
                .containsEntry("loss_reduction", "mean over non-ignored positions");
        Map<String, Entry> t = SafeTensors.read(file);

        Map<String, int[]> shapes = new LinkedHashMap<>();
        shapes.put("transformer.wte.weight", new int[]{99, 32});
        shapes.put("transformer.wpe.weight", new int[]{16, 32});
        shapes.put("transformer.h.0.ln_1.weight", new int[]{32});
        shapes.put("transformer.h.0.attn.c_attn.weight", new int[]{32, 96});
        shapes.put("transformer.h.0.attn.c_attn.bias", new int[]{96});
        shapes.put("transformer.h.1.attn.c_proj.weight", new int[]{32, 32});
        shapes.put("transformer.h.1.mlp.c_fc.weight", new int[]{32, 37});
        shapes.put("transformer.h.1.mlp.c_proj.weight", new int[]{37, 32});
        shapes.put("transformer.ln_f.bias", new int[]{32});
        for (var e : shapes.entrySet()) {
            for (String prefix : List.of("param.", "grad.", "after.")) {
                assertThat(t.get(prefix + e.getKey()).shape()).as(prefix + e.getKey()).containsExactly(e.getValue());
            }
        }
        assertThat(t.keySet().stream().filter(n -> n.startsWith("param."))).hasSize(2 + 12 * 2 + 2);
        assertThat(t.keySet()).noneMatch(n -> n.contains("lm_head"));
        assertThat(t).doesNotContainKey("input.attention_mask");

        long[] ids = t.get("input.input_ids").longs();
        long[] labels = t.get("input.labels").longs();
        int ignored = 0;
        for (int i = 0; i < ids.length; i++) {
            if (labels[i] == -100) {
                ignored++;
            } else {
                assertThat(labels[i]).isEqualTo(ids[i]);
            }
        }
        assertThat(ignored).isPositive();
        float loss = t.get("output.loss").floats()[0];
        assertThat(crossEntropy(t.get("output.logits").floats(), labels, 1))
                .isCloseTo(loss, offset(1e-5));
        assertThat(t.get("steps.loss").floats()[0]).isEqualTo(loss);
    }

    // ------------------------------------------------------------------------------ helpers

    /** Mean cross-entropy (double precision) of logits at t vs labels at t + shift, skipping -100. */
    private static double crossEntropy(float[] logits, long[] labels, int shift) {
        double sum = 0;
        int count = 0;
        for (int b = 0; b < BATCH; b++) {
            for (int t = 0; t + shift < SEQ; t++) {
                long target = labels[b * SEQ + t + shift];
                if (target == -100) {
                    continue;
                }
                int row = (b * SEQ + t) * VOCAB;
                double max = Double.NEGATIVE_INFINITY;
                for (int v = 0; v < VOCAB; v++) {
                    max = Math.max(max, logits[row + v]);
                }
                double z = 0;
                for (int v = 0; v < VOCAB; v++) {
                    z += Math.exp(logits[row + v] - max);
                }
                sum += Math.log(z) + max - logits[row + (int) target];
                count++;
            }
        }
        return sum / count;
    }

    private static long[] rowSums(long[] mask) {
        long[] sums = new long[BATCH];
        for (int i = 0; i < mask.length; i++) {
            sums[i / SEQ] += mask[i];
        }
        return sums;
    }

    /** A committed fixture; a missing one fails (never skips) and says how to regenerate it. */
    private static Path fixture(String name) throws URISyntaxException {
        URL url = SafeTensorsTest.class.getResource("/fixtures/" + name);
        assertThat(url).as("fixture /fixtures/" + name + " is missing; regenerate it with"
                + " /usr/bin/python3 tools/reference/make_fixtures.py (see tools/reference/README.md)").isNotNull();
        return Path.of(url.toURI());
    }

    private Path raw(String name, String header, byte[] data) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        return rawWithLength(name, h.length, concat(h, data));
    }

    private Path rawWithLength(String name, long headerLength, byte[] rest) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(8 + rest.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(headerLength).put(rest);
        Path file = dir.resolve(name);
        Files.write(file, b.array());
        return file;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static int[] bits(float[] values) {
        int[] out = new int[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = Float.floatToRawIntBits(values[i]);
        }
        return out;
    }

    private List<String> listDir() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
