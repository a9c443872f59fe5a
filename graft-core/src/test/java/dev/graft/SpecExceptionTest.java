package dev.graft;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class SpecExceptionTest {

    @Test
    void positiveNamesTheFieldAndTheValue() {
        SpecException e = assertThrows(SpecException.class, () -> SpecException.positive("optimizer.learningRate", -0.5));
        assertEquals("optimizer.learningRate must be > 0, got -0.5", e.getMessage());
        assertEquals(List.of("optimizer.learningRate"), e.fields());
        SpecException n = assertThrows(SpecException.class, () -> SpecException.positive("batchSize", 0));
        assertEquals("batchSize must be > 0, got 0", n.getMessage());
        SpecException nan = assertThrows(SpecException.class, () -> SpecException.nonNegative("clip", Double.NaN));
        assertEquals("clip must be >= 0, got NaN", nan.getMessage());
        SpecException.positive("batchSize", 1);
        SpecException.nonNegative("clip", 0);
    }

    @Test
    void atLeastNamesTheFieldTheBoundAndTheValue() {
        SpecException e = assertThrows(SpecException.class, () -> SpecException.atLeast("accumulation", 0, 1));
        assertEquals("accumulation must be >= 1, got 0", e.getMessage());
        assertEquals(List.of("accumulation"), e.fields());
        SpecException far = assertThrows(SpecException.class, () -> SpecException.atLeast("threads", -3, 2));
        assertEquals("threads must be >= 2, got -3", far.getMessage());
        SpecException.atLeast("accumulation", 1, 1);
        SpecException.atLeast("threads", 7, 2);
    }

    @Test
    void trainingOptionsAndTokenizerSettingsNameTheirFields() {
        dev.graft.train.TrainingOptions ok = dev.graft.train.TrainingOptions.defaults(10, 1e-3f);
        SpecException keep = assertThrows(SpecException.class, () -> new dev.graft.train.TrainingOptions(10, 0, null,
                1e-3f, ok.schedule(), 0f, 0.9f, 0.98f, 1e-6f, 1.0, 1, 10, 0, 0, 0, false));
        assertEquals("keepCheckpoints must be >= 1, got 0", keep.getMessage());
        SpecException lr = assertThrows(SpecException.class, () -> dev.graft.train.TrainingOptions.defaults(10, 0f));
        assertEquals(List.of("learningRate"), lr.fields());
        SpecException vocab = assertThrows(SpecException.class, () -> dev.graft.tokenizer.TokenizerTrainer.Settings.of(
                dev.graft.tokenizer.TokenizerTrainer.Type.BPE, 0));
        assertEquals("vocabularySize must be >= 1, got 0", vocab.getMessage());
    }

    @Test
    void messageWithReplacesWholeFieldNamesOnly() {
        SpecException e = new SpecException(List.of("run.maxTime", "lr", "maxTime"),
                "run.maxTime 0s is too short for lr warm-up; lrMultiplier and maxTime stay");
        Map<String, String> flags = Map.of("run.maxTime", "--max-time", "lr", "--lr");
        assertEquals("--max-time 0s is too short for --lr warm-up; lrMultiplier and maxTime stay",
                e.messageWith(flags::get));
        // a name nothing maps stays as the library caller wrote it
        assertEquals(e.getMessage(), e.messageWith(f -> null));
    }

    @Test
    void pathsFileNamesAndCommandNamesAreNotFields() {
        SpecException e = new SpecException(List.of("out", "data", "tokenizer"),
                "runs/out and out.txt are not out; graft data list is not data; tokenizer.json is not tokenizer");
        Map<String, String> flags = Map.of("out", "--out", "data", "--data", "tokenizer", "--tokenizer");
        assertEquals("runs/out and out.txt are not --out; graft data list is not --data; tokenizer.json is not "
                + "--tokenizer", e.messageWith(flags::get));
    }

    @Test
    void anIOExceptionNamesFieldsTheSameWay() {
        SpecIOException e = new SpecIOException(List.of("teacher"), "runs/teacher does not exist: teacher takes a folder");
        assertEquals(List.of("teacher"), e.fields());
        assertEquals("runs/teacher does not exist: --teacher takes a folder", e.messageWith(f -> "--" + f));
        assertThrows(IllegalStateException.class, () -> new SpecIOException("heads", "give the number explicitly"));
    }

    @Test
    void pathsAndFileNamesAreNotFields() {
        SpecException e = new SpecException(List.of("base", "tokenizer"),
                "base runs/base/ckpt has no tokenizer.json: give tokenizer, or a base with one (C:\\base)");
        assertEquals("--base runs/base/ckpt has no tokenizer.json: give --tokenizer, or a --base with one (C:\\base)",
                e.messageWith(Map.of("base", "--base", "tokenizer", "--tokenizer")::get));
    }

    @Test
    void aMessageMustNameItsFields() {
        assertThrows(IllegalStateException.class, () -> new SpecException("seqLen", "sequence length must be > 0"));
    }
}
