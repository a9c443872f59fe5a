package dev.graft.serve;

import dev.graft.finetune.FineTunedModel;
import dev.graft.finetune.Fixtures;
import dev.graft.nn.Compute;
import dev.graft.task.ClassificationData;
import dev.graft.task.ClassificationTask;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A classifier's request is tokenized once, on the request's thread ({@link ServedModel#prepare}), a text cut
 * to the model's length included: the batch predicts from the inputs' encodings and never reads their texts.
 */
class ServedTokenizationTest {
    @TempDir
    static Path dir;
    static ServeFixtures models;
    static Compute compute;

    @BeforeAll
    static void start() throws IOException {
        models = ServeFixtures.make(dir);
        compute = Compute.create(1);
    }

    @AfterAll
    static void stop() {
        compute.parallel().close();
    }

    @Test
    void aClassifierPredictsFromTheEncodingsMadeWhenTheRequestCameCutOnesIncluded() throws IOException {
        ServedModel.Classifier c = (ServedModel.Classifier) ServedModel.load("clf", models.classifier, compute, null);
        List<String> texts = new ArrayList<>();
        for (String[] s : Fixtures.sentiment(5, 41)) {
            texts.add(s[0]);
        }
        StringBuilder longText = new StringBuilder();
        while (c.tokenizer.encode(longText.toString(), true).length() <= c.maxLength() + 7) {
            longText.append(texts.get(longText.length() % texts.size())).append(' ');
        }
        texts.add(2, longText.toString().strip());
        List<ServedModel.Input> inputs = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            inputs.add(c.prepare(texts.get(i), i, true, 413));
        }

        // the long text is cut on the request's thread, exactly as graft predict cuts it
        FineTunedModel fm = FineTunedModel.load(models.classifier, compute);
        ClassificationData offline = ClassificationData.encode(fm.tokenizer(), texts, null, c.maxLength(), fm.padId());
        assertThat(offline.truncated()).isEqualTo(1);
        for (int i = 0; i < texts.size(); i++) {
            ServedModel.Input in = inputs.get(i);
            assertThat(in.truncated()).as("input %d", i).isEqualTo(i == 2);
            assertThat(in.encoding()).as("input %d", i).isNotNull();
            assertThat(in.encoding().ids()).as("input %d", i).containsExactly(offline.ids(i));
            assertThat(in.tokens()).isEqualTo(offline.ids(i).length);
        }
        assertThat(inputs.get(2).tokens()).isEqualTo(c.maxLength());

        // the batch reads the encodings only: the same inputs with other texts give the same answers, which are
        // graft predict's for the texts the requests sent
        List<ServedModel.Input> otherTexts = new ArrayList<>();
        for (ServedModel.Input in : inputs) {
            otherTexts.add(new ServedModel.Input("a bad film", in.tokens(), in.truncated(), in.encoding(), null));
        }
        List<Object> served = c.run(inputs);
        List<Object> fromEncodings = c.run(otherTexts);
        ClassificationTask task = new ClassificationTask(fm.classifier(), fm.head(), null, 1, null).frozen();
        float[][] expected = task.predict(offline, offline.batches(64)).probabilities();
        List<Object> ofTheOtherText = c.run(List.of(c.prepare("a bad film", 0, true, 413)));
        boolean anotherAnswer = false;
        for (int i = 0; i < texts.size(); i++) {
            assertThat((float[]) served.get(i)).as("input %d", i).containsExactly(expected[i]);
            assertThat((float[]) fromEncodings.get(i)).as("input %d", i).containsExactly(expected[i]);
            anotherAnswer |= !java.util.Arrays.equals((float[]) ofTheOtherText.get(0), expected[i]);
        }
        assertThat(anotherAnswer).as("the replaced text has answers of its own").isTrue();
    }
}
