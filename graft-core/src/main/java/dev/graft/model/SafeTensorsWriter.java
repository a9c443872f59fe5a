package dev.graft.model;

import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.graft.io.FileModes;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Writes safetensors files for {@link SafeTensors#write}: F32 tensors, names sorted, the header
 * padded to a multiple of 8, written to a temporary file in the same directory, forced to disk and
 * atomically renamed over the target.
 */
final class SafeTensorsWriter {
    private static final int CHUNK_BYTES = 1 << 22;
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private SafeTensorsWriter() {
    }

    /** A run of floats to write. */
    record Slab(String name, int[] shape, float[] data, int offset, int size) {
    }

    static void write(Path file, List<Slab> slabs, Map<String, String> metadata) throws IOException {
        Objects.requireNonNull(file, "file");
        Map<String, String> meta = metadata == null ? Map.of() : metadata;
        Set<String> seen = new HashSet<>();
        for (Slab s : slabs) {
            if (s.name().isEmpty()) {
                throw new IllegalArgumentException("cannot write " + file + ": a tensor has an empty name");
            }
            if (s.name().equals(SafeTensors.METADATA_KEY)) {
                throw new IllegalArgumentException("cannot write " + file + ": '" + SafeTensors.METADATA_KEY
                        + "' is reserved for metadata and cannot name a tensor");
            }
            if (!seen.add(s.name())) {
                throw new IllegalArgumentException("cannot write " + file + ": tensor name '" + s.name()
                        + "' appears twice");
            }
            if (SafeTensors.checkedElementCount(s.name(), s.shape()) != s.size()) {
                throw new IllegalArgumentException("cannot write " + file + ": tensor '" + s.name() + "' has shape "
                        + Arrays.toString(s.shape()) + " but " + s.size() + " values");
            }
        }
        for (Map.Entry<String, String> e : meta.entrySet()) {
            if (e.getKey() == null || e.getValue() == null) {
                throw new IllegalArgumentException("cannot write " + file + ": metadata " + e.getKey() + " = "
                        + e.getValue() + " has a null key or value");
            }
        }

        List<Slab> sorted = new ArrayList<>(slabs);
        sorted.sort((a, b) -> Arrays.compareUnsigned(a.name().getBytes(StandardCharsets.UTF_8),
                b.name().getBytes(StandardCharsets.UTF_8)));
        ObjectNode root = JSON.createObjectNode();
        if (!meta.isEmpty()) {
            ObjectNode m = root.putObject(SafeTensors.METADATA_KEY);
            meta.forEach(m::put);
        }
        long offset = 0;
        for (Slab s : sorted) {
            ObjectNode t = root.putObject(s.name());
            t.put("dtype", SafeTensors.DType.F32);
            ArrayNode shape = t.putArray("shape");
            for (int d : s.shape()) {
                shape.add(d);
            }
            long bytes = 4L * s.size();
            t.putArray("data_offsets").add(offset).add(offset + bytes);
            offset += bytes;
        }
        byte[] json = JSON.writeValueAsBytes(root);
        int padded = (json.length + 7) / 8 * 8;
        byte[] headerBytes = Arrays.copyOf(json, padded);
        Arrays.fill(headerBytes, json.length, padded, (byte) ' ');

        Path absolute = file.toAbsolutePath();
        Path directory = absolute.getParent();
        if (directory == null || !Files.isDirectory(directory)) {
            throw new IOException("cannot write " + file + ": directory " + directory + " does not exist; create it first");
        }
        Path temporary = FileModes.createTempFile(directory, "." + absolute.getFileName() + ".", ".tmp");
        boolean moved = false;
        try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.WRITE)) {
            ByteBuffer buffer = ByteBuffer.allocateDirect(CHUNK_BYTES).order(ByteOrder.LITTLE_ENDIAN);
            buffer.putLong(headerBytes.length);
            writeFully(channel, buffer.flip());
            writeFully(channel, ByteBuffer.wrap(headerBytes));
            int perChunk = CHUNK_BYTES / 4;
            for (Slab s : sorted) {
                for (int done = 0; done < s.size(); ) {
                    int m = Math.min(perChunk, s.size() - done);
                    buffer.clear();
                    buffer.asFloatBuffer().put(s.data(), s.offset() + done, m);
                    buffer.limit(4 * m);
                    writeFully(channel, buffer);
                    done += m;
                }
            }
            channel.force(true);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(temporary);
            throw e;
        }
        try {
            try {
                Files.move(temporary, absolute, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException("cannot write " + file + ": the file system of " + directory
                        + " does not support atomic renames; write to a local disk", e);
            }
            moved = true;
        } finally {
            if (!moved) {
                Files.deleteIfExists(temporary);
            }
        }
        forceDirectory(directory);
    }

    /** Makes the rename durable (POSIX); a no-op where directories cannot be opened (Windows). */
    private static void forceDirectory(Path directory) {
        try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException | UnsupportedOperationException ignored) {
            // Not supported on this platform; the rename itself is still atomic.
        }
    }

    private static void writeFully(FileChannel channel, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
    }

}
