package dev.graft.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.assertj.core.api.Assertions.assertThat;

/** Issue 23, item 10: a long fetch (MiniLM's 83 MB through mvn) says it is still running instead of going quiet. */
class RegistryClientsTest {
    @TempDir
    Path dir;

    @Test
    void aLongRunningClientSaysItIsStillRunning() throws Exception {
        List<String> messages = new CopyOnWriteArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord r) {
                messages.add(r.getMessage());
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        Logger log = Logger.getLogger(RegistryClients.class.getName());
        log.addHandler(capture);
        try {
            RegistryClients.Result r = new RegistryClients(List.of(), Duration.ofMillis(200)).run(List.of("/bin/sh", "-c", "sleep 1; echo done"),
                    dir, Map.of(), null);
            assertThat(r.stdout()).isEqualTo("done\n");
        } finally {
            log.removeHandler(capture);
        }
        assertThat(messages).isNotEmpty().allMatch(m -> m.startsWith("sh still running ("));
    }
}
