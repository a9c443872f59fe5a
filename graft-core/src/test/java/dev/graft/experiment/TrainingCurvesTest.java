package dev.graft.experiment;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TrainingCurvesTest {
    @Test
    void plotsLossAndValidationCurves(@TempDir Path run) throws IOException {
        Files.writeString(run.resolve("metrics.jsonl"), """
                {"type":"train","step":10,"loss":5.0,"lr":0.001}
                {"type":"train","step":20,"loss":4.0,"lr":0.001}
                {"type":"eval","step":20,"val_loss":4.2,"val_perplexity":66.7,"val_masked_accuracy":0.2}
                {"type":"train","step":30,"loss":3.5,"lr":0.001}
                {"type":"eval","step":30,"val_loss":3.9,"val_perplexity":49.4,"val_masked_accuracy":0.25}
                """);
        List<Path> files = TrainingCurves.plot(run);
        assertThat(files).containsExactly(run.resolve("loss.png"), run.resolve("validation.png"));
        BufferedImage img = ImageIO.read(run.resolve("loss.png").toFile());
        assertThat(img.getWidth()).isEqualTo(800);
        assertThat(img.getHeight()).isEqualTo(500);
    }

    @Test
    void aDamagedLineIsNamed(@TempDir Path run) throws IOException {
        Files.writeString(run.resolve("metrics.jsonl"), "{\"type\":\"train\",\"step\":1,\"loss\":2}\n{oops\n");
        assertThatThrownBy(() -> TrainingCurves.plot(run)).hasMessageContaining("metrics.jsonl:2");
    }

    @Test
    void aFolderWithoutMetricsIsAClearError(@TempDir Path run) {
        assertThatThrownBy(() -> TrainingCurves.plot(run)).hasMessageContaining("no metrics.jsonl");
    }
}
